//! A maintenance job outside the web app: it uses the same models, with no app object and no
//! import tangle, and deletes the revoked tokens older than 40 days in one statement (the
//! reference material's cron job).
//!
//! ```text
//! cargo run --example remove_old_tokens
//! DATABASE_BINDS="users=postgres://postgres@127.0.0.1/test" cargo run --example remove_old_tokens
//! ```

#[path = "shared/models.rs"]
mod models;

use std::error::Error;

use chrono::Duration;
use model_core::{BindSelection, Config, Database};
use models::TokenBlocklist;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // Only the bind this job needs; the job never touches the others.
    let config = match std::env::var(model_core::DATABASE_BINDS) {
        Ok(_) => Config::from_env()?,
        Err(_) => Config::binds_only().bind("users", "sqlite://multiple_binds_users.db"),
    };
    let db = Database::connect(config).await?;
    db.create_all_in(BindSelection::named("users")).await?;

    let cutoff = models::now() - Duration::days(40);
    let old = TokenBlocklist::query().filter(TokenBlocklist::CREATED_AT.lt(cutoff));
    let deleted = old.delete(&db).await?;
    let left = TokenBlocklist::query().count(&db).await?;
    println!("deleted {deleted} blocklisted tokens older than {cutoff} (40 days); {left} left");
    db.close().await;
    Ok(())
}
