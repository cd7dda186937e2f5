#include "gatehouse/daemon/person_list_csv.hpp"

#include <array>
#include <map>
#include <set>

#include "gatehouse/ipc/terminal_codec.hpp"

namespace gatehouse::daemon {
namespace {

constexpr std::array<std::string_view, 6> kColumns = {"list", "person", "name", "valid_from", "valid_until", "note"};
constexpr std::size_t kMaxPersonLength = 128;

struct CsvRecord {
    std::size_t line = 0;
    std::vector<std::string> fields;
};

// RFC 4180: comma-separated, fields optionally quoted, "" inside quotes is a quote, quoted fields may hold
// commas and line breaks. CRLF and LF both end a record. Returns false (with `error`) on an unterminated quote.
bool split_records(std::string_view text, std::vector<CsvRecord>& records, CsvRowError& error) {
    std::size_t line = 1;
    std::size_t i = 0;
    if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // spreadsheet programs like to add a UTF-8 BOM
    while (i < text.size()) {
        CsvRecord record{line, {}};
        std::string field;
        bool quoted = false, field_was_quoted = false;
        for (; i < text.size(); ++i) {
            const char c = text[i];
            if (quoted) {
                if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                    field += '"';
                    ++i;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    if (c == '\n') ++line;
                    field += c;
                }
            } else if (c == '"' && field.empty() && !field_was_quoted) {
                quoted = field_was_quoted = true;
            } else if (c == ',') {
                record.fields.push_back(std::move(field));
                field.clear();
                field_was_quoted = false;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
                ++i;
                ++line;
                break;
            } else {
                field += c;
            }
        }
        if (quoted) {
            error = {record.line, "unterminated quoted field"};
            return false;
        }
        record.fields.push_back(std::move(field));
        const bool blank = record.fields.size() == 1 && record.fields[0].empty();
        if (!blank) records.push_back(std::move(record));
    }
    return true;
}

std::optional<std::int64_t> parse_bound(const std::string& text, bool end_of_day, const LocalTimeZone& zone) {
    if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
        const auto day = LocalDate::parse(text);
        if (!day) return std::nullopt;
        const LocalDayBounds bounds = zone.day(*day);
        return end_of_day ? bounds.end_ms - 1 : bounds.start_ms;
    }
    return ipc::parse_utc_timestamp(text);
}

bool has_control_characters(const std::string& s) {
    for (unsigned char c : s) {
        if (c < 0x20 || c == 0x7f) return true;
    }
    return false;
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

}  // namespace

PersonListCsv parse_person_list_csv(std::string_view text, const LocalTimeZone& zone) {
    PersonListCsv out;
    std::vector<CsvRecord> records;
    CsvRowError split_error;
    if (!split_records(text, records, split_error)) {
        out.errors.push_back(split_error);
        return out;
    }
    if (records.empty()) {
        out.errors.push_back({1, "empty file: expected the header list,person,name,valid_from,valid_until,note"});
        return out;
    }
    // Columns are found by name, so their order is free; all six must be there, nothing else.
    std::map<std::string, std::size_t> column;
    for (std::size_t c = 0; c < records[0].fields.size(); ++c) column[records[0].fields[c]] = c;
    for (auto name : kColumns) {
        if (!column.count(std::string(name))) {
            out.errors.push_back({1, "header lacks the column '" + std::string(name) +
                                         "' (expected list,person,name,valid_from,valid_until,note)"});
        }
    }
    if (column.size() != kColumns.size() || records[0].fields.size() != kColumns.size()) {
        if (out.errors.empty()) out.errors.push_back({1, "header has unknown or repeated columns"});
    }
    if (!out.errors.empty()) return out;

    std::set<std::pair<storage::PersonListKind, std::string>> seen;
    for (std::size_t r = 1; r < records.size(); ++r) {
        const CsvRecord& rec = records[r];
        auto fail = [&](const std::string& message) { out.errors.push_back({rec.line, message}); };
        if (rec.fields.size() != kColumns.size()) {
            fail("expected " + std::to_string(kColumns.size()) + " fields, found " + std::to_string(rec.fields.size()));
            continue;
        }
        auto field = [&](std::string_view name) -> const std::string& { return rec.fields[column.at(std::string(name))]; };
        storage::PersonListEntry e;
        const auto list = storage::parse_person_list_kind(field("list"));
        if (!list) {
            fail("list must be 'allow' or 'deny', not '" + field("list") + "'");
            continue;
        }
        e.list = *list;
        e.person = field("person");
        if (e.person.empty() || e.person.size() > kMaxPersonLength || has_control_characters(e.person)) {
            fail("person must be 1 to 128 printable characters");
            continue;
        }
        e.name = field("name");
        e.note = field("note");
        bool ok = true;
        for (auto [name, out_bound, end_of_day] : {std::tuple{"valid_from", &e.valid_from_ms, false},
                                                   std::tuple{"valid_until", &e.valid_until_ms, true}}) {
            const std::string& value = field(name);
            if (value.empty()) continue;
            *out_bound = parse_bound(value, end_of_day, zone);
            if (!*out_bound) {
                fail(std::string(name) + " '" + value + "' is not a date (2026-12-31, a local day of gateway.timezone) or UTC time (2026-12-31T18:00:00Z)");
                ok = false;
            }
        }
        if (!ok) continue;
        if (e.valid_from_ms && e.valid_until_ms && *e.valid_from_ms > *e.valid_until_ms) {
            fail("valid_from is after valid_until");
            continue;
        }
        if (!seen.insert({e.list, e.person}).second) {
            fail("person '" + e.person + "' appears twice on the " + field("list") + " list");
            continue;
        }
        out.entries.push_back(std::move(e));
    }
    return out;
}

std::string format_person_list_csv(const std::vector<storage::PersonListEntry>& entries) {
    std::string out = "list,person,name,valid_from,valid_until,note\n";
    for (const auto& e : entries) {
        out += std::string(storage::to_string(e.list)) + ',' + csv_field(e.person) + ',' + csv_field(e.name) + ',' +
               (e.valid_from_ms ? ipc::format_utc_timestamp(*e.valid_from_ms) : "") + ',' +
               (e.valid_until_ms ? ipc::format_utc_timestamp(*e.valid_until_ms) : "") + ',' + csv_field(e.note) + '\n';
    }
    return out;
}

}  // namespace gatehouse::daemon
