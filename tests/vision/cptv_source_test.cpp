// Tests of the CPTV v2 decoder: the six real FeverScreen recordings, and streams built here (a small encoder
// and a stored-block gzip writer below) to reach every error path without depending on zlib in the tests.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "gatehouse/vision/cptv_source.hpp"

namespace fs = std::filesystem;
using gatehouse::vision::CptvSource;
using gatehouse::vision::decode_cptv;
using gatehouse::vision::Frame;
using gatehouse::vision::FrameError;
using gatehouse::vision::SourceUnavailable;

namespace {

const fs::path feverscreen_dir = fs::path(GATEHOUSE_TEST_DATA) / "feverscreen";

std::vector<std::uint8_t> read_bytes(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    REQUIRE(in);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// --- A minimal gzip writer using stored (uncompressed) deflate blocks, with a correct CRC-32. ---

std::uint32_t crc32(const std::vector<std::uint8_t>& data) {
    std::uint32_t crc = 0xffffffffU;
    for (const std::uint8_t byte : data) {
        crc ^= byte;
        for (int bit = 0; bit < 8; ++bit) {
            crc = (crc >> 1U) ^ (0xedb88320U & (0U - (crc & 1U)));
        }
    }
    return ~crc;
}

void put_u16(std::vector<std::uint8_t>& out, std::uint32_t v) {
    out.push_back(static_cast<std::uint8_t>(v & 0xffU));
    out.push_back(static_cast<std::uint8_t>((v >> 8U) & 0xffU));
}

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    put_u16(out, v & 0xffffU);
    put_u16(out, v >> 16U);
}

std::vector<std::uint8_t> gzip_stored(const std::vector<std::uint8_t>& data) {
    std::vector<std::uint8_t> out = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
    std::size_t offset = 0;
    do {
        const std::size_t length = std::min<std::size_t>(data.size() - offset, 65535);
        const bool last = offset + length == data.size();
        out.push_back(last ? 1 : 0);  // BFINAL, BTYPE 00 (stored)
        put_u16(out, static_cast<std::uint32_t>(length));
        put_u16(out, static_cast<std::uint32_t>(~length & 0xffffU));
        out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(offset),
                   data.begin() + static_cast<std::ptrdiff_t>(offset + length));
        offset += length;
    } while (offset < data.size());
    put_u32(out, crc32(data));
    put_u32(out, static_cast<std::uint32_t>(data.size()));
    return out;
}

// --- A small CPTV writer (compression 1 or 0), enough to build valid and broken streams. ---

struct TestFrame {
    cv::Mat raw;                          // CV_16UC1
    std::optional<std::uint32_t> t;       // 't'
    std::optional<std::uint32_t> c;       // 'c'
    bool background = false;              // 'g'
    std::optional<unsigned> bit_width;    // force a wider 'w' than needed
};

struct Field {
    std::uint8_t code;
    std::vector<std::uint8_t> data;
};

Field u8_field(char code, std::uint8_t v) { return {static_cast<std::uint8_t>(code), {v}}; }
Field u32_field(char code, std::uint32_t v) {
    Field f{static_cast<std::uint8_t>(code), {}};
    put_u32(f.data, v);
    return f;
}
Field text_field(char code, const std::string& s) {
    return {static_cast<std::uint8_t>(code), std::vector<std::uint8_t>(s.begin(), s.end())};
}

void put_section(std::vector<std::uint8_t>& out, char type, const std::vector<Field>& fields) {
    out.push_back(static_cast<std::uint8_t>(type));
    out.push_back(static_cast<std::uint8_t>(fields.size()));
    for (const auto& f : fields) {
        out.push_back(static_cast<std::uint8_t>(f.data.size()));
        out.push_back(f.code);
        out.insert(out.end(), f.data.begin(), f.data.end());
    }
}

std::vector<Field> header_fields(int width, int height, int compression, std::optional<int> fps = 9) {
    std::vector<Field> h = {u32_field('X', static_cast<std::uint32_t>(width)),
                            u32_field('Y', static_cast<std::uint32_t>(height)),
                            u8_field('C', static_cast<std::uint8_t>(compression)), text_field('D', "test-kiosk"),
                            text_field('E', "lepton3.5"), text_field('B', "flir"),
                            // An unknown field the decoder must skip.
                            text_field('M', "motion: {}")};
    if (fps) {
        h.push_back(u8_field('Z', static_cast<std::uint8_t>(*fps)));
    }
    return h;
}

unsigned bits_for(std::int64_t magnitude) {
    unsigned bits = 0;
    while (magnitude > 0) {
        ++bits;
        magnitude >>= 1;
    }
    return bits + 1;  // sign bit
}

// Frame data for compression 1: snake-order deltas against `previous`, first as int32, then packed differences.
std::vector<std::uint8_t> delta_payload(const cv::Mat& previous, const cv::Mat& current, std::optional<unsigned> forced,
                                        unsigned& bit_width) {
    std::vector<std::int64_t> deltas;
    for (int y = 0; y < current.rows; ++y) {
        for (int k = 0; k < current.cols; ++k) {
            const int x = (y % 2 == 1) ? current.cols - 1 - k : k;
            deltas.push_back(static_cast<std::int64_t>(current.at<std::uint16_t>(y, x)) -
                             previous.at<std::uint16_t>(y, x));
        }
    }
    std::int64_t largest = 0;
    for (std::size_t i = 1; i < deltas.size(); ++i) {
        largest = std::max<std::int64_t>(largest, std::abs(deltas[i] - deltas[i - 1]));
    }
    bit_width = forced.value_or(bits_for(largest));
    std::vector<std::uint8_t> out;
    put_u32(out, static_cast<std::uint32_t>(static_cast<std::int32_t>(deltas[0])));
    std::uint64_t acc = 0;
    unsigned held = 0;
    for (std::size_t i = 1; i < deltas.size(); ++i) {
        const auto v = static_cast<std::uint64_t>(deltas[i] - deltas[i - 1]) & ((1ULL << bit_width) - 1ULL);
        acc = (acc << bit_width) | v;
        held += bit_width;
        while (held >= 8) {
            held -= 8;
            out.push_back(static_cast<std::uint8_t>((acc >> held) & 0xffU));
        }
    }
    if (held > 0) {
        out.push_back(static_cast<std::uint8_t>((acc << (8 - held)) & 0xffU));
    }
    return out;
}

std::vector<std::uint8_t> raw_payload(const cv::Mat& current) {
    std::vector<std::uint8_t> out;
    for (int y = 0; y < current.rows; ++y) {
        for (int x = 0; x < current.cols; ++x) {
            put_u16(out, current.at<std::uint16_t>(y, x));
        }
    }
    return out;
}

// The uncompressed CPTV stream (before gzip).
std::vector<std::uint8_t> cptv_stream(const std::vector<TestFrame>& frames, int compression = 1,
                                      std::optional<int> fps = 9) {
    const cv::Size size = frames.front().raw.size();
    std::vector<std::uint8_t> out = {'C', 'P', 'T', 'V', 2};
    put_section(out, 'H', header_fields(size.width, size.height, compression, fps));
    cv::Mat previous = cv::Mat::zeros(size, CV_16UC1);
    for (const auto& frame : frames) {
        unsigned bit_width = 16;
        const std::vector<std::uint8_t> payload = compression == 1
                                                      ? delta_payload(previous, frame.raw, frame.bit_width, bit_width)
                                                      : raw_payload(frame.raw);
        std::vector<Field> fields;
        if (frame.t) fields.push_back(u32_field('t', *frame.t));
        if (frame.c) fields.push_back(u32_field('c', *frame.c));
        if (frame.background) fields.push_back(u8_field('g', 1));
        fields.push_back(Field{'a', {0, 0, 0, 0}});  // sensor temperature: unknown to the decoder, skipped
        fields.push_back(u8_field('w', static_cast<std::uint8_t>(bit_width)));
        fields.push_back(u32_field('f', static_cast<std::uint32_t>(payload.size())));
        put_section(out, 'F', fields);
        out.insert(out.end(), payload.begin(), payload.end());
        previous = frame.raw;
    }
    return out;
}

std::vector<Frame> decode_all(const std::vector<std::uint8_t>& gz) {
    std::vector<Frame> frames;
    decode_cptv(gz, [&](const Frame& f) { frames.push_back(f); });
    return frames;
}

cv::Mat random_frame(std::mt19937& rng, cv::Size size, int low, int high) {
    cv::Mat m(size, CV_16UC1);
    std::uniform_int_distribution<int> dist(low, high);
    // A plain loop: cv::Mat::forEach runs in parallel, which would race on the generator.
    for (int y = 0; y < size.height; ++y) {
        for (int x = 0; x < size.width; ++x) {
            m.at<std::uint16_t>(y, x) = static_cast<std::uint16_t>(dist(rng));
        }
    }
    return m;
}

bool same_pixels(const cv::Mat& a, const cv::Mat& b) {
    return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0.0;
}

// Reads a whole stream and reports how it ended: nullopt when it ended cleanly, else the FrameError message.
std::optional<std::string> decode_outcome(std::vector<std::uint8_t> gz, const std::string& name) {
    try {
        CptvSource source(std::move(gz), name);
        while (source.next()) {
        }
        return std::nullopt;
    } catch (const FrameError& e) {
        return std::string(e.what());
    }
}

struct Recording {
    const char* file;
    std::int64_t frames;
    int min_value;
    int max_value;
    std::string device;
    double frame0_sum;   // sums of all pixels, from an independent decode made while writing these tests
    double frame49_sum;
};

const std::array<Recording, 6> recordings = {{
    {"20210322-112850.cptv", 149, 29994, 30825, "TKO8", 580716207, 581821914},
    {"20210322-141052.cptv", 80, 29994, 30927, "TKO11", 580382110, 582429764},
    {"20210322-181012.cptv", 106, 30045, 30936, "TKO11", 580471431, 582228847},
    {"20210325-091249.cptv", 86, 29946, 30880, "TKO8", 579755076, 580138457},
    {"20210326-091927.cptv", 75, 29537, 30535, "tko-0257-2888-4209", 569014803, 568847878},
    {"20210326-110819.cptv", 102, 29904, 30846, "TKO11", 577213457, 576996208},
}};

}  // namespace

TEST_CASE("CPTV: all six FeverScreen recordings decode completely with plausible Lepton values", "[vision][cptv]") {
    for (const auto& rec : recordings) {
        INFO(rec.file);
        CptvSource source(feverscreen_dir / rec.file);
        CHECK(source.header().width == 160);
        CHECK(source.header().height == 120);
        CHECK(source.header().compression == 1);
        CHECK(source.header().model == "lepton3.5");
        CHECK(source.header().brand == "flir");
        CHECK(source.header().device_name == rec.device);
        CHECK(source.header().timestamp_us.has_value());
        CHECK(source.fps() == Approx(9.0));
        CHECK(source.describe() == "cptv:" + (feverscreen_dir / rec.file).string());

        std::int64_t count = 0;
        std::int64_t previous_time = -1;
        double low = 1e9;
        double high = 0;
        while (auto frame = source.next()) {
            REQUIRE(frame->raw.type() == CV_16UC1);
            REQUIRE(frame->raw.size() == cv::Size(160, 120));
            CHECK(frame->index == count);
            // Lepton 3.5 frames come every 114-115 ms (about 8.8 frames/s).
            if (previous_time >= 0) {
                CHECK(frame->time_ms - previous_time >= 100);
                CHECK(frame->time_ms - previous_time <= 130);
            } else {
                CHECK(frame->time_ms == 0);
            }
            previous_time = frame->time_ms;
            // No flat-field correction happens inside these recordings: the last one was minutes before.
            REQUIRE(frame->since_ffc_ms.has_value());
            CHECK(*frame->since_ffc_ms > 60000);
            double lo = 0;
            double hi = 0;
            cv::minMaxLoc(frame->raw, &lo, &hi);
            low = std::min(low, lo);
            high = std::max(high, hi);
            if (count == 0) CHECK(cv::sum(frame->raw)[0] == rec.frame0_sum);
            if (count == 49) CHECK(cv::sum(frame->raw)[0] == rec.frame49_sum);
            ++count;
        }
        CHECK(count == rec.frames);
        CHECK(low == rec.min_value);
        CHECK(high == rec.max_value);
        // The documented range of these recordings: 29537..31361 centi-kelvin, 22.2..40.5 degrees C.
        CHECK(low >= 29537);
        CHECK(high <= 31361);
        CHECK_FALSE(source.next().has_value());  // stays at the end
    }
}

TEST_CASE("CPTV: the heated reference disc sits where the picture shows it", "[vision][cptv]") {
    // 20210325-091249 (device TKO8): the disc is centred near (134, 94) in the sensor's own coordinates and is
    // the warmest static thing in view; a snake-order mistake would scatter it.
    CptvSource source(feverscreen_dir / "20210325-091249.cptv");
    const auto frame = source.next();
    REQUIRE(frame);
    const cv::Mat& raw = frame->raw;
    const double disc = cv::mean(raw(cv::Rect(132, 92, 5, 5)))[0];
    CHECK(disc > 30800);  // about 35 degrees C
    CHECK(disc - cv::mean(raw(cv::Rect(0, 0, 60, 60)))[0] > 400);  // > 4 K above the wall behind
}

TEST_CASE("CPTV: decoding from memory matches decoding the file", "[vision][cptv]") {
    const fs::path file = feverscreen_dir / "20210326-091927.cptv";
    const auto bytes = read_bytes(file);
    CptvSource from_file(file);
    std::size_t index = 0;
    const std::size_t count = decode_cptv(bytes, [&](const Frame& f) {
        auto expected = from_file.next();
        REQUIRE(expected);
        CHECK(f.index == expected->index);
        CHECK(f.time_ms == expected->time_ms);
        CHECK(same_pixels(f.raw, expected->raw));
        ++index;
    });
    CHECK(count == 75);
    CHECK(index == 75);
    CHECK_FALSE(from_file.next());
    CHECK(decode_cptv(bytes) == 75);  // callback optional
}

TEST_CASE("CPTV: encoded frames round-trip exactly, including odd sizes and wide differences", "[vision][cptv]") {
    std::mt19937 rng(1234);
    const cv::Size size(7, 5);  // odd width and rows exercise both snake directions
    std::vector<TestFrame> frames;
    frames.push_back({random_frame(rng, size, 29000, 31000), 1000, 10, false, {}});
    frames.push_back({random_frame(rng, size, 29990, 30010), 1114, 10, false, {}});  // small deltas
    frames.push_back({random_frame(rng, size, 0, 65535), 1228, 10, false, {}});      // 18-bit differences
    frames.push_back({frames.back().raw.clone(), 1342, 10, false, {}});              // identical frame
    frames.push_back({random_frame(rng, size, 0, 65535), 1456, 10, false, 32});      // widest packing
    const auto decoded = decode_all(gzip_stored(cptv_stream(frames)));
    REQUIRE(decoded.size() == frames.size());
    for (std::size_t i = 0; i < frames.size(); ++i) {
        INFO("frame " << i);
        CHECK(same_pixels(decoded[i].raw, frames[i].raw));
        CHECK(decoded[i].index == static_cast<std::int64_t>(i));
    }
}

TEST_CASE("CPTV: uncompressed (scheme 0) 16-bit frames decode", "[vision][cptv]") {
    std::mt19937 rng(7);
    std::vector<TestFrame> frames = {{random_frame(rng, {6, 4}, 0, 65535), 5, 1, false, {}},
                                     {random_frame(rng, {6, 4}, 0, 65535), 120, 1, false, {}}};
    const auto decoded = decode_all(gzip_stored(cptv_stream(frames, 0)));
    REQUIRE(decoded.size() == 2);
    CHECK(same_pixels(decoded[0].raw, frames[0].raw));
    CHECK(same_pixels(decoded[1].raw, frames[1].raw));
}

TEST_CASE("CPTV: time is relative to the first frame, survives clock wrap, and FFC age is t - c", "[vision][cptv]") {
    const cv::Mat flat(3, 3, CV_16UC1, cv::Scalar(30000));
    std::vector<TestFrame> frames = {{flat, 0xffffff00U, 0xfffff000U, false, {}},
                                     {flat, 0x0000000cU, 0xfffff000U, false, {}},  // clock wrapped: +268 ms
                                     {flat, 0x00000080U, 0x00000070U, false, {}},  // FFC just happened
                                     {flat, 0x00000070U, 0x00000070U, false, {}},  // clock went back: hold
                                     {flat, {}, {}, false, {}}};                    // no 't': nominal period
    const auto decoded = decode_all(gzip_stored(cptv_stream(frames, 1, 8)));
    REQUIRE(decoded.size() == 5);
    CHECK(decoded[0].time_ms == 0);
    CHECK(decoded[1].time_ms == 268);
    CHECK(decoded[2].time_ms == 268 + 116);
    CHECK(decoded[3].time_ms == decoded[2].time_ms);
    CHECK(decoded[4].time_ms == decoded[3].time_ms + 125);  // 1000 / 8 fps
    CHECK(decoded[0].since_ffc_ms == 0xf00);
    CHECK(decoded[2].since_ffc_ms == 0x10);
    CHECK_FALSE(decoded[4].since_ffc_ms.has_value());
}

TEST_CASE("CPTV: fps comes from the header, else the Lepton default", "[vision][cptv]") {
    const std::vector<TestFrame> frames = {{cv::Mat(2, 2, CV_16UC1, cv::Scalar(1)), 0, 0, false, {}}};
    CHECK(CptvSource(gzip_stored(cptv_stream(frames, 1, 27)), "a").fps() == Approx(27.0));
    CHECK(CptvSource(gzip_stored(cptv_stream(frames, 1, std::nullopt)), "b").fps() ==
          Approx(CptvSource::default_fps));
}

TEST_CASE("CPTV: a background frame is the base of the first delta but is not emitted", "[vision][cptv]") {
    std::mt19937 rng(99);
    std::vector<TestFrame> frames = {{random_frame(rng, {5, 3}, 100, 200), {}, {}, true, {}},
                                     {random_frame(rng, {5, 3}, 100, 200), 40, 0, false, {}}};
    const auto decoded = decode_all(gzip_stored(cptv_stream(frames)));
    REQUIRE(decoded.size() == 1);
    CHECK(decoded[0].index == 0);
    CHECK(same_pixels(decoded[0].raw, frames[1].raw));
}

TEST_CASE("CPTV: concatenated gzip members read as one stream", "[vision][cptv]") {
    std::mt19937 rng(5);
    std::vector<TestFrame> frames = {{random_frame(rng, {4, 4}, 0, 1000), 0, 0, false, {}},
                                     {random_frame(rng, {4, 4}, 0, 1000), 100, 0, false, {}}};
    const auto stream = cptv_stream(frames);
    const auto half = static_cast<std::ptrdiff_t>(stream.size() / 2);
    auto gz = gzip_stored({stream.begin(), stream.begin() + half});
    const auto second = gzip_stored({stream.begin() + half, stream.end()});
    gz.insert(gz.end(), second.begin(), second.end());
    CHECK(decode_all(gz).size() == 2);
}

TEST_CASE("CPTV: the returned frame is the caller's own copy", "[vision][cptv]") {
    std::mt19937 rng(11);
    std::vector<TestFrame> frames = {{random_frame(rng, {4, 4}, 1000, 2000), 0, 0, false, {}},
                                     {random_frame(rng, {4, 4}, 1000, 2000), 100, 0, false, {}}};
    CptvSource source(gzip_stored(cptv_stream(frames)), "copy");
    auto first = source.next();
    REQUIRE(first);
    first->raw.setTo(cv::Scalar(0));  // must not disturb the base of the next delta
    auto second = source.next();
    REQUIRE(second);
    CHECK(same_pixels(second->raw, frames[1].raw));
}

TEST_CASE("CPTV: missing file is SourceUnavailable naming the file", "[vision][cptv]") {
    const fs::path missing = feverscreen_dir / "no-such-recording.cptv";
    try {
        CptvSource source(missing);
        FAIL("expected SourceUnavailable");
    } catch (const SourceUnavailable& e) {
        CHECK(std::string(e.what()).find("no-such-recording.cptv") != std::string::npos);
    }
}

TEST_CASE("CPTV: a real recording truncated anywhere gives FrameError, never a crash", "[vision][cptv]") {
    const auto bytes = read_bytes(feverscreen_dir / "20210326-091927.cptv");
    const std::vector<std::size_t> cuts = {0, 1, 5, 10, 30, 200, 4000, bytes.size() / 3, bytes.size() / 2,
                                           bytes.size() - 9, bytes.size() - 1};
    for (const std::size_t cut : cuts) {
        INFO("cut at " << cut);
        const auto outcome =
            decode_outcome({bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut)}, "cut.cptv");
        REQUIRE(outcome.has_value());
        CHECK(outcome->find("cptv:cut.cptv: ") == 0);
        const bool names_place =
            outcome->find("header") != std::string::npos || outcome->find("frame ") != std::string::npos;
        CHECK(names_place);
    }
}

TEST_CASE("CPTV: a truncated file on disk names the file and the frame", "[vision][cptv]") {
    const auto bytes = read_bytes(feverscreen_dir / "20210326-091927.cptv");
    const fs::path file = fs::temp_directory_path() /
                          ("gatehouse_cptv_truncated_" + std::to_string(std::random_device{}()) + ".cptv");
    {
        std::ofstream out(file, std::ios::binary);
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size() / 2));
    }
    std::string message;
    std::int64_t frames = 0;
    try {
        CptvSource source(file);
        while (source.next()) {
            ++frames;
        }
    } catch (const FrameError& e) {
        message = e.what();
    }
    fs::remove(file);
    INFO(message);
    CHECK(frames > 10);
    CHECK(message.find(file.string()) != std::string::npos);
    CHECK(message.find("frame " + std::to_string(frames)) != std::string::npos);
}

TEST_CASE("CPTV: after a FrameError the source ends instead of decoding garbage", "[vision][cptv]") {
    const auto bytes = read_bytes(feverscreen_dir / "20210326-091927.cptv");
    CptvSource source({bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(bytes.size() / 4)}, "quarter");
    bool failed = false;
    try {
        while (source.next()) {
        }
    } catch (const FrameError&) {
        failed = true;
    }
    CHECK(failed);
    CHECK_FALSE(source.next().has_value());
}

TEST_CASE("CPTV: flipped bytes in a real recording give FrameError, never a crash", "[vision][cptv]") {
    const auto bytes = read_bytes(feverscreen_dir / "20210326-091927.cptv");
    // Positions inside the deflate data and the CRC/length trailer (the gzip header's time stamp is unchecked).
    const std::vector<std::size_t> positions = {12, 40, 100, 777, 5000, 60000, 123457, 250000, 400000,
                                                bytes.size() - 100, bytes.size() - 8, bytes.size() - 3};
    for (const std::size_t position : positions) {
        INFO("flip at " << position);
        auto damaged = bytes;
        damaged[position] ^= 0xffU;
        CHECK(decode_outcome(std::move(damaged), "flipped.cptv").has_value());
    }
}

TEST_CASE("CPTV: random damage under a valid gzip layer never crashes", "[vision][cptv]") {
    // Pixel data carries no checksum, so some damage decodes to other values; what matters is bounded,
    // crash-free decoding (the sanitizer build checks the memory side).
    std::mt19937 rng(2024);
    std::vector<TestFrame> frames;
    for (int i = 0; i < 3; ++i) {
        frames.push_back({random_frame(rng, {9, 7}, 29000, 31000), static_cast<std::uint32_t>(i * 114), 0, false, {}});
    }
    const auto stream = cptv_stream(frames);
    std::uniform_int_distribution<std::size_t> where(0, stream.size() - 1);
    std::uniform_int_distribution<int> value(0, 255);
    int errors = 0;
    for (int trial = 0; trial < 400; ++trial) {
        auto damaged = stream;
        for (int k = 0; k < 1 + trial % 3; ++k) {
            damaged[where(rng)] = static_cast<std::uint8_t>(value(rng));
        }
        try {
            for (const auto& f : decode_all(gzip_stored(damaged))) {
                REQUIRE(f.raw.type() == CV_16UC1);
            }
        } catch (const FrameError&) {
            ++errors;
        }
    }
    CHECK(errors > 0);
}

TEST_CASE("CPTV: malformed headers are rejected with a clear FrameError", "[vision][cptv]") {
    const std::vector<TestFrame> frames = {{cv::Mat(2, 2, CV_16UC1, cv::Scalar(5)), 0, 0, false, {}}};
    const auto good = cptv_stream(frames);

    auto expect_header_error = [](std::vector<std::uint8_t> stream, const std::string& needle) {
        INFO(needle);
        const auto outcome = decode_outcome(gzip_stored(stream), "bad.cptv");
        REQUIRE(outcome.has_value());
        INFO(*outcome);
        CHECK(outcome->find("header") != std::string::npos);
        CHECK(outcome->find(needle) != std::string::npos);
    };

    auto wrong_magic = good;
    wrong_magic[0] = 'X';
    expect_header_error(wrong_magic, "not a CPTV stream");

    auto version1 = good;
    version1[4] = 1;
    expect_header_error(version1, "unsupported CPTV version 1");

    std::vector<std::uint8_t> huge = {'C', 'P', 'T', 'V', 2};
    put_section(huge, 'H', {u32_field('X', 100000), u32_field('Y', 100000), u8_field('C', 1)});
    expect_header_error(huge, "larger than 4096*4096");

    // Found by cptv_fuzz: two 32-bit sides whose product overflows 64 bits must be refused, not multiplied.
    std::vector<std::uint8_t> overflowing = {'C', 'P', 'T', 'V', 2};
    put_section(overflowing, 'H', {u32_field('X', 2533359632u), u32_field('Y', 4247846924u), u8_field('C', 1)});
    expect_header_error(overflowing, "larger than 4096*4096");

    std::vector<std::uint8_t> empty_size = {'C', 'P', 'T', 'V', 2};
    put_section(empty_size, 'H', {u32_field('X', 0), u32_field('Y', 10), u8_field('C', 1)});
    expect_header_error(empty_size, "is empty");

    std::vector<std::uint8_t> no_width = {'C', 'P', 'T', 'V', 2};
    put_section(no_width, 'H', {u32_field('Y', 10), u8_field('C', 1)});
    expect_header_error(no_width, "missing a compulsory field");

    std::vector<std::uint8_t> short_field = {'C', 'P', 'T', 'V', 2};
    put_section(short_field, 'H', {Field{'X', {1, 0}}, u32_field('Y', 10), u8_field('C', 1)});
    expect_header_error(short_field, "field 'X' has 2 bytes, expected 4");

    std::vector<std::uint8_t> scheme = {'C', 'P', 'T', 'V', 2};
    put_section(scheme, 'H', {u32_field('X', 2), u32_field('Y', 2), u8_field('C', 7)});
    expect_header_error(scheme, "unsupported compression scheme 7");

    CHECK(decode_outcome(gzip_stored({}), "empty.cptv").has_value());
    CHECK(decode_outcome({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, "not-gzip.cptv").has_value());
}

TEST_CASE("CPTV: malformed frames are rejected with FrameError naming the frame", "[vision][cptv]") {
    const cv::Mat flat(4, 4, CV_16UC1, cv::Scalar(300));
    auto stream_with_frame = [&](const std::vector<Field>& fields, const std::vector<std::uint8_t>& payload) {
        // One good frame first, so the broken one is frame 1.
        auto stream = cptv_stream({{flat, 0, 0, false, {}}});
        put_section(stream, 'F', fields);
        stream.insert(stream.end(), payload.begin(), payload.end());
        return gzip_stored(stream);
    };
    auto expect_frame_error = [](std::vector<std::uint8_t> gz, const std::string& needle) {
        INFO(needle);
        const auto outcome = decode_outcome(std::move(gz), "bad.cptv");
        REQUIRE(outcome.has_value());
        INFO(*outcome);
        CHECK(outcome->find("cptv:bad.cptv: frame 1: ") == 0);
        CHECK(outcome->find(needle) != std::string::npos);
    };
    const std::vector<std::uint8_t> zeros(64, 0);

    expect_frame_error(stream_with_frame({u8_field('w', 4), u32_field('f', 5)}, zeros), "too short");
    expect_frame_error(stream_with_frame({u8_field('w', 0), u32_field('f', 40)}, zeros), "bit width 0");
    expect_frame_error(stream_with_frame({u8_field('w', 33), u32_field('f', 40)}, zeros), "bit width 33");
    expect_frame_error(stream_with_frame({u32_field('f', 40)}, zeros), "missing a compulsory field");
    expect_frame_error(stream_with_frame({u8_field('w', 4), u32_field('f', 1000000)}, zeros), "larger than any frame");
    expect_frame_error(stream_with_frame({u8_field('w', 4), u32_field('f', 12)}, {1, 2, 3}), "truncated");
    expect_frame_error(stream_with_frame({Field{'t', {1, 2}}, u8_field('w', 4), u32_field('f', 12)}, zeros),
                       "field 't' has 2 bytes");

    // A first difference that drives a pixel below zero (300 - 1000).
    std::vector<std::uint8_t> negative;
    put_u32(negative, static_cast<std::uint32_t>(-1000));
    negative.resize(12, 0);
    expect_frame_error(stream_with_frame({u8_field('w', 4), u32_field('f', 12)}, negative), "16-bit range");

    // Differences that accumulate beyond any 16-bit change (all +2^31 - 1 at 32 bits).
    std::vector<std::uint8_t> runaway;
    put_u32(runaway, 0);
    for (int i = 0; i < 15; ++i) runaway.insert(runaway.end(), {0x7f, 0xff, 0xff, 0xff});  // packed MSB first
    const auto runaway_size = static_cast<std::uint32_t>(runaway.size());
    expect_frame_error(stream_with_frame({u8_field('w', 32), u32_field('f', runaway_size)}, runaway), "out of range");

    // An unknown section type where a frame should start.
    auto stream = cptv_stream({{flat, 0, 0, false, {}}});
    stream.push_back('Q');
    expect_frame_error(gzip_stored(stream), "expected a frame section");
}

TEST_CASE("CPTV: bytes after the last frame are an error, not silently ignored", "[vision][cptv]") {
    const cv::Mat flat(4, 4, CV_16UC1, cv::Scalar(300));
    auto stream = cptv_stream({{flat, 0, 0, false, {}}});
    stream.push_back('F');  // a frame section that never comes
    const auto outcome = decode_outcome(gzip_stored(stream), "tail.cptv");
    REQUIRE(outcome.has_value());
    CHECK(outcome->find("frame 1") != std::string::npos);
}
