#!/usr/bin/env python3
"""Compile-time comparison: model-core against sqlx FromRow, SeaORM and Diesel.

Generates one sample app (N models x 8 fields, one model per module file) written
four ways, each its own cargo project outside this repository, builds them and
reports (performance.md section 6.6):

  (a) clean `cargo build` (debug), dependencies included;
  (b) incremental `cargo build` after appending a comment to one model file;
  (c) `cargo check` after the same touch (the IDE loop);
  (d) the app crate's own build time for 10, 20 and 50 models (deps already built,
      `cargo clean -p <app>` before each build) and the slope in ms per model;

plus lines of source, macro-expanded lines of the app crate, crates compiled in the
clean build, and the resolved versions of every project's Cargo.lock.

Python 3.11, standard library only.  `python3 bench/compile/run.py --help`.
Timings are only meaningful on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
LOCKS = HERE / "locks"

WAYS = ["ours", "ours_sqlite_pg", "ours_pg", "sqlx", "sqlx_sqlite_pg", "seaorm", "diesel"]
# model-core three ways, one source: default features (SQLite); SQLite and PostgreSQL (the
# default plus `postgres`: the app that tests on SQLite and runs on PostgreSQL); and only the
# backend the sample app talks to (PostgreSQL), as the sqlx and Diesel versions reach only
# PostgreSQL.
OURS = ("ours", "ours_sqlite_pg", "ours_pg")
# sqlx two ways: the app that reaches only `PgPool`, and the same app running on SQLite or
# PostgreSQL as its URL says (one fetch function per pool type), the counterpart of
# `ours_sqlite_pg`: sqlx links a driver only when the app reaches it.
SQLX = ("sqlx", "sqlx_sqlite_pg")
LABEL = {
    "ours": "model-core `#[derive(Model)]`, default features (SQLite)",
    "ours_sqlite_pg": "model-core, SQLite and `postgres`",
    "ours_pg": "model-core, `postgres` feature only",
    "sqlx": "sqlx `FromRow` + `query_as`",
    "sqlx_sqlite_pg": "sqlx `FromRow` + `query_as` on `SqlitePool` and `PgPool`",
    "seaorm": "SeaORM `DeriveEntityModel`",
    "diesel": "Diesel `table!` + derives",
}
SHORT = {"ours": "ours", "ours_sqlite_pg": "ours (sqlite + postgres)", "ours_pg": "ours (postgres only)", "sqlx": "sqlx FromRow", "sqlx_sqlite_pg": "sqlx FromRow (sqlite + postgres)", "seaorm": "SeaORM", "diesel": "Diesel"}
# Crates whose resolved versions are reported for every way.
KEY_CRATES = [
    "model-core", "sqlx", "sea-orm", "sea-query", "diesel", "tokio", "chrono",
    "libsqlite3-sys", "pq-sys", "mysqlclient-sys", "syn", "serde",
]
# Environment that would change what cargo builds or how; removed for every build.
SCRUB_ENV = re.compile(
    r"^(RUSTFLAGS|RUSTDOCFLAGS|CARGO_ENCODED_RUSTFLAGS|CARGO_INCREMENTAL|RUSTC_WRAPPER|"
    r"RUSTC_WORKSPACE_WRAPPER|RUSTC_BOOTSTRAP|CARGO_TARGET_DIR|CARGO_BUILD_.*|CARGO_PROFILE_.*)$"
)


# --------------------------------------------------------------------------------------
# The sample app, four ways
# --------------------------------------------------------------------------------------

def mname(i: int, width: int) -> str:
    """Module / table name of model i (1-based): m01, m02, ..."""
    return f"m{i:0{width}d}"


def sname(i: int, width: int) -> str:
    """Struct name of model i: M01, M02, ..."""
    return f"M{i:0{width}d}"


def parent_of(i: int) -> int:
    """Every model has an i64 foreign key to the previous model; the first one to itself."""
    return i - 1 if i > 1 else 1


CARGO_TOML = {
    # model-core's README: model-core + tokio (rt, macros) + chrono.
    "ours": """\
model-core = {{ path = "{model_core}" }}
tokio = {{ version = "1", features = ["rt", "macros"] }}
chrono = "0.4"
""",
    # The default features plus PostgreSQL.
    "ours_sqlite_pg": """\
model-core = {{ path = "{model_core}", features = ["postgres"] }}
tokio = {{ version = "1", features = ["rt", "macros"] }}
chrono = "0.4"
""",
    # The same with default features off but for PostgreSQL and chrono.
    "ours_pg": """\
model-core = {{ path = "{model_core}", default-features = false, features = ["postgres", "chrono"] }}
tokio = {{ version = "1", features = ["rt", "macros"] }}
chrono = "0.4"
""",
    # sqlx's README, default features off, the three backends, no live-DB macros used.
    "sqlx": """\
sqlx = {{ version = "0.9", default-features = false, features = ["runtime-tokio", "sqlite", "postgres", "mysql", "derive", "chrono", "macros"] }}
tokio = {{ version = "1", features = ["rt", "macros"] }}
chrono = "0.4"
""",
    # The same dependencies; the app reaches both pools.
    "sqlx_sqlite_pg": """\
sqlx = {{ version = "0.9", default-features = false, features = ["runtime-tokio", "sqlite", "postgres", "mysql", "derive", "chrono", "macros"] }}
tokio = {{ version = "1", features = ["rt", "macros"] }}
chrono = "0.4"
""",
    # SeaORM's install guide: default features kept (macros, with-chrono, with-json, ...).
    "seaorm": """\
sea-orm = {{ version = "=2.0.4", features = ["sqlx-sqlite", "sqlx-postgres", "sqlx-mysql", "runtime-tokio"] }}
tokio = {{ version = "1", features = ["rt", "macros"] }}
""",
    # Diesel's getting-started guide: default features kept (32-column tables), system
    # client libraries (libsqlite3, libpq, libmysqlclient) unless --diesel-bundled-sqlite.
    "diesel": """\
diesel = {{ version = "2.3", features = ["sqlite", "postgres", "mysql", "chrono"] }}
chrono = "0.4"
{extra}""",
}


def cargo_toml(way: str, opts) -> str:
    deps = CARGO_TOML[way].format(
        model_core=opts.model_core,
        extra=('libsqlite3-sys = { version = "0.37", features = ["bundled"] }\n'
               if opts.diesel_bundled_sqlite else ""),
    )
    return f"""\
# Generated by bench/compile/run.py; do not edit, regenerate.
[package]
name = "bench_{way}"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
{deps}
# cargo's default [profile.dev], the same for all four ways.

# A workspace of its own: never part of an enclosing one.
[workspace]
"""


def model_ours(i: int, w: int) -> str:
    m, s, p = mname(i, w), sname(i, w), mname(parent_of(i), w)
    return f"""\
use chrono::NaiveDateTime;
use model_core::{{Database, Model}};

#[derive(Model, Debug, Clone)]
pub struct {s} {{
    #[column(primary_key)]
    pub id: model_core::Auto<i64>,
    pub name: String,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
    pub active: bool,
    pub score: f64,
    pub priority: i32,
    #[column(foreign_key = "{p}.id")]
    pub parent_id: i64,
}}

pub async fn all(db: &Database) -> model_core::Result<Vec<{s}>> {{
    {s}::query().all(db).await
}}
"""


def model_sqlx(i: int, w: int) -> str:
    m, s = mname(i, w), sname(i, w)
    return f"""\
use chrono::NaiveDateTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct {s} {{
    pub id: i64,
    pub name: String,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
    pub active: bool,
    pub score: f64,
    pub priority: i32,
    pub parent_id: i64,
}}

pub async fn all(pool: &sqlx::PgPool) -> sqlx::Result<Vec<{s}>> {{
    sqlx::query_as::<_, {s}>(
        "SELECT id, name, note, created_at, active, score, priority, parent_id FROM {m}",
    )
    .fetch_all(pool)
    .await
}}
"""


def model_sqlx_sqlite_pg(i: int, w: int) -> str:
    """The sqlx model with a fetch function per pool: an app that tests on SQLite and runs on
    PostgreSQL, as sqlx's typed pools have it (its `Any` driver has no `NaiveDateTime`)."""
    m, s = mname(i, w), sname(i, w)
    return model_sqlx(i, w) + f"""
pub async fn all_sqlite(pool: &sqlx::SqlitePool) -> sqlx::Result<Vec<{s}>> {{
    sqlx::query_as::<_, {s}>(
        "SELECT id, name, note, created_at, active, score, priority, parent_id FROM {m}",
    )
    .fetch_all(pool)
    .await
}}
"""


def model_seaorm(i: int, w: int) -> str:
    m, p, ps = mname(i, w), mname(parent_of(i), w), sname(parent_of(i), w)
    if i == parent_of(i):
        relation = """\
    #[sea_orm(belongs_to = "Entity", from = "Column::ParentId", to = "Column::Id")]
    SelfRef,
}
"""
    else:
        relation = f"""\
    #[sea_orm(
        belongs_to = "super::{p}::Entity",
        from = "Column::ParentId",
        to = "super::{p}::Column::Id"
    )]
    {ps},
}}

impl Related<super::{p}::Entity> for Entity {{
    fn to() -> RelationDef {{
        Relation::{ps}.def()
    }}
}}
"""
    return f"""\
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "{m}")]
pub struct Model {{
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub note: Option<String>,
    pub created_at: DateTime,
    pub active: bool,
    pub score: f64,
    pub priority: i32,
    pub parent_id: i64,
}}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {{
{relation}
impl ActiveModelBehavior for ActiveModel {{}}

pub async fn all(db: &DatabaseConnection) -> Result<Vec<Model>, DbErr> {{
    Entity::find().all(db).await
}}
"""


def model_diesel(i: int, w: int) -> str:
    m, s, p, ps = mname(i, w), sname(i, w), mname(parent_of(i), w), sname(parent_of(i), w)
    parent_use = "" if i == parent_of(i) else f"use super::{p}::{ps};\n"
    return f"""\
use chrono::NaiveDateTime;
use diesel::prelude::*;

{parent_use}use crate::schema::{m};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Identifiable, Associations)]
#[diesel(table_name = {m})]
#[diesel(belongs_to({ps}, foreign_key = parent_id))]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite, diesel::mysql::Mysql))]
pub struct {s} {{
    pub id: i64,
    pub name: String,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
    pub active: bool,
    pub score: f64,
    pub priority: i32,
    pub parent_id: i64,
}}

pub fn all(conn: &mut PgConnection) -> QueryResult<Vec<{s}>> {{
    {m}::table.select({s}::as_select()).load(conn)
}}
"""


def diesel_schema(n: int, w: int) -> str:
    """What `diesel print-schema` writes for these tables (all in one file, as it does)."""
    out = ["// @generated automatically by Diesel CLI.\n"]
    for i in range(1, n + 1):
        out.append(f"""
diesel::table! {{
    {mname(i, w)} (id) {{
        id -> BigInt,
        name -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamp,
        active -> Bool,
        score -> Double,
        priority -> Integer,
        parent_id -> BigInt,
    }}
}}
""")
    out.append("\n")
    for i in range(2, n + 1):  # no joinable! for the self-reference, Diesel has none
        out.append(f"diesel::joinable!({mname(i, w)} -> {mname(parent_of(i), w)} (parent_id));\n")
    names = ",\n    ".join(mname(i, w) for i in range(1, n + 1))
    out.append(f"\ndiesel::allow_tables_to_appear_in_same_query!(\n    {names},\n);\n")
    return "".join(out)


def main_rs(way: str, n: int, w: int) -> str:
    """A main that reaches every model's query function, so all of it is codegen'd.
    The benchmark only builds it; with DATABASE_URL set it would run the queries."""
    mods = [mname(i, w) for i in range(1, n + 1)]
    if way == "diesel":
        calls = "".join(f"        rows += models::{m}::all(&mut conn)?.len();\n" for m in mods)
        return f"""\
#![allow(dead_code)] // fields are never read back; the same for all four ways

mod models;
mod schema;

use diesel::Connection;

fn main() -> Result<(), Box<dyn std::error::Error>> {{
    if let Ok(url) = std::env::var("DATABASE_URL") {{
        let mut conn = diesel::PgConnection::establish(&url)?;
        let mut rows = 0;
{calls}        println!("{{rows}} rows");
    }}
    Ok(())
}}
"""
    handle = {"ours": "db", "ours_sqlite_pg": "db", "ours_pg": "db", "sqlx": "pool", "seaorm": "db"}.get(way)
    calls = "".join(f"        rows += models::{m}::all(&{handle}).await?.len();\n" for m in mods)
    if way == "sqlx_sqlite_pg":
        pg = "".join(f"            rows += models::{m}::all(&pool).await?.len();\n" for m in mods)
        lite = "".join(f"            rows += models::{m}::all_sqlite(&pool).await?.len();\n"
                       for m in mods)
        return f"""\
#![allow(dead_code)] // fields are never read back; the same for all ways

mod models;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), sqlx::Error> {{
    if let Ok(url) = std::env::var("DATABASE_URL") {{
        let mut rows = 0;
        if url.starts_with("sqlite:") {{
            let pool = sqlx::SqlitePool::connect(&url).await?;
{lite}        }} else {{
            let pool = sqlx::PgPool::connect(&url).await?;
{pg}        }}
        println!("{{rows}} rows");
    }}
    Ok(())
}}
"""
    if way in OURS:
        ret, setup, head = "model_core::Result<()>", (
            "        let db = model_core::Database::from_env().await?;\n"
            "        db.create_all().await?;\n"), (
            '    println!("{} tables", model_core::registry::tables().len());\n')
    elif way == "sqlx":
        ret, setup, head = "Result<(), sqlx::Error>", (
            "        let pool = sqlx::PgPool::connect(&url).await?;\n"), ""
    else:
        ret, setup, head = "Result<(), sea_orm::DbErr>", (
            "        let db = sea_orm::Database::connect(url).await?;\n"), ""
    cond = ("if std::env::var_os(\"DATABASE_URL\").is_some()" if way in OURS
            else "if let Ok(url) = std::env::var(\"DATABASE_URL\")")
    return f"""\
#![allow(dead_code)] // fields are never read back; the same for all four ways

mod models;

#[tokio::main(flavor = "current_thread")]
async fn main() -> {ret} {{
{head}    {cond} {{
{setup}        let mut rows = 0;
{calls}        println!("{{rows}} rows");
    }}
    Ok(())
}}
"""


MODEL_FN = {"ours": model_ours, "ours_sqlite_pg": model_ours, "ours_pg": model_ours, "sqlx": model_sqlx, "sqlx_sqlite_pg": model_sqlx_sqlite_pg, "seaorm": model_seaorm, "diesel": model_diesel}


def generate(way: str, n: int, proj: Path, opts) -> None:
    """(Re)writes the project: Cargo.toml, rust-toolchain.toml, src/ (old src removed)."""
    w = max(2, len(str(n)))
    proj.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(proj / "src", ignore_errors=True)
    (proj / "src" / "models").mkdir(parents=True)
    (proj / "Cargo.toml").write_text(cargo_toml(way, opts))
    shutil.copy(opts.toolchain_file, proj / "rust-toolchain.toml")
    (proj / "src" / "main.rs").write_text(main_rs(way, n, w))
    mods = "".join(f"pub mod {mname(i, w)};\n" for i in range(1, n + 1))
    (proj / "src" / "models" / "mod.rs").write_text(mods)
    for i in range(1, n + 1):
        (proj / "src" / "models" / f"{mname(i, w)}.rs").write_text(MODEL_FN[way](i, w))
    if way == "diesel":
        (proj / "src" / "schema.rs").write_text(diesel_schema(n, w))


def touched_file(proj: Path, n: int) -> Path:
    w = max(2, len(str(n)))
    return proj / "src" / "models" / f"{mname(n // 2 + 1, w)}.rs"


def source_lines(proj: Path) -> dict:
    files = sorted((proj / "src").rglob("*.rs"))
    total = sum(len(f.read_text().splitlines()) for f in files)
    return {"files": len(files), "lines": total}


# --------------------------------------------------------------------------------------
# Running cargo
# --------------------------------------------------------------------------------------

class StepFailed(Exception):
    pass


class Runner:
    def __init__(self, opts, env: dict, log_dir: Path):
        self.opts = opts
        self.env = env
        self.log_dir = log_dir

    def run(self, way: str, args: list[str], cwd: Path, target: Path, label: str,
            extra_env: dict | None = None) -> tuple[float, str]:
        """Runs a command in cwd with this way's target dir; returns (seconds, stderr)."""
        env = dict(self.env, CARGO_TARGET_DIR=str(target), **(extra_env or {}))
        cmd = (["nice", "-n", str(self.opts.nice)] if self.opts.nice else []) + args
        log = self.log_dir / f"{way}.log"
        t0 = time.perf_counter()
        p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        dt = time.perf_counter() - t0
        with log.open("a") as f:
            f.write(f"\n===== [{label}] {shlex.join(args)}  (cwd {cwd}) {dt:.3f}s rc={p.returncode}\n")
            f.write(p.stderr)
        if p.returncode != 0:
            tail = "\n".join(p.stderr.strip().splitlines()[-40:])
            raise StepFailed(f"`{shlex.join(args)}` failed in {cwd} during {label} "
                             f"(exit {p.returncode}); full log: {log}\n{tail}")
        if self.opts.verbose:
            print(f"    [{way}] {label}: {dt:.2f}s", file=sys.stderr)
        return dt, p.stderr + p.stdout


def touch(path: Path, k: int) -> None:
    with path.open("a") as f:
        f.write(f"// touched {k}\n")


def count_compiled(stderr: str) -> int:
    return sum(1 for line in stderr.splitlines() if line.lstrip().startswith("Compiling "))


def expanded_lines(runner: Runner, way: str, proj: Path, target: Path, n: int) -> int:
    """Macro-expanded size of the app crate: replays cargo's own rustc command line for it
    with -Zunpretty=expanded (RUSTC_BOOTSTRAP only for that one process, so no dependency
    is rebuilt and no fingerprint changes)."""
    touch(touched_file(proj, n), 10_000)
    _, err = runner.run(way, ["cargo", "build", "-vv"], proj, target, "expand: cargo build -vv")
    pkg = f"bench_{way}"
    line = next((l for l in err.splitlines()
                 if "Running `" in l and f"--crate-name {pkg} " in l), None)
    if line is None:
        raise StepFailed(f"no rustc command line for {pkg} in `cargo build -vv` output")
    argv = shlex.split(line[line.index("`") + 1:line.rindex("`")])
    env = dict(runner.env)
    while argv and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", argv[0]):
        k, v = argv.pop(0).split("=", 1)
        env[k] = v
    out = [a for a in argv if not a.startswith(
        ("--emit", "--error-format", "--json", "--diagnostic-width", "--color"))]
    # drop "-C incremental=..." pairs and the output dir (unpretty prints to stdout)
    cleaned, i = [], 0
    while i < len(out):
        if out[i] == "-C" and i + 1 < len(out) and out[i + 1].startswith("incremental="):
            i += 2
            continue
        if out[i] in ("--out-dir", "-o") and i + 1 < len(out):
            i += 2
            continue
        cleaned.append(out[i])
        i += 1
    env["RUSTC_BOOTSTRAP"] = "1"
    cmd = (["nice", "-n", str(runner.opts.nice)] if runner.opts.nice else []) + cleaned + [
        "-Zunpretty=expanded"]
    p = subprocess.run(cmd, cwd=proj, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if p.returncode != 0:
        raise StepFailed(f"-Zunpretty=expanded failed for {way}:\n{p.stderr[-2000:]}")
    return sum(1 for l in p.stdout.splitlines() if l.strip())


def prepare_lock(runner: Runner, way: str, proj: Path, target: Path, opts) -> Path:
    """Seeds Cargo.lock (committed lock for this way, else the repo's lock) so the four
    ways resolve shared dependencies to the same versions, then lets cargo complete it."""
    saved = LOCKS / f"{way}.Cargo.lock"
    if not saved.exists() and way in OURS:
        saved = LOCKS / "ours.Cargo.lock"  # the same dependencies, fewer features
    if not saved.exists() and way in SQLX:
        saved = LOCKS / "sqlx.Cargo.lock"  # the same dependencies
    seed = saved if saved.exists() and not opts.fresh_locks else opts.repo_lock
    shutil.copy(seed, proj / "Cargo.lock")
    runner.run(way, ["cargo", "fetch"], proj, target, f"fetch (lock seeded from {seed})")
    if opts.save_locks:
        LOCKS.mkdir(exist_ok=True)
        shutil.copy(proj / "Cargo.lock", saved)
    return proj / "Cargo.lock"


def lock_versions(lock: Path) -> dict[str, list[str]]:
    data = tomllib.loads(lock.read_text())
    out: dict[str, list[str]] = {}
    for p in data.get("package", []):
        out.setdefault(p["name"], []).append(p["version"])
    return {k: sorted(v) for k, v in out.items()}


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def slope(points: list[tuple[int, float]]) -> float:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den


class Way:
    """One way's project, between the measuring steps."""

    def __init__(self, way: str, opts):
        self.way = way
        base = opts.workdir / way
        self.base = base
        self.target = base / "target"
        self.proj = base / f"n{opts.models}"
        self.touched = touched_file(self.proj, opts.models)
        self.touches = 0
        self.lock: Path | None = None

    def touch(self) -> None:
        self.touches += 1
        touch(self.touched, self.touches)


def prepare_way(runner: Runner, w: Way, opts, res: dict) -> None:
    """Generates the project and takes (a); fills res step by step, so a failure keeps what
    was measured before it."""
    way, proj, target, n = w.way, w.proj, w.target, opts.models
    res.update({"way": way, "label": LABEL[way], "project": str(proj), "target_dir": str(target)})
    print(f"== {way}: generating {n} models in {proj}", file=sys.stderr)
    generate(way, n, proj, opts)
    w.lock = prepare_lock(runner, way, proj, target, opts)
    res["lock"] = lock_versions(w.lock)
    res["source"] = source_lines(proj)
    res["source"]["per_model_file"] = len(w.touched.read_text().splitlines())
    build = ["cargo", "build"]

    # (a) clean build, dependencies included
    times, crates = [], None
    for k in range(opts.clean_runs if "a" in opts.steps else 0):
        runner.run(way, ["cargo", "clean"], proj, target, "clean")
        dt, err = runner.run(way, build, proj, target, f"(a) clean build {k + 1}")
        times.append(dt)
        if crates is None:
            crates = count_compiled(err)
    if times:
        res["clean_build"] = {"runs_s": times, "median_s": median(times),
                              "crates_compiled": crates}
        print(f"   (a) clean build {median(times):.1f}s, {crates} crates", file=sys.stderr)
    else:
        runner.run(way, build, proj, target, "build (no clean build measured)")
    exe = target / "debug" / f"bench_{way}"
    if exe.exists():
        res["binary_bytes"] = exe.stat().st_size
    res["touched_file"] = str(w.touched.relative_to(proj))


# (b) and (c): the command run after touching one model file, and where its times go.
TOUCH_STEPS = {
    "b": (["cargo", "build"], "incremental_build", "incremental build"),
    "c": (["cargo", "check"], "incremental_check", "check"),
}


def measure_touches(runner: Runner, ways: list[Way], opts, results: dict, step: str) -> None:
    """(b) or (c) for every way, interleaved: each round runs every way once, in an order
    shuffled per round, so a machine that speeds up or slows down during the measurement
    (another VM, the page cache) weighs on every way alike instead of on whichever ran last."""
    if step not in opts.steps:
        return
    args, key, what = TOUCH_STEPS[step]
    live = [w for w in ways if "error" not in results[w.way]]
    if step == "c":
        # The first check builds the dependencies' metadata.
        for w in list(live):
            if not try_step(results, w, lambda w=w: runner.run(
                    w.way, args, w.proj, w.target, "(c) initial check")):
                live.remove(w)
    for _ in range(opts.warmup):
        for w in list(live):
            w.touch()
            if not try_step(results, w, lambda w=w: runner.run(
                    w.way, args, w.proj, w.target, f"({step}) warm-up")):
                live.remove(w)
    times = {w.way: [] for w in live}
    order = random.Random(0x636F6D70 + ord(step))
    for r in range(opts.runs):
        round_ways = list(live)
        order.shuffle(round_ways)
        for w in round_ways:
            if w not in live:
                continue
            w.touch()
            if not try_step(results, w, lambda w=w: times[w.way].append(runner.run(
                    w.way, args, w.proj, w.target, f"({step}) {what} {r + 1}")[0])):
                live.remove(w)
    for w in live:
        t = times[w.way]
        if t:
            results[w.way][key] = {"runs_s": t, "median_s": median(t)}
            print(f"   {w.way}: ({step}) {what} {median(t):.2f}s", file=sys.stderr)


def try_step(results: dict, w: Way, step) -> bool:
    """Runs step(); on failure records the error for w's way and returns False."""
    try:
        step()
        return True
    except StepFailed as e:
        print(f"!! {w.way} failed: {e}", file=sys.stderr)
        results[w.way]["error"] = str(e)
        return False


def finish_way(runner: Runner, w: Way, opts, res: dict) -> None:
    """The generated code volume and (d), which need no interleaving (each is one number
    per way, measured back to back)."""
    way, proj, target, n, base, lock = w.way, w.proj, w.target, opts.models, w.base, w.lock
    build = ["cargo", "build"]

    # generated code volume of the app crate
    if opts.expand:
        try:
            lines = expanded_lines(runner, way, proj, target, n)
            res["expanded"] = {"lines": lines, "per_model": lines / n}
            print(f"   expanded: {lines} lines", file=sys.stderr)
        except StepFailed as e:
            res["expanded"] = {"error": str(e)}
            print(f"   expanded: failed: {e}", file=sys.stderr)

    # (d) the app crate's own build time against model count
    if opts.sizes and "d" in opts.steps:
        points, per_size = [], {}
        for m in opts.sizes:
            p = base / f"n{m}"
            generate(way, m, p, opts)
            if p != proj:
                shutil.copy(lock, p / "Cargo.lock")
            runner.run(way, build, p, target, f"(d) n={m} warm-up")
            times = []
            for r in range(opts.slope_runs):
                runner.run(way, ["cargo", "clean", "-p", f"bench_{way}"], p, target,
                           f"(d) n={m} clean -p")
                times.append(runner.run(way, build, p, target, f"(d) n={m} build {r + 1}")[0])
            per_size[str(m)] = {"runs_s": times, "median_s": median(times),
                                "source_lines": source_lines(p)["lines"]}
            points.append((m, median(times) * 1000))
            print(f"   (d) n={m}: {median(times):.2f}s", file=sys.stderr)
        res["crate_build"] = {"sizes": per_size,
                              "slope_ms_per_model": slope(points) if len(points) > 1 else None}


# --------------------------------------------------------------------------------------
# Environment and report
# --------------------------------------------------------------------------------------

def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def toolchain(env: dict, opts) -> dict:
    probe = opts.workdir / "toolchain-probe"
    probe.mkdir(parents=True, exist_ok=True)
    shutil.copy(opts.toolchain_file, probe / "rust-toolchain.toml")
    out = {}
    for name, cmd in (("rustc", ["rustc", "-vV"]), ("cargo", ["cargo", "-V"])):
        p = subprocess.run(cmd, cwd=probe, env=env, capture_output=True, text=True)
        out[name] = p.stdout.strip() if p.returncode == 0 else f"error: {p.stderr.strip()}"
    return out


def fmt_s(x) -> str:
    return "–" if x is None else f"{x:.2f} s"


def get(res: dict, *path):
    for p in path:
        if not isinstance(res, dict) or p not in res:
            return None
        res = res[p]
    return res


def ratios(results: dict) -> list[dict]:
    out = []

    def add(name, num_way, den_way, path, target):
        a, b = get(results.get(num_way, {}), *path), get(results.get(den_way, {}), *path)
        if a is None or b is None or b == 0:
            out.append({"name": name, "ratio": None, "target": target, "ok": None})
            return
        r = a / b
        out.append({"name": name, "ratio": r, "target": target,
                    "ok": None if target is None else r <= target})

    add("(b) incremental build, ours / sqlx FromRow", "ours", "sqlx",
        ("incremental_build", "median_s"), 1.2)
    add("(c) check after touch, ours / sqlx FromRow", "ours", "sqlx",
        ("incremental_check", "median_s"), 1.2)
    add("(b) incremental build, ours (sqlite + postgres) / sqlx FromRow", "ours_sqlite_pg", "sqlx",
        ("incremental_build", "median_s"), 1.2)
    add("(c) check after touch, ours (sqlite + postgres) / sqlx FromRow", "ours_sqlite_pg", "sqlx",
        ("incremental_check", "median_s"), 1.2)
    add("(b) incremental build, ours (sqlite + postgres) / sqlx FromRow (sqlite + postgres)",
        "ours_sqlite_pg", "sqlx_sqlite_pg", ("incremental_build", "median_s"), 1.2)
    add("(c) check after touch, ours (sqlite + postgres) / sqlx FromRow (sqlite + postgres)",
        "ours_sqlite_pg", "sqlx_sqlite_pg", ("incremental_check", "median_s"), 1.2)
    add("(b) incremental build, ours (postgres only) / sqlx FromRow", "ours_pg", "sqlx",
        ("incremental_build", "median_s"), 1.2)
    add("(c) check after touch, ours (postgres only) / sqlx FromRow", "ours_pg", "sqlx",
        ("incremental_check", "median_s"), 1.2)
    add("(a) clean build, ours / SeaORM", "ours", "seaorm", ("clean_build", "median_s"), 1.0)
    add("(a) clean build, ours / Diesel", "ours", "diesel", ("clean_build", "median_s"), None)
    return out


def lock_differences(results: dict) -> list[str]:
    """Shared dependencies that two ways resolved to different versions."""
    locks = {w: r["lock"] for w, r in results.items() if "lock" in r}
    names = sorted({n for l in locks.values() for n in l})
    diffs = []
    for name in names:
        seen = {w: tuple(l[name]) for w, l in locks.items() if name in l}
        if len(seen) > 1 and len(set(seen.values())) > 1:
            diffs.append(f"{name}: " + ", ".join(f"{w} {'/'.join(v)}" for w, v in seen.items()))
    return diffs


def markdown(report: dict) -> str:
    meta, results, o = report["meta"], report["results"], report["options"]
    ways = [w for w in WAYS if w in results]
    L = []
    L.append(f"## Compile time: {o['models']} models × 8 fields, four ways"
             + (" (model-core with several feature sets)"
                if len(set(OURS) & set(ways)) > 1 else ""))
    L.append("")
    L.append(f"Generated by `python3 bench/compile/run.py {meta['argv']}` on {meta['date']}.")
    L.append("")
    L.append(f"- Machine: {meta['cpu']}, {meta['cores']} cores; load average at start "
             f"{' / '.join(f'{x:.2f}' for x in meta['loadavg_start'])}"
             + (" (**not idle: timings are not valid**)" if meta["loadavg_start"][0] > 0.5 else "")
             + f"; at the end {' / '.join(f'{x:.2f}' for x in meta['loadavg_end'])}")
    rustc = meta["toolchain"]["rustc"].splitlines()
    L.append(f"- Toolchain: {rustc[0] if rustc else '?'}; {meta['toolchain']['cargo']}; "
             "cargo's default `[profile.dev]`, default `CARGO_INCREMENTAL`"
             + (f"; builds under `nice -n {o['nice']}`" if o["nice"] else ""))
    L.append("- Runs: "
             + (f"(a) {o['clean_runs']} clean build(s); " if "a" in o["steps"] else
                "(a) not measured; ")
             + (f"(b) and (c) median of {o['runs']} after {o['warmup']} warm-up, each run "
                "appends a comment to one model file, the ways interleaved in an order shuffled "
                "every round; "
                if {"b", "c"} & set(o["steps"]) else "(b), (c) not measured; ")
             + (f"(d) median of {o['slope_runs']} builds of the app crate alone "
                f"(`cargo clean -p`), for {', '.join(map(str, o['sizes']))} models"
                if o["sizes"] else "(d) not measured"))
    L.append("- Each way is its own cargo project with its own target dir, models one per "
             "module file; `main` reaches every model's fetch-all function (sqlx and Diesel on "
             "PostgreSQL, model-core and SeaORM backend-agnostic).")
    L.append("")
    head = "| | " + " | ".join(LABEL[w] for w in ways) + " |"
    L.append(head)
    L.append("|---|" + "---:|" * len(ways))

    def row(name, cells):
        L.append(f"| {name} | " + " | ".join(cells) + " |")

    def cell(w, *path, fmt=fmt_s):
        r = results[w]
        if "error" in r and get(r, *path) is None:
            return "**failed**"
        v = get(r, *path)
        return "–" if v is None else fmt(v)

    row("(a) clean `cargo build`", [cell(w, "clean_build", "median_s") for w in ways])
    row("crates compiled in (a)", [cell(w, "clean_build", "crates_compiled", fmt=str) for w in ways])
    row("(b) `cargo build` after touching one model",
        [cell(w, "incremental_build", "median_s") for w in ways])
    row("(c) `cargo check` after touching one model",
        [cell(w, "incremental_check", "median_s") for w in ways])
    for m in o["sizes"] or []:
        row(f"(d) app crate alone, {m} models",
            [cell(w, "crate_build", "sizes", str(m), "median_s") for w in ways])
    if o["sizes"]:
        row("(d) slope, ms per model",
            [cell(w, "crate_build", "slope_ms_per_model", fmt=lambda v: f"{v:.0f}") for w in ways])
    row("debug binary size", [cell(w, "binary_bytes", fmt=lambda v: f"{v / 2**20:.1f} MiB")
                              for w in ways])
    row("source lines (app, all files)", [cell(w, "source", "lines", fmt=str) for w in ways])
    row("source lines per model file", [cell(w, "source", "per_model_file", fmt=str) for w in ways])
    row("macro-expanded lines (app crate)", [cell(w, "expanded", "lines", fmt=str) for w in ways])
    row("macro-expanded lines per model",
        [cell(w, "expanded", "per_model", fmt=lambda v: f"{v:.0f}") for w in ways])
    L.append("")
    L.append("Ratios (below 1 means model-core is faster):")
    L.append("")
    for r in report["ratios"]:
        if r["ratio"] is None:
            L.append(f"- {r['name']}: not available")
            continue
        tgt = "" if r["target"] is None else (
            f" (target ≤ {r['target']:g}: **{'met' if r['ok'] else 'missed'}**)")
        L.append(f"- {r['name']}: {r['ratio']:.2f}×{tgt}")
    L.append("")
    L.append("Resolved versions (from each project's Cargo.lock):")
    L.append("")
    L.append("| crate | " + " | ".join(SHORT[w] for w in ways) + " |")
    L.append("|---|" + "---|" * len(ways))
    for c in KEY_CRATES:
        cells = [", ".join(results[w].get("lock", {}).get(c, [])) or "–" for w in ways]
        if any(x != "–" for x in cells):
            L.append(f"| {c} | " + " | ".join(cells) + " |")
    L.append("| packages in Cargo.lock | "
             + " | ".join(str(len(results[w].get("lock", {}))) for w in ways) + " |")
    diffs = report["lock_differences"]
    L.append("")
    L.append(f"Shared dependencies resolved to different versions: {len(diffs)}"
             + ("" if not diffs else " (" + "; ".join(diffs[:20])
                + ("; ..." if len(diffs) > 20 else "") + ")"))
    failed = [w for w in ways if "error" in results[w]]
    if failed:
        L.append("")
        L.append("Failures:")
        L.append("")
        for w in failed:
            first = results[w]["error"].splitlines()[0]
            L.append(f"- {SHORT[w]}: {first}")
    notes = [
        "- model-core is a path dependency, so cargo builds it like a workspace crate "
        "(incremental, warnings shown) where a crates.io release would not be.",
        "- sqlx's `sqlite` feature and SeaORM (through it) compile the bundled SQLite; "
        "model-core enables `sqlite-bundled`; Diesel links the system libsqlite3, libpq and "
        "libmysqlclient as its guide does"
        + (" (here: bundled SQLite, `--diesel-bundled-sqlite`)." if o["diesel_bundled_sqlite"]
           else "."),
    ]
    L.append("")
    L.append("Notes:")
    L.append("")
    L.extend(notes)
    return "\n".join(L) + "\n"


# --------------------------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/model-compile-bench"),
                    help="where the generated projects and their target dirs go "
                         "(default /tmp/model-compile-bench)")
    ap.add_argument("--models", type=int, default=20, help="models in the app for (a)-(c) (20)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs for (b) and (c) (5)")
    ap.add_argument("--clean-runs", type=int, default=1, help="clean builds for (a) (1)")
    ap.add_argument("--slope-runs", type=int, default=3, help="builds per size for (d) (3)")
    ap.add_argument("--sizes", default="10,20,50", help="model counts for (d), comma-separated")
    ap.add_argument("--no-slope", action="store_true", help="skip (d)")
    ap.add_argument("--steps", default="a,b,c,d",
                    help="which of the measurements a,b,c,d to take (default all; skipping a "
                         "reuses the target dirs as they are)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed runs before (b) and (c) (1)")
    ap.add_argument("--ways", default=",".join(WAYS), help=f"subset of {','.join(WAYS)}")
    ap.add_argument("--quick", action="store_true",
                    help="validate end to end: 3 models, 1 run each, no slope")
    ap.add_argument("--no-expand", dest="expand", action="store_false",
                    help="skip counting macro-expanded lines")
    ap.add_argument("--nice", type=int, default=0, help="run builds under nice -n N (0: off)")
    ap.add_argument("--model-core", type=Path, default=REPO / "model-core",
                    help="path of the model-core crate (default: this repo's)")
    ap.add_argument("--fresh-locks", action="store_true",
                    help="seed Cargo.lock from the repo's lock, ignoring bench/compile/locks/")
    ap.add_argument("--save-locks", action="store_true",
                    help="write the resolved locks to bench/compile/locks/ (to pin them)")
    ap.add_argument("--diesel-bundled-sqlite", action="store_true",
                    help="Diesel compiles bundled SQLite (libsqlite3-sys/bundled) like sqlx does")
    ap.add_argument("--markdown", type=Path, help="also write the Markdown section here")
    ap.add_argument("--json", type=Path, help="write the results as JSON here")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every step's time")
    opts = ap.parse_args(argv)
    if opts.quick:
        opts.models, opts.runs, opts.clean_runs, opts.no_slope = 3, 1, 1, True
    opts.steps = {x.strip() for x in opts.steps.split(",") if x.strip()}
    if not opts.steps <= set("abcd"):
        ap.error("--steps takes a subset of a,b,c,d")
    if "d" not in opts.steps:
        opts.no_slope = True
    if opts.no_slope:
        opts.steps.discard("d")
    opts.sizes = [] if opts.no_slope else [int(x) for x in opts.sizes.split(",") if x.strip()]
    opts.ways = [w.strip() for w in opts.ways.split(",") if w.strip()]
    bad = [w for w in opts.ways if w not in WAYS]
    if bad:
        ap.error(f"unknown way(s) {bad}; choose from {WAYS}")
    opts.model_core = opts.model_core.resolve()
    opts.workdir = opts.workdir.resolve()
    ws_root = opts.model_core.parent
    opts.repo_lock = ws_root / "Cargo.lock"
    opts.toolchain_file = ws_root / "rust-toolchain.toml"
    for p in (opts.model_core / "Cargo.toml", opts.repo_lock, opts.toolchain_file):
        if not p.exists():
            ap.error(f"{p} not found")
    if opts.workdir == REPO or REPO in opts.workdir.parents:
        ap.error("--workdir must be outside the repository")
    return opts


def main(argv=None) -> int:
    opts = parse_args(sys.argv[1:] if argv is None else argv)
    load = os.getloadavg()
    if load[0] > 0.5:
        print(f"warning: load average {load[0]:.2f}; timings are only valid on an idle machine",
              file=sys.stderr)
    scrubbed = sorted(k for k in os.environ if SCRUB_ENV.match(k))
    env = {k: v for k, v in os.environ.items() if not SCRUB_ENV.match(k)}
    opts.workdir.mkdir(parents=True, exist_ok=True)
    log_dir = opts.workdir / "logs"
    shutil.rmtree(log_dir, ignore_errors=True)
    log_dir.mkdir()
    runner = Runner(opts, env, log_dir)
    meta = {
        "argv": shlex.join(sys.argv[1:] if argv is None else argv),
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu_model(), "cores": os.cpu_count(), "loadavg_start": list(load),
        "toolchain": toolchain(env, opts), "env_scrubbed": scrubbed,
        "python": platform.python_version(), "kernel": platform.release(),
        "model_core_path": str(opts.model_core),
        "model_core_commit": subprocess.run(
            ["git", "-C", str(opts.model_core), "rev-parse", "HEAD"],
            capture_output=True, text=True).stdout.strip(),
    }
    results = {way: {} for way in opts.ways}
    ways = [Way(way, opts) for way in opts.ways]

    def each(phase, ws):
        for w in ws:
            if "error" in results[w.way]:
                continue
            try:
                phase(runner, w, opts, results[w.way])
            except StepFailed as e:
                print(f"!! {w.way} failed: {e}", file=sys.stderr)
                results[w.way]["error"] = str(e)
            except Exception as e:  # a bug here must not lose the other ways' numbers
                import traceback
                traceback.print_exc()
                results[w.way]["error"] = f"{type(e).__name__}: {e}"

    each(prepare_way, ways)
    measure_touches(runner, ways, opts, results, "b")
    measure_touches(runner, ways, opts, results, "c")
    each(finish_way, ways)
    meta["loadavg_end"] = list(os.getloadavg())
    options = {k: (str(v) if isinstance(v, Path) else sorted(v) if isinstance(v, set) else v)
               for k, v in vars(opts).items()}
    report = {"meta": meta, "options": options, "results": results}
    report["ratios"] = ratios(results)
    report["lock_differences"] = lock_differences(results)
    md = markdown(report)
    print(md)
    if opts.markdown:
        opts.markdown.write_text(md)
    if opts.json:
        opts.json.write_text(json.dumps(report, indent=2) + "\n")
    return 1 if any("error" in r for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
