#pragma once
#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

namespace gatehouse::daemon::cli {

/// Sends one request to the daemon's control socket and returns its reply. Throws std::runtime_error
/// naming the endpoint when the daemon does not answer within `timeout`.
nlohmann::json control_request(const std::string& endpoint, const nlohmann::json& request,
                               std::chrono::milliseconds timeout = std::chrono::seconds(3));

}  // namespace gatehouse::daemon::cli
