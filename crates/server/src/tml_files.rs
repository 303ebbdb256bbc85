//! TML files on disk: collecting `NAME.<kind>.tml` files for import, and describing an
//! import's outcome on a terminal.

use std::path::{Path, PathBuf};

use anyhow::Context;

use searchlight_catalog::{DocumentContent, ImportReport, ImportStatus, SourceDocument};

/// The documents of the given files and folders (folders recursively, `*.tml` files only),
/// in a stable order. A file's relative connection paths start from its folder.
pub fn collect(paths: &[PathBuf]) -> anyhow::Result<Vec<SourceDocument>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut files).with_context(|| format!("reading {}", path.display()))?;
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            anyhow::bail!("{} does not exist", path.display());
        }
    }
    files.sort();
    files.dedup();
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let base_dir = file
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."));
            Ok(SourceDocument {
                origin: file.display().to_string(),
                content: DocumentContent::Text(text),
                base_dir,
            })
        })
        .collect()
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "tml") {
            files.push(path);
        }
    }
    Ok(())
}

/// One line per document: status, kind, name, GUID, then its messages indented.
pub fn describe(report: &ImportReport) -> String {
    let mut out = String::new();
    for o in &report.outcomes {
        let kind = o.kind.map(|k| k.key()).unwrap_or("?");
        let name = o.name.as_deref().unwrap_or(&o.origin);
        let id = o.id.as_deref().unwrap_or("-");
        let verb = match (o.status, o.created, o.unchanged) {
            (ImportStatus::Error, _, _) => "failed ",
            (_, true, _) => "created",
            (_, false, true) => "unchanged",
            (_, false, false) => "updated",
        };
        out.push_str(&format!(
            "{:<7} {verb} {kind:<10} {name} ({id})\n",
            o.status.as_str()
        ));
        for message in &o.messages {
            out.push_str(&format!("        {message}\n"));
        }
    }
    out
}

/// The messages of the failed documents only.
pub fn describe_failures(report: &ImportReport) -> String {
    report
        .outcomes
        .iter()
        .filter(|o| o.status == ImportStatus::Error)
        .flat_map(|o| o.messages.iter())
        .map(|m| format!("  {m}"))
        .collect::<Vec<_>>()
        .join("\n")
}
