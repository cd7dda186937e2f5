#pragma once
// The scenario files of tests/data/gate_scenes, compiled into the generator so that `--scenario NAME` works
// without the source tree.
#include <span>
#include <string_view>

namespace gate_scene {

/// One built-in scenario: the file's stem and its JSON text.
struct BuiltinScenario {
    std::string_view name;
    std::string_view json;
};

/// All built-in scenarios, sorted by name.
std::span<const BuiltinScenario> builtin_scenarios();

}  // namespace gate_scene
