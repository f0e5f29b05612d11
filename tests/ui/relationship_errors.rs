// Relationship mistakes: each is reported at its span, all in one compile.
use model_core::Model;

#[derive(Model, Clone)]
struct User {
    #[column(primary_key, autoincrement = false)]
    id: i64,
}

#[derive(Model, Clone)]
#[model(
    // Both columns of the association table would be `member_id`.
    many_to_many(followers = Member::ID, table = "followers"),
    // One way through, not two.
    many_to_many(tags = User::ID, table = "t", through(X::A, X::B))
)]
struct Member {
    #[column(primary_key, autoincrement = false)]
    id: i64,
    // A relationship follows a typed foreign key, not a text one.
    #[column(foreign_key = "user.id", belongs_to = manager)]
    manager_id: i64,
    // The relationship's handle `OWNER` is the column handle of the field `owner`.
    #[column(foreign_key = User::ID, belongs_to = owner)]
    owner: i64,
}

fn main() {}
