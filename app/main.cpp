// Entry point: `pastiche` (or `pastiche gui`) opens the desktop app; other subcommands are the CLI.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <new>
#include <string>

#include "app/cli/commands.h"
#include "app/cli/common.h"

#ifdef PASTICHE_WITH_GUI
#include "ui/gui_main.h"
#endif

int main(int argc, char** argv) {
    using namespace pastiche::cli;
    CLI::App app{"Pastiche: repaints live video in the style of any picture", "pastiche"};
    app.set_version_flag("--version", std::string("pastiche ") + PASTICHE_VERSION);
    app.footer(exitCodeHelp());
    app.require_subcommand(0, 1);
    app.fallthrough();  // --models-dir is accepted after the subcommand too
    GlobalOptions global;
    app.add_option("--models-dir", global.modelsDir, "Model directory (default $PASTICHE_MODELS or "
                   "$XDG_DATA_HOME/pastiche/models)");
    CommandRunner run;
    addModelsCommand(app, global, run);
    addStyleVectorCommand(app, global, run);
    addStylizeCommand(app, global, run);
    addBenchCommand(app, global, run);
    addDevicesCommand(app, global, run);
#ifdef PASTICHE_WITH_MEDIA
    addLiveCommand(app, global, run);
    addCamerasCommand(app, global, run);
#endif
#ifdef PASTICHE_WITH_GUI
    bool guiChosen = false;
    pastiche::ui::GuiOptions guiOptions;
    pastiche::ui::addGuiCommand(app, guiOptions, guiChosen);
#endif
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "pastiche: error: %s (see pastiche --help)\n", e.what());
        return exitCodeFor(pastiche::StatusCode::InvalidArgument);
    }
    // Commands return errors as Status; these are the last line against an abort (rc 134).
    if (run) {
        try {
            return run();
        } catch (const std::bad_alloc&) {
            std::fputs("pastiche: error: out of memory\n", stderr);
            return exitCodeFor(pastiche::StatusCode::OutOfMemory);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "pastiche: error: internal error: %s\n", e.what());
            return exitCodeFor(pastiche::StatusCode::Internal);
        }
    }
#ifdef PASTICHE_WITH_GUI
    guiOptions.modelsDir = global.modelsDir;
    return pastiche::ui::runGui(argc, argv, guiOptions);
#else
    std::fputs(app.help().c_str(), stdout);
    return 0;
#endif
}
