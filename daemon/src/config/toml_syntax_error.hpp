#pragma once
// A TOML syntax error as an operator can act on it: where, which key, what kind of value was expected.
#include <string>
#include <string_view>

#include <toml++/toml.h>

namespace gatehouse::daemon {

/// "FILE:LINE:COLUMN: retention.events_days: not a valid value; expected an integer (days, e.g. 14) (toml++: ...)".
/// The key is read from the offending line and the table header above it; the expected type is told by the key's
/// unit suffix (_days, _ms, ...) where it has one. A line that is no `key = value` gets toml++'s message alone.
std::string describe_toml_syntax_error(std::string_view text, const std::string& source, const toml::parse_error& error);

}  // namespace gatehouse::daemon
