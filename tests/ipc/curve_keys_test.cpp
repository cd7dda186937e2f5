// CURVE key files: generation, modes, refusal of a secret others can read, public keys as text or files.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>

#include "gatehouse/ipc/curve_keys.hpp"
#include "temp_dir.hpp"

using namespace gatehouse::ipc;
using gatehouse::test::TempDir;

namespace {
unsigned mode_of(const std::filesystem::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 0777;
}
}  // namespace

TEST_CASE("a generated key pair is Z85 and its public key derives from the secret", "[ipc][curve]") {
    const CurveKeyPair k = generate_curve_keypair();
    CHECK(is_z85_key(k.public_key));
    CHECK(is_z85_key(k.secret_key));
    CHECK(k.public_key != k.secret_key);
    CHECK(curve_public_key(k.secret_key) == k.public_key);
    CHECK_FALSE(is_z85_key("short"));
    CHECK_FALSE(is_z85_key(std::string(40, ' ')));
    CHECK_THROWS_AS(curve_public_key("not a key"), CurveKeyError);
}

TEST_CASE("key files: secret 0600, public 0644, loaded back, no overwrite without asking", "[ipc][curve]") {
    TempDir dir;
    ::umask(0);  // the secret must be 0600 whatever the umask says
    const CurveKeyPair k = generate_curve_keypair();
    const KeyFiles files = write_keypair_files(dir / "gw", k, false);
    ::umask(022);
    CHECK(files.secret_file == dir / "gw.key");
    CHECK(files.public_file == dir / "gw.pub");
    CHECK(mode_of(files.secret_file) == 0600);
    CHECK(mode_of(files.public_file) == 0644);
    const CurveKeyPair loaded = load_secret_key_file(files.secret_file);
    CHECK(loaded.secret_key == k.secret_key);
    CHECK(loaded.public_key == k.public_key);
    CHECK(load_public_key(files.public_file.string()) == k.public_key);
    CHECK(load_public_key(k.public_key) == k.public_key);
    CHECK_THROWS_WITH(write_keypair_files(dir / "gw", generate_curve_keypair(), false), Catch::Contains("already exists"));
    CHECK(load_secret_key_file(files.secret_file).secret_key == k.secret_key);  // untouched
    const CurveKeyPair replaced = generate_curve_keypair();
    write_keypair_files(dir / "gw", replaced, true);
    CHECK(load_secret_key_file(files.secret_file).secret_key == replaced.secret_key);
}

TEST_CASE("a secret key file the group or others may read is refused", "[ipc][curve]") {
    TempDir dir;
    const KeyFiles files = write_keypair_files(dir / "gw", generate_curve_keypair(), false);
    for (auto mode : {0644, 0640, 0604, 0620}) {
        std::filesystem::permissions(files.secret_file, static_cast<std::filesystem::perms>(mode));
        INFO("mode " << std::oct << mode);
        CHECK_THROWS_WITH(load_secret_key_file(files.secret_file),
                          Catch::Contains("readable or writable by group or others") && Catch::Contains("chmod 0600"));
    }
    std::filesystem::permissions(files.secret_file, std::filesystem::perms::owner_read);
    CHECK_NOTHROW(load_secret_key_file(files.secret_file));
    CHECK_THROWS_WITH(load_secret_key_file(dir / "missing.key"), Catch::Contains("missing.key: cannot read"));
    std::ofstream(dir / "junk.key") << "this is not a key\n";
    std::filesystem::permissions(dir / "junk.key", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    CHECK_THROWS_WITH(load_secret_key_file(dir / "junk.key"), Catch::Contains("not a CURVE secret key"));
    CHECK_THROWS_WITH(load_public_key((dir / "nothing.pub").string()), Catch::Contains("neither a Z85 public key"));
}
