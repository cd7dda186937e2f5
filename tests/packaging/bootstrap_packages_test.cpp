// Every program the tests, benchmarks and scripts call comes from a package that scripts/bootstrap installs (or
// from one those depend on, or from the essential set every Debian root has). A machine that happens to have a
// tool (openssl, file) hides a missing entry until a fresh machine fails; this check finds it here, in seconds.
// The proof on a really fresh machine is scripts/check-fresh-root (a debootstrap minbase root).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "child_process.hpp"
#include "packaging_support.hpp"
#include "temp_dir.hpp"

using namespace gatehouse::test;
using namespace gatehouse::test::packaging;

namespace {

/// The package names of scripts/bootstrap's `packages=( ... )` list.
std::set<std::string> bootstrap_packages() {
    std::ifstream in(source_root() / "scripts" / "bootstrap");
    std::set<std::string> packages;
    bool inside = false;
    for (std::string line; std::getline(in, line);) {
        if (!inside) {
            inside = line.rfind("packages=(", 0) == 0;
            continue;
        }
        if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
        const bool last = line.find(')') != std::string::npos;
        if (last) line.erase(line.find(')'));
        std::istringstream words(line);
        for (std::string w; words >> w;) packages.insert(w);
        if (last) break;
    }
    return packages;
}

/// Package names in a Depends-style field ("a (>= 1), b | c:any") — every alternative.
std::vector<std::string> names_in(const std::string& field) {
    std::vector<std::string> names;
    static const std::regex name(R"((^|[,|]\s*)([a-z0-9][a-z0-9.+-]+))");
    for (auto it = std::sregex_iterator(field.begin(), field.end(), name); it != std::sregex_iterator(); ++it)
        names.push_back((*it)[2].str());
    return names;
}

/// What a fresh root gets from `packages`: the essential and required set of a minbase root, the packages, and what
/// they depend on (installed alternatives and providers of virtual packages), from this machine's dpkg database.
std::set<std::string> closure(const std::set<std::string>& packages, const fs::path& out) {
    const auto db = run_command("/usr/bin/dpkg-query",
                                {"-W", "-f=${Package}\t${Essential}\t${Priority}\t${Depends}, ${Pre-Depends}\t${Provides}\t"
                                       "${db:Status-Status}\n"},
                                out);
    REQUIRE(db.exit_code == 0);
    std::map<std::string, std::vector<std::string>> depends;
    std::map<std::string, std::vector<std::string>> providers;  // virtual name → installed packages providing it
    std::set<std::string> result;
    std::istringstream lines(db.out);
    for (std::string line; std::getline(lines, line);) {
        std::vector<std::string> f;
        std::istringstream fields(line);
        for (std::string x; std::getline(fields, x, '\t');) f.push_back(x);
        if (f.size() < 6 || f[5] != "installed") continue;
        depends[f[0]] = names_in(f[3]);
        for (const auto& v : names_in(f[4])) providers[v].push_back(f[0]);
        if (f[1] == "yes" || f[2] == "required") result.insert(f[0]);
    }
    std::vector<std::string> todo(packages.begin(), packages.end());
    todo.insert(todo.end(), result.begin(), result.end());
    std::set<std::string> expanded;
    while (!todo.empty()) {
        const std::string p = todo.back();
        todo.pop_back();
        if (!expanded.insert(p).second) continue;
        if (const auto d = depends.find(p); d != depends.end()) {
            result.insert(p);
            todo.insert(todo.end(), d->second.begin(), d->second.end());
        }
        for (const auto& provider : providers[p]) todo.push_back(provider);
    }
    return result;
}

/// Files to scan: C++ and shell under tests/, bench/, scripts/ and .ci/.
std::vector<fs::path> sources() {
    std::vector<fs::path> files;
    for (const char* dir : {"tests", "bench", "scripts", ".ci"}) {
        for (const auto& e : fs::recursive_directory_iterator(source_root() / dir)) {
            if (!e.is_regular_file()) continue;
            const auto rel = fs::relative(e.path(), source_root()).string();
            if (rel.find("/data/") != std::string::npos || rel.find("/corpus/") != std::string::npos) continue;
            files.push_back(e.path());
        }
    }
    return files;
}

bool is_shell(const fs::path& p, const std::string& text) {
    return p.extension() == ".sh" || text.rfind("#!/usr/bin/env bash", 0) == 0 || text.rfind("#!/bin/sh", 0) == 0 ||
           text.rfind("#!/bin/bash", 0) == 0;
}

/// The programs a file calls: absolute program paths in string literals, the program word of run(...) /
/// run_command(...) / system(...) / popen(...) calls, and in shell scripts the first word of every command.
std::set<std::string> programs_called(const fs::path& file) {
    std::ifstream in(file);
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    std::set<std::string> found;
    static const std::regex absolute(R"re("(/(usr/)?s?bin/[A-Za-z0-9_.+-]+)[" ])re");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), absolute); it != std::sregex_iterator(); ++it)
        found.insert((*it)[1].str());
    static const std::regex call(R"re(\b(?:run|run_command|system|popen)\(\s*"([a-z][a-z0-9_.+-]*)[ "])re");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), call); it != std::sregex_iterator(); ++it)
        found.insert((*it)[1].str());
    if (is_shell(file, text)) {
        static const std::set<std::string> not_programs{
            "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac", "in",
            "function", "local", "export", "declare", "set", "shift", "exit", "return", "echo", "printf", "cd",
            "read", "test", "true", "false", "trap", "wait", "kill", "command", "source", "exec", "eval", "mapfile",
            "unset", "break", "continue", "type", "builtin", "let", "pushd", "popd", "umask", "time", "!", "{", "}",
            "[", "[[", "]]", "((", "))", "shopt", "readonly", "getopts", "hash", "jobs", "disown", "ulimit"};
        std::istringstream lines(text);
        static const std::regex command_start(R"re((?:^|[;&|`(]|\$\(|\bthen\b|\bdo\b|\belse\b)\s*([A-Za-z][A-Za-z0-9_.+-]*)(?=\s|$|;))re");
        for (std::string line; std::getline(lines, line);) {
            const auto trimmed = line.find_first_not_of(" \t");
            if (trimmed == std::string::npos || line[trimmed] == '#') continue;
            for (auto it = std::sregex_iterator(line.begin(), line.end(), command_start); it != std::sregex_iterator(); ++it) {
                const std::string word = (*it)[1].str();
                if (!not_programs.count(word) && word.find('=') == std::string::npos) found.insert(word);
            }
        }
    }
    return found;
}

/// The installed file a program name or path resolves to, on PATH's system directories; empty if none.
std::string resolve(const std::string& program) {
    std::vector<fs::path> candidates;
    if (program.front() == '/') {
        candidates.push_back(program);
    } else {
        for (const char* dir : {"/usr/local/bin", "/usr/bin", "/usr/sbin", "/bin", "/sbin"}) candidates.push_back(fs::path(dir) / program);
    }
    for (const auto& c : candidates) {
        if (::access(c.c_str(), X_OK) == 0 && fs::is_regular_file(c)) return c.string();
    }
    return {};
}

/// The paths under which dpkg may have recorded a program (merged /usr: /bin/x or /usr/bin/x; an alternatives
/// symlink's target).
std::vector<std::string> recorded_paths(const std::string& path) {
    std::vector<std::string> tries{path, path.rfind("/usr/", 0) == 0 ? path.substr(4) : "/usr" + path};
    std::error_code ec;
    const auto real = fs::canonical(path, ec).string();
    if (!ec && real != path) {
        tries.push_back(real);
        if (real.rfind("/usr/", 0) == 0) tries.push_back(real.substr(4));
    }
    return tries;
}

/// Path → owning package for every path dpkg knows, in one dpkg-query call (one per path takes seconds).
std::map<std::string, std::string> owners(const std::set<std::string>& paths, const fs::path& out) {
    std::vector<std::string> args{"-S"};
    args.insert(args.end(), paths.begin(), paths.end());
    const auto r = run_command("/usr/bin/dpkg-query", args, out);  // exits 1 when some path has no owner
    std::map<std::string, std::string> result;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
        // "package[, package2]: /path"; "diversion by dash from: /bin/sh" lines say nothing of the owner.
        const auto colon = line.find(": /");
        if (colon == std::string::npos || line.rfind("diversion by ", 0) == 0) continue;
        result.emplace(line.substr(colon + 2), line.substr(0, line.find_first_of(":,")));
    }
    return result;
}

}  // namespace

TEST_CASE("every program the suites and scripts call comes from a package scripts/bootstrap installs",
          "[packaging][bootstrap]") {
    TempDir dir;
    const auto listed = bootstrap_packages();
    REQUIRE(listed.size() > 10);
    REQUIRE(listed.count("catch2") == 1);
    const auto available = closure(listed, dir.path());

    // Programs the project builds itself, and ones that a file names only to check they are absent.
    static const std::set<std::string> own{"gatehoused", "gatehouse", "/usr/bin/gatehoused", "/usr/bin/gatehouse"};
    std::map<std::string, std::set<std::string>> callers;  // program → files calling it
    for (const auto& file : sources()) {
        for (const auto& p : programs_called(file)) {
            if (!own.count(p)) callers[p].insert(fs::relative(file, source_root()).string());
        }
    }
    REQUIRE(callers.count("openssl") == 1);  // the scanner sees the TLS tests' certificate commands
    REQUIRE(callers.count("cmake") == 1);    // and the scripts' commands

    std::map<std::string, std::string> resolved;  // program → installed path
    std::set<std::string> candidates;
    for (const auto& [program, files] : callers) {
        // A word that names no installed program is a shell function or variable name, not a call; a program that
        // is missing here entirely fails its own test with "not found".
        if (const std::string path = resolve(program); !path.empty()) {
            resolved[program] = path;
            for (const auto& p : recorded_paths(path)) candidates.insert(p);
        }
    }
    const auto owner_of = owners(candidates, dir.path());

    std::size_t checked = 0;
    for (const auto& [program, path] : resolved) {
        std::string package;
        for (const auto& p : recorded_paths(path)) {
            if (const auto o = owner_of.find(p); o != owner_of.end() && package.empty()) package = o->second;
        }
        const auto& files = callers[program];
        INFO(program << " (" << path << ") called in " << *files.begin() << (files.size() > 1 ? " and others" : "")
                     << " is in package '" << package << "'");
        if (package.empty()) {
            // Not from a package (e.g. pyenv's shims on PATH): the suites must not call it.
            CHECK(path.rfind("/usr/local/", 0) != 0);
            continue;
        }
        CHECK(available.count(package) == 1);
        ++checked;
    }
    CHECK(checked > 20);
}
