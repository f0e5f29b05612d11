//! Lost updates: two handlers holding copies of one row. `update_columns` writes only the
//! columns a handler changed; a `#[column(version)]` makes every write by key require the
//! version its row was read with, and a stale copy fails with `Error::StaleRow` instead of
//! undoing another's change.

use axum_core::response::IntoResponse;
use http::StatusCode;
use model_core::Error;
use model_tests::{Kind, per_backend};

use crate::models::{Account, Profile, seeded};

per_backend!(
    chosen_columns_leave_the_others_alone,
    a_stale_copy_cannot_overwrite_or_delete
);

async fn chosen_columns_leave_the_others_alone(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "chosen_columns").await else {
        return;
    };
    let stored = db.insert(&Account::named("ann")).await.unwrap();
    let (mut a, mut b) = (stored.clone(), stored.clone());
    a.note = Some("about me".into());
    db.update_columns(&a, [Account::NOTE.into()]).await.unwrap();
    b.role = "admin".into();
    db.update_columns(&b, [Account::ROLE.into()]).await.unwrap();
    let now = Account::query().get(&db, stored.id).await.unwrap().unwrap();
    assert_eq!(
        now.note.as_deref(),
        Some("about me"),
        "the first handler's change stays"
    );
    assert_eq!(now.role, "admin");
    assert_eq!(
        now.updated_at,
        crate::models::touched(),
        "onupdate columns are written too"
    );

    // A key column is not a column to update; a row that is gone is not found.
    let err = db
        .update_columns(&a, [Account::ID.into()])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported(_)), "{err:?}");
    let mut gone = stored.clone();
    gone.id = 999_999.into();
    let err = db
        .update_columns(&gone, [Account::NOTE.into()])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    let err = db.update_columns(&gone, []).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

async fn a_stale_copy_cannot_overwrite_or_delete(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "versions").await else {
        return;
    };
    let stored = db
        .insert(&Profile {
            about_me: "hi".into(),
            ..Profile::default()
        })
        .await
        .unwrap();
    assert_eq!(stored.version, 1, "a new row starts at version 1");
    let (mut a, mut b) = (stored.clone(), stored.clone());

    a.about_me = "changed by a".into();
    let a = db.update_returning(&a).await.unwrap();
    assert_eq!(a.version, 2);
    b.last_seen = 42;
    let err = db.update(&b).await.unwrap_err();
    assert!(matches!(err, Error::StaleRow { .. }), "{err:?}");
    assert!(err.to_string().contains("\"version\""), "{err}");
    assert_eq!(err.into_response().status(), StatusCode::CONFLICT);
    let err = db.update_returning(&b).await.unwrap_err();
    assert!(matches!(err, Error::StaleRow { .. }), "{err:?}");
    let err = db
        .update_columns(&b, [Profile::LAST_SEEN.into()])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::StaleRow { .. }), "{err:?}");
    let err = db.delete(&b).await.unwrap_err();
    assert!(matches!(err, Error::StaleRow { .. }), "{err:?}");
    let now = Profile::query().get(&db, stored.id).await.unwrap().unwrap();
    assert_eq!(
        now, a,
        "nothing of the stale copy was written, and the row is still there"
    );

    // A session with a stale copy commits nothing.
    let mut session = db.session();
    session.add(Profile {
        about_me: "new".into(),
        ..Profile::default()
    });
    session.update(b.clone());
    let err = session.commit().await.unwrap_err();
    assert!(matches!(err, Error::StaleRow { .. }), "{err:?}");
    assert_eq!(Profile::query().count(&db).await.unwrap(), 1);

    // The fresh copy writes, and chosen columns bump the version too.
    let mut fresh = now.clone();
    fresh.last_seen = 7;
    db.update_columns(&fresh, [Profile::LAST_SEEN.into()])
        .await
        .unwrap();
    let fresh = Profile::query().get(&db, stored.id).await.unwrap().unwrap();
    assert_eq!(
        (fresh.version, fresh.last_seen, fresh.about_me.as_str()),
        (3, 7, "changed by a")
    );

    // A bulk update bumps every version it touches, so copies read before are stale.
    Profile::query()
        .update(&db, [Profile::LAST_SEEN.set(8)])
        .await
        .unwrap();
    let err = db.update(&fresh).await.unwrap_err();
    assert!(matches!(err, Error::StaleRow { .. }), "{err:?}");
    let latest = Profile::query().get(&db, stored.id).await.unwrap().unwrap();
    assert_eq!(latest.version, 4);
    db.delete(&latest).await.unwrap();
    assert_eq!(Profile::query().count(&db).await.unwrap(), 0);
}
