// Each field gets a SCREAMING_SNAKE_CASE column handle; two fields may not share one.
use model_core::{Auto, Model};

#[derive(Model)]
struct Login {
    #[column(primary_key)]
    id: Auto<i64>,
    user_id: i64,
    #[allow(non_snake_case)]
    #[column(name = "user_id2")]
    userId: i64,
}

fn main() {}
