#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>
#include <type_traits>

#include <SQLiteCpp/Database.h>

#include "gatehouse/storage/ledger.hpp"
#include "gatehouse/storage/schema_migrations.hpp"
#include "temp_dir.hpp"

using namespace gatehouse::storage;
using gatehouse::test::TempDir;

namespace {

EventRecord event(const std::string& terminal, std::int64_t seq, std::int64_t at_ms = 1'700'000'000'000,
                  const std::string& kind = "credential", std::optional<std::string> person = "P1",
                  const std::string& gate = "north-1") {
    return {terminal, seq, gate, kind, std::move(person), at_ms, at_ms + 5, false, R"({"method":"card"})"};
}

}  // namespace

static_assert(!std::is_copy_constructible_v<Ledger>, "a ledger owns its database connection");

TEST_CASE("ledger stores events and reads them back in time order", "[storage][ledger]") {
    TempDir dir;
    Ledger ledger({dir / "ledger.db"});
    std::vector<EventRecord> batch = {event("t1", 1, 3000), event("t1", 2, 1000), event("t2", 1, 2000)};
    const auto outcomes = ledger.append_events(batch);
    REQUIRE(outcomes == std::vector<AppendOutcome>(3, AppendOutcome::stored));
    const auto rows = ledger.query_events({});
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].event.occurred_ms == 1000);
    CHECK(rows[1].event.terminal == "t2");
    CHECK(rows[2].event.seq == 1);
    CHECK(rows[0].event.data_json == R"({"method":"card"})");
    CHECK(rows[0].event.received_ms == 1005);
    CHECK(ledger.event_count() == 3);
}

TEST_CASE("a resent (terminal, seq) is a duplicate, also within one batch, and stored once", "[storage][ledger]") {
    TempDir dir;
    Ledger ledger({dir / "ledger.db"});
    REQUIRE(ledger.append_events(std::vector{event("t1", 1)}) == std::vector{AppendOutcome::stored});
    auto resent = event("t1", 1);
    resent.data_json = R"({"method":"face"})";
    const auto outcomes = ledger.append_events(std::vector{resent, event("t1", 2), event("t1", 2)});
    CHECK(outcomes == std::vector{AppendOutcome::duplicate, AppendOutcome::stored, AppendOutcome::duplicate});
    const auto rows = ledger.query_events({});
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].event.data_json == R"({"method":"card"})");  // the first write wins
    CHECK(ledger.last_seq_by_terminal() == std::map<std::string, std::int64_t>{{"t1", 2}});
}

TEST_CASE("ledger filters by gate, terminal, person, kind, time range and last N", "[storage][ledger]") {
    TempDir dir;
    Ledger ledger({dir / "ledger.db"});
    ledger.append_events(std::vector{
        event("t1", 1, 1000, "credential", "alice", "north-1"),
        event("t1", 2, 2000, "health_code", "alice", "north-1"),
        event("t2", 1, 3000, "credential", "bob", "south-1"),
        event("t3", 1, 4000, "door", std::nullopt, "south-1"),
        event("t2", 2, 5000, "temperature", "alice", "south-1"),
    });
    auto seqs = [&](EventFilter f) {
        std::vector<std::string> out;
        for (const auto& r : ledger.query_events(f)) out.push_back(r.event.terminal + "#" + std::to_string(r.event.seq));
        return out;
    };
    EventFilter f;
    f.gate = "south-1";
    CHECK(seqs(f) == std::vector<std::string>{"t2#1", "t3#1", "t2#2"});
    f = {};
    f.person = "alice";
    CHECK(seqs(f) == std::vector<std::string>{"t1#1", "t1#2", "t2#2"});
    f = {};
    f.kind = "credential";
    f.terminal = "t2";
    CHECK(seqs(f) == std::vector<std::string>{"t2#1"});
    f = {};
    f.since_ms = 2000;
    f.until_ms = 4000;
    CHECK(seqs(f) == std::vector<std::string>{"t1#2", "t2#1", "t3#1"});
    f = {};
    f.last = 2;
    CHECK(seqs(f) == std::vector<std::string>{"t3#1", "t2#2"});
    f = {};
    f.person = "alice";
    f.since_ms = 1500;
    f.last = 1;
    CHECK(seqs(f) == std::vector<std::string>{"t2#2"});
    f = {};
    f.person = "nobody";
    CHECK(seqs(f).empty());
}

TEST_CASE("ledger runs in WAL mode with synchronous=FULL and the admin indexes", "[storage][ledger]") {
    TempDir dir;
    { Ledger ledger({dir / "ledger.db"}); }
    SQLite::Database db((dir / "ledger.db").string());
    CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "wal");
    CHECK(db.execAndGet("PRAGMA user_version").getInt() == Ledger::schema_version());
    for (const char* index : {"events_by_gate", "events_by_person", "events_by_kind", "events_by_time"}) {
        CAPTURE(index);
        CHECK(db.execAndGet(std::string("SELECT COUNT(*) FROM sqlite_master WHERE type='index' AND name='") + index + "'")
                  .getInt() == 1);
    }
    // synchronous is per connection: check what the ledger's own connection uses (2 = FULL).
    Ledger ledger({dir / "ledger.db"});
    CHECK(ledger.synchronous_level() == 2);
}

TEST_CASE("a new ledger and its WAL files are created 0600 whatever the umask, a missing directory is a clear error",
          "[storage][ledger][privacy]") {
    TempDir dir;
    const mode_t old_umask = ::umask(022);
    {
        Ledger ledger({dir / "ledger.db"});
        REQUIRE(ledger.append_events(std::vector{event("t1", 1)}) == std::vector{AppendOutcome::stored});
        for (const char* suffix : {"", "-wal", "-shm"}) {
            struct stat st {};
            CAPTURE(suffix);
            REQUIRE(::stat((dir.path().string() + "/ledger.db" + suffix).c_str(), &st) == 0);
            CHECK((st.st_mode & 0777) == 0600);
        }
    }
    ::umask(old_umask);
    try {
        Ledger ledger({dir / "no-such-dir" / "ledger.db"});
        FAIL("a ledger in a missing directory opened");
    } catch (const LedgerError& e) {
        CHECK(e.fault() == LedgerFault::io);
        CHECK_THAT(e.what(), Catch::Contains("no-such-dir/ledger.db: cannot create it: No such file or directory"));
    }
}

TEST_CASE("events survive closing and reopening the ledger", "[storage][ledger]") {
    TempDir dir;
    {
        Ledger ledger({dir / "ledger.db"});
        ledger.append_events(std::vector{event("t1", 1), event("t1", 2)});
    }
    Ledger reopened({dir / "ledger.db", /*read_only=*/true});
    CHECK(reopened.event_count() == 2);
    CHECK(reopened.integrity_check() == "ok");
}

TEST_CASE("an older ledger file is migrated in place, keeping its rows", "[storage][migration]") {
    TempDir dir;
    const auto path = dir / "v1.db";
    {
        SQLite::Database db(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        migrate_schema(db, 1);
        REQUIRE(db.execAndGet("PRAGMA user_version").getInt() == 1);
        db.exec("INSERT INTO events (terminal, seq, gate, kind, person, occurred_ms, received_ms, offline, data) "
                "VALUES ('old', 7, 'g', 'door', NULL, 1, 2, 0, '{\"state\":\"opened\"}')");
    }
    Ledger ledger({path});
    CHECK(ledger.query_events({}).at(0).event.terminal == "old");
    ledger.upsert_terminal({"old", "door_contact", "2.1", 5});  // a table added by migration 2
    CHECK(ledger.terminals().at(0).firmware == "2.1");
    SQLite::Database db(path.string());
    CHECK(db.execAndGet("PRAGMA user_version").getInt() == latest_schema_version());
}

TEST_CASE("a ledger from a newer gatehouse is refused with a clear message", "[storage][migration]") {
    TempDir dir;
    const auto path = dir / "future.db";
    {
        SQLite::Database db(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        db.exec("PRAGMA user_version = 99");
    }
    try {
        Ledger ledger({path});
        FAIL("opened a ledger with a newer schema");
    } catch (const LedgerError& e) {
        CHECK(e.fault() == LedgerFault::newer_schema);
        CHECK_THAT(e.what(), Catch::Contains("schema version 99") && Catch::Contains("upgrade gatehouse"));
    }
}

TEST_CASE("a corrupt or foreign file gives a clear error, not a crash", "[storage][errors]") {
    TempDir dir;
    const auto path = dir / "garbage.db";
    std::ofstream(path) << std::string(8192, 'G');
    for (bool read_only : {false, true}) {
        CAPTURE(read_only);
        try {
            Ledger ledger({path, read_only});
            FAIL("opened a corrupt file");
        } catch (const LedgerError& e) {
            CHECK(e.fault() == LedgerFault::corrupt);
            CHECK_THAT(e.what(), Catch::Contains(path.string()) && Catch::Contains("not a gatehouse ledger"));
        }
    }
}

TEST_CASE("opening a missing ledger read-only says so and creates nothing", "[storage][errors]") {
    TempDir dir;
    const auto path = dir / "absent.db";
    try {
        Ledger ledger({path, /*read_only=*/true});
        FAIL("opened a missing file");
    } catch (const LedgerError& e) {
        CHECK(e.fault() == LedgerFault::missing);
    }
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("a failed batch commits nothing", "[storage][errors]") {
    TempDir dir;
    Ledger ledger({dir / "ledger.db"});
    ledger.append_events(std::vector{event("t1", 1)});
    {
        // Another connection holds the write lock: the batch must fail as a whole.
        SQLite::Database other((dir / "ledger.db").string(), SQLite::OPEN_READWRITE);
        other.exec("BEGIN IMMEDIATE");
        Ledger impatient({dir / "ledger.db", false, /*busy_timeout_ms=*/50});
        CHECK_THROWS_AS(impatient.append_events(std::vector{event("t1", 2), event("t1", 3)}), LedgerError);
        other.exec("ROLLBACK");
    }
    CHECK(ledger.event_count() == 1);
    // And the ledger stays usable after the failure.
    CHECK(ledger.append_events(std::vector{event("t1", 2)}) == std::vector{AppendOutcome::stored});
}

TEST_CASE("disk full is reported as such, commits nothing of the batch and keeps what was committed",
          "[storage][errors]") {
    TempDir dir;
    std::int64_t pages = 0;
    {
        Ledger ledger({dir / "ledger.db"});
        ledger.append_events(std::vector{event("t1", 1)});
        SQLite::Database db((dir / "ledger.db").string());
        pages = db.execAndGet("PRAGMA page_count").getInt64();
    }
    LedgerOptions options{dir / "ledger.db"};
    options.max_pages = pages + 2;
    Ledger ledger(options);
    std::vector<EventRecord> big;
    for (int i = 2; i < 400; ++i) {
        big.push_back(event("t1", i));
        big.back().data_json = R"({"detail":")" + std::string(1000, 'x') + R"("})";
    }
    try {
        ledger.append_events(big);
        FAIL("a batch larger than the page cap was committed");
    } catch (const LedgerError& e) {
        CHECK(e.fault() == LedgerFault::disk_full);
        CHECK_THAT(e.what(), Catch::Contains("disk full"));
    }
    CHECK(ledger.event_count() == 1);
    CHECK(ledger.append_events(std::vector{event("t1", 2)}) == std::vector{AppendOutcome::stored});
}

TEST_CASE("person lists import all at once, replace or merge, and look up by person", "[storage][lists]") {
    TempDir dir;
    Ledger ledger({dir / "ledger.db"});
    ledger.import_person_list({{PersonListKind::allow, "E1", "A", 100, 200, ""}, {PersonListKind::deny, "V9", "", {}, {}, "why"}},
                              false);
    CHECK(ledger.find_person(PersonListKind::allow, "E1")->valid_until_ms == 200);
    CHECK_FALSE(ledger.find_person(PersonListKind::deny, "E1"));
    ledger.import_person_list({{PersonListKind::allow, "E2", "B", {}, {}, ""}}, false);  // merge
    CHECK(ledger.person_list(PersonListKind::allow).size() == 2);
    ledger.import_person_list({{PersonListKind::allow, "E3", "C", {}, {}, ""}}, true);  // replace the allow list only
    const auto all = ledger.person_list(std::nullopt);
    REQUIRE(all.size() == 2);
    CHECK(all[0].person == "E3");
    CHECK(all[1].person == "V9");
}
