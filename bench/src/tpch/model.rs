//! The TML the benchmark imports: a LOCAL_FILES connection (memory mode on) to the data
//! folder, the eight TPC-H tables with user-facing column names and their joins, the
//! "TPC-H Sales" worksheet over lineitem, orders, customer, nation, region, part and supplier,
//! and a pinboard of six visualizations over the worksheet.
//!
//! The worksheet uses the legacy layout of a ThoughtSpot export (`tables`, named `joins`
//! that refer to the tables' `joins_with`, `table_paths`, `worksheet_columns`).

use std::path::Path;

use serde_json::{Value, json};

use super::queries::{PINBOARD, Query, query};

pub const CONNECTION: &str = "TPC-H Files";
pub const WORKSHEET: &str = "TPC-H Sales";
pub const PINBOARD_NAME: &str = "TPC-H Overview";

/// A stable GUID for a benchmark object.
pub fn guid(name: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("searchlight-bench/tpch/{name}").as_bytes(),
    )
    .to_string()
}

/// How a column is modelled: an attribute, or a measure with its default aggregation.
#[derive(Clone, Copy)]
enum Kind {
    Attribute,
    Measure(&'static str),
}
use Kind::{Attribute, Measure};

/// A table column: display name, file column, TML data type, kind.
struct Col(&'static str, &'static str, &'static str, Kind);

struct Table {
    name: &'static str,
    description: &'static str,
    columns: &'static [Col],
    /// `joins_with`: join name, destination table, this table's column, its column.
    joins: &'static [(&'static str, &'static str, &'static str, &'static str)],
}

const TABLES: [Table; 8] = [
    Table {
        name: "lineitem",
        description: "TPC-H LINEITEM: one row per order line (the fact table).",
        columns: &[
            Col("Order Key", "l_orderkey", "INT64", Attribute),
            Col("Part Key", "l_partkey", "INT64", Attribute),
            Col("Supplier Key", "l_suppkey", "INT64", Attribute),
            Col("Line Number", "l_linenumber", "INT64", Attribute),
            Col("Quantity", "l_quantity", "DOUBLE", Measure("SUM")),
            Col("Revenue", "l_extendedprice", "DOUBLE", Measure("SUM")),
            Col("Discount", "l_discount", "DOUBLE", Measure("AVERAGE")),
            Col("Tax", "l_tax", "DOUBLE", Measure("AVERAGE")),
            Col("Return Flag", "l_returnflag", "VARCHAR", Attribute),
            Col("Line Status", "l_linestatus", "VARCHAR", Attribute),
            Col("Ship Date", "l_shipdate", "DATE", Attribute),
            Col("Commit Date", "l_commitdate", "DATE", Attribute),
            Col("Receipt Date", "l_receiptdate", "DATE", Attribute),
            Col("Ship Instructions", "l_shipinstruct", "VARCHAR", Attribute),
            Col("Ship Mode", "l_shipmode", "VARCHAR", Attribute),
            Col("Line Comment", "l_comment", "VARCHAR", Attribute),
        ],
        joins: &[
            ("lineitem_orders", "orders", "Order Key", "Order Key"),
            ("lineitem_part", "part", "Part Key", "Part Key"),
            (
                "lineitem_supplier",
                "supplier",
                "Supplier Key",
                "Supplier Key",
            ),
        ],
    },
    Table {
        name: "orders",
        description: "TPC-H ORDERS.",
        columns: &[
            Col("Order Key", "o_orderkey", "INT64", Attribute),
            Col("Customer Key", "o_custkey", "INT64", Attribute),
            Col("Order Status", "o_orderstatus", "VARCHAR", Attribute),
            Col("Order Total", "o_totalprice", "DOUBLE", Measure("SUM")),
            Col("Order Date", "o_orderdate", "DATE", Attribute),
            Col("Order Priority", "o_orderpriority", "VARCHAR", Attribute),
            Col("Clerk", "o_clerk", "VARCHAR", Attribute),
            Col("Ship Priority", "o_shippriority", "INT64", Attribute),
            Col("Order Comment", "o_comment", "VARCHAR", Attribute),
        ],
        joins: &[(
            "orders_customer",
            "customer",
            "Customer Key",
            "Customer Key",
        )],
    },
    Table {
        name: "partsupp",
        description: "TPC-H PARTSUPP: which supplier offers which part, at what cost.",
        columns: &[
            Col("Part Key", "ps_partkey", "INT64", Attribute),
            Col("Supplier Key", "ps_suppkey", "INT64", Attribute),
            Col("Available Quantity", "ps_availqty", "INT64", Measure("SUM")),
            Col("Supply Cost", "ps_supplycost", "DOUBLE", Measure("AVERAGE")),
            Col("Partsupp Comment", "ps_comment", "VARCHAR", Attribute),
        ],
        joins: &[
            ("partsupp_part", "part", "Part Key", "Part Key"),
            (
                "partsupp_supplier",
                "supplier",
                "Supplier Key",
                "Supplier Key",
            ),
        ],
    },
    Table {
        name: "part",
        description: "TPC-H PART.",
        columns: &[
            Col("Part Key", "p_partkey", "INT64", Attribute),
            Col("Part Name", "p_name", "VARCHAR", Attribute),
            Col("Manufacturer", "p_mfgr", "VARCHAR", Attribute),
            Col("Brand", "p_brand", "VARCHAR", Attribute),
            Col("Part Type", "p_type", "VARCHAR", Attribute),
            Col("Part Size", "p_size", "INT64", Attribute),
            Col("Container", "p_container", "VARCHAR", Attribute),
            Col(
                "Retail Price",
                "p_retailprice",
                "DOUBLE",
                Measure("AVERAGE"),
            ),
            Col("Part Comment", "p_comment", "VARCHAR", Attribute),
        ],
        joins: &[],
    },
    Table {
        name: "customer",
        description: "TPC-H CUSTOMER.",
        columns: &[
            Col("Customer Key", "c_custkey", "INT64", Attribute),
            Col("Customer Name", "c_name", "VARCHAR", Attribute),
            Col("Customer Address", "c_address", "VARCHAR", Attribute),
            Col("Nation Key", "c_nationkey", "INT64", Attribute),
            Col("Customer Phone", "c_phone", "VARCHAR", Attribute),
            Col("Account Balance", "c_acctbal", "DOUBLE", Measure("SUM")),
            Col("Market Segment", "c_mktsegment", "VARCHAR", Attribute),
            Col("Customer Comment", "c_comment", "VARCHAR", Attribute),
        ],
        joins: &[("customer_nation", "nation", "Nation Key", "Nation Key")],
    },
    Table {
        name: "supplier",
        description: "TPC-H SUPPLIER.",
        columns: &[
            Col("Supplier Key", "s_suppkey", "INT64", Attribute),
            Col("Supplier Name", "s_name", "VARCHAR", Attribute),
            Col("Supplier Address", "s_address", "VARCHAR", Attribute),
            Col("Nation Key", "s_nationkey", "INT64", Attribute),
            Col("Supplier Phone", "s_phone", "VARCHAR", Attribute),
            Col("Supplier Balance", "s_acctbal", "DOUBLE", Measure("SUM")),
            Col("Supplier Comment", "s_comment", "VARCHAR", Attribute),
        ],
        joins: &[],
    },
    Table {
        name: "nation",
        description: "TPC-H NATION.",
        columns: &[
            Col("Nation Key", "n_nationkey", "INT64", Attribute),
            Col("Nation", "n_name", "VARCHAR", Attribute),
            Col("Region Key", "n_regionkey", "INT64", Attribute),
            Col("Nation Comment", "n_comment", "VARCHAR", Attribute),
        ],
        joins: &[("nation_region", "region", "Region Key", "Region Key")],
    },
    Table {
        name: "region",
        description: "TPC-H REGION.",
        columns: &[
            Col("Region Key", "r_regionkey", "INT64", Attribute),
            Col("Region", "r_name", "VARCHAR", Attribute),
            Col("Region Comment", "r_comment", "VARCHAR", Attribute),
        ],
        joins: &[],
    },
];

/// The worksheet's table paths: id, table, the chain of joins from lineitem.
const PATHS: [(&str, &str, &[&str]); 7] = [
    ("lineitem_1", "lineitem", &[]),
    ("orders_1", "orders", &["lineitem_orders"]),
    (
        "customer_1",
        "customer",
        &["lineitem_orders", "orders_customer"],
    ),
    (
        "nation_1",
        "nation",
        &["lineitem_orders", "orders_customer", "customer_nation"],
    ),
    (
        "region_1",
        "region",
        &[
            "lineitem_orders",
            "orders_customer",
            "customer_nation",
            "nation_region",
        ],
    ),
    ("part_1", "part", &["lineitem_part"]),
    ("supplier_1", "supplier", &["lineitem_supplier"]),
];

/// The worksheet's columns: name, table path id, table column, synonyms.
const WORKSHEET_COLUMNS: &[(&str, &str, &str, &[&str])] = &[
    ("Order Key", "lineitem_1", "Order Key", &[]),
    ("Line Number", "lineitem_1", "Line Number", &[]),
    ("Quantity", "lineitem_1", "Quantity", &[]),
    (
        "Revenue",
        "lineitem_1",
        "Revenue",
        &["Sales", "Extended Price"],
    ),
    ("Discount", "lineitem_1", "Discount", &[]),
    ("Tax", "lineitem_1", "Tax", &[]),
    ("Return Flag", "lineitem_1", "Return Flag", &[]),
    ("Line Status", "lineitem_1", "Line Status", &[]),
    ("Ship Date", "lineitem_1", "Ship Date", &[]),
    ("Commit Date", "lineitem_1", "Commit Date", &[]),
    ("Receipt Date", "lineitem_1", "Receipt Date", &[]),
    ("Ship Instructions", "lineitem_1", "Ship Instructions", &[]),
    ("Ship Mode", "lineitem_1", "Ship Mode", &[]),
    ("Order Status", "orders_1", "Order Status", &[]),
    ("Order Date", "orders_1", "Order Date", &[]),
    ("Order Priority", "orders_1", "Order Priority", &[]),
    ("Clerk", "orders_1", "Clerk", &[]),
    (
        "Customer Name",
        "customer_1",
        "Customer Name",
        &["Customer"],
    ),
    (
        "Market Segment",
        "customer_1",
        "Market Segment",
        &["Segment"],
    ),
    ("Nation", "nation_1", "Nation", &["Country"]),
    ("Region", "region_1", "Region", &[]),
    ("Part Name", "part_1", "Part Name", &["Part"]),
    ("Manufacturer", "part_1", "Manufacturer", &[]),
    ("Brand", "part_1", "Brand", &[]),
    ("Part Type", "part_1", "Part Type", &[]),
    ("Part Size", "part_1", "Part Size", &[]),
    ("Container", "part_1", "Container", &[]),
    (
        "Supplier Name",
        "supplier_1",
        "Supplier Name",
        &["Supplier"],
    ),
];

fn table_column(table: &str, column: &str) -> Option<&'static Col> {
    TABLES
        .iter()
        .find(|t| t.name == table)?
        .columns
        .iter()
        .find(|c| c.0 == column)
}

fn properties(kind: Kind) -> Value {
    match kind {
        Attribute => json!({ "column_type": "ATTRIBUTE" }),
        Measure(aggregation) => json!({ "column_type": "MEASURE", "aggregation": aggregation }),
    }
}

fn connection(data_dir: &Path, in_memory: bool) -> Value {
    json!({
        "guid": guid("connection"),
        "connection": {
            "name": CONNECTION,
            "type": "LOCAL_FILES",
            "authentication_type": "SERVICE_ACCOUNT",
            "description": if in_memory {
                "The TPC-H Parquet files of the benchmark; tables kept in memory."
            } else {
                "The TPC-H Parquet files of the benchmark, read by every search."
            },
            "properties": [
                { "key": "path", "value": data_dir.display().to_string() },
                { "key": "in_memory", "value": in_memory.to_string() },
            ],
        },
    })
}

fn table(table: &Table) -> Value {
    let columns: Vec<Value> = table
        .columns
        .iter()
        .map(|Col(name, file_column, data_type, kind)| {
            json!({
                "name": name,
                "db_column_name": file_column,
                "properties": properties(*kind),
                "db_column_properties": { "data_type": data_type },
            })
        })
        .collect();
    let joins: Vec<Value> = table
        .joins
        .iter()
        .map(|(name, destination, left, right)| {
            json!({
                "name": name,
                "destination": { "name": destination },
                "on": format!("[{}::{left}] = [{destination}::{right}]", table.name),
                "type": "INNER",
            })
        })
        .collect();
    let mut body = json!({
        "name": table.name,
        "description": table.description,
        "db_table": format!("{}.parquet", table.name),
        "connection": { "name": CONNECTION },
        "columns": columns,
    });
    if !joins.is_empty() {
        body["joins_with"] = Value::Array(joins);
    }
    json!({ "guid": guid(&format!("table/{}", table.name)), "table": body })
}

/// The join `name` as the worksheet lists it (source and destination tables).
fn worksheet_join(name: &str) -> Value {
    let (source, destination) = TABLES
        .iter()
        .find_map(|t| t.joins.iter().find(|j| j.0 == name).map(|j| (t.name, j.1)))
        .unwrap_or(("?", "?"));
    json!({
        "name": name,
        "source": source,
        "destination": destination,
        "type": "INNER",
        "is_one_to_one": false,
    })
}

fn worksheet() -> Value {
    let tables: Vec<Value> = PATHS
        .iter()
        .map(|(_, table, _)| json!({ "name": table }))
        .collect();
    let mut join_names: Vec<&str> = Vec::new();
    for (_, _, chain) in PATHS {
        for join in chain {
            if !join_names.contains(join) {
                join_names.push(join);
            }
        }
    }
    let joins: Vec<Value> = join_names.iter().map(|name| worksheet_join(name)).collect();
    let paths: Vec<Value> = PATHS
        .iter()
        .map(|(id, table, chain)| {
            let join_path = if chain.is_empty() {
                json!([{}])
            } else {
                json!([{ "join": chain }])
            };
            json!({ "id": id, "table": table, "join_path": join_path })
        })
        .collect();
    let columns: Vec<Value> = WORKSHEET_COLUMNS
        .iter()
        .map(|(name, path, column, synonyms)| {
            let table = PATHS.iter().find(|p| p.0 == *path).map_or("?", |p| p.1);
            let kind = table_column(table, column).map_or(Attribute, |c| c.3);
            let mut properties = properties(kind);
            if !synonyms.is_empty() {
                properties["synonyms"] = json!(synonyms);
            }
            json!({
                "name": name,
                "column_id": format!("{path}::{column}"),
                "properties": properties,
            })
        })
        .collect();
    json!({
        "guid": guid("worksheet"),
        "worksheet": {
            "name": WORKSHEET,
            "description": "TPC-H order lines with their order, customer (nation, region), part and supplier.",
            "tables": tables,
            "joins": joins,
            "table_paths": paths,
            "worksheet_columns": columns,
            "properties": { "is_bypass_rls": false, "join_progressive": true },
        },
    })
}

/// The pinboard's visualizations in order: TML id (`Viz_1` …), GUID (`viz_guid`, what
/// pinboarddata keys its answer by) and the query each shows.
pub fn pinboard_visualizations() -> Vec<(String, String, &'static Query)> {
    PINBOARD
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            let id = format!("Viz_{}", i + 1);
            let viz_guid = guid(&format!("pinboard/{id}"));
            (id, viz_guid, query(name))
        })
        .collect()
}

fn pinboard() -> Value {
    let visualizations: Vec<Value> = PINBOARD
        .iter()
        .zip(pinboard_visualizations())
        .map(|((_, chart), (id, viz_guid, query))| {
            let mut answer = json!({
                "name": query.title,
                "tables": [{ "id": WORKSHEET, "name": WORKSHEET }],
                "search_query": query.search,
            });
            match chart {
                Some(chart) => {
                    answer["chart"] = json!({ "type": chart });
                    answer["display_mode"] = json!("CHART_MODE");
                }
                None => answer["display_mode"] = json!("TABLE_MODE"),
            }
            json!({ "id": id, "viz_guid": viz_guid, "answer": answer })
        })
        .collect();
    json!({
        "guid": guid("pinboard"),
        "pinboard": { "name": PINBOARD_NAME, "visualizations": visualizations },
    })
}

/// Every document, in import order, as (file name, TML text); the connection holds its
/// tables in memory when `in_memory`.
pub fn documents(data_dir: &Path, in_memory: bool) -> anyhow::Result<Vec<(String, String)>> {
    documents_over(connection(data_dir, in_memory), None)
}

/// The same model with its tables in PostgreSQL: the database at `url`, schema `schema`.
pub fn postgres_documents(url: &str, schema: &str) -> anyhow::Result<Vec<(String, String)>> {
    let url = url::Url::parse(url)?;
    let connection = json!({
        "guid": guid("connection"),
        "connection": {
            "name": CONNECTION,
            "type": "RDBMS_POSTGRES",
            "description": "The TPC-H tables of the benchmark in PostgreSQL.",
            "properties": [
                { "key": "host", "value": url.host_str().unwrap_or("127.0.0.1") },
                { "key": "port", "value": url.port().unwrap_or(5432).to_string() },
                { "key": "database", "value": url.path().trim_start_matches('/') },
                { "key": "user", "value": url.username() },
            ],
        },
    });
    documents_over(connection, Some(schema))
}

/// The connection, the tables (in `schema` when they are a database's), the worksheet and
/// the pinboard.
fn documents_over(
    connection: Value,
    schema: Option<&str>,
) -> anyhow::Result<Vec<(String, String)>> {
    let mut documents = vec![(format!("{CONNECTION}.connection.tml"), connection)];
    for t in &TABLES {
        let mut document = table(t);
        if let Some(schema) = schema {
            document["table"]["db_table"] = json!(t.name);
            document["table"]["schema"] = json!(schema);
        }
        documents.push((format!("{}.table.tml", t.name), document));
    }
    documents.push((format!("{WORKSHEET}.worksheet.tml"), worksheet()));
    documents.push((format!("{PINBOARD_NAME}.pinboard.tml"), pinboard()));
    documents
        .into_iter()
        .map(|(file, value)| Ok((file, serde_yaml_ng::to_string(&value)?)))
        .collect()
}

/// Writes the TML files into `dir` (replacing older ones), for people to read or import.
pub fn write(dir: &Path, documents: &[(String, String)]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (file, text) in documents {
        std::fs::write(dir.join(file), text)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_worksheet_column_and_join_exists() {
        for (name, path, column, _) in WORKSHEET_COLUMNS {
            let table = PATHS.iter().find(|p| p.0 == *path).map(|p| p.1);
            assert!(
                table.and_then(|t| table_column(t, column)).is_some(),
                "{name}: {path}::{column}"
            );
        }
        for t in &TABLES {
            for (_, destination, left, right) in t.joins {
                assert!(table_column(t.name, left).is_some());
                assert!(table_column(destination, right).is_some());
            }
        }
        for (_, _, chain) in PATHS {
            for join in chain {
                assert_ne!(worksheet_join(join)["source"], "?");
            }
        }
    }

    #[test]
    fn the_documents_are_yaml() {
        let parquet = documents(Path::new("/data/tpch/sf1"), false).unwrap();
        let in_memory = documents(Path::new("/data/tpch/sf1"), true).unwrap();
        assert_eq!(in_memory.len(), 11);
        let connection =
            |docs: &[(String, String)]| -> Value { serde_yaml_ng::from_str(&docs[0].1).unwrap() };
        let in_memory_flag = |docs: &[(String, String)]| {
            connection(docs)["connection"]["properties"][1]["value"].clone()
        };
        assert_eq!(in_memory_flag(&in_memory), "true");
        assert_eq!(in_memory_flag(&parquet), "false");
        let worksheet: Value = serde_yaml_ng::from_str(&in_memory[9].1).unwrap();
        assert_eq!(worksheet["worksheet"]["name"], WORKSHEET);
        assert_eq!(pinboard_visualizations().len(), 6);
    }
}
