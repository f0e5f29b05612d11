// Which fields an insert may leave unset is said by the type: `Auto<T>` exactly where something
// fills the column (a generated key, `default`, `server_default`).
use model_core::{Auto, Model};

fn now() -> i64 {
    0
}

#[derive(Model)]
struct Visit {
    #[column(primary_key)]
    id: i64,
    #[column(default = now)]
    at: i64,
    #[column(server_default = "0")]
    count: i64,
    note: Auto<String>,
}

#[derive(Model)]
struct Assigned {
    #[column(primary_key, autoincrement = false)]
    id: i64,
    #[column(primary_key)]
    part: Auto<i32>,
}

fn main() {}
