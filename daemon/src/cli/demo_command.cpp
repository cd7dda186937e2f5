#include "demo_command.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "console_line.hpp"
#include "demo_config.hpp"
#include "exit_codes.hpp"
#include "gatehouse/daemon/gateway.hpp"
#include "gatehouse/daemon/logging.hpp"
#include "gatehouse/daemon/person_list_csv.hpp"
#include "gatehouse/daemon/private_files.hpp"
#include "gatehouse/daemon/terminal_simulator.hpp"
#include "gatehouse/daemon/web/session_store.hpp"
#include "gatehouse/daemon/web/user_accounts.hpp"
#include "gatehouse/daemon/web/web_config.hpp"
#include "gatehouse/ipc/curve_keys.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "gatehouse/storage/ledger.hpp"
#include "gatehouse/storage/outbox.hpp"
#include "query_command.hpp"
#include "sim_command.hpp"
#include "text_table.hpp"

namespace gatehouse::daemon::cli {
namespace {

using nlohmann::json;

struct DemoArgs {
    std::string dir = "/tmp/gatehouse-demo";
    double duration_s = 22;
    double rate = 10;
    int bad_every = 20;
    std::string mqtt;  ///< HOST:PORT of an MQTT broker to forward to; empty: no forwarding.
    std::string web = kDemoWebListen;  ///< HOST:PORT of the web console; empty: none.
};

/// The demo's upstream: an MQTT broker given on the command line.
struct DemoUpstream {
    std::string host;
    int port = 0;
};

constexpr const char* kDemoSink = "local-broker";

DemoUpstream parse_upstream(const std::string& host_port) {
    const auto colon = host_port.rfind(':');
    DemoUpstream u;
    if (colon == std::string::npos || colon == 0) throw CLI::ValidationError("--mqtt", "expected HOST:PORT, got '" + host_port + "'");
    u.host = host_port.substr(0, colon);
    try {
        std::size_t used = 0;
        u.port = std::stoi(host_port.substr(colon + 1), &used);
        if (used != host_port.size() - colon - 1) throw std::invalid_argument("trailing text");
    } catch (const std::exception&) {
        throw CLI::ValidationError("--mqtt", "port of '" + host_port + "' is not a number");
    }
    if (u.port < 1 || u.port > 65535) throw CLI::ValidationError("--mqtt", "port must be 1-65535");
    return u;
}

// Everything the demo records also goes to the broker, drained without a rate limit so that the demo's short
// run ends with an empty outbox when the broker is there.
std::string forwarding_config(const DemoUpstream& u) {
    return "\n[forwarding]\nmax_drain_rate = 0\n\n[[forwarding.sinks]]\nname = \"" + std::string(kDemoSink) +
           "\"\ntype = \"mqtt\"\nhost = \"" + u.host + "\"\nport = " + std::to_string(u.port) + "\n";
}

/// Waits until the demo sink has confirmed everything in the outbox, for at most `timeout`; returns its backlog.
/// A second connection to the ledger (WAL): it only reads, beside the gateway's writer and forwarder.
storage::SinkBacklog wait_for_upstream(const std::filesystem::path& ledger, std::chrono::milliseconds timeout) {
    storage::Outbox outbox(storage::OutboxOptions{ledger});
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        storage::SinkBacklog b = outbox.sink_backlog(kDemoSink);
        if (b.records == 0 || std::chrono::steady_clock::now() >= deadline) return b;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (std::size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size()) {
        text.replace(pos, from.size(), to);
    }
    return text;
}

/// The demo's CURVE keys in DIR/keys: made on the first run, reused (and their file modes checked) after.
class DemoKeys {
public:
    explicit DemoKeys(const std::filesystem::path& dir) : dir_(dir / "keys") {
        std::filesystem::create_directories(dir_);
        std::filesystem::permissions(dir_, std::filesystem::perms::owner_all);
        load_or_create("server");
        for (const char* name : kDemoKeyNames) load_or_create(name);
    }
    const ipc::CurveKeyPair& operator[](const std::string& name) const { return keys_.at(name); }
    const std::map<std::string, ipc::CurveKeyPair>& all() const { return keys_; }
    const std::filesystem::path& dir() const { return dir_; }
    bool created() const { return created_; }

    /// `text` with each "@PUB:NAME@" replaced by NAME's public key.
    std::string fill(std::string text) const {
        for (const auto& [name, key] : keys_) text = replace_all(std::move(text), "@PUB:" + name + "@", key.public_key);
        return text;
    }

private:
    void load_or_create(const std::string& name) {
        const auto prefix = dir_ / name;
        if (std::filesystem::exists(prefix.string() + ".key")) {
            keys_[name] = ipc::load_secret_key_file(prefix.string() + ".key");
            return;
        }
        keys_[name] = ipc::generate_curve_keypair();
        ipc::write_keypair_files(prefix, keys_[name], /*overwrite=*/true);
        created_ = true;
    }

    std::filesystem::path dir_;
    std::map<std::string, ipc::CurveKeyPair> keys_;
    bool created_ = false;
};

// The lists are written before the gateway opens the ledger, as `gatehouse lists import --replace` would.
void import_demo_lists(const std::filesystem::path& ledger_path) {
    const PersonListCsv lists = parse_person_list_csv(kDemoLists, LocalTimeZone::system());  // the demo's configuration sets no zone
    if (!lists.errors.empty()) throw std::logic_error("demo person list: line " + std::to_string(lists.errors[0].line));
    storage::Ledger ledger({ledger_path});
    ledger.import_person_list(lists.entries, /*replace=*/true);
}

/// The web console's accounts for this run: one per role, with passwords made now (DIR/users, replaced each run).
std::map<std::string, std::string> write_demo_users(const std::filesystem::path& file) {
    std::map<std::string, std::string> passwords;
    web::UsersFile users;
    for (const auto& [name, role] : {std::pair{"guard", web::Role::guard}, {"viewer", web::Role::viewer}, {"admin", web::Role::admin}}) {
        passwords[name] = web::random_token(6);
        users.put({name, role, web::hash_password(passwords[name])});
    }
    users.save(file);
    return passwords;
}

/// The demo's web address: `listen`, or a free port on its host when another program holds that one (the demo
/// must run beside a gatehoused that serves its console on the same port).
std::string demo_web_listen(const std::string& listen) {
    const auto address = web::parse_listen_address(listen);
    sockaddr_in probe{};
    probe.sin_family = AF_INET;
    if (!address || address->port == 0 || ::inet_pton(AF_INET, address->host.c_str(), &probe.sin_addr) != 1) return listen;
    probe.sin_port = htons(static_cast<std::uint16_t>(address->port));
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);  // as the console binds: TIME_WAIT does not count
    const bool free = fd >= 0 && ::bind(fd, reinterpret_cast<const sockaddr*>(&probe), sizeof probe) == 0;
    if (fd >= 0) ::close(fd);
    return free ? listen : address->host + ":0";
}

/// The entrance at work: prints what a guard's console shows (alerts, decisions, screenings), and plays the people
/// the camera sees, each presenting their card and health code at the entrance reader when screened. Halfway
/// through, someone forces the side door.
class DemoGate {
public:
    DemoGate(const std::string& consoles, const std::string& terminals, const DemoKeys& keys, const Style& style)
        : style_(style), sub_(context_, zmq::socket_type::sub), reader_(context_, zmq::socket_type::dealer),
          door_(context_, zmq::socket_type::dealer) {
        for (auto* s : {&sub_, &reader_, &door_}) s->set(zmq::sockopt::linger, 0);
        const std::string& server = keys["server"].public_key;
        ipc::configure_curve_client(sub_, keys["guard-console"], server);
        ipc::configure_curve_client(reader_, keys["north-1-card"], server);
        ipc::configure_curve_client(door_, keys["north-1-door"], server);
        for (const char* topic : {"alert.", "alert_state.", "decision.", "screening.north-1."}) {
            sub_.set(zmq::sockopt::subscribe, topic);
        }
        sub_.connect(consoles);
        reader_.connect(terminals);
        door_.connect(terminals);
    }

    /// Runs until `stop` is set; returns counts of what the console showed, by message type and outcome.
    std::map<std::string, int> run(const std::atomic<bool>& stop, std::chrono::milliseconds door_forced_after) {
        const auto door_due = std::chrono::steady_clock::now() + door_forced_after;
        bool door_forced = false;
        std::size_t next_visitor = 0;
        int request = 0;
        while (!stop.load()) {
            zmq::pollitem_t items[] = {{sub_.handle(), 0, ZMQ_POLLIN, 0},
                                       {reader_.handle(), 0, ZMQ_POLLIN, 0},
                                       {door_.handle(), 0, ZMQ_POLLIN, 0}};
            zmq::poll(items, 3, std::chrono::milliseconds(100));
            zmq::message_t discard;
            while (reader_.recv(discard, zmq::recv_flags::dontwait)) {}  // decisions also arrive on the console
            if (items[2].revents & ZMQ_POLLIN) answer_door();
            if (!door_forced && std::chrono::steady_clock::now() >= door_due) {
                door_.send(zmq::buffer(ipc::encode(ipc::Hello{"north-1-door", "door_contact", "demo"})));
                door_forced = true;
            }
            zmq::message_t topic, body;
            while (sub_.recv(topic, zmq::recv_flags::dontwait)) {
                if (!topic.more() || !sub_.recv(body, zmq::recv_flags::dontwait)) continue;
                const json m = json::parse(body.to_string_view(), nullptr, false);
                if (m.is_discarded()) continue;
                const std::string type = m.value("type", "");
                ++shown_[type == "decision" ? "decision_" + m.value("result", std::string()) : type];
                std::cout << console_line(topic.to_string(), m, style_, zone_) << '\n' << std::flush;
                if (type != "screening") continue;
                const DemoVisitor& v = kDemoVisitors[next_visitor++ % std::size(kDemoVisitors)];
                if (*v.person == '\0') continue;  // slips through behind the one before: presents nothing
                const ipc::AccessRequest r{"north-1-card", "demo-" + std::to_string(++request), v.person,
                                           ipc::CredentialMethod::card, v.health_code, std::nullopt};
                reader_.send(zmq::buffer(ipc::encode(r)));
            }
        }
        return shown_;
    }

private:
    // The door contact's welcome tells it where its seq stands; its one event is a forced door.
    void answer_door() {
        zmq::message_t reply;
        while (door_.recv(reply, zmq::recv_flags::dontwait)) {
            const ipc::GatewayReply m = ipc::decode_gateway_reply(reply.to_string_view());
            const auto* welcome = std::get_if<ipc::Welcome>(&m);
            if (!welcome) continue;
            ipc::Event event;
            event.terminal = "north-1-door";
            event.seq = welcome->last_seq.value_or(0) + 1;
            event.occurred_ms = ipc::utc_now_ms();
            event.data = ipc::DoorData{ipc::DoorState::forced};
            door_.send(zmq::buffer(ipc::encode(event)));
        }
    }

    const Style& style_;
    const LocalTimeZone zone_ = LocalTimeZone::system();  // the demo's configuration sets no gateway.timezone
    zmq::context_t context_{1};
    zmq::socket_t sub_;
    zmq::socket_t reader_;
    zmq::socket_t door_;
    std::map<std::string, int> shown_;
};

int run(const DemoArgs& a) {
    // The demo runs the daemon in this process: its ledger and snapshots are private like the service's.
    restrict_umask();
    std::filesystem::create_directories(a.dir);
    const std::filesystem::path dir(a.dir);
    const std::filesystem::path config_path = dir / "gatehouse.toml";
    const DemoKeys keys(dir);
    std::optional<DemoUpstream> upstream;
    if (!a.mqtt.empty()) upstream = parse_upstream(a.mqtt);
    const std::string config_text = keys.fill(replace_all(kDemoConfig, "@DIR@", a.dir)) +
                                    (upstream ? forwarding_config(*upstream) : std::string()) +
                                    (a.web.empty() ? std::string()
                                                   : replace_all(replace_all(kDemoWebConfig, "@DIR@", a.dir), "@LISTEN@",
                                                                 demo_web_listen(a.web)));
    std::ofstream(config_path) << config_text;
    std::ofstream(dir / "people.json") << kDemoScene;
    GatewayConfig config = parse_config(config_text, config_path.string());
    import_demo_lists(config.ledger_path);
    const auto web_passwords = a.web.empty() ? std::map<std::string, std::string>{} : write_demo_users(config.web.users_file);
    // The console below is the show; the log keeps to warnings (the alerts are in both).
    configure_logging("error");

    const Style style(stdout);
    std::cout << style.bold("gatehouse demo") << ": gateway '" << config.gateway_id << "', entrance north-1 with a "
              << "synthetic thermal camera (people step up every 2 s), exit south-1, " << config.terminals.size()
              << " simulated terminals; configuration " << config_path.string() << "\n"
              << style.dim("every socket uses CURVE with the keys " + std::string(keys.created() ? "generated now in " : "in ") +
                           keys.dir().string() + " (gateway public key " + keys["server"].public_key + ")")
              << "\n"
              << style.dim("north-1 requires a normal temperature, a green health code and the allow list (白名单); "
                           "what a guard's console shows:")
              << "\n";
    if (upstream) {
        std::cout << style.dim("everything recorded is forwarded to the MQTT broker " + a.mqtt + " (QoS 1, topics " +
                               "gatehouse/" + config.site + "/" + config.gateway_id + "/<lane>/<kind>)")
                  << "\n";
    }

    Gateway gateway(config, {});
    if (config.web.enabled()) {
        std::cout << style.bold("web console") << ": " << gateway.web_url() << "  log in as guard / "
                  << web_passwords.at("guard") << "  (or viewer / " << web_passwords.at("viewer") << ", admin / "
                  << web_passwords.at("admin") << ")\n"
                  << style.dim("it runs as long as the demo (--duration SECONDS); accounts in " + config.web.users_file.string())
                  << "\n";
    }
    std::cout << "\n" << std::flush;
    std::thread reactor([&gateway] { gateway.run(); });
    std::atomic<bool> stop{false};
    DemoGate gate(gateway.console_endpoint(), gateway.terminal_endpoint(), keys, style);
    std::map<std::string, int> shown;
    std::thread console([&] {
        shown = gate.run(stop, std::chrono::milliseconds(static_cast<std::int64_t>(a.duration_s * 500)));
    });

    // Background traffic from the other terminals, malformed messages included: each must get an error reply.
    SimulatorOptions sim;
    sim.endpoint = gateway.terminal_endpoint();
    sim.server_public_key = keys["server"].public_key;
    for (const auto& t : config.terminals) {
        if (t.id == "north-1-door") continue;
        sim.terminal_ids.push_back(t.id);
        sim.terminal_keys[t.id] = keys[t.id];
    }
    sim.rate = a.rate;
    sim.duration = std::chrono::milliseconds(static_cast<std::int64_t>(a.duration_s * 1000));
    sim.bad_every = a.bad_every;
    sim.oversize_bytes = config.max_message_bytes + 1024;
    SimulatorReport report;
    std::exception_ptr failure;
    try {
        report = run_simulation(sim);
    } catch (...) {
        failure = std::current_exception();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the last decisions reach the console
    stop.store(true);
    console.join();
    // Give the forwarder a moment to catch up; the camera keeps screening meanwhile, so "caught up" is a moment.
    if (upstream) (void)wait_for_upstream(config.ledger_path, std::chrono::seconds(10));
    gateway.request_stop();
    reactor.join();
    if (failure) std::rethrow_exception(failure);

    std::cout << '\n' << style.bold("console") << ": " << shown["screening"] << " people screened, "
              << shown["decision_grant"] << " let in, " << shown["decision_deny"] << " stopped, " << shown["alert"]
              << " alerts\n";
    std::cout << '\n' << style.bold("background terminals") << " (bad messages are sent on purpose: each must get an error reply)\n";
    print_simulation_report(report);

    storage::Ledger ledger({config.ledger_path, /*read_only=*/true});
    const auto alerts = ledger.alerts(0, /*open_only=*/true);
    std::cout << '\n' << style.bold("ledger") << ' ' << config.ledger_path.string() << ": " << ledger.event_count()
              << " events, " << ledger.decisions("", 0).size() << " decisions, " << ledger.screenings("", 0).size()
              << " screenings, " << alerts.size() << " alerts open\n";
    if (upstream) {
        const storage::SinkBacklog forwarded = storage::Outbox(storage::OutboxOptions{config.ledger_path}).sink_backlog(kDemoSink);
        std::cout << '\n' << style.bold("upstream") << " mqtt://" << a.mqtt << ": " << forwarded.delivered
                  << " records confirmed (PUBACK), " << forwarded.records << " waiting in the outbox"
                  << (forwarded.records > 0 ? style.dim(" (they go at the next start, when the broker answers)") : "")
                  << "\n";
    }
    std::error_code no_proc;  // then the bare name, as found on PATH after installation
    const auto self = std::filesystem::read_symlink("/proc/self/exe", no_proc);
    const std::string gatehouse = no_proc ? "gatehouse" : self.string();
    std::cout << "\nlook around:\n  " << gatehouse << " alerts list --all --ledger " << config.ledger_path.string()
              << "\n  " << gatehouse << " history E1004 --ledger " << config.ledger_path.string() << "\n  " << gatehouse
              << " query --ledger " << config.ledger_path.string() << " --kind health_code --last 20\n";
    return report.ok() ? kExitOk : kExitFailure;
}

}  // namespace

void register_demo_command(CLI::App& app) {
    auto a = std::make_shared<DemoArgs>();
    auto* cmd = app.add_subcommand(
        "demo", "Run a gate at work on an embedded configuration: a synthetic camera, simulated people and terminals");
    cmd->add_option("--dir", a->dir, "Working directory for the demo's configuration and ledger")->capture_default_str();
    cmd->add_option("--duration,-d", a->duration_s, "Seconds to run")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--rate,-r", a->rate, "Background terminal events per second")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--bad-every", a->bad_every, "Every Nth background message is malformed on purpose (0: none)")->capture_default_str();
    cmd->add_option("--mqtt", a->mqtt,
                    "Forward everything recorded to this MQTT broker (HOST:PORT, e.g. 127.0.0.1:1883) through the outbox");
    cmd->add_option("--web", a->web,
                    "Serve the web console on HOST:PORT (a free port when taken; \"\" for none); prints its address and logins")
        ->capture_default_str();
    cmd->callback([a] { finish(run(*a)); });
}

}  // namespace gatehouse::daemon::cli
