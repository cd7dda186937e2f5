#pragma once
// Deterministic pseudo-random numbers. The standard library's distributions are implementation-defined, so the
// generator draws its own: the same scenario and seed give the same scene with any standard library.
#include <cstdint>
#include <string_view>

namespace gate_scene {

/// xoshiro256** seeded through splitmix64. Each purpose (a person, the sensor, the room) takes its own stream, so
/// a draw added in one place does not shift every other draw of the scene.
class Random {
public:
    Random(std::uint64_t seed, std::uint64_t stream);
    Random(std::uint64_t seed, std::string_view stream_name);

    std::uint64_t next();
    /// Uniform in [0, 1).
    double uniform();
    /// Uniform in [lo, hi).
    double uniform(double lo, double hi);
    /// Standard normal (Box-Muller).
    double normal();
    /// True with probability p.
    bool chance(double p);
    /// Uniform integer in [0, n).
    int below(int n);
    /// +1 or -1 with equal probability.
    double sign();

private:
    std::uint64_t s_[4];
};

/// A stable 64-bit hash of a name (FNV-1a), for naming random streams.
std::uint64_t stream_id(std::string_view name);

}  // namespace gate_scene
