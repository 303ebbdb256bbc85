//! Searchlight's own operations beside the v1 API: `searchlight/stats` and
//! `searchlight/explain`.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::AppState;
use crate::auth::{CallerExt, CurrentUser};
use crate::error::{ApiError, ErrorBody};
use crate::openapi::examples;
use crate::params::Params;
use crate::routes::data::one_source;

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

/// What a search becomes, without running it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchExplanation {
    /// DataFusion's optimized logical plan. A part that runs in a database is one
    /// `Federated` node.
    pub logical_plan: String,
    /// The physical plan: the operators that run in Searchlight, and one
    /// `VirtualExecutionPlan` per statement sent to a database.
    pub physical_plan: String,
    /// The SQL statements sent to databases, exactly as sent (none for files).
    pub statements: Vec<String>,
}

/// The parameters of `searchlight/explain`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExplainQuery {
    /// The search, as for `searchdata`.
    #[param(example = "[Revenue] [Region] top 5")]
    pub query_string: String,
    /// The worksheet or table searched: its GUID (or a one-element list).
    #[param(example = "7d2f0c61-3b8e-4e51-a0e4-91c2d8e7f610")]
    pub data_source_guid: String,
}

/// `POST searchlight/explain` (admin): the plans a search becomes.
#[utoipa::path(
    post,
    path = "/searchlight/explain",
    tag = "searchlight",
    summary = "Explain a search",
    description = "Shows what a search becomes without running it: DataFusion's plans and, \
        for a part that runs in a database (a PostgreSQL connection's tables), the exact SQL \
        statement sent there. The parameters are those of `searchdata`, in the query string or \
        a form body. Opening a database table connects to it. Administrators only.",
    params(ExplainQuery),
    responses(
        (status = 200, description = "The plans.", body = SearchExplanation,
            example = examples::search_explanation),
        (status = 400, description = "A parameter is missing or invalid, the source is unknown, \
            the search is invalid, or a database the search needs cannot be reached.",
            body = ErrorBody<'static>, example = examples::unknown_column),
        (status = 401, description = "No valid session.",
            body = ErrorBody<'static>, example = examples::not_logged_in),
        (status = 403, description = "The caller is not an administrator.",
            body = ErrorBody<'static>, example = examples::not_admin),
        (status = 415, description = "A body in a content type that holds no parameters.",
            body = ErrorBody<'static>, example = examples::unsupported_media),
    ),
)]
pub async fn explain(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    params: Params,
) -> Result<Json<SearchExplanation>, ApiError> {
    caller.require_admin("explain searches")?;
    let query = params.text(&["query_string"]).unwrap_or("");
    let source = one_source(&params)?;
    let explanation = state
        .answers
        .explain(&caller.actor(), &source, query)
        .await?;
    Ok(Json(SearchExplanation {
        logical_plan: explanation.logical_plan,
        physical_plan: explanation.physical_plan,
        statements: explanation.statements,
    }))
}
