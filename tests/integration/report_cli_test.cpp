// `gatehouse report` against a real ledger file: local days of Asia/Shanghai, the zero report, every output
// format (the HTML rendered by headless Chromium), the record of each report, and bad input with its exit code.
// Then the re-check disposition through the real daemon: control socket, ledger, console, report.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "gatehouse/daemon/local_time_zone.hpp"
#include "gatehouse/daemon/reports/report_formats.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "gatehouse/storage/ledger.hpp"
#include "gateway_fixture.hpp"
#include "json_lines.hpp"
#include "test_console.hpp"
#include "test_terminal.hpp"

using namespace gatehouse;
using namespace gatehouse::test;
using nlohmann::json;

namespace {

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

storage::DecisionRecord decision(const std::string& request, const std::string& gate, const std::string& person, bool grant,
                                 const char* reasons, std::int64_t at, std::optional<double> celsius = std::nullopt) {
    storage::DecisionRecord d;
    d.request = request;
    d.terminal = gate + "-card";
    d.gate = gate;
    d.person = person;
    d.method = "card";
    d.grant = grant;
    d.reasons_json = reasons;
    d.celsius = celsius;
    d.health_code = "green";
    d.decided_ms = at;
    return d;
}

// The days before yesterday and yesterday in Asia/Shanghai, with records on both sides of their local midnight.
struct ReportLedger {
    TempDir dir;
    daemon::LocalTimeZone zone = *daemon::LocalTimeZone::find("Asia/Shanghai");
    daemon::LocalDate today = zone.date_of(ipc::utc_now_ms());
    daemon::LocalDate day_a = today.plus_days(-2);
    daemon::LocalDate day_b = today.plus_days(-1);
    std::filesystem::path config = dir / "gatehouse.toml";

    ReportLedger() {
        storage::Ledger ledger({dir / "ledger.db"});
        const std::int64_t midnight = zone.day(day_b).start_ms;  // 16:00 UTC on day A
        storage::LedgerBatch b;
        b.decisions = {decision("r1", "g1", "E1", true, "[]", midnight - 5 * 3'600'000, 36.5),
                       decision("r2", "g1", "E2", true, "[]", midnight - 60'000, 36.6),  // 23:59 local, day A
                       decision("r3", "g2", "E3", false, "[\"fever\"]", midnight - 2 * 3'600'000, 38.4),
                       decision("r4", "g1", "E4", true, "[]", midnight + 60'000, 36.4),  // 00:01 local, day B
                       decision("r5", "g2", "E5", false, "[\"health_code_red\"]", midnight + 3'600'000)};
        b.decisions[4].health_code = "red";
        storage::AlertRecord fever;
        fever.id = 1;
        fever.kind = "fever";
        fever.severity = "critical";
        fever.gate = "g2";
        fever.source = "g2-card";
        fever.raised_ms = midnight - 2 * 3'600'000;
        fever.person = "E3";
        fever.celsius = 38.4;
        fever.text = "fever";
        fever.request = "r3";
        b.alerts = {fever};
        ledger.append(b);
        storage::LedgerBatch close;
        storage::AlertAction action{1, storage::AlertState::closed, "li.wei", "escorted", midnight - 3'000'000};
        action.disposition = storage::RecheckDisposition::sent_to_clinic;
        action.recheck_celsius = 38.2;
        close.alert_actions = {action};
        ledger.append(close);
        std::ofstream(config) << "[gateway]\nid = \"north-gw\"\nsite = \"east-campus\"\ntimezone = \"Asia/Shanghai\"\n"
                              << "[ledger]\npath = \"" << (dir / "ledger.db").string() << "\"\n"
                              << "[security]\ninsecure_plaintext = true\n[listen]\ncontrol = \"ipc://" << (dir / "c.sock").string()
                              << "\"\n[[gates]]\nid = \"g1\"\n[[gates]]\nid = \"g2\"\n";
    }
    CommandResult report(std::vector<std::string> args) {
        args.insert(args.begin(), {"report"});
        args.insert(args.end(), {"--config", config.string()});
        if (args[1] != "log") args.insert(args.end(), {"--as", "duty.officer"});
        return run_command(bin("gatehouse"), args, dir.path());
    }
};

}  // namespace

TEST_CASE("gatehouse report daily counts local days of gateway.timezone, with the zero report", "[integration][reports][cli]") {
    ReportLedger l;
    auto a = l.report({"daily", "--date", l.day_a.to_string(), "--format", "json"});
    INFO(a.err);
    REQUIRE(a.exit_code == 0);
    const json day_a = json::parse(a.out);
    CHECK(day_a["timezone"] == "Asia/Shanghai");
    CHECK(day_a["total"]["granted"] == 2);  // r1 and r2 (23:59 local); r4 (00:01) is the next day's
    CHECK(day_a["total"]["denied"] == 1);
    CHECK(day_a["total"]["denied_by_reason"] == json{{"fever", 1}});
    CHECK(day_a["total"]["fever"] == 1);
    CHECK(day_a["total"]["screened_terminal"] == 3);
    CHECK(day_a["zero_report"] == false);
    REQUIRE(day_a["fever_readings"].size() == 1);
    CHECK(day_a["fever_readings"][0]["person"] == "E3");
    CHECK(day_a["fever_readings"][0]["disposition"] == "sent_to_clinic");
    CHECK(day_a["fever_readings"][0]["recheck_celsius"] == 38.2);
    CHECK(day_a["generated_by"] == "duty.officer");

    auto b = l.report({"daily", "--date", "yesterday", "--out", (l.dir / "b.csv").string()});
    INFO(b.err);
    REQUIRE(b.exit_code == 0);
    const std::string csv = read_file(l.dir / "b.csv");
    CHECK(csv.rfind("\xEF\xBB\xBF", 0) == 0);
    CHECK(csv.find("零报告 / Zero report: no abnormal temperature") != std::string::npos);
    CHECK(csv.find(l.day_b.to_string()) != std::string::npos);

    // Each report is in the ledger: who, which day, the hash of what was handed out.
    auto log = l.report({"log", "--json"});
    REQUIRE(log.exit_code == 0);
    const auto records = json_lines(log.out);
    REQUIRE(records.size() == 2);
    CHECK(records[0]["first_day"] == l.day_a.to_string());
    CHECK(records[0]["format"] == "json");
    CHECK(records[0]["sha256"] == daemon::reports::sha256_hex(a.out));
    CHECK(records[1]["first_day"] == l.day_b.to_string());
    CHECK(records[1]["actor"] == "duty.officer");
    CHECK(records[1]["sha256"] == daemon::reports::sha256_hex(csv));

    auto range = l.report({"range", "--since", l.day_a.to_string(), "--until", "yesterday", "--format", "json"});
    REQUIRE(range.exit_code == 0);
    const json days = json::parse(range.out)["days"];
    REQUIRE(days.size() == 2);
    CHECK(days[0]["granted"] == 2);
    CHECK(days[1]["granted"] == 1);
    CHECK(days[1]["health_code_red"] == 1);
    CHECK(days[1]["zero_report"] == true);
}

TEST_CASE("gatehouse report refuses bad input with the documented exit codes", "[integration][reports][cli]") {
    ReportLedger l;
    auto gate = l.report({"daily", "--gate", "g9"});
    CHECK(gate.exit_code == 64);
    CHECK_THAT(gate.err, Catch::Contains("unknown gate 'g9'") && Catch::Contains("configured gates: g1, g2"));
    auto future = l.report({"daily", "--date", l.today.plus_days(1).to_string()});
    CHECK(future.exit_code == 64);
    CHECK_THAT(future.err, Catch::Contains("is in the future"));
    auto bad = l.report({"daily", "--date", "2026-02-30"});
    CHECK(bad.exit_code == 64);
    auto purged = l.report({"daily", "--date", l.today.plus_days(-40).to_string()});
    CHECK(purged.exit_code == 66);
    CHECK_THAT(purged.err, Catch::Contains("is past retention: its events (kept 14 days), screenings (kept 14 days), decisions "
                                           "(kept 14 days) were purged"));
    auto out = l.report({"daily", "--out", "/nonexistent-dir/report.csv"});
    CHECK(out.exit_code == 73);
    CHECK_THAT(out.err, Catch::Contains("cannot write /nonexistent-dir/report.csv"));
    auto backwards = l.report({"range", "--since", "yesterday", "--until", l.day_a.to_string()});
    CHECK(backwards.exit_code == 64);
    // Nothing refused was recorded as generated.
    CHECK(json_lines(l.report({"log", "--json"}).out).empty());
}

TEST_CASE("the HTML report renders in headless Chromium to a non-blank A4 page", "[integration][reports][chromium]") {
    ReportLedger l;
    const auto html = l.dir / "report.html";
    REQUIRE(l.report({"daily", "--date", l.day_a.to_string(), "--out", html.string()}).exit_code == 0);
    const std::vector<std::string> flags = {"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                            "--disable-background-networking", "--disable-component-update", "--disable-sync",
                                            "--user-data-dir=" + (l.dir / "chromium-profile").string()};
    auto with = [&](std::vector<std::string> extra) {
        std::vector<std::string> args = flags;
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    };
    const auto png = l.dir / "report.png";
    const auto shot = run_command("/usr/bin/chromium", with({"--window-size=900,1270", "--screenshot=" + png.string(), "file://" + html.string()}),
                                  l.dir.path(), std::chrono::seconds(90));
    INFO(shot.err);
    REQUIRE(std::filesystem::exists(png));
    const cv::Mat image = cv::imread(png.string(), cv::IMREAD_GRAYSCALE);
    REQUIRE(!image.empty());
    // Text, table rules and chart bars: a good share of the page is not white, and some of it is dark.
    const double inked = static_cast<double>(cv::countNonZero(image < 200)) / static_cast<double>(image.total());
    const double dark = static_cast<double>(cv::countNonZero(image < 80)) / static_cast<double>(image.total());
    CHECK(inked > 0.02);
    CHECK(dark > 0.005);
    const auto pdf = l.dir / "report.pdf";
    const auto printed = run_command("/usr/bin/chromium", with({"--no-pdf-header-footer", "--print-to-pdf=" + pdf.string(),
                                                                "file://" + html.string()}),
                                     l.dir.path(), std::chrono::seconds(90));
    INFO(printed.err);
    REQUIRE(std::filesystem::exists(pdf));
    const std::string document = read_file(pdf);
    CHECK(document.rfind("%PDF", 0) == 0);
    // Every page is A4: 595 × 842 points.
    const auto box = document.find("/MediaBox [");
    REQUIRE(box != std::string::npos);
    double x0 = -1, y0 = -1, width = 0, height = 0;
    REQUIRE(std::sscanf(document.c_str() + box + 11, "%lf %lf %lf %lf", &x0, &y0, &width, &height) == 4);
    CHECK(width == Approx(595.3).margin(1.0));
    CHECK(height == Approx(841.9).margin(1.0));
}

TEST_CASE("closing a fever alert records the re-check: control socket, ledger, console, report", "[integration][reports][alerts]") {
    GatewayFixture gw(2, "", "[gates.policy]\nrequire_health_code = false\n");
    TestConsole console(gw.context(), gw.console_endpoint(), {"alert.", "alert_state."});
    gw.wait_for_console_topics(2);
    TestTerminal t1(gw.context(), gw.endpoint(), "t1");
    t1.send({{"v", 1}, {"type", "access_request"}, {"terminal", "t1"}, {"request", "r1"}, {"person", "E7"},
             {"method", "card"}, {"celsius", 38.6}});
    REQUIRE(t1.expect_reply()["result"] == "deny");
    const auto alert = console.expect("alert.fever.g1");
    CHECK(alert.body["request"] == "r1");
    const std::int64_t id = alert.body["id"].get<std::int64_t>();
    auto close = [&](json extra) {
        json request = {{"v", 1}, {"cmd", "alert_close"}, {"id", id}, {"actor", "li.wei"}, {"note", "re-checked"}};
        request.update(extra);
        return gw.control(request);
    };
    CHECK_THAT(close(json::object())["error"].get<std::string>(), Catch::Contains("closing it needs the re-check's \"disposition\""));
    CHECK_THAT(close({{"disposition", "home"}})["error"].get<std::string>(), Catch::Contains("is not one of"));
    CHECK_THAT(close({{"disposition", "recheck_normal"}, {"recheck_celsius", 38.1}})["error"].get<std::string>(),
               Catch::Contains("at or over the gate's threshold 37.3"));
    CHECK_THAT(close({{"disposition", "sent_home"}, {"recheck_celsius", "38"}})["error"].get<std::string>(),
               Catch::Contains("must be a number"));
    CHECK_THAT(close({{"disposition", "other"}, {"note", ""}})["error"].get<std::string>(), Catch::Contains("needs a \"note\""));
    CHECK_THAT(gw.control({{"v", 1}, {"cmd", "alert_ack"}, {"id", id}, {"actor", "li.wei"}, {"disposition", "sent_home"}})["error"]
                   .get<std::string>(),
               Catch::Contains("recorded when the alert is closed"));
    // The CLI takes it as options, and the daemon records it.
    const auto cli = run_command(bin("gatehouse"),
                                 {"alerts", "close", std::to_string(id), "--note", "escorted to the clinic", "--disposition",
                                  "sent_to_clinic", "--recheck", "38.3", "--as", "li.wei", "--control", gw.control_endpoint()},
                                 gw.dir().path());
    INFO(cli.err);
    REQUIRE(cli.exit_code == 0);
    const auto state = console.expect("alert_state.");
    CHECK(state.body["disposition"] == "sent_to_clinic");
    CHECK(state.body["recheck_celsius"] == 38.3);
    {
        storage::Ledger ledger({gw.ledger_path(), /*read_only=*/true});
        const auto actions = ledger.alert_actions(id);
        REQUIRE(actions.size() == 1);
        CHECK(actions[0].disposition == storage::RecheckDisposition::sent_to_clinic);
        CHECK(actions[0].recheck_celsius == 38.3);
    }
    const auto show = run_command(bin("gatehouse"), {"alerts", "show", std::to_string(id), "--ledger", gw.ledger_path().string(), "--json"},
                                  gw.dir().path());
    CHECK(json::parse(show.out)["actions"][0]["disposition"] == "sent_to_clinic");
    const auto report = run_command(bin("gatehouse"), {"report", "daily", "--config", gw.config_path().string(), "--format", "json"},
                                    gw.dir().path());
    INFO(report.err);
    REQUIRE(report.exit_code == 0);
    const json readings = json::parse(report.out)["fever_readings"];
    REQUIRE(readings.size() == 1);
    CHECK(readings[0]["person"] == "E7");
    CHECK(readings[0]["disposition"] == "sent_to_clinic");
    CHECK(readings[0]["recheck_celsius"] == 38.3);
    CHECK(readings[0]["closed_by"] == "li.wei");
}
