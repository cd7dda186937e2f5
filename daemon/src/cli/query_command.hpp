#pragma once
#include "gatehouse/daemon/local_time_zone.hpp"

namespace CLI {
class App;
}

namespace gatehouse::storage {
class Ledger;
struct EventFilter;
}  // namespace gatehouse::storage

namespace gatehouse::daemon::cli {

/// Prints the events matching `filter` as an aligned table (coloured on a TTY) with a count line.
void print_events_table(storage::Ledger& ledger, const storage::EventFilter& filter, const LocalTimeZone& zone);

/// `gatehouse query` (table or JSON lines) and `gatehouse export --csv`: read events from the ledger.
void register_query_commands(CLI::App& app);

}  // namespace gatehouse::daemon::cli
