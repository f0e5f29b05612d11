// A `version` column counts updates: it must be a non-null integer, and a model has one.
use model_core::{Auto, Model};

#[derive(Model)]
struct Item {
    #[column(primary_key)]
    id: Auto<i64>,
    #[column(version)]
    revision: String,
}

#[derive(Model)]
struct Twice {
    #[column(primary_key)]
    id: Auto<i64>,
    #[column(version)]
    a: i64,
    #[column(version)]
    b: i64,
}

fn main() {}
