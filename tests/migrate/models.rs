//! One model history, a version per bind (`mig_v1` ... `mig_v10`), every version's tables
//! named alike: what a user's models go through between migrations. Each step is one of the
//! changes the issue lists: add a table, add a column with a default, add an index, make a
//! column nullable and back, widen a string, rename a column with a hint, add an enum label,
//! drop a column with consent.

use model_core::{Auto, ColumnType, Model};

/// The enum as first declared: a native enum type named `mood`.
#[derive(ColumnType, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[column_type(storage = "native", name = "mood", rename_all = "lowercase")]
pub enum MoodV1 {
    /// Happy.
    #[default]
    Happy,
    /// Sad.
    Sad,
}

/// The enum with a label appended.
#[derive(ColumnType, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[column_type(storage = "native", name = "mood", rename_all = "lowercase")]
pub enum MoodV2 {
    /// Happy.
    #[default]
    Happy,
    /// Sad.
    Sad,
    /// Appended in v9.
    Meh,
}

/// v1: members.
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_v1", table = "member")]
pub struct MemberV1 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(length = 40)]
    pub name: String,
    pub mood: MoodV1,
}

/// v2: notes, a new table referencing members.
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_v2", table = "member")]
pub struct MemberV2 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(length = 40)]
    pub name: String,
    pub mood: MoodV1,
}

/// v2: the new table.
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_v2", table = "note")]
pub struct NoteV2 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = "member.id", on_delete = "cascade")]
    pub member_id: i64,
    #[column(length = 100)]
    pub title: String,
}

/// v3: a column with a server default.
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_v3", table = "member")]
pub struct MemberV3 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(length = 40)]
    pub name: String,
    pub mood: MoodV1,
    #[column(length = 8, server_default = "'en'")]
    pub language: Auto<String>,
}

/// v3's notes (unchanged).
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_v3", table = "note")]
pub struct NoteV3 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = "member.id", on_delete = "cascade")]
    pub member_id: i64,
    #[column(length = 100)]
    pub title: String,
}

/// v4: members unchanged.
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_v4", table = "member")]
pub struct MemberV4 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(length = 40)]
    pub name: String,
    pub mood: MoodV1,
    #[column(length = 8, server_default = "'en'")]
    pub language: Auto<String>,
}

/// v4: an index on the notes' titles.
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_v4", table = "note", index(fields(title)))]
pub struct NoteV4 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = "member.id", on_delete = "cascade")]
    pub member_id: i64,
    #[column(length = 100)]
    pub title: String,
}

/// v5: the name made nullable.
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_v5", table = "member")]
pub struct MemberV5 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(length = 40)]
    pub name: Option<String>,
    pub mood: MoodV1,
    #[column(length = 8, server_default = "'en'")]
    pub language: Auto<String>,
}

/// v5's notes (as v4).
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_v5", table = "note", index(fields(title)))]
pub struct NoteV5 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = "member.id", on_delete = "cascade")]
    pub member_id: i64,
    #[column(length = 100)]
    pub title: String,
}

/// v6: the name required again.
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_v6", table = "member")]
pub struct MemberV6 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(length = 40)]
    pub name: String,
    pub mood: MoodV1,
    #[column(length = 8, server_default = "'en'")]
    pub language: Auto<String>,
}

/// v6's notes (as v4).
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_v6", table = "note", index(fields(title)))]
pub struct NoteV6 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = "member.id", on_delete = "cascade")]
    pub member_id: i64,
    #[column(length = 100)]
    pub title: String,
}

/// v7: the name widened.
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_v7", table = "member")]
pub struct MemberV7 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(length = 80)]
    pub name: String,
    pub mood: MoodV1,
    #[column(length = 8, server_default = "'en'")]
    pub language: Auto<String>,
}

/// v7's notes (as v4).
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_v7", table = "note", index(fields(title)))]
pub struct NoteV7 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = "member.id", on_delete = "cascade")]
    pub member_id: i64,
    #[column(length = 100)]
    pub title: String,
}

/// v8: members as v7.
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_v8", table = "member")]
pub struct MemberV8 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(length = 80)]
    pub name: String,
    pub mood: MoodV1,
    #[column(length = 8, server_default = "'en'")]
    pub language: Auto<String>,
}

/// v8: the title renamed, with its hint (and its index follows it).
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_v8", table = "note", index(fields(headline)))]
pub struct NoteV8 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = "member.id", on_delete = "cascade")]
    pub member_id: i64,
    #[column(length = 100, renamed_from = "title")]
    pub headline: String,
}

/// v9: a label appended to the enum.
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_v9", table = "member")]
pub struct MemberV9 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(length = 80)]
    pub name: String,
    pub mood: MoodV2,
    #[column(length = 8, server_default = "'en'")]
    pub language: Auto<String>,
}

/// v9's notes (as v8).
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_v9", table = "note", index(fields(headline)))]
pub struct NoteV9 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = "member.id", on_delete = "cascade")]
    pub member_id: i64,
    #[column(length = 100, renamed_from = "title")]
    pub headline: String,
}

/// v10: the language dropped (with consent).
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_v10", table = "member")]
pub struct MemberV10 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(length = 80)]
    pub name: String,
    pub mood: MoodV2,
}

/// v10's notes (as v8).
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_v10", table = "note", index(fields(headline)))]
pub struct NoteV10 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = "member.id", on_delete = "cascade")]
    pub member_id: i64,
    #[column(length = 100, renamed_from = "title")]
    pub headline: String,
}

/// A second bind migrated in the same run.
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_other_target", table = "audit_entry")]
pub struct AuditEntry {
    #[column(primary_key)]
    pub id: Auto<i64>,
    pub action: String,
}

/// Before a table rename: posts and the comments that reference them.
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_rename_v1", table = "post")]
pub struct PostBefore {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(length = 100, unique)]
    pub title: String,
}

/// Comments, referencing posts.
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_rename_v1", table = "comment")]
pub struct CommentBefore {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = "post.id", on_delete = "cascade")]
    pub post_id: i64,
    pub body: String,
}

/// After: the table renamed, with its hint.
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_rename_v2", table = "article", renamed_from = "post")]
pub struct ArticleAfter {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(length = 100, unique)]
    pub title: String,
}

/// Comments, now referencing articles.
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_rename_v2", table = "comment")]
pub struct CommentAfter {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = "article.id", on_delete = "cascade")]
    pub post_id: i64,
    pub body: String,
}

/// A child table without its foreign key yet...
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_fk_v1", table = "owner")]
pub struct OwnerV1 {
    #[column(primary_key)]
    pub id: Auto<i64>,
}

/// ...whose rows may point nowhere.
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_fk_v1", table = "pet")]
pub struct PetV1 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    pub owner_id: i64,
}

/// The owners, unchanged.
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_fk_v2", table = "owner")]
pub struct OwnerV2 {
    #[column(primary_key)]
    pub id: Auto<i64>,
}

/// The foreign key added.
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_fk_v2", table = "pet")]
pub struct PetV2 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = "owner.id")]
    pub owner_id: i64,
}

/// Before a column with a date default.
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_default_v1", table = "event")]
pub struct EventV1 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    pub name: String,
}

/// After: a date column whose default is a date literal (which is not a number).
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_default_v2", table = "event")]
pub struct EventV2 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    pub name: String,
    #[column(server_default = "'2024-01-01'")]
    pub since: Auto<chrono::NaiveDate>,
}

/// Shops, referenced below.
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_index_v1", table = "shop")]
pub struct ShopV1 {
    #[column(primary_key)]
    pub id: Auto<i64>,
}

/// A foreign key column with an index of its own.
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_index_v1", table = "item")]
pub struct ItemV1 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = "shop.id", index)]
    pub shop_id: i64,
}

/// Shops, unchanged.
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_index_v2", table = "shop")]
pub struct ShopV2 {
    #[column(primary_key)]
    pub id: Auto<i64>,
}

/// The index taken off; the key stays (on MySQL it needs an index, which InnoDB makes).
#[derive(Model, Debug, Clone)]
#[model(bind = "mig_index_v2", table = "item")]
pub struct ItemV2 {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = "shop.id")]
    pub shop_id: i64,
}
