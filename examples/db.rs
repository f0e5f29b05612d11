//! An application's own `db` command line (Flask-Migrate's `flask db`): the binary that links
//! the models calls `model_core::cli::main()`, and gets create-all, drop-all, migrate,
//! upgrade, downgrade, current, history, check, sql and diagram for them.
//!
//! The workflow, from `examples/` (where `model-core.toml` puts the development database in
//! `blog.db` and the migrations in `migrations/`):
//!
//! ```text
//! cargo run --example db -- upgrade                      # apply the committed migrations
//! # change a model below (add a field), then:
//! cargo run --example db -- migrate -m "add a subtitle"  # writes migrations/default/<version>_add_a_subtitle.{up,down}.sql
//! # read the two files, then:
//! cargo run --example db -- upgrade
//! cargo run --example db -- check                        # exit 0: the database matches the models
//! cargo run --example db -- downgrade                    # and back, if needed
//! cargo run --example db -- diagram                      # the models as a Mermaid ER diagram
//! ```
//!
//! `--env production` (or `MODEL_CORE_ENV=production`) picks the production section, whose
//! URL comes from `DATABASE_URL`.

use std::process::ExitCode;

use chrono::NaiveDateTime;
use model_core::{Auto, Model};

/// Authors. `language` came with the second migration.
#[derive(Model, Debug)]
pub struct Author {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(unique, length = 80)]
    pub name: String,
    #[column(length = 8, server_default = "'en'")]
    pub language: Auto<String>,
}

/// Articles, removed with their author.
#[derive(Model, Debug)]
#[model(index(fields(author_id, published_at)))]
pub struct Article {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = Author::ID, on_delete = "cascade")]
    pub author_id: i64,
    #[column(length = 200)]
    pub title: String,
    pub published_at: Option<NaiveDateTime>,
}

fn main() -> ExitCode {
    model_core::cli::main()
}
