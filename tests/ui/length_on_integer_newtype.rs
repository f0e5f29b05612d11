use model_core::{ColumnType, Model};

#[derive(ColumnType)]
struct Count(i64);

#[derive(ColumnType)]
struct Email(String);

#[derive(Model)]
struct Stats {
    #[column(primary_key, autoincrement = false)]
    id: i64,
    #[column(length = 10)]
    visits: Count,
    #[column(length = 200, collation = "C")]
    email: Email,
    #[column(autoincrement)]
    other: Email,
}

fn main() {}
