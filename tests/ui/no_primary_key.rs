// Every model needs a primary key.
use model_core::Model;

#[derive(Model)]
struct Event {
    id: i64,
    name: String,
}

fn main() {}
