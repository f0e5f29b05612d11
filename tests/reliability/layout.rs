//! The safety of the layout: `drop_all` drops only tables that models declare, never a table
//! of the same name in another schema or another bind's database, and a model bound to one
//! bind never reads or writes another.

use model_core::{BindSelection, Config, Database, Model, PoolConfig};
use model_tests::{Kind, quoted};

use crate::models::Item;
use crate::servers::{self, per_backend};

/// A model of the second bind, whose table name also exists in the default database.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "second", table = "shared_name")]
struct SecondOnly {
    #[column(primary_key, autoincrement = false)]
    id: i64,
    note: String,
}

per_backend!(
    drop_all_leaves_undeclared_tables_and_other_binds_alone,
    a_model_never_touches_another_bind
);

/// Two databases: the default bind's and the second bind's, each with a table that only the
/// other bind declares, holding a row.
async fn two_binds(
    kind: Kind,
    label: &str,
) -> Option<(model_tests::TestDb, model_tests::TestDb, Database)> {
    let (first, first_url) = servers::database(kind, label).await?;
    let (second, second_url) = servers::database(kind, label).await?;
    let q = |name| quoted(kind, name);
    first
        .catalog
        .execute(&format!(
            "CREATE TABLE {} (id BIGINT PRIMARY KEY, note VARCHAR(20))",
            q("shared_name")
        ))
        .await;
    first
        .catalog
        .execute(&format!(
            "INSERT INTO {} VALUES (1, 'default db')",
            q("shared_name")
        ))
        .await;
    second
        .catalog
        .execute(&format!(
            "CREATE TABLE {} (id BIGINT PRIMARY KEY, owner INT)",
            q("rel_item")
        ))
        .await;
    second
        .catalog
        .execute(&format!("INSERT INTO {} VALUES (1, 2)", q("rel_item")))
        .await;
    first
        .catalog
        .execute(&format!("CREATE TABLE {} (id INT)", q("not_a_model")))
        .await;
    let db = Database::connect(
        Config::new(first_url)
            .bind("second", second_url)
            .default_pool(PoolConfig::default()),
    )
    .await
    .unwrap();
    Some((first, second, db))
}

const BOTH: [Option<&str>; 2] = [None, Some("second")];

async fn drop_all_leaves_undeclared_tables_and_other_binds_alone(kind: Kind) {
    let _servers = servers::shared().await;
    let Some((first, second, db)) = two_binds(kind, "drop_layout").await else {
        return;
    };
    if kind == Kind::Postgres {
        // A table with a model's name in another schema of the same database.
        first.catalog.execute("CREATE SCHEMA other").await;
        first
            .catalog
            .execute("CREATE TABLE other.rel_item (id BIGINT PRIMARY KEY)")
            .await;
        first
            .catalog
            .execute("INSERT INTO other.rel_item VALUES (42)")
            .await;
    }
    db.create_all_in(BindSelection::list(BOTH)).await.unwrap();
    db.insert(&Item::new(5, 0, 5)).await.unwrap();
    db.drop_all_in(BindSelection::list(BOTH)).await.unwrap();

    assert_eq!(
        first.catalog.tables().await,
        ["not_a_model", "shared_name"],
        "the default database keeps what no default model declares"
    );
    assert_eq!(first.catalog.count("shared_name").await, 1);
    assert_eq!(
        second.catalog.tables().await,
        ["rel_item"],
        "the second database keeps what no model of its bind declares"
    );
    assert_eq!(second.catalog.count("rel_item").await, 1);
    if kind == Kind::Postgres {
        let kept = first
            .catalog
            .strings("SELECT id::text FROM other.rel_item")
            .await;
        assert_eq!(
            kept,
            ["42"],
            "another schema's table of the same name survives"
        );
    }
}

async fn a_model_never_touches_another_bind(kind: Kind) {
    let _servers = servers::shared().await;
    let Some((first, second, db)) = two_binds(kind, "bind_layout").await else {
        return;
    };
    db.create_all_in(BindSelection::list(BOTH)).await.unwrap();
    db.record_queries(100);
    let row = SecondOnly {
        id: 7,
        note: "second db".into(),
    };
    db.insert(&row).await.unwrap();
    assert_eq!(SecondOnly::query().all(&db).await.unwrap(), [row]);
    SecondOnly::query()
        .filter(SecondOnly::ID.eq(7))
        .update(&db, [SecondOnly::NOTE.set("changed".to_owned())])
        .await
        .unwrap();
    db.insert(&Item::new(3, 0, 3)).await.unwrap();
    assert_eq!(Item::query().count(&db).await.unwrap(), 1);

    for query in db.recorded_queries() {
        let expected = if query.sql.contains("shared_name") {
            "\"second\""
        } else {
            "default"
        };
        assert_eq!(query.bind, expected, "{}", query.sql);
    }
    // The default database's table of the same name still has only its own row.
    let notes = first
        .catalog
        .strings(&format!("SELECT note FROM {}", quoted(kind, "shared_name")))
        .await;
    assert_eq!(notes, ["default db"]);
    let notes = second
        .catalog
        .strings(&format!("SELECT note FROM {}", quoted(kind, "shared_name")))
        .await;
    assert_eq!(notes, ["changed"]);
    assert_eq!(second.catalog.count("rel_item").await, 1, "untouched");
}
