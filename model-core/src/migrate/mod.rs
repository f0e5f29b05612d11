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
            let applied = self.upgrade_bind(bind, None).await?;
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
        self.upgrade_bind(db.bind(bind)?, Some(version)).await
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
        let mut conn = connect(bind).await?;
        let result = async {
            let versions = lock_and_read(&mut conn, bind).await?;
            let reverted: Vec<i64> = versions.iter().rev().take(steps).copied().collect();
            let target = versions
                .len()
                .saturating_sub(steps)
                .checked_sub(1)
                .map_or(0, |i| versions[i]);
            if let Some(missing) = reverted.iter().find(|v| {
                !migrator
                    .iter()
                    .any(|m| m.version == **v && m.migration_type.is_down_migration())
            }) {
                return Err(Error::Migration {
                    bind: bind.label(),
                    message: format!(
                        "migration {missing} has no .down.sql in {}: it cannot be reverted",
                        self.dir(bind.key()).display()
                    ),
                });
            }
            conn.undo(&migrator, target)
                .await
                .map_err(|e| failed(bind, "reverting migrations", e))?;
            Ok(reverted)
        }
        .await;
        conn.close().await;
        // As after an upgrade: the schema changed under the pool's connections.
        bind.engine.retire_connections();
        result
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
        let mut conn = connect(bind).await?;
        let result = async {
            let before = lock_and_read(&mut conn, bind).await?;
            conn.skip(&migrator, version)
                .await
                .map_err(|e| failed(bind, "recording migrations as applied", e))?;
            let after = lock_and_read(&mut conn, bind).await?;
            Ok(after.into_iter().filter(|v| !before.contains(v)).collect())
        }
        .await;
        conn.close().await;
        result
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

    async fn upgrade_bind(&self, bind: &Bind, target: Option<i64>) -> Result<Vec<i64>> {
        check_folder_name(bind)?;
        if !self.dir(bind.key()).is_dir() {
            return Ok(Vec::new());
        }
        let migrator = self.migrator(bind).await?;
        let mut conn = connect(bind).await?;
        let result = async {
            let before = lock_and_read(&mut conn, bind).await?;
            conn.run(&migrator, target)
                .await
                .map_err(|e| failed(bind, "applying migrations", e))?;
            let after = conn
                .applied()
                .await
                .map_err(|e| failed(bind, "reading the applied migrations", e))?;
            Ok(after
                .iter()
                .map(|m| m.version)
                .filter(|v| !before.contains(v))
                .collect())
        }
        .await;
        conn.close().await;
        // The schema may have changed under the pool's connections (a failed migration on
        // MySQL stays half applied): PostgreSQL caches enum type ids per connection, and
        // prepared statements may name dropped columns.
        bind.engine.retire_connections();
        result
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

/// Takes the migration lock on `conn`, then reads the versions applied, ascending: under the
/// lock, so they are what this run starts from (a replica that waited sees the other's work).
async fn lock_and_read(conn: &mut MigrationConnection, bind: &Bind) -> Result<Vec<i64>> {
    conn.lock()
        .await
        .map_err(|e| failed(bind, "taking the migration lock", e))?;
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
