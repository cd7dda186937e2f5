// libFuzzer target: the terminal protocol decoder (ipc/src/terminal_codec.cpp) on arbitrary frames.
// Beyond "no crash, no sanitizer report", it checks what terminal_codec.hpp promises: decoding never throws,
// every refusal encodes to a valid JSON error reply, accepted messages hold only validated values and survive the
// terminal side's encoder, and the reply decoder and context reader never throw either.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <variant>

#include <nlohmann/json.hpp>

#include "fuzz_invariant.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"

namespace {

using gatehouse::fuzz::require;
using nlohmann::json;
namespace ipc = gatehouse::ipc;

bool is_protocol_id(const std::string& id) {
    return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
               c == '_' || c == '.' || c == ':';
    });
}

json parse_reply(const std::string& text) {
    json reply = json::parse(text, nullptr, /*allow_exceptions=*/false);
    require(reply.is_object(), "an encoded reply is a JSON object");
    require(reply.value("v", 0) == ipc::kProtocolVersion, "an encoded reply carries v=1");
    return reply;
}

void check(const ipc::ProtocolError& e) {
    const json reply = parse_reply(ipc::encode(e));
    require(reply.value("type", "") == "error", "an error reply has type error");
    require(!e.message.empty(), "every refusal explains itself");
    require(std::holds_alternative<ipc::ProtocolError>(ipc::decode_gateway_reply(ipc::encode(e))),
            "the terminal side reads every error reply back");
}

void check(const ipc::Event& e) {
    require(is_protocol_id(e.terminal), "event.terminal is a protocol id");
    require(e.seq >= 1, "event.seq is positive");
    require(!ipc::event_kind(e.data).empty(), "event kind is set");
    const std::string data_text = ipc::encode_event_data(e);
    const json data = json::parse(data_text, nullptr, /*allow_exceptions=*/false);
    require(data.is_object(), "encode_event_data writes a JSON object");
    // The ledger stores occurred_ms and prints it back with format_utc_timestamp: both must agree.
    const auto back = ipc::parse_utc_timestamp(ipc::format_utc_timestamp(e.occurred_ms));
    require(back && *back == e.occurred_ms, "event.ts survives format_utc_timestamp/parse_utc_timestamp");
    // What the terminal side writes for a decoded event decodes to the same event (the codec is one codec).
    const ipc::DecodedMessage again = ipc::decode_terminal_message(ipc::encode(e));
    const auto* same = std::get_if<ipc::Event>(&again);
    require(same != nullptr, "an accepted event, encoded again, is accepted");
    require(same->seq == e.seq && same->terminal == e.terminal && ipc::encode_event_data(*same) == data_text,
            "an accepted event survives encode/decode");
    parse_reply(ipc::encode(ipc::Ack{e.seq, false}));
}

void check(const ipc::AccessRequest& r) {
    require(is_protocol_id(r.terminal) && is_protocol_id(r.request), "access_request ids are protocol ids");
    require(!r.person.empty(), "access_request.person is set");
    require(!r.celsius || (*r.celsius >= 20.0 && *r.celsius <= 50.0), "access_request.celsius is plausible");
    ipc::Decision d;
    d.request = r.request;
    d.reasons = {"fuzz"};
    d.celsius = r.celsius;
    d.display_zh = r.person;  // terminal-supplied text echoed back, as displays do
    d.display_en = r.person;
    const json reply = parse_reply(ipc::encode(d));
    require(reply.value("request", "") == r.request, "a decision echoes its request id");
    const auto decoded = ipc::decode_gateway_reply(ipc::encode(d));
    require(std::holds_alternative<ipc::Decision>(decoded), "the terminal side reads the decision back");
}

void check(const ipc::Hello& h) {
    require(is_protocol_id(h.terminal), "hello.terminal is a protocol id");
    const json reply = parse_reply(ipc::encode(ipc::Welcome{h.terminal, std::nullopt, 5000}));
    require(reply.value("terminal", "") == h.terminal, "a welcome names its terminal");
}

void check(const ipc::Heartbeat& h) { require(is_protocol_id(h.terminal), "heartbeat.terminal is a protocol id"); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view frame(reinterpret_cast<const char*>(data), size);
    const ipc::DecodedMessage message = ipc::decode_terminal_message(frame);
    std::visit([](const auto& m) { check(m); }, message);
    // The same bytes as a reply the terminal side receives, and as a frame refused unread: never a throw.
    (void)ipc::decode_gateway_reply(frame);
    (void)ipc::read_message_context(frame);
    return 0;
}
