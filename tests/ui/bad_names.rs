// Table names and bind keys must be usable: not empty, and bind keys without spaces.
use model_core::{Auto, Model};

#[derive(Model)]
#[model(table = "", bind = "my users")]
struct Profile {
    #[column(primary_key)]
    id: Auto<i64>,
    #[column(name = "")]
    nick: String,
    #[column(name = "email ")]
    email: String,
}

fn main() {}
