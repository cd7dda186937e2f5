#include "gatehouse/daemon/terminal_simulator.hpp"

#include <algorithm>
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

// The n-th simulated event: half credentials, then health codes, temperatures and door contacts, spread over 5,000
// people.
ipc::Event make_event(const SimTerminal& t, std::int64_t seq, std::uint64_t n) {
    ipc::Event e;
    e.terminal = t.id;
    e.seq = seq;
    e.occurred_ms = ipc::utc_now_ms();
    char person[16];
    std::snprintf(person, sizeof person, "P%05u", static_cast<unsigned>(n * 2654435761u % 5000u));
    switch (n % 10) {
        case 0:
        case 1:
        case 2:
        case 3:
        case 4:
            e.data = ipc::CredentialData{person, (n / 10) % 3 == 0 ? ipc::CredentialMethod::face : ipc::CredentialMethod::card};
            break;
        case 5:
        case 6:
            e.data = ipc::HealthCodeData{person, n % 97 == 0   ? ipc::HealthCodeColor::red
                                                 : n % 89 == 0 ? ipc::HealthCodeColor::yellow
                                                               : ipc::HealthCodeColor::green};
            break;
        case 7:
        case 8:
            e.data = ipc::TemperatureData{36.0 + static_cast<double>(n % 13) / 10.0, std::string(person)};
            break;
        default:
            e.data = ipc::DoorData{(n / 10) % 2 ? ipc::DoorState::opened : ipc::DoorState::closed};
            break;
    }
    return e;
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
            t->socket.send(zmq::buffer(ipc::encode(ipc::Hello{t->id, "simulated", "gatehouse-sim"})), zmq::send_flags::none);
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
                    if (done[i]) continue;
                    const ipc::GatewayReply reply = ipc::decode_gateway_reply(msg.to_string_view());
                    if (const auto* error = std::get_if<ipc::ProtocolError>(&reply)) {
                        throw std::runtime_error("simulator: gateway refused terminal " + terminals_[i]->id + ": " +
                                                 error->message);
                    }
                    const auto* welcome = std::get_if<ipc::Welcome>(&reply);
                    if (!welcome) continue;
                    terminals_[i]->next_seq = welcome->last_seq.value_or(0) + 1;
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
        t.socket.send(zmq::buffer(ipc::encode(make_event(t, seq, index))), zmq::send_flags::none);
        t.in_flight.push_back(Clock::now());
        ++t.outstanding;
        ++report_.sent;
    }

    void heartbeats(Clock::time_point now) {
        for (auto& t : terminals_) {
            if (now < t->next_heartbeat) continue;
            t->socket.send(zmq::buffer(ipc::encode(ipc::Heartbeat{t->id})), zmq::send_flags::none);
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
        const ipc::GatewayReply reply = ipc::decode_gateway_reply(text);
        if (const auto* ack = std::get_if<ipc::Ack>(&reply)) {
            settle(t, ack->seq);
            ++report_.acked;
            report_.duplicates += ack->duplicate ? 1 : 0;
            return;
        }
        const auto* error = std::get_if<ipc::ProtocolError>(&reply);
        if (!error) return;  // heartbeat replies
        ++report_.error_codes[ipc::to_string(error->code)];
        if (error->seq) {
            ++report_.event_errors;
            settle(t, *error->seq);
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
