// The gateway's pipeline stages on their own, without sockets: admission, batch building, commit handling, and the
// alert rules they use.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "gatehouse/daemon/admission.hpp"
#include "gatehouse/daemon/alert_rules.hpp"
#include "gatehouse/daemon/batch_builder.hpp"
#include "gatehouse/daemon/commit_handler.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "temp_dir.hpp"

using namespace gatehouse;
using namespace gatehouse::daemon;
using nlohmann::json;

namespace {

const std::int64_t kNowMs = *ipc::parse_utc_timestamp("2026-11-22T08:00:00Z");

ipc::InboundFrame frame(const std::string& payload, const std::string& peer = "peer-1") {
    ipc::InboundFrame f;
    f.peer = peer;
    f.payload = payload;
    f.size = payload.size();
    return f;
}

ipc::Event event(const std::string& terminal, std::int64_t seq, ipc::EventData data = ipc::DoorData{ipc::DoorState::opened}) {
    ipc::Event e;
    e.terminal = terminal;
    e.seq = seq;
    e.occurred_ms = kNowMs;
    e.data = std::move(data);
    return e;
}

struct Registry {
    std::vector<TerminalConfig> terminals{{"t1", "g1", "card_reader", ""}, {"t2", "g1", "door", "KEY-OF-T2"}};
    TerminalRegistry registry{terminals, std::chrono::seconds(15), 100};
};

ipc::ProtocolError refused(const AdmissionVerdict& v) {
    REQUIRE(std::holds_alternative<Refused>(v));
    return std::get<Refused>(v).error;
}

/// What a commit handler sent, in order.
struct Recorder final : CommitOutputs {
    std::vector<std::pair<std::string, std::string>> terminal, control, consoles;
    void to_terminal(const std::string& peer, const std::string& f) override { terminal.emplace_back(peer, f); }
    void to_control(const std::string& id, const std::string& body) override { control.emplace_back(id, body); }
    void to_consoles(const std::string& topic, const std::string& body) override { consoles.emplace_back(topic, body); }
};

storage::AlertRecord alert(std::int64_t id, const std::string& kind) {
    storage::AlertRecord a;
    a.id = id;
    a.kind = kind;
    a.gate = "g1";
    a.text = kind;
    return a;
}

}  // namespace

TEST_CASE("admission: one error reply per refused frame, in the order of the checks", "[daemon][pipeline][admission]") {
    Registry r;
    r.registry.seed_last_seq({{"t1", 10}});
    Admission admission(r.registry, {4096, 2, 2, std::chrono::seconds(300)});
    const auto now = SteadyClock::now();

    ipc::InboundFrame big = frame("");
    big.oversize = true;
    big.size = 5000;
    big.oversize_context = ipc::read_message_context(ipc::encode(event("t1", 11)));
    const auto too_large = refused(admission.admit(big, now, kNowMs));
    CHECK(too_large.code == ipc::ErrorCode::message_too_large);
    CHECK(too_large.seq == 11);  // the seq was readable, so the terminal can match the error

    CHECK(refused(admission.admit(frame("{no"), now, kNowMs)).code == ipc::ErrorCode::malformed_json);
    const auto unknown = refused(admission.admit(frame(ipc::encode(ipc::AccessRequest{"ghost", "r-7", "E1"})), now, kNowMs));
    CHECK(unknown.code == ipc::ErrorCode::unknown_terminal);
    CHECK(unknown.request == "r-7");

    // Identity: a CURVE connection speaks for its own terminal only, and only with the key still listed.
    ipc::InboundFrame impostor = frame(ipc::encode(event("t1", 11)));
    impostor.user_id = "t2";
    impostor.public_key = "KEY-OF-T2";
    CHECK(refused(admission.admit(impostor, now, kNowMs)).code == ipc::ErrorCode::not_authorized);
    impostor.payload = ipc::encode(event("t2", 1));
    impostor.public_key = "AN-OLD-KEY";
    CHECK(refused(admission.admit(impostor, now, kNowMs)).code == ipc::ErrorCode::not_authorized);

    // Clock, then sequence; the burst of 2 is used by these two admitted-or-refused-late messages.
    ipc::Event future = event("t1", 11);
    future.occurred_ms = kNowMs + 3600 * 1000;
    CHECK(refused(admission.admit(frame(ipc::encode(future)), now, kNowMs)).code == ipc::ErrorCode::ts_in_future);
    CHECK(refused(admission.admit(frame(ipc::encode(event("t1", 500))), now, kNowMs)).code == ipc::ErrorCode::seq_ahead);
    // The refused seq did not move the terminal's highest seq, and the burst is spent now: rate limited.
    CHECK(r.registry.find("t1")->highest_seq == 10);
    CHECK(refused(admission.admit(frame(ipc::encode(event("t1", 11))), now, kNowMs)).code == ipc::ErrorCode::rate_limited);

    // After a second the bucket has tokens again: admitted, and the terminal is marked online.
    const auto later = now + std::chrono::seconds(1);
    const auto ok = admission.admit(frame(ipc::encode(event("t1", 11))), later, kNowMs);
    REQUIRE(std::holds_alternative<Admitted>(ok));
    CHECK(std::get<Admitted>(ok).came_online);
    CHECK(std::holds_alternative<ipc::Event>(std::get<Admitted>(ok).message));
    CHECK(r.registry.find("t1")->highest_seq == 11);
}

TEST_CASE("batch building: events are keyed by terminal and seq, what they cause names them", "[daemon][pipeline][batch]") {
    BatchBuilder batch(3, std::chrono::microseconds(0));
    batch.set_upstream({true, nullptr});
    batch.set_publish_events(true);
    CHECK(batch.empty());
    batch.add_event(event("t2", 1, ipc::DoorData{ipc::DoorState::forced}), "g1", kNowMs, "p1", {{alert(1, "door_forced"), {}, {}}});
    REQUIRE(batch.holds({"t2", 1}));
    batch.add_resend({"t2", 1}, "p2");  // the same event again before its commit
    batch.add_event(event("t1", 5), "g1", kNowMs, "p3", {});
    CHECK(batch.events() == 2);
    CHECK_FALSE(batch.full());
    batch.add_alert({alert(2, "tailgating"), {}, 17});
    const LedgerWriteBatch b = batch.take();
    CHECK(batch.empty());
    CHECK_FALSE(batch.holds({"t2", 1}));

    REQUIRE(b.records.events.size() == 2);
    CHECK(b.acks[0].peers == std::vector<std::string>{"p1", "p2"});
    CHECK(b.records.events[0].data_json == R"({"state":"forced"})");
    REQUIRE(b.records.event_alerts.size() == 1);
    CHECK(b.records.event_alerts[0].event == storage::EventKey{"t2", 1});
    CHECK(b.records.alerts.size() == 1);
    // Outbox: each event and the event's alert keyed by the event; the camera's alert by nothing.
    REQUIRE(b.records.outbox.size() == 4);
    CHECK(b.records.outbox[0].for_event == storage::EventKey{"t2", 1});
    CHECK(b.records.outbox[1].lane == storage::OutboxLane::alert);
    CHECK(b.records.outbox[1].for_event == storage::EventKey{"t2", 1});
    CHECK_FALSE(b.records.outbox[3].for_event);
    CHECK(b.records.outbox[3].screening == 17);
    // One body per record, the same text for the console and the outbox.
    REQUIRE(b.console.size() == 4);
    CHECK(b.console[0].topic == "event.g1.door");
    CHECK(b.console[0].body == b.records.outbox[0].body_json);
    CHECK(json::parse(b.console[0].body)["data"]["state"] == "forced");
    CHECK(b.console[1].topic == "alert.door_forced.g1");
    CHECK(b.console[1].for_event == storage::EventKey{"t2", 1});
}

TEST_CASE("batch building: the upstream copy names the person by pseudonym, the console by id", "[daemon][pipeline][batch]") {
    const Pseudonymiser pseudonymiser("a site secret of some length");
    BatchBuilder batch(10, std::chrono::microseconds(0));
    batch.set_upstream({true, &pseudonymiser});
    batch.set_publish_events(true);
    ipc::Event e = event("t1", 1, ipc::CredentialData{"E1001", ipc::CredentialMethod::card});
    e.extra_data = {{"site_note", R"("lobby")"}};
    batch.add_event(e, "g1", kNowMs, "p1", {});
    const LedgerWriteBatch b = batch.take();
    const json console = json::parse(b.console.at(0).body);
    const json upstream = json::parse(b.records.outbox.at(0).body_json);
    CHECK(console["person"] == "E1001");
    CHECK(console["data"]["site_note"] == "lobby");
    const std::string pseudonym = pseudonymiser.pseudonym("E1001");
    CHECK(upstream["person"] == pseudonym);
    CHECK(upstream["data"]["person"] == pseudonym);
    CHECK(upstream["data"]["site_note"] == "lobby");
    CHECK(b.records.outbox.at(0).person == "E1001");  // the real id beside the body, for erasure
}

TEST_CASE("commit handling: acks first, resends duplicate, alerts of resent events dropped", "[daemon][pipeline][commit]") {
    BatchBuilder batch(10, std::chrono::microseconds(0));
    batch.set_publish_events(true);
    batch.add_event(event("t2", 1, ipc::DoorData{ipc::DoorState::forced}), "g1", kNowMs, "p1", {{alert(1, "door_forced"), {}, {}}});
    batch.add_resend({"t2", 1}, "p2");
    batch.add_event(event("t2", 2, ipc::DoorData{ipc::DoorState::forced}), "g1", kNowMs, "p1", {{alert(2, "door_forced"), {}, {}}});
    batch.add_control_reply({"admin", R"({"ok":true})"});
    LedgerWriteResult result;
    result.batch = batch.take();
    // The ledger had seq 2 already (stored by an earlier connection's commit).
    result.outcomes = {storage::AppendOutcome::stored, storage::AppendOutcome::duplicate};
    Recorder out;
    IngestCounters counters;
    MessageBoundary boundary;
    CommitHandler handler(out, counters, boundary);
    std::vector<std::string> hooked;
    handler.set_on_recorded([&](const storage::EventRecord& e, storage::AppendOutcome) {
        hooked.push_back(e.terminal + "#" + std::to_string(e.seq));
        throw std::runtime_error("a failing hook");  // contained: the acks still go out
    });
    const CommitReport report = handler.finish(result, SteadyClock::now());
    CHECK(report.committed);
    REQUIRE(out.terminal.size() == 3);
    CHECK(out.terminal[0] == std::pair<std::string, std::string>{"p1", ipc::encode(ipc::Ack{1, false})});
    CHECK(out.terminal[1] == std::pair<std::string, std::string>{"p2", ipc::encode(ipc::Ack{1, true})});
    CHECK(out.terminal[2] == std::pair<std::string, std::string>{"p1", ipc::encode(ipc::Ack{2, true})});
    CHECK(out.control.size() == 1);
    CHECK(hooked.size() == 2);
    CHECK(boundary.failures().at("commit") == 2);
    // Seq 2 was a resend: its alert and its event message are not published, and its alert is to be forgotten.
    CHECK(report.alerts_not_recorded == std::vector<std::int64_t>{2});
    std::vector<std::string> topics;
    for (const auto& [topic, body] : out.consoles) topics.push_back(topic);
    CHECK(topics == std::vector<std::string>{"event.g1.door", "alert.door_forced.g1"});
    CHECK(counters.events_stored == 1);
    CHECK(counters.events_duplicate == 2);
    CHECK(counters.alerts_by_kind.at("door_forced") == 1);
}

TEST_CASE("commit handling: a failed commit refuses its events and keeps the other records", "[daemon][pipeline][commit]") {
    BatchBuilder batch(10, std::chrono::microseconds(0));
    batch.add_event(event("t2", 1, ipc::TamperData{}), "g1", kNowMs, "p1", {{alert(1, "tamper"), {}, {}}});
    batch.add_alert({alert(2, "camera_fault"), {}, {}});
    batch.add_control_reply({"admin", R"({"ok":true})"});
    LedgerWriteResult result;
    result.batch = batch.take();
    result.error = "disk full";
    result.fault = storage::LedgerFault::disk_full;
    Recorder out;
    IngestCounters counters;
    MessageBoundary boundary;
    const CommitReport report = CommitHandler(out, counters, boundary).finish(result, SteadyClock::now());
    CHECK_FALSE(report.committed);
    REQUIRE(out.terminal.size() == 1);
    const auto reply = ipc::decode_gateway_reply(out.terminal[0].second);
    REQUIRE(std::holds_alternative<ipc::ProtocolError>(reply));
    CHECK(std::get<ipc::ProtocolError>(reply).code == ipc::ErrorCode::storage_unavailable);
    CHECK(std::get<ipc::ProtocolError>(reply).seq == 1);
    CHECK(json::parse(out.control.at(0).second)["ok"] == false);
    // The guard still sees the camera fault; the tamper alert waits for the event's resend.
    REQUIRE(out.consoles.size() == 1);
    CHECK(out.consoles[0].first == "alert.camera_fault.g1");
    CHECK(report.alerts_not_recorded == std::vector<std::int64_t>{1});
    CHECK(report.to_retry.alerts.size() == 1);
    CHECK(report.to_retry.events.empty());
}

TEST_CASE("alert rules: what a terminal event raises", "[daemon][pipeline][alerts]") {
    GateConfig gate{"g1", "Gate 1", "in", {}, std::nullopt};
    auto kinds = [&](ipc::EventData data) {
        std::vector<std::string> out;
        for (const auto& d : alerts_for_event(event("t1", 1, std::move(data)), gate, nullptr)) out.push_back(d.spec.kind);
        return out;
    };
    using K = std::vector<std::string>;
    CHECK(kinds(ipc::TamperData{}) == K{"tamper"});
    CHECK(kinds(ipc::DoorData{ipc::DoorState::forced}) == K{"door_forced"});
    CHECK(kinds(ipc::DoorData{ipc::DoorState::held_open}) == K{"door_held_open"});
    CHECK(kinds(ipc::DoorData{ipc::DoorState::opened}).empty());
    CHECK(kinds(ipc::HealthCodeData{"E1", ipc::HealthCodeColor::red}) == K{"health_code_red"});
    CHECK(kinds(ipc::HealthCodeData{"E1", ipc::HealthCodeColor::yellow}) == K{"health_code_yellow"});
    CHECK(kinds(ipc::HealthCodeData{"E1", ipc::HealthCodeColor::green}).empty());
    CHECK(kinds(ipc::TemperatureData{37.3, std::string("E1")}) == K{"fever"});  // at the threshold
    CHECK(kinds(ipc::TemperatureData{37.2, std::nullopt}).empty());
    CHECK(kinds(ipc::CredentialData{"E1", ipc::CredentialMethod::card}).empty());
    CHECK(kinds(ipc::FaultData{"jam", std::nullopt}).empty());

    // The tamper detail of issue 14: absent or present, never read as anything but typed text.
    CHECK(alerts_for_event(event("t1", 1, ipc::TamperData{}), gate, nullptr).at(0).spec.text == "Tamper at terminal t1 (gate g1)");
    const Pseudonymiser pseudonymiser("a site secret of some length");
    const auto fever = alerts_for_event(event("t1", 1, ipc::TemperatureData{38.4, std::string("E7")}), gate, &pseudonymiser);
    REQUIRE(fever.size() == 1);
    CHECK(fever[0].spec.person == "E7");
    CHECK(fever[0].spec.celsius == 38.4);
    CHECK_THAT(fever[0].spec.text, Catch::Contains("E7"));
    REQUIRE(fever[0].upstream_text);
    CHECK_THAT(*fever[0].upstream_text, Catch::Contains(pseudonymiser.pseudonym("E7")));
    CHECK_THAT(*fever[0].upstream_text, !Catch::Contains("E7"));
}
