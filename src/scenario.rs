//! Scenarios: the JSON contexts a template is rendered with.
//!
//! Every `contexts/*.json` is a scenario named after its file; files whose
//! name starts with `_` are shared bases, not scenarios. A context shares
//! values with `"$extends": "_base"` (or a list of names): the bases are
//! deep-merged in order, then the file itself on top. Objects merge key by
//! key; anything else (arrays included) replaces; `null` removes the key.
//! `"$locale"` (`"fr-FR"`) is the browser language the preview gives the page
//! (`navigator.language`); it merges through `$extends` and is not a template
//! variable. Other keys starting with `$` (such as `"$comment"`) are notes and ignored.
//! `keywords` is not a template variable: it holds the values of
//! auth0-deploy-cli's `##KEY##` / `@@KEY@@` placeholders (see [`crate::keywords`]).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

use crate::diagnostic::{Diagnostic, Span};
use crate::ordered::OrderedObject;
use crate::source::{self, SourceFile};

/// A scenario ready to render.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// `login`, `enroll`, … (the file's stem), or `stdin`.
    pub name: String,
    /// The file it came from, as shown to people (`contexts/login.json`).
    pub file: String,
    /// The merged JSON, after `$extends` and `--set`.
    pub data: Map<String, Json>,
    /// Values for deploy-cli keyword placeholders (the scenario's `keywords` object).
    pub keywords: Map<String, Json>,
    /// The browser language the preview gives the page (`"$locale"`), e.g. `fr-FR`.
    pub locale: Option<String>,
    /// Problems worth knowing that did not stop loading (duplicate keys).
    pub warnings: Vec<Diagnostic>,
}

impl Scenario {
    /// Take deploy-cli keyword values from a config's
    /// `AUTH0_KEYWORD_REPLACE_MAPPINGS`: with `scenario_wins` (render,
    /// serve) the scenario's own `keywords` override the config's; otherwise
    /// (check, export, deploy) the config's values win and the scenario's
    /// fill only keys the config lacks.
    pub fn merge_config_keywords(&mut self, config: &Map<String, Json>, scenario_wins: bool) {
        if config.is_empty() {
            return;
        }
        let mut merged = config.clone();
        for (key, value) in std::mem::take(&mut self.keywords) {
            if scenario_wins || !merged.contains_key(&key) {
                merged.insert(key, value);
            }
        }
        self.keywords = merged;
    }

    /// The context in the renderer's model, hashes in the file's key order.
    pub fn context(&self) -> OrderedObject {
        OrderedObject::from_json(&self.data)
    }

    /// Which of Auth0's flows this scenario renders.
    pub fn flow(&self) -> Flow {
        let set = |k: &str| self.data.get(k).is_some_and(|v| !v.is_null());
        match (set("ticket"), set("requestToken")) {
            (true, _) => Flow::Enrollment,
            (false, true) => Flow::Login,
            (false, false) => Flow::Neither,
        }
    }

    /// Apply `--set path=value` overrides.
    pub fn apply_sets(&mut self, sets: &[String]) -> Result<(), Diagnostic> {
        for set in sets {
            apply_set(&mut self.data, set)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Enrollment,
    Login,
    Neither,
}

impl std::fmt::Display for Flow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Flow::Enrollment => "enrollment",
            Flow::Login => "login",
            Flow::Neither => "neither flow",
        })
    }
}

/// The scenarios in `dir`: `(name, path)`, sorted by name.
pub fn list(dir: &Path) -> Result<Vec<(String, PathBuf)>, Diagnostic> {
    let name = source::display_path(dir);
    if !dir.exists() {
        return Err(Diagnostic::error("the contexts folder does not exist")
            .in_file(name)
            .with_help("create it with one JSON file per scenario, or run `mfa-page init`"));
    }
    if !dir.is_dir() {
        return Err(
            Diagnostic::error("is a file, but the contexts folder must be a folder").in_file(name),
        );
    }
    let entries =
        std::fs::read_dir(dir).map_err(|e| source::io_error(&name, "contexts folder", &e))?;
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if file_name.ends_with(".json") {
            crate::output::protect(&path);
        }
        if let Some(stem) = file_name.strip_suffix(".json")
            && !stem.starts_with('_')
            && !stem.starts_with('.')
            && !stem.is_empty()
        {
            out.push((stem.to_owned(), path));
        }
    }
    out.sort();
    Ok(out)
}

/// Load a scenario by name (`login`), by path (`contexts/login.json`,
/// `./x.json`), or `-` for standard input. `$extends` names resolve in
/// `contexts_dir` for stdin, beside the file otherwise.
pub fn load(spec: &str, contexts_dir: &Path) -> Result<Scenario, Diagnostic> {
    if spec == "-" {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .map_err(|e| source::io_error("<stdin>", "context", &e))?;
        let text = source::decode("<stdin>", bytes)?;
        let file = SourceFile {
            path: PathBuf::from("<stdin>"),
            name: "<stdin>".into(),
            text: text.into(),
        };
        return load_source(file, "stdin".into(), contexts_dir);
    }
    let looks_like_path = spec.contains('/') || spec.contains('\\') || spec.ends_with(".json");
    let mut path = if looks_like_path {
        PathBuf::from(spec)
    } else {
        contexts_dir.join(format!("{spec}.json"))
    };
    if looks_like_path && path.symlink_metadata().is_err() {
        match scenario_meant(spec, contexts_dir) {
            Some(Meant::Understood(found)) => path = found,
            Some(Meant::Suggest(name)) => {
                return Err(Diagnostic::error("no such file (looking for the context)")
                    .in_file(spec)
                    .with_help(format!(
                        "did you mean `{name}`, the scenario {}?",
                        source::display_path(&contexts_dir.join(format!("{name}.json")))
                    )));
            }
            None => {}
        }
    }
    if !looks_like_path && path.symlink_metadata().is_err() {
        let known = list(contexts_dir)
            .map(|l| l.into_iter().map(|(n, _)| n).collect::<Vec<_>>())
            .unwrap_or_default();
        let mut d = Diagnostic::error(format!(
            "no scenario named `{spec}` (looked for {})",
            source::display_path(&path)
        ));
        if let Some(near) = crate::suggest::closest(spec, known.iter().map(String::as_str)) {
            d = d.with_help(format!("did you mean `{near}`?"));
        }
        if !known.is_empty() {
            d = d.with_help(format!("scenarios: {}", known.join(", ")));
        }
        return Err(d);
    }
    crate::output::protect(&path);
    let file = source::read_text(&path, "context")?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| spec.to_owned());
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    load_source(file, name, &dir)
}

enum Meant {
    /// The spec names a scenario of the contexts folder unambiguously.
    Understood(PathBuf),
    /// A scenario with a close name exists.
    Suggest(String),
}

/// What a path-like scenario that does not exist probably meant: `login.json`
/// and `contexts/login` (the contexts folder as given, or its last part) name
/// the scenario `login`; anything else gets a suggestion when its name is
/// close to a scenario's.
fn scenario_meant(spec: &str, contexts_dir: &Path) -> Option<Meant> {
    let given = Path::new(spec);
    let stem = given.file_name()?.to_str()?;
    let stem = stem.strip_suffix(".json").unwrap_or(stem);
    let candidate = contexts_dir.join(format!("{stem}.json"));
    let parent = given.parent().filter(|p| !p.as_os_str().is_empty());
    let in_contexts = match parent {
        None => true,
        Some(p) => {
            p == contexts_dir
                || (p.file_name().is_some() && p.file_name() == contexts_dir.file_name())
        }
    };
    let known: Vec<String> = list(contexts_dir)
        .map(|l| l.into_iter().map(|(n, _)| n).collect())
        .unwrap_or_default();
    if in_contexts && candidate.is_file() && !stem.starts_with('_') {
        return Some(Meant::Understood(candidate));
    }
    if known.iter().any(|k| k == stem) {
        return Some(Meant::Suggest(stem.to_owned()));
    }
    crate::suggest::closest(stem, known.iter().map(String::as_str))
        .map(|n| Meant::Suggest(n.to_owned()))
}

fn load_source(file: SourceFile, name: String, dir: &Path) -> Result<Scenario, Diagnostic> {
    let mut chain = Vec::new();
    let mut warnings = Vec::new();
    let mut resolved = HashMap::new();
    let mut data = resolve(&file, dir, &mut chain, &mut warnings, &mut resolved)?;
    let keywords = match data.remove("keywords") {
        None => Map::new(),
        Some(Json::Object(map)) => map,
        Some(_) => {
            let mut d = Diagnostic::error(
                "`keywords` must be an object of deploy-cli keyword values, such as {\"TENANT_NAME\": \"Acme\"}",
            )
            .in_file(file.name.clone());
            if let Some(i) = file.text.find("\"keywords\"") {
                d = d.with_span(Span {
                    source: file.text.clone(),
                    start: i,
                    end: i + "\"keywords\"".len(),
                });
            }
            return Err(d);
        }
    };
    let locale = match data.remove(LOCALE_KEY) {
        None | Some(Json::Null) => None,
        Some(Json::String(tag)) if is_language_tag(&tag) => Some(tag),
        Some(other) => {
            let mut d = Diagnostic::error(format!(
                "`$locale` must be a language tag such as \"fr-FR\" or \"de\", not {}",
                match &other {
                    Json::String(s) => format!("\"{s}\""),
                    other => json_kind(other).to_owned(),
                }
            ))
            .in_file(file.name.clone())
            .with_help("the preview gives it to the page as navigator.language; remove it for the browser's own language");
            if let Some(i) = file.text.find("\"$locale\"") {
                d = d.with_span(Span {
                    source: file.text.clone(),
                    start: i,
                    end: i + LOCALE_KEY.len() + 2,
                });
            }
            return Err(d);
        }
    };
    Ok(Scenario {
        name,
        file: file.name.clone(),
        data,
        keywords,
        locale,
        warnings,
    })
}

/// The scenario key that sets the preview's browser language.
pub const LOCALE_KEY: &str = "$locale";

/// A BCP 47 language tag as browsers give it: `fr`, `fr-FR`, `zh-Hant-TW`
/// (letters, digits and hyphens; a 2–3 letter language first).
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let language = parts.next().unwrap_or("");
    (2..=3).contains(&language.len())
        && language.bytes().all(|b| b.is_ascii_alphabetic())
        && tag.len() <= 35
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Parse a context file into a JSON object, with the position of any syntax error.
pub fn parse_object(file: &SourceFile) -> Result<Map<String, Json>, Diagnostic> {
    if file.text.contains('\0') {
        return Err(
            Diagnostic::error("looks like a binary file, not a JSON scenario")
                .in_file(file.name.clone())
                .with_help("move it out of the contexts folder; every *.json there is a scenario"),
        );
    }
    if file.text.trim().is_empty() {
        return Err(
            Diagnostic::error("the context file is empty; a scenario is a JSON object")
                .in_file(file.name.clone())
                .with_help("write `{}` for a scenario with no values"),
        );
    }
    let value: Json = serde_json::from_str(&file.text).map_err(|err| json_error(file, &err))?;
    match value {
        Json::Object(map) => Ok(map),
        other => Err(Diagnostic::error(format!(
            "a scenario must be a JSON object (`{{ … }}`), not {}",
            json_kind(&other)
        ))
        .in_file(file.name.clone())
        .with_span(Span::at(
            file.text.clone(),
            first_line_col(&file.text).0,
            first_line_col(&file.text).1,
        ))),
    }
}

fn first_line_col(text: &str) -> (usize, usize) {
    let offset = text.len() - text.trim_start().len();
    crate::diagnostic::line_col(text, offset)
}

fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

fn json_error(file: &SourceFile, err: &serde_json::Error) -> Diagnostic {
    let text = err.to_string();
    let message = match text.rfind(" at line ") {
        Some(i) => &text[..i],
        None => &text,
    };
    let mut message = message.replace('`', "'");
    let (mut line, mut column) = (err.line().max(1), err.column().max(1));
    let mut help = None;
    if message.starts_with("control character") {
        message = "this string is not closed before the end of the line".into();
        help = Some(
            "JSON strings cannot span lines: close it with `\"`, or write a line break as \\n",
        );
        if column == 1 && line > 1 {
            // serde points just past the line break: show the end of the string's line.
            line -= 1;
            column = file
                .text
                .lines()
                .nth(line - 1)
                .map_or(1, |l| l.chars().count() + 1);
        }
    } else if message.starts_with("recursion limit exceeded") {
        help = Some("scenarios may nest objects and lists at most 128 deep");
    } else if message.starts_with("trailing comma") {
        // serde points at what follows the comma (`}` or `]`, often on the
        // next line): point at the comma itself.
        let after = crate::diagnostic::offset_of(&file.text, line, column);
        let before = file.text[..after].trim_end();
        if before.ends_with(',') {
            (line, column) = crate::diagnostic::line_col(&file.text, before.len() - 1);
            message = "trailing comma: JSON allows no comma after the last item".into();
            help = Some("remove this comma");
        }
    }
    if help.is_none() {
        let at = crate::diagnostic::offset_of(&file.text, line, column);
        let token = file.text[at..].chars().next();
        help = if message.starts_with("expected ',' or") {
            Some("a comma is missing before this: put one after the value before it")
        } else if message.starts_with("EOF while parsing") {
            Some("the file ends early: close every `{` and `[` it opens")
        } else if message.starts_with("key must be a string") || token == Some('\'') {
            Some("JSON keys and strings are written in double quotes: \"key\": \"value\"")
        } else if message.starts_with("expected value") {
            Some(
                "a value is expected here: a string in double quotes, a number, true, false, null, an object or a list",
            )
        } else {
            None
        };
    }
    let mut d = Diagnostic::error(message)
        .in_file(file.name.clone())
        .with_span(Span::at(file.text.clone(), line, column));
    if help == Some("remove this comma") {
        d = d.with_label("nothing follows this comma");
    }
    match help {
        Some(h) => d.with_help(h),
        None => d,
    }
}

/// Read `file` and merge its `$extends` chain under it.
///
/// `resolved` keeps every base already merged, by canonical path: a base
/// reached many times (bases that each extend the next one twice) is read and
/// merged once.
fn resolve(
    file: &SourceFile,
    dir: &Path,
    chain: &mut Vec<String>,
    warnings: &mut Vec<Diagnostic>,
    resolved: &mut HashMap<String, Map<String, Json>>,
) -> Result<Map<String, Json>, Diagnostic> {
    let key = file
        .path
        .canonicalize()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| file.name.clone());
    if chain.contains(&key) {
        let names: Vec<_> = chain
            .iter()
            .map(|k| {
                Path::new(k)
                    .file_name()
                    .map_or(k.clone(), |n| n.to_string_lossy().into_owned())
            })
            .collect();
        return Err(Diagnostic::error(format!(
            "`$extends` cycle: {} → {}",
            names.join(" → "),
            Path::new(&key)
                .file_name()
                .map_or(key.clone(), |n| n.to_string_lossy().into_owned())
        ))
        .in_file(file.name.clone())
        .with_help("a context may not extend itself, directly or through its bases"));
    }
    chain.push(key);
    let mut own = parse_object(file)?;
    warnings.extend(duplicate_keys(file));
    let bases = match own.remove("$extends") {
        None => Vec::new(),
        Some(Json::String(s)) => vec![s],
        Some(Json::Array(items)) if items.iter().all(Json::is_string) => items
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Some(_) => {
            return Err(extends_error(
                file,
                "`$extends` must be a name or a list of names, such as \"_base\"",
            ));
        }
    };
    own.retain(|k, _| !k.starts_with('$') || k == LOCALE_KEY);
    let mut merged = Map::new();
    let mut seen = HashSet::new();
    for base in &bases {
        if !seen.insert(base.as_str()) {
            continue;
        }
        if base.is_empty()
            || base.contains(['/', '\\'])
            || base.starts_with('.')
            || Path::new(base).is_absolute()
        {
            return Err(extends_error(
                file,
                &format!(
                    "`$extends` names `{base}`, which is not a file of this folder; a base is the name of a JSON file beside the scenario, such as \"_base\""
                ),
            ));
        }
        let path = base_path(dir, base);
        if !path.exists() {
            let mut d = extends_error(
                file,
                &format!(
                    "`$extends` names `{base}`, but {} does not exist",
                    source::display_path(&path)
                ),
            );
            let known: Vec<String> = std::fs::read_dir(dir)
                .map(|rd| {
                    rd.flatten()
                        .filter_map(|e| {
                            e.file_name()
                                .to_str()
                                .and_then(|n| n.strip_suffix(".json"))
                                .map(str::to_owned)
                        })
                        .collect()
                })
                .unwrap_or_default();
            if let Some(near) = crate::suggest::closest(base, known.iter().map(String::as_str)) {
                d = d.with_help(format!("did you mean `{near}`?"));
            }
            return Err(d);
        }
        let key = path
            .canonicalize()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| source::display_path(&path));
        if let Some(done) = resolved.get(&key) {
            merge(&mut merged, done.clone());
            continue;
        }
        crate::output::protect(&path);
        let base_file = source::read_text(&path, "base context")?;
        let base_data = resolve(&base_file, dir, chain, warnings, resolved)?;
        resolved.insert(key, base_data.clone());
        merge(&mut merged, base_data);
    }
    merge(&mut merged, own);
    chain.pop();
    Ok(merged)
}

/// Keys written twice in one object of a (valid) JSON file. JSON allows it;
/// the last one wins, as in every JSON parser Auth0's tools use.
fn duplicate_keys(file: &SourceFile) -> Vec<Diagnostic> {
    let text = &*file.text;
    let bytes = text.as_bytes();
    // One frame per open object or array: the keys seen (objects only).
    let mut frames: Vec<Option<Vec<(String, usize)>>> = Vec::new();
    let mut expect_key = false;
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => {
                frames.push(Some(Vec::new()));
                expect_key = true;
            }
            b'[' => {
                frames.push(None);
                expect_key = false;
            }
            b'}' | b']' => {
                frames.pop();
                expect_key = false;
            }
            b',' => expect_key = matches!(frames.last(), Some(Some(_))),
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if expect_key {
                    let key = text[start + 1..i.min(text.len())].to_owned();
                    if let Some(Some(keys)) = frames.last_mut() {
                        if let Some((_, first)) = keys.iter().find(|(k, _)| *k == key) {
                            let (first_line, _) = crate::diagnostic::line_col(text, *first);
                            out.push(
                                Diagnostic::warning(format!(
                                    "`{key}` is written twice in the same object; the last one wins (this one), the one on line {first_line} is ignored"
                                ))
                                .in_file(file.name.clone())
                                .with_span(Span {
                                    source: file.text.clone(),
                                    start,
                                    end: (i + 1).min(text.len()),
                                })
                                .with_help("remove one of them"),
                            );
                        } else {
                            keys.push((key, start));
                        }
                    }
                    expect_key = false;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

fn extends_error(file: &SourceFile, message: &str) -> Diagnostic {
    let mut d = Diagnostic::error(message).in_file(file.name.clone());
    if let Some(i) = file.text.find("\"$extends\"") {
        d = d.with_span(Span {
            source: file.text.clone(),
            start: i,
            end: i + "\"$extends\"".len(),
        });
    }
    d
}

fn base_path(dir: &Path, name: &str) -> PathBuf {
    if name.ends_with(".json") {
        dir.join(name)
    } else {
        dir.join(format!("{name}.json"))
    }
}

/// Deep-merge `top` over `base`: objects merge, `null` removes, the rest replaces.
pub fn merge(base: &mut Map<String, Json>, top: Map<String, Json>) {
    for (key, value) in top {
        match value {
            Json::Null => {
                base.remove(&key);
            }
            Json::Object(top_obj) => match base.get_mut(&key) {
                Some(Json::Object(base_obj)) => merge(base_obj, top_obj),
                _ => {
                    let mut fresh = Map::new();
                    merge(&mut fresh, top_obj);
                    base.insert(key, Json::Object(fresh));
                }
            },
            other => {
                base.insert(key, other);
            }
        }
    }
}

/// `userData.email=x@y.z`: the value is JSON when it parses as JSON
/// (`true`, `3`, `"quoted"`, `[…]`, `{…}`), a plain string otherwise.
/// A number names an item of a list (`errors.0.code=E1`); on a key that does
/// not exist yet it starts a list, and one past a list's end adds an item.
pub fn apply_set(data: &mut Map<String, Json>, set: &str) -> Result<(), Diagnostic> {
    let usage = || {
        Diagnostic::error(format!(
            "--set `{set}`: expected PATH=VALUE, such as userData.email=jo@example.com"
        ))
    };
    let (path, raw) = set.split_once('=').ok_or_else(usage)?;
    let segments: Vec<&str> = path.trim().split('.').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(usage());
    }
    let value = serde_json::from_str::<Json>(raw).unwrap_or_else(|_| Json::String(raw.to_owned()));
    // The same nesting limit as a scenario file's (serde_json's 128 levels).
    if segments.len() + json_depth(&value) > MAX_NESTING {
        return Err(Diagnostic::error(format!(
            "--set: the path has {} segments; with its value that nests deeper than {MAX_NESTING} levels",
            segments.len()
        ))
        .with_help("scenarios may nest objects and lists at most 128 deep"));
    }
    let (first, rest) = segments
        .split_first()
        .expect("split gives one segment at least");
    if rest.is_empty() {
        if value.is_null() {
            data.remove(*first);
        } else {
            data.insert((*first).to_owned(), value);
        }
        return Ok(());
    }
    let slot = data
        .entry((*first).to_owned())
        .or_insert_with(|| container_for(rest[0]));
    set_in(slot, &segments, 1, value).map_err(|message| {
        Diagnostic::error(format!("--set `{set}`: {message}"))
            .with_help("name a list's items by number from 0; one past the end adds an item")
    })
}

/// An empty list when the next segment is a number, else an empty object.
fn container_for(next: &str) -> Json {
    if next.parse::<usize>().is_ok() {
        Json::Array(Vec::new())
    } else {
        Json::Object(Map::new())
    }
}

/// Set `segments[at..]` inside `slot` (which `segments[..at]` named).
fn set_in(slot: &mut Json, segments: &[&str], at: usize, value: Json) -> Result<(), String> {
    let segment = segments[at];
    let last = at + 1 == segments.len();
    let here = || segments[..at].join(".");
    if let Json::Array(items) = slot {
        let len = items.len();
        let items_word = if len == 1 { "item" } else { "items" };
        let Ok(index) = segment.parse::<usize>() else {
            let numbers = match len {
                0 => "0 adds the first".to_owned(),
                n => format!("0…{}", n - 1),
            };
            return Err(format!(
                "`{}` is a list of {len} {items_word}; name one by number ({numbers}), not `{segment}`",
                here()
            ));
        };
        if index > len || (index == len && value.is_null()) {
            return Err(format!(
                "`{}` is a list of {len} {items_word}, so it has no item {index}",
                here()
            ));
        }
        if last {
            if value.is_null() {
                items.remove(index);
            } else if index == len {
                items.push(value);
            } else {
                items[index] = value;
            }
            return Ok(());
        }
        if index == len {
            items.push(container_for(segments[at + 1]));
        } else if !items[index].is_object() && !items[index].is_array() {
            items[index] = container_for(segments[at + 1]);
        }
        return set_in(&mut items[index], segments, at + 1, value);
    }
    if !slot.is_object() {
        *slot = Json::Object(Map::new());
    }
    let Json::Object(map) = slot else {
        unreachable!("made an object above")
    };
    if last {
        if value.is_null() {
            map.remove(segment);
        } else {
            map.insert(segment.to_owned(), value);
        }
        return Ok(());
    }
    let next = map
        .entry(segment.to_owned())
        .or_insert_with(|| container_for(segments[at + 1]));
    set_in(next, segments, at + 1, value)
}

/// How deep scenarios may nest objects and lists (serde_json's own limit).
pub const MAX_NESTING: usize = 128;

/// Levels of objects and lists in `value` (a scalar is 0). `value` came from
/// serde_json, so it is at most [`MAX_NESTING`] deep.
fn json_depth(value: &Json) -> usize {
    match value {
        Json::Array(items) => 1 + items.iter().map(json_depth).max().unwrap_or(0),
        Json::Object(map) => 1 + map.values().map(json_depth).max().unwrap_or(0),
        _ => 0,
    }
}

pub use crate::ordered::to_liquid;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Json) -> Map<String, Json> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn merge_is_deep_and_null_removes() {
        let mut base =
            obj(json!({"userData": {"email": "a", "userId": "1"}, "errors": [1], "ticket": "t"}));
        merge(
            &mut base,
            obj(json!({"userData": {"email": "b"}, "errors": [2, 3], "ticket": null})),
        );
        assert_eq!(
            Json::Object(base),
            json!({"userData": {"email": "b", "userId": "1"}, "errors": [2, 3]})
        );
    }

    #[test]
    fn set_parses_json_or_takes_a_string() {
        let mut data = obj(json!({"userData": {"email": "a"}, "errors": [{"message": "m"}]}));
        apply_set(&mut data, "userData.email=x@y.z").unwrap();
        apply_set(&mut data, "allowRememberBrowser=true").unwrap();
        apply_set(&mut data, "errors.0.code=\"E1\"").unwrap();
        apply_set(&mut data, "new.deep.key=3").unwrap();
        assert_eq!(
            Json::Object(data.clone()),
            json!({"userData": {"email": "x@y.z"}, "errors": [{"message": "m", "code": "E1"}], "allowRememberBrowser": true, "new": {"deep": {"key": 3}}})
        );
        assert!(apply_set(&mut data, "noequals").is_err());
        let err = apply_set(&mut data, "errors.5.code=1").unwrap_err();
        assert!(
            err.message
                .contains("a list of 1 item, so it has no item 5"),
            "{}",
            err.message
        );
        let err = apply_set(&mut data, "errors.code=1").unwrap_err();
        assert!(
            err.message.contains("name one by number (0…0)"),
            "{}",
            err.message
        );
    }

    #[test]
    fn set_makes_and_grows_lists() {
        let mut data = obj(json!({"ticket": "t"}));
        apply_set(&mut data, "errors.0.code=E1").unwrap();
        apply_set(&mut data, "errors.0.message=Bad code").unwrap();
        apply_set(&mut data, "errors.1.code=E2").unwrap();
        apply_set(&mut data, "matrix.0.0=1").unwrap();
        assert_eq!(
            Json::Object(data.clone()),
            json!({"ticket": "t", "errors": [{"code": "E1", "message": "Bad code"}, {"code": "E2"}], "matrix": [[1]]})
        );
        apply_set(&mut data, "errors.0=null").unwrap();
        assert_eq!(data["errors"], json!([{"code": "E2"}]));
        let err = apply_set(&mut data, "tags.3=x").unwrap_err();
        assert!(
            err.message
                .contains("`tags` is a list of 0 items, so it has no item 3"),
            "{}",
            err.message
        );
        assert!(!data.contains_key("tags") || data["tags"] == json!([]));
        let mut empty = obj(json!({"errors": []}));
        let err = apply_set(&mut empty, "errors.code=x").unwrap_err();
        assert!(
            err.message.contains("(0 adds the first), not `code`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn locale_merges_through_extends_and_is_not_a_variable() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write("_base.json", r#"{"$locale": "de-DE", "ticket": "gten_1"}"#);
        write("de.json", r#"{"$extends": "_base"}"#);
        write("fr.json", r#"{"$extends": "_base", "$locale": "fr-FR"}"#);
        write("none.json", r#"{"$extends": "_base", "$locale": null}"#);
        write("bad.json", "{\n  \"$locale\": \"fr_FR<script>\"\n}");
        let de = load("de", dir.path()).unwrap();
        assert_eq!(de.locale.as_deref(), Some("de-DE"));
        assert!(!de.data.contains_key("$locale"), "{:?}", de.data);
        assert_eq!(
            load("fr", dir.path()).unwrap().locale.as_deref(),
            Some("fr-FR")
        );
        assert_eq!(load("none", dir.path()).unwrap().locale, None);
        let err = load("bad", dir.path()).unwrap_err().render(false);
        assert!(err.starts_with("error: "), "{err}");
        assert!(
            err.contains("bad.json:2:3: `$locale` must be a language tag"),
            "{err}"
        );
        assert!(is_language_tag("zh-Hant-TW") && is_language_tag("de"));
        assert!(!is_language_tag("d") && !is_language_tag("fr-") && !is_language_tag("fr FR"));
    }

    #[test]
    fn json_errors_carry_line_and_column() {
        let file = SourceFile {
            path: "contexts/login.json".into(),
            name: "contexts/login.json".into(),
            text: "{\n  \"a\": 1\n  \"b\": 2\n}".into(),
        };
        let err = parse_object(&file).unwrap_err();
        let first = err.render(false).lines().next().unwrap().to_owned();
        assert_eq!(first, "error: contexts/login.json:3:3: expected ',' or '}'");
    }

    #[test]
    fn a_trailing_comma_is_shown_where_it_is() {
        let file = SourceFile {
            path: "contexts/login.json".into(),
            name: "contexts/login.json".into(),
            text: "{\n  \"a\": [1, 2,\n  ],\n  \"b\": 2,\n\n}\n".into(),
        };
        let err = parse_object(&file).unwrap_err();
        assert_eq!(err.location().unwrap().line, 2);
        assert_eq!(err.location().unwrap().column, 13);
        assert_eq!(err.help, ["remove this comma"]);
    }

    #[test]
    fn duplicate_keys_say_which_wins() {
        let file = SourceFile {
            path: "d.json".into(),
            name: "d.json".into(),
            text:
                "{\n \"a\": 1,\n \"b\": {\"a\": [{\"a\": 1}, {\"a\": \"x,\\\"a\"}]},\n \"a\": 2\n}"
                    .into(),
        };
        let ds = duplicate_keys(&file);
        assert_eq!(ds.len(), 1, "{ds:?}");
        assert_eq!(ds[0].location().unwrap().line, 4);
        assert!(ds[0].message.contains("the one on line 2 is ignored"));
        assert_eq!(parse_object(&file).unwrap()["a"], 2);
    }

    #[test]
    fn arrays_are_not_scenarios() {
        let file = SourceFile {
            path: "x.json".into(),
            name: "x.json".into(),
            text: "[1]".into(),
        };
        let err = parse_object(&file).unwrap_err();
        assert!(err.message.contains("not an array"), "{}", err.message);
    }
}
