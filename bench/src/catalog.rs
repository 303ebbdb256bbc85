//! The catalog benchmark: `metadata/listobjectheaders` paging through 100,000 objects.
//!
//! A fresh server's store is filled with a large catalog (by default 100,000 answers owned
//! by 50 users, half of them shared with `All`, one in five carrying one of 20 tags), written
//! straight into the store the server reads, since importing 100,000 TML documents would
//! benchmark the importer, not the listing. Then pages of 100 headers are fetched over
//! HTTP, the way a client pages (`offset` and `batchsize`), in several listings: by name and
//! by modification time as the administrator (who sees everything), by name as a user who
//! sees only what is shared with them or theirs (the visibility filter), with a `pattern`,
//! and with a `tagname`. Each call is timed from sending the request to the last byte of
//! the answer.

use std::time::Instant;

use anyhow::{Context, ensure};
use reqwest::Client;
use serde::Serialize;
use serde_json::{Value, json};

use crate::report::{duration_text, ms, quantile, server_ms, thousands};
use crate::server::{API, RunningServer, StoreKind, StoreOptions, login, login_as};
use searchlight_identity::builtin::{ADMIN_USER_ID, ALL_GROUP_ID};
use searchlight_store::{ObjectRecord, ObjectWrite, SharePermission, SqlStore, Store};

/// The user whose view (visibility filter) one listing measures.
const VIEWER: &str = "owner_0";
const VIEWER_PASSWORD: &str = "bench viewer pw";
/// The target of issue 3: a page of 100 in under 50 ms.
const TARGET_MS: f64 = 50.0;

#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Objects in the catalog.
    #[arg(long, default_value_t = 100_000)]
    pub objects: usize,
    /// Users owning them.
    #[arg(long, default_value_t = 50)]
    pub owners: usize,
    /// Headers per page (`batchsize`).
    #[arg(long, default_value_t = 100)]
    pub page: usize,
    /// Timed pages per listing, spread evenly from the first page to the last.
    #[arg(long, default_value_t = 25)]
    pub pages: usize,
    #[command(flatten)]
    pub store: StoreOptions,
}

/// One listing's timed pages.
#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    pub name: String,
    /// Headers the listing holds in all (the last page's offset + its size).
    pub total: usize,
    pub wall_ms: Vec<f64>,
    pub server_ms: Vec<f64>,
    pub median_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct StoreResult {
    pub store: String,
    pub fill_ms: f64,
    pub listings: Vec<Listing>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub objects: usize,
    pub owners: usize,
    pub page: usize,
    pub pages: usize,
    pub results: Vec<StoreResult>,
}

pub async fn run(options: &Options) -> anyhow::Result<Report> {
    ensure!(
        options.objects >= options.page,
        "--objects must hold a page"
    );
    ensure!(options.owners >= 1, "--owners must be at least 1");
    let mut results = Vec::new();
    for &store in &options.store.stores {
        results.push(run_store(options, store).await?);
    }
    Ok(Report {
        objects: options.objects,
        owners: options.owners,
        page: options.page,
        pages: options.pages,
        results,
    })
}

async fn run_store(options: &Options, store: StoreKind) -> anyhow::Result<StoreResult> {
    eprintln!("==> {store}: starting a fresh server");
    let server = RunningServer::start(store, &options.store.postgres_url).await?;
    let admin = login(&server.base).await?;
    let owner_ids = create_owners(&server.base, &admin, options.owners).await?;

    eprintln!(
        "    writing {} objects into the store",
        thousands(options.objects)
    );
    let started = Instant::now();
    fill(server.store_url(), options.objects, &owner_ids).await?;
    let fill_ms = ms(started.elapsed());
    eprintln!("    written in {}", duration_text(fill_ms));

    let viewer = login_as(&server.base, VIEWER, VIEWER_PASSWORD).await?;
    let listings = [
        ("admin, by name", &admin, vec![("sort", "NAME")]),
        (
            "admin, newest first",
            &admin,
            vec![("sort", "MODIFIED"), ("sortascending", "false")],
        ),
        (
            "a user (only what they may see), by name",
            &viewer,
            vec![("sort", "NAME")],
        ),
        (
            "a user (only what they may see), newest first",
            &viewer,
            vec![("sort", "MODIFIED"), ("sortascending", "false")],
        ),
        (
            "admin, pattern `report 1%`",
            &admin,
            vec![("pattern", "report 1%")],
        ),
        (
            "admin, tagname `[\"tag 7\"]`",
            &admin,
            vec![("tagname", "[\"tag 7\"]")],
        ),
    ];
    let mut results = Vec::new();
    for (name, client, params) in listings {
        let listing = page_through(&server.base, client, name, &params, options).await?;
        eprintln!(
            "    {name}: {} headers, page median {}, p95 {}",
            thousands(listing.total),
            duration_text(listing.median_ms),
            duration_text(listing.p95_ms)
        );
        results.push(listing);
    }
    server.stop().await?;
    Ok(StoreResult {
        store: store.to_string(),
        fill_ms,
        listings: results,
    })
}

/// Syncs the owners in (`owner_0` … with a password for the viewer); returns their ids.
async fn create_owners(base: &str, admin: &Client, owners: usize) -> anyhow::Result<Vec<String>> {
    let principals: Vec<Value> = (0..owners)
        .map(|i| json!({"name": format!("owner_{i}"), "principalTypeEnum": "LOCAL_USER", "groupNames": []}))
        .collect();
    let form = reqwest::multipart::Form::new()
        .text("principals", serde_json::to_string(&principals)?)
        .text("applyChanges", "true")
        .text("password", VIEWER_PASSWORD);
    let response = admin
        .post(format!("{base}{API}/user/sync"))
        .header("X-Requested-By", "ThoughtSpot")
        .multipart(form)
        .send()
        .await?;
    ensure!(
        response.status().as_u16() == 200,
        "user/sync: {}",
        response.status()
    );
    let listed: Vec<Value> = admin
        .get(format!("{base}{API}/user/list"))
        .send()
        .await?
        .json()
        .await?;
    let mut ids = Vec::new();
    for i in 0..owners {
        let name = format!("owner_{i}");
        let id = listed
            .iter()
            .find(|p| p["name"] == name.as_str() && p["principalTypeEnum"] == "LOCAL_USER")
            .and_then(|p| p["id"].as_str())
            .with_context(|| format!("user/list does not show {name}"))?;
        ids.push(id.to_string());
    }
    Ok(ids)
}

/// Writes the catalog: answers named `report N`, owned round-robin, every other one shared
/// with All, every fifth tagged with one of 20 tags; in transactions of 1,000 objects.
async fn fill(url: &str, objects: usize, owners: &[String]) -> anyhow::Result<()> {
    let store = SqlStore::connect(url).await?;
    let base_time: i64 = 1_700_000_000_000;
    let ids: Vec<String> = (0..objects)
        .map(|i| format!("00000000-0000-4000-8000-{i:012}"))
        .collect();
    for (chunk_index, chunk) in ids.chunks(1000).enumerate() {
        let writes: Vec<ObjectWrite> = chunk
            .iter()
            .enumerate()
            .map(|(j, id)| {
                let i = chunk_index * 1000 + j;
                let owner = &owners[i % owners.len()];
                ObjectWrite {
                    object: ObjectRecord {
                        id: id.clone(),
                        object_type: "QUESTION_ANSWER_BOOK".into(),
                        subtype: None,
                        name: format!("report {i}"),
                        description: Some(format!("Answer number {i} of the benchmark")),
                        owner_id: owner.clone(),
                        // Not in name order, so the two sorts read differently.
                        created: base_time + ((i * 7919) % objects) as i64 * 1000,
                        modified: base_time + ((i * 104_729) % objects) as i64 * 1000,
                        modified_by: owner.clone(),
                        is_auto_created: false,
                        parent_id: None,
                        position: 0,
                        definition: None,
                        tml: None,
                    },
                    columns: Vec::new(),
                    visualizations: None,
                    initial_shares: if i % 2 == 0 {
                        vec![(ALL_GROUP_ID.to_string(), SharePermission::ReadOnly)]
                    } else {
                        Vec::new()
                    },
                }
            })
            .collect();
        store.write_objects(&writes).await?;
    }
    for tag in 0..20 {
        let tagged: Vec<String> = ids
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 5 == 0 && (i / 5) % 20 == tag)
            .map(|(_, id)| id.clone())
            .collect();
        store
            .assign_tags(&tagged, &[format!("tag {tag}")], ADMIN_USER_ID, base_time)
            .await?;
    }
    // What PostgreSQL's autovacuum does soon after a bulk write (statistics, and the
    // visibility map that index-only scans need); done here so the timed pages do not
    // depend on when it happens to run. SQLite gathers no statistics by itself.
    let maintenance = if url.starts_with("postgres") {
        "VACUUM ANALYZE"
    } else {
        "ANALYZE"
    };
    sqlx::query(maintenance).execute(store.pool()).await?;
    store.close().await;
    Ok(())
}

/// One call: the headers and the wall and server times.
async fn list_page(
    base: &str,
    client: &Client,
    params: &[(&str, &str)],
    offset: usize,
    batch: usize,
) -> anyhow::Result<(Vec<Value>, f64, Option<f64>)> {
    let (offset, batch) = (offset.to_string(), batch.to_string());
    let mut query: Vec<(&str, &str)> = vec![
        ("type", "QUESTION_ANSWER_BOOK"),
        ("offset", &offset),
        ("batchsize", &batch),
    ];
    query.extend_from_slice(params);
    let request = client
        .get(format!("{base}{API}/metadata/listobjectheaders"))
        .query(&query)
        .build()?;
    let started = Instant::now();
    let response = client.execute(request).await?;
    let server = server_ms(&response);
    let status = response.status();
    let body = response.bytes().await?;
    let wall = ms(started.elapsed());
    ensure!(
        status.as_u16() == 200,
        "listobjectheaders {query:?}: {status}: {}",
        String::from_utf8_lossy(&body)
    );
    Ok((serde_json::from_slice(&body)?, wall, server))
}

/// Finds the listing's size (a binary search over offsets would be cheaper, but one large
/// untimed call is simpler and checks the listing is whole), then times `pages` pages
/// spread from the first to the last, after one warm-up call.
async fn page_through(
    base: &str,
    client: &Client,
    name: &str,
    params: &[(&str, &str)],
    options: &Options,
) -> anyhow::Result<Listing> {
    let (all, _, _) = list_page(base, client, params, 0, options.objects + 1).await?;
    let total = all.len();
    ensure!(total > 0, "the listing '{name}' is empty");
    let last_page = total.saturating_sub(1) / options.page * options.page;
    let offsets: Vec<usize> = (0..options.pages.max(1))
        .map(|k| {
            let fraction = k as f64 / (options.pages.max(2) - 1) as f64;
            ((last_page as f64 * fraction) as usize) / options.page * options.page
        })
        .collect();
    list_page(base, client, params, 0, options.page).await?; // warm-up
    let (mut walls, mut servers) = (Vec::new(), Vec::new());
    for offset in offsets {
        let (headers, wall, server) = list_page(base, client, params, offset, options.page).await?;
        let expected = options.page.min(total - offset);
        ensure!(
            headers.len() == expected,
            "'{name}' at offset {offset}: {} headers, expected {expected}",
            headers.len()
        );
        ensure!(
            headers[0]["id"] == all[offset]["id"],
            "'{name}' at offset {offset} does not start where the whole listing has it"
        );
        walls.push(wall);
        servers.extend(server);
    }
    Ok(Listing {
        name: name.to_string(),
        total,
        median_ms: quantile(&walls, 0.5),
        p95_ms: quantile(&walls, 0.95),
        max_ms: walls.iter().copied().fold(0.0, f64::max),
        wall_ms: walls,
        server_ms: servers,
    })
}

/// The BENCHMARKS.md fragment.
pub fn markdown(report: &Report) -> String {
    let mut out = format!(
        "`bench/run catalog`: a fresh in-process server per store, driven over HTTP on \
         127.0.0.1. The catalog: {} answers owned by {} users, every other one shared with \
         `All`, every fifth carrying one of 20 tags, written straight into the store. Each \
         listing is `GET metadata/listobjectheaders?type=QUESTION_ANSWER_BOOK` paged with \
         `batchsize={}`: {} pages spread evenly from the first to the last (after one \
         warm-up call), each timed at the client from sending the request to the last byte \
         of the answer. Target: a page in under {TARGET_MS:.0} ms.\n\n",
        thousands(report.objects),
        report.owners,
        report.page,
        report.pages,
    );
    out.push_str(
        "| Store | Listing | Headers | Median page | p95 | Slowest | Server median | Target |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|---|\n");
    for result in &report.results {
        for listing in &result.listings {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
                result.store,
                listing.name,
                thousands(listing.total),
                duration_text(listing.median_ms),
                duration_text(listing.p95_ms),
                duration_text(listing.max_ms),
                duration_text(quantile(&listing.server_ms, 0.5)),
                if listing.p95_ms < TARGET_MS {
                    "met"
                } else {
                    "**missed**"
                },
            ));
        }
    }
    out.push('\n');
    for result in &report.results {
        out.push_str(&format!(
            "Writing the catalog into {} took {}.\n",
            result.store,
            duration_text(result.fill_ms)
        ));
    }
    out
}
