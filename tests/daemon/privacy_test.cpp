// Pseudonyms (HMAC-SHA256, RFC 4231 vectors), the retention schedule's clock checks, the [retention] and
// [privacy] configuration, and private file modes.
#include <catch2/catch.hpp>

#include <fstream>

#include <sys/stat.h>

#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/daemon/private_files.hpp"
#include "gatehouse/daemon/pseudonymiser.hpp"
#include "gatehouse/daemon/retention_purger.hpp"
#include "temp_dir.hpp"

using namespace gatehouse::daemon;
using gatehouse::test::TempDir;

namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kNow = 1'800'000'000'000;

unsigned mode_of(const std::filesystem::path& path) {
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    return info.st_mode & 07777;
}

void write_file(const std::filesystem::path& path, const std::string& text, unsigned mode) {
    std::ofstream(path, std::ios::binary) << text;
    REQUIRE(::chmod(path.c_str(), mode) == 0);
}

}  // namespace

TEST_CASE("HMAC-SHA256 matches the RFC 4231 test vectors", "[daemon][privacy]") {
    // Test case 1: key = 0x0b x 20, data = "Hi There".
    CHECK(hmac_sha256_hex(std::string(20, '\x0b'), "Hi There") ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    // Test case 2: key = "Jefe", data = "what do ya want for nothing?".
    CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    // Test case 6: a key longer than the block size (131 bytes of 0xaa).
    CHECK(hmac_sha256_hex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First") ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("a pseudonym is the first 128 bits of the HMAC, stable per secret and different across secrets", "[daemon][privacy]") {
    const Pseudonymiser site_a(std::string(20, '\x0b'));
    CHECK(site_a.pseudonym("Hi There") == "b0344c61d8db38535ca8afceaf0bf12b");
    CHECK(site_a.pseudonym("E1004") == site_a.pseudonym("E1004"));
    CHECK(site_a.pseudonym("E1004") != site_a.pseudonym("E1005"));
    const Pseudonymiser site_b("another site's secret, 32 bytes!");
    CHECK(site_b.pseudonym("E1004") != site_a.pseudonym("E1004"));
    CHECK_THROWS_AS(Pseudonymiser("too short"), std::invalid_argument);
}

TEST_CASE("the site secret file must be private and long enough", "[daemon][privacy]") {
    TempDir dir;
    const auto file = dir / "site.secret";
    write_file(file, "0123456789abcdef0123456789abcdef\n", 0600);
    // One trailing newline is not part of the secret.
    CHECK(Pseudonymiser::from_file(file).pseudonym("E1") == Pseudonymiser("0123456789abcdef0123456789abcdef").pseudonym("E1"));
    write_file(file, "0123456789abcdef0123456789abcdef\n", 0640);
    CHECK_THROWS_WITH(Pseudonymiser::from_file(file), Catch::Contains("0640") && Catch::Contains("group or others"));
    write_file(file, "short\n", 0600);
    CHECK_THROWS_WITH(Pseudonymiser::from_file(file), Catch::Contains("at least 16"));
    CHECK_THROWS_WITH(Pseudonymiser::from_file(dir / "missing"), Catch::Contains("missing"));
}

TEST_CASE("retention cutoffs follow the configured days per kind", "[daemon][retention]") {
    RetentionConfig c;
    const auto cut = retention_cutoffs(c, kNow);
    CHECK(cut.events_ms == kNow - 14 * kDay);
    CHECK(cut.screenings_ms == kNow - 14 * kDay);
    CHECK(cut.decisions_ms == kNow - 14 * kDay);
    CHECK(cut.alerts_ms == kNow - 30 * kDay);
    CHECK(cut.snapshots_ms == kNow - 7 * kDay);
}

TEST_CASE("the purge is held while the wall clock is unset or has jumped ahead", "[daemon][retention]") {
    RetentionSchedule schedule{RetentionConfig{}};
    const auto t0 = std::chrono::steady_clock::now();
    std::string why;
    // An unset RTC (1970) is no time to age records by.
    CHECK_FALSE(schedule.cutoffs(1000, t0, why));
    CHECK_THAT(why, Catch::Contains("before 2024"));
    REQUIRE(schedule.cutoffs(kNow, t0, why));
    CHECK(why.empty());
    // One minute later by both clocks: fine.
    REQUIRE(schedule.cutoffs(kNow + 60'000, t0 + std::chrono::minutes(1), why));
    // The wall clock leaps a year ahead while a minute passes: held, and still held half an hour later.
    CHECK_FALSE(schedule.cutoffs(kNow + 365 * kDay, t0 + std::chrono::minutes(2), why));
    CHECK_THAT(why, Catch::Contains("jumped ahead"));
    CHECK_FALSE(schedule.cutoffs(kNow + 365 * kDay + 1'800'000, t0 + std::chrono::minutes(32), why));
    // After the hold a clock that kept going is believed.
    const auto after = schedule.cutoffs(kNow + 365 * kDay + 3'900'000, t0 + std::chrono::minutes(67), why);
    REQUIRE(after);
    CHECK(after->events_ms == kNow + 365 * kDay + 3'900'000 - 14 * kDay);
    // A clock set back only purges less: not held.
    CHECK(schedule.cutoffs(kNow, t0 + std::chrono::minutes(68), why));
}

TEST_CASE("[retention] and [privacy] are read strictly", "[daemon][config][privacy]") {
    const auto c = parse_config(R"(
[retention]
events_days = 7
screenings_days = 10
decisions_days = 21
alerts_days = 60
snapshots_days = 3
batch_size = 200
batch_pause_ms = 5
interval_s = 30

[privacy]
pseudonymise_upstream = true
site_secret_file = "/etc/gatehouse/site.secret"
)",
                                "t.toml");
    CHECK(c.retention.events_days == 7);
    CHECK(c.retention.screenings_days == 10);
    CHECK(c.retention.decisions_days == 21);
    CHECK(c.retention.alerts_days == 60);
    CHECK(c.retention.snapshots_days == 3);
    CHECK(c.retention.batch_size == 200);
    CHECK(c.retention.batch_pause == std::chrono::milliseconds(5));
    CHECK(c.retention.interval == std::chrono::seconds(30));
    CHECK(c.privacy.pseudonymise_upstream);
    CHECK(c.privacy.site_secret_file == std::filesystem::path("/etc/gatehouse/site.secret"));

    const auto defaults = parse_config("", "empty.toml");
    CHECK(defaults.retention == RetentionConfig{});
    CHECK_FALSE(defaults.privacy.pseudonymise_upstream);

    CHECK_THROWS_WITH(parse_config("[retention]\nevent_days = 3\n", "t.toml"), Catch::Contains("retention.event_days: unknown key"));
    CHECK_THROWS_WITH(parse_config("[retention]\nevents_days = 0\n", "t.toml"), Catch::Contains("out of range"));
    CHECK_THROWS_WITH(parse_config("[retention]\nsnapshots_days = 20\n", "t.toml"),
                      Catch::Contains("t.toml:2:") && Catch::Contains("retention.snapshots_days: must not exceed screenings_days"));
    CHECK_THROWS_WITH(parse_config("[privacy]\npseudonymise_upstream = true\n", "t.toml"),
                      Catch::Contains("privacy.site_secret_file: required key is missing"));
    CHECK_THROWS_WITH(parse_config("[privacy]\npseudonymise = true\n", "t.toml"), Catch::Contains("unknown key"));
}

TEST_CASE("group- or world-accessible data files are tightened to 0600/0700", "[daemon][privacy]") {
    TempDir dir;
    const auto data = dir / "data";
    create_private_directory(data / "snapshots" / "cam1");
    CHECK(mode_of(data) == 0700);
    CHECK(mode_of(data / "snapshots" / "cam1") == 0700);
    REQUIRE(::chmod(data.c_str(), 0755) == 0);
    write_file(data / "ledger.db", "x", 0644);
    write_file(data / "ledger.db-wal", "x", 0600);
    const auto findings = enforce_private_modes(ledger_files(data / "ledger.db"));
    REQUIRE(findings.size() == 1);  // -wal was private, -shm does not exist
    CHECK(findings[0].path == data / "ledger.db");
    CHECK(findings[0].old_mode == 0644);
    CHECK(findings[0].fixed);
    CHECK(mode_of(data / "ledger.db") == 0600);
    CHECK(enforce_private_modes(ledger_files(data / "ledger.db")).empty());
    // The ledger's directory may be shared: reported, left as it is.
    const auto directory = enforce_private_modes({data}, LooseMode::report);
    REQUIRE(directory.size() == 1);
    CHECK(directory[0].old_mode == 0755);
    CHECK_FALSE(directory[0].fixed);
    CHECK(mode_of(data) == 0755);
    // Our own snapshot directory is tightened.
    REQUIRE(::chmod((data / "snapshots").c_str(), 0750) == 0);
    CHECK(enforce_private_modes({data / "snapshots"}).size() == 1);
    CHECK(mode_of(data / "snapshots") == 0700);
}
