#include "gatehouse/daemon/adapters/adapter_inbox.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "gatehouse/ipc/terminal_codec.hpp"

namespace gatehouse::daemon::adapters {
namespace {

constexpr std::string_view kPeerPrefix{"\0adapter:", 9};

}  // namespace

AdapterInbox::AdapterInbox() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (fd_ < 0) throw std::runtime_error(std::string("adapters: eventfd: ") + std::strerror(errno));
}

AdapterInbox::~AdapterInbox() { ::close(fd_); }

bool AdapterInbox::is_adapter_peer(std::string_view peer) { return peer.substr(0, kPeerPrefix.size()) == kPeerPrefix; }

std::vector<ipc::GatewayReply> AdapterInbox::submit_and_wait(std::vector<TerminalMessage> messages,
                                                             std::chrono::milliseconds timeout) {
    if (messages.empty()) return {};
    std::unique_lock lock(mutex_);
    if (closed_) return {};
    const std::string peer = std::string(kPeerPrefix) + std::to_string(next_peer_++);
    const std::size_t expected = messages.size();
    waiting_[peer].expected = expected;
    queued_.push_back({peer, std::move(messages)});
    const std::uint64_t one = 1;
    if (::write(fd_, &one, sizeof one) < 0 && errno != EAGAIN) {
        waiting_.erase(peer);
        queued_.pop_back();
        return {};
    }
    answered_.wait_for(lock, timeout, [&] { return closed_ || waiting_[peer].replies.size() >= expected; });
    std::vector<ipc::GatewayReply> replies = std::move(waiting_[peer].replies);
    waiting_.erase(peer);
    return replies;
}

std::vector<AdapterSubmission> AdapterInbox::take() {
    std::uint64_t count = 0;
    (void)::read(fd_, &count, sizeof count);  // EAGAIN when already drained
    std::lock_guard lock(mutex_);
    return std::exchange(queued_, {});
}

void AdapterInbox::reply(const std::string& peer, std::string_view frame) {
    ipc::GatewayReply decoded = ipc::decode_gateway_reply(frame);
    std::lock_guard lock(mutex_);
    const auto w = waiting_.find(peer);
    if (w == waiting_.end()) return;  // the HTTP request gave up waiting: the device resends, stored once
    w->second.replies.push_back(std::move(decoded));
    if (w->second.replies.size() >= w->second.expected) answered_.notify_all();
}

void AdapterInbox::close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    queued_.clear();
    answered_.notify_all();
}

}  // namespace gatehouse::daemon::adapters
