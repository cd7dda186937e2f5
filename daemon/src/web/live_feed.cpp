#include "web/live_feed.hpp"

#include <spdlog/spdlog.h>

#include "gatehouse/ipc/terminal_codec.hpp"
#include "web/console_body.hpp"

namespace gatehouse::daemon::web {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr auto kLedgerPoll = std::chrono::seconds(1);
constexpr auto kStatusInterval = std::chrono::seconds(2);
constexpr auto kStatusTimeout = std::chrono::seconds(5);
constexpr auto kIdleTick = std::chrono::milliseconds(100);
// How long decisions, screenings and gate states may wait in the ring before the streams are woken for them.
// Every wake-up runs all the stream threads at once (one per browser): at a busy gate with 100 browsers, waking
// them per decision took CPU from the reactor (ack p99 +1 ms in web_bench). Alerts and alert actions are never
// held back; the others reach the board within this window, well inside the second the guards are promised.
constexpr auto kCoalesceWindow = std::chrono::milliseconds(100);
// Rows read per stream and round; a larger backlog is read in further rounds.
constexpr std::size_t kReadPage = 500;

LiveMessage record_message(LiveStream stream, std::int64_t id, const char* event, json body) {
    return {0, stream, id, event, body.dump(-1, ' ', false, json::error_handler_t::replace)};
}

}  // namespace

LedgerCatchUp read_after(storage::Ledger& ledger, const LiveCursor& cursor, std::size_t limit) {
    LedgerCatchUp out;
    storage::RecordQuery q;
    q.limit = limit;
    q.after_id = cursor.screenings;
    const auto screenings = ledger.find_screenings(q);
    for (const auto& s : screenings) out.messages.push_back(record_message(LiveStream::screenings, s.id, "screening", console_body(s)));
    q.after_id = cursor.decisions;
    const auto decisions = ledger.find_decisions(q);
    for (const auto& d : decisions) {
        json body = console_body(d.decision);
        body["id"] = d.id;
        out.messages.push_back(record_message(LiveStream::decisions, d.id, "decision", std::move(body)));
    }
    q.after_id = cursor.alerts;
    const auto alerts = ledger.find_alerts(q);
    for (const auto& a : alerts) out.messages.push_back(record_message(LiveStream::alerts, a.id, "alert", console_body(a)));
    const auto actions = ledger.alert_actions_after(cursor.alert_actions, limit);
    for (const auto& a : actions) {
        // The body names the alert's kind and gate; an alert erased since has neither.
        std::optional<storage::AlertRecord> alert = ledger.alert(a.action.alert);
        if (!alert) {
            alert.emplace();
            alert->id = a.action.alert;
        }
        json body = console_body(a.action, *alert);
        body["action"] = a.id;
        out.messages.push_back(record_message(LiveStream::alert_actions, a.id, "alert_state", std::move(body)));
    }
    out.complete = screenings.size() < limit && decisions.size() < limit && alerts.size() < limit && actions.size() < limit;
    return out;
}

json gate_state(const json& status) {
    json cameras = json::array();
    for (const auto& c : status.value("cameras", json::array())) {
        cameras.push_back({{"id", c.value("id", "")},
                           {"gate", c.value("gate", "")},
                           {"state", c.value("state", "")},
                           {"fps", c.contains("fps") && c["fps"].is_number() ? json(std::round(c["fps"].get<double>() * 10) / 10) : json(nullptr)},
                           {"reference", c.value("reference", json(nullptr))},
                           {"reference_offset", c.value("reference_offset", json(nullptr))},
                           {"last_error", c.value("last_error", json(nullptr))}});
    }
    json terminals = json::array();
    for (const auto& t : status.value("terminals", json::array())) {
        terminals.push_back({{"id", t.value("id", "")},
                             {"gate", t.value("gate", "")},
                             {"kind", t.value("kind", "")},
                             {"online", t.value("online", false)}});
    }
    const json alerts = status.value("alerts", json::object());
    return {{"type", "state"},
            {"cameras", std::move(cameras)},
            {"terminals", std::move(terminals)},
            {"alerts_open", alerts.value("open", 0)}};
}

LiveFeed::LiveFeed(zmq::context_t& context, std::string consoles_endpoint, std::string control_endpoint,
                   const std::filesystem::path& ledger, std::size_t capacity)
    : context_(context),
      consoles_endpoint_(std::move(consoles_endpoint)),
      control_endpoint_(std::move(control_endpoint)),
      ledger_(storage::LedgerOptions{ledger, /*read_only=*/true}),
      capacity_(capacity),
      cursor_(LiveCursor::at(ledger_.max_record_ids())) {
    thread_ = std::thread([this] { run(); });
}

LiveFeed::~LiveFeed() {
    stop();
    thread_.join();
}

void LiveFeed::stop() {
    stop_.store(true);
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
}

std::uint64_t LiveFeed::next_seq() const {
    std::lock_guard lock(mutex_);
    return next_seq_;
}

LiveMessagePtr LiveFeed::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

LiveFeed::Update LiveFeed::wait(std::uint64_t from, Clock::time_point deadline) const {
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, deadline, [&] { return stopping_ || released_seq_ > from; });
    Update u;
    u.stopped = stopping_;
    if (ring_.empty() || released_seq_ <= from) {
        u.next = std::max(from, released_seq_);
        return u;
    }
    u.next = released_seq_;
    const std::uint64_t first = ring_.front()->seq;
    if (from < first) {
        u.overrun = true;
        return u;
    }
    for (auto it = ring_.begin() + static_cast<std::ptrdiff_t>(from - first); it != ring_.end() && (*it)->seq < released_seq_;
         ++it)
        u.messages.push_back(*it);
    return u;
}

void LiveFeed::push(LiveMessage message) {
    {
        std::lock_guard lock(mutex_);
        message.seq = next_seq_++;
        auto shared = std::make_shared<const LiveMessage>(std::move(message));
        if (!shared->stream) state_ = shared;
        const bool urgent = shared->stream == LiveStream::alerts || shared->stream == LiveStream::alert_actions;
        ring_.push_back(std::move(shared));
        while (ring_.size() > capacity_) ring_.pop_front();
        if (!urgent) {
            if (!held_since_) held_since_ = Clock::now();
            return;
        }
        released_seq_ = next_seq_;  // what waited before the alert goes with it, in order
        held_since_.reset();
    }
    changed_.notify_all();
}

Clock::duration LiveFeed::release_held() {
    {
        std::lock_guard lock(mutex_);
        if (!held_since_) return kIdleTick;
        const auto waited = Clock::now() - *held_since_;
        if (waited < kCoalesceWindow) return kCoalesceWindow - waited;
        released_seq_ = next_seq_;
        held_since_.reset();
    }
    changed_.notify_all();
    return kIdleTick;
}

void LiveFeed::catch_up() {
    for (;;) {
        LedgerCatchUp read = read_after(ledger_, cursor_, kReadPage);
        for (auto& m : read.messages) {
            cursor_[*m.stream] = std::max(cursor_[*m.stream], m.id);
            push(std::move(m));
        }
        if (read.complete) return;
    }
}

// Ids are the tables' row ids; a table emptied by the retention purge starts numbering again from 1 (alerts: from
// the gateway's restart). A cursor above every id would then wait for ever: it follows the ids down.
void LiveFeed::restart_ids_if_reset() {
    const LiveCursor newest = LiveCursor::at(ledger_.max_record_ids());
    for (LiveStream s : {LiveStream::alerts, LiveStream::alert_actions, LiveStream::decisions, LiveStream::screenings}) {
        if (newest[s] >= cursor_[s]) continue;
        cursor_[s] = newest[s];
        // The browsers' cursors follow it down too (and their pages reload the board).
        push({0, s, newest[s], "reset", "{}"});
    }
}

void LiveFeed::publish_state(const json& status) {
    json state = gate_state(status);
    std::string text = state.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text == last_state_) return;
    last_state_ = text;
    push({0, std::nullopt, 0, "state", std::move(text)});
}

void LiveFeed::run() {
    zmq::socket_t sub(context_, zmq::socket_type::sub);
    sub.set(zmq::sockopt::linger, 0);
    sub.set(zmq::sockopt::rcvhwm, 100000);
    for (const char* topic : {"alert.", "alert_state.", "decision.", "screening."}) sub.set(zmq::sockopt::subscribe, topic);
    sub.connect(consoles_endpoint_);
    std::optional<zmq::socket_t> control;
    auto next_poll = Clock::now() + kLedgerPoll;
    auto next_status = Clock::now();
    Clock::time_point status_sent{};
    while (!stop_.load()) {
        const auto now = Clock::now();
        if (!control && now >= next_status) {
            control.emplace(context_, zmq::socket_type::dealer);
            control->set(zmq::sockopt::linger, 0);
            control->connect(control_endpoint_);
            control->send(zmq::message_t(), zmq::send_flags::sndmore);
            control->send(zmq::str_buffer(R"({"v":1,"cmd":"status"})"), zmq::send_flags::none);
            status_sent = now;
            next_status = now + kStatusInterval;
        }
        if (control && now - status_sent > kStatusTimeout) control.reset();  // the reactor is busy: ask again later
        zmq::pollitem_t items[] = {{sub.handle(), 0, ZMQ_POLLIN, 0},
                                   {control ? control->handle() : nullptr, 0, static_cast<short>(control ? ZMQ_POLLIN : 0), 0}};
        zmq::poll(items, control ? 2 : 1, std::chrono::duration_cast<std::chrono::milliseconds>(release_held()));
        std::vector<std::pair<std::int64_t, std::string>> published_alerts;
        bool woken = false;
        zmq::message_t topic, body;
        while (sub.recv(topic, zmq::recv_flags::dontwait)) {
            woken = true;
            if (!topic.more() || !sub.recv(body, zmq::recv_flags::dontwait)) continue;
            if (!topic.to_string_view().starts_with("alert.")) continue;
            const json alert = json::parse(body.to_string_view(), nullptr, false);
            if (alert.is_object() && alert.contains("id") && alert["id"].is_number_integer()) {
                published_alerts.emplace_back(alert["id"].get<std::int64_t>(), body.to_string());
            }
        }
        try {
            if (woken || Clock::now() >= next_poll) {
                if (!woken) restart_ids_if_reset();
                catch_up();
                next_poll = Clock::now() + kLedgerPoll;
            }
        } catch (const std::exception& e) {
            spdlog::warn("web console: cannot read the ledger for the live view: {}", e.what());
        }
        for (auto& [id, text] : published_alerts) {
            if (id <= cursor_.alerts) continue;
            cursor_.alerts = id;  // not in the ledger yet (full disk): the guards see it all the same
            push({0, LiveStream::alerts, id, "alert", std::move(text)});
        }
        if (control && (items[1].revents & ZMQ_POLLIN)) {
            zmq::message_t delimiter, reply;
            if (control->recv(delimiter, zmq::recv_flags::dontwait) && delimiter.more() &&
                control->recv(reply, zmq::recv_flags::dontwait)) {
                const json status = json::parse(reply.to_string_view(), nullptr, false);
                if (status.is_object() && status.value("ok", false) && status.contains("status")) publish_state(status["status"]);
            }
            control.reset();
        }
    }
}

}  // namespace gatehouse::daemon::web
