#include "cptv_gzip_reader.hpp"

#define ZLIB_CONST
#include <zlib.h>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "gatehouse/vision/frame_source.hpp"

namespace gatehouse::vision {
namespace {

constexpr std::size_t file_chunk_bytes = 64 * 1024;
// zlib counts in uInt; slicing in-memory input also keeps one inflate() call short.
constexpr std::size_t memory_slice_bytes = 1024 * 1024;
// 15 window bits plus 16 selects gzip framing with its CRC-32 and length check.
constexpr int gzip_window_bits = 15 + 16;

}  // namespace

/// Owns the zlib stream so that inflateEnd runs on every path, including exceptions.
struct CptvGzipReader::Inflater {
    z_stream stream{};
    std::size_t memory_offset = 0;

    Inflater() {
        if (inflateInit2(&stream, gzip_window_bits) != Z_OK) {
            throw std::runtime_error("zlib inflateInit2 failed");
        }
    }
    ~Inflater() { inflateEnd(&stream); }
    Inflater(const Inflater&) = delete;
    Inflater& operator=(const Inflater&) = delete;
};

CptvGzipReader::CptvGzipReader(const std::filesystem::path& file)
    : inflater_(std::make_unique<Inflater>()), reading_file_(true) {
    file_.open(file, std::ios::binary);
    if (!file_) {
        throw SourceUnavailable("cannot open " + file.string());
    }
    input_.resize(file_chunk_bytes);
}

CptvGzipReader::CptvGzipReader(std::vector<std::uint8_t> bytes)
    : inflater_(std::make_unique<Inflater>()), input_(std::move(bytes)) {}

CptvGzipReader::~CptvGzipReader() = default;

bool CptvGzipReader::refill_input() {
    z_stream& zs = inflater_->stream;
    if (reading_file_) {
        file_.read(reinterpret_cast<char*>(input_.data()), static_cast<std::streamsize>(input_.size()));
        const auto got = static_cast<std::size_t>(file_.gcount());
        if (got == 0) {
            if (file_.bad()) {
                throw std::runtime_error("read error");
            }
            return false;
        }
        zs.next_in = input_.data();
        zs.avail_in = static_cast<uInt>(got);
        return true;
    }
    std::size_t& offset = inflater_->memory_offset;
    if (offset >= input_.size()) {
        return false;
    }
    const std::size_t slice = std::min(memory_slice_bytes, input_.size() - offset);
    zs.next_in = input_.data() + offset;
    zs.avail_in = static_cast<uInt>(slice);
    offset += slice;
    return true;
}

std::size_t CptvGzipReader::read(std::uint8_t* out, std::size_t size) {
    z_stream& zs = inflater_->stream;
    std::size_t produced = 0;
    while (produced < size && !stream_ended_) {
        if (zs.avail_in == 0 && !refill_input()) {
            throw std::runtime_error("compressed stream ends early (truncated)");
        }
        const std::size_t want = std::min<std::size_t>(size - produced, std::numeric_limits<uInt>::max());
        zs.next_out = out + produced;
        zs.avail_out = static_cast<uInt>(want);
        const uInt in_before = zs.avail_in;
        const int rc = inflate(&zs, Z_NO_FLUSH);
        const std::size_t made = want - zs.avail_out;
        produced += made;
        if (rc == Z_STREAM_END) {
            // Another member may follow (gzip allows concatenation); only end when the input is exhausted.
            if (zs.avail_in == 0 && !refill_input()) {
                stream_ended_ = true;
            } else if (inflateReset(&zs) != Z_OK) {
                throw std::runtime_error("zlib inflateReset failed");
            }
        } else if (rc == Z_BUF_ERROR) {
            // No progress: legitimate only when the input ran dry, which the next iteration refills.
            if (zs.avail_in != 0 && made == 0 && in_before == zs.avail_in) {
                throw std::runtime_error("compressed stream makes no progress");
            }
        } else if (rc != Z_OK) {
            throw std::runtime_error(std::string("corrupt compressed data: ") +
                                     (zs.msg != nullptr ? zs.msg : "zlib error " + std::to_string(rc)));
        }
    }
    return produced;
}

}  // namespace gatehouse::vision
