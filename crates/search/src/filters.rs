//! How filters on the same operand combine (rule 5 of SEARCH-DECISIONS.md).
//!
//! Several `=` on one operand are one OR (an IN list plus any `{null}`, `{empty}` and date
//! ranges); several `!=` exclude all their values (NOT IN, which like SQL never matches NULL);
//! the same text operator repeated on one operand ORs its patterns (negated: none of them).
//! Everything else, and filters on different operands, are AND-ed. "Operand" is the column, or
//! the date part of a column (`[d] = 'june'` and `[d] = '2024'` are different operands, so
//! together they mean June 2024), or an aggregate of a column (group filters).

use crate::plan::{CmpOp, Literal, Operand, Predicate, Test, TextOp};

/// Filters collected in query order, combined on output.
#[derive(Debug, Default)]
pub(crate) struct FilterSet {
    /// Query order of the groups below.
    order: Vec<Slot>,
    any_of: Vec<AnyOf>,
    none_of: Vec<NoneOf>,
    text: Vec<TextGroup>,
}

#[derive(Debug)]
enum Slot {
    AnyOf(usize),
    NoneOf(usize),
    Text(usize),
    /// A filter that combines with nothing (`>`, `between`, …).
    Single(Predicate),
}

/// `=` on one operand: any of the values or alternatives.
#[derive(Debug)]
struct AnyOf {
    operand: Operand,
    values: Vec<Literal>,
    alternatives: Vec<Test>,
}

/// `!=` on one operand: none of the values, and every exclusion.
#[derive(Debug)]
struct NoneOf {
    operand: Operand,
    values: Vec<Literal>,
    exclusions: Vec<Predicate>,
}

/// One text operator on one operand.
#[derive(Debug)]
struct TextGroup {
    operand: Operand,
    op: TextOp,
    negated: bool,
    patterns: Vec<String>,
}

impl FilterSet {
    fn any_of(&mut self, operand: Operand) -> &mut AnyOf {
        let index = match self
            .any_of
            .iter()
            .position(|group| group.operand == operand)
        {
            Some(index) => index,
            None => {
                self.any_of.push(AnyOf {
                    operand,
                    values: Vec::new(),
                    alternatives: Vec::new(),
                });
                self.order.push(Slot::AnyOf(self.any_of.len() - 1));
                self.any_of.len() - 1
            }
        };
        &mut self.any_of[index]
    }

    fn none_of(&mut self, operand: Operand) -> &mut NoneOf {
        let index = match self
            .none_of
            .iter()
            .position(|group| group.operand == operand)
        {
            Some(index) => index,
            None => {
                self.none_of.push(NoneOf {
                    operand,
                    values: Vec::new(),
                    exclusions: Vec::new(),
                });
                self.order.push(Slot::NoneOf(self.none_of.len() - 1));
                self.none_of.len() - 1
            }
        };
        &mut self.none_of[index]
    }

    /// `operand = value`.
    pub fn equal(&mut self, operand: Operand, value: Literal) {
        push_unique(&mut self.any_of(operand).values, value);
    }

    /// `operand = {null}`, a date range, …: another way for an `=` group to match.
    pub fn equal_alternative(&mut self, operand: Operand, test: Test) {
        push_unique(&mut self.any_of(operand).alternatives, test);
    }

    /// `operand != value`.
    pub fn not_equal(&mut self, operand: Operand, value: Literal) {
        push_unique(&mut self.none_of(operand).values, value);
    }

    /// `operand != {null}`, a date outside a range, …: a condition every row must meet.
    pub fn not_equal_exclusion(&mut self, operand: Operand, predicate: Predicate) {
        push_unique(&mut self.none_of(operand).exclusions, predicate);
    }

    /// A text operator; repeated on the same operand, its patterns are OR-ed.
    pub fn text(&mut self, operand: Operand, op: TextOp, negated: bool, patterns: Vec<String>) {
        let existing = self
            .text
            .iter_mut()
            .find(|group| group.operand == operand && group.op == op && group.negated == negated);
        match existing {
            Some(group) => {
                for pattern in patterns {
                    push_unique(&mut group.patterns, pattern);
                }
            }
            None => {
                self.text.push(TextGroup {
                    operand,
                    op,
                    negated,
                    patterns: Vec::new(),
                });
                self.order.push(Slot::Text(self.text.len() - 1));
                let group = self.text.len() - 1;
                for pattern in patterns {
                    push_unique(&mut self.text[group].patterns, pattern);
                }
            }
        }
    }

    /// A filter that stands alone.
    pub fn single(&mut self, predicate: Predicate) {
        self.order.push(Slot::Single(predicate));
    }

    /// The AND-ed predicates, in the order their first filter appeared.
    pub fn into_predicates(self) -> Vec<Predicate> {
        let mut predicates = Vec::new();
        for slot in self.order {
            match slot {
                Slot::AnyOf(index) => {
                    let AnyOf {
                        operand,
                        values,
                        alternatives,
                    } = &self.any_of[index];
                    let mut parts: Vec<Predicate> = value_test(values.clone(), false)
                        .into_iter()
                        .chain(alternatives.iter().cloned())
                        .map(|test| Predicate::condition(*operand, test))
                        .collect();
                    predicates.push(if parts.len() == 1 {
                        parts.remove(0)
                    } else {
                        Predicate::Or(parts)
                    });
                }
                Slot::NoneOf(index) => {
                    let NoneOf {
                        operand,
                        values,
                        exclusions,
                    } = &self.none_of[index];
                    predicates.extend(
                        value_test(values.clone(), true)
                            .map(|test| Predicate::condition(*operand, test)),
                    );
                    predicates.extend(exclusions.iter().cloned());
                }
                Slot::Text(index) => {
                    let group = &self.text[index];
                    predicates.push(Predicate::condition(
                        group.operand,
                        Test::Text {
                            op: group.op,
                            patterns: group.patterns.clone(),
                            negated: group.negated,
                        },
                    ));
                }
                Slot::Single(predicate) => predicates.push(predicate),
            }
        }
        predicates
    }
}

/// One value: a comparison; several: an IN list.
fn value_test(mut values: Vec<Literal>, negated: bool) -> Option<Test> {
    match values.len() {
        0 => None,
        1 => Some(Test::Compare {
            op: if negated { CmpOp::NotEq } else { CmpOp::Eq },
            value: values.remove(0),
        }),
        _ => Some(Test::InList { values, negated }),
    }
}

fn push_unique<T: PartialEq>(items: &mut Vec<T>, item: T) {
    if !items.contains(&item) {
        items.push(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> Literal {
        Literal::Text(value.into())
    }

    #[test]
    fn equal_values_on_one_operand_become_one_in_list() {
        let mut set = FilterSet::default();
        set.equal(Operand::Column(1), text("air"));
        set.equal(Operand::Column(2), text("east"));
        set.equal(Operand::Column(1), text("rail"));
        set.equal(Operand::Column(1), text("air"));
        assert_eq!(
            set.into_predicates(),
            vec![
                Predicate::condition(
                    Operand::Column(1),
                    Test::InList {
                        values: vec![text("air"), text("rail")],
                        negated: false
                    }
                ),
                Predicate::condition(
                    Operand::Column(2),
                    Test::Compare {
                        op: CmpOp::Eq,
                        value: text("east")
                    }
                ),
            ]
        );
    }

    #[test]
    fn alternatives_join_the_or() {
        let mut set = FilterSet::default();
        set.equal(Operand::Column(1), text("air"));
        set.equal_alternative(Operand::Column(1), Test::IsNull { negated: false });
        assert_eq!(
            set.into_predicates(),
            vec![Predicate::Or(vec![
                Predicate::condition(
                    Operand::Column(1),
                    Test::Compare {
                        op: CmpOp::Eq,
                        value: text("air")
                    }
                ),
                Predicate::condition(Operand::Column(1), Test::IsNull { negated: false }),
            ])]
        );
    }

    #[test]
    fn not_equal_values_become_not_in_and_exclusions() {
        let mut set = FilterSet::default();
        set.not_equal(Operand::Column(1), text("canada"));
        set.not_equal(Operand::Column(1), text("mexico"));
        set.not_equal_exclusion(
            Operand::Column(1),
            Predicate::condition(Operand::Column(1), Test::IsNull { negated: true }),
        );
        assert_eq!(
            set.into_predicates(),
            vec![
                Predicate::condition(
                    Operand::Column(1),
                    Test::InList {
                        values: vec![text("canada"), text("mexico")],
                        negated: true
                    }
                ),
                Predicate::condition(Operand::Column(1), Test::IsNull { negated: true }),
            ]
        );
    }

    #[test]
    fn text_patterns_merge_per_operator() {
        let mut set = FilterSet::default();
        set.text(
            Operand::Column(1),
            TextOp::BeginsWith,
            false,
            vec!["pro".into()],
        );
        set.text(
            Operand::Column(1),
            TextOp::EndsWith,
            false,
            vec!["x".into()],
        );
        set.text(
            Operand::Column(1),
            TextOp::BeginsWith,
            false,
            vec!["sport".into()],
        );
        let predicates = set.into_predicates();
        assert_eq!(predicates.len(), 2);
        assert_eq!(
            predicates[0],
            Predicate::condition(
                Operand::Column(1),
                Test::Text {
                    op: TextOp::BeginsWith,
                    patterns: vec!["pro".into(), "sport".into()],
                    negated: false
                }
            )
        );
    }
}
