// server_default is SQL text; a Rust expression belongs in `default`.
use model_core::{Auto, Model};

fn now() -> String {
    String::new()
}

#[derive(Model)]
struct Entry {
    #[column(primary_key)]
    id: Auto<i64>,
    #[column(server_default = now())]
    created: String,
}

fn main() {}
