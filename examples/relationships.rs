//! Relationships: a blog whose users follow users, write posts, comment and tag posts.
//! One-to-many (`User::POSTS`), many-to-one (`Post::AUTHOR`), many-to-many through a table with
//! no struct (`Post::TAGS`), and a self-referential follow graph (`User::FOLLOWING` and
//! `User::FOLLOWERS`), read lazily, eagerly (one statement per level) and joined; the feed of
//! the users someone follows, paginated, in two statements; aggregates; a delete that cascades.
//! Every statement is counted as it runs (recorded queries).
//!
//! ```text
//! cargo run --example relationships                   # SQLite file ./relationships.db
//! DATABASE_URL=postgres://postgres@127.0.0.1/test cargo run --example relationships
//! ```

use std::error::Error;

use model_core::{Auto, Database, Include, Model, count};

#[derive(Model, Debug, Clone)]
#[model(
    has_many(posts = Post::AUTHOR, cascade = "delete"),
    many_to_many(following = User::ID, table = "follows", columns(follower_id, followed_id)),
    many_to_many(followers = User::FOLLOWING)
)]
struct User {
    #[column(primary_key)]
    id: Auto<i64>,
    #[column(unique, length = 80)]
    name: String,
}

#[derive(Model, Debug, Clone)]
#[model(
    has_many(comments = Comment::POST, cascade = "delete"),
    many_to_many(tags = Tag::ID, table = "post_tags")
)]
struct Post {
    #[column(primary_key)]
    id: Auto<i64>,
    #[column(foreign_key = User::ID, belongs_to = author)]
    author_id: i64,
    #[column(length = 200)]
    title: String,
}

#[derive(Model, Debug, Clone)]
struct Comment {
    #[column(primary_key)]
    id: Auto<i64>,
    #[column(foreign_key = Post::ID, belongs_to = post)]
    post_id: i64,
    body: String,
}

#[derive(Model, Debug, Clone)]
#[model(many_to_many(posts = Post::TAGS))]
struct Tag {
    #[column(primary_key)]
    id: Auto<i64>,
    #[column(unique, length = 40)]
    label: String,
}

/// The statements sent since the last call.
fn sent(db: &Database) -> usize {
    db.take_recorded_queries().len()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://relationships.db".to_owned());
    let db = Database::connect(url.as_str()).await?;
    // A fresh schema each run: the association tables are created and dropped with the models.
    db.drop_all().await?;
    db.create_all().await?;

    let mut users = Vec::new();
    for name in ["ann", "bob", "cid", "dan"] {
        users.push(
            db.insert(&User {
                id: Auto::default(),
                name: name.into(),
            })
            .await?,
        );
    }
    let tags = [
        db.insert(&Tag {
            id: Auto::default(),
            label: "rust".into(),
        })
        .await?,
        db.insert(&Tag {
            id: Auto::default(),
            label: "sql".into(),
        })
        .await?,
    ];
    for round in 1..=3 {
        for (i, author) in users.iter().enumerate() {
            let post = db
                .insert(&Post {
                    id: Auto::default(),
                    author_id: *author.id,
                    title: format!("{} #{round}", author.name),
                })
                .await?;
            Post::TAGS.add(&db, &post, &tags[i % 2]).await?;
            for n in 0..i {
                db.insert(&Comment {
                    id: Auto::default(),
                    post_id: *post.id,
                    body: format!("comment {n}"),
                })
                .await?;
            }
        }
    }
    let (ann, bob, cid) = (&users[0], &users[1], &users[2]);
    User::FOLLOWING.add(&db, ann, bob).await?;
    User::FOLLOWING.add(&db, ann, cid).await?;
    User::FOLLOWING.add(&db, bob, ann).await?;
    db.record_queries(1_000);

    // Lazy: a relationship of one row is a query, to filter, count or paginate.
    let bobs = bob.posts().count(&db).await?;
    let author = bob
        .posts()
        .first(&db)
        .await?
        .ok_or("bob has posts")?
        .author()
        .one(&db)
        .await?;
    println!(
        "lazy:   {} wrote {bobs} posts ({} statements)",
        author.name,
        sent(&db)
    );

    // Eager: users, their posts and the posts' comments and tags: one statement per level.
    let everyone = User::query()
        .order_by(User::NAME.asc())
        .with(
            User::POSTS
                .order_by(Post::TITLE.asc())
                .with((Post::COMMENTS, Post::TAGS)),
        )
        .all(&db)
        .await?;
    println!(
        "eager:  {} users loaded with posts, comments and tags in {} statements",
        everyone.len(),
        sent(&db)
    );
    for (user, posts) in &everyone {
        let comments: usize = posts.iter().map(|(_, (comments, _))| comments.len()).sum();
        let labels: Vec<&str> = posts[0].1.1.iter().map(|t| t.label.as_str()).collect();
        println!(
            "        {:<4} {} posts, {comments} comments, tagged {labels:?}",
            user.name,
            posts.len()
        );
    }

    // Joined: each post with its author in the same statement, filtered on the author.
    let joined = Post::query()
        .join(Post::AUTHOR)
        .filter_joined(User::NAME.ne("dan"))
        .order_by_joined(User::NAME.desc())
        .limit(3)
        .all(&db)
        .await?;
    let shown: Vec<String> = joined
        .iter()
        .map(|(p, u)| format!("{} by {}", p.title, u.name))
        .collect();
    println!("joined: {shown:?} ({} statement)", sent(&db));

    // The follow graph, both ways, and a loader for rows already read.
    let following = User::FOLLOWING.load(&db, &users).await?;
    let followers = User::FOLLOWERS.load(&db, &users).await?;
    for ((user, out), inn) in users.iter().zip(&following).zip(&followers) {
        let names = |users: &[User]| users.iter().map(|u| u.name.clone()).collect::<Vec<_>>();
        println!(
            "graph:  {:<4} follows {:?}, followed by {:?}",
            user.name,
            names(out),
            names(inn)
        );
    }
    sent(&db);

    // The feed: posts of the users ann follows, newest first, page 1: the page and the count.
    let feed = Post::query()
        .filter(Post::AUTHOR_ID.in_related(&User::FOLLOWING, *ann.id))
        .order_by(Post::ID.desc());
    let page = feed.paginate(&db, 1, 4, true).await?;
    let titles: Vec<&str> = page.items.iter().map(|p| p.title.as_str()).collect();
    println!(
        "feed:   page 1 of {}: {titles:?} ({} statements)",
        page.pages(),
        sent(&db)
    );

    // Aggregates: comments per author, busiest first.
    let busiest: Vec<(i64, i64)> = Post::query()
        .filter(Post::COMMENTS.exists())
        .group_by(Post::AUTHOR_ID)
        .select((Post::AUTHOR_ID, count()))
        .order_by(count().desc())
        .order_by(Post::AUTHOR_ID.asc())
        .all(&db)
        .await?;
    println!("groups: (author, posts with comments) {busiest:?}");

    // A cascading delete: dan's posts and their comments go with him, in one transaction.
    let dan = &users[3];
    db.delete(dan).await?;
    println!(
        "delete: dan and his posts' comments in one call ({} statements); {} comments left",
        sent(&db),
        Comment::query().count(&db).await?
    );
    Ok(())
}
