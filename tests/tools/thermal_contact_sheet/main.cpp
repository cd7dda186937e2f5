// thermal_contact_sheet: looks at a radiometric thermal recording by eye. Writes PNG contact sheets (frames
// upright, false colour on a fixed °C scale, enlarged, stamped with index and time) or one frame large with a
// grid in the recording's own (source) coordinates. Written to label real recordings (tests/data/LABELS.md);
// it uses the vision library only for its frame sources and orientation.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "contact_sheet.hpp"
#include "false_colour.hpp"
#include "frame_view.hpp"
#include "gatehouse/vision/cptv_source.hpp"
#include "gatehouse/vision/frame_source.hpp"
#include "gatehouse/vision/frame_source_factory.hpp"
#include "gatehouse/vision/orientation.hpp"

namespace fs = std::filesystem;
using namespace gatehouse;

namespace {

struct Options {
    std::string recording;
    fs::path output;
    std::int64_t from = 0;
    std::optional<std::int64_t> to;
    std::int64_t step = 1;
    int columns = 8;
    int enlargement = 2;
    int per_sheet = 40;
    std::vector<double> scale{20.0, 40.0};
    bool auto_scale = false;
    std::string colormap = "inferno";
    int rotation = 90;
    bool mirror = false;
    std::optional<std::int64_t> frame;
    int zoom = 6;
    int grid = 10;
    std::vector<std::string> boxes;
    std::optional<std::string> region;
    bool info = false;
};

/// The frames kept for drawing, and what the whole recording turned out to be.
struct Recording {
    std::string name;
    std::vector<vision::Frame> selected;
    std::int64_t total_frames = 0;
    std::int64_t last_time_ms = 0;
    double fps = 0;
    std::optional<std::string> stopped_by;  ///< The decoder's error when the recording could not be read to the end.
};

std::unique_ptr<vision::FrameSource> open_recording(const std::string& text) {
    std::string ignored;
    if (auto spec = vision::SourceSpec::parse(text, ignored)) return vision::open_frame_source(*spec);
    // A bare path: a CPTV file, the material this tool was written for.
    return std::make_unique<vision::CptvSource>(fs::path(text));
}

/// Reads every frame (CPTV frames are deltas, so the ones before the range are decoded anyway) and keeps the
/// frames from..to every step.
Recording read(const Options& o) {
    auto source = open_recording(o.recording);
    Recording r;
    r.name = fs::path(o.recording).filename().string();
    r.fps = source->fps();
    for (;;) {
        std::optional<vision::Frame> frame;
        try {
            frame = source->next();
        } catch (const vision::FrameError& e) {
            r.stopped_by = e.what();
            break;
        }
        if (!frame) break;
        ++r.total_frames;
        r.last_time_ms = frame->time_ms;
        const std::int64_t i = frame->index;
        const bool in_range = i >= o.from && (!o.to || i <= *o.to) && (i - o.from) % o.step == 0;
        if (in_range) r.selected.push_back(std::move(*frame));
    }
    return r;
}

cv::Rect parse_rect(const std::string& option, const std::string& text) {
    int x = 0, y = 0, w = 0, h = 0;
    char tail = 0;
    if (std::sscanf(text.c_str(), "%d,%d,%d,%d%c", &x, &y, &w, &h, &tail) != 4 || w <= 0 || h <= 0) {
        throw std::invalid_argument(option + " '" + text + "': expected X,Y,W,H in source pixels with W and H > 0");
    }
    return {x, y, w, h};
}

/// Scale from the selected frames themselves: their 1st to 99.9th percentile, widened to whole half degrees.
gatehouse::tools::FalseColour recording_scale(const Recording& r, const std::string& colormap) {
    std::vector<std::uint16_t> values;
    for (const auto& f : r.selected) {
        for (int y = 0; y < f.raw.rows; ++y) {
            const auto* row = f.raw.ptr<std::uint16_t>(y);
            values.insert(values.end(), row, row + f.raw.cols);
        }
    }
    auto percentile = [&](double p) {
        const auto k = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
        std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
        return tools::celsius_from_raw(values[k]);
    };
    const double low = std::floor(percentile(0.01) * 2) / 2;
    const double high = std::max(std::ceil(percentile(0.999) * 2) / 2, low + 1.0);
    return {low, high, colormap};
}

std::string scale_text(const tools::FalseColour& c) {
    char text[64];
    std::snprintf(text, sizeof text, "%.1f..%.1f C", c.low_c(), c.high_c());
    return text;
}

fs::path page_path(const fs::path& output, int page, int pages) {
    if (pages == 1) return output;
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "-p%02d", page + 1);
    return output.parent_path() / (output.stem().string() + suffix + output.extension().string());
}

void write_png(const fs::path& path, const cv::Mat& image) {
    if (!cv::imwrite(path.string(), image)) throw std::runtime_error("cannot write " + path.string());
    std::cout << "wrote " << path.string() << " (" << image.cols << "x" << image.rows << ")\n";
}

void print_box_stats(const vision::Frame& frame, const std::vector<cv::Rect>& boxes) {
    for (const auto& box : boxes) {
        const cv::Rect inside = box & cv::Rect({}, frame.raw.size());
        if (inside.empty()) {
            std::cout << "box " << box.x << "," << box.y << "," << box.width << "," << box.height
                      << ": outside the frame\n";
            continue;
        }
        double low = 0, high = 0;
        cv::Point at_high;
        cv::minMaxLoc(frame.raw(inside), &low, &high, nullptr, &at_high);
        const double mean = cv::mean(frame.raw(inside))[0];
        std::printf("box %d,%d,%d,%d: mean %.2f C, min %.2f C, max %.2f C at source (%d,%d)\n", box.x, box.y,
                    box.width, box.height, tools::celsius_from_raw(mean), tools::celsius_from_raw(low),
                    tools::celsius_from_raw(high), inside.x + at_high.x, inside.y + at_high.y);
    }
}

int run(const Options& o) {
    if (o.frame && (o.to || o.from != 0 || o.step != 1)) {
        throw std::invalid_argument("--frame draws one frame: it cannot be combined with --from, --to or --step");
    }
    Options selection = o;
    if (o.frame) selection.from = *o.frame, selection.to = *o.frame;
    if (selection.to && *selection.to < selection.from) {
        throw std::invalid_argument("--to " + std::to_string(*selection.to) + " is before --from " +
                                    std::to_string(selection.from));
    }
    std::vector<cv::Rect> boxes;
    for (const auto& text : o.boxes) boxes.push_back(parse_rect("--box", text));
    if (o.region && !o.frame) throw std::invalid_argument("--region only applies to the --frame view");
    if (!o.boxes.empty() && !o.frame) throw std::invalid_argument("--box only applies to the --frame view");
    std::optional<cv::Rect> region;
    if (o.region) region = parse_rect("--region", *o.region);
    const vision::Orientation orientation(o.rotation, o.mirror);

    const Recording r = read(selection);
    std::printf("%s: %lld frames, %.1f s, %.2f frames/s nominal\n", r.name.c_str(),
                static_cast<long long>(r.total_frames), r.last_time_ms / 1000.0, r.fps);
    if (r.stopped_by) std::cerr << "warning: decoding stopped after " << r.total_frames << " frames: " << *r.stopped_by << "\n";
    if (o.info) return r.stopped_by ? 1 : 0;
    if (o.output.empty()) throw std::invalid_argument("no output: give -o FILE.png (or --info)");
    if (r.selected.empty()) {
        throw std::invalid_argument("no frame in the range asked for: the recording's frames are 0.." +
                                    std::to_string(r.total_frames - 1));
    }
    if (selection.to && *selection.to >= r.total_frames) {
        std::cerr << "note: the recording ends at frame " << r.total_frames - 1 << "\n";
    }
    const tools::FalseColour colours =
        o.auto_scale ? recording_scale(r, o.colormap) : tools::FalseColour(o.scale[0], o.scale[1], o.colormap);

    if (o.frame) {
        const vision::Frame& frame = r.selected.front();
        char title[256];
        std::snprintf(title, sizeof title, "%s  #%lld  %.1f s  scale %s  grid: source coordinates", r.name.c_str(),
                      static_cast<long long>(frame.index), frame.time_ms / 1000.0, scale_text(colours).c_str());
        const cv::Rect whole({}, frame.raw.size());
        if (region && (*region & whole).empty()) {
            throw std::invalid_argument("--region lies outside the " + std::to_string(whole.width) + "x" +
                                        std::to_string(whole.height) + " frame");
        }
        const tools::FrameView view(orientation, colours, {o.zoom, o.grid});
        write_png(o.output, view.draw(frame, title, boxes, region.value_or(whole)));
        print_box_stats(frame, boxes);
        return r.stopped_by ? 1 : 0;
    }

    const tools::ContactSheet sheet(orientation, colours, {o.columns, o.enlargement});
    const std::span<const vision::Frame> all(r.selected);
    const int pages = static_cast<int>((all.size() + o.per_sheet - 1) / o.per_sheet);
    for (int page = 0; page < pages; ++page) {
        const auto part = all.subspan(static_cast<std::size_t>(page) * o.per_sheet,
                                      std::min<std::size_t>(o.per_sheet, all.size() - page * o.per_sheet));
        std::ostringstream title;
        title << r.name << "  frames " << part.front().index << ".." << part.back().index << " step " << o.step
              << " of " << r.total_frames << "  scale " << scale_text(colours) << "  rotated " << o.rotation
              << (o.mirror ? " mirrored" : "");
        write_png(page_path(o.output, page, pages), sheet.draw(part, title.str()));
    }
    return r.stopped_by ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    CLI::App app{
        "Contact sheets of a thermal recording, to look at it by eye: frames upright, false colour on a fixed "
        "Celsius scale, enlarged and stamped '#index time' (0-based index as the decoder delivers the frames, "
        "seconds since the first frame). Long ranges are split into pages OUT-p01.png, OUT-p02.png ...\n"
        "With --frame N: one frame large, with a grid in the recording's own (source) coordinates, so positions "
        "can be written down as the files and `gatehouse screen` give them; --box outlines source rectangles and "
        "prints their temperatures."};
    app.add_option("recording", o.recording, "a CPTV file, or a source spec (cptv:FILE, dir:DIR)")->required();
    app.add_option("-o,--output", o.output, "PNG file to write");
    app.add_option("--from", o.from, "first frame (0-based)")->check(CLI::NonNegativeNumber)->capture_default_str();
    app.add_option("--to", o.to, "last frame, inclusive (default: the last)")->check(CLI::NonNegativeNumber);
    app.add_option("--step", o.step, "draw every Nth frame")->check(CLI::Range(1, 100000))->capture_default_str();
    app.add_option("--columns", o.columns, "tiles per row")->check(CLI::Range(1, 64))->capture_default_str();
    app.add_option("--enlarge", o.enlargement, "tile enlargement")->check(CLI::Range(1, 8))->capture_default_str();
    app.add_option("--per-sheet", o.per_sheet, "tiles per PNG page")->check(CLI::Range(1, 1000))->capture_default_str();
    app.add_option("--scale", o.scale, "fixed false-colour scale LOW,HIGH in degrees C")
        ->expected(2)->delimiter(',')->capture_default_str();
    app.add_flag("--auto-scale", o.auto_scale,
                 "scale from the drawn frames themselves (1st..99.9th percentile) instead of --scale");
    app.add_option("--colormap", o.colormap, "one of " + tools::FalseColour::names())->capture_default_str();
    app.add_option("--rotate", o.rotation, "clockwise rotation that makes people upright (0, 90, 180, 270)")
        ->check(CLI::IsMember({0, 90, 180, 270}))->capture_default_str();
    app.add_flag("--mirror", o.mirror, "flip left-right after the rotation");
    app.add_option("--frame", o.frame, "draw this one frame large with the source-coordinate grid")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--zoom", o.zoom, "enlargement of the --frame view")->check(CLI::Range(1, 16))->capture_default_str();
    app.add_option("--grid", o.grid, "grid spacing of the --frame view, source pixels")
        ->check(CLI::Range(2, 1000))->capture_default_str();
    app.add_option("--box", o.boxes, "with --frame: outline X,Y,W,H (source pixels) and print its temperatures; "
                                     "repeatable");
    app.add_option("--region", o.region, "with --frame: draw only X,Y,W,H (source pixels), e.g. to enlarge a face");
    app.add_flag("--info", o.info, "print the frame count and duration only");
    app.get_option("--scale")->excludes(app.get_option("--auto-scale"));
    app.footer("Exit status: 0 drawn; 1 drawn, but the recording could not be decoded to its end (the frames before "
               "the fault are drawn); 2 nothing drawn (bad option, unreadable recording, empty range).");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    try {
        return run(o);
    } catch (const vision::SourceUnavailable& e) {
        std::cerr << "thermal_contact_sheet: cannot open the recording: " << e.what() << "\n";
    } catch (const vision::FrameError& e) {
        std::cerr << "thermal_contact_sheet: not a readable recording: " << e.what() << "\n";
    } catch (const std::exception& e) {
        std::cerr << "thermal_contact_sheet: " << e.what() << "\n";
    }
    return 2;
}
