#include "gatehouse/daemon/prometheus_text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace gatehouse::daemon {
namespace {

std::string format_value(double v) {
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

std::string escape_label(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

}  // namespace

LatencyHistogram::LatencyHistogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size(), 0) {}

void LatencyHistogram::observe(double seconds) {
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        if (seconds <= bounds_[i]) ++counts_[i];
    }
    ++count_;
    sum_ += seconds;
}

void PrometheusText::family(const std::string& name, const std::string& help, const char* type) {
    if (!declared_.insert(name).second) return;
    text_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void PrometheusText::sample(const std::string& name, double value, const Labels& labels) {
    text_ += name;
    if (!labels.empty()) {
        text_ += '{';
        bool first = true;
        for (const auto& [k, v] : labels) {
            text_ += (first ? "" : ",") + k + "=\"" + escape_label(v) + "\"";
            first = false;
        }
        text_ += '}';
    }
    text_ += ' ' + format_value(value) + '\n';
}

void PrometheusText::counter(const std::string& name, const std::string& help, double value, const Labels& labels) {
    family(name, help, "counter");
    sample(name, value, labels);
}

void PrometheusText::gauge(const std::string& name, const std::string& help, double value, const Labels& labels) {
    family(name, help, "gauge");
    sample(name, value, labels);
}

void PrometheusText::histogram(const std::string& name, const std::string& help, const LatencyHistogram& h) {
    family(name, help, "histogram");
    for (std::size_t i = 0; i < h.bounds().size(); ++i) {
        sample(name + "_bucket", static_cast<double>(h.cumulative_counts()[i]), {{"le", format_value(h.bounds()[i])}});
    }
    sample(name + "_bucket", static_cast<double>(h.count()), {{"le", "+Inf"}});
    sample(name + "_sum", h.sum(), {});
    sample(name + "_count", static_cast<double>(h.count()), {});
}

}  // namespace gatehouse::daemon
