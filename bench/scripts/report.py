#!/usr/bin/env python3
"""Turns model-bench JSON reports into the tables and the chart of BENCHMARKS.md.

    python3 bench/scripts/report.py [options] RUN.json [RUN.json ...]

Each RUN.json is a file written by `model-bench --json` (format: bench/src/report.rs). A file
may hold one backend or several; give each backend once (SQLite, PostgreSQL, MariaDB), e.g. a
co-located run of SQLite and PostgreSQL plus a co-located run of MariaDB.

Writes:
  - Markdown: a "machine" block (CPU, cores, memory, kernel, where the client and the servers
    ran, rustc, crate and server versions, the source files) and a "tables" block (one table per
    backend, one row per workload: the median time per operation of each contender, then ours'
    ratios to raw sqlx on its pool and to the raw driver). The ratios are the ones the JSON
    stores: medians of per-round ratios, each measured within one shuffled round (`vs_sqlx`,
    `vs_floor`), not ratios of the median times.
  - SVG: for each backend, a grouped horizontal bar chart of every contender's time relative to
    raw sqlx on its pool (the JSON's per-round median `vs_sqlx`), one group per workload, log
    scale, bars growing from 1x (left: faster than raw sqlx, right: slower).

Output is deterministic: the same JSON files and arguments give byte-identical files.

Examples:
  # print both Markdown blocks
  python3 bench/scripts/report.py bench/results/colocated-957765a-sqlite-postgres.json \\
      bench/results/colocated-957765a-mysql.json --commit 957765a
  # what BENCHMARKS.md is generated with
  python3 bench/scripts/report.py --commit 957765a \\
      --splice BENCHMARKS.md --svg bench/results/chart.svg \\
      bench/results/colocated-957765a-sqlite-postgres.json bench/results/colocated-957765a-mysql.json

--splice FILE replaces the text between `<!-- report.py:NAME -->` and `<!-- /report.py:NAME -->`
in FILE (NAME is `machine` or `tables`) and leaves everything else in FILE as it is.
"""
import argparse
import json
import math
import os
import re
import sys

BACKEND_ORDER = ["sqlite", "postgres", "mysql"]
BACKEND_TITLE = {"sqlite": "SQLite", "postgres": "PostgreSQL", "mysql": "MariaDB"}

# Column order of the tables and of the bars in a chart group.
CONTENDER_ORDER = ["ours", "sqlx", "sqlx_conn", "seaorm", "seaorm_tuned", "diesel", "floor"]
CONTENDER_SHORT = {
    "ours": "ours",
    "sqlx": "sqlx pool",
    "sqlx_conn": "sqlx 1 conn",
    "seaorm": "SeaORM",
    "seaorm_tuned": "SeaORM tuned",
    "diesel": "Diesel",
    "floor": "floor",
}
# Chart colours: ours stands out, the other ORMs in neutral tones, the raw drivers in blue.
CONTENDER_COLOUR = {
    "ours": "#e4572e",
    "sqlx_conn": "#7fa7d9",
    "seaorm": "#8c8c8c",
    "seaorm_tuned": "#c4c4c4",
    "diesel": "#4daf7c",
    "floor": "#1f3a5f",
}
CHART_LEGEND = {
    "ours": "ours (model-core)",
    "sqlx_conn": "raw sqlx, 1 connection",
    "seaorm": "SeaORM (default pool)",
    "seaorm_tuned": "SeaORM (tuned pool)",
    "diesel": "Diesel",
    "floor": "raw driver (floor)",
}

# Short row names for the tables and the chart (unknown ids keep the JSON's own label). Sizes
# that change with the run mode are left out; the ids carry the fixed ones.
SHORT_NAME = {
    "W1": "get by key",
    "W2-1": "load, 1 row",
    "W2-100": "load, 100 rows",
    "W2-all": "load all rows",
    "W3": "filter+order+limit",
    "W3p": "paginate + count",
    "W4": "eager users→posts→comments",
    "W5": "feed page + count",
    "W6": "insert one",
    "W7-1": "insert_many 1",
    "W7-10": "insert_many 10",
    "W7-100": "insert_many 100",
    "W7-1000": "insert_many 1000",
    "W8": "bulk load, 1 tx",
    "W11": "single inserts, 1 tx",
    "W9": "update by key",
    "W9b": "bulk update",
    "W10": "delete by key",
    "W10b": "bulk delete",
    "W12c": "count",
    "W12e": "exists",
    "W13": "4 tasks, get by key",
    "W14c": "create_all",
    "W14d": "drop_all",
}

CLIP = 3  # the chart's axis stops at 2**-CLIP and 2**CLIP times raw sqlx
SQLX_TARGET = 1.05  # issue #4: ours within 1.05x raw sqlx in every cell
FLOOR_TARGET = 1.10  # issue #4: round-trip cells within 1.10x the raw driver on the servers


# ---------------------------------------------------------------------------------------------
# Reading


def load(paths):
    """[(path, run, backend)] in backend order; exits if a backend is given twice."""
    found = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            run = json.load(f)
        if "backends" not in run:
            sys.exit(f"{path}: not a model-bench report (no `backends`)")
        for b in run["backends"]:
            name = b["backend"]
            if name in found:
                sys.exit(f"backend {name} is in both {found[name][0]} and {path}; give each once")
            found[name] = (path, run, b)
    order = [n for n in BACKEND_ORDER if n in found] + sorted(n for n in found if n not in BACKEND_ORDER)
    return [found[n] for n in order]


def columns(backend):
    keys = [c["key"] for c in backend["contenders"]]
    return [k for k in CONTENDER_ORDER if k in keys] + [k for k in keys if k not in CONTENDER_ORDER]


def cells(workload):
    return {c["contender"]: c for c in workload["cells"]}


def med(cell, field):
    if not cell:
        return None
    s = cell.get(field)
    return s["median"] if s else None


def title(b):
    return BACKEND_TITLE.get(b["backend"], b["backend"])


# ---------------------------------------------------------------------------------------------
# Formatting (as bench/src/report.rs formats them)


def fmt_time(ns):
    if ns is None:
        return "—"
    if ns < 1e3:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.1f} µs"
    if ns < 1e9:
        return f"{ns / 1e6:.2f} ms"
    return f"{ns / 1e9:.2f} s"


def fmt_ratio(r):
    if r is None:
        return "—"
    if r < 10:
        return f"{r:.2f}×"
    if r < 100:
        return f"{r:.1f}×"
    return f"{r:.0f}×"


def placement(run):
    m = run["machine"]
    servers = m.get("servers") or []
    if m.get("pinned"):
        if servers and all(s["cpus"] == m["affinity"] for s in servers):
            return f"co-located (client and servers on CPU {m['affinity']})"
        return f"client pinned to CPU {m['affinity']}"
    return f"not pinned (CPUs {m['affinity']})"


def rel(path):
    """The path as given, with forward slashes, so the text does not depend on the OS."""
    return path.replace(os.sep, "/")


# ---------------------------------------------------------------------------------------------
# Markdown


def recorded_commit(loaded):
    """The commit the harness recorded in every file (`build.commit`, written since issue 24),
    or None when a file lacks it or the files disagree."""
    commits = {run.get("build", {}).get("commit") for _, run, _ in loaded}
    if len(commits) == 1:
        commit = commits.pop()
        if commit and commit != "unknown":
            return commit
    return None


def machine_block(loaded, commit):
    runs = []
    for path, run, _ in loaded:
        if all(path != p for p, _ in runs):
            runs.append((path, run))
    out = []
    machines = {json.dumps(r["machine"], sort_keys=True) for _, r in runs}
    builds = {json.dumps(r["build"], sort_keys=True) for _, r in runs}
    versions = {json.dumps(r["versions"], sort_keys=True) for _, r in runs}
    first = runs[0][1]
    if len({json.dumps({k: v for k, v in r["machine"].items() if k != "servers"}, sort_keys=True)
            for _, r in runs}) == 1:
        m = first["machine"]
        out.append(f"- **Machine**: {m['cpu']}, {m['cores']} cores, {m['memory']}, Linux {m['kernel']}"
                   " (the database servers on the same machine, over TCP loopback)")
    else:
        for path, r in runs:
            m = r["machine"]
            out.append(f"- **Machine** (`{rel(path)}`): {m['cpu']}, {m['cores']} cores, {m['memory']}, "
                       f"Linux {m['kernel']}")
    for path, r in runs:
        names = ", ".join(title(b) for b in r["backends"])
        steal = ", ".join(
            f"{title(b)} {b['steal_percent']:.2f}%" for b in r["backends"] if b.get("steal_percent") is not None)
        out.append(f"- **Run** `{rel(path)}`: {names}; {placement(r)}; {r['mode']} mode, {r['rounds']} rounds "
                   f"of ~{r['target_batch_ms']} ms batches; CPU time stolen by the hypervisor: {steal or 'unknown'}")
    servers = []
    for _, _, b in loaded:
        servers.append(f"{title(b)}: {b['server']}")
    out.append("- **Databases**: " + "; ".join(servers))
    for i, b in enumerate(sorted(builds)):
        b = json.loads(b)
        out.append(f"- **Rust**: {b['rustc']}, `{b['profile']}` profile as the JSON records it")
    for v in sorted(versions):
        v = json.loads(v)
        out.append("- **Crates** (Cargo.lock): " + ", ".join(f"{k} {v[k]}" for k in sorted(v)))
    recorded = recorded_commit(loaded)
    if commit:
        out.append(f"- **Commit measured**: `{commit}` (named on the command line)")
    elif recorded:
        out.append(f"- **Commit measured**: `{recorded}` (as the JSON records it)")
    if len(machines) > 1 and len({json.dumps({k: v for k, v in json.loads(m).items() if k not in ("servers", "affinity", "pinned")}, sort_keys=True) for m in machines}) > 1:
        out.append("- **Note**: the files come from different machines; compare columns within one table only")
    return "\n".join(out) + "\n"


def backend_table(path, run, b):
    cols = columns(b)
    labels = {c["key"]: c["label"] for c in b["contenders"]}
    out = [f"### {title(b)}", ""]
    floor = labels.get("floor", "").replace(" (floor)", "")
    out.append(f"{b['server']}" + (f"; floor: {floor}" if floor else "")
               + f"; `{rel(path)}`, {placement(run)}, {run['rounds']} rounds.")
    out.append("")
    head = ["workload"] + [CONTENDER_SHORT.get(k, k) for k in cols] + ["ours ×sqlx pool", "ours ×floor"]
    out.append("| " + " | ".join(head) + " |")
    out.append("|---|" + "---:|" * (len(head) - 1))
    within_sqlx, within_n, above = 0, 0, []
    for w in b["workloads"]:
        c = cells(w)
        row = [f"{w['id']} {SHORT_NAME[w['id']]}" if w["id"] in SHORT_NAME else w["label"]]
        for k in cols:
            row.append(fmt_time(med(c.get(k), "ns_per_op")))
        ours = c.get("ours")
        vs_sqlx = med(ours, "vs_sqlx")
        vs_floor = med(ours, "vs_floor")
        s = fmt_ratio(vs_sqlx)
        if vs_sqlx is not None:
            within_n += 1
            if vs_sqlx <= SQLX_TARGET:
                within_sqlx += 1
            else:
                s = f"**{s}**"
                above.append(f"{w['id']} {fmt_ratio(vs_sqlx)}")
        row += [s, fmt_ratio(vs_floor)]
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    if within_n:
        line = f"Ours is within {SQLX_TARGET:.2f}× raw sqlx's pool in {within_sqlx} of {within_n} workloads"
        line += f"; above it (bold): {', '.join(above)}." if above else "."
        out.append(line)
        out.append("")
    return "\n".join(out)


def tables_block(loaded):
    out = [
        "Cells: median time per operation over the rounds. Ratios: ours against raw sqlx on its pool "
        "and against the raw driver (floor), each the median of the per-round ratios the JSON stores "
        "(`vs_sqlx`, `vs_floor`: both contenders timed in the same shuffled round), not a ratio of the "
        "medians shown. — = not implemented for that contender.",
        "",
    ]
    for path, run, b in loaded:
        out.append(backend_table(path, run, b))
    return "\n".join(out)


def splice(path, blocks):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for name, body in blocks.items():
        begin, end = f"<!-- report.py:{name} -->", f"<!-- /report.py:{name} -->"
        pattern = re.compile(re.escape(begin) + r"\n.*?" + re.escape(end), re.S)
        if not pattern.search(text):
            sys.exit(f"{path}: no `{begin}` ... `{end}` block")
        text = pattern.sub(lambda _m: f"{begin}\n{body.rstrip()}\n{end}", text, count=1)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


# ---------------------------------------------------------------------------------------------
# SVG


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def n(x):
    """A coordinate with at most one decimal, no trailing zeros (stable text)."""
    s = f"{x:.1f}"
    return s[:-2] if s.endswith(".0") else s


def tick_label(e):
    v = 2.0 ** e
    if v >= 1:
        return f"{v:.0f}×"
    return {-1: "½×", -2: "¼×", -3: "⅛×"}.get(e, f"1/{2 ** -e:.0f}×")


def chart(loaded, sources_note):
    bar_keys = [k for k in CONTENDER_ORDER if k != "sqlx" and any(
        k in columns(b) for _, _, b in loaded)]
    # Workload rows: the union, in the order of the first backend that has each.
    rows = []
    for _, _, b in loaded:
        for w in b["workloads"]:
            if w["id"] not in rows:
                rows.append(w["id"])
    ratios = {}
    for _, _, b in loaded:
        for w in b["workloads"]:
            for k, c in cells(w).items():
                r = med(c, "vs_sqlx")
                if r and r > 0:
                    ratios[(b["backend"], w["id"], k)] = (r, med(c, "ns_per_op"))
    if not ratios:
        sys.exit("no ratios to raw sqlx's pool in the JSON (was `sqlx` among the contenders?)")
    # The axis covers the data in whole doublings, at most CLIP doublings either side of 1x, so
    # that a few far-off cells (rusqlite at 0.06x raw sqlx) do not squeeze the others; bars beyond
    # it stop at the edge with a break mark.
    lo = max(-CLIP, min(-1, math.floor(min(math.log2(r) for r, _ in ratios.values()))))
    hi = min(CLIP, max(1, math.ceil(max(math.log2(r) for r, _ in ratios.values()))))

    width = 960
    label_w = 150
    margin = 12
    gap = 18
    panels = len(loaded)
    panel_w = (width - label_w - 2 * margin - gap * (panels - 1)) / panels
    bar_h, bar_pitch, row_pad = 4.0, 4.5, 9.0
    row_h = bar_pitch * len(bar_keys) + row_pad
    top = 132.0
    plot_h = row_h * len(rows)
    height = top + plot_h + 46

    def x_of(panel, log_r):
        x0 = label_w + margin + panel * (panel_w + gap)
        return x0 + (log_r - lo) / (hi - lo) * panel_w

    o = []
    o.append(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{n(height)}" '
             f'viewBox="0 0 {width} {n(height)}" font-family="-apple-system, \'Segoe UI\', Helvetica, Arial, sans-serif" '
             'font-size="11" fill="#24292f">')
    o.append(f'<rect width="{width}" height="{n(height)}" fill="#ffffff"/>')
    o.append(f'<text x="{margin}" y="22" font-size="15" font-weight="600">Time per operation relative to raw sqlx '
             'on its pool (1×), by workload and backend</text>')
    o.append(f'<text x="{margin}" y="40" fill="#57606a">Log scale; a bar left of 1× is faster than raw sqlx\'s pool, '
             'right of it slower (raw sqlx\'s pool is the 1× line).</text>')
    o.append(f'<text x="{margin}" y="56" fill="#57606a">Each bar is the median of per-round ratios; a bar cut by a '
             f'white break runs past the axis (below {tick_label(lo)} or above {tick_label(hi)}: see the tables).</text>')
    o.append(f'<text x="{margin}" y="72" fill="#57606a">{esc(sources_note)}</text>')
    # Legend.
    lx = margin
    for k in bar_keys:
        o.append(f'<rect x="{n(lx)}" y="82" width="12" height="10" fill="{CONTENDER_COLOUR.get(k, "#999999")}"/>')
        o.append(f'<text x="{n(lx + 16)}" y="91">{esc(CHART_LEGEND.get(k, k))}</text>')
        lx += 16 + 6.2 * len(CHART_LEGEND.get(k, k)) + 18
    # Row shading and labels.
    for i, wid in enumerate(rows):
        y = top + i * row_h
        if i % 2 == 0:
            o.append(f'<rect x="{margin}" y="{n(y)}" width="{n(width - 2 * margin)}" height="{n(row_h)}" fill="#f3f5f7"/>')
        label = f"{wid}  {SHORT_NAME.get(wid, '')}".rstrip()
        o.append(f'<text x="{margin + 4}" y="{n(y + row_h / 2 + 4)}">{esc(label)}</text>')
    for p, (_, _, b) in enumerate(loaded):
        x0, x1 = x_of(p, lo), x_of(p, hi)
        o.append(f'<text x="{n((x0 + x1) / 2)}" y="{n(top - 22)}" text-anchor="middle" font-size="13" '
                 f'font-weight="600">{esc(title(b))}</text>')
        # Grid: a line per doubling, labels every other doubling and at 1x.
        for e in range(lo, hi + 1):
            x = x_of(p, e)
            colour = "#24292f" if e == 0 else "#d0d7de"
            o.append(f'<line x1="{n(x)}" y1="{n(top - 4)}" x2="{n(x)}" y2="{n(top + plot_h)}" stroke="{colour}" '
                     f'stroke-width="{1.2 if e == 0 else 0.8}"/>')
            if lo < e < hi:
                o.append(f'<text x="{n(x)}" y="{n(top - 7)}" text-anchor="middle" font-size="10" '
                         f'fill="#57606a">{tick_label(e)}</text>')
                o.append(f'<text x="{n(x)}" y="{n(top + plot_h + 14)}" text-anchor="middle" font-size="10" '
                         f'fill="#57606a">{tick_label(e)}</text>')
        o.append(f'<text x="{n((x0 + x1) / 2)}" y="{n(top + plot_h + 32)}" text-anchor="middle" fill="#57606a">'
                 f'× raw sqlx pool (log scale)</text>')
        base = x_of(p, 0)
        for i, wid in enumerate(rows):
            y = top + i * row_h + row_pad / 2
            for j, k in enumerate(bar_keys):
                got = ratios.get((b["backend"], wid, k))
                if not got:
                    continue
                r, ns = got
                e = min(max(math.log2(r), lo), hi)
                xr = x_of(p, e)
                xa, xb = min(base, xr), max(base, xr)
                yb = y + j * bar_pitch
                tip = f"{title(b)} {wid} {CONTENDER_SHORT.get(k, k)}: {fmt_time(ns)}, {fmt_ratio(r)} raw sqlx pool"
                o.append(f'<rect x="{n(xa)}" y="{n(yb)}" width="{n(max(xb - xa, 0.8))}" '
                         f'height="{n(bar_h)}" fill="{CONTENDER_COLOUR.get(k, "#999999")}"><title>{esc(tip)}</title></rect>')
                if e != math.log2(r):
                    xm = xr + 6 if xr < base else xr - 8
                    o.append(f'<rect x="{n(xm)}" y="{n(yb - 0.5)}" width="2" height="{n(bar_h + 1)}" fill="#ffffff"/>')
    o.append("</svg>")
    return "\n".join(o) + "\n"


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("json", nargs="+", metavar="RUN.json", help="model-bench --json output, one or more")
    ap.add_argument("--markdown", metavar="FILE", help="write the Markdown blocks to FILE (- for stdout)")
    ap.add_argument("--splice", metavar="FILE", help="replace the report.py blocks in FILE (e.g. BENCHMARKS.md)")
    ap.add_argument("--svg", metavar="FILE", help="write the chart to FILE")
    ap.add_argument("--commit", metavar="SHA", help="the commit that was measured, for JSON written before the harness recorded it (build.commit)")
    args = ap.parse_args()

    loaded = load(args.json)
    blocks = {"machine": machine_block(loaded, args.commit), "tables": tables_block(loaded)}
    if args.splice:
        splice(args.splice, blocks)
    if args.svg:
        names = ", ".join(dict.fromkeys(os.path.basename(p) for p, _, _ in loaded))
        commit = args.commit or recorded_commit(loaded)
        note = f"Source: {names}" + (f" (commit {commit})" if commit else "")
        with open(args.svg, "w", encoding="utf-8", newline="\n") as f:
            f.write(chart(loaded, note))
    if args.markdown or not (args.splice or args.svg):
        text = blocks["machine"] + "\n" + blocks["tables"]
        if args.markdown and args.markdown != "-":
            with open(args.markdown, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
        else:
            sys.stdout.write(text)


if __name__ == "__main__":
    main()
