// Helpers shared by the subcommands.
#pragma once

#include <memory>
#include <string>

#include "app/core/model_loader.h"
#include "app/core/stylizer.h"
#include "engine/transfer_network.h"

namespace pastiche::cli {

// Notices (fallbacks) go to stderr as "pastiche: note: ...".
NoticeCallback stderrNotice();

}  // namespace pastiche::cli
