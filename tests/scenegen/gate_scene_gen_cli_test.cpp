// The gate_scene_gen program: what it writes, and a clear error and exit status for every kind of bad input.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "child_process.hpp"
#include "gate_scene/builtin_scenarios.hpp"
#include "temp_dir.hpp"

using gatehouse::test::ChildProcess;
using gatehouse::test::TempDir;
namespace fs = std::filesystem;

namespace {

struct Result {
    int code = -1;
    std::string out, err;
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

Result gen(const TempDir& dir, const std::vector<std::string>& args) {
    ChildProcess child(GATE_SCENE_GEN_BIN, args, dir.path());
    Result r;
    r.code = child.wait(std::chrono::seconds(120));
    for (const auto& entry : fs::directory_iterator(dir.path())) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with("gate_scene_gen-") && name.ends_with(".out")) r.out = slurp(entry.path());
        if (name.starts_with("gate_scene_gen-") && name.ends_with(".err")) r.err = slurp(entry.path());
    }
    for (const auto& entry : fs::directory_iterator(dir.path()))
        if (entry.path().filename().string().starts_with("gate_scene_gen-")) fs::remove(entry.path());
    return r;
}

}  // namespace

TEST_CASE("gate_scene_gen --list names every built-in scenario, --help explains", "[scenegen]") {
    TempDir dir;
    const Result list = gen(dir, {"--list"});
    REQUIRE(list.code == 0);
    for (const auto& b : gate_scene::builtin_scenarios()) CHECK_THAT(list.out, Catch::Contains(std::string(b.name)));
    const Result json = gen(dir, {"--list", "--json"});
    REQUIRE(json.code == 0);
    std::istringstream lines(json.out);
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
        const auto j = nlohmann::json::parse(line);
        CHECK(j.contains("people"));
        ++n;
    }
    CHECK(n == static_cast<int>(gate_scene::builtin_scenarios().size()));
    const Result help = gen(dir, {"--help"});
    CHECK(help.code == 0);
    CHECK_THAT(help.out, Catch::Contains("centi-kelvin"));
    CHECK_THAT(help.out, Catch::Contains("Exit status"));
}

TEST_CASE("gate_scene_gen writes the frames and truth.json, and will not mix two scenes in one directory", "[scenegen]") {
    TempDir dir;
    const fs::path out = dir / "scene";
    const Result r = gen(dir, {"--scenario", "reference_circle", "--out", out.string(), "--json"});
    REQUIRE(r.code == 0);
    const auto summary = nlohmann::json::parse(r.out);
    const int frames = summary["frames"];
    CHECK(frames == 117);
    int pngs = 0;
    for (const auto& entry : fs::directory_iterator(out)) pngs += entry.path().extension() == ".png";
    CHECK(pngs == frames);
    const cv::Mat first = cv::imread((out / "frame_000000.png").string(), cv::IMREAD_UNCHANGED);
    CHECK(first.type() == CV_16UC1);
    CHECK(first.size() == cv::Size(384, 288));
    CHECK(fs::exists(out / "frame_000116.png"));
    CHECK_FALSE(fs::exists(out / "frame_000117.png"));
    const auto truth = nlohmann::json::parse(slurp(out / "truth.json"));
    CHECK(truth["scene"] == "reference_circle");
    CHECK(truth["frame_count"] == frames);
    CHECK(truth["reference"]["blackbody_arg"].get<std::string>().starts_with("circle:"));
    CHECK_FALSE(fs::exists(out / "truth.json.tmp"));

    const Result again = gen(dir, {"--scenario", "reference_circle", "--out", out.string()});
    CHECK(again.code == 73);
    CHECK_THAT(again.err, Catch::Contains("already holds a scene"));
    const Result overwrite = gen(dir, {"--scenario", "objects_only", "--out", out.string(), "--overwrite"});
    CHECK(overwrite.code == 0);
    pngs = 0;
    for (const auto& entry : fs::directory_iterator(out)) pngs += entry.path().extension() == ".png";
    CHECK(pngs == 135);  // none of the earlier scene's frames are left
}

TEST_CASE("gate_scene_gen: usage errors exit 64, a missing file 66, a bad scenario 65", "[scenegen]") {
    TempDir dir;
    const std::string out = (dir / "o").string();
    Result r = gen(dir, {});
    CHECK(r.code == 64);
    CHECK_THAT(r.err, Catch::Contains("nothing to do"));
    r = gen(dir, {"--scenario", "normal_queue"});
    CHECK(r.code == 64);
    CHECK_THAT(r.err, Catch::Contains("--out DIR is required"));
    r = gen(dir, {"--bogus"});
    CHECK(r.code == 64);
    r = gen(dir, {"--scenario", "no_such_scene", "--out", out});
    CHECK(r.code == 64);
    CHECK_THAT(r.err, Catch::Contains("unknown scenario \"no_such_scene\""));
    r = gen(dir, {"--list", "--all"});
    CHECK(r.code == 64);

    r = gen(dir, {"--scenario", (dir / "missing.json").string(), "--out", out});
    CHECK(r.code == 66);
    CHECK_THAT(r.err, Catch::Contains("no such file"));

    {
        std::ofstream(dir / "broken.json") << "{\"name\": \"x\", ";
        std::ofstream(dir / "typo.json") << R"({"name": "x", "description": "d", "duration_s": 5,
            "camera": {"width": 160, "height": 120, "fps": 9, "blur": 1},
            "reference": {"center_px": [150, 10], "set_c": 35}})";
    }
    r = gen(dir, {"--scenario", (dir / "broken.json").string(), "--out", out});
    CHECK(r.code == 65);
    CHECK_THAT(r.err, Catch::Contains("not valid JSON"));
    r = gen(dir, {"--scenario", (dir / "typo.json").string(), "--out", out});
    CHECK(r.code == 65);
    CHECK_THAT(r.err, Catch::Contains("camera.blur: unknown field"));
    CHECK_FALSE(fs::exists(out));  // nothing is written for a bad scenario
}
