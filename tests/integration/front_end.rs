//! The template front end as a user meets it (issue: one lexer, one parser,
//! one tree): what renders, what is reported, and where.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn project(template: &str, contexts: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("templates/partials")).unwrap();
    std::fs::create_dir_all(root.join("contexts")).unwrap();
    std::fs::write(root.join("templates/mfa.liquid"), template).unwrap();
    for (name, json) in contexts {
        std::fs::write(root.join(format!("contexts/{name}.json")), json).unwrap();
    }
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mfa-page"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn render(template: &str, context: &str) -> (String, String) {
    let dir = project(template, &[("login", context)]);
    let out = run(dir.path(), &["render", "--context", "login"]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

#[test]
fn a_default_anywhere_in_the_chain_guards_the_read() {
    let (page, stderr) = render(
        "<img src=\"{{ iconUrl | escape | default: 'x.png' }}\">",
        "{}",
    );
    assert_eq!(page, "<img src=\"x.png\">");
    assert!(!stderr.contains("undefined"), "{stderr}");
}

#[test]
fn names_that_start_like_literals_are_variables() {
    let (page, _) = render(
        "{{ nilly }}|{{ trueish }}|{% case nullable %}{% when 2 %}two{% else %}else{% endcase %}|{% assign emptyState = 'e' %}{{ emptyState }}",
        r#"{"nilly": 1, "trueish": "t", "nullable": 2}"#,
    );
    assert_eq!(page, "1|t|two|e");
}

#[test]
fn grammar_the_reference_accepts() {
    let (page, _) = render(
        "{{ (1..3) | join: ',' }}|{{ foo .bar }}|{{ ['a b'] }}|{% for i in (1..6), limit: 2, offset: 1 %}{{ i }}{% endfor %}|{% if (1..2) == r %}eq{% endif %}",
        r#"{"foo": {"bar": "B"}, "a b": "spaced", "r": [1, 2]}"#,
    );
    assert_eq!(page, "1,2,3|B|spaced|23|eq");
}

#[test]
fn each_undefined_read_is_reported_where_it_is() {
    let (_, stderr) = render(
        "<p>{{ userData.emial }}</p>\n<p>\n  {{ userData.emial }}</p>",
        r#"{"userData": {"email": "a@b.c"}}"#,
    );
    assert!(stderr.contains("templates/mfa.liquid:1:7"), "{stderr}");
    assert!(stderr.contains("templates/mfa.liquid:3:6"), "{stderr}");
}

#[test]
fn keywords_keep_positions_in_the_file_as_written() {
    // The keyword's value is longer than its placeholder: the undefined read
    // after it is still reported at its place in the file as written.
    let template = "<title>##TITLE##</title><p>{{ nope }}</p>";
    let dir = project(
        template,
        &[(
            "login",
            r#"{"keywords": {"TITLE": "A much longer title than the placeholder"}}"#,
        )],
    );
    let out = run(dir.path(), &["render", "--context", "login"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let col = template.find("nope").unwrap() + 1;
    assert!(
        stderr.contains(&format!("templates/mfa.liquid:1:{col}")),
        "{stderr}"
    );
}

#[test]
fn keyword_scenarios_get_the_hostile_value_check() {
    let template = "<html lang=\"en\"><head><title>##TITLE##</title></head><body>\n<script>\n  var email = \"{{ userData.email }}\";\n</script>\n{{ ticket }}{{ requestToken }}</body></html>";
    let dir = project(
        template,
        &[(
            "login",
            r#"{"requestToken": "a.e30.c", "postActionURL": "https://x.example/p", "userData": {"email": "a@b.c"}, "keywords": {"TITLE": "Sign in to a long tenant name"}}"#,
        )],
    );
    let out = run(dir.path(), &["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let all = format!("{stdout}{stderr}");
    assert!(all.contains("hostile-breakout"), "{all}");
    assert!(all.contains("templates/mfa.liquid:3:16"), "{all}");
}
