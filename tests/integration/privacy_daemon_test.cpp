// Health data protection against the real daemon: the retention purge while terminals keep getting acks,
// private file modes, pseudonyms upstream (a real mosquitto broker), and `gatehouse erase`.
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>

#include <fcntl.h>
#include <sys/stat.h>

#include <SQLiteCpp/Database.h>

#include "gatehouse/daemon/pseudonymiser.hpp"
#include "gatehouse/storage/ledger.hpp"
#include "gateway_fixture.hpp"
#include "mosquitto_broker.hpp"
#include "test_terminal.hpp"

using namespace gatehouse::test;
using nlohmann::json;
namespace ipc = gatehouse::ipc;

namespace {

constexpr std::int64_t kDayMs = 86'400'000;

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

unsigned mode_of(const std::filesystem::path& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return 0;
    return info.st_mode & 07777;
}

std::int64_t count(const std::filesystem::path& ledger, const std::string& sql) {
    SQLite::Database db(ledger.string(), SQLite::OPEN_READONLY);
    return db.execAndGet(sql).getInt64();
}

void stop(GatewayFixture& gw) {
    gw.process().signal(SIGTERM);
    REQUIRE(gw.process().wait() == 0);
}

// Records from three weeks ago, as a gateway running then would have written them.
void write_old_records(const std::filesystem::path& ledger, int events, int decisions) {
    gatehouse::storage::Ledger old({ledger});
    const std::int64_t then = now_ms() - 21 * kDayMs;
    gatehouse::storage::LedgerBatch batch;
    for (int i = 0; i < events; ++i) {
        batch.events.push_back({"t3", 1'000'000 + i, "g2", "credential", "OLD" + std::to_string(i % 50), then + i, then + i,
                                false, R"({"method":"card"})"});
    }
    for (int i = 0; i < decisions; ++i) {
        batch.decisions.push_back({"old-" + std::to_string(i), "t1", "g1", "OLD1", "card", true, "[]", 36.5, "green", false,
                                   then + i});
    }
    old.append(batch);
}

std::string mqtt_forwarding(int port) {
    return "[forwarding]\nenabled = true\nretry_initial_ms = 200\nretry_max_ms = 1000\nmax_drain_rate = 0\n"
           "[[forwarding.sinks]]\nname = \"broker\"\ntype = \"mqtt\"\nhost = \"127.0.0.1\"\nport = " +
           std::to_string(port) + "\nclient_id = \"gatehouse-privacy-test\"\n";
}

ipc::AccessRequest access_request(const std::string& terminal, const std::string& request, const std::string& person,
                                  double celsius) {
    return {terminal, request, person, ipc::CredentialMethod::card, ipc::HealthCodeColor::green, celsius};
}

}  // namespace

TEST_CASE("the retention purge runs in batches while a terminal keeps getting acks", "[integration][retention]") {
    GatewayFixture gw(3, "[retention]\nbatch_size = 200\nbatch_pause_ms = 10\ninterval_s = 1\n");
    stop(gw);
    constexpr int kOld = 20000;
    write_old_records(gw.ledger_path(), kOld, 1000);
    gw.start();

    TestTerminal t2(gw.context(), gw.endpoint(), "t2");
    std::int64_t seq = 0;
    std::chrono::steady_clock::duration slowest{};
    json retention;
    std::vector<std::int64_t> purged_seen;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    // One event at a time, each waiting for its ack: any stall of the writer behind the purge would show here.
    while (std::chrono::steady_clock::now() < deadline) {
        const auto sent = std::chrono::steady_clock::now();
        t2.send_event(++seq);
        const auto reply = t2.expect_reply(std::chrono::seconds(10));
        REQUIRE(reply["type"] == "ack");
        REQUIRE(reply["seq"] == seq);
        slowest = std::max(slowest, std::chrono::steady_clock::now() - sent);
        if (seq % 20 == 0) {
            retention = gw.status()["retention"];
            const auto purged = retention["purged"]["events"].get<std::int64_t>();
            if (purged_seen.empty() || purged_seen.back() != purged) purged_seen.push_back(purged);
            if (purged >= kOld && retention["purged"]["decisions"] == 1000) break;
        }
    }
    // The round's summary is logged when the round ends (after the snapshot sweep).
    const auto round_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (retention["rounds"].get<int>() < 1 && std::chrono::steady_clock::now() < round_deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        retention = gw.status()["retention"];
    }
    INFO("status retention " << retention.dump() << "; stderr " << gw.process().stderr_text());
    CHECK(retention["purged"]["events"] == kOld);
    CHECK(retention["purged"]["decisions"] == 1000);
    CHECK(retention["error"].is_null());
    // The purge was seen part-way: it went in batches, acks flowing in between.
    CHECK(purged_seen.size() >= 2);
    const auto slowest_ms = std::chrono::duration_cast<std::chrono::milliseconds>(slowest).count();
    WARN("acked " << seq << " events during the purge; slowest ack " << slowest_ms << " ms; purge progress seen "
                  << purged_seen.size() << " times");
    CHECK(slowest_ms < 5000);  // generous on a loaded 2-core machine; a stalled writer would take far longer
    // Everything fresh is still there, nothing old is.
    CHECK(count(gw.ledger_path(), "SELECT COUNT(*) FROM events WHERE terminal = 't2'") == seq);
    CHECK(count(gw.ledger_path(), "SELECT COUNT(*) FROM events WHERE terminal = 't3'") == 0);
    const auto metrics = gw.control({{"v", 1}, {"cmd", "metrics"}})["text"].get<std::string>();
    CHECK_THAT(metrics, Catch::Contains("gatehouse_retention_purged_total{kind=\"events\"} " + std::to_string(kOld)));
    CHECK_THAT(gw.process().stderr_text(), Catch::Contains("retention: purged"));
}

TEST_CASE("the ledger, its -wal and -shm and the snapshot directory are the service user's alone", "[integration][privacy]") {
    GatewayFixture gw(2);
    TestTerminal t2(gw.context(), gw.endpoint(), "t2");
    t2.send_event(1);
    REQUIRE(t2.expect_reply()["type"] == "ack");
    const auto ledger = gw.ledger_path().string();
    CHECK(mode_of(ledger) == 0600);
    CHECK(mode_of(ledger + "-wal") == 0600);
    CHECK(mode_of(ledger + "-shm") == 0600);
    CHECK(mode_of(gw.dir() / "snapshots") == 0700);
    CHECK(mode_of(gw.ledger_path().parent_path()) == 0700);

    // Someone loosened the modes while the daemon was down: the next start tightens them and says so.
    stop(gw);
    REQUIRE(::chmod(ledger.c_str(), 0644) == 0);
    REQUIRE(::chmod((gw.dir() / "snapshots").c_str(), 0755) == 0);
    gw.start();
    CHECK(mode_of(ledger) == 0600);
    CHECK(mode_of(gw.dir() / "snapshots") == 0700);
    CHECK_THAT(gw.process().stderr_text(), Catch::Contains("was mode 0644, readable by group or others: tightened to 0600"));
}

TEST_CASE("a group-readable site secret stops start-up", "[integration][privacy]") {
    TempDir secrets;
    const auto secret = secrets / "site.secret";
    std::ofstream(secret) << "0123456789abcdef0123456789abcdef\n";
    REQUIRE(::chmod(secret.c_str(), 0640) == 0);
    const std::string privacy = "[privacy]\npseudonymise_upstream = true\nsite_secret_file = \"" + secret.string() + "\"\n";
    try {
        GatewayFixture gw(2, privacy);
        FAIL("gatehoused started with a group-readable site secret");
    } catch (const std::runtime_error& e) {
        CHECK_THAT(e.what(), Catch::Contains("site_secret_file") && Catch::Contains("0640"));
    }
}

TEST_CASE("upstream records and alert texts carry the pseudonym, the ledger and consoles keep the id",
          "[integration][privacy][forwarding]") {
    TempDir secrets;
    const auto secret = secrets / "site.secret";
    const std::string secret_text = "gatehouse-test-site-secret-0123456789";
    std::ofstream(secret) << secret_text << "\n";
    REQUIRE(::chmod(secret.c_str(), 0600) == 0);
    const std::string pseudonym = gatehouse::daemon::Pseudonymiser(secret_text).pseudonym("E1001");

    TempDir broker_dir;
    MosquittoBroker broker(broker_dir.path());
    MqttSubscriber upstream(broker.port(), "gatehouse/#", "campus-platform", /*clean_session=*/false);
    GatewayFixture gw(2, mqtt_forwarding(broker.port()) + "\n[privacy]\npseudonymise_upstream = true\nsite_secret_file = \"" +
                             secret.string() + "\"\n");
    TestTerminal t1(gw.context(), gw.endpoint(), "t1");
    TestTerminal t2(gw.context(), gw.endpoint(), "t2");
    t2.send_event(1);  // a credential event of E1001
    REQUIRE(t2.expect_reply()["type"] == "ack");
    t1.send(access_request("t1", "r1", "E1001", 38.9));
    REQUIRE(t1.expect_reply()["result"] == "deny");

    auto by_type = [](const std::vector<MqttMessage>& messages, const std::string& type) {
        std::vector<json> out;
        for (const auto& m : messages) {
            const json p = json::parse(m.payload, nullptr, false);
            // Other topics (the sink's online/offline status) carry no record envelope.
            if (p.is_object() && p.contains("record") && p["record"].is_object() && p["record"].value("type", "") == type) {
                out.push_back(p["record"]);
            }
        }
        return out;
    };
    REQUIRE(upstream.wait_until([&](const auto& m) {
        return !by_type(m, "event").empty() && !by_type(m, "decision").empty() && !by_type(m, "alert").empty();
    }, std::chrono::seconds(15)));
    const auto messages = upstream.messages();
    for (const auto& m : messages) {
        INFO(m.topic << " " << m.payload);
        CHECK(m.payload.find("E1001") == std::string::npos);  // the badge number never leaves the gateway
    }
    const auto event = by_type(messages, "event").front();
    CHECK(event["person"] == pseudonym);
    CHECK(event["data"]["person"] == pseudonym);
    CHECK(by_type(messages, "decision").front()["person"] == pseudonym);
    const auto alert = by_type(messages, "alert").front();
    CHECK(alert["person"] == pseudonym);
    CHECK_THAT(alert["text"].get<std::string>(), Catch::Contains(pseudonym));
    // The gate's own records keep the real id.
    CHECK(count(gw.ledger_path(), "SELECT COUNT(*) FROM decisions WHERE person = 'E1001'") == 1);
    CHECK(count(gw.ledger_path(), "SELECT COUNT(*) FROM alerts WHERE person = 'E1001' AND text LIKE '%E1001%'") == 1);
    CHECK(gw.status()["privacy"]["pseudonymise_upstream"] == true);
}

TEST_CASE("gatehouse erase removes one person's records, alerts and unsent outbox rows, and nothing of another",
          "[integration][privacy][erase]") {
    TempDir broker_dir;
    MosquittoBroker broker(broker_dir.path());
    broker.stop();  // the upstream is away: the outbox holds everything unsent
    GatewayFixture gw(2, mqtt_forwarding(broker.port()));
    TestTerminal t1(gw.context(), gw.endpoint(), "t1");
    TestTerminal t2(gw.context(), gw.endpoint(), "t2");
    int seq = 0;
    for (const std::string person : {"E1", "E2"}) {
        for (int i = 0; i < 3; ++i) {
            t2.send(t2.event(++seq, ipc::CredentialData{person, ipc::CredentialMethod::card}));
            REQUIRE(t2.expect_reply()["type"] == "ack");
        }
        t1.send(access_request("t1", "r-" + person, person, 39.1));  // fever: deny and an alert
        REQUIRE(t1.expect_reply()["result"] == "deny");
    }
    const auto ledger = gw.ledger_path();
    auto rows_of = [&](const std::string& person) {
        return count(ledger, "SELECT (SELECT COUNT(*) FROM events WHERE person = '" + person +
                                 "') + (SELECT COUNT(*) FROM decisions WHERE person = '" + person +
                                 "') + (SELECT COUNT(*) FROM alerts WHERE person = '" + person +
                                 "') + (SELECT COUNT(*) FROM outbox WHERE person = '" + person + "')");
    };
    // Wait until the alerts are committed and queued (they follow the decision in the next group commit).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (count(ledger, "SELECT COUNT(*) FROM outbox WHERE person = 'E2' AND lane = 0") == 0 &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const auto e2_before = rows_of("E2");
    REQUIRE(rows_of("E1") == 3 + 1 + 1 + 5);  // events, decision, alert; outbox: 3 events, decision, alert
    REQUIRE(e2_before == 10);
    const auto open_before = gw.status()["alerts"]["open"].get<int>();

    // Without a terminal to confirm on, erase insists on --yes.
    const auto refused = run_command(bin("gatehouse"), {"erase", "--person", "E1", "--config", gw.config_path().string()},
                                     gw.dir().path());
    CHECK(refused.exit_code == 64);
    CHECK(rows_of("E1") == 10);

    const auto dry = run_command(bin("gatehouse"), {"erase", "--person", "E1", "--config", gw.config_path().string(),
                                                    "--dry-run", "--json"}, gw.dir().path());
    REQUIRE(dry.exit_code == 0);
    CHECK(json::parse(dry.out)["would_remove"]["events"] == 3);
    CHECK(rows_of("E1") == 10);

    // With the daemon running (WAL: it goes on committing meanwhile).
    const auto erased = run_command(bin("gatehouse"), {"erase", "--person", "E1", "--config", gw.config_path().string(),
                                                       "--yes", "--json"}, gw.dir().path());
    INFO(erased.out << erased.err);
    REQUIRE(erased.exit_code == 0);
    const json report = json::parse(erased.out);
    CHECK(report["removed"]["events"] == 3);
    CHECK(report["removed"]["decisions"] == 1);
    CHECK(report["removed"]["alerts"] == 1);
    CHECK(report["removed"]["outbox"] == 5);
    CHECK_THAT(report["daemon"].get<std::string>(), Catch::Contains("forgot 1 open alerts"));
    CHECK(rows_of("E1") == 0);
    CHECK(count(ledger, "SELECT COUNT(*) FROM outbox WHERE body LIKE '%\"E1\"%'") == 0);
    CHECK(rows_of("E2") == e2_before);
    CHECK(gw.status()["alerts"]["open"].get<int>() == open_before - 1);
    // The gate goes on.
    t2.send(t2.event(++seq, ipc::CredentialData{"E3", ipc::CredentialMethod::card}));
    CHECK(t2.expect_reply()["type"] == "ack");

    // The lists are kept unless asked for; erasing again finds nothing.
    const auto again = run_command(bin("gatehouse"), {"erase", "--person", "E1", "--ledger", ledger.string(), "--yes", "--json"},
                                   gw.dir().path());
    REQUIRE(again.exit_code == 0);
    CHECK(json::parse(again.out)["removed"]["events"] == 0);
    CHECK(json::parse(again.out)["lists_kept"] == true);
}

namespace {

void write_jpeg_stub(const std::filesystem::path& file, std::int64_t mtime_ms) {
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << "\xff\xd8\xff\xe0 evidence";
    const struct timespec times[2] = {{mtime_ms / 1000, 0}, {mtime_ms / 1000, 0}};
    REQUIRE(::utimensat(AT_FDCWD, file.c_str(), times, 0) == 0);
}

}  // namespace

TEST_CASE("evidence snapshots past their retention leave the disk and the records, fresh and future ones stay",
          "[integration][retention]") {
    GatewayFixture gw(2, "[retention]\nsnapshots_days = 7\ninterval_s = 1\n");
    stop(gw);
    const auto dir = gw.dir() / "snapshots" / "cam1";
    const std::int64_t now = now_ms();
    const auto old_file = dir / "frame-000001-track-1-elevated.jpg";       // named by a 10-day-old screening
    const auto orphan = dir / "frame-000002-track-2-uncertain.jpg";        // named by nothing, 10 days old
    const auto fresh = dir / "frame-000003-track-3-elevated.jpg";          // named by a screening of today
    const auto future = dir / "frame-000004-track-4-elevated.jpg";         // stamped 3 days ahead (clock trouble)
    write_jpeg_stub(old_file, now - 10 * kDayMs);
    write_jpeg_stub(orphan, now - 10 * kDayMs);
    write_jpeg_stub(fresh, now);
    write_jpeg_stub(future, now + 3 * kDayMs);
    {
        gatehouse::storage::Ledger ledger({gw.ledger_path()});
        gatehouse::storage::LedgerBatch batch;
        batch.screenings.push_back({1, "cam1", "g1", now - 10 * kDayMs, 38.4, "elevated", std::nullopt, 37.3, old_file.string()});
        batch.screenings.push_back({2, "cam1", "g1", now, 38.2, "elevated", std::nullopt, 37.3, fresh.string()});
        gatehouse::storage::DecisionRecord d{"r1", "t1", "g1", "E7", "card", false, R"(["fever"])", 38.4, "green", false,
                                             now - 10 * kDayMs};
        d.screening = 1;
        d.snapshot = old_file.string();
        batch.decisions.push_back(d);
        gatehouse::storage::AlertRecord a;
        a.id = 1;
        a.kind = "fever";
        a.severity = "critical";
        a.gate = "g1";
        a.raised_ms = now - 10 * kDayMs;
        a.snapshot = old_file.string();
        a.text = "fever";
        batch.alerts.push_back(a);
        ledger.append(batch);
    }
    gw.start();
    json retention;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    do {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        retention = gw.status()["retention"];
    } while (retention["rounds"].get<int>() < 1 && std::chrono::steady_clock::now() < deadline);
    INFO(retention.dump());
    CHECK(retention["purged"]["snapshots"] == 1);
    CHECK(retention["purged"]["snapshot_files"] == 1);
    CHECK(retention["purged"]["orphan_snapshot_files"] == 1);
    CHECK_FALSE(std::filesystem::exists(old_file));
    CHECK_FALSE(std::filesystem::exists(orphan));
    CHECK(std::filesystem::exists(fresh));
    CHECK(std::filesystem::exists(future));
    // The references went with the file; the records themselves are within their 14 days and stay.
    CHECK(count(gw.ledger_path(), "SELECT COUNT(*) FROM screenings") == 2);
    CHECK(count(gw.ledger_path(), "SELECT COUNT(*) FROM screenings WHERE snapshot IS NOT NULL") == 1);
    CHECK(count(gw.ledger_path(), "SELECT COUNT(*) FROM decisions WHERE snapshot IS NULL AND screening = 1") == 1);
    CHECK(count(gw.ledger_path(), "SELECT COUNT(*) FROM alerts WHERE snapshot IS NULL") == 1);

    // Erasing the person of the fresh screening's decision takes that file too.
    {
        gatehouse::storage::Ledger ledger({gw.ledger_path()});
        gatehouse::storage::LedgerBatch batch;
        gatehouse::storage::DecisionRecord d{"r2", "t1", "g1", "E8", "card", false, R"(["fever"])", 38.2, "green", false, now};
        d.screening = 2;
        d.snapshot = fresh.string();
        batch.decisions.push_back(d);
        ledger.append(batch);
    }
    const auto erased = run_command(bin("gatehouse"), {"erase", "--person", "E8", "--config", gw.config_path().string(),
                                                       "--yes", "--json"}, gw.dir().path());
    INFO(erased.out << erased.err);
    REQUIRE(erased.exit_code == 0);
    const json report = json::parse(erased.out);
    CHECK(report["removed"]["screenings"] == 1);
    CHECK(report["snapshot_files_deleted"] == 1);
    CHECK_FALSE(std::filesystem::exists(fresh));
    CHECK(std::filesystem::exists(future));
    CHECK(count(gw.ledger_path(), "SELECT COUNT(*) FROM decisions WHERE person = 'E7'") == 1);
}
