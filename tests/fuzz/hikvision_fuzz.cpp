// libFuzzer target: the Hikvision adapter's decoders (daemon/src/adapters/hikvision_event.cpp) on arbitrary input,
// as one JSON notification (and as an event-log search answer) or, when the input holds the separator "\n--part\n", as the parts of a multipart post
// (JSON first). Checks what hikvision_event.hpp promises: no exception, and every event mapped from an accepted
// notification is one a native terminal could send: its protocol frame decodes back to the same event.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fuzz_invariant.hpp"
#include "gatehouse/daemon/adapters/hikvision_event.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"

namespace {

using gatehouse::fuzz::require;
namespace adapters = gatehouse::daemon::adapters;
namespace ipc = gatehouse::ipc;

void check_events(const adapters::HikvisionNotification& n) {
    for (const auto& e : adapters::map_hikvision_event(n, "fuzz-terminal", 1'790'000'000'000)) {
        const ipc::DecodedMessage back = ipc::decode_terminal_message(ipc::encode(e));
        require(std::holds_alternative<ipc::Event>(back), "a mapped event is a valid protocol v1 event");
        const auto& again = std::get<ipc::Event>(back);
        require(again.seq == e.seq && again.occurred_ms == e.occurred_ms, "seq and ts survive the protocol");
        require(ipc::event_kind(again.data) == ipc::event_kind(e.data), "the kind survives the protocol");
        require(again.extra_data.size() == e.extra_data.size(), "every kept raw field survives the protocol");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    constexpr std::string_view kSeparator = "\n--part\n";
    if (input.find(kSeparator) == std::string_view::npos) {
        auto decoded = adapters::decode_hikvision_notification(input);
        if (auto* n = std::get_if<adapters::HikvisionNotification>(&decoded)) {
            check_events(*n);
            if (const auto r = adapters::remote_check_request(*n, "fuzz-terminal")) {
                const ipc::DecodedMessage back = ipc::decode_terminal_message(ipc::encode(*r));
                require(std::holds_alternative<ipc::AccessRequest>(back), "a remote check is a valid access_request");
            }
        }
        // The same input as an answer of the device's event-log search (backfill).
        auto page = adapters::decode_acs_event_page(input);
        if (auto* p = std::get_if<adapters::AcsEventPage>(&page)) {
            for (const auto& n : p->events) check_events(n);
        }
        return 0;
    }
    std::vector<adapters::PostedPart> parts;
    std::size_t start = 0;
    while (start <= input.size()) {
        const auto at = input.find(kSeparator, start);
        const auto piece = input.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start);
        const bool first = parts.empty();
        parts.push_back({first ? "AccessControllerEvent" : "Picture", first ? "" : "Picture.jpg",
                         first ? "application/json" : "image/jpeg", piece});
        if (at == std::string_view::npos) break;
        start = at + kSeparator.size();
    }
    auto decoded = adapters::decode_hikvision_multipart(parts, 1024);
    if (auto* post = std::get_if<adapters::HikvisionPost>(&decoded)) {
        require(!post->picture || post->picture->size() <= 1024, "a kept picture is within the part limit");
        check_events(post->notification);
    }
    return 0;
}
