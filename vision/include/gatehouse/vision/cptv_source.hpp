#pragma once
// Replay of CPTV v2 recordings (Cacophony Project thermal video, e.g. FLIR Lepton 3.5 at 160x120).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "gatehouse/vision/frame_source.hpp"

namespace gatehouse::vision {

class CptvGzipReader;

/// What a CPTV file's header section says about the recording (fields the decoder does not know are skipped).
struct CptvHeader {
    int width = 0;                             ///< 'X': columns.
    int height = 0;                            ///< 'Y': rows.
    int compression = 0;                       ///< 'C': 0 = raw, 1 = snake-order delta with bit packing.
    std::optional<double> fps;                 ///< 'Z': nominal frame rate, when recorded.
    std::optional<std::uint64_t> timestamp_us; ///< 'T': recording start, microseconds since the Unix epoch.
    std::string device_name;                   ///< 'D'
    std::string model;                         ///< 'E', e.g. "lepton3.5".
    std::string brand;                         ///< 'B', e.g. "flir".
    std::string firmware;                      ///< 'V'
};

/// Decodes a CPTV v2 stream (gzip, "CPTV", version 2, header section, frame sections) frame by frame, reading
/// the file incrementally. Frame.time_ms is the camera's 't' (ms since power-on) relative to the first frame;
/// Frame.since_ffc_ms is 't' minus 'c' (last flat-field correction). Sizes are bounded from the header
/// (width*height <= 4096*4096) and every frame is checked against them, so corrupt input gives FrameError,
/// never an out-of-bounds read. Because each frame is a delta against the previous one, the stream cannot
/// resume after a corrupt frame: after a FrameError, next() returns std::nullopt.
/// Not thread-safe; non-copyable.
class CptvSource final : public FrameSource {
public:
    /// Frame rate reported when the header carries none (FLIR Lepton 3.5 delivers about 8.7 frames/s).
    static constexpr double default_fps = 8.7;
    /// Largest frame accepted, in pixels; bounds every allocation the decoder makes.
    static constexpr std::int64_t max_pixels = 4096LL * 4096LL;

    /// Opens a file and reads its header. Throws SourceUnavailable if the file cannot be opened, FrameError
    /// (naming the file and "header") if it is not a valid CPTV v2 stream.
    explicit CptvSource(const std::filesystem::path& file);
    /// Decodes an in-memory copy of a CPTV stream; `name` is used in describe() and error messages.
    CptvSource(std::vector<std::uint8_t> bytes, std::string name);
    ~CptvSource() override;
    CptvSource(const CptvSource&) = delete;
    CptvSource& operator=(const CptvSource&) = delete;

    std::optional<Frame> next() override;
    /// The header's 'Z' field when present and non-zero, otherwise default_fps.
    double fps() const override;
    /// "cptv:" followed by the path (or the name given for in-memory input).
    std::string describe() const override;
    /// The parsed header section.
    const CptvHeader& header() const noexcept { return header_; }

private:
    struct FrameFields;
    void read_preamble();
    /// Reads one field list into `on_field(code, data)`; `where` names the section for errors.
    using FieldVisitor = std::function<void(std::uint8_t code, std::span<const std::uint8_t> data)>;
    void read_fields(const std::string& where, const FieldVisitor& on_field);
    void read_exact(std::uint8_t* out, std::size_t size, const std::string& where);
    void skip_exact(std::uint64_t size, const std::string& where);
    std::optional<Frame> decode_next();
    void decode_delta_frame(const FrameFields& fields, const std::string& where);
    void decode_raw_frame(const FrameFields& fields, const std::string& where);
    [[noreturn]] void fail(const std::string& where, const std::string& what) const;

    std::string description_;
    std::unique_ptr<CptvGzipReader> input_;
    CptvHeader header_;
    cv::Mat current_;                     ///< Last decoded frame (CV_16UC1); the base of the next delta.
    std::vector<std::uint8_t> payload_;   ///< Reused buffer for one frame's packed data.
    std::int64_t next_index_ = 0;
    std::optional<std::uint32_t> previous_time_on_;
    std::int64_t elapsed_ms_ = 0;
    bool finished_ = false;
};

/// Decodes a whole CPTV stream held in memory, calling `on_frame` (may be empty) for each frame in order, and
/// returns the number of frames. Throws FrameError for corrupt or truncated input. For tests and fuzzers.
std::size_t decode_cptv(std::span<const std::uint8_t> bytes, const std::function<void(const Frame&)>& on_frame = {});

}  // namespace gatehouse::vision
