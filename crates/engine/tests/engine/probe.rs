//! The engine's `FileSchemaProbe`, as TML import uses it.

use searchlight_catalog::files::{FileColumn, FileSchemaProbe, FileType};
use searchlight_catalog::source::FileFormat;

use crate::engine;
use crate::fixture::DataSet;

fn columns(found: &[FileColumn]) -> Vec<(&str, FileType)> {
    found
        .iter()
        .map(|column| (column.name.as_str(), column.file_type.clone()))
        .collect()
}

#[tokio::test]
async fn parquet_columns_come_with_their_stored_types() {
    let data = DataSet::write();
    let engine = engine();
    let folder = engine
        .probe(&data.path("sales"), FileFormat::Parquet, &data.scope())
        .await
        .unwrap();
    assert_eq!(
        columns(&folder),
        vec![
            ("sale_id", FileType::Integer),
            ("order_date", FileType::Date),
            ("ship_time", FileType::Timestamp),
            ("customer_id", FileType::Integer),
            ("product_id", FileType::Integer),
            ("store_id", FileType::Integer),
            ("quantity", FileType::Integer),
            ("revenue", FileType::Float),
            ("discount", FileType::Integer),
            ("channel", FileType::Text),
            ("is_return", FileType::Boolean),
        ]
    );
    let glob = engine
        .probe(
            &data.path("stores_*.parquet"),
            FileFormat::Parquet,
            &data.scope(),
        )
        .await
        .unwrap();
    assert_eq!(glob.len(), 5);
    assert_eq!(
        glob[3],
        FileColumn {
            name: "opened_at".into(),
            file_type: FileType::Timestamp
        }
    );
}

#[tokio::test]
async fn csv_columns_are_inferred_from_the_header_and_rows() {
    let data = DataSet::write();
    let found = engine()
        .probe(&data.path("customers.csv"), FileFormat::Csv, &data.scope())
        .await
        .unwrap();
    assert_eq!(
        columns(&found),
        vec![
            ("customer_id", FileType::Integer),
            ("customer_name", FileType::Text),
            ("region", FileType::Text),
            ("segment", FileType::Text),
            ("signup_date", FileType::Date),
            ("vip", FileType::Boolean),
        ]
    );
}

#[tokio::test]
async fn probing_reports_missing_and_wrong_files() {
    let data = DataSet::write();
    let engine = engine();
    let missing = data.path("nothing.parquet");
    let scope = data.scope();
    let err = engine
        .probe(&missing, FileFormat::Parquet, &scope)
        .await
        .unwrap_err();
    // Named as the TML does, relative to the connection's folder.
    assert!(err.starts_with("nothing.parquet: "), "{err}");
    assert!(err.contains("no file or folder exists"), "{err}");

    let err = engine
        .probe(&data.path("customers.csv"), FileFormat::Parquet, &scope)
        .await
        .unwrap_err();
    assert!(err.contains("cannot be read as Parquet"), "{err}");

    let err = engine
        .probe(&data.path("no_match_*.csv"), FileFormat::Csv, &scope)
        .await
        .unwrap_err();
    assert!(err.contains("no file matches the pattern"), "{err}");

    let empty = data.path("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let err = engine
        .probe(&empty, FileFormat::Csv, &scope)
        .await
        .unwrap_err();
    assert!(err.contains("holds no .csv files"), "{err}");
}
