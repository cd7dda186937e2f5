#include <catch2/catch.hpp>

#include "adapter_fixtures.hpp"
#include "gatehouse/daemon/adapters/zkteco_push.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"

using namespace gatehouse::daemon;
using namespace gatehouse::daemon::adapters;
using gatehouse::test::adapter_fixture;
namespace ipc = gatehouse::ipc;

namespace {

ZktecoUpload decoded(ZktecoTable table, const std::string& body) {
    auto d = decode_zkteco_upload(table, body, 1000);
    if (auto* r = std::get_if<ZktecoRefusal>(&d)) FAIL(r->message);
    return std::get<ZktecoUpload>(d);
}

std::string refused(ZktecoTable table, const std::string& body, std::size_t max_records = 1000) {
    auto d = decode_zkteco_upload(table, body, max_records);
    REQUIRE(std::holds_alternative<ZktecoRefusal>(d));
    return std::get<ZktecoRefusal>(d).message;
}

const LocalTimeZone shanghai = *LocalTimeZone::find("Asia/Shanghai");

}  // namespace

TEST_CASE("ATTLOG lines are credentials at the device's local time", "[adapters][zkteco]") {
    const auto u = decoded(ZktecoTable::attlog, adapter_fixture("zkteco_attlog.txt"));
    REQUIRE(u.records.size() == 2);
    const auto face = map_zkteco_record(u.records[0], "gate-zk", 11, shanghai);
    REQUIRE(face.size() == 1);
    CHECK(face[0].seq == 11);
    CHECK(face[0].occurred_ms == ipc::parse_utc_timestamp("2026-11-22T00:15:30Z"));
    const auto& c = std::get<ipc::CredentialData>(face[0].data);
    CHECK(c.person == "1001");
    CHECK(c.method == ipc::CredentialMethod::face);
    const auto card = map_zkteco_record(u.records[1], "gate-zk", 12, shanghai);
    CHECK(std::get<ipc::CredentialData>(card[0].data).method == ipc::CredentialMethod::card);
    // Same record, same key: a resent upload is recognised.
    CHECK(u.records[0].key == decoded(ZktecoTable::attlog, adapter_fixture("zkteco_attlog.txt")).records[0].key);
    CHECK(u.records[0].key != u.records[1].key);
}

TEST_CASE("ATTLOG lines of thermal firmware carry a temperature", "[adapters][zkteco]") {
    const auto u = decoded(ZktecoTable::attlog, adapter_fixture("zkteco_attlog_temperature.txt"));
    REQUIRE(u.records.size() == 2);
    CHECK(u.records[1].celsius == Approx(38.1));
    const auto events = map_zkteco_record(u.records[1], "gate-zk", 5, shanghai);
    REQUIRE(events.size() == 2);
    CHECK(std::get<ipc::CredentialData>(events[0].data).person == "1004");
    CHECK(events[1].seq == 6);
    const auto& t = std::get<ipc::TemperatureData>(events[1].data);
    CHECK(t.celsius == Approx(38.1));
    CHECK(t.person == "1004");
    // The mask flag's position is not confirmed: it stays raw.
    bool raw_mask = false;
    for (const auto& f : events[1].extra_data) raw_mask = raw_mask || (f.name == "field7" && f.json == "\"0\"");
    CHECK(raw_mask);
}

TEST_CASE("rtlog records are name=value pairs", "[adapters][zkteco]") {
    const auto u = decoded(ZktecoTable::rtlog, adapter_fixture("zkteco_rtlog.txt"));
    REQUIRE(u.records.size() == 1);
    const auto events = map_zkteco_record(u.records[0], "gate-zk", 1, LocalTimeZone::utc());
    REQUIRE(events.size() == 2);
    CHECK(std::get<ipc::CredentialData>(events[0].data).person == "1005");
    CHECK(std::get<ipc::TemperatureData>(events[1].data).celsius == Approx(36.7));
    CHECK(events[0].occurred_ms == ipc::parse_utc_timestamp("2026-11-22T08:17:00Z"));
}

TEST_CASE("OPERLOG uploads are counted, not stored", "[adapters][zkteco]") {
    const auto u = decoded(ZktecoTable::operlog, adapter_fixture("zkteco_operlog.txt"));
    CHECK(u.records.empty());
    CHECK(u.operations == 2);
}

TEST_CASE("a fingerprint pass is not a protocol credential: kept as a record", "[adapters][zkteco]") {
    const auto u = decoded(ZktecoTable::attlog, "1001\t2026-11-22 08:15:30\t0\t1\t\t0\t0\n");
    const auto events = map_zkteco_record(u.records[0], "gate-zk", 1, shanghai);
    REQUIRE(events.size() == 1);
    CHECK(std::get<ipc::FaultData>(events[0].data).code == "zkteco_record");
}

TEST_CASE("malformed uploads are refused whole", "[adapters][zkteco]") {
    CHECK_THAT(refused(ZktecoTable::attlog, "1001\n"), Catch::Contains("fields"));
    CHECK_THAT(refused(ZktecoTable::attlog, "1001\t2026-11-22 25:15:30\t0\t15\n"), Catch::Contains("time"));
    CHECK_THAT(refused(ZktecoTable::attlog, "1001\t2026-02-30 08:15:30\t0\t15\n"), Catch::Contains("time"));
    CHECK_THAT(refused(ZktecoTable::attlog, "10\x01" "01\t2026-11-22 08:15:30\t0\t15\n"), Catch::Contains("printable"));
    CHECK_THAT(refused(ZktecoTable::rtlog, "time=2026-11-22 08:17:00\tgarbage\n"), Catch::Contains("name=value"));
    CHECK_THAT(refused(ZktecoTable::attlog, adapter_fixture("zkteco_attlog.txt"), 1), Catch::Contains("more than 1"));
    // The good line before a bad one is not stored either: the device resends the whole upload.
    CHECK_THAT(refused(ZktecoTable::attlog, "1001\t2026-11-22 08:15:30\t0\t15\nbad\n"), Catch::Contains("fields"));
    CHECK(zkteco_table("ATTLOG") == ZktecoTable::attlog);
    CHECK_FALSE(zkteco_table("ATTPHOTO"));
}

TEST_CASE("an rtlog record naming a field twice is refused (found by the zkteco fuzzer)", "[adapters][zkteco]") {
    CHECK_THAT(refused(ZktecoTable::rtlog, "time=2026-11-22 08:17:00\tpin=1\tpin=2\tverifytype=15\n"),
               Catch::Contains("twice"));
    // A field named like one the adapter writes itself is kept once, the adapter's.
    const auto u = decoded(ZktecoTable::rtlog, "time=2026-11-22 08:17:00\tpin=1\tvendor=x\tverifytype=15\tevent=0\n");
    const auto events = map_zkteco_record(u.records.at(0), "gate-zk", 1, LocalTimeZone::utc());
    std::size_t vendors = 0;
    for (const auto& f : events.at(0).extra_data) vendors += f.name == "vendor" ? 1 : 0;
    CHECK(vendors == 1);
}
