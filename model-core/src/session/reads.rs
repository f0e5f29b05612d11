//! What a session runs besides its queued writes, all inside its transaction: `get` by key and
//! SQL written by hand (`execute_raw`, `fetch_raw`, `fetch_as`, `fetch_scalar`), the same
//! methods as on [`Database`](crate::Database). Queries run in a session through their own
//! methods, given `&mut session` (see [`Executor`](crate::Executor)).

use super::Session;
use crate::error::Result;
use crate::executor::{Executor, on_executor};
use crate::from_row::FromRow;
use crate::model::Model;
use crate::query::{IntoKey, Select};
use crate::value::Value;
use crate::write;

impl Session {
    /// The row of `M` whose primary key is `key`, as the session sees it (SQLAlchemy's
    /// `session.get(User, 5)`); `User::query().get(&mut session, 5)` is the same.
    #[track_caller]
    pub fn get<'a, M: Model>(
        &'a mut self,
        key: impl IntoKey + Send + 'a,
    ) -> impl std::future::Future<Output = Result<Option<M>>> + Send + 'a {
        let query = Select::<M>::new();
        crate::record::from_caller(async move { query.get(self, key).await })
    }

    /// [`Database::execute_raw`](crate::Database::execute_raw) inside the session's
    /// transaction: committed with the session. Refused in a read-only session; a failure
    /// rolls the session back, as a failed flush does.
    #[track_caller]
    pub fn execute_raw<'a>(
        &'a mut self,
        bind: Option<&'a str>,
        sql: &'a str,
        values: &'a [Value],
    ) -> impl std::future::Future<Output = Result<u64>> + Send + 'a {
        crate::record::from_caller(async move {
            on_executor!(self, |run| write::execute_raw(run, bind, sql, values))
        })
    }

    /// [`Database::fetch_raw`](crate::Database::fetch_raw) inside the session's transaction.
    #[track_caller]
    pub fn fetch_raw<'a, M: Model>(
        &'a mut self,
        sql: &'a str,
        values: &'a [Value],
    ) -> impl std::future::Future<Output = Result<Vec<M>>> + Send + 'a {
        crate::record::from_caller(async move {
            on_executor!(self, |run| write::fetch_raw(run, sql, values))
        })
    }

    /// [`Database::fetch_as`](crate::Database::fetch_as) inside the session's transaction.
    #[track_caller]
    pub fn fetch_as<'a, R: FromRow>(
        &'a mut self,
        bind: Option<&'a str>,
        sql: &'a str,
        values: &'a [Value],
    ) -> impl std::future::Future<Output = Result<Vec<R>>> + Send + 'a {
        crate::record::from_caller(async move {
            on_executor!(self, |run| write::fetch_as(run, bind, sql, values))
        })
    }

    /// [`Database::fetch_scalar`](crate::Database::fetch_scalar) inside the session's
    /// transaction.
    #[track_caller]
    pub fn fetch_scalar<'a, R: FromRow>(
        &'a mut self,
        bind: Option<&'a str>,
        sql: &'a str,
        values: &'a [Value],
    ) -> impl std::future::Future<Output = Result<R>> + Send + 'a {
        crate::record::from_caller(async move {
            on_executor!(self, |run| write::fetch_scalar(run, bind, sql, values))
        })
    }
}
