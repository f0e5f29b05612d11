//! Autogenerate: the live database read back, compared with the models (or any schema given
//! as a value), and the difference written as a migration: up, and down to where it was. The
//! database must have applied every migration of its folder first, as Alembic requires, or
//! the new migration would repeat the pending ones.

use std::path::PathBuf;

use super::{Migrations, check_folder_name, files};
use crate::bind::Bind;
use crate::catalog::Schema;
use crate::catalog::diff::{SchemaChange, SchemaDiff, diff};
use crate::database::Database;
use crate::dialect::expected_schema;
use crate::error::{Error, Result};
use crate::schema::{BindSelection, plan, reflect_bind};

/// How to generate a migration.
#[derive(Clone, Debug, Default)]
pub struct Generate {
    /// The destructive changes to write anyway, each by its key
    /// ([`SchemaChange::key`]: `drop_column:post.body`, `drop_table:leftover`). Any other
    /// destructive change refuses the whole migration, naming the keys that would allow it.
    pub allow: Vec<String>,
    /// The migration's version; default: the UTC time, `YYYYMMDDHHMMSS`.
    pub version: Option<i64>,
}

impl Generate {
    /// These destructive changes allowed, by key.
    pub fn allow<I: IntoIterator<Item = S>, S: Into<String>>(mut self, keys: I) -> Self {
        self.allow.extend(keys.into_iter().map(Into::into));
        self
    }
}

/// A migration written to its bind's folder.
#[derive(Clone, Debug)]
pub struct GeneratedMigration {
    /// The bind (`None`: the default database).
    pub bind: Option<String>,
    /// Its version.
    pub version: i64,
    /// The `.up.sql` file.
    pub up: PathBuf,
    /// The `.down.sql` file.
    pub down: PathBuf,
    /// What the up file does.
    pub diff: SchemaDiff,
}

impl Migrations {
    /// Generates the migration taking `bind`'s database to its models (`flask db migrate`):
    /// `None` when they agree already. See [`Migrations::generate_to`].
    pub async fn generate(
        &self,
        db: &Database,
        bind: Option<&str>,
        message: &str,
        options: &Generate,
    ) -> Result<Option<GeneratedMigration>> {
        let selection = BindSelection::list([bind]);
        let plans = plan(db, &selection)?;
        let target = plans
            .first()
            .map(|plan| expected_schema(plan.bind.engine.dialect(), &plan.tables))
            .unwrap_or_default();
        self.generate_to(db, bind, &target, message, options).await
    }

    /// [`Migrations::generate`] for every configured bind; the migrations written.
    pub async fn generate_all(
        &self,
        db: &Database,
        message: &str,
        options: &Generate,
    ) -> Result<Vec<GeneratedMigration>> {
        let mut out = Vec::new();
        for plan in plan(db, &BindSelection::All)? {
            let target = expected_schema(plan.bind.engine.dialect(), &plan.tables);
            if let Some(generated) = self
                .generate_to(db, plan.bind.key(), &target, message, options)
                .await?
            {
                out.push(generated);
            }
        }
        Ok(out)
    }

    /// Generates the migration taking `bind`'s database to `target`: the up file makes the
    /// changes, the down file takes the schema back (keeping the rows of every column it does
    /// not drop). `None` when the database matches `target`.
    ///
    /// Refused, with nothing written: when the database has not applied every migration of
    /// the folder; when a change is destructive and not in `options.allow`.
    pub async fn generate_to(
        &self,
        db: &Database,
        bind: Option<&str>,
        target: &Schema,
        message: &str,
        options: &Generate,
    ) -> Result<Option<GeneratedMigration>> {
        let bind = db.bind(bind)?;
        check_folder_name(bind)?;
        let pending = self.pending(db, bind.key()).await?;
        if !pending.is_empty() {
            let versions: Vec<String> = pending.iter().map(|m| m.version.to_string()).collect();
            return Err(refusal(
                bind,
                format!(
                    "the database is not up to date: migration(s) {} are not applied; run upgrade \
                     first, so the new migration starts where they end",
                    versions.join(", ")
                ),
            ));
        }
        let actual = reflect_bind(bind).await?;
        let up = diff(&actual, target);
        if up.is_empty() {
            return Ok(None);
        }
        let refused = files::refused(&up, &options.allow);
        if !refused.is_empty() {
            let lines: Vec<String> = refused
                .iter()
                .map(|change| format!("  {change} (allow it as {})", change.key()))
                .collect();
            return Err(refusal(
                bind,
                format!(
                    "the migration would lose data, and nothing was written; allow each \
                     destructive change by its name if it is meant:\n{}",
                    lines.join("\n")
                ),
            ));
        }
        let back = with_renames_undone(&actual, &up.changes);
        let down = diff(target, &back);
        let dialect = bind.engine.dialect();
        let up_sql = dialect.migration_sql(&actual, target, &up.changes);
        let down_sql = dialect.migration_sql(target, &back, &down.changes);

        let dir = self.dir(bind.key());
        let version = match options.version {
            Some(version) => version,
            None => files::next_version(&dir).map_err(|e| io_error(bind, &dir, &e))?,
        };
        let label = bind.label();
        let backend = bind.backend().to_string();
        let header = |direction, diff| files::Header {
            message,
            bind: &label,
            backend: &backend,
            direction,
            diff,
            allowed: &options.allow,
        };
        let up_text = files::render(&header("up", &up), &up_sql);
        let down_text = files::render(&header("down", &down), &down_sql);
        let (up_path, down_path) =
            files::write(&dir, version, &files::slug(message), &up_text, &down_text)
                .map_err(|e| io_error(bind, &dir, &e))?;
        Ok(Some(GeneratedMigration {
            bind: bind.key().map(str::to_owned),
            version,
            up: up_path,
            down: down_path,
            diff: up,
        }))
    }
}

/// `schema` (the database before the migration) with the renames of `changes` declared the
/// other way, so the down migration renames back instead of dropping and adding.
fn with_renames_undone(schema: &Schema, changes: &[SchemaChange]) -> Schema {
    let mut back = schema.clone();
    for change in changes {
        match change {
            SchemaChange::RenameTable { from, to } => {
                if let Some(table) = back.tables.iter_mut().find(|t| t.name == *from) {
                    table.renamed_from = Some(to.clone());
                }
            }
            SchemaChange::RenameColumn { table, from, to } => {
                // The table as it is named before the migration.
                let old_table = changes
                    .iter()
                    .find_map(|c| match c {
                        SchemaChange::RenameTable { from, to } if to == table => Some(from),
                        _ => None,
                    })
                    .unwrap_or(table);
                if let Some(column) = back
                    .tables
                    .iter_mut()
                    .find(|t| t.name == *old_table)
                    .and_then(|t| t.columns.iter_mut().find(|c| c.name == *from))
                {
                    column.renamed_from = Some(to.clone());
                }
            }
            _ => {}
        }
    }
    back
}

fn refusal(bind: &Bind, message: String) -> Error {
    Error::Migration {
        bind: bind.label(),
        message,
    }
}

fn io_error(bind: &Bind, dir: &std::path::Path, error: &std::io::Error) -> Error {
    refusal(
        bind,
        format!("writing the migration in {}: {error}", dir.display()),
    )
}
