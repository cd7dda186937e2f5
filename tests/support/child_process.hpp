#pragma once
// Runs one of the project's executables as a child process for integration tests; stops it by PID.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace gatehouse::test {

/// A spawned process with stdout and stderr captured to files. The destructor kills and reaps it.
/// `extra_env` ("NAME=value") is added to the test's own environment for this child only.
class ChildProcess {
public:
    ChildProcess(const std::string& program, const std::vector<std::string>& args,
                 const std::filesystem::path& output_dir, const std::vector<std::string>& extra_env = {}) {
        static int counter = 0;
        const std::string stem = std::filesystem::path(program).filename().string() + "-" + std::to_string(++counter);
        stdout_path_ = output_dir / (stem + ".out");
        stderr_path_ = output_dir / (stem + ".err");
        std::vector<std::string> argv_storage{program};
        argv_storage.insert(argv_storage.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : argv_storage) argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        std::vector<std::string> env_storage(extra_env);
        std::vector<char*> env;
        for (auto& e : env_storage) env.push_back(e.data());
        for (char** e = environ; *e; ++e) env.push_back(*e);
        env.push_back(nullptr);
        const int rc = posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), env.data());
        posix_spawn_file_actions_destroy(&actions);
        if (rc != 0) throw std::runtime_error("cannot start " + program);
    }
    ~ChildProcess() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    void signal(int sig) const { ::kill(pid_, sig); }
    /// The process id while it runs (-1 after it was reaped).
    pid_t pid() const { return pid_; }
    bool running() {
        if (pid_ <= 0) return false;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            record(status);
            return false;
        }
        return true;
    }
    /// Waits for exit; returns the exit code (128+signal when killed), or -1 on timeout.
    int wait(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (pid_ > 0) {
            int status = 0;
            const pid_t r = ::waitpid(pid_, &status, WNOHANG);
            if (r == pid_) {
                record(status);
                break;
            }
            if (std::chrono::steady_clock::now() > deadline) return -1;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return exit_code_;
    }
    std::string stdout_text() const { return slurp(stdout_path_); }
    std::string stderr_text() const { return slurp(stderr_path_); }

private:
    void record(int status) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        pid_ = -1;
    }
    static std::string slurp(const std::filesystem::path& p) {
        std::ifstream in(p);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

    pid_t pid_ = -1;
    int exit_code_ = -1;
    std::filesystem::path stdout_path_, stderr_path_;
};

/// Result of running a command to completion.
struct CommandResult {
    int exit_code;
    std::string out;
    std::string err;
};

inline CommandResult run_command(const std::string& program, const std::vector<std::string>& args,
                                 const std::filesystem::path& output_dir,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    ChildProcess p(program, args, output_dir);
    const int code = p.wait(timeout);
    return {code, p.stdout_text(), p.stderr_text()};
}

inline std::string bin(const std::string& name) { return std::string(GATEHOUSE_BIN_DIR) + "/" + name; }

}  // namespace gatehouse::test
