// Models are registered as concrete types, so they cannot be generic.
use model_core::{Auto, Model};

#[derive(Model)]
struct Wrapper<T> {
    #[column(primary_key)]
    id: Auto<i64>,
    value: T,
}

fn main() {}
