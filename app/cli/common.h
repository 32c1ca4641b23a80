// Helpers shared by the subcommands: notices, exit codes per error code, and the validation every
// command applies to its options before any work starts (the session-engine commands `live` and
// video `stylize` use the same checks).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/core/model_loader.h"
#include "app/core/stylizer.h"
#include "engine/status.h"
#include "engine/transfer_network.h"

namespace pastiche::cli {

// Notices (fallbacks) go to stderr as "pastiche: note: ...".
NoticeCallback stderrNotice();
// CPU time of the whole process (every thread) so far, in ms: what a frame really costs on a
// machine shared with other work, where wall-clock rates swing with the load.
double processCpuMs();

// Exit status of a failed command, by error code (0 only for Ok). Stays below 128, which shells
// use for "killed by a signal".
int exitCodeFor(StatusCode code);
// The table for --help (and so the man page).
std::string exitCodeHelp();
// Prints "pastiche: error: <message>" and returns exitCodeFor(status.code()).
int printError(const Status& status);

// ---- option checks: InvalidArgument naming the option, the value and the accepted range ----
// Finite (no nan/inf) and in [lo, hi].
Status checkRange(const std::string& option, double value, double lo, double hi);
Status checkStrength(double strength);             // --strength: [0, 1]
Status checkCrf(int crf);                          // --crf: x264's 0..51
Status checkPreset(const std::string& preset);     // --preset: x264's names
Status checkThreads(int threads);                  // --threads: 0 (all cores) .. 256
Status checkSeconds(double seconds);               // live --seconds: 0 (until stopped) .. one day
Status checkFps(double fps);                       // --fps: 1 .. 240
// A video output's container follows its extension; only MP4-family names (.mp4, .m4v, .mov)
// are written, anything else is refused before work starts (Unsupported).
Status checkVideoOutputPath(const std::string& path);
// Output path sane and not one of the inputs (inode compare; see atomic_output.h).
Status checkOutputPath(const std::string& output, const std::vector<std::string>& inputs);

}  // namespace pastiche::cli
