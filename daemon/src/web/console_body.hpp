#pragma once
// The console publication's message bodies (docs/protocol.md) as JSON values, for the pages: the console's pages
// show what a console gets, with the ledger's ids added. encode_body() is the one encoder of those bodies.
#include <nlohmann/json.hpp>

#include "gatehouse/daemon/console_messages.hpp"

namespace gatehouse::daemon::web {

/// The body a console gets for `record` (an alert action: with the alert it acted on), as a JSON object. A body
/// that does not parse (it cannot: the encoder writes valid JSON) would be an empty object, not an exception that
/// ends a page or the live feed.
template <typename... Record>
nlohmann::json console_body(const Record&... record) {
    nlohmann::json body = nlohmann::json::parse(encode_body(record...), nullptr, /*allow_exceptions=*/false);
    return body.is_object() ? body : nlohmann::json::object();
}

}  // namespace gatehouse::daemon::web
