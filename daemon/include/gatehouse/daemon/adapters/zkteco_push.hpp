#pragma once
// ZKTeco ADMS ("iclock") push uploads: the tab-separated records of POST /iclock/cdata?table=ATTLOG|rtlog|OPERLOG,
// decoded once into typed records and mapped to the gateway's terminal events. Pure functions (docs/adapters.md
// has the field positions and which of them are uncertain).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gatehouse/daemon/local_time_zone.hpp"
#include "gatehouse/ipc/terminal_messages.hpp"

namespace gatehouse::daemon::adapters {

/// Which table an upload carries.
enum class ZktecoTable { attlog, rtlog, operlog };
std::optional<ZktecoTable> zkteco_table(std::string_view name);

/// One attendance (ATTLOG) or real-time access (rtlog) record.
struct ZktecoRecord {
    std::string pin;                     ///< The person's id on the device ("0" or empty: nobody identified).
    std::string local_time;              ///< "YYYY-MM-DD HH:MM:SS", the device's local clock.
    std::optional<int> verify;           ///< How the person was verified (device code; see to_method).
    std::optional<int> event;            ///< rtlog: the event code (0: a normal verified pass).
    std::optional<double> celsius;       ///< Temperature, when the firmware sends one (20-50 °C, else raw only).
    std::vector<ipc::ExtraField> raw;    ///< Every field as sent, by name (ATTLOG positions are named field0..).
    std::string key;                     ///< The record's identity on its device: a resent record has the same.
};

/// Why an upload was refused (answered 400; nothing of it stored).
struct ZktecoRefusal {
    std::string message;
};

/// An upload's records; OPERLOG uploads give `operations` (counted, not stored: they are the device's own
/// administration log and carry enrolment data).
struct ZktecoUpload {
    std::vector<ZktecoRecord> records;
    std::size_t operations = 0;
};

/// Decodes an upload body of `table`; at most `max_records` lines. Never throws.
std::variant<ZktecoUpload, ZktecoRefusal> decode_zkteco_upload(ZktecoTable table, std::string_view body,
                                                               std::size_t max_records);

/// Maps a record to the terminal events it means (a credential, an unmapped record as a fault, and a temperature
/// when one was measured), numbered from `first_seq`, with the device's local time read in `zone`. Empty when the
/// record's time cannot be read in that zone.
std::vector<ipc::Event> map_zkteco_record(const ZktecoRecord& record, const std::string& terminal, std::int64_t first_seq,
                                          const LocalTimeZone& zone);

}  // namespace gatehouse::daemon::adapters
