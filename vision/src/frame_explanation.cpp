#include "gatehouse/vision/frame_explanation.hpp"

#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace gatehouse::vision {

namespace {

nlohmann::json box_json(const cv::Rect& r) { return nlohmann::json::array({r.x, r.y, r.width, r.height}); }

nlohmann::json rounded(const std::optional<double>& v, double scale = 100.0) {
    return v ? nlohmann::json(std::round(*v * scale) / scale) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json to_json(const FrameExplanation& e) {
    nlohmann::json candidates = nlohmann::json::array();
    for (const auto& c : e.candidates) candidates.push_back({{"bbox", box_json(c.box)}, {"outcome", c.outcome}});
    nlohmann::json tracks = nlohmann::json::array();
    for (const auto& t : e.tracks) {
        tracks.push_back({{"track", t.track},
                          {"person", t.person},
                          {"bbox", box_json(t.box)},
                          {"state", t.state},
                          {"note", t.note},
                          {"celsius", rounded(t.reading_celsius)},
                          {"motion", std::round(t.motion * 1000.0) / 1000.0},
                          {"samples", t.samples}});
    }
    return nlohmann::json{
        {"type", "explain"},
        {"frame", e.frame},
        {"time_ms", e.time_ms},
        {"room", std::round(e.room_celsius * 100.0) / 100.0},
        {"skin", std::round(e.skin_celsius * 100.0) / 100.0},
        {"reference",
         {{"state", std::string(to_string(e.reference))},
          {"core", e.reference_core ? box_json(*e.reference_core) : nlohmann::json(nullptr)},
          {"celsius", rounded(e.reference_celsius)},
          {"offset", rounded(e.offset_celsius)}}},
        {"ffc", e.ffc},
        {"candidates", std::move(candidates)},
        {"tracks", std::move(tracks)},
    };
}

std::string to_text(const FrameExplanation& e) {
    char buffer[256];
    std::snprintf(buffer, sizeof buffer, "frame %5lld %7.2fs  room %.1f skin>%.1f  reference %s",
                  static_cast<long long>(e.frame), static_cast<double>(e.time_ms) / 1000.0, e.room_celsius,
                  e.skin_celsius, std::string(to_string(e.reference)).c_str());
    std::string text = buffer;
    if (e.reference_core) {
        const auto& r = *e.reference_core;
        std::snprintf(buffer, sizeof buffer, " core %d,%d %dx%d", r.x, r.y, r.width, r.height);
        text += buffer;
    }
    if (e.reference_celsius) {
        std::snprintf(buffer, sizeof buffer, " reads %.2f", *e.reference_celsius);
        text += buffer;
    }
    if (e.offset_celsius) {
        std::snprintf(buffer, sizeof buffer, " offset %+.2f", *e.offset_celsius);
        text += buffer;
    }
    if (e.ffc) text += "  (after FFC: not analysed)";
    for (const auto& t : e.tracks) {
        std::snprintf(buffer, sizeof buffer, "\n    track %-4lld person %-4lld %-11s %3d,%-3d %3dx%-3d motion %.2f  %s",
                      static_cast<long long>(t.track), static_cast<long long>(t.person), t.state.c_str(), t.box.x,
                      t.box.y, t.box.width, t.box.height, t.motion, t.note.c_str());
        text += buffer;
        if (t.reading_celsius) {
            std::snprintf(buffer, sizeof buffer, " %.2f", *t.reading_celsius);
            text += buffer;
        }
        if (t.samples > 0) {
            std::snprintf(buffer, sizeof buffer, " (%d readings)", t.samples);
            text += buffer;
        }
    }
    for (const auto& c : e.candidates) {
        if (c.outcome == "head") continue;
        std::snprintf(buffer, sizeof buffer, "\n    not a head: %d,%d %dx%d %s", c.box.x, c.box.y, c.box.width,
                      c.box.height, c.outcome.c_str());
        text += buffer;
    }
    return text;
}

}  // namespace gatehouse::vision
