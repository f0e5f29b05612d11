//! The quickstart: declare models, point at a database, create the schema, read it back.
//!
//! ```text
//! cargo run --example quickstart                      # SQLite file ./quickstart.db
//! DATABASE_URL=postgres://postgres@127.0.0.1/test cargo run --example quickstart
//! ```

use std::error::Error;

use chrono::NaiveDateTime;
use model_core::{Database, Model, dialect, registry};

/// Table `user`: the name comes from the struct.
#[derive(Model, Debug)]
struct User {
    #[column(primary_key)]
    id: i64,
    #[column(unique, length = 80)]
    username: String,
    #[column(index)]
    email: Option<String>,
    #[column(server_default = "CURRENT_TIMESTAMP")]
    created_at: NaiveDateTime,
}

/// Table `blog_post`, removed with its author.
#[derive(Model, Debug)]
#[model(index(fields(author_id, published_at)))]
struct BlogPost {
    #[column(primary_key)]
    id: i64,
    #[column(foreign_key = "user.id", on_delete = "cascade")]
    author_id: i64,
    #[column(length = 200)]
    title: String,
    body: String,
    published_at: Option<NaiveDateTime>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://quickstart.db".to_owned());
    let db = Database::connect(url.as_str()).await?;
    let backend = db.bind(None)?.backend();
    println!("database: {} ({backend})", db.bind(None)?.url());

    // Every #[derive(Model)] in the binary registered itself; create_all finds them all.
    db.create_all().await?;
    for table in registry::tables() {
        let columns: Vec<&str> = table.columns().iter().map(|c| c.name()).collect();
        println!(
            "table {:<10} model {:<9} columns {}",
            table.name(),
            table.model(),
            columns.join(", ")
        );
    }

    println!("\nDDL on {backend}:");
    for sql in dialect::for_backend(backend).create_table(BlogPost::table()) {
        println!("{sql};");
    }

    let users = User::query().all(&db).await?;
    let posts = BlogPost::query().all(&db).await?;
    println!(
        "\n{} users, {} posts (column handle: User::USERNAME = {:?})",
        users.len(),
        posts.len(),
        User::USERNAME.name()
    );

    // Running it again is fine: create_all leaves existing tables and rows alone.
    db.create_all().await?;
    db.close().await;
    Ok(())
}
