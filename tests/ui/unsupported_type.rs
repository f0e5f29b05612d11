// A field type with no column mapping is reported at that field, naming the type.
use model_core::{Auto, Model};

struct Money {
    cents: i64,
}

#[derive(Model)]
struct Invoice {
    #[column(primary_key)]
    id: Auto<i64>,
    total: Money,
}

fn main() {}
