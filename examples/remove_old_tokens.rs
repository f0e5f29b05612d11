//! A maintenance job outside the web app: it uses the same models, with no app object and no
//! import tangle, and finds the revoked tokens older than 40 days (the reference material's
//! cron job). Deleting them in one statement arrives with the bulk delete of the query builder.
//!
//! ```text
//! cargo run --example remove_old_tokens
//! DATABASE_BINDS="users=postgres://postgres@127.0.0.1/test" cargo run --example remove_old_tokens
//! ```

#[path = "shared/models.rs"]
mod models;

use std::error::Error;

use chrono::Duration;
use model_core::{Binds, Config, Database};
use models::TokenBlocklist;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // Only the bind this job needs; the job never touches the others.
    let config = match std::env::var(model_core::DATABASE_BINDS) {
        Ok(_) => Config::from_env()?,
        Err(_) => Config::binds_only().bind("users", "sqlite://multiple_binds_users.db"),
    };
    let db = Database::connect(config).await?;
    db.create_all_in(Binds::named("users")).await?;

    let cutoff = models::now() - Duration::days(40);
    let tokens = TokenBlocklist::query().all(&db).await?;
    let old: Vec<&TokenBlocklist> = tokens.iter().filter(|t| t.created_at < cutoff).collect();
    println!(
        "{} blocklisted tokens, {} older than {cutoff} (40 days)",
        tokens.len(),
        old.len()
    );
    for token in old {
        println!(
            "  {} jti={} created {}",
            token.id, token.jti, token.created_at
        );
    }
    db.close().await;
    Ok(())
}
