#!/usr/bin/env python3
"""Compares `ours` between two builds measured in the same way (an A/B of one change).

Usage: bench/scripts/ab.py --before B1.json [B2.json ...] --after A1.json [A2.json ...]

Each file is `model-bench --json` output holding any of the three backends. Prints one Markdown
table with a row per backend and workload: ours' median time per operation before and after
(the mean over the runs of each build), their ratio, and ours' ratio to the floor (the raw
driver, timed in the same shuffled rounds: the mean over the runs of the per-round median),
which moves less with the host than the times do. Then, per backend, the median over workloads
of (x floor after / x floor before), and the spread of that ratio between the runs of one build
(when a build has two runs or more): a change inside that spread is not one the runs can see.
"""

import argparse
import json
import statistics
import sys


def cells(paths):
    """{(backend, workload id): [(label, ns median, x floor median), ...]} over the runs."""
    out = {}
    order = []
    for path in paths:
        with open(path) as f:
            report = json.load(f)
        for backend in report["backends"]:
            for workload in backend["workloads"]:
                for cell in workload["cells"]:
                    if cell["contender"] != "ours":
                        continue
                    key = (backend["backend"], workload["id"])
                    if key not in out:
                        order.append(key)
                    out.setdefault(key, []).append(
                        (
                            workload["label"],
                            cell["ns_per_op"]["median"],
                            cell["vs_floor"]["median"],
                        )
                    )
    return out, order


def time(ns):
    for unit, scale in (("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.2f} {unit}" if unit == "ms" else f"{ns / scale:.1f} {unit}"
    return f"{ns:.0f} ns"


def spread(runs):
    """The range of (x floor of one run / x floor of another) over the pairs of runs."""
    ratios = [a[2] / b[2] for i, a in enumerate(runs) for b in runs[i + 1 :]]
    ratios += [1 / r for r in ratios]
    return (min(ratios), max(ratios)) if ratios else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", nargs="+", required=True)
    parser.add_argument("--after", nargs="+", required=True)
    args = parser.parse_args()
    before, order = cells(args.before)
    after, _ = cells(args.after)
    print("| backend | workload | before | after | after/before | ×floor before | ×floor after |")
    print("|---|---|---:|---:|---:|---:|---:|")
    changes = {}
    spreads = {}
    for key in order:
        if key not in after:
            continue
        b, a = before[key], after[key]
        label = b[0][0]
        b_ns = statistics.mean(c[1] for c in b)
        a_ns = statistics.mean(c[1] for c in a)
        b_fl = statistics.mean(c[2] for c in b)
        a_fl = statistics.mean(c[2] for c in a)
        print(
            f"| {key[0]} | {label} | {time(b_ns)} | {time(a_ns)} | {a_ns / b_ns:.2f} | "
            f"{b_fl:.2f}× | {a_fl:.2f}× |"
        )
        changes.setdefault(key[0], []).append(a_fl / b_fl)
        for runs in (b, a):
            s = spread(runs)
            if s:
                spreads.setdefault(key[0], []).extend(s)
    print()
    for backend, ratios in changes.items():
        line = (
            f"- {backend}: median of ×floor after / ×floor before over {len(ratios)} "
            f"workloads {statistics.median(ratios):.3f} (range {min(ratios):.2f}–{max(ratios):.2f})"
        )
        if backend in spreads:
            s = spreads[backend]
            line += f"; one build against itself, per cell: {min(s):.2f}–{max(s):.2f}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
