#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "gatehouse/ipc/control_messages.hpp"

using namespace gatehouse::ipc;
using nlohmann::json;

namespace {

std::string refusal(const json& request) {
    const ControlRequest r = decode_control_request(request.dump());
    REQUIRE(std::holds_alternative<ControlRefusal>(r));
    return std::get<ControlRefusal>(r).error;
}

}  // namespace

TEST_CASE("control requests decode into typed values and encode back", "[ipc][control]") {
    const std::vector<ControlRequest> requests = {StatusRequest{}, MetricsRequest{}, ReloadRequest{}, AlertsRequest{},
                                                  AlertActionRequest{42, true, "li.wei", "sent home"},
                                                  AlertActionRequest{7, false, "ops", ""}, ForgetAlertsRequest{{1, 2, 3}}};
    for (const auto& request : requests) {
        const std::string text = encode(request);
        CAPTURE(text);
        const ControlRequest back = decode_control_request(text);
        REQUIRE(back.index() == request.index());
        if (const auto* a = std::get_if<AlertActionRequest>(&request)) {
            const auto& b = std::get<AlertActionRequest>(back);
            CHECK((b.id == a->id && b.close == a->close && b.actor == a->actor && b.note == a->note));
        }
        if (const auto* f = std::get_if<ForgetAlertsRequest>(&request)) CHECK(std::get<ForgetAlertsRequest>(back).ids == f->ids);
    }
}

TEST_CASE("every field of the wrong type is refused with a reason, never thrown", "[ipc][control][errors]") {
    // The control-socket crash of issue 14: a cmd or actor of the wrong JSON type ended the daemon.
    for (const json& cmd : {json(nullptr), json(1), json(1.5), json(true), json::array(), json::object()}) {
        CAPTURE(cmd.dump());
        CHECK_THAT(refusal({{"v", 1}, {"cmd", cmd}}), Catch::Contains("\"cmd\" must be a string"));
    }
    CHECK_THAT(refusal({{"v", 1}}), Catch::Contains("\"cmd\""));
    CHECK_THAT(refusal({{"v", 2}, {"cmd", "status"}}), Catch::Contains("version"));
    CHECK_THAT(refusal({{"v", 1}, {"cmd", "teleport"}}), Catch::Contains("unknown command"));
    for (const json& actor : {json(nullptr), json(7), json::array(), json::object(), json(""), json(std::string(129, 'a'))}) {
        CAPTURE(actor.dump());
        CHECK_THAT(refusal({{"v", 1}, {"cmd", "alert_close"}, {"id", 1}, {"actor", actor}}), Catch::Contains("\"actor\""));
    }
    for (const json& id : {json(nullptr), json("1"), json(1.5), json(18446744073709551615ull), json::array()}) {
        CAPTURE(id.dump());
        CHECK_THAT(refusal({{"v", 1}, {"cmd", "alert_ack"}, {"id", id}, {"actor", "a"}}), Catch::Contains("\"id\""));
    }
    CHECK_THAT(refusal({{"cmd", "alert_ack"}, {"id", 1}, {"actor", "a"}, {"note", 5}}), Catch::Contains("\"note\""));
    CHECK_THAT(refusal({{"cmd", "alert_ack"}, {"id", 1}, {"actor", "a"}, {"note", std::string(4097, 'n')}}),
               Catch::Contains("longer"));
    CHECK_THAT(refusal({{"cmd", "forget_alerts"}, {"ids", {1, "2"}}}), Catch::Contains("integer"));
    CHECK_THAT(refusal({{"cmd", "forget_alerts"}, {"ids", 1}}), Catch::Contains("ids"));
    CHECK_THAT(refusal(json::array()), Catch::Contains("JSON object"));
    CHECK(std::holds_alternative<ControlRefusal>(decode_control_request("{not json")));
    CHECK(std::holds_alternative<ControlRefusal>(decode_control_request(std::string(1000, '['))));
}
