#include "gatehouse/daemon/logging.hpp"

#include <stdexcept>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace gatehouse::daemon {

void configure_logging(const std::string& level) {
    const auto parsed = spdlog::level::from_str(level);
    if (parsed == spdlog::level::off && level != "off") throw std::invalid_argument("unknown log level '" + level + "'");
    auto logger = spdlog::stderr_color_mt("gatehouse");
    if (isatty(STDERR_FILENO)) {
        logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
    } else {
        logger->set_pattern("%l: %v");
    }
    logger->set_level(parsed);
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(logger);
}

}  // namespace gatehouse::daemon
