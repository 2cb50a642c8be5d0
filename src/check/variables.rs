//! Variables: what the template reads that Auth0 never provides, scenario
//! keys Auth0 never provides, and undefined accesses in each scenario.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::{Map, Value as Json};

use crate::auth0::{self, Shape};
use crate::check::report::{Finding, Level};
use crate::engine::Rendered;
use crate::source::SourceFile;
use crate::suggest;
use crate::template::ast::Expr;
use crate::template::walk::{self, Walker};
use crate::template::{Document, Span};

/// A variable path the template reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Index into the files analysed.
    pub file: usize,
    /// Byte offset of the path in the file.
    pub offset: usize,
    /// The path as written: `userData.email`.
    pub text: String,
    /// Its named segments: `["userData", "email"]` (stops at a computed index).
    pub segments: Vec<String>,
}

/// Every variable the template and its partials read, and the names they define.
#[derive(Debug, Default)]
pub struct Analysis {
    pub references: Vec<Reference>,
    /// Names given a value by the template: `assign`, `capture`, loop
    /// variables, counters, partial parameters.
    pub defined: HashSet<String>,
    /// Loop variables and the path they iterate: `error` → `errors`.
    pub loops: HashMap<String, String>,
}

impl Analysis {
    /// Whether any file reads the root variable `name`.
    pub fn reads(&self, name: &str) -> bool {
        self.references
            .iter()
            .any(|r| r.segments.first().is_some_and(|s| s == name))
    }
}

/// What a walk of the trees collects.
struct Collect<'a> {
    file: usize,
    source: &'a str,
    analysis: &'a mut Analysis,
    /// The last path a `for`/`tablerow` read: its collection.
    last_loop_read: Option<String>,
}

impl<'t> Walker<'t> for Collect<'_> {
    fn read(&mut self, expr: &'t Expr, tag: Option<&'static str>) {
        for path in expr.paths() {
            let segments = path.static_keys();
            let Some(root) = segments.first() else {
                continue;
            };
            if root == "forloop" || root == "tablerowloop" {
                continue;
            }
            if matches!(tag, Some("for" | "tablerow")) && self.last_loop_read.is_none() {
                self.last_loop_read = Some(path.written());
            }
            let text = self
                .source
                .get(path.span.start..path.span.end)
                .map_or_else(|| path.written(), str::to_owned);
            self.analysis.references.push(Reference {
                file: self.file,
                offset: path.span.start,
                text,
                segments,
            });
        }
    }

    fn assign(&mut self, name: &'t str, _span: Span, tag: &'static str) {
        self.analysis.defined.insert(name.to_owned());
        if matches!(tag, "for" | "tablerow")
            && let Some(collection) = self.last_loop_read.take()
        {
            self.analysis.loops.insert(name.to_owned(), collection);
        }
    }

    fn tag(&mut self, _name: &'static str, _span: Span) {
        self.last_loop_read = None;
    }
}

/// Read every file's tree (the template first, then partials).
pub fn analyse_documents(docs: &[&Document]) -> Analysis {
    let mut analysis = Analysis::default();
    for (index, doc) in docs.iter().enumerate() {
        let mut c = Collect {
            file: index,
            source: &doc.source,
            analysis: &mut analysis,
            last_loop_read: None,
        };
        walk::walk(&doc.body, &mut c);
    }
    analysis
}

/// [`analyse_documents`] of files given as text (one that does not parse adds nothing).
pub fn analyse(files: &[SourceFile]) -> Analysis {
    let docs: Vec<Option<Document>> = files.iter().map(|f| crate::engine::parse(f).ok()).collect();
    let empty = Document {
        name: "".into(),
        source: "".into(),
        body: Default::default(),
    };
    let refs: Vec<&Document> = docs.iter().map(|d| d.as_ref().unwrap_or(&empty)).collect();
    analyse_documents(&refs)
}

/// Template variables Auth0 never provides (and keys of its objects it never sets).
pub fn template_findings(files: &[SourceFile], analysis: &Analysis) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for r in &analysis.references {
        let Some(u) = unknown(&r.segments, analysis) else {
            continue;
        };
        if !seen.insert((r.file, r.offset)) {
            continue;
        }
        let file = &files[r.file];
        let start = (r.offset + u.at).min(file.text.len());
        out.push(
            Finding::new(Level::Warning, "unknown-variable", u.message)
                .in_file(file.name.clone())
                .at(file.text.clone(), start, start + u.len)
                .label("not provided by Auth0")
                .help(u.help),
        );
    }
    out
}

/// A path the template reads that Auth0 never sets, and what was likely meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    pub message: String,
    /// "did you mean …?", or what Auth0 does provide.
    pub help: String,
    /// Where the unknown name starts in the path, and its length.
    pub at: usize,
    pub len: usize,
}

/// Why Auth0 never sets the path `segments` (`["userData", "emial"]`), if it does not.
pub fn unknown(segments: &[String], analysis: &Analysis) -> Option<Unknown> {
    let root = segments.first()?.as_str();
    // The shape of the value `root` refers to.
    let shape = if analysis.defined.contains(root) {
        match analysis
            .loops
            .get(root)
            .and_then(|c| auth0::variable(c))?
            .shape
        {
            Shape::ListOf(keys) => Shape::Object(keys),
            _ => return None,
        }
    } else {
        match auth0::variable(root) {
            Some(v) => v.shape,
            None => {
                let mut candidates: Vec<&str> =
                    analysis.defined.iter().map(String::as_str).collect();
                for name in auth0::names() {
                    candidates.push(name);
                }
                let help = suggest::closest(root, candidates).map_or_else(
                    || {
                        format!(
                            "Auth0 gives this page only: {}",
                            auth0::names().collect::<Vec<_>>().join(", ")
                        )
                    },
                    |near| format!("did you mean `{near}`?"),
                );
                return Some(Unknown {
                    message: format!(
                        "`{root}` is not a variable Auth0 provides to the MFA page; at Auth0 it is always empty"
                    ),
                    help,
                    at: 0,
                    len: root.len(),
                });
            }
        }
    };
    let (Shape::Object(keys), Some(key)) = (shape, segments.get(1)) else {
        return None;
    };
    if keys.contains(&key.as_str()) || auth0::LIQUID_INDEXES.contains(&key.as_str()) {
        return None;
    }
    let owner = if auth0::variable(root).is_some() {
        format!("`{root}`")
    } else {
        format!(
            "an item of `{}`",
            analysis.loops.get(root).map_or(root, String::as_str)
        )
    };
    let help = suggest::closest(key, keys.iter().copied())
        .map(|near| format!("did you mean `{root}.{near}`?"))
        .unwrap_or_else(|| format!("{owner} has: {}", keys.join(", ")));
    Some(Unknown {
        message: format!(
            "`{root}.{key}`: Auth0 never sets `{key}` in {owner}; at Auth0 it is always empty"
        ),
        help,
        at: root.len() + 1,
        len: key.len(),
    })
}

/// Reports one unknown key: (key, where to search from, message, the keys Auth0 sets).
type Reporter<'r> = dyn FnMut(&str, usize, String, &[&str]) + 'r;

/// Keys of a scenario file that Auth0 never provides (`requesttoken`, `userData.emial`).
pub fn scenario_key_findings(file: &SourceFile, data: &Map<String, Json>) -> Vec<Finding> {
    let mut out = Vec::new();
    let text = &file.text;
    let mut report = |key: &str, from: usize, what: String, candidates: &[&str]| {
        let at = key_offset(text, key, from);
        let mut f =
            Finding::new(Level::Warning, "unknown-scenario-key", what).in_file(file.name.clone());
        if let Some(at) = at {
            f = f
                .at(text.clone(), at, at + key.len() + 2)
                .label("Auth0 never sets this");
        }
        f = match suggest::closest(key, candidates.iter().copied()) {
            Some(near) => f.help(format!("did you mean `{near}`?")),
            None => f.help(format!("Auth0 sets only: {}", candidates.join(", "))),
        };
        out.push(f);
    };
    let names: Vec<&str> = auth0::names().collect();
    for (key, value) in data {
        // `keywords` holds deploy-cli's placeholder values, not a variable.
        if key.starts_with('$') || key == "keywords" {
            continue;
        }
        let Some(var) = auth0::variable(key) else {
            report(
                key,
                0,
                format!(
                    "`{key}` is not a variable Auth0 provides to the MFA page; the template would never see it at Auth0"
                ),
                &names,
            );
            continue;
        };
        let from = key_offset(text, key, 0).unwrap_or(0);
        let check_object =
            |object: &Map<String, Json>, keys: &[&str], from: usize, report: &mut Reporter<'_>| {
                for k in object.keys() {
                    if !k.starts_with('$') && !keys.contains(&k.as_str()) {
                        report(
                            k,
                            from,
                            format!("`{key}.{k}`: Auth0 never sets `{k}` in `{key}`"),
                            keys,
                        );
                    }
                }
            };
        match (var.shape, value) {
            (Shape::Object(keys), Json::Object(object)) => {
                check_object(object, keys, from, &mut report)
            }
            (Shape::ListOf(keys), Json::Array(items)) => {
                for item in items {
                    if let Json::Object(object) = item {
                        check_object(object, keys, from, &mut report);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Byte offset of `"key"` used as a key (followed by `:`) at or after `from`.
fn key_offset(text: &str, key: &str, from: usize) -> Option<usize> {
    let quoted = format!("\"{key}\"");
    let mut at = from.min(text.len());
    while let Some(i) = text[at..].find(&quoted) {
        let start = at + i;
        let after = text[start + quoted.len()..].trim_start();
        if after.starts_with(':') {
            return Some(start);
        }
        at = start + quoted.len();
    }
    None
}

/// Whether Auth0 never sends the variable `path` reads in `flow`: `ticket`
/// at login, `requestToken` and `postActionURL` at enrollment. Reading it
/// there renders empty at Auth0 too, so it is not reported as undefined.
pub fn never_sent(flow: crate::scenario::Flow, path: &str) -> bool {
    use crate::scenario::Flow;
    let root = path.split(['.', '[']).next().unwrap_or(path);
    match flow {
        Flow::Enrollment => matches!(root, "requestToken" | "postActionURL"),
        Flow::Login => root == "ticket",
        Flow::Neither => false,
    }
}

/// Undefined accesses of one scenario's render (not already reported as unknown variables).
pub fn undefined_findings(
    files: &[SourceFile],
    rendered: &Rendered,
    scenario: &str,
    reported: &HashSet<(String, usize)>,
) -> Vec<Finding> {
    rendered
        .undefined
        .iter()
        .filter(|u| !u.guarded)
        .filter(|u| match (&u.file, u.offset) {
            (Some(f), Some(o)) => !reported.contains(&(f.clone(), o)),
            _ => true,
        })
        .map(|u| {
            let mut f = Finding::new(
                Level::Warning,
                "undefined-variable",
                format!("`{}` is undefined; it renders as empty", u.path),
            )
            .scenario(scenario)
            .help(format!(
                "set it in the scenario, or write `{} | default: …` if Auth0 may leave it out",
                u.path
            ));
            if let (Some(name), Some(offset)) = (&u.file, u.offset)
                && let Some(file) = files.iter().find(|f| &f.name == name)
            {
                f = f
                    .in_file(name.clone())
                    .at(file.text.clone(), offset, offset + u.path.len())
                    .label("undefined");
            }
            f
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::Arc;

    fn file(text: &str) -> SourceFile {
        SourceFile {
            path: PathBuf::from("t.liquid"),
            name: "t.liquid".into(),
            text: Arc::from(text),
        }
    }

    #[test]
    fn liquid_tag_bodies_are_read() {
        let f = file(
            "{% liquid\n  assign greeting = userData.email | default: 'you'\n  if ticket\n    echo greeting\n  endif\n%}{{ greeting }}",
        );
        let a = analyse(std::slice::from_ref(&f));
        let paths: Vec<&str> = a.references.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(paths, ["userData.email", "ticket", "greeting", "greeting"]);
        assert!(a.defined.contains("greeting"));
        // Nothing here is "not an Auth0 variable".
        assert!(template_findings(std::slice::from_ref(&f), &a).is_empty());
    }

    #[test]
    fn finds_reads_and_definitions() {
        let f = file(
            "{% assign n = userData.tenant | default: 'x' %}{{ n | append: iconUrl }}{% for e in errors limit: 2 %}{{ e.message | escape }}{% endfor %}{% if ticket and x == 'a' %}{% endif %}{{ a['b'].c }}{% include 'p', k: mfaServerUrl %}",
        );
        let a = analyse(std::slice::from_ref(&f));
        let paths: Vec<&str> = a.references.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(
            paths,
            [
                "userData.tenant",
                "n",
                "iconUrl",
                "errors",
                "e.message",
                "ticket",
                "x",
                "a['b'].c",
                "mfaServerUrl"
            ]
        );
        assert_eq!(a.references[7].segments, ["a", "b", "c"]);
        assert!(a.defined.contains("n") && a.defined.contains("e") && a.defined.contains("k"));
        assert_eq!(a.loops["e"], "errors");
        assert!(a.reads("ticket") && !a.reads("requestToken"));
    }

    #[test]
    fn typos_are_found_with_a_suggestion() {
        let f = file(
            "{{ requesttoken }}\n{{ userData.emial }}\n{% for e in errors %}{{ e.mesage }}{% endfor %}{% assign mine = 1 %}{{ mine }}",
        );
        let a = analyse(std::slice::from_ref(&f));
        let found = template_findings(std::slice::from_ref(&f), &a);
        let messages: Vec<(String, Vec<String>)> = found
            .iter()
            .map(|f| (f.message.clone(), f.help.clone()))
            .collect();
        assert_eq!(found.len(), 3, "{messages:?}");
        assert_eq!(found[0].help, ["did you mean `requestToken`?"]);
        assert_eq!(found[1].help, ["did you mean `userData.email`?"]);
        assert_eq!(found[1].position(), Some((2, 13)));
        assert_eq!(found[2].help, ["did you mean `e.message`?"]);
    }

    #[test]
    fn what_auth0_never_sends_in_a_flow() {
        use crate::scenario::Flow;
        assert!(never_sent(Flow::Enrollment, "postActionURL"));
        assert!(never_sent(Flow::Enrollment, "requestToken"));
        assert!(!never_sent(Flow::Enrollment, "ticket"));
        assert!(never_sent(Flow::Login, "ticket"));
        assert!(!never_sent(Flow::Login, "postActionURL"));
        assert!(!never_sent(Flow::Neither, "ticket"));
        assert!(!never_sent(Flow::Login, "userData.email"));
    }

    #[test]
    fn scenario_keys() {
        let text = "{\n  \"$extends\": \"_base\",\n  \"requesttoken\": \"x\",\n  \"userData\": { \"emial\": \"a\" },\n  \"keywords\": { \"K\": 1 }\n}";
        let f = file(text);
        let data = crate::scenario::parse_object(&f).unwrap();
        let found = scenario_key_findings(&f, &data);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].position(), Some((3, 3)));
        assert_eq!(found[0].help, ["did you mean `requestToken`?"]);
        assert_eq!(found[1].position(), Some((4, 17)));
    }
}
