//! CLI behaviour pinned by trycmd cases: `tests/cmd/<command>/*.toml`, each
//! running `mfa-page` in a fixture folder under `tests/fixtures/`.

#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .register_bin("mfa-page", trycmd::cargo::cargo_bin!("mfa-page"))
        .env("NO_COLOR", "1")
        .case("tests/cmd/**/*.toml");
}
