//! Joins that yield to Tokio: a physical optimizer rule that wraps every join in DataFusion's
//! [`CooperativeExec`].
//!
//! A join can emit many batches for one input batch (a key shared by many rows on both sides
//! multiplies them), and the operator above it (an aggregate) loops over them within one
//! poll. DataFusion's own yield points sit at scans and exchanges only, so such a poll can run
//! for seconds without returning to Tokio: the search's timeout cannot fire, a cancelled
//! search's tasks run on until the poll ends, and other requests wait for a worker thread.
//! Wrapped, each batch a join emits uses up a unit of the task's cooperative budget, so the
//! task yields every 128 batches and timeouts, cancellation and other requests proceed.

use std::sync::Arc;

use datafusion::common::Result;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::coop::CooperativeExec;

/// Wraps each join (`HashJoinExec`, `NestedLoopJoinExec`, `CrossJoinExec`, …) in a
/// [`CooperativeExec`]. Runs after DataFusion's own rules.
#[derive(Debug, Default)]
pub(crate) struct CooperativeJoins;

impl PhysicalOptimizerRule for CooperativeJoins {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            if node.name().ends_with("JoinExec") {
                let wrapped: Arc<dyn ExecutionPlan> = Arc::new(CooperativeExec::new(node));
                Ok(Transformed::yes(wrapped))
            } else {
                Ok(Transformed::no(node))
            }
        })
        .map(|transformed| transformed.data)
    }

    fn name(&self) -> &str {
        "CooperativeJoins"
    }

    fn schema_check(&self) -> bool {
        // The wrapper passes its input's batches through unchanged.
        true
    }
}
