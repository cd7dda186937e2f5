// libFuzzer target: the whole gateway, in process. The real Gateway runs on its own thread with a real ledger (a temp
// directory) and real sockets on 127.0.0.1; each input is read as a program (structure-aware: any bytes are a valid
// program) of terminal messages from four connections (three configured terminals and one that is not), control
// requests and raw console-subscription frames. Messages are built from the documented templates, then fields are
// replaced by values of every JSON type, sequence numbers are resent, skipped or reset, or the frame is raw bytes.
// After each input it checks what issue 14 promises:
//   - every terminal message and every control request got its one answer, and the daemon still answers a heartbeat
//     and a status request;
//   - every event the gateway acked is in the ledger exactly once;
//   - no failure had to be contained at a message's boundary (internal_errors stays empty: containment keeps the
//     daemon up, but each contained failure is a defect to fix).
#include <fuzzer/FuzzedDataProvider.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include "fuzz_invariant.hpp"
#include "gatehouse/daemon/gateway.hpp"
#include "gatehouse/ipc/control_messages.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"

namespace {

using gatehouse::fuzz::require;
using nlohmann::json;
namespace ipc = gatehouse::ipc;
namespace daemon = gatehouse::daemon;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxMessageBytes = 4096;
constexpr int kMaxOperations = 48;
constexpr auto kAnswerTimeout = std::chrono::seconds(5);
// Terminal connections: t1 and t2 on g1, t3 on g2 (configured), and "ghost", which is not.
constexpr std::array<const char*, 4> kTerminals = {"t1", "t2", "t3", "ghost"};

std::string config_text(const std::filesystem::path& dir) {
    return "[gateway]\nid = \"fuzz\"\n[listen]\nterminals = \"tcp://127.0.0.1:*\"\nconsoles = \"tcp://127.0.0.1:*\"\n"
           "control = \"ipc://" + (dir / "control.sock").string() + "\"\n[security]\ninsecure_plaintext = true\n"
           "[limits]\nmax_message_bytes = " + std::to_string(kMaxMessageBytes) + "\nterminal_rate = 0\nseq_window = 1000\n"
           "[ledger]\npath = \"" + (dir / "ledger.db").string() + "\"\n[metrics]\nlisten = \"\"\n"
           "[[gates]]\nid = \"g1\"\n[gates.policy]\nrequire_health_code = false\n"
           "[[gates]]\nid = \"g2\"\n[gates.policy]\nrequire_list = true\non_check_unavailable = \"allow_and_alert\"\n"
           "[[terminals]]\nid = \"t1\"\ngate = \"g1\"\n[[terminals]]\nid = \"t2\"\ngate = \"g1\"\n"
           "[[terminals]]\nid = \"t3\"\ngate = \"g2\"\n";
}

// libFuzzer's -timeout arms SIGALRM every second: a blocking ZeroMQ call of the harness can end with EINTR, which
// is no answer from the gateway. These retry until the deadline.
int poll_until(zmq::pollitem_t* items, std::size_t n, Clock::time_point until) {
    for (;;) {
        const auto left = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()),
                                   std::chrono::milliseconds(0));
        try {
            return zmq::poll(items, n, left);
        } catch (const zmq::error_t& e) {
            if (e.num() != EINTR) throw;
        }
    }
}

bool receive(zmq::socket_t& socket, zmq::message_t& m, zmq::recv_flags flags) {
    for (;;) {
        try {
            return socket.recv(m, flags).has_value();
        } catch (const zmq::error_t& e) {
            if (e.num() != EINTR) throw;
        }
    }
}

/// The gateway and the clients that drive it, alive for the whole fuzzing session as the daemon would be.
class Harness {
public:
    Harness()
        : dir_(std::filesystem::temp_directory_path() /
               ("gatehouse-gateway-fuzz-" + std::to_string(static_cast<long long>(::getpid())))) {
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        spdlog::set_level(spdlog::level::off);  // the fuzzer's output is its own; the daemon's log would drown it
        std::ofstream(dir_ / "gatehouse.toml") << config_text(dir_);
        gateway_ = std::make_unique<daemon::Gateway>(daemon::load_config_file(dir_ / "gatehouse.toml"));
        reactor_ = std::thread([this] { gateway_->run(); });
        for (std::size_t t = 0; t < kTerminals.size(); ++t) {
            terminals_.emplace_back(context_, zmq::socket_type::dealer);
            terminals_.back().set(zmq::sockopt::linger, 0);
            terminals_.back().connect(gateway_->terminal_endpoint());
        }
        control_.set(zmq::sockopt::linger, 0);
        control_.connect("ipc://" + (dir_ / "control.sock").string());
        console_peer_.set(zmq::sockopt::linger, 0);
        console_peer_.connect(gateway_->console_endpoint());
        ledger_ = std::make_unique<SQLite::Database>((dir_ / "ledger.db").string(), SQLite::OPEN_READONLY);
        next_seq_.fill(1);
    }
    ~Harness() {
        gateway_->request_stop();
        reactor_.join();
        ledger_.reset();
        terminals_.clear();
        gateway_.reset();
        std::filesystem::remove_all(dir_);
    }

    void run(FuzzedDataProvider& in) {
        acked_.clear();
        std::array<int, kTerminals.size()> expected{};
        int operations = in.ConsumeIntegralInRange(1, kMaxOperations);
        while (operations-- > 0 && in.remaining_bytes() > 0) {
            switch (in.ConsumeIntegralInRange(0, 9)) {
                case 0:
                case 1:
                case 2:
                case 3:
                case 4:
                case 5: {
                    const std::size_t t = in.ConsumeIntegralInRange<std::size_t>(0, kTerminals.size() - 1);
                    terminals_[t].send(zmq::buffer(terminal_message(in, t)), zmq::send_flags::none);
                    ++expected[t];
                    break;
                }
                case 6:
                case 7: control(in); break;
                case 8: console(in); break;
                default: collect(expected, std::chrono::milliseconds(0)); break;
            }
        }
        collect(expected, kAnswerTimeout);
        for (std::size_t t = 0; t < kTerminals.size(); ++t) require(expected[t] == 0, "every terminal message is answered");
        check_alive();
        check_ledger();
    }

private:
    // A documented message of a kind the input picks, with a sequence number the input picks, then spoiled.
    std::string terminal_message(FuzzedDataProvider& in, std::size_t t) {
        const std::string terminal = kTerminals[t];
        const int kind = in.ConsumeIntegralInRange(0, 9);
        if (kind == 9) return in.ConsumeRandomLengthString(2 * kMaxMessageBytes);  // raw bytes
        json m;
        if (kind == 0) {
            m = json::parse(ipc::encode(ipc::Hello{terminal, "card_reader", "1.0"}));
        } else if (kind == 1) {
            m = json::parse(ipc::encode(ipc::Heartbeat{terminal}));
        } else if (kind == 2) {
            const auto colors = std::array{ipc::HealthCodeColor::green, ipc::HealthCodeColor::yellow, ipc::HealthCodeColor::red};
            ipc::AccessRequest r{terminal, "r" + std::to_string(in.ConsumeIntegral<std::uint16_t>()), "E1",
                                 ipc::CredentialMethod::card, std::nullopt, std::nullopt};
            if (in.ConsumeBool()) r.health_code = colors[in.ConsumeIntegralInRange<std::size_t>(0, 2)];
            if (in.ConsumeBool()) r.celsius = in.ConsumeFloatingPointInRange(35.0, 40.0);
            m = json::parse(ipc::encode(r));
        } else {
            ipc::Event e;
            e.terminal = terminal;
            e.seq = choose_seq(in, t);
            e.occurred_ms = ipc::utc_now_ms();
            e.offline = in.ConsumeBool();
            switch (kind) {
                case 3: e.data = ipc::CredentialData{"E" + std::to_string(in.ConsumeIntegral<std::uint8_t>()), ipc::CredentialMethod::face}; break;
                case 4: e.data = ipc::HealthCodeData{"E1", in.ConsumeBool() ? ipc::HealthCodeColor::red : ipc::HealthCodeColor::green}; break;
                case 5: e.data = ipc::TemperatureData{in.ConsumeFloatingPointInRange(20.0, 50.0), std::nullopt}; break;
                case 6: e.data = ipc::DoorData{in.ConsumeBool() ? ipc::DoorState::forced : ipc::DoorState::held_open}; break;
                case 7: e.data = ipc::TamperData{}; break;
                default: e.data = ipc::FaultData{"jam", std::string("detail")}; break;
            }
            if (in.ConsumeBool()) {
                const json vendor = in.ConsumeRandomLengthString(64);
                e.extra_data = {{"vendor", vendor.dump(-1, ' ', false, json::error_handler_t::replace)}};
            }
            m = json::parse(ipc::encode(e));
        }
        for (int spoil = in.ConsumeIntegralInRange(0, 3); spoil > 0; --spoil) replace_field(in, m);
        // A connection speaking for another configured terminal would be acked for that terminal's seq, which the
        // ledger check below could not tell apart: the name stays the connection's own or becomes an unknown one.
        if (const auto named = m.find("terminal"); named != m.end() && named->is_string() && *named != terminal &&
            std::find(kTerminals.begin(), kTerminals.end() - 1, named->get<std::string>()) != kTerminals.end() - 1) {
            *named = terminal;
        }
        return m.dump(-1, ' ', false, json::error_handler_t::replace);
    }

    // Mostly the next seq of this terminal; sometimes a resend, a gap, or one far outside the window.
    std::int64_t choose_seq(FuzzedDataProvider& in, std::size_t t) {
        std::int64_t& next = next_seq_[t];
        switch (in.ConsumeIntegralInRange(0, 7)) {
            case 0: return std::max<std::int64_t>(1, next - in.ConsumeIntegralInRange<std::int64_t>(1, 5));  // resend
            case 1: return next + in.ConsumeIntegralInRange<std::int64_t>(1, 5);                             // a gap
            case 2: return next + 5000;                                                                      // seq_ahead
            default: return next++;
        }
    }

    // Replaces (or removes) one member, possibly inside `data`, with a value of any JSON type.
    static void replace_field(FuzzedDataProvider& in, json& m) {
        json* target = &m;
        if (m.contains("data") && m["data"].is_object() && in.ConsumeBool()) target = &m["data"];
        if (!target->is_object() || target->empty()) return;
        auto it = target->begin();
        std::advance(it, in.ConsumeIntegralInRange<std::size_t>(0, target->size() - 1));
        const std::string key = it.key();
        if (in.ConsumeIntegralInRange(0, 12) == 0) {
            target->erase(key);
            return;
        }
        (*target)[key] = any_value(in);
    }

    static json any_value(FuzzedDataProvider& in) {
        switch (in.ConsumeIntegralInRange(0, 12)) {
            case 0: return nullptr;
            case 1: return in.ConsumeBool();
            case 2: return 0;
            case 3: return -1;
            case 4: return 1.5;
            case 5: return 9223372036854775808ull;
            case 6: return 1e308;
            case 7: return in.ConsumeIntegral<std::int64_t>();
            case 8: return std::string(in.ConsumeIntegralInRange<std::size_t>(0, 300), 'x');
            case 9: return std::string("a\0b", 3);
            case 10: return json::array({any_scalar(in)});
            case 11: return json::object({{in.ConsumeRandomLengthString(8), any_scalar(in)}});
            default: return in.ConsumeRandomLengthString(64);
        }
    }
    static json any_scalar(FuzzedDataProvider& in) {
        if (in.ConsumeBool()) return in.ConsumeIntegral<std::int32_t>();
        return in.ConsumeRandomLengthString(16);
    }

    void control(FuzzedDataProvider& in) {
        static const std::array<ipc::ControlRequest, 7> kRequests = {
            ipc::StatusRequest{}, ipc::MetricsRequest{}, ipc::AlertsRequest{}, ipc::ReloadRequest{},
            ipc::AlertActionRequest{1, false, "guard", "seen"}, ipc::AlertActionRequest{1, true, "guard", "done"},
            ipc::ForgetAlertsRequest{{99999}}};
        json request = json::parse(ipc::encode(kRequests[in.ConsumeIntegralInRange<std::size_t>(0, kRequests.size() - 1)]));
        if (request["cmd"] != "alerts" && request.contains("id")) request["id"] = in.ConsumeIntegralInRange(1, 20);
        for (int spoil = in.ConsumeIntegralInRange(0, 2); spoil > 0; --spoil) replace_field(in, request);
        const std::string text = in.ConsumeIntegralInRange(0, 15) == 0 ? in.ConsumeRandomLengthString(256)
                                                                        : request.dump(-1, ' ', false, json::error_handler_t::replace);
        control_.send(zmq::message_t(), zmq::send_flags::sndmore);
        control_.send(zmq::buffer(text), zmq::send_flags::none);
        require(control_reply().has_value(), "every control request is answered");
    }

    std::optional<json> control_reply() {
        zmq::pollitem_t item{control_.handle(), 0, ZMQ_POLLIN, 0};
        if (poll_until(&item, 1, Clock::now() + kAnswerTimeout) <= 0) return std::nullopt;
        zmq::message_t delimiter, body;
        require(receive(control_, delimiter, zmq::recv_flags::none) && receive(control_, body, zmq::recv_flags::none),
                "a control reply is two frames");
        json reply = json::parse(body.to_string_view(), nullptr, false);
        require(reply.is_object() && reply.contains("ok"), "a control reply is {\"ok\":...}");
        return reply;
    }

    void console(FuzzedDataProvider& in) {
        std::string frame = in.ConsumeRandomLengthString(600);
        if (in.ConsumeBool() && !frame.empty()) frame[0] = in.ConsumeBool() ? '\x01' : '\x00';
        console_peer_.send(zmq::buffer(frame), zmq::send_flags::dontwait);
    }

    // Reads replies until each terminal's count of unanswered messages is zero or `timeout` passed.
    void collect(std::array<int, kTerminals.size()>& expected, std::chrono::milliseconds timeout) {
        const auto until = Clock::now() + timeout;
        for (;;) {
            std::array<zmq::pollitem_t, kTerminals.size()> items{};
            for (std::size_t t = 0; t < kTerminals.size(); ++t) items[t] = {terminals_[t].handle(), 0, ZMQ_POLLIN, 0};
            const bool waiting = std::any_of(expected.begin(), expected.end(), [](int n) { return n > 0; });
            if (poll_until(items.data(), items.size(), waiting ? until : Clock::now()) <= 0) {
                return;
            }
            for (std::size_t t = 0; t < kTerminals.size(); ++t) {
                zmq::message_t m;
                while (receive(terminals_[t], m, zmq::recv_flags::dontwait)) {
                    const ipc::GatewayReply reply = ipc::decode_gateway_reply(m.to_string_view());
                    require(!std::holds_alternative<ipc::UnreadableReply>(reply), "every reply is readable by a terminal");
                    if (const auto* ack = std::get_if<ipc::Ack>(&reply)) acked_.insert({kTerminals[t], ack->seq});
                    --expected[t];
                }
            }
        }
    }

    void check_alive() {
        const std::size_t t = 0;
        terminals_[t].send(zmq::buffer(ipc::encode(ipc::Heartbeat{kTerminals[t]})), zmq::send_flags::none);
        std::array<int, kTerminals.size()> expected{};
        expected[t] = 1;
        collect(expected, kAnswerTimeout);
        require(expected[t] == 0, "the gateway answers a heartbeat after every input");
        control_.send(zmq::message_t(), zmq::send_flags::sndmore);
        control_.send(zmq::buffer(ipc::encode(ipc::ControlRequest{ipc::StatusRequest{}})), zmq::send_flags::none);
        const auto status = control_reply();
        require(status && (*status)["ok"] == true, "the gateway answers a status request after every input");
        const json& failures = (*status)["status"]["counters"]["internal_errors"];
        if (!failures.empty()) std::fprintf(stderr, "internal errors: %s\n", failures.dump().c_str());
        require(failures.empty(), "no failure had to be contained at a message's boundary");
    }

    void check_ledger() {
        SQLite::Statement q(*ledger_, "SELECT COUNT(*) FROM events WHERE terminal = ? AND seq = ?");
        for (const auto& [terminal, seq] : acked_) {
            q.reset();
            q.bind(1, terminal);
            q.bind(2, static_cast<std::int64_t>(seq));
            require(q.executeStep() && q.getColumn(0).getInt() == 1, "every acked event is in the ledger exactly once");
        }
    }

    std::filesystem::path dir_;
    zmq::context_t context_{1};
    std::unique_ptr<daemon::Gateway> gateway_;
    std::thread reactor_;
    std::vector<zmq::socket_t> terminals_;
    zmq::socket_t control_{context_, zmq::socket_type::dealer};
    zmq::socket_t console_peer_{context_, zmq::socket_type::xsub};
    std::unique_ptr<SQLite::Database> ledger_;
    std::array<std::int64_t, kTerminals.size()> next_seq_{};
    std::set<std::pair<std::string, std::int64_t>> acked_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Harness harness;  // destroyed at exit, before LeakSanitizer looks: the gateway stops and joins first
    FuzzedDataProvider in(data, size);
    harness.run(in);
    return 0;
}
