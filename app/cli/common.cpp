#include "app/cli/common.h"

#include <cstdio>

#include "app/cli/commands.h"
#include "app/core/model_store.h"
#include "engine/tflite_reader.h"

namespace pastiche::cli {

int printError(const std::string& message) {
    std::fprintf(stderr, "pastiche: error: %s\n", message.c_str());
    return 1;
}

Result<std::shared_ptr<const TransferNetwork>> loadTransferModel(const std::string& modelsDir, const std::string& id) {
    auto path = modelPath(resolveModelsDir(modelsDir), id);
    if (!path) return path.status();
    auto net = loadTransferNetwork(path.value());
    if (!net) return net.status();
    return std::shared_ptr<const TransferNetwork>(std::make_shared<TransferNetwork>(std::move(net).value()));
}

NoticeCallback stderrNotice() {
    return [](const std::string& m) { std::fprintf(stderr, "pastiche: note: %s\n", m.c_str()); };
}

}  // namespace pastiche::cli
