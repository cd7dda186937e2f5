#include "gatehouse/vision/screening_pipeline.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "gatehouse/vision/evidence_snapshot.hpp"

namespace gatehouse::vision {

namespace {

constexpr std::size_t max_samples_used = 8;

constexpr std::size_t reasons_kept = 6;
// A screened head narrower than this fraction of the measuring range's lower limit has left the mark.
constexpr double left_mark_scale = 0.75;
// Beyond an automatic reference's lock time, how long it may take to be found at the start of a stream.
constexpr std::int64_t reference_start_grace_ms = 1000;
// An outline this many times as wide as the face standing in it has merged with someone else's.
constexpr double grown_outline = 1.3;
// A screened head seen this recently is still "right there" for a head that appears beside it.
constexpr std::int64_t just_seen_ms = 300;

double median_of_last(const std::vector<double>& values, std::size_t count) {
    std::vector<double> last(values.end() - static_cast<std::ptrdiff_t>(std::min(count, values.size())), values.end());
    std::sort(last.begin(), last.end());
    const std::size_t n = last.size();
    return n % 2 ? last[n / 2] : 0.5 * (last[n / 2 - 1] + last[n / 2]);
}

// The reason that held most often over the last frames: how things stood when the person was there. Ties go
// to the most recent reason.
UncertainReason dominant_reason(const std::deque<UncertainReason>& reasons) {
    UncertainReason top = UncertainReason::moving;
    long most = 0;
    for (auto r = reasons.rbegin(); r != reasons.rend(); ++r) {
        const long count = std::count(reasons.begin(), reasons.end(), *r);
        if (count > most) {
            most = count;
            top = *r;
        }
    }
    return top;
}

cv::Rect grown(const cv::Rect& r, double by) {
    const int dx = static_cast<int>(std::ceil(r.width * by)), dy = static_cast<int>(std::ceil(r.height * by));
    return {r.x - dx, r.y - dy, r.width + 2 * dx, r.height + 2 * dy};
}

ScreeningConfig validated(ScreeningConfig config) {
    config.validate();
    return config;
}

}  // namespace

ScreeningPipeline::ScreeningPipeline(ScreeningConfig config)
    : config_(validated(std::move(config))),
      reference_(config_.reference),
      detector_(config_.heads),
      tracker_(config_.heads.lost_after_ms),
      baseline_(config_.baseline) {
    detector_.keep_rejected(config_.explain);
}

const PipelineOutput& ScreeningPipeline::process(const Frame& frame) {
    output_.screenings.clear();
    output_.health.reset();
    output_.error.reset();
    output_.explanation.reset();
    if (frame.raw.empty() || frame.raw.type() != CV_16UC1) {
        output_.error = "frame " + std::to_string(frame.index) + ": expected a non-empty 16-bit single-channel image";
        return output_;
    }
    if (frame_size_ && *frame_size_ != frame.raw.size()) {
        output_.error = "frame " + std::to_string(frame.index) + ": size " + std::to_string(frame.raw.cols) + "x" +
                        std::to_string(frame.raw.rows) + " differs from the stream's " +
                        std::to_string(frame_size_->width) + "x" + std::to_string(frame_size_->height);
        return output_;
    }
    frame_size_ = frame.raw.size();
    const bool skip_ffc = frame.since_ffc_ms && *frame.since_ffc_ms >= 0 && *frame.since_ffc_ms < config_.heads.ffc_skip_ms;
    health_.on_frame(frame, skip_ffc);

    reduced_.build(frame.raw, config_.radiometry, config_.orientation, config_.detection_width);
    const double background = background_level(reduced_.celsius());
    const ReferenceStatus& reference =
        reference_.update(frame.raw, config_.radiometry, reduced_, background, frame.time_ms);
    health_.on_reference(reference);
    if (!first_frame_ms_) first_frame_ms_ = frame.time_ms;
    if (reference.state == ReferenceState::ok) reference_found_ = true;
    offset_ = reference.offset_celsius.value_or(0.0);

    std::optional<cv::Rect> exclude;
    if (reference.source_area) exclude = reduced_.source_to_reduced(grown(*reference.source_area, 0.5));
    const auto& heads = detector_.detect(reduced_.celsius(), background, offset_, exclude);
    tracker_.update(heads, frame.time_ms, reduced_.celsius().size());
    if (config_.explain) {
        FrameExplanation& e = output_.explanation.emplace();
        e.frame = frame.index;
        e.time_ms = frame.time_ms;
        e.room_celsius = background;
        e.skin_celsius = detector_.skin_level();
        e.reference = reference.state;
        e.reference_core = reference.core_area;
        e.reference_celsius = reference.reading_celsius;
        e.offset_celsius = reference.offset_celsius;
        e.ffc = skip_ffc;
        for (const auto& h : heads) e.candidates.push_back({reduced_.to_source(h.box), "head"});
        for (const auto& [box, why] : detector_.rejected()) e.candidates.push_back({reduced_.to_source(box), why});
    }

    const auto& rules = config_.heads;
    std::erase_if(screened_places_, [&](const ScreenedPlace& place) {
        return frame.time_ms - place.last_ms > rules.same_person_gap_ms;
    });
    for (const auto& track : tracker_.tracks()) {
        if (!track.seen) continue;
        auto [it, created] = progress_.try_emplace(track.id);
        Progress& progress = it->second;
        if (created) {
            progress.born_in_range = in_range(track);
            progress.born_near = in_range(track, left_mark_scale);
            if (progress.born_in_range) {
                for (const auto& place : screened_places_)
                    if ((place.box & track.box).area() > 0) progress.beside = place.person;
            }
        }
        step(track, progress, frame, skip_ffc);
        if (progress.decided && progress.person != 0) {
            // Where each screened person is while in view: a head that appears right there, as big, soon
            // after losing them (a turned head, a flicker) is them again.
            auto place = std::find_if(screened_places_.begin(), screened_places_.end(),
                                      [&](const ScreenedPlace& p) { return p.person == progress.person; });
            if (place == screened_places_.end()) place = screened_places_.insert(screened_places_.end(), {progress.person});
            place->box = track.box;
            place->last_ms = frame.time_ms;
        }
        if (output_.explanation) {
            output_.explanation->tracks.push_back({track.id, progress.person, reduced_.to_source(track.box),
                                                   progress.state, progress.note, progress.reading,
                                                   track.motion(rules.motion_window_ms),
                                                   static_cast<int>(progress.samples.size())});
        }
    }
    for (const auto& track : tracker_.take_lost()) {
        const auto it = progress_.find(track.id);
        if (it == progress_.end()) continue;
        // Someone who was in measuring range only for a moment (a hand, a turned head, a flicker) is not
        // worth an uncertain screening.
        const auto& p = it->second;
        // Nor is a head that appeared at the mark and only ever moved there (a hand, someone turning away to
        // leave whose head the tracker picked up anew): nobody came to the mark and stood.
        const bool was_there = p.in_range_ms && p.frames_in_range >= config_.heads.min_samples &&
                               p.time_ms - *p.in_range_ms >= config_.heads.sample_ms &&
                               !(p.born_in_range && p.still_frames == 0);
        if (!it->second.decided && was_there && !leaving_echo(p)) {
            const bool have_frame = evidence_index_ == it->second.frame;
            output_.screenings.push_back(
                decide(track, it->second, have_frame ? &evidence_frame_ : nullptr, evidence_offset_));
        }
        progress_.erase(it);
    }
    if (health_.take_report_due()) output_.health = health_.snapshot();
    return output_;
}

bool ScreeningPipeline::in_range(const HeadTrack& track, double scale) const {
    const int width = reduced_.to_oriented_full(track.box).width;
    const double fraction = static_cast<double>(width) / reduced_.oriented_size().width;
    // A face half hidden by the one it touches is as near as that one: it has reached the mark too.
    const double group_fraction =
        static_cast<double>(std::max(track.box.width, track.neighbour_width)) / reduced_.celsius().cols;
    const int widest = std::max(width, track.neighbour_width * reduced_.factor());
    return std::max(fraction, group_fraction) >= scale * config_.heads.min_width_fraction &&
           widest >= scale * config_.heads.min_face_pixels;
}

std::optional<std::int64_t> ScreeningPipeline::screened_here(const HeadTrack& track, std::int64_t time_ms) const {
    for (const auto& place : screened_places_) {
        const double ratio = static_cast<double>(track.box.width) / std::max(1, place.box.width);
        const double shared = (place.box & track.box).area();
        // Found again after a flicker or a turn: as big, in the same place.
        if (ratio > 0.75 && ratio < 1.33 && shared >= 0.5 * std::min(place.box.area(), track.box.area()))
            return place.person;
        // Still in view a moment ago and inside this outline: the same head, whose outline merged with a
        // neighbour's for a few frames.
        if (time_ms - place.last_ms <= just_seen_ms && ratio >= 1.0 && ratio < 2.6 && shared >= 0.6 * place.box.area())
            return place.person;
    }
    return std::nullopt;
}

void ScreeningPipeline::step(const HeadTrack& track, Progress& progress, const Frame& frame, bool skip_ffc) {
    progress.note = "";
    progress.reading.reset();
    if (!track.arrived) {  // fixtures that never moved are not people
        progress.state = "fixture";
        return;
    }
    const auto& rules = config_.heads;
    const bool near = in_range(track);
    if (progress.decided) {
        // Same person or someone new? The camera shows a new one when this head left the mark (walked back
        // out of measuring range) and came to it again.
        // (Clearly out of range: leaning back a little is not leaving.)
        if (!in_range(track, left_mark_scale)) progress.left_mark = true;
        if (!(near && progress.left_mark)) {
            progress.state = progress.state_when_decided;
            return;
        }
        progress = Progress{};
        progress.note = "returned";
    }
    if (progress.person == 0 && near) {
        // A head that walked up from further away is someone new. One that appears at (or just short of) the
        // mark, as big and where a screened person was a moment ago, is that person found again (a head
        // turned aside reads narrower for a moment).
        const auto again = progress.born_near ? screened_here(track, frame.time_ms) : std::nullopt;
        if (again) {
            progress.person = *again;
            progress.decided = true;
            progress.state = progress.state_when_decided = "same_person";
            return;
        }
        progress.person = next_person_++;
    }
    progress.state = "approaching";
    const cv::Rect head_full = reduced_.to_oriented_full(track.box);
    progress.source_box = reduced_.to_source(track.box);
    progress.frame = frame.index;
    progress.time_ms = frame.time_ms;
    const cv::Size small = reduced_.celsius().size();
    const double fraction = static_cast<double>(head_full.width) / reduced_.oriented_size().width;
    if (!near) return;  // not at the mark yet (or far)
    // Cut by the left or right edge: someone stepping in or out of view (or a shoulder left behind), not
    // someone at the mark.
    if (track.box.x <= 0 || track.box.x + track.box.width >= small.width) {
        progress.state = "edge";
        return;
    }
    // An automatic reference takes its lock time to be found when the stream starts: that is no fault, and
    // whoever is at the mark then waits for it (a track that ends meanwhile gets no screening of its own).
    if (reference_.status().state == ReferenceState::searching && !reference_found_ &&
        frame.time_ms - *first_frame_ms_ < config_.reference.lock_ms + reference_start_grace_ms) {
        progress.note = "waiting_for_reference";
        return;
    }
    progress.state = "measuring";
    if (!progress.in_range_ms) progress.in_range_ms = frame.time_ms;
    ++progress.frames_in_range;
    if (config_.snapshot_dir && evidence_index_ != frame.index) {
        frame.raw.copyTo(evidence_frame_);
        evidence_index_ = frame.index;
        evidence_offset_ = offset_;
    }

    const bool cut_off = track.box.y <= 0;  // the top of the head is outside the frame: too close
    UncertainReason reason = UncertainReason::none;
    if (skip_ffc) {
        reason = UncertainReason::ffc;
    } else if (reference_.status().blocks_screening()) {
        reason = UncertainReason::reference_fault;
    } else if (fraction > rules.max_width_fraction || cut_off) {
        reason = UncertainReason::too_close;
    } else if (track.merged) {
        reason = UncertainReason::multiple_people;
    } else if (track.motion(rules.motion_window_ms) > rules.max_motion_fraction) {
        reason = UncertainReason::moving;
    } else {
        // A standing face keeps its size. An outline that grows well past it while the face stays where it
        // was has taken in someone stepping up behind or beside (whose forehead can be warmer than these
        // canthi): read inside the face's own box.
        const bool grown_over = !progress.face.empty() && track.box.width > grown_outline * progress.face.width &&
                                (progress.face & track.box).area() >= 0.8 * progress.face.area();
        if (!grown_over) progress.face = track.box;
        const cv::Rect measured = reduced_.to_oriented_full(grown_over ? progress.face : track.face);
        const auto reading = face_.measure(frame.raw, config_.radiometry, config_.orientation, measured, offset_,
                                           rules.glasses_contrast, detector_.skin_level());
        const double coldest_canthus = reference_.status().state == ReferenceState::ok ? rules.min_canthus_celsius
                                                                                       : rules.min_canthus_celsius - 4.0;
        if (reading) progress.reading = reading->canthus_celsius;
        // Colder than any living inner canthus (with a trusted reference: a warm thing), or hotter than any
        // skin (a hot drink or a heater inside an outline that merged with a face): not this face's canthi.
        const bool too_cold = reading && reading->canthus_celsius < coldest_canthus;
        if (too_cold || (reading && reading->canthus_celsius > rules.max_skin_celsius)) {
            progress.note = too_cold ? "too_cold_for_a_face" : "too_hot_for_a_face";
            --progress.frames_in_range;
            return;
        }
        if (!reading) {
            reason = UncertainReason::too_far;
        } else if (reading->glasses || reading->canthus_celsius - reading->face_celsius < rules.min_face_contrast) {
            reason = UncertainReason::face_occluded;
            if (progress.occluded_streak++ == 0) progress.occluded_since_ms = frame.time_ms;
            progress.occluded.push_back(reading->canthus_celsius + config_.body_offset_celsius);
        } else {
            // Readings taken while the face was still half hidden (it has since grown by a third) are not
            // this face's canthi.
            if (!progress.samples.empty() && track.face.width * 3 > progress.sampled_width * 4) {
                progress.samples.clear();
                progress.first_sample_ms.reset();
            }
            if (progress.samples.empty()) progress.sampled_width = track.face.width;
            if (!progress.first_sample_ms) progress.first_sample_ms = frame.time_ms;
            progress.samples.push_back(reading->canthus_celsius + config_.body_offset_celsius);
        }
    }
    progress.note = reason == UncertainReason::none ? "reading" : to_string(reason).data();
    if (reason != UncertainReason::face_occluded) progress.occluded_streak = 0;
    if (reason != UncertainReason::none) {
        progress.recent_reasons.push_back(reason);
        if (progress.recent_reasons.size() > reasons_kept) progress.recent_reasons.pop_front();
    }
    // The wait for a verdict runs from when the person last came to a halt.
    if (reason != UncertainReason::moving) ++progress.still_frames;
    if (reason == UncertainReason::moving) progress.still_ms.reset();
    else if (!progress.still_ms) progress.still_ms = frame.time_ms;

    const bool enough = static_cast<int>(progress.samples.size()) >= rules.min_samples &&
                        frame.time_ms - *progress.first_sample_ms >= rules.sample_ms;
    // Steadily occluded (glasses on): no point waiting for canthi that will not appear.
    const bool occluded = progress.samples.empty() && progress.occluded_streak >= 2 * rules.min_samples &&
                          frame.time_ms - progress.occluded_since_ms >= 2 * rules.sample_ms;
    const bool waited = occluded || (progress.still_ms && frame.time_ms - *progress.still_ms >= rules.decide_within_ms) ||
                        frame.time_ms - *progress.in_range_ms >= rules.max_wait_ms;
    if (!(enough || waited)) return;
    if (leaving_echo(progress)) {
        progress.person = progress.beside;
        progress.decided = true;
        progress.state = progress.state_when_decided = "same_person";
        return;
    }
    output_.screenings.push_back(decide(track, progress, &frame.raw, offset_));
}

bool ScreeningPipeline::leaving_echo(const Progress& progress) const {
    return progress.beside != 0 && static_cast<int>(progress.samples.size()) < config_.heads.min_samples &&
           progress.occluded.empty() && dominant_reason(progress.recent_reasons) == UncertainReason::moving;
}

Screening ScreeningPipeline::decide(const HeadTrack& track, Progress& progress, const cv::Mat* raw, double offset) {
    progress.decided = true;
    progress.state_when_decided = "screened";
    Screening s;
    s.frame = progress.frame;
    s.time_ms = progress.time_ms;
    // Numbered per person, not per track: a person found again keeps their number.
    s.track = progress.person != 0 ? progress.person : track.id;
    s.bbox = progress.source_box;
    const auto adaptive = baseline_.alarm_level();
    s.threshold_celsius = adaptive ? std::min(config_.threshold_celsius, *adaptive) : config_.threshold_celsius;

    if (static_cast<int>(progress.samples.size()) >= config_.heads.min_samples) {
        const double value = median_of_last(progress.samples, max_samples_used);
        s.celsius = value;
        s.frames_used = static_cast<int>(std::min(progress.samples.size(), max_samples_used));
        s.verdict = value >= s.threshold_celsius ? Verdict::elevated : Verdict::normal;
        if (s.verdict == Verdict::normal) baseline_.add_normal(value);
    } else {
        s.verdict = Verdict::uncertain;
        s.reason = dominant_reason(progress.recent_reasons);
        if (!progress.samples.empty()) {
            s.celsius = median_of_last(progress.samples, max_samples_used);
            s.frames_used = static_cast<int>(std::min(progress.samples.size(), max_samples_used));
        } else if (s.reason == UncertainReason::face_occluded && !progress.occluded.empty()) {
            s.celsius = median_of_last(progress.occluded, max_samples_used);
            s.frames_used = static_cast<int>(std::min(progress.occluded.size(), max_samples_used));
            // Occlusion only ever hides heat: a fever that shows through glasses is still a fever.
            if (*s.celsius >= s.threshold_celsius) {
                s.verdict = Verdict::elevated;
                s.reason = UncertainReason::none;
            }
        }
    }

    const bool wanted = s.verdict != Verdict::normal || config_.snapshot_all;
    if (config_.snapshot_dir && wanted && raw && !raw->empty()) {
        char name[96];
        std::snprintf(name, sizeof name, "frame-%06lld-track-%lld-%s.jpg", static_cast<long long>(s.frame),
                      static_cast<long long>(s.track), std::string(to_string(s.verdict)).c_str());
        const auto file =
            *config_.snapshot_dir / (config_.snapshot_prefix.empty() ? std::string(name) : config_.snapshot_prefix + "-" + name);
        char caption[96];
        if (s.celsius)
            std::snprintf(caption, sizeof caption, "%.1f C  %s%s%s", *s.celsius, std::string(to_string(s.verdict)).c_str(),
                          s.verdict == Verdict::uncertain ? ": " : "",
                          s.verdict == Verdict::uncertain ? std::string(to_string(s.reason)).c_str() : "");
        else
            std::snprintf(caption, sizeof caption, "uncertain: %s", std::string(to_string(s.reason)).c_str());
        if (auto written = write_evidence_snapshot(file, *raw, config_.radiometry, config_.orientation, offset, s.bbox,
                                                   s.verdict, caption))
            s.snapshot = written->string();
    }
    return s;
}

std::vector<Screening> ScreeningPipeline::finish() {
    std::vector<Screening> out;
    for (const auto& track : tracker_.take_all()) {
        const auto it = progress_.find(track.id);
        if (it == progress_.end()) continue;
        if (!it->second.decided && it->second.in_range_ms && !leaving_echo(it->second)) {
            const bool have_frame = evidence_index_ == it->second.frame;
            out.push_back(decide(track, it->second, have_frame ? &evidence_frame_ : nullptr, evidence_offset_));
        }
    }
    progress_.clear();
    return out;
}

}  // namespace gatehouse::vision
