//! What `#[derive(Model)]` and `#[derive(ColumnGroup)]` generate: table names, binds, column
//! metadata, keys, indexes, handles, registration, and the DDL each dialect renders for them.
//! No database is needed here.

use chrono::NaiveDateTime;
use model_core::dialect::{Dialect, MariaDbDialect, MySqlDialect, PostgresDialect, SqliteDialect};
use model_core::{Auto, ColumnGroup, Model, ReferentialAction, SqlType, Value, registry};

fn new_id() -> String {
    "00000000-0000-0000-0000-000000000000".to_owned()
}

fn epoch() -> NaiveDateTime {
    chrono::DateTime::from_timestamp(0, 0).unwrap().naive_utc()
}

/// The `BaseModel` of Flask apps: every model gets these columns.
#[derive(ColumnGroup, Debug, Clone, PartialEq)]
pub struct Timestamps {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(default = epoch, server_default = "CURRENT_TIMESTAMP")]
    pub created_at: Auto<NaiveDateTime>,
    #[column(default = epoch, onupdate = epoch)]
    pub updated_at: Auto<NaiveDateTime>,
}

#[derive(Model, Debug)]
#[model(bind = "users")]
pub struct TokenBlocklist {
    #[column(primary_key, length = 36, default = new_id)]
    pub id: Auto<String>,
    #[column(index)]
    pub jti: String,
    pub created_at: NaiveDateTime,
}

#[derive(Model, Debug)]
pub struct User {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(unique, length = 80)]
    pub username: String,
    pub email: Option<String>,
    #[column(name = "kind")]
    pub r#type: String,
    #[column(skip)]
    pub cache: Vec<String>,
}

#[derive(Model, Debug)]
#[allow(clippy::upper_case_acronyms)]
pub struct HTTPServer {
    #[column(primary_key, autoincrement = false)]
    pub port: i32,
    pub r#type: String,
}

#[derive(Model, Debug)]
#[model(table = "people")]
pub struct Person {
    #[column(flatten)]
    pub base: Timestamps,
    pub name: String,
}

#[derive(Model, Debug)]
pub struct Membership {
    #[column(primary_key, foreign_key = "user.id", on_delete = "cascade")]
    pub user_id: i64,
    #[column(primary_key)]
    pub group_id: i32,
    #[column(foreign_key = "people.id", on_delete = "set_null")]
    pub invited_by: Option<i64>,
}

#[derive(Model, Debug)]
#[model(
    index(fields(last_name, first_name)),
    unique(fields(email, tenant), name = "uq_contact_email")
)]
pub struct Contact {
    #[column(primary_key)]
    pub id: Auto<i32>,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub tenant: i16,
}

#[derive(Model, Debug)]
#[model(bind = "types")]
pub struct Stamped {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(server_default = "now(6)")]
    pub at: Auto<NaiveDateTime>,
    #[column(server_default = "'none'")]
    pub label: Auto<String>,
    #[column(server_default = "1 + 1")]
    pub n: Auto<i32>,
}

#[derive(Model, Debug)]
#[model(bind = "types")]
pub struct Everything {
    #[column(primary_key)]
    pub id: Auto<i64>,
    pub small: i16,
    pub int: i32,
    pub real: f32,
    pub double: f64,
    pub flag: bool,
    pub text: String,
    pub bytes: Vec<u8>,
    pub at: NaiveDateTime,
    pub at_utc: chrono::DateTime<chrono::Utc>,
    pub day: chrono::NaiveDate,
    pub uid: uuid::Uuid,
    pub doc: serde_json::Value,
    pub maybe: Option<i64>,
    pub maybe_text: Option<String>,
    pub maybe_uid: Option<uuid::Uuid>,
}

/// Declared by a `macro_rules!`: field types and names come from another hygiene context.
macro_rules! declare_model {
    ($name:ident, $key:ty) => {
        #[derive(Model, Debug)]
        #[model(bind = "hygiene")]
        pub struct $name {
            #[column(primary_key)]
            pub id: Auto<$key>,
            pub label: String,
        }
    };
}
declare_model!(MacroMade, i64);

/// Generated code names everything by absolute path, so it works without the prelude.
#[no_implicit_prelude]
mod bare {
    #[derive(::model_core::Model)]
    #[model(bind = "hygiene")]
    pub struct Bare {
        #[column(primary_key)]
        pub id: ::model_core::Auto<i64>,
        pub name: ::std::string::String,
        pub note: ::std::option::Option<::std::string::String>,
    }
}

// As if the dependency were renamed: `::mc` is model-core and `::model_core` is not used below.
extern crate model_core as mc;

/// Through a renamed dependency.
#[derive(mc::Model)]
#[model(bind = "hygiene", crate = "::mc")]
pub struct Renamed {
    #[column(primary_key)]
    pub id: Auto<i32>,
}

#[test]
fn models_from_macros_without_prelude_and_renamed_crates_work() {
    assert_eq!(MacroMade::table().name(), "macro_made");
    assert_eq!(MacroMade::LABEL.position(), 1);
    assert_eq!(bare::Bare::table().columns().len(), 3);
    assert!(bare::Bare::table().column("note").unwrap().is_nullable());
    assert_eq!(<Renamed as mc::Model>::TABLE.name(), "renamed");
}

#[test]
fn table_names_follow_the_struct_name() {
    assert_eq!(User::table().name(), "user");
    assert_eq!(TokenBlocklist::table().name(), "token_blocklist");
    assert_eq!(HTTPServer::table().name(), "http_server");
    assert_eq!(Person::table().name(), "people");
    assert_eq!(User::table().model(), "User");
    assert_eq!(User::table().module_path(), module_path!());
}

#[test]
fn binds_come_from_the_attribute() {
    assert_eq!(TokenBlocklist::table().bind(), Some("users"));
    assert_eq!(User::table().bind(), None);
}

#[test]
fn columns_keep_declaration_order_names_and_types() {
    let columns: Vec<(&str, &str, SqlType, bool)> = User::table()
        .columns()
        .iter()
        .map(|c| (c.name(), c.field(), c.sql_type(), c.is_nullable()))
        .collect();
    assert_eq!(
        columns,
        vec![
            ("id", "id", SqlType::BigInt, false),
            ("username", "username", SqlType::Text, false),
            ("email", "email", SqlType::Text, true),
            ("kind", "type", SqlType::Text, false),
        ],
        "skipped fields have no column; raw identifiers lose their r#"
    );
    let username = User::table().column("username").unwrap();
    assert!(username.is_unique() && !username.is_indexed());
    assert_eq!(username.length(), Some(80));
    assert_eq!(HTTPServer::table().column("type").unwrap().field(), "type");
}

#[test]
fn every_supported_type_maps_to_its_sql_type() {
    let types: Vec<(&str, SqlType, bool)> = Everything::table()
        .columns()
        .iter()
        .map(|c| (c.name(), c.sql_type(), c.is_nullable()))
        .collect();
    assert_eq!(
        types,
        vec![
            ("id", SqlType::BigInt, false),
            ("small", SqlType::SmallInt, false),
            ("int", SqlType::Integer, false),
            ("real", SqlType::Real, false),
            ("double", SqlType::Double, false),
            ("flag", SqlType::Boolean, false),
            ("text", SqlType::Text, false),
            ("bytes", SqlType::Blob, false),
            ("at", SqlType::Timestamp, false),
            ("at_utc", SqlType::TimestampTz, false),
            ("day", SqlType::Date, false),
            ("uid", SqlType::Uuid, false),
            ("doc", SqlType::Json, false),
            ("maybe", SqlType::BigInt, true),
            ("maybe_text", SqlType::Text, true),
            ("maybe_uid", SqlType::Uuid, true),
        ]
    );
}

#[test]
fn autoincrement_defaults_to_a_single_integer_primary_key() {
    let user = User::table();
    assert!(user.is_autoincrement(user.column("id").unwrap()));
    let server = HTTPServer::table();
    assert!(
        !server.is_autoincrement(server.column("port").unwrap()),
        "autoincrement = false"
    );
    let token = TokenBlocklist::table();
    assert!(
        !token.is_autoincrement(token.column("id").unwrap()),
        "string keys do not autoincrement"
    );
    let membership = Membership::table();
    assert!(
        !membership.is_autoincrement(membership.column("user_id").unwrap()),
        "composite keys do not"
    );
}

#[test]
fn composite_primary_keys_and_foreign_keys() {
    let table = Membership::table();
    let pk: Vec<&str> = table.primary_key().map(|c| c.name()).collect();
    assert_eq!(pk, ["user_id", "group_id"]);
    let fks: Vec<(&str, &str, &str, Option<ReferentialAction>)> = table
        .foreign_keys()
        .map(|(c, fk)| (c.name(), fk.table(), fk.column(), fk.on_delete()))
        .collect();
    assert_eq!(
        fks,
        vec![
            ("user_id", "user", "id", Some(ReferentialAction::Cascade)),
            (
                "invited_by",
                "people",
                "id",
                Some(ReferentialAction::SetNull)
            ),
        ]
    );
}

#[test]
fn flattened_groups_are_inlined_in_place() {
    let names: Vec<&str> = Person::table().columns().iter().map(|c| c.name()).collect();
    assert_eq!(names, ["id", "created_at", "updated_at", "name"]);
    let table = Person::table();
    assert_eq!(
        table.primary_key().map(|c| c.name()).collect::<Vec<_>>(),
        ["id"]
    );
    assert!(table.is_autoincrement(table.column("id").unwrap()));
    let created = table.column("created_at").unwrap();
    assert_eq!(created.server_default(), Some("CURRENT_TIMESTAMP"));
    assert_eq!(created.default_value(), Some(Value::Timestamp(epoch())));
    let updated = table.column("updated_at").unwrap();
    assert!(updated.has_onupdate() && updated.has_default());
    assert_eq!(<Timestamps as ColumnGroup>::COLUMNS.len(), 3);
}

#[test]
fn client_defaults_produce_typed_values() {
    let id = TokenBlocklist::table().column("id").unwrap();
    assert_eq!(id.default_value(), Some(Value::Text(new_id())));
    assert!(
        TokenBlocklist::table()
            .column("jti")
            .unwrap()
            .default_value()
            .is_none()
    );
}

#[test]
fn indexes_and_unique_constraints_get_names() {
    let indexes: Vec<(String, Vec<&str>, bool, bool)> = Contact::table()
        .indexes()
        .into_iter()
        .map(|i| (i.name, i.columns, i.unique, i.constraint))
        .collect();
    assert_eq!(
        indexes,
        vec![
            (
                "ix_contact_last_name_first_name".to_owned(),
                vec!["last_name", "first_name"],
                false,
                false
            ),
            (
                "uq_contact_email".to_owned(),
                vec!["email", "tenant"],
                true,
                true
            ),
        ]
    );
    let token: Vec<String> = TokenBlocklist::table()
        .indexes()
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(token, ["ix_token_blocklist_jti"]);
}

#[test]
fn column_handles_know_name_and_position() {
    assert_eq!(User::USERNAME.name(), "username");
    assert_eq!(User::USERNAME.position(), 1);
    assert_eq!(User::TYPE.name(), "kind");
    assert_eq!(User::TYPE.def().field(), "type");
    // After a flattened group, positions count the group's columns.
    assert_eq!(Person::NAME.position(), 3);
    assert_eq!(Timestamps::UPDATED_AT.position(), 2);
    let _typed: model_core::Column<User, Option<String>> = User::EMAIL;
}

#[test]
fn the_registry_holds_every_model_sorted() {
    let names: Vec<(Option<&str>, &str)> = registry::tables()
        .iter()
        .map(|t| (t.bind(), t.name()))
        .collect();
    assert_eq!(
        names,
        vec![
            (None, "contact"),
            (None, "http_server"),
            (None, "membership"),
            (None, "people"),
            (None, "tag"),
            (None, "user"),
            (Some("handles"), "authors"),
            (Some("handles"), "entry"),
            (Some("hygiene"), "bare"),
            (Some("hygiene"), "macro_made"),
            (Some("hygiene"), "renamed"),
            (Some("types"), "everything"),
            (Some("types"), "stamped"),
            (Some("users"), "token_blocklist"),
        ]
    );
    assert_eq!(
        registry::binds(),
        vec![
            None,
            Some("handles"),
            Some("hygiene"),
            Some("types"),
            Some("users")
        ]
    );
    let users: Vec<&str> = registry::tables_in(Some("users"))
        .map(|t| t.model())
        .collect();
    assert_eq!(users, ["TokenBlocklist"]);
    assert_eq!(
        registry::find_model("Membership").map(|t| t.name()),
        Some("membership")
    );
}

#[test]
fn query_renders_every_column_in_order() {
    let (sql, values) = User::query().to_sql(&PostgresDialect);
    assert_eq!(
        sql,
        r#"SELECT "id", "username", "email", "kind" FROM "user""#
    );
    assert!(values.is_empty());
    let (sql, _) = User::query().to_sql(&MySqlDialect);
    assert_eq!(sql, "SELECT `id`, `username`, `email`, `kind` FROM `user`");
}

#[test]
fn sqlite_ddl() {
    assert_eq!(
        SqliteDialect.create_table(Membership::table()),
        vec![[
            r#"CREATE TABLE IF NOT EXISTS `membership` ("#,
            r#"    `user_id` BIGINT NOT NULL,"#,
            r#"    `group_id` INT NOT NULL,"#,
            r#"    `invited_by` BIGINT,"#,
            r#"    PRIMARY KEY (`user_id`, `group_id`),"#,
            r#"    CONSTRAINT `fk_membership_user_id_user` FOREIGN KEY (`user_id`) REFERENCES `user` (`id`) ON DELETE CASCADE,"#,
            r#"    CONSTRAINT `fk_membership_invited_by_people` FOREIGN KEY (`invited_by`) REFERENCES `people` (`id`) ON DELETE SET NULL"#,
            r#")"#,
        ]
        .join("\n")]
    );
    assert_eq!(
        SqliteDialect.create_table(Person::table()),
        vec![
            [
                r#"CREATE TABLE IF NOT EXISTS `people` ("#,
                r#"    `id` INTEGER NOT NULL PRIMARY KEY,"#,
                r#"    `created_at` DATETIME NOT NULL DEFAULT (CURRENT_TIMESTAMP),"#,
                r#"    `updated_at` DATETIME NOT NULL,"#,
                r#"    `name` TEXT NOT NULL"#,
                r#")"#,
            ]
            .join("\n")
        ]
    );
}

#[test]
fn postgres_ddl() {
    assert_eq!(
        PostgresDialect.create_table(User::table()),
        vec![
            [
                r#"CREATE TABLE IF NOT EXISTS "user" ("#,
                r#"    "id" BIGINT GENERATED BY DEFAULT AS IDENTITY NOT NULL,"#,
                r#"    "username" VARCHAR(80) NOT NULL,"#,
                r#"    "email" TEXT,"#,
                r#"    "kind" TEXT NOT NULL,"#,
                r#"    PRIMARY KEY ("id"),"#,
                r#"    CONSTRAINT "uq_user_username" UNIQUE ("username")"#,
                r#")"#,
            ]
            .join("\n")
        ]
    );
    assert_eq!(
        PostgresDialect.create_table(TokenBlocklist::table())[1],
        r#"CREATE INDEX IF NOT EXISTS "ix_token_blocklist_jti" ON "token_blocklist" ("jti")"#
    );
}

#[test]
fn mysql_ddl() {
    assert_eq!(
        MySqlDialect.create_table(Contact::table()),
        vec![
            [
                "CREATE TABLE IF NOT EXISTS `contact` (",
                "    `id` INT NOT NULL AUTO_INCREMENT,",
                "    `first_name` VARCHAR(255) NOT NULL,",
                "    `last_name` VARCHAR(255) NOT NULL,",
                "    `email` VARCHAR(255) NOT NULL,",
                "    `tenant` SMALLINT NOT NULL,",
                "    PRIMARY KEY (`id`),",
                "    CONSTRAINT `uq_contact_email` UNIQUE (`email`, `tenant`),",
                "    INDEX `ix_contact_last_name_first_name` (`last_name`, `first_name`)",
                ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=`utf8mb4_bin`",
            ]
            .join("\n")
        ],
        "keyed strings without length become VARCHAR(255); indexes are declared inline; \
         a binary collation tells every character apart"
    );
    assert!(
        MariaDbDialect.create_table(Contact::table())[0]
            .ends_with(") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=`utf8mb4_nopad_bin`"),
        "MariaDB's binary collation that does not pad with spaces"
    );
    assert_eq!(
        MySqlDialect.drop_table(User::table()),
        "DROP TABLE IF EXISTS `user`"
    );
}

/// `collation` on a model sets its text columns' collation; on a column, that column's.
#[derive(Model)]
#[model(collation = "utf8mb4_general_ci")]
struct Tag {
    #[column(primary_key)]
    id: Auto<i64>,
    #[column(length = 20)]
    name: String,
    #[column(collation = "C")]
    code: Option<String>,
}

#[test]
fn collations_are_written_per_dialect() {
    let sqlite = SqliteDialect.create_table(Tag::table()).join("\n");
    assert!(
        sqlite.contains(r#"`name` VARCHAR(20) COLLATE `utf8mb4_general_ci` NOT NULL"#),
        "{sqlite}"
    );
    let postgres = PostgresDialect.create_table(Tag::table()).join("\n");
    assert!(
        postgres.contains(r#""code" TEXT COLLATE "C","#),
        "{postgres}"
    );
    assert!(!postgres.contains(r#""id" BIGINT COLLATE"#), "{postgres}");
    let mysql = MySqlDialect.create_table(Tag::table()).join("\n");
    assert!(mysql.contains("`name` VARCHAR(20) NOT NULL"), "{mysql}");
    assert!(mysql.contains("`code` LONGTEXT COLLATE `C`"), "{mysql}");
    assert!(mysql.ends_with("COLLATE=`utf8mb4_general_ci`"), "{mysql}");
}

#[test]
fn identifiers_are_quoted_with_embedded_quotes_doubled() {
    let mut out = String::new();
    PostgresDialect.push_ident(&mut out, r#"we"ird"#);
    assert_eq!(out, r#""we""ird""#);
    let mut out = String::new();
    MySqlDialect.push_ident(&mut out, "we`ird");
    assert_eq!(out, "`we``ird`");
}

/// Referenced by handle below, under a table name of its own.
#[derive(Model, Debug)]
#[model(bind = "handles", table = "authors")]
pub struct Author {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(unique, length = 80)]
    pub handle: String,
}

/// Foreign keys by column handle: to another model (its table name, not its struct's), to a
/// unique non-key column, and to itself.
#[derive(Model, Debug)]
#[model(bind = "handles")]
pub struct Entry {
    #[column(primary_key)]
    pub id: Auto<i64>,
    #[column(foreign_key = Author::ID, on_delete = "cascade")]
    pub author_id: i64,
    #[column(foreign_key = Author::HANDLE, length = 80)]
    pub author_handle: Option<String>,
    #[column(foreign_key = Entry::ID, on_delete = "set_null")]
    pub parent_id: Option<i64>,
    #[column(foreign_key = Self::ID)]
    pub previous_id: Option<i64>,
}

#[test]
fn foreign_keys_by_handle_name_the_models_table_and_column() {
    let fks: Vec<(&str, &str, &str, Option<ReferentialAction>)> = Entry::table()
        .foreign_keys()
        .map(|(c, fk)| (c.name(), fk.table(), fk.column(), fk.on_delete()))
        .collect();
    assert_eq!(
        fks,
        vec![
            (
                "author_id",
                "authors",
                "id",
                Some(ReferentialAction::Cascade)
            ),
            ("author_handle", "authors", "handle", None),
            ("parent_id", "entry", "id", Some(ReferentialAction::SetNull)),
            ("previous_id", "entry", "id", None),
        ]
    );
}
