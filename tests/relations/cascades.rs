//! Deletes that cascade: by the ORM (`cascade = "delete"`, for a schema without `ON DELETE
//! CASCADE`), one call deleting a row with its children and grandchildren in one transaction,
//! on the pool, in a session and in bulk.

use model_core::Database;
use model_tests::{Kind, per_backend};

use crate::loading::blog;
use crate::models::{Book, Chapter, Writer};

per_backend!(declared_cascades_delete_children_in_one_call);

/// A writer with two books of three chapters each.
async fn writer(db: &Database, name: &str) -> Writer {
    let writer = db
        .insert(&Writer {
            id: Default::default(),
            name: name.into(),
        })
        .await
        .unwrap();
    for title in ["one", "two"] {
        let book = db
            .insert(&Book {
                id: Default::default(),
                writer_id: *writer.id,
                title: format!("{name} {title}"),
            })
            .await
            .unwrap();
        for number in 1..=3 {
            db.insert(&Chapter {
                id: Default::default(),
                book_id: *book.id,
                number,
            })
            .await
            .unwrap();
        }
    }
    writer
}

async fn counts(db: &Database) -> (u64, u64, u64) {
    (
        Writer::query().count(db).await.unwrap(),
        Book::query().count(db).await.unwrap(),
        Chapter::query().count(db).await.unwrap(),
    )
}

async fn declared_cascades_delete_children_in_one_call(kind: Kind) {
    let Some((_t, db)) = blog(kind, "rel_cascade").await else {
        return;
    };
    let ann = writer(&db, "ann").await;
    let bob = writer(&db, "bob").await;
    let cid = writer(&db, "cid").await;
    let dan = writer(&db, "dan").await;
    assert_eq!(counts(&db).await, (4, 8, 24));

    // On the pool: one call, one transaction: chapters, books, the writer.
    db.record_queries(20);
    db.delete(&ann).await.unwrap();
    let sent: Vec<String> = db
        .take_recorded_queries()
        .into_iter()
        .map(|q| q.sql)
        .collect();
    assert_eq!(
        sent.len(),
        5,
        "BEGIN, chapters, books, writer, COMMIT: {sent:#?}"
    );
    assert!(
        sent[1].contains("chapter") && sent[2].contains("book"),
        "{sent:#?}"
    );
    assert_eq!(counts(&db).await, (3, 6, 18));

    // In a session, with the session's other work.
    let mut session = db.session();
    session.delete(bob.clone());
    session.commit().await.unwrap();
    assert_eq!(counts(&db).await, (2, 4, 12));

    // Rolled back with the session.
    let mut session = db.session();
    session.delete(cid.clone());
    session.flush().await.unwrap();
    assert_eq!(Book::query().count(&mut session).await.unwrap(), 2);
    session.rollback().await;
    assert_eq!(counts(&db).await, (2, 4, 12));

    // In bulk: the children of every row the filter selects.
    let deleted = Writer::query()
        .filter(Writer::NAME.is_in(["cid", "dan"]))
        .delete(&db)
        .await
        .unwrap();
    assert_eq!(deleted, 2);
    assert_eq!(counts(&db).await, (0, 0, 0));
    let _ = dan;
}
