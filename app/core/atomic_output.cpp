#include "app/core/atomic_output.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace pastiche {

namespace fs = std::filesystem;

namespace {

std::string errnoText() { return std::strerror(errno); }

Status lockedByAnotherWriter(const std::string& part) {
    return Status::io("another pastiche process is writing this output (" + part +
                      " is locked); wait for it or choose another name");
}

}  // namespace

Status checkOutputIsNotAnInput(const std::string& output, const std::vector<std::string>& inputs) {
    struct stat out{};
    if (::stat(output.c_str(), &out) != 0) return Status::ok();  // a new file is no input
    if (S_ISDIR(out.st_mode)) return Status::invalidArgument(output + ": is a directory, not an output file");
    for (const std::string& in : inputs) {
        struct stat st{};
        if (in.empty() || ::stat(in.c_str(), &st) != 0) continue;
        if (st.st_dev == out.st_dev && st.st_ino == out.st_ino)
            return Status::invalidArgument(std::string("output ")
                                               .append(output)
                                               .append(" is the same file as the input ")
                                               .append(in)
                                               .append("; choose another output name (the input would be destroyed)"));
    }
    return Status::ok();
}

AtomicOutput::AtomicOutput(std::string finalPath, std::string partPath, int fd)
    : finalPath_(std::move(finalPath)), partPath_(std::move(partPath)), fd_(fd) {}

AtomicOutput::AtomicOutput(AtomicOutput&& o) noexcept
    : finalPath_(std::move(o.finalPath_)), partPath_(std::move(o.partPath_)), fd_(o.fd_),
      committed_(o.committed_), keepPart_(o.keepPart_) {
    o.fd_ = -1;
    o.committed_ = true;  // the moved-from object owns nothing to clean up
}

AtomicOutput& AtomicOutput::operator=(AtomicOutput&& o) noexcept {
    if (this != &o) {
        abandon();
        finalPath_ = std::move(o.finalPath_);
        partPath_ = std::move(o.partPath_);
        fd_ = o.fd_;
        committed_ = o.committed_;
        keepPart_ = o.keepPart_;
        o.fd_ = -1;
        o.committed_ = true;
    }
    return *this;
}

AtomicOutput::~AtomicOutput() { abandon(); }

void AtomicOutput::abandon() {
    if (!committed_ && !keepPart_ && fd_ >= 0) ::unlink(partPath_.c_str());  // still ours: locked
    close();
}

void AtomicOutput::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

Status AtomicOutput::checkNotLocked(const std::string& finalPath) {
    const std::string part = finalPath + ".part";
    const int fd = ::open(part.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::ok();  // no .part: nobody is writing
    const bool locked = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd);
    return locked ? lockedByAnotherWriter(part) : Status::ok();
}

Result<AtomicOutput> AtomicOutput::create(const std::string& finalPath, const Notice& notice) {
    if (finalPath.empty()) return Status::invalidArgument("empty output path");
    std::error_code ec;
    if (fs::is_directory(finalPath, ec)) return Status::invalidArgument(finalPath + ": is a directory, not an output file");
    const std::string part = finalPath + ".part";
    // Lock the .part we opened, then check it is still the file at that name: a writer that just
    // finished renamed its (locked) .part away, and we must not write into the finished output.
    for (int attempt = 0; attempt < 8; ++attempt) {
        const int fd = ::open(part.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) return Status::io("cannot create " + part + " (" + errnoText() + ")");
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            const int err = errno;
            ::close(fd);
            if (err == EWOULDBLOCK) return lockedByAnotherWriter(part);
            return Status::io("cannot lock " + part + " (" + std::strerror(err) + ")");
        }
        struct stat held{}, named{};
        if (::fstat(fd, &held) != 0 || ::stat(part.c_str(), &named) != 0 || held.st_dev != named.st_dev ||
            held.st_ino != named.st_ino) {
            ::close(fd);  // lost a race with a finishing writer: open the new name again
            continue;
        }
        if (held.st_size > 0 && notice)
            notice(part + " was left by an interrupted run (" + std::to_string(held.st_size) + " bytes); replacing it");
        if (::ftruncate(fd, 0) != 0) {
            const std::string why = errnoText();
            ::close(fd);
            return Status::io(std::string("cannot truncate ").append(part).append(" (").append(why).append(")"));
        }
        return AtomicOutput(finalPath, part, fd);
    }
    return Status::io("cannot lock " + part + ": it keeps being replaced by another process");
}

Status AtomicOutput::write(const void* data, size_t size) {
    const auto* p = static_cast<const uint8_t*>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd_, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return Status::io("writing " + partPath_ + " failed (" + errnoText() + ")");
        p += n;
        size -= size_t(n);
    }
    return Status::ok();
}

Status AtomicOutput::commit() {
    if (fd_ < 0) return Status::internal(finalPath_ + ": commit without an open output");
    if (::fsync(fd_) != 0) return Status::io("writing " + partPath_ + " failed (" + errnoText() + ")");
    if (::rename(partPath_.c_str(), finalPath_.c_str()) != 0)
        return Status::io("cannot rename " + partPath_ + " to " + finalPath_ + " (" + errnoText() + ")");
    committed_ = true;
    close();
    // The rename itself is durable once the directory is synced.
    const std::string dir = fs::path(finalPath_).parent_path().string();
    const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return Status::ok();
}

}  // namespace pastiche
