//! The report: a Markdown table per backend (rows = workloads, columns = contenders, cells =
//! `time (×floor, ×sqlx)`) with the spread and throughput below it, and a JSON document with
//! every per-round number behind them.

use std::fmt::Write as _;

use model_core::Backend;
use serde_json::{Value, json};

use crate::contenders::Key;
use crate::env::{self, Machine};
use crate::harness::{Cell, Outcome, Summary, summarize};
use crate::workload::Workload;

/// Everything measured on one backend.
pub struct BackendRun {
    pub backend: Backend,
    pub server: String,
    pub settings: Vec<String>,
    /// Column order: key and header.
    pub contenders: Vec<(Key, String)>,
    pub outcomes: Vec<Outcome>,
    pub seconds: f64,
    /// The share of the machine's CPU time the hypervisor gave other guests during the run.
    pub steal_percent: Option<f64>,
}

/// The whole run.
pub struct Run {
    pub machine: Machine,
    pub mode: String,
    pub rounds: usize,
    pub target_ms: u64,
    pub backends: Vec<BackendRun>,
}

/// `882 ns`, `50.6 µs`, `21.34 ms`, `1.23 s`.
pub fn time(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// `×1.05`, `×57.2`, `×183`.
pub fn ratio(r: f64) -> String {
    if r < 10.0 {
        format!("×{r:.2}")
    } else if r < 100.0 {
        format!("×{r:.1}")
    } else {
        format!("×{r:.0}")
    }
}

fn rate(per_s: f64) -> String {
    if per_s >= 1e6 {
        format!("{:.2} M/s", per_s / 1e6)
    } else if per_s >= 1e3 {
        format!("{:.1} k/s", per_s / 1e3)
    } else {
        format!("{per_s:.0}/s")
    }
}

fn find(outcome: &Outcome, key: Key) -> Option<&Cell> {
    outcome.cells.iter().find(|c| c.key == key)
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
        _ => "mysql",
    }
}

impl Run {
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let m = &self.machine;
        let _ = writeln!(out, "# model-core side-by-side benchmark\n");
        let _ = writeln!(
            out,
            "- machine: {}, {} cores, {}, Linux {}; process {}",
            m.cpu,
            m.cores,
            m.memory,
            m.kernel,
            m.pinning()
        );
        let _ = writeln!(out, "- local database servers: {}", m.server_pinning());
        let _ = writeln!(
            out,
            "- build: commit {}, {}, {} profile",
            env::COMMIT,
            env::RUSTC,
            env::PROFILE
        );
        let versions: Vec<String> = env::VERSIONS
            .iter()
            .map(|(name, v)| format!("{name} {v}"))
            .collect();
        let _ = writeln!(out, "- crates: {}", versions.join(", "));
        let _ = writeln!(
            out,
            "- mode: {} ({} round{}, batches calibrated to ~{} ms, contender order shuffled every round)",
            self.mode,
            self.rounds,
            if self.rounds == 1 { "" } else { "s" },
            self.target_ms
        );
        let _ = writeln!(
            out,
            "- cells: median time per operation (×floor, ×sqlx), the ratios being medians of per-round ratios to the raw driver and to raw sqlx on its pool (the `sqlx pool` column) measured in the same round; — = not implemented"
        );
        let _ = writeln!(
            out,
            "- every contender's results (rows, ids, names, colours, timestamps; written tables read back) were checked against the floor before timing"
        );
        for b in &self.backends {
            out.push('\n');
            b.markdown(&mut out);
        }
        out
    }

    pub fn json(&self) -> Value {
        let m = &self.machine;
        let versions: serde_json::Map<String, Value> = env::VERSIONS
            .iter()
            .map(|(name, v)| ((*name).to_owned(), json!(v)))
            .collect();
        json!({
            "machine": {
                "cpu": m.cpu,
                "cores": m.cores,
                "memory": m.memory,
                "kernel": m.kernel,
                "affinity": m.affinity,
                "pinned": m.pinned,
                "servers": m.servers.iter().map(|(name, cpus)| json!({"program": name, "cpus": cpus})).collect::<Vec<_>>(),
            },
            "build": { "commit": env::COMMIT, "rustc": env::RUSTC, "profile": env::PROFILE },
            "versions": versions,
            "mode": self.mode,
            "rounds": self.rounds,
            "target_batch_ms": self.target_ms,
            "backends": self.backends.iter().map(BackendRun::json).collect::<Vec<_>>(),
        })
    }
}

impl BackendRun {
    fn markdown(&self, out: &mut String) {
        let title = match self.backend {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
            _ => "MariaDB",
        };
        let _ = writeln!(out, "## {title}\n");
        let _ = writeln!(out, "- server: {}", self.server);
        for s in &self.settings {
            let _ = writeln!(out, "- {s}");
        }
        let steal = self
            .steal_percent
            .map_or_else(|| "unknown".to_owned(), |p| format!("{p:.1}%"));
        let _ = writeln!(
            out,
            "- run time: {:.0} s; CPU time stolen by the hypervisor meanwhile: {steal}\n",
            self.seconds
        );

        let header: Vec<&str> = self.contenders.iter().map(|(_, l)| l.as_str()).collect();
        let _ = writeln!(out, "| workload | {} |", header.join(" | "));
        let _ = writeln!(out, "|---|{}", "---|".repeat(header.len()));
        for o in &self.outcomes {
            let cells: Vec<String> = self
                .contenders
                .iter()
                .map(|(key, _)| match find(o, *key) {
                    Some(c) => main_cell(c),
                    None => "—".to_owned(),
                })
                .collect();
            let _ = writeln!(out, "| {} | {} |", o.label, cells.join(" | "));
        }

        let _ = writeln!(
            out,
            "\n### Spread of ×floor over rounds (interquartile range; min–max)\n"
        );
        let _ = writeln!(out, "| workload | {} |", header.join(" | "));
        let _ = writeln!(out, "|---|{}", "---|".repeat(header.len()));
        for o in &self.outcomes {
            let cells: Vec<String> = self
                .contenders
                .iter()
                .map(
                    |(key, _)| match find(o, *key).and_then(|c| summarize(&c.vs_floor)) {
                        Some(s) => format!("{:.2}–{:.2}; {:.2}–{:.2}", s.q1, s.q3, s.min, s.max),
                        None => "—".to_owned(),
                    },
                )
                .collect();
            let _ = writeln!(out, "| {} | {} |", o.workload.id(), cells.join(" | "));
        }

        let throughput: Vec<&Outcome> = self
            .outcomes
            .iter()
            .filter(|o| o.rows_per_op > 1 || o.workload == Workload::Concurrency)
            .collect();
        if !throughput.is_empty() {
            let _ = writeln!(out, "\n### Throughput (rows/s; W13: operations/s)\n");
            let _ = writeln!(out, "| workload | {} |", header.join(" | "));
            let _ = writeln!(out, "|---|{}", "---|".repeat(header.len()));
            for o in throughput {
                let cells: Vec<String> = self
                    .contenders
                    .iter()
                    .map(
                        |(key, _)| match find(o, *key).and_then(|c| summarize(&c.ns)) {
                            Some(s) => rate(o.rows_per_op as f64 * 1e9 / s.median),
                            None => "—".to_owned(),
                        },
                    )
                    .collect();
                let _ = writeln!(out, "| {} | {} |", o.workload.id(), cells.join(" | "));
            }
        }

        let notes = self.notes();
        if !notes.is_empty() {
            let _ = writeln!(out, "\n### Notes\n");
            for n in notes {
                let _ = writeln!(out, "- {n}");
            }
        }
    }

    /// The closing comparisons: one multi-row insert_many(1000) against 1,000 single inserts
    /// in one transaction (W11), per contender.
    fn notes(&self) -> Vec<String> {
        let get = |w: Workload| self.outcomes.iter().find(|o| o.workload == w);
        let mut notes = Vec::new();
        if let (Some(many), Some(tx)) = (get(Workload::InsertMany(1000)), get(Workload::TxInserts))
            && tx.rows_per_op == 1000
        {
            let parts: Vec<String> = self
                .contenders
                .iter()
                .filter_map(|(key, label)| {
                    let m = summarize(&find(many, *key)?.ns)?.median;
                    let t = summarize(&find(tx, *key)?.ns)?.median;
                    Some(format!("{label} {:.1}×", t / m))
                })
                .collect();
            notes.push(format!(
                "1,000 rows added one at a time in one transaction (W11) take this many times as long as one insert_many of 1,000 rows (W7-1000): {} (target for ours: ≥10×; ours' session sends its W11 rows as one statement on PostgreSQL and MariaDB, so there compare raw sqlx's W11)",
                parts.join(", ")
            ));
        }
        notes
    }

    fn json(&self) -> Value {
        json!({
            "backend": backend_name(self.backend),
            "server": self.server,
            "settings": self.settings,
            "seconds": self.seconds,
            "steal_percent": self.steal_percent,
            "contenders": self.contenders.iter().map(|(k, l)| json!({"key": k.id(), "label": l})).collect::<Vec<_>>(),
            "workloads": self.outcomes.iter().map(|o| json!({
                "id": o.workload.id(),
                "label": o.label,
                "rows_per_op": o.rows_per_op,
                "verified": o.verified,
                "cells": o.cells.iter().map(|c| cell_json(c, o.rows_per_op)).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }
}

fn main_cell(c: &Cell) -> String {
    let Some(t) = summarize(&c.ns) else {
        return "—".to_owned();
    };
    let f = summarize(&c.vs_floor).map_or("?".to_owned(), |s| ratio(s.median));
    let s = summarize(&c.vs_sqlx).map_or("?".to_owned(), |s| ratio(s.median));
    format!("{} ({f}, {s})", time(t.median))
}

fn summary_json(s: Option<Summary>) -> Value {
    match s {
        Some(s) => json!({"median": s.median, "q1": s.q1, "q3": s.q3, "min": s.min, "max": s.max}),
        None => Value::Null,
    }
}

fn cell_json(c: &Cell, rows_per_op: u64) -> Value {
    let t = summarize(&c.ns);
    json!({
        "contender": c.key.id(),
        "label": c.label,
        "batch": c.k,
        "ns_per_op": summary_json(t),
        "ns_per_op_rounds": c.ns,
        "rows_per_s": t.map(|t| rows_per_op as f64 * 1e9 / t.median),
        "vs_floor": summary_json(summarize(&c.vs_floor)),
        "vs_floor_rounds": c.vs_floor,
        "vs_sqlx": summary_json(summarize(&c.vs_sqlx)),
        "vs_sqlx_rounds": c.vs_sqlx,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats() {
        assert_eq!(super::time(882.0), "882 ns");
        assert_eq!(super::time(50_600.0), "50.6 µs");
        assert_eq!(super::time(21_340_000.0), "21.34 ms");
        assert_eq!(super::ratio(1.054), "×1.05");
        assert_eq!(super::ratio(57.2), "×57.2");
        assert_eq!(super::ratio(183.4), "×183");
    }
}
