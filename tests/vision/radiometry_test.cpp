// Tests of raw <-> Celsius conversion for centi-kelvin and linear cameras.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>

#include <opencv2/core.hpp>

#include "gatehouse/vision/radiometry.hpp"

using gatehouse::vision::Radiometry;
using gatehouse::vision::RadiometricUnits;

namespace {

cv::Mat every_raw_value() {
    cv::Mat raw(256, 256, CV_16UC1);
    for (int i = 0; i < 65536; ++i) {
        raw.at<std::uint16_t>(i / 256, i % 256) = static_cast<std::uint16_t>(i);
    }
    return raw;
}

}  // namespace

TEST_CASE("radiometry: centi-kelvin values read as value/100 - 273.15", "[vision][radiometry]") {
    const Radiometry r = Radiometry::centikelvin();
    CHECK(r.units() == RadiometricUnits::centikelvin);
    CHECK(r.to_celsius(27315.0) == Approx(0.0).margin(1e-9));
    CHECK(r.to_celsius(31015.0) == Approx(37.0));
    CHECK(r.to_celsius(29537.0) == Approx(22.22));  // the coldest FeverScreen pixel
    CHECK(r.to_raw(37.3) == Approx(31045.0));

    cv::Mat raw(2, 2, CV_16UC1);
    raw.at<std::uint16_t>(0, 0) = 27315;
    raw.at<std::uint16_t>(0, 1) = 30000;
    raw.at<std::uint16_t>(1, 0) = 31015;
    raw.at<std::uint16_t>(1, 1) = 0;
    const cv::Mat celsius = r.to_celsius(raw);
    REQUIRE(celsius.type() == CV_32FC1);
    CHECK(celsius.at<float>(0, 0) == Approx(0.0).margin(1e-4));
    CHECK(celsius.at<float>(0, 1) == Approx(26.85).margin(1e-4));
    CHECK(celsius.at<float>(1, 0) == Approx(37.0).margin(1e-4));
    CHECK(celsius.at<float>(1, 1) == Approx(-273.15).margin(1e-3));
    CHECK(Radiometry().units() == RadiometricUnits::centikelvin);  // default
}

TEST_CASE("radiometry: linear units use gain and offset", "[vision][radiometry]") {
    const Radiometry r = Radiometry::linear(0.04, -40.0);
    CHECK(r.units() == RadiometricUnits::linear);
    CHECK(r.gain() == 0.04);
    CHECK(r.offset() == -40.0);
    CHECK(r.to_celsius(1000.0) == Approx(0.0).margin(1e-9));
    CHECK(r.to_celsius(1925.0) == Approx(37.0));
    CHECK(r.to_raw(37.0) == Approx(1925.0));
    const cv::Mat celsius = r.to_celsius(cv::Mat(1, 3, CV_16UC1, cv::Scalar(1925)));
    CHECK(celsius.at<float>(0, 2) == Approx(37.0).margin(1e-4));
}

TEST_CASE("radiometry: raw -> Celsius -> raw is exact for every 16-bit value", "[vision][radiometry]") {
    const cv::Mat raw = every_raw_value();
    for (const Radiometry& r : {Radiometry::centikelvin(), Radiometry::linear(0.05, -20.0)}) {
        const cv::Mat back = r.to_raw(r.to_celsius(raw));
        REQUIRE(back.type() == CV_16UC1);
        CHECK(cv::norm(back, raw, cv::NORM_INF) == 0.0);
    }
}

TEST_CASE("radiometry: Celsius -> raw rounds to nearest and saturates at the sensor limits", "[vision][radiometry]") {
    const Radiometry r = Radiometry::centikelvin();
    cv::Mat celsius(1, 4, CV_32FC1);
    celsius.at<float>(0, 0) = 37.004F;   // 31015.4 -> 31015
    celsius.at<float>(0, 1) = 37.006F;   // 31015.6 -> 31016
    celsius.at<float>(0, 2) = -300.0F;   // below 0 K
    celsius.at<float>(0, 3) = 500.0F;    // above 655.35 K
    const cv::Mat raw = r.to_raw(celsius);
    CHECK(raw.at<std::uint16_t>(0, 0) == 31015);
    CHECK(raw.at<std::uint16_t>(0, 1) == 31016);
    CHECK(raw.at<std::uint16_t>(0, 2) == 0);
    CHECK(raw.at<std::uint16_t>(0, 3) == 65535);
    CHECK_THROWS_AS(r.to_raw(cv::Mat(2, 2, CV_32FC3)), std::invalid_argument);
}

TEST_CASE("radiometry: a region converts like the same region of the whole frame", "[vision][radiometry]") {
    const Radiometry r = Radiometry::centikelvin();
    cv::Mat raw(12, 16, CV_16UC1);
    cv::randu(raw, 29000, 32000);
    const cv::Rect roi(3, 2, 5, 7);
    const cv::Mat part = r.to_celsius(raw, roi);
    REQUIRE(part.size() == roi.size());
    CHECK(cv::norm(part, r.to_celsius(raw)(roi), cv::NORM_INF) == 0.0);
    CHECK(cv::norm(r.to_celsius(raw(roi)), part, cv::NORM_INF) == 0.0);  // a ROI view works the same
    CHECK_THROWS_AS(r.to_celsius(raw, cv::Rect(12, 0, 5, 5)), std::out_of_range);
    CHECK_THROWS_AS(r.to_celsius(raw, cv::Rect(-1, 0, 2, 2)), std::out_of_range);
}

TEST_CASE("radiometry: the output buffer is reused when it fits", "[vision][radiometry]") {
    const Radiometry r = Radiometry::centikelvin();
    const cv::Mat raw(8, 8, CV_16UC1, cv::Scalar(30000));
    cv::Mat celsius;
    r.to_celsius(raw, celsius);
    const auto* buffer = celsius.data;
    r.to_celsius(raw, celsius);
    CHECK(celsius.data == buffer);
}

TEST_CASE("radiometry: wrong input type and invalid settings are rejected", "[vision][radiometry]") {
    const Radiometry r = Radiometry::centikelvin();
    CHECK_THROWS_AS(r.to_celsius(cv::Mat(2, 2, CV_8UC1)), std::invalid_argument);
    CHECK_THROWS_AS(r.to_celsius(cv::Mat(2, 2, CV_16UC3)), std::invalid_argument);
    CHECK_THROWS_AS(Radiometry::linear(0.0, 1.0), std::invalid_argument);
    CHECK_THROWS_AS(Radiometry::linear(std::numeric_limits<double>::infinity(), 1.0), std::invalid_argument);
    CHECK_THROWS_AS(Radiometry::linear(0.01, std::nan("")), std::invalid_argument);
}

TEST_CASE("radiometry: unit names parse and print", "[vision][radiometry]") {
    CHECK(Radiometry::parse_units("centikelvin") == RadiometricUnits::centikelvin);
    CHECK(Radiometry::parse_units("linear") == RadiometricUnits::linear);
    CHECK_THROWS_WITH(Radiometry::parse_units("kelvin"),
                      Catch::Contains("'kelvin'") && Catch::Contains("centikelvin or linear"));
    CHECK(Radiometry::units_name(RadiometricUnits::centikelvin) == "centikelvin");
    CHECK(Radiometry::units_name(RadiometricUnits::linear) == "linear");
}
