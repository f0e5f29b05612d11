// An unknown key in #[model] or #[column] is an error with a "did you mean" suggestion.
use model_core::Model;

#[derive(Model)]
#[model(tabel = "users")]
struct User {
    #[column(primay_key)]
    id: i64,
    #[column(lenght = 20)]
    name: String,
}

fn main() {}
