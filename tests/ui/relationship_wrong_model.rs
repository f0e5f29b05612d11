// Loading a relationship of another model is a compile error naming both.
use model_core::{Database, Model};

#[derive(Model, Clone)]
#[model(has_many(posts = Post::AUTHOR))]
struct User {
    #[column(primary_key, autoincrement = false)]
    id: i64,
}

#[derive(Model, Clone)]
struct Post {
    #[column(primary_key, autoincrement = false)]
    id: i64,
    #[column(foreign_key = User::ID, belongs_to = author)]
    author_id: i64,
}

async fn load(db: &Database) {
    // `Post::AUTHOR` goes from posts to users, not from users.
    let _ = User::query().with(Post::AUTHOR).all(db).await;
}

fn main() {
    let _ = load;
}
