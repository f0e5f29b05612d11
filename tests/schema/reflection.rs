//! The schema read back from each backend's catalog (`Database::reflect`) against the one the
//! models declare (`dialect::expected_schema`): equal after `create_all`, over every column
//! type and option; and the differences `check_schema` and `create_all_strict` report once
//! the database has drifted.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use model_core::catalog::diff::Safety;
use model_core::catalog::{ColumnSchema, Schema};
use model_core::dialect;
use model_core::{
    Auto, BindSelection, ColumnType, Config, Database, Error, Json, Model, ReferentialAction,
    registry,
};
use model_tests::{Kind, TestDb, per_backend};
use rust_decimal::Decimal;

per_backend!(
    reflecting_what_create_all_made_gives_the_models_back,
    a_column_missing_from_the_table_is_reported_and_strict_create_all_refuses,
    a_narrowed_or_retyped_column_is_reported_with_its_risk
);

/// Labels in the database's own enum type where the backend has one.
#[derive(ColumnType, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[column_type(storage = "native", rename_all = "lowercase")]
pub enum Weather {
    /// Sun.
    #[default]
    Sunny,
    /// Rain.
    Rainy,
    /// A label with a quote and a comma.
    #[column_type(rename = "it's, mixed")]
    Mixed,
}

/// Labels stored as text.
#[derive(ColumnType, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[column_type(rename_all = "snake_case")]
pub enum Stage {
    /// Not yet.
    #[default]
    Draft,
    /// Out.
    Published,
}

/// Every option the derive has on a column that the catalog keeps.
#[derive(Model, Debug)]
#[model(bind = "reflect", unique(fields(handle, region)))]
pub struct ReflectAuthor {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(length = 40)]
    pub handle: String,
    #[column(length = 8)]
    pub region: String,
    #[column(length = 120, unique)]
    pub email: String,
    #[column(index)]
    pub bio: Option<String>,
    #[column(server_default = "0")]
    pub karma: Auto<i32>,
    #[column(server_default = "'en'", length = 5)]
    pub language: Auto<String>,
    #[column(server_default = "CURRENT_TIMESTAMP")]
    pub joined_at: Auto<NaiveDateTime>,
}

/// Foreign keys with their actions, a composite index, enums, decimals and every type.
#[derive(Model, Debug)]
#[model(bind = "reflect", index(fields(author_id, published_on)))]
pub struct ReflectPost {
    #[column(primary_key)]
    pub id: Auto<i32>,
    #[column(foreign_key = "reflect_author.id", on_delete = "cascade")]
    pub author_id: i64,
    #[column(foreign_key = "reflect_author.id", on_delete = "set_null")]
    pub editor_id: Option<i64>,
    #[column(foreign_key = "reflect_author.id")]
    pub reviewer_id: Option<i64>,
    pub weather: Weather,
    pub stage: Stage,
    #[column(precision = 10, scale = 2)]
    pub price: Decimal,
    #[column(precision = 6, scale = 3)]
    pub ratio: Option<Decimal>,
    pub small: i16,
    pub real: f32,
    pub double: f64,
    pub flag: bool,
    pub bytes: Vec<u8>,
    pub at_utc: DateTime<Utc>,
    pub published_on: NaiveDate,
    pub at_time: Option<NaiveTime>,
    pub uid: uuid::Uuid,
    pub doc: serde_json::Value,
    pub tags: Json<Vec<String>>,
}

/// A composite primary key, neither part generated.
#[derive(Model, Debug)]
#[model(bind = "reflect")]
pub struct ReflectMembership {
    #[column(primary_key, foreign_key = "reflect_author.id", on_delete = "cascade")]
    pub author_id: i64,
    #[column(primary_key, length = 30)]
    pub team: String,
    #[column(primary_key, autoincrement = false)]
    pub seat: i64,
}

/// For the drift tests: a table changed behind the models' back.
#[derive(Model, Debug)]
#[model(bind = "reflect_drift")]
pub struct DriftUser {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(length = 40)]
    pub name: String,
    pub language: Option<String>,
}

async fn connect(t: &TestDb, bind: &str) -> Database {
    Database::connect(Config::binds_only().bind(bind, t.url.clone()))
        .await
        .unwrap()
}

/// What the models of `bind` expect on `db`'s backend.
fn expected(db: &Database, bind: &str) -> Schema {
    let tables: Vec<_> = registry::tables_in(Some(bind)).collect();
    let backend = db.bind(Some(bind)).unwrap().backend();
    dialect::expected_schema(dialect::for_backend(backend), &tables)
}

fn column<'s>(schema: &'s Schema, table: &str, column: &str) -> &'s ColumnSchema {
    schema
        .table(table)
        .and_then(|t| t.column(column))
        .unwrap_or_else(|| panic!("no column {table}.{column} in {schema:#?}"))
}

async fn reflecting_what_create_all_made_gives_the_models_back(kind: Kind) {
    let Some(t) = TestDb::new(kind, "reflect").await else {
        return;
    };
    let db = connect(&t, "reflect").await;
    db.create_all_in(BindSelection::named("reflect"))
        .await
        .unwrap();
    let reflected = db.reflect(Some("reflect")).await.unwrap();
    let expected = expected(&db, "reflect");
    assert_eq!(reflected, expected);

    // The comparison is not of two empty shells: what the catalog said, spelled out (defaults
    // as compared: each backend writes them its own way, `'en'::character varying`...).
    let names: Vec<&str> = reflected.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        ["reflect_author", "reflect_membership", "reflect_post"]
    );
    let author = reflected.table("reflect_author").unwrap();
    assert_eq!(author.primary_key, ["id"]);
    assert!(column(&reflected, "reflect_author", "id").autoincrement);
    assert_eq!(
        column(&reflected, "reflect_author", "handle").data_type,
        "VARCHAR(40)"
    );
    assert!(column(&reflected, "reflect_author", "bio").nullable);
    assert!(!column(&reflected, "reflect_author", "handle").nullable);
    assert_eq!(
        column(&reflected, "reflect_author", "karma")
            .default_normalized()
            .as_deref(),
        Some("0")
    );
    assert_eq!(
        column(&reflected, "reflect_author", "language")
            .default_normalized()
            .as_deref(),
        Some("'en'")
    );
    assert_eq!(
        column(&reflected, "reflect_author", "joined_at")
            .default_normalized()
            .as_deref(),
        Some("current_timestamp")
    );
    let index = |name: &str| {
        author
            .index(name)
            .unwrap_or_else(|| panic!("no index {name} in {author:#?}"))
    };
    assert_eq!(
        index("uq_reflect_author_handle_region").columns,
        ["handle", "region"]
    );
    assert!(index("uq_reflect_author_handle_region").unique);
    assert!(index("uq_reflect_author_email").constraint);
    assert!(!index("ix_reflect_author_bio").unique);

    let post = reflected.table("reflect_post").unwrap();
    assert!(column(&reflected, "reflect_post", "id").autoincrement);
    let on_delete: Vec<(&str, ReferentialAction)> = post
        .foreign_keys
        .iter()
        .map(|fk| (fk.columns[0].as_str(), fk.on_delete))
        .collect();
    let unspecified = match kind {
        Kind::MySql => ReferentialAction::Restrict,
        _ => ReferentialAction::NoAction,
    };
    assert_eq!(
        on_delete,
        [
            ("author_id", ReferentialAction::Cascade),
            ("editor_id", ReferentialAction::SetNull),
            ("reviewer_id", unspecified)
        ]
    );
    assert_eq!(
        post.foreign_keys[0].name,
        "fk_reflect_post_author_id_reflect_author"
    );
    assert_eq!(
        post.index("ix_reflect_post_author_id_published_on")
            .unwrap()
            .columns,
        ["author_id", "published_on"]
    );
    let labels = ["sunny", "rainy", "it's, mixed"].map(String::from).to_vec();
    let weather = column(&reflected, "reflect_post", "weather");
    let price = &column(&reflected, "reflect_post", "price").data_type;
    match kind {
        Kind::Postgres => {
            assert_eq!(weather.data_type, "weather");
            assert_eq!(reflected.enum_type("weather").unwrap().labels, labels);
            assert_eq!(price, "NUMERIC(10,2)");
        }
        Kind::MySql => {
            assert_eq!(weather.data_type, "ENUM");
            assert_eq!(weather.labels.as_ref(), Some(&labels));
            assert_eq!(price, "DECIMAL(10,2)");
            assert_eq!(column(&reflected, "reflect_post", "doc").data_type, "JSON");
        }
        Kind::SqliteMemory | Kind::SqliteFile => {
            assert_eq!(weather.data_type, "TEXT");
            assert_eq!(weather.labels.as_ref(), Some(&labels));
            assert_eq!(price, "NUMERIC(10,2)");
        }
    }
    let membership = reflected.table("reflect_membership").unwrap();
    assert_eq!(membership.primary_key, ["author_id", "team", "seat"]);
    assert!(membership.columns.iter().all(|c| !c.autoincrement));

    assert!(
        db.check_schema_in(BindSelection::named("reflect"))
            .await
            .unwrap()
            .is_empty()
    );
    db.create_all_strict_in(BindSelection::named("reflect"))
        .await
        .unwrap();
}

/// The user story: a column added to the model, `create_all` run again.
async fn a_column_missing_from_the_table_is_reported_and_strict_create_all_refuses(kind: Kind) {
    let Some(t) = TestDb::new(kind, "reflect_missing").await else {
        return;
    };
    let db = connect(&t, "reflect_drift").await;
    let bind = || BindSelection::named("reflect_drift");
    // The table as an older version of the model made it: no `language` column.
    let sql = match kind {
        Kind::Postgres => {
            "CREATE TABLE drift_user (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name VARCHAR(40) NOT NULL)"
        }
        // The table collation create_all gives MySQL tables, which check_schema compares too.
        Kind::MySql => {
            "CREATE TABLE drift_user (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40) NOT NULL) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
        }
        _ => "CREATE TABLE drift_user (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL)",
    };
    t.catalog.execute(sql).await;

    let report = db.check_schema_in(bind()).await.unwrap();
    assert!(!report.is_empty());
    let found = report.bind(Some("reflect_drift")).unwrap();
    let changes: Vec<String> = found.diff.changes.iter().map(ToString::to_string).collect();
    let text = if kind == Kind::MySql {
        "LONGTEXT"
    } else {
        "TEXT"
    };
    assert_eq!(
        changes,
        [format!("add column drift_user.language {text}")],
        "{report}"
    );
    assert_eq!(found.safety(), Safety::Safe);
    assert!(
        report
            .to_string()
            .contains("add column drift_user.language"),
        "{report}"
    );

    // Plain create_all keeps the old table, as Flask-SQLAlchemy's does...
    db.create_all_in(bind()).await.unwrap();
    // ...the strict one refuses it and says why.
    let error = db.create_all_strict_in(bind()).await.unwrap_err();
    match &error {
        Error::SchemaDrift(report) => assert!(!report.is_empty()),
        other => panic!("expected SchemaDrift, got {other:?}"),
    }
    assert!(
        error.to_string().contains("add column drift_user.language"),
        "{error}"
    );

    // Once the table has the column, nothing is reported.
    t.catalog
        .execute(&format!(
            "ALTER TABLE drift_user ADD COLUMN language {text}"
        ))
        .await;
    let report = db.check_schema_in(bind()).await.unwrap();
    assert!(report.is_empty(), "{report}");
    db.create_all_strict_in(bind()).await.unwrap();
}

async fn a_narrowed_or_retyped_column_is_reported_with_its_risk(kind: Kind) {
    let Some(t) = TestDb::new(kind, "reflect_retyped").await else {
        return;
    };
    let db = connect(&t, "reflect_drift").await;
    let bind = || BindSelection::named("reflect_drift");
    // `name` wider than the model wants, `language` NOT NULL where the model allows NULL, and
    // a table no model declares.
    let (user, other) = match kind {
        Kind::Postgres => (
            "CREATE TABLE drift_user (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name VARCHAR(80) NOT NULL, language TEXT NOT NULL)",
            "CREATE TABLE leftover (id BIGINT PRIMARY KEY)",
        ),
        Kind::MySql => (
            "CREATE TABLE drift_user (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(80) NOT NULL, language LONGTEXT NOT NULL) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
            "CREATE TABLE leftover (id BIGINT PRIMARY KEY)",
        ),
        _ => (
            "CREATE TABLE drift_user (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(80) NOT NULL, language TEXT NOT NULL)",
            "CREATE TABLE leftover (id BIGINT PRIMARY KEY)",
        ),
    };
    t.catalog.execute(user).await;
    t.catalog.execute(other).await;
    let report = db.check_schema_in(bind()).await.unwrap();
    let found = report.bind(Some("reflect_drift")).unwrap();
    let changes: Vec<(String, Safety)> = found
        .diff
        .changes
        .iter()
        .map(|c| (c.to_string(), c.safety()))
        .collect();
    assert_eq!(
        changes,
        [
            (
                "alter column drift_user.name: type VARCHAR(80) -> VARCHAR(40)".to_owned(),
                Safety::Destructive
            ),
            (
                "alter column drift_user.language: drop not null".to_owned(),
                Safety::Safe
            ),
            ("drop table leftover".to_owned(), Safety::Destructive),
        ],
        "{report}"
    );
    let error = db.create_all_strict_in(bind()).await.unwrap_err();
    assert!(matches!(error, Error::SchemaDrift(_)), "{error:?}");
    // The strict check is about the models' tables: the leftover table is not its business.
    let Error::SchemaDrift(report) = error else {
        unreachable!()
    };
    assert!(!report.to_string().contains("leftover"), "{report}");
}
