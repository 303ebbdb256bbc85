//! Join conditions of TML: `[fact::store_id] = [stores::id] AND [fact::day] = [dates::day]`.

/// One `[table::column]` reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRef {
    pub table: String,
    pub column: String,
}

/// Parses a join condition into equalities. Table names are as written (a table name, a
/// model alias or a worksheet table path id).
pub fn parse(on: &str) -> Result<Vec<(ColumnRef, ColumnRef)>, String> {
    let mut pairs = Vec::new();
    let mut rest = on.trim();
    loop {
        let (left, after) = reference(rest)?;
        let after = after.trim_start();
        let after = after.strip_prefix('=').ok_or_else(|| {
            format!(
                "expected '=' after [{}::{}] in join condition '{on}'",
                left.table, left.column
            )
        })?;
        let (right, after) = reference(after.trim_start())?;
        pairs.push((left, right));
        let after = after.trim_start();
        if after.is_empty() {
            return Ok(pairs);
        }
        let lower = after.to_ascii_lowercase();
        if !lower.starts_with("and") {
            return Err(format!(
                "join condition '{on}': expected AND between equalities, found '{after}' \
                 (only equalities joined by AND are supported)"
            ));
        }
        rest = after[3..].trim_start();
    }
}

fn reference(input: &str) -> Result<(ColumnRef, &str), String> {
    let inner_start = input
        .strip_prefix('[')
        .ok_or_else(|| format!("expected a [table::column] reference, found '{input}'"))?;
    let end = inner_start
        .find(']')
        .ok_or_else(|| format!("unclosed '[' in '{input}'"))?;
    let inner = &inner_start[..end];
    let (table, column) = inner
        .split_once("::")
        .ok_or_else(|| format!("[{inner}] must name a table and a column as [table::column]"))?;
    if table.trim().is_empty() || column.trim().is_empty() {
        return Err(format!(
            "[{inner}] must name a table and a column as [table::column]"
        ));
    }
    Ok((
        ColumnRef {
            table: table.trim().to_string(),
            column: column.trim().to_string(),
        },
        &inner_start[end + 1..],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_equalities_joined_by_and() {
        let pairs = parse("[sales::store_id] = [stores::id] and [sales::d]=[dates::d]").unwrap();
        assert_eq!(pairs.len(), 2);
        assert_eq!(
            pairs[0].0,
            ColumnRef {
                table: "sales".into(),
                column: "store_id".into()
            }
        );
        assert_eq!(
            pairs[1].1,
            ColumnRef {
                table: "dates".into(),
                column: "d".into()
            }
        );
        let spaced = parse("[(Sample) Retail::Product Id] = [dim products::id]").unwrap();
        assert_eq!(spaced[0].0.table, "(Sample) Retail");
    }

    #[test]
    fn rejects_what_it_cannot_join_on() {
        assert!(
            parse("[a::x] > [b::y]")
                .unwrap_err()
                .contains("expected '='")
        );
        assert!(
            parse("[a::x] = [b::y] OR [a::z] = [b::z]")
                .unwrap_err()
                .contains("AND")
        );
        assert!(
            parse("[x] = [b::y]")
                .unwrap_err()
                .contains("[table::column]")
        );
        assert!(parse("[a::x] = ").is_err());
    }
}
