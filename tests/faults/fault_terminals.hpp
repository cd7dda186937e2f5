#pragma once
// Terminals as the fault tests drive them: one that keeps every unacked event and resends it (after a lost
// connection, or after a retryable refusal), and one that asks for access decisions and keeps what it was told.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "test_terminal.hpp"

namespace gatehouse::test::faults {

using FaultClock = std::chrono::steady_clock;

/// A terminal with a backlog: events stay its own until acked. What was in flight when a connection was replaced,
/// or what the gateway refused as retryable, is sent again (same seq), the oldest first.
class ResendingTerminal {
public:
    /// `rate`: new events per second at most (0: as fast as the window allows).
    explicit ResendingTerminal(std::string id, std::size_t window = 100, double rate = 0)
        : id_(std::move(id)), window_(window), rate_(rate) {}

    const std::string& id() const { return id_; }

    /// A new connection (the gateway restarted): whatever was in flight on the old one is resent.
    void connect(zmq::context_t& context, const std::string& endpoint) {
        socket_.emplace(context, endpoint, id_);
        for (std::int64_t seq : in_flight_) resend_.push_back({seq, FaultClock::now()});
        in_flight_.clear();
    }
    /// Makes `n` new events while the gateway is away: they join the backlog sent after the next connect().
    void create_offline(std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) resend_.push_back({next_seq_++, FaultClock::now()});
    }
    /// Stops creating new events; the backlog is still resent.
    void stop_new_events() { new_events_ = false; }

    /// Tops the window up (resends first, then new events) and handles replies for up to `wait`.
    void step(std::chrono::milliseconds wait = std::chrono::milliseconds(5)) {
        const auto now = FaultClock::now();
        while (in_flight_.size() < window_ && !resend_.empty() && resend_.front().second <= now) {
            send(resend_.front().first);
            resend_.pop_front();
        }
        if (rate_ > 0 && !pacing_started_) {
            pacing_started_ = true;
            pacing_since_ = now;
            paced_from_ = next_seq_;
        }
        const auto due = rate_ > 0 ? paced_from_ + static_cast<std::int64_t>(
                                                       rate_ * std::chrono::duration<double>(now - pacing_since_).count())
                                   : std::numeric_limits<std::int64_t>::max();
        while (new_events_ && in_flight_.size() < window_ && next_seq_ <= due) send(next_seq_++);
        const auto until = FaultClock::now() + wait;
        for (auto left = wait; auto reply = socket_->receive_reply(left);) {
            handle(*reply);
            const auto remaining = until - FaultClock::now();
            if (remaining <= FaultClock::duration::zero()) break;
            left = std::chrono::duration_cast<std::chrono::milliseconds>(remaining);
        }
    }

    /// Runs step() until nothing is left to resend and nothing is in flight, or `timeout`; true when done.
    bool drain(std::chrono::milliseconds timeout) {
        stop_new_events();
        const auto deadline = FaultClock::now() + timeout;
        while (!settled() && FaultClock::now() < deadline) step(std::chrono::milliseconds(20));
        return settled();
    }
    bool settled() const { return in_flight_.empty() && resend_.empty(); }

    const std::set<std::int64_t>& acked() const { return acked_; }
    std::int64_t created() const { return next_seq_ - 1; }  ///< Events made so far: seqs 1..created().
    std::size_t refusals() const { return refusals_; }  ///< storage_unavailable replies (each resent later).
    std::size_t rate_limited() const { return rate_limited_; }  ///< rate_limited replies (each resent later).
    std::size_t backlog() const { return in_flight_.size() + resend_.size(); }
    /// How long each event took from its first send to its ack, in milliseconds.
    const std::vector<double>& ack_latencies_ms() const { return latencies_ms_; }

private:
    void send(std::int64_t seq) {
        socket_->send_event(seq);
        in_flight_.insert(seq);
        first_sent_.emplace(seq, FaultClock::now());
    }
    void handle(const ipc::GatewayReply& reply) {
        const auto* ack = std::get_if<ipc::Ack>(&reply);
        const auto* error = std::get_if<ipc::ProtocolError>(&reply);
        const std::optional<std::int64_t> seq = ack ? std::optional(ack->seq) : error ? error->seq : std::nullopt;
        if (!seq) return;
        if (!in_flight_.erase(*seq)) return;  // a late reply on a replaced connection's seq already resent
        if (ack) {
            acked_.insert(*seq);
            if (const auto it = first_sent_.find(*seq); it != first_sent_.end()) {
                latencies_ms_.push_back(std::chrono::duration<double, std::milli>(FaultClock::now() - it->second).count());
                first_sent_.erase(it);
            }
        } else if (error->code == ipc::ErrorCode::storage_unavailable) {
            ++refusals_;
            resend_.push_back({*seq, FaultClock::now() + std::chrono::milliseconds(200)});
        } else if (error->code == ipc::ErrorCode::rate_limited) {
            // A backlog sent at full speed meets the gateway's per-terminal rate limit: slow down and resend
            // later, as the protocol asks (docs/protocol.md).
            ++rate_limited_;
            resend_.push_back({*seq, FaultClock::now() + std::chrono::milliseconds(100)});
        } else {
            throw std::runtime_error("terminal " + id_ + ": unexpected error " + ipc::to_string(error->code) + ": " +
                                     error->message);
        }
    }

    std::string id_;
    std::size_t window_;
    double rate_;
    bool pacing_started_ = false;
    FaultClock::time_point pacing_since_{};
    std::int64_t paced_from_ = 1;
    std::optional<TestTerminal> socket_;
    std::int64_t next_seq_ = 1;
    bool new_events_ = true;
    std::set<std::int64_t> in_flight_;
    std::deque<std::pair<std::int64_t, FaultClock::time_point>> resend_;
    std::set<std::int64_t> acked_;
    std::map<std::int64_t, FaultClock::time_point> first_sent_;
    std::vector<double> latencies_ms_;
    std::size_t refusals_ = 0;
    std::size_t rate_limited_ = 0;
};

/// One decision as a terminal received it.
struct ReceivedDecision {
    std::string result;
    std::vector<std::string> reasons;
    double latency_ms = 0;
};

/// A card reader asking for access decisions at a steady pace; keeps every decision it got, by request id.
class RequestingTerminal {
public:
    explicit RequestingTerminal(std::string id, std::chrono::milliseconds every = std::chrono::milliseconds(20))
        : id_(std::move(id)), every_(every) {}

    void connect(zmq::context_t& context, const std::string& endpoint) {
        socket_.emplace(context, endpoint, id_);
        waiting_.clear();  // requests of the old connection will never be answered
    }
    /// Sends a request when one is due, and takes the replies that are there.
    void step() {
        const auto now = FaultClock::now();
        if (now >= next_request_) {
            const std::string request = id_ + "-r" + std::to_string(++requested_);
            socket_->send(socket_->request(request, "E" + std::to_string(1000 + requested_ % 500)));
            waiting_[request] = now;
            next_request_ = now + every_;
        }
        while (auto reply = socket_->receive_reply(std::chrono::milliseconds(0))) handle(*reply);
    }
    /// Waits up to `timeout` for the outstanding requests' answers.
    bool wait_answers(std::chrono::milliseconds timeout) {
        const auto deadline = FaultClock::now() + timeout;
        while (!waiting_.empty() && FaultClock::now() < deadline) {
            if (auto reply = socket_->receive_reply(std::chrono::milliseconds(50))) handle(*reply);
        }
        return waiting_.empty();
    }
    const std::map<std::string, ReceivedDecision>& decisions() const { return decisions_; }
    std::vector<double> latencies_ms() const {
        std::vector<double> out;
        for (const auto& [id, d] : decisions_) out.push_back(d.latency_ms);
        return out;
    }

private:
    void handle(const ipc::GatewayReply& reply) {
        const auto* decision = std::get_if<ipc::Decision>(&reply);
        if (!decision) throw std::runtime_error("terminal " + id_ + ": unexpected reply (not a decision)");
        const auto it = waiting_.find(decision->request);
        ReceivedDecision d{decision->grant ? "grant" : "deny", decision->reasons, 0};
        if (it != waiting_.end()) {
            d.latency_ms = std::chrono::duration<double, std::milli>(FaultClock::now() - it->second).count();
            waiting_.erase(it);
        }
        decisions_[decision->request] = d;
    }

    std::string id_;
    std::chrono::milliseconds every_;
    std::optional<TestTerminal> socket_;
    std::int64_t requested_ = 0;
    FaultClock::time_point next_request_{};
    std::map<std::string, FaultClock::time_point> waiting_;
    std::map<std::string, ReceivedDecision> decisions_;
};

/// The p-th percentile (0..100) of `values` (nearest rank); 0 for none.
inline double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
    return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

}  // namespace gatehouse::test::faults
