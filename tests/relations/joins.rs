//! Joined loading of to-one relationships: one statement, inner or left join by the
//! relationship's shape, filters and orders on either model.

use model_tests::{Kind, per_backend};

use crate::loading::{blog, users};
use crate::models::{Comment, Post, Profile, User};

per_backend!(to_one_relationships_join_in_one_statement);

async fn to_one_relationships_join_in_one_statement(kind: Kind) {
    let Some((_t, db)) = blog(kind, "rel_join").await else {
        return;
    };
    let people = users(&db, &["ann", "bob"]).await;
    let (ann, bob) = (&people[0], &people[1]);
    for (author, title) in [(&bob, "b1"), (&ann, "a1"), (&ann, "a2")] {
        db.insert(&Post {
            id: Default::default(),
            author_id: *author.id,
            title: title.into(),
            published: true,
        })
        .await
        .unwrap();
    }
    db.record_queries(20);
    let rows = Post::query()
        .join(Post::AUTHOR)
        .order_by_joined(User::NAME.asc())
        .order_by(Post::TITLE.desc())
        .all(&db)
        .await
        .unwrap();
    assert_eq!(db.take_recorded_queries().len(), 1);
    let shown: Vec<(&str, &str)> = rows
        .iter()
        .map(|(post, author)| (post.title.as_str(), author.name.as_str()))
        .collect();
    assert_eq!(shown, [("a2", "ann"), ("a1", "ann"), ("b1", "bob")]);

    let by_bob = Post::query()
        .join(Post::AUTHOR)
        .filter_joined(User::NAME.eq("bob"));
    assert_eq!(by_bob.count(&db).await.unwrap(), 1);
    let (post, author) = by_bob.first(&db).await.unwrap().unwrap();
    assert_eq!((post.title.as_str(), author), ("b1", bob.clone()));
    let limited = Post::query()
        .filter(Post::TITLE.starts_with("a"))
        .join(Post::AUTHOR)
        .order_by(Post::TITLE.asc())
        .limit(1)
        .offset(1)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(limited[0].0.title, "a2");

    // On an explicit condition rather than a relationship: posts whose title is a user's name
    // (none), and every user with the post titled as their name, if any.
    let titled = Post::query()
        .join_on(Post::TITLE, User::NAME)
        .count(&db)
        .await
        .unwrap();
    assert_eq!(titled, 0);
    db.insert(&Post {
        id: Default::default(),
        author_id: *ann.id,
        title: "bob".into(),
        published: false,
    })
    .await
    .unwrap();
    let by_name = User::query()
        .left_join_on(User::NAME, Post::TITLE)
        .order_by(User::NAME.asc())
        .all(&db)
        .await
        .unwrap();
    let shown: Vec<(&str, Option<bool>)> = by_name
        .iter()
        .map(|(u, p)| (u.name.as_str(), p.as_ref().map(|p| p.published)))
        .collect();
    assert_eq!(shown, [("ann", None), ("bob", Some(false))]);

    // Left joins: a one-to-one, and a nullable foreign key to the same table.
    db.insert(&Profile {
        id: Default::default(),
        user_id: *bob.id,
        about: "hi".into(),
    })
    .await
    .unwrap();
    let profiles = User::query()
        .join(User::PROFILE)
        .order_by(User::NAME.asc())
        .all(&db)
        .await
        .unwrap();
    let abouts: Vec<Option<&str>> = profiles
        .iter()
        .map(|(_, p)| p.as_ref().map(|p| p.about.as_str()))
        .collect();
    assert_eq!(abouts, [None, Some("hi")]);

    let post = Post::query().first(&db).await.unwrap().unwrap();
    let top = db
        .insert(&Comment {
            id: Default::default(),
            post_id: *post.id,
            parent_id: None,
            body: "top".into(),
        })
        .await
        .unwrap();
    db.insert(&Comment {
        id: Default::default(),
        post_id: *post.id,
        parent_id: Some(*top.id),
        body: "reply".into(),
    })
    .await
    .unwrap();
    let threads = Comment::query()
        .order_by(Comment::BODY.asc())
        .join(Comment::PARENT)
        .all(&db)
        .await
        .unwrap();
    let shown: Vec<(&str, Option<&str>)> = threads
        .iter()
        .map(|(c, parent)| (c.body.as_str(), parent.as_ref().map(|p| p.body.as_str())))
        .collect();
    assert_eq!(shown, [("reply", Some("top")), ("top", None)]);
    // On a model joined to itself, each side's condition is written under its own name: the
    // comments whose parent says "top" (a condition on a left join's row drops the rows
    // without one, as in SQL).
    let answers = Comment::query()
        .join(Comment::PARENT)
        .filter_joined(Comment::BODY.eq("top"))
        .filter(Comment::BODY.ne("top"))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].0.body, "reply");
}
