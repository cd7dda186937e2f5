#include "gate_scene/sensor_model.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "gate_scene/random.hpp"

namespace gate_scene {
namespace {

/// splitmix64 as a counter-based generator: cheap enough to draw fresh noise for every pixel of every frame.
struct PixelNoise {
    std::uint64_t state;
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    /// Approximately standard normal: the sum of four 16-bit uniforms (Irwin-Hall), centred and scaled.
    float gaussian() {
        const std::uint64_t r = next();
        const std::uint32_t sum = static_cast<std::uint32_t>(r & 0xffff) + static_cast<std::uint32_t>((r >> 16) & 0xffff) +
                                  static_cast<std::uint32_t>((r >> 32) & 0xffff) + static_cast<std::uint32_t>(r >> 48);
        constexpr float scale = 1.7320508f / 65536.0f;  // sqrt(3): the sum of 4 U(0,1) has variance 1/3
        return (static_cast<float>(sum) - 131070.0f) * scale;
    }
};

}  // namespace

std::uint16_t to_centikelvin(double celsius) {
    const double v = std::round((celsius + 273.15) * 100.0);
    return static_cast<std::uint16_t>(std::clamp(v, 0.0, 65535.0));
}

double from_centikelvin(std::uint16_t value) { return value / 100.0 - 273.15; }

SensorModel::SensorModel(const CameraSpec& spec, int frame_count, std::uint64_t seed, bool effects)
    : fps_(spec.fps), temporal_noise_c_(spec.temporal_noise_c), seed_(seed), effects_(effects) {
    const int w = spec.width, h = spec.height;
    static_offset_ = cv::Mat::zeros(h, w, CV_32F);
    offsets_.assign(static_cast<std::size_t>(frame_count), 0.0);
    frozen_.assign(static_cast<std::size_t>(frame_count), false);
    if (!effects_) return;

    Random pattern(seed, "sensor/pattern");
    std::vector<float> columns(static_cast<std::size_t>(w));
    for (auto& c : columns) c = static_cast<float>(pattern.normal() * spec.column_noise_c);
    // Residual vignetting: mostly in the corners (quadratic plus quartic in the distance from the centre).
    const double cx = w / 2.0, cy = h / 2.0, corner = std::hypot(cx, cy);
    for (int y = 0; y < h; ++y) {
        auto* row = static_offset_.ptr<float>(y);
        for (int x = 0; x < w; ++x) {
            const double rho = std::hypot(x + 0.5 - cx, y + 0.5 - cy) / corner;
            const double rho2 = rho * rho;
            const double vignette = -spec.vignetting_c * (0.3 * rho2 + 0.7 * rho2 * rho2);
            row[x] = columns[static_cast<std::size_t>(x)] + static_cast<float>(pattern.normal() * spec.pixel_noise_c + vignette);
        }
    }

    // Drift: two slow sinusoids with drawn phases, peak about amplitude_c.
    Random drift(seed, "sensor/drift");
    const double phase1 = drift.uniform(0, 2 * std::numbers::pi), phase2 = drift.uniform(0, 2 * std::numbers::pi);
    const double a = spec.drift.amplitude_c, period = spec.drift.period_s;
    Random steps(seed, "sensor/ffc");
    struct Step {
        double start_s, end_s, step;  // frozen in [start, end); the offset steps at end
    };
    std::vector<Step> corrections;
    for (const double t : spec.ffc.times_s) {
        const double step = steps.sign() * steps.uniform(spec.ffc.max_step_c / 3, spec.ffc.max_step_c);
        corrections.push_back({t, t + spec.ffc.freeze_s, step});
    }
    for (int f = 0; f < frame_count; ++f) {
        const double t = f / fps_;
        double offset = a * (0.8 * std::sin(2 * std::numbers::pi * t / period + phase1) +
                             0.2 * std::sin(2 * std::numbers::pi * t / (0.45 * period) + phase2));
        for (const auto& c : corrections) {
            if (t >= c.end_s) offset += c.step;
            if (t >= c.start_s && t < c.end_s && f > 0) frozen_[static_cast<std::size_t>(f)] = true;
        }
        offsets_[static_cast<std::size_t>(f)] = offset;
    }
    for (const auto& c : corrections) {
        FfcEvent e;
        e.first_frame = -1;
        e.step_c = c.step;
        for (int f = 1; f < frame_count; ++f) {
            const double t = f / fps_;
            if (t >= c.start_s && t < c.end_s) {
                if (e.first_frame < 0) e.first_frame = f;
                e.last_frame = f;
            }
        }
        if (e.first_frame >= 0) ffc_.push_back(e);
    }
}

void SensorModel::expose(const cv::Mat& optical_c, int frame, cv::Mat& centikelvin) const {
    CV_Assert(optical_c.type() == CV_32F && optical_c.size() == static_offset_.size());
    centikelvin.create(optical_c.size(), CV_16U);
    const float offset = static_cast<float>(offset_c(frame));
    const float noise_scale = effects_ ? static_cast<float>(temporal_noise_c_) : 0.0f;
    PixelNoise noise{seed_ ^ (0xa0761d6478bd642fULL * static_cast<std::uint64_t>(frame + 1))};
    for (int y = 0; y < optical_c.rows; ++y) {
        const float* in = optical_c.ptr<float>(y);
        const float* fixed = static_offset_.ptr<float>(y);
        auto* out = centikelvin.ptr<std::uint16_t>(y);
        for (int x = 0; x < optical_c.cols; ++x) {
            const float n = noise_scale > 0 ? noise.gaussian() * noise_scale : 0.0f;
            const float kelvin100 = (in[x] + fixed[x] + offset + n + 273.15f) * 100.0f;
            out[x] = static_cast<std::uint16_t>(std::clamp(std::lrint(kelvin100), 0L, 65535L));
        }
    }
}

}  // namespace gate_scene
