// The desktop application's entry point, called by app/main.cpp for `pastiche` / `pastiche gui`.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace pastiche::ui {

struct GuiOptions {
    std::string source;     // camera:N | file:PATH | image:PATH | test-pattern; empty = last used
    std::string style;      // style image path; empty = last used / first in gallery
    std::string backend;    // auto | cpu | vulkan[:N]; empty = last used
    std::string modelsDir;
    std::string screenshot; // test hook: save a PNG of the window after screenshotDelayMs, then quit
    int screenshotDelayMs = 3000;
    int quitAfterMs = 0;    // test hook
};

void addGuiCommand(CLI::App& app, GuiOptions& options, bool& chosen);
int runGui(int argc, char** argv, const GuiOptions& options);

}  // namespace pastiche::ui
