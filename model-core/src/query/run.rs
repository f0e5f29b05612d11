//! Running a [`Select`]: the terminal methods (`all`, `first`, `one`, `get`, `count`,
//! `exists`, `paginate`, and a page's `next`/`prev`), each rendering the query for the bind
//! its model lives in and reading the rows through an [`Executor`]: the bind's pool, or a
//! session's transaction.

use super::key::{IntoKey, key_conditions};
use super::page::Page;
use super::render::{Projection, SelectStatement, select_by_key_sql};
use super::select::Select;
use super::writer::SqlWriter;
use crate::driver::{RowCount, sink};
use crate::error::{Error, Result};
use crate::executor::{Executor, On, Runner, on_executor};
use crate::model::Model;
use crate::value::Value;

impl<M: Model> Select<M> {
    /// Runs `statement` (this query's, adjusted by the caller) and decodes the rows. Every read of
    /// rows goes through here, once, inside the public method's caller scope: the query is
    /// never cloned to be adjusted.
    pub(crate) async fn load(
        run: &mut Runner<'_>,
        statement: SelectStatement<'_>,
    ) -> Result<Vec<M>> {
        Self::load_expecting(run, statement, RowCount::for_limit(statement.limit)).await
    }

    /// [`Self::load`], telling the driver how many rows to read.
    async fn load_expecting(
        run: &mut Runner<'_>,
        statement: SelectStatement<'_>,
        expect: RowCount,
    ) -> Result<Vec<M>> {
        let mut w = SqlWriter::new(run.dialect(On::Table(M::TABLE))?);
        statement.write(&mut w, Projection::Model);
        let (sql, values) = w.finish();
        Self::read_rows(run, &sql, &values, expect).await
    }

    /// Runs `sql` (selecting every column of `M`) and decodes the rows.
    pub(crate) async fn read_rows(
        run: &mut Runner<'_>,
        sql: &str,
        values: &[Value],
        expect: RowCount,
    ) -> Result<Vec<M>> {
        let mut rows = sink::models::<M>(expect);
        run.read(On::Table(M::TABLE), sql, values, &mut rows, |bind, e| {
            Error::reading(M::TABLE, bind, e)
        })
        .await?;
        Ok(rows.rows)
    }

    /// The row of this query whose primary key is `key` (values already of the key's column
    /// types). A key matches at most one row, so no `LIMIT` is written: the statement is the
    /// plain lookup, with one value fewer to bind and send. On a query with no filter, order,
    /// limit, offset or `DISTINCT`, that is the table's cached lookup text.
    pub(crate) async fn load_key(
        &self,
        run: &mut Runner<'_>,
        key: Vec<Value>,
    ) -> Result<Option<M>> {
        if !self.is_plain() {
            let key = key_conditions(M::TABLE, key);
            return Ok(
                Self::load_expecting(run, self.statement(&key), RowCount::AtMostOne)
                    .await?
                    .pop(),
            );
        }
        let sql = select_by_key_sql(M::TABLE, run.dialect(On::Table(M::TABLE))?);
        Ok(Self::read_rows(run, sql, &key, RowCount::AtMostOne)
            .await?
            .pop())
    }

    /// The first row of `statement` run with `LIMIT 1`.
    async fn load_first(
        run: &mut Runner<'_>,
        mut statement: SelectStatement<'_>,
    ) -> Result<Option<M>> {
        statement.limit = Some(1);
        Ok(Self::load(run, statement).await?.pop())
    }

    /// Every row.
    #[track_caller]
    pub fn all<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
    ) -> impl std::future::Future<Output = Result<Vec<M>>> + Send + 'a {
        crate::record::from_caller(async move {
            on_executor!(db, |run| Self::load(run, self.statement(&[])))
        })
    }

    /// The first row, if any.
    #[track_caller]
    pub fn first<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
    ) -> impl std::future::Future<Output = Result<Option<M>>> + Send + 'a {
        crate::record::from_caller(async move {
            on_executor!(db, |run| Self::load_first(run, self.statement(&[])))
        })
    }

    /// The first row, or [`Error::NotFound`] (a 404 with the `axum` feature).
    #[track_caller]
    pub fn first_or_404<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
    ) -> impl std::future::Future<Output = Result<M>> + Send + 'a {
        crate::record::from_caller(async move {
            on_executor!(db, |run| Self::load_first(run, self.statement(&[])))?.ok_or_else(|| {
                Error::nothing_found(M::TABLE, "no row matches the query".to_owned())
            })
        })
    }

    /// The only row: [`Error::NotFound`] when there is none, [`Error::NotUnique`] when there
    /// are several.
    #[track_caller]
    pub fn one<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
    ) -> impl std::future::Future<Output = Result<M>> + Send + 'a {
        crate::record::from_caller(async move {
            let mut statement = self.statement(&[]);
            statement.limit = Some(2);
            let mut rows = on_executor!(db, |run| Self::load(run, statement))?;
            match rows.len() {
                0 => Err(Error::nothing_found(
                    M::TABLE,
                    "no row matches the query".to_owned(),
                )),
                1 => Ok(rows.remove(0)),
                _ => Err(Error::NotUnique {
                    model: M::TABLE.model().to_owned(),
                    table: M::TABLE.name().to_owned(),
                }),
            }
        })
    }

    /// The row with primary key `key` (a tuple for a composite key), within this query's filters.
    #[track_caller]
    pub fn get<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
        key: impl IntoKey + Send + 'a,
    ) -> impl std::future::Future<Output = Result<Option<M>>> + Send + 'a {
        crate::record::from_caller(async move {
            let key = self.checked_key(key)?;
            on_executor!(db, |run| self.load_key(run, key))
        })
    }

    /// The row with primary key `key`, or [`Error::NotFound`].
    #[track_caller]
    pub fn get_or_404<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
        key: impl IntoKey + Send + 'a,
    ) -> impl std::future::Future<Output = Result<M>> + Send + 'a {
        crate::record::from_caller(async move {
            let key = self.checked_key(key)?;
            on_executor!(db, |run| self.load_key(run, key))?.ok_or_else(|| {
                Error::nothing_found(M::TABLE, "no row has that primary key".to_owned())
            })
        })
    }

    /// The number of rows the query returns (ordering ignored).
    #[track_caller]
    pub fn count<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
    ) -> impl std::future::Future<Output = Result<u64>> + Send + 'a {
        crate::record::from_caller(async move {
            on_executor!(db, |run| Self::count_parts(run, self.statement(&[])))
        })
    }

    /// Whether the query returns any row.
    #[track_caller]
    pub fn exists<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
    ) -> impl std::future::Future<Output = Result<bool>> + Send + 'a {
        crate::record::from_caller(async move {
            let flag = on_executor!(db, |run| Self::fetch_integer(
                run,
                self.statement(&[]),
                Projection::Exists
            ))?;
            Ok(flag != 0)
        })
    }

    /// The number of rows `statement` selects.
    async fn count_parts(run: &mut Runner<'_>, statement: SelectStatement<'_>) -> Result<u64> {
        let count = Self::fetch_integer(run, statement, Projection::Count).await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Runs `statement` with a projection that returns one integer (a count or a flag).
    async fn fetch_integer(
        run: &mut Runner<'_>,
        statement: SelectStatement<'_>,
        projection: Projection,
    ) -> Result<i64> {
        let mut w = SqlWriter::new(run.dialect(On::Table(M::TABLE))?);
        statement.write(&mut w, projection);
        let (sql, values) = w.finish();
        run.read_i64(On::Table(M::TABLE), &sql, &values, |bind, e| {
            Error::reading(M::TABLE, bind, e)
        })
        .await
    }

    /// Page `page` (from 1) of `per_page` rows, with the total count, as Flask-SQLAlchemy's
    /// `paginate`. With `error_out`, a page below 1, a `per_page` below 1, or an empty page
    /// other than the first is [`Error::NotFound`]; without it, they give page 1, 20 per page,
    /// and an empty page. `per_page` is capped by [`max_per_page`](Self::max_per_page) when
    /// the query has one. On the pool, the page and the count run at once, each on a
    /// connection of the bind's pool, so the caller waits for one round trip rather than two;
    /// in a session, one after the other in its transaction.
    #[track_caller]
    pub fn paginate<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
        page: u64,
        per_page: u64,
        error_out: bool,
    ) -> impl std::future::Future<Output = Result<Page<M>>> + Send + 'a {
        crate::record::from_caller(async move {
            on_executor!(db, |run| self.page_on(run, page, per_page, error_out))
        })
    }

    /// The work of [`paginate`](Self::paginate), on `run`.
    pub(crate) async fn page_on(
        &self,
        run: &mut Runner<'_>,
        page: u64,
        per_page: u64,
        error_out: bool,
    ) -> Result<Page<M>> {
        if error_out && (page < 1 || per_page < 1) {
            return Err(Error::nothing_found(
                M::TABLE,
                format!("page {page} of {per_page} per page does not exist"),
            ));
        }
        let page = page.max(1);
        let per_page = if per_page < 1 { 20 } else { per_page };
        let per_page = per_page.min(self.max_per_page.unwrap_or(u64::MAX));
        let mut statement = self.statement(&[]);
        statement.limit = Some(per_page);
        statement.offset = Some((page - 1).saturating_mul(per_page));
        let mut counted = self.statement(&[]);
        counted.limit = None;
        counted.offset = None;
        let (items, total) = Self::page_and_count(run, statement, counted).await?;
        if error_out && items.is_empty() && page != 1 {
            return Err(Error::nothing_found(
                M::TABLE,
                format!("page {page} is past the last page"),
            ));
        }
        Ok(Page {
            items,
            page,
            per_page,
            total,
        })
    }

    /// The rows of `page` and the count of `counted`.
    async fn page_and_count(
        run: &mut Runner<'_>,
        page: SelectStatement<'_>,
        counted: SelectStatement<'_>,
    ) -> Result<(Vec<M>, u64)> {
        match run.pool() {
            // Two statements with no transaction between them either way, so they may run at
            // once, each on its own pooled connection (one after the other when the pool has
            // one): the page costs one round trip's wait instead of two.
            Some(db) => {
                let (mut first, mut second) = (db.into_runner(), db.into_runner());
                futures_util::future::try_join(
                    Self::load(&mut first, page),
                    Self::count_parts(&mut second, counted),
                )
                .await
            }
            None => {
                let items = Self::load(run, page).await?;
                Ok((items, Self::count_parts(run, counted).await?))
            }
        }
    }
}

impl<M: Model> Page<M> {
    /// The next page of `query` (the query this page came from), with the total carried over
    /// instead of counted again; `error_out` as in [`Select::paginate`].
    #[track_caller]
    pub fn next<'a>(
        &'a self,
        query: &'a Select<M>,
        db: impl Executor<'a> + 'a,
        error_out: bool,
    ) -> impl std::future::Future<Output = Result<Page<M>>> + Send + 'a {
        crate::record::from_caller(self.neighbour(query, db, self.page + 1, error_out))
    }

    /// The previous page of `query`; before page 1 it is [`Error::NotFound`] with `error_out`,
    /// page 1 without.
    #[track_caller]
    pub fn prev<'a>(
        &'a self,
        query: &'a Select<M>,
        db: impl Executor<'a> + 'a,
        error_out: bool,
    ) -> impl std::future::Future<Output = Result<Page<M>>> + Send + 'a {
        crate::record::from_caller(self.neighbour(
            query,
            db,
            self.page.saturating_sub(1),
            error_out,
        ))
    }

    async fn neighbour<'a>(
        &'a self,
        query: &'a Select<M>,
        db: impl Executor<'a> + 'a,
        page: u64,
        error_out: bool,
    ) -> Result<Page<M>> {
        if error_out && page < 1 {
            return Err(Error::nothing_found(
                M::TABLE,
                "there is no page before page 1".to_owned(),
            ));
        }
        let page = page.max(1);
        let offset = (page - 1).saturating_mul(self.per_page);
        let mut statement = query.statement(&[]);
        statement.limit = Some(self.per_page);
        statement.offset = Some(offset);
        let items = on_executor!(db, |run| Select::load(run, statement))?;
        if error_out && items.is_empty() && page != 1 {
            return Err(Error::nothing_found(
                M::TABLE,
                format!("page {page} is past the last page"),
            ));
        }
        Ok(Page {
            items,
            page,
            per_page: self.per_page,
            total: self.total,
        })
    }
}
