#include "control_client.hpp"

#include <stdexcept>

#include <CLI/CLI.hpp>
#include <zmq.hpp>

#include "gatehouse/daemon/gateway_config.hpp"
#include "ledger_location.hpp"

namespace gatehouse::daemon::cli {

void ControlTarget::add_options(CLI::App& cmd) {
    cmd.add_option("--config,-c", config_,
                   std::string("Configuration file naming the control socket (default ") + kDefaultConfigPath + ")");
    add_control_option(cmd);
}

void ControlTarget::add_control_option(CLI::App& cmd) {
    cmd.add_option("--control", control_, "Control socket endpoint (overrides the configuration)");
    keys_.add_options(cmd, "[[admins]]");
}

std::string ControlTarget::endpoint(const std::string& config) const {
    if (!control_.empty()) return control_;
    return load_config_file(config.empty() ? kDefaultConfigPath : config).control_endpoint;
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
