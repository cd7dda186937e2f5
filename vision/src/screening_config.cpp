#include "gatehouse/vision/screening_config.hpp"

#include <cmath>
#include <charconv>
#include <stdexcept>
#include <vector>

namespace gatehouse::vision {

namespace {

bool parse_double(std::string_view text, double& out) {
    if (text.empty()) return false;
    try {
        std::size_t used = 0;
        out = std::stod(std::string(text), &used);
        return used == text.size() && std::isfinite(out);
    } catch (const std::exception&) {
        return false;
    }
}

bool parse_int(std::string_view text, int& out) {
    const auto result = std::from_chars(text.data(), text.data() + text.size(), out);
    return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

}  // namespace

std::optional<ReferenceConfig> ReferenceConfig::parse(const std::string& text, std::string& error) {
    const auto at = text.rfind('@');
    if (at == std::string::npos) {
        error = "expected X,Y,W,H@CELSIUS, circle:X,Y,W,H@CELSIUS or auto@CELSIUS, got '" + text + "'";
        return std::nullopt;
    }
    ReferenceConfig config;
    if (!parse_double(std::string_view(text).substr(at + 1), config.celsius) || config.celsius < 20 ||
        config.celsius > 60) {
        error = "reference temperature must be a number of °C within 20..60 in '" + text + "'";
        return std::nullopt;
    }
    std::string_view where = std::string_view(text).substr(0, at);
    if (where == "auto") {
        config.mode = Mode::automatic;
        return config;
    }
    if (where.starts_with("circle:")) {
        config.shape = Shape::circle;
        where.remove_prefix(7);
    }
    std::vector<int> numbers;
    while (true) {
        const auto comma = where.find(',');
        int value = 0;
        if (!parse_int(where.substr(0, comma), value)) {
            error = "reference area must be four integers X,Y,W,H in '" + text + "'";
            return std::nullopt;
        }
        numbers.push_back(value);
        if (comma == std::string_view::npos) break;
        where.remove_prefix(comma + 1);
    }
    if (numbers.size() != 4 || numbers[0] < 0 || numbers[1] < 0 || numbers[2] < 1 || numbers[3] < 1) {
        error = "reference area must be X,Y >= 0 and W,H >= 1 in '" + text + "'";
        return std::nullopt;
    }
    config.mode = Mode::fixed;
    config.area = cv::Rect(numbers[0], numbers[1], numbers[2], numbers[3]);
    return config;
}

void ScreeningConfig::validate() const {
    if (!(threshold_celsius >= 34.0 && threshold_celsius <= 39.0))
        throw std::invalid_argument("threshold must be within 34..39 °C");
    if (!(std::abs(body_offset_celsius) <= 3.0)) throw std::invalid_argument("body offset must be within ±3 °C");
    if (detection_width < 32 || detection_width > 1024)
        throw std::invalid_argument("detection width must be within 32..1024 pixels");
    if (!(heads.min_width_fraction > 0 && heads.min_width_fraction < heads.max_width_fraction &&
          heads.max_width_fraction <= 1.0))
        throw std::invalid_argument("head width fractions must satisfy 0 < min < max <= 1");
    if (heads.min_samples < 1) throw std::invalid_argument("min_samples must be at least 1");
    if (baseline.enabled && (baseline.window < 3 || baseline.delta_celsius <= 0))
        throw std::invalid_argument("adaptive baseline needs a window >= 3 and a positive delta");
}

}  // namespace gatehouse::vision
