#include "gatehouse/daemon/cli.hpp"

int main(int argc, char** argv) { return gatehouse::daemon::gatehouse_cli_main(argc, argv); }
