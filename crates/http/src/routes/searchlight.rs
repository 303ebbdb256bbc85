//! Searchlight's own operations beside the v1 API: `searchlight/stats`.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ErrorBody};
use crate::openapi::examples;

/// What the engine holds and has done since the server started.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EngineStats {
    pub answer_cache: AnswerCacheStats,
    pub memory_tables: MemoryTableStats,
    /// The most searches that run at once (`max_concurrent_searches`).
    pub max_concurrent_searches: usize,
}

/// The answer cache (`answer_cache_mb`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnswerCacheStats {
    /// Searches answered from the cache.
    pub hits: u64,
    /// Searches computed (no identical answer over unchanged inputs was kept).
    pub misses: u64,
    /// The memory the kept answers hold.
    pub bytes: usize,
    /// The most they may hold (0: the cache is off).
    pub limit_bytes: usize,
}

/// Tables of `in_memory` connections (`memory_table_cache_mb`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemoryTableStats {
    /// Tables held or being read into memory.
    pub tables: usize,
    /// The memory they hold.
    pub bytes: usize,
    /// Times a table was read into memory.
    pub loads: u64,
    /// Batches of in-memory tables that searches read.
    pub batches_scanned: u64,
    /// Batches of in-memory tables that searches skipped: no row of theirs could pass the
    /// search's filters (the search's own, or what a join learnt from a dimension).
    pub batches_skipped: u64,
}

/// `GET searchlight/stats` (admin): the engine's caches and counters.
#[utoipa::path(
    get,
    path = "/searchlight/stats",
    tag = "searchlight",
    summary = "Engine statistics",
    description = "What the search engine holds and has done since the server started: the \
        answer cache's hits, misses and size, the tables held in memory, and how many searches \
        run at once. Administrators only.",
    responses(
        (status = 200, description = "The statistics.", body = EngineStats,
            example = examples::engine_stats),
        (status = 401, description = "No valid session.",
            body = ErrorBody<'static>, example = examples::not_logged_in),
        (status = 403, description = "The caller is not an administrator.",
            body = ErrorBody<'static>, example = examples::not_admin),
    ),
)]
pub async fn stats(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
) -> Result<Json<EngineStats>, ApiError> {
    caller.require_admin("read the engine's statistics")?;
    let engine = state.answers.engine();
    Ok(Json(EngineStats {
        answer_cache: AnswerCacheStats {
            hits: engine.answer_cache_hits(),
            misses: engine.answer_cache_misses(),
            bytes: engine.answer_cache_bytes(),
            limit_bytes: engine.config().answer_cache,
        },
        memory_tables: MemoryTableStats {
            tables: engine.cached_tables(),
            bytes: engine.memory_table_bytes(),
            loads: engine.table_loads(),
            batches_scanned: engine.memory_batches_scanned(),
            batches_skipped: engine.memory_batches_skipped(),
        },
        max_concurrent_searches: engine.max_concurrent_searches(),
    }))
}
