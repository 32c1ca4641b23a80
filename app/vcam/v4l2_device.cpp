#include "app/vcam/v4l2_device.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace pastiche::vcam {

namespace {

std::string errnoText() { return std::strerror(errno); }

class FileV4l2Device final : public V4l2Device {
public:
    FileV4l2Device(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
    ~FileV4l2Device() override { ::close(fd_); }
    const std::string& path() const override { return path_; }

    Status queryCapability(v4l2_capability& cap) override { return call(VIDIOC_QUERYCAP, &cap, "VIDIOC_QUERYCAP"); }
    Status setFormat(v4l2_format& format) override { return call(VIDIOC_S_FMT, &format, "VIDIOC_S_FMT"); }
    Status setFrameRate(v4l2_streamparm& parm) override { return call(VIDIOC_S_PARM, &parm, "VIDIOC_S_PARM"); }

    Status writeFrame(const uint8_t* data, size_t size) override {
        while (size > 0) {
            ssize_t n = ::write(fd_, data, size);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return Status::error(path_ + ": write: " + errnoText());
            data += n, size -= size_t(n);
        }
        return Status::ok();
    }

private:
    Status call(unsigned long request, void* arg, const char* name) {
        int r;
        do r = ::ioctl(fd_, request, arg);
        while (r < 0 && errno == EINTR);
        if (r < 0) return Status::error(path_ + ": " + name + ": " + errnoText());
        return Status::ok();
    }
    std::string path_;
    int fd_;
};

int videoNumber(const std::string& name) {
    if (name.rfind("video", 0) != 0 || name.size() == 5) return -1;
    for (size_t i = 5; i < name.size(); ++i)
        if (name[i] < '0' || name[i] > '9') return -1;
    return std::stoi(name.substr(5));
}

}  // namespace

Result<std::unique_ptr<V4l2Device>> openV4l2Device(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        std::string why = errnoText();
        if (errno == EACCES) why += " (is this user in the 'video' group?)";
        return Status::error(path + ": cannot open: " + why);
    }
    return std::unique_ptr<V4l2Device>(std::make_unique<FileV4l2Device>(path, fd));
}

bool isLoopback(const v4l2_capability& cap) {
    return std::strncmp(reinterpret_cast<const char*>(cap.driver), "v4l2 loopback", sizeof cap.driver) == 0;
}

Result<std::string> findLoopbackDevice(const std::string& devDir) {
    std::vector<std::pair<int, std::string>> candidates;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(devDir, ec)) {
        int n = videoNumber(entry.path().filename().string());
        if (n >= 0) candidates.emplace_back(n, entry.path().string());
    }
    std::sort(candidates.begin(), candidates.end());
    for (const auto& [n, path] : candidates) {
        auto device = openV4l2Device(path);
        if (!device) continue;
        v4l2_capability cap{};
        if (device.value()->queryCapability(cap) && isLoopback(cap)) return path;
    }
    return Status::error("no v4l2loopback device found in " + devDir + " (" + std::to_string(candidates.size()) +
                         " other video devices); create one once with: " + kLoopbackSetupHint);
}

}  // namespace pastiche::vcam
