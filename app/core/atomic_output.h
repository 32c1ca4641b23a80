// Output files that never clobber: the data goes to NAME.part and is renamed over NAME only when
// complete, so a failure or a kill leaves either the old file, nothing, or a NAME.part that the
// next run replaces (and says so). The .part is locked (flock) while written, so a second writer
// of the same output is refused instead of mixing its data into the first one's file.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/status.h"

namespace pastiche {

// InvalidArgument when output is the same file as one of inputs: compared by device and inode,
// so symlinks, hard links and other spellings of one path are caught. Missing files never match.
Status checkOutputIsNotAnInput(const std::string& output, const std::vector<std::string>& inputs);

class AtomicOutput {
public:
    using Notice = std::function<void(const std::string&)>;

    // Creates and locks NAME.part (truncating one left by an interrupted run; notice says so).
    // Fails with Io when another process is writing the same output, or it cannot be created.
    static Result<AtomicOutput> create(const std::string& finalPath, const Notice& notice = {});

    // Io when another process holds NAME.part's lock now; creates, removes and locks nothing. An
    // early check for jobs whose output is opened later (the lock taken by create() decides).
    static Status checkNotLocked(const std::string& finalPath);

    AtomicOutput(AtomicOutput&& other) noexcept;
    AtomicOutput& operator=(AtomicOutput&& other) noexcept;
    AtomicOutput(const AtomicOutput&) = delete;
    AtomicOutput& operator=(const AtomicOutput&) = delete;
    ~AtomicOutput();  // not committed: removes the .part (unless keepPart() was called)

    int fd() const { return fd_; }
    const std::string& partPath() const { return partPath_; }
    const std::string& finalPath() const { return finalPath_; }

    Status write(const void* data, size_t size);  // all of it, or an Io error
    // fsync, rename NAME.part -> NAME, fsync the directory. The lock goes with the closed fd.
    Status commit();
    // A partial result worth keeping (a playable fragmented MP4 cut short): stays as NAME.part.
    void keepPart() { keepPart_ = true; }

private:
    AtomicOutput(std::string finalPath, std::string partPath, int fd);
    void close();
    void abandon();  // what the destructor does: remove an uncommitted .part, close

    std::string finalPath_, partPath_;
    int fd_ = -1;
    bool committed_ = false, keepPart_ = false;
};

}  // namespace pastiche
