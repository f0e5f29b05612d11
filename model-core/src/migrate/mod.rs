//! Migrations, as Flask-Migrate gives them: change a model, generate a migration
//! ([`Migrations::generate`]), read it, apply it ([`Migrations::upgrade`]), and revert it if
//! needed ([`Migrations::downgrade`]). A migration is plain SQL in sqlx's layout, one folder
//! per bind: `migrations/<bind>/<version>_<name>.up.sql` and `.down.sql` (`default` is the
//! default database's folder). It is generated from the difference between the live database
//! and the models ([`crate::catalog::diff`]), headed by the list of its operations and what
//! each risks, and applied by sqlx's migrator, whose `_sqlx_migrations` table, checksums and
//! lock it keeps.
//!
//! What this module adds to sqlx's migrator: the generation; a refusal of destructive changes
//! unless each is allowed by name; a connection of its own for every run, so a failed
//! migration never leaves sqlx's lock held on a pooled connection; a lock on SQLite, where
//! sqlx has none.

mod files;
mod generate;

use std::path::{Path, PathBuf};

use sqlx::migrate::{MigrateError, Migrator};

pub use generate::{Generate, GeneratedMigration};

use crate::bind::Bind;
use crate::database::Database;
use crate::driver::migrator::MigrationConnection;
use crate::error::{Error, Result};
use crate::schema::BindSelection;

/// The migrations of every bind, under one root folder (Flask-Migrate's `migrations/`).
///
/// ```no_run
/// # async fn demo(db: &model_core::Database) -> model_core::Result<()> {
/// use model_core::migrate::{Generate, Migrations};
/// let migrations = Migrations::new("migrations");
/// // After changing a model: write the migration, review it, apply it.
/// migrations.generate(db, None, "add language to user", &Generate::default()).await?;
/// migrations.upgrade(db, model_core::BindSelection::All).await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Migrations {
    root: PathBuf,
}

/// One migration of a bind's folder, and whether the database has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationEntry {
    /// Its version (the number its file names start with).
    pub version: i64,
    /// Its description (the rest of the file name, `_` read as spaces).
    pub description: String,
    /// Whether the database has applied it.
    pub applied: bool,
    /// Whether it has a `.down.sql` to revert it with.
    pub reversible: bool,
}

impl Migrations {
    /// The migrations under `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Migrations { root: root.into() }
    }

    /// The folder of `bind`'s migrations: `<root>/<bind>`, `<root>/default` for the default
    /// database.
    pub fn dir(&self, bind: Option<&str>) -> PathBuf {
        self.root.join(bind.unwrap_or(DEFAULT_FOLDER))
    }

    /// The root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Applies every pending migration of the selected binds, in version order; returns, per
    /// bind, the versions applied. A bind without a migrations folder has none to apply.
    /// Replicas upgrading one database at once take turns (sqlx's lock on PostgreSQL and
    /// MySQL, a lock file on SQLite); the second finds nothing left to do.
    pub async fn upgrade(
        &self,
        db: &Database,
        binds: BindSelection,
    ) -> Result<Vec<(Option<String>, Vec<i64>)>> {
        let mut out = Vec::new();
        for bind in selected(db, &binds)? {
            let applied = self.upgrade_bind(db, bind, None).await?;
            out.push((bind.key().map(str::to_owned), applied));
        }
        Ok(out)
    }

    /// Applies the pending migrations of `bind` up to and including `version`.
    pub async fn upgrade_to(
        &self,
        db: &Database,
        bind: Option<&str>,
        version: i64,
    ) -> Result<Vec<i64>> {
        self.upgrade_bind(db, db.bind(bind)?, Some(version)).await
    }

    /// Reverts the last `steps` applied migrations of `bind`, newest first, with their
    /// `.down.sql`; returns the versions reverted.
    pub async fn downgrade(
        &self,
        db: &Database,
        bind: Option<&str>,
        steps: usize,
    ) -> Result<Vec<i64>> {
        let bind = db.bind(bind)?;
        let migrator = self.migrator(bind).await?;
        let dir = self.dir(bind.key());
        to_completion(db, bind, migrator, Run::Downgrade { steps, dir }).await
    }

    /// Records the pending migrations of `bind` (up to and including `version` when given) as
    /// applied without running them (Alembic's `stamp`): for a database whose schema is
    /// already what they make, such as one `create_all` built before the project adopted
    /// migrations. Returns the versions recorded. Nothing checks the schema: run
    /// [`Database::check_schema`] first.
    pub async fn stamp(
        &self,
        db: &Database,
        bind: Option<&str>,
        version: Option<i64>,
    ) -> Result<Vec<i64>> {
        let bind = db.bind(bind)?;
        let migrator = self.migrator(bind).await?;
        to_completion(db, bind, migrator, Run::Stamp { version }).await
    }

    /// The newest migration `bind`'s database has applied, if any.
    pub async fn current(
        &self,
        db: &Database,
        bind: Option<&str>,
    ) -> Result<Option<MigrationEntry>> {
        Ok(self
            .history(db, bind)
            .await?
            .into_iter()
            .rev()
            .find(|entry| entry.applied))
    }

    /// Every migration of `bind`'s folder, oldest first, with whether the database has
    /// applied it. A version the database has applied but the folder lacks is an error (as
    /// sqlx's migrator says: "previously applied but is missing").
    pub async fn history(&self, db: &Database, bind: Option<&str>) -> Result<Vec<MigrationEntry>> {
        let bind = db.bind(bind)?;
        let migrator = self.migrator(bind).await?;
        let applied = applied_versions(bind).await?;
        if let Some(missing) = applied
            .iter()
            .find(|v| !migrator.iter().any(|m| m.version == **v))
        {
            return Err(failed(
                bind,
                "reading the history",
                MigrateError::VersionMissing(*missing),
            ));
        }
        Ok(migrator
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .map(|m| MigrationEntry {
                version: m.version,
                description: m.description.to_string(),
                applied: applied.contains(&m.version),
                reversible: migrator
                    .iter()
                    .any(|d| d.version == m.version && d.migration_type.is_down_migration()),
            })
            .collect())
    }

    /// The migrations of `bind`'s folder its database has not applied yet.
    pub async fn pending(&self, db: &Database, bind: Option<&str>) -> Result<Vec<MigrationEntry>> {
        Ok(self
            .history(db, bind)
            .await?
            .into_iter()
            .filter(|entry| !entry.applied)
            .collect())
    }

    async fn upgrade_bind(
        &self,
        db: &Database,
        bind: &Bind,
        target: Option<i64>,
    ) -> Result<Vec<i64>> {
        check_folder_name(bind)?;
        if !self.dir(bind.key()).is_dir() {
            return Ok(Vec::new());
        }
        let migrator = self.migrator(bind).await?;
        to_completion(db, bind, migrator, Run::Upgrade { target }).await
    }

    /// sqlx's migrator over `bind`'s folder (empty when there is none), with its locking
    /// off: the run takes the lock itself (see `driver/migrator.rs`).
    async fn migrator(&self, bind: &Bind) -> Result<Migrator> {
        check_folder_name(bind)?;
        let dir = self.dir(bind.key());
        let mut migrator = if dir.is_dir() {
            Migrator::new(dir.as_path())
                .await
                .map_err(|e| failed(bind, &format!("reading {}", dir.display()), e))?
        } else {
            Migrator::with_migrations(Vec::new())
        };
        migrator.set_locking(false);
        Ok(migrator)
    }
}

/// The folder of the default database's migrations.
const DEFAULT_FOLDER: &str = "default";

/// A bind named like the default database's folder would share it.
fn check_folder_name(bind: &Bind) -> Result<()> {
    if bind.key() == Some(DEFAULT_FOLDER) {
        return Err(Error::Migration {
            bind: bind.label(),
            message: format!(
                "a bind named \"{DEFAULT_FOLDER}\" would share the migrations folder of the \
                 default database; rename the bind"
            ),
        });
    }
    Ok(())
}

/// The binds a selection names (every configured one for `All`).
fn selected<'db>(db: &'db Database, binds: &BindSelection) -> Result<Vec<&'db Bind>> {
    match binds {
        BindSelection::All => Ok(db.binds().collect()),
        BindSelection::Default => Ok(vec![db.bind(None)?]),
        BindSelection::List(keys) => keys.iter().map(|key| db.bind(key.as_deref())).collect(),
    }
}

/// A connection of its own to `bind`'s database, for one run.
async fn connect(bind: &Bind) -> Result<MigrationConnection> {
    MigrationConnection::open(bind.backend(), bind.database_url())
        .await
        .map_err(|source| Error::Database {
            bind: bind.label(),
            action: "connecting to run migrations".to_owned(),
            source,
        })
}

/// What one run does once its connection holds the lock.
enum Run {
    /// Apply the pending migrations, up to `target` when given.
    Upgrade { target: Option<i64> },
    /// Revert the last `steps` applied migrations; `dir` is their folder, for messages.
    Downgrade { steps: usize, dir: PathBuf },
    /// Record the pending migrations (up to `version`) as applied without running them.
    Stamp { version: Option<i64> },
}

/// One run on `bind`: a connection of its own, the lock, the versions applied read under it
/// (so a replica that waited sees the other's work), then `run`; the connection closed and
/// the pool's connections retired (the schema changed under them: PostgreSQL caches enum
/// type ids per connection, and prepared statements may name dropped columns). Returns the
/// versions applied, reverted or recorded.
///
/// The run is a task of its own: a caller that stops waiting (a timeout, a cancelled
/// request) does not cut a migration short. It runs to its end, commits or rolls back, and
/// releases its lock; otherwise a SQLite statement would go on running after the lock was
/// released, and MySQL, which cannot roll DDL back, would be left half migrated.
async fn to_completion(
    db: &Database,
    bind: &Bind,
    migrator: Migrator,
    run: Run,
) -> Result<Vec<i64>> {
    let db = db.clone();
    let key = bind.key().map(str::to_owned);
    let task = tokio::spawn(async move {
        let bind = db.bind(key.as_deref())?;
        let mut conn = connect(bind).await?;
        let result = run_locked(&mut conn, bind, &migrator, run).await;
        conn.close().await;
        bind.engine.retire_connections();
        result
    });
    match task.await {
        Ok(result) => result,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(_) => Err(Error::Migration {
            bind: bind.label(),
            message: "the migration run was stopped with its runtime".to_owned(),
        }),
    }
}

/// `run` on `conn`, under the lock.
async fn run_locked(
    conn: &mut MigrationConnection,
    bind: &Bind,
    migrator: &Migrator,
    run: Run,
) -> Result<Vec<i64>> {
    conn.lock()
        .await
        .map_err(|e| failed(bind, "taking the migration lock", e))?;
    let before = read_applied(conn, bind).await?;
    match run {
        Run::Upgrade { target } => conn
            .run(migrator, target)
            .await
            .map_err(|e| failed(bind, "applying migrations", e))?,
        Run::Stamp { version } => conn
            .skip(migrator, version)
            .await
            .map_err(|e| failed(bind, "recording migrations as applied", e))?,
        Run::Downgrade { steps, dir } => {
            let reverted: Vec<i64> = before.iter().rev().take(steps).copied().collect();
            let target = before
                .len()
                .saturating_sub(steps)
                .checked_sub(1)
                .map_or(0, |i| before[i]);
            if let Some(missing) = reverted.iter().find(|v| {
                !migrator
                    .iter()
                    .any(|m| m.version == **v && m.migration_type.is_down_migration())
            }) {
                return Err(Error::Migration {
                    bind: bind.label(),
                    message: format!(
                        "migration {missing} has no .down.sql in {}: it cannot be reverted",
                        dir.display()
                    ),
                });
            }
            conn.undo(migrator, target)
                .await
                .map_err(|e| failed(bind, "reverting migrations", e))?;
            return Ok(reverted);
        }
    }
    let after = read_applied(conn, bind).await?;
    Ok(after.into_iter().filter(|v| !before.contains(v)).collect())
}

/// The versions applied, ascending.
async fn read_applied(conn: &mut MigrationConnection, bind: &Bind) -> Result<Vec<i64>> {
    let mut versions: Vec<i64> = conn
        .applied()
        .await
        .map_err(|e| failed(bind, "reading the applied migrations", e))?
        .iter()
        .map(|m| m.version)
        .collect();
    versions.sort_unstable();
    Ok(versions)
}

/// The versions `bind`'s database has applied.
async fn applied_versions(bind: &Bind) -> Result<Vec<i64>> {
    let mut conn = connect(bind).await?;
    let applied = conn.applied().await;
    conn.close().await;
    Ok(applied
        .map_err(|e| failed(bind, "reading the applied migrations", e))?
        .iter()
        .map(|m| m.version)
        .collect())
}

/// A migration error of sqlx's, said with the bind and what was being done.
fn failed(bind: &Bind, action: &str, error: MigrateError) -> Error {
    Error::Migration {
        bind: bind.label(),
        message: format!(
            "{action}: {}",
            bind.database_url().scrub(&error.to_string())
        ),
    }
}
