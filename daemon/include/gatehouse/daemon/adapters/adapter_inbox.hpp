#pragma once
// The one in-process path from the adapters' HTTP threads to the gateway's reactor: typed terminal messages in,
// the reactor's replies (welcome, ack, decision, error) out, one reply per message.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "gatehouse/daemon/admission.hpp"
#include "gatehouse/ipc/terminal_messages.hpp"

namespace gatehouse::daemon::adapters {

/// One HTTP request's messages, under the peer id its replies come back to.
struct AdapterSubmission {
    std::string peer;
    std::vector<TerminalMessage> messages;
};

/// Hands typed messages from HTTP threads to the reactor, which admits them exactly as frames from native terminals
/// (registry, rate, clock, sequence) and answers each through the same commit path; the HTTP thread waits for the
/// answers. Peer ids start with a zero byte and are longer than libzmq's generated routing ids (5 bytes), which
/// are the only ones that may start with zero: no native terminal's replies can be mistaken for an adapter's.
/// Thread-safety: submit_and_wait and close from any thread; take and reply on the reactor thread.
class AdapterInbox {
public:
    AdapterInbox();
    ~AdapterInbox();
    AdapterInbox(const AdapterInbox&) = delete;
    AdapterInbox& operator=(const AdapterInbox&) = delete;

    /// An eventfd, readable while submissions are queued (the reactor watches it).
    int signal_fd() const { return fd_; }

    /// Queues `messages` and waits until each has its reply or `timeout` passes (or close()); the replies that
    /// came, decoded, in arrival order. Replies arriving after the wait are dropped.
    std::vector<ipc::GatewayReply> submit_and_wait(std::vector<TerminalMessage> messages, std::chrono::milliseconds timeout);

    /// Takes every queued submission (clears the eventfd).
    std::vector<AdapterSubmission> take();
    /// Whether `peer` is one of the inbox's peer ids.
    static bool is_adapter_peer(std::string_view peer);
    /// Delivers one reply frame (the gateway's own encoding) to the submission waiting under `peer`.
    void reply(const std::string& peer, std::string_view frame);
    /// Ends every wait now and refuses further submissions (stop).
    void close();

private:
    struct Waiting {
        std::size_t expected = 0;
        std::vector<ipc::GatewayReply> replies;
    };

    int fd_ = -1;
    std::mutex mutex_;
    std::condition_variable answered_;
    std::vector<AdapterSubmission> queued_;
    std::map<std::string, Waiting> waiting_;
    std::uint64_t next_peer_ = 1;
    bool closed_ = false;
};

}  // namespace gatehouse::daemon::adapters
