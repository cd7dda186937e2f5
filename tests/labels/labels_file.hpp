#pragma once
// The eye-made labels of real thermal recordings (tests/data/feverscreen-labels.json, described in
// tests/data/LABELS.md), decoded once into typed values so checks and evaluations never touch raw JSON.
#include <array>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace gatehouse::test {

/// A closed frame interval [first, last], 0-based frame indices as the CPTV decoder delivers them.
struct FrameSpan {
    long first = 0;
    long last = 0;
};

/// A rectangle in SOURCE coordinates (the recording's own orientation): x, y, width, height.
using SourceBox = std::array<long, 4>;

/// One person (or one visit of a person) seen in a recording.
struct PersonLabel {
    long id = 0;
    std::optional<long> same_person_as;  ///< Set on a second visit of the same person.
    FrameSpan in_view;                   ///< Any part of the head in the frame.
    std::optional<FrameSpan> at_kiosk;   ///< Standing at the kiosk; none for passers-by and people at an edge.
    std::optional<SourceBox> bbox;       ///< The face at bbox_frame (given when at_kiosk is).
    std::optional<long> bbox_frame;
    bool measurable = false;
    std::string why;
};

/// Whether and where the kiosk's heated round reference is in view.
struct ReferenceLabel {
    bool in_view = false;
    std::optional<SourceBox> bbox;
    std::string note;
};

/// The labels of one recording.
struct RecordingLabel {
    std::string file;  ///< Relative to tests/data.
    long frames = 0;   ///< Frames the decoder delivers.
    ReferenceLabel reference;
    std::vector<PersonLabel> people;
    std::string note;
};

/// The whole labels file.
struct LabelsFile {
    int version = 0;
    double calibration_c = 0;
    std::vector<RecordingLabel> recordings;
};

/// Thrown for a labels file that is not valid JSON or does not have the documented shape; the message names the
/// recording and the field.
class LabelsError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Reads and decodes a labels file. Every field is type-checked (no defaults for missing or mistyped fields).
LabelsFile load_labels(const std::filesystem::path& file);

}  // namespace gatehouse::test
