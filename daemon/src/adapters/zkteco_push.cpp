// ZKTeco ADMS push records. ATTLOG: PIN, time, status, verify, workcode, reserved, reserved, then (recent thermal
// firmware) mask flag and temperature; rtlog: key=value pairs. docs/adapters.md says which positions are certain.
#include "gatehouse/daemon/adapters/zkteco_push.hpp"

#include <charconv>
#include <cmath>
#include <set>

#include "gatehouse/daemon/local_date.hpp"

namespace gatehouse::daemon::adapters {
namespace {

constexpr std::size_t kMaxFieldBytes = 256;
constexpr std::size_t kMaxFields = 32;
constexpr std::size_t kMaxPersonBytes = 128;

// ATTLOG positions.
constexpr std::size_t kAttPin = 0;
constexpr std::size_t kAttTime = 1;
constexpr std::size_t kAttVerify = 3;
// Position 7 (read as the mask flag by integrators, not confirmed) stays raw as field7.
constexpr std::size_t kAttTemperature = 8;

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        const auto at = text.find(separator, start);
        out.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
        if (at == std::string_view::npos) break;
        start = at + 1;
    }
    return out;
}

std::optional<int> small_integer(std::string_view s) {
    int v = 0;
    if (s.empty() || s.size() > 6) return std::nullopt;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

std::optional<double> temperature(std::string_view s) {
    if (s.empty() || s.size() > 8) return std::nullopt;
    double v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    if (v < 20.0 || v > 50.0) return std::nullopt;
    return std::round(v * 100.0) / 100.0;
}

bool valid_text(std::string_view s) {
    if (s.size() > kMaxFieldBytes) return false;
    for (const unsigned char ch : s) {
        if (ch < 0x20 || ch == 0x7f || ch >= 0x80) return false;  // the push protocol is ASCII
    }
    return true;
}

// A field as JSON text (valid_text admits printable ASCII only, so the quote and the backslash are the only escapes needed).
std::string quoted(std::string_view s) {
    std::string out = "\"";
    for (const char ch : s) {
        if (ch == '"' || ch == '\\') out += '\\';
        out += ch;
    }
    return out + "\"";
}

bool is_local_time(std::string_view s) {
    if (s.size() != 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':') return false;
    for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u, 11u, 12u, 14u, 15u, 17u, 18u}) {
        if (s[i] < '0' || s[i] > '9') return false;
    }
    return LocalDate::parse(s.substr(0, 10)).has_value() && (s[11] - '0') * 10 + (s[12] - '0') < 24 &&
           (s[14] - '0') * 10 + (s[15] - '0') < 60 && (s[17] - '0') * 10 + (s[18] - '0') < 60;
}

std::optional<ZktecoRecord> attlog_line(std::string_view line, std::string& why) {
    const auto fields = split(line, '\t');
    if (fields.size() < 2 || fields.size() > kMaxFields) {
        why = "an ATTLOG line has " + std::to_string(fields.size()) + " fields (PIN, time, ...)";
        return std::nullopt;
    }
    ZktecoRecord r;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (!valid_text(fields[i])) {
            why = "ATTLOG field " + std::to_string(i) + " is not printable ASCII of at most 256 bytes";
            return std::nullopt;
        }
        r.raw.push_back({"field" + std::to_string(i), quoted(fields[i])});
    }
    r.pin = std::string(fields[kAttPin]);
    r.local_time = std::string(fields[kAttTime]);
    if (fields.size() > kAttVerify) r.verify = small_integer(fields[kAttVerify]);
    if (fields.size() > kAttTemperature) r.celsius = temperature(fields[kAttTemperature]);
    r.key = "ATTLOG\t" + r.pin + "\t" + r.local_time;
    return r;
}

std::optional<ZktecoRecord> rtlog_line(std::string_view line, std::string& why) {
    const auto fields = split(line, '\t');
    if (fields.size() > kMaxFields) {
        why = "an rtlog line has more than 32 fields";
        return std::nullopt;
    }
    ZktecoRecord r;
    std::string index;
    std::set<std::string_view> names;
    for (const auto f : fields) {
        if (f.empty()) continue;
        const auto eq = f.find('=');
        if (eq == std::string_view::npos || eq == 0 || !valid_text(f)) {
            why = "an rtlog field is not name=value in printable ASCII";
            return std::nullopt;
        }
        const std::string_view name = f.substr(0, eq);
        const std::string_view value = f.substr(eq + 1);
        if (!names.insert(name).second) {
            why = "an rtlog field appears twice in one record";
            return std::nullopt;
        }
        r.raw.push_back({std::string(name), quoted(value)});
        if (name == "pin") r.pin = std::string(value);
        if (name == "time") r.local_time = std::string(value);
        if (name == "verifytype") r.verify = small_integer(value);
        if (name == "event") r.event = small_integer(value);
        if (name == "temperature") r.celsius = temperature(value);
        if (name == "index") index = std::string(value);
    }
    r.key = "rtlog\t" + index + "\t" + r.pin + "\t" + r.local_time + "\t" + std::to_string(r.event.value_or(-1));
    return r;
}

std::optional<ipc::CredentialMethod> to_method(std::optional<int> verify) {
    if (!verify) return std::nullopt;
    switch (*verify) {
        case 0:
        case 3: return ipc::CredentialMethod::pin;
        case 2:
        case 4: return ipc::CredentialMethod::card;
        case 15: return ipc::CredentialMethod::face;
        default: return std::nullopt;  // fingerprint (1), palm (25), combinations: not in protocol v1
    }
}

bool names_person(const std::string& pin) {
    return !pin.empty() && pin != "0" && pin.size() <= kMaxPersonBytes;
}

}  // namespace

std::optional<ZktecoTable> zkteco_table(std::string_view name) {
    if (name == "ATTLOG") return ZktecoTable::attlog;
    if (name == "rtlog") return ZktecoTable::rtlog;
    if (name == "OPERLOG") return ZktecoTable::operlog;
    return std::nullopt;
}

std::variant<ZktecoUpload, ZktecoRefusal> decode_zkteco_upload(ZktecoTable table, std::string_view body,
                                                               std::size_t max_records) {
    ZktecoUpload upload;
    for (auto line : split(body, '\n')) {
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;
        if (upload.records.size() + upload.operations >= max_records) {
            return ZktecoRefusal{"more than " + std::to_string(max_records) + " records in one upload"};
        }
        if (table == ZktecoTable::operlog) {
            ++upload.operations;
            continue;
        }
        std::string why;
        auto record = table == ZktecoTable::attlog ? attlog_line(line, why) : rtlog_line(line, why);
        if (!record) return ZktecoRefusal{why};
        if (!is_local_time(record->local_time)) {
            return ZktecoRefusal{"record time '" + record->local_time.substr(0, 32) + "' is not YYYY-MM-DD HH:MM:SS"};
        }
        if (record->pin.size() > kMaxPersonBytes) return ZktecoRefusal{"a PIN is longer than 128 bytes"};
        upload.records.push_back(std::move(*record));
    }
    return upload;
}

std::vector<ipc::Event> map_zkteco_record(const ZktecoRecord& r, const std::string& terminal, std::int64_t first_seq,
                                          const LocalTimeZone& zone) {
    std::vector<ipc::Event> events;
    const auto date = LocalDate::parse(std::string_view(r.local_time).substr(0, 10));
    if (!date || r.local_time.size() != 19) return events;
    const int hours = (r.local_time[11] - '0') * 10 + (r.local_time[12] - '0');
    const int minutes = (r.local_time[14] - '0') * 10 + (r.local_time[15] - '0');
    const int seconds = (r.local_time[17] - '0') * 10 + (r.local_time[18] - '0');
    const std::int64_t occurred = zone.at(*date, hours * 60 + minutes) + std::int64_t{seconds} * 1000;
    auto base = [&](std::int64_t seq) {
        ipc::Event e;
        e.terminal = terminal;
        e.seq = seq;
        e.occurred_ms = occurred;
        e.extra_data.push_back({"vendor", "\"zkteco\""});
        // The record's identity, kept so that a restarted gateway still knows what it stored (resends stored once).
        std::string key = quoted(r.key);
        for (std::size_t at = key.find('\t'); at != std::string::npos; at = key.find('\t', at)) key.replace(at, 1, "\\t");
        e.extra_data.push_back({"record_key", std::move(key)});
        for (const auto& f : r.raw) {
            // The typed fields' names and `vendor` are the event's own; a raw field of the same name would be written
            // twice.
            if (f.name == "person" || f.name == "method" || f.name == "celsius" || f.name == "code" || f.name == "detail" ||
                f.name == "vendor" || f.name == "record_key") {
                continue;
            }
            e.extra_data.push_back(f);
        }
        return e;
    };
    const bool passed = !r.event || *r.event == 0;
    const auto method = to_method(r.verify);
    ipc::Event primary = base(first_seq);
    if (passed && method && names_person(r.pin)) {
        primary.data = ipc::CredentialData{r.pin, *method};
        events.push_back(std::move(primary));
    } else if (!r.celsius) {
        primary.data = ipc::FaultData{"zkteco_record", "verify " + std::to_string(r.verify.value_or(-1)) + " event " +
                                                           std::to_string(r.event.value_or(-1))};
        events.push_back(std::move(primary));
    }
    if (r.celsius) {
        ipc::Event t = base(first_seq + static_cast<std::int64_t>(events.size()));
        t.data = ipc::TemperatureData{*r.celsius, names_person(r.pin) ? std::optional<std::string>(r.pin) : std::nullopt};
        events.push_back(std::move(t));
    }
    return events;
}

}  // namespace gatehouse::daemon::adapters
