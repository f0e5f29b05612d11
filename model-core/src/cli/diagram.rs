//! The registry drawn: each bind's tables with their columns and keys, and an edge per
//! foreign key (what every relationship follows), as a Mermaid `erDiagram` or Graphviz DOT.
//! Types are the bind's backend's, as `create_all` writes them.

use std::fmt::Write as _;

use crate::catalog::{Schema, TableSchema};

/// A Mermaid `erDiagram` of `schema`.
pub(crate) fn mermaid(schema: &Schema) -> String {
    let mut out = String::from("erDiagram\n");
    for table in &schema.tables {
        let _ = writeln!(out, "    {} {{", mermaid_name(&table.name));
        for column in &table.columns {
            let keys = keys(table, &column.name);
            let _ = write!(
                out,
                "        {} {}",
                mermaid_type(&column.data_type),
                mermaid_name(&column.name)
            );
            if !keys.is_empty() {
                let _ = write!(out, " {}", keys.join(", "));
            }
            if column.nullable {
                out.push_str(" \"nullable\"");
            }
            out.push('\n');
        }
        out.push_str("    }\n");
    }
    for table in &schema.tables {
        for fk in &table.foreign_keys {
            let optional = fk
                .columns
                .iter()
                .any(|c| table.column(c).is_some_and(|c| c.nullable));
            // Many rows of the referencing table to one (or, when nullable, zero or one) of
            // the referenced.
            let _ = writeln!(
                out,
                "    {} }}o--{} {} : \"{}\"",
                mermaid_name(&table.name),
                if optional { "o|" } else { "||" },
                mermaid_name(&fk.ref_table),
                fk.columns.join(", ").replace('"', "'")
            );
        }
    }
    out
}

/// A Graphviz DOT graph of `schema`: a record per table, an edge per foreign key.
pub(crate) fn dot(schema: &Schema) -> String {
    let mut out = String::from("digraph schema {\n    rankdir=LR;\n    node [shape=record];\n");
    for table in &schema.tables {
        let mut rows = Vec::new();
        for column in &table.columns {
            let keys = keys(table, &column.name);
            let mut row = format!("{} {}", column.name, column.data_type);
            if !keys.is_empty() {
                let _ = write!(row, " {}", keys.join(","));
            }
            if column.nullable {
                row.push_str(" NULL");
            }
            rows.push(record_text(&row));
        }
        let _ = writeln!(
            out,
            "    {} [label=\"{{{}|{}\\l}}\"];",
            dot_id(&table.name),
            record_text(&table.name),
            rows.join("\\l")
        );
    }
    for table in &schema.tables {
        for fk in &table.foreign_keys {
            let _ = writeln!(
                out,
                "    {} -> {} [label={}];",
                dot_id(&table.name),
                dot_id(&fk.ref_table),
                dot_id(&fk.columns.join(", "))
            );
        }
    }
    out.push_str("}\n");
    out
}

/// `PK`, `FK`, `UK` for `column` of `table`.
fn keys(table: &TableSchema, column: &str) -> Vec<&'static str> {
    let mut keys = Vec::new();
    if table.primary_key.iter().any(|c| c == column) {
        keys.push("PK");
    }
    if table
        .foreign_keys
        .iter()
        .any(|fk| fk.columns.iter().any(|c| c == column))
    {
        keys.push("FK");
    }
    if table
        .indexes
        .iter()
        .any(|i| i.unique && i.columns.len() == 1 && i.columns[0] == column)
    {
        keys.push("UK");
    }
    keys
}

/// Mermaid names are words: anything else becomes `_`.
fn mermaid_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Mermaid types may hold letters, digits, `_`, `-`, parentheses and brackets.
fn mermaid_type(ty: &str) -> String {
    ty.chars()
        .map(|c| match c {
            c if c.is_alphanumeric() || "_-()[]".contains(c) => c,
            _ => '-',
        })
        .collect()
}

/// A DOT identifier: quoted, with quotes and backslashes escaped.
fn dot_id(name: &str) -> String {
    format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Text inside a record label, with the characters records give meaning escaped.
fn record_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "{}|<>\"\\".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{ColumnSchema, ForeignKeySchema};
    use crate::meta::ReferentialAction;

    fn schema() -> Schema {
        let column = |name: &str, ty: &str, nullable| ColumnSchema {
            name: name.into(),
            data_type: ty.into(),
            nullable,
            ..ColumnSchema::default()
        };
        Schema {
            tables: vec![
                TableSchema {
                    name: "author".into(),
                    columns: vec![
                        column("id", "BIGINT", false),
                        column("name", "VARCHAR(80)", false),
                    ],
                    primary_key: vec!["id".into()],
                    ..TableSchema::default()
                },
                TableSchema {
                    name: "post".into(),
                    columns: vec![
                        column("id", "BIGINT", false),
                        column("author_id", "BIGINT", true),
                        column("price", "NUMERIC(10,2)", false),
                    ],
                    primary_key: vec!["id".into()],
                    foreign_keys: vec![ForeignKeySchema {
                        name: "fk".into(),
                        columns: vec!["author_id".into()],
                        ref_table: "author".into(),
                        ref_columns: vec!["id".into()],
                        on_delete: ReferentialAction::Cascade,
                    }],
                    ..TableSchema::default()
                },
            ],
            enum_types: Vec::new(),
        }
    }

    #[test]
    fn mermaid_draws_tables_keys_and_relationships() {
        let text = mermaid(&schema());
        assert!(text.starts_with("erDiagram\n"), "{text}");
        assert!(text.contains("        BIGINT id PK\n"), "{text}");
        assert!(
            text.contains("        BIGINT author_id FK \"nullable\"\n"),
            "{text}"
        );
        assert!(text.contains("NUMERIC(10-2) price"), "{text}");
        assert!(
            text.contains("    post }o--o| author : \"author_id\"\n"),
            "{text}"
        );
    }

    #[test]
    fn dot_draws_records_and_edges() {
        let text = dot(&schema());
        assert!(
            text.contains("\"post\" -> \"author\" [label=\"author_id\"];"),
            "{text}"
        );
        assert!(
            text.contains("label=\"{author|id BIGINT PK\\lname VARCHAR(80)\\l}\""),
            "{text}"
        );
    }
}
