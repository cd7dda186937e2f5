#include "gatehouse/daemon/terminal_simulator.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <deque>
#include <memory>
#include <stdexcept>
#include <thread>

#include <zmq.hpp>

#include "gatehouse/ipc/terminal_codec.hpp"

namespace gatehouse::daemon {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// One simulated terminal: its socket, its sequence and the send times of its unacked events.
struct SimTerminal {
    SimTerminal(std::string terminal_id, zmq::context_t& context)
        : id(std::move(terminal_id)), socket(context, zmq::socket_type::dealer) {}
    std::string id;
    zmq::socket_t socket;
    std::int64_t next_seq = 1;
    std::int64_t oldest_unacked = 1;       // seq of in_flight.front()
    std::deque<Clock::time_point> in_flight;  // send time per seq from oldest_unacked; zero once acked
    std::size_t outstanding = 0;
    Clock::time_point next_heartbeat{};
};

std::string make_event(const SimTerminal& t, std::int64_t seq, std::uint64_t n) {
    char data[160];
    const unsigned person = static_cast<unsigned>(n * 2654435761u % 5000u);
    switch (n % 10) {
        case 0:
        case 1:
        case 2:
        case 3:
        case 4:
            std::snprintf(data, sizeof data, R"({"person":"P%05u","method":"%s"})", person,
                          (n / 10) % 3 == 0 ? "face" : "card");
            break;
        case 5:
        case 6:
            std::snprintf(data, sizeof data, R"({"person":"P%05u","color":"%s"})", person,
                          n % 97 == 0 ? "red" : (n % 89 == 0 ? "yellow" : "green"));
            break;
        case 7:
        case 8:
            std::snprintf(data, sizeof data, R"({"person":"P%05u","celsius":%.1f})", person,
                          36.0 + static_cast<double>(n % 13) / 10.0);
            break;
        default:
            std::snprintf(data, sizeof data, R"({"state":"%s"})", (n / 10) % 2 ? "opened" : "closed");
            break;
    }
    static constexpr const char* kinds[10] = {"credential", "credential", "credential", "credential", "credential",
                                              "health_code", "health_code", "temperature", "temperature", "door"};
    std::string out = R"({"v":1,"type":"event","terminal":")" + t.id + R"(","seq":)" + std::to_string(seq) +
                      R"(,"ts":")" + ipc::format_utc_timestamp(ipc::utc_now_ms()) + R"(","offline":false,"kind":")" +
                      kinds[n % 10] + R"(","data":)" + data + "}";
    return out;
}

// The bad-input classes of the protocol, one per call in turn. None carries a readable seq, so every
// answer to them is an error without seq.
std::string make_bad_message(std::uint64_t n, std::size_t oversize_bytes) {
    switch (n % 9) {
        case 0: return R"({"v":1,"type":"event", oops)";
        case 1: return R"({"v":2,"type":"heartbeat","terminal":"x"})";
        case 2: return R"({"v":1,"type":"teleport","terminal":"x"})";
        case 3: return R"({"v":1,"type":"hello","terminal":"no-such-terminal","kind":"card_reader","firmware":"1"})";
        case 4: return R"({"v":1,"type":"event","terminal":"x","seq":"seven"})";
        case 5: return R"({"v":1,"type":"event","terminal":"x"})";
        case 6: return R"([1,2,3])";
        case 7: return "\xff\xfe not utf-8";
        default: return std::string(oversize_bytes, 'x');
    }
}

// Ack replies are parsed by prefix: the simulator must keep up with ~100k acks/s on one core.
bool parse_ack(std::string_view reply, std::int64_t& seq, bool& duplicate) {
    constexpr std::string_view prefix = R"({"v":1,"type":"ack","seq":)";
    if (reply.substr(0, prefix.size()) != prefix) return false;
    const char* begin = reply.data() + prefix.size();
    auto [end, ec] = std::from_chars(begin, reply.data() + reply.size(), seq);
    if (ec != std::errc()) return false;
    duplicate = std::string_view(end, static_cast<std::size_t>(reply.data() + reply.size() - end)).find("true") !=
                std::string_view::npos;
    return true;
}

double percentile(std::vector<double>& sorted, double p) {
    if (sorted.empty()) return 0;
    const auto index = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
    return sorted[std::min(index, sorted.size() - 1)];
}

class Simulation {
public:
    Simulation(const SimulatorOptions& o, const std::atomic<bool>* stop) : options_(o), stop_(stop) {
        if (o.terminal_ids.empty()) throw std::invalid_argument("simulator: no terminals to simulate");
        for (const auto& id : o.terminal_ids) {
            auto t = std::make_unique<SimTerminal>(id, context_);
            t->socket.set(zmq::sockopt::linger, 0);
            t->socket.set(zmq::sockopt::sndhwm, 0);
            t->socket.set(zmq::sockopt::rcvhwm, 0);
            if (!o.server_public_key.empty()) {
                const auto key = o.terminal_keys.find(id);
                if (key == o.terminal_keys.end()) {
                    throw std::invalid_argument("simulator: no CURVE key for terminal '" + id + "'");
                }
                ipc::configure_curve_client(t->socket, key->second, o.server_public_key);
            }
            t->socket.connect(o.endpoint);
            terminals_.push_back(std::move(t));
        }
        items_.reserve(terminals_.size());
        for (auto& t : terminals_) items_.push_back({t->socket.handle(), 0, ZMQ_POLLIN, 0});
        latencies_.reserve(1 << 16);
    }

    SimulatorReport run() {
        handshake();
        const auto start = Clock::now();
        const auto send_until = start + options_.duration;
        std::uint64_t message_index = 0;
        std::size_t next_terminal = 0;
        while (!stopped() && Clock::now() < send_until &&
               (options_.count == 0 || report_.sent < static_cast<std::uint64_t>(options_.count))) {
            const auto now = Clock::now();
            heartbeats(now);
            // Pacing: message i is due at start + i / rate. Rate 0 means "as fast as the windows allow".
            const bool due = options_.rate <= 0 ||
                             now >= start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                                                static_cast<double>(message_index) / options_.rate));
            SimTerminal* t = due ? pick_terminal(next_terminal) : nullptr;
            if (t) {
                send_one(*t, message_index++);
                if (options_.rate <= 0 && message_index % 64 != 0) {
                    receive(std::chrono::milliseconds(0));
                    continue;
                }
            }
            receive(t ? std::chrono::milliseconds(0) : std::chrono::milliseconds(1));
        }
        const auto drain_until = Clock::now() + options_.drain_timeout;
        while (outstanding() > 0 && Clock::now() < drain_until) receive(std::chrono::milliseconds(10));
        report_.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        report_.unacked = outstanding();
        std::sort(latencies_.begin(), latencies_.end());
        report_.p50_ms = percentile(latencies_, 0.50);
        report_.p90_ms = percentile(latencies_, 0.90);
        report_.p99_ms = percentile(latencies_, 0.99);
        report_.max_ms = latencies_.empty() ? 0 : latencies_.back();
        return report_;
    }

private:
    bool stopped() const { return stop_ && stop_->load(std::memory_order_relaxed); }

    std::size_t outstanding() const {
        std::size_t n = 0;
        for (const auto& t : terminals_) n += t->outstanding;
        return n;
    }

    // Every terminal says hello and continues its numbering after the seq the gateway already holds.
    void handshake() {
        for (auto& t : terminals_) {
            const std::string hello = R"({"v":1,"type":"hello","terminal":")" + t->id +
                                      R"(","kind":"simulated","firmware":"gatehouse-sim"})";
            t->socket.send(zmq::buffer(hello), zmq::send_flags::none);
        }
        const auto deadline = Clock::now() + std::chrono::seconds(5);
        std::size_t welcomed = 0;
        std::vector<bool> done(terminals_.size(), false);
        while (welcomed < terminals_.size()) {
            if (Clock::now() > deadline) {
                throw std::runtime_error("simulator: no welcome from the gateway at " + options_.endpoint +
                                         " within 5 s (is it running, and are the terminal ids configured?)");
            }
            zmq::poll(items_.data(), items_.size(), std::chrono::milliseconds(50));
            for (std::size_t i = 0; i < terminals_.size(); ++i) {
                if (!(items_[i].revents & ZMQ_POLLIN)) continue;
                zmq::message_t msg;
                while (terminals_[i]->socket.recv(msg, zmq::recv_flags::dontwait)) {
                    const json reply = json::parse(msg.to_string_view(), nullptr, false);
                    if (reply.is_discarded() || done[i]) continue;
                    if (reply.value("type", "") == "error") {
                        throw std::runtime_error("simulator: gateway refused terminal " + terminals_[i]->id + ": " +
                                                 reply.value("message", ""));
                    }
                    if (reply.value("type", "") != "welcome") continue;
                    const auto& last = reply["last_seq"];
                    terminals_[i]->next_seq = last.is_number_integer() ? last.get<std::int64_t>() + 1 : 1;
                    terminals_[i]->oldest_unacked = terminals_[i]->next_seq;
                    done[i] = true;
                    ++welcomed;
                }
            }
        }
    }

    SimTerminal* pick_terminal(std::size_t& next) {
        for (std::size_t tries = 0; tries < terminals_.size(); ++tries) {
            SimTerminal* t = terminals_[next].get();
            next = (next + 1) % terminals_.size();
            if (t->outstanding < options_.window) return t;
        }
        return nullptr;
    }

    void send_one(SimTerminal& t, std::uint64_t index) {
        if (options_.bad_every > 0 && index % static_cast<std::uint64_t>(options_.bad_every) ==
                                          static_cast<std::uint64_t>(options_.bad_every) - 1) {
            t.socket.send(zmq::buffer(make_bad_message(report_.bad_sent, options_.oversize_bytes)),
                          zmq::send_flags::none);
            ++report_.bad_sent;
            return;
        }
        const std::int64_t seq = t.next_seq++;
        t.socket.send(zmq::buffer(make_event(t, seq, index)), zmq::send_flags::none);
        t.in_flight.push_back(Clock::now());
        ++t.outstanding;
        ++report_.sent;
    }

    void heartbeats(Clock::time_point now) {
        for (auto& t : terminals_) {
            if (now < t->next_heartbeat) continue;
            const std::string hb = R"({"v":1,"type":"heartbeat","terminal":")" + t->id + R"("})";
            t->socket.send(zmq::buffer(hb), zmq::send_flags::none);
            t->next_heartbeat = now + options_.heartbeat_interval;
        }
    }

    void receive(std::chrono::milliseconds timeout) {
        zmq::poll(items_.data(), items_.size(), timeout);
        for (std::size_t i = 0; i < terminals_.size(); ++i) {
            if (!(items_[i].revents & ZMQ_POLLIN)) continue;
            zmq::message_t msg;
            while (terminals_[i]->socket.recv(msg, zmq::recv_flags::dontwait)) on_reply(*terminals_[i], msg.to_string_view());
        }
    }

    void on_reply(SimTerminal& t, std::string_view text) {
        std::int64_t seq = 0;
        bool duplicate = false;
        if (parse_ack(text, seq, duplicate)) {
            settle(t, seq);
            ++report_.acked;
            report_.duplicates += duplicate ? 1 : 0;
            return;
        }
        const json reply = json::parse(text, nullptr, false);
        if (reply.is_discarded()) return;
        const std::string type = reply.value("type", "");
        if (type != "error") return;  // heartbeat replies
        ++report_.error_codes[reply.value("code", "?")];
        if (reply["seq"].is_number_integer()) {
            ++report_.event_errors;
            settle(t, reply["seq"].get<std::int64_t>());
        } else {
            ++report_.bad_answered;
        }
    }

    void settle(SimTerminal& t, std::int64_t seq) {
        const std::int64_t offset = seq - t.oldest_unacked;
        if (offset < 0 || offset >= static_cast<std::int64_t>(t.in_flight.size())) return;
        auto& sent_at = t.in_flight[static_cast<std::size_t>(offset)];
        if (sent_at == Clock::time_point{}) return;
        latencies_.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent_at).count());
        sent_at = Clock::time_point{};
        --t.outstanding;
        while (!t.in_flight.empty() && t.in_flight.front() == Clock::time_point{}) {
            t.in_flight.pop_front();
            ++t.oldest_unacked;
        }
    }

    SimulatorOptions options_;
    const std::atomic<bool>* stop_;
    zmq::context_t context_{1};
    std::vector<std::unique_ptr<SimTerminal>> terminals_;
    std::vector<zmq::pollitem_t> items_;
    std::vector<double> latencies_;
    SimulatorReport report_;
};

}  // namespace

nlohmann::json SimulatorReport::to_json() const {
    return {{"sent", sent},
            {"acked", acked},
            {"duplicates", duplicates},
            {"event_errors", event_errors},
            {"bad_sent", bad_sent},
            {"bad_answered", bad_answered},
            {"unacked", unacked},
            {"error_codes", error_codes},
            {"seconds", seconds},
            {"acked_per_second", acked_per_second()},
            {"ack_latency_ms", {{"p50", p50_ms}, {"p90", p90_ms}, {"p99", p99_ms}, {"max", max_ms}}},
            {"ok", ok()}};
}

SimulatorReport run_simulation(const SimulatorOptions& options, const std::atomic<bool>* stop) {
    Simulation simulation(options, stop);
    return simulation.run();
}

}  // namespace gatehouse::daemon
