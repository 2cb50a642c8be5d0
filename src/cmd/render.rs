//! `mfa-page render`: one scenario to stdout or a file, or every scenario into a folder.

use crate::cli::{CmdResult, ProjectArgs, RenderArgs};
use crate::config::Config;
use crate::diagnostic::{self, Diagnostic};
use crate::engine::{Engine, EngineConfig};
use crate::output::{write_atomic, write_creating_dirs, write_stdout};
use crate::project::Project;
use crate::source::display_path;

pub fn execute(args: RenderArgs) -> CmdResult {
    let config = Config::load(args.config.config.as_deref(), args.config.keywords_from_env)?;
    diagnostic::emit(config.shadow_warning().as_slice());
    let project = Project {
        engine: engine_config(&args.project),
        contexts: args.project.contexts.clone(),
        keywords: config.mappings.clone(),
    };
    let engine = project.load_engine()?;
    match (
        args.scenario.as_ref().or(args.context.as_ref()),
        &args.out_dir,
    ) {
        (Some(spec), _) => render_one(&engine, &args, spec, &project),
        (None, Some(out_dir)) => render_all(&engine, &args, out_dir, &project),
        (None, None) => unreachable!("clap requires a scenario or --all with --out-dir"),
    }
}

pub fn engine_config(project: &ProjectArgs) -> EngineConfig {
    let mut config = EngineConfig::new(&project.template);
    config.partials = project.partials.clone();
    config
}

fn render_one(engine: &Engine, args: &RenderArgs, spec: &str, project: &Project) -> CmdResult {
    let mut scenario = project.load_scenario(spec, true)?;
    scenario.apply_sets(&args.set)?;
    let (rendered, warnings) = crate::advice::render_checked(engine, &scenario, args.strict)?;
    diagnostic::emit(&warnings);
    match &args.output {
        Some(path) => write_creating_dirs(path, rendered.html.as_bytes()).map_err(Into::into),
        None => write_stdout(rendered.html.as_bytes()).map_err(Into::into),
    }
}

fn render_all(
    engine: &Engine,
    args: &RenderArgs,
    out_dir: &std::path::Path,
    project: &Project,
) -> CmdResult {
    let list = project.scenario_files()?;
    if list.is_empty() {
        return Err(vec![
            Diagnostic::error("no scenarios: the folder has no *.json files (other than _bases)")
                .in_file(display_path(&args.project.contexts)),
        ]);
    }
    std::fs::create_dir_all(out_dir).map_err(|e| {
        vec![
            Diagnostic::error(format!("cannot create the folder: {e}"))
                .in_file(display_path(out_dir)),
        ]
    })?;
    let mut errors = Vec::new();
    let mut written = 0;
    for (name, path) in &list {
        let result = project
            .load_scenario(&path.to_string_lossy(), true)
            .map_err(Into::into)
            .and_then(|s| crate::advice::render_checked(engine, &s, args.strict));
        match result {
            Ok((rendered, warnings)) => {
                diagnostic::emit(&warnings);
                let target = out_dir.join(format!("{name}.html"));
                match write_atomic(&target, rendered.html.as_bytes()) {
                    Ok(()) => written += 1,
                    Err(d) => errors.push(d),
                }
            }
            Err(mut ds) => errors.append(&mut ds),
        }
    }
    eprintln!(
        "rendered {written} of {} scenarios into {}",
        list.len(),
        display_path(out_dir)
    );
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
