//! Verification, calibration and interleaved rounds.
//!
//! For each workload: every contender first runs the same fixed batch and must return exactly
//! what the floor returned (and, for writes, leave exactly the same table behind), or the run
//! stops. Then each contender's batch size is calibrated to the target batch time, one batch
//! warms it up, and the rounds run: each round shuffles the contenders and times one batch of
//! each, so slow drift of the machine hits everyone alike and per-round ratios cancel it.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use model_core::Backend;
use tokio::runtime::Runtime;

use crate::contenders::{Admin, Contender, Key};
use crate::data::{self, Rng, Sink, Sinkable};
use crate::sql;
use crate::workload::{self, Input, Kind, Sizes, Workload};

/// A contender with the admin connection of its isolation unit.
pub struct Unit {
    pub contender: Box<dyn Contender>,
    pub admin: Box<dyn Admin>,
}

/// How long and how often to measure.
#[derive(Clone, Debug)]
pub struct Settings {
    pub backend: Backend,
    pub sizes: Sizes,
    pub rounds: usize,
    /// The batch time calibration aims for.
    pub target: Duration,
    /// Calibration grows the batch until it takes at least this long.
    pub calibrate_min: Duration,
    /// Each W13 batch runs this long.
    pub concurrency_time: Duration,
    /// CI smoke mode: tiny fixed batches, no calibration, no warm-up.
    pub tiny: bool,
}

impl Settings {
    /// Rounds for `w`: fewer for the workloads whose one operation takes seconds.
    pub fn rounds_for(&self, w: Workload) -> usize {
        match w {
            Workload::BulkLoad => self.rounds.min(5),
            // 200 CREATE TABLEs take seconds on MariaDB, and the reset before each drop_all
            // as long again.
            Workload::CreateAll | Workload::DropAll => self.rounds.min(3),
            _ => self.rounds,
        }
    }

    /// The batch size of the verification run.
    fn verify_k(&self, w: Workload) -> usize {
        use Workload::*;
        if let Some(k) = w.fixed_k() {
            return k;
        }
        let k = match w {
            InsertMany(n) if n >= 100 => 3,
            InsertMany(_) => 20,
            TxInserts | DeleteBulk | UpdateBulk => 3,
            _ => 50,
        };
        if self.tiny { k.min(5) } else { k }
    }
}

/// The measurements of one contender in one workload.
#[derive(Clone, Debug)]
pub struct Cell {
    pub key: Key,
    pub label: String,
    /// Operations per batch.
    pub k: usize,
    /// Nanoseconds per operation, one entry per round.
    pub ns: Vec<f64>,
    /// Per-round ratio to the floor and to raw sqlx measured in the same round.
    pub vs_floor: Vec<f64>,
    pub vs_sqlx: Vec<f64>,
}

/// Every contender's measurements in one workload.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub workload: Workload,
    pub label: String,
    pub rows_per_op: u64,
    pub cells: Vec<Cell>,
    /// What verification compared (the floor's result), for the JSON.
    pub verified: String,
}

const VERIFY_SEED: u64 = 0x5eed;
const CALIBRATE_SEED: u64 = 0xca11;
const WARM_SEED: u64 = 0x3a93;

/// Puts the unit's tables into the state a batch of `w` starts from. `fresh` also restores
/// tables that rounds leave at a constant size (the update table), for verification.
fn reset(
    admin: &mut dyn Admin,
    backend: Backend,
    w: Workload,
    input: &Input,
    fresh: bool,
) -> Result<()> {
    use Workload::*;
    match w {
        InsertOne | InsertMany(_) | BulkLoad | TxInserts => {
            admin.execute(&[sql::empty_table(backend, "users_ins")])?
        }
        UpdatePk | UpdateBulk if fresh => admin.execute(&sql::restore_upd(backend))?,
        DeletePk | DeleteBulk => {
            admin.execute(&[sql::empty_table(backend, "users_del")])?;
            admin.insert_users("users_del", &input.prefill)?;
        }
        CreateAll => admin.execute(&sql::gen_drop(backend))?,
        DropAll => admin.execute(&sql::gen_create(backend))?,
        _ => {}
    }
    Ok(())
}

/// What the admin connection reads back after a verified write.
fn readback(admin: &mut dyn Admin, w: Workload) -> Result<Option<Sink>> {
    Ok(match w.kind() {
        Kind::Read => None,
        Kind::Write(table) => Some(admin.checksum(table)?),
        Kind::Schema => {
            let mut sink = Sink::full();
            sink.value(admin.count_tables("gen_table_")?);
            Some(sink)
        }
    })
}

/// Resets (untimed), stages (untimed), then times one batch.
fn batch(
    unit: &mut Unit,
    s: &Settings,
    w: Workload,
    input: &Input,
    full: bool,
    fresh: bool,
) -> Result<(Duration, Sink)> {
    reset(unit.admin.as_mut(), s.backend, w, input, fresh)
        .with_context(|| format!("resetting for {}", w.id()))?;
    unit.contender.stage(w, input)?;
    let mut sink = if full { Sink::full() } else { Sink::cheap() };
    let started = Instant::now();
    unit.contender
        .run(w, input, &mut sink)
        .with_context(|| format!("{} running {}", unit.contender.label(), w.id()))?;
    Ok((started.elapsed(), sink))
}

/// Runs the fixed verification batch on every contender and stops the run if any differs
/// from the floor (the first unit).
fn verify(units: &mut [Unit], s: &Settings, w: Workload) -> Result<String> {
    let input = Input::new(w, s.verify_k(w), &s.sizes, VERIFY_SEED);
    let mut reference: Option<(Sink, Option<Sink>)> = None;
    for unit in units.iter_mut() {
        if !unit.contender.supports(w) {
            continue;
        }
        let (_, sink) = batch(unit, s, w, &input, true, true)?;
        let back = readback(unit.admin.as_mut(), w)?;
        match &reference {
            None => {
                check_floor(w, &input, s, &sink)?;
                reference = Some((sink, back));
            }
            Some((want, want_back)) => {
                if sink != *want || back != *want_back {
                    bail!(
                        "VERIFICATION FAILED: {} disagrees with the floor on {} ({}).\n  floor:  {}{}\n  {}: {}{}",
                        unit.contender.label(),
                        w.id(),
                        w.label(&s.sizes, crate::models::GEN_MODELS),
                        want.describe(),
                        describe_back(want_back),
                        unit.contender.key().id(),
                        sink.describe(),
                        describe_back(&back),
                    );
                }
            }
        }
    }
    let (sink, back) = reference.context("no contender implements this workload")?;
    Ok(format!("{}{}", sink.describe(), describe_back(&back)))
}

fn describe_back(back: &Option<Sink>) -> String {
    back.as_ref()
        .map(|b| format!("; table read back: {}", b.describe()))
        .unwrap_or_default()
}

/// Where the right answer follows from the generated data, the floor itself is checked too.
fn check_floor(w: Workload, input: &Input, s: &Settings, got: &Sink) -> Result<()> {
    let mut want = Sink::full();
    match w {
        Workload::GetPk => input.ids.iter().for_each(|&id| want.row(&data::user(id))),
        Workload::Load1 => data::users(1).iter().for_each(|r| want.row(r)),
        Workload::Load100 => data::users(100).iter().for_each(|r| want.row(r)),
        Workload::LoadAll => data::users(s.sizes.users).iter().for_each(|r| want.row(r)),
        Workload::EagerLoad => want_eager(&mut want, input, &s.sizes),
        Workload::Feed => want_feed(&mut want, input, &s.sizes),
        _ => return Ok(()),
    }
    if matches!(w, Workload::Load1 | Workload::Load100 | Workload::LoadAll) {
        let once = want;
        for _ in 1..input.k {
            want.merge(&once);
        }
    }
    if *got != want {
        bail!(
            "VERIFICATION FAILED: the floor's {} result does not match the seed data.\n  want: {}\n  got:  {}",
            w.id(),
            want.describe(),
            got.describe()
        );
    }
    Ok(())
}

/// W4 from the seed data: per operation its users by id, their posts by id, those posts'
/// comments by id, as `data::sink_tree` feeds them.
fn want_eager(want: &mut Sink, input: &Input, sizes: &Sizes) {
    let (per_user, per_post) = (workload::POSTS_PER_USER, workload::COMMENTS_PER_POST);
    for ids in input.ids.chunks(input.chunk) {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        let posts: Vec<data::PostRow> = ids
            .iter()
            .filter(|&&u| u <= sizes.post_users)
            .flat_map(|&u| {
                ((u - 1) * per_user + 1..=u * per_user).map(|id| data::post(id, per_user))
            })
            .collect();
        let comments: Vec<data::CommentRow> = posts
            .iter()
            .filter(|p| p.id <= sizes.comment_users * per_user)
            .flat_map(|p| {
                ((p.id - 1) * per_post + 1..=p.id * per_post).map(|id| data::comment(id, per_post))
            })
            .collect();
        ids.iter().for_each(|&id| want.row(&data::user(id)));
        posts.iter().for_each(|p| p.sink(want));
        comments.iter().for_each(|c| c.sink(want));
    }
}

/// W5 from the seed data: per operation the page of the posts of the users the follower
/// follows, newest first, and their total.
fn want_feed(want: &mut Sink, input: &Input, sizes: &Sizes) {
    let per_user = workload::POSTS_PER_USER;
    let follows = data::follows(
        workload::FOLLOWERS.min(sizes.users),
        workload::FOLLOWS_EACH,
        sizes.post_users,
    );
    for p in &input.params {
        let mut feed: Vec<i64> = follows
            .iter()
            .filter(|&&(follower, f)| follower == p.a && f <= sizes.post_users)
            .flat_map(|&(_, f)| (f - 1) * per_user + 1..=f * per_user)
            .collect();
        feed.sort_unstable_by(|a, b| b.cmp(a));
        let offset = ((p.b - 1) * workload::PER_PAGE) as usize;
        for &id in feed.iter().skip(offset).take(workload::PER_PAGE as usize) {
            data::post(id, per_user).sink(want);
        }
        want.value(feed.len() as u64);
    }
}

/// Grows the batch until it takes `calibrate_min`, then sizes it for `target`.
fn calibrate(unit: &mut Unit, s: &Settings, w: Workload) -> Result<usize> {
    if let Some(k) = w.fixed_k() {
        return Ok(k);
    }
    if s.tiny {
        return Ok(2);
    }
    let max = w.max_k(&s.sizes);
    let mut k = 1;
    loop {
        let input = Input::new(w, k, &s.sizes, CALIBRATE_SEED);
        let (took, _) = batch(unit, s, w, &input, false, false)?;
        if took >= s.calibrate_min || k >= max {
            let per_op = took.as_secs_f64() / k as f64;
            let want = (s.target.as_secs_f64() / per_op.max(1e-9)).round() as usize;
            return Ok(want.clamp(1, max));
        }
        // Far too short: jump ahead rather than doubling through every size.
        let grow = if took * 20 < s.calibrate_min { 10 } else { 2 };
        k = (k * grow).min(max);
    }
}

/// Measures `w` on every unit that implements it.
pub fn measure(units: &mut [Unit], s: &Settings, w: Workload, seed: u64) -> Result<Outcome> {
    let label = w.label(&s.sizes, crate::models::GEN_MODELS);
    eprintln!("== {label}");
    let verified = verify(units, s, w)?;
    let active: Vec<usize> = (0..units.len())
        .filter(|&i| units[i].contender.supports(w))
        .collect();
    let mut ks = vec![0; units.len()];
    for &i in &active {
        ks[i] = calibrate(&mut units[i], s, w)?;
        // Fixed-size workloads (one bulk load, one create_all) were warmed by verification.
        if !s.tiny && w.fixed_k().is_none() {
            let input = Input::new(w, ks[i], &s.sizes, WARM_SEED);
            batch(&mut units[i], s, w, &input, false, false)?;
        }
    }
    let mut ns: Vec<Vec<f64>> = vec![Vec::new(); units.len()];
    let mut order = active.clone();
    let mut rng = Rng::new(seed ^ 0x0bde);
    for round in 0..s.rounds_for(w) {
        rng.shuffle(&mut order);
        for &i in &order {
            let input = Input::new(w, ks[i], &s.sizes, seed.wrapping_add(round as u64 + 1));
            let (took, sink) = batch(&mut units[i], s, w, &input, false, false)?;
            if let Some(rows) = input.expected_rows(w, &s.sizes)
                && sink.rows != rows
            {
                bail!(
                    "{} returned {} rows in a timed {} batch, {rows} expected",
                    units[i].contender.label(),
                    sink.rows,
                    w.id()
                );
            }
            ns[i].push(took.as_nanos() as f64 / ks[i] as f64);
        }
    }
    Ok(outcome(units, s, w, label, verified, &active, &ks, ns))
}

/// W13: four tasks on a pool of four, each contender for `concurrency_time` per round.
pub fn measure_concurrency(
    units: &mut [Unit],
    s: &Settings,
    mt: &Runtime,
    seed: u64,
) -> Result<Outcome> {
    let w = Workload::Concurrency;
    let label = w.label(&s.sizes, crate::models::GEN_MODELS);
    eprintln!("== {label}");
    let active: Vec<usize> = (0..units.len())
        .filter(|&i| units[i].contender.supports(w))
        .collect();
    // Verification: every task gets each of its ids once.
    let ids = workload::concurrency_ids(&s.sizes, VERIFY_SEED, if s.tiny { 10 } else { 200 });
    let mut reference: Option<Sink> = None;
    for &i in &active {
        let mut sink = Sink::full();
        units[i].contender.concurrent(mt, &ids, None, &mut sink)?;
        match &reference {
            None => reference = Some(sink),
            Some(want) if *want != sink => bail!(
                "VERIFICATION FAILED: {} disagrees with the floor on W13.\n  floor: {}\n  got:   {}",
                units[i].contender.label(),
                want.describe(),
                sink.describe()
            ),
            Some(_) => {}
        }
    }
    let verified = reference.map(|r| r.describe()).unwrap_or_default();
    let ids = workload::concurrency_ids(&s.sizes, seed, 2_000);
    if !s.tiny {
        for &i in &active {
            let mut sink = Sink::cheap();
            let warm = s.concurrency_time / 2;
            units[i]
                .contender
                .concurrent(mt, &ids, Some(warm), &mut sink)?;
        }
    }
    let mut ns: Vec<Vec<f64>> = vec![Vec::new(); units.len()];
    let mut order = active.clone();
    let mut rng = Rng::new(seed ^ 0x13);
    for _ in 0..s.rounds {
        rng.shuffle(&mut order);
        for &i in &order {
            let mut sink = Sink::cheap();
            let started = Instant::now();
            let ops =
                units[i]
                    .contender
                    .concurrent(mt, &ids, Some(s.concurrency_time), &mut sink)?;
            let took = started.elapsed();
            if sink.rows != ops {
                bail!(
                    "{} found {} of {ops} rows in W13",
                    units[i].contender.label(),
                    sink.rows
                );
            }
            ns[i].push(took.as_nanos() as f64 / ops.max(1) as f64);
        }
    }
    {
        // Pools made inside the multi-threaded runtime are dropped inside it.
        let _inside = mt.enter();
        for &i in &active {
            units[i].contender.drop_concurrent();
        }
    }
    let ks = vec![0; units.len()];
    Ok(outcome(units, s, w, label, verified, &active, &ks, ns))
}

#[allow(
    clippy::too_many_arguments,
    reason = "assembles one record from the run's parts"
)]
fn outcome(
    units: &[Unit],
    s: &Settings,
    w: Workload,
    label: String,
    verified: String,
    active: &[usize],
    ks: &[usize],
    ns: Vec<Vec<f64>>,
) -> Outcome {
    let find = |key: Key| {
        active
            .iter()
            .copied()
            .find(|&i| units[i].contender.key() == key)
    };
    let floor = find(Key::Floor);
    let sqlx = find(Key::Sqlx);
    let ratios = |i: usize, base: Option<usize>| -> Vec<f64> {
        match base {
            Some(b) => ns[i].iter().zip(&ns[b]).map(|(x, y)| x / y).collect(),
            None => Vec::new(),
        }
    };
    let cells = active
        .iter()
        .map(|&i| Cell {
            key: units[i].contender.key(),
            label: units[i].contender.label(),
            k: ks[i],
            ns: ns[i].clone(),
            vs_floor: ratios(i, floor),
            vs_sqlx: ratios(i, sqlx),
        })
        .collect();
    Outcome {
        workload: w,
        label,
        rows_per_op: w.rows_per_op(&s.sizes),
        cells,
        verified,
    }
}

/// Order statistics of a sample.
#[derive(Clone, Copy, Debug, Default)]
pub struct Summary {
    pub median: f64,
    pub q1: f64,
    pub q3: f64,
    pub min: f64,
    pub max: f64,
}

pub fn summarize(values: &[f64]) -> Option<Summary> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let pos = q * (v.len() - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
    };
    Some(Summary {
        median: at(0.5),
        q1: at(0.25),
        q3: at(0.75),
        min: v[0],
        max: v[v.len() - 1],
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn quartiles() {
        let s = super::summarize(&[4.0, 1.0, 3.0, 2.0, 5.0]).unwrap();
        assert_eq!(
            (s.median, s.q1, s.q3, s.min, s.max),
            (3.0, 2.0, 4.0, 1.0, 5.0)
        );
    }
}
