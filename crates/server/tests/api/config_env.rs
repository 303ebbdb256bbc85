//! Every `SEARCHLIGHT_*` variable sets its setting (issue 13: before, the loader's key filter
//! compared the variables' upper-case names to lower-case keys and matched none of them).
//!
//! Driven by `searchlight::config::ENV_SETTINGS`, the one list the loader reads, and checked
//! against the README's configuration table. Each case runs the real binary's `searchlight
//! config` from an empty folder with an empty environment plus the variables under test (a
//! test process must not change its own environment).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use searchlight::config::{CONFIG_FILE_VARIABLE, ENV_PREFIX, ENV_SETTINGS};

/// What `searchlight config` printed and how it ended.
struct Shown {
    success: bool,
    config: Value,
    stdout: String,
    stderr: String,
}

/// Runs `searchlight config ARGS…` with only `vars` in its environment.
fn searchlight_config(vars: &[(&str, &str)], args: &[&str]) -> Shown {
    let cwd = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_searchlight"))
        .arg("config")
        .args(args)
        .current_dir(cwd.path())
        .env_clear()
        .envs(vars.iter().copied())
        .output()
        .expect("the searchlight binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    Shown {
        success: output.status.success(),
        config: serde_json::from_str(&stdout).unwrap_or(Value::Null),
        stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A value other than the default for each setting: the variable's text, and the setting as
/// `searchlight config` shows it.
fn example(key: &str) -> Option<(&'static str, Value)> {
    Some(match key {
        "listen" => ("127.0.0.1:9999", json!("127.0.0.1:9999")),
        "data_dir" => ("/tmp/sl-env/data", json!("/tmp/sl-env/data")),
        "database_url" => (
            "postgres://sl:env-s3cret@db.example:5432/sl?sslmode=disable",
            json!("postgres://sl:***@db.example:5432/sl?sslmode=disable"),
        ),
        // Digits stay text: a password is never read as a number (and never printed).
        "admin_password" => ("918273645", json!("***")),
        "secret_key" => ("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", json!("***")),
        "log_format" => ("json", json!("json")),
        "session_idle_timeout_secs" => ("61", json!(61)),
        "remember_me_secs" => ("62", json!(62)),
        "model_dir" => ("/tmp/sl-env/model", json!("/tmp/sl-env/model")),
        "file_roots" => ("[/srv/a, \"/srv/b,c\"]", json!(["/srv/a", "/srv/b,c"])),
        "row_cap" => ("77", json!(77)),
        "query_timeout_secs" => ("9", json!(9)),
        "max_query_length" => ("5000", json!(5000)),
        "max_query_tokens" => ("500", json!(500)),
        "query_memory_limit_mb" => ("512", json!(512)),
        "max_concurrent_searches" => ("3", json!(3)),
        "max_queued_searches" => ("5", json!(5)),
        "search_queue_timeout_secs" => ("2", json!(2)),
        "memory_table_cache_mb" => ("256", json!(256)),
        "now" => ("2024-02-03T04:05:06Z", json!("2024-02-03T04:05:06Z")),
        "time_zone" => ("Europe/Paris", json!("Europe/Paris")),
        "demo" => ("true", json!(true)),
        "demo_rows" => ("1234", json!(1234)),
        "embed_example_dir" => ("/tmp/sl-env/embed", json!("/tmp/sl-env/embed")),
        "login_free_failures" => ("7", json!(7)),
        "login_backoff_base_secs" => ("3", json!(3)),
        "login_backoff_max_secs" => ("60", json!(60)),
        "login_address_free_failures" => ("99", json!(99)),
        "password_hash_concurrency" => ("1", json!(1)),
        "password_hash_wait_ms" => ("10", json!(10)),
        _ => return None,
    })
}

/// For a number or boolean setting without an example above: another value than its default.
fn derived_example(default: &Value) -> Option<(String, Value)> {
    match default {
        Value::Bool(b) => Some(((!b).to_string(), json!(!b))),
        Value::Number(n) => n
            .as_u64()
            .and_then(|n| n.checked_add(1))
            .map(|m| (m.to_string(), json!(m))),
        _ => None,
    }
}

#[test]
fn every_variable_sets_its_setting() {
    let defaults = searchlight_config(&[], &[]);
    assert!(defaults.success, "{}", defaults.stderr);
    let defaults = defaults.config;
    let mut failures = Vec::new();
    for setting in ENV_SETTINGS {
        let variable = setting.variable();
        let Some((text, expected)) = example(setting.key)
            .map(|(text, value)| (text.to_string(), value))
            .or_else(|| derived_example(&defaults[setting.key]))
        else {
            failures.push(format!("{variable}: this test has no example value for it"));
            continue;
        };
        assert_ne!(
            defaults[setting.key], expected,
            "{variable}: the example must differ from the default"
        );
        let shown = searchlight_config(&[(variable.as_str(), text.as_str())], &[]);
        if !shown.success || shown.config[setting.key] != expected {
            failures.push(format!(
                "{variable}={text}: expected {expected}, shown {} ({})",
                shown.config[setting.key],
                shown.stderr.trim()
            ));
            continue;
        }
        // Nothing else changed.
        for (key, default) in defaults.as_object().unwrap() {
            if key != setting.key && shown.config[key] != *default {
                failures.push(format!(
                    "{variable}={text} changed {key} to {}",
                    shown.config[key]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn secrets_are_never_printed() {
    let shown = searchlight_config(
        &[
            ("SEARCHLIGHT_ADMIN_PASSWORD", "918273645"),
            (
                "SEARCHLIGHT_SECRET_KEY",
                "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
            ),
            (
                "SEARCHLIGHT_DATABASE_URL",
                "postgres://sl:env-s3cret@db/sl?password=other-s3cret",
            ),
        ],
        &[],
    );
    assert!(shown.success, "{}", shown.stderr);
    for secret in [
        "918273645",
        "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        "env-s3cret",
        "other-s3cret",
    ] {
        assert!(!shown.stdout.contains(secret), "{}", shown.stdout);
    }
    assert_eq!(shown.config["admin_password"], "***");
    assert_eq!(shown.config["secret_key"], "***");
    assert_eq!(
        shown.config["database_url"],
        "postgres://sl:***@db/sl?password=***"
    );
    // Flags are hidden the same way.
    let shown = searchlight_config(&[], &["--admin-password", "flag-s3cret"]);
    assert!(shown.success, "{}", shown.stderr);
    assert!(!shown.stdout.contains("flag-s3cret"), "{}", shown.stdout);
}

#[test]
fn the_file_then_the_environment_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("custom.toml");
    std::fs::write(&file, "row_cap = 5\nlisten = \"127.0.0.1:7000\"\n").unwrap();
    let file = file.to_str().unwrap();

    // SEARCHLIGHT_CONFIG names the file.
    let shown = searchlight_config(&[(CONFIG_FILE_VARIABLE, file)], &[]);
    assert!(shown.success, "{}", shown.stderr);
    assert_eq!(shown.config["row_cap"], 5);
    assert_eq!(shown.config["listen"], "127.0.0.1:7000");

    // A variable beats the file; an empty one counts as unset.
    let shown = searchlight_config(
        &[
            (CONFIG_FILE_VARIABLE, file),
            ("SEARCHLIGHT_ROW_CAP", "6"),
            ("SEARCHLIGHT_LISTEN", ""),
        ],
        &[],
    );
    assert!(shown.success, "{}", shown.stderr);
    assert_eq!(shown.config["row_cap"], 6);
    assert_eq!(shown.config["listen"], "127.0.0.1:7000");

    // A flag beats the variable.
    let shown = searchlight_config(
        &[("SEARCHLIGHT_LISTEN", "127.0.0.1:7002")],
        &["--listen", "127.0.0.1:7001"],
    );
    assert!(shown.success, "{}", shown.stderr);
    assert_eq!(shown.config["listen"], "127.0.0.1:7001");

    // One folder without brackets is a list of one.
    let shown = searchlight_config(&[("SEARCHLIGHT_FILE_ROOTS", "/srv/one")], &[]);
    assert_eq!(
        shown.config["file_roots"],
        json!(["/srv/one"]),
        "{}",
        shown.stderr
    );
}

#[test]
fn a_bad_value_names_its_variable() {
    let shown = searchlight_config(&[("SEARCHLIGHT_ROW_CAP", "lots")], &[]);
    assert!(!shown.success, "{}", shown.stdout);
    assert!(
        shown.stderr.contains("SEARCHLIGHT_ROW_CAP"),
        "{}",
        shown.stderr
    );
    let shown = searchlight_config(&[("SEARCHLIGHT_TIME_ZONE", "Mars/Olympus")], &[]);
    assert!(!shown.success, "{}", shown.stdout);
    assert!(shown.stderr.contains("Mars/Olympus"), "{}", shown.stderr);
}

/// The README's configuration table names exactly the variables the loader reads (and
/// `SEARCHLIGHT_CONFIG`), each on the row of its setting.
#[test]
fn the_readme_table_lists_exactly_these_variables() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .expect("README.md");
    let section = readme
        .split("\n## Configuration\n")
        .nth(1)
        .expect("a Configuration section")
        .split("\n## ")
        .next()
        .unwrap();
    let code = |cell: &str| {
        cell.strip_prefix('`')
            .and_then(|c| c.strip_suffix('`'))
            .map(str::to_string)
    };
    let mut documented = BTreeSet::new();
    let mut problems = Vec::new();
    for line in section.lines().filter(|l| l.starts_with("| ")) {
        // | Flag | Config key | Environment variable | Default | Meaning |
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 6 || cells[3] == "Environment variable" {
            continue;
        }
        let variable = code(cells[3]);
        match (code(cells[2]), &variable) {
            (Some(key), Some(variable)) => {
                let expected = format!("{ENV_PREFIX}{}", key.to_ascii_uppercase());
                if *variable != expected {
                    problems.push(format!("row of {key}: {variable}, expected {expected}"));
                }
            }
            (Some(key), None) => problems.push(format!("row of {key}: no variable")),
            _ => {}
        }
        documented.extend(variable);
    }
    let mut read: BTreeSet<String> = ENV_SETTINGS.iter().map(|s| s.variable()).collect();
    read.insert(CONFIG_FILE_VARIABLE.to_string());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(
        documented, read,
        "the README's SEARCHLIGHT_* column against ENV_SETTINGS"
    );
}
