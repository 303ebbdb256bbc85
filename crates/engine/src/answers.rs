//! Answers: what `searchdata`, `pinboarddata` and `searchlight query` ask for — a search over a
//! source the caller may read, or every visualization of a pinboard — with the v1 paging
//! rules. It ties the catalog (what exists, who may read it), the binder (the language) and
//! the [`Engine`] (the rows) together.
//!
//! Every search takes its turn from the engine ([`Engine::admit`]) before it is parsed, and
//! is parsed, bound and run under the query timeout ([`Engine::search_text`]); a search text
//! over the length limit is refused before anything else. A pinboard runs each visualization
//! once (a `vizid` given twice is answered once) and at most as many at once as searches may
//! run.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use futures::stream::{self, StreamExt};

use searchlight_catalog::resolve::VisualizationPlan;
use searchlight_catalog::source::SearchSource;
use searchlight_catalog::{Actor, Catalog};
use searchlight_errors::{Error, Result};
use searchlight_search::{SearchContext, SearchPlan, check_runtime_operator, runtime_filter};

use crate::{Engine, Explanation, Page, SearchResult};

/// Where "now" comes from for relative date keywords.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// A fixed "now" (tests, reproducible demos); `None`: the system clock.
    pub pinned: Option<DateTime<Utc>>,
    pub zone: Tz,
}

impl Clock {
    pub fn context(&self) -> SearchContext {
        SearchContext::new(self.pinned.unwrap_or_else(Utc::now), self.zone)
    }
}

/// The v1 paging parameters as sent (`None` for absent or `-1`).
#[derive(Debug, Clone, Copy, Default)]
pub struct PageRequest {
    pub batch_size: Option<i64>,
    pub page_number: Option<i64>,
    pub offset: Option<i64>,
}

/// The page a request asks for, after the v1 rules: `size` is the effective page size (the
/// row cap when no batch size is given), `offset` the 0-based first row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageWindow {
    pub offset: usize,
    pub size: usize,
}

/// The largest row a page may start at: 2^53 - 1, the largest integer every JSON client
/// reads exactly. No answer has that many rows; a larger offset is a client's mistake (or
/// an overflow in it), answered 400 rather than an empty page.
pub const MAX_ROW_OFFSET: u64 = (1 << 53) - 1;

impl PageWindow {
    /// The v1 rules (API-DECISIONS "Data"): `batchsize` up to the row cap; `pagenumber`
    /// (1-based) wins over `offset` when given; `offset` is 0-based.
    pub fn from_request(request: PageRequest, row_cap: usize) -> Result<Self> {
        let size = match request.batch_size {
            None => row_cap,
            Some(n) if n > 0 => (n as usize).min(row_cap),
            Some(n) => {
                return Err(Error::invalid_parameter(
                    "batchsize",
                    n.to_string(),
                    "a number of rows ≥ 1, or -1 for as many as allowed",
                ));
            }
        };
        let offset = match (request.page_number, request.offset) {
            (Some(page), _) if page >= 1 => (page as u64 - 1)
                .checked_mul(size as u64)
                .filter(|offset| *offset <= MAX_ROW_OFFSET)
                .ok_or_else(|| {
                    Error::invalid_parameter(
                        "pagenumber",
                        page.to_string(),
                        format!(
                            "a page whose first row, (pagenumber - 1) × batchsize, is at most \
                             {MAX_ROW_OFFSET}"
                        ),
                    )
                })?,
            (Some(page), _) => {
                return Err(Error::invalid_parameter(
                    "pagenumber",
                    page.to_string(),
                    "a page number ≥ 1 (pages are numbered from 1), or -1",
                ));
            }
            (None, Some(offset)) if (0..=MAX_ROW_OFFSET as i64).contains(&offset) => offset as u64,
            (None, Some(offset)) => {
                return Err(Error::invalid_parameter(
                    "offset",
                    offset.to_string(),
                    format!("a 0-based row offset from 0 to {MAX_ROW_OFFSET}, or -1"),
                ));
            }
            (None, None) => 0,
        };
        // At most 2^53 - 1, which fits usize on every platform Searchlight builds for.
        let offset = offset as usize;
        Ok(Self { offset, size })
    }

    fn page(self) -> Page {
        Page::new(self.offset, self.size)
    }
}

/// A runtime filter of pinboarddata: `col<n>`, `op<n>`, every `val<n>`.
#[derive(Debug, Clone)]
pub struct RuntimeFilter {
    pub column: String,
    pub op: String,
    pub values: Vec<String>,
}

/// One visualization's answer, or why it has none.
#[derive(Debug)]
pub struct VisualizationAnswer {
    pub id: String,
    pub name: String,
    pub result: Result<SearchResult>,
}

/// The search service. Cheap to clone.
#[derive(Clone)]
pub struct Answers {
    catalog: Catalog,
    engine: Engine,
    clock: Clock,
}

impl Answers {
    pub fn new(catalog: Catalog, engine: Engine, clock: Clock) -> Self {
        Self {
            catalog,
            engine,
            clock,
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The page a request asks for, bounded by the row cap.
    pub fn window(&self, request: PageRequest) -> Result<PageWindow> {
        PageWindow::from_request(request, self.engine.config().row_cap)
    }

    /// Runs `query` over the worksheet or table `source_id`.
    pub async fn search(
        &self,
        actor: &Actor,
        source_id: &str,
        query: &str,
        window: PageWindow,
    ) -> Result<SearchResult> {
        // A text over the limit costs nothing more than this check.
        self.engine.config().search_limits.check_length(query)?;
        let source = self.catalog.search_source(actor, source_id).await?;
        let _turn = self.engine.admit(1).await?;
        let context = self.clock.context();
        self.engine
            .search_text(
                &source,
                query,
                &context,
                window.page(),
                actor.user_id(),
                |_| Ok(()),
            )
            .await
    }

    /// What `query` over `source_id` becomes, without running it (see
    /// [`Engine::explain_text`]); it takes a turn like a search.
    pub async fn explain(
        &self,
        actor: &Actor,
        source_id: &str,
        query: &str,
    ) -> Result<Explanation> {
        self.engine.config().search_limits.check_length(query)?;
        let source = self.catalog.search_source(actor, source_id).await?;
        let _turn = self.engine.admit(1).await?;
        let context = self.clock.context();
        self.engine.explain_text(&source, query, &context).await
    }

    /// Runs the visualizations of a pinboard (or answer): all of them in the pinboard's
    /// order, or only `viz_ids` in the order given (each once: a repeated id is answered
    /// once, where it first appears). They run concurrently, at most as many at once as the
    /// engine runs searches; the call waits for its turns like a search. Runtime filters
    /// apply to every visualization whose source has the column. One visualization failing
    /// does not fail the others: its entry carries the error.
    pub async fn pinboard(
        &self,
        actor: &Actor,
        pinboard_id: &str,
        viz_ids: Option<&[String]>,
        filters: &[RuntimeFilter],
        window: PageWindow,
    ) -> Result<Vec<VisualizationAnswer>> {
        for filter in filters {
            check_runtime_operator(&filter.column, &filter.op)?;
        }
        let pinboard = self.catalog.pinboard(actor, pinboard_id).await?;
        let chosen: Vec<VisualizationPlan> = match viz_ids {
            None => pinboard.visualizations,
            Some(ids) => {
                let mut seen: HashSet<&str> = HashSet::new();
                ids.iter()
                    .filter(|id| seen.insert(id.as_str()))
                    .map(|id| {
                        pinboard
                            .visualizations
                            .iter()
                            .find(|v| &v.id == id)
                            .cloned()
                            .ok_or_else(|| Error::UnknownObject {
                                kind: format!("visualization of pinboard '{}'", pinboard.name),
                                id: id.clone(),
                            })
                    })
                    .collect::<Result<_>>()?
            }
        };
        if chosen.is_empty() {
            return Ok(Vec::new());
        }
        // Each source is resolved once even when several visualizations use it.
        let mut sources: HashMap<String, Result<SearchSource>> = HashMap::new();
        for viz in &chosen {
            if !sources.contains_key(&viz.answer.source_id) {
                let source = self.catalog.answer_source(&viz.answer).await;
                sources.insert(viz.answer.source_id.clone(), source);
            }
        }
        let together = chosen.len().min(self.engine.max_concurrent_searches());
        let _turns = self.engine.admit(together).await?;
        let context = self.clock.context();
        let context = &context;
        let sources = &sources;
        // Collected first: a stream over a lazy `map` of borrowing closures is not `Send`
        // for every lifetime, which axum's handlers need.
        let runs: Vec<_> = chosen
            .iter()
            .enumerate()
            .map(|(index, viz)| {
                let source = sources.get(&viz.answer.source_id);
                async move {
                    let result = match source {
                        Some(Ok(source)) => {
                            self.run_visualization(actor, source, viz, filters, context, window)
                                .await
                        }
                        Some(Err(err)) => Err(source_failure(viz, err)),
                        None => Err(Error::internal(format!(
                            "the source of visualization '{}' was not resolved",
                            viz.id
                        ))),
                    };
                    let answer = VisualizationAnswer {
                        id: viz.id.clone(),
                        name: viz.name.clone(),
                        result,
                    };
                    (index, answer)
                }
            })
            .collect();
        let mut answers: Vec<(usize, VisualizationAnswer)> = stream::iter(runs)
            .buffer_unordered(together.max(1))
            .collect()
            .await;
        answers.sort_by_key(|(index, _)| *index);
        Ok(answers.into_iter().map(|(_, answer)| answer).collect())
    }

    async fn run_visualization(
        &self,
        actor: &Actor,
        source: &SearchSource,
        viz: &VisualizationPlan,
        filters: &[RuntimeFilter],
        context: &SearchContext,
        window: PageWindow,
    ) -> Result<SearchResult> {
        let model = &source.model;
        let add_filters = move |plan: &mut SearchPlan| -> Result<()> {
            for filter in filters {
                if let Some(predicate) =
                    runtime_filter(model, &filter.column, &filter.op, &filter.values)?
                {
                    plan.row_filters.push(predicate);
                }
            }
            Ok(())
        };
        self.engine
            .search_text(
                source,
                &viz.answer.search_query,
                context,
                window.page(),
                actor.user_id(),
                add_filters,
            )
            .await
    }
}

/// A visualization whose source did not resolve: a public error stays what it says (the
/// source is gone or unreadable), wrapped to name the visualization; a fault stays a fault,
/// its details for the log only.
fn source_failure(viz: &VisualizationPlan, err: &Error) -> Error {
    if err.is_client_error() {
        Error::invalid_parameter(
            "id",
            &viz.id,
            format!("a visualization whose worksheet resolves ({err})"),
        )
    } else {
        Error::internal(format!(
            "resolving the source of visualization '{}' failed: {err}",
            viz.id
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(batch_size: i64, page_number: i64, offset: i64) -> Result<PageWindow> {
        let some = |n: i64| (n != -1).then_some(n);
        PageWindow::from_request(
            PageRequest {
                batch_size: some(batch_size),
                page_number: some(page_number),
                offset: some(offset),
            },
            100_000,
        )
    }

    #[test]
    fn paging_follows_the_v1_rules() {
        assert_eq!(
            window(-1, -1, -1).unwrap(),
            PageWindow {
                offset: 0,
                size: 100_000
            }
        );
        assert_eq!(
            window(10, -1, 25).unwrap(),
            PageWindow {
                offset: 25,
                size: 10
            }
        );
        assert_eq!(
            window(10, 3, 25).unwrap(),
            PageWindow {
                offset: 20,
                size: 10
            },
            "pagenumber wins"
        );
        assert_eq!(window(1_000_000, -1, -1).unwrap().size, 100_000, "capped");
        assert_eq!(
            window(-1, 2, -1).unwrap(),
            PageWindow {
                offset: 100_000,
                size: 100_000
            }
        );
        assert_eq!(window(0, -1, -1).unwrap_err().name(), "InvalidParameter");
        assert_eq!(window(10, 0, -1).unwrap_err().name(), "InvalidParameter");
        assert_eq!(window(10, -1, -5).unwrap_err().name(), "InvalidParameter");
    }

    #[test]
    fn a_page_starts_at_most_at_the_largest_exact_json_integer() {
        let huge = i64::MAX;
        for (batch, page, offset) in [
            (huge, huge, -1),
            (10, 922_337_203_685_477_581, -1),
            (-1, -1, huge),
        ] {
            let err = window(batch, page, offset).unwrap_err();
            assert_eq!(err.name(), "InvalidParameter", "{batch} {page} {offset}");
        }
        let last = window(1, (MAX_ROW_OFFSET + 1) as i64, -1).unwrap();
        assert_eq!(last.offset as u64, MAX_ROW_OFFSET);
        assert!(window(1, (MAX_ROW_OFFSET + 2) as i64, -1).is_err());
        assert_eq!(
            window(-1, -1, MAX_ROW_OFFSET as i64).unwrap().offset as u64,
            MAX_ROW_OFFSET
        );
    }
}
