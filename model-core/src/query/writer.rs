//! Rendering SQL through a dialect: identifiers quoted by the dialect, values appended to the
//! bound list with the dialect's placeholder. The only way query code writes SQL.

use std::borrow::Cow;

use crate::dialect::Dialect;
use crate::value::Value;

/// SQL text and its bound values, being written for one dialect.
pub(crate) struct SqlWriter<'d> {
    dialect: &'d dyn Dialect,
    sql: String,
    values: Vec<Value>,
    /// The table (or alias) column names are written under, where a statement reads several.
    qualifier: Option<Cow<'static, str>>,
    /// How many subquery aliases were handed out.
    aliases: usize,
}

impl<'d> SqlWriter<'d> {
    pub(crate) fn new(dialect: &'d dyn Dialect) -> Self {
        SqlWriter {
            dialect,
            sql: String::with_capacity(128),
            values: Vec::new(),
            qualifier: None,
            aliases: 0,
        }
    }

    pub(crate) fn dialect(&self) -> &'d dyn Dialect {
        self.dialect
    }

    /// Appends SQL keywords or punctuation (never user data).
    pub(crate) fn push(&mut self, sql: &str) {
        self.sql.push_str(sql);
    }

    /// Appends a quoted identifier.
    pub(crate) fn ident(&mut self, ident: &str) {
        self.dialect.push_ident(&mut self.sql, ident);
    }

    /// Appends a quoted column name, under the qualifier when one is set (`"post"."id"`).
    pub(crate) fn column(&mut self, name: &str) {
        if let Some(table) = &self.qualifier {
            self.dialect.push_ident(&mut self.sql, table);
            self.sql.push('.');
        }
        self.dialect.push_ident(&mut self.sql, name);
    }

    /// Writes column names under `table` from now on (`None`: unqualified); returns the
    /// qualifier it replaces.
    pub(crate) fn set_qualifier(
        &mut self,
        table: Option<Cow<'static, str>>,
    ) -> Option<Cow<'static, str>> {
        std::mem::replace(&mut self.qualifier, table)
    }

    /// The table (or alias) column names are written under now.
    pub(crate) fn qualifier(&self) -> Option<&str> {
        self.qualifier.as_deref()
    }

    /// A new alias for a subquery's table, unique in the statement.
    pub(crate) fn next_alias(&mut self) -> String {
        self.aliases += 1;
        format!("model_core_{}", self.aliases)
    }

    /// Appends a placeholder and binds `value` to it.
    pub(crate) fn value(&mut self, value: Value) {
        self.values.push(value);
        self.dialect
            .push_placeholder(&mut self.sql, self.values.len());
    }

    /// Appends `"a", "b", "c"`.
    pub(crate) fn ident_list<'a>(&mut self, idents: impl IntoIterator<Item = &'a str>) {
        for (i, ident) in idents.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.ident(ident);
        }
    }

    pub(crate) fn finish(self) -> (String, Vec<Value>) {
        (self.sql, self.values)
    }
}
