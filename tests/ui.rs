//! Compile-fail tests of the derive: each `ui/*.rs` makes mistakes and its `.stderr` is what a
//! user sees. Snapshots are tied to the pinned toolchain (rust-toolchain.toml); re-bless with
//! `TRYBUILD=overwrite cargo test -p model-tests --test ui`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}
