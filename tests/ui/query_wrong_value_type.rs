// A column is only compared with values of its own type.
use model_core::{Auto, Model};

#[derive(Model)]
struct User {
    #[column(primary_key)]
    id: Auto<i64>,
    name: String,
}

fn main() {
    let _ = User::query().filter(User::NAME.eq(5));
    let _ = User::query().filter(User::ID.gt("ten"));
}
