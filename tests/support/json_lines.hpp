#pragma once
// Parsing a command's `--json` output: one JSON object per line.
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gatehouse::test {

/// Every non-empty line of `text` parsed as JSON; throws on a line that is not JSON.
inline std::vector<nlohmann::json> json_lines(const std::string& text) {
    std::vector<nlohmann::json> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    }
    return out;
}

}  // namespace gatehouse::test
