// Two fields may not map to one column name.
use model_core::{Auto, Model};

#[derive(Model)]
struct Account {
    #[column(primary_key)]
    id: Auto<i64>,
    email: String,
    #[column(name = "email")]
    backup_email: String,
}

fn main() {}
