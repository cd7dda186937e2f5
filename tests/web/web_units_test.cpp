// The web console's parts on their own: cursors, accounts and the users file, sessions, the login throttle and the
// [web] configuration.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/daemon/web/live_cursor.hpp"
#include "gatehouse/daemon/web/login_throttle.hpp"
#include "gatehouse/daemon/web/session_store.hpp"
#include "gatehouse/daemon/web/user_accounts.hpp"
#include "temp_dir.hpp"

using namespace gatehouse::daemon;
using namespace gatehouse::daemon::web;
using namespace std::chrono_literals;
using gatehouse::test::TempDir;

TEST_CASE("a live cursor round-trips through its text form and refuses anything else", "[web][cursor]") {
    const LiveCursor c{42, 7, 1003, 877};
    CHECK(c.to_string() == "a42.x7.d1003.s877");
    CHECK(LiveCursor::parse("a42.x7.d1003.s877") == c);
    CHECK(LiveCursor::parse("a0.x0.d0.s0") == LiveCursor{});
    CHECK(LiveCursor::parse("a9223372036854775807.x0.d0.s0")->alerts == INT64_MAX);
    for (const char* bad : {"", "a1", "a1.x2.d3", "a1.x2.d3.s4.", "a1.x2.d3.s4x", "x1.a2.d3.s4", "a-1.x2.d3.s4",
                            "a1.x2.d3.s99999999999999999999", "a 1.x2.d3.s4", "a1,x2,d3,s4", "A1.x2.d3.s4"}) {
        INFO(bad);
        CHECK_FALSE(LiveCursor::parse(bad));
    }
}

TEST_CASE("passwords are stored as argon2id hashes and checked against them", "[web][accounts]") {
    const std::string hash = hash_password("correct horse battery");
    CHECK(hash.rfind("$argon2id$", 0) == 0);
    CHECK(verify_password(hash, "correct horse battery"));
    CHECK_FALSE(verify_password(hash, "correct horse batterY"));
    CHECK_FALSE(verify_password("not a hash", "correct horse battery"));
    CHECK(hash_password("correct horse battery") != hash);  // salted

    CHECK(check_new_password("short", "li").find("10") != std::string::npos);
    CHECK(check_new_password("li.wei.guard", "li.wei.guard").find("account name") != std::string::npos);
    CHECK(check_new_password("a good long passphrase", "li").empty());
    CHECK(check_user_name("li.wei@north-gate_2").empty());
    CHECK_FALSE(check_user_name("").empty());
    CHECK_FALSE(check_user_name("li wei").empty());
    CHECK_FALSE(check_user_name("li:wei").empty());
    CHECK_FALSE(check_user_name(std::string(65, 'a')).empty());
    CHECK(allows(Role::admin, Role::guard));
    CHECK(allows(Role::guard, Role::viewer));
    CHECK_FALSE(allows(Role::viewer, Role::guard));
    CHECK_FALSE(allows(Role::guard, Role::admin));
}

TEST_CASE("the users file is read and written back, and a bad line is named", "[web][accounts]") {
    TempDir dir;
    const auto path = dir / "users";
    CHECK(UsersFile::load(path).accounts().empty());  // a missing file: no accounts yet

    UsersFile file;
    file.put({"li", Role::guard, hash_password("guard password 1")});
    file.put({"ada", Role::admin, hash_password("admin password 1")});
    file.save(path);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    UsersFile read = UsersFile::load(path);
    REQUIRE(read.accounts().size() == 2);
    CHECK(read.find("li")->role == Role::guard);
    CHECK(verify_password(read.find("ada")->password_hash, "admin password 1"));
    CHECK(read.remove("li"));
    CHECK_FALSE(read.remove("li"));
    read.save(path);
    ::chmod(path.c_str(), 0640);
    read.put({"zhao", Role::viewer, read.find("ada")->password_hash});
    read.save(path);
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0640);  // the mode an administrator chose stays
    CHECK(UsersFile::load(path).accounts().size() == 2);

    const std::string hash = read.find("ada")->password_hash;
    CHECK_THROWS_WITH(UsersFile::parse("# comment\n\nli:guard:" + hash + "\nbad line\n", "users"),
                      Catch::Contains("users:4") && Catch::Contains("name:role:hash"));
    CHECK_THROWS_WITH(UsersFile::parse("li:boss:" + hash + "\n", "users"), Catch::Contains("users:1") && Catch::Contains("role"));
    CHECK_THROWS_WITH(UsersFile::parse("li:guard:plain-text\n", "users"), Catch::Contains("argon2id"));
    CHECK_THROWS_WITH(UsersFile::parse("li:guard:" + hash + "\nli:admin:" + hash + "\n", "users"), Catch::Contains("twice"));
    CHECK(UsersFile::parse("li:guard:" + hash + "\r\n", "users").find("li")->password_hash == hash);
}

TEST_CASE("a session ends after its idle time, and at the latest after its lifetime", "[web][sessions]") {
    SessionStore sessions(30min, 12h);
    const auto t0 = SessionStore::Clock::time_point{} + 1000h;
    const std::string token = sessions.create({"li", Role::guard, "", "hash-1", "10.0.0.5"}, t0);
    CHECK(token.size() == 64);
    const auto s = sessions.find(token, t0 + 29min);
    REQUIRE(s);
    CHECK(s->user == "li");
    CHECK(s->csrf_token.size() == 64);
    CHECK(s->csrf_token != token);
    // Another token of the same length (its first character changed, whatever it was) is not a session.
    const std::string forged = (token[0] == '0' ? "1" : "0") + token.substr(1);
    CHECK_FALSE(sessions.find(forged, t0 + 29min));
    CHECK_FALSE(sessions.find("", t0));

    // Activity keeps it alive (each find touched it) … until the lifetime ends it.
    auto t = t0 + 29min;
    for (int i = 0; i < 23; ++i) {
        t += 29min;
        REQUIRE(sessions.find(token, t));
    }
    CHECK_FALSE(sessions.find(token, t0 + 12h));

    const std::string idle = sessions.create({"li", Role::guard, "", "hash-1", ""}, t0);
    CHECK(sessions.find(idle, t0 + 10min, /*touch=*/false));
    CHECK_FALSE(sessions.find(idle, t0 + 30min));  // not touched at 10 min: idle since t0

    const std::string a = sessions.create({"li", Role::guard, "", "hash-1", ""}, t0);
    const std::string b = sessions.create({"ada", Role::admin, "", "hash-2", ""}, t0);
    sessions.set_role("li", Role::viewer);
    CHECK(sessions.find(a, t0)->role == Role::viewer);
    CHECK(sessions.end_stale("li", std::string("hash-1")) == 0);  // same password: kept
    CHECK(sessions.end_stale("li", std::string("hash-new")) == 1);
    CHECK_FALSE(sessions.find(a, t0));
    CHECK(sessions.end_stale("ada", std::nullopt) == 1);  // account removed
    CHECK_FALSE(sessions.find(b, t0));
    const std::string c = sessions.create({"li", Role::guard, "", "h", ""}, t0);
    sessions.end(c);
    CHECK_FALSE(sessions.find(c, t0));
}

TEST_CASE("the session store is bounded: the session idle for longest goes first", "[web][sessions]") {
    SessionStore sessions(1h, 12h, 2);
    const auto t0 = SessionStore::Clock::time_point{} + 1000h;
    const std::string first = sessions.create({"a", Role::viewer, "", "", ""}, t0);
    const std::string second = sessions.create({"b", Role::viewer, "", "", ""}, t0 + 1s);
    REQUIRE(sessions.find(first, t0 + 2s));  // first is now the more recently used
    const std::string third = sessions.create({"c", Role::viewer, "", "", ""}, t0 + 3s);
    CHECK(sessions.size() == 2);
    CHECK(sessions.find(first, t0 + 4s));
    CHECK_FALSE(sessions.find(second, t0 + 4s));
    CHECK(sessions.find(third, t0 + 4s));
}

TEST_CASE("logins are throttled per account and per address within the window", "[web][throttle]") {
    LoginThrottle throttle(3, 5, 15min);
    const auto t0 = LoginThrottle::Clock::time_point{} + 1000h;
    for (int i = 0; i < 3; ++i) {
        CHECK(throttle.wait_time("li", "10.0.0.1", t0 + i * 1s) == 0ms);
        throttle.failed("li", "10.0.0.1", t0 + i * 1s);
    }
    // The fourth try on the account waits until the first failure leaves the window, from any address.
    CHECK(throttle.wait_time("li", "10.0.0.1", t0 + 3s) == 15min - 3s);
    CHECK(throttle.wait_time("li", "10.0.0.2", t0 + 3s) == 15min - 3s);
    CHECK(throttle.wait_time("li", "10.0.0.2", t0 + 15min) == 0ms);
    // Other accounts from the same address: two more failures fill the address's five.
    throttle.failed("ada", "10.0.0.1", t0 + 4s);
    CHECK(throttle.wait_time("zhao", "10.0.0.1", t0 + 5s) == 0ms);
    throttle.failed("zhao", "10.0.0.1", t0 + 5s);
    CHECK(throttle.wait_time("wang", "10.0.0.1", t0 + 6s) > 0ms);
    CHECK(throttle.wait_time("wang", "10.0.0.9", t0 + 6s) == 0ms);
    // A success clears the account, not the address.
    throttle.succeeded("li");
    CHECK(throttle.wait_time("li", "10.0.0.7", t0 + 7s) == 0ms);
    CHECK(throttle.wait_time("li", "10.0.0.1", t0 + 7s) > 0ms);
}

TEST_CASE("the login throttle forgets the oldest keys beyond its bound", "[web][throttle]") {
    LoginThrottle throttle(1, 1000, 15min, 3);
    const auto t0 = LoginThrottle::Clock::time_point{} + 1000h;
    for (int i = 0; i < 4; ++i) throttle.failed("user" + std::to_string(i), "a" + std::to_string(i), t0 + i * 1s);
    CHECK(throttle.wait_time("user0", "z", t0 + 5s) == 0ms);  // forgotten
    CHECK(throttle.wait_time("user3", "z", t0 + 5s) > 0ms);
}

namespace {

GatewayConfig with_web(const std::string& web) {
    return parse_config("[security]\ninsecure_plaintext = true\n[web]\n" + web, "test.toml");
}

}  // namespace

TEST_CASE("[web] is read with its defaults, and plain HTTP is refused off loopback", "[web][config]") {
    CHECK_FALSE(parse_config("", "test.toml").web.enabled());
    const WebConfig c = with_web("listen = \"127.0.0.1:8480\"\n").web;
    CHECK(c.enabled());
    CHECK_FALSE(c.tls());
    CHECK(c.users_file == "/etc/gatehouse/users");
    CHECK(c.session_idle_timeout == 30min);
    CHECK(c.session_lifetime == 12h);
    CHECK(c.max_live_clients == 100);
    CHECK(with_web("listen = \"[::1]:8480\"\n").web.enabled());
    CHECK(with_web("listen = \"localhost:0\"\n").web.enabled());

    CHECK_THROWS_WITH(with_web("listen = \"0.0.0.0:8443\"\n"), Catch::Contains("test.toml:4") && Catch::Contains("no TLS"));
    CHECK(with_web("listen = \"0.0.0.0:8443\"\ninsecure_plaintext = true\n").web.insecure_plaintext);
    const WebConfig tls = with_web("listen = \"0.0.0.0:8443\"\ntls_certificate_file = \"/etc/gatehouse/web.crt\"\n"
                                   "tls_key_file = \"/etc/gatehouse/web.key\"\n")
                              .web;
    CHECK(tls.tls());
    CHECK_THROWS_WITH(with_web("listen = \"0.0.0.0:8443\"\ntls_certificate_file = \"/x.crt\"\n"), Catch::Contains("tls_key_file"));
    CHECK_THROWS_WITH(with_web("listen = \"0.0.0.0:8443\"\ntls_certificate_file = \"/x.crt\"\ntls_key_file = \"/x.key\"\n"
                               "insecure_plaintext = true\n"),
                      Catch::Contains("contradicts"));
    CHECK_THROWS_WITH(with_web("listen = \"8443\"\n"), Catch::Contains("HOST:PORT"));
    CHECK_THROWS_WITH(with_web("listen = \"127.0.0.1:99999\"\n"), Catch::Contains("HOST:PORT"));
    CHECK_THROWS_WITH(with_web("listen = \"127.0.0.1:80\"\nmax_live_clients = 0\n"), Catch::Contains("max_live_clients"));
    CHECK_THROWS_WITH(with_web("listen = \"127.0.0.1:80\"\nsession_lifetime_s = 60\nsession_idle_timeout_s = 120\n"),
                      Catch::Contains("session_lifetime_s"));
    CHECK_THROWS_WITH(with_web("listen = \"127.0.0.1:80\"\nlisten_port = 1\n"), Catch::Contains("unknown key"));
    CHECK_THROWS_WITH(parse_config("[security]\ninsecure_plaintext = true\n[listen]\nconsoles = \"\"\n[web]\nlisten = \"127.0.0.1:1\"\n",
                                   "test.toml"),
                      Catch::Contains("listen.consoles"));
}

TEST_CASE("loopback hosts are told from network addresses", "[web][config]") {
    for (const char* host : {"127.0.0.1", "127.1.2.3", "::1", "localhost"}) CHECK(is_loopback_host(host));
    for (const char* host : {"0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "128.0.0.1", "example.org", ""}) CHECK_FALSE(is_loopback_host(host));
    const auto a = parse_listen_address("[::1]:8443");
    REQUIRE(a);
    CHECK(a->host == "::1");
    CHECK(a->port == 8443);
    CHECK_FALSE(parse_listen_address(":8443"));
    CHECK_FALSE(parse_listen_address("host:"));
    CHECK_FALSE(parse_listen_address("host:-1"));
}
