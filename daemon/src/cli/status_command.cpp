#include "status_command.hpp"

#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "control_client.hpp"
#include "exit_codes.hpp"
#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/daemon/local_time_zone.hpp"
#include "ledger_location.hpp"
#include "text_table.hpp"

namespace gatehouse::daemon::cli {
namespace {

using nlohmann::json;

struct StatusArgs {
    ControlTarget target;
    bool json = false;
};

std::string count(const json& v) { return v.is_null() ? "-" : v.dump(); }

/// The daemon's gateway.timezone (its status names it); the system's zone for an older daemon.
LocalTimeZone zone_of(const json& s) {
    if (const auto it = s.find("timezone"); it != s.end() && it->is_string()) {
        if (auto zone = LocalTimeZone::find(it->get<std::string>())) return *zone;
    }
    return LocalTimeZone::system();
}

/// One line per upstream sink: whether it delivers, what waits for it, when it last succeeded, why it fails.
void print_sinks(const json& forwarding, const LocalTimeZone& zone, const Style& style) {
    if (!forwarding.is_object() || forwarding.value("sinks", json::array()).empty()) return;
    TextTable sinks({"SINK", "STATE", "ON", "BACKLOG", "OLDEST", "LAST SUCCESS", "LAST ERROR"});
    for (const auto& k : forwarding["sinks"]) {
        const std::string error = k.value("last_error", std::string());
        std::string state;
        if (!k.value("failing_since_ms", json()).is_null()) {
            state = style.red("failing");
        } else if (k.value("draining", false)) {
            state = style.yellow("draining");
        } else if (k.value("last_success_ms", json()).is_null()) {
            state = "idle";  // nothing sent since the daemon started: no word on the upstream yet
        } else {
            state = style.green("ok");
        }
        const json& success = k.value("last_success_ms", json());
        const json& oldest = k.value("oldest_age_ms", json());
        // The MQTT broker (cluster node) the sink is on; "-" for a sink with one fixed upstream or an older daemon.
        const json& endpoint = k.value("endpoint", json());
        sinks.add_row({k.value("name", std::string("?")), state, endpoint.is_string() ? endpoint.get<std::string>() : "-",
                       count(k.value("unconfirmed", json())),
                       oldest.is_null() ? "-" : std::to_string(oldest.get<std::int64_t>() / 1000) + " s",
                       success.is_null() ? "never (since start)" : zone.format(success.get<std::int64_t>(), "%Y-%m-%d %H:%M:%S %z"),
                       error.empty() ? "-" : error});
    }
    std::cout << '\n';
    sinks.print(std::cout, style);
}

// Vendor devices behind the adapters (docs/adapters.md): contact, what was accepted and refused, remote checks.
void print_adapters(const json& adapters, const Style& style) {
    if (!adapters.is_array() || adapters.empty()) return;
    std::cout << '\n';
    TextTable table({"ADAPTER", "DEVICE", "TERMINAL", "LAST CONTACT", "ACCEPTED", "REFUSED", "REMOTE CHECKS", "BACKFILL"});
    for (const auto& a : adapters) {
        for (const auto& d : a["devices"]) {
            const json& contact = d["last_contact_ms_ago"];
            std::string refused;
            for (auto it = d["refused"].begin(); it != d["refused"].end(); ++it) {
                refused += (refused.empty() ? "" : " ") + it.key() + "=" + it->dump();
            }
            const json& rc = d["remote_checks"];
            table.add_row({a["id"].get<std::string>() + " (" + a["kind"].get<std::string>() + ")", d["serial"].get<std::string>(),
                           d["terminal"].get<std::string>(),
                           contact.is_null() ? "never" : std::to_string(contact.get<std::int64_t>() / 1000) + " s ago",
                           d["accepted"].dump(), refused.empty() ? "0" : style.yellow(refused),
                           rc["decided"].dump() + " decided, " +
                               (rc["fallback"].get<std::uint64_t>() ? style.yellow(rc["fallback"].dump() + " fallback") : "0 fallback"),
                           d["backfill"].is_null() ? "-" : d["backfill"].get<std::string>()});
        }
    }
    table.print(std::cout, style);
}

void print_status(const json& s) {
    const Style style(stdout);
    std::cout << style.bold("gatehouse " + s["version"].get<std::string>()) << "  gateway " << s["gateway"].get<std::string>()
              << "  site " << s["site"].get<std::string>() << "  up " << s["uptime_s"].get<std::int64_t>() << " s\n";
    std::cout << "ledger " << s["ledger"]["path"].get<std::string>() << '\n';
    if (const json& sec = s.value("security", json::object()); sec.contains("mode")) {
        if (sec.contains("warning")) {
            std::cout << style.red("security: " + sec["warning"].get<std::string>()) << '\n';
        } else if (sec["mode"] == "curve") {
            std::cout << "security: CURVE, server key " << sec["server_public_key"].get<std::string>() << ", "
                      << sec["handshakes_refused"].dump() << " handshakes refused, "
                      << sec["console_subscriptions_refused"].dump() << " console subscriptions refused\n";
        } else {
            std::cout << "security: local sockets only\n";
        }
    }
    std::cout << '\n';
    TextTable terminals({"TERMINAL", "GATE", "KIND", "STATE", "LAST SEEN", "LAST SEQ", "EVENTS", "FIRMWARE"});
    for (const auto& t : s["terminals"]) {
        const bool online = t["online"].get<bool>();
        const json& seen = t["last_seen_ms_ago"];
        terminals.add_row({t["id"].get<std::string>(), t["gate"].get<std::string>(), t["kind"].get<std::string>(),
                           online ? style.green("online") : style.red("offline"),
                           seen.is_null() ? "never" : std::to_string(seen.get<std::int64_t>() / 1000) + " s ago",
                           count(t["last_seq"]), count(t["events"]),
                           t["firmware"].get<std::string>().empty() ? "-" : t["firmware"].get<std::string>()});
    }
    terminals.print(std::cout, style);
    if (!s["cameras"].empty()) {
        std::cout << '\n';
        TextTable cameras({"CAMERA", "GATE", "STATE", "FPS", "BLACKBODY", "OFFSET °C", "SCREENINGS", "FAULTS", "LAST ERROR"});
        for (const auto& c : s["cameras"]) {
            const std::string state = c["state"].get<std::string>();
            const std::string reference = c["reference"].get<std::string>();
            cameras.add_row({c["id"].get<std::string>(), c["gate"].get<std::string>(),
                             state == "running" ? style.green(state) : state == "faulted" ? style.red(state) : style.yellow(state),
                             fmt::format("{:.1f}", c["fps"].get<double>()),
                             reference == "missing" || reference == "unstable" ? style.red(reference) : reference,
                             c["reference_offset"].is_null() ? "-" : fmt::format("{:+.2f}", c["reference_offset"].get<double>()),
                             count(c["screenings"]), count(c["faults"]),
                             c["last_error"].get<std::string>().empty() ? "-" : c["last_error"].get<std::string>()});
        }
        cameras.print(std::cout, style);
    }
    print_adapters(s.value("adapters", json::array()), style);
    print_sinks(s.value("forwarding", json()), zone_of(s), style);
    const json& alerts = s["alerts"];
    std::cout << "\nalerts open " << (alerts["open"].get<int>() ? style.red(alerts["open"].dump()) : std::string("0"));
    for (auto it = alerts["open_by_kind"].begin(); it != alerts["open_by_kind"].end(); ++it) {
        std::cout << ' ' << it.key() << '=' << *it;
    }
    const json& consoles = s["consoles"];
    std::cout << "   consoles: " << consoles["published"] << " published, " << consoles["overflows"]
              << " overflows of slow consoles, " << consoles["subscribed_topics"] << " topics subscribed\n";
    const json& c = s["counters"];
    std::cout << "decisions granted " << c["decisions_granted"] << ", denied " << c["decisions_denied"] << "   screenings";
    for (auto it = c["screenings"].begin(); it != c["screenings"].end(); ++it) std::cout << ' ' << it.key() << '=' << *it;
    std::cout << "\nframes " << c["frames"] << "  stored " << c["events_stored"] << "  duplicates "
              << c["events_duplicate"] << "  commits " << c["commits"] << " (largest batch " << c["largest_batch"]
              << ", failed " << c["commit_failures"] << ")  undeliverable replies " << c["replies_undeliverable"]
              << '\n';
    if (!c["errors"].empty()) {
        std::cout << "errors:";
        for (auto it = c["errors"].begin(); it != c["errors"].end(); ++it) std::cout << ' ' << it.key() << '=' << *it;
        std::cout << '\n';
    }
    if (const json& internal = c.value("internal_errors", json::object()); !internal.empty()) {
        // Each is a message the gateway failed to handle (it answered `internal` and went on): a defect to report.
        std::cout << style.red("internal errors contained:");
        for (auto it = internal.begin(); it != internal.end(); ++it) std::cout << ' ' << it.key() << '=' << *it;
        std::cout << '\n';
    }
    if (const auto r = s.find("retention"); r != s.end() && r->is_object()) {
        const json& days = (*r)["days"];
        const json& purged = (*r)["purged"];
        std::cout << "retention (days): events " << days["events"] << ", screenings " << days["screenings"]
                  << ", decisions " << days["decisions"] << ", alerts " << days["alerts"] << ", snapshots "
                  << days["snapshots"] << "\npurged since start:";
        for (auto it = purged.begin(); it != purged.end(); ++it) std::cout << ' ' << it.key() << '=' << *it;
        std::cout << "  (" << (*r)["rounds"] << " rounds)\n";
        if (!(*r)["held"].is_null()) std::cout << style.yellow("purge held: " + (*r)["held"].get<std::string>()) << '\n';
        if (!(*r)["error"].is_null()) std::cout << style.red("purge failing: " + (*r)["error"].get<std::string>()) << '\n';
    }
}

// What `gatehouse reload` prints: the keys that took effect, those that wait for a restart, those that failed.
void print_reload(const json& reply) {
    const Style style(stdout);
    std::cout << reply.value("message", std::string("configuration reloaded")) << '\n';
    auto list = [&](const char* field, const std::string& title, auto paint) {
        const json& keys = reply.value(field, json::array());
        if (keys.empty()) return;
        std::cout << paint(title) << '\n';
        for (const auto& k : keys) {
            if (k.is_string()) {
                std::cout << "  " << k.get<std::string>() << '\n';
            } else {
                std::cout << "  " << k.value("key", std::string("?")) << ": " << k.value("error", std::string("?")) << '\n';
            }
        }
    };
    list("applied", "in effect now:", [&](const std::string& t) { return style.green(t); });
    list("restart_required", "take effect at the next restart (the running values stay until then):",
         [&](const std::string& t) { return style.yellow(t); });
    list("failed", "could not be applied (the running values stay):", [&](const std::string& t) { return style.red(t); });
}

}  // namespace

void register_status_command(CLI::App& app) {
    auto args = std::make_shared<StatusArgs>();
    auto* cmd = app.add_subcommand("status", "Show the running daemon's terminals and counters");
    args->target.add_options(*cmd);
    cmd->add_flag("--json", args->json, "Print the raw status object");
    cmd->callback([args] {
        const json reply = args->target.request(ipc::StatusRequest{});
        if (args->json) {
            std::cout << reply["status"].dump(2) << '\n';
        } else {
            print_status(reply["status"]);
        }
    });

    auto reload_args = std::make_shared<StatusArgs>();
    auto* reload = app.add_subcommand(
        "reload",
        "Make the running daemon reload its configuration file now (like SIGHUP) and say which changed keys took "
        "effect and which wait for a restart (config/gatehouse.toml marks each key). A file with an error is refused "
        "and the running configuration stays (exit 1).");
    reload_args->target.add_options(*reload);
    reload->add_flag("--json", reload_args->json, "Print the daemon's reply as JSON");
    reload->callback([reload_args] {
        const json reply = reload_args->target.request(ipc::ReloadRequest{});
        if (reload_args->json) {
            std::cout << reply.dump(2) << '\n';
        } else {
            print_reload(reply);
        }
        if (!reply.value("failed", json::array()).empty()) finish(kExitFailure);
    });
}

}  // namespace gatehouse::daemon::cli
