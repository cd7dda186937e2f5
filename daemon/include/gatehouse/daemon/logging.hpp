#pragma once
#include <string>

namespace gatehouse::daemon {

/// Sets up spdlog on stderr at `level`: timestamps and colour on a terminal; under journald (or any
/// non-terminal) level and message only, so timestamps are not doubled. Throws std::invalid_argument for an
/// unknown level.
void configure_logging(const std::string& level);

}  // namespace gatehouse::daemon
