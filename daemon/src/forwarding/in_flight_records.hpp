#pragma once
// Records a pipelined sink holds: handed over, outcome not taken back yet.
#include <algorithm>
#include <cstddef>
#include <deque>
#include <iterator>
#include <vector>

#include "gatehouse/storage/outbox.hpp"
#include "gatehouse/storage/outbox_record.hpp"

namespace gatehouse::daemon::forwarding {

/// The records handed to a pipelined sink and not settled yet, oldest first, and how far each lane has been
/// read, so that the next read of the outbox starts after them rather than at the sink's confirmed cursor.
class InFlightRecords {
public:
    /// Appends records just handed over (in the order they were handed over).
    void add(std::vector<storage::OutboxRecord> records) {
        for (auto& r : records) {
            auto& seq = handed_over_[static_cast<std::size_t>(r.lane)];
            seq = std::max(seq, r.lane_seq);
            records_.push_back(std::move(r));
        }
    }
    /// Removes and returns the `count` oldest (at most all).
    std::vector<storage::OutboxRecord> take_front(std::size_t count) {
        count = std::min(count, records_.size());
        std::vector<storage::OutboxRecord> out(std::make_move_iterator(records_.begin()),
                                               std::make_move_iterator(records_.begin() + static_cast<std::ptrdiff_t>(count)));
        records_.erase(records_.begin(), records_.begin() + static_cast<std::ptrdiff_t>(count));
        return out;
    }
    std::size_t size() const { return records_.size(); }
    bool empty() const { return records_.empty(); }
    /// Per lane, the last sequence handed over since the last reread().
    const storage::LaneSeqs& handed_over() const { return handed_over_; }
    /// After a failure: the next read starts at the confirmed cursor again, so what was not confirmed is
    /// sent again. Only when nothing is in flight, or those records would be read twice.
    void reread() {
        if (records_.empty()) handed_over_ = {};
    }

private:
    std::deque<storage::OutboxRecord> records_;
    storage::LaneSeqs handed_over_{};
};

}  // namespace gatehouse::daemon::forwarding
