//! "Did you mean …?" for names people mistype.

use std::path::Path;

use crate::source::display_path;

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (strsim::damerau_levenshtein(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (word.chars().count().max(c.chars().count()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The message and help for `{% include name %}` when no partial `name`
/// exists in `folder`, which holds `known` (`footer.liquid`, `a/b.liquid`):
/// the folder searched, and the closest partial's name.
pub fn missing_partial(name: &str, folder: &Path, known: &[String]) -> (String, Vec<String>) {
    let shown = display_path(folder);
    let message = format!("partial `{name}` not found in {shown}/");
    let stems: Vec<&str> = known
        .iter()
        .map(|k| k.strip_suffix(".liquid").unwrap_or(k))
        .collect();
    let wanted = name.strip_suffix(".liquid").unwrap_or(name);
    let mut help = Vec::new();
    if let Some(near) = closest(wanted, stems.iter().copied()) {
        help.push(format!("did you mean `{near}`?"));
    }
    help.push(if known.is_empty() {
        if folder.is_dir() {
            format!("{shown}/ has no partials: add {shown}/{wanted}.liquid")
        } else {
            format!(
                "{shown}/ does not exist: create it with {wanted}.liquid in it, or name another folder with --partials"
            )
        }
    } else {
        format!("partials in {shown}/: {}", known.join(", "))
    });
    (message, help)
}

#[cfg(test)]
mod tests {
    use super::{closest, missing_partial};

    #[test]
    fn finds_typos_only() {
        let names = ["login", "enroll", "login-errors", "branded"];
        assert_eq!(closest("logni", names), Some("login"));
        assert_eq!(
            closest("requesttoken", ["requestToken", "ticket"]),
            Some("requestToken")
        );
        assert_eq!(closest("zzz", names), None);
    }

    #[test]
    fn missing_partials_name_the_folder_and_the_closest() {
        let dir = tempfile::tempdir().unwrap();
        let known = vec!["footr.liquid".to_owned(), "header.liquid".to_owned()];
        let (message, help) = missing_partial("footer", dir.path(), &known);
        assert_eq!(
            message,
            format!("partial `footer` not found in {}/", dir.path().display())
        );
        assert_eq!(help[0], "did you mean `footr`?");
        assert_eq!(
            help[1],
            format!(
                "partials in {}/: footr.liquid, header.liquid",
                dir.path().display()
            )
        );
        let (_, help) = missing_partial("footer", dir.path(), &[]);
        assert_eq!(
            help,
            [format!(
                "{}/ has no partials: add {}/footer.liquid",
                dir.path().display(),
                dir.path().display()
            )]
        );
        let (_, help) = missing_partial("footer", &dir.path().join("nope"), &[]);
        assert!(help[0].contains("does not exist"), "{help:?}");
    }
}
