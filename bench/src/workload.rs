//! The workloads (issue #4's W1–W14), their sizes per run mode, and the input of one batch:
//! the ids, rows and parameters every contender gets, generated from a seed so that contenders
//! running the same batch size see exactly the same operations.

use chrono::TimeDelta;

use crate::data::{self, COLORS, Rng, Row};

/// One measured operation shape. A batch runs `k` operations of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Workload {
    GetPk,
    Load1,
    Load100,
    LoadAll,
    Filter,
    Paginate,
    EagerLoad,
    Feed,
    InsertOne,
    InsertMany(usize),
    BulkLoad,
    TxInserts,
    UpdatePk,
    UpdateBulk,
    DeletePk,
    DeleteBulk,
    Count,
    Exists,
    Concurrency,
    CreateAll,
    DropAll,
}

/// What a workload does to the database, which decides how it is reset and verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Reads only; verified by what the contender returned.
    Read,
    /// Writes to a table; verified by reading the table back through the admin connection.
    Write(&'static str),
    /// Schema changes; verified by counting the generated tables.
    Schema,
}

/// How large everything is in a run mode.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// Rows of `users` (and of its copies `users_upd`).
    pub users: i64,
    /// Users that have posts, and posts per user.
    pub post_users: i64,
    /// Users whose posts have comments, and comments per post.
    pub comment_users: i64,
    /// Rows of the W8 bulk load.
    pub bulk_rows: usize,
    /// Rows per bulk update / bulk delete (W9b, W10b).
    pub bulk_set: i64,
    /// Rows per transaction in W11.
    pub tx_rows: usize,
}

impl Sizes {
    pub const FULL: Sizes = Sizes {
        users: 10_000,
        post_users: 1_000,
        comment_users: 100,
        bulk_rows: 100_000,
        bulk_set: 1_000,
        tx_rows: 1_000,
    };
    pub const QUICK: Sizes = Sizes {
        bulk_rows: 20_000,
        ..Sizes::FULL
    };
    pub const TINY: Sizes = Sizes {
        users: 300,
        post_users: 20,
        comment_users: 5,
        bulk_rows: 500,
        bulk_set: 100,
        tx_rows: 100,
    };
}

pub const POSTS_PER_USER: i64 = 10;
pub const COMMENTS_PER_POST: i64 = 10;
/// Rows per page of W3 and W3p.
pub const FILTER_LIMIT: i64 = 50;
pub const PER_PAGE: i64 = 20;
/// W4: users loaded per operation (fewer when fewer users have comments, see
/// [`Sizes::eager_users`]).
pub const EAGER_USERS: i64 = 100;
/// W5: the users who follow others (the first ones), how many users each follows (among those
/// with posts), and the pages read in turn.
pub const FOLLOWERS: i64 = 100;
pub const FOLLOWS_EACH: i64 = 20;
pub const FEED_PAGES: i64 = 5;

impl Sizes {
    /// Users per W4 operation: 100, or every user with comments when fewer have them (5 in
    /// `--tiny`), so each operation loads exactly this many users with all their posts and
    /// comments.
    pub fn eager_users(&self) -> i64 {
        EAGER_USERS.min(self.comment_users)
    }
}

impl Workload {
    /// Every workload, in report order.
    pub fn all() -> Vec<Workload> {
        use Workload::*;
        vec![
            GetPk,
            Load1,
            Load100,
            LoadAll,
            Filter,
            Paginate,
            EagerLoad,
            Feed,
            InsertOne,
            InsertMany(1),
            InsertMany(10),
            InsertMany(100),
            InsertMany(1000),
            BulkLoad,
            TxInserts,
            UpdatePk,
            UpdateBulk,
            DeletePk,
            DeleteBulk,
            Count,
            Exists,
            Concurrency,
            CreateAll,
            DropAll,
        ]
    }

    /// The short id used on the command line and in the JSON (`W7-100`).
    pub fn id(self) -> String {
        use Workload::*;
        match self {
            GetPk => "W1".into(),
            Load1 => "W2-1".into(),
            Load100 => "W2-100".into(),
            LoadAll => "W2-all".into(),
            Filter => "W3".into(),
            Paginate => "W3p".into(),
            EagerLoad => "W4".into(),
            Feed => "W5".into(),
            InsertOne => "W6".into(),
            InsertMany(n) => format!("W7-{n}"),
            BulkLoad => "W8".into(),
            TxInserts => "W11".into(),
            UpdatePk => "W9".into(),
            UpdateBulk => "W9b".into(),
            DeletePk => "W10".into(),
            DeleteBulk => "W10b".into(),
            Count => "W12c".into(),
            Exists => "W12e".into(),
            Concurrency => "W13".into(),
            CreateAll => "W14c".into(),
            DropAll => "W14d".into(),
        }
    }

    /// The row label of the report.
    pub fn label(self, s: &Sizes, gen_models: usize) -> String {
        use Workload::*;
        let id = self.id();
        let what = match self {
            GetPk => "get by primary key (random ids)".to_owned(),
            Load1 => "load all, 1 row".to_owned(),
            Load100 => "load all, 100 rows".to_owned(),
            LoadAll => format!("load all, {} rows", thousands(s.users)),
            Filter => format!("filter + order_by + limit {FILTER_LIMIT}/offset"),
            Paginate => format!("paginate ({PER_PAGE} per page + COUNT)"),
            EagerLoad => format!("users → posts → comments, {} users, eager", s.eager_users()),
            Feed => format!("feed page ({PER_PAGE} posts of followed users + COUNT)"),
            InsertOne => "insert one row, autocommit".to_owned(),
            InsertMany(n) => format!("insert_many, {n} rows in one call"),
            BulkLoad => format!(
                "bulk load {} rows, one transaction",
                thousands(s.bulk_rows as i64)
            ),
            TxInserts => format!(
                "{} rows added one at a time in one transaction",
                thousands(s.tx_rows as i64)
            ),
            UpdatePk => "update by primary key".to_owned(),
            UpdateBulk => format!("bulk update of {} rows by filter", thousands(s.bulk_set)),
            DeletePk => "delete by primary key".to_owned(),
            DeleteBulk => format!("bulk delete of {} rows by filter", thousands(s.bulk_set)),
            Count => "count (filtered)".to_owned(),
            Exists => "exists (filtered)".to_owned(),
            Concurrency => "4 tasks × get by pk, pool of 4 (time per op)".to_owned(),
            CreateAll => format!("create_all, {gen_models} models"),
            DropAll => format!("drop_all, {gen_models} models"),
        };
        format!("{id} {what}")
    }

    pub fn kind(self) -> Kind {
        use Workload::*;
        match self {
            InsertOne | InsertMany(_) | BulkLoad | TxInserts => Kind::Write("users_ins"),
            UpdatePk | UpdateBulk => Kind::Write("users_upd"),
            DeletePk | DeleteBulk => Kind::Write("users_del"),
            CreateAll | DropAll => Kind::Schema,
            _ => Kind::Read,
        }
    }

    /// A batch size that is not calibrated: one whole bulk load, one create_all.
    pub fn fixed_k(self) -> Option<usize> {
        use Workload::*;
        match self {
            BulkLoad | CreateAll | DropAll => Some(1),
            _ => None,
        }
    }

    /// The largest batch: deletes need their rows inserted first (outside the timing), and
    /// that should not take longer than the batch itself by orders of magnitude.
    pub fn max_k(self, s: &Sizes) -> usize {
        use Workload::*;
        match self {
            DeletePk => 50_000,
            DeleteBulk => (100_000 / s.bulk_set.max(1)) as usize,
            TxInserts => 200,
            InsertMany(n) => (200_000 / n).max(1),
            _ => 500_000,
        }
    }

    /// Rows one operation writes or reads, for rows/s.
    pub fn rows_per_op(self, s: &Sizes) -> u64 {
        use Workload::*;
        match self {
            Load100 => 100,
            LoadAll => s.users as u64,
            EagerLoad => eager_rows(s),
            Feed => PER_PAGE as u64,
            InsertMany(n) => n as u64,
            BulkLoad => s.bulk_rows as u64,
            TxInserts => s.tx_rows as u64,
            UpdateBulk | DeleteBulk => s.bulk_set as u64,
            _ => 1,
        }
    }

    /// The table a user-shaped load reads.
    pub fn load_table(self) -> &'static str {
        match self {
            Workload::Load1 => "users_1",
            Workload::Load100 => "users_100",
            _ => "users",
        }
    }

    /// Parses `W1,W7-100,...` (and `W7` for every W7 size).
    pub fn parse_list(list: &str) -> Result<Vec<Workload>, String> {
        let all = Workload::all();
        let mut out = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let matched: Vec<Workload> = all
                .iter()
                .copied()
                .filter(|w| {
                    let id = w.id();
                    id.eq_ignore_ascii_case(item)
                        || id
                            .split_once('-')
                            .is_some_and(|(base, _)| base.eq_ignore_ascii_case(item))
                })
                .collect();
            if matched.is_empty() {
                let ids: Vec<String> = all.iter().map(|w| w.id()).collect();
                return Err(format!(
                    "unknown workload `{item}`; known: {}",
                    ids.join(", ")
                ));
            }
            out.extend(matched);
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}

fn thousands(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A scalar parameter of one operation: a colour or text, and two integers (offset, page,
/// id range), by workload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub text: String,
    pub a: i64,
    pub b: i64,
}

/// The operations of one batch.
#[derive(Clone, Debug, Default)]
pub struct Input {
    /// Operations in the batch.
    pub k: usize,
    /// W1: the ids to get; W4: the users to load, `chunk` per operation.
    pub ids: Vec<i64>,
    /// W6–W8, W11: rows to insert; W9: rows to write by key; W10: rows to delete.
    pub rows: Vec<Row>,
    /// W7, W8, W11: rows per operation (`rows.chunks(chunk)`); W4: ids per operation.
    pub chunk: usize,
    /// W3, W3p, W5, W9b, W10b, W12: one parameter set per operation (W5: `a` the follower,
    /// `b` the page).
    pub params: Vec<Param>,
    /// W10: rows the admin connection inserts before the batch.
    pub prefill: Vec<Row>,
}

/// Users with hair colour `COLORS[c]` among `1..=users` (every third id from `c + 1`).
fn with_color(users: i64, c: usize) -> i64 {
    let first = c as i64 + 1;
    if users < first {
        0
    } else {
        (users - first) / 3 + 1
    }
}

impl Input {
    /// The batch of `k` operations of `w` for `seed`.
    pub fn new(w: Workload, k: usize, s: &Sizes, seed: u64) -> Input {
        use Workload::*;
        let mut rng = Rng::new(seed ^ hash_id(&w.id()));
        let mut input = Input {
            k,
            chunk: 1,
            ..Input::default()
        };
        let color = |rng: &mut Rng| rng.range(0, 1) as usize;
        match w {
            GetPk => input.ids = (0..k).map(|_| rng.range(1, s.users)).collect(),
            Filter => {
                input.params = (0..k)
                    .map(|_| {
                        let c = color(&mut rng);
                        let last = (with_color(s.users, c) - FILTER_LIMIT).max(0);
                        Param {
                            text: COLORS[c].to_owned(),
                            a: rng.range(0, last),
                            b: 0,
                        }
                    })
                    .collect()
            }
            Paginate => {
                input.params = (0..k)
                    .map(|_| {
                        let c = color(&mut rng);
                        let pages = (with_color(s.users, c) + PER_PAGE - 1) / PER_PAGE;
                        Param {
                            text: COLORS[c].to_owned(),
                            a: rng.range(1, pages.max(1)),
                            b: 0,
                        }
                    })
                    .collect()
            }
            EagerLoad => {
                // Distinct users among those with comments, in a different order each time
                // (the result is ordered by id all the same).
                let n = s.eager_users() as usize;
                input.chunk = n;
                let mut pool: Vec<i64> = (1..=s.comment_users).collect();
                for _ in 0..k {
                    rng.shuffle(&mut pool);
                    input.ids.extend_from_slice(&pool[..n]);
                }
            }
            Feed => {
                let followers = FOLLOWERS.min(s.users);
                input.params = (0..k as i64)
                    .map(|i| Param {
                        text: String::new(),
                        a: rng.range(1, followers),
                        b: i % FEED_PAGES + 1,
                    })
                    .collect()
            }
            InsertOne => input.rows = (0..k as i64).map(|i| data::new_user(i, seed)).collect(),
            InsertMany(n) => {
                input.chunk = n;
                input.rows = (0..(k * n) as i64)
                    .map(|i| data::new_user(i, seed))
                    .collect();
            }
            BulkLoad => {
                input.chunk = s.bulk_rows;
                input.rows = (0..s.bulk_rows as i64)
                    .map(|i| data::new_user(i, seed))
                    .collect();
            }
            TxInserts => {
                input.chunk = s.tx_rows;
                input.rows = (0..(k * s.tx_rows) as i64)
                    .map(|i| data::new_user(i, seed))
                    .collect();
            }
            UpdatePk => {
                input.rows = (0..k)
                    .map(|i| {
                        let mut row = data::user(rng.range(1, s.users));
                        // New values in every operation, so every UPDATE really changes its
                        // row even when an id repeats: MySQL skips unchanged rows, and drivers
                        // differ in whether they then count them as affected.
                        row.name = format!("User {} v{seed}-{i}", row.id);
                        row.hair_color = Some(format!("c{}", seed % 1000));
                        row.created_at += TimeDelta::days(1);
                        row
                    })
                    .collect()
            }
            UpdateBulk => {
                input.params = (0..k)
                    .map(|i| {
                        let lo = rng.range(1, (s.users - s.bulk_set + 1).max(1));
                        Param {
                            text: format!("c{seed}-{i}"),
                            a: lo,
                            b: lo + s.bulk_set - 1,
                        }
                    })
                    .collect()
            }
            DeletePk => {
                // A few rows more than get deleted: the read-back then checks the right ones
                // were left.
                input.prefill = data::users(k as i64 + 5);
                let mut rows = input.prefill[..k].to_vec();
                rng.shuffle(&mut rows);
                input.rows = rows;
            }
            DeleteBulk => {
                input.prefill = data::users((k as i64 + 1) * s.bulk_set);
                let mut params: Vec<Param> = (0..k as i64)
                    .map(|i| Param {
                        text: String::new(),
                        a: i * s.bulk_set + 1,
                        b: (i + 1) * s.bulk_set,
                    })
                    .collect();
                rng.shuffle(&mut params);
                input.params = params;
            }
            Count | Exists => {
                // A colour nobody has makes `exists` false a third of the time.
                input.params = (0..k)
                    .map(|_| Param {
                        text: ["black", "brown", "purple"][rng.range(0, 2) as usize].to_owned(),
                        a: 0,
                        b: 0,
                    })
                    .collect()
            }
            Load1 | Load100 | LoadAll | Concurrency | CreateAll | DropAll => {}
        }
        input
    }

    /// Rows a read batch must return in total, where that is known in advance; checked after
    /// every timed batch so no contender can skip work once verification has passed.
    pub fn expected_rows(&self, w: Workload, s: &Sizes) -> Option<u64> {
        use Workload::*;
        let k = self.k as u64;
        match w {
            GetPk => Some(k),
            Load1 => Some(k),
            Load100 => Some(100 * k),
            LoadAll => Some(s.users as u64 * k),
            Filter => Some(FILTER_LIMIT as u64 * k),
            EagerLoad => Some(eager_rows(s) * k),
            // Every follower follows at least 19 users with 10 posts each: pages 1-5 are full.
            Feed => Some(PER_PAGE as u64 * k),
            _ => None,
        }
    }
}

/// Rows one W4 operation returns: its users, their posts, the posts' comments.
fn eager_rows(s: &Sizes) -> u64 {
    let users = s.eager_users();
    (users + users * POSTS_PER_USER + users * POSTS_PER_USER * COMMENTS_PER_POST) as u64
}

fn hash_id(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The ids each of the 4 tasks of W13 gets, `per_task` each.
pub fn concurrency_ids(s: &Sizes, seed: u64, per_task: usize) -> Vec<Vec<i64>> {
    let mut rng = Rng::new(seed ^ 0x13);
    (0..4)
        .map(|_| (0..per_task).map(|_| rng.range(1, s.users)).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_ids() {
        assert_eq!(
            Workload::parse_list("W1,w7").unwrap(),
            vec![
                Workload::GetPk,
                Workload::InsertMany(1),
                Workload::InsertMany(10),
                Workload::InsertMany(100),
                Workload::InsertMany(1000)
            ]
        );
        assert!(Workload::parse_list("W99").is_err());
    }

    #[test]
    fn colour_counts() {
        assert_eq!(with_color(10_000, 0), 3334);
        assert_eq!(with_color(10_000, 1), 3333);
        let n = data::users(10_000)
            .iter()
            .filter(|r| r.hair_color.as_deref() == Some("brown"))
            .count();
        assert_eq!(n, 3333);
    }
}
