//! insert, insert_many, update, delete, bulk update/delete and raw SQL, on every backend.

use model_core::{Auto, Error, Value};
use model_tests::{Kind, per_backend, quoted};

use crate::models::{
    Account, Follow, HOSTILE, Token, created, seeded, seeded_mariadb, single_connection, touched,
};

per_backend!(
    insert_fills_defaults_and_keys,
    insert_many_splits_and_is_atomic,
    update_and_delete_by_key,
    bulk_update_and_delete,
    raw_sql,
    hostile_values_through_writes,
    auto_fields_are_unset_only_when_the_type_says
);

async fn insert_fills_defaults_and_keys(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "insert").await else {
        return;
    };
    let ann = db.insert(&Account::named("ann")).await.unwrap();
    assert!(*ann.id > 0, "generated key: {ann:?}");
    assert_eq!(ann.role, "member", "client default");
    assert_eq!(ann.status, "active", "server default");
    assert_eq!(ann.updated_at, created());
    assert_eq!(ann.note, None);

    // Values that are set are written as given.
    let bob = db
        .insert(&Account {
            role: "admin".into(),
            status: "frozen".into(),
            note: Some("n".into()),
            ..Account::named("bob")
        })
        .await
        .unwrap();
    assert!(*bob.id > *ann.id);
    assert_eq!(
        (bob.role.as_str(), bob.status.as_str(), bob.note.as_deref()),
        ("admin", "frozen", Some("n"))
    );

    let token = db
        .insert(&Token {
            id: Auto::default(),
            label: "t".into(),
        })
        .await
        .unwrap();
    assert!(
        !token.id.is_nil(),
        "a client-default key is generated before the insert"
    );
    let err = db
        .insert(&Token {
            id: token.id,
            label: "dup".into(),
        })
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("inserting into model `Token`"),
        "{err}"
    );
}

async fn insert_many_splits_and_is_atomic(kind: Kind) {
    let Some((t, db)) = seeded(kind, "many").await else {
        return;
    };
    assert_eq!(db.insert_many::<Account>(&[]).await.unwrap(), 0);
    // 20,000 rows of 4 written columns: 20 statements of 1,000 rows, in one transaction.
    let rows: Vec<Account> = (0..20_000)
        .map(|i| Account::named(&format!("user{i}")))
        .collect();
    db.record_queries(4);
    assert_eq!(db.insert_many(&rows).await.unwrap(), 20_000);
    let recorded = db.take_recorded_queries();
    assert_eq!(recorded.len(), 1, "one entry for the transaction");
    assert_eq!(recorded[0].sql.matches("INSERT INTO").count(), 20);
    let values: usize = recorded[0]
        .params
        .iter()
        .map(|p| match p {
            Value::Array(_, elements) => elements.len(),
            _ => 1,
        })
        .sum();
    assert_eq!(values, 80_000, "every value bound");
    if kind == Kind::Postgres {
        // One array per column: four parameters per statement, whatever its rows.
        assert_eq!(recorded[0].params.len(), 80);
        assert_eq!(
            recorded[0]
                .sql
                .matches("FROM UNNEST($1, $2, $3, $4)")
                .count(),
            20
        );
    } else {
        assert_eq!(recorded[0].params.len(), 80_000);
    }
    db.record_queries(0);
    assert_eq!(t.catalog.count("account").await, 20_000);
    let last = Account::query()
        .filter(Account::USERNAME.eq("user19999"))
        .one(&db)
        .await
        .unwrap();
    assert_eq!(
        (last.role.as_str(), last.status.as_str()),
        ("member", "active")
    );

    // A duplicate in the last statement rolls back the statements before it.
    let mut again: Vec<Account> = (0..20_000)
        .map(|i| Account::named(&format!("again{i}")))
        .collect();
    again.push(Account::named("user0"));
    let err = db.insert_many(&again).await.unwrap_err();
    assert!(matches!(err, Error::Database { .. }), "{err:?}");
    assert_eq!(
        t.catalog.count("account").await,
        20_000,
        "nothing of the failed batch remains"
    );

    // Rows that fit one statement go without BEGIN/COMMIT: the statement alone is atomic.
    db.record_queries(16);
    let few = [
        Account::named("few0"),
        Account::named("few1"),
        Account::named("user1"),
    ];
    let err = db.insert_many(&few).await.unwrap_err();
    assert!(matches!(err, Error::Database { .. }), "{err:?}");
    let sql = sent(&db);
    assert_eq!(sql.len(), 1, "{sql:?}");
    assert!(sql[0].starts_with("INSERT INTO"), "{sql:?}");
    assert_eq!(t.catalog.count("account").await, 20_000);
    assert_eq!(db.insert_many(&few[..2]).await.unwrap(), 2);
    assert_eq!(t.catalog.count("account").await, 20_002);
}

/// On PostgreSQL, inserts of 32 rows or more bind arrays: one text whatever their size, so a
/// connection prepares it once. Fewer rows are listed, a text per size.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_inserts_of_any_size_share_one_prepared_statement() {
    let Some((t, _)) = seeded(Kind::Postgres, "prepared").await else {
        return;
    };
    // One connection, so the session asked below is the one that inserted.
    let db = single_connection(&t).await;
    let mut next = 0;
    let mut insert = async |rows: usize| {
        let batch: Vec<Account> = (next..next + rows)
            .map(|i| Account::named(&format!("size{i}")))
            .collect();
        next += rows;
        assert_eq!(db.insert_many(&batch).await.unwrap(), rows as u64);
    };
    for rows in 32..=60 {
        insert(rows).await;
    }
    insert(2).await;
    insert(3).await;
    // A SELECT's command tag counts its rows.
    let prepared = db
        .execute_raw(
            Some("query"),
            r#"SELECT 1 FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO "account"%'"#,
            &[],
        )
        .await
        .unwrap();
    assert_eq!(prepared, 3, "one for 32 to 60 rows, one each for 2 and 3");
    assert_eq!(t.catalog.count("account").await, 1_339);
}

/// A `mariadb:` URL inserts with `INSERT ... RETURNING`: one statement gives back the row with
/// its generated key and defaults, where `mysql:` inserts and then reads the row back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_url_inserts_with_returning() {
    let Some((_t, by_mysql, db)) = seeded_mariadb("mariadb").await else {
        return;
    };
    for (db, statements) in [(&db, 1), (&by_mysql, 2)] {
        db.record_queries(8);
        let ann = db.insert(&Account::named("ann")).await.unwrap();
        let sql = sent(db);
        assert_eq!(sql.len(), statements, "{sql:?}");
        assert_eq!(sql[0].contains(" RETURNING "), statements == 1, "{sql:?}");
        assert!(*ann.id > 0, "generated key: {ann:?}");
        assert_eq!(
            (ann.role.as_str(), ann.status.as_str()),
            ("member", "active")
        );
        db.delete(&ann).await.unwrap();
    }
}

async fn update_and_delete_by_key(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "update").await else {
        return;
    };
    let mut ann = db.insert(&Account::named("ann")).await.unwrap();
    ann.note = Some("changed".into());
    ann.role = "owner".into();

    // `update` sends the UPDATE alone and reads nothing back.
    db.record_queries(8);
    db.update(&ann).await.unwrap();
    let sql = sent(&db);
    assert_eq!(sql.len(), 1, "{sql:?}");
    assert!(
        sql[0].starts_with("UPDATE ") && !sql[0].contains("RETURNING"),
        "{sql:?}"
    );
    let stored = Account::query().get(&db, ann.id).await.unwrap().unwrap();
    assert_eq!(stored.note.as_deref(), Some("changed"));
    assert_eq!(stored.role, "owner");
    assert_eq!(stored.updated_at, touched(), "onupdate applied");

    // `update_returning` returns the row as stored, `onupdate` values included.
    ann.note = Some("again".into());
    let returned = db.update_returning(&ann).await.unwrap();
    assert_eq!(returned.note.as_deref(), Some("again"));
    assert_eq!(returned.updated_at, touched(), "onupdate applied");
    assert_eq!(
        Account::query().get(&db, ann.id).await.unwrap(),
        Some(returned.clone())
    );
    let stored = returned;

    db.delete(&stored).await.unwrap();
    assert!(Account::query().get(&db, ann.id).await.unwrap().is_none());
    assert!(matches!(
        db.delete(&stored).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        db.update(&stored).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        db.update_returning(&stored).await,
        Err(Error::NotFound { .. })
    ));

    // A row that is nothing but its key: the update only checks that it exists.
    let follow = Follow {
        follower: 5,
        followed: 6,
    };
    assert!(matches!(
        db.update(&follow).await,
        Err(Error::NotFound { .. })
    ));
    db.insert(&follow).await.unwrap();
    db.update(&follow).await.unwrap();
    assert_eq!(db.update_returning(&follow).await.unwrap(), follow);
}

async fn bulk_update_and_delete(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "bulk").await else {
        return;
    };
    let rows: Vec<Account> = (0..10)
        .map(|i| Account::named(&format!("bulk{i}")))
        .collect();
    db.insert_many(&rows).await.unwrap();
    db.insert(&Account::named("keep")).await.unwrap();

    let q = Account::query().filter(Account::USERNAME.starts_with("bulk"));
    assert_eq!(
        q.update(&db, [Account::NOTE.set(Some("bulk".to_owned()))])
            .await
            .unwrap(),
        10
    );
    let updated = q.all(&db).await.unwrap();
    assert!(
        updated
            .iter()
            .all(|a| a.note.as_deref() == Some("bulk") && a.updated_at == touched())
    );
    assert_eq!(
        q.update(&db, [Account::NOTE.set(None)]).await.unwrap(),
        10,
        "NULL through set(None)"
    );

    let err = q.clone().limit(1).delete(&db).await.unwrap_err();
    assert!(matches!(err, Error::Unsupported(_)), "{err:?}");
    assert_eq!(q.delete(&db).await.unwrap(), 10);
    assert_eq!(Account::query().count(&db).await.unwrap(), 1);
    assert_eq!(q.delete(&db).await.unwrap(), 0);
}

async fn raw_sql(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "raw").await else {
        return;
    };
    let (p1, p2) = if kind == Kind::Postgres {
        ("$1", "$2")
    } else {
        ("?", "?")
    };
    let table = quoted(kind, "account");
    let sql = format!(
        "INSERT INTO {table} (username, role, status, updated_at) VALUES ({p1}, {p2}, 'x', CURRENT_TIMESTAMP)"
    );
    assert_eq!(
        db.execute_raw(Some("query"), &sql, &[Value::from("raw"), Value::from("r")])
            .await
            .unwrap(),
        1
    );
    let sql = format!("SELECT * FROM {table} WHERE username = {p1}");
    let found: Vec<Account> = db.fetch_raw(&sql, &[Value::from("raw")]).await.unwrap();
    assert_eq!((found.len(), found[0].role.as_str()), (1, "r"));
    // An array is one parameter on PostgreSQL, and refused elsewhere.
    let names = Value::Array(
        model_core::SqlType::Text,
        vec![Value::from("raw"), Value::from("nobody")],
    );
    if kind == Kind::Postgres {
        let sql = format!("SELECT * FROM {table} WHERE username = ANY($1)");
        let found: Vec<Account> = db.fetch_raw(&sql, &[names]).await.unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].username, "raw");
    } else {
        let sql = format!("SELECT * FROM {table} WHERE username IN ({p1})");
        let err = db.fetch_raw::<Account>(&sql, &[names]).await.unwrap_err();
        assert!(err.to_string().contains("has no array parameters"), "{err}");
    }
    let err = db
        .execute_raw(Some("query"), "NOT SQL", &[])
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("bind \"query\": running raw SQL"),
        "{err}"
    );
}

async fn hostile_values_through_writes(kind: Kind) {
    let Some((t, db)) = seeded(kind, "hostile_writes").await else {
        return;
    };
    for name in HOSTILE {
        let stored = db
            .insert(&Account {
                note: Some(name.to_owned()),
                ..Account::named(name)
            })
            .await
            .unwrap();
        assert_eq!(
            (stored.username.as_str(), stored.note.as_deref()),
            (name, Some(name))
        );
    }
    let long = "é".repeat(60) + &"x".repeat(10_000);
    let stored = db
        .insert(&Account {
            note: Some(long.clone()),
            ..Account::named("long")
        })
        .await
        .unwrap();
    assert_eq!(stored.note.as_deref(), Some(long.as_str()));
    for name in HOSTILE {
        assert_eq!(
            Account::query()
                .filter(Account::USERNAME.eq(name))
                .delete(&db)
                .await
                .unwrap(),
            1,
            "{name:?}"
        );
    }
    assert_eq!(t.catalog.count("account").await, 1);

    // The same names in one multi-row insert (one array per column on PostgreSQL).
    let rows: Vec<Account> = HOSTILE
        .iter()
        .map(|name| Account {
            note: Some(name.to_string()),
            ..Account::named(name)
        })
        .collect();
    assert_eq!(db.insert_many(&rows).await.unwrap(), HOSTILE.len() as u64);
    for name in HOSTILE {
        let stored = Account::query()
            .filter(Account::USERNAME.eq(name))
            .one(&db)
            .await
            .unwrap();
        assert_eq!(stored.note.as_deref(), Some(name), "{name:?}");
    }
    assert_eq!(
        t.catalog.count("person").await,
        30,
        "no statement escaped its values"
    );
}

/// The SQL of the statements `db` recorded since the last call, in order.
fn sent(db: &model_core::Database) -> Vec<String> {
    db.take_recorded_queries()
        .into_iter()
        .map(|r| r.sql)
        .collect()
}

async fn auto_fields_are_unset_only_when_the_type_says(kind: Kind) {
    let Some((t, db)) = seeded(kind, "auto").await else {
        return;
    };
    // Explicit zero values of defaulted columns are stored as written.
    let epoch = chrono::NaiveDateTime::default();
    let zero = db
        .insert(&Account {
            role: Auto::set(String::new()),
            status: "".into(),
            updated_at: Auto::set(epoch),
            ..Account::named("zero")
        })
        .await
        .unwrap();
    assert_eq!(
        (zero.role.as_str(), zero.status.as_str(), *zero.updated_at),
        ("", "", epoch)
    );
    let read = Account::query().get(&db, zero.id).await.unwrap().unwrap();
    assert_eq!(read, zero);
    assert!(read.role.is_set() && read.id.is_set(), "rows read are set");

    // Unset ones take the defaults.
    let unset = db.insert(&Account::named("unset")).await.unwrap();
    assert_eq!(
        (
            unset.role.as_str(),
            unset.status.as_str(),
            *unset.updated_at
        ),
        ("member", "active", created())
    );

    // An update leaves an unset field's column as it is; `onupdate` still applies.
    let partial = Account {
        id: unset.id,
        status: Auto::default(),
        note: Some("changed".into()),
        role: "admin".into(),
        ..Account::named("unset")
    };
    db.update(&partial).await.unwrap();
    let after = Account::query().get(&db, unset.id).await.unwrap().unwrap();
    assert_eq!(
        (
            after.role.as_str(),
            after.status.as_str(),
            after.note.as_deref()
        ),
        ("admin", "active", Some("changed"))
    );
    assert_eq!(after.updated_at, touched());
    let returned = db.update_returning(&partial).await.unwrap();
    assert_eq!(returned.status, "active");
    // Asking for an unset field's column by name is a mistake, said as one.
    let err = db
        .update_columns(&partial, [Account::STATUS.into()])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Unsupported(m) if m.contains("unset `Auto` field")),
        "{err:?}"
    );

    // A row with an unset key cannot be updated or deleted: the error says why.
    let err = db.update(&Account::named("nobody")).await.unwrap_err();
    assert!(err.to_string().contains("unset `Auto` field"), "{err}");
    let err = db.delete(&Account::named("nobody")).await.unwrap_err();
    assert!(err.to_string().contains("unset `Auto` field"), "{err}");
    assert_eq!(t.catalog.count("account").await, 2);
}
