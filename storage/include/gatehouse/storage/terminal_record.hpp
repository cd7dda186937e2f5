#pragma once
#include <cstdint>
#include <string>

namespace gatehouse::storage {

/// What the ledger remembers of a terminal from its last `hello`.
struct TerminalRecord {
    std::string id;
    std::string kind;
    std::string firmware;
    std::int64_t last_hello_ms = 0;  ///< Gateway wall clock, ms since the Unix epoch.
};

}  // namespace gatehouse::storage
