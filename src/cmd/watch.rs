//! `laporan watch` and `laporan serve`: rebuild whenever the project
//! changes; `serve` also serves the output on 127.0.0.1 and reloads the open
//! pages after each rebuild.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};

use super::{Ui, build};
use crate::error::Error;
use crate::project::{CONFIG_FILE, DATA_DIR, DATA_TESTS_DIR, QUERIES_DIR, TEMPLATES_DIR};
use crate::serve::LiveServer;

#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    #[command(flatten)]
    build: build::Args,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The port on 127.0.0.1 (0 picks a free one)
    #[arg(long, default_value_t = 8000)]
    port: u16,
    #[command(flatten)]
    build: build::Args,
}

pub fn watch(args: WatchArgs, ui: &Ui) -> Result<(), Error> {
    run(&args.build, ui, None)
}

pub fn serve(args: ServeArgs, ui: &Ui) -> Result<(), Error> {
    // The whole output folder, so that its index.html links every period.
    let out = build::output_folder(&args.build, ui);
    std::fs::create_dir_all(&out).map_err(|e| Error::io("create", &out, e))?;
    let server = LiveServer::start(out, args.port)?;
    // Always shown, even with --quiet: it is what the command is for.
    eprintln!("serving http://{}/ (Ctrl-C stops)", server.address);
    run(&args.build, ui, Some(&server))
}

/// Builds, then rebuilds after every change, until interrupted. A failed
/// build is reported and waited out, never the end of the command.
fn run(args: &build::Args, ui: &Ui, server: Option<&LiveServer>) -> Result<(), Error> {
    let (sender, changes) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Reading a file (as every build does) is not a change.
        if let Ok(event) = event
            && !matches!(event.kind, notify::EventKind::Access(_))
        {
            let _ = sender.send(event.paths);
        }
    })
    .map_err(|e| Error::project("cannot watch the project for changes").caused_by(e))?;
    let root = &ui.project;
    // The root itself only for laporan.toml and new folders; the inputs in
    // depth. Never out/ or .laporan/, which the build itself writes.
    watcher
        .watch(root, RecursiveMode::NonRecursive)
        .map_err(|e| Error::io("watch", root, std::io::Error::other(e.to_string())))?;
    let mut watched: Vec<PathBuf> = Vec::new();
    let mut watch_inputs = |watcher: &mut notify::RecommendedWatcher| {
        for dir in [DATA_DIR, QUERIES_DIR, TEMPLATES_DIR, DATA_TESTS_DIR] {
            let path = root.join(dir);
            if path.is_dir() && !watched.contains(&path) && watcher.watch(&path, RecursiveMode::Recursive).is_ok() {
                watched.push(path);
            }
        }
    };
    watch_inputs(&mut watcher);

    rebuild(args, ui, server);
    loop {
        let Ok(paths) = changes.recv() else { return Ok(()) };
        let mut relevant = paths.iter().any(|p| is_input(root, p));
        // Editors save in bursts (write, rename, touch): wait for quiet.
        let quiet = Duration::from_millis(150);
        let mut deadline = Instant::now() + quiet;
        while let Ok(more) = changes.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            relevant |= more.iter().any(|p| is_input(root, p));
            deadline = Instant::now() + quiet;
        }
        if relevant {
            watch_inputs(&mut watcher);
            ui.status("change detected, rebuilding…");
            rebuild(args, ui, server);
        }
    }
}

fn rebuild(args: &build::Args, ui: &Ui, server: Option<&LiveServer>) {
    match build::build_once(args, ui) {
        Ok(()) => {
            if let Some(server) = server {
                server.reload();
            }
        }
        Err(error) => {
            ui.report(&error, false);
            if let Some(server) = server {
                server.failed(error.render(false));
            }
        }
    }
}

/// Whether a changed path is one of the project's inputs.
fn is_input(root: &Path, path: &Path) -> bool {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let Some(first) = relative.components().next() else { return false };
    let first = first.as_os_str().to_string_lossy();
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    // Editors' swap and backup files, and laporan's own temporary files.
    if name.starts_with(".#") || name.ends_with('~') || name.ends_with(".swp") || name.ends_with(".tmp") {
        return false;
    }
    first == CONFIG_FILE || [DATA_DIR, QUERIES_DIR, TEMPLATES_DIR, DATA_TESTS_DIR].contains(&first.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inputs_trigger_a_rebuild() {
        let root = Path::new("/p");
        assert!(is_input(root, Path::new("/p/queries/a.sql")));
        assert!(is_input(root, Path::new("/p/laporan.toml")));
        assert!(is_input(root, Path::new("/p/data/monthly/2024-01.csv")));
        assert!(!is_input(root, Path::new("/p/out/report.html")));
        assert!(!is_input(root, Path::new("/p/.laporan/laporan.duckdb")));
        assert!(!is_input(root, Path::new("/p/queries/.a.sql.swp")));
        assert!(!is_input(root, Path::new("/p/README.md")));
    }
}
