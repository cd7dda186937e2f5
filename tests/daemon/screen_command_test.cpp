// The `gatehouse screen` / `gatehouse synth` command-line contract (issue 8), through the built binary and
// through run_screen().
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../../daemon/src/cli/screen_command.hpp"
#include "child_process.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using gatehouse::test::ChildProcess;
using gatehouse::test::TempDir;

namespace {

const std::string gatehouse_bin = std::string(GATEHOUSE_BIN_DIR) + "/gatehouse";
const std::string feverscreen = std::string(GATEHOUSE_TEST_DATA) + "/feverscreen/";

std::vector<nlohmann::json> json_lines(const std::string& text, const std::string& type) {
    std::vector<nlohmann::json> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        const auto json = nlohmann::json::parse(line);  // every line must be JSON
        if (json.at("type") == type) out.push_back(json);
    }
    return out;
}

struct Run {
    int code;
    std::string out;
    std::string err;
};

Run run_binary(const std::vector<std::string>& args, const TempDir& dir) {
    ChildProcess child(gatehouse_bin, args, dir.path());
    const int code = child.wait(std::chrono::seconds(60));
    return {code, child.stdout_text(), child.stderr_text()};
}

}  // namespace

TEST_CASE("screen --json prints one object per screening with the contract's fields", "[daemon][cli][screen]") {
    gatehouse::daemon::cli::ScreenOptions options;
    options.source = "synthetic:borderline";
    options.blackbody = "auto@35";
    options.json = true;
    std::ostringstream out, err;
    CHECK(gatehouse::daemon::cli::run_screen(options, out, err, false) == 0);
    CHECK(err.str().empty());
    const auto screenings = json_lines(out.str(), "screening");
    REQUIRE(screenings.size() == 2);
    CHECK(screenings[0]["verdict"] == "elevated");
    CHECK(screenings[1]["verdict"] == "normal");
    for (const auto& s : screenings) {
        for (const char* field : {"frame", "time_ms", "track", "bbox", "celsius", "verdict", "reason", "frames_used", "snapshot"})
            CHECK(s.contains(field));
        CHECK(s["bbox"].size() == 4);
        CHECK(s["celsius"].is_number());
        CHECK(s["reason"].is_null());
        CHECK(s["snapshot"].is_null());
        CHECK(s["frames_used"].get<int>() >= 3);
    }
    CHECK(screenings[0]["track"] != screenings[1]["track"]);
    const auto health = json_lines(out.str(), "camera_health");
    REQUIRE(health.size() >= 2);
    CHECK(health.front()["reference"] == "searching");
    CHECK(health.back()["reference"] == "ok");
}

TEST_CASE("screen over a real CPTV recording, rotated", "[daemon][cli][screen]") {
    TempDir dir;
    const auto run = run_binary({"screen", "--source", "cptv:" + feverscreen + "20210322-112850.cptv", "--rotate", "90",
                                 "--blackbody", "auto@37", "--json"},
                                dir);
    INFO(run.err);
    REQUIRE(run.code == 0);
    const auto screenings = json_lines(run.out, "screening");
    REQUIRE(screenings.size() == 1);
    CHECK(screenings[0]["celsius"].get<double>() > 34.5);
    CHECK(screenings[0]["celsius"].get<double>() < 38.0);
    // bbox in the 160x120 source frame (before rotation)
    const auto& b = screenings[0]["bbox"];
    CHECK(b[0].get<int>() + b[2].get<int>() <= 160);
    CHECK(b[1].get<int>() + b[3].get<int>() <= 120);

    const auto empty = run_binary({"screen", "--source", "cptv:" + feverscreen + "20210326-091927.cptv", "--rotate",
                                   "90", "--blackbody", "auto@37", "--json"},
                                  dir);
    CHECK(empty.code == 0);
    CHECK(json_lines(empty.out, "screening").empty());
    CHECK_FALSE(json_lines(empty.out, "camera_health").empty());
}

TEST_CASE("synth writes a PNG directory that screen replays with the same verdicts", "[daemon][cli][synth]") {
    TempDir dir;
    const auto synth = run_binary({"synth", "--scenario", "single_febrile", "--out", (dir / "scene").string()}, dir);
    INFO(synth.err);
    REQUIRE(synth.code == 0);
    CHECK(fs::exists(dir / "scene" / "frame_000000.png"));
    std::ifstream truth_file(dir / "scene" / "truth.json");
    const auto truth = nlohmann::json::parse(truth_file);
    const auto bb = truth["blackbody"]["bbox"];
    // The middle of the disc, in the camera's pixels.
    const std::string blackbody = std::to_string(bb[0].get<int>() + bb[2].get<int>() / 4) + "," +
                                  std::to_string(bb[1].get<int>() + bb[3].get<int>() / 4) + "," +
                                  std::to_string(bb[2].get<int>() / 2) + "," + std::to_string(bb[3].get<int>() / 2) +
                                  "@35";
    const auto run = run_binary({"screen", "--source", "dir:" + (dir / "scene").string(), "--fps", "30", "--blackbody",
                                 blackbody, "--json", "--snapshots", (dir / "evidence").string()},
                                dir);
    INFO(run.err);
    REQUIRE(run.code == 0);
    const auto screenings = json_lines(run.out, "screening");
    REQUIRE(screenings.size() == 1);
    CHECK(screenings[0]["verdict"] == "elevated");
    CHECK(screenings[0]["celsius"].get<double>() == Approx(truth["people"][0]["canthus_c"].get<double>()).margin(0.4));
    REQUIRE(screenings[0]["snapshot"].is_string());
    CHECK(fs::file_size(screenings[0]["snapshot"].get<std::string>()) > 1000);

    const auto list = run_binary({"synth", "--list"}, dir);
    CHECK(list.code == 0);
    CHECK_THAT(list.out, Catch::Contains("glasses") && Catch::Contains("cold_arrival"));
    const auto missing = run_binary({"synth", "--scenario", "no_such", "--out", (dir / "x").string()}, dir);
    CHECK(missing.code != 0);
    CHECK_THAT(missing.err, Catch::Contains("no_such"));
}

TEST_CASE("a corrupt frame is named on stderr, skipped, and reflected in the exit code", "[daemon][cli][screen]") {
    TempDir dir;
    REQUIRE(run_binary({"synth", "--scenario", "single_normal", "--out", (dir / "scene").string()}, dir).code == 0);
    {
        std::ofstream corrupt(dir / "scene" / "frame_000050.png", std::ios::trunc);
        corrupt << "not a png";
    }
    const auto run = run_binary({"screen", "--source", "dir:" + (dir / "scene").string(), "--fps", "30", "--blackbody",
                                 "auto@35", "--json"},
                                dir);
    CHECK(run.code == 65);
    CHECK_THAT(run.err, Catch::Contains("frame_000050.png"));
    CHECK(json_lines(run.out, "screening").size() == 1);  // the rest was still screened
}

TEST_CASE("screen refuses bad sources and options with usage errors", "[daemon][cli][screen]") {
    TempDir dir;
    const auto unknown = run_binary({"screen", "--source", "rtsp://cam", "--json"}, dir);
    CHECK(unknown.code == 64);
    CHECK_THAT(unknown.err, Catch::Contains("v4l2:") && Catch::Contains("synthetic:"));
    const auto missing = run_binary({"screen", "--source", "cptv:/no/such.cptv"}, dir);
    CHECK(missing.code == 69);
    CHECK_THAT(missing.err, Catch::Contains("/no/such.cptv"));
    const auto no_camera = run_binary({"screen", "--source", "v4l2:/dev/no-such-video"}, dir);
    CHECK(no_camera.code == 69);
    const auto linear = run_binary({"screen", "--source", "synthetic:single_normal", "--units", "linear"}, dir);
    CHECK(linear.code == 64);
    CHECK_THAT(linear.err, Catch::Contains("--gain"));
    const auto blackbody = run_binary({"screen", "--source", "synthetic:single_normal", "--blackbody", "1,2,3@35"}, dir);
    CHECK(blackbody.code == 64);
    const auto threshold = run_binary({"screen", "--source", "synthetic:single_normal", "--threshold", "42"}, dir);
    CHECK(threshold.code != 0);
    const auto rotate = run_binary({"screen", "--source", "synthetic:single_normal", "--rotate", "45"}, dir);
    CHECK(rotate.code != 0);
}

TEST_CASE("without --json the output is a readable table, uncoloured when not on a terminal", "[daemon][cli][screen]") {
    TempDir dir;
    const auto run = run_binary({"screen", "--source", "synthetic:glasses", "--blackbody", "auto@35"}, dir);
    REQUIRE(run.code == 0);
    CHECK_THAT(run.out, Catch::Contains("verdict") && Catch::Contains("uncertain") &&
                            Catch::Contains("face_occluded") && Catch::Contains("1 screenings"));
    CHECK(run.out.find('\033') == std::string::npos);
    CHECK(run.out.find('{') == std::string::npos);
}
