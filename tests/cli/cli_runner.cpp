#include "cli/cli_runner.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace pastiche::test {

namespace {
std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}
}  // namespace

std::string quoted(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

std::string makeTempDir(const std::string& tag) {
    std::string tmpl = (std::filesystem::temp_directory_path() / ("pastiche-" + tag + "-XXXXXX")).string();
    char* d = mkdtemp(tmpl.data());
    return d ? std::string(d) : std::string();
}

CommandResult runPastiche(const std::string& args, const std::string& env) {
    static int counter = 0;
    const std::string dir = makeTempDir("run" + std::to_string(counter++));
    const std::string outPath = dir + "/out", errPath = dir + "/err";
    const std::string cmd = env + (env.empty() ? "" : " ") + quoted(PASTICHE_BINARY) + " " + args + " >" +
                            quoted(outPath) + " 2>" + quoted(errPath) + " </dev/null";
    int status = std::system(cmd.c_str());
    CommandResult r;
    if (status != -1 && WIFEXITED(status)) {
        r.exitCode = WEXITSTATUS(status);
        // The shell reports a child killed by a signal as 128 + signal.
        if (r.exitCode > 128 && r.exitCode < 128 + 32) { r.signal = r.exitCode - 128; r.exitCode = -1; }
    }
    r.out = slurp(outPath);
    r.err = slurp(errPath);
    std::filesystem::remove_all(dir);
    return r;
}

}  // namespace pastiche::test
