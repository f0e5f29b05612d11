//! Conditions through relationships (`any`, `has`, `exists`), `IN` subqueries, and the feed of
//! the issue: the posts of the users someone follows, newest first, paginated, in two
//! statements (page and count) built with the query builder alone.

use model_core::Database;
use model_tests::{Kind, per_backend};

use crate::loading::{blog, users};
use crate::models::{Comment, Post, Tag, User};

per_backend!(related_rows_filter_a_query, the_feed_is_two_statements);

/// Three users; ann wrote a published and a draft post tagged rust, bob one draft, cid none.
async fn seeded(db: &Database) -> (Vec<User>, Vec<Post>) {
    let users = users(db, &["ann", "bob", "cid"]).await;
    let mut posts = Vec::new();
    for (author, title, published) in [(0, "a1", true), (0, "a2", false), (1, "b1", false)] {
        posts.push(
            db.insert(&Post::new(&users[author], title, published))
                .await
                .unwrap(),
        );
    }
    let rust = db
        .insert(&Tag {
            id: Default::default(),
            label: "rust".into(),
        })
        .await
        .unwrap();
    Post::TAGS.add(db, &posts[0], &rust).await.unwrap();
    (users, posts)
}

fn names(users: &[User]) -> Vec<&str> {
    users.iter().map(|u| u.name.as_str()).collect()
}

fn titles(posts: &[Post]) -> Vec<&str> {
    posts.iter().map(|p| p.title.as_str()).collect()
}

async fn related_rows_filter_a_query(kind: Kind) {
    let Some((_t, db)) = blog(kind, "rel_filter").await else {
        return;
    };
    let (users, posts) = seeded(&db).await;
    let by_name = User::query().order_by(User::NAME.asc());

    let published = by_name
        .clone()
        .filter(User::POSTS.any(Post::PUBLISHED.eq(true)))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(names(&published), ["ann"]);
    let writers = by_name
        .clone()
        .filter(User::POSTS.exists())
        .all(&db)
        .await
        .unwrap();
    assert_eq!(names(&writers), ["ann", "bob"]);
    let silent = by_name
        .clone()
        .filter(User::POSTS.exists().not())
        .all(&db)
        .await
        .unwrap();
    assert_eq!(names(&silent), ["cid"]);

    // A post filtered by a column of its author: type-checked like its own columns.
    let by_bob = Post::query()
        .filter(Post::AUTHOR.has(User::NAME.eq("bob")))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(titles(&by_bob), ["b1"]);
    let tagged = Post::query()
        .filter(Post::TAGS.any(Tag::LABEL.eq("rust")))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(titles(&tagged), ["a1"]);
    let untagged = Post::query()
        .filter(Post::TAGS.exists().not())
        .order_by(Post::TITLE.asc())
        .all(&db)
        .await
        .unwrap();
    assert_eq!(titles(&untagged), ["a2", "b1"]);

    // Of a table to itself: comments with replies.
    let top = db
        .insert(&Comment {
            id: Default::default(),
            post_id: *posts[0].id,
            parent_id: None,
            body: "top".into(),
        })
        .await
        .unwrap();
    db.insert(&Comment {
        id: Default::default(),
        post_id: *posts[0].id,
        parent_id: Some(*top.id),
        body: "reply".into(),
    })
    .await
    .unwrap();
    let answered = Comment::query()
        .filter(Comment::REPLIES.exists())
        .all(&db)
        .await
        .unwrap();
    assert_eq!(answered, [top]);

    // `IN` a subquery, and a bulk delete through a relationship.
    let drafts_of_writers = Post::query()
        .filter(Post::AUTHOR_ID.in_query(User::ID, &User::query().filter(User::NAME.ne("ann"))))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(drafts_of_writers, 1);
    let deleted = Post::query()
        .filter(Post::AUTHOR.has(User::NAME.eq("bob")))
        .delete(&db)
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    assert_eq!(users[1].posts().count(&db).await.unwrap(), 0);
}

async fn the_feed_is_two_statements(kind: Kind) {
    let Some((_t, db)) = blog(kind, "rel_feed").await else {
        return;
    };
    let people = users(&db, &["me", "ann", "bob", "cid"]).await;
    let me = &people[0];
    User::FOLLOWING.add(&db, me, &people[1]).await.unwrap();
    User::FOLLOWING.add(&db, me, &people[2]).await.unwrap();
    // Posts in time order: ann, bob, cid, ann, ... (ids ascend with time).
    for round in 0..5 {
        for author in &people[1..] {
            db.insert(&Post::new(
                author,
                &format!("{} {round}", author.name),
                true,
            ))
            .await
            .unwrap();
        }
    }
    let feed = Post::query()
        .filter(Post::AUTHOR.has(User::FOLLOWERS.any(User::ID.eq(*me.id))))
        .order_by(Post::ID.desc());
    db.record_queries(20);
    let page = feed.paginate(&db, 1, 4, true).await.unwrap();
    assert_eq!(
        db.take_recorded_queries().len(),
        2,
        "the page and the count"
    );
    assert_eq!(page.total, 10);
    assert_eq!(titles(&page.items), ["bob 4", "ann 4", "bob 3", "ann 3"]);
    let last = feed.paginate(&db, 3, 4, true).await.unwrap();
    assert_eq!(titles(&last.items), ["bob 0", "ann 0"]);

    // The same feed as an `IN` subquery on the association table alone.
    let direct = Post::query()
        .filter(Post::AUTHOR_ID.in_related(&User::FOLLOWING, *me.id))
        .order_by(Post::ID.desc());
    db.take_recorded_queries();
    assert_eq!(direct.paginate(&db, 1, 4, true).await.unwrap(), page);
    let sent = db.take_recorded_queries();
    assert_eq!(sent.len(), 2);
    assert!(
        sent[0].sql.contains("followers") && !sent[0].sql.contains("EXISTS"),
        "{}",
        sent[0].sql
    );

    // The same feed as an `IN` subquery over the users `me` follows.
    let same = Post::query()
        .filter(Post::AUTHOR_ID.in_query(User::ID, &me.following()))
        .order_by(Post::ID.desc())
        .paginate(&db, 1, 4, true)
        .await
        .unwrap();
    assert_eq!(same, page);
}
