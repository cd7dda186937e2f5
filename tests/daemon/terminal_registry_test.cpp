#include <catch2/catch.hpp>

#include "gatehouse/daemon/terminal_registry.hpp"

using namespace gatehouse::daemon;
using namespace std::chrono_literals;
using gatehouse::ipc::ErrorCode;

TEST_CASE("only configured terminals are known", "[daemon][registry]") {
    TerminalRegistry registry({{"a", "g", "card_reader"}}, 3s, 100);
    CHECK(registry.find("a"));
    CHECK_FALSE(registry.find("b"));
}

TEST_CASE("seq far behind or ahead of the highest known seq is refused", "[daemon][registry]") {
    TerminalRegistry registry({{"a", "g", "k"}}, 3s, 100);
    registry.seed_last_seq({{"a", 1000}, {"unconfigured", 5}});
    TerminalState& t = *registry.find("a");
    std::string why;
    CHECK(registry.admit_seq(t, 1001, why) == std::nullopt);
    CHECK(registry.admit_seq(t, 950, why) == std::nullopt);   // a resend inside the window
    CHECK(registry.admit_seq(t, 1101, why) == std::nullopt);  // exactly at the window edge
    CHECK(registry.admit_seq(t, 1202, why) == ErrorCode::seq_ahead);
    CHECK_THAT(why, Catch::Contains("ahead"));
    CHECK(registry.admit_seq(t, 1050, why) == std::nullopt);
    CHECK(registry.admit_seq(t, 1, why) == ErrorCode::seq_behind);
    CHECK_THAT(why, Catch::Contains("last_seq"));
    CHECK(t.highest_seq == 1101);
}

TEST_CASE("a terminal without history accepts any first seq", "[daemon][registry]") {
    TerminalRegistry registry({{"a", "g", "k"}}, 3s, 10);
    std::string why;
    CHECK(registry.admit_seq(*registry.find("a"), 123456, why) == std::nullopt);
    CHECK(registry.find("a")->highest_seq == 123456);
}

TEST_CASE("terminals go offline after the heartbeat timeout and back online when heard", "[daemon][registry]") {
    TerminalRegistry registry({{"a", "g", "k"}, {"b", "g", "k"}}, 3s, 10);
    const auto t0 = SteadyTime{} + 1h;
    CHECK(registry.note_seen(*registry.find("a"), "peer-1", t0));
    CHECK_FALSE(registry.note_seen(*registry.find("a"), "peer-1", t0 + 1s));
    registry.note_seen(*registry.find("b"), "peer-2", t0 + 2s);
    CHECK(registry.online_count() == 2);
    CHECK(registry.expire(t0 + 3500ms).empty());
    CHECK(registry.expire(t0 + 4500ms) == std::vector<std::string>{"a"});
    CHECK(registry.expire(t0 + 4600ms).empty());  // reported once
    CHECK(registry.online_count() == 1);
    CHECK(registry.note_seen(*registry.find("a"), "peer-3", t0 + 5s));
    CHECK(registry.find("a")->peer == "peer-3");
}

TEST_CASE("reconfiguring keeps the state of terminals that stay", "[daemon][registry]") {
    TerminalRegistry registry({{"a", "g", "k"}, {"b", "g", "k"}}, 3s, 10);
    registry.seed_last_seq({{"a", 7}});
    registry.reconfigure({{"a", "g2", "k"}, {"c", "g2", "k"}});
    CHECK(registry.find("a")->highest_seq == 7);
    CHECK(registry.find("a")->config.gate == "g2");
    CHECK_FALSE(registry.find("b"));
    CHECK(registry.find("c"));
}
