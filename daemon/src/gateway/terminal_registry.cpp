#include "gatehouse/daemon/terminal_registry.hpp"

namespace gatehouse::daemon {

TerminalRegistry::TerminalRegistry(const std::vector<TerminalConfig>& terminals,
                                   std::chrono::milliseconds heartbeat_timeout, std::int64_t seq_window)
    : heartbeat_timeout_(heartbeat_timeout), seq_window_(seq_window) {
    reconfigure(terminals);
}

void TerminalRegistry::reconfigure(const std::vector<TerminalConfig>& terminals) {
    std::map<std::string, TerminalState> next;
    for (const auto& t : terminals) {
        auto old = terminals_.find(t.id);
        TerminalState state = old != terminals_.end() ? std::move(old->second) : TerminalState{};
        state.config = t;
        next.emplace(t.id, std::move(state));
    }
    terminals_ = std::move(next);
}

void TerminalRegistry::seed_last_seq(const std::map<std::string, std::int64_t>& last_seq) {
    for (const auto& [id, seq] : last_seq) {
        if (auto it = terminals_.find(id); it != terminals_.end()) it->second.highest_seq = seq;
    }
}

TerminalState* TerminalRegistry::find(const std::string& id) {
    auto it = terminals_.find(id);
    return it == terminals_.end() ? nullptr : &it->second;
}

bool TerminalRegistry::note_seen(TerminalState& t, const std::string& peer, SteadyTime now) {
    const bool came_online = !t.online;
    t.online = true;
    t.last_seen = now;
    if (t.peer != peer) t.peer = peer;
    return came_online;
}

std::optional<ipc::ErrorCode> TerminalRegistry::admit_seq(TerminalState& t, std::int64_t seq, std::string& why) {
    if (t.highest_seq) {
        const std::int64_t highest = *t.highest_seq;
        // Beyond the window a seq is more likely a reset or corrupted counter than a resend: refusing it keeps
        // a reset terminal from having new events silently taken for duplicates of old ones.
        if (seq > highest && seq - highest > seq_window_) {
            why = "seq " + std::to_string(seq) + " is more than " + std::to_string(seq_window_) +
                  " ahead of the highest stored seq " + std::to_string(highest);
            return ipc::ErrorCode::seq_ahead;
        }
        if (seq < highest && highest - seq > seq_window_) {
            why = "seq " + std::to_string(seq) + " is more than " + std::to_string(seq_window_) +
                  " behind the highest stored seq " + std::to_string(highest) +
                  "; continue numbering after last_seq from the welcome message";
            return ipc::ErrorCode::seq_behind;
        }
    }
    if (!t.highest_seq || seq > *t.highest_seq) t.highest_seq = seq;
    ++t.events;
    return std::nullopt;
}

std::vector<std::string> TerminalRegistry::expire(SteadyTime now) {
    std::vector<std::string> gone;
    for (auto& [id, t] : terminals_) {
        if (t.online && now - t.last_seen > heartbeat_timeout_) {
            t.online = false;
            gone.push_back(id);
        }
    }
    return gone;
}

std::size_t TerminalRegistry::online_count() const {
    std::size_t n = 0;
    for (const auto& [id, t] : terminals_) n += t.online ? 1 : 0;
    return n;
}

}  // namespace gatehouse::daemon
