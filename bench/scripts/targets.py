#!/usr/bin/env python3
"""Checks a model-bench JSON report against issue #4's targets and prints one Markdown section.

    python3 bench/scripts/targets.py results.json [more.json ...]

Per backend: ours against raw sqlx on its pool (target ≤ 1.05× in every cell) and on one
connection; on the servers, ours against the raw driver in the round-trip-bound cells (target
≤ 1.10×) and against each peer (target: at or ahead); W11 ÷ W7-1000 (target ≥ 10×). Every
ratio is the median of per-round ratios measured in the same rounds.
"""
import json
import sys

ROUND_TRIP = ["W1", "W2-1", "W3", "W3p", "W6", "W7-1", "W9", "W10", "W12c", "W12e"]
PEERS = ["seaorm", "seaorm_tuned", "diesel"]


def cells(workload):
    return {c["contender"]: c for c in workload["cells"]}


def median(cell, field):
    s = cell.get(field)
    return s["median"] if s else None


def ratio_to(cells_, key, base):
    """Median of per-round ratios of `key` to `base` (both measured in the same rounds)."""
    a = cells_.get(key, {}).get("ns_per_op_rounds") or []
    b = cells_.get(base, {}).get("ns_per_op_rounds") or []
    r = sorted(x / y for x, y in zip(a, b) if y)
    if not r:
        return None
    n = len(r)
    return r[n // 2] if n % 2 else (r[n // 2 - 1] + r[n // 2]) / 2


def fmt(r):
    return "—" if r is None else f"{r:.2f}"


def backend_section(b):
    out = [f"### {b['backend']} (stolen CPU {fmt(b.get('steal_percent'))}%)", ""]
    out.append("| workload | ours ×sqlx pool | ours ×sqlx 1 conn | ours ×floor | peers ×ours (seaorm, tuned, diesel) |")
    out.append("|---|---|---|---|---|")
    misses_sqlx, misses_floor, misses_peer = [], [], []
    server = b["backend"] != "sqlite"
    for w in b["workloads"]:
        c = cells(w)
        if "ours" not in c:
            continue
        vs_sqlx = ratio_to(c, "ours", "sqlx")
        vs_conn = ratio_to(c, "ours", "sqlx_conn")
        vs_floor = ratio_to(c, "ours", "floor")
        peers = [ratio_to(c, p, "ours") for p in PEERS]
        out.append(f"| {w['id']} | {fmt(vs_sqlx)} | {fmt(vs_conn)} | {fmt(vs_floor)} | "
                   + ", ".join(fmt(p) for p in peers) + " |")
        if vs_sqlx is not None and vs_sqlx > 1.05:
            misses_sqlx.append(f"{w['id']} {vs_sqlx:.2f}")
        if server and w["id"] in ROUND_TRIP:
            if vs_floor is not None and vs_floor > 1.10:
                misses_floor.append(f"{w['id']} {vs_floor:.2f}")
            for p, r in zip(PEERS, peers):
                if r is not None and r < 1.0:
                    misses_peer.append(f"{w['id']} {p} {1 / r:.2f}× faster")
    out.append("")
    out.append(f"- ours > 1.05× sqlx pool: {', '.join(misses_sqlx) or 'none'}")
    if server:
        out.append(f"- round-trip cells > 1.10× floor: {', '.join(misses_floor) or 'none'}")
        out.append(f"- round-trip cells where a peer is ahead of ours: {', '.join(misses_peer) or 'none'}")
    by_id = {w["id"]: cells(w) for w in b["workloads"]}
    if "W11" in by_id and "W7-1000" in by_id:
        many = median(by_id["W7-1000"].get("ours", {}), "ns_per_op")
        single = median(by_id["W11"].get("ours", {}), "ns_per_op")
        if many and single:
            out.append(f"- ours W11 ÷ W7-1000: {single / many:.1f}× (target ≥ 10×)")
        # Where ours' session sends W11's rows as one statement (PostgreSQL, MariaDB), its W11 is no
        # longer 1,000 single inserts; raw sqlx's W11 still is.
        raw = median(by_id["W11"].get("sqlx", {}), "ns_per_op")
        if many and raw:
            out.append(f"- raw sqlx W11 (1,000 single INSERTs) ÷ ours W7-1000: {raw / many:.1f}×")
    out.append("")
    return "\n".join(out)


def main():
    for path in sys.argv[1:]:
        with open(path) as f:
            run = json.load(f)
        m = run["machine"]
        print(f"## Targets: {path} ({'pinned ' + m['affinity'] if m['pinned'] else 'not pinned'})\n")
        for b in run["backends"]:
            print(backend_section(b))


if __name__ == "__main__":
    main()
