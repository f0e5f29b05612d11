// Primary keys are NOT NULL, so an Option<T> key is refused, at the field's type.
use model_core::Model;

#[derive(Model)]
struct Session {
    #[column(primary_key)]
    id: Option<i64>,
}

fn main() {}
