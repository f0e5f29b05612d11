// server_default is SQL text; a Rust expression belongs in `default`.
use model_core::Model;

fn now() -> String {
    String::new()
}

#[derive(Model)]
struct Entry {
    #[column(primary_key)]
    id: i64,
    #[column(server_default = now())]
    created: String,
}

fn main() {}
