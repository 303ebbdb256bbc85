//! File safety (issue 13): every file a search or an import's probe opens is checked against
//! the file roots after resolving links, listing ends however links point, a rewrite that
//! keeps size and modification time is still seen, and messages hold no server path.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use datafusion::arrow::array::{Float64Array, Int64Array, RecordBatch};
use datafusion::arrow::datatypes::{DataType as ArrowType, Field, Schema};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;
use searchlight_catalog::files::FileSchemaProbe;
use searchlight_catalog::source::{FileFormat, SearchSource, TableLocation};
use searchlight_engine::{Cell, Engine, Page, SearchResult};
use searchlight_search::{Aggregation, DataType};

use crate::fixture::{scope_of, single_table_source};
use crate::{context, engine};

/// What the outside file holds: no answer or message may ever show it.
const SECRET: &str = "987654321";

async fn try_search(
    engine: &Engine,
    source: &SearchSource,
    query: &str,
) -> searchlight_errors::Result<SearchResult> {
    let ctx = context();
    let plan = searchlight_search::compile(&source.model, query, &ctx)?;
    // Listing must end: a bound on every search of this module.
    tokio::time::timeout(
        Duration::from_secs(20),
        engine.search(source, &plan, &ctx, Page::first_rows()),
    )
    .await
    .expect("the search answers within 20 s")
}

/// The sum of `[Amount]`.
async fn total(engine: &Engine, source: &SearchSource) -> i64 {
    let result = try_search(engine, source, "[Amount]").await.unwrap();
    match result.rows[0][0] {
        Cell::Integer(value) => value,
        ref other => panic!("expected an integer, got {other:?}"),
    }
}

/// A CSV table `db_table` (relative to `data`, its connection's folder and only root) with
/// the columns `id` and `amount`.
fn csv_table(data: &Path, db_table: &str, in_memory: bool) -> SearchSource {
    let mut source = single_table_source(
        &data.join(db_table),
        FileFormat::Csv,
        in_memory,
        &[
            ("Id", "id", DataType::Integer, None),
            (
                "Amount",
                "amount",
                DataType::Integer,
                Some(Aggregation::Sum),
            ),
        ],
    );
    if let TableLocation::Files { scope, .. } = &mut source.tables[0].location {
        *scope = scope_of(data);
    }
    source
}

/// A folder outside every root holding `secret.csv`, and a data folder (the root) holding
/// `good/a.csv`.
struct Folders {
    outside: tempfile::TempDir,
    data: tempfile::TempDir,
}

impl Folders {
    fn new() -> Self {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(
            outside.path().join("secret.csv"),
            format!("id,amount\n1,{SECRET}\n"),
        )
        .unwrap();
        let data = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(data.path().join("good")).unwrap();
        std::fs::write(data.path().join("good/a.csv"), "id,amount\n1,10\n").unwrap();
        Self { outside, data }
    }

    /// The data folder, canonical (as the catalog stores paths).
    fn data(&self) -> PathBuf {
        self.data.path().canonicalize().unwrap()
    }

    fn secret(&self) -> PathBuf {
        self.outside.path().join("secret.csv")
    }

    /// Asserts a refusal that names the table and the link as the TML sees them, and shows
    /// neither server folder nor the outside file's content.
    fn assert_refused(&self, err: &searchlight_errors::Error, shown: &str, file: &str) {
        assert_eq!(err.name(), "TableFileOutsideRoots", "{err}");
        assert_eq!(err.status(), 400);
        let message = err.to_string();
        assert!(message.contains("'Single'"), "{message}");
        assert!(message.contains(&format!("from {shown}: ")), "{message}");
        assert!(
            message.contains(&format!("{file} leads outside")),
            "{message}"
        );
        assert!(message.contains("see file_roots"), "{message}");
        self.assert_discreet(&message);
    }

    fn assert_discreet(&self, message: &str) {
        for folder in [self.outside.path(), self.data.path()] {
            assert!(
                !message.contains(&folder.display().to_string()),
                "{message}"
            );
            let canonical = folder.canonicalize().unwrap();
            assert!(
                !message.contains(&canonical.display().to_string()),
                "{message}"
            );
        }
        assert!(!message.contains(SECRET), "{message}");
    }
}

#[cfg(unix)]
#[tokio::test]
async fn globs_and_folders_never_follow_links_out_of_the_roots() {
    use std::os::unix::fs::symlink;

    let folders = Folders::new();
    let data = &folders.data();
    let engine = engine();
    // A link to a folder outside, reached by a wildcard.
    symlink(folders.outside.path(), data.join("l1")).unwrap();
    // A link to a file outside, among real files of a globbed folder and of a folder table.
    for folder in ["globdir", "folder"] {
        std::fs::create_dir_all(data.join(folder)).unwrap();
        std::fs::write(data.join(folder).join("a.csv"), "id,amount\n1,10\n").unwrap();
        symlink(folders.secret(), data.join(folder).join("x.csv")).unwrap();
    }
    let cases = [
        ("l*/*.csv", "l1/secret.csv"),
        ("globdir/*.csv", "globdir/x.csv"),
        ("folder", "folder/x.csv"),
    ];
    for (db_table, file) in cases {
        for in_memory in [false, true] {
            let source = csv_table(data, db_table, in_memory);
            let err = try_search(&engine, &source, "[Amount]").await.unwrap_err();
            folders.assert_refused(&err, db_table, file);
        }
        // The import's probe refuses it too.
        let err = engine
            .probe(&data.join(db_table), FileFormat::Csv, &scope_of(data))
            .await
            .unwrap_err();
        assert!(
            err.starts_with(&format!(
                "{db_table}: {file} leads outside the folders this server may read (see file_roots"
            )),
            "{err}"
        );
        folders.assert_discreet(&err);
    }

    // A link that stays inside the roots is read as before.
    symlink(data.join("good/a.csv"), data.join("inside.csv")).unwrap();
    assert_eq!(
        total(&engine, &csv_table(data, "inside.csv", false)).await,
        10
    );
    assert_eq!(
        total(&engine, &csv_table(data, "good/*.csv", false)).await,
        10
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_file_swapped_for_a_link_after_the_import_is_refused() {
    use std::os::unix::fs::symlink;

    let folders = Folders::new();
    let data = &folders.data();
    let engine = engine();
    for (db_table, in_memory) in [
        ("swap.csv", false),
        ("memory.csv", true),
        ("swapped/*.csv", false),
    ] {
        let file = data.join(db_table.replace('*', "a"));
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, "id,amount\n1,10\n").unwrap();
        let source = csv_table(data, db_table, in_memory);
        assert_eq!(total(&engine, &source).await, 10, "{db_table}");

        // The file checked at import (and read since) becomes a link to a file outside.
        std::fs::remove_file(&file).unwrap();
        symlink(folders.secret(), &file).unwrap();
        let err = try_search(&engine, &source, "[Amount]").await.unwrap_err();
        let shown = file.strip_prefix(data).unwrap().display().to_string();
        folders.assert_refused(&err, db_table, &shown);
    }

    // A folder table whose folder becomes a link to the outside folder.
    std::fs::create_dir_all(data.join("moved")).unwrap();
    std::fs::write(data.join("moved/a.csv"), "id,amount\n1,10\n").unwrap();
    let source = csv_table(data, "moved", false);
    assert_eq!(total(&engine, &source).await, 10);
    std::fs::remove_dir_all(data.join("moved")).unwrap();
    symlink(folders.outside.path(), data.join("moved")).unwrap();
    let err = try_search(&engine, &source, "[Amount]").await.unwrap_err();
    folders.assert_refused(&err, "moved", "moved/secret.csv");
}

#[cfg(unix)]
#[tokio::test]
async fn listing_ends_however_links_point() {
    use std::os::unix::fs::symlink;

    let dir = tempfile::tempdir().unwrap();
    let data = &dir.path().canonicalize().unwrap();
    let looping = data.join("loop");
    std::fs::create_dir_all(looping.join("sub")).unwrap();
    std::fs::write(looping.join("a.csv"), "id,amount\n1,10\n").unwrap();
    std::fs::write(looping.join("sub/b.csv"), "id,amount\n2,5\n").unwrap();
    // Two links to the folder itself: following them, `**` would never end.
    symlink(".", looping.join("l1")).unwrap();
    symlink(".", looping.join("l2")).unwrap();
    let engine = engine();

    // `**` walks real folders only: each file once.
    let source = csv_table(data, "loop/**/*.csv", false);
    assert_eq!(total(&engine, &source).await, 15);
    let columns = tokio::time::timeout(
        Duration::from_secs(20),
        engine.probe(
            &data.join("loop/**/*.csv"),
            FileFormat::Csv,
            &scope_of(data),
        ),
    )
    .await
    .expect("the probe answers within 20 s")
    .unwrap();
    assert_eq!(columns.len(), 2);

    // Wildcards read one level each (links included), and no listing looks at more than
    // 100,000 folder entries: 18 levels through two links would be 2^18 folders (the last
    // part matches nothing, so the file bound cannot stop it first).
    let deep = format!("loop/{}*.parquet", "*/".repeat(18));
    let err = try_search(&engine, &csv_table(data, &deep, false), "[Amount]")
        .await
        .unwrap_err();
    assert_eq!(err.name(), "TableFilesUnavailable", "{err}");
    assert!(
        err.to_string()
            .contains("means looking at more than 100000 folder entries"),
        "{err}"
    );
    assert!(
        !err.to_string().contains(&data.display().to_string()),
        "{err}"
    );
}

/// Waits until the file system clock has moved on, so that the next write gets a later
/// change time than the last one (Linux stamps files with a coarse clock).
async fn let_the_clock_move() {
    tokio::time::sleep(Duration::from_millis(50)).await;
}

#[tokio::test]
async fn an_in_memory_table_sees_rewrites_that_keep_size_and_modification_time() {
    let dir = tempfile::tempdir().unwrap();
    let data = &dir.path().canonicalize().unwrap();
    let file = data.join("live.csv");
    std::fs::write(&file, "id,amount\n1,10\n").unwrap();
    let before = std::fs::metadata(&file).unwrap();
    let source = csv_table(data, "live.csv", true);
    let engine = engine();
    assert_eq!(total(&engine, &source).await, 10);
    assert_eq!(total(&engine, &source).await, 10);
    assert_eq!(engine.table_loads(), 1);

    // As `cp -p` does: new content of the same size, the modification time put back.
    let_the_clock_move().await;
    std::fs::write(&file, "id,amount\n1,20\n").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(before.modified().unwrap())
        .unwrap();
    let after = std::fs::metadata(&file).unwrap();
    assert_eq!(after.len(), before.len());
    assert_eq!(after.modified().unwrap(), before.modified().unwrap());
    assert_eq!(total(&engine, &source).await, 20);
    assert_eq!(engine.table_loads(), 2);

    // As `rsync -t` does: a new file renamed over the old one, modification time kept.
    let_the_clock_move().await;
    let temporary = data.join(".live.csv.tmp");
    std::fs::write(&temporary, "id,amount\n1,30\n").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&temporary)
        .unwrap()
        .set_modified(before.modified().unwrap())
        .unwrap();
    std::fs::rename(&temporary, &file).unwrap();
    assert_eq!(total(&engine, &source).await, 30);
    assert_eq!(engine.table_loads(), 3);

    // Nothing changed: memory answers.
    assert_eq!(total(&engine, &source).await, 30);
    assert_eq!(engine.table_loads(), 3);
}

/// A Parquet file whose size depends only on its row count (no compression, no dictionary):
/// `id` and `amount` both `base` + 1..=4.
fn write_fixed_size_parquet(path: &Path, base: i64) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", ArrowType::Int64, false),
        Field::new("amount", ArrowType::Float64, false),
    ]));
    let batch = RecordBatch::try_new(
        Arc::clone(&schema),
        vec![
            Arc::new(Int64Array::from_iter_values((1..=4).map(|i| base + i))),
            Arc::new(Float64Array::from_iter_values(
                (1..=4).map(|i| (base + i) as f64),
            )),
        ],
    )
    .unwrap();
    let properties = WriterProperties::builder()
        .set_compression(Compression::UNCOMPRESSED)
        .set_dictionary_enabled(false)
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, schema, Some(properties)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

#[tokio::test]
async fn parquet_files_read_from_disk_see_rewrites_that_keep_size_and_modification_time() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("amounts.parquet");
    write_fixed_size_parquet(&file, 0);
    let before = std::fs::metadata(&file).unwrap();
    let source = single_table_source(
        &file,
        FileFormat::Parquet,
        false,
        &[
            ("Id", "id", DataType::Integer, None),
            ("Amount", "amount", DataType::Float, Some(Aggregation::Sum)),
        ],
    );
    let engine = engine();
    let search = |query: &'static str| {
        let engine = engine.clone();
        let source = source.clone();
        async move { try_search(&engine, &source, query).await.unwrap().rows }
    };
    // Ids 1..=4: none over 100 (the file's statistics say so, and DataFusion keeps them
    // with the Parquet metadata it caches).
    let expected = vec![vec![Cell::Float(410.0)]];
    assert_eq!(search("[Amount]").await, vec![vec![Cell::Float(10.0)]]);
    assert_ne!(search("[Amount] [Id] > 100").await, expected);

    // Ids and amounts 101..=104, same size, modification time put back: DataFusion's
    // caches, which check only size and modification time, must not answer (or skip row
    // groups) from the old metadata.
    let_the_clock_move().await;
    write_fixed_size_parquet(&file, 100);
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(before.modified().unwrap())
        .unwrap();
    assert_eq!(std::fs::metadata(&file).unwrap().len(), before.len());
    assert_eq!(search("[Amount] [Id] > 100").await, expected);
    assert_eq!(search("[Amount]").await, expected);
}
