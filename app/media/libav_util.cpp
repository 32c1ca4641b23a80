#include "app/media/libav_util.h"

#include <cstdlib>
#include <mutex>

#include "engine/env_switch.h"

namespace pastiche::av {

void configureLogging() {
    static std::once_flag once;
    std::call_once(once, [] {
        // Corrupt input makes libav print pages of decoder noise; our errors say what matters.
        // PASTICHE_AV_LOG=1 brings libav's own log back for debugging.
        av_log_set_level(env::requested("PASTICHE_AV_LOG") ? AV_LOG_INFO : AV_LOG_QUIET);
    });
}

}  // namespace pastiche::av
