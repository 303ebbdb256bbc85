//! Printing answers on a terminal (`searchlight query`): an aligned table, JSON in the
//! searchdata COMPACT shape, or CSV.

use std::io::Write;

use chrono::{DateTime, Utc};

use searchlight_engine::{Cell, Explanation, SearchResult};

/// Output formats of `searchlight query`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum QueryFormat {
    Table,
    Json,
    Csv,
}

/// A cell as a person reads it: dates as ISO dates, date-times as ISO timestamps.
fn human(cell: &Cell) -> String {
    let iso = |secs: i64, date_only: bool| match DateTime::<Utc>::from_timestamp(secs, 0) {
        Some(t) if date_only => t.format("%Y-%m-%d").to_string(),
        Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
        None => secs.to_string(),
    };
    match cell {
        Cell::Null => String::new(),
        Cell::Boolean(b) => b.to_string(),
        Cell::Integer(i) => i.to_string(),
        Cell::Float(f) => f.to_string(),
        Cell::Text(t) => t.clone(),
        Cell::Date(secs) => iso(*secs, true),
        Cell::DateTime(secs) => iso(*secs, false),
    }
}

/// Writes `result` to `out` in `format`.
pub fn write(
    out: &mut impl Write,
    result: &SearchResult,
    format: QueryFormat,
) -> anyhow::Result<()> {
    let headers: Vec<&str> = result.columns.iter().map(|c| c.name.as_str()).collect();
    match format {
        QueryFormat::Json => {
            let body = serde_json::json!({
                "columnNames": headers,
                "data": result.rows,
                "totalRowCount": result.total_rows,
                "rowCount": result.rows.len(),
            });
            serde_json::to_writer_pretty(&mut *out, &body)?;
            writeln!(out)?;
        }
        QueryFormat::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record(&headers)?;
            for row in &result.rows {
                writer.write_record(row.iter().map(human))?;
            }
            writer.flush()?;
        }
        QueryFormat::Table => {
            let rows: Vec<Vec<String>> = result
                .rows
                .iter()
                .map(|row| row.iter().map(human).collect())
                .collect();
            let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
            for row in &rows {
                for (width, cell) in widths.iter_mut().zip(row) {
                    *width = (*width).max(cell.chars().count());
                }
            }
            let numeric: Vec<bool> = result
                .columns
                .iter()
                .map(|c| c.data_type.is_numeric())
                .collect();
            let line = |cells: &[String]| {
                cells
                    .iter()
                    .zip(&widths)
                    .zip(&numeric)
                    .map(|((cell, width), right)| {
                        if *right {
                            format!("{cell:>width$}")
                        } else {
                            format!("{cell:<width$}")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_string()
            };
            let header: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
            writeln!(out, "{}", line(&header))?;
            writeln!(
                out,
                "{}",
                widths
                    .iter()
                    .map(|w| "-".repeat(*w))
                    .collect::<Vec<_>>()
                    .join("  ")
            )?;
            for row in &rows {
                writeln!(out, "{}", line(row))?;
            }
            let shown = rows.len();
            if shown < result.total_rows {
                writeln!(
                    out,
                    "({shown} of {} rows; use --limit to see more)",
                    result.total_rows
                )?;
            } else {
                writeln!(out, "({shown} row{})", if shown == 1 { "" } else { "s" })?;
            }
        }
    }
    Ok(())
}

/// Writes what a search becomes (`searchlight query --explain`): the statements sent to
/// databases first, then DataFusion's plans.
pub fn write_explanation(out: &mut impl Write, explanation: &Explanation) -> anyhow::Result<()> {
    if explanation.statements.is_empty() {
        writeln!(
            out,
            "Runs in Searchlight (no statement is sent to a database)."
        )?;
    }
    for (index, statement) in explanation.statements.iter().enumerate() {
        writeln!(out, "Statement {} sent to the database:", index + 1)?;
        writeln!(out, "  {statement}")?;
    }
    writeln!(out, "\nLogical plan:\n{}", explanation.logical_plan)?;
    writeln!(out, "\nPhysical plan:\n{}", explanation.physical_plan)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use searchlight_engine::ResultColumn;
    use searchlight_search::DataType;

    fn result() -> SearchResult {
        SearchResult {
            columns: vec![
                ResultColumn {
                    name: "Month(Order Date)".into(),
                    data_type: DataType::Date,
                },
                ResultColumn {
                    name: "Total Revenue".into(),
                    data_type: DataType::Float,
                },
            ],
            rows: vec![
                vec![Cell::Date(1_704_067_200), Cell::Float(10.5)],
                vec![Cell::Date(1_706_745_600), Cell::Null],
            ],
            total_rows: 2,
        }
    }

    #[test]
    fn renders_each_format() {
        let mut table = Vec::new();
        write(&mut table, &result(), QueryFormat::Table).unwrap();
        let table = String::from_utf8(table).unwrap();
        assert!(table.contains("2024-01-01"), "{table}");
        assert!(table.contains("(2 rows)"), "{table}");

        let mut csv = Vec::new();
        write(&mut csv, &result(), QueryFormat::Csv).unwrap();
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "Month(Order Date),Total Revenue\n2024-01-01,10.5\n2024-02-01,\n"
        );

        let mut json = Vec::new();
        write(&mut json, &result(), QueryFormat::Json).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(
            value["data"][0][0], 1_704_067_200,
            "epoch seconds as the API sends them"
        );
    }
}
