// `length` makes VARCHAR(N); it applies to strings only.
use model_core::{Auto, Model};

#[derive(Model)]
struct Item {
    #[column(primary_key)]
    id: Auto<i64>,
    #[column(length = 10)]
    quantity: i32,
}

fn main() {}
