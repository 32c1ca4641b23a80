// `pastiche style-vector` and `pastiche stylize` (images here; videos go to the media pipeline).
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <optional>

#include "app/cli/commands.h"
#include "app/cli/common.h"
#include "app/core/atomic_output.h"
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
    std::optional<AtomicOutput> output;
    if (!a.output.empty()) {
        Status st = checkOutputPath(a.output, {a.image});
        if (!st) return printError(st);
        auto created = AtomicOutput::create(a.output, stderrNotice());
        if (!created) return printError(created.status());
        output.emplace(std::move(created).value());
    }
    StyleVectorSource source(resolveModelsDir(g.modelsDir));
    auto v = source.fromImageFile(a.image);
    if (!v) return printError(v.status());
    if (!output) {
        std::fputs(formatStyleVector(v.value()).c_str(), stdout);
        return 0;
    }
    const std::string text = formatStyleVector(v.value());
    Status st = output->write(text.data(), text.size());
    if (st) st = output->commit();
    return st ? 0 : printError(st);
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

// Everything that can be known wrong before a long job: options, output name, the lock.
Status checkStylizeArgs(const StylizeArgs& a) {
    if (a.style.empty() && a.styleVector.empty())
        return Status::invalidArgument("stylize needs --style IMAGE or --style-vector FILE");
    PASTICHE_RETURN_IF_ERROR(checkStrength(a.strength));
    PASTICHE_RETURN_IF_ERROR(checkCrf(a.crf));
    PASTICHE_RETURN_IF_ERROR(checkPreset(a.preset));
    if (a.stability != -1) PASTICHE_RETURN_IF_ERROR(checkRange("--stability", a.stability, 0.0, 1.0));
    auto size = SizeSpec::parse(a.size);
    if (!size) return size.status();
    auto backend = BackendSpec::parse(a.backend);
    if (!backend) return Status::invalidArgument(backend.status().message());
    return checkOutputPath(a.output, {a.input, a.style, a.styleVector});
}

int runImageStylize(const GlobalOptions& g, const StylizeArgs& a) {
    // The output's extension and lock first: a mistake there must not cost the whole stylize.
    Status st = checkImageOutputExtension(a.output);
    if (!st) return printError(st);
    auto output = AtomicOutput::create(a.output, stderrNotice());
    if (!output) return printError(output.status());
    const SizeSpec sizeSpec = SizeSpec::parse(a.size).value();
    auto outputSpec = SizeSpec::parse(a.outputSize);
    if (!outputSpec) return printError(Status::invalidArgument("--output-size: " + outputSpec.status().message()));
    const BackendSpec backendSpec = BackendSpec::parse(a.backend).value();
    auto image = readImage(a.input);
    if (!image) return printError(image.status());
    int w = 0, h = 0;
    sizeSpec.apply(image.value().width, image.value().height, w, h);
    int outW = 0, outH = 0;
    outputSpec.value().apply(image.value().width, image.value().height, outW, outH);
    st = checkProcessingSize(w, h);
    if (st) st = checkProcessingSize(outW, outH);
    if (!st) return printError(st);
    const std::string modelsDir = resolveModelsDir(g.modelsDir);
    StyleVectorSource styles(modelsDir);
    auto style = styles.fromArguments(a.style, a.styleVector);
    if (!style) return printError(style.status());
    auto net = loadTransferModel(g.modelsDir, a.model);
    if (!net) return printError(net.status());
    StylizerOptions options;
    options.backend = backendSpec;
    auto stylizer = Stylizer::create(net.value(), options, stderrNotice());
    if (!stylizer) return printError(stylizer.status());
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
        if (!own) return printError(own.status());
        content = own.value();
    }
    st = stylizer.value()->setMix(mix, content);
    if (st) st = stylizer.value()->stylize(in.view(), processed.view());
    if (!st) return printError(st);
    // Processing size -> output size, edge-aware (guided by the full-resolution input).
    Image8 out;
    st = upsampleGuided(processed, image.value(), outW, outH, out);
    if (!st) return printError(st);
    if (a.preserveColors) preserveColors(resampleImage(image.value(), outW, outH), out);
    st = writeImage(output.value(), out);
    if (!st) return printError(st);
    std::fprintf(stderr, "wrote %s (%dx%d, processed at %dx%d, %s)\n", a.output.c_str(), outW, outH, w, h,
                 stylizer.value()->description().c_str());
    return 0;
}

int runStylize(const GlobalOptions& g, const StylizeArgs& a) {
    Status st = checkStylizeArgs(a);
    if (!st) return printError(st);
#ifdef PASTICHE_WITH_MEDIA
    if (isVideoPath(a.input)) {
        st = checkVideoOutputPath(a.output);
        if (!st) return printError(st);
        // Another run writing this output is refused now, not after the setup; the sink takes
        // the lock for good when it opens.
        st = AtomicOutput::checkNotLocked(a.output);
        if (!st) return printError(st);
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
        run = [&global] { return runStylize(global, a); };
    });
}

}  // namespace pastiche::cli
