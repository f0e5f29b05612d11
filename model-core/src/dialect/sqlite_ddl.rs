//! What SQLite keeps only in a table's `CREATE TABLE` text: the names of its constraints, its
//! columns' collations and the labels a native enum column is checked against. Its pragmas
//! report none of these (a unique constraint shows as `sqlite_autoindex_<table>_<n>`), so the
//! text is read: tokens, the table's items split at the top-level commas, and in each item the
//! few clauses wanted. Anything else is passed over.

/// A token of SQL text.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    /// A bare word: keyword, identifier or number.
    Word(String),
    /// A quoted identifier (`"x"`, `` `x` ``, `[x]`), unquoted.
    Ident(String),
    /// A string literal, unquoted.
    Text(String),
    Open,
    Close,
    Comma,
    /// Any other character.
    Other(char),
}

impl Token {
    fn is_word(&self, word: &str) -> bool {
        matches!(self, Token::Word(w) if w.eq_ignore_ascii_case(word))
    }

    /// The name a word or quoted identifier stands for.
    fn name(&self) -> Option<&str> {
        match self {
            Token::Word(w) | Token::Ident(w) => Some(w),
            _ => None,
        }
    }
}

fn tokenize(sql: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '(' => tokens.push(Token::Open),
            ')' => tokens.push(Token::Close),
            ',' => tokens.push(Token::Comma),
            '\'' | '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                let mut text = String::new();
                while let Some(next) = chars.next() {
                    if next == close {
                        // A doubled quote is one quote character (not inside brackets).
                        if close != ']' && chars.peek() == Some(&close) {
                            chars.next();
                            text.push(close);
                            continue;
                        }
                        break;
                    }
                    text.push(next);
                }
                tokens.push(if c == '\'' {
                    Token::Text(text)
                } else {
                    Token::Ident(text)
                });
            }
            c if c.is_alphanumeric() || c == '_' || c == '.' || c == '$' => {
                let mut word = String::from(c);
                while let Some(&next) = chars.peek() {
                    if next.is_alphanumeric() || matches!(next, '_' | '.' | '$') {
                        word.push(next);
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push(Token::Word(word));
            }
            '-' if chars.peek() == Some(&'-') => {
                for next in chars.by_ref() {
                    if next == '\n' {
                        break;
                    }
                }
            }
            other => tokens.push(Token::Other(other)),
        }
    }
    tokens
}

/// A column as its definition in the DDL describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct DdlColumn {
    pub name: String,
    pub collation: Option<String>,
    /// The labels of a `CHECK (<column> IN ('a', 'b'))`.
    pub labels: Option<Vec<String>>,
}

/// A named table constraint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DdlConstraint {
    /// `CONSTRAINT name UNIQUE (columns)`.
    Unique { name: String, columns: Vec<String> },
    /// `CONSTRAINT name FOREIGN KEY (columns) REFERENCES ...`.
    ForeignKey { name: String, columns: Vec<String> },
}

/// What a `CREATE TABLE` text says beyond the pragmas.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Ddl {
    pub columns: Vec<DdlColumn>,
    pub constraints: Vec<DdlConstraint>,
}

impl Ddl {
    /// The column named `name` (SQLite compares names without ASCII case).
    pub fn column(&self, name: &str) -> Option<&DdlColumn> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }
}

/// Reads a `CREATE TABLE name (...)` text.
pub(crate) fn parse(sql: &str) -> Ddl {
    let tokens = tokenize(sql);
    let mut ddl = Ddl::default();
    let Some(open) = tokens.iter().position(|t| *t == Token::Open) else {
        return ddl;
    };
    for item in split_items(&tokens[open + 1..]) {
        let Some(first) = item.first() else { continue };
        if ["CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK"]
            .iter()
            .any(|k| first.is_word(k))
        {
            if let Some(constraint) = table_constraint(item) {
                ddl.constraints.push(constraint);
            }
        } else if let Some(name) = first.name() {
            ddl.columns.push(column(name, &item[1..]));
        }
    }
    ddl
}

/// The table's items: the tokens between the top-level commas, up to the closing parenthesis.
fn split_items(tokens: &[Token]) -> Vec<&[Token]> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Token::Open => depth += 1,
            Token::Close if depth == 0 => {
                items.push(&tokens[start..i]);
                return items;
            }
            Token::Close => depth -= 1,
            Token::Comma if depth == 0 => {
                items.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&tokens[start..]);
    items
}

fn column(name: &str, rest: &[Token]) -> DdlColumn {
    let mut column = DdlColumn {
        name: name.to_owned(),
        ..DdlColumn::default()
    };
    let mut i = 0;
    while i < rest.len() {
        if rest[i].is_word("COLLATE") {
            column.collation = rest.get(i + 1).and_then(Token::name).map(str::to_owned);
        } else if rest[i].is_word("CHECK")
            && let Some(labels) = check_labels(&rest[i + 1..])
        {
            column.labels = Some(labels);
        }
        i += 1;
    }
    column
}

/// The labels of `(<column> IN ('a', 'b'))`.
fn check_labels(tokens: &[Token]) -> Option<Vec<String>> {
    let [Token::Open, column, in_word, Token::Open, rest @ ..] = tokens else {
        return None;
    };
    column.name()?;
    if !in_word.is_word("IN") {
        return None;
    }
    let mut labels = Vec::new();
    for token in rest {
        match token {
            Token::Text(label) => labels.push(label.clone()),
            Token::Comma => {}
            Token::Close => return Some(labels),
            _ => return None,
        }
    }
    None
}

fn table_constraint(item: &[Token]) -> Option<DdlConstraint> {
    let [constraint, name, kind, rest @ ..] = item else {
        return None;
    };
    if !constraint.is_word("CONSTRAINT") {
        return None;
    }
    let name = name.name()?.to_owned();
    if kind.is_word("UNIQUE") {
        return Some(DdlConstraint::Unique {
            name,
            columns: name_list(rest)?,
        });
    }
    if kind.is_word("FOREIGN") && rest.first().is_some_and(|t| t.is_word("KEY")) {
        return Some(DdlConstraint::ForeignKey {
            name,
            columns: name_list(&rest[1..])?,
        });
    }
    None
}

/// The names of `(a, b)` at the start of `tokens`.
fn name_list(tokens: &[Token]) -> Option<Vec<String>> {
    let mut tokens = tokens.iter();
    if tokens.next() != Some(&Token::Open) {
        return None;
    }
    let mut names = Vec::new();
    for token in tokens {
        match token {
            Token::Close => return Some(names),
            Token::Comma => {}
            other => names.push(other.name()?.to_owned()),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_pragmas_do_not_say_is_read_from_the_ddl() {
        let ddl = parse(
            "CREATE TABLE `post` (\n    `id` INTEGER NOT NULL PRIMARY KEY,\n    \
             `status` TEXT CHECK (`status` IN ('draft', 'it''s, done')) NOT NULL DEFAULT ('draft'),\n    \
             `title` VARCHAR(200) COLLATE `NOCASE` NOT NULL,\n    \
             \"price\" NUMERIC(10, 2),\n    \
             CONSTRAINT `uq_post_title` UNIQUE (`title`, \"price\"),\n    \
             CONSTRAINT `fk_post_author_id_author` FOREIGN KEY (`author_id`) REFERENCES `author` (`id`) ON DELETE CASCADE\n)",
        );
        assert_eq!(ddl.columns.len(), 4);
        assert_eq!(
            ddl.column("status").unwrap().labels.as_deref().unwrap(),
            ["draft", "it's, done"]
        );
        assert_eq!(
            ddl.column("TITLE").unwrap().collation.as_deref(),
            Some("NOCASE")
        );
        assert_eq!(
            ddl.column("price").unwrap(),
            &DdlColumn {
                name: "price".into(),
                ..DdlColumn::default()
            }
        );
        assert_eq!(
            ddl.constraints,
            [
                DdlConstraint::Unique {
                    name: "uq_post_title".into(),
                    columns: vec!["title".into(), "price".into()]
                },
                DdlConstraint::ForeignKey {
                    name: "fk_post_author_id_author".into(),
                    columns: vec!["author_id".into()]
                }
            ]
        );
    }

    #[test]
    fn text_it_cannot_read_gives_nothing_rather_than_failing() {
        assert_eq!(parse("CREATE TABLE"), Ddl::default());
        // The unclosed parenthesis takes the rest of the text into the constraint item.
        let ddl = parse("CREATE TABLE t (a, CONSTRAINT (, b CHECK (b > 0)");
        assert_eq!(
            ddl.columns,
            [DdlColumn {
                name: "a".into(),
                ..DdlColumn::default()
            }]
        );
        assert!(ddl.constraints.is_empty());
    }
}
