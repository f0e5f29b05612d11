//! The models of the relationship tests: a small blog with users who follow users, posts with
//! comments and tags, and profiles, in the `blog` bind.

use model_core::{Auto, Model};

/// A user: posts, comments, a profile, and a follow graph through a table with no struct.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(
    bind = "blog",
    has_many(posts = Post::AUTHOR),
    has_one(profile = Profile::USER),
    many_to_many(
        following = User::ID,
        table = "followers",
        columns(follower_id, followed_id)
    ),
    many_to_many(followers = User::FOLLOWING)
)]
pub struct User {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(unique, length = 80)]
    pub name: String,
}

impl User {
    /// A user to insert: the key is left to the database.
    pub fn named(name: &str) -> User {
        User {
            id: Default::default(),
            name: name.into(),
        }
    }
}

/// One profile per user at most.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "blog")]
pub struct Profile {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(unique, foreign_key = User::ID, belongs_to = user)]
    pub user_id: i64,
    pub about: String,
}

/// A post: its author, comments and tags.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(
    bind = "blog",
    has_many(comments = Comment::POST),
    many_to_many(tags = Tag::ID, table = "post_tag")
)]
pub struct Post {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = User::ID, on_delete = "cascade", belongs_to = author)]
    pub author_id: i64,
    pub title: String,
    pub published: bool,
}

impl Post {
    /// A post of `author` to insert.
    pub fn new(author: &User, title: &str, published: bool) -> Post {
        Post {
            id: Default::default(),
            author_id: *author.id,
            title: title.into(),
            published,
        }
    }
}

/// A comment on a post, maybe replying to another comment.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "blog", has_many(replies = Comment::PARENT))]
pub struct Comment {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = Post::ID, on_delete = "cascade", belongs_to = post)]
    pub post_id: i64,
    #[column(foreign_key = Self::ID, belongs_to = parent)]
    pub parent_id: Option<i64>,
    pub body: String,
}

/// A tag, with the posts tagged with it (the reverse of `Post::TAGS`).
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "blog", many_to_many(posts = Post::TAGS))]
pub struct Tag {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(unique, length = 40)]
    pub label: String,
}

/// An author whose books (and their chapters) go with them, by the ORM: the schema has no
/// `ON DELETE CASCADE` here.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "blog", has_many(books = Book::AUTHOR, cascade = "delete"))]
pub struct Writer {
    #[column(primary_key)]
    pub id: Auto<i64>,
    pub name: String,
}

/// A book of a writer, with chapters deleted with it.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "blog", has_many(chapters = Chapter::BOOK, cascade = "delete"))]
pub struct Book {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = Writer::ID, belongs_to = author)]
    pub writer_id: i64,
    pub title: String,
}

/// A chapter of a book.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "blog")]
pub struct Chapter {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = Book::ID, belongs_to = book)]
    pub book_id: i64,
    pub number: i32,
}

/// A course, with its students through an association model of its own.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(
    bind = "blog",
    many_to_many(students = Student, through(Enrollment::COURSE, Enrollment::STUDENT))
)]
pub struct Course {
    #[column(primary_key)]
    pub id: Auto<i64>,
    pub title: String,
}

/// A student, with the courses taken (the reverse).
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "blog", many_to_many(courses = Course::STUDENTS))]
pub struct Student {
    #[column(primary_key)]
    pub id: Auto<i64>,
    pub name: String,
}

/// The association as a model: a grade besides the two keys.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "blog")]
pub struct Enrollment {
    #[column(primary_key, autoincrement = false, foreign_key = Course::ID, belongs_to = course)]
    pub course_id: i64,
    #[column(primary_key, autoincrement = false, foreign_key = Student::ID, belongs_to = student)]
    pub student_id: i64,
    pub grade: Option<i32>,
}
