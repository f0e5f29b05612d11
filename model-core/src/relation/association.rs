//! Writing a many-to-many: `Post::TAGS.add(&db, &post, &tag)` inserts the pair into the
//! association table, `remove` deletes it (Flask-SQLAlchemy's `post.tags.append(tag)` and
//! `post.tags.remove(tag)`). Through `&mut session` they join the session's transaction.

use super::handles::ManyToMany;
use crate::change::{Change, Operation};
use crate::error::{Error, Result};
use crate::executor::{Executor, On, Runner, on_executor};
use crate::meta::Link;
use crate::model::Model;
use crate::query::SqlWriter;
use crate::value::Value;

impl<A: Model, B: Model> ManyToMany<A, B> {
    /// Relates `a` to `b`: inserts the pair into the association table. Relating them twice
    /// breaks the table's primary key ([`Error::constraint_violation`] says so).
    #[track_caller]
    pub fn add<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
        a: &'a A,
        b: &'a B,
    ) -> impl std::future::Future<Output = Result<()>> + Send + 'a {
        crate::record::from_caller(async move {
            let pair = self.pair(a, b);
            on_executor!(db, |run| self.write_pair(run, pair, Operation::Insert)).map(drop)
        })
    }

    /// Unrelates `a` and `b`: deletes the pair from the association table; whether it was
    /// there is the returned flag.
    #[track_caller]
    pub fn remove<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
        a: &'a A,
        b: &'a B,
    ) -> impl std::future::Future<Output = Result<bool>> + Send + 'a {
        crate::record::from_caller(async move {
            let pair = self.pair(a, b);
            let removed = on_executor!(db, |run| self.write_pair(run, pair, Operation::Delete))?;
            Ok(removed > 0)
        })
    }

    /// The association's two key values for `a` and `b`.
    fn pair(&self, a: &A, b: &B) -> [(&'static str, Value); 2] {
        let value = |link: &Link, row: Option<Value>| {
            (
                link.child_column,
                row.unwrap_or(Value::Invalid(format!(
                    "no column \"{}\" to relate by",
                    link.parent_column
                ))),
            )
        };
        [
            value(&self.source, a.column_value(self.source.parent_position)),
            value(&self.target, b.column_value(self.target.parent_position)),
        ]
    }

    async fn write_pair(
        &self,
        run: &mut Runner<'_>,
        pair: [(&'static str, Value); 2],
        operation: Operation,
    ) -> Result<u64> {
        let table = self.association();
        let on = On::Table(table);
        let mut w = SqlWriter::new(run.dialect(on)?);
        let [(first, a), (second, b)] = pair;
        let key = vec![a.clone(), b.clone()];
        let action = match operation {
            Operation::Delete => {
                w.push("DELETE FROM ");
                w.ident(table.name());
                w.push(" WHERE ");
                w.ident(first);
                w.push(" = ");
                w.value(a);
                w.push(" AND ");
                w.ident(second);
                w.push(" = ");
                w.value(b);
                "deleting from"
            }
            _ => {
                w.push("INSERT INTO ");
                w.ident(table.name());
                w.push(" (");
                w.ident_list([first, second]);
                w.push(") VALUES (");
                w.value(a);
                w.push(", ");
                w.value(b);
                w.push(")");
                "inserting into"
            }
        };
        let (sql, args) = w.finish();
        run.write(
            on,
            sql,
            args,
            |bind, e| Error::writing(table, bind, action, e),
            || vec![Change::of(table, operation, key)],
        )
        .await
    }
}
