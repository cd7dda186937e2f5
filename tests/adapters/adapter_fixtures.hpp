#pragma once
// Fixtures of tests/adapters/fixtures: device requests written from the vendors' published formats.
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace gatehouse::test {

inline std::string adapter_fixture(const std::string& name) {
    const std::string path = std::string(GATEHOUSE_SOURCE_DIR) + "/tests/adapters/fixtures/" + name;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("missing fixture " + path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace gatehouse::test
