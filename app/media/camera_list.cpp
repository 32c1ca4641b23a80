// listCameras(): /dev/video* capture devices, their names and discrete frame sizes, via V4L2
// ioctls (no OpenCV probing, which is slow and noisy for devices that are not cameras).
#include <dirent.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "app/media/frame_source.h"

namespace pastiche {

namespace {

int xioctl(int fd, unsigned long request, void* arg) {
    int rc;
    do rc = ::ioctl(fd, request, arg);
    while (rc == -1 && errno == EINTR);
    return rc;
}

std::optional<CameraDescription> describeDevice(int index, const std::string& path) {
    int fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    v4l2_capability cap{};
    if (xioctl(fd, VIDIOC_QUERYCAP, &cap) != 0) return std::nullopt;
    uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
    if (!(caps & V4L2_CAP_VIDEO_CAPTURE)) return std::nullopt;  // metadata nodes, encoders, ...
    CameraDescription d;
    d.index = index;
    d.device = path;
    d.name = reinterpret_cast<const char*>(cap.card);
    std::set<std::pair<int, int>> sizes;
    v4l2_fmtdesc fmt{};
    fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    for (fmt.index = 0; xioctl(fd, VIDIOC_ENUM_FMT, &fmt) == 0; ++fmt.index) {
        v4l2_frmsizeenum fs{};
        fs.pixel_format = fmt.pixelformat;
        for (fs.index = 0; xioctl(fd, VIDIOC_ENUM_FRAMESIZES, &fs) == 0; ++fs.index) {
            if (fs.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
                sizes.insert({int(fs.discrete.width), int(fs.discrete.height)});
            } else {  // stepwise/continuous: report the extremes
                sizes.insert({int(fs.stepwise.min_width), int(fs.stepwise.min_height)});
                sizes.insert({int(fs.stepwise.max_width), int(fs.stepwise.max_height)});
                break;
            }
        }
    }
    d.resolutions.assign(sizes.begin(), sizes.end());
    std::sort(d.resolutions.begin(), d.resolutions.end(),
              [](auto a, auto b) { return a.first * a.second > b.first * b.second; });
    return d;
}

}  // namespace

std::vector<CameraDescription> listCameras() {
    std::vector<CameraDescription> cameras;
    DIR* dir = ::opendir("/dev");
    if (!dir) return cameras;
    std::vector<int> indices;
    while (dirent* e = ::readdir(dir)) {
        if (std::strncmp(e->d_name, "video", 5) != 0) continue;
        const char* digits = e->d_name + 5;
        if (!*digits || std::strspn(digits, "0123456789") != std::strlen(digits)) continue;
        indices.push_back(std::atoi(digits));
    }
    ::closedir(dir);
    std::sort(indices.begin(), indices.end());
    for (int i : indices)
        if (auto d = describeDevice(i, "/dev/video" + std::to_string(i))) cameras.push_back(std::move(*d));
    return cameras;
}

}  // namespace pastiche
