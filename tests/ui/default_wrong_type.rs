// A `default` function must return the field's type; the error points at the attribute.
use model_core::{Auto, Model};

fn new_id() -> String {
    String::from("x")
}

#[derive(Model)]
struct Ticket {
    #[column(primary_key)]
    id: Auto<i64>,
    #[column(default = new_id)]
    number: Auto<i64>,
}

fn main() {}
