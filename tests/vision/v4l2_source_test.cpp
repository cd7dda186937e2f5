// Tests of the V4L2 source that need no camera: opening failures and the conversion of captured buffers.
// Live capture is not tested here (no camera on the build machines); see the note at the top of
// vision/src/v4l2_source.cpp.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <type_traits>

#include <opencv2/core.hpp>

#include "gatehouse/vision/v4l2_source.hpp"

namespace fs = std::filesystem;
using gatehouse::vision::FrameError;
using gatehouse::vision::SourceUnavailable;
using gatehouse::vision::V4l2Source;

static_assert(!std::is_copy_constructible_v<V4l2Source>);

namespace {

std::string open_error(const std::string& device) {
    try {
        V4l2Source source(device);
        return "opened";
    } catch (const SourceUnavailable& e) {
        return e.what();
    }
}

}  // namespace

TEST_CASE("v4l2: a missing device is SourceUnavailable saying so", "[vision][v4l2]") {
    const std::string message = open_error("/dev/video_gatehouse_missing_97");
    CHECK(message.find("v4l2:/dev/video_gatehouse_missing_97") == 0);
    CHECK(message.find("no such device") != std::string::npos);
}

TEST_CASE("v4l2: a regular file is not a camera", "[vision][v4l2]") {
    const fs::path file = fs::path(GATEHOUSE_TEST_DATA) / "feverscreen" / "SOURCE.txt";
    const std::string message = open_error(file.string());
    CHECK(message.find("not a character device") != std::string::npos);
}

TEST_CASE("v4l2: a character device that is not a V4L2 camera cannot be opened", "[vision][v4l2]") {
    if (!fs::is_character_file("/dev/null")) {
        WARN("no /dev/null here; skipped");
        return;
    }
    const std::string message = open_error("/dev/null");
    CHECK(message.find("v4l2:/dev/null") == 0);
    CHECK(message.find("cannot open as a V4L2 capture device") != std::string::npos);
}

TEST_CASE("v4l2: settings are honoured in the error path too", "[vision][v4l2]") {
    V4l2Source::Settings settings;
    settings.device = "/dev/video_gatehouse_missing_98";
    settings.width = 160;
    settings.height = 120;
    settings.fps = 9.0;
    CHECK_THROWS_AS(V4l2Source(settings), SourceUnavailable);
}

TEST_CASE("v4l2: captured 16-bit frames are copied as they are", "[vision][v4l2]") {
    cv::Mat captured(3, 4, CV_16UC1);
    for (int i = 0; i < 12; ++i) captured.at<std::uint16_t>(i / 4, i % 4) = static_cast<std::uint16_t>(30000 + i);
    const cv::Mat raw = V4l2Source::raw_from_capture(captured, {4, 3}, "v4l2:test: frame 0");
    REQUIRE(raw.type() == CV_16UC1);
    CHECK(cv::norm(raw, captured, cv::NORM_INF) == 0.0);
    CHECK(raw.data != captured.data);  // the driver buffer is reused by OpenCV; the frame must own its pixels
}

TEST_CASE("v4l2: Y16 delivered as 2-channel 8-bit or as a flat byte buffer is reinterpreted little-endian",
          "[vision][v4l2]") {
    cv::Mat two_channel(2, 3, CV_8UC2);
    cv::Mat flat(1, 12, CV_8UC1);
    for (int i = 0; i < 6; ++i) {
        const int value = 30000 + 257 * i;
        two_channel.at<cv::Vec2b>(i / 3, i % 3) = cv::Vec2b(static_cast<std::uint8_t>(value & 0xff),
                                                            static_cast<std::uint8_t>(value >> 8));
        flat.at<std::uint8_t>(0, 2 * i) = static_cast<std::uint8_t>(value & 0xff);
        flat.at<std::uint8_t>(0, 2 * i + 1) = static_cast<std::uint8_t>(value >> 8);
    }
    for (const cv::Mat& captured : {two_channel, flat}) {
        const cv::Mat raw = V4l2Source::raw_from_capture(captured, {3, 2}, "v4l2:test: frame 0");
        REQUIRE(raw.type() == CV_16UC1);
        REQUIRE(raw.size() == cv::Size(3, 2));
        for (int i = 0; i < 6; ++i) {
            CHECK(raw.at<std::uint16_t>(i / 3, i % 3) == 30000 + 257 * i);
        }
    }
}

TEST_CASE("v4l2: colour frames, wrong sizes and empty frames are FrameErrors", "[vision][v4l2]") {
    const std::string where = "v4l2:/dev/video0: frame 7";
    CHECK_THROWS_WITH(V4l2Source::raw_from_capture(cv::Mat(2, 3, CV_8UC3), {3, 2}, where),
                      Catch::StartsWith(where) && Catch::Contains("expected 16-bit single-channel"));
    CHECK_THROWS_WITH(V4l2Source::raw_from_capture(cv::Mat(4, 4, CV_16UC1), {3, 2}, where),
                      Catch::Contains("4x4") && Catch::Contains("3x2"));
    CHECK_THROWS_AS(V4l2Source::raw_from_capture(cv::Mat(1, 11, CV_8UC1), {3, 2}, where), FrameError);
    CHECK_THROWS_AS(V4l2Source::raw_from_capture(cv::Mat(), {3, 2}, where), FrameError);
}
