//! The quickstart: declare models, point at a database, create the schema, read it back.
//!
//! ```text
//! cargo run --example quickstart                      # SQLite file ./quickstart.db
//! DATABASE_URL=postgres://postgres@127.0.0.1/test cargo run --example quickstart
//! ```

use std::error::Error;

use chrono::NaiveDateTime;
use model_core::{Auto, Database, Model, dialect, registry};

/// Table `user`: the name comes from the struct.
#[derive(Model, Debug, Default)]
struct User {
    #[column(primary_key)]
    id: Auto<i64>,
    #[column(unique, length = 80)]
    username: String,
    #[column(index)]
    email: Option<String>,
    #[column(server_default = "CURRENT_TIMESTAMP")]
    created_at: Auto<NaiveDateTime>,
}

/// Table `blog_post`, removed with its author.
#[derive(Model, Debug, Default)]
#[model(index(fields(author_id, published_at)))]
struct BlogPost {
    #[column(primary_key)]
    id: Auto<i64>,
    #[column(foreign_key = User::ID, on_delete = "cascade")]
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

    // Add rows: the id is generated, created_at comes from the server default.
    if User::query()
        .filter(User::USERNAME.eq("ada"))
        .first(&db)
        .await?
        .is_none()
    {
        let names = [
            "ada", "grace", "barbara", "frances", "radia", "hedy", "karen",
        ];
        let users: Vec<User> = names
            .iter()
            .map(|name| User {
                username: (*name).to_owned(),
                email: Some(format!("{name}@example.com")),
                ..User::default()
            })
            .collect();
        println!(
            "\ninserted {} users in one statement",
            db.insert_many(&users).await?
        );
        let ada = User::query()
            .filter(User::USERNAME.eq("ada"))
            .one(&db)
            .await?;
        let post = BlogPost {
            author_id: *ada.id,
            title: "Notes".to_owned(),
            body: "On the engine".to_owned(),
            ..BlogPost::default()
        };
        let post = db.insert(&post).await?;
        println!("post {} by user {} created", post.id, post.author_id);
    }

    // Query: filter, order, first, count, pagination.
    let by_name = User::query().order_by(User::USERNAME.asc());
    let page = by_name.paginate(&db, 1, 3, true).await?;
    let names: Vec<&str> = page.items.iter().map(|u| u.username.as_str()).collect();
    println!(
        "page {} of {} ({} users): {names:?}; pager {:?}",
        page.page,
        page.pages(),
        page.total,
        page.iter_pages(2, 2, 4, 2)
    );
    let with_a = User::query()
        .filter(User::USERNAME.contains("a"))
        .count(&db)
        .await?;
    println!(
        "{with_a} usernames contain an a; first by name: {:?}",
        by_name.first(&db).await?.map(|u| u.username)
    );

    // Update one row, delete another.
    if let Some(mut grace) = User::query()
        .filter(User::USERNAME.eq("grace"))
        .first(&db)
        .await?
    {
        grace.email = Some("grace@navy.example".to_owned());
        println!("updated: {:?}", db.update_returning(&grace).await?.email);
    }
    let deleted = User::query()
        .filter(User::USERNAME.eq("karen"))
        .delete(&db)
        .await?;
    println!(
        "deleted {deleted} user(s); {} posts",
        BlogPost::query().count(&db).await?
    );

    // Running it again is fine: create_all leaves existing tables and rows alone.
    db.create_all().await?;
    db.close().await;
    Ok(())
}
