#include "gatehouse/vision/head_detector.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include <opencv2/imgproc.hpp>

namespace gatehouse::vision {

namespace {

// An outline that fills less of its box than this is no head (a diagonal streak, an arm's edge).
constexpr double min_owner_fill = 0.4;

}  // namespace

double background_level(const cv::Mat& celsius) {
    std::vector<float> samples;
    samples.reserve(celsius.total() / 9 + 16);
    for (int y = 1; y < celsius.rows; y += 3) {
        const float* row = celsius.ptr<float>(y);
        for (int x = 1; x < celsius.cols; x += 3) samples.push_back(row[x]);
    }
    if (samples.empty()) return 0;
    const auto at = samples.begin() + static_cast<std::ptrdiff_t>(samples.size() * 15 / 100);
    std::nth_element(samples.begin(), at, samples.end());
    return *at;
}

int HeadDetector::find(int id) {
    while (structures_[static_cast<std::size_t>(id)].parent != id) {
        auto& s = structures_[static_cast<std::size_t>(id)];
        s.parent = structures_[static_cast<std::size_t>(s.parent)].parent;
        id = s.parent;
    }
    return id;
}

void HeadDetector::close_head(int id, bool merged) {
    auto& s = structures_[static_cast<std::size_t>(id)];
    if (!s.head_phase) return;
    s.head_phase = false;
    if (s.rows == 0) return;
    HeadCandidate head;
    head.box = cv::Rect(s.x0, s.top, s.x1 - s.x0 + 1, s.bottom - s.top + 1);
    head.fill = static_cast<double>(s.pixels) / head.box.area();
    // The face is as wide as the head's upper part: rows further down that widen gradually (a neck beside the
    // face of someone half hidden behind, a collar) are not its width.
    head.face = head.box;
    if (s.upper_x1 >= s.upper_x0) {
        head.face.x = s.upper_x0;
        head.face.width = s.upper_x1 - s.upper_x0 + 1;
    }
    // Merging before the outline reached the height of a head means two heads overlap.
    head.merged = merged && s.rows < s.max_width;
    heads_.push_back(head);
}

const std::vector<HeadCandidate>& HeadDetector::detect(const cv::Mat& celsius, double background_celsius,
                                                       double offset_celsius, const std::optional<cv::Rect>& exclude) {
    heads_.clear();
    rejected_.clear();
    structures_.clear();
    previous_.clear();
    // Skin, not just warm: clothes, hair and hoods are warmer than the room too, and would fragment heads
    // and bodies into head-sized pieces. The skin level sits between the room and the hottest skin in view
    // (things hotter than skin, cups and heaters, are left out of that estimate).
    const double warm = background_celsius + rules_.warm_above_background;
    const double hottest_skin = rules_.max_skin_celsius - offset_celsius;
    const cv::Rect excluded = exclude ? (*exclude & cv::Rect(0, 0, celsius.cols, celsius.rows)) : cv::Rect();
    samples_.clear();
    for (int y = 0; y < celsius.rows; y += 2) {
        const float* row = celsius.ptr<float>(y);
        for (int x = 0; x < celsius.cols; x += 2)
            if (row[x] > warm && row[x] <= hottest_skin && !excluded.contains(cv::Point(x, y)))
                samples_.push_back(row[x]);
    }
    skin_level_ = background_celsius + rules_.warm_above_background;
    if (samples_.size() < 4) return heads_;
    const auto at = samples_.begin() + static_cast<std::ptrdiff_t>(samples_.size() * 98 / 100);
    std::nth_element(samples_.begin(), at, samples_.end());
    const double hottest = *at;
    skin_level_ =
        background_celsius + std::max(rules_.warm_above_background, rules_.skin_level * (hottest - background_celsius));
    cv::compare(celsius, skin_level_, mask_, cv::CMP_GT);

    if (exclude) mask_(*exclude & cv::Rect(0, 0, mask_.cols, mask_.rows)).setTo(0);

    for (int y = 0; y < mask_.rows; ++y) {
        const std::uint8_t* row = mask_.ptr<std::uint8_t>(y);
        current_.clear();
        for (int x = 0; x < mask_.cols;) {
            if (!row[x]) {
                ++x;
                continue;
            }
            const int x0 = x;
            while (x < mask_.cols && row[x]) ++x;
            const int x1 = x - 1;
            // Which structures of the row above does this run touch (8-connected)?
            int joined = -1;
            for (const auto& above : previous_) {
                if (above.x0 > x1 + 1 || above.x1 < x0 - 1) continue;
                const int id = find(above.structure);
                if (joined < 0) {
                    joined = id;
                } else if (id != joined) {
                    auto& a = structures_[static_cast<std::size_t>(joined)];
                    auto& b = structures_[static_cast<std::size_t>(id)];
                    const auto young = [](const Structure& t) { return t.rows < std::max(3.0, 0.4 * t.max_width); };
                    if (a.head_phase && b.head_phase && (young(a) || young(b))) {
                        // Two tufts of one head (hair, a hat's brim) joining near its top: still one head.
                        a.top = std::min(a.top, b.top);
                        a.x0 = std::min(a.x0, b.x0);
                        a.x1 = std::max(a.x1, b.x1);
                        a.upper_x0 = std::min(a.upper_x0, b.upper_x0);
                        a.upper_x1 = std::max(a.upper_x1, b.upper_x1);
                        a.rows = std::max(a.rows, b.rows);
                        a.pixels += b.pixels;
                        a.max_width = std::max(a.max_width, b.max_width);
                        b.head_phase = false;
                    } else {
                        // Two structures meet: heads above the meeting row end here (shoulders or overlap).
                        // Only two head-sized outlines meeting mean two people overlapping.
                        const bool alike = std::min(a.max_width, b.max_width) >= 0.5 * std::max(a.max_width, b.max_width);
                        close_head(joined, alike);
                        close_head(id, alike);
                    }
                    b.parent = joined;
                }
            }
            if (joined < 0) {
                joined = static_cast<int>(structures_.size());
                Structure s;
                s.parent = joined;
                s.top = y;
                s.x0 = x0;
                s.x1 = x1;
                structures_.push_back(s);
            }
            current_.push_back({x0, x1, joined});
        }
        // Row extent per head-phase structure, then the neck / shoulder rules.
        for (std::size_t i = 0; i < current_.size(); ++i) {
            const int id = find(current_[i].structure);
            current_[i].structure = id;
            auto& s = structures_[static_cast<std::size_t>(id)];
            if (!s.head_phase || s.updated_row == y) continue;  // already handled in this row
            s.updated_row = y;
            int x0 = current_[i].x0, x1 = current_[i].x1;
            long pixels = 0;
            for (std::size_t j = i; j < current_.size(); ++j) {
                if (find(current_[j].structure) != id) continue;
                x0 = std::min(x0, current_[j].x0);
                x1 = std::max(x1, current_[j].x1);
                pixels += current_[j].x1 - current_[j].x0 + 1;
            }
            const int width = x1 - x0 + 1;
            const bool round_enough = s.rows >= 0.6 * s.max_width;
            const bool complete = s.rows >= 1.3 * s.max_width;
            // Shoulders: the outline widens sharply, or at all once a head's height is reached.
            const bool shoulders = s.rows >= 2 && ((round_enough && width > 1.4 * s.max_width) ||
                                                   (complete && width > 1.15 * s.max_width));
            const bool neck = s.rows >= 1.1 * s.max_width && y > s.widest_row && width < 0.65 * s.max_width;
            const bool too_long = s.max_width > 0 && s.rows >= 1.7 * s.max_width;
            if (shoulders || neck || too_long) {
                close_head(id, false);
                continue;
            }
            if (width > s.max_width) {
                s.max_width = width;
                s.widest_row = y;
            }
            s.x0 = s.rows == 0 ? x0 : std::min(s.x0, x0);
            s.x1 = s.rows == 0 ? x1 : std::max(s.x1, x1);
            if (y - s.top < std::max(3, s.max_width)) {
                s.upper_x0 = std::min(s.upper_x0, x0);
                s.upper_x1 = std::max(s.upper_x1, x1);
            }
            s.last_x0 = x0;
            s.last_x1 = x1;
            s.bottom = y;
            s.rows = y - s.top + 1;
            s.pixels += pixels;
        }
        // A head's runs in a row can be just the rims of a face whose middle is hidden (glasses): the next
        // row matches against the head's whole extent, not only its runs.
        const std::size_t real_runs = current_.size();
        for (std::size_t i = 0; i < real_runs; ++i) {
            const auto& s = structures_[static_cast<std::size_t>(current_[i].structure)];
            if (s.head_phase && s.bottom == y && (current_[i].x0 != s.last_x0 || current_[i].x1 != s.last_x1))
                current_.push_back({s.last_x0, s.last_x1, current_[i].structure});
        }
        // Heads with no run in this row have ended, unless the gap is short: glasses can blank a band
        // across the whole face. Such a head carries its last extent down as a stand-in run.
        for (const auto& above : previous_) {
            const int id = find(above.structure);
            auto& s = structures_[static_cast<std::size_t>(id)];
            if (!s.head_phase || s.bottom >= y || s.updated_row == y) continue;
            s.updated_row = y;
            const int max_gap = std::max(2, static_cast<int>(0.6 * s.max_width));
            if (y - s.bottom <= max_gap) current_.push_back({s.last_x0, s.last_x1, id});
            else close_head(id, false);
        }
        std::swap(previous_, current_);
    }
    for (std::size_t id = 0; id < structures_.size(); ++id)
        if (structures_[id].parent == static_cast<int>(id)) close_head(static_cast<int>(id), false);

    // Drop what cannot be a head.
    const int min_width = std::max(3, mask_.cols / 40);
    const auto reject = [&](const HeadCandidate& head, const char* why) {
        if (keep_rejected_) rejected_.emplace_back(head.box, why);
        return true;
    };
    std::erase_if(heads_, [&](HeadCandidate& head) {
        // Specks are not worth explaining.
        if (head.box.width < min_width || head.box.height < min_width) return true;
        const double aspect = static_cast<double>(head.box.height) / head.box.width;
        // Faces often show only down to glasses, a mask or a beard: flat boxes are allowed, bars are not.
        if (aspect < 0.45 || aspect > 2.2) return reject(head, "bar");
        if (head.fill > 0.93 && head.box.area() >= 30) return reject(head, "box_shaped");  // screens, windows
        double max_value = 0;
        cv::minMaxLoc(celsius(head.box), nullptr, &max_value, nullptr, nullptr, mask_(head.box));
        head.max_celsius = max_value + offset_celsius;
        // Every face at the mark has a region near the hottest skin in view; clothes and hoods do not.
        if (max_value < hottest - 2.0) return reject(head, "too_cold");
        if (head.max_celsius > rules_.max_skin_celsius) return reject(head, "too_hot");  // cups, heaters, lamps
        return false;
    });
    // A face cut short (glasses, mask, beard) still has its eyes and chin below: extend it to a face's
    // proportions so that measurement regions fall where the eyes are.
    for (auto& head : heads_) {
        const int height = static_cast<int>(std::lround(1.25 * head.box.width));
        if (head.box.height < height) head.box.height = std::min(height, mask_.rows - head.box.y);
        head.face.height = head.box.height;
    }
    // Only the topmost outline in a column is a head: a chin, neck or hand below a head belongs to that
    // person.
    std::vector<bool> below(heads_.size(), false);
    for (std::size_t i = 0; i < heads_.size(); ++i) {
        for (std::size_t j = 0; j < heads_.size(); ++j) {
            const auto& upper = heads_[j].box;
            const auto& lower = heads_[i].box;
            if (i == j || lower.y <= upper.y) continue;
            const int overlap = std::min(upper.x + upper.width, lower.x + lower.width) - std::max(upper.x, lower.x);
            // Hands at the chest (holding a card or phone) are common at gates: look 2.5 heads down. A bigger
            // outline below is a nearer person, not a part of this one.
            // Nor does a thin warm streak above a face (a lamp's reflection) own it: a head fills its outline.
            if (overlap >= 0.5 * lower.width && lower.y <= upper.y + upper.height * 5 / 2 &&
                lower.width <= upper.width * 6 / 5 && heads_[j].fill >= min_owner_fill)
                below[i] = true;
        }
    }
    for (std::size_t i = heads_.size(); i-- > 0;) {
        if (!below[i]) continue;
        reject(heads_[i], "below_head");
        heads_.erase(heads_.begin() + static_cast<std::ptrdiff_t>(i));
    }
    const double near_width = rules_.min_width_fraction * mask_.cols;
    // Faces touching side by side at the same height: one person partly hides another. Neither can be
    // isolated with confidence (and the hidden one may be the febrile one).
    for (std::size_t i = 0; i < heads_.size(); ++i) {
        for (std::size_t j = i + 1; j < heads_.size(); ++j) {
            const cv::Rect& a = heads_[i].box;
            const cv::Rect& b = heads_[j].box;
            const int gap = std::max(a.x, b.x) - std::min(a.x + a.width, b.x + b.width);
            const int shared_rows = std::min(a.y + a.height, b.y + b.height) - std::max(a.y, b.y);
            // A half-hidden face still shows most of its height; a small warm fragment beside a face does not.
            const bool both_faces = std::min(a.height, b.height) >= 0.6 * std::max(a.height, b.height);
            if (gap <= 1 && both_faces && shared_rows > 0.3 * std::min(a.height, b.height)) {
                // Both near the mark: neither can be isolated with confidence. A face narrower than the
                // measuring range's lower limit is someone further back (the next in line) whose face
                // touches this one in the image only: it does not stop this one being measured.
                if (std::min(a.width, b.width) >= near_width) heads_[i].merged = heads_[j].merged = true;
                heads_[i].neighbour_width = std::max(heads_[i].neighbour_width, b.width);
                heads_[j].neighbour_width = std::max(heads_[j].neighbour_width, a.width);
            }
        }
    }
    return heads_;
}

}  // namespace gatehouse::vision
