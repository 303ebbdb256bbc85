//! Ranking (rule 11) and ordering (rule 10).

use searchlight_search::{Aggregation, Ranking};

use crate::{aggregate, exprs, group, names, plan, sort};

#[test]
fn top_n_ranks_by_the_first_measure() {
    let plan = plan("[revenue] top 2 [ship mode]");
    assert_eq!(names(&plan), ["Ship Mode", "Total Revenue"]);
    assert_eq!(
        plan.ranking,
        Some(Ranking {
            limit: 2,
            descending: true,
            by: 1,
            partition_by: vec![],
            tie_breakers: vec![0]
        })
    );
    assert_eq!(plan.sort, sort(&[(1, true), (0, false)]));
}

#[test]
fn top_and_bottom_default_to_ten() {
    let plan = plan("top [Revenue] [Region]");
    assert_eq!(
        plan.ranking.as_ref().map(|r| (r.limit, r.descending)),
        Some((10, true))
    );
    let plan = crate::plan("[Region] [Revenue] bottom");
    assert_eq!(
        plan.ranking.as_ref().map(|r| (r.limit, r.descending)),
        Some((10, false))
    );
    assert_eq!(plan.sort, sort(&[(1, false), (0, false)]));
}

#[test]
fn bottom_n_ranks_ascending() {
    let plan = plan("bottom 3 [Revenue] [Region]");
    assert_eq!(
        plan.ranking,
        Some(Ranking {
            limit: 3,
            descending: false,
            by: 1,
            partition_by: vec![],
            tie_breakers: vec![0]
        })
    );
}

#[test]
fn several_measures_rank_by_the_first() {
    let plan = plan("[Region] [Quantity] [Revenue] top 5");
    assert_eq!(names(&plan), ["Region", "Total Quantity", "Total Revenue"]);
    assert_eq!(plan.ranking.as_ref().map(|r| r.by), Some(1));
}

#[test]
fn top_n_by_names_the_ranking_column() {
    let plan = plan("[Region] [Revenue] top 5 by [Quantity]");
    assert_eq!(names(&plan), ["Region", "Total Revenue", "Total Quantity"]);
    assert_eq!(plan.ranking.as_ref().map(|r| r.by), Some(2));
    assert_eq!(plan.sort, sort(&[(2, true), (0, false)]));

    // The ranking column takes the position of its `by`.
    let plan = crate::plan("top 5 by [Quantity] [Region] [Revenue]");
    assert_eq!(names(&plan), ["Region", "Total Quantity", "Total Revenue"]);
    assert_eq!(plan.ranking.as_ref().map(|r| r.by), Some(1));

    // A measure after `top n by` is aggregated (the exception of rule 2), with its keyword.
    let plan = crate::plan("[Region] top 3 by average [Revenue]");
    assert_eq!(names(&plan), ["Region", "Average Revenue"]);
    assert_eq!(exprs(&plan)[1], aggregate("Revenue", Aggregation::Average));
}

#[test]
fn top_n_by_an_attribute() {
    let plan = plan("top 5 by [Region] [Customer Name]");
    assert_eq!(exprs(&plan), [group("Region"), group("Customer Name")]);
    assert_eq!(
        plan.ranking,
        Some(Ranking {
            limit: 5,
            descending: true,
            by: 0,
            partition_by: vec![],
            tie_breakers: vec![1]
        })
    );
    assert_eq!(plan.sort, sort(&[(0, true), (1, false)]));
}

#[test]
fn for_each_ranks_within_groups() {
    let plan = plan("[Customer Name] [Revenue] top 2 for each [Region]");
    assert_eq!(names(&plan), ["Customer Name", "Region", "Total Revenue"]);
    assert_eq!(
        plan.ranking,
        Some(Ranking {
            limit: 2,
            descending: true,
            by: 2,
            partition_by: vec![1],
            tie_breakers: vec![0]
        })
    );
    assert_eq!(plan.sort, sort(&[(1, false), (2, true), (0, false)]));

    let plan = crate::plan("for each [Region] bottom 1 by [Revenue] [Customer Name]");
    assert_eq!(names(&plan), ["Region", "Customer Name", "Total Revenue"]);
    assert_eq!(
        plan.ranking,
        Some(Ranking {
            limit: 1,
            descending: false,
            by: 2,
            partition_by: vec![0],
            tie_breakers: vec![1]
        })
    );
}

#[test]
fn for_each_before_the_columns() {
    let plan = plan("bottom 1 for each [Region] [Customer Name] [Revenue]");
    assert_eq!(names(&plan), ["Region", "Customer Name", "Total Revenue"]);
    assert_eq!(
        plan.ranking,
        Some(Ranking {
            limit: 1,
            descending: false,
            by: 2,
            partition_by: vec![0],
            tie_breakers: vec![1]
        })
    );
    assert_eq!(plan.sort, sort(&[(0, false), (2, false), (1, false)]));
}

#[test]
fn sort_by_uses_default_directions() {
    let plan = plan("[Revenue] [Region] sort by [Revenue]");
    assert_eq!(plan.sort, sort(&[(1, true), (0, false)]));
    let plan = crate::plan("[Revenue] [Region] sort by [Region]");
    assert_eq!(plan.sort, sort(&[(0, false)]));
    let plan = crate::plan("[Revenue] [Region] sort by [Region] descending");
    assert_eq!(plan.sort, sort(&[(0, true)]));
    let plan = crate::plan("[Revenue] [Region] sort by [Revenue] ascending");
    assert_eq!(plan.sort, sort(&[(1, false), (0, false)]));
}

#[test]
fn several_sort_keys_then_tie_breakers() {
    let plan =
        plan("[Revenue] [Region] [Ship Mode] sort by [Ship Mode] sort by [Revenue] ascending");
    assert_eq!(names(&plan), ["Region", "Ship Mode", "Total Revenue"]);
    assert_eq!(plan.sort, sort(&[(1, false), (2, false), (0, false)]));
}

#[test]
fn sort_by_a_column_not_otherwise_in_the_search_adds_it() {
    let plan = plan("[Revenue] by [Region] sort by [Quantity]");
    assert_eq!(names(&plan), ["Region", "Total Revenue", "Total Quantity"]);
    assert_eq!(plan.sort, sort(&[(2, true), (0, false)]));
    let plan = crate::plan("[Region] [Revenue] sort by sum [Quantity] descending");
    assert_eq!(names(&plan), ["Region", "Total Revenue", "Total Quantity"]);
}

#[test]
fn sort_by_changes_display_order_but_not_the_top_n_set() {
    let plan = plan("[Region] [Revenue] top 3 sort by [Region]");
    assert_eq!(
        plan.ranking.as_ref().map(|r| (r.by, r.descending)),
        Some((1, true))
    );
    assert_eq!(plan.sort, sort(&[(0, false)]));
}

#[test]
fn measures_only_with_top() {
    let plan = plan("[Revenue] top 5");
    assert_eq!(plan.ranking.as_ref().map(|r| r.by), Some(0));
    assert_eq!(plan.sort, sort(&[(0, true)]));
}

#[test]
fn default_order_is_grouping_columns_ascending() {
    let plan = plan("[Revenue] [Region] [Ship Mode] [Order Date].monthly");
    assert_eq!(plan.sort, sort(&[(0, false), (1, false), (2, false)]));
    assert_eq!(plan.ranking, None);
}

#[test]
fn top_with_a_large_count() {
    let plan = plan("[Revenue] [Region] top 1000000");
    assert_eq!(plan.ranking.map(|r| r.limit), Some(1_000_000));
}
