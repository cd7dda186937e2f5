#pragma once
// The web console's own connections to the ledger: a pool of read-only ones for its pages, and one writable one
// for audit rows and list imports. The gateway's reactor and its connection are never touched.
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "gatehouse/storage/ledger.hpp"

namespace gatehouse::daemon::web {

/// Connections to one ledger file (WAL: readers never wait for the writer, nor it for them).
/// Thread-safety: read() and write() may be called from any thread; a connection is used by one caller at a time.
class WebLedger {
public:
    /// Opens `readers` read-only connections and the writable one; throws storage::LedgerError.
    WebLedger(const std::filesystem::path& path, std::size_t readers);

    /// Runs `f(storage::Ledger&)` on a free read-only connection (waits for one) and returns what it returns.
    template <typename F>
    auto read(F&& f) {
        std::unique_ptr<storage::Ledger> connection;
        {
            std::unique_lock lock(mutex_);
            free_.wait(lock, [this] { return !idle_.empty(); });
            connection = std::move(idle_.back());
            idle_.pop_back();
        }
        struct GiveBack {
            WebLedger& pool;
            std::unique_ptr<storage::Ledger>& connection;
            ~GiveBack() {
                {
                    std::lock_guard lock(pool.mutex_);
                    pool.idle_.push_back(std::move(connection));
                }
                pool.free_.notify_one();
            }
        } give_back{*this, connection};
        return f(*connection);
    }

    /// Runs `f(storage::Ledger&)` on the writable connection, one caller at a time.
    template <typename F>
    auto write(F&& f) {
        std::lock_guard lock(writer_mutex_);
        return f(writer_);
    }

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    std::mutex mutex_;
    std::condition_variable free_;
    std::vector<std::unique_ptr<storage::Ledger>> idle_;
    std::mutex writer_mutex_;
    storage::Ledger writer_;
};

}  // namespace gatehouse::daemon::web
