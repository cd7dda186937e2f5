#include "lists_command.hpp"

#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "exit_codes.hpp"
#include "gatehouse/daemon/person_list_csv.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "gatehouse/storage/ledger.hpp"
#include "ledger_location.hpp"
#include "text_table.hpp"

namespace gatehouse::daemon::cli {
namespace {

struct ListsArgs {
    LedgerLocation ledger;
    std::string file;
    bool replace = false;
    std::string list;
    std::string out;
    bool json = false;
};

std::optional<storage::PersonListKind> list_filter(const std::string& list) {
    if (list.empty()) return std::nullopt;
    return storage::parse_person_list_kind(list);
}

int import_lists(const ListsArgs& a) {
    std::ifstream in(a.file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + a.file);
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    const PersonListCsv parsed = parse_person_list_csv(text, a.ledger.time_zone());
    if (!parsed.errors.empty()) {
        for (const auto& e : parsed.errors) std::cerr << a.file << ':' << e.line << ": " << e.message << '\n';
        std::cerr << "gatehouse: " << parsed.errors.size() << " bad row(s) in " << a.file << "; nothing was imported\n";
        return kExitDataError;
    }
    storage::Ledger ledger({a.ledger.resolve()});
    ledger.import_person_list(parsed.entries, a.replace);
    std::size_t allow = 0;
    for (const auto& e : parsed.entries) allow += e.list == storage::PersonListKind::allow ? 1 : 0;
    std::cout << "imported " << allow << " allow and " << parsed.entries.size() - allow << " deny entries from "
              << a.file << (a.replace ? " (replacing the lists they name)" : "") << '\n';
    return kExitOk;
}

int export_lists(const ListsArgs& a) {
    storage::Ledger ledger({a.ledger.resolve(), /*read_only=*/true});
    const std::string csv = format_person_list_csv(ledger.person_list(list_filter(a.list)));
    if (a.out.empty()) {
        std::cout << csv;
        return kExitOk;
    }
    std::ofstream out(a.out, std::ios::binary | std::ios::trunc);
    out << csv;
    if (!out.flush()) throw std::runtime_error("writing " + a.out + " failed");
    return kExitOk;
}

int show_lists(const ListsArgs& a) {
    storage::Ledger ledger({a.ledger.resolve(), /*read_only=*/true});
    const auto entries = ledger.person_list(list_filter(a.list));
    auto when = [](const std::optional<std::int64_t>& ms) { return ms ? ipc::format_utc_timestamp(*ms) : std::string("-"); };
    // The table speaks the campus's time: "until 2026-06-30 23:59:59 +0800"; --json keeps UTC.
    const LocalTimeZone zone = a.ledger.time_zone();
    auto local = [&](const std::optional<std::int64_t>& ms) {
        return ms ? zone.format(*ms, "%Y-%m-%d %H:%M:%S %z") : std::string("-");
    };
    if (a.json) {
        for (const auto& e : entries) {
            std::cout << nlohmann::json{{"list", storage::to_string(e.list)}, {"person", e.person}, {"name", e.name},
                                        {"valid_from", e.valid_from_ms ? nlohmann::json(when(e.valid_from_ms)) : nlohmann::json()},
                                        {"valid_until", e.valid_until_ms ? nlohmann::json(when(e.valid_until_ms)) : nlohmann::json()},
                                        {"note", e.note}}
                             .dump()
                      << '\n';
        }
        return kExitOk;
    }
    const Style style(stdout);
    TextTable table({"LIST", "PERSON", "NAME", "VALID FROM", "VALID UNTIL", "NOTE"});
    for (const auto& e : entries) {
        const std::string list = e.list == storage::PersonListKind::deny ? style.red("deny") : style.green("allow");
        table.add_row({list, e.person, e.name, local(e.valid_from_ms), local(e.valid_until_ms), e.note});
    }
    table.print(std::cout, style);
    std::cout << style.dim(std::to_string(entries.size()) + " entr" + (entries.size() == 1 ? "y" : "ies")) << '\n';
    return kExitOk;
}

}  // namespace

void register_lists_command(CLI::App& app) {
    auto* lists = app.add_subcommand("lists", "Manage the allow list (白名单) and the deny list");
    lists->require_subcommand(1);
    const auto list_check = CLI::IsMember({"allow", "deny"});

    auto imp = std::make_shared<ListsArgs>();
    auto* import_cmd = lists->add_subcommand(
        "import", "Import FILE.csv (columns list,person,name,valid_from,valid_until,note); all rows or none");
    imp->ledger.add_options(*import_cmd);
    import_cmd->add_option("file", imp->file, "CSV file")->required();
    import_cmd->add_flag("--replace", imp->replace, "Make the file the whole content of the lists it names");
    import_cmd->callback([imp] { finish(import_lists(*imp)); });

    auto exp = std::make_shared<ListsArgs>();
    auto* export_cmd = lists->add_subcommand("export", "Write the lists as CSV (the import format)");
    exp->ledger.add_options(*export_cmd);
    export_cmd->add_option("--list", exp->list, "Only this list (allow or deny)")->check(list_check);
    export_cmd->add_option("--out,-o", exp->out, "Write to this file instead of standard output");
    export_cmd->callback([exp] { finish(export_lists(*exp)); });

    auto show = std::make_shared<ListsArgs>();
    auto* show_cmd = lists->add_subcommand("show", "Show the lists as a table (or --json)");
    show->ledger.add_options(*show_cmd);
    show_cmd->add_option("--list", show->list, "Only this list (allow or deny)")->check(list_check);
    show_cmd->add_flag("--json", show->json, "One JSON object per line");
    show_cmd->callback([show] { finish(show_lists(*show)); });
}

}  // namespace gatehouse::daemon::cli
