// A query on one model cannot use the columns of another.
use model_core::{Auto, Model};

#[derive(Model)]
struct User {
    #[column(primary_key)]
    id: Auto<i64>,
}

#[derive(Model)]
struct Post {
    #[column(primary_key)]
    id: Auto<i64>,
    title: String,
}

fn main() {
    let _ = User::query().filter(Post::TITLE.eq("x"));
    let _ = User::query().order_by(Post::ID.asc());
}
