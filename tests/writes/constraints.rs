//! Constraint violations are typed, the same on every backend: a caller tells a duplicate
//! from a missing parent from a missing value without reading the driver's error, and with
//! `axum` a duplicate answers 409.

use axum_core::response::IntoResponse;
use http::StatusCode;
use model_core::{ConstraintKind, Error, Value};
use model_tests::{Kind, per_backend, quoted};

use crate::models::{Account, Membership, Reply, seeded};

per_backend!(constraint_violations_are_typed);

fn kind_of(err: &Error) -> Option<ConstraintKind> {
    err.constraint_violation().map(|v| v.kind)
}

async fn constraint_violations_are_typed(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "constraints").await else {
        return;
    };
    // A unique column.
    db.insert(&Account::named("dup")).await.unwrap();
    let err = db.insert(&Account::named("dup")).await.unwrap_err();
    assert!(err.is_unique_violation(), "{err}");
    let v = err.constraint_violation().unwrap();
    assert_eq!(v.kind, ConstraintKind::Unique);
    assert_eq!(
        v.constraint.as_deref(),
        Some("uq_account_username"),
        "{err}"
    );
    assert_eq!(v.table.as_deref(), Some("account"), "{err}");
    assert_eq!(v.columns, ["username"], "{err}");
    if kind == Kind::Postgres {
        assert!(
            err.to_string()
                .contains("Key (username)=(dup) already exists."),
            "PostgreSQL's DETAIL is kept: {err}"
        );
    }
    assert_eq!(err.into_response().status(), StatusCode::CONFLICT);

    // A primary key: named and placed where the backend says.
    let member = Membership {
        team: "red".into(),
        member: 1,
        role: "again".into(),
    };
    let err = db.insert(&member).await.unwrap_err();
    let v = err.constraint_violation().expect("a typed violation");
    assert_eq!(v.kind, ConstraintKind::Unique, "{err}");
    match kind {
        Kind::MySql => assert_eq!(v.constraint.as_deref(), Some("PRIMARY"), "{err}"),
        _ => {
            assert_eq!(v.table.as_deref(), Some("membership"), "{err}");
            assert_eq!(v.columns, ["team", "member"], "{err}");
        }
    }

    // A foreign key whose parent does not exist. SQLite names nothing but the kind.
    let err = db
        .insert(&Reply {
            id: 1,
            account_id: 999_999,
        })
        .await
        .unwrap_err();
    assert_eq!(kind_of(&err), Some(ConstraintKind::ForeignKey), "{err}");
    assert!(!err.is_unique_violation());
    if !kind.is_sqlite() {
        let v = err.constraint_violation().unwrap();
        assert_eq!(
            v.constraint.as_deref(),
            Some("fk_reply_account_id_account"),
            "{err}"
        );
        assert_eq!(v.table.as_deref(), Some("reply"), "{err}");
        assert_eq!(v.columns, ["account_id"], "{err}");
    }

    // A NOT NULL column given NULL (only raw SQL can: a field of type String always has a value).
    let sql = format!(
        "INSERT INTO {} (username, role, status, updated_at) VALUES (NULL, 'r', 's', '2020-01-01 00:00:00')",
        quoted(kind, "account")
    );
    let err = db.execute_raw(Some("query"), &sql, &[]).await.unwrap_err();
    let v = err.constraint_violation().expect("a typed violation");
    assert_eq!(v.kind, ConstraintKind::NotNull, "{err}");
    assert_eq!(v.columns, ["username"], "{err}");

    // A CHECK constraint of a table made by hand.
    let create = format!(
        "CREATE TABLE {} (id INT PRIMARY KEY, price INT, CONSTRAINT positive_price CHECK (price > 0))",
        quoted(kind, "priced")
    );
    db.execute_raw(Some("query"), &create, &[]).await.unwrap();
    let insert = format!(
        "INSERT INTO {} (id, price) VALUES (1, -5)",
        quoted(kind, "priced")
    );
    let err = db
        .execute_raw(Some("query"), &insert, &[])
        .await
        .unwrap_err();
    let v = err.constraint_violation().expect("a typed violation");
    assert_eq!(v.kind, ConstraintKind::Check, "{err}");
    assert_eq!(v.constraint.as_deref(), Some("positive_price"), "{err}");

    // Anything else is no violation.
    let err = db
        .execute_raw(
            Some("query"),
            "SELECT * FROM no_such_table",
            &[Value::Null(model_core::SqlType::Text)],
        )
        .await
        .unwrap_err();
    assert_eq!(err.constraint_violation(), None);
    assert_eq!(
        err.into_response().status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
}
