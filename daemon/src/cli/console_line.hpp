#pragma once
// One console message (alert, alert state, decision, screening) as one line for people.
#include <string>

#include <nlohmann/json.hpp>

#include "gatehouse/daemon/local_time_zone.hpp"
#include "text_table.hpp"

namespace gatehouse::daemon::cli {

/// Time (local wall-clock time in `zone`, as the guards read the gate's clock), what, where, who; coloured by
/// severity (alerts) or result (decisions) when `style` is enabled. Messages of other types are shown as their
/// topic and raw JSON. A field of an unexpected JSON type is shown empty, never thrown on.
std::string console_line(const std::string& topic, const nlohmann::json& message, const Style& style,
                         const LocalTimeZone& zone);

}  // namespace gatehouse::daemon::cli
