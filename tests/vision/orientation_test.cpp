// Tests of camera orientation: rotating and mirroring frames, and mapping points and boxes back to the source.
#include <catch2/catch.hpp>

#include <random>
#include <stdexcept>
#include <vector>

#include <opencv2/core.hpp>

#include "gatehouse/vision/orientation.hpp"

using gatehouse::vision::Orientation;

namespace {

std::vector<Orientation> all_orientations() {
    std::vector<Orientation> all;
    for (const int rotation : {0, 90, 180, 270}) {
        for (const bool mirror : {false, true}) {
            all.emplace_back(rotation, mirror);
        }
    }
    return all;
}

cv::Mat numbered_image(cv::Size size) {
    cv::Mat m(size, CV_16UC1);
    for (int y = 0; y < size.height; ++y) {
        for (int x = 0; x < size.width; ++x) {
            m.at<std::uint16_t>(y, x) = static_cast<std::uint16_t>(y * size.width + x);
        }
    }
    return m;
}

bool same_pixels(const cv::Mat& a, const cv::Mat& b) {
    return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0.0;
}

}  // namespace

TEST_CASE("orientation: every pixel lands where to_oriented says, for all 8 combinations", "[vision][orientation]") {
    const cv::Size source_size(7, 4);  // not square, so width/height swaps show
    const cv::Mat source = numbered_image(source_size);
    for (const Orientation& o : all_orientations()) {
        INFO("rotation " << o.rotation_cw() << " mirror " << o.mirror());
        const cv::Mat oriented = o.apply(source);
        REQUIRE(oriented.size() == o.oriented_size(source_size));
        for (int y = 0; y < source_size.height; ++y) {
            for (int x = 0; x < source_size.width; ++x) {
                const cv::Point p(x, y);
                const cv::Point q = o.to_oriented(p, source_size);
                REQUIRE(q.inside(cv::Rect(cv::Point(0, 0), oriented.size())));
                CHECK(oriented.at<std::uint16_t>(q) == source.at<std::uint16_t>(p));
                CHECK(o.to_source(q, source_size) == p);
            }
        }
    }
}

TEST_CASE("orientation: boxes map back to the source and round-trip, for all 8 combinations", "[vision][orientation]") {
    const cv::Size source_size(160, 120);
    const cv::Mat source = numbered_image(source_size);
    std::mt19937 rng(42);
    for (const Orientation& o : all_orientations()) {
        INFO("rotation " << o.rotation_cw() << " mirror " << o.mirror());
        const cv::Mat oriented = o.apply(source);
        const cv::Size osize = oriented.size();
        for (int trial = 0; trial < 50; ++trial) {
            std::uniform_int_distribution<int> ox(0, osize.width - 1);
            std::uniform_int_distribution<int> oy(0, osize.height - 1);
            const int x = ox(rng);
            const int y = oy(rng);
            const int w = std::uniform_int_distribution<int>(1, osize.width - x)(rng);
            const int h = std::uniform_int_distribution<int>(1, osize.height - y)(rng);
            const cv::Rect box(x, y, w, h);
            const cv::Rect in_source = o.to_source(box, source_size);
            INFO("box " << box << " -> " << in_source);
            REQUIRE((in_source & cv::Rect(cv::Point(0, 0), source_size)) == in_source);
            CHECK(in_source.area() == box.area());
            // The source box, oriented the same way, is exactly the oriented box's content.
            CHECK(same_pixels(o.apply(source(in_source)), oriented(box)));
            CHECK(o.to_oriented(in_source, source_size) == box);
        }
    }
}

TEST_CASE("orientation: 90 degrees clockwise stands the FeverScreen people upright", "[vision][orientation]") {
    // In those recordings the head is at the left edge of the 160x120 sensor image.
    const Orientation o(90, false);
    const cv::Size sensor(160, 120);
    CHECK(o.oriented_size(sensor) == cv::Size(120, 160));
    // Left edge, middle row -> top edge, middle column.
    CHECK(o.to_oriented(cv::Point(0, 60), sensor) == cv::Point(59, 0));
    // A head box near the top of the upright image comes back at the left of the sensor image.
    const cv::Rect head_upright(45, 5, 30, 35);
    const cv::Rect head_sensor = o.to_source(head_upright, sensor);
    CHECK(head_sensor == cv::Rect(5, 45, 35, 30));
}

TEST_CASE("orientation: identity shares the buffer and in-place use is safe", "[vision][orientation]") {
    const cv::Mat source = numbered_image({5, 3});
    const Orientation identity;
    CHECK(identity.is_identity());
    CHECK(identity.apply(source).data == source.data);
    for (const Orientation& o : all_orientations()) {
        cv::Mat in_place = source.clone();
        o.apply(in_place, in_place);
        CHECK(same_pixels(in_place, o.apply(source)));
        CHECK(same_pixels(source, numbered_image({5, 3})));  // input untouched
    }
}

TEST_CASE("orientation: only quarter turns are accepted", "[vision][orientation]") {
    CHECK_THROWS_AS(Orientation(45, false), std::invalid_argument);
    CHECK_THROWS_AS(Orientation(-90, false), std::invalid_argument);
    CHECK_THROWS_AS(Orientation(360, true), std::invalid_argument);
    CHECK(Orientation(270, true) == Orientation(270, true));
    CHECK_FALSE(Orientation(270, true) == Orientation(270, false));
}
