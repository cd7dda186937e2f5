#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>

#include "gatehouse/daemon/ledger_writer.hpp"
#include "temp_dir.hpp"

using namespace gatehouse;
using daemon::LedgerWriteBatch;
using daemon::LedgerWriter;

namespace {

LedgerWriteBatch batch_of(const std::string& terminal, std::int64_t first, std::int64_t count, std::size_t data_bytes = 10) {
    LedgerWriteBatch b;
    for (std::int64_t seq = first; seq < first + count; ++seq) {
        b.records.events.push_back({terminal, seq, "g", "tamper", std::nullopt, 1, 2, false,
                            R"({"detail":")" + std::string(data_bytes, 'x') + R"("})"});
        b.acks.push_back({{"peer-" + std::to_string(seq)}});
    }
    return b;
}

daemon::LedgerWriteResult wait_signalled(LedgerWriter& writer) {
    zmq::pollitem_t item{writer.done_signal().handle(), 0, ZMQ_POLLIN, 0};
    REQUIRE(zmq::poll(&item, 1, std::chrono::seconds(10)) == 1);
    auto result = writer.take_result();
    REQUIRE(result);
    return std::move(*result);
}

}  // namespace

TEST_CASE("the writer commits a batch on its thread and signals the result", "[daemon][writer]") {
    test::TempDir dir;
    zmq::context_t context(1);
    LedgerWriter writer(storage::Ledger({dir / "l.db"}), context);
    CHECK_FALSE(writer.busy());
    CHECK_FALSE(writer.take_result());
    auto batch = batch_of("t", 1, 3);
    batch.hellos.push_back({"t", "turnstile", "9.9", 5});
    writer.submit(std::move(batch));
    CHECK(writer.busy());
    const auto result = wait_signalled(writer);
    CHECK_FALSE(writer.busy());
    CHECK_FALSE(result.error);
    CHECK(result.outcomes == std::vector(3, storage::AppendOutcome::stored));
    REQUIRE(result.batch.acks.size() == 3);
    CHECK(result.batch.acks[2].peers == std::vector<std::string>{"peer-3"});
    writer.submit(batch_of("t", 3, 2));
    const auto second = wait_signalled(writer);
    CHECK(second.outcomes == std::vector{storage::AppendOutcome::duplicate, storage::AppendOutcome::stored});
    storage::Ledger reader({dir / "l.db", /*read_only=*/true});
    CHECK(reader.event_count() == 4);
    CHECK(reader.terminals().at(0).firmware == "9.9");
}

TEST_CASE("a failed commit comes back as an error with its fault, and the writer goes on", "[daemon][writer]") {
    test::TempDir dir;
    { storage::Ledger create({dir / "l.db"}); }
    SQLite::Database probe((dir / "l.db").string());
    storage::LedgerOptions options{dir / "l.db"};
    options.max_pages = probe.execAndGet("PRAGMA page_count").getInt64() + 2;
    zmq::context_t context(1);
    LedgerWriter writer(storage::Ledger(options), context);
    writer.submit(batch_of("t", 1, 200, 2000));
    const auto failed = wait_signalled(writer);
    REQUIRE(failed.error);
    CHECK(failed.fault == storage::LedgerFault::disk_full);
    CHECK(failed.outcomes.empty());
    CHECK(failed.batch.records.events.size() == 200);
    writer.submit(batch_of("t", 1, 1));
    CHECK(wait_signalled(writer).outcomes == std::vector{storage::AppendOutcome::stored});
}

TEST_CASE("wait_result blocks until the batch is done (shutdown path)", "[daemon][writer]") {
    test::TempDir dir;
    zmq::context_t context(1);
    LedgerWriter writer(storage::Ledger({dir / "l.db"}), context);
    writer.submit(batch_of("t", 1, 1000));
    const auto result = writer.wait_result();
    CHECK(result.outcomes.size() == 1000);
    CHECK_FALSE(writer.busy());
}
