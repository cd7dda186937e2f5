// Gateway: terminal frames through admission into the open batch; finished commits through the commit handler.
#include "gateway/gateway_impl.hpp"

#include <spdlog/spdlog.h>

#include "gatehouse/ipc/terminal_codec.hpp"

namespace gatehouse::daemon {
namespace {

// Records kept in memory while the ledger refuses them (a full disk): enough for an hour of a busy gate's
// decisions and alerts, small enough (a few MB) not to threaten the daemon.
constexpr std::size_t kMaxUnrecorded = 20000;
// How soon kept records are retried when nothing else arrives to commit.
constexpr auto kUnrecordedRetry = std::chrono::seconds(1);

std::size_t record_count(const storage::LedgerBatch& b) {
    return b.screenings.size() + b.decisions.size() + b.alerts.size() + b.alert_actions.size();
}

template <typename T>
void append_moved(std::vector<T>& to, std::vector<T>& from) {
    to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
    from.clear();
}

}  // namespace

// Reads what is queued, one frame at a time, each inside the boundary; stops at a full batch: then the socket's
// queue (and the terminals' unacked windows) hold further messages back until the writer catches up.
void Gateway::Impl::drain_terminal_socket() {
    batch.set_publish_events(consoles && consoles->has_subscriber("event."));
    while (!batch.full()) {
        auto frame = terminals->try_receive();
        if (!frame) return;
        ++counters.frames;
        boundary.run("terminals", [&] { handle_frame(*frame); }, [&](const std::string& reason) {
            // The sender still gets an answer, naming its event or request when it can be read.
            const ipc::MessageContext c = ipc::read_message_context(frame->payload);
            reply_error(frame->peer,
                        {ipc::ErrorCode::internal, "", "the gateway failed to handle this message (" + reason +
                                                           "); it was not stored: resend it later",
                         c.seq, c.request},
                        c.terminal.value_or(""));
        });
    }
}

void Gateway::Impl::handle_frame(const ipc::InboundFrame& frame) {
    AdmissionVerdict verdict = admission->admit(frame, SteadyClock::now(), ipc::utc_now_ms());
    if (auto* refused = std::get_if<Refused>(&verdict)) {
        reply_error(frame.peer, refused->error, refused->terminal);
        return;
    }
    on_admitted(frame.peer, std::get<Admitted>(verdict));
}

void Gateway::Impl::reply_error(const std::string& peer, const ipc::ProtocolError& error, const std::string& terminal) {
    ++counters.errors[static_cast<std::size_t>(error.code)];
    log.warn(ipc::to_string(error.code), fmt::format("refused message from {}: {}: {}",
                                                     terminal.empty() ? "unidentified peer" : "terminal " + terminal,
                                                     ipc::to_string(error.code), error.message));
    to_terminal(peer, ipc::encode(error));
}

void Gateway::Impl::on_admitted(const std::string& peer, Admitted& admitted) {
    TerminalState& t = *admitted.terminal;
    if (admitted.came_online) {
        spdlog::info("terminal {} (gate {}) online", t.config.id, t.config.gate);
        clear_condition("terminal_offline", t.config.id, "terminal is back online");
    }
    std::visit(
        [&](auto& m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, ipc::Hello>) {
                t.reported_kind = m.kind;
                t.firmware = m.firmware;
                batch.add_hello({m.terminal, m.kind, m.firmware, ipc::utc_now_ms()});
                to_terminal(peer, ipc::encode(ipc::Welcome{m.terminal, t.highest_seq, config.heartbeat_interval.count()}));
            } else if constexpr (std::is_same_v<T, ipc::Heartbeat>) {
                to_terminal(peer, ipc::encode_heartbeat());
            } else if constexpr (std::is_same_v<T, ipc::Event>) {
                on_event(peer, t, m);
            } else {
                on_access_request(peer, t, m);
            }
        },
        admitted.message);
}

// An event goes into the open batch with the alerts it raises: recorded in the event's own transaction, and only
// if the ledger finds it new (a resend raises nothing twice).
void Gateway::Impl::on_event(const std::string& peer, const TerminalState& terminal, const ipc::Event& event) {
    spdlog::debug("event {}#{} {}", event.terminal, event.seq, ipc::event_kind(event.data));
    const storage::EventKey key{event.terminal, event.seq};
    if (batch.holds(key)) {
        batch.add_resend(key, peer);
        return;
    }
    std::vector<RaisedAlert> raised;
    if (const GateConfig* gate = config.find_gate(terminal.config.gate)) {
        for (const auto& draft : alerts_for_event(event, *gate, pseudonymiser ? &*pseudonymiser : nullptr)) {
            raised.push_back(raise(draft));
        }
    }
    batch.add_event(event, terminal.config.gate, ipc::utc_now_ms(), peer, std::move(raised));
}

// Group commit: the open batch goes to the writer as one transaction once the writer is free and the batch is
// full or its window has passed. One batch is in flight at a time, so acks keep their order.
void Gateway::Impl::submit_if_due(SteadyTime now, bool force) {
    if (writer->busy()) return;
    const bool retry_unrecorded = !unrecorded.empty() && (force || now >= retry_unrecorded_at);
    if (batch.empty() && !retry_unrecorded) return;
    if (!force && !retry_unrecorded && !batch.due(now)) return;
    LedgerWriteBatch next = batch.take();
    unrecorded_in_flight = record_count(unrecorded);
    if (!unrecorded.empty()) next.deferred = std::exchange(unrecorded, storage::LedgerBatch{});
    writer->submit(std::move(next));
    submitted_at = now;
}

std::size_t Gateway::Impl::records_awaiting_storage() const { return record_count(unrecorded) + unrecorded_in_flight; }

void Gateway::Impl::on_commit_done() {
    auto result = writer->take_result();
    if (!result) return;
    after_commit(commits.finish(*result, SteadyClock::now()));
}

void Gateway::Impl::after_commit(CommitReport report) {
    unrecorded_in_flight = 0;
    if (!report.alerts_not_recorded.empty()) alerts->forget(report.alerts_not_recorded);
    if (!report.committed) {
        log.warn("ledger", fmt::format("cannot commit a batch: {}", report.error.value_or("?")));
        keep_unrecorded(std::move(report.to_retry));
        retry_unrecorded_at = SteadyClock::now() + kUnrecordedRetry;
        if (report.fault == storage::LedgerFault::disk_full) {
            raise_condition({"storage_full", "", "ledger", std::nullopt, std::nullopt, std::nullopt,
                             fmt::format("The ledger {} is out of space: events are refused (terminals keep them), "
                                         "decisions follow the gates' policies and are recorded when space returns",
                                         config.ledger_path.string())});
        }
        return;
    }
    clear_condition("storage_full", "ledger", "the ledger stores again");
    if (forwarder && report.outbox_written) forwarder->wake();
    if (report.outbox_rejected > 0) {
        raise_condition({"outbox_rejected", "", "alert", std::nullopt, std::nullopt, std::nullopt,
                         fmt::format("{} alerts could not be queued for upstream: the outbox's alert lane is at its "
                                     "hard cap (the upstream has been unreachable for long)",
                                     report.outbox_rejected)});
    }
}

void Gateway::Impl::keep_unrecorded(storage::LedgerBatch records) {
    const std::size_t incoming = record_count(records);
    if (record_count(unrecorded) + incoming > kMaxUnrecorded) {
        counters.records_unrecorded_lost += incoming;
        log.warn("unrecorded", fmt::format("{} decisions, screenings and alerts dropped: {} already await storage",
                                           incoming, record_count(unrecorded)));
        return;
    }
    append_moved(unrecorded.screenings, records.screenings);
    append_moved(unrecorded.decisions, records.decisions);
    append_moved(unrecorded.alerts, records.alerts);
    append_moved(unrecorded.alert_actions, records.alert_actions);
    append_moved(unrecorded.outbox, records.outbox);
}

void Gateway::Impl::to_terminal(const std::string& peer, const std::string& frame) {
    // A vendor device's messages came through an adapter: their replies go back to it, not to the ROUTER socket.
    if (adapters::AdapterInbox::is_adapter_peer(peer)) return adapter_inbox.reply(peer, frame);
    terminals->send(peer, frame);
}
void Gateway::Impl::to_control(const std::string& routing_id, const std::string& body) {
    send_control_reply(routing_id, body);
}
void Gateway::Impl::to_consoles(const std::string& topic, const std::string& body) {
    if (consoles) consoles->publish(topic, body);
}

}  // namespace gatehouse::daemon
