// libFuzzer target: the ZKTeco adapter's upload decoder (daemon/src/adapters/zkteco_push.cpp) on arbitrary text,
// as each of the tables it reads (the first byte chooses). Checks what zkteco_push.hpp promises: no exception, at
// most max_records records, and every event mapped from an accepted record is a valid protocol v1 event.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_invariant.hpp"
#include "gatehouse/daemon/adapters/zkteco_push.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"

namespace {

using gatehouse::fuzz::require;
namespace adapters = gatehouse::daemon::adapters;
namespace ipc = gatehouse::ipc;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const adapters::ZktecoTable tables[] = {adapters::ZktecoTable::attlog, adapters::ZktecoTable::rtlog,
                                            adapters::ZktecoTable::operlog};
    const auto table = tables[data[0] % 3];
    const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
    constexpr std::size_t kMaxRecords = 50;
    auto decoded = adapters::decode_zkteco_upload(table, body, kMaxRecords);
    const auto* upload = std::get_if<adapters::ZktecoUpload>(&decoded);
    if (!upload) return 0;
    require(upload->records.size() + upload->operations <= kMaxRecords, "at most max_records records");
    static const auto zone = gatehouse::daemon::LocalTimeZone::utc();
    std::int64_t seq = 1;
    for (const auto& r : upload->records) {
        require(!r.key.empty(), "every record has its identity");
        for (const auto& e : adapters::map_zkteco_record(r, "fuzz-terminal", seq, zone)) {
            require(e.seq == seq++, "a record's events are numbered consecutively");
            const ipc::DecodedMessage back = ipc::decode_terminal_message(ipc::encode(e));
            require(std::holds_alternative<ipc::Event>(back), "a mapped event is a valid protocol v1 event");
            require(std::get<ipc::Event>(back).extra_data.size() == e.extra_data.size(),
                    "every kept raw field survives the protocol");
        }
    }
    return 0;
}
