//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Manage the databases of this application: create and drop the schema, generate and apply
/// migrations, check that the databases match the models.
#[derive(Parser, Debug)]
#[command(version, about, long_about = None)]
pub(crate) struct Args {
    /// The environment (profile) whose settings to use: a section of the configuration file.
    /// Default: the `MODEL_CORE_ENV` environment variable, else `development`.
    #[arg(long = "env", global = true)]
    pub env: Option<String>,
    /// The configuration file (TOML, a section per environment). Default: `model-core.toml`
    /// if it exists; the `DATABASE_URL` and `DATABASE_BINDS` variables override it.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// The migrations folder (a folder per bind inside). Default: the profile's
    /// `migrations`, else `migrations`.
    #[arg(long, global = true)]
    pub migrations: Option<PathBuf>,
    /// Never ask (for scripts): a command that would ask is refused instead.
    #[arg(long, global = true)]
    pub no_input: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Create the tables of the models that do not exist yet (existing ones are kept).
    CreateAll {
        /// Only these binds (`default` for the default database); all by default.
        #[arg(long = "bind")]
        binds: Vec<String>,
        /// Refuse (and create nothing) when an existing table differs from its model.
        #[arg(long)]
        strict: bool,
    },
    /// Drop the tables of the models, rows and all. Asks first, unless `--yes`.
    DropAll {
        /// Only these binds; all by default.
        #[arg(long = "bind")]
        binds: Vec<String>,
        /// Do not ask.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Generate a migration from the difference between the database and the models.
    Migrate {
        /// What the migration does, for its file name and header.
        #[arg(long, short = 'm')]
        message: String,
        /// Only this bind; every bind by default.
        #[arg(long)]
        bind: Option<String>,
        /// Write this destructive change anyway, by the key the refusal names
        /// (`drop_column:user.bio`). Repeat for several.
        #[arg(long = "allow")]
        allow: Vec<String>,
    },
    /// Apply the pending migrations.
    Upgrade {
        /// Only this bind; every bind by default.
        #[arg(long)]
        bind: Option<String>,
        /// Stop after this version (with `--bind`).
        #[arg(long, requires = "bind")]
        to: Option<i64>,
    },
    /// Revert the last migration(s) of a bind.
    Downgrade {
        /// The bind; the default database by default.
        #[arg(long)]
        bind: Option<String>,
        /// How many migrations to revert.
        #[arg(long, default_value_t = 1)]
        steps: usize,
    },
    /// Record the pending migrations as applied without running them (for a database that
    /// already has their schema, e.g. one `create-all` made).
    Stamp {
        /// The bind; the default database by default.
        #[arg(long)]
        bind: Option<String>,
        /// Stop after this version.
        #[arg(long)]
        to: Option<i64>,
    },
    /// Show the newest migration each database has applied.
    Current {
        /// Only this bind.
        #[arg(long)]
        bind: Option<String>,
    },
    /// List the migrations of each bind, applied or not.
    History {
        /// Only this bind.
        #[arg(long)]
        bind: Option<String>,
    },
    /// Exit non-zero while a migration is pending or a database differs from the models
    /// (for CI).
    Check {
        /// Only this bind.
        #[arg(long)]
        bind: Option<String>,
    },
    /// Print the DDL `create-all` runs, per bind.
    Sql {
        /// Only this bind.
        #[arg(long)]
        bind: Option<String>,
        /// Write it for this backend instead of the bind's own.
        #[arg(long, value_enum)]
        backend: Option<BackendName>,
    },
    /// Print the tables of the models and their relationships as a diagram.
    Diagram {
        /// Only this bind.
        #[arg(long)]
        bind: Option<String>,
        /// Mermaid's `erDiagram` or Graphviz DOT.
        #[arg(long, value_enum, default_value_t = DiagramFormat::Mermaid)]
        format: DiagramFormat,
    },
}

/// A backend named on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum BackendName {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL.
    Mysql,
    /// MariaDB.
    Mariadb,
}

/// A diagram's format.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub(crate) enum DiagramFormat {
    /// Mermaid `erDiagram`.
    Mermaid,
    /// Graphviz DOT.
    Dot,
}

/// A bind as written on the command line: `default` is the default database.
pub(crate) fn bind_key(name: &str) -> Option<&str> {
    (name != "default").then_some(name)
}
