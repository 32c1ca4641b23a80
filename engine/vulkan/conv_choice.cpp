#include "engine/vulkan/conv_choice.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/env_switch.h"
#include "engine/replace_file.h"
#include "engine/vulkan/vk_context.h"

extern char** environ;

namespace pastiche::vk {
namespace {

// The choices file: one "key<TAB>variant" line each. Lines that do not parse (no tab, a variant that
// is not wholly a number) are skipped: the key then gets measured again.
std::map<std::string, int> readChoices(const std::string& path) {
    std::map<std::string, int> choices;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        const size_t tab = line.rfind('\t');
        if (tab == std::string::npos) continue;
        int variant = -1;
        const char* end = line.data() + line.size();
        const auto [at, ec] = std::from_chars(line.data() + tab + 1, end, variant);
        if (ec != std::errc() || at != end || variant < 0) continue;
        choices[line.substr(0, tab)] = variant;
    }
    return choices;
}

}  // namespace

Result<std::vector<double>> timeConvTrials(const Context& ctx, const std::vector<ConvTrial>& trials, int rounds) {
    if (trials.empty() || rounds < 1) return std::vector<double>{};
    const uint32_t queries = uint32_t(2 * trials.size() * size_t(rounds));
    VkQueryPoolCreateInfo qi{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
    qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
    qi.queryCount = queries;
    VkQueryPool qp;
    PASTICHE_VK(vkCreateQueryPool(ctx.device(), &qi, nullptr, &qp));
    const QueryPoolHandle pool(ctx.device(), qp);
    Status recorded = Status::ok();
    PASTICHE_RETURN_IF_ERROR(ctx.submitAndWait([&](VkCommandBuffer cmd) {
        vkCmdResetQueryPool(cmd, pool, 0, queries);
        BarrierTracker tracker;  // each dispatch waits for the one before: timed alone
        tracker.begin();
        uint32_t q = 0;
        for (int r = 0; r < rounds && recorded; ++r)
            for (const ConvTrial& t : trials) {
                vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pool, q++);
                recorded =
                    t.op->record(cmd, tracker, t.set, t.shape, t.in, t.out, t.weights, t.partials, t.inScaleShift);
                if (!recorded) break;
                vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pool, q++);
            }
    }));
    PASTICHE_RETURN_IF_ERROR(recorded);
    std::vector<uint64_t> stamps(queries);
    PASTICHE_VK(vkGetQueryPoolResults(ctx.device(), pool, 0, queries, queries * 8, stamps.data(), 8,
                                      VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT));
    const double toMs = ctx.caps().timestampPeriodNs * 1e-6;
    std::vector<double> medians;
    for (size_t t = 0; t < trials.size(); ++t) {
        std::vector<double> ms;
        for (int r = 0; r < rounds; ++r) {
            const size_t at = 2 * (size_t(r) * trials.size() + t);
            ms.push_back(double(stamps[at + 1] - stamps[at]) * toMs);
        }
        std::nth_element(ms.begin(), ms.begin() + ptrdiff_t(ms.size() / 2), ms.end());
        medians.push_back(ms[ms.size() / 2]);
    }
    return medians;
}

ConvChoice::ConvChoice(const std::string& pipelineCachePath, bool cpuDevice) : cpuDevice_(cpuDevice) {
    const std::string mode = env::value("PASTICHE_VK_CONV_CHOICE").value_or("auto");
    if (mode == "fixed") mode_ = Mode::Fixed;
    if (mode == "measure") mode_ = Mode::Measure;
    if (!mode.empty() && std::all_of(mode.begin(), mode.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        mode_ = Mode::Forced;
        forced_ = std::atoi(mode.c_str());
    }
    // Every PASTICHE_VK_ switch but this one goes into the key: tile and tuning knobs change what
    // a variant is (over-keying costs only a measurement).
    std::vector<std::string> switches;
    for (char** e = environ; e && *e; ++e)
        if (std::strncmp(*e, "PASTICHE_VK_", 12) == 0 && std::strncmp(*e, "PASTICHE_VK_CONV_CHOICE=", 24) != 0)
            switches.emplace_back(*e);
    std::sort(switches.begin(), switches.end());
    for (const std::string& s : switches) switches_ += " " + s;
    if (pipelineCachePath.empty()) return;
    path_ = pipelineCachePath + ".conv";
    choices_ = readChoices(path_);
}

std::string ConvChoice::key(size_t layer, const Conv2dOp& op, const Conv2dShape& shape, bool fp16) const {
    std::ostringstream k;
    k << "layer " << layer << " kernel " << int(op.kernelKind()) << (op.narrowHalf2() ? " h2" : "") << " norm "
      << int(op.inputNorm()) << (fp16 ? " fp16" : " fp32") << " in " << shape.inW << "x" << shape.inH << " out "
      << shape.outW << "x" << shape.outH << " variants " << op.variantCount() << switches_;
    std::string s = k.str();
    std::replace(s.begin(), s.end(), '\t', ' ');
    std::replace(s.begin(), s.end(), '\n', ' ');
    return s;
}

int ConvChoice::remembered(const std::string& key) const {
    const auto it = choices_.find(key);
    return it == choices_.end() ? -1 : it->second;
}

Status ConvChoice::save() {
    if (path_.empty() || measured_.empty()) return Status::ok();
    // Merged with what is on disk now, so that two processes measuring at once (other sizes, or
    // another model) keep each other's choices; this process's measurements win a tie. The lock
    // (flock on <file>.lock; released when it is closed) keeps two merges from interleaving; rename
    // is atomic, so a reader without the lock sees one whole file or the other.
    const int lock = ::open((path_ + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock < 0) return Status::io("cannot open the conv choices lock " + path_ + ".lock");
    struct LockGuard {
        int fd;
        ~LockGuard() { ::close(fd); }
    } guard{lock};
    if (::flock(lock, LOCK_EX) != 0) return Status::io("cannot lock the conv choices lock " + path_ + ".lock");
    std::map<std::string, int> merged = readChoices(path_);
    for (const auto& [key, variant] : measured_) merged[key] = variant;
    std::ostringstream text;
    for (const auto& [key, variant] : merged) text << key << '\t' << variant << '\n';
    PASTICHE_RETURN_IF_ERROR(replaceFile(path_, text.str()).withContext("conv choices"));
    choices_ = std::move(merged);
    measured_.clear();
    return Status::ok();
}

}  // namespace pastiche::vk
