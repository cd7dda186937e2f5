#include "gatehouse/daemon/forwarding/alert_message.hpp"

#include <optional>
#include <set>

#include <nlohmann/json.hpp>

namespace gatehouse::daemon::forwarding {
namespace {

/// What a chat reader needs from one alert, with the outbox record's own fields as fallbacks.
struct AlertFacts {
    std::string id;
    std::string kind;
    std::string severity;
    std::string gate;
    std::int64_t time_ms = 0;
    std::string person;
    std::optional<double> celsius;
    std::string text;
};

std::string text_field(const nlohmann::json& body, const char* key) {
    const auto it = body.find(key);
    // A null field (an alert without a person) is absent, never the text "null".
    if (it == body.end() || it->is_null()) return {};
    return it->is_string() ? it->get<std::string>() : it->dump();
}

/// Markdown from free text: one line, and no characters that would start markup of their own.
std::string plain(std::string text) {
    for (char& c : text) {
        if (c == '\n' || c == '\r') c = ' ';
        if (c == '*' || c == '`' || c == '[' || c == ']' || c == '<' || c == '>') c = ' ';
    }
    return text;
}

AlertFacts read_alert(const storage::OutboxRecord& record) {
    const nlohmann::json body = nlohmann::json::parse(record.body_json, nullptr, false);
    AlertFacts a;
    if (body.is_object()) {
        a.id = text_field(body, "id");
        a.kind = text_field(body, "kind");
        a.severity = text_field(body, "severity");
        a.gate = text_field(body, "gate");
        a.person = text_field(body, "person");
        a.text = text_field(body, "text");
        if (auto it = body.find("time_ms"); it != body.end() && it->is_number_integer()) a.time_ms = it->get<std::int64_t>();
        if (auto it = body.find("celsius"); it != body.end() && it->is_number()) a.celsius = it->get<double>();
    } else {
        a.text = "(unreadable alert body)";
    }
    if (a.id.empty()) a.id = record.key;
    if (a.kind.empty()) a.kind = record.kind;
    if (a.gate.empty()) a.gate = record.gate;
    if (a.time_ms == 0) a.time_ms = record.created_ms;
    return a;
}

std::string celsius_text(double celsius) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f °C", celsius);
    return buffer;
}

ChatMessage single_message(const AlertFacts& a, const SinkIdentity& identity) {
    ChatMessage m;
    m.title = "Alert: " + plain(a.kind) + " at gate " + plain(a.gate);
    m.markdown = "### " + m.title + "\n\n";
    m.markdown += "- **Gate**: " + plain(a.gate) + " (" + plain(identity.site) + " / " + plain(identity.gateway_id) + ")\n";
    m.markdown += "- **Time**: " + format_local_time(a.time_ms, identity.zone) + "\n";
    if (a.celsius) m.markdown += "- **Temperature**: " + celsius_text(*a.celsius) + "\n";
    if (!a.person.empty()) m.markdown += "- **Person**: " + plain(a.person) + "\n";
    if (!a.severity.empty()) m.markdown += "- **Severity**: " + plain(a.severity) + "\n";
    if (!a.text.empty()) m.markdown += "- **Reason**: " + plain(a.text) + "\n";
    m.markdown += "- **Alert id**: " + plain(a.id) + "\n";
    return m;
}

std::string digest_line(const AlertFacts& a, const LocalTimeZone& zone) {
    std::string line = "- " + format_local_time(a.time_ms, zone).substr(11, 8) + " " + plain(a.gate) + " **" + plain(a.kind) + "**";
    if (a.celsius) line += " " + celsius_text(*a.celsius);
    if (!a.person.empty()) line += " " + plain(a.person);
    if (!a.text.empty()) line += ": " + plain(a.text);
    return line + " (" + plain(a.id) + ")\n";
}

ChatMessage digest_message(const std::vector<AlertFacts>& alerts, const SinkIdentity& identity, int digest_lines) {
    std::set<std::string> gates;
    for (const auto& a : alerts) gates.insert(plain(a.gate));
    std::string where;
    if (gates.size() == 1) {
        where = "at gate " + *gates.begin();
    } else {
        where = "at " + std::to_string(gates.size()) + " gates";
    }
    ChatMessage m;
    m.title = std::to_string(alerts.size()) + " alerts " + where;
    m.markdown = "### " + m.title + "\n\n";
    m.markdown += plain(identity.site) + " / " + plain(identity.gateway_id) + ", " + format_local_time(alerts.front().time_ms, identity.zone) +
                  " to " + format_local_time(alerts.back().time_ms, identity.zone) + "\n\n";
    const std::size_t listed = std::min(alerts.size(), static_cast<std::size_t>(std::max(digest_lines, 1)));
    for (std::size_t i = 0; i < listed; ++i) m.markdown += digest_line(alerts[i], identity.zone);
    if (listed < alerts.size()) {
        // Every alert stays findable by its id even when it is not listed in full.
        m.markdown += "- and " + std::to_string(alerts.size() - listed) + " more:";
        for (std::size_t i = listed; i < alerts.size(); ++i) m.markdown += (i == listed ? " " : ", ") + plain(alerts[i].id);
        m.markdown += "\n";
    }
    return m;
}

}  // namespace

std::optional<ChatMessage> standalone_message(const storage::OutboxRecord& record) {
    if (record.body_json.find("\"chat\"") == std::string::npos) return std::nullopt;  // alerts: no parse
    const nlohmann::json body = nlohmann::json::parse(record.body_json, nullptr, false);
    if (!body.is_object()) return std::nullopt;
    const auto chat = body.find("chat");
    if (chat == body.end() || !chat->is_object()) return std::nullopt;
    const auto title = chat->find("title");
    const auto markdown = chat->find("markdown");
    if (title == chat->end() || !title->is_string() || markdown == chat->end() || !markdown->is_string()) return std::nullopt;
    return ChatMessage{title->get<std::string>(), markdown->get<std::string>()};
}

std::string format_local_time(std::int64_t ms, const LocalTimeZone& zone) { return zone.format_iso(ms); }

ChatMessage format_alert_message(std::span<const storage::OutboxRecord> alerts, const SinkIdentity& identity,
                                 int digest_lines) {
    std::vector<AlertFacts> facts;
    facts.reserve(alerts.size());
    for (const auto& record : alerts) facts.push_back(read_alert(record));
    if (facts.empty()) return {};
    if (facts.size() == 1) return single_message(facts.front(), identity);
    return digest_message(facts, identity, digest_lines);
}

}  // namespace gatehouse::daemon::forwarding
