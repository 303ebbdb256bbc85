//! File safety over HTTP (issue 13): links inside the data dir that lead outside every file
//! root are refused at import and at every search (a file swapped for such a link after the
//! import included), messages name files as the TML does and never show server folders, and
//! a `**` glob over links to `.` answers within a bound while the server keeps answering.

#![cfg(unix)]

use std::path::PathBuf;
use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::both_stores;
use crate::catalog_helpers::*;
use crate::helpers::*;

/// What the file outside the roots holds: no answer or message may ever show it.
const SECRET: &str = "987654321";

/// The longest any request of this module may take.
const BOUND: Duration = Duration::from_secs(20);

/// A LOCAL_FILES connection over `files/` in the data dir.
fn connection(name: &str, in_memory: bool) -> String {
    format!(
        "connection:\n  name: {name}\n  type: LOCAL_FILES\n  properties:\n  - key: path\n    value: files\n  - key: in_memory\n    value: \"{in_memory}\"\n"
    )
}

/// A table of `connection` over `db_table`, with the columns `id` and `amount`.
fn table(name: &str, connection: &str, db_table: &str) -> String {
    format!(
        "table:\n  name: {name}\n  db_table: \"{db_table}\"\n  connection:\n    name: {connection}\n  columns:\n  - name: Id\n    db_column_name: id\n    properties:\n      column_type: ATTRIBUTE\n    db_column_properties:\n      data_type: INT64\n  - name: Amount\n    db_column_name: amount\n    properties:\n      column_type: MEASURE\n      aggregation: SUM\n    db_column_properties:\n      data_type: INT64\n"
    )
}

/// The app's `files/` folder (under the data dir, a file root) with `good.csv`, and a folder
/// outside every root holding `secret.csv`.
struct Layout {
    files: PathBuf,
    outside: tempfile::TempDir,
}

impl Layout {
    fn new(app: &TestApp) -> Self {
        let files = app.data_dir.join("files");
        std::fs::create_dir_all(&files).unwrap();
        std::fs::write(files.join("good.csv"), "id,amount\n1,10\n").unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(
            outside.path().join("secret.csv"),
            format!("id,amount\n1,{SECRET}\n"),
        )
        .unwrap();
        Self { files, outside }
    }

    fn secret(&self) -> PathBuf {
        self.outside.path().join("secret.csv")
    }

    /// Asserts that `text` shows no server folder and nothing of the outside file.
    fn assert_discreet(&self, app: &TestApp, text: &str) {
        for folder in [self.outside.path(), app.data_dir.as_path()] {
            assert!(!text.contains(&folder.display().to_string()), "{text}");
            if let Ok(canonical) = folder.canonicalize() {
                assert!(!text.contains(&canonical.display().to_string()), "{text}");
            }
        }
        assert!(!text.contains(SECRET), "{text}");
    }
}

/// Imports documents within the bound: the entries.
async fn import(app: &TestApp, admin: &Client, documents: &[String]) -> Vec<Value> {
    tokio::time::timeout(BOUND, import_entries(app, admin, documents, &[]))
        .await
        .expect("the import answers within the bound")
}

/// Imports one table and asserts it is stored: its GUID.
async fn import_table(app: &TestApp, admin: &Client, tml: String) -> String {
    let entries = import(app, admin, &[tml]).await;
    assert_eq!(status_of(&entries[0]), "OK", "{}", entries[0]);
    guid_of(&entries[0]).to_string()
}

/// `searchdata` of `[Amount]` on a table within the bound: the status and body text.
async fn search_amount(app: &TestApp, client: &Client, table: &str) -> (StatusCode, String) {
    let response = tokio::time::timeout(BOUND, search(app, client, table, "[Amount]"))
        .await
        .expect("the search answers within the bound");
    let status = response.status();
    (status, response.text().await.unwrap())
}

/// Asserts that a search on `table` answers the sum `expected`.
async fn assert_total(app: &TestApp, client: &Client, table: &str, expected: i64) {
    let (status, text) = search_amount(app, client, table).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["data"], serde_json::json!([[expected]]), "{text}");
}

/// Asserts that a search on `table` is refused as reading outside the roots, naming the
/// table, its `db_table` and the link as the TML sees them, and nothing else.
async fn assert_refused(
    app: &TestApp,
    layout: &Layout,
    client: &Client,
    table: (&str, &str),
    db_table: &str,
    file: &str,
) {
    let (id, name) = table;
    let (status, text) = search_amount(app, client, id).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["code"], 10002, "{text}");
    for expected in [
        format!("table '{name}'"),
        format!("from {db_table}: {file} leads outside the folders this server may read"),
        "see file_roots".to_owned(),
    ] {
        assert!(text.contains(&expected), "{expected:?} in {text}");
    }
    layout.assert_discreet(app, &text);
}

async fn links_out_of_the_roots_are_refused_at_import(store: StoreKind) {
    use std::os::unix::fs::symlink;

    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let layout = Layout::new(&app);
    let files = &layout.files;
    import_ok(&app, &admin, &[connection("Files", false)], &[]).await;

    // A wildcard reaching a link to a folder outside; a link to a file outside among the
    // real files of a globbed folder and of a folder table.
    symlink(layout.outside.path(), files.join("l1")).unwrap();
    for folder in ["globdir", "folder"] {
        std::fs::create_dir_all(files.join(folder)).unwrap();
        std::fs::write(files.join(folder).join("a.csv"), "id,amount\n1,10\n").unwrap();
        symlink(layout.secret(), files.join(folder).join("x.csv")).unwrap();
    }
    let before = snapshot(&app, &admin).await;
    for (db_table, file) in [
        ("l*/*.csv", "l1/secret.csv"),
        ("globdir/*.csv", "globdir/x.csv"),
        ("folder", "folder/x.csv"),
    ] {
        let entries = import(&app, &admin, &[table("Leaky", "Files", db_table)]).await;
        assert_eq!(
            status_of(&entries[0]),
            "ERROR",
            "{db_table}: {}",
            entries[0]
        );
        let message = message_of(&entries[0]);
        let expected = format!(
            "table.db_table: {db_table}: {file} leads outside the folders this server may read (see file_roots"
        );
        assert!(message.contains(&expected), "{expected:?} in {message}");
        layout.assert_discreet(&app, &entries[0].to_string());
    }
    assert_eq!(snapshot(&app, &admin).await, before, "nothing stored");

    // A path outside every root: the importer is not told the roots.
    let entries = import(&app, &admin, &[table("Far", "Files", "../../../../x.csv")]).await;
    let message = message_of(&entries[0]);
    assert!(
        message.contains("is outside the folders this server may read (see file_roots"),
        "{message}"
    );
    assert!(
        !message.contains(&app.data_dir.display().to_string()),
        "{message}"
    );

    // A link that stays inside the roots is fine.
    symlink(files.join("good.csv"), files.join("inside.csv")).unwrap();
    let inside = import_table(&app, &admin, table("Inside", "Files", "inside.csv")).await;
    assert_total(&app, &admin, &inside, 10).await;
}

async fn a_file_swapped_for_a_link_after_the_import_is_refused(store: StoreKind) {
    use std::os::unix::fs::symlink;

    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let layout = Layout::new(&app);
    let files = &layout.files;
    import_ok(
        &app,
        &admin,
        &[connection("Files", false), connection("Memory", true)],
        &[],
    )
    .await;
    std::fs::create_dir_all(files.join("swapped")).unwrap();
    for file in ["swap.csv", "memory.csv", "swapped/a.csv"] {
        std::fs::write(files.join(file), "id,amount\n1,10\n").unwrap();
    }
    let cases = [
        ("Swap", "Files", "swap.csv"),
        ("Memory", "Memory", "memory.csv"),
        ("Swapped", "Files", "swapped/*.csv"),
    ];
    let mut tables = Vec::new();
    for (name, connection, db_table) in cases {
        let id = import_table(&app, &admin, table(name, connection, db_table)).await;
        assert_total(&app, &admin, &id, 10).await;
        tables.push(id);
    }

    // After the import: each file checked then becomes a link to the file outside, and a
    // link appears among the files of the glob.
    for file in ["swap.csv", "memory.csv", "swapped/a.csv"] {
        std::fs::remove_file(files.join(file)).unwrap();
        symlink(layout.secret(), files.join(file)).unwrap();
    }
    for ((name, _, db_table), id) in cases.into_iter().zip(&tables) {
        let file = db_table.replace('*', "a");
        assert_refused(&app, &layout, &admin, (id.as_str(), name), db_table, &file).await;
    }
    std::fs::remove_file(files.join("swapped/a.csv")).unwrap();
    std::fs::write(files.join("swapped/a.csv"), "id,amount\n1,10\n").unwrap();
    assert_total(&app, &admin, &tables[2], 10).await;
    symlink(layout.secret(), files.join("swapped/z.csv")).unwrap();
    assert_refused(
        &app,
        &layout,
        &admin,
        (tables[2].as_str(), "Swapped"),
        "swapped/*.csv",
        "swapped/z.csv",
    )
    .await;
}

/// A table over a link (`current.csv` → today's file) reads what the link leads to at each
/// search: the link swapped for another day's file is live, in memory or not.
async fn a_link_swapped_to_another_file_is_followed(store: StoreKind) {
    use std::os::unix::fs::symlink;

    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let layout = Layout::new(&app);
    let files = &layout.files;
    import_ok(
        &app,
        &admin,
        &[connection("Files", false), connection("Memory", true)],
        &[],
    )
    .await;
    std::fs::write(files.join("day1.csv"), "id,amount\n1,10\n").unwrap();
    std::fs::write(files.join("day2.csv"), "id,amount\n1,20\n2,2\n").unwrap();
    let mut tables = Vec::new();
    for (name, connection) in [("Current", "Files"), ("Current Memory", "Memory")] {
        let link = files.join(format!("{connection}.csv"));
        symlink(files.join("day1.csv"), &link).unwrap();
        let db_table = format!("{connection}.csv");
        let id = import_table(&app, &admin, table(name, connection, &db_table)).await;
        assert_total(&app, &admin, &id, 10).await;
        tables.push((id, link));
    }
    for (id, link) in &tables {
        // Swapped the way deployments do: a new link renamed over the old one.
        let staged = link.with_extension("new");
        symlink(files.join("day2.csv"), &staged).unwrap();
        std::fs::rename(&staged, link).unwrap();
        assert_total(&app, &admin, id, 22).await;
    }
}

async fn a_glob_over_looping_links_answers_in_bounded_time(store: StoreKind) {
    use std::os::unix::fs::symlink;

    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let layout = Layout::new(&app);
    let looping = layout.files.join("loop");
    std::fs::create_dir_all(&looping).unwrap();
    std::fs::write(looping.join("a.csv"), "id,amount\n1,10\n").unwrap();
    // Two links to the folder itself (nothing outside the roots).
    symlink(".", looping.join("l1")).unwrap();
    symlink(".", looping.join("l2")).unwrap();
    import_ok(&app, &admin, &[connection("Files", false)], &[]).await;

    let entries = import(&app, &admin, &[table("Loop", "Files", "loop/**/*.csv")]).await;
    if status_of(&entries[0]) == "OK" {
        // `**` does not follow links to folders: the file is read once.
        assert_total(&app, &admin, guid_of(&entries[0]), 10).await;
    } else {
        layout.assert_discreet(&app, &entries[0].to_string());
    }

    // Wildcards through the links stop at the listing bound, with a message.
    // (The last part matches nothing, so only the entry bound can stop it.)
    let deep = format!("loop/{}*.parquet", "*/".repeat(18));
    let entries = import(&app, &admin, &[table("Deep", "Files", &deep)]).await;
    assert_eq!(status_of(&entries[0]), "ERROR", "{}", entries[0]);
    assert!(
        message_of(&entries[0]).contains("more than 100000 folder entries"),
        "{}",
        entries[0]
    );

    // The server still answers.
    let response =
        tokio::time::timeout(BOUND, client().get(format!("{}/healthz", app.base)).send())
            .await
            .expect("healthz answers within the bound")
            .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap().trim(), "ok");
}

/// The data dir is a file root, and it holds the server's own files: the SQLite store (password
/// hashes, sessions) and the secret key of connection passwords. No table may read them, by
/// name, through a link or through a glob.
async fn the_servers_own_files_are_never_read_as_tables(store: StoreKind) {
    use std::os::unix::fs::symlink;

    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let data = "connection:\n  name: Data\n  type: LOCAL_FILES\n  properties:\n  - key: path\n    value: .\n".to_string();
    import_ok(&app, &admin, &[data], &[]).await;
    std::fs::write(app.data_dir.join("secret.key"), "id,amount\n1,424242\n").unwrap();
    symlink(
        app.data_dir.join("secret.key"),
        app.data_dir.join("key.csv"),
    )
    .unwrap();
    // The SQLite store's files are the live ones (on PostgreSQL they do not exist; refused
    // all the same).
    for db_table in [
        "secret.key",
        "searchlight.db",
        "searchlight.db-wal",
        "key.csv",
        "secret.*",
        "*.key",
    ] {
        let entries = import(&app, &admin, &[table("Stolen", "Data", db_table)]).await;
        let text = entries[0].to_string();
        assert_ne!(status_of(&entries[0]), "OK", "{db_table}: {text}");
        assert!(!text.contains("424242"), "{text}");
    }
}

both_stores!(
    the_servers_own_files_are_never_read_as_tables,
    links_out_of_the_roots_are_refused_at_import,
    a_file_swapped_for_a_link_after_the_import_is_refused,
    a_link_swapped_to_another_file_is_followed,
    a_glob_over_looping_links_answers_in_bounded_time,
);
