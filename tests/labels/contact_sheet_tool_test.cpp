// The contact-sheet tool the labels were made with (tests/tools/thermal_contact_sheet): it draws what it is asked
// to, splits long ranges into pages, and refuses bad input with a clear message and a non-zero exit.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "child_process.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using gatehouse::test::CommandResult;
using gatehouse::test::run_command;
using gatehouse::test::TempDir;

namespace {

const std::string recording = std::string(GATEHOUSE_TEST_DATA) + "/feverscreen/20210325-091249.cptv";

CommandResult contact_sheet(const TempDir& dir, const std::vector<std::string>& args) {
    return run_command(GATEHOUSE_CONTACT_SHEET, args, dir.path());
}

/// Number of distinct grey levels in a PNG, to tell a drawn picture from a blank one.
int distinct_levels(const cv::Mat& image) {
    cv::Mat grey;
    cv::extractChannel(image, grey, 1);
    std::vector<bool> seen(256, false);
    int count = 0;
    for (int y = 0; y < grey.rows; ++y) {
        for (int x = 0; x < grey.cols; ++x) {
            if (!seen[grey.at<std::uint8_t>(y, x)]) seen[grey.at<std::uint8_t>(y, x)] = true, ++count;
        }
    }
    return count;
}

}  // namespace

TEST_CASE("contact sheets: the frames asked for, upright and enlarged, split into pages", "[labels][tool]") {
    TempDir dir;
    const auto result = contact_sheet(dir, {recording, "-o", (dir / "sheet.png").string(), "--from", "10", "--to",
                                            "19", "--columns", "5", "--per-sheet", "4", "--enlarge", "2"});
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    CHECK_THAT(result.out, Catch::Matchers::Contains("86 frames"));
    for (const char* page : {"sheet-p01.png", "sheet-p02.png", "sheet-p03.png"}) {
        INFO(page);
        const cv::Mat image = cv::imread((dir / page).string(), cv::IMREAD_COLOR);
        REQUIRE_FALSE(image.empty());
        CHECK(distinct_levels(image) > 50);
    }
    CHECK_FALSE(fs::exists(dir / "sheet-p04.png"));
    // Four upright 120x160 tiles at x2 in one row: 4 * (240 + 4) + 4 px wide; 2 tiles on the last page.
    CHECK(cv::imread((dir / "sheet-p01.png").string()).cols == 4 * 244 + 4);
    CHECK(cv::imread((dir / "sheet-p03.png").string()).cols >= 2 * 244 + 4);
}

TEST_CASE("single-frame view: the grid view is written and a box's temperatures are printed", "[labels][tool]") {
    TempDir dir;
    const auto result = contact_sheet(dir, {recording, "--frame", "20", "-o", (dir / "view.png").string(), "--zoom",
                                            "3", "--box", "127,86,14,14", "--region", "100,60,60,60"});
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    CHECK_THAT(result.out, Catch::Matchers::Contains("box 127,86,14,14: mean"));
    const cv::Mat view = cv::imread((dir / "view.png").string(), cv::IMREAD_COLOR);
    REQUIRE_FALSE(view.empty());
    CHECK(view.cols >= 60 * 3);
    CHECK(view.rows >= 60 * 3);
}

TEST_CASE("bad input gives a clear message and a non-zero exit", "[labels][tool]") {
    TempDir dir;
    const std::string out = (dir / "x.png").string();
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    const std::vector<Case> cases{
        {{(dir / "missing.cptv").string(), "-o", out}, "cannot open the recording"},
        {{std::string(GATEHOUSE_TEST_DATA) + "/feverscreen/LICENSE", "-o", out}, "not a readable recording"},
        {{recording, "-o", out, "--from", "500"}, "no frame in the range asked for: the recording's frames are 0..85"},
        {{recording, "-o", out, "--from", "20", "--to", "10"}, "--to 10 is before --from 20"},
        {{recording, "-o", out, "--frame", "3", "--box", "1,2,3"}, "--box '1,2,3': expected X,Y,W,H"},
        {{recording, "-o", out, "--frame", "3", "--region", "200,200,5,5"}, "--region lies outside the 160x120 frame"},
        {{recording, "-o", out, "--region", "0,0,5,5"}, "--region only applies to the --frame view"},
        {{recording, "-o", out, "--box", "0,0,5,5"}, "--box only applies to the --frame view"},
        {{recording, "-o", out, "--frame", "3", "--colormap", "rainbow"}, "unknown colour map 'rainbow'"},
        {{recording, "-o", out, "--scale", "30,20"}, "scale 30.00..20.00"},
        {{recording}, "no output: give -o FILE.png"},
    };
    for (const auto& c : cases) {
        const auto result = contact_sheet(dir, c.args);
        INFO(c.message);
        CHECK(result.exit_code == 2);
        CHECK_THAT(result.err, Catch::Matchers::Contains(c.message));
    }
    CHECK_FALSE(fs::exists(out));
}
