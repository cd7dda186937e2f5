#pragma once
// The per-person result of thermal screening, as the daemon and the CLI consume it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>
#include <opencv2/core/types.hpp>

namespace gatehouse::vision {

/// Outcome of one person's screening.
enum class Verdict { normal, elevated, uncertain };

/// Why a screening is `uncertain` (none for normal / elevated).
enum class UncertainReason {
    none,
    too_far,          ///< the head never got big enough for the inner canthi to cover enough pixels
    too_close,        ///< the head was cut by the frame edge or larger than the optics allow
    moving,           ///< the person never held still long enough for several consistent frames
    face_occluded,    ///< glasses, hat or hair cover the inner canthi
    multiple_people,  ///< heads overlap so that one person cannot be isolated
    reference_fault,  ///< the blackbody reference was missing or unstable while the person was at the mark
    ffc,              ///< the camera was in / just after a flat-field correction the whole time
};

std::string_view to_string(Verdict verdict);
std::string_view to_string(UncertainReason reason);

/// One screening: exactly one per person (track) passing the camera.
struct Screening {
    std::int64_t frame = 0;        ///< 0-based index of the deciding frame in the source.
    std::int64_t time_ms = 0;      ///< That frame's time since the start of the source.
    std::int64_t track = 0;        ///< Track id, unique within one pipeline's lifetime.
    cv::Rect bbox;                 ///< Head box in the source frame's own coordinates (before orientation).
    std::optional<double> celsius; ///< Reported temperature (body offset applied); empty when never measured.
    Verdict verdict = Verdict::uncertain;
    UncertainReason reason = UncertainReason::none;
    int frames_used = 0;           ///< How many frames the robust statistic was taken over.
    double threshold_celsius = 0;  ///< The alarm threshold that was in force (absolute or adaptive).
    std::optional<std::string> snapshot;  ///< Path of the evidence JPEG, when one was written.
};

/// JSON object {"type":"screening", frame, time_ms, track, bbox:[x,y,w,h], celsius|null, verdict,
/// reason|null, frames_used, threshold, snapshot|null}. The field names live here and nowhere else.
nlohmann::json to_json(const Screening& screening);

}  // namespace gatehouse::vision
