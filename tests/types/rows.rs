//! Rows that are not tables: SQL written by hand read into `#[derive(FromRow)]` structs (by name
//! or position), tuples and single values, with `?` placeholders on every backend.

use model_core::{Error, FromRow, Value};
use model_tests::{Kind, per_backend};

use crate::models::{Email, Member, MemberId, Mood, Status, dec, member, open};

per_backend!(
    raw_rows_read_into_row_types_tuples_and_values,
    raw_placeholders_are_question_marks_everywhere
);

/// An aggregate's row, read by name whatever the column order.
#[derive(FromRow, Debug, PartialEq)]
struct MoodCount {
    #[row(rename = "n")]
    members: i64,
    mood: Mood,
    #[row(skip)]
    note: String,
}

/// The same columns, read in order.
#[derive(FromRow, Debug, PartialEq)]
#[row(positional)]
struct ByPosition {
    mood: Mood,
    members: i64,
}

/// A tuple struct reads in order too.
#[derive(FromRow, Debug, PartialEq)]
struct EmailOf(MemberId, Email, Option<Status>);

async fn seed(db: &model_core::Database) {
    let mut rows = Vec::new();
    for (n, mood) in [(1, Mood::Happy), (2, Mood::Sad), (3, Mood::Sad)] {
        let mut row = member(n);
        row.mood = mood;
        row.balance = dec(&format!("{n}.25"));
        rows.push(row);
    }
    db.insert_many(&rows).await.unwrap();
}

async fn raw_rows_read_into_row_types_tuples_and_values(kind: Kind) {
    let Some((t, db)) = open(kind, "raw_rows").await else {
        return;
    };
    seed(&db).await;
    let types = Some("types");

    let counts: Vec<MoodCount> = db
        .fetch_as(
            types,
            "SELECT COUNT(*) AS n, mood FROM member GROUP BY mood ORDER BY COUNT(*) DESC",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        counts,
        [
            MoodCount {
                members: 2,
                mood: Mood::Sad,
                note: String::new()
            },
            MoodCount {
                members: 1,
                mood: Mood::Happy,
                note: String::new()
            },
        ]
    );
    let positional: Vec<ByPosition> = db
        .fetch_as(
            types,
            "SELECT mood, COUNT(*) FROM member GROUP BY mood ORDER BY COUNT(*) DESC",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        positional[0],
        ByPosition {
            mood: Mood::Sad,
            members: 2
        }
    );

    let emails: Vec<EmailOf> = db
        .fetch_as(
            types,
            "SELECT id, email, status FROM member WHERE balance > ? ORDER BY id",
            &[dec("1.25").into()],
        )
        .await
        .unwrap();
    assert_eq!(emails.len(), 2);
    assert_eq!(emails[0].1, Email("m2@example.com".into()));
    assert_eq!(emails[0].2, Some(Status::Active));

    let tuples: Vec<(MemberId, String, Mood)> = db
        .fetch_as(types, "SELECT id, email, mood FROM member ORDER BY id", &[])
        .await
        .unwrap();
    assert_eq!(tuples.len(), 3);
    assert_eq!(
        (tuples[2].1.as_str(), tuples[2].2),
        ("m3@example.com", Mood::Sad)
    );

    // A model reads its columns by position, as before.
    let models: Vec<Member> = db
        .fetch_as(types, "SELECT * FROM member ORDER BY id", &[])
        .await
        .unwrap();
    assert_eq!(models.len(), 3);

    let count: i64 = db
        .fetch_scalar(
            types,
            "SELECT COUNT(*) FROM member WHERE mood = ?",
            &[Mood::Sad.into()],
        )
        .await
        .unwrap();
    assert_eq!(count, 2);
    let most: Option<String> = db
        .fetch_scalar(
            types,
            "SELECT MAX(email) FROM member WHERE id < ?",
            &[Value::from(0_i64)],
        )
        .await
        .unwrap();
    assert_eq!(most, None, "an aggregate over no row is NULL");
    let none = db
        .fetch_scalar::<i64>(
            types,
            "SELECT id FROM member WHERE id < ?",
            &[Value::from(0_i64)],
        )
        .await
        .unwrap_err();
    assert!(matches!(none, Error::NotFound { .. }), "{none:?}");

    // A column the struct wants and the query lacks is named, with the ones it has.
    let err = db
        .fetch_as::<MoodCount>(
            types,
            "SELECT mood, COUNT(*) AS total FROM member GROUP BY mood",
            &[],
        )
        .await
        .unwrap_err();
    let text = err.to_string();
    for part in ["\"n\"", "\"total\"", "MoodCount"] {
        assert!(text.contains(part), "{part} missing from: {text}");
    }
    // A value of the wrong type is named by its column.
    let err = db
        .fetch_as::<(i64, i64)>(types, "SELECT id, email AS address FROM member", &[])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("\"address\""), "{err}");

    // Row types are never tables.
    assert!(
        model_core::registry::tables()
            .iter()
            .all(|t| t.name() != "mood_count"),
        "a row type registered as a table"
    );
    db.create_all_in(model_core::BindSelection::named("types"))
        .await
        .unwrap();
    let tables = t.catalog.tables().await;
    assert!(
        !tables
            .iter()
            .any(|n| n.contains("mood_count") || n.contains("email_of")),
        "{tables:?}"
    );
}

async fn raw_placeholders_are_question_marks_everywhere(kind: Kind) {
    let Some((_t, db)) = open(kind, "raw_marks").await else {
        return;
    };
    seed(&db).await;
    let types = Some("types");
    // One text on every backend: `?` outside the literal, a `?` inside it left alone.
    let changed = db
        .execute_raw(
            types,
            "UPDATE member SET status = ? WHERE email <> 'what?' AND mood = ?",
            &[Status::Archived.into(), Mood::Sad.into()],
        )
        .await
        .unwrap();
    assert_eq!(changed, 2);
    let gone: i64 = db
        .fetch_scalar(
            types,
            "SELECT COUNT(*) FROM member WHERE status = ?",
            &[Status::Archived.into()],
        )
        .await
        .unwrap();
    assert_eq!(gone, 2);
    if kind == Kind::Postgres {
        // `??` is PostgreSQL's `?` operator; `$1` text still works as it is.
        let has: bool = db
            .fetch_scalar(
                types,
                "SELECT CAST('{\"a\": 1}' AS jsonb) ?? ?",
                &[Value::from("a")],
            )
            .await
            .unwrap();
        assert!(has);
        let numbered: i64 = db
            .fetch_scalar(
                types,
                "SELECT COUNT(*) FROM member WHERE mood = $1",
                &[Mood::Happy.into()],
            )
            .await
            .unwrap();
        assert_eq!(numbered, 1);
    }
}
