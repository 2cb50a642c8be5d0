//! auth0-deploy-cli's configuration, read the way deploy-cli 8.44.0 reads it
//! (`lib/commands/import.js`: nconf with the environment store first, then
//! the config file, and `AUTH0_KEYWORD_REPLACE_MAPPINGS` merged):
//!
//! - `AUTH0_DOMAIN`, `AUTH0_CLIENT_ID`, `AUTH0_CLIENT_SECRET`,
//!   `AUTH0_ACCESS_TOKEN`: an environment variable wins over the config
//!   file (a variable set but empty counts as set, and empty);
//! - `AUTH0_KEYWORD_REPLACE_MAPPINGS`: the environment variable (a JSON
//!   object) replaces the file's mappings entirely; otherwise the file's
//!   mappings, with — only with `--keywords-from-env`, where deploy-cli
//!   does it unless run with `--env false` — every environment variable
//!   added as a keyword, over the file's.
//!
//! Command-line flags override all of this (see `crate::tenant`).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

use crate::api::Secret;
use crate::diagnostic::{Diagnostic, Span};
use crate::source::{self, SourceFile, display_path};

pub const DOMAIN: &str = "AUTH0_DOMAIN";
pub const CLIENT_ID: &str = "AUTH0_CLIENT_ID";
pub const CLIENT_SECRET: &str = "AUTH0_CLIENT_SECRET";
pub const ACCESS_TOKEN: &str = "AUTH0_ACCESS_TOKEN";
pub const MAPPINGS: &str = "AUTH0_KEYWORD_REPLACE_MAPPINGS";

/// A value and where it came from ("AUTH0_DOMAIN in prod.json").
#[derive(Debug, Clone)]
pub struct Setting<T> {
    pub value: T,
    pub from: String,
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The config file, when one was given.
    pub file: Option<PathBuf>,
    pub domain: Option<Setting<String>>,
    pub client_id: Option<Setting<String>>,
    pub client_secret: Option<Setting<Secret>>,
    pub access_token: Option<Setting<Secret>>,
    /// Keyword values, in the order deploy-cli holds them.
    pub mappings: Map<String, Json>,
    /// Where the mappings came from, for messages.
    pub mappings_from: String,
    /// Keys an environment variable of the same name would replace in
    /// deploy-cli (run without `--env false`), when mfa-page was not asked to.
    pub shadowed_by_env: Vec<String>,
}

impl Config {
    /// The configuration from `file` (if any) and the environment.
    pub fn load(file: Option<&Path>, keywords_from_env: bool) -> Result<Config, Diagnostic> {
        let env: Vec<(String, String)> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        Config::from_sources(file, &env, keywords_from_env)
    }

    /// [`Config::load`] with the environment given (for tests).
    pub fn from_sources(
        file: Option<&Path>,
        env: &[(String, String)],
        keywords_from_env: bool,
    ) -> Result<Config, Diagnostic> {
        let parsed = match file {
            Some(path) => Some(read_file(path)?),
            None => None,
        };
        let env_get = |k: &str| {
            env.iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.clone())
        };
        let file_name = parsed.as_ref().map(|(f, _)| f.name.clone());
        let file_get = |k: &str| -> Result<Option<String>, Diagnostic> {
            let Some((source, obj)) = &parsed else {
                return Ok(None);
            };
            match obj.get(k) {
                None | Some(Json::Null) => Ok(None),
                Some(Json::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(at_key(source, k, format!("`{k}` must be a string"))),
            }
        };
        let setting = |k: &str| -> Result<Option<Setting<String>>, Diagnostic> {
            if let Some(v) = env_get(k) {
                // deploy-cli: a variable set to "" still hides the file's value.
                return Ok((!v.is_empty()).then(|| Setting {
                    value: v,
                    from: format!("the environment variable {k}"),
                }));
            }
            Ok(file_get(k)?.filter(|v| !v.is_empty()).map(|v| Setting {
                value: v,
                from: format!("{k} in {}", file_name.as_deref().unwrap_or("the config")),
            }))
        };
        let secret = |s: Option<Setting<String>>| {
            s.map(|s| Setting {
                value: Secret::new(s.value),
                from: s.from,
            })
        };

        let mut config = Config {
            file: file.map(Path::to_path_buf),
            domain: setting(DOMAIN)?,
            client_id: setting(CLIENT_ID)?,
            client_secret: secret(setting(CLIENT_SECRET)?),
            access_token: secret(setting(ACCESS_TOKEN)?),
            ..Config::default()
        };

        if let Some(raw) = env_get(MAPPINGS) {
            config.mappings_from = format!("the environment variable {MAPPINGS}");
            if !raw.is_empty() {
                config.mappings = match serde_json::from_str::<Json>(&raw) {
                    Ok(Json::Object(map)) => map,
                    _ => {
                        return Err(Diagnostic::error(format!(
                            "the environment variable {MAPPINGS} is not a JSON object"
                        ))
                        .with_help(format!(
                            "set it to an object such as {{\"TENANT_NAME\": \"Acme\"}}, or unset it to use the config file's {MAPPINGS}"
                        )));
                    }
                };
            }
        } else {
            if let Some((source, obj)) = &parsed {
                config.mappings_from = format!("{MAPPINGS} in {}", source.name);
                match obj.get(MAPPINGS) {
                    None | Some(Json::Null) => {}
                    Some(Json::Object(map)) => config.mappings = map.clone(),
                    Some(_) => {
                        return Err(at_key(
                            source,
                            MAPPINGS,
                            format!(
                                "`{MAPPINGS}` must be an object of keyword values, such as {{\"TENANT_NAME\": \"Acme\"}}"
                            ),
                        ));
                    }
                }
            }
            for (name, value) in env {
                if keywords_from_env {
                    config
                        .mappings
                        .insert(name.clone(), Json::String(value.clone()));
                } else if config.mappings.contains_key(name) {
                    config.shadowed_by_env.push(name.clone());
                }
            }
            if keywords_from_env {
                config.mappings_from = if config.mappings_from.is_empty() {
                    "the environment (--keywords-from-env)".to_owned()
                } else {
                    format!(
                        "{} and the environment (--keywords-from-env)",
                        config.mappings_from
                    )
                };
            }
        }
        for key in config.mappings.keys() {
            if let Err(c) = crate::keywords::check_key(key) {
                let shown = crate::api::terminal_safe(key);
                let d = Diagnostic::error(format!(
                    "the keyword `{shown}` (from {}) contains `{}`, which deploy-cli reads as part of a regular expression",
                    config.mappings_from,
                    c.escape_default()
                ))
                .with_help("rename it to letters, digits and _ (as ##TENANT_NAME##): mfa-page cannot predict what deploy-cli would replace with it");
                return Err(match &parsed {
                    Some((source, _)) if source.text.contains(&format!("\"{key}\"")) => {
                        with_span_of(d, source, &format!("\"{key}\""))
                    }
                    _ => d,
                });
            }
        }
        Ok(config)
    }

    /// Where the config came from, for messages ("prod.json").
    pub fn file_name(&self) -> Option<String> {
        self.file.as_deref().map(display_path)
    }

    /// A warning when deploy-cli would take some keywords from the
    /// environment but mfa-page does not (not asked to).
    pub fn shadow_warning(&self) -> Option<Diagnostic> {
        if self.shadowed_by_env.is_empty() {
            return None;
        }
        Some(
            Diagnostic::warning(format!(
                "the environment has variables named like keywords ({}): deploy-cli (unless run with --env false) would use their values, mfa-page uses {}",
                self.shadowed_by_env.join(", "),
                self.mappings_from
            ))
            .with_help("pass --keywords-from-env to take them from the environment as deploy-cli does, or unset them"),
        )
    }
}

fn read_file(path: &Path) -> Result<(SourceFile, Map<String, Json>), Diagnostic> {
    let file = source::read_text(path, "deploy-cli config file")?;
    match serde_json::from_str::<Json>(&file.text) {
        Ok(Json::Object(map)) => Ok((file, map)),
        Ok(_) => Err(Diagnostic::error(
            "a deploy-cli config file must be a JSON object, such as {\"AUTH0_DOMAIN\": \"acme.eu.auth0.com\"}",
        )
        .in_file(file.name.clone())),
        Err(e) => {
            let span = Span::at(masked(&file.text), e.line().max(1), e.column().max(1));
            Err(Diagnostic::error(format!("the deploy-cli config is not valid JSON: {e}"))
                .in_file(file.name.clone())
                .with_span(span)
                .with_help("auth0-deploy-cli reads this file as JSON"))
        }
    }
}

/// The config's text with the values of its secrets masked, byte for byte
/// (`*`), for code frames: an error near a secret must not print it.
fn masked(text: &str) -> std::sync::Arc<str> {
    let mut bytes = text.as_bytes().to_vec();
    for key in [CLIENT_SECRET, ACCESS_TOKEN] {
        let needle = format!("\"{key}\"");
        let mut from = 0;
        while let Some(found) = text[from..].find(&needle) {
            let mut i = from + found + needle.len();
            from = i;
            while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\r' | b'\n' | b':') {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] != b'"' {
                continue;
            }
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                if bytes[i] == b'\\' && i + 1 < bytes.len() {
                    bytes[i] = b'*';
                    i += 1;
                }
                bytes[i] = b'*';
                i += 1;
            }
        }
    }
    String::from_utf8(bytes)
        .unwrap_or_else(|_| text.to_owned())
        .into()
}

fn at_key(source: &SourceFile, key: &str, message: String) -> Diagnostic {
    with_span_of(Diagnostic::error(message), source, &format!("\"{key}\""))
}

fn with_span_of(d: Diagnostic, source: &SourceFile, needle: &str) -> Diagnostic {
    let d = d.in_file(source.name.clone());
    match source.text.find(needle) {
        Some(i) => d.with_span(Span {
            source: masked(&source.text),
            start: i,
            end: i + needle.len(),
        }),
        None => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn file(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    const CFG: &str = r#"{"AUTH0_DOMAIN": "file.eu.auth0.com", "AUTH0_CLIENT_ID": "fileid",
        "AUTH0_KEYWORD_REPLACE_MAPPINGS": {"K": "fromfile", "A": [1, 2]}}"#;

    #[test]
    fn the_environment_wins_over_the_file() {
        let f = file(CFG);
        let c = Config::from_sources(Some(f.path()), &env(&[]), false).unwrap();
        assert_eq!(c.domain.unwrap().value, "file.eu.auth0.com");
        assert!(c.client_id.unwrap().from.starts_with("AUTH0_CLIENT_ID in "));
        assert_eq!(c.mappings["K"], "fromfile");

        let c = Config::from_sources(
            Some(f.path()),
            &env(&[("AUTH0_DOMAIN", "env.auth0.com")]),
            false,
        )
        .unwrap();
        assert_eq!(c.domain.as_ref().unwrap().value, "env.auth0.com");
        assert_eq!(
            c.domain.unwrap().from,
            "the environment variable AUTH0_DOMAIN"
        );
        // Set but empty: hides the file's value, as in deploy-cli.
        let c = Config::from_sources(Some(f.path()), &env(&[("AUTH0_DOMAIN", "")]), false).unwrap();
        assert!(c.domain.is_none());
    }

    #[test]
    fn mappings_follow_deploy_clis_precedence() {
        let f = file(CFG);
        // The environment's JSON replaces the file's mappings entirely,
        // and then no variable is a keyword, even when asked.
        let e = env(&[
            ("AUTH0_KEYWORD_REPLACE_MAPPINGS", r#"{"K":"envmap","C":3}"#),
            ("K", "envK"),
        ]);
        let c = Config::from_sources(Some(f.path()), &e, true).unwrap();
        assert_eq!(
            Json::Object(c.mappings),
            serde_json::json!({"K": "envmap", "C": 3})
        );
        // Variables are keywords only when asked, over the file's values.
        let e = env(&[("K", "envK"), ("B", "envB")]);
        let c = Config::from_sources(Some(f.path()), &e, false).unwrap();
        assert_eq!(
            Json::Object(c.mappings.clone()),
            serde_json::json!({"K": "fromfile", "A": [1, 2]})
        );
        assert_eq!(c.shadowed_by_env, ["K"]);
        assert!(c.shadow_warning().unwrap().message.contains("(K)"));
        let c = Config::from_sources(Some(f.path()), &e, true).unwrap();
        assert_eq!(
            Json::Object(c.mappings),
            serde_json::json!({"K": "envK", "A": [1, 2], "B": "envB"})
        );
        // No file: the environment alone.
        let c = Config::from_sources(
            None,
            &env(&[("AUTH0_KEYWORD_REPLACE_MAPPINGS", r#"{"X":1}"#)]),
            false,
        )
        .unwrap();
        assert_eq!(c.mappings["X"], 1);
        let c = Config::from_sources(None, &env(&[("AUTH0_KEYWORD_REPLACE_MAPPINGS", "")]), false)
            .unwrap();
        assert!(c.mappings.is_empty());
    }

    #[test]
    fn secrets_never_reach_a_code_frame() {
        let f = file(
            "{\n  \"AUTH0_CLIENT_SECRET\": \"s3cr\\\"et-é\",\n  \"AUTH0_ACCESS_TOKEN\" : \"tok\",\n}",
        );
        let d = Config::from_sources(Some(f.path()), &env(&[]), false).unwrap_err();
        let frame = d.span.unwrap().source.to_string();
        assert!(
            !frame.contains("s3cr") && !frame.contains("tok\""),
            "{frame}"
        );
        assert_eq!(
            frame.len(),
            std::fs::read_to_string(f.path()).unwrap().len()
        );
    }

    #[test]
    fn bad_configs_are_explained() {
        let f = file("{\n  \"AUTH0_DOMAIN\": 3\n}");
        let d = Config::from_sources(Some(f.path()), &env(&[]), false).unwrap_err();
        assert!(d.message.contains("`AUTH0_DOMAIN` must be a string"));
        assert_eq!(d.span.unwrap().line_col(), (2, 3));
        let f = file("{\n  \"AUTH0_DOMAIN\": \"x\",\n}");
        let d = Config::from_sources(Some(f.path()), &env(&[]), false).unwrap_err();
        assert!(d.message.contains("not valid JSON"), "{}", d.message);
        let f = file(r#"{"AUTH0_KEYWORD_REPLACE_MAPPINGS": {"a.b": 1}}"#);
        let d = Config::from_sources(Some(f.path()), &env(&[]), false).unwrap_err();
        assert!(d.message.contains("regular expression"), "{}", d.message);
        let d = Config::from_sources(
            None,
            &env(&[("AUTH0_KEYWORD_REPLACE_MAPPINGS", "[1]")]),
            false,
        )
        .unwrap_err();
        assert!(d.message.contains("not a JSON object"));
    }
}
