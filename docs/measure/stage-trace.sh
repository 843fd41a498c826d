#!/usr/bin/env bash
# Where one reading's latency goes on one pipeline, stage by stage, from the processes' own system calls.
#
#   sudo bash docs/measure/stage-trace.sh OUT [READINGS] [RATE] [PIPELINE]   (defaults: 3000 readings at 100/s, insecure)
#   sudo Security__Suite=modern bash docs/measure/stage-trace.sh OUT 3000 100 secure       (the secure pipeline in a suite)
#
# Runs the report's latency mode (Release build first: dotnet build -c Release), and while its measured run is under way
# records, with perf tracepoints, the sends, receives, file writes and epoll wake-ups of that pipeline's sensor, broker and
# actuator. docs/measure/stage-timeline.py then follows each reading from the sensor's outbox write to the actuator's
# applied-journal write and prints each stage's p50, mean and p90. Needs root and perf (apt-get install linux-perf).
# Keep the rate low (≤ 100/s, one in flight): readings must not overlap for the stages to be matched one to one.
set -euo pipefail
out=${1:?usage: stage-trace.sh OUT [READINGS] [RATE] [insecure|secure]}; readings=${2:-3000}; rate=${3:-100}; pipeline=${4:-insecure}
case "$pipeline" in insecure|secure) ;; *) echo "PIPELINE is insecure or secure, not '$pipeline'" >&2; exit 2 ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"; out=$(cd "$out" && pwd)
command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf)" >&2; exit 2; }

(cd "$root" && dotnet run -c Release --no-build --no-launch-profile --project services/tools/SmartHome.Report -- --mode latency \
    --readings "$readings" --rate "$rate" --crypto-iterations 10 --out "$out/report" > "$out/report.log" 2>&1) &
report=$!
for _ in $(seq 1 600); do grep -q "Latency run:" "$out/report.log" 2>/dev/null && break; sleep 1; done
sleep 6 # past the warm-up

: > "$out/pids.txt"
for pid in $(pgrep -f "SmartHome\.(Sensor|Actuator) |mosquitto"); do
  cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null || true)
  # The secure pipeline's processes are the ones whose command line names "secure" but not "insecure".
  case "$pipeline:$cmd" in insecure:*insecure*) ;; secure:*insecure*) continue ;; secure:*secure*) ;; *) continue ;; esac
  case "$cmd" in "dotnet run"*) continue ;; esac
  echo "$pid $cmd" >> "$out/pids.txt"
done
pids=$(cut -d' ' -f1 "$out/pids.txt" | paste -sd,)
[ -n "$pids" ] || { echo "no $pipeline sensor, actuator or broker found" >&2; wait "$report"; exit 1; }

events=syscalls:sys_enter_sendto,syscalls:sys_exit_recvfrom,syscalls:sys_exit_read,syscalls:sys_enter_write
events=$events,syscalls:sys_enter_pwrite64,syscalls:sys_exit_epoll_wait
perf record -e "$events" -p "$pids" -o "$out/perf.data" -- sleep "${TRACE_SECONDS:-8}" > "$out/perf.log" 2>&1
perf script -i "$out/perf.data" -F comm,pid,tid,time,event,trace > "$out/trace.txt" 2>/dev/null
wait "$report"
python3 "$root/docs/measure/stage-timeline.py" "$out/trace.txt" "$out/pids.txt" | tee "$out/stages.txt"
