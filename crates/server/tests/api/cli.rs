//! The command line and the model dir (issue 3, "What to build" 5 and 7): the real
//! `searchlight import PATH... [--owner NAME] [--private] [--policy ...]` binary against the
//! store of a running test server, and `serve --model-dir` started twice over one store.

use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::StatusCode;
use serde_json::Value;

use searchlight::{Application, Config};

use crate::both_stores;
use crate::catalog_helpers::*;
use crate::fixtures::{self, guid};
use crate::helpers::*;

/// What a run of the binary printed and how it ended.
pub struct Run {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "success: {}\n--- stdout\n{}--- stderr\n{}",
            self.success, self.stdout, self.stderr
        )
    }
}

/// Runs `searchlight ARGS… --data-dir … --database-url …` on the app's store, from an empty
/// folder and with an empty environment (no config file or `SEARCHLIGHT_*` variable).
pub async fn searchlight(app: &TestApp, args: &[&str]) -> Run {
    let cwd = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_searchlight"));
    command
        .args(args)
        .arg("--data-dir")
        .arg(&app.data_dir)
        .arg("--database-url")
        .arg(&app.database_url)
        .current_dir(cwd.path())
        .env_clear();
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("the searchlight binary runs");
    Run {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A copy of the fixture in `dir/name`, plus extra documents.
fn model_dir(dir: &Path, name: &str, extra: &[(&str, String)]) -> PathBuf {
    let path = dir.join(name);
    copy_dir(&fixtures::source_dir(), &path);
    for (file, text) in extra {
        std::fs::write(path.join(file), text).unwrap();
    }
    path
}

/// A new answer over the fixture's worksheet, without a GUID.
fn answer(name: &str, query: &str) -> String {
    format!(
        "answer:\n  name: {name}\n  tables:\n  - id: Retail Sales\n    name: Retail Sales\n  search_query: \"{query}\"\n  display_mode: TABLE_MODE\n"
    )
}

fn answer_names(listed: &Value) -> Vec<String> {
    names_of(listed["QUESTION_ANSWER_BOOK"].as_array().unwrap())
}

async fn the_import_command(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let people = people(&app, &admin).await;
    let sam = as_user(&app, "sam").await;
    let work = tempfile::tempdir().unwrap();
    let retail = model_dir(work.path(), "retail", &[]);

    // One line per object and a summary; exit code 0.
    let run = searchlight(&app, &["import", retail.to_str().unwrap()]).await;
    assert!(run.success, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 11, "{run:?}");
    for (_, name, kind, id) in FIXTURE {
        let line = format!("OK      created {kind:<10} {name} ({id})");
        assert!(lines.contains(&line.as_str()), "{line:?} in {run:?}");
    }
    assert_eq!(lines[10], "10 documents: 10 imported, 0 failed");
    let first = snapshot(&app, &admin).await;
    assert_eq!(first["LOGICAL_TABLE"].as_array().unwrap().len(), 5);
    assert_eq!(
        answer_names(&first),
        ["Monthly Revenue", "Revenue by Region"]
    );
    for h in first["LOGICAL_TABLE"].as_array().unwrap() {
        assert_eq!(h["author"], ADMIN_ID, "owned by tsadmin without --owner");
    }
    assert_eq!(
        visible(&app, &sam).await["LOGICAL_TABLE"].len(),
        5,
        "shared with All without --private"
    );
    assert_eq!(
        search(&app, &admin, guid::WORKSHEET, "[Revenue] [Region]")
            .await
            .status(),
        StatusCode::OK
    );

    // Again: nothing new, nothing changed.
    let run = searchlight(&app, &["import", retail.to_str().unwrap()]).await;
    assert!(run.success, "{run:?}");
    for (_, name, kind, id) in FIXTURE {
        let line = format!("OK      unchanged {kind:<10} {name} ({id})");
        assert!(run.stdout.contains(&line), "{line:?} in {run:?}");
    }
    assert!(!run.stdout.contains("created"), "{run:?}");
    assert!(
        run.stdout
            .ends_with("10 documents: 10 imported, 0 failed\n")
    );
    assert_eq!(snapshot(&app, &admin).await, first);

    // A failing document: non-zero exit, the file, the document path and the problem;
    // nothing stored (ALL_OR_NONE).
    let bad = model_dir(
        work.path(),
        "bad",
        &[
            (
                "Extra.answer.tml",
                answer("CLI Extra", "[Revenue] [Category]"),
            ),
            (
                "Broken.answer.tml",
                answer("Broken", "[Revenue] [Nowhere Column]"),
            ),
        ],
    );
    let broken = bad.join("Broken.answer.tml");
    let run = searchlight(&app, &["import", bad.to_str().unwrap()]).await;
    assert!(!run.success, "{run:?}");
    assert!(
        run.stdout.contains("ERROR   failed  answer     Broken (-)"),
        "{run:?}"
    );
    assert!(
        run.stdout
            .contains(&format!("{}: answer.search_query: ", broken.display()))
            && run.stdout.contains("Nowhere Column"),
        "{run:?}"
    );
    assert!(
        run.stdout
            .ends_with("12 documents: 0 imported, 12 failed (nothing stored)\n"),
        "{run:?}"
    );
    assert_eq!(snapshot(&app, &admin).await, first);

    // --policy VALIDATE_ONLY checks and stores nothing.
    let extra = model_dir(
        work.path(),
        "extra",
        &[(
            "Extra.answer.tml",
            answer("CLI Extra", "[Revenue] [Category]"),
        )],
    );
    let run = searchlight(
        &app,
        &[
            "import",
            extra.to_str().unwrap(),
            "--policy",
            "VALIDATE_ONLY",
        ],
    )
    .await;
    assert!(run.success, "{run:?}");
    assert!(
        run.stdout
            .ends_with("11 documents: 11 imported, 0 failed (validation only: nothing stored)\n"),
        "{run:?}"
    );
    assert_eq!(snapshot(&app, &admin).await, first);

    // --policy PARTIAL stores what passes, and still fails the run.
    let run = searchlight(
        &app,
        &["import", bad.to_str().unwrap(), "--policy", "PARTIAL"],
    )
    .await;
    assert!(!run.success, "{run:?}");
    assert!(
        run.stdout
            .ends_with("12 documents: 11 imported, 1 failed\n"),
        "{run:?}"
    );
    let after = snapshot(&app, &admin).await;
    assert_eq!(
        answer_names(&after),
        ["CLI Extra", "Monthly Revenue", "Revenue by Region"]
    );

    // --owner and --private, with a file rather than a folder.
    let own = work.path().join("own");
    std::fs::create_dir_all(&own).unwrap();
    let file = own.join("Dana CLI.answer.tml");
    std::fs::write(&file, answer("Dana CLI", "[Revenue] [Region]")).unwrap();
    let run = searchlight(
        &app,
        &[
            "import",
            file.to_str().unwrap(),
            "--owner",
            "dana",
            "--private",
        ],
    )
    .await;
    assert!(run.success, "{run:?}");
    assert!(
        run.stdout.contains("OK      created answer     Dana CLI ("),
        "{run:?}"
    );
    let answers = of_type(&app, &admin, "QUESTION_ANSWER_BOOK").await;
    let dana_cli = answers.iter().find(|h| h["name"] == "Dana CLI").unwrap();
    assert_eq!(dana_cli["author"], people.id("dana"));
    assert_eq!(dana_cli["authorName"], "dana");
    assert!(
        !visible(&app, &sam).await["QUESTION_ANSWER_BOOK"].contains(&"Dana CLI".to_string()),
        "private"
    );
    let dana = as_user(&app, "dana").await;
    let mine = headers(
        &app,
        &dana,
        &[("type", "QUESTION_ANSWER_BOOK"), ("category", "MY")],
    )
    .await;
    assert_eq!(names_of(&mine), ["Dana CLI"]);

    // Bad command lines: non-zero exit, a message, nothing stored.
    let before = snapshot(&app, &admin).await;
    let nowhere = work.path().join("nowhere");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["import", extra.to_str().unwrap(), "--owner", "nobody"],
            "nobody",
        ),
        (
            vec!["import", extra.to_str().unwrap(), "--policy", "SOMETIMES"],
            "--policy",
        ),
        (vec!["import", nowhere.to_str().unwrap()], "does not exist"),
    ];
    for (args, expected) in cases {
        let run = searchlight(&app, &args).await;
        assert!(!run.success, "{args:?}: {run:?}");
        assert!(run.stderr.contains(expected), "{args:?}: {run:?}");
    }
    assert_eq!(snapshot(&app, &admin).await, before);
}

async fn the_model_dir_imports_at_every_start(store: StoreKind) {
    let work = tempfile::tempdir().unwrap();
    let model = model_dir(work.path(), "model", &[]);
    let first = {
        let model = model.clone();
        spawn_app_with(store, move |config| config.model_dir = Some(model)).await
    };
    let admin = first.admin().await;
    people(&first, &admin).await;
    let listed = snapshot(&first, &admin).await;
    let ids: Vec<String> = OBJECT_TYPES
        .iter()
        .filter(|t| !matches!(**t, "LOGICAL_COLUMN" | "TAG"))
        .flat_map(|t| ids_of(listed[*t].as_array().unwrap()))
        .collect();
    let mut expected: Vec<String> = FIXTURE.iter().map(|(.., id)| id.to_string()).collect();
    let mut sorted_ids = ids.clone();
    sorted_ids.sort();
    expected.sort();
    assert_eq!(
        sorted_ids, expected,
        "the model dir's objects, with their GUIDs"
    );
    for h in listed["LOGICAL_TABLE"].as_array().unwrap() {
        assert_eq!(h["author"], ADMIN_ID);
    }
    let sam = as_user(&first, "sam").await;
    assert_eq!(visible(&first, &sam).await["LOGICAL_TABLE"].len(), 5);
    // The files beside the TML are readable: the model dir is a file root.
    assert_eq!(
        search(&first, &sam, guid::WORKSHEET, "[Revenue] [Region]")
            .await
            .status(),
        StatusCode::OK
    );

    // What users change between starts must survive a restart.
    let response = share(
        &first,
        &admin,
        "LOGICAL_TABLE",
        &[guid::WORKSHEET],
        &permission(ALL_ID, "NO_ACCESS"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assign_tag(&first, &admin, &[guid::WORKSHEET], &["Kept"]).await;
    let before = snapshot(&first, &admin).await;

    // A second start over the same store and model dir changes nothing.
    let second = {
        let model = model.clone();
        let data_dir = first.data_dir.clone();
        let database_url = first.database_url.clone();
        spawn_app_with(store, move |config| {
            config.data_dir = data_dir;
            config.database_url = Some(database_url);
            config.model_dir = Some(model);
        })
        .await
    };
    let admin2 = second.admin().await;
    assert_eq!(snapshot(&second, &admin2).await, before);
    let sam2 = as_user(&second, "sam").await;
    let seen = visible(&second, &sam2).await;
    assert_eq!(
        seen["LOGICAL_TABLE"],
        ["products", "Retail Model", "sales", "stores"]
    );

    // A model dir that does not import stops the start, names the problem, stores nothing.
    let bad = model_dir(
        work.path(),
        "bad",
        &[
            ("Extra.answer.tml", answer("Start Extra", "[Revenue]")),
            (
                "Broken.answer.tml",
                answer("Broken", "[Revenue] [Nowhere Column]"),
            ),
        ],
    );
    let config = Config {
        listen: "127.0.0.1:0".into(),
        data_dir: first.data_dir.clone(),
        database_url: Some(first.database_url.clone()),
        admin_password: Some(ADMIN_PASSWORD.into()),
        model_dir: Some(bad.clone()),
        ..Config::default()
    };
    let error = Application::build(&config)
        .await
        .err()
        .expect("a broken model dir stops the start");
    let text = format!("{error:#}");
    assert!(text.contains("nothing was stored"), "{text}");
    assert!(
        text.contains(&format!(
            "{}: answer.search_query",
            bad.join("Broken.answer.tml").display()
        )),
        "{text}"
    );
    assert_eq!(snapshot(&first, &admin).await, before);
}

both_stores!(the_import_command, the_model_dir_imports_at_every_start);
