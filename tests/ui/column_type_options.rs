use model_core::ColumnType;

#[derive(ColumnType)]
#[column_type(storage = "json", rename_all = "Title Case", name = "Mood")]
enum Mood {
    Happy,
}

#[derive(ColumnType)]
#[column_type(storage = "integer")]
enum Priority {
    Low = 1,
    High,
    #[column_type(rename = "urgent")]
    Urgent = 3,
}

#[derive(ColumnType)]
#[column_type(rename_all = "snake_case")]
struct UserId(i64);

#[derive(ColumnType)]
struct Pair(i64, i64);

#[derive(ColumnType)]
struct Named {
    id: i64,
}

#[derive(ColumnType)]
#[column_type(name = "level")]
enum Level {
    One,
}

fn main() {}
