//! One placeholder for raw SQL on every backend: `?`. SQLite and MySQL take it as it is;
//! PostgreSQL numbers its parameters (`$1`, `$2`...), so there each `?` outside string
//! literals, quoted identifiers, comments and dollar-quoted bodies becomes the next `$n`. `??`
//! stands for a literal `?` (PostgreSQL's JSON operators `?`, `?|`, `?&`). Text written in
//! PostgreSQL's own style (a `$1` outside literals and comments) is passed through untouched,
//! `?` included, so text written for PostgreSQL keeps working and the two styles never mix.

use std::borrow::Cow;

/// `sql` with each placeholder `?` numbered `$1`, `$2`... in order (see the module doc).
pub(crate) fn numbered(sql: &str) -> Cow<'_, str> {
    if !sql.contains('?') {
        return Cow::Borrowed(sql);
    }
    let bytes = sql.as_bytes();
    if has_numbered_parameter(bytes) {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0usize;
    let mut i = 0;
    // Everything copied is whole UTF-8 sequences: the scanner stops only at ASCII bytes.
    let mut copied = 0;
    while i < bytes.len() {
        if bytes[i] != b'?' {
            i = skip(bytes, i);
            continue;
        }
        out.push_str(&sql[copied..i]);
        if bytes.get(i + 1) == Some(&b'?') {
            out.push('?');
            copied = i + 2;
            i += 2;
        } else {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
            copied = i + 1;
            i += 1;
        }
    }
    out.push_str(&sql[copied..]);
    Cow::Owned(out)
}

/// Where the next piece of SQL starts after the byte at `i`: past a literal, a quoted name, a
/// comment or a dollar-quoted body that starts there, else the next byte.
fn skip(bytes: &[u8], i: usize) -> usize {
    match bytes[i] {
        b'\'' => {
            let escapes = i > 0
                && matches!(bytes[i - 1], b'E' | b'e')
                && !(i > 1 && is_ident_byte(bytes[i - 2]));
            quoted_end(bytes, i, b'\'', escapes)
        }
        b'"' => quoted_end(bytes, i, b'"', false),
        b'-' if bytes.get(i + 1) == Some(&b'-') => line_end(bytes, i),
        b'/' if bytes.get(i + 1) == Some(&b'*') => block_comment_end(bytes, i),
        b'$' => dollar_quote_end(bytes, i).unwrap_or(i + 1),
        _ => i + 1,
    }
}

/// Whether the text holds a `$1`-style parameter outside literals and comments.
fn has_numbered_parameter(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$'
            && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
            && !(i > 0 && is_ident_byte(bytes[i - 1]))
        {
            return true;
        }
        i = skip(bytes, i);
    }
    false
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Past the closing `quote` of the literal opened at `start` (a doubled quote stays inside;
/// with `escapes`, so does a backslash-escaped one); the end of the text if it never closes.
fn quoted_end(bytes: &[u8], start: usize, quote: u8, escapes: bool) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if escapes => i += 2,
            b if b == quote => {
                if bytes.get(i + 1) == Some(&quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Past the end of the `--` comment at `start`.
fn line_end(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| start + p + 1)
}

/// Past the end of the `/* */` comment at `start`; PostgreSQL's nest.
fn block_comment_end(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Past the end of the dollar-quoted body opened at `start` (`$$...$$`, `$tag$...$tag$`);
/// `None` when the `$` opens none (`$1`, or a `$` inside an identifier).
fn dollar_quote_end(bytes: &[u8], start: usize) -> Option<usize> {
    if start > 0 && is_ident_byte(bytes[start - 1]) {
        return None;
    }
    let tag_len = bytes[start + 1..].iter().position(|&b| !is_ident_byte(b))?;
    let close = start + 1 + tag_len;
    if bytes[close] != b'$' || bytes.get(start + 1).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let tag = &bytes[start..=close];
    let body = close + 1;
    let found = bytes[body..].windows(tag.len()).position(|w| w == tag);
    Some(found.map_or(bytes.len(), |p| body + p + tag.len()))
}

#[cfg(test)]
mod tests {
    use super::numbered;

    #[test]
    fn placeholders_are_numbered_outside_literals_and_comments() {
        let cases = [
            ("SELECT 1", "SELECT 1"),
            (
                "SELECT * FROM t WHERE a = $1",
                "SELECT * FROM t WHERE a = $1",
            ),
            (
                "WHERE a = ? AND b IN (?, ?)",
                "WHERE a = $1 AND b IN ($2, $3)",
            ),
            ("WHERE a = '?' AND b = ?", "WHERE a = '?' AND b = $1"),
            (
                "WHERE a = 'it''s ?' AND b = ?",
                "WHERE a = 'it''s ?' AND b = $1",
            ),
            (
                r"WHERE a = E'\'?' AND b = ?",
                r"WHERE a = E'\'?' AND b = $1",
            ),
            (r"WHERE a = '\' AND b = ?", r"WHERE a = '\' AND b = $1"),
            (
                "SELECT \"what?\" FROM t WHERE x = ?",
                "SELECT \"what?\" FROM t WHERE x = $1",
            ),
            ("SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2"),
            (
                "SELECT /* a /* b? */ c? */ ?",
                "SELECT /* a /* b? */ c? */ $1",
            ),
            (
                "SELECT $$ ? $$, $x$ ? $x$, ?",
                "SELECT $$ ? $$, $x$ ? $x$, $1",
            ),
            (
                "SELECT doc ?? 'k', doc ??| ?",
                "SELECT doc ? 'k', doc ?| $1",
            ),
            ("SELECT 'ünï?', ?", "SELECT 'ünï?', $1"),
            ("SELECT a$b, ?", "SELECT a$b, $1"),
            ("SELECT 'unterminated ?", "SELECT 'unterminated ?"),
            // PostgreSQL's own style is left alone, `?` operator included.
            (
                "WHERE tags ? 'x' AND id = $1",
                "WHERE tags ? 'x' AND id = $1",
            ),
            ("WHERE a = $1 AND b = ?", "WHERE a = $1 AND b = ?"),
            // A `$1` inside a literal or a name is not a parameter.
            ("WHERE a = '$1' AND b = ?", "WHERE a = '$1' AND b = $1"),
            (
                "SELECT x$1 FROM t WHERE b = ?",
                "SELECT x$1 FROM t WHERE b = $1",
            ),
        ];
        for (raw, expected) in cases {
            assert_eq!(numbered(raw), expected, "{raw}");
        }
    }
}
