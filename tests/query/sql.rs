//! The SQL a query renders per dialect: identifiers quoted, every value a placeholder.

use model_core::Value;
use model_core::dialect::{MySqlDialect, PostgresDialect, SqliteDialect};

use crate::models::{Keyed, Person};

#[test]
fn postgres_numbers_placeholders_and_uses_ilike() {
    let query = Person::query()
        .filter(Person::NAME.ilike("a%").or(Keyed::ID.is_in([1, 2])))
        .filter(Person::EMAIL.is_null())
        .order_by(Person::AGE.desc())
        .limit(10)
        .offset(20);
    let (sql, values) = query.to_sql(&PostgresDialect);
    assert_eq!(
        sql,
        [
            r#"SELECT "id", "name", "email", "age", "score", "active" FROM "person""#,
            r#" WHERE (("name" ILIKE $1 ESCAPE '!') OR ("id" IN ($2, $3))) AND ("email" IS NULL)"#,
            r#" ORDER BY "age" DESC LIMIT $4 OFFSET $5"#,
        ]
        .concat()
    );
    assert_eq!(
        values,
        [
            Value::Text("a%".into()),
            Value::BigInt(1),
            Value::BigInt(2),
            Value::BigInt(10),
            Value::BigInt(20)
        ]
    );
}

#[test]
fn mysql_and_sqlite_lowercase_for_ilike_and_need_a_limit_before_offset() {
    let query = Person::query().filter(Person::NAME.ilike("a%")).offset(5);
    let (sql, _) = query.to_sql(&MySqlDialect);
    assert!(
        sql.ends_with(
            "WHERE (LOWER(`name`) LIKE LOWER(?) ESCAPE '!') LIMIT 18446744073709551615 OFFSET ?"
        ),
        "{sql}"
    );
    // SQLite gets its counts as literals: a bound LIMIT would re-prepare at every run.
    let (sql, values) = query.to_sql(&SqliteDialect);
    assert!(
        sql.ends_with("WHERE (LOWER(`name`) LIKE LOWER(?) ESCAPE '!') LIMIT -1 OFFSET 5"),
        "{sql}"
    );
    assert_eq!(values, [Value::Text("a%".into())]);
}

#[test]
fn identical_shapes_render_identical_sql() {
    let a = Person::query()
        .filter(Keyed::ID.eq(1))
        .to_sql(&PostgresDialect);
    let b = Person::query()
        .filter(Keyed::ID.eq(2))
        .to_sql(&PostgresDialect);
    assert_eq!(
        a.0, b.0,
        "values are bound, so the statement text does not change"
    );
    assert_ne!(a.1, b.1);
}

#[test]
fn the_cached_select_head_is_per_dialect_and_left_out_of_distinct() {
    // The head `SELECT <columns> FROM t` is rendered once per model and dialect: a query in
    // one dialect must not hand its quoting to another, nor its head to DISTINCT.
    let columns = ["id", "name", "email", "age", "score", "active"];
    for _ in 0..2 {
        let (pg, _) = Person::query().to_sql(&PostgresDialect);
        let quoted: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
        assert_eq!(pg, format!(r#"SELECT {} FROM "person""#, quoted.join(", ")));
        let (my, _) = Person::query().to_sql(&MySqlDialect);
        let quoted: Vec<String> = columns.iter().map(|c| format!("`{c}`")).collect();
        assert_eq!(my, format!("SELECT {} FROM `person`", quoted.join(", ")));
        let (distinct, _) = Person::query().distinct().to_sql(&SqliteDialect);
        assert_eq!(
            distinct,
            format!("SELECT DISTINCT {} FROM `person`", quoted.join(", "))
        );
    }
}
