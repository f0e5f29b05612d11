//! Every operation a user starts from a [`Database`]: creating and dropping the schema, writing
//! rows, opening sessions and transactions, raw SQL. Each method is the public, documented face
//! of work done in `schema/`, `write/` or `session/`; it only records the caller's line (for
//! echo and recorded queries) and hands over. Kept apart from `database.rs` so those modules
//! can take a `&Database` while the handle itself imports none of them.

use crate::database::Database;
use crate::error::{Error, Result};
use crate::executor::{Executor, on_executor};
use crate::from_row::FromRow;
use crate::model::{ColumnRef, Model};
use crate::schema::{self, BindSelection};
use crate::session::{self, BoxFuture, Session};
use crate::transaction_options::TransactionOptions;
use crate::value::Value;
use crate::write;

/// The schema: `create_all` and `drop_all` (Flask-SQLAlchemy's names).
impl Database {
    /// Creates the tables of every registered model in every configured bind
    /// (Flask-SQLAlchemy's `db.create_all()`). See [`Database::create_all_in`].
    #[track_caller]
    pub fn create_all<'a>(&'a self) -> impl std::future::Future<Output = Result<()>> + Send + 'a {
        crate::record::from_caller(async move { self.create_all_in(BindSelection::All).await })
    }

    /// Creates the tables of the registered models of the selected binds, in foreign-key order.
    ///
    /// The models are checked against the configuration first, and every problem is reported
    /// together before any statement runs. Existing tables and their rows are left alone, so
    /// running it twice is fine. On PostgreSQL and SQLite each bind's tables are created in one
    /// transaction; MySQL/MariaDB cannot roll DDL back, so there a failure drops the tables this
    /// call had created.
    #[track_caller]
    pub fn create_all_in<'a>(
        &'a self,
        binds: BindSelection,
    ) -> impl std::future::Future<Output = Result<()>> + Send + 'a {
        crate::record::from_caller(schema::create_all(self, binds))
    }

    /// Drops the tables of every registered model in every configured bind (`db.drop_all()`).
    #[track_caller]
    pub fn drop_all<'a>(&'a self) -> impl std::future::Future<Output = Result<()>> + Send + 'a {
        crate::record::from_caller(async move { self.drop_all_in(BindSelection::All).await })
    }

    /// Drops the tables of the registered models of the selected binds, in reverse foreign-key
    /// order. Only tables that models declare are dropped; nothing else in the database is touched.
    #[track_caller]
    pub fn drop_all_in<'a>(
        &'a self,
        binds: BindSelection,
    ) -> impl std::future::Future<Output = Result<()>> + Send + 'a {
        crate::record::from_caller(schema::drop_all(self, binds))
    }
}

/// The models against the live databases: reflection, `check_schema` and a `create_all` that
/// refuses drift.
impl Database {
    /// Reads the schema of the database of `bind` (`None`: the default database) from its
    /// catalog: every table with its columns (type as the backend spells it, nullability,
    /// server default, whether generated, collation, enum labels), primary key, indexes,
    /// unique constraints and foreign keys, and on PostgreSQL its enum types. Tables of
    /// migration bookkeeping (`_sqlx_migrations`) are left out.
    #[track_caller]
    pub fn reflect<'a>(
        &'a self,
        bind: Option<&'a str>,
    ) -> impl std::future::Future<Output = Result<crate::catalog::Schema>> + Send + 'a {
        crate::record::from_caller(schema::reflect(self, bind))
    }

    /// Compares the models of every bind with its live database (Alembic's `check`). See
    /// [`Database::check_schema_in`].
    #[track_caller]
    pub fn check_schema<'a>(
        &'a self,
    ) -> impl std::future::Future<Output = Result<crate::catalog::SchemaReport>> + Send + 'a {
        crate::record::from_caller(schema::check_schema(self, BindSelection::All))
    }

    /// Compares the models of the selected binds with their live databases: per bind, the
    /// changes that would take the database to the models, each classified (safe, needs
    /// review, destructive), with the drops and adds that may be renames noted. An empty
    /// report ([`SchemaReport::is_empty`](crate::catalog::SchemaReport::is_empty)) means
    /// they agree. Tables no model declares are reported as to be dropped, as Alembic does.
    #[track_caller]
    pub fn check_schema_in<'a>(
        &'a self,
        binds: BindSelection,
    ) -> impl std::future::Future<Output = Result<crate::catalog::SchemaReport>> + Send + 'a {
        crate::record::from_caller(schema::check_schema(self, binds))
    }

    /// [`Database::create_all`] that refuses drift: every existing table is compared with its
    /// model first, and when any differs (a column added to the model, a type changed...)
    /// it fails with [`Error::SchemaDrift`] listing every difference, and creates nothing.
    /// Plain `create_all` leaves an existing table alone whatever it holds, as
    /// Flask-SQLAlchemy's does.
    #[track_caller]
    pub fn create_all_strict<'a>(
        &'a self,
    ) -> impl std::future::Future<Output = Result<()>> + Send + 'a {
        crate::record::from_caller(schema::create_all_strict(self, BindSelection::All))
    }

    /// [`Database::create_all_strict`] for the selected binds.
    #[track_caller]
    pub fn create_all_strict_in<'a>(
        &'a self,
        binds: BindSelection,
    ) -> impl std::future::Future<Output = Result<()>> + Send + 'a {
        crate::record::from_caller(schema::create_all_strict(self, binds))
    }
}

/// Writes outside a session: each is a commit of its own, and fires the commit signals.
impl Database {
    /// Inserts `row` and returns it as stored: generated key, client defaults applied, server
    /// defaults filled in.
    #[track_caller]
    pub fn insert<'a, M: Model>(
        &'a self,
        row: &'a M,
    ) -> impl std::future::Future<Output = Result<M>> + Send + 'a {
        crate::record::from_caller(write::insert(self, row))
    }

    /// Inserts `rows` with multi-row statements of up to 1,000 rows (fewer where the backend's
    /// bound-parameter limit requires), all in one transaction (none is opened when one
    /// statement holds them all); returns the number of rows inserted. On PostgreSQL a
    /// statement of 32 rows or more binds one array per column (`INSERT ... SELECT * FROM
    /// UNNEST($1, $2...)`), so its text, prepared once per connection, is the same for any
    /// number of rows. Each statement is built just before it is sent, so a large load holds
    /// one statement's values at a time rather than a copy of every row.
    #[track_caller]
    pub fn insert_many<'a, M: Model>(
        &'a self,
        rows: &'a [M],
    ) -> impl std::future::Future<Output = Result<u64>> + Send + 'a {
        crate::record::from_caller(write::insert_many(self, rows))
    }

    /// Writes every column of `row` by its primary key, setting `onupdate` columns to their
    /// function's value: one `UPDATE` on every backend, nothing read back.
    /// [`Error::NotFound`] if no row has that key. [`Database::update_returning`] also returns
    /// the row as stored.
    #[track_caller]
    pub fn update<'a, M: Model>(
        &'a self,
        row: &'a M,
    ) -> impl std::future::Future<Output = Result<()>> + Send + 'a {
        crate::record::from_caller(write::update(self, row))
    }

    /// [`Database::update`], returning the row as stored: the `onupdate` values, and whatever
    /// the database changed on the way in (a trigger, a rounded timestamp). PostgreSQL and
    /// SQLite return it from the same statement (`UPDATE ... RETURNING`); MySQL and MariaDB
    /// have no such clause, so there it costs a second statement, a `SELECT` by key.
    #[track_caller]
    pub fn update_returning<'a, M: Model>(
        &'a self,
        row: &'a M,
    ) -> impl std::future::Future<Output = Result<M>> + Send + 'a {
        crate::record::from_caller(write::update_returning(self, row))
    }

    /// Writes only `columns` of `row` by its primary key (and the `onupdate` columns, and the
    /// next version of a `#[column(version)]` table, whose current version the row must still
    /// have): two handlers holding copies of one row no longer undo each other's changes to
    /// other columns, as [`Database::update`] of every column would.
    ///
    /// ```no_run
    /// # use model_core::{Database, Model};
    /// # #[derive(Model)] struct User { #[column(primary_key)] id: model_core::Auto<i64>, last_seen: i64, about_me: String }
    /// # async fn run(db: Database, user: User) -> model_core::Result<()> {
    /// db.update_columns(&user, [User::LAST_SEEN.into()]).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// [`Error::NotFound`] if no row has that key ([`Error::StaleRow`] for a versioned row
    /// whose version changed); [`Error::Unsupported`] for a column the model does not have
    /// or a key column. An empty list writes nothing but still checks that the row exists.
    #[track_caller]
    pub fn update_columns<'a, M: Model>(
        &'a self,
        row: &'a M,
        columns: impl IntoIterator<Item = ColumnRef<M>> + Send + 'a,
    ) -> impl std::future::Future<Output = Result<()>> + Send + 'a {
        crate::record::from_caller(write::update_columns(self, row, columns))
    }

    /// Deletes `row` by its primary key. [`Error::NotFound`] if no row has that key.
    #[track_caller]
    pub fn delete<'a, M: Model>(
        &'a self,
        row: &'a M,
    ) -> impl std::future::Future<Output = Result<()>> + Send + 'a {
        crate::record::from_caller(write::delete(self, row))
    }
}

/// Sessions and transactions: units of work that commit together.
impl Database {
    /// A new unit of work. Nothing is sent until `flush`, `commit` or a read through the session.
    pub fn session(&self) -> Session {
        session::new_session(self, TransactionOptions::default())
    }

    /// A new unit of work whose transactions open with `options`: an isolation level, or
    /// read-only (see [`TransactionOptions`]).
    pub fn session_with(&self, options: TransactionOptions) -> Session {
        session::new_session(self, options)
    }

    /// Runs `work` in a session and commits it when `work` returns `Ok`; rolls back when it
    /// returns `Err` or panics (the panic then continues). The future is boxed so it can be
    /// `Send` and run inside spawned tasks and web handlers:
    ///
    /// ```no_run
    /// # async fn run(db: model_core::Database) -> model_core::Result<()> {
    /// let count = db
    ///     .transaction(|session| Box::pin(async move {
    ///         // session.add(...); session.flush().await?; ...
    ///         Ok::<_, model_core::Error>(1)
    ///     }))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// Recorded queries point at the line that called `transaction` for the commit or
    /// rollback, and at the closure's own lines for the statements it issues.
    #[track_caller]
    pub fn transaction<'a, T, E, F>(
        &'a self,
        work: F,
    ) -> impl std::future::Future<Output = std::result::Result<T, E>> + 'a
    where
        F: for<'s> FnOnce(&'s mut Session) -> BoxFuture<'s, std::result::Result<T, E>> + 'a,
        E: From<Error> + 'a,
        T: 'a,
    {
        session::run_transaction(
            self,
            TransactionOptions::default(),
            std::panic::Location::caller(),
            work,
        )
    }

    /// [`transaction`](Self::transaction) with its transactions opened with `options`: an
    /// isolation level, or read-only.
    ///
    /// ```no_run
    /// # async fn run(db: model_core::Database) -> model_core::Result<()> {
    /// use model_core::{IsolationLevel, TransactionOptions};
    ///
    /// let serializable = TransactionOptions::new().isolation(IsolationLevel::Serializable);
    /// db.transaction_with(serializable, |session| Box::pin(async move {
    ///     // read, decide, write: a conflicting transaction makes one of the two fail
    ///     Ok::<_, model_core::Error>(())
    /// }))
    /// .await?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn transaction_with<'a, T, E, F>(
        &'a self,
        options: TransactionOptions,
        work: F,
    ) -> impl std::future::Future<Output = std::result::Result<T, E>> + 'a
    where
        F: for<'s> FnOnce(&'s mut Session) -> BoxFuture<'s, std::result::Result<T, E>> + 'a,
        E: From<Error> + 'a,
        T: 'a,
    {
        session::run_transaction(self, options, std::panic::Location::caller(), work)
    }
}

/// SQL written by hand: the escape hatch, with values still bound.
impl Database {
    /// Runs a statement written by hand on `bind` (`None`: the default database) with `values`
    /// bound to its placeholders; returns the number of rows affected.
    ///
    /// Placeholders are `?` on every backend, so one text serves SQLite, MySQL and PostgreSQL:
    /// on PostgreSQL each `?` outside string literals, quoted names, comments and dollar-quoted
    /// bodies is numbered (`$1`, `$2`...) before the text is sent, and `??` stands for a
    /// literal `?` (the JSON operators `?`, `?|`, `?&`). Text written with `$1`... and no `?`
    /// is sent as it is.
    #[track_caller]
    pub fn execute_raw<'a>(
        &'a self,
        bind: Option<&'a str>,
        sql: &'a str,
        values: &'a [Value],
    ) -> impl std::future::Future<Output = Result<u64>> + Send + 'a {
        crate::record::from_caller(async move {
            on_executor!(self, |run| write::execute_raw(run, bind, sql, values))
        })
    }

    /// Runs a query written by hand on `M`'s bind and reads each row into `M`: the query must
    /// return `M`'s columns in declaration order (e.g. `SELECT * FROM ...` on its table, or
    /// the same list in a join). Placeholders are `?` on every backend (see
    /// [`execute_raw`](Self::execute_raw)).
    #[track_caller]
    pub fn fetch_raw<'a, M: Model>(
        &'a self,
        sql: &'a str,
        values: &'a [Value],
    ) -> impl std::future::Future<Output = Result<Vec<M>>> + Send + 'a {
        crate::record::from_caller(async move {
            on_executor!(self, |run| write::fetch_raw(run, sql, values))
        })
    }

    /// Runs a query written by hand on `bind` (`None`: the default database) and reads each
    /// row into `R`: a `#[derive(FromRow)]` struct (columns by name), a tuple of column types
    /// (the first columns, in order), a single column type (the first column) or a model. No
    /// table is involved: a row type is never registered or created. Placeholders are `?` on
    /// every backend.
    ///
    /// ```no_run
    /// # async fn run(db: model_core::Database) -> model_core::Result<()> {
    /// use model_core::{FromRow, Value};
    ///
    /// #[derive(FromRow)]
    /// struct AuthorPosts { name: String, posts: i64 }
    ///
    /// let rows: Vec<AuthorPosts> = db.fetch_as(None,
    ///     "SELECT u.username AS name, COUNT(p.id) AS posts FROM user u \
    ///      JOIN blog_post p ON p.author_id = u.id GROUP BY u.username HAVING COUNT(p.id) > ?",
    ///     &[Value::from(2_i64)]).await?;
    /// let pairs: Vec<(i64, String)> = db.fetch_as(None, "SELECT id, username FROM user", &[]).await?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn fetch_as<'a, R: FromRow>(
        &'a self,
        bind: Option<&'a str>,
        sql: &'a str,
        values: &'a [Value],
    ) -> impl std::future::Future<Output = Result<Vec<R>>> + Send + 'a {
        crate::record::from_caller(async move {
            on_executor!(self, |run| write::fetch_as(run, bind, sql, values))
        })
    }

    /// Runs a query written by hand on `bind` and reads its first row into `R`, usually one
    /// value: `let n: i64 = db.fetch_scalar(None, "SELECT COUNT(*) FROM user", &[]).await?`.
    /// [`Error::NotFound`] when it returns no row.
    #[track_caller]
    pub fn fetch_scalar<'a, R: FromRow>(
        &'a self,
        bind: Option<&'a str>,
        sql: &'a str,
        values: &'a [Value],
    ) -> impl std::future::Future<Output = Result<R>> + Send + 'a {
        crate::record::from_caller(async move {
            on_executor!(self, |run| write::fetch_scalar(run, bind, sql, values))
        })
    }
}
