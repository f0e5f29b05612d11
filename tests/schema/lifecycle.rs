//! Running `create_all` again, `drop_all` next to tables no model declares, and rows that do
//! not fit their model.

use model_core::{BindSelection, Config, Database, Error};
use model_tests::{Kind, TestDb, per_backend, quoted};

use crate::models::{Gauge, Motto, Note};

per_backend!(
    create_all_twice_keeps_tables_and_rows,
    drop_all_leaves_other_tables_alone,
    drop_all_failing_partway_drops_nothing,
    create_all_keeps_semicolons_inside_defaults,
    decode_errors_name_the_column
);

/// A fresh database for `bind`, and a `Database` configured with that bind alone.
async fn connect(kind: Kind, bind: &str) -> Option<(TestDb, Database)> {
    let t = TestDb::new(kind, bind).await?;
    let db = Database::connect(Config::binds_only().bind(bind, t.url.clone()))
        .await
        .unwrap();
    Some((t, db))
}

async fn create_all_twice_keeps_tables_and_rows(kind: Kind) {
    let Some((t, db)) = connect(kind, "twice").await else {
        return;
    };
    db.create_all_in(BindSelection::named("twice"))
        .await
        .unwrap();
    t.catalog
        .execute(&format!(
            "INSERT INTO {} (id, body) VALUES (7, 'kept')",
            quoted(kind, "note")
        ))
        .await;

    db.create_all_in(BindSelection::named("twice"))
        .await
        .unwrap();

    assert_eq!(t.catalog.tables().await, ["note"]);
    let notes = Note::query().all(&db).await.unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!((*notes[0].id, notes[0].body.as_str()), (7, "kept"));
}

async fn drop_all_leaves_other_tables_alone(kind: Kind) {
    let Some(t) = TestDb::new(kind, "dropper").await else {
        return;
    };
    t.catalog
        .execute(&format!(
            "CREATE TABLE {} (id INTEGER PRIMARY KEY, what TEXT)",
            quoted(kind, "audit_log")
        ))
        .await;
    t.catalog
        .execute(&format!(
            "INSERT INTO {} VALUES (1, 'before')",
            quoted(kind, "audit_log")
        ))
        .await;
    let db = Database::connect(Config::binds_only().bind("dropper", t.url.clone()))
        .await
        .unwrap();

    db.create_all_in(BindSelection::named("dropper"))
        .await
        .unwrap();
    assert_eq!(t.catalog.tables().await, ["audit_log", "child", "parent"]);
    t.catalog
        .execute(&format!(
            "INSERT INTO {} VALUES (1)",
            quoted(kind, "parent")
        ))
        .await;
    t.catalog
        .execute(&format!(
            "INSERT INTO {} VALUES (1, 1)",
            quoted(kind, "child")
        ))
        .await;

    // `child` references `parent`: dropping in reverse foreign-key order is what makes this work.
    db.drop_all_in(BindSelection::named("dropper"))
        .await
        .unwrap();
    assert_eq!(t.catalog.tables().await, ["audit_log"]);
    assert_eq!(t.catalog.count("audit_log").await, 1);

    // Dropping again finds nothing to drop and is not an error.
    db.drop_all_in(BindSelection::named("dropper"))
        .await
        .unwrap();
}

/// SQLite and PostgreSQL run `drop_all` as one script in one transaction; when the database
/// refuses one of its statements, the error names that table and every table is still there.
async fn drop_all_failing_partway_drops_nothing(kind: Kind) {
    if kind == Kind::MySql {
        // MySQL commits each DROP TABLE; its clean-up is tested in `tests/failures.rs`.
        return;
    }
    let Some((t, db)) = connect(kind, "keeper").await else {
        return;
    };
    db.create_all_in(BindSelection::named("keeper"))
        .await
        .unwrap();
    // A table no model declares holds a row that refers to `keeper_parent`: PostgreSQL refuses
    // to drop a table others depend on, SQLite to delete a row still referred to.
    t.catalog
        .execute(&format!(
            "CREATE TABLE {} (id INTEGER PRIMARY KEY, parent_id BIGINT REFERENCES {} (id))",
            quoted(kind, "keeper_ref"),
            quoted(kind, "keeper_parent")
        ))
        .await;
    t.catalog
        .execute(&format!(
            "INSERT INTO {} (id) VALUES (1)",
            quoted(kind, "keeper_parent")
        ))
        .await;
    t.catalog
        .execute(&format!(
            "INSERT INTO {} (id, parent_id) VALUES (1, 1)",
            quoted(kind, "keeper_ref")
        ))
        .await;

    let err = db
        .drop_all_in(BindSelection::named("keeper"))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("dropping model `KeeperParent` (table \"keeper_parent\""),
        "{message}"
    );
    assert_eq!(
        t.catalog.tables().await,
        ["keeper_other", "keeper_parent", "keeper_ref"],
        "{message}"
    );
    assert_eq!(t.catalog.count("keeper_parent").await, 1);
}

async fn create_all_keeps_semicolons_inside_defaults(kind: Kind) {
    let Some((t, db)) = connect(kind, "script").await else {
        return;
    };
    db.create_all_in(BindSelection::named("script"))
        .await
        .unwrap();
    t.catalog
        .execute(&format!(
            "INSERT INTO {} (id) VALUES (1)",
            quoted(kind, "motto")
        ))
        .await;
    let mottos = Motto::query().all(&db).await.unwrap();
    assert_eq!(mottos.len(), 1);
    assert_eq!(*mottos[0].text, "one; two");
}

async fn decode_errors_name_the_column(kind: Kind) {
    let Some(t) = TestDb::new(kind, "decode").await else {
        return;
    };
    // The table exists with a text column where the model has an f64.
    t.catalog
        .execute(&format!(
            "CREATE TABLE {} (id BIGINT PRIMARY KEY, reading TEXT)",
            quoted(kind, "gauge")
        ))
        .await;
    t.catalog
        .execute(&format!(
            "INSERT INTO {} VALUES (1, 'not a number')",
            quoted(kind, "gauge")
        ))
        .await;
    let db = Database::connect(Config::binds_only().bind("decode", t.url.clone()))
        .await
        .unwrap();

    let err = Gauge::query().all(&db).await.unwrap_err();
    match &err {
        Error::Decode {
            bind,
            model,
            table,
            column,
            ..
        } => {
            assert_eq!(
                (
                    bind.as_str(),
                    model.as_str(),
                    table.as_str(),
                    column.as_str()
                ),
                ("\"decode\"", "Gauge", "gauge", "reading")
            );
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("\"reading\"") && text.contains("Gauge") && text.contains("\"decode\""),
        "{text}"
    );
}
