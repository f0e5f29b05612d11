//! The data every contender sees: generated rows, the seeded random numbers that pick ids and
//! pages, and the checksum sink that proves each contender did the same work.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};

/// A row of one of the user-shaped tables, as the harness holds it. Contenders convert it into
/// their own structs (outside the timed section where their API needs an owned model).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub id: i64,
    pub name: String,
    pub hair_color: Option<String>,
    pub created_at: NaiveDateTime,
}

/// The hair colours of the users table: black, brown and NULL in turn.
pub const COLORS: [&str; 2] = ["black", "brown"];

/// `created_at` of user 0; user `i` is `i` seconds later.
pub fn epoch() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2024, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("valid date")
}

/// User `i` as seeded: `User {i}`, black/brown/NULL by `i % 3`, created `i` seconds after 2024.
pub fn user(i: i64) -> Row {
    Row {
        id: i,
        name: format!("User {i}"),
        hair_color: match i % 3 {
            1 => Some(COLORS[0].to_owned()),
            2 => Some(COLORS[1].to_owned()),
            _ => None,
        },
        created_at: epoch() + TimeDelta::seconds(i),
    }
}

/// Users `1..=n`.
pub fn users(n: i64) -> Vec<Row> {
    (1..=n).map(user).collect()
}

/// A row to insert (its id is left to the database); `tag` keeps rounds apart.
pub fn new_user(i: i64, tag: u64) -> Row {
    Row {
        id: 0,
        name: format!("New {tag} {i}"),
        hair_color: match i % 3 {
            0 => Some(COLORS[0].to_owned()),
            1 => None,
            _ => Some(COLORS[1].to_owned()),
        },
        created_at: epoch() + TimeDelta::seconds(1_000_000 + i),
    }
}

/// A row of `posts`, as the hand-written contenders read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostRow {
    pub id: i64,
    pub user_id: i64,
    pub title: String,
    pub body: String,
}

/// A row of `comments`, as the hand-written contenders read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommentRow {
    pub id: i64,
    pub post_id: i64,
    pub text: String,
}

/// Post `id` of the seed data, `per_user` posts per user: user `u` has posts
/// `(u - 1) * per_user + 1 ..= u * per_user`.
pub fn post(id: i64, per_user: i64) -> PostRow {
    let u = (id - 1) / per_user + 1;
    PostRow {
        id,
        user_id: u,
        title: format!("Post {id}"),
        body: format!("Body of post {id} by user {u}, with some text to make it a realistic row."),
    }
}

/// The posts of the seed data: `per_user` for each of users `1..=users`.
pub fn posts(users: i64, per_user: i64) -> Vec<PostRow> {
    (1..=users * per_user)
        .map(|id| post(id, per_user))
        .collect()
}

/// Comment `id` of the seed data, `per_post` comments per post, numbered like posts.
pub fn comment(id: i64, per_post: i64) -> CommentRow {
    let p = (id - 1) / per_post + 1;
    CommentRow {
        id,
        post_id: p,
        text: format!("Comment {id} on post {p}"),
    }
}

/// The comments of the seed data: `per_post` for each of posts `1..=posts`.
pub fn comments(posts: i64, per_post: i64) -> Vec<CommentRow> {
    (1..=posts * per_post)
        .map(|id| comment(id, per_post))
        .collect()
}

/// The follow graph of the seed data, `(follower_id, followed_id)`: each of users
/// `1..=followers` follows up to `each` users among those with posts (`1..=post_users`),
/// `((u * 7 + j * 13) % post_users) + 1` for `j` in `0..each`, never itself, each once.
pub fn follows(followers: i64, each: i64, post_users: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    for u in 1..=followers {
        let mut seen = Vec::new();
        for j in 0..each {
            let f = (u * 7 + j * 13) % post_users + 1;
            if f != u && !seen.contains(&f) {
                seen.push(f);
                out.push((u, f));
            }
        }
    }
    out
}

/// W4's result shape: each user with its posts, each post with its comments.
pub type Tree<U, P, C> = Vec<(U, Vec<(P, Vec<C>)>)>;

/// Groups the rows of W4's three statements (each in id order) into the tree, in Rust, as a
/// hand-written eager load does: comments by post, posts by user, in the users' order.
pub fn group(
    users: Vec<Row>,
    posts: Vec<PostRow>,
    comments: Vec<CommentRow>,
) -> Tree<Row, PostRow, CommentRow> {
    let mut by_post: HashMap<i64, Vec<CommentRow>> = HashMap::with_capacity(posts.len());
    for c in comments {
        by_post.entry(c.post_id).or_default().push(c);
    }
    let mut by_user: HashMap<i64, Vec<(PostRow, Vec<CommentRow>)>> =
        HashMap::with_capacity(users.len());
    for p in posts {
        let comments = by_post.remove(&p.id).unwrap_or_default();
        by_user.entry(p.user_id).or_default().push((p, comments));
    }
    users
        .into_iter()
        .map(|u| {
            let posts = by_user.remove(&u.id).unwrap_or_default();
            (u, posts)
        })
        .collect()
}

/// A row any contender read, of any of its types, fed into the sink.
pub trait Sinkable {
    fn sink(&self, sink: &mut Sink);
}

impl Sinkable for Row {
    fn sink(&self, sink: &mut Sink) {
        sink.row(self);
    }
}

impl Sinkable for PostRow {
    fn sink(&self, sink: &mut Sink) {
        sink.post(self.id, self.user_id, &self.title, &self.body);
    }
}

impl Sinkable for CommentRow {
    fn sink(&self, sink: &mut Sink) {
        sink.comment(self.id, self.post_id, &self.text);
    }
}

/// W4's result into the sink, in the order every contender uses: the users (by id), then
/// their posts (by id), then those posts' comments (by id). With the seed data, walking the
/// tree level by level gives exactly that order.
pub fn sink_tree<U: Sinkable, P: Sinkable, C: Sinkable>(sink: &mut Sink, tree: &Tree<U, P, C>) {
    for (u, _) in tree {
        u.sink(sink);
    }
    for (_, posts) in tree {
        for (p, _) in posts {
            p.sink(sink);
        }
    }
    for (_, posts) in tree {
        for (_, comments) in posts {
            for c in comments {
                c.sink(sink);
            }
        }
    }
}

/// xorshift64*: fixed seeds give every contender the same ids, pages and shuffles, with no
/// dependency on a random-number crate's version.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // splitmix64 of the seed, so nearby seeds give unrelated streams (and never 0).
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `lo..=hi` (the bias of `%` is irrelevant at these sizes).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi - lo + 1) as u64;
        lo + (self.next_u64() % span) as i64
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// What a contender's operations returned, reduced to numbers that must match the floor's.
///
/// In timing mode only the cheap part runs (row count, sum of ids, total name length), so the
/// checksum costs every contender the same few nanoseconds per row and nothing can be optimised
/// away. In verify mode every field of every row goes into an order-independent hash.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sink {
    pub rows: u64,
    pub ids: u64,
    pub name_bytes: u64,
    pub values: u64,
    pub hash: u64,
    full: bool,
}

impl Sink {
    /// A sink that hashes everything (verification).
    pub fn full() -> Sink {
        Sink {
            full: true,
            ..Sink::default()
        }
    }

    /// A sink that only counts (timing).
    pub fn cheap() -> Sink {
        Sink::default()
    }

    /// One user-shaped row read back.
    #[inline]
    pub fn user(
        &mut self,
        id: i64,
        name: &str,
        hair_color: Option<&str>,
        created_at: NaiveDateTime,
    ) {
        self.rows += 1;
        self.ids = self.ids.wrapping_add(id as u64);
        self.name_bytes += name.len() as u64;
        if self.full {
            let mut h = fnv(0xcbf2_9ce4_8422_2325, &id.to_le_bytes());
            h = fnv(h, name.as_bytes());
            h = match hair_color {
                Some(c) => fnv(fnv(h, b"\x01"), c.as_bytes()),
                None => fnv(h, b"\x00"),
            };
            h = fnv(h, &created_at.and_utc().timestamp_micros().to_le_bytes());
            // Summing per-row hashes makes the result independent of row order.
            self.hash = self.hash.wrapping_add(h);
        }
    }

    /// A post read back. Unlike user rows, its hash includes its position among the rows of
    /// the batch, so W4 and W5 verify the order too (users by id; posts by id in W4, newest
    /// first in W5; comments by id).
    #[inline]
    pub fn post(&mut self, id: i64, user_id: i64, title: &str, body: &str) {
        if self.full {
            let mut h = fnv(0x9057, &self.rows.to_le_bytes());
            h = fnv(h, &id.to_le_bytes());
            h = fnv(h, &user_id.to_le_bytes());
            h = fnv(fnv(h, title.as_bytes()), b"\x00");
            h = fnv(h, body.as_bytes());
            self.hash = self.hash.wrapping_add(h);
        }
        self.rows += 1;
        self.ids = self.ids.wrapping_add(id as u64);
        self.name_bytes += (title.len() + body.len()) as u64;
    }

    /// A comment read back; hashed with its position like [`post`](Self::post).
    #[inline]
    pub fn comment(&mut self, id: i64, post_id: i64, text: &str) {
        if self.full {
            let mut h = fnv(0xc033, &self.rows.to_le_bytes());
            h = fnv(h, &id.to_le_bytes());
            h = fnv(h, &post_id.to_le_bytes());
            h = fnv(h, text.as_bytes());
            self.hash = self.hash.wrapping_add(h);
        }
        self.rows += 1;
        self.ids = self.ids.wrapping_add(id as u64);
        self.name_bytes += text.len() as u64;
    }

    /// A harness-shaped row read back.
    #[inline]
    pub fn row(&mut self, r: &Row) {
        self.user(r.id, &r.name, r.hair_color.as_deref(), r.created_at);
    }

    /// A scalar result (a count, an affected-row count, a flag).
    #[inline]
    pub fn value(&mut self, v: u64) {
        self.values = self.values.wrapping_add(v);
        if self.full {
            self.hash = self.hash.wrapping_add(fnv(0x100, &v.to_le_bytes()));
        }
    }

    /// Adds another sink's results (W13's tasks each fill their own).
    pub fn merge(&mut self, other: &Sink) {
        self.rows += other.rows;
        self.ids = self.ids.wrapping_add(other.ids);
        self.name_bytes += other.name_bytes;
        self.values = self.values.wrapping_add(other.values);
        self.hash = self.hash.wrapping_add(other.hash);
    }

    /// Whether this sink hashes everything.
    pub fn is_full(&self) -> bool {
        self.full
    }

    /// A one-line description for error messages.
    pub fn describe(&self) -> String {
        format!(
            "rows {} ids {} name bytes {} values {} hash {:016x}",
            self.rows, self.ids, self.name_bytes, self.values, self.hash
        )
    }
}

fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sink_ignores_row_order() {
        let (a, b) = (user(1), user(2));
        let mut x = Sink::full();
        let mut y = Sink::full();
        for r in [&a, &b] {
            x.user(r.id, &r.name, r.hair_color.as_deref(), r.created_at);
        }
        for r in [&b, &a] {
            y.user(r.id, &r.name, r.hair_color.as_deref(), r.created_at);
        }
        assert_eq!(x, y);
        let mut z = Sink::full();
        z.user(a.id, "User 9", a.hair_color.as_deref(), a.created_at);
        z.user(b.id, &b.name, b.hair_color.as_deref(), b.created_at);
        assert_ne!(x, z);
    }

    #[test]
    fn sink_orders_posts() {
        let (a, b) = (post(1, 10), post(2, 10));
        let mut x = Sink::full();
        let mut y = Sink::full();
        for p in [&a, &b] {
            p.sink(&mut x);
        }
        for p in [&b, &a] {
            p.sink(&mut y);
        }
        assert_ne!(x, y);
    }

    #[test]
    fn follow_graph() {
        let all = follows(100, 20, 1_000);
        assert!(all.iter().all(|&(u, f)| u != f && (1..=1_000).contains(&f)));
        for u in 1..=100 {
            let n = all.iter().filter(|&&(a, _)| a == u).count();
            assert!((19..=20).contains(&n), "user {u} follows {n}");
        }
        // --tiny: 20 users with posts, so every follower follows all of them but itself.
        let tiny = follows(100, 20, 20);
        assert_eq!(tiny.iter().filter(|&&(u, _)| u == 3).count(), 19);
        assert_eq!(tiny.iter().filter(|&&(u, _)| u == 30).count(), 20);
    }

    #[test]
    fn grouping() {
        let users = vec![user(1), user(2)];
        let posts = posts(2, 2);
        let comments = comments(4, 2);
        let tree = group(users, posts, comments);
        assert_eq!(tree.len(), 2);
        assert_eq!(tree[1].1.len(), 2);
        assert_eq!(tree[1].1[0].0.id, 3);
        assert_eq!(tree[1].1[0].1.len(), 2);
        assert_eq!(tree[1].1[0].1[1].id, 6);
    }
}
