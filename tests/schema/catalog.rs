//! The schema `create_all` builds, read back from each backend's catalog, and rows of every
//! supported type read back into the struct.

use chrono::{NaiveDate, TimeZone, Utc};
use model_core::{BindSelection, Config, Database};
use model_tests::{ColumnInfo, Kind, TestDb, per_backend};

use crate::models::{Author, Everything};

per_backend!(
    create_all_builds_the_declared_schema,
    every_type_round_trips,
    backend_limits_are_checked_before_ddl
);

/// MariaDB prints display widths (`bigint(20)`); MySQL 8 does not. Compare without them.
fn normalize(kind: Kind, ty: &str) -> String {
    if kind != Kind::MySql {
        return ty.to_owned();
    }
    for int in ["tinyint", "smallint", "int", "bigint"] {
        if let Some(rest) = ty.strip_prefix(int)
            && rest.starts_with('(')
            && rest.ends_with(')')
        {
            return int.to_owned();
        }
    }
    ty.to_owned()
}

fn types(kind: Kind, columns: &[ColumnInfo]) -> Vec<(String, String, bool)> {
    columns
        .iter()
        .map(|c| (c.name.clone(), normalize(kind, &c.data_type), c.nullable))
        .collect()
}

fn expected(rows: &[(&str, &str, bool)]) -> Vec<(String, String, bool)> {
    rows.iter()
        .map(|(n, t, null)| ((*n).to_owned(), (*t).to_owned(), *null))
        .collect()
}

async fn create_all_builds_the_declared_schema(kind: Kind) {
    let Some(t) = TestDb::new(kind, "catalog").await else {
        return;
    };
    let db = Database::connect(Config::binds_only().bind("catalog", t.url.clone()))
        .await
        .unwrap();
    db.create_all_in(BindSelection::named("catalog"))
        .await
        .unwrap();

    assert_eq!(
        t.catalog.tables().await,
        ["author", "everything", "fixed_key", "post"]
    );

    let author = t.catalog.columns("author").await;
    let want = match kind {
        Kind::SqliteMemory | Kind::SqliteFile => expected(&[
            ("id", "integer", false),
            ("name", "varchar(80)", false),
            ("email", "text", true),
            ("bio", "text", false),
            ("joined_at", "datetime", false),
            ("karma", "int", false),
        ]),
        Kind::Postgres => expected(&[
            ("id", "bigint", false),
            ("name", "character varying(80)", false),
            ("email", "text", true),
            ("bio", "text", false),
            ("joined_at", "timestamp without time zone", false),
            ("karma", "integer", false),
        ]),
        Kind::MySql => expected(&[
            ("id", "bigint", false),
            ("name", "varchar(80)", false),
            ("email", "varchar(255)", true),
            ("bio", "longtext", false),
            ("joined_at", "datetime(6)", false),
            ("karma", "int", false),
        ]),
    };
    assert_eq!(types(kind, &author), want);
    let generated: Vec<&str> = author
        .iter()
        .filter(|c| c.generated)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(generated, ["id"], "a single integer key is generated");
    let default_of = |name: &str| {
        author
            .iter()
            .find(|c| c.name == name)
            .unwrap()
            .default
            .clone()
            .unwrap_or_default()
    };
    assert!(
        default_of("joined_at")
            .to_lowercase()
            .contains("current_timestamp"),
        "{:?}",
        default_of("joined_at")
    );
    assert_eq!(
        default_of("karma").trim_matches(|c| c == '(' || c == ')' || c == '\''),
        "0"
    );
    assert_eq!(default_of("bio"), "");

    assert_eq!(t.catalog.primary_key("author").await, ["id"]);
    assert_eq!(t.catalog.primary_key("post").await, ["id"]);
    let post = t.catalog.columns("post").await;
    assert!(
        post.iter().find(|c| c.name == "id").unwrap().generated,
        "i32 keys are generated too"
    );

    let indexes = t.catalog.indexes("author").await;
    assert!(
        indexes.iter().any(|i| i.columns == ["name"] && i.unique),
        "{indexes:?}"
    );
    assert!(
        indexes
            .iter()
            .any(|i| i.name == "ix_author_email" && i.columns == ["email"] && !i.unique),
        "{indexes:?}"
    );
    let indexes = t.catalog.indexes("post").await;
    assert!(
        indexes.iter().any(|i| i.name == "ix_post_author_id_title"
            && i.columns == ["author_id", "title"]
            && !i.unique),
        "{indexes:?}"
    );

    let fks: Vec<(String, String, String, String)> = t
        .catalog
        .foreign_keys("post")
        .await
        .into_iter()
        .map(|f| (f.column, f.ref_table, f.ref_column, f.on_delete))
        .collect();
    let fk = |c: &str, a: &str| {
        (
            c.to_owned(),
            "author".to_owned(),
            "id".to_owned(),
            a.to_owned(),
        )
    };
    assert_eq!(
        fks,
        vec![fk("author_id", "CASCADE"), fk("editor_id", "SET NULL")]
    );

    let everything: Vec<(String, String, bool)> =
        types(kind, &t.catalog.columns("everything").await);
    let want: &[&str] = match kind {
        Kind::SqliteMemory | Kind::SqliteFile => &[
            "integer", "smallint", "int", "real", "real", "boolean", "text", "blob", "datetime",
            "datetime", "date", "blob", "text", "bigint", "text", "blob",
        ],
        Kind::Postgres => &[
            "bigint",
            "smallint",
            "integer",
            "real",
            "double precision",
            "boolean",
            "text",
            "bytea",
            "timestamp without time zone",
            "timestamp with time zone",
            "date",
            "uuid",
            "jsonb",
            "bigint",
            "text",
            "uuid",
        ],
        // MariaDB stores JSON as LONGTEXT with a validity check.
        Kind::MySql => &[
            "bigint",
            "smallint",
            "int",
            "float",
            "double",
            "tinyint",
            "longtext",
            "longblob",
            "datetime(6)",
            "datetime(6)",
            "date",
            "binary(16)",
            "longtext",
            "bigint",
            "longtext",
            "binary(16)",
        ],
    };
    let got: Vec<&str> = everything.iter().map(|(_, ty, _)| ty.as_str()).collect();
    assert_eq!(got, want);
    let nullable: Vec<&str> = everything
        .iter()
        .filter(|(_, _, n)| *n)
        .map(|(c, _, _)| c.as_str())
        .collect();
    assert_eq!(nullable, ["maybe", "maybe_text", "maybe_uid"]);

    // The model reads the (empty) tables it created.
    assert!(Author::query().all(&db).await.unwrap().is_empty());
}

async fn every_type_round_trips(kind: Kind) {
    let Some(t) = TestDb::new(kind, "types").await else {
        return;
    };
    let db = Database::connect(Config::binds_only().bind("catalog", t.url.clone()))
        .await
        .unwrap();
    db.create_all_in(BindSelection::named("catalog"))
        .await
        .unwrap();

    // Written by hand in each dialect, so reading does not depend on this crate's writing.
    let insert = match kind {
        Kind::SqliteMemory | Kind::SqliteFile => {
            r#"INSERT INTO "everything" VALUES (1, -7, 123456, 1.5, 2.25, 1, 'héllo ''quoted''', X'000102FF',
               '2024-02-29 13:45:30.123456', '2024-02-29T13:45:30.123456Z', '2024-02-29',
               X'67E5504410B1426F9247BB680E5FE0C8', '{"a":[1,2]}', NULL, 'x', NULL)"#
        }
        Kind::Postgres => {
            r#"INSERT INTO "everything" VALUES (1, -7, 123456, 1.5, 2.25, TRUE, 'héllo ''quoted''', '\x000102ff',
               '2024-02-29 13:45:30.123456', '2024-02-29 13:45:30.123456+00', '2024-02-29',
               '67e55044-10b1-426f-9247-bb680e5fe0c8', '{"a":[1,2]}', NULL, 'x', NULL)"#
        }
        Kind::MySql => {
            r#"INSERT INTO `everything` VALUES (1, -7, 123456, 1.5, 2.25, TRUE, 'héllo ''quoted''', X'000102FF',
               '2024-02-29 13:45:30.123456', '2024-02-29 13:45:30.123456', '2024-02-29',
               UNHEX('67E5504410B1426F9247BB680E5FE0C8'), '{"a":[1,2]}', NULL, 'x', NULL)"#
        }
    };
    t.catalog.execute(insert).await;

    let at = NaiveDate::from_ymd_opt(2024, 2, 29)
        .unwrap()
        .and_hms_micro_opt(13, 45, 30, 123_456)
        .unwrap();
    let expected = Everything {
        id: 1.into(),
        small: -7,
        int: 123_456,
        real: 1.5,
        double: 2.25,
        flag: true,
        text: "héllo 'quoted'".to_owned(),
        bytes: vec![0, 1, 2, 255],
        at,
        at_utc: Utc.from_utc_datetime(&at),
        day: NaiveDate::from_ymd_opt(2024, 2, 29).unwrap(),
        uid: "67e55044-10b1-426f-9247-bb680e5fe0c8".parse().unwrap(),
        doc: serde_json::json!({"a": [1, 2]}),
        maybe: None,
        maybe_text: Some("x".to_owned()),
        maybe_uid: None,
    };
    assert_eq!(
        Everything::query().all(&db).await.unwrap(),
        vec![expected.clone()]
    );

    // The same values written by `insert_many` (on PostgreSQL, one array per column), with the
    // nullable columns NULL in one row and set in the other.
    let rows = [
        Everything {
            id: 2.into(),
            ..expected.clone()
        },
        Everything {
            id: 3.into(),
            maybe: Some(-1),
            maybe_text: None,
            maybe_uid: Some(expected.uid),
            ..expected.clone()
        },
    ];
    assert_eq!(db.insert_many(&rows).await.unwrap(), 2);
    let stored = Everything::query()
        .filter(Everything::ID.gt(1))
        .order_by(Everything::ID.asc())
        .all(&db)
        .await
        .unwrap();
    assert_eq!(stored, rows);
}

/// What only MySQL/MariaDB cannot build is refused there, before any DDL, with every reason;
/// the other backends build it.
async fn backend_limits_are_checked_before_ddl(kind: Kind) {
    let Some(t) = TestDb::new(kind, "limits").await else {
        return;
    };
    let db = Database::connect(Config::binds_only().bind("limits", t.url.clone()))
        .await
        .unwrap();
    let result = db.create_all_in(BindSelection::named("limits")).await;
    if kind != Kind::MySql {
        result.unwrap();
        assert_eq!(t.catalog.tables().await, ["long_key", "set_default_ref"]);
        return;
    }
    let err = result.unwrap_err();
    let model_core::Error::Schema(errors) = &err else {
        panic!("expected schema errors, got {err:?}")
    };
    let text = err.to_string();
    assert_eq!(errors.problems().len(), 3, "{text}");
    assert!(
        text.contains("the primary key over (code) takes 4000 bytes"),
        "{text}"
    );
    assert!(
        text.contains("do not support ON DELETE SET DEFAULT"),
        "{text}"
    );
    assert!(t.catalog.tables().await.is_empty());
}
