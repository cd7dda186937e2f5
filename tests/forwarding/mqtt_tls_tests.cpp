// The MQTT sink against a real mosquitto that demands TLS, a password or a client certificate: what a campus
// broker reached over a network asks of a gateway. Certificates are made per test run with the openssl CLI.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "gatehouse/daemon/forwarding/mqtt_sink.hpp"
#include "mosquitto_broker.hpp"
#include "mqtt_sink_config.hpp"
#include "outbox_records.hpp"
#include "temp_dir.hpp"

using namespace gatehouse;
using namespace gatehouse::daemon::forwarding;
using namespace std::chrono_literals;
using storage::OutboxLane;

namespace {

const SinkIdentity kIdentity{"gw-tls", "east"};

void run(const std::string& command) {
    const std::string quiet = command + " >/dev/null 2>&1";
    if (std::system(quiet.c_str()) != 0) throw std::runtime_error("failed: " + command);
}

/// A CA, a server certificate for 127.0.0.1 signed by it, a client certificate signed by it, and a second CA
/// that signed nothing of this broker's (to play an untrusted or forged broker).
struct TestPki {
    explicit TestPki(const std::filesystem::path& dir) : dir_(dir) {
        const std::string d = dir.string();
        const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
        run("openssl req -x509" + ec + "-keyout " + d + "/ca.key -out " + d + "/ca.crt -days 2 -subj /CN=gatehouse-test-ca");
        run("openssl req -x509" + ec + "-keyout " + d + "/other-ca.key -out " + d + "/other-ca.crt -days 2 -subj /CN=other-ca");
        std::ofstream(dir / "san.ext") << "subjectAltName=IP:127.0.0.1\n";
        for (const std::string who : {"server", "client"}) {
            run("openssl req" + ec + "-keyout " + d + "/" + who + ".key -out " + d + "/" + who + ".csr -subj /CN=" +
                (who == "server" ? "127.0.0.1" : "gw-tls"));
            run("openssl x509 -req -in " + d + "/" + who + ".csr -CA " + d + "/ca.crt -CAkey " + d +
                "/ca.key -CAcreateserial -days 2 -out " + d + "/" + who + ".crt" +
                (who == "server" ? " -extfile " + d + "/san.ext" : ""));
        }
    }
    std::string file(const std::string& name) const { return (dir_ / name).string(); }

private:
    std::filesystem::path dir_;
};

SinkConfig tls_sink_config(int port, const std::string& client_id) {
    SinkConfig c = test::test_mqtt_sink_config(port, client_id, "mqtt-tls");
    c.mqtt.connect_timeout = 3000ms;  // a TLS handshake on a loaded machine
    return c;
}

std::vector<storage::OutboxRecord> some_records(int count) {
    std::vector<storage::OutboxRecord> out;
    for (int i = 1; i <= count; ++i) out.push_back(test::alert_record(i));
    return out;
}

std::size_t record_count(const std::vector<test::MqttMessage>& messages) {
    return static_cast<std::size_t>(std::count_if(messages.begin(), messages.end(),
                                                  [](const auto& m) { return !m.topic.ends_with("/status"); }));
}

bool all_delivered(const DeliveryReport& report, std::size_t count) {
    return report.statuses == std::vector(count, DeliveryStatus::delivered);
}

bool none_delivered(const DeliveryReport& report) {
    return std::none_of(report.statuses.begin(), report.statuses.end(),
                        [](DeliveryStatus s) { return s == DeliveryStatus::delivered; });
}

}  // namespace

TEST_CASE("mqtt over TLS with a password: delivered, a wrong password or an untrusted broker delivers nothing",
          "[forwarding][mqtt][tls]") {
    test::TempDir dir;
    const TestPki pki(dir.path());
    std::ofstream(dir / "passwords") << "";
    run("mosquitto_passwd -b " + (dir / "passwords").string() + " gw-tls s3cret-pass");
    test::MosquittoListener secure;
    secure.settings = {"allow_anonymous false", "password_file " + (dir / "passwords").string(),
                       "cafile " + pki.file("ca.crt"), "certfile " + pki.file("server.crt"),
                       "keyfile " + pki.file("server.key")};
    const int secure_port = secure.port;
    test::MosquittoBroker broker(dir.path(), test::free_loopback_port(), secure);
    test::MqttSubscriber watcher(broker.port(), "gatehouse/#");
    const auto records = some_records(12);

    SECTION("the right CA and password: every record arrives") {
        SinkConfig c = tls_sink_config(secure_port, "gw-tls-ok");
        c.mqtt.ca_file = pki.file("ca.crt");
        c.mqtt.username = "gw-tls";
        c.mqtt.password = "s3cret-pass";
        MqttSink sink(c, kIdentity);
        const DeliveryReport report = sink.deliver(records);
        CHECK(all_delivered(report, records.size()));
        REQUIRE(watcher.wait_until([&](const auto& m) { return record_count(m) >= records.size(); }));
        CHECK(record_count(watcher.messages()) == records.size());
    }
    SECTION("a wrong password: nothing is confirmed, the detail says why") {
        SinkConfig c = tls_sink_config(secure_port, "gw-tls-badpw");
        c.mqtt.ca_file = pki.file("ca.crt");
        c.mqtt.username = "gw-tls";
        c.mqtt.password = "wrong";
        MqttSink sink(c, kIdentity);
        const DeliveryReport report = sink.deliver(records);
        CHECK(none_delivered(report));
        CHECK_FALSE(report.detail.empty());
        CHECK(record_count(watcher.messages()) == 0);
    }
    SECTION("a broker whose certificate is not signed by the configured CA is not trusted") {
        SinkConfig c = tls_sink_config(secure_port, "gw-tls-untrusted");
        c.mqtt.ca_file = pki.file("other-ca.crt");
        c.mqtt.username = "gw-tls";
        c.mqtt.password = "s3cret-pass";
        MqttSink sink(c, kIdentity);
        const DeliveryReport report = sink.deliver(records);
        CHECK(none_delivered(report));
        CHECK_FALSE(report.detail.empty());
        CHECK(record_count(watcher.messages()) == 0);
    }
    SECTION("plain TCP to the TLS listener delivers nothing") {
        SinkConfig c = tls_sink_config(secure_port, "gw-tls-plain");
        c.mqtt.username = "gw-tls";
        c.mqtt.password = "s3cret-pass";
        MqttSink sink(c, kIdentity);
        CHECK(none_delivered(sink.deliver(records)));
        CHECK(record_count(watcher.messages()) == 0);
    }
}

TEST_CASE("mqtt with a client certificate: the broker admits the gateway by its certificate alone",
          "[forwarding][mqtt][tls]") {
    test::TempDir dir;
    const TestPki pki(dir.path());
    test::MosquittoListener secure;
    secure.settings = {"allow_anonymous true", "require_certificate true", "use_identity_as_username true",
                       "cafile " + pki.file("ca.crt"), "certfile " + pki.file("server.crt"),
                       "keyfile " + pki.file("server.key")};
    const int secure_port = secure.port;
    test::MosquittoBroker broker(dir.path(), test::free_loopback_port(), secure);
    test::MqttSubscriber watcher(broker.port(), "gatehouse/#");
    const auto records = some_records(8);

    SECTION("with the client certificate: delivered, and the broker saw the certificate's name") {
        SinkConfig c = tls_sink_config(secure_port, "gw-tls-cert");
        c.mqtt.ca_file = pki.file("ca.crt");
        c.mqtt.cert_file = pki.file("client.crt");
        c.mqtt.key_file = pki.file("client.key");
        MqttSink sink(c, kIdentity);
        CHECK(all_delivered(sink.deliver(records), records.size()));
        REQUIRE(watcher.wait_until([&](const auto& m) { return record_count(m) >= records.size(); }));
        // use_identity_as_username: mosquitto logs the certificate's CN as the client's username.
        CHECK(broker.log().find("u'gw-tls'") != std::string::npos);
    }
    SECTION("without one: the handshake fails and nothing is confirmed") {
        SinkConfig c = tls_sink_config(secure_port, "gw-tls-nocert");
        c.mqtt.ca_file = pki.file("ca.crt");
        MqttSink sink(c, kIdentity);
        const DeliveryReport report = sink.deliver(records);
        CHECK(none_delivered(report));
        CHECK_FALSE(report.detail.empty());
        CHECK(record_count(watcher.messages()) == 0);
    }
}
