//! Projections, `group_by`/`having` with aggregates, and `union`, on every backend: read into
//! tuples of Rust types, the same types everywhere.

use model_core::{Database, FromRow, avg, count, count_distinct, count_of, max, min, sum};
use model_tests::{Kind, per_backend};

use crate::loading::{blog, users};
use crate::models::{Comment, Post, User};

per_backend!(
    groups_and_aggregates_read_into_tuples,
    unions_combine_queries
);

/// ann wrote 3 posts (2 published), bob 1 (published), cid none; ann's first post has two
/// comments.
async fn seeded(db: &Database) -> Vec<User> {
    let users = users(db, &["ann", "bob", "cid"]).await;
    let mut first = None;
    for (author, title, published) in [
        (0, "a1", true),
        (0, "a2", true),
        (0, "a3", false),
        (1, "b1", true),
    ] {
        let post = db
            .insert(&Post::new(&users[author], title, published))
            .await
            .unwrap();
        first.get_or_insert(post);
    }
    let first = first.unwrap();
    for body in ["x", "y"] {
        db.insert(&Comment {
            id: Default::default(),
            post_id: *first.id,
            parent_id: None,
            body: body.into(),
        })
        .await
        .unwrap();
    }
    users
}

async fn groups_and_aggregates_read_into_tuples(kind: Kind) {
    let Some((_t, db)) = blog(kind, "rel_group").await else {
        return;
    };
    let users = seeded(&db).await;
    let (ann, bob) = (*users[0].id, *users[1].id);

    let per_author: Vec<(i64, i64)> = Post::query()
        .group_by(Post::AUTHOR_ID)
        .select((Post::AUTHOR_ID, count()))
        .order_by(Post::AUTHOR_ID.asc())
        .all(&db)
        .await
        .unwrap();
    assert_eq!(per_author, [(ann, 3), (bob, 1)]);

    let busy: Vec<(i64, i64, Option<i64>, Option<i64>)> = Post::query()
        .filter(Post::PUBLISHED.eq(true))
        .group_by(Post::AUTHOR_ID)
        .having(count().gt(1))
        .select((Post::AUTHOR_ID, count(), min(Post::ID), max(Post::ID)))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(busy.len(), 1);
    assert_eq!((busy[0].0, busy[0].1), (ann, 2));
    assert!(busy[0].2 < busy[0].3);

    let (total, authors, summed, mean): (i64, i64, Option<i64>, Option<f64>) = Post::query()
        .select((
            count_of(Post::TITLE),
            count_distinct(Post::AUTHOR_ID),
            sum(Post::AUTHOR_ID),
            avg(Post::AUTHOR_ID),
        ))
        .one(&db)
        .await
        .unwrap();
    assert_eq!((total, authors), (4, 2));
    assert_eq!(summed, Some(3 * ann + bob));
    let expected = (3 * ann + bob) as f64 / 4.0;
    assert!((mean.unwrap() - expected).abs() < 1e-9, "{mean:?}");

    // Over no row: a count of 0, a NULL sum.
    let (none, nothing): (i64, Option<i64>) = Post::query()
        .filter(Post::TITLE.eq("none"))
        .select((count(), sum(Post::ID)))
        .one(&db)
        .await
        .unwrap();
    assert_eq!((none, nothing), (0, None));

    // Ordered by an aggregate, limited; columns alone.
    let most: Vec<(i64, i64)> = Comment::query()
        .group_by(Comment::POST_ID)
        .select((Comment::POST_ID, count()))
        .order_by(count().desc())
        .limit(1)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(most[0].1, 2);
    let titles: Vec<(String, bool)> = Post::query()
        .filter(Post::AUTHOR_ID.eq(bob))
        .select((Post::TITLE, Post::PUBLISHED))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(titles, [("b1".to_owned(), true)]);
    let names: Vec<String> = User::query()
        .order_by(User::NAME.desc())
        .select(User::NAME)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(names, ["cid", "bob", "ann"]);

    // Into a row type of one's own: columns and aggregates by name, or by position.
    #[derive(FromRow, Debug, PartialEq)]
    struct PerAuthor {
        author_id: i64,
        count: i64,
        max_id: Option<i64>,
    }
    #[derive(FromRow, Debug, PartialEq)]
    #[row(positional)]
    struct Pair(i64, i64);
    let grouped = Post::query()
        .group_by(Post::AUTHOR_ID)
        .select((Post::AUTHOR_ID, count(), max(Post::ID)))
        .order_by(Post::AUTHOR_ID.asc());
    let named: Vec<PerAuthor> = grouped.all_as(&db).await.unwrap();
    let tuples = grouped.all(&db).await.unwrap();
    assert_eq!(named.len(), 2);
    for (row, (author_id, count, max_id)) in named.iter().zip(&tuples) {
        assert_eq!(
            row,
            &PerAuthor {
                author_id: *author_id,
                count: *count,
                max_id: *max_id
            }
        );
    }
    let pairs: Vec<Pair> = Post::query()
        .group_by(Post::AUTHOR_ID)
        .select((Post::AUTHOR_ID, count_distinct(Post::TITLE)))
        .order_by(Post::AUTHOR_ID.asc())
        .all_as(&db)
        .await
        .unwrap();
    assert_eq!(pairs, [Pair(ann, 3), Pair(bob, 1)]);

    // In a session, as everything else.
    let mut session = db.session();
    let counted: i64 = Post::query()
        .select(count())
        .one(&mut session)
        .await
        .unwrap();
    assert_eq!(counted, 4);
    session.commit().await.unwrap();
}

async fn unions_combine_queries(kind: Kind) {
    let Some((_t, db)) = blog(kind, "rel_union").await else {
        return;
    };
    seeded(&db).await;
    let drafts = Post::query().filter(Post::PUBLISHED.eq(false));
    let by_bob = Post::query().filter(Post::TITLE.starts_with("b"));
    let first_two = Post::query().order_by(Post::TITLE.asc()).limit(2);
    let combined = drafts
        .clone()
        .union(by_bob.clone())
        .union(first_two.clone())
        .order_by(Post::TITLE.asc());
    let titles: Vec<String> = combined
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.title)
        .collect();
    assert_eq!(titles, ["a1", "a2", "a3", "b1"]);
    assert_eq!(combined.count(&db).await.unwrap(), 4);
    let twice = by_bob.clone().union_all(by_bob).count(&db).await.unwrap();
    assert_eq!(twice, 2, "UNION ALL keeps duplicates");
    let page = drafts
        .union(first_two)
        .order_by(Post::TITLE.desc())
        .limit(2)
        .offset(1)
        .all(&db)
        .await
        .unwrap();
    let titles: Vec<&str> = page.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(titles, ["a2", "a1"]);
}
