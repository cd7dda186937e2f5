// Operating commands against real files and the real daemon: `lists show` aligned by display width,
// `gatehouse backup` of a ledger the daemon is writing, and its restore into a new ledger.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "eventually.hpp"
#include "gateway_fixture.hpp"
#include "json_lines.hpp"
#include "test_terminal.hpp"

using namespace gatehouse::test;
using nlohmann::json;

namespace {

/// Terminal columns of a UTF-8 line as a reader sees it: CJK ideographs take two, everything else here one.
std::size_t columns(const std::string& text) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < text.size();) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
        // Every non-ASCII character in this test is a CJK ideograph (3 bytes in UTF-8, two columns).
        width += length == 3 ? 2 : 1;
        i += length;
    }
    return width;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

}  // namespace

TEST_CASE("gatehouse lists show aligns Chinese names by display width", "[integration][cli][lists]") {
    TempDir dir;
    const std::string ledger = (dir / "ledger.db").string();
    std::ofstream(dir / "lists.csv") << "list,person,name,valid_from,valid_until,note\n"
                                        "allow,E1,张三,,,night shift\n"
                                        "allow,E2,李四光明,,,lab\n"
                                        "allow,E3,Zhang Wei,,,visitor\n"
                                        "deny,E4,王Li,,,badge lost\n";
    REQUIRE(run_command(bin("gatehouse"), {"lists", "import", (dir / "lists.csv").string(), "--ledger", ledger},
                        dir.path()).exit_code == 0);
    const auto show = run_command(bin("gatehouse"), {"lists", "show", "--ledger", ledger}, dir.path());
    REQUIRE(show.exit_code == 0);
    const auto lines = lines_of(show.out);
    REQUIRE(lines.size() >= 5);
    // The column after NAME starts at the same screen column on every line: header and the four rows.
    const std::size_t header_at = columns(lines[0].substr(0, lines[0].find("VALID FROM")));
    for (std::size_t i = 1; i <= 4; ++i) {
        INFO(lines[i]);
        const auto dash = lines[i].find(" -");  // VALID FROM is empty ("-") in every row
        REQUIRE(dash != std::string::npos);
        CHECK(columns(lines[i].substr(0, dash + 1)) == header_at);
    }
}

TEST_CASE("gatehouse backup copies the ledger while the daemon writes, the copy restores into a new ledger",
          "[integration][cli][backup]") {
    GatewayFixture gw(2);
    TestTerminal t2(gw.context(), gw.endpoint(), "t2");
    constexpr int kBefore = 300;
    for (int seq = 1; seq <= kBefore; ++seq) t2.send_event(seq);
    for (int i = 0; i < kBefore; ++i) REQUIRE(t2.expect_reply()["type"] == "ack");

    // The daemon keeps writing during the backup.
    std::atomic<bool> writing{true};
    std::atomic<int> sent{kBefore};
    std::thread writer([&] {
        TestTerminal t1(gw.context(), gw.endpoint(), "t1");
        for (int seq = 1; writing && seq <= 5000; ++seq) {
            t1.send_event(seq);
            (void)t1.expect_reply();
            ++sent;
        }
    });
    const auto backup_file = gw.dir() / "backup" / "ledger-copy.db";
    std::filesystem::create_directories(backup_file.parent_path());
    const auto r = run_command(bin("gatehouse"), {"backup", "--config", gw.config_path().string(), "--out",
                                                  backup_file.string(), "--json"}, gw.dir().path());
    writing = false;
    writer.join();
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const json result = json::parse(r.out);
    CHECK(result["integrity"] == "ok");
    CHECK(result["out"] == backup_file.string());
    CHECK(result["pages"].get<int>() > 0);
    struct stat st {};
    REQUIRE(::stat(backup_file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK_FALSE(std::filesystem::exists(backup_file.string() + ".partial"));
    CHECK_FALSE(std::filesystem::exists(backup_file.string() + "-wal"));

    // An existing file is not replaced without --force.
    const auto again = run_command(bin("gatehouse"), {"backup", "--config", gw.config_path().string(), "--out",
                                                      backup_file.string()}, gw.dir().path());
    CHECK(again.exit_code == 73);
    CHECK_THAT(again.err, Catch::Contains("--force"));

    // Restore as docs/install.md says: stop the daemon, copy the backup over ledger.path (a new ledger here),
    // start it; the history is there.
    gw.process().signal(SIGTERM);
    REQUIRE(gw.process().wait() == 0);
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(gw.ledger_path().string() + suffix);
    std::filesystem::copy_file(backup_file, gw.ledger_path());
    gw.start();
    const auto query = run_command(bin("gatehouse"), {"query", "--ledger", gw.ledger_path().string(), "--terminal", "t2", "--all",
                                                      "--json"}, gw.dir().path());
    INFO(query.err);
    REQUIRE(query.exit_code == 0);
    CHECK(json_lines(query.out).size() == static_cast<std::size_t>(kBefore));
}

TEST_CASE("gatehouse backup: progress on a terminal only, a missing ledger is a clear error", "[integration][cli][backup]") {
    TempDir dir;
    const auto missing = run_command(bin("gatehouse"), {"backup", "--ledger", (dir / "none.db").string(), "--out",
                                                        (dir / "b.db").string()}, dir.path());
    CHECK(missing.exit_code == 66);
    CHECK_THAT(missing.err, Catch::Contains("none.db"));
    CHECK_FALSE(std::filesystem::exists(dir / "b.db"));
}

TEST_CASE("gatehouse sim refuses a production-looking gateway unless told explicitly", "[integration][cli][sim]") {
    // Forwarding upstream: the simulated people would reach the campus platform (the broker port is closed here).
    GatewayFixture gw(2, "[forwarding]\nenabled = true\n[[forwarding.sinks]]\nname = \"campus-broker\"\ntype = \"mqtt\"\n"
                         "host = \"127.0.0.1\"\nport = 9\n");
    const std::vector<std::string> sim{"sim", "--config", gw.config_path().string(), "--endpoint", gw.endpoint(),
                                       "--count", "20", "--json"};
    const auto refused = run_command(bin("gatehouse"), sim, gw.dir().path());
    CHECK(refused.exit_code == 64);
    CHECK_THAT(refused.err, Catch::Contains("campus-broker") && Catch::Contains("--i-know-this-is-production"));
    CHECK(gw.status()["counters"]["events_stored"] == 0);  // nothing was sent

    auto explicit_run = sim;
    explicit_run.push_back("--i-know-this-is-production");
    const auto ran = run_command(bin("gatehouse"), explicit_run, gw.dir().path());
    INFO(ran.err);
    CHECK(ran.exit_code == 0);
    CHECK(json::parse(ran.out)["acked"] == 20);

    // The service's ledger (the README's old example): refused before anything is sent.
    std::ifstream in(gw.config_path());
    std::string text((std::istreambuf_iterator<char>(in)), {});
    const std::string ledger_line = "path = \"" + gw.ledger_path().string() + "\"";
    REQUIRE(text.find(ledger_line) != std::string::npos);
    text.replace(text.find(ledger_line), ledger_line.size(), "path = \"/var/lib/gatehouse/ledger.db\"");
    const auto service_config = gw.dir() / "service.toml";
    std::ofstream(service_config) << text;
    const auto service = run_command(bin("gatehouse"), {"sim", "--config", service_config.string(), "--endpoint",
                                                        gw.endpoint(), "--count", "5"}, gw.dir().path());
    CHECK(service.exit_code == 64);
    CHECK_THAT(service.err, Catch::Contains("/var/lib/gatehouse/ledger.db"));

    // Without a configuration it cannot tell.
    const auto blind = run_command(bin("gatehouse"), {"sim", "--endpoint", gw.endpoint(), "--terminal", "t1", "--count", "5"},
                                   gw.dir().path());
    CHECK(blind.exit_code == 64);
    CHECK_THAT(blind.err, Catch::Contains("--config"));
}

TEST_CASE("gatehouse terminals enroll makes the key pair and the stanza, the enrolled terminal connects, list shows it",
          "[integration][cli][terminals]") {
    GatewayFixture gw(1, "", "", "", Transport::curve);
    const auto keys = gw.dir() / "terminal-keys";
    const auto enrolled = run_command(bin("gatehouse"), {"terminals", "enroll", "south-9", "--gate", "g2", "--kind", "turnstile",
                                                         "--key-dir", keys.string(), "--append", gw.config_path().string(),
                                                         "--json"}, gw.dir().path());
    INFO(enrolled.err);
    REQUIRE(enrolled.exit_code == 0);
    const json result = json::parse(enrolled.out);
    struct stat st {};
    REQUIRE(::stat((keys / "south-9.key").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(::stat(keys.c_str(), &st) == 0);
    CHECK((st.st_mode & 0077) == 0);
    CHECK_THAT(result["stanza"].get<std::string>(), Catch::Contains("id = \"south-9\"") && Catch::Contains("gate = \"g2\""));

    // The same id again, or an unknown gate: refused, the configuration untouched.
    const auto twice = run_command(bin("gatehouse"), {"terminals", "enroll", "south-9", "--gate", "g2", "--key-dir",
                                                      keys.string(), "--append", gw.config_path().string()}, gw.dir().path());
    CHECK(twice.exit_code == 64);
    CHECK_THAT(twice.err, Catch::Contains("already"));
    const auto no_gate = run_command(bin("gatehouse"), {"terminals", "enroll", "x-1", "--gate", "nowhere", "--key-dir",
                                                        keys.string(), "--append", gw.config_path().string()}, gw.dir().path());
    CHECK(no_gate.exit_code == 64);
    CHECK_THAT(no_gate.err, Catch::Contains("g1, g2"));
    CHECK_FALSE(std::filesystem::exists(keys / "x-1.key"));

    // Without --append the stanza is printed.
    const auto printed = run_command(bin("gatehouse"), {"terminals", "enroll", "lab-1", "--gate", "g1", "--key-dir",
                                                        keys.string()}, gw.dir().path());
    REQUIRE(printed.exit_code == 0);
    CHECK_THAT(printed.out, Catch::StartsWith("[[terminals]]\nid = \"lab-1\""));

    // Reloaded, the new terminal talks CURVE with its enrolled key.
    REQUIRE(gw.control({{"v", 1}, {"cmd", "reload"}})["ok"] == true);
    const auto key = gatehouse::ipc::load_secret_key_file(keys / "south-9.key");
    TestTerminal terminal(gw.context(), gw.endpoint(), "south-9", key, gw.server_key().public_key);
    terminal.send_event(1);
    REQUIRE(terminal.expect_reply()["type"] == "ack");

    const auto list = run_command(bin("gatehouse"), {"terminals", "list", "--control", gw.control_endpoint(), "--json"},
                                  gw.dir().path());
    REQUIRE(list.exit_code == 0);
    const auto rows = json_lines(list.out);
    REQUIRE(rows.size() == 2);
    const json& south = rows[0]["id"] == "south-9" ? rows[0] : rows[1];
    CHECK(south["online"] == true);
    CHECK(south["gate"] == "g2");
    CHECK_THAT(south["last_seen"].get<std::string>(), Catch::Matches(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d)"));
    const auto table = run_command(bin("gatehouse"), {"terminals", "list", "--control", gw.control_endpoint()}, gw.dir().path());
    REQUIRE(table.exit_code == 0);
    CHECK_THAT(table.out, Catch::Contains("south-9") && Catch::Contains("online") && Catch::Contains("never"));
}

TEST_CASE("lists: a valid_until date is the end of that local day of gateway.timezone, show prints local time",
          "[integration][cli][lists][timezone]") {
    GatewayFixture gw(1, "", "", "", Transport::plaintext, /*start_now=*/false);
    gw.edit_config("id = \"test-gw\"", "id = \"test-gw\"\ntimezone = \"Asia/Shanghai\"");
    std::ofstream(gw.dir() / "lists.csv") << "list,person,name,valid_from,valid_until,note\nallow,E1,张三,2026-06-01,2026-06-30,\n";
    const std::string config = gw.config_path().string();
    REQUIRE(run_command(bin("gatehouse"), {"lists", "import", (gw.dir() / "lists.csv").string(), "--config", config},
                        gw.dir().path()).exit_code == 0);
    const auto json_rows = json_lines(run_command(bin("gatehouse"), {"lists", "show", "--config", config, "--json"},
                                                  gw.dir().path()).out);
    REQUIRE(json_rows.size() == 1);
    CHECK(json_rows[0]["valid_from"] == "2026-05-31T16:00:00.000Z");   // 00:00 +08:00
    CHECK(json_rows[0]["valid_until"] == "2026-06-30T15:59:59.999Z");  // 24:00 +08:00, not 08:00 the next day
    const auto table = run_command(bin("gatehouse"), {"lists", "show", "--config", config}, gw.dir().path());
    CHECK_THAT(table.out, Catch::Contains("2026-06-01 00:00:00 +0800") && Catch::Contains("2026-06-30 23:59:59 +0800"));
}
