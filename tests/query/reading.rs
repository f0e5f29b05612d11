//! Ordering, limits, the terminal methods and pagination, on every backend.

use model_core::Error;
use model_tests::{Kind, per_backend};

use crate::models::{Keyed, Membership, Person, ids, seeded, single_connection};

per_backend!(
    order_limit_offset,
    first_one_get_count_exists,
    paginate,
    paginate_empty_and_capped
);

async fn order_limit_offset(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "order").await else {
        return;
    };
    let by_age_then_id = Person::query()
        .order_by(Person::AGE.desc())
        .order_by(Keyed::ID.asc());
    assert_eq!(
        ids(&by_age_then_id.clone().limit(4).all(&db).await.unwrap()),
        [9, 19, 29, 8]
    );
    assert_eq!(
        ids(&by_age_then_id
            .clone()
            .limit(2)
            .offset(3)
            .all(&db)
            .await
            .unwrap()),
        [8, 18]
    );
    // OFFSET without LIMIT needs a dialect-specific "no limit".
    assert_eq!(
        ids(&Person::query()
            .order_by(Keyed::ID.asc())
            .offset(27)
            .all(&db)
            .await
            .unwrap()),
        [28, 29, 30]
    );
    assert_eq!(Person::query().distinct().count(&db).await.unwrap(), 30);
    assert_eq!(
        Person::query().limit(7).count(&db).await.unwrap(),
        7,
        "count respects limit"
    );
}

async fn first_one_get_count_exists(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "terminal").await else {
        return;
    };
    let first = Person::query()
        .order_by(Keyed::ID.desc())
        .first(&db)
        .await
        .unwrap();
    assert_eq!(first.map(|p| *p.key.id), Some(30));
    assert!(
        Person::query()
            .filter(Keyed::ID.gt(99))
            .first(&db)
            .await
            .unwrap()
            .is_none()
    );

    assert_eq!(
        Person::query()
            .filter(Keyed::ID.eq(7))
            .one(&db)
            .await
            .unwrap()
            .key
            .id,
        7
    );
    assert!(matches!(
        Person::query().filter(Keyed::ID.gt(99)).one(&db).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        Person::query().one(&db).await,
        Err(Error::NotUnique { .. })
    ));

    // An i32 literal finds an i64 key.
    assert_eq!(
        Person::query()
            .get(&db, 12)
            .await
            .unwrap()
            .map(|p| *p.key.id),
        Some(12)
    );
    assert!(Person::query().get(&db, 99_i64).await.unwrap().is_none());
    let err = Person::query().get_or_404(&db, 99).await.unwrap_err();
    assert!(
        matches!(&err, Error::NotFound { model, .. } if model == "Person"),
        "{err:?}"
    );
    let err = Person::query().get(&db, "twelve").await.unwrap_err();
    assert!(matches!(err, Error::InvalidKey { .. }), "{err:?}");
    assert!(matches!(
        Person::query()
            .filter(Keyed::ID.gt(99))
            .first_or_404(&db)
            .await,
        Err(Error::NotFound { .. })
    ));

    let red_two = Membership::query()
        .get(&db, ("red", 2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(red_two.role, "dev");
    let err = Membership::query().get(&db, "red").await.unwrap_err();
    assert!(
        err.to_string()
            .contains("the primary key has 2 column(s) (team, member), and 1 value(s) were given"),
        "{err}"
    );

    assert_eq!(Person::query().count(&db).await.unwrap(), 30);
    assert!(
        Person::query()
            .filter(Keyed::ID.eq(30))
            .exists(&db)
            .await
            .unwrap()
    );
    assert!(
        !Person::query()
            .filter(Keyed::ID.eq(31))
            .exists(&db)
            .await
            .unwrap()
    );
    // EXISTS keeps the query's slice: a row at offset 29 of 30, none at 30 or with limit 0.
    let by_id = || Person::query().order_by(Keyed::ID.desc()).distinct();
    assert!(by_id().offset(29).exists(&db).await.unwrap());
    assert!(!by_id().offset(30).exists(&db).await.unwrap());
    assert!(!by_id().limit(0).exists(&db).await.unwrap());
}

async fn paginate(kind: Kind) {
    let Some((t, db)) = seeded(kind, "pages").await else {
        return;
    };
    let q = Person::query()
        .filter(Keyed::ID.le(25))
        .order_by(Keyed::ID.asc());
    let page = q.paginate(&db, 3, 10, true).await.unwrap();
    assert_eq!(ids(&page.items), [21, 22, 23, 24, 25]);
    assert_eq!(
        (page.page, page.per_page, page.total, page.pages()),
        (3, 10, 25, 3)
    );
    assert_eq!(
        (
            page.has_prev(),
            page.has_next(),
            page.prev_num(),
            page.next_num()
        ),
        (true, false, Some(2), None)
    );
    assert_eq!((page.first_item(), page.last_item()), (21, 25));
    let first = q.paginate(&db, 1, 10, true).await.unwrap();
    assert_eq!((first.items.len(), first.next_num()), (10, Some(2)));

    assert!(matches!(
        q.paginate(&db, 4, 10, true).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        q.paginate(&db, 0, 10, true).await,
        Err(Error::NotFound { .. })
    ));
    let past = q.paginate(&db, 4, 10, false).await.unwrap();
    assert!(past.items.is_empty() && past.total == 25);
    let fixed = q.paginate(&db, 0, 0, false).await.unwrap();
    assert_eq!((fixed.page, fixed.per_page, fixed.items.len()), (1, 20, 20));

    // The page and the count run at once, each on a pooled connection; a pool of one
    // connection runs them in turn rather than waiting on itself.
    let single = single_connection(&t).await;
    let page = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        q.paginate(&single, 3, 10, true),
    )
    .await
    .expect("paginate on a pool of one connection finishes")
    .unwrap();
    assert_eq!(
        (ids(&page.items), page.total),
        (vec![21, 22, 23, 24, 25], 25)
    );
}

/// An empty result and a page past the last one number their items 0 to 0 (Flask-SQLAlchemy's
/// `first`/`last`), and `max_per_page` caps a page size taken from a request.
async fn paginate_empty_and_capped(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "paginate_empty").await else {
        return;
    };
    let none = Person::query().filter(Keyed::ID.gt(1000));
    let empty = none.paginate(&db, 1, 10, true).await.unwrap();
    assert_eq!((empty.total, empty.pages(), empty.items.len()), (0, 0, 0));
    assert_eq!((empty.first_item(), empty.last_item()), (0, 0));
    assert_eq!((empty.first(), empty.last()), (0, 0));
    assert!(!empty.has_next() && !empty.has_prev());

    let q = Person::query().order_by(Keyed::ID.asc());
    let past = q.paginate(&db, 9, 10, false).await.unwrap();
    assert!(past.items.is_empty() && past.total == 30);
    assert_eq!((past.first(), past.last()), (0, 0));

    let capped = q.clone().max_per_page(7);
    let page = capped.paginate(&db, 2, 100_000, true).await.unwrap();
    assert_eq!(page.per_page, 7);
    assert_eq!(ids(&page.items), [8, 9, 10, 11, 12, 13, 14]);
    assert_eq!((page.first(), page.last(), page.pages()), (8, 14, 5));
    let next = page.next(&capped, &db, true).await.unwrap();
    assert_eq!(ids(&next.items), [15, 16, 17, 18, 19, 20, 21]);
    // Below the cap, the asked size stands.
    let small = capped.paginate(&db, 1, 3, true).await.unwrap();
    assert_eq!((small.per_page, small.items.len()), (3, 3));
}
