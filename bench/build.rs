//! Records the versions Cargo.lock resolved for the compared crates, and the commit built, so
//! the report header and its JSON say exactly what was measured (a version range in Cargo.toml
//! would not).

use std::fmt::Write as _;
use std::path::Path;

/// The crates whose versions the report lists.
const CRATES: &[&str] = &[
    "sqlx",
    "sqlx-core",
    "sea-orm",
    "sea-query",
    "diesel",
    "rusqlite",
    "libsqlite3-sys",
    "tokio-postgres",
    "mysql_async",
    "pq-sys",
    "mysqlclient-sys",
    "tokio",
    "chrono",
];

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo");
    let lock_path = Path::new(&manifest).join("..").join("Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock_path.display());
    let lock = std::fs::read_to_string(&lock_path).unwrap_or_default();

    // Cargo.lock is a sequence of `[[package]]` blocks starting `name = "..."`, `version = "..."`.
    let mut found: Vec<(String, String)> = Vec::new();
    let mut name: Option<String> = None;
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = \"") {
            name = Some(n.trim_end_matches('"').to_owned());
        } else if let Some(v) = line.strip_prefix("version = \"")
            && let Some(n) = name.take()
            && CRATES.contains(&n.as_str())
        {
            found.push((n, v.trim_end_matches('"').to_owned()));
        }
    }
    let mut out = String::from("/// Crate versions from Cargo.lock: (name, version).\n");
    out.push_str("pub const VERSIONS: &[(&str, &str)] = &[\n");
    for krate in CRATES {
        let versions: Vec<&str> = found
            .iter()
            .filter(|(n, _)| n == krate)
            .map(|(_, v)| v.as_str())
            .collect();
        let shown = if versions.is_empty() {
            "?".to_owned()
        } else {
            versions.join(" + ")
        };
        let _ = writeln!(out, "    ({krate:?}, {shown:?}),");
    }
    out.push_str("];\n");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let rustc_version = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "/// `rustc --version` of the compiler that built this binary.\npub const RUSTC: &str = {:?};",
        rustc_version.trim()
    );
    let profile = std::env::var("PROFILE").unwrap_or_default();
    let _ = writeln!(
        out,
        "/// Cargo's profile family (`debug` or `release`).\npub const PROFILE: &str = {profile:?};"
    );
    let commit = commit(&manifest);
    let _ = writeln!(
        out,
        "/// The commit this binary was built from (`unknown` outside a git checkout).\npub const COMMIT: &str = {commit:?};"
    );
    let out_dir = std::env::var("OUT_DIR").expect("set by cargo");
    std::fs::write(Path::new(&out_dir).join("versions.rs"), out).expect("OUT_DIR is writable");
}

/// `git` run in `dir`, its output trimmed; `None` when git is missing or fails.
fn git(dir: &str, args: &[&str]) -> Option<String> {
    let output = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The short hash of HEAD, with the files that move it watched so a new commit rebuilds this.
fn commit(dir: &str) -> String {
    let mut watched = vec!["HEAD".to_owned()];
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        watched.push(branch);
    }
    for path in watched {
        if let Some(file) = git(dir, &["rev-parse", "--git-path", &path]) {
            let file = Path::new(dir).join(file);
            println!("cargo:rerun-if-changed={}", file.display());
        }
    }
    git(dir, &["rev-parse", "--short=7", "HEAD"]).unwrap_or_else(|| "unknown".to_owned())
}
