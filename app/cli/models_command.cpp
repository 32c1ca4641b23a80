// `pastiche models fetch|list|verify`
#include <CLI/CLI.hpp>

#include <cstdio>

#include "app/cli/commands.h"
#include "app/core/model_store.h"

namespace pastiche::cli {

namespace {

int runFetch(const GlobalOptions& g, const std::string& from) {
    const std::string dir = resolveModelsDir(g.modelsDir);
    const std::string source = from.empty() ? findLocalSource() : from;
    std::fprintf(stderr, "Fetching models into %s%s\n", dir.c_str(),
                 source.empty() ? " (downloading)" : (" (from " + source + ")").c_str());
    size_t done = 0, total = manifest().size();
    Status st = fetchModels(dir, source, [&](const FetchEvent& e) {
        switch (e.kind) {
        case FetchEvent::Kind::Start:
            std::fprintf(stderr, "[%zu/%zu] %-40s %s\n", done + 1, total, e.entry->file.c_str(), e.message.c_str());
            break;
        case FetchEvent::Kind::AlreadyPresent:
            ++done;
            std::fprintf(stderr, "[%zu/%zu] %-40s already present, sha256 ok\n", done, total, e.entry->file.c_str());
            break;
        case FetchEvent::Kind::Done:
            ++done;
            std::fprintf(stderr, "[%zu/%zu] %-40s %.1f MB, sha256 ok\n", done, total, e.entry->file.c_str(), e.bytesTotal / 1e6);
            break;
        case FetchEvent::Kind::Failed:
            ++done;
            std::fprintf(stderr, "[%zu/%zu] %-40s FAILED: %s\n", done, total, e.entry->file.c_str(), e.message.c_str());
            break;
        default: break;
        }
    });
    if (!st) return printError(st.message());
    std::fprintf(stderr, "All %zu files present and verified in %s\n", total, dir.c_str());
    return 0;
}

int runList(const GlobalOptions& g) {
    const std::string dir = resolveModelsDir(g.modelsDir);
    std::printf("%-28s %-18s %10s  %-8s %s\n", "ID", "ROLE", "BYTES", "STATE", "FILE");
    for (const auto& r : verifyModels(dir)) {
        const char* state = r.state == VerifyResult::State::Ok ? "ok" : r.state == VerifyResult::State::Missing ? "missing" : "BAD";
        std::printf("%-28s %-18s %10llu  %-8s %s\n", r.entry->id.c_str(), r.entry->role.c_str(),
                    static_cast<unsigned long long>(r.entry->bytes), state, r.path.c_str());
    }
    return 0;
}

int runVerify(const GlobalOptions& g) {
    const std::string dir = resolveModelsDir(g.modelsDir);
    int bad = 0, missing = 0;
    for (const auto& r : verifyModels(dir)) {
        switch (r.state) {
        case VerifyResult::State::Ok: std::printf("ok       %s\n", r.path.c_str()); break;
        case VerifyResult::State::Missing: ++missing; std::printf("missing  %s\n", r.path.c_str()); break;
        case VerifyResult::State::WrongSize: ++bad; std::printf("BAD size %s\n", r.path.c_str()); break;
        case VerifyResult::State::WrongHash: ++bad; std::printf("BAD hash %s\n", r.path.c_str()); break;
        }
    }
    if (bad || missing)
        return printError(std::to_string(bad) + " corrupt and " + std::to_string(missing) +
                          " missing file(s) in " + dir + "; run `pastiche models fetch`");
    std::printf("all %zu files verified (sha256)\n", manifest().size());
    return 0;
}

}  // namespace

void addModelsCommand(CLI::App& app, GlobalOptions& global, CommandRunner& run) {
    auto* models = app.add_subcommand("models", "Fetch, list and verify the models and bundled styles");
    models->require_subcommand(1);
    auto* fetch = models->add_subcommand(
        "fetch", "Copy (from --from or PASTICHE_MODEL_SOURCE) or download the models, verifying sha256");
    static std::string from;  // CLI11 binds options to storage that outlives parsing
    fetch->add_option("--from", from, "Local folder to copy from instead of downloading");
    fetch->callback([&global, &run] { run = [&global] { return runFetch(global, from); }; });
    models->add_subcommand("list", "List the models and their state")
        ->callback([&global, &run] { run = [&global] { return runList(global); }; });
    models->add_subcommand("verify", "Check every file's size and sha256")
        ->callback([&global, &run] { run = [&global] { return runVerify(global); }; });
}

}  // namespace pastiche::cli
