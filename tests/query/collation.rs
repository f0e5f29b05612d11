//! What `eq`, `unique` and ordering mean for text, per backend: every character told apart by
//! default (MySQL/MariaDB included, whose server default collation ignores case and accents and
//! took "😀" for "🎉"), and a `collation` option on tables and columns for the other meanings.

use model_core::{BindSelection, Config, Database, Error, Model, dialect, registry};
use model_tests::{Kind, TestDb, per_backend};

per_backend!(
    text_equality_tells_every_character_apart,
    a_declared_collation_is_used,
    a_declared_collation_is_read_back
);

/// Usernames, unique, with the backend's default collation.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "collation_default")]
pub struct Handle {
    #[column(primary_key, autoincrement = false)]
    pub id: i64,
    #[column(unique, length = 40)]
    pub name: String,
}

async fn connect(t: &TestDb, bind: &str) -> Database {
    let db = Database::connect(Config::binds_only().bind(bind, t.url.clone()))
        .await
        .unwrap();
    db.create_all_in(BindSelection::named(bind)).await.unwrap();
    db
}

async fn text_equality_tells_every_character_apart(kind: Kind) {
    let Some(t) = TestDb::new(kind, "collation_default").await else {
        return;
    };
    let db = connect(&t, "collation_default").await;
    let names = ["admin", "Admin", "😀", "🎉", "e", "é", "ss", "ß", "B", "a"];
    for (i, name) in names.iter().enumerate() {
        // A unique key that confused two of these would refuse the second.
        db.insert(&Handle {
            id: i as i64,
            name: (*name).to_owned(),
        })
        .await
        .unwrap_or_else(|e| panic!("{kind:?}: inserting {name:?}: {e}"));
    }
    for name in names {
        let found = Handle::query()
            .filter(Handle::NAME.eq(name))
            .all(&db)
            .await
            .unwrap();
        let found: Vec<&str> = found.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(found, [name], "{kind:?}: eq({name:?})");
    }
    // The unique key still refuses the very same name.
    let duplicate = db
        .insert(&Handle {
            id: 99,
            name: "admin".into(),
        })
        .await;
    assert!(
        matches!(duplicate, Err(Error::Database { .. })),
        "{duplicate:?}"
    );
    // Ordering: by code point on SQLite and MySQL/MariaDB (binary collations); PostgreSQL
    // follows the database's collation, which here is C.UTF-8, also by code point.
    let ordered: Vec<String> = Handle::query()
        .order_by(Handle::NAME.asc())
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.name)
        .collect();
    let mut by_code_point: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
    by_code_point.sort();
    if kind != Kind::Postgres || database_collation_is_c(&t).await {
        assert_eq!(ordered, by_code_point, "{kind:?}");
    }
}

async fn database_collation_is_c(t: &TestDb) -> bool {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&t.url).await.unwrap();
    let collate: String =
        sqlx::query_scalar("SELECT datcollate FROM pg_database WHERE datname = current_database()")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    collate == "C" || collate.starts_with("C.")
}

/// A case-insensitive column on SQLite (`NOCASE`).
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "collation_sqlite")]
pub struct NocaseTag {
    #[column(primary_key, autoincrement = false)]
    pub id: i64,
    #[column(collation = "NOCASE")]
    pub label: String,
}

/// A case- and accent-insensitive table on MySQL/MariaDB.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "collation_mysql", collation = "utf8mb4_general_ci")]
pub struct MySqlTag {
    #[column(primary_key, autoincrement = false)]
    pub id: i64,
    #[column(length = 40)]
    pub label: String,
}

/// Byte order on PostgreSQL, whatever the database's collation.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "collation_postgres")]
pub struct PostgresTag {
    #[column(primary_key, autoincrement = false)]
    pub id: i64,
    #[column(collation = "C")]
    pub label: String,
}

async fn a_declared_collation_is_used(kind: Kind) {
    let Some(t) = TestDb::new(kind, "collation_declared").await else {
        return;
    };
    match kind {
        Kind::SqliteMemory | Kind::SqliteFile => {
            let db = connect(&t, "collation_sqlite").await;
            for (id, label) in [(1, "Rust"), (2, "rust"), (3, "RUST!")] {
                db.insert(&NocaseTag {
                    id,
                    label: label.into(),
                })
                .await
                .unwrap();
            }
            let n = NocaseTag::query()
                .filter(NocaseTag::LABEL.eq("RUST"))
                .count(&db)
                .await
                .unwrap();
            assert_eq!(n, 2, "NOCASE compares without ASCII case");
            // The literal helpers stay case-sensitive whatever the collation.
            let n = NocaseTag::query()
                .filter(NocaseTag::LABEL.starts_with("RU"))
                .count(&db)
                .await
                .unwrap();
            assert_eq!(n, 1);
        }
        Kind::MySql => {
            let db = connect(&t, "collation_mysql").await;
            for (id, label) in [(1, "Crème"), (2, "creme"), (3, "cream")] {
                db.insert(&MySqlTag {
                    id,
                    label: label.into(),
                })
                .await
                .unwrap();
            }
            let n = MySqlTag::query()
                .filter(MySqlTag::LABEL.eq("CREME"))
                .count(&db)
                .await
                .unwrap();
            assert_eq!(n, 2, "utf8mb4_general_ci ignores case and accents");
            let n = MySqlTag::query()
                .filter(MySqlTag::LABEL.contains("rème"))
                .count(&db)
                .await
                .unwrap();
            assert_eq!(
                n, 1,
                "the literal helpers compare bytes whatever the collation"
            );
        }
        Kind::Postgres => {
            let db = connect(&t, "collation_postgres").await;
            for (id, label) in [(1, "b"), (2, "B"), (3, "a"), (4, "A")] {
                db.insert(&PostgresTag {
                    id,
                    label: label.into(),
                })
                .await
                .unwrap();
            }
            let ordered: Vec<String> = PostgresTag::query()
                .order_by(PostgresTag::LABEL.asc())
                .all(&db)
                .await
                .unwrap()
                .into_iter()
                .map(|t| t.label)
                .collect();
            assert_eq!(ordered, ["A", "B", "a", "b"], "COLLATE \"C\" sorts by byte");
        }
    }
}

/// `Database::reflect` reads the declared collations back, and they match the models.
async fn a_declared_collation_is_read_back(kind: Kind) {
    let (bind, table, column, collation) = match kind {
        Kind::SqliteMemory | Kind::SqliteFile => {
            ("collation_sqlite", "nocase_tag", "label", Some("NOCASE"))
        }
        Kind::Postgres => ("collation_postgres", "postgres_tag", "label", Some("C")),
        // The table's collation; the column has none of its own.
        Kind::MySql => ("collation_mysql", "my_sql_tag", "label", None),
    };
    let Some(t) = TestDb::new(kind, "collation_reflected").await else {
        return;
    };
    let db = connect(&t, bind).await;
    let reflected = db.reflect(Some(bind)).await.unwrap();
    let tables: Vec<_> = registry::tables_in(Some(bind)).collect();
    let backend = db.bind(Some(bind)).unwrap().backend();
    let expected = dialect::expected_schema(dialect::for_backend(backend), &tables);
    assert_eq!(reflected, expected);
    let found = reflected.table(table).unwrap();
    assert_eq!(
        found.column(column).unwrap().collation.as_deref(),
        collation
    );
    if kind == Kind::MySql {
        assert_eq!(found.collation.as_deref(), Some("utf8mb4_general_ci"));
    }
    let report = db
        .check_schema_in(BindSelection::named(bind))
        .await
        .unwrap();
    assert!(report.is_empty(), "{report}");
}
