#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "adapter_fixtures.hpp"
#include "gatehouse/daemon/adapters/hikvision_event.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"

using namespace gatehouse::daemon::adapters;
using gatehouse::test::adapter_fixture;
namespace ipc = gatehouse::ipc;

namespace {

HikvisionNotification decoded(const std::string& json) {
    auto d = decode_hikvision_notification(json);
    if (auto* r = std::get_if<HikvisionRefusal>(&d)) FAIL(r->message);
    return std::get<HikvisionNotification>(d);
}

std::string refused(const std::string& json) {
    auto d = decode_hikvision_notification(json);
    REQUIRE(std::holds_alternative<HikvisionRefusal>(d));
    return std::get<HikvisionRefusal>(d).message;
}

bool has_extra(const ipc::Event& e, const std::string& name, const std::string& json) {
    for (const auto& f : e.extra_data) {
        if (f.name == name && f.json == json) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("a face match with a temperature is a credential and a temperature event", "[adapters][hikvision]") {
    const auto n = decoded(adapter_fixture("hikvision_face_temperature.json"));
    CHECK(n.type == HikvisionNotification::Type::access_controller);
    CHECK(n.serial_no == 1042);
    CHECK(n.employee == "E1001");
    CHECK(n.celsius == Approx(36.6));
    // 16:15:30 at +08:00 is 08:15:30 UTC.
    CHECK(n.occurred_ms == ipc::parse_utc_timestamp("2026-11-22T08:15:30Z"));

    const auto events = map_hikvision_event(n, "north-1-hik", 0);
    REQUIRE(events.size() == 2);
    const auto& credential = std::get<ipc::CredentialData>(events[0].data);
    CHECK(credential.person == "E1001");
    CHECK(credential.method == ipc::CredentialMethod::face);
    CHECK(events[0].seq == 1042 * kSeqPerSerial);
    const auto& temperature = std::get<ipc::TemperatureData>(events[1].data);
    CHECK(temperature.celsius == Approx(36.6));
    CHECK(temperature.person == "E1001");
    CHECK(events[1].seq == 1042 * kSeqPerSerial + 1);
    for (const auto& e : events) {
        CHECK(e.terminal == "north-1-hik");
        // Uncertain and unmapped fields stay raw; the person's enrolled name is not kept.
        CHECK(has_extra(e, "isAbnomalTemperature", "false"));
        CHECK(has_extra(e, "mask", "\"yes\""));
        CHECK(has_extra(e, "RegionCoordinates", R"({"positionX":296,"positionY":350})"));
        CHECK(has_extra(e, "serialNo", "1042"));
        for (const auto& f : e.extra_data) CHECK(f.name != "name");
        // The event's data is valid JSON with no key twice (the parser keeps the last of duplicates: count them).
        std::size_t keys = 0;
        const auto data = nlohmann::json::parse(ipc::encode_event_data(e), [&](int depth, nlohmann::json::parse_event_t ev, nlohmann::json&) {
            if (depth == 1 && ev == nlohmann::json::parse_event_t::key) ++keys;
            return true;
        });
        CHECK(keys == data.size());
    }
}

TEST_CASE("a card with a fever reads the card and the temperature", "[adapters][hikvision]") {
    const auto events = map_hikvision_event(decoded(adapter_fixture("hikvision_fever_card.json")), "t", 0);
    REQUIRE(events.size() == 2);
    CHECK(std::get<ipc::CredentialData>(events[0].data).method == ipc::CredentialMethod::card);
    CHECK(std::get<ipc::TemperatureData>(events[1].data).celsius == Approx(38.2));
    CHECK(has_extra(events[1], "isAbnomalTemperature", "true"));
}

TEST_CASE("door, heartbeat and unmapped notifications", "[adapters][hikvision]") {
    const auto heartbeat = decoded(adapter_fixture("hikvision_heartbeat.json"));
    CHECK(heartbeat.type == HikvisionNotification::Type::heartbeat);
    CHECK(map_hikvision_event(heartbeat, "t", 0).empty());

    const auto door = map_hikvision_event(decoded(adapter_fixture("hikvision_door_forced.json")), "t", 0);
    REQUIRE(door.size() == 1);
    CHECK(std::get<ipc::DoorData>(door[0].data).state == ipc::DoorState::forced);

    // A refused face match is no credential: kept as a record with the device's codes.
    const auto refused_face = map_hikvision_event(decoded(adapter_fixture("hikvision_face_refused.json")), "t", 0);
    REQUIRE(refused_face.size() == 1);
    const auto& fault = std::get<ipc::FaultData>(refused_face[0].data);
    CHECK(fault.code == "hikvision_event");
    CHECK(fault.detail == "major 5 sub 76");
    CHECK(has_extra(refused_face[0], "currentVerifyMode", "\"face\""));

    const auto other = decoded(R"({"eventType":"videoloss","dateTime":"2026-11-22T16:15:00+08:00"})");
    CHECK(other.type == HikvisionNotification::Type::other);
}

TEST_CASE("without serialNo an access event cannot be told from its resend and is not mapped", "[adapters][hikvision]") {
    const auto n = decoded(R"({"eventType":"AccessControllerEvent","AccessControllerEvent":{"majorEventType":5,"subEventType":1,"employeeNoString":"E1"}})");
    CHECK(map_hikvision_event(n, "t", 0).empty());
}

TEST_CASE("fahrenheit readings are converted, readings out of range stay raw only", "[adapters][hikvision]") {
    const auto f = decoded(R"({"eventType":"AccessControllerEvent","AccessControllerEvent":{"majorEventType":5,"subEventType":75,
        "employeeNoString":"E1","serialNo":7,"thermometryUnit":"fahrenheit","currTemperature":98.6}})");
    CHECK(f.celsius == Approx(37.0));
    const auto low = decoded(R"({"eventType":"AccessControllerEvent","AccessControllerEvent":{"majorEventType":5,"subEventType":75,
        "employeeNoString":"E1","serialNo":8,"currTemperature":0}})");
    CHECK_FALSE(low.celsius);
    const auto events = map_hikvision_event(low, "t", 0);
    REQUIRE(events.size() == 1);
    CHECK(has_extra(events[0], "currTemperature", "0"));
}

TEST_CASE("malformed notifications are refused with a reason", "[adapters][hikvision]") {
    CHECK_THAT(refused("not json"), Catch::Contains("not a JSON"));
    CHECK_THAT(refused("[1,2]"), Catch::Contains("not a JSON"));
    CHECK_THAT(refused(R"({"dateTime":"2026-11-22T16:15:00+08:00"})"), Catch::Contains("eventType"));
    CHECK_THAT(refused(R"({"eventType":"AccessControllerEvent"})"), Catch::Contains("AccessControllerEvent"));
    CHECK_THAT(refused(R"({"eventType":"AccessControllerEvent","AccessControllerEvent":{"majorEventType":"x"}})"),
               Catch::Contains("majorEventType"));
    CHECK_THAT(refused(R"({"eventType":"AccessControllerEvent","AccessControllerEvent":{"majorEventType":5,"serialNo":-3}})"),
               Catch::Contains("serialNo"));
    CHECK_THAT(refused(R"({"eventType":"heartBeat","dateTime":"yesterday"})"), Catch::Contains("dateTime"));
    CHECK_THAT(refused(R"({"eventType":"AccessControllerEvent","AccessControllerEvent":{"majorEventType":5,"employeeNoString":"a\u0001b"}})"),
               Catch::Contains("employeeNoString"));
    CHECK_THAT(refused(std::string(100, '[') + std::string(100, ']')), Catch::Contains("nested"));
}

TEST_CASE("ISO 8601 times with an offset", "[adapters][hikvision]") {
    const auto utc = ipc::parse_utc_timestamp("2026-11-22T08:15:30Z");
    CHECK(parse_offset_timestamp("2026-11-22T16:15:30+08:00") == utc);
    CHECK(parse_offset_timestamp("2026-11-22T16:15:30+0800") == utc);
    CHECK(parse_offset_timestamp("2026-11-22T03:15:30-05:00") == utc);
    CHECK(parse_offset_timestamp("2026-11-22T08:15:30Z") == utc);
    CHECK(parse_offset_timestamp("2026-11-22T16:15:30.250+08:00") == *utc + 250);
    CHECK_FALSE(parse_offset_timestamp("2026-11-22T16:15:30+8"));
    CHECK_FALSE(parse_offset_timestamp("2026-13-22T16:15:30+08:00"));
    CHECK_FALSE(parse_offset_timestamp(""));
}

TEST_CASE("a multipart post: the JSON part, the thermal picture as evidence, size limits", "[adapters][hikvision]") {
    const std::string json = adapter_fixture("hikvision_face_temperature.json");
    const std::string visible = "\xff\xd8visible\xff\xd9";
    const std::string thermal = "\xff\xd8thermal\xff\xd9";
    std::vector<PostedPart> parts{{"AccessControllerEvent", "", "application/json", json},
                                  {"Picture", "Picture.jpg", "image/jpeg", visible},
                                  {"thermalPicture", "thermalPicture.jpg", "image/jpeg", thermal}};
    auto d = decode_hikvision_multipart(parts, 1024 * 1024);
    REQUIRE(std::holds_alternative<HikvisionPost>(d));
    const auto& post = std::get<HikvisionPost>(d);
    CHECK(post.notification.serial_no == 1042);
    REQUIRE(post.picture);
    CHECK(*post.picture == thermal);
    CHECK(post.thermal_picture);

    parts.pop_back();
    const auto visible_only = std::get<HikvisionPost>(decode_hikvision_multipart(parts, 1024 * 1024));
    CHECK(*visible_only.picture == visible);
    CHECK_FALSE(visible_only.thermal_picture);

    auto too_large = decode_hikvision_multipart(parts, 100);
    REQUIRE(std::holds_alternative<HikvisionRefusal>(too_large));
    CHECK_THAT(std::get<HikvisionRefusal>(too_large).message, Catch::Contains("exceeds the limit"));

    auto no_json = decode_hikvision_multipart({{"Picture", "Picture.jpg", "image/jpeg", visible}}, 1024);
    REQUIRE(std::holds_alternative<HikvisionRefusal>(no_json));
}

TEST_CASE("a remote-check event becomes a typed access request, and its answer the ISAPI RemoteCheck body",
          "[adapters][hikvision][remote_check]") {
    auto d = decode_hikvision_notification(adapter_fixture("hikvision_remote_check.json"));
    REQUIRE(std::holds_alternative<HikvisionNotification>(d));
    const auto& n = std::get<HikvisionNotification>(d);
    CHECK(n.remote_check);
    const auto request = remote_check_request(n, "t1");
    REQUIRE(request);
    CHECK(request->terminal == "t1");
    CHECK(request->request == "hik-2001");
    CHECK(request->person == "E1001");
    CHECK(request->method == gatehouse::ipc::CredentialMethod::face);
    CHECK(request->celsius == 36.5);

    // Not asked for, or nobody to decide on: no request.
    auto plain = std::get<HikvisionNotification>(decode_hikvision_notification(adapter_fixture("hikvision_fever_card.json")));
    CHECK_FALSE(plain.remote_check);
    CHECK_FALSE(remote_check_request(plain, "t1"));
    HikvisionNotification nobody = n;
    nobody.employee.reset();
    CHECK_FALSE(remote_check_request(nobody, "t1"));
    // Firmware writing the boolean as a string.
    auto text = nlohmann::json::parse(adapter_fixture("hikvision_remote_check.json"));
    text["AccessControllerEvent"]["remoteCheck"] = "true";
    CHECK(std::get<HikvisionNotification>(decode_hikvision_notification(text.dump())).remote_check);
    text["AccessControllerEvent"]["remoteCheck"] = nlohmann::json::array();
    CHECK_FALSE(std::get<HikvisionNotification>(decode_hikvision_notification(text.dump())).remote_check);

    const auto body = nlohmann::json::parse(encode_remote_check_answer(2001, true, ""));
    CHECK(body["RemoteCheck"]["serialNo"] == 2001);
    CHECK(body["RemoteCheck"]["checkResult"] == "success");
    CHECK(nlohmann::json::parse(encode_remote_check_answer(7, false, "fever"))["RemoteCheck"]["checkResult"] == "failed");
}
