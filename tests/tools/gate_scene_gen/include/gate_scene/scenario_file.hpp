#pragma once
// Reading scenario files (format in README.md): strict about names and types, so a typo is an error that names
// the field instead of a silently different scene. Ranges and choices are drawn here, with the seed.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "gate_scene/scenario.hpp"

namespace gate_scene {

/// A scenario that cannot be used; what() names the file, the field and what was wrong.
class ScenarioError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Parses and realises a scenario. `seed` replaces the file's own seed when given. `origin` (a file name or
/// "built-in NAME") prefixes error messages.
Scenario parse_scenario(std::string_view json_text, std::optional<std::uint64_t> seed, std::string_view origin);

/// Same, from an already parsed document.
Scenario scenario_from_json(const nlohmann::json& document, std::optional<std::uint64_t> seed, std::string_view origin);

}  // namespace gate_scene
