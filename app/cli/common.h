// Helpers shared by the subcommands: loading the transfer network and building a Stylizer.
#pragma once

#include <memory>
#include <string>

#include "app/core/stylizer.h"
#include "engine/transfer_network.h"

namespace pastiche::cli {

// Loads the transfer model by id from the models directory; prints nothing.
Result<std::shared_ptr<const TransferNetwork>> loadTransferModel(const std::string& modelsDir, const std::string& id);
// Notices (fallbacks) go to stderr as "pastiche: note: ...".
NoticeCallback stderrNotice();

}  // namespace pastiche::cli
