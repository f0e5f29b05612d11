//! Lazy queries and select-in loading, with statement counts.

use model_core::{BindSelection, Config, Database, Include};
use model_tests::{Kind, TestDb, per_backend};

use crate::models::{Comment, Post, Profile, Tag, User};

per_backend!(declared_relationships_load_in_one_statement_per_level);

/// A fresh `blog` database with three users, their posts, comments, tags and follows.
async fn blog(kind: Kind, label: &str) -> Option<(TestDb, Database)> {
    let t = TestDb::new(kind, label).await?;
    let db = Database::connect(Config::binds_only().bind("blog", t.url.clone()))
        .await
        .unwrap();
    db.create_all_in(BindSelection::named("blog")).await.unwrap();
    Some((t, db))
}

async fn declared_relationships_load_in_one_statement_per_level(kind: Kind) {
    let Some((_t, db)) = blog(kind, "rel_load").await else {
        return;
    };
    let mut users = Vec::new();
    for name in ["ann", "bob", "cid"] {
        users.push(db.insert(&User { id: Default::default(), name: name.into() }).await.unwrap());
    }
    let mut posts = Vec::new();
    for (i, user) in users.iter().enumerate() {
        for n in 0..=i {
            posts.push(
                db.insert(&Post {
                    id: Default::default(),
                    author_id: *user.id,
                    title: format!("{} {n}", user.name),
                    published: n % 2 == 0,
                })
                .await
                .unwrap(),
            );
        }
    }
    let first = db
        .insert(&Comment { id: Default::default(), post_id: *posts[0].id, parent_id: None, body: "first".into() })
        .await
        .unwrap();
    db.insert(&Comment { id: Default::default(), post_id: *posts[0].id, parent_id: Some(*first.id), body: "reply".into() })
        .await
        .unwrap();

    db.record_queries(100);
    let loaded = User::query()
        .order_by(User::NAME.asc())
        .with(User::POSTS.order_by(Post::TITLE.asc()).with(Post::COMMENTS))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(db.take_recorded_queries().len(), 3, "users, posts, comments");
    assert_eq!(loaded.len(), 3);
    let counts: Vec<usize> = loaded.iter().map(|(_, posts)| posts.len()).collect();
    assert_eq!(counts, [1, 2, 3]);
    assert_eq!(loaded[0].1[0].1.len(), 2, "ann's post has two comments");

    let authors = Post::query().with(Post::AUTHOR).all(&db).await.unwrap();
    assert_eq!(db.take_recorded_queries().len(), 2);
    for (post, author) in &authors {
        assert_eq!(post.author_id, *author.id);
    }

    // Lazy: a query per row, to filter and count.
    let bob = &users[1];
    assert_eq!(bob.posts().count(&db).await.unwrap(), 2);
    assert_eq!(
        bob.posts().filter(Post::PUBLISHED.eq(true)).count(&db).await.unwrap(),
        1
    );
    let author = posts[0].author().one(&db).await.unwrap();
    assert_eq!(author, users[0]);

    // Loaded for rows already read.
    let grouped = User::POSTS.load(&db, &users).await.unwrap();
    assert_eq!(grouped.iter().map(Vec::len).collect::<Vec<_>>(), [1, 2, 3]);
    let _ = (Profile::query(), Tag::query());
}
