#include "tail_command.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "console_line.hpp"
#include "control_client.hpp"
#include "interrupt_guard.hpp"
#include "text_table.hpp"

namespace gatehouse::daemon::cli {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct TailArgs {
    ControlTarget target;
    std::string consoles;
    std::vector<std::string> topics;
    bool json = false;
    std::size_t count = 0;
    double seconds = 0;
};

// The member at `path` in the daemon's reply, or nullptr: a reply of another shape is not read by a throwing
// accessor.
const json* member(const json& j, std::initializer_list<const char*> path) {
    const json* at = &j;
    for (const char* key : path) {
        if (!at->is_object()) return nullptr;
        const auto it = at->find(key);
        if (it == at->end()) return nullptr;
        at = &*it;
    }
    return at;
}

/// Where to subscribe, and the gate's time zone for the lines' clock times.
struct ConsoleTarget {
    std::string endpoint;
    LocalTimeZone zone = LocalTimeZone::system();
};

ConsoleTarget console_target(const TailArgs& a, const std::optional<CurveClient>& curve) {
    // With --consoles the daemon is not asked: the times are in this machine's zone.
    if (!a.consoles.empty()) return {a.consoles};
    const json reply = a.target.request(ipc::StatusRequest{});
    const json* endpoint = member(reply, {"status", "endpoints", "consoles"});
    if (!endpoint || !endpoint->is_string()) throw std::runtime_error("the daemon has no console socket (listen.consoles is empty)");
    const json* mode = member(reply, {"status", "security", "mode"});
    if (!curve && mode && *mode == "curve") {
        throw std::runtime_error("the console socket " + endpoint->get<std::string>() +
                                 " uses CURVE: give --key with a key listed in the gateway's [[consoles]]");
    }
    ConsoleTarget target{endpoint->get<std::string>()};
    // The running daemon's gateway.timezone, which may differ from this shell's TZ.
    if (const json* zone = member(reply, {"status", "reports", "timezone"}); zone && zone->is_string()) {
        if (auto found = LocalTimeZone::find(zone->get<std::string>())) target.zone = *found;
    }
    return target;
}

void run(const TailArgs& a) {
    // One key serves both sockets: list it in [[consoles]] (and in [[admins]] when the control socket is TCP).
    const std::optional<CurveClient> curve = a.target.curve_client();
    const ConsoleTarget target = console_target(a, curve);
    const std::string& endpoint = target.endpoint;
    zmq::context_t context(1);
    zmq::socket_t sub(context, zmq::socket_type::sub);
    sub.set(zmq::sockopt::linger, 0);
    if (curve) curve->apply(sub);
    const std::vector<std::string> topics =
        a.topics.empty() ? std::vector<std::string>{"alert.", "alert_state.", "decision."} : a.topics;
    for (const auto& t : topics) sub.set(zmq::sockopt::subscribe, t);
    sub.connect(endpoint);
    const bool as_json = a.json || !::isatty(STDOUT_FILENO);
    const Style style(stdout);
    if (!as_json) {
        std::string list;
        for (const auto& t : topics) list += (list.empty() ? "" : " ") + (t.empty() ? std::string("(everything)") : t);
        std::cerr << style.dim("tail " + endpoint + " topics " + list + "  (Ctrl-C to stop)") << '\n';
    }
    const InterruptGuard guard;
    const auto deadline = a.seconds > 0 ? Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                             std::chrono::duration<double>(a.seconds))
                                        : Clock::time_point::max();
    std::size_t seen = 0;
    while (!guard.interrupted() && Clock::now() < deadline && (a.count == 0 || seen < a.count)) {
        zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
        zmq::message_t topic, body;
        try {
            if (zmq::poll(&item, 1, std::chrono::milliseconds(200)) <= 0) continue;
            if (!sub.recv(topic, zmq::recv_flags::dontwait)) continue;
            if (!topic.more() || !sub.recv(body, zmq::recv_flags::dontwait)) continue;
        } catch (const zmq::error_t& e) {
            // Ctrl-C interrupts the poll: the loop's condition sees the flag and the command ends quietly (exit 0).
            if (e.num() == EINTR) continue;
            throw;
        }
        ++seen;
        if (as_json) {
            std::cout << body.to_string_view() << '\n' << std::flush;
            continue;
        }
        const json message = json::parse(body.to_string_view(), nullptr, false);
        if (message.is_discarded()) continue;
        std::cout << console_line(topic.to_string(), message, style, target.zone) << '\n' << std::flush;
    }
}

}  // namespace

void register_tail_command(CLI::App& app) {
    auto args = std::make_shared<TailArgs>();
    auto* cmd = app.add_subcommand(
        "tail", "Live console: alerts and decisions as they happen (coloured on a terminal, JSON lines otherwise)");
    args->target.add_options(*cmd, "[[consoles]] (and, when the control socket is TCP, in [[admins]])");
    cmd->add_option("--consoles", args->consoles, "Console socket endpoint (default: asked from the running daemon)");
    cmd->add_option("--topic,-t", args->topics,
                    "Topic prefix to follow, repeatable: alert., alert.fever., decision.g1., screening., event., \"\" "
                    "for everything (default: alert. alert_state. decision.)");
    cmd->add_flag("--json", args->json, "One JSON object per line, also on a terminal");
    cmd->add_option("--count,-n", args->count, "Stop after this many messages");
    cmd->add_option("--for", args->seconds, "Stop after this many seconds")->check(CLI::PositiveNumber);
    cmd->callback([args] { run(*args); });
}

}  // namespace gatehouse::daemon::cli
