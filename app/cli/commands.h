// Subcommands of the `pastiche` executable. Each add*Command registers its CLI11 subcommand and
// sets `run` when that subcommand is chosen; main() then calls it. Commands print one-line errors
// ("pastiche: error: ...") on stderr and return a non-zero exit code.
#pragma once

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace pastiche::cli {

struct GlobalOptions {
    std::string modelsDir;  // --models-dir; empty = PASTICHE_MODELS or the XDG default
};

using CommandRunner = std::function<int()>;

void addModelsCommand(CLI::App& app, GlobalOptions& global, CommandRunner& run);
void addStyleVectorCommand(CLI::App& app, GlobalOptions& global, CommandRunner& run);
void addStylizeCommand(CLI::App& app, GlobalOptions& global, CommandRunner& run);
void addBenchCommand(CLI::App& app, GlobalOptions& global, CommandRunner& run);
void addDevicesCommand(CLI::App& app, GlobalOptions& global, CommandRunner& run);
#ifdef PASTICHE_WITH_MEDIA
void addLiveCommand(CLI::App& app, GlobalOptions& global, CommandRunner& run);
void addCamerasCommand(CLI::App& app, GlobalOptions& global, CommandRunner& run);

// `pastiche stylize` with a video input (chosen by input type) lands here.
struct VideoStylizeRequest {
    std::string input, output;
    std::string styleImage, styleVectorFile;
    std::string model = "fast";
    double strength = 1.0;
    std::string size = "native";   // native | N | WxH
    std::string backend = "auto";
    int crf = 20;
    std::string preset = "veryfast";
    std::string modelsDir;
    std::string outputSize = "native";
    double stability = -1;   // -1: the default for video
    bool preserveColors = false;
    std::string pixFmt = "yuv420p";
};
int runVideoStylize(const VideoStylizeRequest& request);
bool isVideoPath(const std::string& path);  // by content probe, falling back to extension
#endif

int printError(const std::string& message);  // prints "pastiche: error: message", returns 1

}  // namespace pastiche::cli
