// libFuzzer target: the CPTV frame decoder of the replay source (vision/src/cptv_source.cpp), in memory.
// CPTV files are gzip streams. An input that starts with the gzip magic is decoded as it is, which fuzzes the
// gzip layer too; any other input is taken as the decompressed CPTV bytes and gzip-compressed here first, so
// that mutations reach the section and frame parsers instead of dying in a CRC check. The seeds are small
// decompressed slices of real recordings. Corrupt input must give FrameError (anything else escapes and
// counts as a crash); decoded frames must match the header's size and have monotonic time.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <zlib.h>

#include "fuzz_invariant.hpp"
#include "gatehouse/vision/cptv_source.hpp"

namespace {

using gatehouse::fuzz::require;
namespace vision = gatehouse::vision;

std::vector<std::uint8_t> gzip(std::span<const std::uint8_t> bytes) {
    z_stream zs{};
    // 15 window bits plus 16: gzip framing, as the recordings use.
    require(deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK, "deflateInit2 works");
    std::vector<std::uint8_t> out(deflateBound(&zs, static_cast<uLong>(bytes.size())) + 32);
    zs.next_in = const_cast<Bytef*>(bytes.data());
    zs.avail_in = static_cast<uInt>(bytes.size());
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    require(rc == Z_STREAM_END, "deflate into a deflateBound buffer finishes");
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> input(data, size);
    const bool gzipped = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    const std::vector<std::uint8_t> stream = gzipped ? std::vector<std::uint8_t>(input.begin(), input.end()) : gzip(input);
    try {
        vision::CptvSource source(stream, "fuzz");
        const auto& header = source.header();
        require(header.width > 0 && header.height > 0 &&
                    std::int64_t{header.width} * header.height <= vision::CptvSource::max_pixels,
                "an opened stream has a bounded, non-empty frame size");
        std::int64_t last_time = 0;
        std::int64_t expected_index = 0;
        while (auto frame = source.next()) {
            require(frame->raw.type() == CV_16UC1 && frame->raw.cols == header.width && frame->raw.rows == header.height,
                    "every frame is CV_16UC1 of the header's size");
            require(frame->index == expected_index++, "frame indexes count up from 0");
            require(frame->time_ms >= last_time, "frame time is monotonic");
            last_time = frame->time_ms;
        }
        require(!source.next(), "a finished stream stays finished");
    } catch (const vision::FrameError&) {
        // Corrupt input, reported as the API promises.
    }
    return 0;
}
