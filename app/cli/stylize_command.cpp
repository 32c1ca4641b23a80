// `pastiche style-vector` and `pastiche stylize` (images here; videos go to the media pipeline).
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>

#include "app/cli/commands.h"
#include "app/cli/common.h"
#include "app/core/color_preserve.h"
#include "app/core/guided_upsample.h"
#include "app/core/image_io.h"
#include "app/core/model_store.h"
#include "app/core/resample.h"
#include "app/core/style_source.h"

namespace pastiche::cli {

namespace {

struct StyleVectorArgs {
    std::string image, output;
};

int runStyleVector(const GlobalOptions& g, const StyleVectorArgs& a) {
    StyleVectorSource source(resolveModelsDir(g.modelsDir));
    auto v = source.fromImageFile(a.image);
    if (!v) return printError(v.status().message());
    if (a.output.empty()) {
        std::fputs(formatStyleVector(v.value()).c_str(), stdout);
        return 0;
    }
    Status st = writeStyleVectorFile(a.output, v.value());
    return st ? 0 : printError(st.message());
}

struct StylizeArgs {
    std::string input, output, style, styleVector, model = "fast", size = "native", backend = "auto";
    double strength = 1.0;
    int crf = 20;
    std::string preset = "veryfast";
    std::string outputSize = "native";  // images: native = the input's size
    bool preserveColors = false;
    double stability = -1;  // video: -1 = the default
    std::string pixFmt = "yuv420p";
};

int runImageStylize(const GlobalOptions& g, const StylizeArgs& a) {
    auto sizeSpec = SizeSpec::parse(a.size);
    if (!sizeSpec) return printError(sizeSpec.status().message());
    auto outputSpec = SizeSpec::parse(a.outputSize);
    if (!outputSpec) return printError("--output-size: " + outputSpec.status().message());
    auto backendSpec = BackendSpec::parse(a.backend);
    if (!backendSpec) return printError(backendSpec.status().message());
    auto image = readImage(a.input);
    if (!image) return printError(image.status().message());
    const std::string modelsDir = resolveModelsDir(g.modelsDir);
    StyleVectorSource styles(modelsDir);
    auto style = styles.fromArguments(a.style, a.styleVector);
    if (!style) return printError(style.status().message());
    auto net = loadTransferModel(g.modelsDir, a.model);
    if (!net) return printError(net.status().message());
    StylizerOptions options;
    options.backend = backendSpec.value();
    auto stylizer = Stylizer::create(net.value(), options, stderrNotice());
    if (!stylizer) return printError(stylizer.status().message());
    int w = 0, h = 0;
    sizeSpec.value().apply(image.value().width, image.value().height, w, h);
    int outW = 0, outH = 0;
    outputSpec.value().apply(image.value().width, image.value().height, outW, outH);
    Image8 in = resampleImage(image.value(), w, h);
    Image8 processed(w, h);
    // The one style mix (strength 0 = the original picture), the content's own vector taken from
    // the processed input as the session engine does for video frames.
    StyleMix mix;
    mix.style = style.value();
    mix.strength = a.strength;
    std::optional<StyleVector> content;
    if (needsContentVector(mix)) {
        auto own = styles.fromImage(in);
        if (!own) return printError(own.status().message());
        content = own.value();
    }
    Status st = stylizer.value()->setMix(mix, content);
    if (st) st = stylizer.value()->stylize(in.view(), processed.view());
    if (!st) return printError(st.message());
    // Processing size -> output size, edge-aware (guided by the full-resolution input).
    Image8 out;
    st = upsampleGuided(processed, image.value(), outW, outH, out);
    if (!st) return printError(st.message());
    if (a.preserveColors) preserveColors(resampleImage(image.value(), outW, outH), out);
    st = writeImage(a.output, out);
    if (!st) return printError(st.message());
    std::fprintf(stderr, "wrote %s (%dx%d, processed at %dx%d, %s)\n", a.output.c_str(), outW, outH, w, h,
                 stylizer.value()->description().c_str());
    return 0;
}

int runStylize(const GlobalOptions& g, const StylizeArgs& a) {
    if (a.strength < 0.0 || a.strength > 1.0) return printError("--strength must be in [0, 1]");
#ifdef PASTICHE_WITH_MEDIA
    if (isVideoPath(a.input)) {
        VideoStylizeRequest r;
        r.input = a.input; r.output = a.output; r.styleImage = a.style; r.styleVectorFile = a.styleVector;
        r.model = a.model; r.strength = a.strength; r.size = a.size; r.backend = a.backend;
        r.crf = a.crf; r.preset = a.preset; r.modelsDir = g.modelsDir;
        r.outputSize = a.outputSize; r.stability = a.stability; r.preserveColors = a.preserveColors; r.pixFmt = a.pixFmt;
        return runVideoStylize(r);
    }
#endif
    return runImageStylize(g, a);
}

}  // namespace

void addStyleVectorCommand(CLI::App& app, GlobalOptions& global, CommandRunner& run) {
    static StyleVectorArgs a;
    auto* c = app.add_subcommand("style-vector", "Compute the 100-number style vector of a style image");
    c->add_option("STYLE_IMAGE", a.image, "Style image (center-cropped to square, resized to 256x256)")->required();
    c->add_option("-o,--output", a.output, "Write the vector to FILE instead of stdout");
    c->callback([&global, &run] { run = [&global] { return runStyleVector(global, a); }; });
}

void addStylizeCommand(CLI::App& app, GlobalOptions& global, CommandRunner& run) {
    static StylizeArgs a;
    auto* c = app.add_subcommand("stylize", "Stylize an image or a video file");
    c->add_option("INPUT", a.input, "Input image (PNG, JPEG, ...) or video file")->required();
    c->add_option("-o,--output", a.output, "Output image (.png/.jpg) or video (.mp4)")->required();
    auto* style = c->add_option("--style", a.style, "Style image");
    auto* vec = c->add_option("--style-vector", a.styleVector, "Style vector file (from `pastiche style-vector`)");
    style->excludes(vec);
    c->add_option("--model", a.model, "Transfer model id (default fast)");
    c->add_option("--strength", a.strength, "Style strength in [0,1] (default 1)");
    c->add_option("--size", a.size, "Processing size: native | N (shorter side) | WxH (default native)");
    c->add_option("--backend", a.backend, "auto | cpu | vulkan | vulkan:N (default auto)");
    c->add_option("--output-size", a.outputSize,
                  "Output size: native (the input's) | N (shorter side) | WxH (default native); upscaling is edge-aware");
    c->add_flag("--preserve-colors", a.preserveColors, "Keep the input's colours (stylized luminance, input chroma)");
    c->add_option("--stability", a.stability, "Video: temporal stability 0..1 (0 = per frame; default 0.8)");
    c->add_option("--pix-fmt", a.pixFmt, "Video: yuv420p (default, plays everywhere) | yuv444p (full colour detail)");
    c->add_option("--crf", a.crf, "Video: x264 quality (default 20; 0 = lossless)");
    c->add_option("--preset", a.preset, "Video: x264 preset (default veryfast)");
    c->callback([&global, &run] {
        run = [&global] {
            if (a.style.empty() && a.styleVector.empty()) return printError("stylize needs --style IMAGE or --style-vector FILE");
            return runStylize(global, a);
        };
    });
}

}  // namespace pastiche::cli
