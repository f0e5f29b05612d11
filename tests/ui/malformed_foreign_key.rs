// foreign_key is "table.column".
use model_core::{Auto, Model};

#[derive(Model)]
struct Comment {
    #[column(primary_key)]
    id: Auto<i64>,
    #[column(foreign_key = "post")]
    post_id: i64,
    #[column(foreign_key = "user.id", on_delete = "cascades")]
    author_id: i64,
    #[column(on_delete = "cascade")]
    editor_id: i64,
}

fn main() {}
