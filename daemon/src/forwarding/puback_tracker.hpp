#pragma once
// The MQTT sink's messages between publish and PUBACK, in the order they were handed over.
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "gatehouse/daemon/forwarding/upstream_sink.hpp"

namespace gatehouse::daemon::forwarding {

/// What became of each message an MQTT sink handed over: waiting for its PUBACK, or settled (acknowledged,
/// refused before sending, given up). Outcomes are taken from the front only, so the forwarder confirms
/// records in the order they were sent even when a PUBACK overtakes an earlier one.
/// Not thread-safe: the MQTT connection guards it with its mutex (PUBACKs arrive on its network thread).
class PubackTracker {
public:
    using Clock = std::chrono::steady_clock;

    /// A message libmosquitto took under `mid`; given up when no PUBACK came by `deadline`.
    void add_published(int mid, Clock::time_point deadline);
    /// A record whose body is not a JSON object: refused for good before sending; `key` goes into the detail.
    void add_rejected(std::string key);
    /// A message that could not be handed to the broker (not connected, publish failed): retry_later.
    void add_unsent(std::string why);

    /// A PUBACK. One may arrive before the publishing thread has added its mid (the network thread can
    /// be quicker); it is kept until forget_unmatched_acks() and matched by add_published meanwhile.
    void acknowledge(int mid);
    /// Drops PUBACKs that matched nothing: the gateway status, or messages libmosquitto resent after a
    /// reconnect that were given up already. Call once every mid of a submission is added.
    void forget_unmatched_acks() { unmatched_acks_.clear(); }
    /// Every message still waiting becomes retry_later with `why` (connection lost, PUBACK overdue); their
    /// late PUBACKs are ignored.
    void give_up_waiting(const std::string& why);

    std::size_t size() const { return entries_.size(); }
    /// Settled messages at the front (none of them behind one still waiting).
    std::size_t settled_front() const { return settled_front_; }
    std::size_t waiting() const { return waiting_by_mid_.size(); }
    /// When the oldest waiting message is to be given up; deadlines grow in the order messages were added.
    std::optional<Clock::time_point> first_deadline() const;
    /// Removes the settled front and reports it: a status per message, oldest first, and why the ones not
    /// delivered were not.
    DeliveryReport take_settled_front();

private:
    struct Entry {
        DeliveryStatus status = DeliveryStatus::retry_later;
        bool settled = false;
        Clock::time_point deadline{};
        std::string note;  ///< Why it is not delivered (retry_later), or the record's key (rejected).
    };

    void settle(std::uint64_t ticket, DeliveryStatus status, std::string note);
    void advance_front();
    Entry& at(std::uint64_t ticket) { return entries_[static_cast<std::size_t>(ticket - first_ticket_)]; }

    std::deque<Entry> entries_;
    std::uint64_t first_ticket_ = 0;  ///< Ticket (position since the start) of entries_.front().
    std::size_t settled_front_ = 0;
    std::unordered_map<int, std::uint64_t> waiting_by_mid_;
    std::unordered_set<int> unmatched_acks_;
};

}  // namespace gatehouse::daemon::forwarding
