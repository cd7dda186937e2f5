#pragma once
// Requests on the gateway's control socket (the `gatehouse` CLI, a web console, scripts), as typed values, and
// their codec. docs/protocol.md ("Control socket") is the description; this is the only place that knows the
// request field names. Replies are JSON objects {"ok":true,...} or {"ok":false,"error":"..."} built by the daemon.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gatehouse::ipc {

/// `status`: the running gateway's state.
struct StatusRequest {};
/// `metrics`: the Prometheus exposition text.
struct MetricsRequest {};
/// `reload`: re-read the configuration now; the reply says which changed keys took effect and which wait for a restart.
struct ReloadRequest {};
/// `alerts`: the alerts not closed.
struct AlertsRequest {};
/// `alert_ack` / `alert_close`: an operator acknowledges or closes an alert.
struct AlertActionRequest {
    std::int64_t id = 0;
    bool close = false;  ///< alert_close; otherwise alert_ack.
    std::string actor;   ///< Who acts: 1–128 bytes.
    std::string note;    ///< Up to 4096 bytes.
};
/// `forget_alerts`: alerts `gatehouse erase` removed from the ledger, to drop from memory.
struct ForgetAlertsRequest {
    std::vector<std::int64_t> ids;
};
/// A request that cannot be served, and why (the text of the {"ok":false} reply).
struct ControlRefusal {
    std::string error;
};

using ControlRequest = std::variant<StatusRequest, MetricsRequest, ReloadRequest, AlertsRequest, AlertActionRequest,
                                    ForgetAlertsRequest, ControlRefusal>;

/// Longest note on an alert action, and most ids in one forget_alerts.
inline constexpr std::size_t kMaxAlertNoteBytes = 4096;
inline constexpr std::size_t kMaxForgetIds = 100000;

/// Decodes one control request frame into typed values. Never throws: anything it cannot serve is a
/// ControlRefusal naming the field. Pure; safe from any thread.
ControlRequest decode_control_request(std::string_view frame);
/// The reply refusing a request: {"ok":false,"error":`error`}.
std::string encode_control_refusal(std::string_view error);

/// The request as the client sends it (`{"v":1,"cmd":...}`). A ControlRefusal cannot be sent (precondition).
std::string encode(const ControlRequest& request);

}  // namespace gatehouse::ipc
