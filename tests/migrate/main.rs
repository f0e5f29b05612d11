//! Migrations end to end on every backend: a model history generated step by step from the
//! live database, applied up and reverted down with rows checked after every step; destructive
//! changes refused unless allowed by name; two binds in one run; replicas upgrading at once;
//! sqlx's lock released after a failed migration.

mod models;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use model_core::catalog::Schema;
use model_core::catalog::diff::diff;
use model_core::migrate::{Generate, GeneratedMigration, Migrations};
use model_core::{BindSelection, Config, Database, Error, dialect, registry};
use model_tests::{Kind, TestDb, per_backend};

use models::*;

per_backend!(
    a_model_history_goes_up_and_down_keeping_rows,
    destructive_changes_are_refused_unless_allowed_by_name,
    two_binds_are_migrated_in_one_run,
    replicas_upgrading_at_once_take_turns,
    a_failed_migration_releases_the_lock,
    a_table_renamed_with_its_hint_keeps_its_rows,
    a_foreign_key_that_rows_violate_is_refused_and_nothing_changes,
    a_date_default_is_written_as_a_date,
    a_database_create_all_built_is_stamped,
    the_index_a_foreign_key_uses_is_dropped,
    a_cancelled_upgrade_leaves_nothing_held
);

static DIRS: AtomicUsize = AtomicUsize::new(0);

/// A fresh migrations folder, removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn new(label: &str) -> Folder {
        let n = DIRS.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("mc_migrations_{label}_{}_{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        Folder(path)
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The database as bind `mig`, and every model version's bind on the same database, so each
/// version's models can read and write it once migrated.
async fn connect(t: &TestDb) -> Database {
    let versions: Vec<String> = (1..=10).map(|v| format!("mig_v{v}")).collect();
    let names: Vec<&str> = versions.iter().map(String::as_str).collect();
    connect_with(t, &names).await
}

/// The database as bind `mig`, and as each of `versions` (binds of model versions), so each
/// version's models can read and write it once migrated.
async fn connect_with(t: &TestDb, versions: &[&str]) -> Database {
    let mut config = Config::binds_only().bind("mig", t.url.clone());
    for version in versions {
        config = config.bind(*version, t.url.clone());
    }
    Database::connect(config).await.unwrap()
}

/// What version `v` of the models expects on `db`'s backend.
fn target(db: &Database, v: u32) -> Schema {
    models_of(db, &format!("mig_v{v}"))
}

/// What the models of `bind` expect on `db`'s backend.
fn models_of(db: &Database, bind: &str) -> Schema {
    let tables: Vec<_> = registry::tables_in(Some(bind)).collect();
    let backend = db.bind(Some("mig")).unwrap().backend();
    dialect::expected_schema(dialect::for_backend(backend), &tables)
}

/// Generates and applies the migration to the models of `bind`, numbered `version`.
async fn migrate_to(db: &Database, migrations: &Migrations, bind: &str, version: i64) {
    let options = Generate {
        version: Some(version),
        ..Generate::default()
    };
    let generated = migrations
        .generate_to(db, Some("mig"), &models_of(db, bind), bind, &options)
        .await
        .unwrap()
        .unwrap();
    if let Err(error) = migrations.upgrade(db, BindSelection::named("mig")).await {
        let up = std::fs::read_to_string(&generated.up).unwrap_or_default();
        panic!("applying {bind}: {error}\n{up}");
    }
    let left = diff(
        &db.reflect(Some("mig")).await.unwrap(),
        &models_of(db, bind),
    );
    assert!(left.is_empty(), "after {bind}: {:?}", left.changes);
}

/// Generates the migration to version `v` (numbered `v`), applies it, and checks the database
/// is then exactly version `v`.
async fn step(
    db: &Database,
    migrations: &Migrations,
    v: u32,
    allow: &[&str],
) -> GeneratedMigration {
    let options = Generate {
        version: Some(i64::from(v)),
        ..Generate::default()
    }
    .allow(allow.iter().copied());
    let generated = migrations
        .generate_to(
            db,
            Some("mig"),
            &target(db, v),
            &format!("version {v}"),
            &options,
        )
        .await
        .unwrap_or_else(|e| panic!("generating v{v}: {e}"))
        .unwrap_or_else(|| panic!("v{v} changes nothing"));
    let applied = migrations
        .upgrade(db, BindSelection::named("mig"))
        .await
        .unwrap_or_else(|e| {
            let up = std::fs::read_to_string(&generated.up).unwrap_or_default();
            panic!("applying v{v}: {e}\n{up}")
        });
    assert_eq!(applied, [(Some("mig".to_owned()), vec![i64::from(v)])]);
    assert_at(db, v).await;
    generated
}

/// The live schema is exactly version `v`'s.
async fn assert_at(db: &Database, v: u32) {
    let live = db.reflect(Some("mig")).await.unwrap();
    let left = diff(&live, &target(db, v));
    assert!(left.is_empty(), "after v{v}: {:?}", left.changes);
}

/// Reverts one migration, expecting version `v` after it.
async fn back_to(db: &Database, migrations: &Migrations, v: u32) {
    let reverted = migrations
        .downgrade(db, Some("mig"), 1)
        .await
        .unwrap_or_else(|e| panic!("reverting to v{v}: {e}"));
    assert_eq!(reverted, [i64::from(v + 1)]);
    if v > 0 {
        assert_at(db, v).await;
    }
}

async fn a_model_history_goes_up_and_down_keeping_rows(kind: Kind) {
    let Some(t) = TestDb::new(kind, "migrate_history").await else {
        return;
    };
    let folder = Folder::new("history");
    let migrations = Migrations::new(&folder.0);
    let db = connect(&t).await;

    // Nothing applied yet; the first migration creates the enum type and the table.
    assert!(
        migrations
            .current(&db, Some("mig"))
            .await
            .unwrap()
            .is_none()
    );
    step(&db, &migrations, 1, &[]).await;
    for (name, mood) in [("ann", MoodV1::Happy), ("bob", MoodV1::Sad)] {
        db.insert(&MemberV1 {
            id: Default::default(),
            name: name.into(),
            mood,
        })
        .await
        .unwrap();
    }

    step(&db, &migrations, 2, &[]).await;
    let ann = MemberV2::query()
        .filter(MemberV2::NAME.eq("ann"))
        .one(&db)
        .await
        .unwrap();
    for title in ["first", "second"] {
        db.insert(&NoteV2 {
            id: Default::default(),
            member_id: *ann.id,
            title: title.into(),
        })
        .await
        .unwrap();
    }

    step(&db, &migrations, 3, &[]).await;
    let languages: Vec<String> = MemberV3::query()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.language.into_inner())
        .collect();
    assert_eq!(
        languages,
        ["en", "en"],
        "the server default filled the old rows"
    );

    step(&db, &migrations, 4, &[]).await;
    // Nullable (a rebuild on SQLite, of a table another references with ON DELETE CASCADE:
    // with foreign keys on, dropping it would have deleted the notes).
    let v5 = step(&db, &migrations, 5, &[]).await;
    if kind.is_sqlite() {
        let up = std::fs::read_to_string(&v5.up).unwrap();
        assert!(up.starts_with("-- no-transaction\n"), "{up}");
        assert!(up.contains("PRAGMA foreign_keys = OFF"), "{up}");
    }
    assert_eq!(NoteV5::query().count(&db).await.unwrap(), 2);
    // And back to NOT NULL, which is destructive (a NULL would have nowhere to go).
    step(&db, &migrations, 6, &["alter_column:member.name"]).await;
    assert_eq!(NoteV6::query().count(&db).await.unwrap(), 2);
    assert_eq!(MemberV6::query().count(&db).await.unwrap(), 2);

    step(&db, &migrations, 7, &[]).await;
    let long_name = "x".repeat(60);
    db.insert(&MemberV7 {
        id: Default::default(),
        name: long_name.clone(),
        mood: MoodV1::Happy,
        language: Default::default(),
    })
    .await
    .unwrap();

    let v8 = step(&db, &migrations, 8, &[]).await;
    let up = std::fs::read_to_string(&v8.up).unwrap();
    assert!(up.contains("rename column note.title to headline"), "{up}");
    let mut headlines: Vec<String> = NoteV8::query()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.headline)
        .collect();
    headlines.sort();
    assert_eq!(
        headlines,
        ["first", "second"],
        "renamed, not dropped and added"
    );

    step(&db, &migrations, 9, &[]).await;
    db.insert(&MemberV9 {
        id: Default::default(),
        name: "cat".into(),
        mood: MoodV2::Meh,
        language: Default::default(),
    })
    .await
    .unwrap();

    step(&db, &migrations, 10, &["drop_column:member.language"]).await;
    assert_eq!(MemberV10::query().count(&db).await.unwrap(), 4);
    let history = migrations.history(&db, Some("mig")).await.unwrap();
    assert_eq!(history.len(), 10);
    assert!(history.iter().all(|m| m.applied && m.reversible));
    assert_eq!(
        migrations
            .current(&db, Some("mig"))
            .await
            .unwrap()
            .unwrap()
            .version,
        10
    );

    // Down, one step at a time.
    back_to(&db, &migrations, 9).await;
    let languages: Vec<String> = MemberV9::query()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.language.into_inner())
        .collect();
    assert_eq!(languages, ["en"; 4], "the column is back, with its default");

    // Removing the label fails while a row holds it, and loses nothing.
    let refused = migrations.downgrade(&db, Some("mig"), 1).await;
    assert!(refused.is_err(), "a row still says 'meh'");
    assert_at(&db, 9).await;
    assert_eq!(MemberV9::query().count(&db).await.unwrap(), 4);
    if kind == Kind::MySql {
        // MySQL cannot roll DDL back, so sqlx marks a migration it starts to revert as
        // partially applied (dirty) and leaves the fix to a person; here nothing had changed
        // (the one ALTER failed whole), so the fix is to mark it applied again.
        let error = migrations.downgrade(&db, Some("mig"), 1).await.unwrap_err();
        assert!(error.to_string().contains("partially applied"), "{error}");
        db.execute_raw(
            Some("mig"),
            "UPDATE _sqlx_migrations SET success = TRUE WHERE version = 9",
            &[],
        )
        .await
        .unwrap();
    }
    db.execute_raw(
        Some("mig"),
        "DELETE FROM member WHERE name = ?",
        &["cat".into()],
    )
    .await
    .unwrap();
    back_to(&db, &migrations, 8).await;

    back_to(&db, &migrations, 7).await;
    let mut titles: Vec<String> = NoteV7::query()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.title)
        .collect();
    titles.sort();
    assert_eq!(titles, ["first", "second"]);

    db.execute_raw(
        Some("mig"),
        "DELETE FROM member WHERE name = ?",
        &[long_name.as_str().into()],
    )
    .await
    .unwrap();
    back_to(&db, &migrations, 6).await;
    back_to(&db, &migrations, 5).await;
    back_to(&db, &migrations, 4).await;
    assert_eq!(NoteV4::query().count(&db).await.unwrap(), 2);
    back_to(&db, &migrations, 3).await;
    back_to(&db, &migrations, 2).await;
    let names: Vec<String> = MemberV2::query()
        .order_by(MemberV2::NAME.asc())
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.name)
        .collect();
    assert_eq!(names, ["ann", "bob"]);
    back_to(&db, &migrations, 1).await;
    back_to(&db, &migrations, 0).await;
    let live = db.reflect(Some("mig")).await.unwrap();
    assert!(live.tables.is_empty(), "{live:?}");
    assert!(live.enum_types.is_empty(), "{live:?}");
    assert!(
        migrations
            .current(&db, Some("mig"))
            .await
            .unwrap()
            .is_none()
    );
}

async fn destructive_changes_are_refused_unless_allowed_by_name(kind: Kind) {
    let Some(t) = TestDb::new(kind, "migrate_refused").await else {
        return;
    };
    let folder = Folder::new("refused");
    let migrations = Migrations::new(&folder.0);
    let db = connect(&t).await;
    step(&db, &migrations, 3, &[]).await;

    // v3 to v10 drops `language`: refused, nothing written.
    let error = migrations
        .generate_to(
            &db,
            Some("mig"),
            &target(&db, 10),
            "drop it",
            &Generate::default(),
        )
        .await
        .unwrap_err();
    let Error::Migration { message, .. } = &error else {
        panic!("expected a migration error, got {error:?}");
    };
    assert!(message.contains("drop_column:member.language"), "{message}");
    assert_eq!(
        std::fs::read_dir(migrations.dir(Some("mig")))
            .unwrap()
            .count(),
        2
    );

    // Nothing to do once the database matches.
    let none = migrations
        .generate_to(
            &db,
            Some("mig"),
            &target(&db, 3),
            "nothing",
            &Generate::default(),
        )
        .await
        .unwrap();
    assert!(none.is_none());

    // A migration not applied yet: generating another is refused.
    let pending = Generate {
        version: Some(4),
        ..Generate::default()
    };
    migrations
        .generate_to(&db, Some("mig"), &target(&db, 4), "index", &pending)
        .await
        .unwrap()
        .unwrap();
    let error = migrations
        .generate_to(
            &db,
            Some("mig"),
            &target(&db, 5),
            "more",
            &Generate::default(),
        )
        .await
        .unwrap_err();
    assert!(error.to_string().contains("not up to date"), "{error}");
}

async fn two_binds_are_migrated_in_one_run(kind: Kind) {
    let Some(first) = TestDb::new(kind, "migrate_bind_a").await else {
        return;
    };
    let Some(second) = TestDb::new(kind, "migrate_bind_b").await else {
        return;
    };
    let folder = Folder::new("binds");
    let migrations = Migrations::new(&folder.0);
    let db = Database::connect(
        Config::binds_only()
            .bind("mig", first.url.clone())
            .bind("mig_other", second.url.clone()),
    )
    .await
    .unwrap();
    let backend = db.bind(Some("mig")).unwrap().backend();
    let schema = |bind: &str| {
        let tables: Vec<_> = registry::tables_in(Some(bind)).collect();
        dialect::expected_schema(dialect::for_backend(backend), &tables)
    };
    for (bind, target) in [("mig", "mig_v2"), ("mig_other", "mig_other_target")] {
        migrations
            .generate_to(
                &db,
                Some(bind),
                &schema(target),
                "initial",
                &Generate::default(),
            )
            .await
            .unwrap()
            .unwrap();
    }
    let applied = migrations.upgrade(&db, BindSelection::All).await.unwrap();
    assert_eq!(applied.len(), 2);
    assert!(
        applied.iter().all(|(_, versions)| versions.len() == 1),
        "{applied:?}"
    );
    assert!(diff(&db.reflect(Some("mig")).await.unwrap(), &schema("mig_v2")).is_empty());
    assert!(
        diff(
            &db.reflect(Some("mig_other")).await.unwrap(),
            &schema("mig_other_target")
        )
        .is_empty()
    );
    // Each database has its own bookkeeping; a second run applies nothing.
    let again = migrations.upgrade(&db, BindSelection::All).await.unwrap();
    assert!(
        again.iter().all(|(_, versions)| versions.is_empty()),
        "{again:?}"
    );
}

async fn replicas_upgrading_at_once_take_turns(kind: Kind) {
    let Some(t) = TestDb::new(kind, "migrate_replicas").await else {
        return;
    };
    let folder = Folder::new("replicas");
    let migrations = Migrations::new(&folder.0);
    let db = connect(&t).await;
    for v in [1, 2] {
        let options = Generate {
            version: Some(v),
            ..Generate::default()
        };
        migrations
            .generate_to(&db, Some("mig"), &target(&db, v as u32), "v", &options)
            .await
            .unwrap()
            .unwrap();
        if v == 1 {
            migrations
                .upgrade(&db, BindSelection::named("mig"))
                .await
                .unwrap();
        }
    }
    migrations.downgrade(&db, Some("mig"), 1).await.unwrap();
    // Two replicas, each with its own handle, upgrade the same database at once: both
    // succeed, and each migration runs once.
    let replica_a = connect(&t).await;
    let replica_b = connect(&t).await;
    let (a, b) = tokio::join!(
        migrations.upgrade(&replica_a, BindSelection::named("mig")),
        migrations.upgrade(&replica_b, BindSelection::named("mig"))
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut applied: Vec<i64> = a.into_iter().chain(b).flat_map(|(_, v)| v).collect();
    applied.sort_unstable();
    assert_eq!(applied, [1, 2]);
    assert_at(&db, 2).await;
    // More steps than there are migrations: all of them, oldest last.
    let reverted = migrations
        .downgrade(&db, Some("mig"), usize::MAX)
        .await
        .unwrap();
    assert_eq!(reverted, [2, 1]);
}

async fn a_failed_migration_releases_the_lock(kind: Kind) {
    let Some(t) = TestDb::new(kind, "migrate_failed").await else {
        return;
    };
    let db = connect(&t).await;
    let broken = Folder::new("broken");
    let dir = broken.0.join("mig");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("1_broken.up.sql"),
        "CREATE TABLE fine (id INTEGER PRIMARY KEY);\nTHIS IS NOT SQL;\n",
    )
    .unwrap();
    let error = Migrations::new(&broken.0)
        .upgrade(&db, BindSelection::named("mig"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Migration { .. }), "{error:?}");

    // The next run must get the lock at once, not wait on a session that kept it.
    let good = Folder::new("good");
    let migrations = Migrations::new(&good.0);
    let next = tokio::time::timeout(
        Duration::from_secs(30),
        migrations.generate_to(
            &db,
            Some("mig"),
            &target(&db, 1),
            "v1",
            &Generate::default(),
        ),
    )
    .await
    .expect("the lock was still held");
    if kind == Kind::MySql {
        // MySQL cannot roll DDL back: sqlx recorded the broken migration as failed (dirty),
        // which it reports rather than guess; the point here is that it answered.
        let _ = next;
        return;
    }
    next.unwrap().unwrap();
    let applied = tokio::time::timeout(
        Duration::from_secs(30),
        migrations.upgrade(&db, BindSelection::named("mig")),
    )
    .await
    .expect("the lock was still held")
    .unwrap();
    assert_eq!(applied[0].1.len(), 1);
    assert_at(&db, 1).await;
}

async fn a_table_renamed_with_its_hint_keeps_its_rows(kind: Kind) {
    let Some(t) = TestDb::new(kind, "migrate_rename").await else {
        return;
    };
    let folder = Folder::new("rename");
    let migrations = Migrations::new(&folder.0);
    let db = connect_with(&t, &["mig_rename_v1", "mig_rename_v2"]).await;
    migrate_to(&db, &migrations, "mig_rename_v1", 1).await;
    let post = db
        .insert(&PostBefore {
            id: Default::default(),
            title: "hello".into(),
        })
        .await
        .unwrap();
    db.insert(&CommentBefore {
        id: Default::default(),
        post_id: *post.id,
        body: "first!".into(),
    })
    .await
    .unwrap();

    migrate_to(&db, &migrations, "mig_rename_v2", 2).await;
    let up = std::fs::read_to_string(
        std::fs::read_dir(migrations.dir(Some("mig")))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_string_lossy().ends_with("mig_rename_v2.up.sql"))
            .unwrap(),
    )
    .unwrap();
    assert!(up.contains("rename table post to article"), "{up}");
    assert!(!up.contains("drop table"), "{up}");
    let articles = ArticleAfter::query().all(&db).await.unwrap();
    assert_eq!(articles.len(), 1);
    assert_eq!(articles[0].title, "hello");
    // The comment still belongs to it, and the foreign key still cascades.
    assert_eq!(CommentAfter::query().count(&db).await.unwrap(), 1);
    db.delete(&articles[0]).await.unwrap();
    assert_eq!(CommentAfter::query().count(&db).await.unwrap(), 0);

    migrations.downgrade(&db, Some("mig"), 1).await.unwrap();
    let left = diff(
        &db.reflect(Some("mig")).await.unwrap(),
        &models_of(&db, "mig_rename_v1"),
    );
    assert!(left.is_empty(), "after the downgrade: {:?}", left.changes);
}

async fn a_foreign_key_that_rows_violate_is_refused_and_nothing_changes(kind: Kind) {
    let Some(t) = TestDb::new(kind, "migrate_fk").await else {
        return;
    };
    let folder = Folder::new("fk");
    let migrations = Migrations::new(&folder.0);
    let db = connect_with(&t, &["mig_fk_v1", "mig_fk_v2"]).await;
    migrate_to(&db, &migrations, "mig_fk_v1", 1).await;
    db.insert(&PetV1 {
        id: Default::default(),
        owner_id: 42,
    })
    .await
    .unwrap();
    let options = Generate {
        version: Some(2),
        ..Generate::default()
    };
    migrations
        .generate_to(
            &db,
            Some("mig"),
            &models_of(&db, "mig_fk_v2"),
            "fk",
            &options,
        )
        .await
        .unwrap()
        .unwrap();
    // The pet points at an owner that does not exist: the key cannot be added.
    let error = migrations
        .upgrade(&db, BindSelection::named("mig"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Migration { .. }), "{error:?}");
    let left = diff(
        &db.reflect(Some("mig")).await.unwrap(),
        &models_of(&db, "mig_fk_v1"),
    );
    assert!(
        left.is_empty(),
        "the failed migration changed the schema: {:?}",
        left.changes
    );
    assert_eq!(PetV1::query().count(&db).await.unwrap(), 1);
    // With an owner for it, the same migration applies.
    db.execute_raw(Some("mig"), "DELETE FROM pet", &[])
        .await
        .unwrap();
    if kind == Kind::MySql {
        // MySQL applied nothing (the one ALTER failed whole), but sqlx marked the migration
        // as failed, which a person clears.
        db.execute_raw(
            Some("mig"),
            "DELETE FROM _sqlx_migrations WHERE version = 2",
            &[],
        )
        .await
        .unwrap();
    }
    migrations
        .upgrade(&db, BindSelection::named("mig"))
        .await
        .unwrap();
    let left = diff(
        &db.reflect(Some("mig")).await.unwrap(),
        &models_of(&db, "mig_fk_v2"),
    );
    assert!(left.is_empty(), "{:?}", left.changes);
    // The key holds (on SQLite the rebuild switched foreign keys off on the migration's own
    // connection only; the pool's enforce them).
    let orphan = db
        .insert(&PetV2 {
            id: Default::default(),
            owner_id: 7,
        })
        .await;
    assert!(orphan.is_err(), "an orphan was accepted");
}

async fn a_date_default_is_written_as_a_date(kind: Kind) {
    let Some(t) = TestDb::new(kind, "migrate_default").await else {
        return;
    };
    let folder = Folder::new("default");
    let migrations = Migrations::new(&folder.0);
    let db = connect_with(&t, &["mig_default_v1", "mig_default_v2"]).await;
    migrate_to(&db, &migrations, "mig_default_v1", 1).await;
    db.insert(&EventV1 {
        id: Default::default(),
        name: "launch".into(),
    })
    .await
    .unwrap();
    migrate_to(&db, &migrations, "mig_default_v2", 2).await;
    let events = EventV2::query().all(&db).await.unwrap();
    assert_eq!(
        events[0].since.into_inner(),
        chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
        "the old row took the default, as a date"
    );
}

/// A project adopting migrations: the database was made by `create_all`; the first migration,
/// generated against an empty database, is recorded there as applied without running.
async fn a_database_create_all_built_is_stamped(kind: Kind) {
    let Some(empty) = TestDb::new(kind, "migrate_stamp_empty").await else {
        return;
    };
    let Some(existing) = TestDb::new(kind, "migrate_stamp_live").await else {
        return;
    };
    let folder = Folder::new("stamp");
    let migrations = Migrations::new(&folder.0);
    let fresh = connect(&empty).await;
    let options = Generate {
        version: Some(1),
        ..Generate::default()
    };
    migrations
        .generate_to(&fresh, Some("mig"), &target(&fresh, 2), "initial", &options)
        .await
        .unwrap()
        .unwrap();

    // The live database: its tables made by create_all, and a row in them.
    let live = connect(&existing).await;
    live.create_all_in(BindSelection::named("mig_v2"))
        .await
        .unwrap();
    live.insert(&MemberV2 {
        id: Default::default(),
        name: "ann".into(),
        mood: MoodV1::Happy,
    })
    .await
    .unwrap();
    assert_eq!(
        migrations.pending(&live, Some("mig")).await.unwrap().len(),
        1
    );
    assert_eq!(
        migrations.stamp(&live, Some("mig"), None).await.unwrap(),
        [1]
    );
    assert!(
        migrations
            .pending(&live, Some("mig"))
            .await
            .unwrap()
            .is_empty()
    );
    // Nothing ran: the row is there, and upgrading has nothing to do.
    assert_eq!(MemberV2::query().count(&live).await.unwrap(), 1);
    let applied = migrations
        .upgrade(&live, BindSelection::named("mig"))
        .await
        .unwrap();
    assert!(applied[0].1.is_empty());
    assert_at(&live, 2).await;
}

/// Dropping the index a foreign key column had: MySQL refuses while the key relies on it, so
/// the key is taken off and put back around the drop; up and down, rows kept.
async fn the_index_a_foreign_key_uses_is_dropped(kind: Kind) {
    let Some(t) = TestDb::new(kind, "migrate_fk_index").await else {
        return;
    };
    let folder = Folder::new("fk_index");
    let migrations = Migrations::new(&folder.0);
    let db = connect_with(&t, &["mig_index_v1", "mig_index_v2"]).await;
    migrate_to(&db, &migrations, "mig_index_v1", 1).await;
    let shop = db
        .insert(&ShopV1 {
            id: Default::default(),
        })
        .await
        .unwrap();
    db.insert(&ItemV1 {
        id: Default::default(),
        shop_id: *shop.id,
    })
    .await
    .unwrap();
    migrate_to(&db, &migrations, "mig_index_v2", 2).await;
    assert_eq!(ItemV2::query().count(&db).await.unwrap(), 1);
    migrations.downgrade(&db, Some("mig"), 1).await.unwrap();
    let left = diff(
        &db.reflect(Some("mig")).await.unwrap(),
        &models_of(&db, "mig_index_v1"),
    );
    assert!(left.is_empty(), "after the downgrade: {:?}", left.changes);
    assert_eq!(ItemV1::query().count(&db).await.unwrap(), 1);
}

/// An upgrade whose future is dropped midway (a timeout, a deploy cancelled) does not cut
/// the migration short: it runs to its end and releases its lock, and the next upgrade finds
/// it applied, once and whole.
async fn a_cancelled_upgrade_leaves_nothing_held(kind: Kind) {
    let Some(t) = TestDb::new(kind, "migrate_cancelled").await else {
        return;
    };
    let db = connect(&t).await;
    let folder = Folder::new("cancelled");
    let dir = folder.0.join("mig");
    std::fs::create_dir_all(&dir).unwrap();
    let slow = match kind {
        Kind::Postgres => "SELECT pg_sleep(2)",
        Kind::MySql => "SELECT SLEEP(2)",
        // About two seconds of work on the SQLite thread.
        _ => {
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000000) SELECT COUNT(*) FROM n"
        }
    };
    std::fs::write(
        dir.join("1_slow.up.sql"),
        format!("CREATE TABLE cancelled_marker (id INTEGER PRIMARY KEY);\n{slow};\n"),
    )
    .unwrap();
    let migrations = Migrations::new(&folder.0);
    let cut = tokio::time::timeout(
        Duration::from_millis(300),
        migrations.upgrade(&db, BindSelection::named("mig")),
    )
    .await;
    assert!(cut.is_err(), "the upgrade finished within 300 ms: {cut:?}");
    let next = tokio::time::timeout(
        Duration::from_secs(60),
        migrations.upgrade(&db, BindSelection::named("mig")),
    )
    .await
    .expect("the cancelled run left its lock held");
    // The first run went on to its end in the background: the second found it applied (or,
    // had it not finished, would have waited for it); either way it ran once, whole.
    let applied = next.unwrap();
    assert!(
        applied[0].1.is_empty() || applied[0].1 == [1],
        "{applied:?}"
    );
    let history = migrations.history(&db, Some("mig")).await.unwrap();
    assert!(history.iter().all(|m| m.applied), "{history:?}");
    assert!(
        t.catalog
            .tables()
            .await
            .contains(&"cancelled_marker".to_owned())
    );
}
