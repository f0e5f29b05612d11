//! `query.with(...)`: a query whose rows come with their related rows, loaded select-in (one
//! statement per relationship level) on the same executor: on `&mut session`, every level
//! reads the session's transaction, so the levels agree with each other; on `&db`, each
//! statement takes a pooled connection of its own.

use super::include::Include;
use crate::error::Result;
use crate::executor::{Executor, Runner, on_executor};
use crate::model::Model;
use crate::query::{Condition, IntoKey, Order, Page, Select};

/// A query for rows of `M`, each with what `I` loads for it: `(M, I::Output)`. Built by
/// [`Select::with`].
///
/// ```no_run
/// # use model_core::{Database, Model, Result};
/// # #[derive(Model, Clone)]
/// # #[model(has_many(posts = Post::AUTHOR))]
/// # struct User { #[column(primary_key, autoincrement = false)] id: i64, name: String }
/// # #[derive(Model, Clone)]
/// # #[model(has_many(comments = Comment::POST))]
/// # struct Post {
/// #     #[column(primary_key, autoincrement = false)] id: i64,
/// #     #[column(foreign_key = User::ID, belongs_to = author)] author_id: i64,
/// # }
/// # #[derive(Model, Clone)]
/// # struct Comment {
/// #     #[column(primary_key, autoincrement = false)] id: i64,
/// #     #[column(foreign_key = Post::ID, belongs_to = post)] post_id: i64,
/// # }
/// # async fn run(db: &Database) -> Result<()> {
/// // Three statements for any number of users: users, their posts, the posts' comments.
/// let users = User::query()
///     .order_by(User::NAME.asc())
///     .with(User::POSTS.with(Post::COMMENTS))
///     .all(db)
///     .await?;
/// for (user, posts) in &users {
///     for (post, comments) in posts {
///         println!("{} wrote post {} ({} comments)", user.name, post.id, comments.len());
///     }
/// }
/// # Ok(()) }
/// ```
pub struct SelectWith<M, I> {
    query: Select<M>,
    include: I,
}

impl<M: Model> Select<M> {
    /// This query's rows, each with the rows `include` loads for it: a relationship handle
    /// (`User::POSTS`), one nested in another (`User::POSTS.with(Post::COMMENTS)`), or a tuple
    /// of them. Each relationship level is one more statement, whatever the number of rows.
    pub fn with<I: Include<M>>(self, include: I) -> SelectWith<M, I> {
        SelectWith {
            query: self,
            include,
        }
    }
}

impl<M: Model, I: Include<M>> SelectWith<M, I> {
    /// Keeps the rows matching `condition`.
    pub fn filter(mut self, condition: Condition<M>) -> Self {
        self.query = self.query.filter(condition);
        self
    }

    /// Orders the rows by `order`.
    pub fn order_by(mut self, order: Order<M>) -> Self {
        self.query = self.query.order_by(order);
        self
    }

    /// At most `n` rows (their related rows all come with them).
    pub fn limit(mut self, n: u64) -> Self {
        self.query = self.query.limit(n);
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.query = self.query.offset(n);
        self
    }

    /// The query the rows come from.
    pub fn query(&self) -> &Select<M> {
        &self.query
    }

    /// `rows`, each with what the relationships load for it.
    async fn attach(&self, run: &mut Runner<'_>, rows: Vec<M>) -> Result<Vec<(M, I::Output)>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let loaded = self.include.include(run, &rows).await?;
        Ok(rows.into_iter().zip(loaded).collect())
    }

    async fn all_on(&self, run: &mut Runner<'_>) -> Result<Vec<(M, I::Output)>> {
        let rows = Select::load(run, self.query.statement(&[])).await?;
        self.attach(run, rows).await
    }

    /// Every row, with its related rows.
    #[track_caller]
    pub fn all<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
    ) -> impl std::future::Future<Output = Result<Vec<(M, I::Output)>>> + Send + 'a {
        crate::record::from_caller(async move { on_executor!(db, |run| self.all_on(run)) })
    }

    async fn first_on(&self, run: &mut Runner<'_>) -> Result<Option<(M, I::Output)>> {
        let mut statement = self.query.statement(&[]);
        statement.limit = Some(1);
        let rows = Select::load(run, statement).await?;
        Ok(self.attach(run, rows).await?.pop())
    }

    /// The first row, if any, with its related rows.
    #[track_caller]
    pub fn first<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
    ) -> impl std::future::Future<Output = Result<Option<(M, I::Output)>>> + Send + 'a {
        crate::record::from_caller(async move { on_executor!(db, |run| self.first_on(run)) })
    }

    async fn get_on(
        &self,
        run: &mut Runner<'_>,
        key: Vec<crate::value::Value>,
    ) -> Result<Option<(M, I::Output)>> {
        let rows = self.query.load_key(run, key).await?.into_iter().collect();
        Ok(self.attach(run, rows).await?.pop())
    }

    /// The row with primary key `key`, with its related rows.
    #[track_caller]
    pub fn get<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
        key: impl IntoKey + Send + 'a,
    ) -> impl std::future::Future<Output = Result<Option<(M, I::Output)>>> + Send + 'a {
        crate::record::from_caller(async move {
            let key = self.query.checked_key(key)?;
            on_executor!(db, |run| self.get_on(run, key))
        })
    }

    async fn page_on(
        &self,
        run: &mut Runner<'_>,
        page: u64,
        per_page: u64,
        error_out: bool,
    ) -> Result<Page<(M, I::Output)>> {
        let rows = self.query.page_on(run, page, per_page, error_out).await?;
        let Page {
            items,
            page,
            per_page,
            total,
        } = rows;
        Ok(Page {
            items: self.attach(run, items).await?,
            page,
            per_page,
            total,
        })
    }

    /// Page `page` of `per_page` rows, each with its related rows, and the total count, as
    /// [`Select::paginate`]: the related rows of the page's rows only, one statement per
    /// relationship level after the page and the count.
    #[track_caller]
    pub fn paginate<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
        page: u64,
        per_page: u64,
        error_out: bool,
    ) -> impl std::future::Future<Output = Result<Page<(M, I::Output)>>> + Send + 'a {
        crate::record::from_caller(async move {
            on_executor!(db, |run| self.page_on(run, page, per_page, error_out))
        })
    }
}
