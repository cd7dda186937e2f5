#pragma once
// Downlink updates from the site's platform (docs/fleet-downlink.md): the signed envelope, the body, and what a
// gateway makes of them. Decoding is pure and never throws on content: every way a message can be wrong becomes a
// refusal with its reason.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/storage/person_list.hpp"

namespace gatehouse::daemon::fleet {

/// What a downlink topic carries: `<prefix>/<site>/downlink/<subject>`.
enum class DownlinkSubject { allow, deny, policy };
const char* to_string(DownlinkSubject subject);
std::optional<DownlinkSubject> parse_downlink_subject(std::string_view text);

/// The body's format tag; a different one is refused (a later format needs a gateway that knows it).
inline constexpr std::string_view kDownlinkFormat = "gatehouse.downlink/1";
/// The largest envelope accepted (a whole allow list of a large campus fits many times).
inline constexpr std::size_t kMaxDownlinkBytes = 16 * 1024 * 1024;

/// The central policy of some gate policy keys, per gate id ("*": every gate; a gate's own entry wins).
struct PolicyOverride {
    std::optional<bool> require_temperature;
    std::optional<bool> require_health_code;
    std::optional<bool> require_list;
    std::optional<bool> allow_when_unavailable;
    std::optional<double> fever_threshold;
    bool operator==(const PolicyOverride&) const = default;
};
struct PolicyUpdate {
    std::int64_t version = 0;
    std::map<std::string, PolicyOverride> gates;
    /// `base` with the keys this update sets for `gate` (its "*" entry first, then its own).
    GatePolicy apply(const std::string& gate, GatePolicy base) const;
};

/// A verified, well-formed update.
struct DownlinkUpdate {
    DownlinkSubject subject = DownlinkSubject::allow;
    std::int64_t version = 0;
    bool full = true;
    std::optional<storage::PersonListUpdate> list;  ///< allow, deny
    std::optional<PolicyUpdate> policy;             ///< policy
    std::string body;                               ///< The exact signed text.
};

/// Why an update was refused. `reason` is one of: malformed, unsigned, bad_signature, wrong_site, wrong_subject,
/// stale, gap, storage.
struct DownlinkRefusal {
    std::string reason;
    std::string detail;
    std::optional<std::int64_t> version;  ///< When the body said one.
};

using DownlinkDecoded = std::variant<DownlinkUpdate, DownlinkRefusal>;

/// Checks the envelope, the signature over the exact body under `public_key`, then the body (typed, every field),
/// against the topic's subject and this gateway's site.
DownlinkDecoded decode_downlink(std::string_view payload, DownlinkSubject subject, const std::string& site,
                                const std::string& public_key);

/// Parses a policy body already verified (and stored): the start-up path. nullopt when it is not one.
std::optional<PolicyUpdate> parse_policy_body(std::string_view body);

/// The envelope `{"body": "<body>", "signature": "<base64>"}` around `body`, signed with the site's secret key.
std::string sign_envelope(const std::string& body, const std::string& secret_key);

}  // namespace gatehouse::daemon::fleet
