#pragma once
// The gateway's durable record: one SQLite database (WAL, synchronous=FULL) of everything the gate saw.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "gatehouse/storage/audit_record.hpp"
#include "gatehouse/storage/decision_record.hpp"
#include "gatehouse/storage/event_filter.hpp"
#include "gatehouse/storage/event_record.hpp"
#include "gatehouse/storage/ledger_batch.hpp"
#include "gatehouse/storage/ledger_error.hpp"
#include "gatehouse/storage/outbox_limits.hpp"
#include "gatehouse/storage/person_list.hpp"
#include "gatehouse/storage/report_figures.hpp"
#include "gatehouse/storage/report_record.hpp"
#include "gatehouse/storage/record_query.hpp"
#include "gatehouse/storage/terminal_record.hpp"

namespace gatehouse::storage {

/// How to open a ledger.
struct LedgerOptions {
    std::filesystem::path path;
    /// Open for reading only (the admin CLI); never creates or migrates the file.
    bool read_only = false;
    /// How long a writer waits for another connection's lock before failing with LedgerFault::busy.
    int busy_timeout_ms = 5000;
    /// Caps the database at this many pages (PRAGMA max_page_count); writes beyond fail as disk_full.
    /// Used to test full-disk behaviour without filling a filesystem.
    std::optional<std::int64_t> max_pages;
    /// This gateway's id: the first part of every outbox idempotency key ("<gateway>:<lane>:<lane_seq>").
    std::string gateway_id = "gatehouse";
    /// Per-lane caps and time-to-live of the outbox, enforced by append().
    OutboxLimits outbox_limits;
};

/// The SQLite ledger. Opening creates the file if needed (mode 0600, and so its -wal and -shm files, whatever the
/// umask: it holds health data) and migrates an older schema in place (PRAGMA
/// user_version); a newer schema is refused. Writes are durable when a call returns: WAL with
/// synchronous=FULL, so a committed batch survives a power cut, not only a crash.
///
/// Thread-safety: none. One thread (the gateway reactor) owns a writable Ledger; readers in other
/// processes open their own read-only Ledger (WAL lets them read while the writer commits).
/// Errors: every method throws LedgerError; a failed append_events commits nothing.
class Ledger {
public:
    /// Current schema version this build writes.
    static int schema_version();

    explicit Ledger(const LedgerOptions& options);
    ~Ledger();
    Ledger(const Ledger&) = delete;
    Ledger& operator=(const Ledger&) = delete;
    Ledger(Ledger&&) noexcept;
    Ledger& operator=(Ledger&&) noexcept;

    /// Appends `events` in one transaction (group commit); the outcome of each, in order. A (terminal, seq)
    /// already stored, also earlier in the same batch, is a duplicate and leaves the stored row untouched.
    std::vector<AppendOutcome> append_events(std::span<const EventRecord> events);

    /// Appends everything in `batch` in one transaction (group commit); the outcome of each event, in order.
    /// A (terminal, seq) already stored, also earlier in the same batch, is a duplicate and leaves the
    /// stored row untouched. Screenings, decisions and alerts are new rows; alert actions also move their
    /// alert to the action's state.
    /// The batch's outbox entries are written in the same transaction, subject to the outbox limits: a full
    /// record/routine lane drops its oldest rows, a full alert lane refuses the new alert (the rest of the
    /// batch still commits); last_outbox_append() says what happened.
    std::vector<AppendOutcome> append(const LedgerBatch& batch);
    /// What the outbox part of the last successful append() did (stored, rejected, dropped, expired, high).
    const OutboxAppendReport& last_outbox_append() const;
    /// Replaces the outbox limits (configuration reload); applies from the next append.
    void set_outbox_limits(const OutboxLimits& limits);
    /// Decisions about `person` (all persons when empty) since `since_ms`, oldest first.
    std::vector<DecisionRecord> decisions(const std::string& person, std::int64_t since_ms);

    /// Screenings at `gate` (all gates when empty) since `since_ms`, oldest first.
    std::vector<ScreeningRecord> screenings(const std::string& gate, std::int64_t since_ms);
    /// Alerts raised since `since_ms`, oldest first; only those not closed when `open_only`.
    std::vector<AlertRecord> alerts(std::int64_t since_ms, bool open_only);
    std::optional<AlertRecord> alert(std::int64_t id);
    /// Actions on one alert, oldest first.
    std::vector<AlertAction> alert_actions(std::int64_t alert);
    /// Decisions, screenings and alerts by filter or after an id (ledger_queries.cpp): the web console's reads.
    std::vector<StoredDecision> find_decisions(const RecordQuery& query);
    std::vector<ScreeningRecord> find_screenings(const RecordQuery& query);
    std::vector<AlertRecord> find_alerts(const RecordQuery& query);
    /// Alert actions with a row id above `after_id`, in id order, at most `limit`.
    std::vector<StoredAlertAction> alert_actions_after(std::int64_t after_id, std::size_t limit);
    /// The highest row id of the tables a live view follows.
    RecordIds max_record_ids();

    /// Appends one row to the audit trail (its own transaction, synchronous like every commit).
    void append_audit(const AuditRecord& record);
    /// The newest `limit` audit rows, newest first.
    std::vector<StoredAudit> recent_audit(std::size_t limit);

    /// Highest ids in use, so the gateway continues numbering after a restart.
    std::int64_t max_alert_id();
    std::int64_t max_screening_id();

    /// The report figures of one window (docs/reports.md says what each counts).
    DayFigures report_figures(const ReportQuery& query);
    /// Reports generated about days from `first_day` to `last_day` (local dates, inclusive), oldest first.
    std::vector<ReportRecord> reports(const std::string& first_day, const std::string& last_day);
    /// The newest day a report went upstream for (the scheduled report), if any.
    std::optional<std::string> last_upstream_report_day();
    /// Whether the gate appears in any stored event, screening, decision or alert.
    bool gate_has_records(const std::string& gate);
    /// The oldest time stamp of each kind the report reads (events, screenings, decisions), 0 when empty.
    std::int64_t oldest_record_ms();

    /// Highest stored seq per terminal; the gateway's dedup window starts from these at start-up.
    std::map<std::string, std::int64_t> last_seq_by_terminal();

    /// Records a terminal's `hello` (kind, firmware) so the CLI can show it while the daemon is down.
    void upsert_terminal(const TerminalRecord& terminal);
    std::vector<TerminalRecord> terminals();

    /// Writes list entries in one transaction (all or nothing). With `replace`, the lists named by the
    /// entries are emptied first, so the import becomes their whole content.
    void import_person_list(const std::vector<PersonListEntry>& entries, bool replace);
    /// Entries of one list, or of both when `list` is unset, ordered by list then person.
    std::vector<PersonListEntry> person_list(std::optional<PersonListKind> list);
    /// The person's entry on `list`, if any (one indexed lookup: used per access decision).
    std::optional<PersonListEntry> find_person(PersonListKind list, const std::string& person);
    /// Applies a versioned list update in one transaction with its version (all or nothing); refuses, changing
    /// nothing, a version not above the one held and a delta whose base is not the one held.
    DownlinkApply apply_person_list_update(const PersonListUpdate& update, std::int64_t now_ms);
    /// Stores a versioned policy body (its whole text) under the same rules, in one transaction.
    DownlinkApply apply_policy_update(std::int64_t version, const std::string& body, std::int64_t now_ms);
    /// The versions held of the centrally published subjects (none for a subject never received).
    std::vector<DownlinkVersion> downlink_versions();

    /// Events matching `filter`, oldest first. `visit` is called per row so exports stream in constant memory.
    void for_each_event(const EventFilter& filter, const std::function<void(const StoredEvent&)>& visit);
    std::vector<StoredEvent> query_events(const EventFilter& filter);

    std::int64_t event_count();
    /// The connection's PRAGMA synchronous level (2 = FULL for a writable ledger).
    int synchronous_level();
    /// PRAGMA integrity_check; "ok" when sound.
    std::string integrity_check();
    const std::filesystem::path& path() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace gatehouse::storage
