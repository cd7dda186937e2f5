#include "control_client.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include <CLI/CLI.hpp>
#include <toml++/toml.h>
#include <zmq.hpp>

#include "gatehouse/daemon/gateway_config.hpp"
#include "ledger_location.hpp"

namespace gatehouse::daemon::cli {

void ControlTarget::add_options(CLI::App& cmd, const std::string& key_listed_in) {
    cmd.add_option("--config,-c", config_,
                   std::string("Configuration file naming the control socket (default ") + kDefaultConfigPath + ")");
    add_control_option(cmd, key_listed_in);
}

void ControlTarget::add_control_option(CLI::App& cmd, const std::string& key_listed_in) {
    cmd.add_option("--control", control_, "Control socket endpoint (overrides the configuration)");
    keys_.add_options(cmd, key_listed_in);
}

namespace {

// listen.control of a file that does not validate (an operator in the middle of an edit): reaching the running
// daemon needs only this one key. From the file when it still parses as TOML, else the default endpoint.
std::string control_endpoint_despite(const std::string& file, const ConfigError& error) {
    std::string endpoint = GatewayConfig{}.control_endpoint;
    try {
        const toml::table doc = toml::parse_file(file);
        if (auto value = doc["listen"]["control"].value<std::string>()) endpoint = *value;
    } catch (const toml::parse_error&) {
        // Not TOML any more: the `control = "..."` line of [listen], if it can be picked out, else the default.
        std::ifstream in(file);
        std::string table;
        for (std::string line; std::getline(in, line);) {
            const auto first = line.find_first_not_of(" \t");
            if (first == std::string::npos || line[first] == '#') continue;
            if (line[first] == '[') {
                const auto close = line.find(']', first);
                table = close == std::string::npos ? "" : line.substr(first + 1, close - first - 1);
                continue;
            }
            const auto equals = line.find('=', first);
            const auto open_quote = line.find('"', equals == std::string::npos ? line.size() : equals);
            const auto close_quote = open_quote == std::string::npos ? open_quote : line.find('"', open_quote + 1);
            if (table == "listen" && line.compare(first, 7, "control") == 0 && close_quote != std::string::npos) {
                endpoint = line.substr(open_quote + 1, close_quote - open_quote - 1);
            }
        }
    }
    std::cerr << "warning: the configuration has an error (the running daemon keeps its own until it is fixed): "
              << error.what() << "\nwarning: reaching the daemon at " << endpoint << '\n';
    return endpoint;
}

}  // namespace

std::string ControlTarget::endpoint(const std::string& config) const {
    if (!control_.empty()) return control_;
    const std::string file = config.empty() ? kDefaultConfigPath : config;
    try {
        return load_config_file(file).control_endpoint;
    } catch (const ConfigError& e) {
        std::error_code ignored;
        if (!std::filesystem::exists(file, ignored)) throw;  // no file: nothing to go on but the user's word
        return control_endpoint_despite(file, e);
    }
}

std::optional<CurveClient> ControlTarget::curve_client(const std::string& config) const {
    if (!keys_.given()) return keys_.resolve(nullptr);  // refuses --server-key without --key
    std::error_code ignored;
    if (config.empty() && !std::filesystem::exists(kDefaultConfigPath, ignored)) return keys_.resolve(nullptr);
    const GatewayConfig loaded = load_config_file(config.empty() ? kDefaultConfigPath : config);
    return keys_.resolve(&loaded);
}

nlohmann::json ControlTarget::request(const ipc::ControlRequest& request, const std::string& config) const {
    return this->request(request, endpoint(config), config);
}

nlohmann::json ControlTarget::request(const ipc::ControlRequest& request, const std::string& target,
                                      const std::string& config) const {
    // Only a TCP control socket is CURVE; a local ipc:// one is plaintext (the key may be for the console socket).
    const std::optional<CurveClient> curve = target.rfind("tcp://", 0) == 0 ? curve_client(config) : std::nullopt;
    return control_request(target, request, std::chrono::seconds(3), curve ? &*curve : nullptr);
}

nlohmann::json control_request(const std::string& endpoint, const ipc::ControlRequest& request,
                               std::chrono::milliseconds timeout, const CurveClient* curve) {
    zmq::context_t context(1);
    zmq::socket_t socket(context, zmq::socket_type::dealer);
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::rcvtimeo, static_cast<int>(timeout.count()));
    if (curve) curve->apply(socket);
    socket.connect(endpoint);
    // REQ framing (empty delimiter, then the body) so the daemon answers DEALER and REQ clients alike.
    socket.send(zmq::message_t(), zmq::send_flags::sndmore);
    socket.send(zmq::buffer(ipc::encode(request)), zmq::send_flags::none);
    zmq::message_t delimiter, body;
    if (!socket.recv(delimiter) || !delimiter.more() || !socket.recv(body)) {
        throw DaemonUnavailable("no answer from the daemon's control socket " + endpoint + " within " +
                                 std::to_string(timeout.count()) + " ms (is gatehoused running?" +
                                 (endpoint.rfind("tcp://", 0) == 0
                                      ? curve ? " Is this --key listed in its [[admins]]?)"
                                              : " A TCP control socket needs --key and --server-key.)"
                                      : ")"));
    }
    auto reply = nlohmann::json::parse(body.to_string_view(), nullptr, false);
    if (reply.is_discarded()) throw std::runtime_error("unreadable reply from " + endpoint);
    if (!reply.value("ok", false)) throw std::runtime_error("daemon refused the request: " + reply.value("error", "?"));
    return reply;
}

}  // namespace gatehouse::daemon::cli
