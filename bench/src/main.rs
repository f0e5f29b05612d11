//! Side-by-side comparison of model-core with raw sqlx, SeaORM (default and tuned), Diesel and
//! the raw drivers (rusqlite, tokio-postgres, mysql_async) on SQLite, PostgreSQL and MariaDB.
//!
//! ```text
//! cargo run --profile bench-release -p model-bench -- --backend sqlite|postgres|mysql \
//!     [--rounds N] [--quick|--tiny] [--json out.json] [--markdown out.md] [--only W1,W7]
//! ```
//!
//! Each contender gets its own database with identical schema and data, is verified against
//! the floor, calibrated, warmed up, and then timed in shuffled rounds (see `harness`). The
//! report (`report`) gives per workload the median time per operation, the ratio to the floor
//! and to raw sqlx from the same round, and the spread over rounds.

mod contenders;
mod data;
mod env;
mod harness;
mod models;
mod report;
mod setup;
mod sql;
mod workload;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use model_core::Backend;

use contenders::Key;
use harness::Settings;
use workload::{Sizes, Workload};

const USAGE: &str = "\
usage: model-bench --backend sqlite|postgres|mysql[,...] [options]

  --backend B        sqlite, postgres, mysql, a comma-separated list, or all
  --rounds N         rounds per workload (default 15; --quick 5; --tiny 1)
  --quick            5 rounds, ~60 ms batches, W8 with 20,000 rows
  --tiny             tiny data, fixed tiny batches, 1 round: a CI smoke run (no timing claims)
  --json PATH        write every number as JSON
  --markdown PATH    write the Markdown report (it is always printed to stdout)
  --only LIST        only these workloads, e.g. W1,W2,W7 (W7 = every W7 size)
  --contenders LIST  ours,sqlx,seaorm,seaorm_tuned,diesel (the floor and sqlx always run)
  --postgres URL     server without database (default postgres://postgres@127.0.0.1:5432)
  --mysql URL        server without database (default mysql://root@127.0.0.1:3306)
  --sqlite-dir DIR   where the SQLite files go (default /dev/shm/model-bench)
  --keep             leave the databases and files behind for inspection
";

struct Options {
    backends: Vec<Backend>,
    rounds: Option<usize>,
    quick: bool,
    tiny: bool,
    json: Option<PathBuf>,
    markdown: Option<PathBuf>,
    only: Option<Vec<Workload>>,
    keep: bool,
    keys: Vec<Key>,
    targets: setup::Targets,
}

fn parse_args() -> Result<Options> {
    let mut args = std::env::args().skip(1);
    let mut o = Options {
        backends: Vec::new(),
        rounds: None,
        quick: false,
        tiny: false,
        json: None,
        markdown: None,
        only: None,
        keep: false,
        keys: Key::ALL.to_vec(),
        targets: setup::Targets {
            postgres: "postgres://postgres@127.0.0.1:5432".to_owned(),
            mysql: "mysql://root@127.0.0.1:3306".to_owned(),
            sqlite_dir: PathBuf::from("/dev/shm/model-bench"),
        },
    };
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .with_context(|| format!("{arg} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--backend" => {
                for b in value()?.split(',') {
                    match b.trim() {
                        "sqlite" => o.backends.push(Backend::Sqlite),
                        "postgres" | "pg" => o.backends.push(Backend::Postgres),
                        "mysql" | "mariadb" => o.backends.push(Backend::MySql),
                        "all" => {
                            o.backends
                                .extend([Backend::Sqlite, Backend::Postgres, Backend::MySql])
                        }
                        other => bail!("unknown backend `{other}`\n{USAGE}"),
                    }
                }
            }
            "--rounds" => o.rounds = Some(value()?.parse().context("--rounds takes a number")?),
            "--quick" => o.quick = true,
            "--tiny" => o.tiny = true,
            "--keep" => o.keep = true,
            "--json" => o.json = Some(PathBuf::from(value()?)),
            "--markdown" => o.markdown = Some(PathBuf::from(value()?)),
            "--only" => o.only = Some(Workload::parse_list(&value()?).map_err(anyhow::Error::msg)?),
            "--contenders" => {
                let mut keys = vec![Key::Floor, Key::Sqlx];
                for k in value()?.split(',').map(str::trim).filter(|k| !k.is_empty()) {
                    let key = Key::parse(k)
                        .with_context(|| format!("unknown contender `{k}`\n{USAGE}"))?;
                    keys.push(key);
                }
                o.keys = Key::ALL.into_iter().filter(|k| keys.contains(k)).collect();
            }
            "--postgres" => o.targets.postgres = value()?,
            "--mysql" => o.targets.mysql = value()?,
            "--sqlite-dir" => o.targets.sqlite_dir = PathBuf::from(value()?),
            "-h" | "--help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument `{other}`\n{USAGE}"),
        }
    }
    if o.backends.is_empty() {
        bail!("--backend is required\n{USAGE}");
    }
    o.backends.dedup();
    Ok(o)
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let o = parse_args()?;
    let (mode, sizes, rounds, target, calibrate_min, concurrency_time) = if o.tiny {
        (
            "tiny",
            Sizes::TINY,
            1,
            Duration::from_millis(1),
            Duration::ZERO,
            Duration::from_millis(50),
        )
    } else if o.quick {
        (
            "quick",
            Sizes::QUICK,
            5,
            Duration::from_millis(60),
            Duration::from_millis(20),
            Duration::from_millis(300),
        )
    } else {
        (
            "full",
            Sizes::FULL,
            15,
            Duration::from_millis(150),
            Duration::from_millis(40),
            Duration::from_secs(1),
        )
    };
    let rounds = o.rounds.unwrap_or(rounds).max(1);
    // Latency workloads run on one thread, as diesel_bench does; W13 gets two workers.
    let rt = Arc::new(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?,
    );
    let mt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // Connections of the current-thread runtime may be dropped outside `block_on`; they need
    // the runtime entered to shut down cleanly.
    let _inside = rt.enter();
    let workloads = o.only.clone().unwrap_or_else(Workload::all);

    let mut run = report::Run {
        machine: env::Machine::detect(),
        mode: mode.to_owned(),
        rounds,
        target_ms: target.as_millis() as u64,
        backends: Vec::new(),
    };
    if env::PROFILE == "debug" && !o.tiny {
        eprintln!(
            "warning: a debug build measures the compiler, not the libraries; use --profile bench-release"
        );
    }
    for (b, &backend) in o.backends.iter().enumerate() {
        let started = Instant::now();
        let cpu_before = env::CpuTimes::now();
        eprintln!("# {backend}: setting up {} contenders", o.keys.len());
        let mut prepared = setup::prepare(backend, &o.keys, &o.targets, &sizes, &rt)?;
        let settings = Settings {
            backend,
            sizes,
            rounds,
            target,
            calibrate_min,
            concurrency_time,
            tiny: o.tiny,
        };
        let seed = 0x6d6f_6465_6c00 + b as u64;
        // Whatever happens, the databases are dropped and server settings restored.
        let measured = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // Reads run first: the write workloads leave work behind (InnoDB purge, dead
            // tuples) that would otherwise slow the reads measured after them.
            let mut order = workloads.clone();
            order.sort_by_key(|w| w.kind() != workload::Kind::Read);
            let mut outcomes = Vec::new();
            for &w in &order {
                let outcome = if w == Workload::Concurrency {
                    harness::measure_concurrency(&mut prepared.units, &settings, &mt, seed)
                } else {
                    harness::measure(&mut prepared.units, &settings, w, seed)
                };
                outcomes.push(outcome.with_context(|| format!("{backend}, {}", w.id()))?);
            }
            outcomes.sort_by_key(|o| workloads.iter().position(|w| *w == o.workload));
            anyhow::Ok(outcomes)
        }));
        let contenders = prepared
            .units
            .iter()
            .map(|u| (u.contender.key(), u.contender.label()))
            .collect();
        let server = prepared.server.clone();
        let backend_settings = prepared.settings.clone();
        prepared.finish(&rt, o.keep);
        let outcomes = match measured {
            Ok(result) => result?,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        run.backends.push(report::BackendRun {
            backend,
            server,
            settings: backend_settings,
            contenders,
            outcomes,
            seconds: started.elapsed().as_secs_f64(),
            steal_percent: cpu_before.and_then(env::CpuTimes::steal_percent_since),
        });
    }

    let markdown = run.markdown();
    print!("{markdown}");
    if let Some(path) = &o.markdown {
        std::fs::write(path, &markdown).with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &o.json {
        let text = serde_json::to_string_pretty(&run.json())?;
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
