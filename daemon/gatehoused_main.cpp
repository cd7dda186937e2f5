#include "gatehouse/daemon/cli.hpp"

int main(int argc, char** argv) { return gatehouse::daemon::gatehoused_main(argc, argv); }
