//! Several databases at once: the default one plus `users` and `appmeta` binds, each created
//! and dropped on its own (Flask-SQLAlchemy's SQLALCHEMY_BINDS and `create_all(bind_key=...)`).
//!
//! ```text
//! cargo run --example multiple_binds       # three SQLite files
//! DATABASE_URL=sqlite://main.db \
//! DATABASE_BINDS="users=postgres://postgres@127.0.0.1/test appmeta=mysql://root@127.0.0.1/test" \
//!   cargo run --example multiple_binds
//! ```

#[path = "shared/models.rs"]
mod models;

use std::error::Error;

use model_core::{BindSelection, Config, Database, registry};
use models::{AppSetting, TokenBlocklist, User};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let config = match std::env::var(model_core::DATABASE_BINDS) {
        Ok(_) => Config::from_env()?,
        Err(_) => Config::new("sqlite://multiple_binds_main.db")
            .bind("users", "sqlite://multiple_binds_users.db")
            .bind("appmeta", "sqlite://multiple_binds_appmeta.db"),
    };
    let db = Database::connect(config).await?;
    for bind in db.binds() {
        let tables: Vec<&str> = registry::tables_in(bind.key()).map(|t| t.name()).collect();
        println!(
            "bind {:<9} {:<13} {:<40} tables: {}",
            bind.label(),
            bind.backend().name(),
            bind.url(),
            tables.join(", ")
        );
    }

    db.create_all_in(BindSelection::named("users")).await?;
    println!(
        "created the users bind: {} blocklisted tokens",
        TokenBlocklist::query().all(&db).await?.len()
    );

    db.create_all_in(BindSelection::list([None, Some("appmeta")]))
        .await?;
    println!(
        "created default + appmeta: {} users, {} settings",
        User::query().all(&db).await?.len(),
        AppSetting::query().all(&db).await?.len()
    );

    db.drop_all_in(BindSelection::named("appmeta")).await?;
    println!("dropped appmeta; the other binds keep their tables");

    db.create_all().await?;
    println!("create_all() over every bind: all tables exist again");
    db.close().await;
    Ok(())
}
