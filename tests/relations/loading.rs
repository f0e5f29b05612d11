//! Lazy queries and select-in loading, with statement counts.

use model_core::{BindSelection, Config, Database, Include};
use model_tests::{Kind, TestDb, per_backend};

use crate::models::{Comment, Course, Enrollment, Post, Profile, Student, Tag, User};

per_backend!(
    declared_relationships_load_in_one_statement_per_level,
    many_to_many_through_a_table_with_no_struct,
    a_self_referential_follow_graph,
    one_to_one_and_nullable_many_to_one,
    keys_past_the_chunk_stay_under_the_parameter_limit,
    many_to_many_through_a_model_of_its_own,
    loading_in_a_session_and_paginated
);

/// A fresh `blog` database with three users, their posts, comments, tags and follows.
pub async fn blog(kind: Kind, label: &str) -> Option<(TestDb, Database)> {
    let t = TestDb::new(kind, label).await?;
    let db = Database::connect(Config::binds_only().bind("blog", t.url.clone()))
        .await
        .unwrap();
    db.create_all_in(BindSelection::named("blog"))
        .await
        .unwrap();
    Some((t, db))
}

async fn declared_relationships_load_in_one_statement_per_level(kind: Kind) {
    let Some((_t, db)) = blog(kind, "rel_load").await else {
        return;
    };
    let mut users = Vec::new();
    for name in ["ann", "bob", "cid"] {
        users.push(
            db.insert(&User {
                id: Default::default(),
                name: name.into(),
            })
            .await
            .unwrap(),
        );
    }
    let mut posts = Vec::new();
    for (i, user) in users.iter().enumerate() {
        for n in 0..=i {
            posts.push(
                db.insert(&Post {
                    id: Default::default(),
                    author_id: *user.id,
                    title: format!("{} {n}", user.name),
                    published: n % 2 == 0,
                })
                .await
                .unwrap(),
            );
        }
    }
    let first = db
        .insert(&Comment {
            id: Default::default(),
            post_id: *posts[0].id,
            parent_id: None,
            body: "first".into(),
        })
        .await
        .unwrap();
    db.insert(&Comment {
        id: Default::default(),
        post_id: *posts[0].id,
        parent_id: Some(*first.id),
        body: "reply".into(),
    })
    .await
    .unwrap();

    db.record_queries(100);
    let loaded = User::query()
        .order_by(User::NAME.asc())
        .with(User::POSTS.order_by(Post::TITLE.asc()).with(Post::COMMENTS))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        db.take_recorded_queries().len(),
        3,
        "users, posts, comments"
    );
    assert_eq!(loaded.len(), 3);
    let counts: Vec<usize> = loaded.iter().map(|(_, posts)| posts.len()).collect();
    assert_eq!(counts, [1, 2, 3]);
    assert_eq!(loaded[0].1[0].1.len(), 2, "ann's post has two comments");

    let authors = Post::query().with(Post::AUTHOR).all(&db).await.unwrap();
    assert_eq!(db.take_recorded_queries().len(), 2);
    for (post, author) in &authors {
        assert_eq!(post.author_id, *author.id);
    }

    // Lazy: a query per row, to filter and count.
    let bob = &users[1];
    assert_eq!(bob.posts().count(&db).await.unwrap(), 2);
    assert_eq!(
        bob.posts()
            .filter(Post::PUBLISHED.eq(true))
            .count(&db)
            .await
            .unwrap(),
        1
    );
    let author = posts[0].author().one(&db).await.unwrap();
    assert_eq!(author, users[0]);

    // Loaded for rows already read.
    let grouped = User::POSTS.load(&db, &users).await.unwrap();
    assert_eq!(grouped.iter().map(Vec::len).collect::<Vec<_>>(), [1, 2, 3]);
    let _ = (Profile::query(), Tag::query());
}

/// Users named `names`, stored.
pub async fn users(db: &Database, names: &[&str]) -> Vec<User> {
    let mut out = Vec::new();
    for name in names {
        out.push(db.insert(&User::named(name)).await.unwrap());
    }
    out
}

/// A published post of `author`, stored.
pub async fn post(db: &Database, author: &User, title: &str) -> Post {
    db.insert(&Post::new(author, title, true)).await.unwrap()
}

/// Tags labelled `labels`, stored.
async fn tags(db: &Database, labels: &[&str]) -> Vec<Tag> {
    let mut out = Vec::new();
    for label in labels {
        out.push(
            db.insert(&Tag {
                id: Default::default(),
                label: (*label).into(),
            })
            .await
            .unwrap(),
        );
    }
    out
}

fn labels(tags: &[Tag]) -> Vec<&str> {
    tags.iter().map(|t| t.label.as_str()).collect()
}

async fn many_to_many_through_a_table_with_no_struct(kind: Kind) {
    let Some((_t, db)) = blog(kind, "rel_m2m").await else {
        return;
    };
    assert!(
        model_core::registry::tables_in(Some("blog")).any(|t| t.name() == "post_tag"),
        "the association table is registered with its bind"
    );
    let [ann] = <[User; 1]>::try_from(users(&db, &["ann"]).await).unwrap();
    let first = post(&db, &ann, "first").await;
    let second = post(&db, &ann, "second").await;
    let [rust, sql, web] = <[Tag; 3]>::try_from(tags(&db, &["rust", "sql", "web"]).await).unwrap();
    for tag in [&rust, &sql] {
        Post::TAGS.add(&db, &first, tag).await.unwrap();
    }
    Post::TAGS.add(&db, &second, &sql).await.unwrap();
    let twice = Post::TAGS.add(&db, &second, &sql).await.unwrap_err();
    assert!(twice.constraint_violation().is_some(), "{twice:?}");

    // Lazy: a subquery on the association table.
    assert_eq!(first.tags().count(&db).await.unwrap(), 2);
    let ordered = first
        .tags()
        .order_by(Tag::LABEL.desc())
        .all(&db)
        .await
        .unwrap();
    assert_eq!(labels(&ordered), ["sql", "rust"]);
    assert_eq!(web.posts().count(&db).await.unwrap(), 0);

    // Eager, both ways: one statement each, the association table joined.
    db.record_queries(50);
    let loaded = Post::query()
        .order_by(Post::TITLE.asc())
        .with(Post::TAGS.order_by(Tag::LABEL.asc()))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(db.take_recorded_queries().len(), 2);
    assert_eq!(labels(&loaded[0].1), ["rust", "sql"]);
    assert_eq!(labels(&loaded[1].1), ["sql"]);
    let by_tag = Tag::query()
        .order_by(Tag::LABEL.asc())
        .with(Tag::POSTS.order_by(Post::TITLE.asc()))
        .all(&db)
        .await
        .unwrap();
    let titles: Vec<Vec<&str>> = by_tag
        .iter()
        .map(|(_, posts)| posts.iter().map(|p| p.title.as_str()).collect())
        .collect();
    assert_eq!(titles, [vec!["first"], vec!["first", "second"], vec![]]);

    assert!(Post::TAGS.remove(&db, &first, &rust).await.unwrap());
    assert!(!Post::TAGS.remove(&db, &first, &rust).await.unwrap());
    // Deleting a post deletes its links (ON DELETE CASCADE), not the tags.
    db.delete(&second).await.unwrap();
    assert_eq!(sql.posts().count(&db).await.unwrap(), 1);
    assert_eq!(Tag::query().count(&db).await.unwrap(), 3);

    db.drop_all_in(BindSelection::named("blog")).await.unwrap();
    db.create_all_in(BindSelection::named("blog"))
        .await
        .unwrap();
    assert_eq!(Post::query().count(&db).await.unwrap(), 0);
}

async fn a_self_referential_follow_graph(kind: Kind) {
    let Some((_t, db)) = blog(kind, "rel_follow").await else {
        return;
    };
    let people = users(&db, &["ann", "bob", "cid"]).await;
    let (ann, bob, cid) = (&people[0], &people[1], &people[2]);
    User::FOLLOWING.add(&db, ann, bob).await.unwrap();
    User::FOLLOWING.add(&db, ann, cid).await.unwrap();
    User::FOLLOWING.add(&db, bob, cid).await.unwrap();

    assert_eq!(ann.following().count(&db).await.unwrap(), 2);
    assert_eq!(cid.followers().count(&db).await.unwrap(), 2);
    assert_eq!(ann.followers().count(&db).await.unwrap(), 0);

    db.record_queries(50);
    let graph = User::query()
        .order_by(User::NAME.asc())
        .with((
            User::FOLLOWING.order_by(User::NAME.asc()),
            User::FOLLOWERS.order_by(User::NAME.asc()),
        ))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(db.take_recorded_queries().len(), 3);
    let names = |users: &[User]| users.iter().map(|u| u.name.clone()).collect::<Vec<_>>();
    let shown: Vec<(String, Vec<String>, Vec<String>)> = graph
        .iter()
        .map(|(user, (following, followers))| {
            (user.name.clone(), names(following), names(followers))
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("ann".into(), vec!["bob".into(), "cid".into()], vec![]),
            ("bob".into(), vec!["cid".into()], vec!["ann".into()]),
            ("cid".into(), vec![], vec!["ann".into(), "bob".into()]),
        ]
    );
}

async fn one_to_one_and_nullable_many_to_one(kind: Kind) {
    let Some((_t, db)) = blog(kind, "rel_one").await else {
        return;
    };
    let people = users(&db, &["ann", "bob"]).await;
    db.insert(&Profile {
        id: Default::default(),
        user_id: *people[0].id,
        about: "hi".into(),
    })
    .await
    .unwrap();
    let profiles = User::query()
        .order_by(User::NAME.asc())
        .with(User::PROFILE)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(profiles[0].1.as_ref().map(|p| p.about.as_str()), Some("hi"));
    assert_eq!(profiles[1].1, None);
    assert!(people[1].profile().first(&db).await.unwrap().is_none());

    let p = post(&db, &people[0], "post").await;
    let top = db
        .insert(&Comment {
            id: Default::default(),
            post_id: *p.id,
            parent_id: None,
            body: "top".into(),
        })
        .await
        .unwrap();
    db.insert(&Comment {
        id: Default::default(),
        post_id: *p.id,
        parent_id: Some(*top.id),
        body: "reply".into(),
    })
    .await
    .unwrap();
    // A nullable foreign key loads an `Option`; nested: the comment's post and its author.
    let comments = Comment::query()
        .order_by(Comment::BODY.asc())
        .with((Comment::PARENT, Comment::POST.with(Post::AUTHOR)))
        .all(&db)
        .await
        .unwrap();
    let (reply, (parent, (post_of_reply, author))) = &comments[0];
    assert_eq!(reply.body, "reply");
    assert_eq!(parent.as_ref().map(|c| c.body.as_str()), Some("top"));
    assert_eq!((post_of_reply.id, author.name.as_str()), (p.id, "ann"));
    assert_eq!(comments[1].1.0, None, "the top comment has no parent");
    let replies = top.replies().all(&db).await.unwrap();
    assert_eq!(replies.len(), 1);
}

async fn keys_past_the_chunk_stay_under_the_parameter_limit(kind: Kind) {
    let Some((_t, db)) = blog(kind, "rel_chunk").await else {
        return;
    };
    let many: Vec<User> = (0..2_500)
        .map(|i| User {
            id: Default::default(),
            name: format!("user {i:04}"),
        })
        .collect();
    db.insert_many(&many).await.unwrap();
    let stored = User::query().all(&db).await.unwrap();
    let posts: Vec<Post> = stored
        .iter()
        .map(|u| Post {
            id: Default::default(),
            author_id: *u.id,
            title: u.name.clone(),
            published: false,
        })
        .collect();
    db.insert_many(&posts).await.unwrap();
    db.record_queries(50);
    let loaded = User::POSTS.load(&db, &stored).await.unwrap();
    let statements = db.take_recorded_queries().len();
    assert!(loaded.iter().all(|p| p.len() == 1));
    // One array parameter on PostgreSQL; elsewhere 1,000 keys a statement.
    let expected = if kind == Kind::Postgres { 1 } else { 3 };
    assert_eq!(statements, expected);
}

async fn loading_in_a_session_and_paginated(kind: Kind) {
    let Some((_t, db)) = blog(kind, "rel_session").await else {
        return;
    };
    let people = users(&db, &["ann", "bob", "cid"]).await;
    for user in &people {
        post(&db, user, &format!("by {}", user.name)).await;
    }
    db.record_queries(50);
    let page = User::query()
        .order_by(User::NAME.asc())
        .with(User::POSTS)
        .paginate(&db, 2, 2, true)
        .await
        .unwrap();
    assert_eq!(db.take_recorded_queries().len(), 3, "page, count, posts");
    assert_eq!((page.total, page.items.len()), (3, 1));
    assert_eq!(page.items[0].1[0].title, "by cid");

    let mut session = db.session();
    let dan = session
        .insert(&User {
            id: Default::default(),
            name: "dan".into(),
        })
        .await
        .unwrap();
    session.add(Post {
        id: Default::default(),
        author_id: *dan.id,
        title: "by dan".into(),
        published: true,
    });
    let (user, posts) = User::query()
        .with(User::POSTS)
        .get(&mut session, dan.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((user.name.as_str(), posts.len()), ("dan", 1));
    session.rollback().await;
    assert_eq!(User::query().count(&db).await.unwrap(), 3);
}

async fn many_to_many_through_a_model_of_its_own(kind: Kind) {
    let Some((_t, db)) = blog(kind, "rel_through").await else {
        return;
    };
    let mut courses = Vec::new();
    for title in ["algebra", "biology"] {
        courses.push(
            db.insert(&Course {
                id: Default::default(),
                title: title.into(),
            })
            .await
            .unwrap(),
        );
    }
    let mut students = Vec::new();
    for name in ["ann", "bob", "cid"] {
        students.push(
            db.insert(&Student {
                id: Default::default(),
                name: name.into(),
            })
            .await
            .unwrap(),
        );
    }
    // The association rows are written as the model they are, with their own column.
    for (course, student, grade) in [(0, 0, Some(5)), (0, 1, None), (1, 1, Some(4))] {
        db.insert(&Enrollment {
            course_id: *courses[course].id,
            student_id: *students[student].id,
            grade,
        })
        .await
        .unwrap();
    }
    db.record_queries(20);
    let loaded = Course::query()
        .order_by(Course::TITLE.asc())
        .with(Course::STUDENTS.order_by(Student::NAME.asc()))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(db.take_recorded_queries().len(), 2);
    let names: Vec<Vec<&str>> = loaded
        .iter()
        .map(|(_, students)| students.iter().map(|s| s.name.as_str()).collect())
        .collect();
    assert_eq!(names, [vec!["ann", "bob"], vec!["bob"]]);
    assert_eq!(students[1].courses().count(&db).await.unwrap(), 2);
    assert_eq!(students[2].courses().count(&db).await.unwrap(), 0);
    let taken = Student::query()
        .filter(Student::COURSES.any(Course::TITLE.eq("biology")))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(taken, [students[1].clone()]);
    // The association model's own relationships.
    let graded = Enrollment::query()
        .filter(Enrollment::GRADE.is_not_null())
        .join(Enrollment::STUDENT)
        .order_by_joined(Student::NAME.asc())
        .all(&db)
        .await
        .unwrap();
    let shown: Vec<(&str, Option<i32>)> = graded
        .iter()
        .map(|(e, s)| (s.name.as_str(), e.grade))
        .collect();
    assert_eq!(shown, [("ann", Some(5)), ("bob", Some(4))]);
}
