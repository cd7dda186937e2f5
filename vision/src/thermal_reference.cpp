#include "gatehouse/vision/thermal_reference.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace gatehouse::vision {

namespace {

constexpr std::int64_t history_ms = 2000;
constexpr std::int64_t relock_after_ms = 3000;
// The reference must read this much above the room, or it is taken as switched off / covered.
constexpr double min_above_background = 3.0;
// A camera without reference may be this far off (FLIR Lepton 3.5: ±5 °C, and a heated reference's own
// set point is not always what the configuration says); candidates outside are not it.
constexpr double max_camera_error = 8.0;
// The plate's core: within this of its hottest neighbourhood (a heated plate is uniform to about 0.1 °C; the
// soft rim falls off by degrees), at least this many pixels, looked for again this often.
constexpr double core_tolerance_celsius = 0.35;
constexpr int min_core_pixels = 2;
constexpr std::int64_t core_refresh_ms = 1000;

double median_of(std::vector<double> values) {
    const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
    std::nth_element(values.begin(), middle, values.end());
    return *middle;
}

cv::Rect grown(const cv::Rect& r, double by) {
    const int dx = static_cast<int>(std::ceil(r.width * by)), dy = static_cast<int>(std::ceil(r.height * by));
    return {r.x - dx, r.y - dy, r.width + 2 * dx, r.height + 2 * dy};
}

}  // namespace

ThermalReference::ThermalReference(ReferenceConfig config) : config_(config) {
    switch (config_.mode) {
        case ReferenceConfig::Mode::none: status_.state = ReferenceState::not_configured; break;
        case ReferenceConfig::Mode::fixed:
            status_.state = ReferenceState::missing;
            locked_extent_ = config_.area;
            break;
        case ReferenceConfig::Mode::automatic: status_.state = ReferenceState::searching; break;
    }
    status_.source_area = locked_extent_;
}

std::vector<cv::Rect> ThermalReference::find_discs(const ReducedFrame& reduced, double background_celsius) const {
    const cv::Mat& image = reduced.celsius();
    cv::Mat mask;
    cv::threshold(image, mask, background_celsius + min_above_background + 1.0, 255, cv::THRESH_BINARY);
    mask.convertTo(mask, CV_8U);
    cv::Mat labels, stats, centroids;
    const int count = cv::connectedComponentsWithStats(mask, labels, stats, centroids, 8, CV_32S, cv::CCL_GRANA);
    const double frame_area = static_cast<double>(image.total());
    std::vector<std::pair<double, cv::Rect>> found;
    for (int i = 1; i < count; ++i) {
        const cv::Rect box(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                           stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
        const int area = stats.at<int>(i, cv::CC_STAT_AREA);
        if (area < 6 || area > 0.012 * frame_area) continue;
        const double aspect = static_cast<double>(box.width) / box.height;
        if (aspect < 0.6 || aspect > 1.6) continue;
        if (area < 0.6 * box.area()) continue;
        // Near an edge: the centre lies in the outer 30 % band of the frame.
        const double cx = centroids.at<double>(i, 0) / image.cols, cy = centroids.at<double>(i, 1) / image.rows;
        if (cx > 0.3 && cx < 0.7 && cy > 0.3 && cy < 0.7) continue;
        // Uniform inside (its rim is blurred into the surroundings, so judge the middle only).
        const int w = std::max(1, box.width * 2 / 5), h = std::max(1, box.height * 2 / 5);
        const cv::Rect inner(box.x + (box.width - w) / 2, box.y + (box.height - h) / 2, w, h);
        cv::Scalar mean, spread;
        cv::meanStdDev(image(inner), mean, spread);
        if (spread[0] > 0.8) continue;
        if (std::abs(mean[0] - config_.celsius) > max_camera_error) continue;
        // Stands out of its surroundings (a disc, not the warm middle of something larger).
        const cv::Rect ring = grown(box, 0.6) & cv::Rect(0, 0, image.cols, image.rows);
        cv::Mat ring_mask = labels(ring) == 0;
        if (cv::countNonZero(ring_mask) < 4) continue;
        if (cv::mean(image(ring), ring_mask)[0] > mean[0] - min_above_background) continue;
        found.emplace_back(static_cast<double>(area) / (1.0 + spread[0]), box);
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<cv::Rect> boxes;
    for (const auto& [score, box] : found) boxes.push_back(box);
    return boxes;
}

bool ThermalReference::find_core(const cv::Mat& raw, const Radiometry& radiometry, const cv::Rect& inside) {
    radiometry.to_celsius(raw(inside), celsius_);
    // The plate's level: the hottest small neighbourhood (a single pixel would follow the noise).
    if (celsius_.cols >= 3 && celsius_.rows >= 3) cv::blur(celsius_, smoothed_, cv::Size(3, 3), cv::Point(-1, -1), cv::BORDER_REPLICATE);
    else celsius_.copyTo(smoothed_);
    double plateau = 0;
    cv::Point hottest;
    cv::minMaxLoc(smoothed_, nullptr, &plateau, nullptr, &hottest);
    // The core: pixels close to that level (the soft rim and the housing fall below it), minus one pixel all
    // round (the rim's inner edge), connected to the hottest point.
    cv::compare(smoothed_, plateau - core_tolerance_celsius, plateau_mask_, cv::CMP_GE);
    cv::erode(plateau_mask_, core_mask_, cv::Mat(), cv::Point(-1, -1), 1, cv::BORDER_CONSTANT, cv::Scalar(0));
    if (cv::countNonZero(core_mask_) < min_core_pixels) core_mask_ = plateau_mask_.clone();
    cv::Mat labels;
    cv::connectedComponents(core_mask_, labels, 8, CV_32S);
    const int keep = labels.at<int>(hottest);
    if (keep > 0) core_mask_ = labels == keep;
    const cv::Rect box = cv::boundingRect(core_mask_);
    if (box.area() == 0) return false;
    core_area_ = cv::Rect(inside.x + box.x, inside.y + box.y, box.width, box.height);
    core_mask_ = core_mask_(box).clone();
    return true;
}

void ThermalReference::read(const cv::Mat& raw, const Radiometry& radiometry, const cv::Rect& area,
                            double background_celsius, std::int64_t time_ms) {
    const cv::Rect inside = area & cv::Rect(0, 0, raw.cols, raw.rows);
    if (inside.area() == 0) {
        status_.state = ReferenceState::missing;
        status_.offset_celsius.reset();
        return;
    }
    // Whatever was given (an outline around the plate, its rim, a few pixels off) or found, read only the
    // plate's uniform core. It is looked for again every second: the camera or the mount may shift.
    if (!core_area_ || time_ms - core_found_ms_ >= core_refresh_ms || time_ms < core_found_ms_) {
        if (!find_core(raw, radiometry, inside)) {
            status_.state = ReferenceState::missing;
            status_.offset_celsius.reset();
            return;
        }
        core_found_ms_ = time_ms;
    }
    cv::Scalar mean, spread;
    cv::meanStdDev(raw(*core_area_), mean, spread, core_mask_);
    const double reading = radiometry.to_celsius(mean[0]);
    const double spread_c = std::abs(radiometry.gain()) * spread[0];
    status_.reading_celsius = reading;

    while (!accepted_.empty() && accepted_.front().first < time_ms - history_ms) accepted_.pop_front();
    std::optional<double> recent;
    if (accepted_.size() >= 3) {
        std::vector<double> values;
        for (const auto& [t, v] : accepted_) values.push_back(v);
        recent = median_of(std::move(values));
    }

    ReferenceState state = ReferenceState::ok;
    if (reading < background_celsius + min_above_background) state = ReferenceState::missing;
    else if (spread_c > config_.max_spread_celsius) state = ReferenceState::unstable;
    else if (recent && std::abs(reading - *recent) > config_.max_jump_celsius) state = ReferenceState::unstable;
    else if (!recent && first_reading_ && std::abs(reading - *first_reading_) > 2.0) state = ReferenceState::unstable;

    if (state == ReferenceState::ok) {
        if (!first_reading_) first_reading_ = reading;
        accepted_.emplace_back(time_ms, reading);
        fault_since_ms_.reset();
        // Average the last few readings: the reference's own noise should not show in every offset.
        double sum = 0;
        int n = 0;
        for (auto it = accepted_.rbegin(); it != accepted_.rend() && n < 5; ++it, ++n) sum += it->second;
        status_.offset_celsius = config_.celsius - sum / n;
        double mean_all = 0;
        for (const auto& [t, v] : accepted_) mean_all += v;
        mean_all /= static_cast<double>(accepted_.size());
        double var = 0;
        for (const auto& [t, v] : accepted_) var += (v - mean_all) * (v - mean_all);
        status_.stability_celsius = std::sqrt(var / static_cast<double>(accepted_.size()));
    } else {
        if (!fault_since_ms_) fault_since_ms_ = time_ms;
        status_.offset_celsius.reset();
        // A reference that has been off for a while and now reads steadily again (re-mounted, set point
        // changed) is taken back from scratch rather than compared against a stale history.
        if (time_ms - *fault_since_ms_ > relock_after_ms) {
            accepted_.clear();
            first_reading_.reset();
            fault_since_ms_.reset();
        }
    }
    status_.state = state;
}

const ReferenceStatus& ThermalReference::update(const cv::Mat& raw, const Radiometry& radiometry,
                                                const ReducedFrame& reduced, double background_celsius,
                                                std::int64_t time_ms) {
    switch (config_.mode) {
        case ReferenceConfig::Mode::none: return status_;
        case ReferenceConfig::Mode::fixed: read(raw, radiometry, config_.area, background_celsius, time_ms); break;
        case ReferenceConfig::Mode::automatic: {
            if (locked_extent_) {
                read(raw, radiometry, *locked_extent_, background_celsius, time_ms);
                if (status_.state != ReferenceState::ok && fault_since_ms_ &&
                    time_ms - *fault_since_ms_ > relock_after_ms / 2) {
                    // Lost for a while: look for it again (it may have been moved), staying in fault meanwhile.
                    locked_extent_.reset();
                    core_area_.reset();
                    candidate_.reset();
                }
                break;
            }
            // Prefer the disc already being watched (a warm face may look like a disc for a frame or two).
            const auto discs = find_discs(reduced, background_celsius);
            std::optional<cv::Rect> disc;
            for (const auto& d : discs) {
                if (candidate_ && (d & candidate_->reduced_box).area() >= 0.5 * d.area()) disc = d;
            }
            if (!disc && !discs.empty()) disc = discs.front();
            if (!disc) {
                candidate_.reset();
            } else if (candidate_ && (*disc & candidate_->reduced_box).area() >= 0.5 * disc->area()) {
                ++candidate_->frames;
                if (time_ms - candidate_->since_ms >= config_.lock_ms && candidate_->frames >= 3) {
                    // The whole disc with its rim: read() finds the uniform core inside.
                    locked_extent_ = grown(reduced.to_source(*disc), 0.15) & cv::Rect(0, 0, raw.cols, raw.rows);
                    core_area_.reset();
                    accepted_.clear();
                    first_reading_.reset();
                    read(raw, radiometry, *locked_extent_, background_celsius, time_ms);
                    break;
                }
            } else {
                candidate_ = Candidate{*disc, time_ms, 1};
            }
            if (status_.state != ReferenceState::missing && status_.state != ReferenceState::unstable)
                status_.state = ReferenceState::searching;
            status_.offset_celsius.reset();
            break;
        }
    }
    status_.source_area = locked_extent_;
    status_.core_area = locked_extent_ ? core_area_ : std::nullopt;
    return status_;
}

}  // namespace gatehouse::vision
