//! The command line: argument definitions and the exit-code contract
//! (0 success, 1 the input is wrong or a check failed, 2 bad usage).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::cmd;
use crate::diagnostic::{self, Diagnostic};

#[derive(Debug, Parser)]
#[command(
    name = "mfa-page",
    version,
    about = "Render, preview, check and export Auth0's Classic MFA page template",
    long_about = "Render, preview, check and export Auth0's Classic Multi-factor Authentication \
                  page: one Liquid template that Auth0 renders for enrollment (with `ticket`) \
                  and for login (with `requestToken` and `postActionURL`).",
    after_help = "Start with `mfa-page init my-mfa-page`, then `cd my-mfa-page && mfa-page serve`.\n\
                  The project is found from any of its subfolders (the nearest folder holding templates/ or contexts/)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The commands, in the order people use them. Each has a one-line summary
/// (`-h` and the command list) and a paragraph with examples (`--help`).
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a starter project (template, partials and scenarios) into a folder
    ///
    /// The folder is created when missing; no existing file is ever overwritten.
    #[command(
        after_long_help = "Examples:\n  mfa-page init my-mfa-page\n  mfa-page init            (the current folder)"
    )]
    Init(InitArgs),
    /// Preview every scenario in the browser, updating as you edit
    ///
    /// Serves a gallery of every scenario and one page per scenario; saves to the template,
    /// partials and scenarios update open pages in place or by reloading. The URL is the only
    /// line on stdout.
    #[command(
        after_long_help = "Examples:\n  mfa-page serve --open\n  mfa-page serve --port 0 --reload-mode reload"
    )]
    Serve(ServeArgs),
    /// Render the template with one scenario, as Auth0 would
    ///
    /// Undefined variables render as empty, as at Auth0, with a warning each (errors with
    /// --strict). The page goes to stdout, or to a file with -o.
    #[command(
        after_long_help = "Examples:\n  mfa-page render login\n  mfa-page render login --set errors.0.code=invalid_otp -o out/login.html\n  mfa-page render --all --out-dir out/"
    )]
    Render(RenderArgs),
    /// Check every scenario for CI: snapshots, both flows, coverage, variables, valid HTML and JavaScript
    ///
    /// Exits 1 when a finding reaches --fail-on. Snapshots are compared with tests/snapshots/
    /// (accept changes with --update).
    #[command(
        after_long_help = "Examples:\n  mfa-page check\n  mfa-page check --update\n  mfa-page check --format github --fail-on warning"
    )]
    Check(CheckArgs),
    /// Write one self-contained template for Auth0, partials and local assets inlined
    ///
    /// Before writing, every scenario is rendered from the project and from the export; the
    /// export is refused unless they are identical.
    #[command(
        after_long_help = "Examples:\n  mfa-page export -o dist/mfa.html\n  mfa-page export --format deploy-cli --out-dir tenant/"
    )]
    Export(ExportArgs),
    /// Deploy the exported template to a tenant through the Management API
    ///
    /// Sends the bytes `export` writes with PATCH /api/v2/tenants/settings, after the checks of
    /// `mfa-page check` (snapshots aside). The token comes from AUTH0_MGMT_TOKEN or --token-file.
    #[command(
        after_long_help = "Examples:\n  mfa-page deploy --domain acme.eu.auth0.com --dry-run\n  mfa-page deploy --domain acme.eu.auth0.com"
    )]
    Deploy(DeployArgs),
    /// Create an enrollment ticket for a user and print its URL (Management API)
    ///
    /// The ticket works once and expires after 5 days. The token comes from AUTH0_MGMT_TOKEN or
    /// --token-file.
    #[command(
        after_long_help = "Examples:\n  mfa-page ticket --domain acme.eu.auth0.com --user-id 'auth0|64f1c2a9e4b0d3a1c2e5f789'"
    )]
    Ticket(TicketArgs),
    /// Fetch the tenant's MFA page into the template (Management API)
    Pull(PullArgs),
    /// Compare what `deploy` would send with what the tenant serves (exit 0 same, 1 differs, 2 usage, 3 tenant unreadable)
    Diff(DiffArgs),
}

/// Where the template, its partials and the scenarios are.
#[derive(Debug, Clone, Args)]
pub struct ProjectArgs {
    /// The page template
    #[arg(long, value_name = "FILE", default_value = "templates/mfa.liquid")]
    pub template: PathBuf,
    /// Folder of partials for {% include %} and {% render %} [default: partials/ beside the template]
    #[arg(long, value_name = "DIR")]
    pub partials: Option<PathBuf>,
    /// Folder of scenario contexts (*.json; files starting with _ are shared bases)
    #[arg(long, value_name = "DIR", default_value = "contexts")]
    pub contexts: PathBuf,
    #[command(flatten)]
    pub budget: BudgetArgs,
}

/// The budget of every render; exceeding one is an error at the tag that did it.
#[derive(Debug, Clone, Args)]
pub struct BudgetArgs {
    /// Wall-clock time one render may take
    #[arg(long, help_heading = "Render budget", value_name = "SECONDS", default_value_t = 5.0, value_parser = positive_seconds)]
    pub time_limit: f64,
    /// Tags, outputs, partials and loop iterations one render may run
    #[arg(long, help_heading = "Render budget", value_name = "N", default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub step_limit: u64,
    /// Memory the values a render builds may hold
    #[arg(long, help_heading = "Render budget", value_name = "MIB", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub memory_limit: u64,
    /// Largest page a render may write
    #[arg(long, help_heading = "Render budget", value_name = "MIB", default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub page_limit: u64,
}

fn positive_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => Ok(s),
        _ => Err("expected a number of seconds above 0 and at most 86400, such as 5 or 0.5".into()),
    }
}

impl BudgetArgs {
    pub fn limits(&self) -> crate::budget::Limits {
        crate::budget::Limits {
            time: std::time::Duration::from_secs_f64(self.time_limit),
            steps: self.step_limit,
            memory_bytes: (self.memory_limit as usize).saturating_mul(1 << 20),
            output_bytes: (self.page_limit as usize).saturating_mul(1 << 20),
        }
    }
}

/// auth0-deploy-cli's configuration: keyword values, and for the commands
/// that reach a tenant, its domain and credentials.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigArgs {
    /// auth0-deploy-cli config file (JSON): AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, AUTH0_ACCESS_TOKEN, AUTH0_KEYWORD_REPLACE_MAPPINGS; the same names in the environment win over it
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Offer every environment variable as a keyword, as deploy-cli does unless run with --env false (never by default: a secret could reach the page)
    #[arg(long)]
    pub keywords_from_env: bool,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["scenario", "context", "all"])))]
pub struct RenderArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Scenario to render: a name from the contexts folder, a JSON file, or - for stdin (same as --context)
    #[arg(value_name = "SCENARIO", conflicts_with = "context")]
    pub scenario: Option<String>,
    /// Scenario to render: a name from the contexts folder, a JSON file, or - for stdin
    #[arg(short, long, value_name = "NAME|FILE|-")]
    pub context: Option<String>,
    /// Render every scenario into --out-dir
    #[arg(long, requires = "out_dir", conflicts_with_all = ["output", "set", "scenario"])]
    pub all: bool,
    /// Folder for --all: one <scenario>.html each
    #[arg(long, value_name = "DIR", requires = "all")]
    pub out_dir: Option<PathBuf>,
    /// Override a value: --set userData.email=jo@example.com, --set errors.0.code=x (VALUE is JSON if it parses, else a string)
    #[arg(long, value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Write the page to FILE instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Treat undefined variables as errors
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// What to write
    #[arg(long, value_enum, default_value = "html")]
    pub format: crate::export::formats::Format,
    /// Write to FILE instead of stdout (html, tenant-settings)
    #[arg(short, long, value_name = "FILE", conflicts_with = "out_dir")]
    pub output: Option<PathBuf>,
    /// Folder for the deploy-cli and terraform formats
    #[arg(long, value_name = "DIR", required_if_eq_any = [("format", "deploy-cli"), ("format", "terraform")])]
    pub out_dir: Option<PathBuf>,
    /// Export even when the template fails its checks
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// How to reach the Management API. The token comes from --token-file or
/// AUTH0_MGMT_TOKEN, else AUTH0_ACCESS_TOKEN, else the client-credentials
/// grant with AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET (environment or --config).
#[derive(Debug, Clone, Default, Args)]
pub struct ApiArgs {
    /// The tenant's Auth0 domain, e.g. acme.eu.auth0.com [default: AUTH0_DOMAIN]; custom domains do not serve the Management API
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Option<String>,
    /// Read the Management API token from FILE instead of AUTH0_MGMT_TOKEN
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Allow plain HTTP (only for tests against a local server)
    #[arg(long, hide = true)]
    pub insecure_http: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub api: ApiArgs,
    /// Print the request (token redacted) and send nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Deploy even when the template fails its checks
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct TicketArgs {
    #[command(flatten)]
    pub api: ApiArgs,
    /// The user to enroll, e.g. 'auth0|64f1c2a9e4b0d3a1c2e5f789'
    #[arg(long, value_name = "USER_ID")]
    pub user_id: String,
    /// Email address to send the enrollment link to (with --send-mail)
    #[arg(long)]
    pub email: Option<String>,
    /// Have Auth0 email the enrollment link to the user
    #[arg(long)]
    pub send_mail: bool,
    /// Language of that email, e.g. fr
    #[arg(long, value_name = "LOCALE")]
    pub email_locale: Option<String>,
    /// Print {"ticket_id", "ticket_url"} as JSON instead of the URL alone
    #[arg(long)]
    pub json: bool,
    /// Print the request (secrets redacted) and send nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub api: ApiArgs,
    /// Write the page to FILE instead of the template
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace a file that differs from the tenant's page
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub api: ApiArgs,
    /// How to write the difference
    #[arg(long, value_enum, default_value = "unified")]
    pub format: crate::cmd::diff::DiffFormat,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to create the project in (must not already hold the starter's files)
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Start from the tenant's current MFA page instead of the starter template (with the starter's scenarios)
    #[arg(long)]
    pub from_tenant: bool,
    #[command(flatten)]
    pub api: ApiArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Folder of expected pages, one <scenario>.html each
    #[arg(long, value_name = "DIR", default_value = "tests/snapshots")]
    pub snapshots: PathBuf,
    /// Accept changed pages: rewrite their snapshots and remove stale ones
    #[arg(long)]
    pub update: bool,
    /// Fail when a branch of the template is rendered by no scenario
    #[arg(long)]
    pub require_full_coverage: bool,
    /// How to write the findings
    #[arg(long, value_enum, default_value_t = crate::check::report::Format::Human)]
    pub format: crate::check::report::Format,
    /// The lowest severity that fails the check (exit 1)
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = crate::check::report::FailOn::Error)]
    pub fail_on: crate::check::report::FailOn,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Also screenshot every scenario in headless Chromium at 375, 768 and 1280 px and compare with baselines
    #[arg(long)]
    pub visual: bool,
    /// Folder of screenshot baselines, one <scenario>@<width>.<platform>.png each
    #[arg(
        long,
        value_name = "DIR",
        default_value = "tests/visual",
        requires = "visual"
    )]
    pub visual_dir: PathBuf,
    /// Colour distance (0 to 1) below which two pixels count as the same; anti-aliasing is tolerated apart from it
    #[arg(long, value_name = "0..1", default_value_t = 0.1, value_parser = parse_threshold, requires = "visual")]
    pub visual_threshold: f64,
    /// The browser to run [default: $CHROME, $CHROMIUM, then chromium, chromium-browser, google-chrome on PATH]
    #[arg(long, value_name = "PATH", requires = "visual")]
    pub chrome: Option<PathBuf>,
    /// Folder for the HTML report of --visual (expected, actual and diff images, and every finding)
    #[arg(
        long,
        value_name = "DIR",
        default_value = "target/mfa-page-report",
        requires = "visual"
    )]
    pub report: PathBuf,
}

fn parse_threshold(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a number from 0 to 1")),
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Address to listen on; anything but a loopback address exposes the preview to the network
    #[arg(long, value_name = "HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on; when it is taken, the next 10 are tried
    #[arg(long, value_name = "PORT", default_value_t = 4000)]
    pub port: u16,
    /// Open the gallery in the default browser
    #[arg(long)]
    pub open: bool,
    /// Where a finding's link opens it: a URL with {path}, {line} and {column}
    #[arg(long, value_name = "URL", default_value = crate::serve::findings::EDITOR_URL, value_parser = editor_url)]
    pub editor_url: String,
    /// Which MFA widget the preview loads: an offline stand-in, or Auth0's real script from its CDN
    #[arg(long, value_enum, value_name = "WIDGET", default_value_t = crate::serve::WidgetMode::Mock)]
    pub widget: crate::serve::WidgetMode,
    /// How open pages take a save: patched in place when only markup, text or CSS changed, or always reloaded
    #[arg(long = "reload-mode", alias = "update", value_enum, value_name = "MODE", default_value_t = crate::serve::UpdateMode::InPlace)]
    pub reload_mode: crate::serve::UpdateMode,
    #[command(flatten)]
    pub config: ConfigArgs,
}

impl Command {
    /// The project a command reads, when it reads one.
    pub fn project(&self) -> Option<&ProjectArgs> {
        match self {
            Command::Render(a) => Some(&a.project),
            Command::Export(a) => Some(&a.project),
            Command::Deploy(a) => Some(&a.project),
            Command::Check(a) => Some(&a.project),
            Command::Serve(a) => Some(&a.project),
            Command::Pull(a) => Some(&a.project),
            Command::Diff(a) => Some(&a.project),
            Command::Init(_) | Command::Ticket(_) => None,
        }
    }
}

/// `--editor-url` must say where the file goes.
fn editor_url(value: &str) -> Result<String, String> {
    if value.contains("{path}") {
        Ok(value.to_owned())
    } else {
        Err("the URL must contain {path} (and may contain {line} and {column}), e.g. vscode://file/{path}:{line}:{column}".into())
    }
}

/// What a command returns: `Err` carries the errors to print before exiting 1.
pub use crate::diagnostic::CmdResult;

pub fn main() -> ExitCode {
    let parsed = <Cli as clap::CommandFactory>::command()
        .try_get_matches()
        .and_then(|matches| {
            <Cli as clap::FromArgMatches>::from_arg_matches(&matches).map(|cli| (cli, matches))
        });
    let (mut cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(err) => return usage_error(&err),
    };
    if let Err(err) = check_usage(&cli) {
        return usage_error(&err);
    }
    if let Err(d) = locate_project(&mut cli, &matches) {
        diagnostic::emit(&[d]);
        return ExitCode::from(1);
    }
    if let Some(project) = cli.command.project() {
        crate::budget::set_defaults(project.budget.limits());
    }
    let cli = match cli.command {
        // `diff` has its own exit codes (1 means "differs").
        Command::Diff(args) => return cmd::diff::execute(args),
        command => Cli { command },
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(diagnostics) => {
            diagnostic::emit(&diagnostics);
            ExitCode::from(1)
        }
    }
}

fn usage_error(err: &clap::Error) -> ExitCode {
    let _ = err.print();
    if err.use_stderr() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// Usage rules clap cannot express, reported as clap reports its own (exit 2),
/// with the usage of the subcommand concerned.
pub fn check_usage(cli: &Cli) -> Result<(), clap::Error> {
    if let Command::Export(args) = &cli.command
        && args.out_dir.is_some()
        && !args.format.is_folder()
    {
        return Err(subcommand_error(
            "export",
            clap::error::ErrorKind::ArgumentConflict,
            format!(
                "--out-dir goes with --format deploy-cli or terraform, not --format {}; \
                 write html and tenant-settings with -o FILE",
                clap::ValueEnum::to_possible_value(&args.format)
                    .map(|v| v.get_name().to_owned())
                    .unwrap_or_default()
            ),
        ));
    }
    Ok(())
}

fn subcommand_error(name: &str, kind: clap::error::ErrorKind, message: String) -> clap::Error {
    let mut cli = <Cli as clap::CommandFactory>::command();
    cli.build();
    let sub = cli
        .find_subcommand_mut(name)
        .expect("the subcommand exists");
    sub.error(kind, message)
}

pub fn run(cli: Cli) -> CmdResult {
    if let Some(project) = cli.command.project() {
        crate::budget::set_defaults(project.budget.limits());
    }
    match cli.command {
        Command::Init(args) => cmd::init::execute(args),
        Command::Serve(args) => cmd::serve::execute(args),
        Command::Render(args) => cmd::render::execute(args),
        Command::Check(args) => cmd::check::execute(args),
        Command::Export(args) => cmd::export::execute(args),
        Command::Deploy(args) => cmd::deploy::execute(args),
        Command::Ticket(args) => cmd::ticket::execute(args),
        Command::Pull(args) => cmd::pull::execute(args),
        Command::Diff(args) => match cmd::diff::execute(args) {
            code if code == ExitCode::SUCCESS => Ok(()),
            _ => Err(Vec::new()),
        },
    }
}

/// Point the default project paths of the command in `cli` at the project's
/// root, found from the current folder; `matches` tells defaults from paths
/// given on the command line. Commands without a project are left alone.
pub fn locate_project(cli: &mut Cli, matches: &clap::ArgMatches) -> Result<(), Diagnostic> {
    let Some((_, sub)) = matches.subcommand() else {
        return Ok(());
    };
    let (project, snapshots): (&mut ProjectArgs, Option<&mut PathBuf>) = match &mut cli.command {
        Command::Render(a) => (&mut a.project, None),
        Command::Check(a) => (&mut a.project, Some(&mut a.snapshots)),
        Command::Serve(a) => (&mut a.project, None),
        Command::Export(a) => (&mut a.project, None),
        Command::Deploy(a) => (&mut a.project, None),
        Command::Pull(a) => (&mut a.project, None),
        Command::Diff(a) => (&mut a.project, None),
        Command::Init(_) | Command::Ticket(_) => return Ok(()),
    };
    let defaulted = |id: &str| {
        matches!(
            sub.try_get_raw(id),
            Ok(Some(_)) if sub.value_source(id) == Some(clap::parser::ValueSource::DefaultValue)
        )
    };
    let mut paths: Vec<&mut PathBuf> = Vec::new();
    if defaulted("template") {
        paths.push(&mut project.template);
    }
    if defaulted("contexts") {
        paths.push(&mut project.contexts);
    }
    if let Some(s) = snapshots
        && defaulted("snapshots")
    {
        paths.push(s);
    }
    if paths.is_empty() {
        return Ok(());
    }
    let cwd = std::env::current_dir()
        .map_err(|e| Diagnostic::error(format!("cannot read the current folder: {e}")))?;
    match crate::project::find_root(&cwd) {
        Some(0) => Ok(()),
        Some(levels) => {
            let root = crate::project::relative_root(levels);
            for path in paths {
                *path = root.join(&*path);
            }
            Ok(())
        }
        None if defaulted("template") => Err(crate::project::not_found(&cwd)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    #[test]
    fn render_needs_a_context_or_all() {
        let err = Cli::try_parse_from(["mfa-page", "render"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let err = Cli::try_parse_from(["mfa-page", "render", "--all"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(Cli::try_parse_from(["mfa-page", "render", "--all", "--out-dir", "x"]).is_ok());
    }
}
