//! The one error type of the crate. Every variant names what it is about: the bind, and where it
//! applies the model, table and column. URLs in messages are redacted (`***` for the password).

use std::fmt;

use crate::driver::DriverError;
use crate::meta::Table;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, with enough context to act on it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A database URL could not be used.
    #[error("bind {bind}: invalid database URL `{url}`: {reason}")]
    InvalidUrl {
        /// The bind (`default` or the quoted key).
        bind: String,
        /// The URL with its password replaced by `***`.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The configuration itself is wrong (an environment variable that does not parse, ...).
    #[error("invalid database configuration: {0}")]
    Config(String),
    /// A bind key that the configuration does not have.
    #[error("no database is configured for bind {bind}; configured binds: {configured}")]
    UnknownBind {
        /// The bind asked for.
        bind: String,
        /// The binds the configuration has.
        configured: String,
    },
    /// `create_all`/`drop_all` found no registered model at all.
    #[error(
        "no models are registered: no #[derive(Model)] type is linked into this binary \
         (is the crate that defines them a dependency, and is one of its items used?), \
         or this platform does not support `inventory`'s static registration"
    )]
    NoModels,
    /// The registered models do not fit together or with the configuration; nothing was run.
    #[error("{0}")]
    Schema(SchemaErrors),
    /// `create_all_strict` found existing tables that differ from their models; nothing was
    /// created. The report lists every difference, per bind.
    #[error("the database differs from the models (nothing was created):\n{0}")]
    SchemaDrift(Box<crate::catalog::SchemaReport>),
    /// A migration could not be generated, applied or reverted: the message says why (a
    /// destructive change not allowed, migrations not applied yet, sqlx's migrator's error).
    #[error("bind {bind}: {message}")]
    Migration {
        /// The bind.
        bind: String,
        /// What went wrong, and what to do about it.
        message: String,
    },
    /// The database returned an error.
    #[error("bind {bind}: {action}: {}", describe(source))]
    Database {
        /// The bind the statement ran on.
        bind: String,
        /// What was being done, e.g. `creating table "user" (model `User`)`.
        action: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// No row matched (`first_or_404`, `get_or_404`, `one`, a page past the last). With the
    /// `axum` feature it answers 404 Not Found.
    #[error("not found: {detail} (model `{model}`, table \"{table}\")")]
    NotFound {
        /// The model queried.
        model: String,
        /// Its table.
        table: String,
        /// What was looked for.
        detail: String,
    },
    /// An update or delete of a row with a `#[column(version)]` found no row with its key and
    /// the version it was read with: another write changed or deleted it since (SQLAlchemy's
    /// `StaleDataError`). Read the row again and retry. With the `axum` feature it answers
    /// 409 Conflict.
    #[error("stale row: {detail} (model `{model}`, table \"{table}\")")]
    StaleRow {
        /// The model written.
        model: String,
        /// Its table.
        table: String,
        /// What was not found.
        detail: String,
    },
    /// `one()` found several rows.
    #[error("expected exactly one row of model `{model}` (table \"{table}\"), found several")]
    NotUnique {
        /// The model queried.
        model: String,
        /// Its table.
        table: String,
    },
    /// A primary key value that does not fit the model's key.
    #[error("invalid primary key for model `{model}` (table \"{table}\"): {message}")]
    InvalidKey {
        /// The model.
        model: String,
        /// Its table.
        table: String,
        /// What does not fit.
        message: String,
    },
    /// A `before_models_committed` hook refused the commit; the session was rolled back.
    #[error("commit vetoed by a before_models_committed hook: {0}")]
    Vetoed(String),
    /// A session call found that an earlier call on the same session was cancelled (its future
    /// dropped) before it finished; the session was rolled back.
    #[error("session interrupted: {0}")]
    Interrupted(String),
    /// A write in a read-only session or transaction ([`TransactionOptions::read_only`](crate::TransactionOptions::read_only)),
    /// refused before it was sent.
    #[error("read-only: {0}")]
    ReadOnly(String),
    /// A nested transaction ([`Session::nested`](crate::Session::nested)) was rolled back to its
    /// savepoint because a write inside it failed; the session goes on.
    #[error("nested transaction rolled back to its savepoint: {0}")]
    NestedRolledBack(String),
    /// Something this crate does not do, said instead of doing it half-way.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A row of SQL written by hand could not be read into the type asked for.
    #[error(
        "bind {bind}: cannot read column \"{column}\" of a raw query's rows into `{row_type}`: {source}"
    )]
    DecodeRow {
        /// The bind the row came from.
        bind: String,
        /// The Rust type the rows were read into.
        row_type: String,
        /// The column that failed, as the result names it.
        column: String,
        /// The decoder's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A column value could not be read into its field.
    #[error(
        "bind {bind}: cannot read column \"{column}\" of table \"{table}\" into model `{model}`: {source}"
    )]
    Decode {
        /// The bind the row came from.
        bind: String,
        /// The model being read.
        model: String,
        /// Its table.
        table: String,
        /// The column that failed.
        column: String,
        /// The decoder's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// The driver's error in words. An error the database returned shows its message and SQLSTATE
/// (sqlx's own text appends the line of PostgreSQL's C source that raised it, which tells the
/// reader nothing); a pool that gave up waiting says what that usually means.
fn describe(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(db) => {
            let mut text = db.message().to_owned();
            if let Some(detail) = crate::driver::error_detail(db.as_ref()) {
                text.push_str(": ");
                text.push_str(detail);
            }
            if let Some(code) = db.code() {
                text.push_str(&format!(" (SQLSTATE {code})"));
            }
            text
        }
        sqlx::Error::PoolTimedOut => "no connection within the acquire timeout: the server is \
             down or unreachable, or every connection of the pool stayed busy"
            .to_owned(),
        other => other.to_string(),
    }
}

impl Error {
    /// The constraint a failed write broke, typed, the same on every backend: its kind
    /// (unique, foreign key, not null, check) and, where the backend reports them or a model
    /// declares the constraint, its name, table and columns. `None` for any other error.
    ///
    /// ```no_run
    /// # async fn run(db: model_core::Database, user: impl model_core::Model) -> model_core::Result<()> {
    /// use model_core::ConstraintKind;
    /// match db.insert(&user).await {
    ///     Err(e) if e.constraint_violation().is_some_and(|v| v.kind == ConstraintKind::Unique) => {
    ///         // the name is taken: answer 409
    ///     }
    ///     other => { other?; }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn constraint_violation(&self) -> Option<crate::ConstraintViolation> {
        match self {
            Error::Database { source, .. } => crate::violation::of(source),
            _ => None,
        }
    }

    /// Whether this is a unique constraint (or primary key) violation: a value already taken.
    pub fn is_unique_violation(&self) -> bool {
        self.constraint_violation()
            .is_some_and(|v| v.kind == crate::ConstraintKind::Unique)
    }
}

/// Every problem `create_all`/`drop_all` found before running any statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaErrors {
    problems: Vec<SchemaProblem>,
}

impl SchemaErrors {
    pub(crate) fn new(problems: Vec<SchemaProblem>) -> Self {
        SchemaErrors { problems }
    }
    /// The problems, in a stable order.
    pub fn problems(&self) -> &[SchemaProblem] {
        &self.problems
    }
}

impl fmt::Display for SchemaErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "the models do not fit the configuration ({n} problem{}):",
            if n == 1 { "" } else { "s" }
        )?;
        for problem in &self.problems {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

/// One problem with one model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaProblem {
    /// The Rust struct.
    pub model: String,
    /// Its table.
    pub table: String,
    /// Its bind (`default` or the quoted key).
    pub bind: String,
    /// What is wrong, and how to fix it.
    pub message: String,
}

impl fmt::Display for SchemaProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "model `{}` (table \"{}\", bind {}): {}",
            self.model, self.table, self.bind, self.message
        )
    }
}

/// The errors the reading and writing code raises, built in one place so a message is worded
/// the same wherever it arises. `bind` is the bind's label (`default` or the quoted key).
impl Error {
    /// Nothing of `table` answers a read that wanted something (`first_or_404`, `one`, `get`,
    /// a page): `detail` says what was asked.
    pub(crate) fn nothing_found(table: &Table, detail: String) -> Error {
        Error::NotFound {
            model: table.model().to_owned(),
            table: table.name().to_owned(),
            detail,
        }
    }

    /// An update or delete of a row of `table` found no row with its key; for a versioned
    /// table, none with its key and the version it was read with ([`Error::StaleRow`]).
    pub(crate) fn no_row_with_key(table: &Table) -> Error {
        match table.version_column() {
            Some(version) => Error::StaleRow {
                model: table.model().to_owned(),
                table: table.name().to_owned(),
                detail: format!(
                    "no row has that primary key and the \"{}\" it was read with: another \
                     write changed or deleted it since",
                    version.name()
                ),
            },
            None => Error::nothing_found(table, "no row has that primary key".to_owned()),
        }
    }

    /// A row of `table` that was just written (`what`: "inserted", "updated") and cannot be
    /// read back (a concurrent delete, or a key the database changed): said plainly rather
    /// than returning something else.
    pub(crate) fn written_row_unreadable(table: &Table, bind: String, what: &str) -> Error {
        Error::nothing_found(
            table,
            format!("the row just {what} on bind {bind} could not be read back"),
        )
    }

    /// A failed read of `table`'s rows: the database's error, or a column that did not decode.
    pub(crate) fn reading(table: &Table, bind: String, error: DriverError) -> Error {
        match error {
            DriverError::Sql(source) => Error::Database {
                bind,
                action: format!("querying {}", table.describe()),
                source,
            },
            DriverError::Decode(decode) => Error::Decode {
                bind,
                model: table.model().to_owned(),
                table: table.name().to_owned(),
                column: table
                    .columns()
                    .get(decode.index())
                    .map(|c| c.name())
                    .unwrap_or("?")
                    .to_owned(),
                source: decode.into_source(),
            },
        }
    }

    /// A failed read of raw SQL's rows into `R` on `bind`.
    pub(crate) fn reading_rows<R>(bind: String, error: DriverError) -> Error {
        match error {
            DriverError::Sql(source) => Error::Database {
                bind,
                action: "running raw SQL".to_owned(),
                source,
            },
            DriverError::Decode(decode) => Error::DecodeRow {
                bind,
                row_type: std::any::type_name::<R>().to_owned(),
                column: decode
                    .column()
                    .map_or_else(|| format!("#{}", decode.index() + 1), str::to_owned),
                source: decode.into_source(),
            },
        }
    }

    /// A failed write to `table`; `action` is what was being done ("inserting into").
    pub(crate) fn writing(table: &Table, bind: String, action: &str, source: sqlx::Error) -> Error {
        Error::Database {
            bind,
            action: format!("{action} {}", table.describe()),
            source,
        }
    }

    /// A failed write ending in `RETURNING`: a database error is a failed write, a decode
    /// error a failed read.
    pub(crate) fn writing_returning(
        table: &Table,
        bind: String,
        action: &str,
        error: DriverError,
    ) -> Error {
        match error {
            DriverError::Sql(source) => Error::writing(table, bind, action, source),
            decode => Error::reading(table, bind, decode),
        }
    }
}
