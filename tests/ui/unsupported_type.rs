// A field type with no column mapping is reported at that field, naming the type.
use model_core::Model;

struct Money {
    cents: i64,
}

#[derive(Model)]
struct Invoice {
    #[column(primary_key)]
    id: i64,
    total: Money,
}

fn main() {}
