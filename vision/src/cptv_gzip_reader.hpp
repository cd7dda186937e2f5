#pragma once
// Private to gatehouse_vision: the incremental gzip layer under the CPTV decoder.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

namespace gatehouse::vision {

/// Streams the decompressed bytes of a gzip file or in-memory gzip buffer through zlib, one small input chunk
/// at a time, so memory stays bounded whatever the file size. Concatenated gzip members are read as one stream
/// (as gzip(1) does). Throws std::runtime_error on corrupt or truncated data, including a CRC mismatch at the
/// end of a member. Not thread-safe; non-copyable.
class CptvGzipReader {
public:
    /// Opens a file; throws SourceUnavailable if it cannot be opened.
    explicit CptvGzipReader(const std::filesystem::path& file);
    /// Reads from an owned in-memory copy of a gzip stream.
    explicit CptvGzipReader(std::vector<std::uint8_t> bytes);
    ~CptvGzipReader();
    CptvGzipReader(const CptvGzipReader&) = delete;
    CptvGzipReader& operator=(const CptvGzipReader&) = delete;

    /// Fills `out` with up to `size` decompressed bytes. Returns fewer than `size` only when the gzip stream
    /// ended cleanly; a stream that stops early throws instead.
    std::size_t read(std::uint8_t* out, std::size_t size);

private:
    /// Refills the inflater's input from the file; returns false when the file has no more bytes.
    bool refill_input();

    struct Inflater;
    std::unique_ptr<Inflater> inflater_;
    std::ifstream file_;
    bool reading_file_ = false;
    std::vector<std::uint8_t> input_;  ///< File chunk, or the whole buffer for in-memory input.
    bool stream_ended_ = false;        ///< The last member ended and no input follows it.
};

}  // namespace gatehouse::vision
