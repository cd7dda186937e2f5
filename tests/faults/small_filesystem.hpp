#pragma once
// A small tmpfs the test mounts (as root) to run the ledger out of space for real, and a filler file that takes
// up whatever room is left and gives it back.
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace gatehouse::test::faults {

/// A tmpfs of `megabytes` mounted on `dir` for the lifetime of the object (lazily unmounted at the end).
class SmallFilesystem {
public:
    SmallFilesystem(std::filesystem::path dir, int megabytes) : dir_(std::move(dir)) {
        std::filesystem::create_directories(dir_);
        const std::string options = "size=" + std::to_string(megabytes) + "m,mode=0700";
        if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, options.c_str()) != 0) {
            throw std::runtime_error("cannot mount a " + std::to_string(megabytes) + " MB tmpfs on " + dir_.string() +
                                     " (the disk-full test needs root): " + std::strerror(errno));
        }
    }
    ~SmallFilesystem() { ::umount2(dir_.c_str(), MNT_DETACH); }
    SmallFilesystem(const SmallFilesystem&) = delete;
    SmallFilesystem& operator=(const SmallFilesystem&) = delete;

    const std::filesystem::path& path() const { return dir_; }
    /// Fills what is left with a file; returns its size in bytes.
    std::uintmax_t fill() {
        const std::vector<char> chunk(64 * 1024, 'f');
        std::FILE* f = std::fopen((dir_ / "filler").c_str(), "ab");
        if (!f) throw std::runtime_error("cannot create the filler file");
        while (std::fwrite(chunk.data(), 1, chunk.size(), f) == chunk.size() && std::fflush(f) == 0) {
        }
        // Whatever is still buffered cannot be written either.
        std::fclose(f);
        return std::filesystem::file_size(dir_ / "filler");
    }
    /// Gives the room back.
    void release() { std::filesystem::remove(dir_ / "filler"); }
    std::uintmax_t available() const { return std::filesystem::space(dir_).available; }

private:
    std::filesystem::path dir_;
};

}  // namespace gatehouse::test::faults
