// `gatehouse users`: the accounts file an administrator manages, as the daemon will read it.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "child_process.hpp"
#include "gatehouse/daemon/web/user_accounts.hpp"
#include "json_lines.hpp"
#include "temp_dir.hpp"

using namespace gatehouse;
using namespace gatehouse::test;

namespace {

// `gatehouse users ARGS` with `input` on standard input.
CommandResult users(const TempDir& dir, const std::string& args, const std::string& input = "") {
    const std::string command = "printf '%s\\n' '" + input + "' | " + bin("gatehouse") + " users " + args;
    return run_command("/bin/sh", {"-c", command}, dir.path());
}

}  // namespace

TEST_CASE("gatehouse users adds, lists, changes and removes accounts in the users file", "[web][cli][users]") {
    TempDir dir;
    const std::string file = "--users-file " + (dir / "users").string();
    auto added = users(dir, "add li.wei --role guard --password-stdin " + file, "a long guard password");
    REQUIRE(added.exit_code == 0);
    CHECK_THAT(added.out, Catch::Contains("added guard 'li.wei'"));
    struct stat st {};
    REQUIRE(::stat((dir / "users").c_str(), &st) == 0);
    CHECK((st.st_mode & 0077) == 0);  // password hashes: not for others (0600, or 0640 root:gatehouse when root)
    CHECK(users(dir, "add ada --role admin --password-stdin " + file, "the admin password").exit_code == 0);

    const auto listed = json_lines(users(dir, "list --json " + file).out);
    REQUIRE(listed.size() == 2);
    CHECK(listed[0] == nlohmann::json{{"name", "li.wei"}, {"role", "guard"}});
    CHECK(listed[1]["role"] == "admin");
    const auto table = users(dir, "list " + file);
    CHECK_THAT(table.out, Catch::Contains("li.wei") && Catch::Contains("2 accounts"));
    auto file_now = daemon::web::UsersFile::load(dir / "users");
    CHECK(daemon::web::verify_password(file_now.find("li.wei")->password_hash, "a long guard password"));

    CHECK(users(dir, "passwd li.wei --password-stdin " + file, "another long password").exit_code == 0);
    CHECK(daemon::web::verify_password(daemon::web::UsersFile::load(dir / "users").find("li.wei")->password_hash, "another long password"));
    CHECK(users(dir, "set-role li.wei viewer " + file).exit_code == 0);
    CHECK(daemon::web::UsersFile::load(dir / "users").find("li.wei")->role == daemon::web::Role::viewer);
    CHECK(users(dir, "remove li.wei " + file).exit_code == 0);
    CHECK_FALSE(daemon::web::UsersFile::load(dir / "users").find("li.wei"));

    // Refusals say why and change nothing.
    const auto duplicate = users(dir, "add ada --role guard --password-stdin " + file, "whatever password");
    CHECK(duplicate.exit_code == 1);
    CHECK_THAT(duplicate.err, Catch::Contains("exists"));
    const auto short_pw = users(dir, "add zhao --role guard --password-stdin " + file, "short");
    CHECK(short_pw.exit_code == 64);
    CHECK_THAT(short_pw.err, Catch::Contains("10 characters"));
    const auto bad_name = users(dir, "add 'zhao wei' --role guard --password-stdin " + file, "a long password here");
    CHECK(bad_name.exit_code == 64);
    const auto bad_role = users(dir, "add zhao --role boss --password-stdin " + file, "a long password here");
    CHECK(bad_role.exit_code == 64);
    const auto no_tty = users(dir, "add zhao --role guard " + file, "a long password here");
    CHECK(no_tty.exit_code == 64);
    CHECK_THAT(no_tty.err, Catch::Contains("--password-stdin"));
    CHECK(users(dir, "remove nobody " + file).exit_code == 1);
    CHECK(daemon::web::UsersFile::load(dir / "users").accounts().size() == 1);

    std::ofstream(dir / "broken") << "ada:admin:not-a-hash\n";
    const auto broken = users(dir, "list --users-file " + (dir / "broken").string());
    CHECK(broken.exit_code == 65);
    CHECK_THAT(broken.err, Catch::Contains("broken:1"));
}
