// Tests of the image-directory frame source, on PNG and TIFF files written here into a temporary directory.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "gatehouse/vision/image_dir_source.hpp"

namespace fs = std::filesystem;
using gatehouse::vision::FrameError;
using gatehouse::vision::ImageDirSource;
using gatehouse::vision::SourceUnavailable;

namespace {

/// A fresh directory under the system temp dir, removed with everything in it when the test ends.
class TempDir {
public:
    TempDir() {
        std::random_device rd;
        path_ = fs::temp_directory_path() / ("gatehouse_image_dir_test_" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;  // a leftover temp dir must not turn into a failing destructor
        fs::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

cv::Mat frame_with(cv::Size size, int value) {
    cv::Mat m(size, CV_16UC1, cv::Scalar(value));
    m.at<std::uint16_t>(0, 0) = static_cast<std::uint16_t>(value + 1);  // not flat, so orientation errors would show
    return m;
}

void write_image(const fs::path& file, const cv::Mat& image) {
    REQUIRE(cv::imwrite(file.string(), image));
}

void write_text(const fs::path& file, const std::string& text) {
    std::ofstream out(file, std::ios::binary);
    out << text;
}

std::string frame_error_message(ImageDirSource& source) {
    try {
        source.next();
    } catch (const FrameError& e) {
        return e.what();
    }
    FAIL("expected FrameError");
    return {};
}

}  // namespace

TEST_CASE("dir: 16-bit PNG and TIFF frames play in name order at the given fps", "[vision][dir]") {
    TempDir dir;
    const cv::Size size(8, 6);
    // Written out of order; name order decides playback.
    write_image(dir.path() / "frame_0002.png", frame_with(size, 30200));
    write_image(dir.path() / "frame_0000.png", frame_with(size, 30000));
    write_image(dir.path() / "frame_0001.PNG", frame_with(size, 30100));
    write_image(dir.path() / "frame_0003.tiff", frame_with(size, 30300));
    write_text(dir.path() / "truth.json", "{}");
    fs::create_directories(dir.path() / "snapshots.png");  // a directory, whatever its name

    ImageDirSource source(dir.path(), 8.0);
    CHECK(source.describe() == "dir:" + dir.path().string());
    CHECK(source.fps() == Approx(8.0));
    REQUIRE(source.files().size() == 4);

    const std::vector<int> expected_values = {30000, 30100, 30200, 30300};
    const std::vector<std::int64_t> expected_times = {0, 125, 250, 375};
    for (std::size_t i = 0; i < expected_values.size(); ++i) {
        INFO("frame " << i);
        auto frame = source.next();
        REQUIRE(frame);
        CHECK(frame->raw.type() == CV_16UC1);
        CHECK(frame->raw.size() == size);
        CHECK(frame->raw.at<std::uint16_t>(3, 3) == expected_values[i]);
        CHECK(frame->raw.at<std::uint16_t>(0, 0) == expected_values[i] + 1);
        CHECK(frame->index == static_cast<std::int64_t>(i));
        CHECK(frame->time_ms == expected_times[i]);
        CHECK_FALSE(frame->since_ffc_ms.has_value());
    }
    CHECK_FALSE(source.next().has_value());
    CHECK_FALSE(source.next().has_value());
}

TEST_CASE("dir: an undecodable file is a FrameError naming it, and playback moves on", "[vision][dir]") {
    TempDir dir;
    write_image(dir.path() / "f0.png", frame_with({4, 4}, 100));
    write_text(dir.path() / "f1.png", "this is not a png");
    write_image(dir.path() / "f2.png", frame_with({4, 4}, 300));

    ImageDirSource source(dir.path(), 10.0);
    REQUIRE(source.next());
    const std::string message = frame_error_message(source);
    CHECK(message.find("f1.png") != std::string::npos);
    CHECK(message.find("frame 1") != std::string::npos);
    auto after = source.next();
    REQUIRE(after);
    CHECK(after->index == 2);
    CHECK(after->time_ms == 200);  // the bad frame still took its slot in time
    CHECK(after->raw.at<std::uint16_t>(2, 2) == 300);
}

TEST_CASE("dir: 8-bit and multi-channel images are FrameErrors naming the file", "[vision][dir]") {
    TempDir dir;
    write_image(dir.path() / "a.png", frame_with({4, 4}, 100));
    write_image(dir.path() / "b.png", cv::Mat(4, 4, CV_8UC1, cv::Scalar(50)));
    write_image(dir.path() / "c.png", cv::Mat(4, 4, CV_16UC3, cv::Scalar(1000, 2000, 3000)));
    write_image(dir.path() / "d.tif", cv::Mat(4, 4, CV_8UC3, cv::Scalar(1, 2, 3)));

    ImageDirSource source(dir.path(), 9.0);
    REQUIRE(source.next());
    const std::string eight_bit = frame_error_message(source);
    CHECK(eight_bit.find("b.png") != std::string::npos);
    CHECK(eight_bit.find("8-bit") != std::string::npos);
    const std::string three_channel = frame_error_message(source);
    CHECK(three_channel.find("c.png") != std::string::npos);
    CHECK(three_channel.find("3 channel") != std::string::npos);
    const std::string tiff = frame_error_message(source);
    CHECK(tiff.find("d.tif") != std::string::npos);
    CHECK_FALSE(source.next().has_value());
}

TEST_CASE("dir: a frame whose size differs from the first is a FrameError naming it", "[vision][dir]") {
    TempDir dir;
    write_image(dir.path() / "0.png", frame_with({8, 6}, 100));
    write_image(dir.path() / "1.png", frame_with({6, 8}, 100));
    write_image(dir.path() / "2.png", frame_with({8, 6}, 200));

    ImageDirSource source(dir.path(), 9.0);
    REQUIRE(source.next());
    const std::string message = frame_error_message(source);
    CHECK(message.find("1.png") != std::string::npos);
    CHECK(message.find("6x8") != std::string::npos);
    CHECK(message.find("8x6") != std::string::npos);
    REQUIRE(source.next());  // the next frame of the right size still plays
}

TEST_CASE("dir: missing, empty or image-less directories are SourceUnavailable", "[vision][dir]") {
    TempDir dir;
    CHECK_THROWS_AS(ImageDirSource(dir.path() / "missing", 9.0), SourceUnavailable);
    CHECK_THROWS_AS(ImageDirSource(dir.path(), 9.0), SourceUnavailable);  // empty
    write_text(dir.path() / "truth.json", "{}");
    write_text(dir.path() / "frames.jpg", "x");
    CHECK_THROWS_WITH(ImageDirSource(dir.path(), 9.0), Catch::Contains("no PNG or TIFF"));
    CHECK_THROWS_AS(ImageDirSource(dir.path() / "truth.json", 9.0), SourceUnavailable);  // a file, not a dir
}

TEST_CASE("dir: fps must be positive and finite", "[vision][dir]") {
    TempDir dir;
    write_image(dir.path() / "0.png", frame_with({4, 4}, 100));
    CHECK_THROWS_AS(ImageDirSource(dir.path(), 0.0), std::invalid_argument);
    CHECK_THROWS_AS(ImageDirSource(dir.path(), -5.0), std::invalid_argument);
    CHECK_THROWS_AS(ImageDirSource(dir.path(), std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
    CHECK_NOTHROW(ImageDirSource(dir.path(), 30.0));
}
