//! The user-defined and added column types under test: newtypes, enums stored three ways,
//! typed JSON, decimals, times, unsigned integers and the `time` crate's types.

use chrono::NaiveTime;
use model_core::{Auto, BindSelection, ColumnType, Config, Database, Json, Model};
use model_tests::{Kind, TestDb};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An id newtype: the key, and a nullable foreign key to it.
#[derive(ColumnType, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct MemberId(pub i64);

/// A string newtype, with `length` and `unique`.
#[derive(ColumnType, Debug, Clone, PartialEq, Eq, Default)]
pub struct Email(pub String);

/// Stored as text, labels in snake_case, one renamed.
#[derive(ColumnType, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[column_type(rename_all = "snake_case")]
pub enum Status {
    #[default]
    Active,
    OnHold,
    #[column_type(rename = "gone")]
    Archived,
}

/// Stored as the backend's own enum; one label holds a quote, which the DDL must escape.
#[derive(ColumnType, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[column_type(storage = "native", rename_all = "lowercase")]
pub enum Mood {
    #[default]
    Happy,
    Sad,
    #[column_type(rename = "it's complicated")]
    Complicated,
}

/// Stored as its discriminants in a SMALLINT.
#[derive(ColumnType, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[column_type(storage = "integer")]
#[repr(i16)]
pub enum Priority {
    #[default]
    Low = 1,
    High = 10,
    Urgent = -5,
}

/// A JSON document with nesting.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Settings {
    pub theme: String,
    pub tags: Vec<String>,
    pub limits: std::collections::BTreeMap<String, i64>,
    pub child: Option<Box<Settings>>,
}

/// One column of every added type.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "types")]
pub struct Member {
    #[column(primary_key)]
    pub id: Auto<MemberId>,
    #[column(length = 120, unique)]
    pub email: Email,
    #[column(foreign_key = Self::ID)]
    pub referrer: Option<MemberId>,
    pub status: Status,
    #[column(index)]
    pub mood: Mood,
    pub old_mood: Option<Mood>,
    pub priority: Priority,
    pub settings: Json<Settings>,
    #[column(precision = 12, scale = 2)]
    pub balance: Decimal,
    #[column(precision = 28, scale = 10)]
    pub wide: Option<Decimal>,
    pub opens_at: NaiveTime,
    pub small: u8,
    pub medium: u16,
    pub large: u32,
    pub tiny: i8,
    pub born: time::Date,
    pub wakes: time::Time,
    pub seen: time::PrimitiveDateTime,
    pub stamped: time::OffsetDateTime,
}

/// A second model using the native enum, in a bind of its own.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "diary")]
pub struct Diary {
    #[column(primary_key, autoincrement = false)]
    pub day: i32,
    pub mood: Mood,
}

/// A decimal from its text.
pub fn dec(text: &str) -> Decimal {
    text.parse().expect("a decimal literal")
}

/// A time of day.
pub fn hms_micro(h: u32, m: u32, s: u32, micro: u32) -> NaiveTime {
    NaiveTime::from_hms_micro_opt(h, m, s, micro).expect("a time of day")
}

/// A member with `n` in its email and every other column at an ordinary value.
pub fn member(n: i64) -> Member {
    Member {
        id: Auto::default(),
        email: Email(format!("m{n}@example.com")),
        referrer: None,
        status: Status::Active,
        mood: Mood::Happy,
        old_mood: None,
        priority: Priority::Low,
        settings: Json(Settings {
            theme: "dark".into(),
            ..Settings::default()
        }),
        balance: dec("10.50"),
        wide: None,
        opens_at: hms_micro(9, 0, 0, 0),
        small: 1,
        medium: 2,
        large: 3,
        tiny: -1,
        born: time::Date::from_calendar_date(1990, time::Month::May, 17).unwrap(),
        wakes: time::Time::from_hms(7, 30, 0).unwrap(),
        seen: time::PrimitiveDateTime::new(
            time::Date::from_calendar_date(2024, time::Month::February, 29).unwrap(),
            time::Time::from_hms_micro(12, 0, 0, 250).unwrap(),
        ),
        stamped: time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
    }
}

/// A database with the `types` bind created, on a fresh test database.
pub async fn open(kind: Kind, label: &str) -> Option<(TestDb, Database)> {
    let t = TestDb::new(kind, label).await?;
    let db = Database::connect(Config::binds_only().bind("types", t.url.clone()))
        .await
        .unwrap();
    db.create_all_in(BindSelection::named("types"))
        .await
        .unwrap();
    Some((t, db))
}

/// A type mapped by hand, with nothing but the public trait: a colour kept as `#rrggbb` text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl model_core::ColumnType for Rgb {
    type Base = Self;
    const SQL_TYPE: model_core::SqlType = model_core::SqlType::Text;
    fn to_value(&self) -> model_core::Value {
        model_core::Value::Text(format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2))
    }
    fn from_value(value: model_core::Value) -> Result<Self, model_core::ValueError> {
        let model_core::Value::Text(text) = value else {
            return Err(model_core::ValueError::unexpected(&value, Self::SQL_TYPE));
        };
        let hex = text.strip_prefix('#').filter(|h| h.len() == 6);
        let byte = |i: usize| hex.and_then(|h| u8::from_str_radix(h.get(i..i + 2)?, 16).ok());
        match (byte(0), byte(2), byte(4)) {
            (Some(r), Some(g), Some(b)) => Ok(Rgb(r, g, b)),
            _ => Err(model_core::ValueError::new(format!(
                "{text:?} is not a #rrggbb colour"
            ))),
        }
    }
}

/// Columns of the hand-mapped type.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(bind = "types")]
pub struct Palette {
    #[column(primary_key)]
    pub id: model_core::Auto<i64>,
    #[column(index)]
    pub color: Rgb,
    pub accent: Option<Rgb>,
}
