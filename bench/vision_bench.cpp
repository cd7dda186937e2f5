// Thermal screening pipeline throughput on one thread, per frame size and number of people, against the
// floor of copying the frame once (memcpy) measured in the same run; and the pipeline's peak memory.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <malloc.h>

#include <opencv2/core/utility.hpp>

#include "gatehouse/vision/screening_pipeline.hpp"
#include "gatehouse/vision/synthetic_scene.hpp"

using namespace gatehouse::vision;
using bench_clock = std::chrono::steady_clock;

namespace {

constexpr int frames_per_visit = 60;  // 2 s at 30 fps: people step up, are measured, stand
constexpr double seconds_per_case = 0.6;

/// A scene of `people` stepping up to the mark side by side and standing there.
SceneSpec bench_scene(int width, int height, int people) {
    SceneSpec spec;
    spec.name = "bench";
    spec.camera.width = width;
    spec.camera.height = height;
    spec.camera.duration_s = frames_per_visit / spec.camera.fps;
    spec.camera.drift_celsius = 0.5;
    spec.camera.seed = 7;
    for (int i = 0; i < people; ++i) {
        ScenePerson p;
        p.canthus_celsius = 36.5 + 0.7 * i;
        const double x = people == 1 ? 0.5 : 0.2 + 0.3 * i;
        p.path = {{0.0, x, 1.7}, {0.4, x, 1.05}, {10.0, x, 1.05}};
        spec.people.push_back(p);
    }
    return spec;
}

long read_status_kb(const char* key) {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind(key, 0) == 0) return std::stol(line.substr(std::strlen(key)));
    }
    return -1;
}

struct Result {
    double pipeline_fps = 0;
    double memcpy_fps = 0;
    double us_per_frame = 0;
    long screenings = 0;
};

Result run_case(int width, int height, int people) {
    SceneRenderer scene(bench_scene(width, height, people));
    std::vector<Frame> frames;
    for (int i = 0; i < frames_per_visit; ++i) {
        Frame f;
        f.index = i;
        f.time_ms = i * 1000 / 30;
        f.raw = scene.render(i);
        frames.push_back(f);
    }
    ScreeningConfig config;
    const cv::Rect bb = *scene.blackbody_rect();
    config.reference.mode = ReferenceConfig::Mode::fixed;
    config.reference.area = cv::Rect(bb.x + bb.width / 4, bb.y + bb.height / 4, bb.width / 2, bb.height / 2);
    config.reference.celsius = 35;

    Result result;
    // Pipeline: a fresh pipeline per visit, so every visit measures every person again (steady state would
    // be cheaper: decided people are only tracked).
    long processed = 0;
    const auto start = bench_clock::now();
    double elapsed = 0;
    while (elapsed < seconds_per_case) {
        ScreeningPipeline pipeline(config);
        for (const auto& f : frames) {
            const auto& out = pipeline.process(f);
            result.screenings += static_cast<long>(out.screenings.size());
        }
        processed += static_cast<long>(frames.size());
        elapsed = std::chrono::duration<double>(bench_clock::now() - start).count();
    }
    result.pipeline_fps = processed / elapsed;
    result.us_per_frame = 1e6 * elapsed / processed;

    // Floor: one copy of each frame's pixels.
    cv::Mat target(height, width, CV_16UC1);
    long copied = 0;
    const auto copy_start = bench_clock::now();
    double copy_elapsed = 0;
    while (copy_elapsed < seconds_per_case / 3) {
        for (const auto& f : frames) std::memcpy(target.data, f.raw.data, f.raw.total() * f.raw.elemSize());
        copied += static_cast<long>(frames.size());
        copy_elapsed = std::chrono::duration<double>(bench_clock::now() - copy_start).count();
    }
    result.memcpy_fps = copied / copy_elapsed;
    // Keep the copies observable so they are not optimised away.
    if (target.at<std::uint16_t>(0, 0) == 1) std::puts("");
    return result;
}

/// Heap bytes in use (glibc's allocator, which OpenCV's buffers come from too).
std::size_t heap_in_use() {
    const auto info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

/// Memory one camera's pipeline holds once it has run (its buffers persist between frames, so this is its
/// peak too), and the kernel's high-water mark over the same run as a cross-check.
void peak_memory(int width, int height, bool snapshots) {
    SceneRenderer scene(bench_scene(width, height, 3));
    std::vector<cv::Mat> raws;
    for (int i = 0; i < frames_per_visit; ++i) raws.push_back(scene.render(i));
    {
        std::ofstream reset("/proc/self/clear_refs");
        reset << "5";  // resets VmHWM to the current RSS (Linux >= 4.0)
    }
    const long rss_before = read_status_kb("VmRSS:");
    const std::size_t heap_before = heap_in_use();
    std::size_t heap_peak = heap_before;
    ScreeningConfig config;
    config.reference.mode = ReferenceConfig::Mode::automatic;
    if (snapshots) config.snapshot_dir = std::filesystem::temp_directory_path() / "gatehouse-vision-bench";
    {
        ScreeningPipeline pipeline(config);
        for (int i = 0; i < frames_per_visit; ++i) {
            Frame f;
            f.index = i;
            f.time_ms = i * 33;
            f.raw = raws[static_cast<std::size_t>(i)];
            pipeline.process(f);
            heap_peak = std::max(heap_peak, heap_in_use());
        }
    }
    if (snapshots) std::filesystem::remove_all(*config.snapshot_dir);
    const long hwm = read_status_kb("VmHWM:");
    std::printf("memory per camera at %dx%d, 3 people%s: heap peak %.2f MB; RSS high-water +%.2f MB\n", width, height,
                snapshots ? ", snapshots on" : "", (heap_peak - heap_before) / 1048576.0, (hwm - rss_before) / 1024.0);
}

}  // namespace

int main() {
    cv::setNumThreads(1);
    std::printf("vision_bench: whole screening pipeline, one thread (cv::setNumThreads(1)), %d-frame visits\n",
                frames_per_visit);
    std::printf("%-9s %6s %14s %12s %16s %10s\n", "size", "people", "pipeline fps", "us/frame", "memcpy fps",
                "screened");
    for (const auto& [w, h] : {std::pair{160, 120}, std::pair{384, 288}, std::pair{640, 512}}) {
        for (int people : {0, 1, 3}) {
            const auto r = run_case(w, h, people);
            char size[16];
            std::snprintf(size, sizeof size, "%dx%d", w, h);
            std::printf("%-9s %6d %14.0f %12.1f %16.0f %10ld\n", size, people, r.pipeline_fps, r.us_per_frame,
                        r.memcpy_fps, r.screenings);
        }
    }
    peak_memory(640, 512, false);
    peak_memory(640, 512, true);
    peak_memory(160, 120, false);
    return 0;
}
