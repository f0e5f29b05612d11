// All mistakes of one struct are reported in one compile, each at its own place.
use model_core::Model;

#[derive(Model)]
#[model(bind = "")]
struct Order {
    #[column(primary_key, skip)]
    id: i64,
    #[column(unknown)]
    total: i64,
    #[column(length = 0)]
    code: String,
    #[column(foreign_key = "customer")]
    customer_id: i64,
}

fn main() {}
