#include "alerts_command.hpp"

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
#include "login_name.hpp"
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
    std::string disposition;                ///< alerts close: the re-check's outcome
    std::optional<double> recheck_celsius;  ///< alerts close: the re-check temperature
};

// Who acts: the name given, else the login. The control socket is open to the gatehouse group only, so this
// names a member of that group; it is recorded as given.
std::string actor_of(const AlertsArgs& a) { return login_name(a.actor); }

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

void print_alerts(const json& alerts, bool as_json, const LedgerLocation& ledger) {
    if (as_json) {
        for (const auto& a : alerts) std::cout << a.dump() << '\n';
        return;
    }
    // Local time of gateway.timezone; a configuration in the middle of an edit must not hide the alerts.
    LocalTimeZone zone = LocalTimeZone::system();
    try {
        zone = ledger.time_zone();
    } catch (const std::exception&) {
    }
    auto when = [&](const json& a) {
        const auto ms = a.find("time_ms");
        return ms != a.end() && ms->is_number_integer() ? local_time_cell(ms->get<std::int64_t>(), zone)
                                                        : a["time"].get<std::string>();
    };
    const Style style(stdout);
    TextTable table({"ID", local_time_header(zone), "SEVERITY", "KIND", "GATE", "PERSON", "°C", "STATE", "TEXT"});
    for (const auto& a : alerts) {
        table.add_row({std::to_string(a["id"].get<std::int64_t>()), when(a),
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
        print_alerts(reply["alerts"], a.json, a.ledger);
        return;
    }
    const auto since = parse_time_bound(a.since, ipc::utc_now_ms(), a.ledger.time_zone());
    if (!since) throw CLI::ValidationError("--since", "'" + a.since + "' is not a time (2026-11-22, 14d, 12h)");
    storage::Ledger ledger({a.ledger.resolve(), /*read_only=*/true});
    json alerts = json::array();
    for (const auto& alert : ledger.alerts(*since, /*open_only=*/false)) alerts.push_back(json::parse(encode_body(alert)));
    print_alerts(alerts, a.json, a.ledger);
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
                                  {"disposition", action.disposition ? json(storage::to_string(*action.disposition)) : json(nullptr)},
                                  {"recheck_celsius", action.recheck_celsius ? json(*action.recheck_celsius) : json(nullptr)},
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
                  << (action["disposition"].is_null() ? "" : " [" + action["disposition"].get<std::string>() +
                                                                 (action["recheck_celsius"].is_null()
                                                                      ? ""
                                                                      : ", re-check " + text_or_dash(action["recheck_celsius"]) + " °C") +
                                                                 "]")
                  << (action["note"].get<std::string>().empty() ? "" : ": " + action["note"].get<std::string>()) << '\n';
    }
}

void act(const AlertsArgs& a, bool close) {
    ipc::AlertActionRequest request{a.id, close, actor_of(a), a.note};
    if (!a.disposition.empty()) request.disposition = a.disposition;
    request.recheck_celsius = a.recheck_celsius;
    const json reply = a.target.request(request);
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
    auto* close = alerts->add_subcommand(
        "close",
        "Close an alert with a note on how it was resolved.\n"
        "A fever alert is closed with the outcome of the manual re-check that follows it: --disposition (required for\n"
        "fever alerts, also taken by denied alerts such as a denial for an uncertain screening) and, when a re-check\n"
        "temperature was taken, --recheck. Both are kept in the ledger, go upstream with the close and appear in the\n"
        "daily report (gatehouse report daily).\n"
        "  gatehouse alerts close 42 --disposition recheck_normal --recheck 36.6 --note \"forehead 36.6, let in\"\n"
        "  gatehouse alerts close 43 --disposition sent_to_clinic --recheck 38.2 --note \"escorted to the clinic\"");
    close->add_option("id", close_args->id, "Alert id")->required();
    close->add_option("--note", close_args->note, "How it was resolved (kept in the ledger)")->required();
    close->add_option("--disposition", close_args->disposition,
                      "Re-check outcome: recheck_normal (normal on re-check, let in), sent_to_clinic, sent_home, or other "
                      "(say what in --note)")
        ->check(CLI::IsMember({"recheck_normal", "sent_to_clinic", "sent_home", "other"}));
    close->add_option("--recheck", close_args->recheck_celsius, "Re-check temperature in °C (30.0-45.0), if one was taken")
        ->check(CLI::Range(30.0, 45.0));
    close->add_option("--as", close_args->actor, "Who closes (default: your login name)");
    close_args->target.add_options(*close);
    close->callback([close_args] { act(*close_args, true); });
}

}  // namespace gatehouse::daemon::cli
