// The gate board: its first picture (GET /api/board), the live stream that keeps it current (GET /api/live, Server-
// Sent Events whose ids are ledger cursors), and the evidence snapshots it shows.
#include <fstream>
#include <iterator>

#include <spdlog/spdlog.h>

#include "gatehouse/daemon/retention_purger.hpp"
#include "web/console_body.hpp"
#include "web/web_context.hpp"

namespace gatehouse::daemon::web {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// Rows per gate on the board, and open alerts.
constexpr std::size_t kBoardRows = 8;
constexpr std::size_t kBoardAlerts = 200;
// A stream that reconnects after missing more than this per stream is told to reload the board instead.
constexpr std::size_t kCatchUpLimit = 1000;
// An idle stream sends a comment this often: proxies keep it open, and a vanished browser is noticed.
constexpr auto kKeepAlive = std::chrono::seconds(15);
// Evidence snapshots are JPEGs of a few tens of KiB; anything far larger is not one of ours.
constexpr std::uintmax_t kMaxSnapshotBytes = 16 * 1024 * 1024;

json board(WebContext& web) {
    return web.ledger.read([&](storage::Ledger& ledger) {
        // The cursor first: rows committed while the board is read come again on the stream (the page ignores ids
        // it has), none is missed.
        const LiveCursor cursor = LiveCursor::at(ledger.max_record_ids());
        json gates = json::array();
        for (const auto& g : web.config.gates) {
            storage::RecordQuery q;
            q.gate = g.id;
            q.limit = kBoardRows;
            json screenings = json::array();
            for (const auto& s : ledger.find_screenings(q)) screenings.push_back(console_body(s));
            json decisions = json::array();
            for (const auto& d : ledger.find_decisions(q)) {
                json body = console_body(d.decision);
                body["id"] = d.id;
                decisions.push_back(std::move(body));
            }
            json terminals = json::array();
            for (const auto& t : web.config.terminals) {
                if (t.gate == g.id) terminals.push_back({{"id", t.id}, {"kind", t.kind}});
            }
            gates.push_back({{"id", g.id},
                             {"name", g.name},
                             {"direction", g.direction},
                             {"camera", g.camera ? json(*g.camera) : json(nullptr)},
                             {"fever_threshold", g.policy.fever_threshold},
                             {"terminals", std::move(terminals)},
                             {"screenings", std::move(screenings)},
                             {"decisions", std::move(decisions)}});
        }
        storage::RecordQuery open;
        open.unclosed_only = true;
        open.limit = kBoardAlerts;
        json alerts = json::array();
        for (const auto& a : ledger.find_alerts(open)) alerts.push_back(console_body(a));
        const LiveMessagePtr state = web.feed.state();
        return json{{"cursor", cursor.to_string()},
                    {"gates", std::move(gates)},
                    {"alerts", std::move(alerts)},
                    {"state", state ? json::parse(state->data, nullptr, false) : json(nullptr)}};
    });
}

std::string sse(const std::string& id, const std::string& event, const std::string& data) {
    std::string out;
    out.reserve(data.size() + event.size() + id.size() + 24);
    if (!id.empty()) out += "id: " + id + "\n";
    out += "event: " + event + "\ndata: " + data + "\n\n";
    return out;
}

/// One browser's stream: where it stands in the ledger and in the feed.
struct LiveStreamState {
    LiveCursor cursor;
    bool started = false;
    std::uint64_t from = 0;
    std::string token;
};

// Sends what the ledger has after the stream's cursor; false when the socket is gone.
bool catch_up(WebContext& web, LiveStreamState& s, httplib::DataSink& sink) {
    const LedgerCatchUp read =
        web.ledger.read([&](storage::Ledger& ledger) { return read_after(ledger, s.cursor, kCatchUpLimit); });
    if (!read.complete) {
        // Too much to replay (a screen that was off for hours): the page reloads its board instead.
        s.cursor = web.ledger.read([](storage::Ledger& ledger) { return LiveCursor::at(ledger.max_record_ids()); });
        const std::string text = sse(s.cursor.to_string(), "reload", "{}");
        return sink.write(text.data(), text.size());
    }
    std::string out;
    for (const auto& m : read.messages) {
        s.cursor[*m.stream] = std::max(s.cursor[*m.stream], m.id);
        out += sse(s.cursor.to_string(), m.event, m.data);
    }
    return out.empty() || sink.write(out.data(), out.size());
}

// One round of a stream: the first one sends the gate state and what was missed; each one then waits for the
// feed and sends what is new to this browser. False ends the stream.
bool stream_round(WebContext& web, LiveStreamState& s, httplib::DataSink& sink) {
    if (!s.started) {
        s.started = true;
        s.from = web.feed.next_seq();  // before the catch-up: what arrives meanwhile is sent once (by id)
        std::string hello = "retry: 2000\n\n";
        if (const LiveMessagePtr state = web.feed.state()) hello += sse("", "state", state->data);
        if (!sink.write(hello.data(), hello.size())) return false;
        // What the browser missed (a named cursor), or what was committed since its cursor was taken (a new stream).
        if (!catch_up(web, s, sink)) return false;
    }
    const LiveFeed::Update update = web.feed.wait(s.from, Clock::now() + kKeepAlive);
    if (update.stopped || web.stopping.load()) return false;
    s.from = update.next;
    if (update.overrun && !catch_up(web, s, sink)) return false;
    std::string out;
    for (const auto& m : update.messages) {
        if (m->event == "reset") {
            s.cursor[*m->stream] = std::min(s.cursor[*m->stream], m->id);
            out += sse(s.cursor.to_string(), "reload", "{}");
        } else if (m->stream) {
            if (m->id <= s.cursor[*m->stream]) continue;
            s.cursor[*m->stream] = m->id;
            out += sse(s.cursor.to_string(), m->event, m->data);
        } else {
            out += sse("", m->event, m->data);
        }
    }
    if (out.empty()) {
        // An open board counts as activity; a session that ended (logout, expiry, account removed) ends the stream.
        if (!current_session(web, s.token)) {
            out = sse("", "session_ended", "{}");
            (void)sink.write(out.data(), out.size());
            return false;
        }
        out = ": keep-alive\n\n";
    }
    return sink.write(out.data(), out.size());
}

void live(WebContext& web, const Caller& caller, const httplib::Request& req, httplib::Response& res) {
    auto state = std::make_shared<LiveStreamState>();
    state->token = caller.token;
    std::string named = req.get_header_value("Last-Event-ID");
    if (named.empty()) named = req.get_param_value("from");
    if (!named.empty()) {
        const auto cursor = LiveCursor::parse(named);
        if (!cursor) {
            send_error(res, 400, "bad_cursor", "Last-Event-ID / from must be a cursor like a12.x3.d100.s80");
            return;
        }
        state->cursor = *cursor;
    } else {
        state->cursor = web.ledger.read([](storage::Ledger& ledger) { return LiveCursor::at(ledger.max_record_ids()); });
    }
    if (++web.counters.live_clients > web.config.web.max_live_clients) {
        --web.counters.live_clients;
        ++web.counters.live_refused;
        res.set_header("Retry-After", "10");
        send_error(res, 503, "too_many_live_clients",
                   "the console already serves " + std::to_string(web.config.web.max_live_clients) +
                       " live screens (web.max_live_clients); this page retries and shows alerts as it reloads");
        return;
    }
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider(
        "text/event-stream",
        [&web, state](std::size_t, httplib::DataSink& sink) {
            try {
                return stream_round(web, *state, sink);
            } catch (const std::exception& e) {
                spdlog::warn("web console: live stream ended: {}", e.what());
                return false;
            }
        },
        [&web](bool) { --web.counters.live_clients; });
}

bool inside(const std::filesystem::path& file, const std::filesystem::path& dir) {
    std::error_code ec;
    const auto f = std::filesystem::canonical(file, ec);
    if (ec) return false;
    const auto d = std::filesystem::canonical(dir, ec);
    if (ec) return false;
    const auto rel = f.lexically_relative(d);
    return !rel.empty() && *rel.begin() != "..";
}

void snapshot(WebContext& web, const httplib::Request& req, httplib::Response& res) {
    std::optional<std::string> path;
    auto id_of = [&](const char* key) -> std::optional<std::int64_t> {
        if (!req.has_param(key)) return std::nullopt;
        try {
            std::size_t used = 0;
            const std::string text = req.get_param_value(key);
            const std::int64_t id = std::stoll(text, &used);
            if (used == text.size() && id > 0) return id;
        } catch (const std::exception&) {
        }
        return -1;
    };
    const auto screening = id_of("screening");
    const auto alert = id_of("alert");
    if ((screening && *screening < 0) || (alert && *alert < 0) || (!screening && !alert)) {
        send_error(res, 400, "bad_request", "name ?screening=ID or ?alert=ID");
        return;
    }
    web.ledger.read([&](storage::Ledger& ledger) {
        if (screening) {
            storage::RecordQuery q;
            q.after_id = *screening - 1;
            q.limit = 1;
            const auto rows = ledger.find_screenings(q);
            if (!rows.empty() && rows[0].id == *screening) path = rows[0].snapshot;
        } else if (const auto a = ledger.alert(*alert)) {
            path = a->snapshot;
        }
    });
    if (!path) {
        send_error(res, 404, "no_snapshot", "no evidence snapshot is recorded for it");
        return;
    }
    // The ledger names the file; only files in the snapshot directories are served, whatever a row says.
    bool allowed = false;
    for (const auto& dir : snapshot_directories(web.config)) allowed = allowed || inside(*path, dir);
    std::error_code ec;
    const auto size = std::filesystem::file_size(*path, ec);
    if (!allowed || ec || size > kMaxSnapshotBytes) {
        send_error(res, 404, "snapshot_gone", "the snapshot file is no longer there (retention) or not a snapshot");
        return;
    }
    std::ifstream in(*path, std::ios::binary);
    std::string bytes{std::istreambuf_iterator<char>(in), {}};
    res.set_header("Cache-Control", "private, max-age=3600");
    res.set_content(std::move(bytes), "image/jpeg");
}

}  // namespace

void add_board_routes(httplib::Server& server, WebContext& web) {
    server.Get("/api/board", guarded(web, {}, [&web](const Caller&, const httplib::Request&, httplib::Response& res) {
                   send_json(res, 200, board(web));
               }));
    server.Get("/api/live", guarded(web, {}, [&web](const Caller& caller, const httplib::Request& req, httplib::Response& res) {
                   live(web, caller, req, res);
               }));
    server.Get("/api/snapshot", guarded(web, {}, [&web](const Caller&, const httplib::Request& req, httplib::Response& res) {
                   snapshot(web, req, res);
               }));
}

}  // namespace gatehouse::daemon::web
