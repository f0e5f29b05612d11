//! Database URLs: which backend a URL selects, and a redacted form for messages. The raw URL
//! (which may hold a password) is only ever handed to the driver; `Debug` and `Display` show
//! `***` in place of the password.

use std::fmt;

/// The database server a bind talks to, chosen from its URL scheme at run time.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Backend {
    /// `sqlite:` (a file, or `sqlite::memory:`).
    Sqlite,
    /// `postgres:` / `postgresql:`.
    Postgres,
    /// `mysql:` / `mariadb:`.
    MySql,
}

impl Backend {
    /// The backend's name as used in messages.
    pub const fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
            Backend::MySql => "MySQL/MariaDB",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A database URL that never prints its password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    raw: String,
}

impl DatabaseUrl {
    /// Wraps a URL.
    pub fn new(raw: impl Into<String>) -> Self {
        DatabaseUrl { raw: raw.into() }
    }

    /// The URL as given, password included: only for handing to a driver.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    /// The scheme before the first `:`, lowercased.
    pub fn scheme(&self) -> Option<String> {
        let (scheme, _) = self.raw.split_once(':')?;
        Some(scheme.to_ascii_lowercase())
    }

    /// The backend the scheme selects.
    pub fn backend(&self) -> Result<Backend, String> {
        match self.scheme().as_deref() {
            Some("sqlite") => Ok(Backend::Sqlite),
            Some("postgres" | "postgresql") => Ok(Backend::Postgres),
            Some("mysql" | "mariadb") => Ok(Backend::MySql),
            Some(other) => Err(format!(
                "unsupported scheme `{other}:`; use sqlite:, postgres: (or postgresql:), or mysql: (or mariadb:)"
            )),
            None => Err("no scheme; start the URL with sqlite:, postgres: or mysql:".to_owned()),
        }
    }

    /// `text` with this URL's password, if it appears, replaced by `***`: for driver messages
    /// that might quote the URL they failed to parse.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in secrets(&self.raw) {
            if secret.len() >= 2 {
                out = out.replace(&secret, "***");
            }
        }
        out
    }

    /// The URL with any password replaced by `***`. Works on text that does not parse as a URL
    /// too (an unexpanded `$DB_HOST`, an empty host, a space): whatever stands between
    /// `//user:` and the last `@` is hidden, whatever follows it.
    pub fn redacted(&self) -> String {
        redact(&self.raw)
    }
}

fn redact(raw: &str) -> String {
    let without_userinfo = match password_range(raw) {
        Some(range) => format!("{}***{}", &raw[..range.start], &raw[range.end..]),
        None => raw.to_owned(),
    };
    redact_query_password(&without_userinfo).unwrap_or(without_userinfo)
}

/// Where the password of `scheme://user:password@host/...` is: from the first `:` after `//`
/// to the *last* `@` of the text. A password that was not percent-encoded may hold `@`, `/`,
/// `?` or `#`, and what follows it may be no host at all (`@$DB_HOST`, `@{host}`, `@/db`), so
/// nothing after the password is trusted to look like a URL; in doubt more is hidden, never
/// less.
fn password_range(raw: &str) -> Option<std::ops::Range<usize>> {
    // Without `//` right after the scheme (a malformed URL) the userinfo may start the text:
    // hide from its first `:`. A `://` further on is in the password, not the scheme's.
    let start = match raw.find(':') {
        Some(i) if raw[i..].starts_with("://") => i + 3,
        _ => 0,
    };
    let rest = &raw[start..];
    let at = rest.rfind('@')?;
    let colon = rest[..at].find(':')?;
    Some(start + colon + 1..start + at)
}

/// `?password=...` is accepted by the drivers too; hide it as well.
fn redact_query_password(url: &str) -> Option<String> {
    let (base, query) = url.split_once('?')?;
    let parts: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    Some(format!("{base}?{}", parts.join("&")))
}

/// The password as written and percent-decoded, from the userinfo or a `password=` parameter.
fn secrets(raw: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(range) = password_range(raw) {
        found.push(raw[range].to_owned());
    }
    if let Some((_, query)) = raw.split_once('?') {
        for pair in query.split('&') {
            if let Some((key, value)) = pair.split_once('=')
                && key.eq_ignore_ascii_case("password")
            {
                found.push(value.to_owned());
            }
        }
    }
    let decoded: Vec<String> = found
        .iter()
        .filter_map(|p| {
            url::form_urlencoded::parse(format!("p={p}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        })
        .collect();
    found.extend(decoded);
    found
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({:?})", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl From<&str> for DatabaseUrl {
    fn from(raw: &str) -> Self {
        DatabaseUrl::new(raw)
    }
}

impl From<String> for DatabaseUrl {
    fn from(raw: String) -> Self {
        DatabaseUrl::new(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        let cases = [
            (
                "postgres://app:s3cret@db:5432/app",
                "postgres://app:***@db:5432/app",
            ),
            (
                "mysql://root:p%40ss@127.0.0.1/test",
                "mysql://root:***@127.0.0.1/test",
            ),
            ("postgres://app@db/app", "postgres://app@db/app"),
            ("postgres://u:a@b@host/db", "postgres://u:***@host/db"),
            ("postgres://app:pa#ss@db/x", "postgres://app:***@db/x"),
            ("postgres://app:pa/ss@db/x", "postgres://app:***@db/x"),
            (
                "postgres://app:pa?ss@db:5432/x?sslmode=disable",
                "postgres://app:***@db:5432/x?sslmode=disable",
            ),
            (
                "postgres://app:s3cret@[::1]:5432/x",
                "postgres://app:***@[::1]:5432/x",
            ),
            ("mysql://app:s3cret@db/x?user=a@b", "mysql://app:***@b"),
            (
                "postgres://host/db?user=u&password=hunter2",
                "postgres://host/db?user=u&password=***",
            ),
            ("sqlite::memory:", "sqlite::memory:"),
            ("sqlite://app.db", "sqlite://app.db"),
            // Hosts that are not hosts: deployment mistakes whose errors get logged.
            ("postgres://u:s3cret@/x", "postgres://u:***@/x"),
            (
                "postgres://u:s3cret@host name/x",
                "postgres://u:***@host name/x",
            ),
            (
                "postgres://u:s3cret@$DB_HOST/x",
                "postgres://u:***@$DB_HOST/x",
            ),
            (
                "postgres://u:s3cret@{host}:5432/x",
                "postgres://u:***@{host}:5432/x",
            ),
            (
                "mysql://root:s3cret@${MYSQL_HOST}:3306/test",
                "mysql://root:***@${MYSQL_HOST}:3306/test",
            ),
            ("postgres://u:s3cret@", "postgres://u:***@"),
            ("postgres:u:s3cret@host/x", "postgres:***@host/x"),
            // A password holding `://` where the URL has no `//` of its own.
            ("postgres::s3cret://Z@", "postgres:***@"),
        ];
        for (raw, expected) in cases {
            let url = DatabaseUrl::new(raw);
            assert_eq!(url.redacted(), expected);
            assert!(!format!("{url:?}").contains("s3cret"));
        }
    }

    proptest::proptest! {
        /// Whatever the user, password and what follows the `@` (a host, a variable never
        /// expanded, a space, nothing), the password never shows, in any of the URL's forms.
        #[test]
        fn no_password_survives_redaction(
            scheme in "(postgres|mysql|mariadb|postgresql)",
            slashes in "(//)?",
            user in "[a-z_.-]{0,8}",
            password in "[A-Z][ -~]{2,20}Z",
            after in "[ -~]{0,30}",
        ) {
            // The host part holds no `@` of its own here: a later `@` only hides more.
            proptest::prop_assume!(!after.contains('@'));
            let raw = format!("{scheme}:{slashes}{user}:{password}@{after}");
            let url = DatabaseUrl::new(raw.as_str());
            for shown in [url.redacted(), format!("{url:?}"), url.to_string(), url.scrub(&raw)] {
                proptest::prop_assert!(
                    !shown.contains(&password),
                    "{raw:?} shows its password as {shown:?}"
                );
            }
        }
    }

    #[test]
    fn scrub_hides_the_password_in_any_text() {
        let url = DatabaseUrl::new("postgres://app:p%40ss@db/x");
        assert_eq!(
            url.scrub("bad url postgres://app:p%40ss@db/x (p@ss)"),
            "bad url postgres://app:***@db/x (***)"
        );
    }

    #[test]
    fn backend_follows_scheme() {
        assert_eq!(
            DatabaseUrl::new("sqlite::memory:").backend(),
            Ok(Backend::Sqlite)
        );
        assert_eq!(
            DatabaseUrl::new("postgresql://x/y").backend(),
            Ok(Backend::Postgres)
        );
        assert_eq!(
            DatabaseUrl::new("MariaDB://x/y").backend(),
            Ok(Backend::MySql)
        );
        assert!(
            DatabaseUrl::new("oracle://x")
                .backend()
                .unwrap_err()
                .contains("oracle")
        );
    }
}
