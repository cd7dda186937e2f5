#include "adapters/hikvision_backfill.hpp"

#include <spdlog/spdlog.h>

#include "adapters/isapi_client.hpp"
#include "gatehouse/daemon/adapters/hikvision_event.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "gatehouse/storage/ledger.hpp"

namespace gatehouse::daemon::adapters {
namespace {

// Records per page: what devices accept (some cap a page at 30).
constexpr std::size_t kPageSize = 30;
// A device never stored anything: look back this far.
constexpr std::int64_t kFirstLookBackMs = 24LL * 3600 * 1000;
// Overlap with the last stored event (and the device's clock against ours): stored once anyway.
constexpr std::int64_t kOverlapMs = 60'000;
// At most this many pages per backfill (300,000 records): a device answering MORE for ever cannot hold the worker.
constexpr std::size_t kMaxPages = 10'000;
constexpr std::chrono::seconds kCallTimeout{10};

}  // namespace

HikvisionBackfill::HikvisionBackfill(std::string adapter_id, std::filesystem::path ledger_path, Submit submit,
                                     Finished finished)
    : adapter_id_(std::move(adapter_id)), ledger_path_(std::move(ledger_path)), submit_(std::move(submit)),
      finished_(std::move(finished)), thread_([this] { run(); }) {}

HikvisionBackfill::~HikvisionBackfill() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void HikvisionBackfill::enqueue(BackfillJob job) {
    {
        std::lock_guard lock(mutex_);
        for (const auto& queued : queue_) {
            if (queued.device.serial == job.device.serial) return;
        }
        queue_.push_back(std::move(job));
    }
    wake_.notify_all();
}

void HikvisionBackfill::run() {
    for (;;) {
        BackfillJob job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            job = std::move(queue_.front());
            queue_.pop_front();
        }
        BackfillResult result;
        try {
            result = backfill(job);
        } catch (const std::exception& e) {
            result.error = e.what();
        }
        if (result.completed) {
            spdlog::info("adapter {}: backfill of device {}: {} record(s) in {} page(s) from its event log, stored once",
                         adapter_id_, job.device.serial, result.records, result.pages);
        } else {
            spdlog::warn("adapter {}: backfill of device {} stopped after {} page(s): {} (retried at its next return)",
                         adapter_id_, job.device.serial, result.pages, result.error);
        }
        finished_(job.device, result);
    }
}

BackfillResult HikvisionBackfill::backfill(const BackfillJob& job) {
    BackfillResult result;
    const std::int64_t now = ipc::utc_now_ms();
    std::int64_t begin = now - kFirstLookBackMs;
    {
        storage::Ledger ledger({ledger_path_, /*read_only=*/true});
        storage::EventFilter f;
        f.terminal = job.device.terminal;
        f.last = 1;
        const auto last = ledger.query_events(f);
        if (!last.empty()) begin = std::max(begin, last.back().event.occurred_ms - kOverlapMs);
    }
    const std::optional<DeviceCredentials> credentials =
        job.device.digest_user.empty() ? std::nullopt
                                       : std::optional<DeviceCredentials>(DeviceCredentials{job.device.digest_user, job.device.digest_password});
    const std::string url = job.isapi_base + "/ISAPI/AccessControl/AcsEvent?format=json";
    const std::string search_id = "gatehouse-" + job.device.serial + "-" + std::to_string(now);
    IsapiClient client;
    std::size_t position = 0;
    while (result.pages < kMaxPages) {
        std::unique_lock lock(mutex_);
        if (stopping_) {
            result.error = "stopping";
            return result;
        }
        lock.unlock();
        const IsapiResponse r = client.send("POST", url, encode_acs_event_search(search_id, position, kPageSize, begin, now + kOverlapMs),
                                            credentials, kCallTimeout);
        if (!r.received) {
            result.error = "no answer from " + url + ": " + r.error;
            return result;
        }
        if (r.status != 200) {
            result.error = url + " answered HTTP " + std::to_string(r.status) + (r.status == 401 ? " (check credentials_file)" : "");
            return result;
        }
        auto decoded = decode_acs_event_page(r.body);
        if (auto* refusal = std::get_if<HikvisionRefusal>(&decoded)) {
            result.error = "unreadable search answer: " + refusal->message;
            return result;
        }
        const AcsEventPage& page = std::get<AcsEventPage>(decoded);
        ++result.pages;
        result.records += page.events.size();
        std::vector<ipc::Event> events;
        for (const auto& n : page.events) {
            for (auto& e : map_hikvision_event(n, job.device.terminal, now)) {
                e.offline = true;  // kept on the device while gatehouse could not store it
                e.extra_data.push_back({"backfilled", "true"});
                events.push_back(std::move(e));
            }
        }
        if (!events.empty()) {
            const std::size_t count = events.size();
            if (const std::string why = submit_(std::move(events)); !why.empty()) {
                result.error = "the gateway did not store a page: " + why;
                return result;
            }
            result.submitted += count;
        }
        if (!page.more || page.matches == 0) {
            result.completed = true;
            return result;
        }
        position += page.matches;
    }
    result.error = "more than " + std::to_string(kMaxPages) + " pages";
    return result;
}

}  // namespace gatehouse::daemon::adapters
