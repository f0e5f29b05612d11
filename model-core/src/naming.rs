//! Names the library makes up: constraint and index names, and how binds are named in messages.
//! Kept in one place so DDL, validation and tests agree.

/// `<prefix>_<table>_<col>_<col>`, SQLAlchemy's convention. Names longer than the 63 bytes
/// PostgreSQL keeps (MySQL: 64, and it errors instead of truncating) are cut and given a hash
/// suffix, so two long names stay distinct.
pub(crate) fn constraint_name(prefix: &str, table: &str, columns: &[&str]) -> String {
    let full = format!("{prefix}_{table}_{}", columns.join("_"));
    shorten(full)
}

/// The name of a foreign-key constraint: `fk_<table>_<column>_<referenced table>`.
pub(crate) fn foreign_key_name(table: &str, column: &str, target: &str) -> String {
    shorten(format!("fk_{table}_{column}_{target}"))
}

fn shorten(name: String) -> String {
    const MAX: usize = 63;
    if name.len() <= MAX {
        return name;
    }
    // FNV-1a: stable across runs and platforms, which a std hasher is not.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let suffix = format!("_{:08x}", hash as u32);
    let mut cut = MAX - suffix.len();
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{}", &name[..cut], suffix)
}

/// How a bind is named in messages: `"users"` or `default`.
pub(crate) fn bind_label(bind: Option<&str>) -> String {
    match bind {
        Some(key) => format!("\"{key}\""),
        None => "default".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_kept() {
        assert_eq!(constraint_name("ix", "user", &["email"]), "ix_user_email");
    }

    #[test]
    fn long_names_are_cut_and_stay_distinct() {
        let a = constraint_name("ix", &"t".repeat(60), &["alpha"]);
        let b = constraint_name("ix", &"t".repeat(60), &["beta"]);
        assert!(a.len() <= 63 && b.len() <= 63);
        assert_ne!(a, b);
    }
}
