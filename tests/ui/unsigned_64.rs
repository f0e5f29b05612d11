// u64 has no lossless column on SQLite or PostgreSQL (both stop at i64): refused, with the
// reason in the notes.
use model_core::{Auto, Model};

#[derive(Model)]
struct Counter {
    #[column(primary_key)]
    id: Auto<i64>,
    hits: u64,
    small: u32,
}

fn main() {}
