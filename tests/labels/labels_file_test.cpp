// Consistency of the eye-made labels of the real FeverScreen recordings (tests/data/feverscreen-labels.json):
// every labelled file exists and decodes to the labelled number of frames, every interval and box lies inside
// its recording, every person carries a reason. The labels themselves are judged by eye (tests/data/LABELS.md);
// this test keeps the file usable as the ground truth of an evaluation.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "gatehouse/vision/cptv_source.hpp"
#include "labels_file.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using gatehouse::test::FrameSpan;
using gatehouse::test::LabelsError;
using gatehouse::test::LabelsFile;
using gatehouse::test::load_labels;
using gatehouse::test::SourceBox;

namespace {

const fs::path data_dir = GATEHOUSE_TEST_DATA;
const fs::path labels_path = data_dir / "feverscreen-labels.json";

/// What the decoder delivers for one recording.
struct Decoded {
    long frames = 0;
    cv::Size size;
};

Decoded decode(const fs::path& file) {
    gatehouse::vision::CptvSource source(file);
    Decoded d;
    while (auto frame = source.next()) {
        ++d.frames;
        d.size = frame->raw.size();
    }
    return d;
}

/// Decodes every labelled recording once per test process.
const std::map<std::string, Decoded>& decoded_recordings() {
    static const std::map<std::string, Decoded> decoded = [] {
        std::map<std::string, Decoded> out;
        for (const auto& r : load_labels(labels_path).recordings) out[r.file] = decode(data_dir / r.file);
        return out;
    }();
    return decoded;
}

bool inside(const FrameSpan& span, long frames) { return span.first >= 0 && span.first <= span.last && span.last < frames; }
bool contains(const FrameSpan& outer, const FrameSpan& inner) {
    return outer.first <= inner.first && inner.last <= outer.last;
}
bool inside(const SourceBox& box, cv::Size size) {
    const auto [x, y, w, h] = box;
    return w > 0 && h > 0 && x >= 0 && y >= 0 && x + w <= size.width && y + h <= size.height;
}

/// The conditions LABELS.md names for a face that cannot be measured; an unmeasurable person's `why` starts with
/// one of them.
const std::array<std::string, 6> failed_conditions{"glasses", "too_far", "too_close", "turned_away", "cut_by_edge",
                                                   "hidden"};

void write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

/// The LabelsError message loading `path` gives, or "no error".
std::string labels_error(const fs::path& path) {
    try {
        load_labels(path);
    } catch (const LabelsError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("the labels file decodes into typed labels", "[labels]") {
    const LabelsFile labels = load_labels(labels_path);
    CHECK(labels.version == 1);
    CHECK(labels.calibration_c == Approx(37.0));
    CHECK(labels.recordings.size() == 24);
}

TEST_CASE("every labelled recording exists and decodes to the labelled number of 160x120 frames", "[labels]") {
    for (const auto& r : load_labels(labels_path).recordings) {
        INFO(r.file);
        REQUIRE(fs::is_regular_file(data_dir / r.file));
        const Decoded& d = decoded_recordings().at(r.file);
        CHECK(d.frames == r.frames);
        CHECK(d.size == cv::Size(160, 120));
    }
}

TEST_CASE("every recording of the labelled folders is labelled exactly once", "[labels]") {
    std::multiset<std::string> labelled;
    for (const auto& r : load_labels(labels_path).recordings) labelled.insert(r.file);
    std::multiset<std::string> present;
    for (const char* folder : {"feverscreen", "feverscreen-dev"}) {
        for (const auto& entry : fs::directory_iterator(data_dir / folder)) {
            if (entry.path().extension() == ".cptv") present.insert(std::string(folder) + "/" + entry.path().filename().string());
        }
    }
    CHECK(labelled == present);
}

TEST_CASE("every interval is ordered and inside its recording, the face box frame inside the visit", "[labels]") {
    for (const auto& r : load_labels(labels_path).recordings) {
        const long frames = decoded_recordings().at(r.file).frames;
        for (const auto& p : r.people) {
            INFO(r.file << " person " << p.id);
            CHECK(inside(p.in_view, frames));
            if (p.at_kiosk) {
                CHECK(inside(*p.at_kiosk, frames));
                CHECK(contains(p.in_view, *p.at_kiosk));
                REQUIRE(p.bbox_frame);
                CHECK(contains(*p.at_kiosk, {*p.bbox_frame, *p.bbox_frame}));
            }
        }
    }
}

TEST_CASE("every box lies inside the source frame, people at the kiosk have one and passers-by none", "[labels]") {
    for (const auto& r : load_labels(labels_path).recordings) {
        const cv::Size size = decoded_recordings().at(r.file).size;
        INFO(r.file);
        CHECK(r.reference.in_view == r.reference.bbox.has_value());
        if (r.reference.bbox) CHECK(inside(*r.reference.bbox, size));
        for (const auto& p : r.people) {
            INFO("person " << p.id);
            CHECK(p.at_kiosk.has_value() == p.bbox.has_value());
            CHECK(p.bbox.has_value() == p.bbox_frame.has_value());
            if (p.bbox) CHECK(inside(*p.bbox, size));
        }
    }
}

TEST_CASE("every person has a reason and an unmeasurable one names the condition that failed", "[labels]") {
    for (const auto& r : load_labels(labels_path).recordings) {
        CHECK_FALSE(r.note.empty());
        for (const auto& p : r.people) {
            INFO(r.file << " person " << p.id << ": " << p.why);
            CHECK(p.why.size() >= 20);
            if (!p.at_kiosk) CHECK_FALSE(p.measurable);
            if (!p.measurable) {
                const bool named = std::any_of(failed_conditions.begin(), failed_conditions.end(),
                                               [&](const std::string& c) { return p.why.rfind(c + ":", 0) == 0; });
                CHECK(named);
            }
        }
    }
}

TEST_CASE("person ids are unique in a recording and a second visit points at an earlier person", "[labels]") {
    for (const auto& r : load_labels(labels_path).recordings) {
        std::set<long> seen;
        for (const auto& p : r.people) {
            INFO(r.file << " person " << p.id);
            CHECK(seen.insert(p.id).second);
            if (p.same_person_as) {
                CHECK(seen.count(*p.same_person_as) == 1);
                CHECK(*p.same_person_as != p.id);
            }
        }
    }
}

TEST_CASE("a malformed labels file is refused with the field named", "[labels]") {
    gatehouse::test::TempDir dir;
    const fs::path file = dir / "labels.json";
    const std::string person =
        R"({"id":1,"in_view":[0,5],"at_kiosk":[1,4],"bbox":[1,2,3,4],"bbox_frame":2,"measurable":true,"why":"ok"})";
    auto document = [&](const std::string& frames, const std::string& p) {
        return R"({"version":1,"calibration_c":37.0,"recordings":[{"file":"a.cptv","frames":)" + frames +
               R"(,"reference":{"in_view":false,"bbox":null,"note":""},"people":[)" + p + R"(],"note":"n"}]})";
    };

    write(file, document("10", person));
    CHECK(load_labels(file).recordings.at(0).people.at(0).bbox == SourceBox{1, 2, 3, 4});

    write(file, document("\"10\"", person));
    CHECK_THAT(labels_error(file), Catch::Matchers::Contains("a.cptv: frames is not an integer"));

    std::string no_why = person;
    no_why.replace(no_why.find(R"(,"why":"ok")"), 11, "");
    write(file, document("10", no_why));
    CHECK_THAT(labels_error(file), Catch::Matchers::Contains("people[0]: why is missing"));

    std::string bad_box = person;
    bad_box.replace(bad_box.find("[1,2,3,4]"), 9, "[1,2,3]");
    write(file, document("10", bad_box));
    CHECK_THAT(labels_error(file), Catch::Matchers::Contains("bbox is not [x, y, w, h]"));

    write(file, "{ not json");
    CHECK_THAT(labels_error(file), Catch::Matchers::Contains("not valid JSON"));
}
