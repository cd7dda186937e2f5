#pragma once
// Private to the adapters: after an outage, fetch from a Hikvision device's own event log what it pushed while
// gatehouse was not there to store it (POST /ISAPI/AccessControl/AcsEvent, digest authentication), and store it
// through the same path as its pushes. Resent records are stored once (seq from serialNo).
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gatehouse/daemon/adapters/adapter_config.hpp"
#include "gatehouse/ipc/terminal_messages.hpp"

namespace gatehouse::daemon::adapters {

/// One backfill to run: the device, and where its ISAPI server is.
struct BackfillJob {
    AdapterDevice device;
    std::string isapi_base;  ///< "http://HOST[:PORT]"
};

/// What a finished backfill did (for logs and status).
struct BackfillResult {
    bool completed = false;      ///< Every page fetched and every record committed.
    std::size_t pages = 0;
    std::size_t records = 0;     ///< Records the device returned.
    std::size_t submitted = 0;   ///< Events handed to the gateway (a record already stored is acknowledged as a duplicate).
    std::string error;
};

/// A worker thread running one backfill at a time, in arrival order; a device already queued is not queued twice.
class HikvisionBackfill {
public:
    /// Hands events to the gateway and waits for their commit: "" when all were stored, else why not.
    using Submit = std::function<std::string(std::vector<ipc::Event>)>;
    using Finished = std::function<void(const AdapterDevice&, const BackfillResult&)>;

    HikvisionBackfill(std::string adapter_id, std::filesystem::path ledger_path, Submit submit, Finished finished);
    ~HikvisionBackfill();
    HikvisionBackfill(const HikvisionBackfill&) = delete;
    HikvisionBackfill& operator=(const HikvisionBackfill&) = delete;

    void enqueue(BackfillJob job);

private:
    void run();
    BackfillResult backfill(const BackfillJob& job);

    std::string adapter_id_;
    std::filesystem::path ledger_path_;
    Submit submit_;
    Finished finished_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<BackfillJob> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace gatehouse::daemon::adapters
