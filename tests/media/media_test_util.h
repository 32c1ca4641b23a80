// Helpers for the media tests: a temp dir, ffmpeg/ffprobe via the shell, decoding with our own
// file source.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "app/media/frame_source.h"

namespace pastiche::test {

inline std::string runCommand(const std::string& command, int* exitCode = nullptr) {
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
    int rc = ::pclose(pipe);
    if (exitCode) *exitCode = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    return out;
}

inline std::filesystem::path makeTempDir(const std::string& tag) {
    auto base = std::filesystem::temp_directory_path() / ("pastiche-media-" + tag + "-" + std::to_string(::getpid()));
    std::filesystem::create_directories(base);
    return base;
}

struct Decoded {
    std::vector<int64_t> pts;
    int width = 0, height = 0;
    ReadStatus end = ReadStatus::EndOfStream;
    std::string error;
    Image8 first, middle;
};

inline Decoded decodeAll(const std::string& path, bool keepMiddle = false) {
    Decoded d;
    SourceSpec spec;
    spec.kind = SourceKind::VideoFile;
    spec.path = path;
    auto source = openSource(spec);
    if (!source) {
        d.end = ReadStatus::Error;
        d.error = source.status().message();
        return d;
    }
    d.width = source.value()->info().width;
    d.height = source.value()->info().height;
    Frame f;
    while (true) {
        ReadStatus rs = source.value()->read(f);
        if (rs != ReadStatus::Frame) {
            d.end = rs;
            if (rs == ReadStatus::Error) d.error = source.value()->lastError().message();
            break;
        }
        if (d.pts.empty()) d.first = f.image;
        if (keepMiddle && d.pts.size() == 30) d.middle = f.image;
        d.pts.push_back(f.ptsMicros);
    }
    return d;
}

// Audio extent in seconds (first packet start to last packet end), from ffprobe; -1 if none.
inline double audioSpanSeconds(const std::string& path) {
    std::string out = runCommand("ffprobe -v error -select_streams a:0 -show_entries packet=pts_time,duration_time "
                                 "-of csv=p=0 '" + path + "' 2>/dev/null");
    double first = -1, lastEnd = -1;
    size_t pos = 0;
    while (pos < out.size()) {
        size_t eol = out.find('\n', pos);
        std::string line = out.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
        pos = eol == std::string::npos ? out.size() : eol + 1;
        double pts = 0, dur = 0;
        if (std::sscanf(line.c_str(), "%lf,%lf", &pts, &dur) == 2) {
            if (first < 0) first = pts;
            lastEnd = std::max(lastEnd, pts + dur);
        }
    }
    return first < 0 ? -1 : lastEnd - first;
}

// Smallest packet pts (seconds) of one stream, from ffprobe.
inline double firstPacketSeconds(const std::string& path, const std::string& stream) {
    std::string out = runCommand("ffprobe -v error -select_streams " + stream +
                                 " -show_entries packet=pts_time -of csv=p=0 '" + path + "' 2>/dev/null | sort -g | head -1");
    return out.empty() ? -1 : std::atof(out.c_str());
}

inline std::string probeField(const std::string& path, const std::string& stream, const std::string& entry) {
    std::string out = runCommand("ffprobe -v error -select_streams " + stream + " -show_entries stream=" + entry +
                                 " -of csv=p=0 '" + path + "' 2>/dev/null");
    while (!out.empty() && (out.back() == '\n' || out.back() == ',')) out.pop_back();
    return out;
}

}  // namespace pastiche::test
