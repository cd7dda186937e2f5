#include "fleet_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "exit_codes.hpp"
#include "gatehouse/daemon/fleet/downlink_update.hpp"
#include "gatehouse/daemon/fleet/fleet_config.hpp"
#include "gatehouse/daemon/fleet/fleet_link.hpp"
#include "gatehouse/daemon/fleet/mqtt_session.hpp"
#include "gatehouse/daemon/fleet/site_key.hpp"
#include "gatehouse/daemon/person_list_csv.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "text_table.hpp"

namespace gatehouse::daemon::cli {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

/// How the tools reach the broker.
struct BrokerArgs {
    std::vector<std::string> brokers;
    std::string username;
    std::string password_file;
    std::string ca_file;
    std::string cert_file;
    std::string key_file;
    std::string topic_prefix = "gatehouse";
    int timeout_ms = 5000;

    void add_to(CLI::App* cmd) {
        cmd->add_option("--broker,-b", brokers, "Broker HOST:PORT; repeat for the nodes of a cluster (tried in order)")
            ->required()
            ->allow_extra_args(false);  // one value per --broker: the positional file must not be taken for a broker
        cmd->add_option("--username", username, "MQTT user name");
        cmd->add_option("--password-file", password_file, "File holding the MQTT password");
        cmd->add_option("--ca-file", ca_file, "CA certificate (PEM): connect with TLS");
        cmd->add_option("--cert-file", cert_file, "Client certificate (PEM), with --key-file");
        cmd->add_option("--key-file", key_file, "Client certificate's private key (PEM)");
        cmd->add_option("--topic-prefix", topic_prefix, "First topic level (fleet.topic_prefix of the gateways)")->capture_default_str();
        cmd->add_option("--timeout-ms", timeout_ms, "How long to wait for the broker")->capture_default_str()->check(CLI::Range(100, 600000));
    }

    /// A session with the first broker of the list that takes us.
    std::unique_ptr<fleet::MqttSession> connect(const std::string& client_id) const {
        std::string errors;
        for (const auto& text : brokers) {
            const auto broker = fleet::parse_broker(text);
            if (!broker) throw CLI::ValidationError("--broker", "'" + text + "' is not HOST:PORT");
            fleet::MqttEndpoint e{broker->host, broker->port, username, "", ca_file, cert_file, key_file};
            if (!password_file.empty()) {
                std::ifstream in(password_file);
                if (!in) throw std::runtime_error("cannot read " + password_file);
                std::getline(in, e.password);
            }
            try {
                return std::make_unique<fleet::MqttSession>(e, client_id, std::chrono::milliseconds(timeout_ms));
            } catch (const fleet::MqttSessionError& err) {
                errors += std::string(errors.empty() ? "" : "; ") + err.what();
            }
        }
        throw fleet::MqttSessionError(errors);
    }
};

std::string client_id(const char* tool) { return fmt::format("gatehouse-{}-{}", tool, ::getpid()); }

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    return {std::istreambuf_iterator<char>(in), {}};
}

// ---- keygen

struct KeygenArgs {
    std::string prefix;
    bool force = false;
};

void run_keygen(const KeygenArgs& a) {
    const auto keys = fleet::generate_site_key_pair();
    try {
        const auto [secret, pub] = fleet::write_site_key_files(a.prefix, keys, a.force);
        std::cout << "site secret key: " << secret.string() << " (mode 0600; for the platform's publisher only, never on a gateway)\n"
                  << "site public key: " << pub.string() << " (fleet.site_public_key_file of every gateway of the site)\n";
    } catch (const fleet::SiteKeyError& e) {
        std::cerr << "gatehouse fleet keygen: " << e.what() << '\n';
        finish(kExitCantCreate);
    }
}

// ---- publish

struct PublishArgs {
    BrokerArgs broker;
    std::string key;
    std::string site;
    std::string file;
    std::int64_t version = 0;
    std::string kind = "full";
    std::int64_t base = -1;
    std::vector<std::string> remove;
    std::string list;
    std::string timezone;
    bool no_retain = false;
    bool print_only = false;
};

json entry_json(const storage::PersonListEntry& e) {
    json j{{"person", e.person}};
    if (!e.name.empty()) j["name"] = e.name;
    if (!e.note.empty()) j["note"] = e.note;
    if (e.valid_from_ms) j["valid_from_ms"] = *e.valid_from_ms;
    if (e.valid_until_ms) j["valid_until_ms"] = *e.valid_until_ms;
    return j;
}

/// The policy file: [gates."*"] and [gates.<id>] tables of the policy keys a central policy may set.
json policy_gates(const std::string& path) {
    toml::table root;
    try {
        root = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        throw std::runtime_error(fmt::format("{}:{}:{}: {}", path, e.source().begin.line, e.source().begin.column, e.description()));
    }
    const toml::table* gates = root["gates"].as_table();
    if (!gates || root.size() != 1) throw std::runtime_error(path + ": expected only [gates.\"*\"] and [gates.<gate id>] tables");
    json out = json::object();
    for (auto&& [gate, node] : *gates) {
        const toml::table* keys = node.as_table();
        if (!keys) throw std::runtime_error(path + ": gates." + std::string(gate.str()) + " must be a table");
        json g = json::object();
        for (auto&& [key, value] : *keys) {
            const std::string k(key.str());
            if (k == "fever_threshold") {
                const auto v = value.value<double>();
                if (!v) throw std::runtime_error(path + ": gates." + std::string(gate.str()) + ".fever_threshold must be a number");
                g[k] = *v;
            } else {
                const auto v = value.value<bool>();
                if (!v) throw std::runtime_error(path + ": gates." + std::string(gate.str()) + "." + k + " must be true or false");
                g[k] = *v;
            }
        }
        out[std::string(gate.str())] = g;
    }
    return out;
}

void run_publish(const PublishArgs& a) {
    const std::string secret = fleet::read_site_secret_key(a.key);
    const bool policy = a.file.size() >= 5 && a.file.substr(a.file.size() - 5) == ".toml";
    const std::int64_t version = a.version > 0 ? a.version : ipc::utc_now_ms();
    if (a.kind == "delta" && a.base < 0) throw CLI::ValidationError("--base", "a delta needs --base: the version it applies on");
    std::vector<std::pair<fleet::DownlinkSubject, json>> bodies;
    auto body_of = [&](fleet::DownlinkSubject subject) {
        json b{{"format", fleet::kDownlinkFormat}, {"site", a.site}, {"subject", fleet::to_string(subject)},
               {"version", version}, {"kind", a.kind}, {"issued_ms", ipc::utc_now_ms()}};
        if (a.kind == "delta") b["base"] = a.base;
        return b;
    };
    if (policy) {
        if (a.kind != "full") throw CLI::ValidationError("--kind", "a policy update is always full");
        json b = body_of(fleet::DownlinkSubject::policy);
        b["gates"] = policy_gates(a.file);
        bodies.emplace_back(fleet::DownlinkSubject::policy, std::move(b));
    } else {
        const auto zone = LocalTimeZone::from_setting(a.timezone);
        const PersonListCsv parsed = parse_person_list_csv(read_file(a.file), zone);
        if (!parsed.errors.empty()) {
            for (const auto& e : parsed.errors) std::cerr << a.file << ':' << e.line << ": " << e.message << '\n';
            std::cerr << "gatehouse fleet publish: " << parsed.errors.size() << " bad row(s); nothing was published\n";
            finish(kExitDataError);
        }
        for (auto kind : {storage::PersonListKind::allow, storage::PersonListKind::deny}) {
            const std::string name = storage::to_string(kind);
            if (!a.list.empty() && a.list != name) continue;
            json entries = json::array();
            for (const auto& e : parsed.entries) {
                if (e.list == kind) entries.push_back(entry_json(e));
            }
            const bool named = !entries.empty() || a.list == name;
            if (!named) continue;
            json b = body_of(kind == storage::PersonListKind::allow ? fleet::DownlinkSubject::allow : fleet::DownlinkSubject::deny);
            b["entries"] = std::move(entries);
            if (a.kind == "delta") b["remove"] = a.remove;
            bodies.emplace_back(kind == storage::PersonListKind::allow ? fleet::DownlinkSubject::allow : fleet::DownlinkSubject::deny,
                                std::move(b));
        }
        if (bodies.empty()) {
            std::cerr << "gatehouse fleet publish: " << a.file << " has no entries" << (a.list.empty() ? "" : " of the " + a.list + " list")
                      << "; name the list with --list to publish it empty\n";
            finish(kExitDataError);
        }
    }
    const fleet::FleetTopics topics{a.broker.topic_prefix, a.site};
    std::vector<std::pair<std::string, std::string>> messages;
    for (const auto& [subject, body] : bodies) {
        messages.emplace_back(topics.downlink(subject), fleet::sign_envelope(body.dump(), secret));
    }
    if (a.print_only) {
        for (const auto& [topic, payload] : messages) std::cout << topic << ' ' << payload << '\n';
        return;
    }
    auto session = a.broker.connect(client_id("publish"));
    for (std::size_t i = 0; i < messages.size(); ++i) {
        session->publish(messages[i].first, messages[i].second, !a.no_retain);
        const json& b = bodies[i].second;
        std::cout << "published " << fleet::to_string(bodies[i].first) << " version " << version << " (" << a.kind;
        if (b.contains("entries")) std::cout << ", " << b["entries"].size() << " entries";
        if (b.contains("remove")) std::cout << ", " << b["remove"].size() << " removed";
        std::cout << ") to " << messages[i].first << '\n';
    }
}

// ---- status

struct StatusArgs {
    BrokerArgs broker;
    std::string site = "+";
    bool json_out = false;
    int wait_ms = 1500;
};

const json* field(const json& j, const char* key) {
    if (!j.is_object()) return nullptr;
    const auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
}
std::string text_of(const json& j, const char* key) {
    const json* v = field(j, key);
    return v && v->is_string() ? v->get<std::string>() : "";
}
std::optional<std::int64_t> int_of(const json& j, const char* key) {
    const json* v = field(j, key);
    if (!v || !v->is_number_integer()) return std::nullopt;
    return v->get<std::int64_t>();
}

/// One gateway as the status topic shows it, judged: online, stale (no fresh status for 3 intervals) or offline.
json judge(const std::string& topic, const json& status, std::int64_t now_ms) {
    json row{{"topic", topic}, {"gateway", text_of(status, "gateway")}, {"site", text_of(status, "site")}};
    if (row["gateway"] == "") row["gateway"] = topic.substr(topic.rfind('/') + 1);
    std::string state = text_of(status, "state");
    const auto at = int_of(status, "at_ms");
    const std::int64_t interval = int_of(status, "interval_ms").value_or(5000);
    row["age_ms"] = at ? json(now_ms - *at) : json(nullptr);
    if (state == "online" && (!at || now_ms - *at > 3 * interval)) state = "stale";
    if (state != "online" && state != "offline" && state != "stale") state = "unknown";
    row["state"] = state;
    row["status"] = status;
    return row;
}

std::string count_cell(const json& status, const char* list, const char* flag, const char* good) {
    const json* items = field(status, list);
    if (!items || !items->is_array()) return "-";
    std::size_t ok = 0;
    for (const auto& i : *items) {
        const json* v = field(i, flag);
        if (v && ((v->is_boolean() && v->get<bool>()) || (v->is_string() && v->get<std::string>() == good))) ++ok;
    }
    return fmt::format("{}/{}", ok, items->size());
}

void run_status(const StatusArgs& a) {
    const fleet::FleetTopics topics{a.broker.topic_prefix, a.site};
    auto session = a.broker.connect(client_id("status"));
    session->subscribe(topics.status_filter());
    // Retained messages come right after the SUBACK; a quiet pause after the last one ends the wait early.
    std::map<std::string, json> latest;
    const auto end = Clock::now() + std::chrono::milliseconds(a.wait_ms);
    auto quiet_until = Clock::now() + std::chrono::milliseconds(std::min(a.wait_ms, 500));
    while (true) {
        auto m = session->next(std::min(end, quiet_until));
        if (!m) break;
        json status = json::parse(m->payload, nullptr, false);
        if (status.is_discarded()) status = json::object();
        latest[m->topic] = std::move(status);
        quiet_until = Clock::now() + std::chrono::milliseconds(300);
    }
    const std::int64_t now = ipc::utc_now_ms();
    json rows = json::array();
    for (const auto& [topic, status] : latest) rows.push_back(judge(topic, status, now));
    if (a.json_out) {
        std::cout << json{{"site", a.site == "+" ? json(nullptr) : json(a.site)}, {"gateways", rows}}.dump(2, ' ', false, json::error_handler_t::replace) << '\n';
        return;
    }
    const Style style(stdout);
    TextTable table({"SITE", "GATEWAY", "STATE", "AGE", "GATES", "CAMERAS", "TERMINALS", "ALERTS", "BACKLOG", "ALLOW", "DENY", "POLICY"});
    for (const auto& r : rows) {
        const json& s = r["status"];
        const std::string state = r["state"].get<std::string>();
        const std::string state_cell = state == "online" ? style.green(state) : state == "stale" ? style.yellow(state) : style.red(state);
        std::string age = r["age_ms"].is_number() ? fmt::format("{:.0f} s", r["age_ms"].get<double>() / 1000.0) : "-";
        const json* gates = field(s, "gates");
        std::int64_t backlog = 0;
        if (const json* b = field(s, "backlog"); b && b->is_array()) {
            for (const auto& sink : *b) backlog += int_of(sink, "unconfirmed").value_or(0);
        }
        const json* held = field(s, "fleet") ? field(*field(s, "fleet"), "held") : nullptr;
        auto version = [&](const char* subject) {
            if (!held) return std::string("-");
            const auto v = int_of(*held, subject);
            return v ? std::to_string(*v) : std::string("-");
        };
        const auto alerts = int_of(s, "alerts_open");
        table.add_row({r["site"].get<std::string>(), r["gateway"].get<std::string>(), state_cell, age,
                       gates && gates->is_array() ? std::to_string(gates->size()) : "-", count_cell(s, "cameras", "state", "running"),
                       count_cell(s, "terminals", "online", ""), alerts ? std::to_string(*alerts) : "-",
                       field(s, "backlog") ? std::to_string(backlog) : "-", version("allow"), version("deny"), version("policy")});
    }
    if (table.size() == 0) {
        std::cout << "no gateway has published a status on " << topics.status_filter() << '\n';
        return;
    }
    table.print(std::cout, style);
}

}  // namespace

void register_fleet_command(CLI::App& app) {
    auto* fleet = app.add_subcommand("fleet", "The site's fleet: signing key, central list and policy updates, and every "
                                              "gateway's status over the site's MQTT brokers (docs/fleet-downlink.md)");
    fleet->require_subcommand(1);

    auto k = std::make_shared<KeygenArgs>();
    auto* keygen = fleet->add_subcommand("keygen", "Create the site's Ed25519 key pair: PREFIX.key (secret, mode 0600, for the "
                                                   "platform's publisher) and PREFIX.pub (for fleet.site_public_key_file)");
    keygen->add_option("--out,-o", k->prefix, "Path prefix of the two files, e.g. /etc/gatehouse-platform/campus-a")->required();
    keygen->add_flag("--force", k->force, "Replace existing key files");
    keygen->callback([k] { run_keygen(*k); });

    auto p = std::make_shared<PublishArgs>();
    auto* publish = fleet->add_subcommand(
        "publish", "Sign a list (CSV as for `gatehouse lists import`) or policy (TOML: [gates.\"*\"], [gates.<id>]) update "
                   "with the site key and publish it, retained, to every gateway of the site");
    p->broker.add_to(publish);
    publish->add_option("--key,-k", p->key, "The site's secret key file (`gatehouse fleet keygen`)")->required();
    publish->add_option("--site,-s", p->site, "The site (gateway.site of its gateways)")->required();
    publish->add_option("--version", p->version, "Version of the update (must rise); default: the current UTC time in ms");
    publish->add_option("--kind", p->kind, "full: the file is the whole list; delta: entries added or replaced on --base")
        ->check(CLI::IsMember({"full", "delta"}))->capture_default_str();
    publish->add_option("--base", p->base, "Delta: the version it applies on (the one the gateways hold)");
    publish->add_option("--remove", p->remove, "Delta: a person taken off the list (repeat)")->allow_extra_args(false);
    publish->add_option("--list", p->list, "Only this list of the CSV (allow or deny); needed to publish an empty one")
        ->check(CLI::IsMember({"allow", "deny"}));
    publish->add_option("--timezone", p->timezone, "IANA zone of the CSV's dates (default: the system's)");
    publish->add_flag("--no-retain", p->no_retain, "Do not retain (gateways connecting later will not get it)");
    publish->add_flag("--print", p->print_only, "Print topic and signed message instead of publishing");
    publish->add_option("file", p->file, "lists.csv or policy.toml")->required()->check(CLI::ExistingFile);
    publish->callback([p] { run_publish(*p); });

    auto s = std::make_shared<StatusArgs>();
    auto* status = fleet->add_subcommand("status", "Every gateway of a site from its retained status: online, stale or offline, "
                                                   "gates, cameras, terminals, open alerts, backlog and the list versions held");
    s->broker.add_to(status);
    status->add_option("--site,-s", s->site, "The site; default: every site")->capture_default_str();
    status->add_flag("--json", s->json_out, "One JSON object: {site, gateways: [{gateway, site, state, age_ms, status}]}");
    status->add_option("--wait-ms", s->wait_ms, "Longest wait for the retained statuses")->capture_default_str()->check(CLI::Range(100, 60000));
    status->callback([s] { run_status(*s); });
}

}  // namespace gatehouse::daemon::cli
