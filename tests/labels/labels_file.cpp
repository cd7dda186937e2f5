#include "labels_file.hpp"

#include <fstream>

#include <nlohmann/json.hpp>

namespace gatehouse::test {
namespace {

using nlohmann::json;

/// Field access that names where the problem is instead of throwing nlohmann's type errors.
class Reader {
public:
    Reader(const json& object, std::string where) : object_(object), where_(std::move(where)) {
        if (!object_.is_object()) fail("", "is not an object");
    }

    const json& field(const std::string& name) const {
        const auto it = object_.find(name);
        if (it == object_.end()) fail(name, "is missing");
        return *it;
    }
    bool has_value(const std::string& name) const {
        const auto it = object_.find(name);
        return it != object_.end() && !it->is_null();
    }
    long integer(const std::string& name) const { return integer_of(field(name), name); }
    double number(const std::string& name) const {
        const json& value = field(name);
        if (!value.is_number()) fail(name, "is not a number");
        return value.get<double>();
    }
    bool boolean(const std::string& name) const {
        const json& value = field(name);
        if (!value.is_boolean()) fail(name, "is not true or false");
        return value.get<bool>();
    }
    std::string text(const std::string& name) const {
        const json& value = field(name);
        if (!value.is_string()) fail(name, "is not a string");
        return value.get<std::string>();
    }
    FrameSpan span(const std::string& name) const {
        const json& value = field(name);
        if (!value.is_array() || value.size() != 2) fail(name, "is not a [first, last] pair");
        return {integer_of(value[0], name), integer_of(value[1], name)};
    }
    std::optional<FrameSpan> optional_span(const std::string& name) const {
        field(name);  // must be present, may be null
        return has_value(name) ? std::optional(span(name)) : std::nullopt;
    }
    std::optional<SourceBox> optional_box(const std::string& name) const {
        field(name);
        if (!has_value(name)) return std::nullopt;
        const json& value = field(name);
        if (!value.is_array() || value.size() != 4) fail(name, "is not [x, y, w, h]");
        return SourceBox{integer_of(value[0], name), integer_of(value[1], name), integer_of(value[2], name),
                         integer_of(value[3], name)};
    }
    std::optional<long> optional_integer(const std::string& name) const {
        return has_value(name) ? std::optional(integer(name)) : std::nullopt;
    }

    [[noreturn]] void fail(const std::string& name, const std::string& what) const {
        throw LabelsError(where_ + (name.empty() ? "" : ": " + name) + " " + what);
    }

private:
    long integer_of(const json& value, const std::string& name) const {
        if (!value.is_number_integer()) fail(name, "is not an integer");
        return value.get<long>();
    }

    const json& object_;
    std::string where_;
};

PersonLabel person_from(const json& value, const std::string& where) {
    const Reader r(value, where);
    PersonLabel p;
    p.id = r.integer("id");
    p.same_person_as = r.optional_integer("same_person_as");
    p.in_view = r.span("in_view");
    p.at_kiosk = r.optional_span("at_kiosk");
    p.bbox = r.optional_box("bbox");
    r.field("bbox_frame");
    p.bbox_frame = r.optional_integer("bbox_frame");
    p.measurable = r.boolean("measurable");
    p.why = r.text("why");
    return p;
}

RecordingLabel recording_from(const json& value, std::size_t index) {
    const Reader r(value, "recording #" + std::to_string(index));
    RecordingLabel recording;
    recording.file = r.text("file");
    const std::string where = recording.file;
    const Reader named(value, where);
    recording.frames = named.integer("frames");
    recording.note = named.text("note");

    const Reader reference(named.field("reference"), where + ": reference");
    recording.reference.in_view = reference.boolean("in_view");
    recording.reference.bbox = reference.optional_box("bbox");
    recording.reference.note = reference.text("note");

    const json& people = named.field("people");
    if (!people.is_array()) named.fail("people", "is not an array");
    for (std::size_t i = 0; i < people.size(); ++i) {
        recording.people.push_back(person_from(people[i], where + ": people[" + std::to_string(i) + "]"));
    }
    return recording;
}

}  // namespace

LabelsFile load_labels(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) throw LabelsError("cannot open " + file.string());
    json document;
    try {
        document = json::parse(in);
    } catch (const json::parse_error& e) {
        throw LabelsError(file.string() + ": not valid JSON: " + e.what());
    }
    const Reader r(document, file.filename().string());
    LabelsFile labels;
    labels.version = static_cast<int>(r.integer("version"));
    labels.calibration_c = r.number("calibration_c");
    const json& recordings = r.field("recordings");
    if (!recordings.is_array()) r.fail("recordings", "is not an array");
    for (std::size_t i = 0; i < recordings.size(); ++i) labels.recordings.push_back(recording_from(recordings[i], i));
    return labels;
}

}  // namespace gatehouse::test
