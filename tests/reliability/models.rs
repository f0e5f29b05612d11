//! The models of the default bind, which every test creates in a database of its own. Models of
//! other binds live beside the tests that use them, so every test creates only
//! `BindSelection::Default` unless it configures those binds.

use model_core::Model;

/// A row owned by one task of the load test: the task's number and a counter it bumps.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "rel_item")]
pub struct Item {
    #[column(primary_key, autoincrement = false)]
    pub id: i64,
    pub owner: i32,
    #[column(length = 64)]
    pub label: String,
    pub amount: i64,
}

impl Item {
    /// A fresh item.
    pub fn new(id: i64, owner: i32, amount: i64) -> Item {
        Item {
            id,
            owner,
            label: format!("item {id}"),
            amount,
        }
    }
}

/// Names that would break any SQL built by pasting strings: quotes of every kind, spaces,
/// reserved words, placeholders and a comment.
#[derive(Model, Debug, Clone)]
#[model(table = "odd \"table\" `name`; 'x' --")]
pub struct Hostile {
    #[column(primary_key, autoincrement = false, name = "select")]
    pub id: i64,
    #[column(name = "from \"where\" `x` 'y'")]
    pub text: String,
    #[column(name = "?")]
    pub raw: Vec<u8>,
    #[column(name = "$1", index)]
    pub small: i16,
    #[column(name = "order")]
    pub big: i64,
    #[column(name = "group by")]
    pub float: f64,
    #[column(name = "%s")]
    pub maybe: Option<String>,
    #[column(name = "NULL")]
    pub flag: bool,
}
