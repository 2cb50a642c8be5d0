//! `mfa-page export`: the self-contained template, in the format asked for.

use std::path::{Path, PathBuf};

use crate::cli::{CmdResult, ExportArgs};
use crate::cmd::render::engine_config;
use crate::config::Config;
use crate::diagnostic::{self, Diagnostic};
use crate::engine::Engine;
use crate::export::{self, formats};
use crate::output::{write_creating_dirs, write_stdout};
use crate::source::display_path;

/// Above this size the export gets a warning (the dashboard's editor and
/// the Management API handle it, but it usually means an inlined asset is too big).
const LARGE_EXPORT: usize = 100 * 1024;

pub fn execute(args: ExportArgs) -> CmdResult {
    let engine = Engine::load(&engine_config(&args.project))?;
    let sources = source_paths(&engine);
    let targets: Vec<PathBuf> = match (&args.output, &args.out_dir) {
        (Some(o), _) => vec![o.clone()],
        (None, Some(dir)) => formats::folder(args.format, "")
            .into_iter()
            .map(|(rel, _)| dir.join(rel))
            .collect(),
        (None, None) => Vec::new(),
    };
    for target in &targets {
        if let Some(source) = sources.iter().find(|s| same_file(s, target)) {
            return Err(vec![
                Diagnostic::error(format!(
                    "refusing to write the export over {}, one of the project's own sources",
                    display_path(source)
                ))
                .in_file(display_path(target))
                .with_help("write it to another file, e.g. -o dist/mfa.html"),
            ]);
        }
    }

    let config = Config::load(args.config.config.as_deref(), args.config.keywords_from_env)?;
    diagnostic::emit(config.shadow_warning().as_slice());
    // deploy-cli fills its own format's placeholders; every other format
    // reaches the tenant as it is, so it gets the config's values now.
    let keywords = export::Keywords {
        mappings: &config.mappings,
        fill: args.format != formats::Format::DeployCli,
        from: &config.mappings_from,
    };
    let exported = export::export_with(&engine, &args.project.contexts, keywords)?;
    let template = &exported.template;
    crate::cmd::check::gate(&args.project, &config.mappings, args.force, "exporting")?;

    if args.format.is_folder() {
        let dir = args
            .out_dir
            .as_deref()
            .expect("clap requires --out-dir for folder formats");
        for (rel, text) in formats::folder(args.format, template) {
            let path = dir.join(rel);
            write_creating_dirs(&path, text.as_bytes())?;
            eprintln!("  wrote {}", display_path(&path));
        }
    } else {
        let text = formats::single(args.format, template);
        match &args.output {
            Some(path) => write_creating_dirs(path, text.as_bytes())?,
            None => write_stdout(text.as_bytes())?,
        }
    }

    let size = template.len();
    eprintln!(
        "exported {} bytes ({:.1} KB); the project and the export render all {} scenarios identically ({})",
        size,
        size as f64 / 1024.0,
        exported.scenarios.len(),
        exported.scenarios.join(", ")
    );
    if size > LARGE_EXPORT {
        diagnostic::emit(&[Diagnostic::warning(format!(
            "the exported template is {:.0} KB, unusually large for an MFA page (over {} KB)",
            size as f64 / 1024.0,
            LARGE_EXPORT / 1024
        ))
        .with_help("look for a large inlined stylesheet or script; host it and link to its https:// URL instead")]);
    }
    Ok(())
}

/// The template and partial files, which an output must never replace.
fn source_paths(engine: &Engine) -> Vec<PathBuf> {
    std::iter::once(engine.source())
        .chain(engine.partials().files())
        .map(|f| f.path.clone())
        .collect()
}

/// Whether `a` and `b` name the same file (`b` may not exist yet).
fn same_file(a: &Path, b: &Path) -> bool {
    use crate::output::resolved;
    matches!((resolved(a), resolved(b)), (Some(x), Some(y)) if x == y)
}
