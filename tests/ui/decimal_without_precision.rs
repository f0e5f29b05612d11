use model_core::Model;
use rust_decimal::Decimal;

#[derive(Model)]
struct Invoice {
    #[column(primary_key, autoincrement = false)]
    id: i64,
    total: Decimal,
    #[column(scale = 2)]
    tax: Decimal,
    #[column(precision = 30, scale = 2)]
    huge: Decimal,
    #[column(precision = 4, scale = 6)]
    tiny: Decimal,
    #[column(precision = 10)]
    count: i64,
}

fn main() {}
