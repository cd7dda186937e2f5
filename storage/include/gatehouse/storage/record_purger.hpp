#pragma once
// Deleting from the ledger: records past their retention (in small batches) and one person's records (erasure).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gatehouse/storage/ledger_error.hpp"

namespace gatehouse::storage {

/// Per record kind, the time stamp (ms since the epoch, gateway clock) before which records are purged.
/// Each kind is aged by the time the gateway stamped, never by a terminal's clock: events by received_ms,
/// screenings by screened_ms, decisions by decided_ms, alerts by raised_ms, snapshots by their screening's
/// screened_ms. A record stamped at or after its cutoff (including one stamped in the future) is kept.
struct RetentionCutoffs {
    std::int64_t events_ms = 0;
    std::int64_t screenings_ms = 0;
    std::int64_t decisions_ms = 0;
    std::int64_t alerts_ms = 0;
    std::int64_t snapshots_ms = 0;
};

/// What one purge step removed. Snapshot files are named, not deleted: the ledger's references to them are
/// cleared in the step's transaction and the caller deletes the files afterwards (a crash in between leaves
/// an unreferenced file, which the caller's directory sweep removes later, never a reference to a lost file).
struct PurgeCounts {
    std::int64_t events = 0;
    std::int64_t screenings = 0;
    std::int64_t decisions = 0;
    std::int64_t alerts = 0;         ///< Closed alerts only; open and acknowledged alerts wait until closed.
    std::int64_t alert_actions = 0;  ///< The actions of the purged alerts.
    std::int64_t snapshots = 0;      ///< Snapshot references cleared (one per screening).
    std::int64_t outbox = 0;         ///< Unsent outbox rows older than the retention of what they carry.
    std::int64_t dead_letters = 0;
    std::vector<std::string> snapshot_files;
    /// Some kind filled its batch: call again soon.
    bool more = false;

    std::int64_t rows() const {
        return events + screenings + decisions + alerts + alert_actions + outbox + dead_letters;
    }
    PurgeCounts& operator+=(const PurgeCounts& other);
};

/// What erase_person() removed (or, for a dry run, would remove).
struct ErasureReport {
    std::int64_t events = 0;
    std::int64_t decisions = 0;
    std::int64_t screenings = 0;    ///< Screenings a decision about the person used.
    std::int64_t alerts = 0;        ///< Alerts naming the person, and camera alerts showing their screening.
    std::int64_t alert_actions = 0;
    std::int64_t outbox = 0;        ///< Unsent upstream records about the person or their screenings.
    std::int64_t dead_letters = 0;
    std::int64_t list_entries = 0;  ///< Allow/deny list entries (only when asked for).
    std::vector<std::string> snapshot_files;  ///< Evidence files of their screenings, for the caller to delete.
    std::vector<std::int64_t> alert_ids;      ///< The alerts removed (a running daemon forgets them too).

    std::int64_t rows() const {
        return events + decisions + screenings + alerts + alert_actions + outbox + dead_letters + list_entries;
    }
};

/// How to erase one person.
struct ErasureRequest {
    std::string person;
    /// Other spellings of the person in upstream bodies (their pseudonym), to find dead letters by.
    std::vector<std::string> upstream_ids;
    bool lists = false;    ///< Also remove the person's allow/deny list entries.
    bool dry_run = false;  ///< Count only: everything is done in a transaction that is rolled back.
};

/// A connection of its own to an existing, current ledger (WAL: the daemon's writer keeps committing).
/// Every write is a short BEGIN IMMEDIATE transaction, so group commits wait at most one small batch.
///
/// Thread-safety: none; one thread per RecordPurger. Errors: LedgerError.
class RecordPurger {
public:
    explicit RecordPurger(const std::filesystem::path& ledger, int busy_timeout_ms = 5000);
    ~RecordPurger();
    RecordPurger(const RecordPurger&) = delete;
    RecordPurger& operator=(const RecordPurger&) = delete;
    RecordPurger(RecordPurger&&) noexcept;
    RecordPurger& operator=(RecordPurger&&) noexcept;

    /// One step: at most `batch` rows of each kind older than its cutoff, oldest first, each kind in its own
    /// transaction. Screenings clear the references decisions hold to them; alerts take their actions along.
    PurgeCounts purge_step(const RetentionCutoffs& cutoffs, std::int64_t batch);

    /// Removes every record of one person in one transaction (all or nothing).
    ErasureReport erase_person(const ErasureRequest& request);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace gatehouse::storage
