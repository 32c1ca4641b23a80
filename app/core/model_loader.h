// Loading the transfer network by model id: the one place the CLI, the session engine and the
// desktop app go through (the models directory resolved as model_store.h says).
#pragma once

#include <memory>
#include <string>

#include "engine/status.h"
#include "engine/transfer_network.h"

namespace pastiche {

// modelsDirOverride empty = $PASTICHE_MODELS / XDG data dir (resolveModelsDir). Prints nothing.
Result<std::shared_ptr<const TransferNetwork>> loadTransferModel(const std::string& modelsDirOverride,
                                                                 const std::string& id);

}  // namespace pastiche
