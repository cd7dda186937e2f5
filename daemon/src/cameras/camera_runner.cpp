#include "gatehouse/daemon/camera_runner.hpp"

#include <opencv2/core/utility.hpp>
#include <spdlog/spdlog.h>

#include "gatehouse/ipc/terminal_codec.hpp"
#include "gatehouse/vision/frame_source_factory.hpp"
#include "gatehouse/vision/screening_pipeline.hpp"

namespace gatehouse::daemon {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kFirstBackoff = std::chrono::milliseconds(500);
constexpr auto kHealthEvery = std::chrono::milliseconds(1000);
// Many undecodable frames in a row mean the source is broken, not unlucky: reopen it.
constexpr int kMaxBadFramesInRow = 25;

// "cam1-20261207T150716.123Z": the camera and the moment this pipeline began. The pipeline numbers frames from
// zero, so without it a reopened camera (a fault, a replay's next pass, a reload, a daemon restart) would write
// its evidence under the names of earlier screenings.
std::string snapshot_prefix(const std::string& camera_id) {
    std::string stamp = ipc::format_utc_timestamp(ipc::utc_now_ms());
    std::erase_if(stamp, [](char c) { return c == '-' || c == ':'; });
    return camera_id + "-" + stamp;
}

}  // namespace

vision::ScreeningConfig screening_config_for(const CameraConfig& camera, const GateConfig& gate,
                                             const std::filesystem::path& default_snapshot_dir) {
    vision::ScreeningConfig config;
    const std::string where = "camera '" + camera.id + "': ";
    if (camera.units == "linear") config.radiometry = vision::Radiometry::linear(camera.gain, camera.offset);
    config.orientation = vision::Orientation(camera.rotate, camera.mirror);
    if (!camera.reference.empty()) {
        std::string error;
        const auto reference = vision::ReferenceConfig::parse(camera.reference, error);
        if (!reference) throw ConfigError(where + "reference: " + error);
        config.reference = *reference;
    }
    config.threshold_celsius = camera.threshold.value_or(gate.policy.fever_threshold);
    config.body_offset_celsius = camera.body_offset;
    config.baseline.enabled = camera.adaptive;
    config.snapshot_dir = camera.snapshot_dir.value_or(default_snapshot_dir / camera.id);
    try {
        config.validate();
    } catch (const std::invalid_argument& e) {
        throw ConfigError(where + e.what());
    }
    return config;
}

CameraRunner::CameraRunner(CameraReportQueue& reports, CameraConfig camera, vision::ScreeningConfig screening)
    : reports_(reports),
      camera_(std::move(camera)),
      screening_(std::move(screening)),
      thread_([this] { run(); }) {}

CameraRunner::~CameraRunner() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

bool CameraRunner::pause(std::chrono::milliseconds duration) {
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, duration, [this] { return stopping_.load(); });
}

void CameraRunner::run() {
    // OpenCV's own worker threads would compete with the reactor and the other cameras for two cores.
    cv::setNumThreads(1);
    // The reactor's queue is large; if it is ever full, a stale report is not worth blocking a camera for (the
    // queue counts what it drops).
    auto screened = [&](const vision::Screening& s) { reports_.push(CameraScreening{camera_.id, s}); };
    auto fault = [&](const std::string& message, std::chrono::milliseconds retry_in) {
        spdlog::warn("camera {}: {}; retrying in {} ms", camera_.id, message, retry_in.count());
        reports_.push(CameraFault{camera_.id, message, retry_in});
    };

    vision::SourceOptions options;
    options.fps = camera_.fps;
    auto backoff = std::chrono::milliseconds(kFirstBackoff);
    const bool live = camera_.source.rfind("v4l2:", 0) == 0;
    // The frame size the camera has been screening at: a source that comes back at another size is a fault
    // (positions such as a fixed blackbody rectangle no longer mean what they did); after the backoff it is
    // screened at its new size.
    cv::Size screened_size;
    while (!stopping_.load()) {
        std::unique_ptr<vision::FrameSource> source;
        try {
            source = vision::open_frame_source(camera_.source, options);
        } catch (const std::exception& e) {
            fault(e.what(), backoff);
            if (!pause(backoff)) return;
            backoff = std::min(backoff * 2, camera_.max_backoff);
            continue;
        }
        spdlog::info("camera {} (gate {}): screening from {}", camera_.id, camera_.gate, source->describe());
        vision::ScreeningConfig screening = screening_;
        screening.snapshot_prefix = snapshot_prefix(camera_.id);
        vision::ScreeningPipeline pipeline(screening);
        const auto started = Clock::now();
        auto next_health = started;
        int bad_in_row = 0;
        std::int64_t good_frames = 0;
        std::string last_frame_error;
        std::string failure;
        for (;;) {
            if (stopping_.load()) return;
            std::optional<vision::Frame> frame;
            try {
                frame = source->next();
            } catch (const vision::FrameError& e) {
                last_frame_error = e.what();
                if (++bad_in_row < kMaxBadFramesInRow) continue;
                failure = std::string("frames cannot be decoded: ") + e.what();
                break;
            } catch (const std::exception& e) {
                failure = e.what();
                break;
            }
            if (!frame) {
                for (const auto& s : pipeline.finish()) screened(s);
                // A replayed source with no good frame in a whole pass would otherwise be reopened at full speed.
                if (good_frames == 0 && bad_in_row > 0) {
                    failure = "frames cannot be decoded: " + last_frame_error;
                    break;
                }
                if (camera_.loop && !live) break;  // replay from the start at once
                failure = "the source " + source->describe() + " ended";
                break;
            }
            if (camera_.realtime && !live) {
                const auto due = started + std::chrono::milliseconds(frame->time_ms);
                if (due > Clock::now() && !pause(std::chrono::duration_cast<std::chrono::milliseconds>(due - Clock::now()))) return;
            }
            if (screened_size.empty()) screened_size = frame->raw.size();
            if (frame->raw.size() != screened_size) {
                failure = "frame size changed from " + std::to_string(screened_size.width) + "x" +
                          std::to_string(screened_size.height) + " to " + std::to_string(frame->raw.cols) + "x" +
                          std::to_string(frame->raw.rows);
                screened_size = frame->raw.size();
                break;
            }
            const auto& out = pipeline.process(*frame);
            if (out.error) {
                last_frame_error = *out.error;
                if (++bad_in_row < kMaxBadFramesInRow) continue;
                failure = *out.error;
                break;
            }
            bad_in_row = 0;
            ++good_frames;
            backoff = kFirstBackoff;
            for (const auto& s : out.screenings) screened(s);
            const auto now = Clock::now();
            if (out.health || now >= next_health) {
                reports_.push(CameraHealthReport{camera_.id, pipeline.health()});
                next_health = now + kHealthEvery;
            }
        }
        if (failure.empty()) continue;
        fault(failure, backoff);
        if (!pause(backoff)) return;
        backoff = std::min(backoff * 2, camera_.max_backoff);
    }
}

}  // namespace gatehouse::daemon
