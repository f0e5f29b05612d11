// Column names come from field names; a tuple struct has none.
use model_core::Model;

#[derive(Model)]
struct Point(i64, i64);

fn main() {}
