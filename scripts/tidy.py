#!/usr/bin/env python3
"""clang-tidy over every engine/, app/ and ui/ source in BUILD_DIR's compile_commands.json, with a
result cache so that a repeated run checks only what changed (as ccache does for the compiler).

A file's key is the SHA-256 of: clang-tidy's version, .clang-tidy, the compile command and the
preprocessed source with comments kept (`-E -C`: every header it includes, and the NOLINT
comments, which are comments). The checkout's path is replaced by a placeholder in the command and
in the preprocessed text, so checkouts at other paths share hits. Only clean results are cached: a
file with findings is checked again on every run.

TIDY_SINCE=COMMIT checks only the sources that changed since COMMIT, or that include (through any
chain of the project's own headers) a file that changed; a change to .clang-tidy or to a
CMakeLists.txt (flags) checks everything. CI uses it with the commit at which the whole tree was
last checked clean (.ci/tidy-clean-at), so a cold cache does not cost a whole-tree run.

Usage: scripts/tidy.py BUILD_DIR   (env: PASTICHE_TIDY_CACHE, default ~/.cache/pastiche-clang-tidy;
PASTICHE_TIDY_CACHE=off checks everything; TIDY_JOBS, default nproc; TIDY_ONLY=REGEX checks only
the files whose path under engine/, app/ or ui/ starts with it; TIDY_SINCE=COMMIT as above)
"""
import concurrent.futures
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
build = os.path.abspath(sys.argv[1])
tidy = os.environ.get("CLANG_TIDY", "clang-tidy")
jobs = int(os.environ.get("TIDY_JOBS", os.cpu_count() or 2))
cache_setting = os.environ.get("PASTICHE_TIDY_CACHE", "")
cache = None if cache_setting == "off" else (
    cache_setting or os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")),
                                  "pastiche-clang-tidy"))
ROOT_MARK = b"@PASTICHE_ROOT@"


def strip_pch(args):
    """Precompiled headers are a build-speed device: drop `-Xclang -include-pch -Xclang X.pch` and
    keep the `-include cmake_pch.hxx` it stands for, so clang-tidy parses the header itself."""
    out, i = [], 0
    while i < len(args):
        if args[i] == "-Xclang" and i + 3 < len(args) and args[i + 1] == "-include-pch":
            i += 4
            continue
        out.append(args[i])
        i += 1
    return out


def preprocess_args(args):
    out, i = [], 0
    while i < len(args):
        if args[i] == "-o":
            i += 2
            continue
        if args[i] == "-c":
            i += 1
            continue
        out.append(args[i])
        i += 1
    return out + ["-E", "-C", "-o", "-"]


with open(os.path.join(build, "compile_commands.json")) as f:
    db = json.load(f)
pattern = re.compile("^" + re.escape(root) + "/(engine|app|ui)/" + os.environ.get("TIDY_ONLY", ""))
UNITY_INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)


def expand_unity(db):
    """A unity build (CMake UNITY_BUILD, e.g. pastiche_cli) compiles Unity/unity_N_cxx.cxx, which
    includes the target's sources: each of those is checked on its own with the unity file's
    flags, as it was before the target was unified."""
    out = []
    for e in db:
        if "/Unity/unity_" not in e["file"]:
            out.append(e)
            continue
        with open(e["file"]) as f:
            sources = UNITY_INCLUDE.findall(f.read())
        for src in sources:
            args = e["arguments"] if "arguments" in e else shlex.split(e["command"])
            args = [src if a == e["file"] else a for a in args]
            out.append({"directory": e["directory"], "file": src, "arguments": args})
    return out


db = expand_unity(db)
entries = []
for e in db:
    if not pattern.match(e["file"]):
        continue  # tests, bench and the build folder's generated files (moc) are not checked
    args = strip_pch(e["arguments"] if "arguments" in e else shlex.split(e["command"]))
    entries.append({"directory": e["directory"], "file": e["file"], "arguments": args})
if not entries:
    sys.exit(f"tidy: no engine/app/ui sources in {build}/compile_commands.json")

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)


def project_includes(path, memo):
    """The project's own files that PATH includes, directly or through other project headers."""
    if path in memo:
        return memo[path]
    memo[path] = set()  # cycles (none expected) end here
    found = set()
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return found
    for name in INCLUDE.findall(text):
        for candidate in (os.path.join(os.path.dirname(path), name), os.path.join(root, name)):
            if os.path.isfile(candidate):
                candidate = os.path.normpath(candidate)
                found.add(candidate)
                found |= project_includes(candidate, memo)
                break
    memo[path] = found
    return found


since = os.environ.get("TIDY_SINCE", "")
scope = "every engine/, app/ and ui/ source"
if since:
    diff = subprocess.run(["git", "-C", root, "diff", "--name-only", since], capture_output=True, text=True)
    if diff.returncode != 0:
        sys.exit(f"tidy: TIDY_SINCE={since}: {diff.stderr.strip()}")
    changed = {os.path.normpath(os.path.join(root, n)) for n in diff.stdout.split()}
    untracked = subprocess.run(["git", "-C", root, "ls-files", "--others", "--exclude-standard"],
                               capture_output=True, text=True).stdout.split()
    changed |= {os.path.normpath(os.path.join(root, n)) for n in untracked}
    everything = any(os.path.basename(c) in (".clang-tidy", "CMakeLists.txt") or c.endswith(".cmake")
                     for c in changed)
    if not everything:
        memo = {}
        entries = [e for e in entries
                   if os.path.normpath(e["file"]) in changed or project_includes(e["file"], memo) & changed]
        scope = f"the sources affected by changes since {since[:12]}"
    if not entries:
        print(f"tidy: no engine/app/ui source is affected by the changes since {since[:12]}")
        sys.exit(0)

version = subprocess.run([tidy, "--version"], capture_output=True, check=True).stdout
with open(os.path.join(root, ".clang-tidy"), "rb") as f:
    config = f.read()
rootb = root.encode()


def key_of(entry):
    pre = subprocess.run(preprocess_args(entry["arguments"]), cwd=entry["directory"],
                         capture_output=True)
    if pre.returncode != 0:
        return None  # let clang-tidy report the error
    h = hashlib.sha256()
    for part in (version, config, "\0".join(preprocess_args(entry["arguments"])).encode(), pre.stdout):
        h.update(part.replace(rootb, ROOT_MARK))
        h.update(b"\0\1\0")
    return h.hexdigest()


def check(entry, dbdir):
    key = key_of(entry) if cache else None
    if key and os.path.exists(os.path.join(cache, key[:2], key)):
        return entry["file"], "cached", ""
    r = subprocess.run([tidy, "--quiet", "-p", dbdir, entry["file"]], capture_output=True, text=True)
    text = r.stdout + r.stderr
    findings = re.search(r"(warning|error):", r.stdout) is not None
    if r.returncode == 0 and not findings:
        if key:
            os.makedirs(os.path.join(cache, key[:2]), exist_ok=True)
            with open(os.path.join(cache, key[:2], key), "w") as f:
                f.write(entry["file"] + "\n")
        return entry["file"], "clean", text
    return entry["file"], "findings", text


t0 = time.time()
with tempfile.TemporaryDirectory() as dbdir:
    with open(os.path.join(dbdir, "compile_commands.json"), "w") as f:
        json.dump(entries, f)
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(lambda e: check(e, dbdir), entries))

bad = [(f, text) for f, state, text in results if state == "findings"]
log = os.path.join(build, "clang-tidy.log")
with open(log, "w") as f:
    for file, state, text in results:
        f.write(f"== {state} {file}\n{text}\n")
for file, text in bad:
    print(f"== {os.path.relpath(file, root)}")
    print("\n".join(l for l in text.splitlines() if not l.startswith(("Error while processing", "Suppressed"))
                    and "warnings generated" not in l))
cached = sum(1 for _, s, _ in results if s == "cached")
summary = (f"{len(entries)} files ({scope}): {cached} unchanged since a clean check (cache), "
           f"{len(entries) - cached} checked, {time.time() - t0:.0f} s")
if bad:
    print(f"tidy: clang-tidy found problems in {len(bad)} of {summary} (log: {log})")
    sys.exit(1)
print(f"tidy: clang-tidy clean on {summary}")
