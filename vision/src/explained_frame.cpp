#include "gatehouse/vision/explained_frame.hpp"

#include <algorithm>
#include <cstdio>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace gatehouse::vision {

namespace {

constexpr double scale_low = 18.0, scale_high = 40.0;

cv::Scalar verdict_colour(Verdict verdict) {
    switch (verdict) {
        case Verdict::elevated: return {0, 0, 255};
        case Verdict::uncertain: return {0, 220, 255};
        case Verdict::normal: return {0, 200, 0};
    }
    return {255, 255, 255};
}

cv::Scalar state_colour(const std::string& state) {
    if (state == "measuring") return {255, 160, 40};
    if (state == "screened" || state == "same_person") return {150, 150, 150};
    if (state == "fixture") return {90, 90, 90};
    return {255, 255, 255};
}

void label(cv::Mat& image, const std::string& text, cv::Point at, const cv::Scalar& colour, double font) {
    int baseline = 0;
    const cv::Size size = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, font, 1, &baseline);
    at.x = std::clamp(at.x, 0, std::max(0, image.cols - size.width));
    at.y = std::clamp(at.y, size.height + 2, image.rows - 2);
    cv::rectangle(image, cv::Rect(at.x, at.y - size.height - 2, size.width + 2, size.height + baseline + 2),
                  cv::Scalar(0, 0, 0), cv::FILLED);
    cv::putText(image, text, cv::Point(at.x + 1, at.y), cv::FONT_HERSHEY_SIMPLEX, font, colour, 1, cv::LINE_AA);
}

}  // namespace

cv::Mat render_explained_frame(const cv::Mat& raw, const Radiometry& radiometry, const Orientation& orientation,
                               const FrameExplanation& e, const std::vector<Screening>& decided) {
    const cv::Mat celsius = radiometry.to_celsius(orientation.apply(raw));
    const double offset = e.offset_celsius.value_or(0.0);
    cv::Mat gray;
    celsius.convertTo(gray, CV_8U, 255.0 / (scale_high - scale_low), 255.0 * (offset - scale_low) / (scale_high - scale_low));
    cv::Mat colour;
    cv::applyColorMap(gray, colour, cv::COLORMAP_INFERNO);
    const int scale = std::max(1, (480 + colour.cols - 1) / colour.cols);
    if (scale > 1) cv::resize(colour, colour, cv::Size(), scale, scale, cv::INTER_NEAREST);
    const double font = 0.4;
    const auto to_view = [&](const cv::Rect& source) {
        const cv::Rect r = orientation.to_oriented(source, raw.size());
        return cv::Rect(r.x * scale, r.y * scale, r.width * scale, r.height * scale);
    };

    if (e.reference_core) {
        const cv::Rect r = to_view(*e.reference_core);
        cv::rectangle(colour, r, cv::Scalar(255, 255, 0), 1);
        label(colour, "ref", cv::Point(r.x, r.y + r.height + 12), cv::Scalar(255, 255, 0), font);
    }
    for (const auto& c : e.candidates) {
        if (c.outcome == "head") continue;
        const cv::Rect r = to_view(c.box);
        cv::rectangle(colour, r, cv::Scalar(110, 110, 110), 1);
        label(colour, c.outcome, cv::Point(r.x, r.y + r.height + 12), cv::Scalar(170, 170, 170), font * 0.8);
    }
    for (const auto& t : e.tracks) {
        const cv::Rect r = to_view(t.box);
        const cv::Scalar c = state_colour(t.state);
        cv::rectangle(colour, r, c, 1);
        char text[96];
        std::snprintf(text, sizeof text, "t%lld p%lld %s", static_cast<long long>(t.track),
                      static_cast<long long>(t.person), t.state.c_str());
        label(colour, text, cv::Point(r.x, r.y - 2), c, font);
        std::string second = t.note;
        if (t.reading_celsius) {
            std::snprintf(text, sizeof text, " %.1f", *t.reading_celsius);
            second += text;
        }
        if (!second.empty()) label(colour, second, cv::Point(r.x, r.y + r.height + 12), c, font);
    }
    for (const auto& s : decided) {
        const cv::Rect r = to_view(s.bbox);
        const cv::Scalar c = verdict_colour(s.verdict);
        cv::rectangle(colour, r, c, 3);
        char text[96];
        if (s.celsius)
            std::snprintf(text, sizeof text, "%s %.1f %s", std::string(to_string(s.verdict)).c_str(), *s.celsius,
                          s.verdict == Verdict::uncertain ? std::string(to_string(s.reason)).c_str() : "");
        else
            std::snprintf(text, sizeof text, "%s %s", std::string(to_string(s.verdict)).c_str(),
                          std::string(to_string(s.reason)).c_str());
        label(colour, text, cv::Point(r.x, r.y + r.height + 26), c, font * 1.2);
    }

    char caption[160];
    std::snprintf(caption, sizeof caption, "frame %lld  %.2f s  ref %s%s  room %.1f", static_cast<long long>(e.frame),
                  static_cast<double>(e.time_ms) / 1000.0, std::string(to_string(e.reference)).c_str(),
                  e.ffc ? "  FFC" : "", e.room_celsius + offset);
    cv::Mat framed(colour.rows + 18, colour.cols, CV_8UC3, cv::Scalar(0, 0, 0));
    colour.copyTo(framed(cv::Rect(0, 18, colour.cols, colour.rows)));
    cv::putText(framed, caption, cv::Point(4, 13), cv::FONT_HERSHEY_SIMPLEX, font, cv::Scalar(255, 255, 255), 1,
                cv::LINE_AA);
    return framed;
}

bool write_explained_frame(const std::filesystem::path& directory, const cv::Mat& raw, const Radiometry& radiometry,
                           const Orientation& orientation, const FrameExplanation& explanation,
                           const std::vector<Screening>& decided) {
    if (raw.empty()) return false;
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    char name[32];
    std::snprintf(name, sizeof name, "frame_%06lld.png", static_cast<long long>(explanation.frame));
    try {
        return cv::imwrite((directory / name).string(),
                           render_explained_frame(raw, radiometry, orientation, explanation, decided));
    } catch (const cv::Exception&) {
        return false;
    }
}

}  // namespace gatehouse::vision
