//! "Did you mean …?" for names people mistype.

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

#[cfg(test)]
mod tests {
    use super::closest;

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
}
