#include "gatehouse/daemon/fleet/downlink_update.hpp"

#include <cmath>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "gatehouse/daemon/fleet/site_key.hpp"

namespace gatehouse::daemon::fleet {
namespace {

using json = nlohmann::json;

// Longest person id, name and note accepted from the platform (the ledger has no limit; a gate display has).
constexpr std::size_t kMaxPersonBytes = 128;
constexpr std::size_t kMaxTextBytes = 1024;
// The policy's range of fever thresholds, as in [[gates]] policy (docs/configuration).
constexpr double kMinFever = 34.0;
constexpr double kMaxFever = 39.0;

/// A failed check of the body: the reason `malformed` and what was wrong.
struct BodyError {
    std::string detail;
};

const json* member(const json& object, const char* key) {
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

std::string text_field(const json& object, const char* key, std::size_t max_bytes, bool required, const std::string& where) {
    const json* v = member(object, key);
    if (!v || v->is_null()) {
        if (required) throw BodyError{where + key + " is missing"};
        return {};
    }
    if (!v->is_string()) throw BodyError{where + key + " must be a string"};
    const auto& s = v->get_ref<const std::string&>();
    if (s.size() > max_bytes) throw BodyError{fmt::format("{}{} is longer than {} bytes", where, key, max_bytes)};
    if (required && s.empty()) throw BodyError{where + key + " must not be empty"};
    return s;
}

std::optional<std::int64_t> integer_field(const json& object, const char* key, bool required, const std::string& where) {
    const json* v = member(object, key);
    if (!v || v->is_null()) {
        if (required) throw BodyError{where + key + " is missing"};
        return std::nullopt;
    }
    if (!v->is_number_integer()) throw BodyError{where + key + " must be an integer"};
    if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
        throw BodyError{where + key + " is out of range"};
    }
    return v->get<std::int64_t>();
}

std::optional<bool> bool_field(const json& object, const char* key, const std::string& where) {
    const json* v = member(object, key);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_boolean()) throw BodyError{where + key + " must be true or false"};
    return v->get<bool>();
}

storage::PersonListEntry read_entry(const json& e, storage::PersonListKind list, const std::string& where) {
    if (!e.is_object()) throw BodyError{where + "must be an object"};
    storage::PersonListEntry entry;
    entry.list = list;
    entry.person = text_field(e, "person", kMaxPersonBytes, true, where);
    entry.name = text_field(e, "name", kMaxTextBytes, false, where);
    entry.note = text_field(e, "note", kMaxTextBytes, false, where);
    entry.valid_from_ms = integer_field(e, "valid_from_ms", false, where);
    entry.valid_until_ms = integer_field(e, "valid_until_ms", false, where);
    if (entry.valid_from_ms && entry.valid_until_ms && *entry.valid_until_ms < *entry.valid_from_ms) {
        throw BodyError{where + "valid_until_ms lies before valid_from_ms"};
    }
    for (const auto& [key, value] : e.items()) {
        static const std::set<std::string> kKnown = {"person", "name", "note", "valid_from_ms", "valid_until_ms"};
        if (!kKnown.count(key)) throw BodyError{where + "unknown key '" + key + "'"};
    }
    return entry;
}

storage::PersonListUpdate read_list(const json& body, storage::PersonListKind list, std::int64_t version, bool full) {
    storage::PersonListUpdate u;
    u.list = list;
    u.version = version;
    u.full = full;
    if (!full) {
        u.base = *integer_field(body, "base", true, "");
        if (u.base < 0 || u.base >= version) throw BodyError{"base must be at least 0 and below version"};
    } else if (member(body, "base") || member(body, "remove")) {
        throw BodyError{"a full update has no base and no remove: it replaces the whole list"};
    }
    const json* entries = member(body, "entries");
    if (!entries || !entries->is_array()) throw BodyError{"entries must be an array"};
    std::set<std::string> persons;
    for (std::size_t i = 0; i < entries->size(); ++i) {
        auto entry = read_entry((*entries)[i], list, fmt::format("entries[{}].", i));
        if (!persons.insert(entry.person).second) throw BodyError{fmt::format("entries[{}]: person '{}' appears twice", i, entry.person)};
        u.upserts.push_back(std::move(entry));
    }
    if (const json* remove = member(body, "remove")) {
        if (!remove->is_array()) throw BodyError{"remove must be an array of person ids"};
        for (std::size_t i = 0; i < remove->size(); ++i) {
            const json& p = (*remove)[i];
            if (!p.is_string() || p.get_ref<const std::string&>().empty() || p.get_ref<const std::string&>().size() > kMaxPersonBytes) {
                throw BodyError{fmt::format("remove[{}] must be a person id (a non-empty string)", i)};
            }
            if (persons.count(p.get<std::string>())) {
                throw BodyError{fmt::format("remove[{}]: person '{}' is also in entries", i, p.get<std::string>())};
            }
            u.removals.push_back(p.get<std::string>());
        }
    }
    return u;
}

PolicyUpdate read_policy(const json& body, std::int64_t version) {
    PolicyUpdate p;
    p.version = version;
    const json* gates = member(body, "gates");
    if (!gates || !gates->is_object()) throw BodyError{"gates must be an object of gate id to policy keys"};
    for (const auto& [gate, keys] : gates->items()) {
        const std::string where = "gates." + gate + ".";
        if (gate.empty() || gate.size() > kMaxPersonBytes) throw BodyError{"a gate id must be 1 to 128 bytes"};
        if (!keys.is_object()) throw BodyError{"gates." + gate + " must be an object"};
        PolicyOverride o;
        o.require_temperature = bool_field(keys, "require_temperature", where);
        o.require_health_code = bool_field(keys, "require_health_code", where);
        o.require_list = bool_field(keys, "require_list", where);
        o.allow_when_unavailable = bool_field(keys, "allow_when_unavailable", where);
        if (const json* f = member(keys, "fever_threshold"); f && !f->is_null()) {
            if (!f->is_number()) throw BodyError{where + "fever_threshold must be a number"};
            const double t = f->get<double>();
            if (!std::isfinite(t) || t < kMinFever || t > kMaxFever) {
                throw BodyError{fmt::format("{}fever_threshold must lie in [{:.1f}, {:.1f}] °C", where, kMinFever, kMaxFever)};
            }
            o.fever_threshold = t;
        }
        for (const auto& [key, value] : keys.items()) {
            static const std::set<std::string> kKnown = {"require_temperature", "require_health_code", "require_list",
                                                         "allow_when_unavailable", "fever_threshold"};
            if (!kKnown.count(key)) throw BodyError{where + "unknown key '" + key + "'"};
        }
        p.gates.emplace(gate, o);
    }
    return p;
}

DownlinkRefusal refuse(std::string reason, std::string detail, std::optional<std::int64_t> version = std::nullopt) {
    return {std::move(reason), std::move(detail), version};
}

}  // namespace

const char* to_string(DownlinkSubject subject) {
    switch (subject) {
        case DownlinkSubject::allow: return "allow";
        case DownlinkSubject::deny: return "deny";
        case DownlinkSubject::policy: return "policy";
    }
    return "?";
}

std::optional<DownlinkSubject> parse_downlink_subject(std::string_view text) {
    if (text == "allow") return DownlinkSubject::allow;
    if (text == "deny") return DownlinkSubject::deny;
    if (text == "policy") return DownlinkSubject::policy;
    return std::nullopt;
}

GatePolicy PolicyUpdate::apply(const std::string& gate, GatePolicy base) const {
    for (const char* id : {"*", gate.c_str()}) {
        const auto it = gates.find(id);
        if (it == gates.end()) continue;
        const PolicyOverride& o = it->second;
        if (o.require_temperature) base.require_temperature = *o.require_temperature;
        if (o.require_health_code) base.require_health_code = *o.require_health_code;
        if (o.require_list) base.require_list = *o.require_list;
        if (o.allow_when_unavailable) base.allow_when_unavailable = *o.allow_when_unavailable;
        if (o.fever_threshold) base.fever_threshold = *o.fever_threshold;
    }
    return base;
}

DownlinkDecoded decode_downlink(std::string_view payload, DownlinkSubject subject, const std::string& site,
                                const std::string& public_key) {
    if (payload.size() > kMaxDownlinkBytes) {
        return refuse("malformed", fmt::format("{} bytes: more than the {} accepted", payload.size(), kMaxDownlinkBytes));
    }
    const json envelope = json::parse(payload.begin(), payload.end(), nullptr, /*allow_exceptions=*/false);
    if (envelope.is_discarded() || !envelope.is_object()) return refuse("malformed", "the envelope is not a JSON object");
    const json* body_node = member(envelope, "body");
    if (!body_node || !body_node->is_string()) return refuse("malformed", "the envelope's body must be a string (the signed JSON text)");
    const std::string& body = body_node->get_ref<const std::string&>();
    const json* signature = member(envelope, "signature");
    if (!signature || signature->is_null() || (signature->is_string() && signature->get_ref<const std::string&>().empty())) {
        return refuse("unsigned", "the envelope has no signature");
    }
    if (!signature->is_string()) return refuse("malformed", "the envelope's signature must be a base64 string");
    // Nothing of the body is believed before its signature is checked, over exactly the bytes received.
    if (!verify_detached(body, signature->get_ref<const std::string&>(), public_key)) {
        return refuse("bad_signature", "the signature does not verify with the site public key");
    }
    const json b = json::parse(body.begin(), body.end(), nullptr, false);
    if (b.is_discarded() || !b.is_object()) return refuse("malformed", "the body is not a JSON object");
    std::optional<std::int64_t> version;
    try {
        version = integer_field(b, "version", true, "");
        if (*version <= 0) throw BodyError{"version must be positive"};
        if (text_field(b, "format", 64, true, "") != kDownlinkFormat) {
            throw BodyError{fmt::format("format must be \"{}\"", kDownlinkFormat)};
        }
        const std::string body_site = text_field(b, "site", kMaxTextBytes, true, "");
        if (body_site != site) return refuse("wrong_site", "the update is for site '" + body_site + "', this gateway is in '" + site + "'", version);
        const std::string body_subject = text_field(b, "subject", 16, true, "");
        if (body_subject != to_string(subject)) {
            return refuse("wrong_subject", "the body is about '" + body_subject + "' but came on the " + to_string(subject) + " topic", version);
        }
        const std::string kind = text_field(b, "kind", 16, true, "");
        if (kind != "full" && kind != "delta") throw BodyError{"kind must be \"full\" or \"delta\""};
        (void)integer_field(b, "issued_ms", false, "");
        for (const auto& [key, value] : b.items()) {
            static const std::set<std::string> kKnown = {"format", "site", "subject", "version", "kind", "issued_ms",
                                                         "base", "entries", "remove", "gates"};
            if (!kKnown.count(key)) throw BodyError{"unknown key '" + key + "'"};
        }
        DownlinkUpdate u;
        u.subject = subject;
        u.version = *version;
        u.full = kind == "full";
        u.body = body;
        if (subject == DownlinkSubject::policy) {
            if (!u.full) throw BodyError{"a policy update is always full: it states every override"};
            if (member(b, "entries") || member(b, "remove") || member(b, "base")) throw BodyError{"a policy update has gates, not entries"};
            u.policy = read_policy(b, *version);
        } else {
            if (member(b, "gates")) throw BodyError{"a list update has entries, not gates"};
            u.list = read_list(b, subject == DownlinkSubject::allow ? storage::PersonListKind::allow : storage::PersonListKind::deny,
                               *version, u.full);
        }
        return u;
    } catch (const BodyError& e) {
        return refuse("malformed", e.detail, version);
    }
}

std::optional<PolicyUpdate> parse_policy_body(std::string_view body) {
    const json b = json::parse(body.begin(), body.end(), nullptr, false);
    if (b.is_discarded() || !b.is_object()) return std::nullopt;
    try {
        return read_policy(b, integer_field(b, "version", true, "").value());
    } catch (const BodyError&) {
        return std::nullopt;
    }
}

std::string sign_envelope(const std::string& body, const std::string& secret_key) {
    return json{{"body", body}, {"signature", sign_detached(body, secret_key)}}.dump();
}

}  // namespace gatehouse::daemon::fleet
