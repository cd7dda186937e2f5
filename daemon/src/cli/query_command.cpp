#include "query_command.hpp"

#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "exit_codes.hpp"
#include "gatehouse/daemon/console_messages.hpp"
#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "gatehouse/storage/ledger.hpp"
#include "ledger_location.hpp"
#include "text_table.hpp"
#include "time_bound.hpp"

namespace gatehouse::daemon::cli {
namespace {

using nlohmann::json;

// Filter options shared by query and export.
struct FilterOptions {
    LedgerLocation ledger;
    std::string gate, terminal, person, kind, since, until;

    void add(CLI::App& c) {
        ledger.add_options(c);
        c.add_option("--gate", gate, "Only events of this gate");
        c.add_option("--terminal", terminal, "Only events of this terminal");
        c.add_option("--person", person, "Only events about this person id");
        c.add_option("--kind", kind, "Only this kind (credential, health_code, temperature, door, tamper, fault)");
        c.add_option("--since", since, "From this time: 2026-11-22 (a local day of gateway.timezone), 2026-11-22T08:00:00Z, or an age like 2h, 14d");
        c.add_option("--until", until, "Up to this time (same forms as --since)");
    }

    storage::EventFilter filter() const {
        const auto now = ipc::utc_now_ms();
        const bool dates = since.size() == 10 || until.size() == 10;
        const LocalTimeZone zone = dates ? ledger.time_zone() : LocalTimeZone::utc();
        storage::EventFilter f;
        auto set = [](const std::string& v, std::optional<std::string>& out) {
            if (!v.empty()) out = v;
        };
        set(gate, f.gate);
        set(terminal, f.terminal);
        set(person, f.person);
        set(kind, f.kind);
        auto time = [now, &zone](const std::string& option, const std::string& v, std::optional<std::int64_t>& out) {
            if (v.empty()) return;
            out = parse_time_bound(v, now, zone);
            if (!out) throw CLI::ValidationError(option, "'" + v + "' is not a time (2026-11-22, 2026-11-22T08:00:00Z, 2h, 14d)");
        };
        time("--since", since, f.since_ms);
        time("--until", until, f.until_ms);
        return f;
    }
};

json event_json(const storage::StoredEvent& row) {
    const auto& e = row.event;
    json j = {{"id", row.id},
              {"time", ipc::format_utc_timestamp(e.occurred_ms)},
              {"received", ipc::format_utc_timestamp(e.received_ms)},
              {"gate", e.gate},
              {"terminal", e.terminal},
              {"seq", e.seq},
              {"kind", e.kind},
              {"offline", e.offline}};
    j["person"] = e.person ? json(*e.person) : json(nullptr);
    j["data"] = json::parse(e.data_json, nullptr, false);
    return j;
}

// Kind-specific fields in one short column, e.g. "method=card" or "celsius=37.9".
std::string details(const storage::EventRecord& e) {
    const json data = json::parse(e.data_json, nullptr, false);
    std::string out;
    if (!data.is_object()) return e.data_json;
    for (auto it = data.begin(); it != data.end(); ++it) {
        if (it.key() == "person") continue;
        out += (out.empty() ? "" : " ") + it.key() + "=" + (it->is_string() ? it->get<std::string>() : it->dump());
    }
    return out;
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

int run_query(const FilterOptions& options, std::int64_t last, bool all, bool as_json) {
    storage::Ledger ledger({options.ledger.resolve(), /*read_only=*/true});
    storage::EventFilter filter = options.filter();
    if (!all) filter.last = last;
    if (as_json) {
        ledger.for_each_event(filter, [](const storage::StoredEvent& row) { std::cout << event_json(row).dump() << '\n'; });
        return kExitOk;
    }
    print_events_table(ledger, filter, options.ledger.time_zone());
    return kExitOk;
}

// Access decisions instead of events: the same filters (kind does not apply), the same --last / --all / --json.
int run_decisions(const FilterOptions& options, std::int64_t last, bool all, bool as_json) {
    if (!options.kind.empty()) throw CLI::ValidationError("--kind", "applies to events, not to --decisions");
    storage::Ledger ledger({options.ledger.resolve(), /*read_only=*/true});
    const storage::EventFilter f = options.filter();
    std::vector<storage::DecisionRecord> rows;
    for (auto& d : ledger.decisions(f.person.value_or(""), f.since_ms.value_or(0))) {
        if ((f.gate && d.gate != *f.gate) || (f.terminal && d.terminal != *f.terminal) ||
            (f.until_ms && d.decided_ms > *f.until_ms)) {
            continue;
        }
        rows.push_back(std::move(d));
    }
    const std::size_t skip = !all && rows.size() > static_cast<std::size_t>(last) ? rows.size() - static_cast<std::size_t>(last) : 0;
    if (as_json) {
        for (std::size_t i = skip; i < rows.size(); ++i) std::cout << encode_body(rows[i]) << '\n';
        return kExitOk;
    }
    const Style style(stdout);
    const LocalTimeZone zone = options.ledger.time_zone();
    TextTable table({local_time_header(zone), "GATE", "TERMINAL", "PERSON", "RESULT", "REASONS", "°C", "SCREENING"});
    for (std::size_t i = skip; i < rows.size(); ++i) {
        const auto& d = rows[i];
        std::string reasons;
        for (const auto& r : json::parse(d.reasons_json, nullptr, false)) reasons += (reasons.empty() ? "" : ",") + r.get<std::string>();
        table.add_row({local_time_cell(d.decided_ms, zone), d.gate, d.terminal, d.person,
                       d.grant ? style.green("grant") : style.red("deny"), reasons.empty() ? "-" : reasons,
                       d.celsius ? json(std::round(*d.celsius * 10) / 10).dump() : "-",
                       d.screening ? std::to_string(*d.screening) : "-"});
    }
    table.print(std::cout, style);
    std::cout << style.dim(std::to_string(table.size()) + " decision(s)" +
                           (skip ? "; the most recent " + std::to_string(last) + " shown, --last N or --all for more" : ""))
              << '\n';
    return kExitOk;
}

}  // namespace

void print_events_table(storage::Ledger& ledger, const storage::EventFilter& filter, const LocalTimeZone& zone) {
    const Style style(stdout);
    TextTable table({"ID", local_time_header(zone), "GATE", "TERMINAL", "SEQ", "KIND", "PERSON", "DETAILS"});
    ledger.for_each_event(filter, [&](const storage::StoredEvent& row) {
        const auto& e = row.event;
        std::string kind = e.kind;
        if (e.data_json.find("\"red\"") != std::string::npos || e.data_json.find("forced") != std::string::npos) {
            kind = style.red(kind);
        } else if (e.data_json.find("\"yellow\"") != std::string::npos) {
            kind = style.yellow(kind);
        }
        table.add_row({std::to_string(row.id), local_time_cell(e.occurred_ms, zone) + (e.offline ? "*" : ""),
                       e.gate, e.terminal, std::to_string(e.seq), kind, e.person.value_or("-"), details(e)});
    });
    table.print(std::cout, style);
    std::cout << style.dim(std::to_string(table.size()) + " event(s)" +
                           (filter.last && static_cast<std::int64_t>(table.size()) == *filter.last
                                ? "; the most recent " + std::to_string(*filter.last) + " shown, --last N or --all for more"
                                : "") +
                           "; * = buffered on the terminal while offline")
              << '\n';
}

namespace {

int run_export(const FilterOptions& options, const std::string& out_path) {
    storage::Ledger ledger({options.ledger.resolve(), /*read_only=*/true});
    std::ofstream file;
    if (!out_path.empty()) {
        file.open(out_path, std::ios::binary | std::ios::trunc);
        if (!file) throw std::runtime_error("cannot write " + out_path);
    }
    std::ostream& out = out_path.empty() ? std::cout : file;
    const bool progress = isatty(STDERR_FILENO) && !out_path.empty();
    out << "id,time_utc,received_utc,gate,terminal,seq,kind,person,offline,data\n";
    std::uint64_t rows = 0;
    ledger.for_each_event(options.filter(), [&](const storage::StoredEvent& row) {
        const auto& e = row.event;
        out << row.id << ',' << ipc::format_utc_timestamp(e.occurred_ms) << ','
            << ipc::format_utc_timestamp(e.received_ms) << ',' << csv_field(e.gate) << ',' << csv_field(e.terminal)
            << ',' << e.seq << ',' << csv_field(e.kind) << ',' << csv_field(e.person.value_or("")) << ','
            << (e.offline ? 1 : 0) << ',' << csv_field(e.data_json) << '\n';
        if (progress && ++rows % 10000 == 0) std::cerr << "\rexported " << rows << " events" << std::flush;
    });
    out.flush();
    if (!out) throw std::runtime_error("writing the export failed (disk full?)");
    if (progress) std::cerr << "\rexported " << rows << " events to " << out_path << '\n';
    return kExitOk;
}

}  // namespace

void register_query_commands(CLI::App& app) {
    struct QueryArgs {
        FilterOptions filters;
        std::int64_t last = 100;
        bool all = false;
        bool json = false;
        bool decisions = false;
    };
    auto q = std::make_shared<QueryArgs>();
    auto* query = app.add_subcommand("query", "Show recorded events (or, with --decisions, access decisions) from the ledger, oldest first");
    q->filters.add(*query);
    query->add_option("--last", q->last, "Show the most recent N matches (default 100)")->check(CLI::PositiveNumber);
    query->add_flag("--all", q->all, "Show every match");
    query->add_flag("--json", q->json, "One JSON object per line, for scripts");
    query->add_flag("--decisions", q->decisions, "Access decisions (grant/deny, reasons, temperature, screening) instead of events");
    query->callback([q] {
        finish(q->decisions ? run_decisions(q->filters, q->last, q->all, q->json) : run_query(q->filters, q->last, q->all, q->json));
    });

    struct ExportArgs {
        FilterOptions filters;
        bool csv = false;
        std::string out;
    };
    auto x = std::make_shared<ExportArgs>();
    auto* exp = app.add_subcommand("export", "Export recorded events (CSV with a header row)");
    x->filters.add(*exp);
    exp->add_flag("--csv", x->csv, "CSV output (the only format so far)")->required();
    exp->add_option("--out,-o", x->out, "Write to this file instead of standard output");
    exp->callback([x] { finish(run_export(x->filters, x->out)); });
}

}  // namespace gatehouse::daemon::cli
