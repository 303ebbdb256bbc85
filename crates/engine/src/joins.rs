//! Progressive joins (rule 15): which table instances a query joins, and in what order.
//!
//! The joins of a source form a tree rooted at `root` (the fact table of a star schema). A
//! query joins only the instances it reads, along the smallest subtree that connects them:
//! `count [Customer]` alone scans the customer table, `[Customer] [Product]` joins both
//! dimensions through the fact. The subtree is joined top-down from its node nearest the
//! root; a join walked against its declared direction (from its right side to its left)
//! swaps LEFT and RIGHT outer joins so the result is the same relation.
//!
//! Should the joins contain a cycle, only the edges of a breadth-first spanning tree from the
//! root are used (the first join declared between two instances wins).

use std::collections::{BTreeSet, VecDeque};

use searchlight_catalog::source::{JoinType, SourceJoin};

/// One join of a [`JoinPlan`]: `table` joined onto everything before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JoinStep {
    pub table: usize,
    /// Seen from the tables already joined (left) to `table` (right).
    pub join_type: JoinType,
    /// Equality conditions: (an already joined table, its column, `table`'s column).
    pub on: Vec<(usize, String, String)>,
}

/// The table instances of a query and how they are joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JoinPlan {
    pub first: usize,
    pub steps: Vec<JoinStep>,
}

impl JoinPlan {
    /// Every table instance the plan reads.
    pub fn tables(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(self.first).chain(self.steps.iter().map(|step| step.table))
    }
}

/// Plans the joins that connect `needed` (indices of table instances; not empty) among
/// `table_count` instances. `Err` holds the needed instances the joins cannot reach.
pub(crate) fn plan_joins(
    table_count: usize,
    joins: &[SourceJoin],
    root: usize,
    needed: &BTreeSet<usize>,
) -> Result<JoinPlan, Vec<usize>> {
    let Some(&any_needed) = needed.iter().next() else {
        return Ok(JoinPlan {
            first: root,
            steps: Vec::new(),
        });
    };
    if needed.len() == 1 {
        return Ok(JoinPlan {
            first: any_needed,
            steps: Vec::new(),
        });
    }

    // Undirected adjacency: (neighbour, join index), in declaration order.
    let mut adjacent: Vec<Vec<(usize, usize)>> = vec![Vec::new(); table_count];
    for (index, join) in joins.iter().enumerate() {
        if join.left < table_count && join.right < table_count && join.left != join.right {
            adjacent[join.left].push((join.right, index));
            adjacent[join.right].push((join.left, index));
        }
    }

    // Spanning tree from the root (or, when the root cannot reach every needed instance, from
    // a needed one: a source may hold instances that do not hang off its root).
    let mut tree = SpanningTree::from(root.min(table_count.saturating_sub(1)), &adjacent);
    if needed.iter().any(|&table| !tree.reaches(table)) {
        tree = SpanningTree::from(any_needed, &adjacent);
    }
    let unreachable: Vec<usize> = needed
        .iter()
        .copied()
        .filter(|&table| !tree.reaches(table))
        .collect();
    if !unreachable.is_empty() {
        return Err(unreachable);
    }

    // How many needed instances each subtree holds.
    let mut below = vec![0usize; table_count];
    for &table in tree.order.iter().rev() {
        if needed.contains(&table) {
            below[table] += 1;
        }
        if let Some((parent, _)) = tree.parent[table] {
            below[parent] += below[table];
        }
    }

    // The top of the connecting subtree: walk down while a single child holds them all.
    let mut top = tree.order[0];
    loop {
        if needed.contains(&top) {
            break;
        }
        let mut holding = tree.children[top]
            .iter()
            .copied()
            .filter(|&child| below[child] > 0);
        match (holding.next(), holding.next()) {
            (Some(only), None) => top = only,
            _ => break,
        }
    }

    // Pre-order from the top: every instance joins after its parent.
    let mut steps = Vec::new();
    let mut pending: Vec<usize> = tree.children[top]
        .iter()
        .rev()
        .copied()
        .filter(|&child| below[child] > 0)
        .collect();
    while let Some(table) = pending.pop() {
        let Some((parent, join_index)) = tree.parent[table] else {
            continue;
        };
        let join = &joins[join_index];
        let (join_type, on) = if join.left == parent {
            (
                join.join_type,
                join.on
                    .iter()
                    .map(|(left, right)| (parent, left.clone(), right.clone()))
                    .collect(),
            )
        } else {
            (
                join.join_type.flipped(),
                join.on
                    .iter()
                    .map(|(left, right)| (parent, right.clone(), left.clone()))
                    .collect(),
            )
        };
        steps.push(JoinStep {
            table,
            join_type,
            on,
        });
        pending.extend(
            tree.children[table]
                .iter()
                .rev()
                .copied()
                .filter(|&child| below[child] > 0),
        );
    }
    Ok(JoinPlan { first: top, steps })
}

/// A breadth-first spanning tree.
struct SpanningTree {
    /// Visit order, starting with the tree's root.
    order: Vec<usize>,
    /// Parent and the join that reaches each visited instance.
    parent: Vec<Option<(usize, usize)>>,
    children: Vec<Vec<usize>>,
    visited: Vec<bool>,
}

impl SpanningTree {
    fn from(start: usize, adjacent: &[Vec<(usize, usize)>]) -> Self {
        let count = adjacent.len();
        let mut tree = Self {
            order: Vec::new(),
            parent: vec![None; count],
            children: vec![Vec::new(); count],
            visited: vec![false; count],
        };
        if start >= count {
            return tree;
        }
        tree.visited[start] = true;
        let mut queue = VecDeque::from([start]);
        while let Some(table) = queue.pop_front() {
            tree.order.push(table);
            for &(next, join) in &adjacent[table] {
                if !tree.visited[next] {
                    tree.visited[next] = true;
                    tree.parent[next] = Some((table, join));
                    tree.children[table].push(next);
                    queue.push_back(next);
                }
            }
        }
        tree
    }

    fn reaches(&self, table: usize) -> bool {
        self.visited.get(table).copied().unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(left: usize, right: usize, join_type: JoinType) -> SourceJoin {
        SourceJoin {
            left,
            right,
            on: vec![(format!("l{left}"), format!("r{right}"))],
            join_type,
        }
    }

    fn needed(tables: &[usize]) -> BTreeSet<usize> {
        tables.iter().copied().collect()
    }

    /// 0 = fact; 1, 2 = dimensions of the fact; 3 = dimension of 1; 4 = unconnected.
    fn star() -> Vec<SourceJoin> {
        vec![
            join(0, 1, JoinType::LeftOuter),
            join(2, 0, JoinType::RightOuter),
            join(1, 3, JoinType::Inner),
        ]
    }

    #[test]
    fn a_single_table_needs_no_join() {
        let plan = plan_joins(5, &star(), 0, &needed(&[3])).unwrap();
        assert_eq!(plan.first, 3);
        assert!(plan.steps.is_empty());
    }

    #[test]
    fn two_dimensions_join_through_the_fact() {
        let plan = plan_joins(5, &star(), 0, &needed(&[1, 2])).unwrap();
        assert_eq!(plan.first, 0);
        assert_eq!(plan.tables().collect::<Vec<_>>(), vec![0, 1, 2]);
        assert_eq!(plan.steps[0].join_type, JoinType::LeftOuter);
        assert_eq!(plan.steps[0].on, vec![(0, "l0".into(), "r1".into())]);
        // Declared as 2 RIGHT JOIN 0; walked from 0 it is 0 LEFT JOIN 2.
        assert_eq!(plan.steps[1].join_type, JoinType::LeftOuter);
        assert_eq!(plan.steps[1].on, vec![(0, "r0".into(), "l2".into())]);
    }

    #[test]
    fn the_subtree_starts_below_the_root_when_the_root_is_not_needed() {
        let plan = plan_joins(5, &star(), 0, &needed(&[1, 3])).unwrap();
        assert_eq!(plan.first, 1);
        assert_eq!(plan.tables().collect::<Vec<_>>(), vec![1, 3]);
    }

    #[test]
    fn a_deep_dimension_pulls_in_the_path() {
        let plan = plan_joins(5, &star(), 0, &needed(&[2, 3])).unwrap();
        assert_eq!(plan.first, 0);
        let mut tables: Vec<usize> = plan.tables().collect();
        tables.sort_unstable();
        assert_eq!(tables, vec![0, 1, 2, 3]);
        // Parents come before children.
        let order: Vec<usize> = plan.tables().collect();
        let position = |t| order.iter().position(|&x| x == t).unwrap();
        assert!(position(1) < position(3));
    }

    #[test]
    fn unconnected_tables_are_reported() {
        assert_eq!(
            plan_joins(5, &star(), 0, &needed(&[0, 4])).unwrap_err(),
            vec![4]
        );
    }
}
