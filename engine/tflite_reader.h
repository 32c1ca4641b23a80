// Reads Magenta's TFLite files into the typed networks (engine/transfer_network.h,
// engine/style_network.h) with our own bounds-checked flatbuffer reader. The graph is followed
// op by op (weights are found by structure, names only label layers and are checked); anything the
// typed representation cannot express is rejected with "unsupported graph: ...". Every error names
// the file and what is wrong; corrupt input never crashes, hangs or reads out of bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/status.h"
#include "engine/style_network.h"
#include "engine/transfer_network.h"

namespace pastiche {

Result<TransferNetwork> loadTransferNetwork(const std::string& path);
Result<StyleNetwork> loadStyleNetwork(const std::string& path);

// nameForMessages prefixes every error (usually the file name).
Result<TransferNetwork> parseTransferNetwork(const uint8_t* data, size_t size, const std::string& nameForMessages);
Result<StyleNetwork> parseStyleNetwork(const uint8_t* data, size_t size, const std::string& nameForMessages);

}  // namespace pastiche
