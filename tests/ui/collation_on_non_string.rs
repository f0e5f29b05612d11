// A collation says how text compares and sorts; it applies to strings only.
use model_core::{Auto, Model};

#[derive(Model)]
struct Item {
    #[column(primary_key)]
    id: Auto<i64>,
    #[column(collation = "NOCASE")]
    quantity: i32,
}

fn main() {}
