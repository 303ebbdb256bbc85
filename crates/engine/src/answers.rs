//! Answers: what `searchdata`, `pinboarddata` and `searchlight query` ask for — a search over a
//! source the caller may read, or every visualization of a pinboard — with the v1 paging
//! rules. It ties the catalog (what exists, who may read it), the binder (the language) and
//! the [`Engine`] (the rows) together.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use futures::future::join_all;

use searchlight_catalog::resolve::VisualizationPlan;
use searchlight_catalog::source::SearchSource;
use searchlight_catalog::{Actor, Catalog};
use searchlight_errors::{Error, Result};
use searchlight_search::{SearchContext, check_runtime_operator, compile, runtime_filter};

use crate::{Engine, Page, SearchResult};

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
            (Some(page), _) if page >= 1 => (page as usize - 1).saturating_mul(size),
            (Some(page), _) => {
                return Err(Error::invalid_parameter(
                    "pagenumber",
                    page.to_string(),
                    "a page number ≥ 1 (pages are numbered from 1), or -1",
                ));
            }
            (None, Some(offset)) if offset >= 0 => offset as usize,
            (None, Some(offset)) => {
                return Err(Error::invalid_parameter(
                    "offset",
                    offset.to_string(),
                    "a 0-based row offset ≥ 0, or -1",
                ));
            }
            (None, None) => 0,
        };
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
        let source = self.catalog.search_source(actor, source_id).await?;
        let context = self.clock.context();
        let plan = compile(&source.model, query, &context)?;
        self.engine
            .search(&source, &plan, &context, window.page())
            .await
    }

    /// Runs the visualizations of a pinboard (or answer) concurrently: all of them in the
    /// pinboard's order, or only `viz_ids` in the order given. Runtime filters apply to
    /// every visualization whose source has the column. One visualization failing does not
    /// fail the others: its entry carries the error.
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
            Some(ids) => ids
                .iter()
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
                .collect::<Result<_>>()?,
        };
        // Each source is resolved once even when several visualizations use it.
        let mut sources: HashMap<String, Result<SearchSource, String>> = HashMap::new();
        for viz in &chosen {
            if !sources.contains_key(&viz.answer.source_id) {
                let source = self
                    .catalog
                    .answer_source(&viz.answer)
                    .await
                    .map_err(|e| e.to_string());
                sources.insert(viz.answer.source_id.clone(), source);
            }
        }
        let context = self.clock.context();
        let runs = chosen.iter().map(|viz| {
            let source = &sources[&viz.answer.source_id];
            async move {
                let result = match source {
                    Ok(source) => {
                        self.run_visualization(source, viz, filters, &context, window)
                            .await
                    }
                    Err(reason) => Err(Error::invalid_parameter(
                        "id",
                        &viz.id,
                        format!("a visualization whose worksheet resolves ({reason})"),
                    )),
                };
                VisualizationAnswer {
                    id: viz.id.clone(),
                    name: viz.name.clone(),
                    result,
                }
            }
        });
        Ok(join_all(runs).await)
    }

    async fn run_visualization(
        &self,
        source: &SearchSource,
        viz: &VisualizationPlan,
        filters: &[RuntimeFilter],
        context: &SearchContext,
        window: PageWindow,
    ) -> Result<SearchResult> {
        let mut plan = compile(&source.model, &viz.answer.search_query, context)?;
        for filter in filters {
            if let Some(predicate) =
                runtime_filter(&source.model, &filter.column, &filter.op, &filter.values)?
            {
                plan.row_filters.push(predicate);
            }
        }
        self.engine
            .search(source, &plan, context, window.page())
            .await
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
}
