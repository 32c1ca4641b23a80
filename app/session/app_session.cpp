#include "app/session/app_session.h"

#include "app/core/image_io.h"
#include "app/core/model_store.h"
#include "app/core/style_source.h"

namespace pastiche::session {

SessionOptions appSessionOptions(SessionMode mode, const std::string& modelsDir,
                                 std::shared_ptr<StyleVectorSource> vectors) {
    if (!vectors) vectors = std::make_shared<StyleVectorSource>(resolveModelsDir(modelsDir));
    SessionOptions o;
    o.mode = mode;
    o.modelsDir = modelsDir;
    o.contentVector = [vectors](const Image8& image) { return vectors->fromImage(image); };
    o.writeImage = [](const std::string& path, const Image8& image) { return writeImage(path, image); };
    o.openSource = [](const SourceSpec& spec) { return openSource(spec); };
    return o;
}

}  // namespace pastiche::session
