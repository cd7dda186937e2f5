#include "history_command.hpp"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "exit_codes.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "gatehouse/storage/ledger.hpp"
#include "ledger_location.hpp"
#include "text_table.hpp"
#include "time_bound.hpp"

namespace gatehouse::daemon::cli {
namespace {

using nlohmann::json;

struct HistoryArgs {
    LedgerLocation ledger;
    std::string person;
    std::string since = "14d";
    bool json = false;
};

// One line of the timeline, whichever table it came from.
struct TimelineEntry {
    std::int64_t at_ms = 0;
    json object;
    std::vector<std::string> cells;
};

int run(const HistoryArgs& a) {
    const auto since = parse_time_bound(a.since, ipc::utc_now_ms(), a.ledger.time_zone());
    if (!since) throw CLI::ValidationError("--since", "'" + a.since + "' is not a time (2026-11-22, 14d, 12h)");
    storage::Ledger ledger({a.ledger.resolve(), /*read_only=*/true});
    const LocalTimeZone zone = a.ledger.time_zone();
    const Style style(stdout);
    std::vector<TimelineEntry> timeline;
    storage::EventFilter filter;
    filter.person = a.person;
    filter.since_ms = *since;
    ledger.for_each_event(filter, [&](const storage::StoredEvent& row) {
        const auto& e = row.event;
        json data = json::parse(e.data_json, nullptr, false);
        std::string detail;
        for (auto it = data.begin(); data.is_object() && it != data.end(); ++it) {
            if (it.key() != "person") detail += (detail.empty() ? "" : " ") + it.key() + "=" + (it->is_string() ? it->get<std::string>() : it->dump());
        }
        timeline.push_back({e.occurred_ms,
                            {{"type", "event"}, {"time", ipc::format_utc_timestamp(e.occurred_ms)}, {"gate", e.gate},
                             {"terminal", e.terminal}, {"kind", e.kind}, {"data", data}},
                            {local_time_cell(e.occurred_ms, zone), e.gate, e.terminal, e.kind, detail}});
    });
    for (const auto& d : ledger.decisions(a.person, *since)) {
        const json reasons = json::parse(d.reasons_json, nullptr, false);
        std::string detail = (d.grant ? style.green("grant") : style.red("deny"));
        if (d.celsius) detail += " " + json(*d.celsius).dump() + "°C";
        if (!reasons.empty()) detail += " " + reasons.dump();
        json o = {{"type", "decision"}, {"time", ipc::format_utc_timestamp(d.decided_ms)}, {"gate", d.gate},
                  {"terminal", d.terminal}, {"request", d.request}, {"result", d.grant ? "grant" : "deny"},
                  {"reasons", reasons}, {"method", d.method}};
        o["celsius"] = d.celsius ? json(*d.celsius) : json(nullptr);
        timeline.push_back({d.decided_ms, o, {local_time_cell(d.decided_ms, zone), d.gate, d.terminal, "decision", detail}});
    }
    std::stable_sort(timeline.begin(), timeline.end(), [](const auto& x, const auto& y) { return x.at_ms < y.at_ms; });
    if (a.json) {
        for (const auto& t : timeline) std::cout << t.object.dump() << '\n';
        return kExitOk;
    }
    TextTable table({local_time_header(zone), "GATE", "TERMINAL", "WHAT", "DETAILS"});
    for (auto& t : timeline) table.add_row(std::move(t.cells));
    std::cout << style.bold("person " + a.person) << " since " << local_time_cell(*since, zone) << '\n';
    table.print(std::cout, style);
    std::cout << style.dim(std::to_string(table.size()) + " entr" + (table.size() == 1 ? "y" : "ies")) << '\n';
    return kExitOk;
}

}  // namespace

void register_history_command(CLI::App& app) {
    auto a = std::make_shared<HistoryArgs>();
    auto* cmd = app.add_subcommand("history", "One person's events and access decisions in time order (default: 14 days)");
    a->ledger.add_options(*cmd);
    cmd->add_option("person", a->person, "Person id")->required();
    cmd->add_option("--since", a->since, "From this time: 2026-11-22 (a local day of gateway.timezone), 2026-11-22T08:00:00Z, or an age like 14d")->capture_default_str();
    cmd->add_flag("--json", a->json, "One JSON object per line (type event or decision)");
    cmd->callback([a] { finish(run(*a)); });
}

}  // namespace gatehouse::daemon::cli
