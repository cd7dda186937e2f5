#include <catch2/catch.hpp>

#include "gatehouse/vision/frame_source_factory.hpp"

using namespace gatehouse::vision;

TEST_CASE("source specifications parse by scheme", "[vision][factory]") {
    std::string error;
    auto spec = SourceSpec::parse("v4l2:/dev/video3", error);
    REQUIRE(spec);
    CHECK(spec->scheme == SourceSpec::Scheme::v4l2);
    CHECK(spec->location == "/dev/video3");
    spec = SourceSpec::parse("dir:/tmp/frames", error);
    REQUIRE(spec);
    CHECK(spec->scheme == SourceSpec::Scheme::dir);
    spec = SourceSpec::parse("cptv:/a/b:c.cptv", error);
    REQUIRE(spec);
    CHECK(spec->scheme == SourceSpec::Scheme::cptv);
    CHECK(spec->location == "/a/b:c.cptv");
    spec = SourceSpec::parse("synthetic:queue", error);
    REQUIRE(spec);
    CHECK(spec->scheme == SourceSpec::Scheme::synthetic);
}

TEST_CASE("an unknown scheme or an empty location is a clear error", "[vision][factory]") {
    std::string error;
    CHECK_FALSE(SourceSpec::parse("rtsp://camera/stream", error));
    CHECK_THAT(error, Catch::Contains("rtsp://camera/stream") && Catch::Contains("v4l2:") &&
                          Catch::Contains("dir:") && Catch::Contains("cptv:") && Catch::Contains("synthetic:"));
    CHECK_FALSE(SourceSpec::parse("/dev/video0", error));
    CHECK_FALSE(SourceSpec::parse("cptv:", error));
    CHECK_THAT(error, Catch::Contains("cptv"));
    CHECK_THROWS_AS(open_frame_source("http:x"), std::invalid_argument);
}

TEST_CASE("the factory opens each kind of source or says why not", "[vision][factory]") {
    auto synthetic = open_frame_source("synthetic:single_normal");
    CHECK(synthetic->describe() == "synthetic:single_normal");
    CHECK(synthetic->next());

    auto cptv = open_frame_source(std::string("cptv:") + GATEHOUSE_TEST_DATA + "/feverscreen/20210326-091927.cptv");
    CHECK(cptv->describe().rfind("cptv:", 0) == 0);
    auto frame = cptv->next();
    REQUIRE(frame);
    CHECK(frame->raw.size() == cv::Size(160, 120));

    CHECK_THROWS_AS(open_frame_source("cptv:/no/such/file.cptv"), SourceUnavailable);
    CHECK_THROWS_AS(open_frame_source("dir:/no/such/directory"), SourceUnavailable);
    CHECK_THROWS_AS(open_frame_source("v4l2:/dev/no-such-video-device"), SourceUnavailable);
    CHECK_THROWS_AS(open_frame_source("synthetic:no_such_scenario"), SourceUnavailable);
    SourceOptions options;
    options.fps = 25;
    CHECK_THROWS_AS(open_frame_source("dir:/no/such/directory", options), SourceUnavailable);
}
