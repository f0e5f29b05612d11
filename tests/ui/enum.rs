// A table is a struct with named fields; an enum is not one.
use model_core::Model;

#[derive(Model)]
enum Status {
    Active,
    Banned,
}

fn main() {}
