#pragma once
// One console message (alert, alert state, decision, screening) as one line for people.
#include <string>

#include <nlohmann/json.hpp>

#include "text_table.hpp"

namespace gatehouse::daemon::cli {

/// Time, what, where, who; coloured by severity (alerts) or result (decisions) when `style` is enabled. Messages
/// of other types are shown as their topic and raw JSON.
std::string console_line(const std::string& topic, const nlohmann::json& message, const Style& style);

}  // namespace gatehouse::daemon::cli
