#include "alerts_command.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "control_client.hpp"
#include "exit_codes.hpp"
#include "gatehouse/daemon/console_messages.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "gatehouse/storage/ledger.hpp"
#include "ledger_location.hpp"
#include "text_table.hpp"
#include "time_bound.hpp"

namespace gatehouse::daemon::cli {
namespace {

using nlohmann::json;

struct AlertsArgs {
    ControlTarget target;
    LedgerLocation ledger;
    bool all = false;
    std::string since = "14d";
    bool json = false;
    std::int64_t id = 0;
    std::string note;
    std::string actor;
};

// Who acts: the name given, else the login behind sudo, else the caller's login. The control socket is open to
// the gatehouse group only, so this names a member of that group; it is recorded as given.
std::string actor_of(const AlertsArgs& a) {
    if (!a.actor.empty()) return a.actor;
    for (const char* var : {"SUDO_USER", "USER", "LOGNAME"}) {
        if (const char* v = std::getenv(var); v && *v) return v;
    }
    if (const passwd* pw = ::getpwuid(::getuid())) return pw->pw_name;
    return "uid:" + std::to_string(::getuid());
}

std::string text_or_dash(const json& v) {
    if (v.is_null()) return "-";
    if (v.is_number_float()) return fmt::format("{:.1f}", v.get<double>());
    return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string paint_severity(const Style& style, const std::string& severity) {
    if (severity == "critical") return style.red(severity);
    if (severity == "warning") return style.yellow(severity);
    return style.dim(severity);
}

void print_alerts(const json& alerts, bool as_json) {
    if (as_json) {
        for (const auto& a : alerts) std::cout << a.dump() << '\n';
        return;
    }
    const Style style(stdout);
    TextTable table({"ID", "TIME", "SEVERITY", "KIND", "GATE", "PERSON", "°C", "STATE", "TEXT"});
    for (const auto& a : alerts) {
        table.add_row({std::to_string(a["id"].get<std::int64_t>()), a["time"].get<std::string>(),
                       paint_severity(style, a["severity"].get<std::string>()), a["kind"].get<std::string>(),
                       text_or_dash(a["gate"]), text_or_dash(a["person"]), text_or_dash(a["celsius"]),
                       a["state"].get<std::string>(), a["text"].get<std::string>()});
    }
    table.print(std::cout, style);
    std::cout << table.size() << (table.size() == 1 ? " alert\n" : " alerts\n");
}

void list(const AlertsArgs& a) {
    if (!a.all) {
        const json reply = a.target.request(ipc::AlertsRequest{}, a.ledger.config());
        if (!reply.value("ok", false)) throw std::runtime_error(reply.value("error", "the daemon refused the request"));
        print_alerts(reply["alerts"], a.json);
        return;
    }
    const auto since = parse_time_bound(a.since, ipc::utc_now_ms());
    if (!since) throw CLI::ValidationError("--since", "'" + a.since + "' is not a time (2026-11-22, 14d, 12h)");
    storage::Ledger ledger({a.ledger.resolve(), /*read_only=*/true});
    json alerts = json::array();
    for (const auto& alert : ledger.alerts(*since, /*open_only=*/false)) alerts.push_back(json::parse(encode_body(alert)));
    print_alerts(alerts, a.json);
}

void show(const AlertsArgs& a) {
    storage::Ledger ledger({a.ledger.resolve(), /*read_only=*/true});
    const auto alert = ledger.alert(a.id);
    if (!alert) throw std::runtime_error("no alert " + std::to_string(a.id) + " in " + ledger.path().string());
    json out = json::parse(encode_body(*alert));
    out["actions"] = json::array();
    for (const auto& action : ledger.alert_actions(a.id)) {
        out["actions"].push_back({{"state", storage::to_string(action.to)},
                                  {"actor", action.actor},
                                  {"note", action.note},
                                  {"time", ipc::format_utc_timestamp(action.at_ms)}});
    }
    if (a.json) {
        std::cout << out.dump() << '\n';
        return;
    }
    const Style style(stdout);
    std::cout << style.bold("alert " + std::to_string(alert->id)) << "  " << paint_severity(style, alert->severity) << "  "
              << alert->kind << "  " << storage::to_string(alert->state) << '\n'
              << "  " << out["time"].get<std::string>() << "  gate " << text_or_dash(out["gate"]) << "  source "
              << text_or_dash(out["source"]) << "  person " << text_or_dash(out["person"]) << "  °C "
              << text_or_dash(out["celsius"]) << '\n'
              << "  " << alert->text << '\n';
    if (alert->snapshot) std::cout << "  evidence " << *alert->snapshot << '\n';
    for (const auto& action : out["actions"]) {
        std::cout << "  " << action["time"].get<std::string>() << "  " << action["state"].get<std::string>() << " by "
                  << action["actor"].get<std::string>()
                  << (action["note"].get<std::string>().empty() ? "" : ": " + action["note"].get<std::string>()) << '\n';
    }
}

void act(const AlertsArgs& a, bool close) {
    const json reply = a.target.request(ipc::AlertActionRequest{a.id, close, actor_of(a), a.note});
    if (!reply.value("ok", false)) throw std::runtime_error(reply.value("error", "the daemon refused the request"));
    std::cout << "alert " << a.id << " " << reply.value("state", "") << '\n';
}

}  // namespace

void register_alerts_command(CLI::App& app) {
    auto* alerts = app.add_subcommand("alerts", "See, acknowledge and close the gateway's alerts");
    alerts->require_subcommand(1);

    auto list_args = std::make_shared<AlertsArgs>();
    auto* list_cmd = alerts->add_subcommand("list", "Alerts still open (from the daemon); --all: every alert in the ledger");
    list_args->ledger.add_options(*list_cmd);
    list_args->target.add_control_option(*list_cmd);
    list_cmd->add_flag("--all", list_args->all, "Closed ones too, read from the ledger (with --since)");
    list_cmd->add_option("--since", list_args->since, "With --all: from this time (2026-11-22, 14d, 12h; default 14d)");
    list_cmd->add_flag("--json", list_args->json, "One JSON object per line");
    list_cmd->callback([list_args] { list(*list_args); });

    auto show_args = std::make_shared<AlertsArgs>();
    auto* show_cmd = alerts->add_subcommand("show", "One alert with who acknowledged and closed it, when and why");
    show_cmd->add_option("id", show_args->id, "Alert id")->required();
    show_args->ledger.add_options(*show_cmd);
    show_cmd->add_flag("--json", show_args->json, "One JSON object");
    show_cmd->callback([show_args] { show(*show_args); });

    auto ack_args = std::make_shared<AlertsArgs>();
    auto* ack = alerts->add_subcommand("ack", "Acknowledge an alert: seen and being handled");
    ack->add_option("id", ack_args->id, "Alert id")->required();
    ack->add_option("--note", ack_args->note, "What is being done");
    ack->add_option("--as", ack_args->actor, "Who acknowledges (default: your login name)");
    ack_args->target.add_options(*ack);
    ack->callback([ack_args] { act(*ack_args, false); });

    auto close_args = std::make_shared<AlertsArgs>();
    auto* close = alerts->add_subcommand("close", "Close an alert with a note on how it was resolved");
    close->add_option("id", close_args->id, "Alert id")->required();
    close->add_option("--note", close_args->note, "How it was resolved (kept in the ledger)")->required();
    close->add_option("--as", close_args->actor, "Who closes (default: your login name)");
    close_args->target.add_options(*close);
    close->callback([close_args] { act(*close_args, true); });
}

}  // namespace gatehouse::daemon::cli
