#include "gatehouse/daemon/ledger_writer.hpp"

#include <sstream>
#include <utility>

#include <spdlog/spdlog.h>

namespace gatehouse::daemon {

LedgerWriter::LedgerWriter(storage::Ledger ledger, zmq::context_t& context)
    : ledger_(std::move(ledger)),
      reactor_side_(context, zmq::socket_type::pair),
      writer_side_(context, zmq::socket_type::pair) {
    std::ostringstream name;
    name << "inproc://gatehouse-ledger-writer-" << static_cast<const void*>(this);
    reactor_side_.bind(name.str());
    writer_side_.connect(name.str());
    thread_ = std::thread([this] { run(); });
}

LedgerWriter::~LedgerWriter() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    work_ready_.notify_one();
    thread_.join();
}

void LedgerWriter::submit(LedgerWriteBatch&& batch) {
    {
        std::lock_guard lock(mutex_);
        job_ = std::move(batch);
    }
    busy_ = true;
    work_ready_.notify_one();
}

std::optional<LedgerWriteResult> LedgerWriter::take_result() {
    zmq::message_t signal;
    if (!reactor_side_.recv(signal, zmq::recv_flags::dontwait)) return std::nullopt;
    std::lock_guard lock(mutex_);
    busy_ = false;
    std::optional<LedgerWriteResult> result = std::move(result_);
    result_.reset();
    return result;
}

LedgerWriteResult LedgerWriter::wait_result() {
    zmq::message_t signal;
    (void)reactor_side_.recv(signal, zmq::recv_flags::none);
    std::lock_guard lock(mutex_);
    busy_ = false;
    LedgerWriteResult result = std::move(*result_);
    result_.reset();
    return result;
}

void LedgerWriter::set_outbox_limits(const storage::OutboxLimits& limits) {
    std::lock_guard lock(mutex_);
    new_outbox_limits_ = limits;
}

void LedgerWriter::run() {
    for (;;) {
        LedgerWriteBatch batch;
        std::optional<storage::OutboxLimits> limits;
        {
            std::unique_lock lock(mutex_);
            work_ready_.wait(lock, [this] { return job_.has_value() || stopping_; });
            if (!job_) return;  // stopping with nothing to do
            batch = std::move(*job_);
            job_.reset();
            limits = std::exchange(new_outbox_limits_, std::nullopt);
        }
        // The ledger belongs to this thread: new limits are applied here, between two commits.
        if (limits) ledger_.set_outbox_limits(*limits);
        LedgerWriteResult result;
        const auto start = std::chrono::steady_clock::now();
        try {
            if (!batch.deferred.empty()) {
                (void)ledger_.append(batch.deferred);
                result.deferred_recorded = true;
            }
            if (!batch.records.empty()) {
                result.outcomes = ledger_.append(batch.records);
                result.outbox = ledger_.last_outbox_append();
            }
        } catch (const storage::LedgerError& e) {
            result.error = e.what();
            result.fault = e.fault();
        }
        for (const auto& hello : batch.hellos) {
            try {
                ledger_.upsert_terminal(hello);
            } catch (const storage::LedgerError& e) {
                // A lost firmware string is not worth failing the events for; say so and go on.
                spdlog::warn("could not record hello of terminal {}: {}", hello.id, e.what());
            }
        }
        result.commit_time =
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
        result.batch = std::move(batch);
        {
            std::lock_guard lock(mutex_);
            result_ = std::move(result);
        }
        writer_side_.send(zmq::message_t(), zmq::send_flags::none);
    }
}

}  // namespace gatehouse::daemon
