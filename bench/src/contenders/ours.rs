//! model-core as its README shows it: `#[derive(Model)]` structs, a default `Database`
//! (default pool settings), `Model::query()...`, `db.insert`/`insert_many`/`update`/`delete`,
//! bulk `update`/`delete` on a query, `count`/`exists`/`paginate`, eager loading with `.with`
//! (W4), a subquery through a many-to-many (W5), a session for W11 (which, like SQLAlchemy's
//! unit of work, sends the rows as one statement where each generated key can still be
//! learned: on PostgreSQL and MariaDB), and `create_all_in`/`drop_all_in` for W14.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use model_core::{BindSelection, Config, Database, PoolConfig};
use tokio::runtime::Runtime;

use super::{Contender, Key, join_tasks, keep_going, merge_tasks};
use crate::data::{self, Sink, Sinkable};
use crate::models::{Comment, Post, User, User1, User100, UserDel, UserIns, UserUpd};
use crate::workload::{FILTER_LIMIT, Input, PER_PAGE, Workload};

/// Rows staged (untimed) for the write workloads, already in model form.
enum Staged {
    None,
    Ins(Vec<UserIns>),
    Upd(Vec<UserUpd>),
    Del(Vec<UserDel>),
}

pub struct Ours {
    rt: Arc<Runtime>,
    url: String,
    db: Database,
    staged: Staged,
    /// W13's database handle (pool of four), made inside the multi-threaded runtime.
    pooled: Option<Database>,
}

impl Ours {
    /// Connects with the default configuration, plus the bind `gen` (the same database) for
    /// W14's generated models, and creates the schema with `create_all_in(BindSelection::Default)`.
    pub fn new(rt: Arc<Runtime>, url: &str) -> Result<Ours> {
        let db = rt.block_on(async {
            let db = Database::connect(Config::new(url).bind("gen", url)).await?;
            db.create_all_in(BindSelection::Default).await?;
            anyhow::Ok(db)
        })?;
        Ok(Ours {
            rt,
            url: url.to_owned(),
            db,
            staged: Staged::None,
            pooled: None,
        })
    }
}

/// Feeds rows of any user-shaped model into the sink.
macro_rules! sink_users {
    ($sink:expr, $rows:expr) => {
        for u in &$rows {
            $sink.user(*u.id, &u.name, u.hair_color.as_deref(), u.created_at);
        }
    };
}

impl Sinkable for User {
    fn sink(&self, sink: &mut Sink) {
        sink.user(
            *self.id,
            &self.name,
            self.hair_color.as_deref(),
            self.created_at,
        );
    }
}

impl Sinkable for Post {
    fn sink(&self, sink: &mut Sink) {
        sink.post(*self.id, self.user_id, &self.title, &self.body);
    }
}

impl Sinkable for Comment {
    fn sink(&self, sink: &mut Sink) {
        sink.comment(*self.id, self.post_id, &self.text);
    }
}

impl Contender for Ours {
    fn key(&self) -> Key {
        Key::Ours
    }

    fn label(&self) -> String {
        "ours (model-core)".to_owned()
    }

    fn supports(&self, _w: Workload) -> bool {
        true
    }

    fn stage(&mut self, w: Workload, input: &Input) -> Result<()> {
        use Workload::*;
        self.staged = match w {
            InsertOne | InsertMany(_) | BulkLoad | TxInserts => {
                Staged::Ins(input.rows.iter().map(UserIns::from).collect())
            }
            UpdatePk => Staged::Upd(input.rows.iter().map(UserUpd::from).collect()),
            DeletePk => Staged::Del(input.rows.iter().map(UserDel::from).collect()),
            _ => Staged::None,
        };
        Ok(())
    }

    fn run(&mut self, w: Workload, input: &Input, sink: &mut Sink) -> Result<()> {
        use Workload::*;
        let db = &self.db;
        let staged = std::mem::replace(&mut self.staged, Staged::None);
        self.rt.block_on(async {
            match (w, staged) {
                (GetPk, _) => {
                    for &id in &input.ids {
                        if let Some(u) = User::query().get(db, id).await? {
                            sink.user(*u.id, &u.name, u.hair_color.as_deref(), u.created_at);
                        }
                    }
                }
                (Load1, _) => {
                    for _ in 0..input.k {
                        sink_users!(sink, User1::query().all(db).await?);
                    }
                }
                (Load100, _) => {
                    for _ in 0..input.k {
                        sink_users!(sink, User100::query().all(db).await?);
                    }
                }
                (LoadAll, _) => {
                    for _ in 0..input.k {
                        sink_users!(sink, User::query().all(db).await?);
                    }
                }
                (Filter, _) => {
                    for p in &input.params {
                        let rows = User::query()
                            .filter(User::HAIR_COLOR.eq(p.text.as_str()))
                            .order_by(User::NAME.asc())
                            .limit(FILTER_LIMIT as u64)
                            .offset(p.a as u64)
                            .all(db)
                            .await?;
                        sink_users!(sink, rows);
                    }
                }
                (Paginate, _) => {
                    for p in &input.params {
                        let page = User::query()
                            .filter(User::HAIR_COLOR.eq(p.text.as_str()))
                            .order_by(User::ID.asc())
                            .paginate(db, p.a as u64, PER_PAGE as u64, true)
                            .await?;
                        sink_users!(sink, page.items);
                        sink.value(page.total);
                    }
                }
                (EagerLoad, _) => {
                    for ids in input.ids.chunks(input.chunk) {
                        // The users, their posts, the posts' comments: three statements (keys as
                        // one array on PostgreSQL, `IN` lists of up to 1,000 elsewhere).
                        let tree = User::query()
                            .filter(User::ID.is_in(ids.iter().copied()))
                            .order_by(User::ID.asc())
                            .with(
                                User::POSTS
                                    .order_by(Post::ID.asc())
                                    .with(Post::COMMENTS.order_by(Comment::ID.asc())),
                            )
                            .all(db)
                            .await?;
                        data::sink_tree(sink, &tree);
                    }
                }
                (Feed, _) => {
                    for p in &input.params {
                        // The follows of one user as one subquery on the association
                        // table. The other spellings, measured with --quick: `in_query`
                        // over `user.following()` (one level deeper) took 0.46 ms on SQLite
                        // and 1.2 ms on MariaDB; `Post::USER.has(User::FOLLOWERS.any(..))`
                        // (two nested correlated EXISTS) 5.6 ms and 6.8 ms; PostgreSQL 0.6 ms
                        // for all of them.
                        let page = Post::query()
                            .filter(Post::USER_ID.in_related(&User::FOLLOWING, p.a))
                            .order_by(Post::ID.desc())
                            .paginate(db, p.b as u64, PER_PAGE as u64, false)
                            .await?;
                        page.items.iter().for_each(|r| r.sink(sink));
                        sink.value(page.total);
                    }
                }
                (InsertOne, Staged::Ins(rows)) => {
                    for row in &rows {
                        db.insert(row).await?;
                        sink.value(1);
                    }
                }
                (InsertMany(n), Staged::Ins(rows)) => {
                    for chunk in rows.chunks(n) {
                        sink.value(db.insert_many(chunk).await?);
                    }
                }
                (BulkLoad, Staged::Ins(rows)) => sink.value(db.insert_many(&rows).await?),
                (TxInserts, Staged::Ins(rows)) => {
                    // Flask-SQLAlchemy's unit of work: add every row, then commit once.
                    let mut rows = rows.into_iter();
                    for _ in 0..input.k {
                        let mut session = db.session();
                        for row in rows.by_ref().take(input.chunk) {
                            session.add(row);
                        }
                        session.commit().await?;
                        sink.value(input.chunk as u64);
                    }
                }
                (UpdatePk, Staged::Upd(rows)) => {
                    for row in &rows {
                        db.update(row).await?;
                        sink.value(1);
                    }
                }
                (UpdateBulk, _) => {
                    for p in &input.params {
                        let n = UserUpd::query()
                            .filter(UserUpd::ID.between(p.a, p.b))
                            .update(db, [UserUpd::HAIR_COLOR.set(Some(p.text.clone()))])
                            .await?;
                        sink.value(n);
                    }
                }
                (DeletePk, Staged::Del(rows)) => {
                    for row in &rows {
                        db.delete(row).await?;
                        sink.value(1);
                    }
                }
                (DeleteBulk, _) => {
                    for p in &input.params {
                        let n = UserDel::query()
                            .filter(UserDel::ID.between(p.a, p.b))
                            .delete(db)
                            .await?;
                        sink.value(n);
                    }
                }
                (Count, _) => {
                    for p in &input.params {
                        let n = User::query()
                            .filter(User::HAIR_COLOR.eq(p.text.as_str()))
                            .count(db)
                            .await?;
                        sink.value(n);
                    }
                }
                (Exists, _) => {
                    for p in &input.params {
                        let found = User::query()
                            .filter(User::HAIR_COLOR.eq(p.text.as_str()))
                            .exists(db)
                            .await?;
                        sink.value(u64::from(found));
                    }
                }
                (CreateAll, _) => {
                    db.create_all_in(BindSelection::named("gen")).await?;
                    sink.value(1);
                }
                (DropAll, _) => {
                    db.drop_all_in(BindSelection::named("gen")).await?;
                    sink.value(1);
                }
                (w, _) => anyhow::bail!("{w:?}: nothing staged, or runs through `concurrent`"),
            }
            Ok(())
        })
    }

    fn concurrent(
        &mut self,
        mt: &Runtime,
        ids: &[Vec<i64>],
        until: Option<Duration>,
        sink: &mut Sink,
    ) -> Result<u64> {
        let db = match &self.pooled {
            Some(db) => db.clone(),
            None => {
                let config = Config::new(self.url.as_str())
                    .default_pool(PoolConfig::default().max_connections(ids.len() as u32));
                let db = mt.block_on(Database::connect(config))?;
                self.pooled = Some(db.clone());
                db
            }
        };
        let full = sink.is_full();
        let results = mt.block_on(async move {
            let tasks: Vec<_> = ids
                .iter()
                .cloned()
                .map(|ids| {
                    let db = db.clone();
                    tokio::spawn(async move {
                        let mut sink = if full { Sink::full() } else { Sink::cheap() };
                        let started = Instant::now();
                        let mut done = 0;
                        while keep_going(done, ids.len(), started, until) {
                            let id = ids[done % ids.len()];
                            if let Some(u) = User::query().get(&db, id).await? {
                                sink.user(*u.id, &u.name, u.hair_color.as_deref(), u.created_at);
                            }
                            done += 1;
                        }
                        anyhow::Ok((sink, done as u64))
                    })
                })
                .collect();
            join_tasks(tasks).await
        })?;
        Ok(merge_tasks(sink, results))
    }

    fn drop_concurrent(&mut self) {
        self.pooled = None;
    }
}
