//! The starter project `mfa-page init` writes: this repository's own
//! template and scenarios, embedded in the binary.

/// `(path relative to the project folder, contents)`.
pub const FILES: &[(&str, &str)] = &[
    (
        "templates/mfa.liquid",
        include_str!("../templates/mfa.liquid"),
    ),
    (
        "contexts/_base.json",
        include_str!("../contexts/_base.json"),
    ),
    (
        "contexts/enroll.json",
        include_str!("../contexts/enroll.json"),
    ),
    (
        "contexts/login.json",
        include_str!("../contexts/login.json"),
    ),
    (
        "contexts/login-errors.json",
        include_str!("../contexts/login-errors.json"),
    ),
    (
        "contexts/branded.json",
        include_str!("../contexts/branded.json"),
    ),
];
