#include "app/core/model_loader.h"

#include "app/core/model_store.h"
#include "engine/tflite_reader.h"

namespace pastiche {

Result<std::shared_ptr<const TransferNetwork>> loadTransferModel(const std::string& modelsDirOverride,
                                                                 const std::string& id) {
    auto path = modelPath(resolveModelsDir(modelsDirOverride), id);
    if (!path) return path.status();
    auto net = loadTransferNetwork(path.value());
    if (!net) return net.status();
    return std::shared_ptr<const TransferNetwork>(std::make_shared<TransferNetwork>(std::move(net).value()));
}

}  // namespace pastiche
