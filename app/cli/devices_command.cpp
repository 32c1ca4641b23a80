// `pastiche devices`: the compute devices Pastiche can use.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <thread>

#include "app/cli/commands.h"
#include "engine/backend.h"

namespace pastiche::cli {

namespace {

int runDevices() {
    // TENSOR CORES: whether the Vulkan backend runs its convolutions on matrix units there
    // (cooperative matrices; PASTICHE_VK_COOPMAT=0 turns them off).
    std::printf("%-8s %-40s %-11s %-28s %10s  %-4s  %s\n", "BACKEND", "NAME", "TYPE", "DRIVER", "MEMORY", "FP16",
                "TENSOR CORES");
    auto devices = listVulkanDevices();
    if (devices) {
        for (const auto& d : devices.value())
            std::printf("vulkan:%-1d %-40s %-11s %-28s %7.1f GB  %-4s  %s\n", d.index, d.name.c_str(), d.type.c_str(),
                        d.driver.c_str(), d.memoryBytes / 1e9, d.fp16 ? "yes" : "no",
                        d.matrixUnits.empty() ? "no" : ("yes: " + d.matrixUnits).c_str());
    }
    std::printf("%-8s %-40s %-11s %-28s %10s  %-4s  %s\n", "cpu",
                ("CPU, " + std::to_string(std::thread::hardware_concurrency()) + " threads").c_str(), "cpu", "built-in",
                "-", "no", "no");
    if (!devices) std::fprintf(stderr, "pastiche: note: Vulkan unavailable: %s\n", devices.status().message().c_str());
    else if (devices.value().empty()) std::fprintf(stderr, "pastiche: note: no Vulkan devices found\n");
    return 0;
}

}  // namespace

void addDevicesCommand(CLI::App& app, GlobalOptions&, CommandRunner& run) {
    app.add_subcommand("devices", "List compute devices (Vulkan GPUs and the CPU)")
        ->callback([&run] { run = [] { return runDevices(); }; });
}

}  // namespace pastiche::cli
