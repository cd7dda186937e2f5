#pragma once
// What a fuzz target does when an input breaks a property the code under test promises: print which one and
// abort, so that libFuzzer saves the input as a crash artifact just as it does for a sanitizer report.
#include <cstdio>
#include <cstdlib>

namespace gatehouse::fuzz {

/// Aborts with `what` unless `holds`; `what` says the promise in the words of the API's documentation.
inline void require(bool holds, const char* what) {
    if (!holds) {
        std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
        std::abort();
    }
}

}  // namespace gatehouse::fuzz
