// CPTV v2 decoder, written from the public format description (TheCacophonyProject/go-cptv SPECv2.md, and its
// compress.go for compression scheme 1, which the spec leaves out).
//
// Layout after gunzip: "CPTV", version byte 2, then sections. A section is a type byte ('H' header, 'F' frame),
// a field count, and that many fields of [length byte][code byte][data]. A frame section is followed by 'f'
// bytes of pixel data. Scheme 1 stores, per frame, the difference to the previous frame (the first frame is
// against zeros), walked in snake order (even rows left to right, odd rows right to left): the first
// difference as a little-endian int32, then the differences between consecutive differences as w-bit
// two's-complement integers packed most significant bit first.
#include "gatehouse/vision/cptv_source.hpp"

#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <utility>

#include "cptv_gzip_reader.hpp"

namespace gatehouse::vision {
namespace {

constexpr std::array<std::uint8_t, 4> magic = {'C', 'P', 'T', 'V'};
constexpr std::uint8_t supported_version = 2;
constexpr std::uint8_t header_section = 'H';
constexpr std::uint8_t frame_section = 'F';
constexpr std::int64_t max_pixel_value = std::numeric_limits<std::uint16_t>::max();
// A step in 't' this large can only be the camera's clock going backwards (it wraps after 49 days).
constexpr std::uint32_t backwards_step = 0x80000000u;

std::uint32_t little_endian_u32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8U) |
           (static_cast<std::uint32_t>(p[2]) << 16U) | (static_cast<std::uint32_t>(p[3]) << 24U);
}

std::uint64_t little_endian_u64(const std::uint8_t* p) {
    return static_cast<std::uint64_t>(little_endian_u32(p)) |
           (static_cast<std::uint64_t>(little_endian_u32(p + 4)) << 32U);
}

std::string field_name(std::uint8_t code) {
    if (code >= 0x20 && code < 0x7f) {
        return std::string("'") + static_cast<char>(code) + "'";
    }
    return "0x" + std::to_string(code);
}

}  // namespace

/// The frame-section fields the decoder uses; unknown fields (e.g. 'a', 'b' sensor temperatures) are skipped.
struct CptvSource::FrameFields {
    std::optional<std::uint32_t> time_on;      ///< 't'
    std::optional<std::uint32_t> last_ffc;     ///< 'c'
    std::optional<std::uint8_t> bit_width;     ///< 'w'
    std::optional<std::uint32_t> frame_size;   ///< 'f'
    bool background = false;                   ///< 'g': a background image stored before the recording.
};

CptvSource::CptvSource(const std::filesystem::path& file)
    : description_("cptv:" + file.string()) {
    try {
        input_ = std::make_unique<CptvGzipReader>(file);
    } catch (const SourceUnavailable& e) {
        throw SourceUnavailable(description_ + ": " + e.what());
    }
    read_preamble();
}

CptvSource::CptvSource(std::vector<std::uint8_t> bytes, std::string name)
    : description_("cptv:" + std::move(name)), input_(std::make_unique<CptvGzipReader>(std::move(bytes))) {
    read_preamble();
}

CptvSource::~CptvSource() = default;

double CptvSource::fps() const {
    return header_.fps.value_or(default_fps);
}

std::string CptvSource::describe() const {
    return description_;
}

void CptvSource::fail(const std::string& where, const std::string& what) const {
    throw FrameError(description_ + ": " + where + ": " + what);
}

void CptvSource::read_exact(std::uint8_t* out, std::size_t size, const std::string& where) {
    std::size_t got = 0;
    try {
        got = input_->read(out, size);
    } catch (const std::runtime_error& e) {
        fail(where, e.what());
    }
    if (got != size) {
        fail(where, "file ends early (truncated)");
    }
}

void CptvSource::skip_exact(std::uint64_t size, const std::string& where) {
    std::array<std::uint8_t, 4096> scratch{};
    while (size > 0) {
        const auto chunk = static_cast<std::size_t>(std::min<std::uint64_t>(size, scratch.size()));
        read_exact(scratch.data(), chunk, where);
        size -= chunk;
    }
}

void CptvSource::read_fields(const std::string& where, const FieldVisitor& on_field) {
    std::uint8_t count = 0;
    read_exact(&count, 1, where);
    // A field holds at most 255 bytes, so one fixed buffer covers every field.
    std::array<std::uint8_t, 255> data{};
    for (int i = 0; i < count; ++i) {
        std::array<std::uint8_t, 2> length_and_code{};
        read_exact(length_and_code.data(), length_and_code.size(), where);
        const std::size_t length = length_and_code[0];
        read_exact(data.data(), length, where);
        on_field(length_and_code[1], std::span<const std::uint8_t>(data.data(), length));
    }
}

void CptvSource::read_preamble() {
    const std::string where = "header";
    std::array<std::uint8_t, 6> start{};
    read_exact(start.data(), start.size(), where);
    if (!std::equal(magic.begin(), magic.end(), start.begin())) {
        fail(where, "not a CPTV stream (magic bytes missing)");
    }
    if (start[4] != supported_version) {
        fail(where, "unsupported CPTV version " + std::to_string(start[4]) + " (only version 2 is supported)");
    }
    if (start[5] != header_section) {
        fail(where, "expected the header section 'H', found " + field_name(start[5]));
    }

    std::optional<std::uint32_t> width;
    std::optional<std::uint32_t> height;
    std::optional<std::uint8_t> compression;
    auto expect_length = [&](std::uint8_t code, std::span<const std::uint8_t> data, std::size_t length) {
        if (data.size() != length) {
            fail(where, "field " + field_name(code) + " has " + std::to_string(data.size()) + " bytes, expected " +
                            std::to_string(length));
        }
    };
    read_fields(where, [&](std::uint8_t code, std::span<const std::uint8_t> data) {
        const auto text = [&] { return std::string(data.begin(), data.end()); };
        switch (code) {
            case 'X': expect_length(code, data, 4); width = little_endian_u32(data.data()); break;
            case 'Y': expect_length(code, data, 4); height = little_endian_u32(data.data()); break;
            case 'C': expect_length(code, data, 1); compression = data[0]; break;
            case 'Z':
                expect_length(code, data, 1);
                if (data[0] > 0) {
                    header_.fps = static_cast<double>(data[0]);
                }
                break;
            case 'T': expect_length(code, data, 8); header_.timestamp_us = little_endian_u64(data.data()); break;
            case 'D': header_.device_name = text(); break;
            case 'E': header_.model = text(); break;
            case 'B': header_.brand = text(); break;
            case 'V': header_.firmware = text(); break;
            default: break;  // Optional fields the decoder has no use for (location, motion config, ...).
        }
    });

    if (!width || !height || !compression) {
        fail(where, "missing a compulsory field (X, Y and C are required)");
    }
    // Each side is bounded before the product, which would overflow even 64 bits for two 32-bit sides.
    if (*width == 0 || *height == 0 || *width > max_pixels || *height > max_pixels ||
        static_cast<std::int64_t>(*width) * static_cast<std::int64_t>(*height) > max_pixels) {
        fail(where, "frame size " + std::to_string(*width) + "x" + std::to_string(*height) +
                        " is empty or larger than 4096*4096 pixels");
    }
    if (*compression > 1) {
        fail(where, "unsupported compression scheme " + std::to_string(*compression));
    }
    header_.width = static_cast<int>(*width);
    header_.height = static_cast<int>(*height);
    header_.compression = *compression;
    current_ = cv::Mat::zeros(header_.height, header_.width, CV_16UC1);
}

std::optional<Frame> CptvSource::next() {
    if (finished_) {
        return std::nullopt;
    }
    try {
        return decode_next();
    } catch (...) {
        // The next frame is a delta against a frame we could not decode: nothing after this can be trusted.
        finished_ = true;
        throw;
    }
}

std::optional<Frame> CptvSource::decode_next() {
    while (true) {
        const std::string where = "frame " + std::to_string(next_index_);
        std::uint8_t section = 0;
        std::size_t got = 0;
        try {
            got = input_->read(&section, 1);
        } catch (const std::runtime_error& e) {
            fail(where, e.what());
        }
        if (got == 0) {
            finished_ = true;
            return std::nullopt;
        }
        if (section != frame_section) {
            fail(where, "expected a frame section 'F', found " + field_name(section));
        }

        FrameFields fields;
        read_fields(where, [&](std::uint8_t code, std::span<const std::uint8_t> data) {
            const auto need = [&](std::size_t length) {
                if (data.size() != length) {
                    fail(where, "field " + field_name(code) + " has " + std::to_string(data.size()) +
                                    " bytes, expected " + std::to_string(length));
                }
            };
            switch (code) {
                case 't': need(4); fields.time_on = little_endian_u32(data.data()); break;
                case 'c': need(4); fields.last_ffc = little_endian_u32(data.data()); break;
                case 'w': need(1); fields.bit_width = data[0]; break;
                case 'f': need(4); fields.frame_size = little_endian_u32(data.data()); break;
                case 'g': need(1); fields.background = data[0] != 0; break;
                default: break;
            }
        });
        if (!fields.bit_width || !fields.frame_size) {
            fail(where, "missing a compulsory field (w and f are required)");
        }
        if (header_.compression == 1) {
            decode_delta_frame(fields, where);
        } else {
            decode_raw_frame(fields, where);
        }
        if (fields.background) {
            // A background image is the base of the first delta but not part of the recording itself.
            continue;
        }

        if (fields.time_on) {
            if (previous_time_on_) {
                const std::uint32_t step = *fields.time_on - *previous_time_on_;  // wraps like the camera clock
                if (step < backwards_step) {
                    elapsed_ms_ += step;
                }  // else: the clock went backwards; hold time still so time_ms stays monotonic.
            }
            previous_time_on_ = fields.time_on;
        } else if (next_index_ > 0) {
            elapsed_ms_ += std::llround(1000.0 / fps());
        }

        Frame frame;
        // A copy, because current_ is the base of the next delta and the caller may modify its frame.
        frame.raw = current_.clone();
        frame.index = next_index_++;
        frame.time_ms = elapsed_ms_;
        if (fields.time_on && fields.last_ffc) {
            const std::uint32_t since = *fields.time_on - *fields.last_ffc;
            if (since < backwards_step) {
                frame.since_ffc_ms = since;
            }
        }
        return frame;
    }
}

void CptvSource::decode_delta_frame(const FrameFields& fields, const std::string& where) {
    const int width = header_.width;
    const int height = header_.height;
    const auto pixels = static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height);
    const unsigned bits = *fields.bit_width;
    if (bits < 1 || bits > 32) {
        fail(where, "bit width " + std::to_string(bits) + " outside 1..32");
    }
    const std::uint64_t needed = 4 + ((pixels - 1) * bits + 7) / 8;
    const std::uint64_t size = *fields.frame_size;
    if (size < needed) {
        fail(where, "frame data of " + std::to_string(size) + " bytes is too short for " + std::to_string(pixels) +
                        " pixels at " + std::to_string(bits) + " bits (" + std::to_string(needed) + " needed)");
    }
    if (size > 4 + 4 * pixels) {
        fail(where, "frame data of " + std::to_string(size) + " bytes is larger than any frame of this size");
    }
    payload_.resize(static_cast<std::size_t>(needed));
    read_exact(payload_.data(), payload_.size(), where);
    skip_exact(size - needed, where);

    const std::uint8_t* in = payload_.data();
    std::int64_t delta = static_cast<std::int32_t>(little_endian_u32(in));
    in += 4;
    const std::uint64_t value_mask = (1ULL << bits) - 1ULL;
    const std::uint64_t sign_bit = 1ULL << (bits - 1);
    std::uint64_t held_bits = 0;
    unsigned held_count = 0;

    auto* const out = current_.ptr<std::uint16_t>(0);  // current_ is continuous (allocated whole)
    bool first = true;
    for (int y = 0; y < height; ++y) {
        const bool reversed = (y % 2) == 1;
        std::uint16_t* const row = out + static_cast<std::ptrdiff_t>(y) * width;
        for (int k = 0; k < width; ++k) {
            if (!first) {
                while (held_count < bits) {
                    held_bits = (held_bits << 8U) | *in++;
                    held_count += 8;
                }
                held_count -= bits;
                const std::uint64_t raw = (held_bits >> held_count) & value_mask;
                held_bits &= (1ULL << held_count) - 1ULL;
                const std::int64_t step = (raw & sign_bit) != 0
                                              ? static_cast<std::int64_t>(raw) - static_cast<std::int64_t>(1ULL << bits)
                                              : static_cast<std::int64_t>(raw);
                delta += step;
            }
            first = false;
            // A valid encoder never produces a change beyond the 16-bit range; stopping here also keeps the
            // running sum far from overflow on hostile input.
            if (delta < -max_pixel_value || delta > max_pixel_value) {
                fail(where, "pixel difference out of range (corrupt frame data)");
            }
            const int x = reversed ? width - 1 - k : k;
            const std::int64_t value = static_cast<std::int64_t>(row[x]) + delta;
            if (value < 0 || value > max_pixel_value) {
                fail(where, "pixel value out of the 16-bit range (corrupt frame data)");
            }
            row[x] = static_cast<std::uint16_t>(value);
        }
    }
}

void CptvSource::decode_raw_frame(const FrameFields& fields, const std::string& where) {
    const unsigned bits = *fields.bit_width;
    if (bits != 8 && bits != 16) {
        fail(where, "uncompressed frames must be 8 or 16 bits wide, not " + std::to_string(bits));
    }
    const auto pixels = static_cast<std::uint64_t>(header_.width) * static_cast<std::uint64_t>(header_.height);
    const std::uint64_t needed = pixels * (bits / 8);
    if (*fields.frame_size != needed) {
        fail(where, "frame data of " + std::to_string(*fields.frame_size) + " bytes, expected " +
                        std::to_string(needed));
    }
    payload_.resize(static_cast<std::size_t>(needed));
    read_exact(payload_.data(), payload_.size(), where);
    auto* const out = current_.ptr<std::uint16_t>(0);
    for (std::uint64_t i = 0; i < pixels; ++i) {
        out[i] = bits == 8 ? payload_[i]
                           : static_cast<std::uint16_t>(payload_[2 * i] | (payload_[2 * i + 1] << 8U));
    }
}

std::size_t decode_cptv(std::span<const std::uint8_t> bytes, const std::function<void(const Frame&)>& on_frame) {
    CptvSource source(std::vector<std::uint8_t>(bytes.begin(), bytes.end()), "memory");
    std::size_t count = 0;
    while (auto frame = source.next()) {
        ++count;
        if (on_frame) {
            on_frame(*frame);
        }
    }
    return count;
}

}  // namespace gatehouse::vision
