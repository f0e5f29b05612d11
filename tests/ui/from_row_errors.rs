use model_core::FromRow;

#[derive(FromRow)]
#[row(positional)]
struct Positional {
    #[row(rename = "n")]
    count: i64,
}

#[derive(FromRow)]
struct Twice {
    name: String,
    #[row(rename = "name")]
    other: String,
    #[row(skip, rename = "x")]
    skipped: i64,
}

#[derive(FromRow)]
enum NotAStruct {
    A,
}

#[derive(FromRow)]
struct WrongField {
    when: std::time::Instant,
}

fn main() {}
