//! Column types of the user's own and the added built-in ones, on every backend: each round-trips
//! its extremes through insert, get, filters, `is_in`, update, bulk update and `insert_many`;
//! values no variant or type can hold are errors that say where and what; native enums are
//! created and dropped with the tables, idempotently, per bind.

mod models;
mod rows;

use model_core::{BindSelection, Config, Database, Json};
use model_tests::{Kind, TestDb, per_backend, quoted};

use models::{
    Diary, Email, Member, MemberId, Mood, Palette, Priority, Rgb, Settings, Status, dec, hms_micro,
    member, open,
};

per_backend!(
    extremes_round_trip,
    filters_compare_with_the_type_itself,
    updates_and_insert_many_bind_every_type,
    unreadable_values_name_the_column_and_the_value,
    native_enums_follow_the_tables,
    catalog_shows_the_promised_types,
    a_type_mapped_by_hand_works_like_a_built_in_one
);

/// Rows at the edges of each type.
fn extremes() -> Vec<Member> {
    let mut low = member(1);
    low.status = Status::OnHold;
    low.mood = Mood::Complicated;
    low.old_mood = Some(Mood::Sad);
    low.priority = Priority::Urgent;
    low.balance = dec("-9999999999.99");
    low.wide = Some(dec("-0.0000000001"));
    low.opens_at = hms_micro(0, 0, 0, 0);
    low.small = u8::MIN;
    low.medium = u16::MIN;
    low.large = u32::MIN;
    low.tiny = i8::MIN;
    low.born = time::Date::from_calendar_date(1000, time::Month::January, 1).unwrap();
    low.wakes = time::Time::MIDNIGHT;
    low.settings = Json(Settings::default());

    let mut high = member(2);
    high.status = Status::Archived;
    high.priority = Priority::High;
    high.balance = dec("9999999999.99");
    high.wide = Some(dec("999999999999999999.9999999999"));
    high.opens_at = hms_micro(23, 59, 59, 999_999);
    high.small = u8::MAX;
    high.medium = u16::MAX;
    high.large = u32::MAX;
    high.tiny = i8::MAX;
    high.born = time::Date::from_calendar_date(9999, time::Month::December, 31).unwrap();
    high.wakes = time::Time::from_hms_micro(23, 59, 59, 999_999).unwrap();
    high.stamped = time::OffsetDateTime::from_unix_timestamp(1_700_000_000)
        .unwrap()
        .to_offset(time::UtcOffset::from_hms(5, 30, 0).unwrap());
    high.settings = Json(Settings {
        theme: "ünïcödé \"quoted\" \\ back".into(),
        tags: vec!["a".into(), String::new(), "🎉".into()],
        limits: [("x".to_owned(), i64::MAX), ("y".to_owned(), i64::MIN)]
            .into_iter()
            .collect(),
        child: Some(Box::new(Settings {
            theme: "inner".into(),
            child: Some(Box::new(Settings::default())),
            ..Settings::default()
        })),
    });
    vec![low, high, member(3)]
}

async fn extremes_round_trip(kind: Kind) {
    let Some((_t, db)) = open(kind, "extremes").await else {
        return;
    };
    for row in extremes() {
        let stored = db.insert(&row).await.unwrap();
        assert!(stored.id.0 > 0, "generated newtype key: {stored:?}");
        let read = Member::query().get(&db, stored.id).await.unwrap().unwrap();
        let expected = Member {
            id: stored.id,
            ..row.clone()
        };
        assert_eq!(read, expected);
        // The instant is kept; it is read back at UTC.
        assert_eq!(read.stamped.offset(), time::UtcOffset::UTC);
    }
}

async fn filters_compare_with_the_type_itself(kind: Kind) {
    let Some((_t, db)) = open(kind, "filters").await else {
        return;
    };
    let mut ids = Vec::new();
    for row in extremes() {
        ids.push(*db.insert(&row).await.unwrap().id);
    }
    let mut referring = member(4);
    referring.referrer = Some(ids[0]);
    let referring = db.insert(&referring).await.unwrap();

    let count = |q: model_core::Select<Member>| {
        let db = &db;
        async move { q.count(db).await.unwrap() }
    };
    assert_eq!(
        count(Member::query().filter(Member::STATUS.eq(Status::OnHold))).await,
        1
    );
    assert_eq!(
        count(Member::query().filter(Member::STATUS.eq(Status::Archived))).await,
        1
    );
    assert_eq!(
        count(Member::query().filter(Member::MOOD.eq(Mood::Complicated))).await,
        1
    );
    assert_eq!(
        count(Member::query().filter(Member::MOOD.is_in([Mood::Happy, Mood::Complicated]))).await,
        4
    );
    assert_eq!(
        count(Member::query().filter(Member::MOOD.not_in([Mood::Happy]))).await,
        1
    );
    assert_eq!(
        count(Member::query().filter(Member::OLD_MOOD.eq(Mood::Sad))).await,
        1
    );
    assert_eq!(
        count(Member::query().filter(Member::OLD_MOOD.is_null())).await,
        3
    );
    assert_eq!(
        count(Member::query().filter(Member::PRIORITY.eq(Priority::Urgent))).await,
        1
    );
    assert_eq!(
        count(Member::query().filter(Member::PRIORITY.is_in([Priority::High, Priority::Low])))
            .await,
        3
    );
    assert_eq!(
        count(Member::query().filter(Member::ID.is_in([ids[0], ids[2]]))).await,
        2
    );
    assert_eq!(
        count(Member::query().filter(Member::REFERRER.eq(ids[0]))).await,
        1
    );
    assert_eq!(
        count(Member::query().filter(Member::EMAIL.eq(Email("m2@example.com".into())))).await,
        1
    );
    assert_eq!(
        count(Member::query().filter(Member::BALANCE.gt(dec("10.49")))).await,
        3
    );
    assert_eq!(
        count(Member::query().filter(Member::BALANCE.eq(dec("10.5")))).await,
        2
    );
    assert_eq!(
        count(Member::query().filter(Member::OPENS_AT.ge(hms_micro(23, 59, 59, 999_999)))).await,
        1
    );
    assert_eq!(
        count(Member::query().filter(Member::LARGE.eq(u32::MAX))).await,
        1
    );
    let got = Member::query()
        .get(&db, referring.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.referrer, Some(ids[0]));

    // Pages ordered by the newtype key.
    let page = Member::query()
        .order_by(Member::ID.desc())
        .paginate(&db, 1, 3, true)
        .await
        .unwrap();
    let keys: Vec<MemberId> = page.items.iter().map(|m| *m.id).collect();
    assert_eq!(keys, vec![*referring.id, ids[2], ids[1]]);
    assert_eq!(page.total, 4);
}

async fn updates_and_insert_many_bind_every_type(kind: Kind) {
    let Some((_t, db)) = open(kind, "updates").await else {
        return;
    };
    let rows = extremes();
    assert_eq!(db.insert_many(&rows).await.unwrap(), 3);
    let mut stored = Member::query()
        .order_by(Member::ID.asc())
        .all(&db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 3);
    for (read, written) in stored.iter().zip(&rows) {
        assert_eq!(
            read,
            &Member {
                id: read.id,
                ..written.clone()
            }
        );
    }

    // Enough rows for PostgreSQL to bind one array per column (enum labels as `text[]` cast
    // to the native type's array, decimals, times...), NULLs among them.
    let many: Vec<Member> = (0..40)
        .map(|i| {
            let mut row = rows[i % 3].clone();
            row.email = Email(format!("many{i}@example.com"));
            row.mood = [Mood::Happy, Mood::Sad, Mood::Complicated][i % 3];
            row.old_mood = (i % 2 == 0).then_some(Mood::Sad);
            row.wide = (i % 4 == 0).then(|| dec(&format!("-{i}.0000000001")));
            row.small = i as u8;
            row
        })
        .collect();
    assert_eq!(db.insert_many(&many).await.unwrap(), 40);
    let read = Member::query()
        .filter(Member::EMAIL.starts_with("many"))
        .order_by(Member::ID.asc())
        .all(&db)
        .await
        .unwrap();
    assert_eq!(read.len(), 40);
    for (read, written) in read.iter().zip(&many) {
        assert_eq!(
            read,
            &Member {
                id: read.id,
                ..written.clone()
            }
        );
    }
    Member::query()
        .filter(Member::EMAIL.starts_with("many"))
        .delete(&db)
        .await
        .unwrap();

    // An update by key writes every type back.
    let mut first = stored.remove(0);
    first.mood = Mood::Sad;
    first.old_mood = None;
    first.status = Status::Active;
    first.priority = Priority::High;
    first.balance = dec("0.01");
    first.wide = None;
    first.settings.tags.push("added".into());
    first.born = time::Date::from_calendar_date(2000, time::Month::February, 29).unwrap();
    db.update(&first).await.unwrap();
    assert_eq!(
        Member::query().get(&db, first.id).await.unwrap(),
        Some(first)
    );

    // A bulk update binds each type in SET and WHERE.
    let updated = Member::query()
        .filter(Member::MOOD.is_in([Mood::Happy, Mood::Sad]))
        .update(
            &db,
            [
                Member::MOOD.set(Mood::Complicated),
                Member::OLD_MOOD.set(Some(Mood::Happy)),
                Member::STATUS.set(Status::OnHold),
                Member::PRIORITY.set(Priority::Urgent),
                Member::BALANCE.set(dec("-0.99")),
                Member::OPENS_AT.set(hms_micro(23, 59, 59, 999_999)),
            ],
        )
        .await
        .unwrap();
    assert_eq!(updated, 3);
    let all = Member::query().all(&db).await.unwrap();
    assert!(all.iter().all(|m| m.mood == Mood::Complicated
        && m.old_mood == Some(Mood::Happy)
        && m.status == Status::OnHold
        && m.priority == Priority::Urgent
        && m.balance == dec("-0.99")
        && m.opens_at == hms_micro(23, 59, 59, 999_999)));
}

async fn unreadable_values_name_the_column_and_the_value(kind: Kind) {
    let Some((t, db)) = open(kind, "unreadable").await else {
        return;
    };
    let row = db.insert(&member(1)).await.unwrap();
    let id = row.id.0;
    // Stores `set` (column = SQL value pairs) behind the model's back, then reads the row:
    // the error's text must name each of `parts`.
    let corrupt = async |set: &[(&str, &str)], parts: &[&str]| {
        let set: Vec<String> = set
            .iter()
            .map(|(column, value)| format!("{} = {value}", quoted(kind, column)))
            .collect();
        t.catalog
            .execute(&format!(
                "UPDATE {} SET {} WHERE {} = {id}",
                quoted(kind, "member"),
                set.join(", "),
                quoted(kind, "id")
            ))
            .await;
        let text = Member::query()
            .get(&db, row.id)
            .await
            .unwrap_err()
            .to_string();
        for part in parts {
            assert!(text.contains(part), "{part} missing from: {text}");
        }
    };

    // A label no variant has (text storage takes any text).
    corrupt(
        &[("status", "'retired'")],
        &[
            "\"status\"",
            "\"member\"",
            "'retired'",
            "`Status`",
            "'active', 'on_hold', 'gone'",
        ],
    )
    .await;
    // A discriminant no variant has.
    corrupt(
        &[("status", "'gone'"), ("priority", "7")],
        &[
            "\"priority\"",
            "7",
            "`Priority`",
            "1 (Low), 10 (High), -5 (Urgent)",
        ],
    )
    .await;
    // A JSON document that does not fit the type.
    let document = if kind == Kind::Postgres {
        "'{\"theme\": 5}'::jsonb"
    } else {
        "'{\"theme\": 5}'"
    };
    corrupt(
        &[("priority", "1"), ("settings", document)],
        &["\"settings\"", "does not fit", "Settings"],
    )
    .await;

    // A native enum refuses a label no variant has, in the database itself.
    let refused = sqlx_update_refused(&t, kind, &quoted(kind, "member"), id).await;
    assert!(
        refused,
        "the {kind:?} database took a label outside the enum"
    );
}

/// Whether the database refuses to store a label outside the native enum `mood`.
async fn sqlx_update_refused(t: &TestDb, kind: Kind, table: &str, id: i64) -> bool {
    let sql = format!(
        "UPDATE {table} SET {} = 'angry' WHERE {} = {id}",
        quoted(kind, "mood"),
        quoted(kind, "id")
    );
    let result = match &t.catalog {
        model_tests::Catalog::Sqlite(pool) => sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(pool)
            .await
            .map(|_| ()),
        model_tests::Catalog::Postgres(pool) => sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(pool)
            .await
            .map(|_| ()),
        model_tests::Catalog::MySql(pool) => {
            // Strict mode refuses; a lax server would store ''.
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(pool)
                .await
                .map(|_| ())
        }
    };
    result.is_err()
}

async fn native_enums_follow_the_tables(kind: Kind) {
    let Some(first) = TestDb::new(kind, "enum_a").await else {
        return;
    };
    let Some(second) = TestDb::new(kind, "enum_b").await else {
        return;
    };
    let db = Database::connect(
        Config::binds_only()
            .bind("types", first.url.clone())
            .bind("diary", second.url.clone()),
    )
    .await
    .unwrap();
    for _ in 0..2 {
        db.create_all().await.unwrap();
    }
    assert_eq!(has_type(kind, &first).await, kind == Kind::Postgres);
    assert_eq!(has_type(kind, &second).await, kind == Kind::Postgres);
    let day = db
        .insert(&Diary {
            day: 1,
            mood: Mood::Complicated,
        })
        .await
        .unwrap();
    assert_eq!(day.mood, Mood::Complicated);
    assert_eq!(
        Diary::query()
            .filter(Diary::MOOD.eq(Mood::Complicated))
            .count(&db)
            .await
            .unwrap(),
        1
    );
    for _ in 0..2 {
        db.drop_all_in(BindSelection::named("diary")).await.unwrap();
    }
    assert!(!has_type(kind, &second).await, "drop_all drops the type");
    assert_eq!(
        has_type(kind, &first).await,
        kind == Kind::Postgres,
        "other binds keep theirs"
    );
    for _ in 0..2 {
        db.drop_all().await.unwrap();
    }
    assert!(!has_type(kind, &first).await);
    assert!(first.catalog.tables().await.is_empty());
    db.create_all().await.unwrap();
    assert_eq!(has_type(kind, &first).await, kind == Kind::Postgres);
    db.insert(&member(1)).await.unwrap();
    // The pooled connections that bound the enum before it was dropped and made again bind
    // the new type, not the one they looked up then.
    let again = db
        .insert(&Diary {
            day: 2,
            mood: Mood::Sad,
        })
        .await
        .unwrap();
    assert_eq!(again.mood, Mood::Sad);
    assert_eq!(
        Diary::query()
            .filter(Diary::MOOD.is_in([Mood::Sad, Mood::Happy]))
            .count(&db)
            .await
            .unwrap(),
        1
    );
}

/// Whether the PostgreSQL enum type `mood` exists in the test database (never elsewhere).
async fn has_type(kind: Kind, t: &TestDb) -> bool {
    kind == Kind::Postgres
        && !t
            .catalog
            .strings("SELECT typname::text FROM pg_type WHERE typname = 'mood'")
            .await
            .is_empty()
}

async fn catalog_shows_the_promised_types(kind: Kind) {
    let Some((t, _db)) = open(kind, "catalog").await else {
        return;
    };
    let columns = t.catalog.columns("member").await;
    let type_of = |name: &str| {
        columns
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no column {name}: {columns:?}"))
            .data_type
            .clone()
    };
    let expected: &[(&str, &str)] = match kind {
        Kind::SqliteMemory | Kind::SqliteFile => &[
            ("id", "integer"),
            ("email", "varchar(120)"),
            ("status", "text"),
            ("mood", "text"),
            ("priority", "smallint"),
            ("settings", "text"),
            ("balance", "numeric(12, 2)"),
            ("wide", "text"),
            ("opens_at", "time"),
            ("small", "smallint"),
            ("medium", "int"),
            ("large", "bigint"),
            ("born", "date"),
            ("stamped", "datetime"),
        ],
        Kind::Postgres => &[
            ("id", "bigint"),
            ("email", "character varying(120)"),
            ("status", "text"),
            ("mood", "user-defined"),
            ("priority", "smallint"),
            ("settings", "jsonb"),
            ("balance", "numeric"),
            ("wide", "numeric"),
            ("opens_at", "time without time zone"),
            ("small", "smallint"),
            ("medium", "integer"),
            ("large", "bigint"),
            ("born", "date"),
            ("stamped", "timestamp with time zone"),
        ],
        Kind::MySql => &[
            ("id", "bigint(20)"),
            ("email", "varchar(120)"),
            ("status", "longtext"),
            ("mood", "enum('happy','sad','it''s complicated')"),
            ("priority", "smallint(6)"),
            ("balance", "decimal(12,2)"),
            ("wide", "decimal(28,10)"),
            ("opens_at", "time(6)"),
            ("small", "smallint(6)"),
            ("medium", "int(11)"),
            ("large", "bigint(20)"),
            ("born", "date"),
            ("stamped", "datetime(6)"),
        ],
    };
    for (column, ty) in expected {
        assert_eq!(type_of(column).to_lowercase(), *ty, "column {column}");
    }
    let ids = t.catalog.columns("member").await;
    assert!(
        ids[0].generated,
        "the newtype key is generated: {:?}",
        ids[0]
    );
}

async fn a_type_mapped_by_hand_works_like_a_built_in_one(kind: Kind) {
    let Some((t, db)) = open(kind, "by_hand").await else {
        return;
    };
    let rows: Vec<Palette> = (0..40u8)
        .map(|i| Palette {
            id: Default::default(),
            color: Rgb(i, 255 - i, 7),
            accent: (i % 2 == 0).then_some(Rgb(0, 0, i)),
        })
        .collect();
    assert_eq!(db.insert_many(&rows).await.unwrap(), 40);
    let stored = db
        .insert(&Palette {
            id: Default::default(),
            color: Rgb(255, 0, 0),
            accent: None,
        })
        .await
        .unwrap();
    let red = Palette::query()
        .filter(Palette::COLOR.eq(Rgb(255, 0, 0)))
        .one(&db)
        .await
        .unwrap();
    assert_eq!(red, stored);
    assert_eq!(
        Palette::query()
            .filter(Palette::ACCENT.is_in([Rgb(0, 0, 0), Rgb(0, 0, 2)]))
            .count(&db)
            .await
            .unwrap(),
        2
    );
    // Its own error, with the column named.
    t.catalog
        .execute(&format!(
            "UPDATE {} SET {} = 'red' WHERE {} = {}",
            quoted(kind, "palette"),
            quoted(kind, "color"),
            quoted(kind, "id"),
            *stored.id
        ))
        .await;
    let text = Palette::query()
        .get(&db, stored.id)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("\"color\"") && text.contains("\"red\" is not a #rrggbb colour"),
        "{text}"
    );
}
