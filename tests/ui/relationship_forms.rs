// A `has_many` without the handle it reverses.
use model_core::Model;

#[derive(Model, Clone)]
#[model(has_many(posts))]
struct User {
    #[column(primary_key, autoincrement = false)]
    id: i64,
}

fn main() {}
