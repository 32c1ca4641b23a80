// Helpers for the session tests: clips made with ffmpeg, ffprobe fields, processes killed with
// SIGKILL, and a session wired as the app wires it.
#pragma once

#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "media/media_test_util.h"
#include "support/test_support.h"

namespace pastiche::test {

inline std::string pasticheBinary() { return PASTICHE_BINARY; }

inline std::string shq(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

struct StreamFacts {
    double rFrameRate = 0, avgFrameRate = 0, duration = 0;
    int64_t frames = 0;
    int width = 0, height = 0;
};

inline double parseRate(const std::string& r) {
    double n = 0, d = 1;
    if (std::sscanf(r.c_str(), "%lf/%lf", &n, &d) == 2 && d != 0) return n / d;
    return std::atof(r.c_str());
}

// Decodes every frame (ffprobe -count_frames): a file that plays to the end.
inline StreamFacts probeVideo(const std::string& path) {
    StreamFacts f;
    const std::string out = runCommand("ffprobe -v error -count_frames -select_streams v:0 -show_entries "
                                       "stream=r_frame_rate,avg_frame_rate,nb_read_frames,width,height:format=duration "
                                       "-of default=nw=1 " + shq(path) + " 2>/dev/null");
    size_t pos = 0;
    while (pos < out.size()) {
        size_t eol = out.find('\n', pos);
        const std::string line = out.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
        pos = eol == std::string::npos ? out.size() : eol + 1;
        const auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        const std::string k = line.substr(0, eq), v = line.substr(eq + 1);
        if (k == "r_frame_rate") f.rFrameRate = parseRate(v);
        else if (k == "avg_frame_rate") f.avgFrameRate = parseRate(v);
        else if (k == "nb_read_frames") f.frames = std::atoll(v.c_str());
        else if (k == "duration") f.duration = std::atof(v.c_str());
        else if (k == "width") f.width = std::atoi(v.c_str());
        else if (k == "height") f.height = std::atoi(v.c_str());
    }
    return f;
}

// Starts `pastiche ARGS` in the background (stdout/stderr to logPath); returns its pid.
inline pid_t spawnPastiche(const std::string& args, const std::string& logPath) {
    const std::string cmd = "exec " + shq(pasticheBinary()) + " " + args + " >" + shq(logPath) + " 2>&1";
    pid_t pid = ::fork();
    if (pid == 0) {
        ::setenv("PASTICHE_MODELS", modelsDir().c_str(), 1);
        ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    return pid;
}

inline void killHard(pid_t pid) {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
}

}  // namespace pastiche::test
