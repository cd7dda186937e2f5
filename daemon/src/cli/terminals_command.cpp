#include "terminals_command.hpp"

#include <cctype>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "control_client.hpp"
#include "exit_codes.hpp"
#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/daemon/local_time_zone.hpp"
#include "gatehouse/ipc/curve_keys.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "ledger_location.hpp"
#include "text_table.hpp"

namespace gatehouse::daemon::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// Where enrolled terminals' keys go by default: beside the configuration, readable by root only.
constexpr const char* kDefaultKeyDir = "/etc/gatehouse/terminals";

struct EnrollArgs {
    std::string id;
    std::string gate;
    std::string kind = "card_reader";
    std::string key_dir = kDefaultKeyDir;
    std::string append;
    bool force = false;
    bool json = false;
};

struct ListArgs {
    ControlTarget target;
    bool json = false;
};

std::string stanza(const EnrollArgs& a, const std::string& public_key) {
    return "[[terminals]]\nid = \"" + a.id + "\"\ngate = \"" + a.gate + "\"\nkind = \"" + a.kind +
           "\"\npublic_key = \"" + public_key + "\"\n";
}

/// Ids as the configuration takes them: letters, digits and - _ . : (they name files and topics too).
bool valid_id(const std::string& id) {
    if (id.empty() || id.size() > 64) return false;
    for (const char c : id) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':')) return false;
    }
    return true;
}

std::string read_text(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw ConfigError("cannot read " + file.string());
    return {std::istreambuf_iterator<char>(in), {}};
}

/// Checks, before any key is made, that the stanza will fit the configuration it is appended to.
void check_target(const EnrollArgs& a) {
    const GatewayConfig config = load_config_file(a.append);
    bool gate = false;
    for (const auto& g : config.gates) gate |= g.id == a.gate;
    if (!gate) {
        std::string gates;
        for (const auto& g : config.gates) gates += (gates.empty() ? "" : ", ") + g.id;
        throw CLI::ValidationError("--gate", "'" + a.gate + "' is not a gate of " + a.append + " (gates: " + gates + ")");
    }
    for (const auto& t : config.terminals) {
        if (t.id == a.id) throw CLI::ValidationError("ID", "terminal '" + a.id + "' is already in " + a.append);
    }
}

/// Appends the stanza, then reads the whole file again; a file that no longer loads is put back as it was.
void append_stanza(const EnrollArgs& a, const std::string& text) {
    const std::string before = read_text(a.append);
    {
        std::ofstream out(a.append, std::ios::binary | std::ios::app);
        out << (before.empty() || before.back() == '\n' ? "\n" : "\n\n") << text;
        if (!out.flush()) throw ConfigError("cannot write " + a.append);
    }
    try {
        (void)load_config_file(a.append);
    } catch (const ConfigError&) {
        std::ofstream(a.append, std::ios::binary | std::ios::trunc) << before;
        throw;
    }
}

void enroll(const EnrollArgs& a) {
    if (!valid_id(a.id)) throw CLI::ValidationError("ID", "'" + a.id + "': use letters, digits and - _ . : (at most 64)");
    if (!a.append.empty()) check_target(a);
    const fs::path dir(a.key_dir);
    if (!fs::exists(dir)) {
        fs::create_directories(dir);
        fs::permissions(dir, fs::perms::owner_all);  // 0700: terminal secrets are handed to installers, not read here
    }
    const ipc::CurveKeyPair keys = ipc::generate_curve_keypair();
    const ipc::KeyFiles files = ipc::write_keypair_files(dir / a.id, keys, a.force);
    const std::string text = stanza(a, keys.public_key);
    if (!a.append.empty()) append_stanza(a, text);
    if (a.json) {
        std::cout << json{{"id", a.id},
                          {"gate", a.gate},
                          {"kind", a.kind},
                          {"public_key", keys.public_key},
                          {"secret_key_file", files.secret_file.string()},
                          {"public_key_file", files.public_file.string()},
                          {"appended_to", a.append.empty() ? json(nullptr) : json(a.append)},
                          {"stanza", text}}
                         .dump()
                  << '\n';
        return;
    }
    std::cerr << "terminal " << a.id << ": secret key " << files.secret_file.string()
              << " (mode 0600: install it on the terminal, then delete it here), public key "
              << files.public_file.string() << '\n';
    if (a.append.empty()) {
        std::cout << text;
        std::cerr << "add the stanza above to the configuration, then `gatehouse reload`\n";
    } else {
        std::cerr << "appended to " << a.append << "; `gatehouse reload` (or systemctl reload gatehoused) takes it in\n";
    }
}

std::string local_time(std::int64_t utc_ms, const LocalTimeZone& zone) {
    return zone.format(utc_ms, "%Y-%m-%d %H:%M:%S %z");
}

void list(const ListArgs& a) {
    const json status = a.target.request(ipc::StatusRequest{})["status"];
    const std::int64_t now_ms = ipc::utc_now_ms();
    const auto zone = status.contains("timezone") && status["timezone"].is_string()
                          ? LocalTimeZone::find(status["timezone"].get<std::string>()).value_or(LocalTimeZone::system())
                          : LocalTimeZone::system();
    json rows = json::array();
    for (const auto& t : status.value("terminals", json::array())) {
        const json& ago = t["last_seen_ms_ago"];
        json row{{"id", t["id"]},         {"gate", t["gate"]},   {"kind", t["kind"]},
                 {"online", t["online"]}, {"last_seq", t["last_seq"]}, {"events", t["events"]},
                 {"firmware", t["firmware"]}};
        row["last_seen"] = ago.is_null() ? json(nullptr) : json(zone.format_iso(now_ms - ago.get<std::int64_t>()));
        row["last_seen_ms"] = ago.is_null() ? json(nullptr) : json(now_ms - ago.get<std::int64_t>());
        rows.push_back(std::move(row));
    }
    if (a.json) {
        for (const auto& r : rows) std::cout << r.dump() << '\n';
        return;
    }
    const Style style(stdout);
    TextTable table({"TERMINAL", "GATE", "KIND", "STATE", "LAST SEEN", "EVENTS", "FIRMWARE"});
    std::size_t online = 0;
    for (const auto& r : rows) {
        const bool up = r["online"].get<bool>();
        online += up ? 1 : 0;
        const std::string firmware = r["firmware"].is_string() ? r["firmware"].get<std::string>() : "";
        table.add_row({r["id"].get<std::string>(), r["gate"].get<std::string>(), r["kind"].get<std::string>(),
                       up ? style.green("online") : style.red("offline"),
                       r["last_seen_ms"].is_null() ? "never" : local_time(r["last_seen_ms"].get<std::int64_t>(), zone),
                       r["events"].is_null() ? "-" : r["events"].dump(), firmware.empty() ? "-" : firmware});
    }
    table.print(std::cout, style);
    std::cout << style.dim(std::to_string(rows.size()) + " terminal(s), " + std::to_string(online) + " online; times in " +
                           zone.name())
              << '\n';
}

}  // namespace

void register_terminals_command(CLI::App& app) {
    auto* terminals = app.add_subcommand("terminals", "Enroll gate terminals and list them with their state");
    terminals->require_subcommand(1);

    auto e = std::make_shared<EnrollArgs>();
    auto* enroll_cmd = terminals->add_subcommand(
        "enroll",
        "Create a terminal's CURVE key pair (DIR/ID.key, mode 0600, for the terminal; DIR/ID.pub) and print its\n"
        "[[terminals]] stanza with the public key, or append it to the configuration (--append, checked: the gate must\n"
        "exist, the id must be new, and the file must still load). Then `gatehouse reload`.");
    enroll_cmd->add_option("id", e->id, "The terminal's id (letters, digits and - _ . :)")->required();
    enroll_cmd->add_option("--gate,-g", e->gate, "The gate it stands at")->required();
    enroll_cmd->add_option("--kind", e->kind, "Device kind, e.g. card_reader, face_reader, health_code_scanner, turnstile, door")
        ->capture_default_str();
    enroll_cmd->add_option("--key-dir", e->key_dir, "Where the key files go (created with mode 0700)")->capture_default_str();
    enroll_cmd->add_option("--append", e->append, "Append the stanza to this configuration file instead of printing it");
    enroll_cmd->add_flag("--force", e->force, "Replace existing key files of this id");
    enroll_cmd->add_flag("--json", e->json, "Print the result (keys, files, stanza) as one JSON object");
    enroll_cmd->callback([e] { enroll(*e); });

    auto l = std::make_shared<ListArgs>();
    auto* list_cmd = terminals->add_subcommand(
        "list", "The running daemon's terminals: gate, kind, online or offline, last seen (local time), events");
    l->target.add_options(*list_cmd);
    list_cmd->add_flag("--json", l->json, "One JSON object per terminal");
    list_cmd->callback([l] { list(*l); });
}

}  // namespace gatehouse::daemon::cli
