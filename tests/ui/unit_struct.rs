// A unit struct would make a table without columns.
use model_core::Model;

#[derive(Model)]
struct Marker;

fn main() {}
