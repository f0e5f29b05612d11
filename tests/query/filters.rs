//! Every condition operator, combined, on every backend.

use model_core::Condition;
use model_tests::{Kind, per_backend};

use crate::models::{HOSTILE, Keyed, Note, Person, ids, seeded};

per_backend!(
    comparisons,
    lists_nulls_and_ranges,
    patterns,
    literal_patterns_match_exactly_what_they_say,
    combinations,
    hostile_values_round_trip
);

async fn comparisons(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "cmp").await else {
        return;
    };
    let q = || Person::query().order_by(Keyed::ID.asc());
    assert_eq!(
        ids(&q().filter(Keyed::ID.eq(5)).all(&db).await.unwrap()),
        [5]
    );
    assert_eq!(q().filter(Keyed::ID.ne(5)).count(&db).await.unwrap(), 29);
    assert_eq!(
        ids(&q().filter(Keyed::ID.lt(3)).all(&db).await.unwrap()),
        [1, 2]
    );
    assert_eq!(
        ids(&q().filter(Keyed::ID.le(3)).all(&db).await.unwrap()),
        [1, 2, 3]
    );
    assert_eq!(
        ids(&q().filter(Keyed::ID.gt(28)).all(&db).await.unwrap()),
        [29, 30]
    );
    assert_eq!(
        ids(&q().filter(Keyed::ID.ge(28)).all(&db).await.unwrap()),
        [28, 29, 30]
    );
    assert_eq!(
        ids(&q().filter(Person::SCORE.gt(7.0)).all(&db).await.unwrap()),
        [29, 30]
    );
    assert_eq!(
        q().filter(Person::ACTIVE.eq(true))
            .count(&db)
            .await
            .unwrap(),
        15
    );
    assert_eq!(
        ids(&q().filter_by(Person::AGE, 25).all(&db).await.unwrap()),
        [5, 15, 25]
    );
    // An Option column compares with its inner type.
    assert_eq!(
        ids(&q()
            .filter(Person::EMAIL.eq("p4@example.com"))
            .all(&db)
            .await
            .unwrap()),
        [4]
    );
}

async fn lists_nulls_and_ranges(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "lists").await else {
        return;
    };
    let q = || Person::query().order_by(Keyed::ID.asc());
    assert_eq!(
        ids(&q()
            .filter(Keyed::ID.is_in([3, 1, 2]))
            .all(&db)
            .await
            .unwrap()),
        [1, 2, 3]
    );
    assert_eq!(
        q().filter(Keyed::ID.not_in([1, 2, 3]))
            .count(&db)
            .await
            .unwrap(),
        27
    );
    assert_eq!(
        q().filter(Keyed::ID.is_in(Vec::<i64>::new()))
            .count(&db)
            .await
            .unwrap(),
        0,
        "empty IN matches nothing"
    );
    assert_eq!(
        q().filter(Keyed::ID.not_in(Vec::<i64>::new()))
            .count(&db)
            .await
            .unwrap(),
        30,
        "empty NOT IN matches all"
    );
    assert_eq!(
        q().filter(Person::EMAIL.is_null())
            .count(&db)
            .await
            .unwrap(),
        10
    );
    assert_eq!(
        q().filter(Person::EMAIL.is_not_null())
            .count(&db)
            .await
            .unwrap(),
        20
    );
    assert_eq!(
        ids(&q().filter(Keyed::ID.between(4, 6)).all(&db).await.unwrap()),
        [4, 5, 6]
    );
    let names = ["O'Brien", "50% off"];
    assert_eq!(
        ids(&q()
            .filter(Person::NAME.is_in(names))
            .all(&db)
            .await
            .unwrap()),
        [2, 4]
    );
}

async fn patterns(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "like").await else {
        return;
    };
    let q = || Person::query().order_by(Keyed::ID.asc());
    // Wildcards in the pattern work as wildcards...
    // "person 10" to "person 19" (ids 1 to 8 carry the hostile names).
    assert_eq!(
        q().filter(Person::NAME.like("person 1%"))
            .count(&db)
            .await
            .unwrap(),
        10
    );
    assert_eq!(
        ids(&q()
            .filter(Person::NAME.like("person _"))
            .all(&db)
            .await
            .unwrap()),
        [9]
    );
    // ...and in starts_with/contains/ends_with values they are literal.
    assert_eq!(
        ids(&q()
            .filter(Person::NAME.starts_with("50%"))
            .all(&db)
            .await
            .unwrap()),
        [4]
    );
    assert_eq!(
        ids(&q()
            .filter(Person::NAME.contains("_"))
            .all(&db)
            .await
            .unwrap()),
        [5]
    );
    assert_eq!(
        ids(&q()
            .filter(Person::NAME.contains("!"))
            .all(&db)
            .await
            .unwrap()),
        [8]
    );
    assert_eq!(
        ids(&q()
            .filter(Person::NAME.contains("\\"))
            .all(&db)
            .await
            .unwrap()),
        [3]
    );
    assert_eq!(
        ids(&q()
            .filter(Person::NAME.ends_with("; --"))
            .all(&db)
            .await
            .unwrap()),
        [1]
    );
    assert_eq!(
        ids(&q()
            .filter(Person::NAME.contains("名前"))
            .all(&db)
            .await
            .unwrap()),
        [6]
    );
    // ilike ignores case everywhere.
    assert_eq!(
        ids(&q()
            .filter(Person::NAME.ilike("o'b%"))
            .all(&db)
            .await
            .unwrap()),
        [2]
    );
    assert_eq!(
        q().filter(Person::NAME.ilike("PERSON 2_"))
            .count(&db)
            .await
            .unwrap(),
        10
    );
}

async fn combinations(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "combine").await else {
        return;
    };
    let q = || Person::query().order_by(Keyed::ID.asc());
    let young_or_late = Person::AGE.lt(22).or(Keyed::ID.gt(28));
    assert_eq!(
        ids(&q().filter(young_or_late).all(&db).await.unwrap()),
        [1, 10, 11, 20, 21, 29, 30]
    );
    let both = Keyed::ID.le(10) & Person::ACTIVE.eq(true);
    assert_eq!(
        ids(&q().filter(both).all(&db).await.unwrap()),
        [2, 4, 6, 8, 10]
    );
    let neither = !(Keyed::ID.gt(2) | Person::ACTIVE.eq(true));
    assert_eq!(ids(&q().filter(neither).all(&db).await.unwrap()), [1]);
    // Several filters all apply; all/any over lists, empty ones included.
    let several = q().filter(Keyed::ID.gt(5)).filter(Keyed::ID.lt(8));
    assert_eq!(ids(&several.all(&db).await.unwrap()), [6, 7]);
    assert_eq!(q().filter(Condition::all([])).count(&db).await.unwrap(), 30);
    assert_eq!(q().filter(Condition::any([])).count(&db).await.unwrap(), 0);
    let any = Condition::any([Keyed::ID.eq(1), Keyed::ID.eq(30)]);
    assert_eq!(ids(&q().filter(any).all(&db).await.unwrap()), [1, 30]);
}

async fn hostile_values_round_trip(kind: Kind) {
    let Some((t, db)) = seeded(kind, "hostile").await else {
        return;
    };
    for (i, name) in HOSTILE.iter().enumerate() {
        let found = Person::query()
            .filter(Person::NAME.eq(*name))
            .all(&db)
            .await
            .unwrap();
        assert_eq!(ids(&found), [i as i64 + 1], "{name:?}");
        assert_eq!(found[0].name, *name, "read back unchanged");
    }
    // Nothing was executed as SQL: the table is still there with all its rows.
    assert_eq!(t.catalog.count("person").await, 30);
}

/// `starts_with`, `ends_with` and `contains` mean what Rust's `str` methods mean, on every
/// backend: case-sensitive, accents significant, a NUL byte an ordinary character (SQLite's
/// LIKE stops at NUL, which once made a bulk delete take rows it was not asked to).
/// PostgreSQL cannot store NUL in text at all: there the value is refused, never matched.
async fn literal_patterns_match_exactly_what_they_say(kind: Kind) {
    let Some((_t, db)) = seeded(kind, "literal").await else {
        return;
    };
    let nul = kind != Kind::Postgres;
    let mut bodies = vec![
        "7", "Admin", "admin", "ADMIN x", "émile", "Émile", "a%b", "a_b",
    ];
    if nul {
        bodies.extend(["7\0 8", "7\0 9"]);
    }
    let notes: Vec<Note> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| Note {
            id: i as i64 + 1,
            body: (*body).to_owned(),
        })
        .collect();
    db.insert_many(&notes).await.unwrap();
    let bodies_where = |condition| {
        let db = &db;
        async move {
            let found = Note::query()
                .filter(condition)
                .order_by(Note::ID.asc())
                .all(db)
                .await
                .unwrap();
            found.into_iter().map(|n| n.body).collect::<Vec<_>>()
        }
    };
    assert_eq!(bodies_where(Note::BODY.starts_with("adm")).await, ["admin"]);
    assert_eq!(bodies_where(Note::BODY.starts_with("Adm")).await, ["Admin"]);
    assert_eq!(
        bodies_where(Note::BODY.ends_with("MIN x")).await,
        ["ADMIN x"]
    );
    assert_eq!(
        bodies_where(Note::BODY.ends_with("min")).await,
        ["Admin", "admin"]
    );
    assert_eq!(
        bodies_where(Note::BODY.ends_with("MIN")).await,
        Vec::<String>::new()
    );
    assert_eq!(
        bodies_where(Note::BODY.contains("mil")).await,
        ["émile", "Émile"]
    );
    assert_eq!(bodies_where(Note::BODY.contains("Ém")).await, ["Émile"]);
    assert_eq!(bodies_where(Note::BODY.starts_with("é")).await, ["émile"]);
    assert_eq!(bodies_where(Note::BODY.contains("%")).await, ["a%b"]);
    assert_eq!(bodies_where(Note::BODY.ends_with("_b")).await, ["a_b"]);
    assert!(
        bodies_where(Note::BODY.contains("ADMIN X"))
            .await
            .is_empty()
    );
    assert_eq!(bodies_where(Note::BODY.ends_with("7")).await, ["7"]);
    // A suffix or prefix longer than the text, matching its end or start, matches nothing.
    assert!(bodies_where(Note::BODY.ends_with("xa_b")).await.is_empty());
    assert!(
        bodies_where(Note::BODY.starts_with("a_bx"))
            .await
            .is_empty()
    );
    // The empty string starts, ends and is contained in every string.
    let all = Note::query().count(&db).await.unwrap();
    for empty in [
        Note::BODY.starts_with(""),
        Note::BODY.ends_with(""),
        Note::BODY.contains(""),
    ] {
        assert_eq!(Note::query().filter(empty).count(&db).await.unwrap(), all);
    }
    // `ilike` is the case-insensitive form.
    assert_eq!(
        bodies_where(Note::BODY.ilike("adm%")).await,
        ["Admin", "admin", "ADMIN x"]
    );

    if nul {
        assert_eq!(
            bodies_where(Note::BODY.starts_with("7\0 9")).await,
            ["7\0 9"]
        );
        assert_eq!(bodies_where(Note::BODY.ends_with("\0 8")).await, ["7\0 8"]);
        assert_eq!(
            bodies_where(Note::BODY.contains("\0")).await,
            ["7\0 8", "7\0 9"]
        );
        assert_eq!(bodies_where(Note::BODY.starts_with("7")).await.len(), 3);
        let deleted = Note::query()
            .filter(Note::BODY.starts_with("7\0 9"))
            .delete(&db)
            .await
            .unwrap();
        assert_eq!(deleted, 1, "the bulk delete takes only the row asked for");
        assert_eq!(Note::query().count(&db).await.unwrap(), all - 1);
    } else {
        let refused = Note::query()
            .filter(Note::BODY.starts_with("7\0 9"))
            .delete(&db)
            .await;
        assert!(refused.is_err(), "{refused:?}");
        assert_eq!(Note::query().count(&db).await.unwrap(), all);
    }
}
