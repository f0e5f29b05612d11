#!/usr/bin/env bash
# Runs model-bench with the client and the local database servers pinned to one CPU, then gives
# the servers their previous affinity back (also on failure or Ctrl-C).
#
# Why: on a small VM a round trip over loopback costs 35 µs or 90 µs depending on whether the
# client and the server process answering it were woken on the same CPU or on two, and the
# kernel's choice sticks to a connection for a while. Each contender has its own connections,
# so unpinned, whole cells move by up to 2x with placement rather than with the code measured.
# On one CPU every round trip is the same hand-over and the cells compare CPU cost per round
# trip. It is the steady reading, not the fast one: on a real deployment the server has its own
# cores.
#
# Usage: bench/scripts/colocated.sh CPU BENCH_BINARY [model-bench arguments...]
#   e.g. bench/scripts/colocated.sh 0 target/bench-release/model-bench --backend all --json f.json
# Needs the right to change the servers' affinity (root, or the servers' user).
set -euo pipefail

if [ $# -lt 2 ]; then
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
cpu=$1
shift

saved=$(mktemp)
trap 'restore' EXIT INT TERM

restore() {
    while read -r pid cpus; do
        taskset -apc "$cpus" "$pid" >/dev/null 2>&1 || true
    done <"$saved"
    rm -f "$saved"
}

for program in postgres mariadbd mysqld; do
    for pid in $(pgrep -x "$program" || true); do
        echo "$pid $(taskset -pc "$pid" | sed 's/.*: //')" >>"$saved"
        # -a: every thread (mariadbd's connection threads); threads and backends started
        # later inherit the affinity of the process that starts them.
        taskset -apc "$cpu" "$pid" >/dev/null
    done
done

taskset -c "$cpu" "$@"
