// A foreign key given as a column handle is checked against the referenced column's type.
use model_core::{Auto, ColumnGroup, Model};

#[derive(Model)]
struct Author {
    #[column(primary_key)]
    id: Auto<i64>,
    name: String,
}

#[derive(ColumnGroup)]
struct Stamp {
    #[column(primary_key)]
    id: Auto<i64>,
}

#[derive(Model)]
struct Post {
    #[column(primary_key)]
    id: Auto<i64>,
    #[column(foreign_key = Author::ID)]
    author_id: i32,
    #[column(foreign_key = Author::NAME)]
    author_name: Option<i64>,
    #[column(foreign_key = ID)]
    nothing: i64,
    #[column(foreign_key = Stamp::ID)]
    stamp_id: i64,
}

fn main() {}
