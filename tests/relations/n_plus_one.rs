//! The N+1 warning: with recording on, a loop loading each post's author one by one is named
//! through `tracing` (target `model_core::n_plus_one`) with its call site and count; the same
//! data loaded with `.with(...)` is not.

use model_tests::{Capture, Kind};

use crate::loading::blog;
use crate::models::{Post, User};

macro_rules! current_thread_per_backend {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "current_thread")]
            async fn sqlite_memory() {
                super::$name(model_tests::Kind::SqliteMemory).await
            }
            #[tokio::test(flavor = "current_thread")]
            async fn postgres() {
                super::$name(model_tests::Kind::Postgres).await
            }
            #[tokio::test(flavor = "current_thread")]
            async fn mysql() {
                super::$name(model_tests::Kind::MySql).await
            }
        }
    };
}
current_thread_per_backend!(a_loop_of_lookups_is_warned_of);

async fn a_loop_of_lookups_is_warned_of(kind: Kind) {
    let (capture, captured) = Capture::new("model_core::n_plus_one");
    let _guard = tracing::subscriber::set_default(capture);
    let Some((_t, db)) = blog(kind, "rel_nplus1").await else {
        return;
    };
    let author = db
        .insert(&User {
            id: Default::default(),
            name: "ann".into(),
        })
        .await
        .unwrap();
    let posts: Vec<Post> = (0..12)
        .map(|i| Post {
            id: Default::default(),
            author_id: *author.id,
            title: format!("post {i}"),
            published: true,
        })
        .collect();
    db.insert_many(&posts).await.unwrap();
    let posts = Post::query().all(&db).await.unwrap();

    // Off while nothing watches: no recording, no echo, no detector.
    for post in &posts {
        post.author().one(&db).await.unwrap();
    }
    assert!(captured.lock().unwrap().is_empty());

    db.record_queries(100);
    db.warn_n_plus_one(5);
    // The same data at once: no warning.
    Post::query().with(Post::AUTHOR).all(&db).await.unwrap();
    assert!(captured.lock().unwrap().is_empty());
    for post in &posts {
        post.author().one(&db).await.unwrap();
    }
    let warnings = captured.lock().unwrap().clone();
    assert_eq!(
        warnings.len(),
        1,
        "warned once, at the threshold: {warnings:?}"
    );
    assert!(
        warnings[0].contains("n_plus_one.rs") && warnings[0].contains("count=5"),
        "{}",
        warnings[0]
    );

    db.warn_n_plus_one(0);
    for post in &posts {
        post.author().one(&db).await.unwrap();
    }
    assert_eq!(captured.lock().unwrap().len(), 1, "0 turns the warning off");
}
