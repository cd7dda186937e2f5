// The web console over HTTP against the real gatehoused: every endpoint with each role, CSRF, login throttling,
// session expiry, the live stream and its resume, and bad input (nothing changes, a clear status comes back).
#include <algorithm>

#include <SQLiteCpp/Database.h>
#include <catch2/catch.hpp>

#include "gatehouse/ipc/terminal_codec.hpp"
#include "web_fixture.hpp"

using namespace gatehouse;
using namespace gatehouse::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

json body_of(const httplib::Result& r) { return json::parse(r->body, nullptr, false); }

storage::AlertRecord alert_in_ledger(WebFixture& web, std::int64_t id) {
    storage::Ledger ledger({web.gateway().ledger_path(), /*read_only=*/true});
    const auto a = ledger.alert(id);
    if (!a) throw std::runtime_error("no alert " + std::to_string(id));
    return *a;
}

// An open door_forced alert raised now; its id.
std::int64_t raise_alert(WebFixture& web, Browser& reader) {
    const auto before = body_of(reader.get("/api/alerts"))["alerts"].size();
    REQUIRE(web.force_door()["type"] == "ack");
    std::int64_t id = 0;
    REQUIRE(eventually([&] {
        const json alerts = body_of(reader.get("/api/alerts"))["alerts"];
        if (alerts.size() <= before) return false;
        id = alerts[0]["id"].get<std::int64_t>();  // newest first
        return true;
    }));
    return id;
}

}  // namespace

TEST_CASE("the console's own files are served with a strict policy, nothing else from the filesystem", "[web][http][static]") {
    WebFixture web;
    auto c = web.client();
    auto index = c->Get("/");
    REQUIRE(index);
    CHECK(index->status == 200);
    CHECK(index->get_header_value("Content-Type") == "text/html; charset=utf-8");
    CHECK_THAT(index->body, Catch::Contains("/app.js"));
    const std::string csp = index->get_header_value("Content-Security-Policy");
    CHECK_THAT(csp, Catch::Contains("default-src 'none'") && Catch::Contains("script-src 'self'") &&
                        Catch::Contains("frame-ancestors 'none'"));
    CHECK_THAT(csp, !Catch::Contains("unsafe-inline") && !Catch::Contains("unsafe-eval"));
    CHECK(index->get_header_value("X-Content-Type-Options") == "nosniff");
    CHECK(index->get_header_value("X-Frame-Options") == "DENY");

    auto js = c->Get("/app.js");
    REQUIRE(js);
    CHECK(js->status == 200);
    CHECK_THAT(js->get_header_value("Content-Type"), Catch::StartsWith("text/javascript"));
    auto again = c->Get("/app.js", {{"If-None-Match", js->get_header_value("ETag")}});
    REQUIRE(again);
    CHECK(again->status == 304);
    CHECK(c->Get("/i18n.js")->status == 200);
    CHECK(c->Get("/app.css")->status == 200);
    CHECK(c->Get("/appXjs")->status == 404);

    // Traversal and other paths: a clear 4xx, never a file of the machine.
    for (const char* path : {"/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/app.js/../../../../etc/passwd",
                             "/..%2f..%2f..%2fetc%2fpasswd", "/etc/passwd", "/static/../../etc/shadow", "/index.html%00.js",
                             "/%2e%2e%5c%2e%2e%5cetc%5cpasswd"}) {
        INFO(path);
        auto r = c->Get(path);
        REQUIRE(r);
        CHECK(r->status >= 400);
        CHECK(r->status < 500);
        CHECK_THAT(r->body, !Catch::Contains("root:"));
    }
    auto missing = c->Get("/api/nothing-here");
    REQUIRE(missing);
    CHECK(missing->status == 404);
    CHECK(body_of(missing)["error"] == "not_found");
}

TEST_CASE("login: a session cookie that scripts cannot read, wrong passwords refused alike, bad input answered",
          "[web][http][login]") {
    WebFixture web;
    Browser guard(web.client());
    auto ok = guard.login("gao", password_of("gao"));
    REQUIRE(ok);
    REQUIRE(ok->status == 200);
    const std::string cookie = ok->get_header_value("Set-Cookie");
    CHECK_THAT(cookie, Catch::StartsWith("gatehouse_session=") && Catch::Contains("HttpOnly") &&
                           Catch::Contains("SameSite=Strict") && Catch::Contains("Path=/"));
    CHECK_THAT(cookie, !Catch::Contains("Secure"));  // plain HTTP on loopback: a Secure cookie would never come back
    const json session = body_of(ok);
    CHECK(session["user"] == "gao");
    CHECK(session["role"] == "guard");
    CHECK(session["csrf"].get<std::string>().size() == 64);
    CHECK(body_of(guard.get("/api/session"))["user"] == "gao");

    Browser stranger(web.client());
    auto wrong = stranger.login("gao", "not-the-password");
    auto unknown = stranger.login("nobody", "not-the-password");
    REQUIRE(wrong);
    REQUIRE(unknown);
    CHECK(wrong->status == 401);
    CHECK(unknown->status == 401);
    CHECK(wrong->body == unknown->body);  // the answer does not tell which accounts exist
    CHECK(stranger.get("/api/session")->status == 401);

    auto c = web.client();
    auto bad_json = c->Post("/api/login", "{\"user\": \"gao\", ", "application/json");
    CHECK(bad_json->status == 400);
    CHECK(body_of(bad_json)["error"] == "bad_json");
    auto wrong_type = c->Post("/api/login", R"({"user":"gao","password":"gao-password-1"})", "text/plain");
    CHECK(wrong_type->status == 415);
    auto not_strings = c->Post("/api/login", R"({"user":["gao"],"password":1})", "application/json");
    CHECK(not_strings->status == 400);
    auto cross_site = c->Post("/api/login", {{"Origin", "https://evil.example"}},
                              json{{"user", "gao"}, {"password", password_of("gao")}}.dump(), "application/json");
    CHECK(cross_site->status == 403);
    auto huge = c->Post("/api/login", std::string(5 * 1024 * 1024, 'x'), "application/json");
    REQUIRE(huge);
    CHECK(huge->status == 413);

    const auto audit = web.audit();
    auto count = [&](const std::string& actor, const std::string& outcome) {
        return std::count_if(audit.begin(), audit.end(), [&](const storage::StoredAudit& a) {
            return a.record.action == "login" && a.record.actor == actor && a.record.outcome == outcome;
        });
    };
    CHECK(count("gao", "ok") == 1);
    CHECK(count("gao", "refused") == 1);
    CHECK(count("nobody", "refused") == 1);
    CHECK(audit[0].record.address == "127.0.0.1");

    auto out = guard.post("/api/logout", json::object());
    REQUIRE(out);
    CHECK(out->status == 204);
    CHECK_THAT(out->get_header_value("Set-Cookie"), Catch::Contains("Max-Age=0"));
    CHECK(guard.get("/api/session")->status == 401);
}

TEST_CASE("logins are throttled per account and per address, before any password is checked", "[web][http][login][throttle]") {
    WebFixture web("login_failures_per_account = 3\nlogin_failures_per_address = 5\n");
    Browser b(web.client());
    for (int i = 0; i < 3; ++i) CHECK(b.login("gao", "wrong-" + std::to_string(i))->status == 401);
    auto throttled = b.login("gao", password_of("gao"));  // even the right password: the account waits
    REQUIRE(throttled);
    CHECK(throttled->status == 429);
    const int retry = std::stoi(throttled->get_header_value("Retry-After"));
    CHECK(retry > 800);
    CHECK(retry <= 900);
    CHECK(b.get("/api/session")->status == 401);

    // Two more failures on other accounts fill the address's five: then nobody logs in from here.
    CHECK(b.login("ada", "wrong")->status == 401);
    CHECK(b.login("vera", "wrong")->status == 401);
    CHECK(b.login("ada", password_of("ada"))->status == 429);
    const auto audit = web.audit(3);
    CHECK(audit[0].record.outcome == "throttled");
    CHECK(audit[0].record.actor == "ada");
}

TEST_CASE("sessions end at their lifetime, an ended session gets 401 and its live stream is told", "[web][http][session]") {
    WebFixture web("session_idle_timeout_s = 2\nsession_lifetime_s = 2\n");
    Browser b(web.client());
    // Timed from before the login: the session starts inside it, so lasted >= 2 s holds however slow the reply.
    const auto start = std::chrono::steady_clock::now();
    b.login_as("vera");
    SseReader live(web, b);
    REQUIRE(live.status() == 200);
    // Requests every 100 ms keep it from idling: only the lifetime can end it.
    REQUIRE(eventually([&] { return b.get("/api/session")->status == 401; }, 10s));
    const double lasted = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(lasted >= 1.95);
    CHECK(lasted < 10.0);  // an ended session refused late (the lifetime not enforced) fails the 10 s eventually too
    CHECK(body_of(b.get("/api/board"))["error"] == "not_logged_in");
}

TEST_CASE("each role may do what it is allowed and is refused the rest", "[web][http][roles]") {
    WebFixture web;
    Browser vera(web.client()), gao(web.client()), ada(web.client()), anonymous(web.client());
    vera.login_as("vera");
    gao.login_as("gao");
    ada.login_as("ada");
    const std::int64_t first = raise_alert(web, ada);
    const std::int64_t second = raise_alert(web, ada);
    const std::string csv = "list,person,name,valid_from,valid_until,note\nallow,E2001,Sun Li,,,\n";

    struct Case {
        const char* what;
        std::function<httplib::Result(Browser&)> call;
        int viewer, guard, admin;
    };
    const std::vector<Case> cases = {
        {"board", [](Browser& b) { return b.get("/api/board"); }, 200, 200, 200},
        {"alerts", [](Browser& b) { return b.get("/api/alerts?state=all"); }, 200, 200, 200},
        {"one alert", [&](Browser& b) { return b.get("/api/alerts/" + std::to_string(first)); }, 200, 200, 200},
        {"history", [](Browser& b) { return b.get("/api/history?person=E1001"); }, 200, 200, 200},
        {"history csv", [](Browser& b) { return b.get("/api/history.csv"); }, 403, 200, 200},
        {"lists", [](Browser& b) { return b.get("/api/lists"); }, 403, 403, 200},
        {"lists csv", [](Browser& b) { return b.get("/api/lists.csv"); }, 403, 403, 200},
        {"lists import", [&](Browser& b) { return b.post_text("/api/lists/import", csv, "text/csv"); }, 403, 403, 200},
        {"health", [](Browser& b) { return b.get("/api/health"); }, 403, 403, 200},
        {"audit", [](Browser& b) { return b.get("/api/audit"); }, 403, 403, 200},
        {"ack", [&](Browser& b) { return b.post("/api/alerts/" + std::to_string(first) + "/ack", json::object()); }, 403, 200, 409},
        {"close", [&](Browser& b) { return b.post("/api/alerts/" + std::to_string(second) + "/close", {{"note", "checked"}}); }, 403, 200, 409},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        auto none = c.call(anonymous);
        REQUIRE(none);
        CHECK(none->status == 401);
        auto as_viewer = c.call(vera);
        REQUIRE(as_viewer);
        CHECK(as_viewer->status == c.viewer);
        if (c.viewer == 403) CHECK_THAT(body_of(as_viewer)["message"].get<std::string>(), Catch::Contains("you are viewer"));
        CHECK(c.call(gao)->status == c.guard);
        CHECK(c.call(ada)->status == c.admin);  // ack and close: the guard was first
    }
    // What the viewer was refused changed nothing, and was audited.
    CHECK(alert_in_ledger(web, first).state == storage::AlertState::acknowledged);
    storage::Ledger ledger({web.gateway().ledger_path(), /*read_only=*/true});
    CHECK(ledger.find_person(storage::PersonListKind::allow, "E2001"));
    CHECK(ledger.alert_actions(first).at(0).actor == "gao");
    const auto audit = web.audit(200);
    CHECK(std::count_if(audit.begin(), audit.end(), [](const auto& a) {
              return a.record.actor == "vera" && a.record.outcome == "forbidden" && a.record.action == "alert_ack";
          }) == 1);
}

TEST_CASE("every state change needs the session's CSRF token and a same-origin request", "[web][http][csrf]") {
    WebFixture web;
    Browser gao(web.client());
    gao.login_as("gao");
    const std::int64_t id = raise_alert(web, gao);
    const std::string ack = "/api/alerts/" + std::to_string(id) + "/ack";

    auto no_token = gao.post(ack, json::object(), /*csrf=*/false);
    REQUIRE(no_token);
    CHECK(no_token->status == 403);
    CHECK(body_of(no_token)["error"] == "csrf");
    auto other_site = gao.post(ack, json::object(), true, {{"Origin", "http://evil.example:8480"}});
    CHECK(other_site->status == 403);
    auto fetch_site = gao.post(ack, json::object(), true, {{"Sec-Fetch-Site", "cross-site"}});
    CHECK(fetch_site->status == 403);
    // A form a foreign page could submit (no JSON) is refused as well.
    auto form = gao.post_text(ack, "note=x", "application/x-www-form-urlencoded");
    CHECK(form->status == 415);
    Browser other(web.client());
    other.login_as("gao");
    auto token_of_other_session = gao.post(ack, json::object(), false, {{"X-CSRF-Token", other.csrf()}});
    CHECK(token_of_other_session->status == 403);
    CHECK(gao.post("/api/logout", json::object(), false)->status == 403);
    CHECK(alert_in_ledger(web, id).state == storage::AlertState::open);  // nothing changed

    auto same_origin = gao.post(ack, json::object(), true, {{"Origin", "http://127.0.0.1:" + std::to_string(web.port())}});
    REQUIRE(same_origin);
    CHECK(same_origin->status == 200);
    CHECK(body_of(same_origin)["state"] == "acknowledged");
    const auto audit = web.audit(10);
    CHECK(std::count_if(audit.begin(), audit.end(), [](const auto& a) { return a.record.outcome == "refused"; }) >= 4);
}

TEST_CASE("a guard acknowledges and closes an alert through the gateway, bad requests change nothing",
          "[web][http][alerts]") {
    WebFixture web;
    Browser gao(web.client());
    gao.login_as("gao");
    const std::int64_t id = raise_alert(web, gao);
    const std::string base = "/api/alerts/" + std::to_string(id);

    CHECK(gao.post(base + "/ack", {{"note", 5}})->status == 400);
    CHECK(gao.post_text(base + "/ack", "{not json", "application/json")->status == 400);
    CHECK(gao.post(base + "/ack", {{"note", std::string(5000, 'n')}})->status == 400);
    CHECK(alert_in_ledger(web, id).state == storage::AlertState::open);

    auto ack = gao.post(base + "/ack", {{"note", "on my way"}});
    REQUIRE(ack->status == 200);
    CHECK(body_of(ack)["state"] == "acknowledged");
    CHECK(gao.post(base + "/ack", json::object())->status == 409);
    CHECK(gao.post(base + "/close", json::object())->status == 400);  // a close needs a note
    CHECK(gao.post(base + "/close", {{"note", "   "}})->status == 400);
    // The re-check's fields are type-checked here and passed to the gateway, which refuses a disposition on a door
    // alert (only fever and denied alerts are re-checked); none of these closes it.
    CHECK(gao.post(base + "/close", {{"note", "x"}, {"disposition", 5}})->status == 400);
    CHECK(gao.post(base + "/close", {{"note", "x"}, {"recheck_celsius", "38.2"}})->status == 400);
    auto refused = gao.post(base + "/close", {{"note", "x"}, {"disposition", "sent_home"}});
    CHECK(refused->status == 409);
    CHECK_THAT(body_of(refused)["message"].get<std::string>(), Catch::Contains("disposition"));
    CHECK(alert_in_ledger(web, id).state == storage::AlertState::acknowledged);
    auto close = gao.post(base + "/close", {{"note", "re-checked at the booth: 36.8 °C, let in"}});
    REQUIRE(close->status == 200);
    CHECK(body_of(close)["state"] == "closed");
    auto again = gao.post(base + "/close", {{"note", "twice"}});
    CHECK(again->status == 409);
    CHECK_THAT(body_of(again)["message"].get<std::string>(), Catch::Contains("already closed"));
    CHECK(gao.post("/api/alerts/999999/ack", json::object())->status == 404);
    CHECK(gao.get("/api/alerts/999999")->status == 404);

    const json shown = body_of(gao.get(base));
    CHECK(shown["state"] == "closed");
    REQUIRE(shown["actions"].size() == 2);
    CHECK(shown["actions"][1]["actor"] == "gao");
    CHECK(shown["actions"][1]["note"] == "re-checked at the booth: 36.8 °C, let in");
    CHECK(body_of(gao.get("/api/alerts"))["alerts"].empty());  // open ones only by default
    CHECK(body_of(gao.get("/api/alerts?state=all&kind=door_forced&gate=g1"))["alerts"].size() == 1);
    CHECK(body_of(gao.get("/api/alerts?state=all&kind=fever"))["alerts"].empty());
    CHECK(gao.get("/api/alerts?state=maybe")->status == 400);
    CHECK(gao.get("/api/alerts?since=yesterday-ish")->status == 400);
    CHECK(gao.get("/api/alerts?limit=0")->status == 400);
    const auto audit = web.audit(20);
    const auto closed = std::find_if(audit.begin(), audit.end(), [](const auto& a) {
        return a.record.action == "alert_close" && a.record.outcome == "ok";
    });
    REQUIRE(closed != audit.end());
    CHECK(closed->record.actor == "gao");
    CHECK(closed->record.target == "alert " + std::to_string(id));
    CHECK(closed->record.detail == "re-checked at the booth: 36.8 °C, let in");
    CHECK(audit[0].record.outcome == "refused");  // the unknown alert
    CHECK(audit[0].record.detail == "no alert 999999");
}

TEST_CASE("the live stream carries ledger cursors and resumes from Last-Event-ID without losing an alert",
          "[web][http][live]") {
    WebFixture web;
    Browser vera(web.client());
    vera.login_as("vera");
    const json board = body_of(vera.get("/api/board"));
    REQUIRE(board["gates"].size() == 2);
    const std::string cursor = board["cursor"].get<std::string>();
    CHECK_THAT(cursor, Catch::Matches(R"(a\d+\.x\d+\.d\d+\.s\d+)"));

    std::string last_id;
    std::int64_t first_alert = 0;
    {
        SseReader live(web, vera);
        REQUIRE(live.status() == 200);
        CHECK(live.content_encoding().empty());  // never compressed: each event goes out at once
        web.force_door();
        const auto alerts = live.wait_for("alert", 1);
        REQUIRE(alerts.size() == 1);
        CHECK(alerts[0].data["kind"] == "door_forced");
        CHECK(alerts[0].data["severity"] == "critical");
        first_alert = alerts[0].data["id"].get<std::int64_t>();
        CHECK_THAT(alerts[0].id, Catch::StartsWith("a" + std::to_string(first_alert) + "."));
        last_id = alerts[0].id;
        // A state change arrives as its own event.
        Browser gao(web.client());
        gao.login_as("gao");
        REQUIRE(gao.post("/api/alerts/" + std::to_string(first_alert) + "/ack", json::object())->status == 200);
        const auto states = live.wait_for("alert_state", 1);
        REQUIRE(states.size() == 1);
        CHECK(states[0].data["state"] == "acknowledged");
        CHECK(states[0].data["actor"] == "gao");
        last_id = states[0].id;
    }
    // Dropped Wi-Fi: three alerts while the browser is away.
    for (int i = 0; i < 3; ++i) web.force_door();
    REQUIRE(eventually([&] { return body_of(vera.get("/api/alerts"))["alerts"].size() == 4; }));
    SseReader resumed(web, vera, last_id);
    REQUIRE(resumed.status() == 200);
    const auto missed = resumed.wait_for("alert", 3);
    REQUIRE(missed.size() == 3);
    for (int i = 0; i < 3; ++i) CHECK(missed[static_cast<std::size_t>(i)].data["id"] == first_alert + 1 + i);
    // Nothing from before the cursor comes again, and what comes next still arrives.
    web.force_door();
    const auto next = resumed.wait_for("alert", 4);
    REQUIRE(next.size() == 4);
    CHECK(next[3].data["id"] == first_alert + 4);
    CHECK(resumed.wait_for("alert_state", 1, 300ms).empty());

    // A cursor that is not one: 400, as from ?from=.
    SseReader bad(web, vera, "a1.b2");
    CHECK(bad.status() == 400);
    SseReader bad_query(web, vera, "", "/api/live?from=nonsense");
    CHECK(bad_query.status() == 400);
}

TEST_CASE("decisions reach the live stream without an alert to carry them, and in order before the alert that follows",
          "[web][http][live]") {
    WebFixture web;
    Browser vera(web.client());
    vera.login_as("vera");
    TestTerminal card(web.gateway().context(), web.gateway().endpoint(), "t2");
    auto request = [&](const std::string& id) {
        // Green code and a normal reading: granted, so no alert comes with it.
        card.send({{"v", 1}, {"type", "access_request"}, {"terminal", "t2"}, {"request", id}, {"person", "E6001"},
                   {"method", "card"}, {"health_code", "green"}, {"celsius", 36.6}});
        const json reply = card.expect_reply();
        REQUIRE(reply["type"] == "decision");
        REQUIRE(reply["result"] == "grant");
    };
    SseReader live(web, vera);
    REQUIRE(live.status() == 200);
    // A decision goes to the stream on its own, without an alert to carry it.
    request("r-1");
    const auto alone = live.wait_for("decision", 1);
    REQUIRE(alone.size() == 1);
    CHECK(alone[0].data["request"] == "r-1");
    // A decision and the alert that follows it arrive in the order they were committed.
    request("r-2");
    web.force_door();
    REQUIRE(live.wait_for("alert", 1).size() == 1);
    const auto events = live.events();
    const auto position = [&](const std::string& name, const std::string& request_id) {
        for (std::size_t i = 0; i < events.size(); ++i) {
            if (events[i].event == name && (request_id.empty() || (events[i].data.contains("request") && events[i].data["request"] == request_id))) return i;
        }
        return events.size();
    };
    REQUIRE(position("decision", "r-2") < events.size());
    CHECK(position("decision", "r-2") < position("alert", ""));
}

TEST_CASE("live streams are bounded: beyond max_live_clients a page is told to retry", "[web][http][live]") {
    WebFixture web("max_live_clients = 2\n");
    Browser vera(web.client());
    vera.login_as("vera");
    auto first = std::make_unique<SseReader>(web, vera);
    SseReader second(web, vera);
    REQUIRE(first->status() == 200);
    REQUIRE(second.status() == 200);
    {
        SseReader third(web, vera);
        CHECK(third.status() == 503);
    }
    auto refused = vera.get("/api/live");
    REQUIRE(refused);
    CHECK(refused->status == 503);
    CHECK(refused->get_header_value("Retry-After") == "10");
    CHECK(body_of(refused)["error"] == "too_many_live_clients");
    // A page that leaves frees its slot (noticed at its next write: the keep-alive or an event).
    first.reset();
    REQUIRE(eventually([&] {
        web.force_door();  // something to write: the write to the closed socket is what frees the slot
        SseReader again(web, vera);
        return again.status() == 200;
    }, 20s));
    Browser ada(web.client());
    ada.login_as("ada");
    CHECK(body_of(ada.get("/api/health"))["web"]["live_refused"].get<int>() >= 2);
}

TEST_CASE("lists: an admin imports a CSV (errors by line, all or nothing) and exports it", "[web][http][lists]") {
    WebFixture web;
    Browser ada(web.client());
    ada.login_as("ada");
    const std::string good = "list,person,name,valid_from,valid_until,note\n"
                             "allow,E3001,王芳,2026-01-01,2026-12-31,returning\n"
                             "deny,V3002,,,,\"banned: tailgating, twice\"\n";
    auto ok = ada.post_text("/api/lists/import", good, "text/csv");
    REQUIRE(ok->status == 200);
    CHECK(body_of(ok)["allow"] == 1);
    CHECK(body_of(ok)["deny"] == 1);
    const json shown = body_of(ada.get("/api/lists?list=allow"));
    REQUIRE(shown["entries"].size() == 1);
    CHECK(shown["entries"][0]["name"] == "王芳");

    const std::string bad = "list,person,name,valid_from,valid_until,note\n"
                            "allow,E3003,,,,\n"
                            "maybe,E3004,,,,\n"
                            "allow,,,,,\n"
                            "allow,E3005,,2026-13-01,,\n";
    auto refused = ada.post_text("/api/lists/import?replace=true", bad, "text/csv");
    REQUIRE(refused->status == 422);
    const json errors = body_of(refused)["errors"];
    REQUIRE(errors.size() == 3);
    CHECK(errors[0]["line"] == 3);
    CHECK(errors[1]["line"] == 4);
    CHECK(errors[2]["line"] == 5);
    CHECK(body_of(ada.get("/api/lists"))["entries"].size() == 2);  // nothing imported, nothing replaced
    CHECK(ada.post_text("/api/lists/import", good, "application/octet-stream")->status == 415);
    CHECK(ada.post_text("/api/lists/import?replace=perhaps", good, "text/csv")->status == 400);
    CHECK(ada.get("/api/lists?list=grey")->status == 400);

    auto exported = ada.get("/api/lists.csv");
    REQUIRE(exported->status == 200);
    CHECK_THAT(exported->get_header_value("Content-Disposition"), Catch::Contains("attachment"));
    CHECK(exported->body.rfind("\xEF\xBB\xBFlist,person,name", 0) == 0);
    CHECK_THAT(exported->body, Catch::Contains("E3001") && Catch::Contains("王芳") && Catch::Contains("V3002"));
    // What was exported imports again unchanged.
    CHECK(ada.post_text("/api/lists/import?replace=true", exported->body, "text/csv")->status == 200);
    CHECK(body_of(ada.get("/api/lists"))["entries"].size() == 2);
    const auto audit = web.audit(10);
    CHECK(std::count_if(audit.begin(), audit.end(), [](const auto& a) { return a.record.action == "lists_import"; }) == 3);
    CHECK(std::count_if(audit.begin(), audit.end(), [](const auto& a) { return a.record.action == "lists_export"; }) == 1);
}

TEST_CASE("history: search by person, gate, kind and time, CSV export of the same, audited", "[web][http][history]") {
    WebFixture web;
    TestTerminal card(web.gateway().context(), web.gateway().endpoint(), "t2");
    // Dated now: the history looks back 14 days by the terminals' clocks.
    auto now = [&](json e) {
        e["ts"] = ipc::format_utc_timestamp(ipc::utc_now_ms());
        return e;
    };
    card.send(now(card.event_json(1, ipc::CredentialData{"E4001", ipc::CredentialMethod::card})));
    REQUIRE(card.expect_reply()["type"] == "ack");
    card.send(now(card.event_json(2, ipc::CredentialData{"=cmd|' /C calc'!A0", ipc::CredentialMethod::card})));
    REQUIRE(card.expect_reply()["type"] == "ack");
    card.send({{"v", 1}, {"type", "access_request"}, {"terminal", "t2"}, {"request", "r-1"}, {"person", "E4001"}, {"method", "card"}});
    REQUIRE(card.expect_reply()["type"] == "decision");

    Browser vera(web.client()), gao(web.client());
    vera.login_as("vera");
    gao.login_as("gao");
    json rows;
    const bool both = eventually([&] {
        rows = body_of(vera.get("/api/history?person=E4001"))["rows"];
        return rows.size() == 2;
    });
    INFO(rows.dump());
    REQUIRE(both);
    CHECK(rows[0]["type"] == "decision");  // newest first
    CHECK(rows[0]["result"] == "deny");
    CHECK(rows[1]["type"] == "event");
    CHECK(rows[1]["kind"] == "credential");
    CHECK(body_of(vera.get("/api/history?person=E4001&kind=decision"))["rows"].size() == 1);
    CHECK(body_of(vera.get("/api/history?gate=g1"))["rows"].empty());
    CHECK(body_of(vera.get("/api/history?person=E4001&until=2000-01-01"))["rows"].empty());
    CHECK(vera.get("/api/history?kind=teleport")->status == 400);
    CHECK(vera.get("/api/history?person=" + std::string(200, 'p'))->status == 400);

    auto csv = gao.get("/api/history.csv?gate=g2");
    REQUIRE(csv->status == 200);
    CHECK_THAT(csv->get_header_value("Content-Type"), Catch::StartsWith("text/csv"));
    CHECK(csv->body.rfind("\xEF\xBB\xBFtime_utc,type,gate,source,person,what,result,celsius,reasons,detail\r\n", 0) == 0);
    CHECK_THAT(csv->body, Catch::Contains("E4001") && Catch::Contains("decision,deny"));
    CHECK_THAT(csv->body, Catch::Contains(",'=cmd|' /C calc'!A0,"));  // a formula is defused
    const auto audit = web.audit(10);
    CHECK(audit[0].record.action == "history_export");
    CHECK(audit[0].record.actor == "gao");
    CHECK(std::count_if(audit.begin(), audit.end(), [](const auto& a) {
              return a.record.action == "history_search" && a.record.target == "E4001";
          }) >= 1);
}

TEST_CASE("health and the audit trail for the admin, snapshots only from the snapshot directories", "[web][http][health]") {
    WebFixture web;
    Browser ada(web.client());
    ada.login_as("ada");
    const json health = body_of(ada.get("/api/health"));
    REQUIRE(health["status"].is_object());
    CHECK(health["status"]["gateway"] == "test-gw");
    CHECK(health["status"]["terminals"].size() == 3);
    CHECK(health["disk"]["free_bytes"].get<double>() > 0);
    CHECK(health["web"]["accounts"] == 3);
    CHECK(health["web"]["tls"] == false);
    const json audit = body_of(ada.get("/api/audit?limit=5"));
    REQUIRE_FALSE(audit["audit"].empty());
    CHECK(audit["audit"][0]["action"] == "login");

    const std::int64_t id = raise_alert(web, ada);
    CHECK(ada.get("/api/snapshot?alert=" + std::to_string(id))->status == 404);  // a door alert has no snapshot
    CHECK(ada.get("/api/snapshot?alert=x")->status == 400);
    CHECK(ada.get("/api/snapshot")->status == 400);
    CHECK(ada.get("/api/snapshot?screening=12345")->status == 404);
}

TEST_CASE("the users file is the truth: a removed account or a changed password ends its sessions at once",
          "[web][http][accounts]") {
    WebFixture web;
    Browser gao(web.client()), vera(web.client());
    gao.login_as("gao");
    vera.login_as("vera");
    auto users = daemon::web::UsersFile::load(web.users_path());
    users.remove("gao");
    auto vera_account = *users.find("vera");
    vera_account.role = daemon::web::Role::admin;
    users.put(vera_account);
    users.save(web.users_path());
    REQUIRE(eventually([&] { return gao.get("/api/session")->status == 401; }, 30s));
    REQUIRE(eventually([&] { return body_of(vera.get("/api/session"))["role"] == "admin"; }, 30s));
    CHECK(vera.get("/api/health")->status == 200);
    CHECK(gao.login("gao", password_of("gao"))->status == 401);

    vera_account.password_hash = daemon::web::hash_password("a brand new password");
    users.put(vera_account);
    users.save(web.users_path());
    REQUIRE(eventually([&] { return vera.get("/api/session")->status == 401; }, 30s));
    CHECK(vera.login("vera", "a brand new password")->status == 200);
}

TEST_CASE("with a certificate the console speaks HTTPS only, and its cookie is Secure with the __Host- prefix",
          "[web][http][tls]") {
    TempDir certs;
    const std::string crt = (certs / "web.crt").string(), key = (certs / "web.key").string();
    const auto made = run_command("/usr/bin/openssl",
                                  {"req", "-x509", "-newkey", "rsa:2048", "-days", "2", "-nodes", "-keyout", key, "-out", crt,
                                   "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"},
                                  certs.path());
    REQUIRE(made.exit_code == 0);
    std::filesystem::permissions(key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    WebFixture web("", "tls_certificate_file = \"" + crt + "\"\ntls_key_file = \"" + key + "\"\n");
    REQUIRE(web.tls());
    Browser gao(web.client(crt));
    auto ok = gao.login("gao", password_of("gao"));
    REQUIRE(ok);
    REQUIRE(ok->status == 200);
    CHECK_THAT(ok->get_header_value("Set-Cookie"),
               Catch::StartsWith("__Host-gatehouse=") && Catch::Contains("; Secure") && Catch::Contains("HttpOnly"));
    CHECK_THAT(ok->get_header_value("Strict-Transport-Security"), Catch::Contains("max-age="));
    CHECK(body_of(gao.get("/api/session"))["user"] == "gao");
    const json health = body_of(gao.get("/api/board"));
    CHECK(health["gates"].size() == 2);
    // Plain HTTP on the TLS port gets nowhere.
    httplib::Client plain("127.0.0.1", web.port());
    plain.set_read_timeout(std::chrono::seconds(3));
    auto refused = plain.Get("/api/session");
    CHECK((!refused || refused->status >= 400));
}

TEST_CASE("the console refuses to start with a TLS key or a users file others may read", "[web][http][tls]") {
    TempDir certs;
    const std::string crt = (certs / "web.crt").string(), key = (certs / "web.key").string();
    REQUIRE(run_command("/usr/bin/openssl", {"req", "-x509", "-newkey", "rsa:2048", "-days", "2", "-nodes", "-keyout", key,
                                             "-out", crt, "-subj", "/CN=127.0.0.1"},
                        certs.path())
                .exit_code == 0);
    std::filesystem::permissions(key, std::filesystem::perms::others_read, std::filesystem::perm_options::add);
    CHECK_THROWS_WITH(WebFixture("", "tls_certificate_file = \"" + crt + "\"\ntls_key_file = \"" + key + "\"\n"),
                      Catch::Contains("chmod 0600"));
    CHECK_THROWS_WITH(WebFixture("", "tls_certificate_file = \"" + key + "\"\ntls_key_file = \"" + (certs / "none.key").string() + "\"\n"),
                      Catch::Contains("tls_key_file"));

    TempDir dir;
    write_users_file(dir / "users");
    std::filesystem::permissions(dir / "users", std::filesystem::perms::others_read, std::filesystem::perm_options::add);
    CHECK_THROWS_WITH(GatewayFixture(1, "[web]\nlisten = \"127.0.0.1:0\"\nusers_file = \"" + (dir / "users").string() + "\"\n"),
                      Catch::Contains("others may read it"));
}

TEST_CASE("ids that start again after the retention emptied a table are followed, not waited for", "[web][http][live]") {
    WebFixture web;
    Browser vera(web.client());
    vera.login_as("vera");
    TestTerminal card(web.gateway().context(), web.gateway().endpoint(), "t2");
    auto request = [&](const std::string& id) {
        card.send({{"v", 1}, {"type", "access_request"}, {"terminal", "t2"}, {"request", id}, {"person", "E5001"}, {"method", "card"}});
        REQUIRE(card.expect_reply()["type"] == "decision");
    };
    request("r-1");
    request("r-2");
    SseReader live(web, vera);
    REQUIRE(live.status() == 200);
    {
        // What the purge does to a table whose rows all aged out: SQLite numbers the next row 1 again.
        SQLite::Database db(web.gateway().ledger_path().string(), SQLite::OPEN_READWRITE, 5000);
        db.exec("DELETE FROM decisions");
    }
    REQUIRE(live.wait_for("reload", 1).size() == 1);  // the feed noticed within its one-second poll
    request("r-3");
    const auto decisions = live.wait_for("decision", 1);
    REQUIRE(decisions.size() == 1);
    CHECK(decisions[0].data["request"] == "r-3");
    CHECK(decisions[0].data["id"] == 1);
    CHECK_THAT(decisions[0].id, Catch::Contains(".d1."));
}

TEST_CASE("evidence snapshots are served from the snapshot directories, and a row naming another file gets nothing",
          "[web][http][snapshot]") {
    // A camera at g1 screens the febrile person of a synthetic scene: a screening with its snapshot, and a fever alert.
    WebFixture web("[[cameras]]\nid = \"cam1\"\ngate = \"g1\"\nsource = \"synthetic:" + std::string(GATEHOUSE_TEST_DATA) +
                   "/scenes/one_febrile.json\"\nreference = \"auto@35\"\n");
    Browser vera(web.client());
    vera.login_as("vera");
    json fever;
    REQUIRE(eventually([&] {
        const json alerts = body_of(vera.get("/api/alerts?kind=fever"))["alerts"];
        if (alerts.empty() || alerts[0]["snapshot"].is_null()) return false;
        fever = alerts[0];
        return true;
    }, 30s));
    auto image = vera.get("/api/snapshot?alert=" + std::to_string(fever["id"].get<std::int64_t>()));
    REQUIRE(image);
    REQUIRE(image->status == 200);
    CHECK(image->get_header_value("Content-Type") == "image/jpeg");
    CHECK(image->body.size() > 1000);
    CHECK(image->body.rfind("\xFF\xD8", 0) == 0);  // a JPEG
    const json screenings = body_of(vera.get("/api/board"))["gates"][0]["screenings"];
    REQUIRE_FALSE(screenings.empty());
    CHECK(vera.get("/api/snapshot?screening=" + std::to_string(screenings[0]["id"].get<std::int64_t>()))->status == 200);

    // A row that names a file outside the snapshot directories (a tampered or foreign ledger) serves nothing.
    {
        SQLite::Database db(web.gateway().ledger_path().string(), SQLite::OPEN_READWRITE, 5000);
        db.exec("INSERT INTO screenings (id, camera, gate, screened_ms, verdict, threshold, snapshot) "
                "VALUES (900000, 'cam1', 'g1', 0, 'normal', 37.3, '/etc/passwd')");
        db.exec("INSERT INTO screenings (id, camera, gate, screened_ms, verdict, threshold, snapshot) VALUES (900001, 'cam1', "
                "'g1', 0, 'normal', 37.3, '" + (web.gateway().ledger_path().parent_path() / "snapshots/cam1/../../users").string() + "')");
    }
    for (const char* id : {"900000", "900001"}) {
        auto r = vera.get(std::string("/api/snapshot?screening=") + id);
        REQUIRE(r);
        CHECK(r->status == 404);
        CHECK_THAT(r->body, !Catch::Contains("root:") && !Catch::Contains("[gateway]"));
    }
}

TEST_CASE("reload [web]: every key waits for a restart, the console keeps its limits and its sessions",
          "[web][http][reload]") {
    WebFixture web("max_live_clients = 1\n");
    Browser vera(web.client());
    vera.login_as("vera");
    SseReader first(web, vera);
    REQUIRE(first.status() == 200);
    web.gateway().edit_config("max_live_clients = 1", "max_live_clients = 5\nsession_idle_timeout_s = 60");
    const json reply = web.gateway().control({{"v", 1}, {"cmd", "reload"}});
    CAPTURE(reply.dump());
    REQUIRE(reply["ok"] == true);
    const auto lists = [&](const char* field, const std::string& key) {
        const auto& keys = reply.at(field);
        return std::find(keys.begin(), keys.end(), key) != keys.end();
    };
    for (const std::string key : {"web.max_live_clients", "web.session_idle_timeout_s"}) {
        CHECK(lists("restart_required", key));
        CHECK_FALSE(lists("applied", key));
    }
    CHECK(reply["failed"].empty());
    CHECK_THAT(web.gateway().process().stderr_text(),
               Catch::Contains("web.session_idle_timeout_s, web.max_live_clients take effect only at a restart"));
    // The running console is untouched: the session and its stream go on, and the bound is still one screen.
    CHECK(vera.get("/api/session")->status == 200);
    SseReader second(web, vera);
    CHECK(second.status() == 503);
    web.force_door();
    CHECK(first.wait_for("alert", 1).size() == 1);
}
