#include "erase_command.hpp"

#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "control_client.hpp"
#include "exit_codes.hpp"
#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/daemon/pseudonymiser.hpp"
#include "gatehouse/storage/record_purger.hpp"
#include "ledger_location.hpp"
#include "text_table.hpp"

namespace gatehouse::daemon::cli {
namespace {

using nlohmann::json;

struct EraseArgs {
    std::string ledger;
    std::string config;
    ControlTarget control;  ///< --control, --key, --server-key: the running daemon's control socket.
    std::string person;
    bool lists = false;
    bool yes = false;
    bool json = false;
    bool dry_run = false;
};

// The ledger and (when there is a configuration) the daemon's control socket and the person's pseudonym.
struct EraseTarget {
    std::filesystem::path ledger;
    std::optional<GatewayConfig> config;
    std::string control;
};

EraseTarget resolve(const EraseArgs& a) {
    EraseTarget t;
    const std::string config = a.config.empty() ? kDefaultConfigPath : a.config;
    if (!a.config.empty() || std::filesystem::exists(config)) t.config = load_config_file(config);
    if (!a.ledger.empty()) {
        t.ledger = a.ledger;
    } else if (t.config) {
        t.ledger = t.config->ledger_path;
    } else {
        throw std::runtime_error("no --ledger given and no configuration at " + config + "; pass --ledger PATH or --config FILE");
    }
    t.control = a.control.given() ? a.control.endpoint(config) : t.config ? t.config->control_endpoint : "";
    return t;
}

std::vector<std::pair<std::string, std::int64_t>> rows_of(const storage::ErasureReport& r) {
    return {{"events", r.events},
            {"decisions", r.decisions},
            {"screenings", r.screenings},
            {"alerts", r.alerts},
            {"alert_actions", r.alert_actions},
            {"outbox", r.outbox},
            {"dead_letters", r.dead_letters},
            {"list_entries", r.list_entries},
            {"snapshot_files", static_cast<std::int64_t>(r.snapshot_files.size())}};
}

void print_table(const std::string& title, const storage::ErasureReport& r, const Style& style) {
    std::cout << style.bold(title) << '\n';
    TextTable table({"WHAT", "COUNT"});
    for (const auto& [what, n] : rows_of(r)) table.add_row({what, std::to_string(n)});
    table.print(std::cout, style);
}

bool confirm(const std::string& person) {
    std::cout << "Erase these records of person " << person << "? This cannot be undone. [y/N] " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    return answer == "y" || answer == "Y" || answer == "yes";
}

int run(const EraseArgs& a) {
    if (a.person.empty()) throw CLI::ValidationError("--person", "must not be empty");
    const EraseTarget target = resolve(a);
    storage::ErasureRequest request{a.person, {}, a.lists, true};
    std::string pseudonym_note;
    if (target.config && target.config->privacy.pseudonymise_upstream) {
        // Dead letters hold bodies as they were to be sent: with the pseudonym, found only through the secret.
        try {
            request.upstream_ids.push_back(Pseudonymiser::from_file(*target.config->privacy.site_secret_file).pseudonym(a.person));
        } catch (const std::exception& e) {
            pseudonym_note = std::string("cannot read the site secret (dead letters are searched by id only): ") + e.what();
            std::cerr << "gatehouse: warning: " << pseudonym_note << '\n';
        }
    }
    // A connection of its own in WAL mode: works beside a running daemon; the busy timeout covers its commits.
    storage::RecordPurger purger(target.ledger, 10'000);
    const Style style(stdout);
    const bool interactive = ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
    if (!a.yes && !a.dry_run) {
        if (!interactive) {
            std::cerr << "gatehouse: erase: not a terminal, so nothing can be confirmed: pass --yes (or --dry-run)\n";
            return kExitUsage;
        }
        const auto preview = purger.erase_person(request);
        if (preview.rows() == 0 && preview.snapshot_files.empty()) {
            std::cout << "no records of person " << a.person << " in " << target.ledger.string() << '\n';
            return kExitOk;
        }
        print_table("records of person " + a.person + " in " + target.ledger.string(), preview, style);
        if (!confirm(a.person)) {
            std::cout << "nothing erased\n";
            return kExitFailure;
        }
    }
    request.dry_run = a.dry_run;
    const storage::ErasureReport report = purger.erase_person(request);
    std::vector<std::string> file_errors;
    std::int64_t files_deleted = 0;
    if (!a.dry_run) {
        for (const auto& file : report.snapshot_files) {
            std::error_code error;
            if (std::filesystem::remove(file, error)) {
                ++files_deleted;
            } else if (error) {
                file_errors.push_back(file + ": " + error.message());
            }
        }
    }
    // A running daemon still holds the person's open alerts in memory (status, `alerts list`): it drops them.
    std::string daemon = target.control.empty() ? "not asked (no control socket configured)"
                         : a.dry_run        ? "not asked (dry run); the daemon on " + target.control +
                                           " would forget the person's open alerts"
                                            : "";
    if (!a.dry_run && !target.control.empty()) {
        try {
            const json reply = a.control.request(ipc::ForgetAlertsRequest{report.alert_ids}, target.control,
                                                 a.config);
            daemon = reply.value("ok", false) ? "running; forgot " + reply["forgotten"].dump() + " open alerts"
                                              : "running; refused: " + reply.value("error", std::string("?"));
        } catch (const std::exception& e) {
            // The ledger is already erased; a daemon that does not answer holds nothing of it once it restarts.
            daemon = std::string("not reached (") + e.what() + ")";
        }
    }
    if (a.json) {
        json out = {{"person", a.person}, {"ledger", target.ledger.string()}, {"dry_run", a.dry_run}};
        json removed = json::object();
        for (const auto& [what, n] : rows_of(report)) removed[what] = n;
        out[a.dry_run ? "would_remove" : "removed"] = removed;
        out["snapshot_files_deleted"] = files_deleted;
        out["snapshot_file_errors"] = file_errors;
        out["lists_kept"] = !a.lists;
        out["daemon"] = daemon;
        if (!pseudonym_note.empty()) out["warning"] = pseudonym_note;
        std::cout << out.dump() << '\n';
    } else {
        print_table(std::string(a.dry_run ? "would erase" : "erased") + " person " + a.person + " from " +
                        target.ledger.string(),
                    report, style);
        if (!a.lists) std::cout << style.dim("allow/deny list entries kept (pass --lists to remove them too)") << '\n';
        std::cout << style.dim("daemon: " + daemon) << '\n';
        for (const auto& e : file_errors) std::cout << style.red("cannot delete snapshot " + e) << '\n';
    }
    return file_errors.empty() ? kExitOk : kExitFailure;
}

}  // namespace

void register_erase_command(CLI::App& app) {
    auto a = std::make_shared<EraseArgs>();
    auto* cmd = app.add_subcommand(
        "erase", "Remove one person's records: events, decisions, their screenings and snapshots, alerts, unsent outbox");
    cmd->add_option("--person", a->person, "Person id (badge number) as the terminals send it")->required();
    cmd->add_option("--ledger", a->ledger, "Ledger database file (default: ledger.path from the configuration)");
    cmd->add_option("--config,-c", a->config,
                    std::string("Configuration file: ledger, control socket, site secret (default ") + kDefaultConfigPath + ")");
    a->control.add_control_option(*cmd);
    cmd->add_flag("--lists", a->lists, "Also remove the person's allow/deny list entries (kept by default)");
    cmd->add_flag("--yes,-y", a->yes, "Do not ask for confirmation (required when not on a terminal)");
    cmd->add_flag("--dry-run", a->dry_run, "Only count what would be removed");
    cmd->add_flag("--json", a->json, "Print one JSON object instead of a table");
    cmd->callback([a] { finish(run(*a)); });
}

}  // namespace gatehouse::daemon::cli
