//! What goes wrong before and during `create_all`: models that do not fit together or with the
//! configuration (all reported at once, nothing created), binds that do not exist, and DDL that
//! fails halfway (nothing left behind).

use model_core::{Auto, BindSelection, ColumnGroup, ColumnType, Config, Database, Error, Model};
use model_tests::{Kind, TestDb, per_backend};

// --- Models that do not fit together -------------------------------------------------------

/// A native enum type "tone".
#[derive(ColumnType)]
#[column_type(storage = "native")]
enum Tone {
    Low,
    High,
}

/// Another Rust enum claiming the type name "tone", with other labels.
#[derive(ColumnType)]
#[column_type(storage = "native", name = "tone")]
enum Pitch {
    A,
    B,
}

/// A native enum named like the table below.
#[derive(ColumnType)]
#[column_type(storage = "native", name = "chord")]
enum ChordKind {
    Major,
}

/// Uses all three.
#[derive(Model)]
#[model(bind = "enums")]
struct Chord {
    #[column(primary_key, autoincrement = false)]
    id: i64,
    tone: Tone,
    pitch: Pitch,
    kind: ChordKind,
}

/// Claims table "shared"...
#[derive(Model)]
#[model(bind = "dup", table = "shared")]
pub struct First {
    #[column(primary_key)]
    pub id: Auto<i64>,
}

/// ...and so does this one, in the same bind.
#[derive(Model)]
#[model(bind = "dup", table = "shared")]
pub struct Second {
    #[column(primary_key)]
    pub id: Auto<i64>,
}

/// References a table no model declares.
#[derive(Model)]
#[model(bind = "fk")]
pub struct Orphan {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = "nowhere.id")]
    pub nowhere_id: i64,
}

/// A valid target...
#[derive(Model)]
#[model(bind = "fk")]
pub struct Target {
    #[column(primary_key)]
    pub id: Auto<i64>,
}

/// ...referenced through a column it does not have.
#[derive(Model)]
#[model(bind = "fk")]
pub struct BadColumn {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = "target.missing")]
    pub target_id: i64,
}

/// References a table of another bind.
#[derive(Model)]
#[model(bind = "fk")]
pub struct CrossBind {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = "shared.id")]
    pub shared_id: i64,
}

/// Its bind is not in the configuration.
#[derive(Model)]
#[model(bind = "unconfigured")]
pub struct Lonely {
    #[column(primary_key)]
    pub id: Auto<i64>,
}

/// A group without a key...
#[derive(ColumnGroup)]
pub struct Audit {
    pub id: i64,
    pub note: String,
}

/// ...flattened into a model whose only key would come from it, next to a second `note`.
#[derive(Model)]
#[model(bind = "groups")]
pub struct Doubled {
    #[column(flatten)]
    pub audit: Audit,
    #[column(name = "note")]
    pub other_note: String,
}

// --- Models breaking the rules a database would enforce halfway through -------------------

/// `autoincrement` on one column of a composite key.
#[derive(Model)]
#[model(bind = "rules")]
pub struct CompositeAuto {
    #[column(primary_key, autoincrement)]
    pub a: Auto<i64>,
    #[column(primary_key)]
    pub b: i64,
}

/// A generated key with a server default.
#[derive(Model)]
#[model(bind = "rules")]
pub struct AutoWithDefault {
    #[column(primary_key, server_default = "1")]
    pub id: Auto<i64>,
}

/// The target of the foreign keys below.
#[derive(Model)]
#[model(bind = "rules")]
pub struct RuleTarget {
    #[column(primary_key)]
    pub id: Auto<i64>,
    pub label: String,
}

/// References a column that is not unique.
#[derive(Model)]
#[model(bind = "rules")]
pub struct FkNonUnique {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = "rule_target.label")]
    pub label: String,
}

/// References an i64 key from an i32 column.
#[derive(Model)]
#[model(bind = "rules")]
pub struct FkTypeMismatch {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = "rule_target.id")]
    pub target_id: i32,
}

/// `set_null` on a NOT NULL column.
#[derive(Model)]
#[model(bind = "rules")]
pub struct SetNullNotNull {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = "rule_target.id", on_delete = "set_null")]
    pub target_id: i64,
}

/// Two tables with one index name...
#[derive(Model)]
#[model(bind = "rules", index(fields(x), name = "ix_shared"))]
pub struct IndexClashA {
    #[column(primary_key)]
    pub id: Auto<i64>,
    pub x: i64,
}

/// ...which SQLite and PostgreSQL keep in one namespace.
#[derive(Model)]
#[model(bind = "rules", index(fields(y), name = "ix_shared"))]
pub struct IndexClashB {
    #[column(primary_key)]
    pub id: Auto<i64>,
    pub y: i64,
}

/// Two columns whose names differ only in case, and an indexed JSON column.
#[derive(Model)]
#[model(bind = "rules")]
pub struct CaseDup {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(name = "Email")]
    pub a: String,
    #[column(name = "email")]
    pub b: String,
    #[column(index)]
    pub doc: serde_json::Value,
}

// --- Models whose DDL fails on the third table ----------------------------------------------

/// Created first.
#[derive(Model)]
#[model(bind = "atomic")]
pub struct AtomicA {
    #[column(primary_key)]
    pub id: Auto<i64>,
}

/// Created second (references A).
#[derive(Model)]
#[model(bind = "atomic")]
pub struct AtomicB {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = "atomic_a.id")]
    pub a_id: i64,
}

/// Created last (references B), and its default is not SQL on any backend.
#[derive(Model)]
#[model(bind = "atomic")]
pub struct AtomicZ {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = "atomic_b.id")]
    pub b_id: i64,
    #[column(server_default = "this is not sql")]
    pub broken: Auto<String>,
}

#[tokio::test]
async fn every_problem_is_reported_at_once_and_nothing_is_created() {
    let mut dbs = Vec::new();
    let mut config = Config::binds_only();
    for bind in ["dup", "enums", "fk", "groups", "atomic", "rules"] {
        let t = TestDb::new(Kind::SqliteMemory, bind).await.unwrap();
        config = config.bind(bind, t.url.clone());
        dbs.push(t);
    }
    let db = Database::connect(config).await.unwrap();

    let err = db.create_all().await.unwrap_err();
    let Error::Schema(errors) = &err else {
        panic!("expected schema errors, got {err:?}")
    };
    let got: Vec<(&str, &str, &str)> = errors
        .problems()
        .iter()
        .map(|p| (p.model.as_str(), p.table.as_str(), p.bind.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("Lonely", "lonely", "\"unconfigured\""),
            ("First", "shared", "\"dup\""),
            ("Second", "shared", "\"dup\""),
            ("Chord", "chord", "\"enums\""),
            ("Chord", "chord", "\"enums\""),
            ("BadColumn", "bad_column", "\"fk\""),
            ("CrossBind", "cross_bind", "\"fk\""),
            ("Orphan", "orphan", "\"fk\""),
            ("Doubled", "doubled", "\"groups\""),
            ("Doubled", "doubled", "\"groups\""),
            ("AutoWithDefault", "auto_with_default", "\"rules\""),
            ("CaseDup", "case_dup", "\"rules\""),
            ("CaseDup", "case_dup", "\"rules\""),
            ("CompositeAuto", "composite_auto", "\"rules\""),
            ("FkNonUnique", "fk_non_unique", "\"rules\""),
            ("FkTypeMismatch", "fk_type_mismatch", "\"rules\""),
            ("IndexClashA", "index_clash_a", "\"rules\""),
            ("IndexClashB", "index_clash_b", "\"rules\""),
            ("SetNullNotNull", "set_null_not_null", "\"rules\""),
        ]
    );
    let text = err.to_string();
    for needle in [
        "19 problems",
        "column \"pitch\" is the native enum type \"tone\" of `Pitch`, a name `Tone` (with other labels) has too",
        "column \"kind\" is the native enum type \"chord\", which is also a table's name",
        "table name \"shared\" is also used by",
        "references \"nowhere.id\", but no model declares table \"nowhere\"",
        "table \"target\" (model `Target`) has no column \"missing\"",
        "references \"shared.id\", which is in bind \"dup\"; a foreign key (and a relationship over it) cannot cross databases, so put this model and `First` or `Second` in one bind",
        "it has no primary key",
        "column \"note\" is declared twice",
        "its bind is not configured; configured binds: \"atomic\", \"dup\", \"enums\", \"fk\", \"groups\", \"rules\"",
        "cannot also have a `server_default`",
        "column \"email\" is declared twice (names are compared without case",
        "column \"doc\" is JSON and part of a key",
        "has `autoincrement`, but the primary key has 2 columns",
        "references \"rule_target.label\", which is neither the whole primary key nor `unique`",
        "references \"rule_target.id\", but their types differ (Integer and BigInt)",
        "has `on_delete = \"set_null\"` but is NOT NULL",
        "index or constraint name \"ix_shared\" is used 2 times in this bind",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    for t in &dbs {
        assert!(
            t.catalog.tables().await.is_empty(),
            "nothing may be created when validation fails"
        );
    }
}

#[tokio::test]
async fn selecting_a_bind_that_is_not_configured_lists_the_configured_ones() {
    let t = TestDb::new(Kind::SqliteMemory, "only").await.unwrap();
    let db = Database::connect(Config::new(t.url.clone()).bind("fk", t.url.clone()))
        .await
        .unwrap();
    let err = db
        .create_all_in(BindSelection::named("nope"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnknownBind { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "no database is configured for bind \"nope\"; configured binds: default, \"fk\""
    );
    let err = Database::connect(Config::binds_only().bind("fk", t.url.clone()))
        .await
        .unwrap()
        .drop_all_in(BindSelection::Default)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "no database is configured for bind default; configured binds: \"fk\""
    );
}

per_backend!(a_failing_create_all_leaves_nothing_behind);

/// The third CREATE TABLE fails. PostgreSQL and SQLite roll the whole bind back; MySQL, which
/// commits DDL as it goes, has the two tables it created dropped again. A table that existed
/// before, with its rows, survives either way.
async fn a_failing_create_all_leaves_nothing_behind(kind: Kind) {
    let Some(t) = TestDb::new(kind, "atomic").await else {
        return;
    };
    let q = |name: &str| {
        if kind == Kind::MySql {
            format!("`{name}`")
        } else {
            format!("\"{name}\"")
        }
    };
    t.catalog
        .execute(&format!(
            "CREATE TABLE {} (id INTEGER PRIMARY KEY)",
            q("keep_me")
        ))
        .await;
    t.catalog
        .execute(&format!("INSERT INTO {} VALUES (1)", q("keep_me")))
        .await;
    let db = Database::connect(Config::binds_only().bind("atomic", t.url.clone()))
        .await
        .unwrap();

    let err = db
        .create_all_in(BindSelection::named("atomic"))
        .await
        .unwrap_err();
    let Error::Database { bind, action, .. } = &err else {
        panic!("expected a database error, got {err:?}")
    };
    assert_eq!(bind, "\"atomic\"");
    assert!(
        action.contains("model `AtomicZ`") && action.contains("atomic_z"),
        "{action}"
    );
    assert_eq!(t.catalog.tables().await, ["keep_me"], "{err}");
    assert_eq!(t.catalog.count("keep_me").await, 1);

    // A model table that existed before the failed call is not dropped by the clean-up.
    t.catalog
        .execute(&format!(
            "CREATE TABLE {} (id BIGINT PRIMARY KEY)",
            q("atomic_a")
        ))
        .await;
    t.catalog
        .execute(&format!("INSERT INTO {} VALUES (5)", q("atomic_a")))
        .await;
    db.create_all_in(BindSelection::named("atomic"))
        .await
        .unwrap_err();
    assert_eq!(t.catalog.tables().await, ["atomic_a", "keep_me"]);
    assert_eq!(t.catalog.count("atomic_a").await, 1);
}
