//! SeaORM 2.0 over the same sqlx 0.9, as its documentation shows it: entities derived with
//! `DeriveEntityModel`, `Database::connect(ConnectOptions)`, `find_by_id`/`find().filter(..)`,
//! `paginate`, `ActiveModel` inserts and updates, `update_many`/`delete_many`, relations with
//! `DeriveRelation` and `Related` loaded by the loader (`LoaderTrait::load_many`, W4), a
//! subquery with `in_subquery` (W5). Two variants:
//! `default` (ConnectOptions as given) and `tuned` (`test_before_acquire(false)`, so the pool
//! does not ping the server on every acquire).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, ConnectOptions, Database, DatabaseConnection,
    EntityTrait, LoaderTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, SelectExt,
    TransactionTrait,
};
use tokio::runtime::Runtime;

use super::{Contender, Key, join_tasks, keep_going, merge_tasks};
use crate::data::{self, Row, Sink, Sinkable};
use crate::workload::{FILTER_LIMIT, Input, PER_PAGE, Workload};

/// An entity module shaped like the users table, for one table name.
macro_rules! user_entity {
    ($($(#[$doc:meta])* $module:ident $table:tt,)*) => {$(
        $(#[$doc])*
        pub mod $module {
            use sea_orm::entity::prelude::*;

            #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
            #[sea_orm(table_name = $table)]
            pub struct Model {
                #[sea_orm(primary_key)]
                pub id: i64,
                pub name: String,
                pub hair_color: Option<String>,
                pub created_at: DateTime,
            }

            #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
            pub enum Relation {}

            impl ActiveModelBehavior for ActiveModel {}
        }
    )*};
}

/// `users`, which has many posts.
pub mod users {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub hair_color: Option<String>,
        pub created_at: DateTime,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::posts::Entity")]
        Posts,
    }

    impl Related<super::posts::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Posts.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// `posts`: each belongs to a user and has many comments.
pub mod posts {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "posts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub user_id: i64,
        pub title: String,
        pub body: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::users::Entity",
            from = "Column::UserId",
            to = "super::users::Column::Id"
        )]
        User,
        #[sea_orm(has_many = "super::comments::Entity")]
        Comments,
    }

    impl Related<super::users::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::User.def()
        }
    }

    impl Related<super::comments::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Comments.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// `comments`: each belongs to a post.
pub mod comments {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "comments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub post_id: i64,
        pub text: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::posts::Entity",
            from = "Column::PostId",
            to = "super::posts::Column::Id"
        )]
        Post,
    }

    impl Related<super::posts::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Post.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// `follows`: who follows whom (W5 reads it in a subquery).
pub mod follows {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "follows")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub follower_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub followed_id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

impl Sinkable for users::Model {
    fn sink(&self, sink: &mut Sink) {
        sink.user(
            self.id,
            &self.name,
            self.hair_color.as_deref(),
            self.created_at,
        );
    }
}

impl Sinkable for posts::Model {
    fn sink(&self, sink: &mut Sink) {
        sink.post(self.id, self.user_id, &self.title, &self.body);
    }
}

impl Sinkable for comments::Model {
    fn sink(&self, sink: &mut Sink) {
        sink.comment(self.id, self.post_id, &self.text);
    }
}

user_entity! {
    /// `users_1`.
    users_1 "users_1",
    /// `users_100`.
    users_100 "users_100",
    /// `users_ins`.
    users_ins "users_ins",
    /// `users_upd`.
    users_upd "users_upd",
    /// `users_del`.
    users_del "users_del",
}

/// Feeds models of any user-shaped entity into the sink.
macro_rules! sink_models {
    ($sink:expr, $rows:expr) => {
        for m in &$rows {
            $sink.user(m.id, &m.name, m.hair_color.as_deref(), m.created_at);
        }
    };
}

enum Staged {
    None,
    Ins(Vec<users_ins::ActiveModel>),
    Upd(Vec<users_upd::ActiveModel>),
}

pub struct SeaOrm {
    rt: Arc<Runtime>,
    tuned: bool,
    url: String,
    db: DatabaseConnection,
    staged: Staged,
    pooled: Option<DatabaseConnection>,
}

/// The connect options of a variant; `max` sets the pool size (W13), otherwise SeaORM's own
/// default applies. SQLite gets the synchronous mode every SQLite contender uses.
fn options(url: &str, tuned: bool, max: Option<u32>) -> ConnectOptions {
    let mut opt = ConnectOptions::new(url.to_owned());
    if tuned {
        opt.test_before_acquire(false);
    }
    if let Some(max) = max {
        opt.max_connections(max);
    }
    if url.starts_with("sqlite:") {
        opt.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
        });
    }
    opt
}

impl SeaOrm {
    pub fn new(rt: Arc<Runtime>, url: &str, tuned: bool) -> Result<SeaOrm> {
        let db = rt.block_on(Database::connect(options(url, tuned, None)))?;
        Ok(SeaOrm {
            rt,
            tuned,
            url: url.to_owned(),
            db,
            staged: Staged::None,
            pooled: None,
        })
    }
}

fn insert_model(r: &Row) -> users_ins::ActiveModel {
    users_ins::ActiveModel {
        id: ActiveValue::NotSet,
        name: ActiveValue::Set(r.name.clone()),
        hair_color: ActiveValue::Set(r.hair_color.clone()),
        created_at: ActiveValue::Set(r.created_at),
    }
}

fn update_model(r: &Row) -> users_upd::ActiveModel {
    users_upd::ActiveModel {
        id: ActiveValue::Unchanged(r.id),
        name: ActiveValue::Set(r.name.clone()),
        hair_color: ActiveValue::Set(r.hair_color.clone()),
        created_at: ActiveValue::Set(r.created_at),
    }
}

impl Contender for SeaOrm {
    fn key(&self) -> Key {
        if self.tuned {
            Key::SeaOrmTuned
        } else {
            Key::SeaOrm
        }
    }

    fn label(&self) -> String {
        let variant = if self.tuned { "tuned" } else { "default" };
        format!("sea-orm {} {variant}", crate::env::version("sea-orm"))
    }

    fn supports(&self, w: Workload) -> bool {
        !matches!(w, Workload::CreateAll | Workload::DropAll)
    }

    fn stage(&mut self, w: Workload, input: &Input) -> Result<()> {
        use Workload::*;
        self.staged = match w {
            InsertOne | InsertMany(_) | BulkLoad | TxInserts => {
                Staged::Ins(input.rows.iter().map(insert_model).collect())
            }
            UpdatePk => Staged::Upd(input.rows.iter().map(update_model).collect()),
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
                        if let Some(m) = users::Entity::find_by_id(id).one(db).await? {
                            sink.user(m.id, &m.name, m.hair_color.as_deref(), m.created_at);
                        }
                    }
                }
                (Load1, _) => {
                    for _ in 0..input.k {
                        sink_models!(sink, users_1::Entity::find().all(db).await?);
                    }
                }
                (Load100, _) => {
                    for _ in 0..input.k {
                        sink_models!(sink, users_100::Entity::find().all(db).await?);
                    }
                }
                (LoadAll, _) => {
                    for _ in 0..input.k {
                        sink_models!(sink, users::Entity::find().all(db).await?);
                    }
                }
                (Filter, _) => {
                    for p in &input.params {
                        let rows = users::Entity::find()
                            .filter(users::Column::HairColor.eq(p.text.as_str()))
                            .order_by_asc(users::Column::Name)
                            .limit(FILTER_LIMIT as u64)
                            .offset(p.a as u64)
                            .all(db)
                            .await?;
                        sink_models!(sink, rows);
                    }
                }
                (Paginate, _) => {
                    for p in &input.params {
                        let pages = users::Entity::find()
                            .filter(users::Column::HairColor.eq(p.text.as_str()))
                            .order_by_asc(users::Column::Id)
                            .paginate(db, PER_PAGE as u64);
                        // SeaORM numbers pages from zero.
                        let items = pages.fetch_page(p.a as u64 - 1).await?;
                        let total = pages.num_items().await?;
                        sink_models!(sink, items);
                        sink.value(total);
                    }
                }
                (EagerLoad, _) => {
                    for ids in input.ids.chunks(input.chunk) {
                        // Three statements: the users, then the loader for their posts and
                        // for those posts' comments, each grouped per parent.
                        let users = users::Entity::find()
                            .filter(users::Column::Id.is_in(ids.iter().copied()))
                            .order_by_asc(users::Column::Id)
                            .all(db)
                            .await?;
                        let posts = users
                            .load_many(posts::Entity::find().order_by_asc(posts::Column::Id), db)
                            .await?;
                        // The loader takes a flat list of parents: the posts of all users.
                        let counts: Vec<usize> = posts.iter().map(Vec::len).collect();
                        let posts: Vec<posts::Model> = posts.into_iter().flatten().collect();
                        let comments = posts
                            .load_many(
                                comments::Entity::find().order_by_asc(comments::Column::Id),
                                db,
                            )
                            .await?;
                        let mut pairs = posts.into_iter().zip(comments);
                        let tree: data::Tree<_, _, _> = users
                            .into_iter()
                            .zip(counts)
                            .map(|(u, n)| (u, pairs.by_ref().take(n).collect()))
                            .collect();
                        data::sink_tree(sink, &tree);
                    }
                }
                (Feed, _) => {
                    for p in &input.params {
                        let followed = Query::select()
                            .column(follows::Column::FollowedId)
                            .from(follows::Entity)
                            .and_where(follows::Column::FollowerId.eq(p.a))
                            .to_owned();
                        let pages = posts::Entity::find()
                            .filter(posts::Column::UserId.in_subquery(followed))
                            .order_by_desc(posts::Column::Id)
                            .paginate(db, PER_PAGE as u64);
                        // SeaORM numbers pages from zero.
                        let items = pages.fetch_page(p.b as u64 - 1).await?;
                        let total = pages.num_items().await?;
                        items.iter().for_each(|r| r.sink(sink));
                        sink.value(total);
                    }
                }
                (InsertOne, Staged::Ins(rows)) => {
                    for am in rows {
                        users_ins::Entity::insert(am).exec(db).await?;
                        sink.value(1);
                    }
                }
                (InsertMany(n), Staged::Ins(rows)) => {
                    let mut rows = rows.into_iter();
                    for _ in 0..input.k {
                        users_ins::Entity::insert_many(rows.by_ref().take(n))
                            .exec(db)
                            .await?;
                        sink.value(n as u64);
                    }
                }
                (BulkLoad, Staged::Ins(rows)) => {
                    let txn = db.begin().await?;
                    let len = rows.len();
                    let mut rows = rows.into_iter();
                    for _ in 0..len.div_ceil(crate::sql::BULK_CHUNK) {
                        users_ins::Entity::insert_many(rows.by_ref().take(crate::sql::BULK_CHUNK))
                            .exec(&txn)
                            .await?;
                    }
                    txn.commit().await?;
                    sink.value(len as u64);
                }
                (TxInserts, Staged::Ins(rows)) => {
                    let mut rows = rows.into_iter();
                    for _ in 0..input.k {
                        let txn = db.begin().await?;
                        for am in rows.by_ref().take(input.chunk) {
                            users_ins::Entity::insert(am).exec(&txn).await?;
                        }
                        txn.commit().await?;
                        sink.value(input.chunk as u64);
                    }
                }
                (UpdatePk, Staged::Upd(rows)) => {
                    for am in rows {
                        am.update(db).await?;
                        sink.value(1);
                    }
                }
                (UpdateBulk, _) => {
                    for p in &input.params {
                        let done = users_upd::Entity::update_many()
                            .col_expr(users_upd::Column::HairColor, Expr::value(p.text.clone()))
                            .filter(users_upd::Column::Id.between(p.a, p.b))
                            .exec(db)
                            .await?;
                        sink.value(done.rows_affected);
                    }
                }
                (DeletePk, _) => {
                    for r in &input.rows {
                        let done = users_del::Entity::delete_by_id(r.id).exec(db).await?;
                        sink.value(done.rows_affected);
                    }
                }
                (DeleteBulk, _) => {
                    for p in &input.params {
                        let done = users_del::Entity::delete_many()
                            .filter(users_del::Column::Id.between(p.a, p.b))
                            .exec(db)
                            .await?;
                        sink.value(done.rows_affected);
                    }
                }
                (Count, _) => {
                    for p in &input.params {
                        let n = users::Entity::find()
                            .filter(users::Column::HairColor.eq(p.text.as_str()))
                            .count(db)
                            .await?;
                        sink.value(n);
                    }
                }
                (Exists, _) => {
                    for p in &input.params {
                        let found = users::Entity::find()
                            .filter(users::Column::HairColor.eq(p.text.as_str()))
                            .exists(db)
                            .await?;
                        sink.value(u64::from(found));
                    }
                }
                (w, _) => anyhow::bail!("{w:?} is not implemented for sea-orm"),
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
                let opt = options(&self.url, self.tuned, Some(ids.len() as u32));
                let db = mt.block_on(Database::connect(opt))?;
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
                            if let Some(m) = users::Entity::find_by_id(id).one(&db).await? {
                                sink.user(m.id, &m.name, m.hair_color.as_deref(), m.created_at);
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
