// The daily report upstream: the real daemon sends the previous day's report through the outbox to a real
// mosquitto subscriber and to a chat robot receiver, exactly once per day across a restart and an outage.
#include <catch2/catch.hpp>

#include <mutex>
#include <set>

#include <SQLiteCpp/Database.h>

#include "gatehouse/daemon/local_time_zone.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "gatehouse/storage/ledger.hpp"
#include "eventually.hpp"
#include "gateway_fixture.hpp"
#include "http_receiver.hpp"
#include "mosquitto_broker.hpp"
#include "upstream_records.hpp"

using namespace gatehouse;
using namespace gatehouse::test;
using nlohmann::json;

namespace {

// Report days as each receiver saw them, one entry per delivery.
std::vector<std::string> mqtt_days(MqttSubscriber& subscriber) {
    std::vector<std::string> days;
    for (const auto& m : subscriber.messages()) {
        if (m.topic.size() < 13 || m.topic.substr(m.topic.size() - 13) != "/daily_report") continue;
        days.push_back(json::parse(m.payload)["record"]["day"].get<std::string>());
    }
    return days;
}

// The requests a chat robot receiver answered with ok (an outage answers 503 and those do not count).
class RobotAnswers {
public:
    HttpReceiver::Responder responder() {
        return [this](const ReceivedRequest&, std::size_t index) {
            std::lock_guard lock(mutex_);
            if (!up_) return Answer{503, "{}"};
            ok_.insert(index);
            return Answer{200, R"({"errcode":0,"errmsg":"ok"})"};
        };
    }
    void set_up(bool up) {
        std::lock_guard lock(mutex_);
        up_ = up;
    }
    bool answered_ok(std::size_t index) {
        std::lock_guard lock(mutex_);
        return ok_.count(index) > 0;
    }

private:
    std::mutex mutex_;
    bool up_ = true;
    std::set<std::size_t> ok_;
};

std::vector<std::string> chat_days(HttpReceiver& robot, RobotAnswers& answers, const std::vector<std::string>& candidates) {
    std::vector<std::string> days;
    const auto requests = robot.requests();
    for (std::size_t i = 0; i < requests.size(); ++i) {
        if (!answers.answered_ok(i)) continue;
        const auto& r = requests[i];
        const std::string text = json::parse(r.body)["markdown"]["content"].get<std::string>();
        for (const auto& day : candidates) {
            if (text.find("Daily report " + day) != std::string::npos) days.push_back(day);
        }
    }
    return days;
}

std::string config(int broker_port, const std::string& robot_url) {
    return mqtt_forwarding(broker_port) + "\n[[forwarding.sinks]]\nname = \"duty-wecom\"\ntype = \"wecom\"\nurl = \"" + robot_url +
           "\"\nmin_interval_ms = 50\nrate_limit_messages = 1000\n\n[reports]\ndaily_upstream_at = \"00:00\"\n";
}

// The upstream of both tests: a real mosquitto broker with a persistent subscriber, and a chat robot receiver.
struct Upstream {
    TempDir broker_dir;
    MosquittoBroker broker{broker_dir.path()};
    MqttSubscriber platform{broker.port(), "gatehouse/#", "report-platform", /*clean_session=*/false};
    RobotAnswers answers;
    HttpReceiver robot{answers.responder()};

    std::string gateway_config() { return config(broker.port(), robot.url()); }
};

}  // namespace

TEST_CASE("the daily report reaches MQTT and the chat robot once, and a restart sends nothing again",
          "[integration][reports][forwarding]") {
    Upstream up;
    auto& [broker_dir, broker, platform, answers, robot] = up;
    GatewayFixture gw(2, up.gateway_config());
    // The fixture names no zone: the system's, as the daemon sees it.
    const auto today = daemon::LocalTimeZone::system().date_of(ipc::utc_now_ms());
    const std::string d1 = today.plus_days(-1).to_string(), d2 = today.plus_days(-2).to_string();
    const std::vector<std::string> days = {d2, d1};

    // At start the scheduled time (00:00) has passed: yesterday's report goes out, and only yesterday's.
    REQUIRE(eventually([&] { return !mqtt_days(platform).empty() && !chat_days(robot, answers, days).empty(); }, std::chrono::seconds(20)));
    const json first = json::parse(platform.messages().back().payload);
    CHECK(first["lane"] == "alert");
    CHECK(first["kind"] == "daily_report");
    CHECK(first["record"]["report"] == "test-gw:daily:" + d1);
    CHECK(first["record"]["zero_report"] == true);
    const std::string markdown = json::parse(robot.requests().back().body)["markdown"]["content"].get<std::string>();
    CHECK(markdown.find("零报告 / Zero report: no abnormal temperature") != std::string::npos);

    gw.process().signal(SIGTERM);
    REQUIRE(gw.process().wait() == 0);
    gw.start();
    // The new scheduler has looked at the ledger twice and found the day sent.
    REQUIRE(eventually([&] { return gw.status()["reports"].value("checks", 0) >= 2; }, std::chrono::seconds(60)));
    CHECK(gw.status()["reports"]["last_sent_day"] == d1);
    CHECK(mqtt_days(platform) == std::vector<std::string>{d1});
    CHECK(chat_days(robot, answers, days) == std::vector<std::string>{d1});
}

TEST_CASE("days missed while the gateway was down go once each, through an upstream outage and a restart",
          "[integration][reports][forwarding]") {
    Upstream up;
    auto& [broker_dir, broker, platform, answers, robot] = up;
    GatewayFixture gw(2, up.gateway_config(), "", "", Transport::plaintext, /*start_now=*/false);
    const auto today = daemon::LocalTimeZone::system().date_of(ipc::utc_now_ms());
    const std::string d1 = today.plus_days(-1).to_string(), d2 = today.plus_days(-2).to_string(), d3 = today.plus_days(-3).to_string();
    const std::vector<std::string> days = {d3, d2, d1};
    {
        // The gateway sent its report for three days ago and was down since.
        storage::Ledger ledger({gw.ledger_path()});
        storage::LedgerBatch batch;
        storage::ReportRecord sent;
        sent.first_day = sent.last_day = d3;
        sent.timezone = "Etc/UTC";
        sent.format = sent.channel = "upstream";
        sent.actor = "gatehouse";
        sent.generated_ms = ipc::utc_now_ms() - 2 * 86'400'000;
        sent.sha256 = std::string(64, '0');
        batch.reports = {sent};
        ledger.append(batch);
    }
    broker.stop();
    answers.set_up(false);
    gw.start();
    // Both missed days are recorded and queued while nothing upstream answers.
    REQUIRE(eventually([&] { return gw.status()["reports"].value("last_sent_day", json()) == d1; }, std::chrono::seconds(30)));
    auto queued = [&] {
        SQLite::Database db(gw.ledger_path().string(), SQLite::OPEN_READONLY);
        return db.execAndGet("SELECT COUNT(*) FROM outbox WHERE kind = 'daily_report'").getInt();
    };
    CHECK(queued() == 2);
    // A restart during the outage queues nothing again.
    gw.process().signal(SIGTERM);
    REQUIRE(gw.process().wait() == 0);
    gw.start();
    REQUIRE(eventually([&] { return gw.status()["reports"].value("checks", 0) >= 2; }, std::chrono::seconds(60)));
    CHECK(queued() == 2);

    answers.set_up(true);
    broker.start();
    const bool arrived = eventually([&] { return mqtt_days(platform).size() >= 2 && chat_days(robot, answers, days).size() >= 2; },
                                  std::chrono::seconds(40));
    INFO("MQTT days " << json(mqtt_days(platform)).dump() << ", chat days " << json(chat_days(robot, answers, days)).dump() << ", "
                      << robot.requests().size() << " robot requests; forwarding " << gw.status()["forwarding"].dump());
    REQUIRE(arrived);
    // Every sink has confirmed everything: nothing more can come.
    REQUIRE(eventually(
        [&] {
            const json status = gw.status();  // the loop must not iterate into a destroyed temporary
            for (const auto& sink : status["forwarding"]["sinks"]) {
                if (sink["unconfirmed"].get<int>() > 0) return false;
            }
            return true;
        },
        std::chrono::seconds(20)));
    CHECK(mqtt_days(platform) == std::vector<std::string>{d2, d1});
    CHECK(chat_days(robot, answers, days) == std::vector<std::string>{d2, d1});
}
