// The daily report's figures against rows counted independently: a generated ledger over three local days in
// Asia/Shanghai (whose midnight is 16:00 UTC, so every local day spans two UTC days), the last without any fever.
// The test keeps every row it writes and counts each figure with plain loops over fixed +08:00 windows, never
// through LocalTimeZone or the report's SQL.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "gatehouse/daemon/reports/daily_report.hpp"
#include "gatehouse/daemon/reports/report_formats.hpp"
#include "gatehouse/daemon/reports/report_scheduler.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "gatehouse/storage/ledger.hpp"
#include "temp_dir.hpp"

using namespace gatehouse;
using namespace gatehouse::daemon;
using nlohmann::json;

namespace {

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 24 * kHour;
const std::vector<std::string> kGates = {"g1", "g2"};

std::int64_t utc(const char* text) { return *ipc::parse_utc_timestamp(text); }

// Everything written, kept for counting.
struct Written {
    std::vector<storage::ScreeningRecord> screenings;
    std::vector<storage::DecisionRecord> decisions;
    std::vector<storage::AlertRecord> alerts;
    std::vector<storage::AlertAction> actions;
    std::vector<storage::EventRecord> events;
};

bool has_reason(const storage::DecisionRecord& d, const std::string& reason) {
    return d.reasons_json.find("\"" + reason + "\"") != std::string::npos;
}

// Three local days 2026-11-20..22 (+08:00) and two hours either side; no fever at all on the 22nd.
Written generate(storage::Ledger& ledger, std::int64_t first_start) {
    std::mt19937 rng(17);
    auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
    Written w;
    std::int64_t screening_id = 0, alert_id = 0, seq = 0;
    const std::int64_t from = first_start - 2 * kHour, until = first_start + 3 * kDay + 2 * kHour;
    const std::int64_t fever_free = first_start + 2 * kDay;
    int person = 0, request = 0;
    for (std::int64_t t = from; t < until; t += std::uniform_int_distribution<std::int64_t>(60'000, 900'000)(rng)) {
        const std::string gate = kGates[static_cast<std::size_t>(chance(0.4))];
        const std::string terminal = gate + "-card";
        const bool fever_allowed = t < fever_free;
        const std::string who = "E" + std::to_string(1000 + (person++ % 300));
        storage::DecisionRecord d;
        d.request = "r" + std::to_string(++request);
        d.terminal = terminal;
        d.gate = gate;
        d.person = who;
        d.method = "card";
        d.decided_ms = t + 400;
        const double kind = std::uniform_real_distribution<double>(0, 1)(rng);
        std::vector<std::string> reasons;
        if (kind < 0.75) {  // a camera screening first
            storage::ScreeningRecord s;
            s.id = ++screening_id;
            s.camera = gate + "-cam";
            s.gate = gate;
            s.screened_ms = t;
            s.threshold_celsius = 37.3;
            const double v = std::uniform_real_distribution<double>(0, 1)(rng);
            if (fever_allowed && v < 0.06) {
                s.verdict = "elevated";
                s.celsius = 37.3 + std::uniform_int_distribution<int>(0, 15)(rng) / 10.0;
            } else if (v < 0.2) {
                s.verdict = "uncertain";
                s.reason = "no_face";
            } else {
                s.verdict = "normal";
                s.celsius = 36.0 + std::uniform_int_distribution<int>(0, 9)(rng) / 10.0;
            }
            w.screenings.push_back(s);
            if (s.verdict == "elevated") {
                storage::AlertRecord a;
                a.id = ++alert_id;
                a.kind = "fever";
                a.severity = "critical";
                a.gate = gate;
                a.source = s.camera;
                a.raised_ms = t + 1;
                a.celsius = s.celsius;
                a.text = "fever";
                a.screening = s.id;
                w.alerts.push_back(a);
                if (chance(0.7)) {
                    storage::AlertAction close{a.id, storage::AlertState::closed, "li.wei", "re-checked", t + 600'000};
                    close.disposition = chance(0.5) ? storage::RecheckDisposition::sent_home : storage::RecheckDisposition::recheck_normal;
                    if (chance(0.8)) close.recheck_celsius = *close.disposition == storage::RecheckDisposition::sent_home ? 38.0 : 36.8;
                    w.actions.push_back(close);
                }
            }
            if (chance(0.1)) {  // walked away: no decision uses this screening
                continue;
            }
            d.screening = s.id;
            if (s.verdict == "elevated") reasons.push_back("fever");
            if (s.verdict == "uncertain") reasons.push_back("screening_uncertain");
            d.celsius = s.celsius;
        } else if (kind < 0.85 && fever_allowed && chance(0.3)) {  // the terminal's own reading, at or over 37.3
            d.celsius = 37.5 + std::uniform_int_distribution<int>(0, 10)(rng) / 10.0;
            reasons.push_back("fever");
        } else if (kind < 0.85) {
            d.celsius = 36.5;
        } else if (kind < 0.92) {  // a terminal temperature event, no access request
            storage::EventRecord e{terminal, ++seq, gate, "temperature", who, t, t + 5, false, "{}"};
            const double c = fever_allowed && chance(0.3) ? 37.8 : 36.4;
            e.data_json = json{{"person", who}, {"celsius", c}}.dump();
            w.events.push_back(e);
            continue;
        }
        const double code = std::uniform_real_distribution<double>(0, 1)(rng);
        d.health_code = code < 0.04 ? "red" : code < 0.1 ? "yellow" : "green";
        if (*d.health_code == "red") reasons.insert(reasons.begin(), "health_code_red");
        if (*d.health_code == "yellow") reasons.insert(reasons.begin(), "health_code_yellow");
        // allow_and_alert at g2: an uncertain screening alone lets the person through, with an alert.
        const bool only_uncertain = reasons.size() == 1 && reasons[0] == "screening_uncertain";
        d.grant = reasons.empty() || (only_uncertain && gate == "g2");
        d.alert = only_uncertain && gate == "g2";
        d.reasons_json = json(reasons).dump();
        w.decisions.push_back(d);
        const bool terminal_fever = has_reason(d, "fever") && !d.screening;
        if (terminal_fever || (only_uncertain && !d.grant)) {
            storage::AlertRecord a;
            a.id = ++alert_id;
            a.kind = terminal_fever ? "fever" : "denied";
            a.severity = terminal_fever ? "critical" : "info";
            a.gate = gate;
            a.source = terminal;
            a.raised_ms = d.decided_ms;
            a.person = who;
            a.celsius = d.celsius;
            a.text = a.kind;
            a.screening = d.screening;
            a.request = d.request;
            w.alerts.push_back(a);
            if (chance(0.6)) {
                storage::AlertAction close{a.id, storage::AlertState::closed, "zhang.min", "sent to clinic", d.decided_ms + 300'000};
                close.disposition = storage::RecheckDisposition::sent_to_clinic;
                w.actions.push_back(close);
            }
        }
    }
    // Offline periods: one across the local midnight of the 20th/21st (23:40 - 00:20 local), one camera fault still open.
    auto offline = [&](const char* kind, const std::string& gate, const std::string& source, std::int64_t at,
                       std::optional<std::int64_t> closed) {
        storage::AlertRecord a;
        a.id = ++alert_id;
        a.kind = kind;
        a.severity = "warning";
        a.gate = gate;
        a.source = source;
        a.raised_ms = at;
        a.text = kind;
        w.alerts.push_back(a);
        if (closed) w.actions.push_back({a.id, storage::AlertState::closed, "gatehouse", "back", *closed});
    };
    offline("terminal_offline", "g1", "g1-card", first_start + kDay - 20 * 60'000, first_start + kDay + 20 * 60'000);
    offline("camera_fault", "g2", "g2-cam", first_start + 2 * kDay + 22 * kHour, std::nullopt);
    storage::LedgerBatch batch;
    batch.screenings = w.screenings;
    batch.decisions = w.decisions;
    batch.alerts = w.alerts;
    batch.events = w.events;
    ledger.append(batch);
    storage::LedgerBatch closes;
    closes.alert_actions = w.actions;
    ledger.append(closes);
    return w;
}

// The independent count of every figure of one gate ("" = all) in [start, end).
json expected(const Written& w, const std::string& gate, std::int64_t start, std::int64_t end, std::int64_t now) {
    auto in = [&](std::int64_t t, const std::string& g) { return t >= start && t < end && (gate.empty() || g == gate); };
    std::int64_t camera = 0, terminal = 0, temperature_events = 0, granted = 0, denied = 0, fever = 0, uncertain = 0,
                 uncertain_denied = 0, red = 0, yellow = 0, unchecked = 0, alerts = 0, terminal_off = 0, camera_off = 0;
    std::map<std::string, std::int64_t> reasons;
    std::vector<std::int64_t> passages(24), alerts_hourly(24);
    std::set<std::int64_t> elevated;
    for (const auto& s : w.screenings) {
        if (s.verdict == "elevated") elevated.insert(s.id);
        if (!in(s.screened_ms, s.gate)) continue;
        ++camera;
        uncertain += s.verdict == "uncertain";
        fever += s.verdict == "elevated";
    }
    for (const auto& d : w.decisions) {
        if (!in(d.decided_ms, d.gate)) continue;
        terminal += d.celsius && !d.screening;
        if (d.grant) {
            ++granted;
            ++passages[static_cast<std::size_t>((d.decided_ms - start) / kHour)];
            unchecked += d.alert;
        } else {
            ++denied;
            for (const auto& r : json::parse(d.reasons_json)) ++reasons[r.get<std::string>()];
            uncertain_denied += has_reason(d, "screening_uncertain");
        }
        red += d.health_code == "red";
        yellow += d.health_code == "yellow";
        fever += has_reason(d, "fever") && (!d.screening || !elevated.count(*d.screening));
    }
    for (const auto& e : w.events) {
        if (!in(e.occurred_ms, e.gate)) continue;
        ++temperature_events;
        fever += json::parse(e.data_json)["celsius"].get<double>() >= 37.3;
    }
    for (const auto& a : w.alerts) {
        if (in(a.raised_ms, a.gate)) {
            ++alerts;
            ++alerts_hourly[static_cast<std::size_t>((a.raised_ms - start) / kHour)];
        }
        if (a.kind != "terminal_offline" && a.kind != "camera_fault") continue;
        if (!gate.empty() && a.gate != gate) continue;
        std::int64_t closed = std::min(now, end);
        for (const auto& c : w.actions) {
            if (c.alert == a.id) closed = c.at_ms;
        }
        const std::int64_t ms = std::max<std::int64_t>(0, std::min(closed, end) - std::max(a.raised_ms, start));
        (a.kind == "camera_fault" ? camera_off : terminal_off) += ms;
    }
    json by_reason = json::object();
    for (const auto& [r, n] : reasons) by_reason[r] = n;
    return {{"screened", camera + terminal},   {"screened_camera", camera},  {"screened_terminal", terminal},
            {"temperature_events", temperature_events}, {"granted", granted}, {"denied", denied},
            {"denied_by_reason", by_reason},   {"fever", fever},             {"uncertain", uncertain},
            {"uncertain_denied", uncertain_denied}, {"health_code_red", red}, {"health_code_yellow", yellow},
            {"unchecked_passes", unchecked},   {"alerts", alerts},           {"terminal_offline_ms", terminal_off},
            {"camera_offline_ms", camera_off}, {"hourly_passages", passages}, {"hourly_alerts", alerts_hourly}};
}

void check_figures(const json& got, const json& want) {
    for (auto it = want.begin(); it != want.end(); ++it) {
        INFO("figure " << it.key());
        CHECK(got.at(it.key()) == *it);
    }
}

}  // namespace

TEST_CASE("the daily report's figures match rows counted independently, per local day in Asia/Shanghai",
          "[daemon][reports]") {
    test::TempDir dir;
    storage::Ledger ledger({dir / "ledger.db"});
    const std::int64_t first_start = utc("2026-11-19T16:00:00Z");  // 2026-11-20 00:00 +08:00
    const Written w = generate(ledger, first_start);
    const std::int64_t now = first_start + 3 * kDay + 3 * kHour;

    reports::ReportSetting setting;
    setting.zone = *LocalTimeZone::find("Asia/Shanghai");
    setting.configured_gates = kGates;
    setting.thresholds = {{"g1", 37.3}, {"g2", 37.3}};
    setting.retention.events_days = setting.retention.screenings_days = setting.retention.decisions_days = 3650;
    setting.now_ms = now;
    setting.generated_by = "test";

    int fevers_seen = 0;
    for (int i = 0; i < 3; ++i) {
        const LocalDate day = LocalDate{2026, 11, 20}.plus_days(i);
        const std::int64_t start = first_start + i * kDay, end = start + kDay;
        INFO("day " << day.to_string());
        const auto report = reports::build_daily_report(ledger, setting, day);
        CHECK(report.bounds.start_ms == start);
        CHECK(report.bounds.end_ms == end);
        const json j = reports::to_json(report);
        check_figures(j["total"], expected(w, "", start, end, now));
        REQUIRE(j["gates"].size() == 2);
        for (const auto& g : j["gates"]) {
            INFO("gate " << g["gate"]);
            check_figures(g, expected(w, g["gate"].get<std::string>(), start, end, now));
        }
        // Each fever reading, with its person and the disposition recorded at the close of its alert.
        const auto want_fevers = expected(w, "", start, end, now)["fever"].get<std::int64_t>();
        CHECK(static_cast<std::int64_t>(j["fever_readings"].size()) == want_fevers);
        for (const auto& f : j["fever_readings"]) {
            const auto at = f["time_ms"].get<std::int64_t>();
            CHECK((at >= start && at < end));
            if (f["source_kind"] == "camera") {
                const auto s = std::find_if(w.screenings.begin(), w.screenings.end(), [&](const auto& x) { return x.id == f["screening"]; });
                REQUIRE(s != w.screenings.end());
                CHECK(s->verdict == "elevated");
                const auto d = std::find_if(w.decisions.begin(), w.decisions.end(), [&](const auto& x) { return x.screening == s->id; });
                CHECK(f["person"] == (d == w.decisions.end() ? json(nullptr) : json(d->person)));
            }
            if (!f["alert"].is_null()) {
                const auto id = f["alert"].get<std::int64_t>();
                const auto close = std::find_if(w.actions.begin(), w.actions.end(), [&](const auto& c) { return c.alert == id; });
                if (close == w.actions.end()) {
                    CHECK(f["disposition"].is_null());
                    CHECK(f["alert_state"] == "open");
                } else {
                    CHECK(f["disposition"] == storage::to_string(*close->disposition));
                    CHECK(f["recheck_celsius"] == (close->recheck_celsius ? json(*close->recheck_celsius) : json(nullptr)));
                    CHECK(f["closed_by"] == close->actor);
                }
            } else {
                CHECK(f["source_kind"] == "terminal_event");  // readings outside access requests raise no alert
            }
        }
        fevers_seen += static_cast<int>(want_fevers);
        // The uncertain denials come with the re-check of their `denied` alert.
        CHECK(static_cast<std::int64_t>(j["uncertain_denials"].size()) ==
              expected(w, "", start, end, now)["uncertain_denied"].get<std::int64_t>());
        CHECK(j["zero_report"] == (want_fevers == 0));
        CHECK(j["complete"] == true);
    }
    CHECK(fevers_seen > 10);  // the generated days do have fevers to count
    const auto last = reports::to_json(reports::build_daily_report(ledger, setting, {2026, 11, 22}));
    CHECK(last["zero_report"] == true);
    CHECK(last["total"]["screened"].get<int>() > 50);
    // The terminal offline across local midnight splits 20 + 20 minutes between the two days.
    CHECK(reports::to_json(reports::build_daily_report(ledger, setting, {2026, 11, 20}))["total"]["terminal_offline_minutes"] == 20.0);
    CHECK(reports::to_json(reports::build_daily_report(ledger, setting, {2026, 11, 21}))["total"]["terminal_offline_minutes"] == 20.0);
    // The open camera fault counts up to the end of its day (now is past it).
    CHECK(last["total"]["camera_offline_minutes"] == 120.0);

    SECTION("one gate") {
        setting.gate = "g2";
        const auto j = reports::to_json(reports::build_daily_report(ledger, setting, {2026, 11, 21}));
        REQUIRE(j["gates"].size() == 1);
        check_figures(j["total"], expected(w, "g2", first_start + kDay, first_start + 2 * kDay, now));
    }
    SECTION("the range report has one row per day with the same totals") {
        const auto range = reports::build_range_report(ledger, setting, {2026, 11, 20}, {2026, 11, 22});
        const json j = reports::to_json(range);
        REQUIRE(j["days"].size() == 3);
        for (int i = 0; i < 3; ++i) {
            json want = expected(w, "", first_start + i * kDay, first_start + (i + 1) * kDay, now);
            want.erase("hourly_passages");
            want.erase("hourly_alerts");
            check_figures(j["days"][static_cast<std::size_t>(i)], want);
        }
        CHECK(j["days"][2]["zero_report"] == true);
    }
    SECTION("bad input: unknown gate, a future day, a day past retention") {
        setting.gate = "g9";
        CHECK_THROWS_MATCHES(reports::build_daily_report(ledger, setting, {2026, 11, 21}), reports::ReportError,
                             Catch::Matchers::Predicate<reports::ReportError>(
                                 [](const auto& e) { return e.problem() == reports::ReportProblem::unknown_gate; }));
        setting.gate.reset();
        CHECK_THROWS_WITH(reports::build_daily_report(ledger, setting, {2026, 11, 24}),
                          "2026-11-24 is in the future (today is 2026-11-23 in Asia/Shanghai)");
        setting.retention = RetentionConfig{};
        setting.now_ms = now + 20 * kDay;
        try {
            (void)reports::build_daily_report(ledger, setting, {2026, 11, 20});
            FAIL("no error for a day past retention");
        } catch (const reports::ReportError& e) {
            CHECK(e.problem() == reports::ReportProblem::past_retention);
            CHECK_THAT(e.what(), Catch::Contains("is past retention: its events (kept 14 days), screenings (kept 14 days), "
                                                 "decisions (kept 14 days) were purged"));
        }
    }
}

TEST_CASE("the formats: CSV with a BOM, HTML with an SVG chart and signature lines, the zero report line",
          "[daemon][reports]") {
    test::TempDir dir;
    storage::Ledger ledger({dir / "ledger.db"});
    const std::int64_t first_start = utc("2026-11-19T16:00:00Z");
    (void)generate(ledger, first_start);
    reports::ReportSetting setting;
    setting.zone = *LocalTimeZone::find("Asia/Shanghai");
    setting.now_ms = first_start + 3 * kDay + kHour;
    setting.retention.events_days = setting.retention.screenings_days = setting.retention.decisions_days = 3650;
    const auto fever_day = reports::build_daily_report(ledger, setting, {2026, 11, 20});
    const auto quiet_day = reports::build_daily_report(ledger, setting, {2026, 11, 22});
    const std::string csv = reports::render(quiet_day, reports::ReportFormat::csv);
    CHECK(csv.rfind("\xEF\xBB\xBF", 0) == 0);
    CHECK(csv.find("零报告 / Zero report: no abnormal temperature") != std::string::npos);
    CHECK(csv.find("值班人 / Duty officer") != std::string::npos);
    CHECK(csv.find("\r\n") != std::string::npos);
    CHECK(reports::render(fever_day, reports::ReportFormat::csv).find("零报告") == std::string::npos);
    const std::string html = reports::render(fever_day, reports::ReportFormat::html);
    CHECK(html.find("<svg") != std::string::npos);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("size: A4") != std::string::npos);
    CHECK(html.find("负责人 / Person in charge") != std::string::npos);
    CHECK(json::parse(reports::render(quiet_day, reports::ReportFormat::json))["zero_report"] == true);
    const auto chat = reports::chat_summary(quiet_day);
    CHECK(chat.markdown.find("零报告") != std::string::npos);
    CHECK(reports::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("the scheduled report is due after the local time, for each missed day, never past retention",
          "[daemon][reports]") {
    reports::ReportSchedule s;
    s.daily_minutes = 8 * 60;
    s.setting.zone = *LocalTimeZone::find("Asia/Shanghai");
    const std::int64_t before_eight = utc("2026-11-21T23:59:00Z");  // 07:59 on the 22nd
    const std::int64_t after_eight = utc("2026-11-22T00:00:00Z");
    CHECK(reports::due_report_day(s, before_eight, std::nullopt) == LocalDate{2026, 11, 20});
    CHECK(reports::due_report_day(s, after_eight, std::nullopt) == LocalDate{2026, 11, 21});
    CHECK_FALSE(reports::due_report_day(s, after_eight, LocalDate{2026, 11, 21}));
    CHECK(reports::due_report_day(s, after_eight, LocalDate{2026, 11, 18}) == LocalDate{2026, 11, 19});
    // Down for a month: the days past retention (14 days before now: 08:00 on the 8th) are skipped, and so is the
    // 8th, whose first hours are gone.
    CHECK(reports::due_report_day(s, after_eight, LocalDate{2026, 10, 1}) == LocalDate{2026, 11, 9});
}
