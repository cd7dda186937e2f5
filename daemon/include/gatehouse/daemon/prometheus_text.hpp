#pragma once
// Builds the Prometheus text exposition format (version 0.0.4).
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace gatehouse::daemon {

/// Cumulative histogram with fixed upper bounds (seconds), Prometheus style.
class LatencyHistogram {
public:
    explicit LatencyHistogram(std::vector<double> bounds);
    void observe(double seconds);
    const std::vector<double>& bounds() const { return bounds_; }
    const std::vector<std::uint64_t>& cumulative_counts() const { return counts_; }  ///< Per bound, cumulative.
    std::uint64_t count() const { return count_; }
    double sum() const { return sum_; }

private:
    std::vector<double> bounds_;
    std::vector<std::uint64_t> counts_;
    std::uint64_t count_ = 0;
    double sum_ = 0;
};

/// Accumulates metric families; each family's HELP and TYPE are written once, before its first sample.
class PrometheusText {
public:
    using Labels = std::map<std::string, std::string>;
    void counter(const std::string& name, const std::string& help, double value, const Labels& labels = {});
    void gauge(const std::string& name, const std::string& help, double value, const Labels& labels = {});
    void histogram(const std::string& name, const std::string& help, const LatencyHistogram& h);
    const std::string& text() const { return text_; }

private:
    void family(const std::string& name, const std::string& help, const char* type);
    void sample(const std::string& name, double value, const Labels& labels);
    std::string text_;
    std::set<std::string> declared_;
};

}  // namespace gatehouse::daemon
