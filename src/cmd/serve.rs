//! `mfa-page serve`: the live preview (see [`crate::serve`]).

use std::time::Duration;

use crate::cli::{CmdResult, ServeArgs};
use crate::cmd::render::engine_config;
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::serve::{self, Options, Project};

pub fn execute(args: ServeArgs) -> CmdResult {
    let config = Config::load(args.config.config.as_deref(), args.config.keywords_from_env)?;
    crate::diagnostic::emit(config.shadow_warning().as_slice());
    let options = Options {
        project: Project {
            engine: engine_config(&args.project),
            contexts: args.project.contexts.clone(),
            keywords: config.mappings,
        },
        host: args.host,
        port: args.port,
        open: args.open,
        widget: args.widget,
        update: args.reload_mode,
        editor: args.editor_url,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| vec![Diagnostic::error(format!("cannot start the server: {e}"))])?;
    let result = runtime.block_on(serve::run(options));
    // A render still running (at most one render budget) is not waited for.
    runtime.shutdown_timeout(Duration::from_millis(200));
    result
}
