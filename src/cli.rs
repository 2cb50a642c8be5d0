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
                  and for login (with `requestToken` and `postActionURL`)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render the template with a scenario's context, as Auth0 would
    Render(RenderArgs),
    /// Write a starter project (template and scenarios) into a folder
    Init(InitArgs),
    /// Write one self-contained template for Auth0 (partials and local assets inlined)
    Export(ExportArgs),
    /// Deploy the exported template to a tenant (Management API)
    Deploy(DeployArgs),
    /// Create an enrollment ticket for a user and print its URL (Management API)
    Ticket(TicketArgs),
    /// Check every scenario for CI: snapshots, both flows, branch coverage, variables, valid HTML and JavaScript, hostile values
    Check(CheckArgs),
    /// Preview every scenario in the browser, reloading as you edit
    Serve(ServeArgs),
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
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["context", "all"])))]
pub struct RenderArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Scenario to render: a name from the contexts folder, a JSON file, or - for stdin
    #[arg(short, long, value_name = "NAME|FILE|-")]
    pub context: Option<String>,
    /// Render every scenario into --out-dir
    #[arg(long, requires = "out_dir", conflicts_with_all = ["output", "set"])]
    pub all: bool,
    /// Folder for --all: one <scenario>.html each
    #[arg(long, value_name = "DIR", requires = "all")]
    pub out_dir: Option<PathBuf>,
    /// Override a value: --set userData.email=jo@example.com (VALUE is JSON if it parses, else a string)
    #[arg(long, value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Write the page to FILE instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Treat undefined variables as errors
    #[arg(long)]
    pub strict: bool,
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
}

/// How to reach the Management API. The token comes from AUTH0_MGMT_TOKEN or --token-file.
#[derive(Debug, Clone, Args)]
pub struct ApiArgs {
    /// The tenant's domain, e.g. acme.eu.auth0.com
    #[arg(long, value_name = "DOMAIN")]
    pub domain: String,
    /// Read the Management API token from FILE instead of AUTH0_MGMT_TOKEN
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Allow plain HTTP (only for tests against a local server)
    #[arg(long, hide = true)]
    pub insecure_http: bool,
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
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to create the project in (must not already hold the starter's files)
    #[arg(default_value = ".")]
    pub dir: PathBuf,
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
    #[arg(long, value_enum, value_name = "HOW", default_value_t = crate::serve::UpdateMode::InPlace)]
    pub update: crate::serve::UpdateMode,
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
pub type CmdResult = Result<(), Vec<Diagnostic>>;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(diagnostics) => {
            diagnostic::emit(&diagnostics);
            ExitCode::from(1)
        }
    }
}

pub fn run(cli: Cli) -> CmdResult {
    match cli.command {
        Command::Render(args) => cmd::render::execute(args),
        Command::Init(args) => cmd::init::execute(args),
        Command::Export(args) => {
            if args.out_dir.is_some() && !args.format.is_folder() {
                let mut cmd = <Cli as clap::CommandFactory>::command();
                cmd.error(
                    clap::error::ErrorKind::ArgumentConflict,
                    "--out-dir goes with --format deploy-cli or terraform; use -o for html and tenant-settings",
                )
                .exit();
            }
            cmd::export::execute(args)
        }
        Command::Deploy(args) => cmd::deploy::execute(args),
        Command::Ticket(args) => cmd::ticket::execute(args),
        Command::Check(args) => cmd::check::execute(args),
        Command::Serve(args) => cmd::serve::execute(args),
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
