#!/usr/bin/env bash
# Fuzz the actuator's SuiteGate (seed v1 and both v2 suites) with AFL++ through SharpFuzz (single process, as the machine has 2 cores).
# Usage: services/tools/SmartHome.Security.Fuzz/run-afl.sh [seconds]   (default 600)
# Needs: apt-get install -y afl++ ; dotnet tool install --tool-path /tmp/sf SharpFuzz.CommandLine
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
secs="${1:-600}"
out="${FUZZ_OUT:-/tmp/shsec-fuzz}"
sharpfuzz="${SHARPFUZZ:-/tmp/sf/sharpfuzz}"
dotnet build -c Release "$here" -o "$out/bin" >/dev/null
dotnet "$out/bin/SmartHome.Security.Fuzz.dll" --make-corpus "$out/corpus"   # before instrumenting
"$sharpfuzz" "$out/bin/SmartHome.Security.dll"           # instruments the library in place
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1
timeout --preserve-status "$secs" afl-fuzz -i "$out/corpus" -o "$out/findings" -t 5000 -m none -- dotnet "$out/bin/SmartHome.Security.Fuzz.dll" || true
grep -E "execs_done|execs_per_sec|saved_crashes|saved_hangs|corpus_count|stability|bitmap_cvg" "$out/findings/default/fuzzer_stats"
