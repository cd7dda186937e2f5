#include <catch2/catch.hpp>

#include "gatehouse/daemon/alert_book.hpp"

using namespace gatehouse::daemon;
using gatehouse::storage::AlertAction;
using gatehouse::storage::AlertState;

TEST_CASE("alerts are numbered after the ledger's last id and carry their kind's severity", "[alerts]") {
    AlertBook book(41, {});
    const auto a = book.raise({"fever", "g1", "cam1", std::nullopt, 38.5, std::nullopt, "hot"}, 1000);
    CHECK(a.id == 42);
    CHECK(a.severity == std::string("critical"));
    CHECK(book.raise({"tailgating", "g1", "cam1", {}, {}, {}, "two"}, 1001).severity == std::string("warning"));
    CHECK(book.raise({"denied", "g1", "t1", "E1", {}, {}, "no"}, 1002).severity == std::string("info"));
    CHECK(book.unclosed().size() == 3);
}

TEST_CASE("operators acknowledge, then close, closed alerts refuse further actions", "[alerts]") {
    AlertBook book(0, {});
    const auto a = book.raise({"door_forced", "g1", "t3", {}, {}, {}, "forced"}, 1000);
    auto ack = book.act(a.id, AlertState::acknowledged, "guard", "going", 2000);
    REQUIRE(std::holds_alternative<AlertChange>(ack));
    CHECK(std::get<AlertChange>(ack).action.actor == "guard");
    CHECK(std::get<AlertChange>(ack).alert.kind == "door_forced");
    CHECK(book.unclosed().at(a.id).state == AlertState::acknowledged);
    CHECK(std::get<std::string>(book.act(a.id, AlertState::acknowledged, "guard", "", 2001)) ==
          "alert 1 is already acknowledged");
    const auto close = book.act(a.id, AlertState::closed, "guard", "door fixed", 3000);
    REQUIRE(std::holds_alternative<AlertChange>(close));
    CHECK(std::get<AlertChange>(close).alert.state == AlertState::closed);
    CHECK(std::get<AlertChange>(close).alert.gate == "g1");
    CHECK(book.unclosed().empty());
    CHECK(std::get<std::string>(book.act(a.id, AlertState::closed, "guard", "", 3001)) == "alert 1 is already closed");
    CHECK(std::get<std::string>(book.act(99, AlertState::closed, "guard", "", 3001)) == "no alert 99");
}

TEST_CASE("a condition raises one alert until it clears, and the gateway closes it then", "[alerts]") {
    AlertBook book(0, {});
    CHECK(book.raise_condition({"terminal_offline", "g1", "t1", {}, {}, {}, "silent"}, 1000));
    CHECK_FALSE(book.raise_condition({"terminal_offline", "g1", "t1", {}, {}, {}, "silent"}, 2000));
    CHECK(book.raise_condition({"terminal_offline", "g1", "t2", {}, {}, {}, "silent"}, 2000));  // another terminal
    const auto closed = book.clear_condition("terminal_offline", "t1", "back online", 3000);
    REQUIRE(closed);
    CHECK(closed->action.to == AlertState::closed);
    CHECK(closed->action.actor == "gatehouse");
    CHECK(closed->alert.kind == "terminal_offline");
    CHECK(closed->alert.gate == "g1");
    CHECK_FALSE(book.clear_condition("terminal_offline", "t1", "again", 3001));
    CHECK(book.raise_condition({"terminal_offline", "g1", "t1", {}, {}, {}, "silent again"}, 4000));
}

TEST_CASE("condition alerts left open by a previous run are closed when the condition clears", "[alerts]") {
    gatehouse::storage::AlertRecord old;
    old.id = 7;
    old.kind = "camera_fault";
    old.source = "cam1";
    AlertBook book(7, {old});
    CHECK_FALSE(book.raise_condition({"camera_fault", "g1", "cam1", {}, {}, {}, "still down"}, 1000));
    const auto closed = book.clear_condition("camera_fault", "cam1", "frames again", 2000);
    REQUIRE(closed);
    CHECK(closed->action.alert == 7);
}
