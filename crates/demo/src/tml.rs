//! The demo's TML: a connection, four tables, the "Retail Sales" worksheet, answers and two
//! liveboards (pinboards), each with a fixed GUID, written as `NAME.<kind>.tml`.
//!
//! Field names are those of ThoughtSpot's TML (the PyPI package `thoughtspot-tml`); the
//! worksheet uses the legacy layout a ThoughtSpot export has (`tables`, named `joins`,
//! `table_paths`, `worksheet_columns`), with the join conditions declared once on the fact
//! table (`joins_with`). Search queries use Tier 1 of the search language only.

use serde_yaml_ng::{Mapping, Value};

use crate::DATA_DIR;
use crate::sales::SALES_DIR;

const CONNECTION_NAME: &str = "Retail Demo Files";
const CONNECTION_GUID: &str = "28ebb4f3-59b9-4741-aadc-414317beebeb";
const WORKSHEET_NAME: &str = "Retail Sales";
const WORKSHEET_GUID: &str = "42caabde-6006-4189-a163-17c11e5e0d0b";

// ---- YAML building -------------------------------------------------------------------------

fn s(text: &str) -> Value {
    Value::String(text.to_string())
}

fn obj(entries: Vec<(&str, Value)>) -> Value {
    let mut map = Mapping::new();
    for (key, value) in entries {
        map.insert(s(key), value);
    }
    Value::Mapping(map)
}

fn list(items: impl IntoIterator<Item = Value>) -> Value {
    Value::Sequence(items.into_iter().collect())
}

fn texts(items: &[&str]) -> Value {
    list(items.iter().map(|t| s(t)))
}

/// A whole document: `guid` first, then the kind's key.
fn document(guid: &str, kind: &str, body: Value) -> Value {
    obj(vec![("guid", s(guid)), (kind, body)])
}

// ---- tables --------------------------------------------------------------------------------

/// A table column: display name, file column, TML data type, measure aggregation (None for
/// attributes), default date bucket, description.
struct Col(
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
);

struct TableSpec {
    name: &'static str,
    guid: &'static str,
    description: &'static str,
    db_table: &'static str,
    columns: &'static [Col],
}

const FACT: TableSpec = TableSpec {
    name: "fact_sales",
    guid: "80f64495-ee36-4205-a1f2-c7981beda3b1",
    description: "Sales order lines, 2022 to 2025: one row per product on an order (Parquet, one file per year).",
    db_table: SALES_DIR,
    columns: &[
        Col(
            "Order ID",
            "order_id",
            "INT64",
            None,
            None,
            "Order number; an order has one to four lines.",
        ),
        Col(
            "Line Number",
            "line_number",
            "INT64",
            None,
            None,
            "Position of the line on its order.",
        ),
        Col(
            "Order Date",
            "order_date",
            "DATE",
            None,
            Some("MONTHLY"),
            "Day the order was placed.",
        ),
        Col(
            "Ship Date",
            "ship_timestamp",
            "DATE_TIME",
            None,
            Some("DAILY"),
            "When the order shipped (UTC); empty for cancelled and test orders.",
        ),
        Col(
            "Ship Mode",
            "ship_mode",
            "VARCHAR",
            None,
            None,
            "Standard Class, Second Class, First Class or Same Day.",
        ),
        Col(
            "Store ID",
            "store_id",
            "INT64",
            None,
            None,
            "The store that sold the line.",
        ),
        Col(
            "Product ID",
            "product_id",
            "INT64",
            None,
            None,
            "The product sold.",
        ),
        Col(
            "Customer ID",
            "customer_id",
            "INT64",
            None,
            None,
            "The buyer; empty for guest checkouts.",
        ),
        Col(
            "Customer Segment",
            "customer_segment",
            "VARCHAR",
            None,
            None,
            "Consumer, Corporate or Home Office; empty when unknown.",
        ),
        Col(
            "Quantity",
            "quantity",
            "INT64",
            Some("SUM"),
            None,
            "Units sold.",
        ),
        Col(
            "Discount",
            "discount",
            "DOUBLE",
            Some("AVERAGE"),
            None,
            "Discount on the order as a fraction of the price (0.2 = 20%).",
        ),
        Col(
            "Revenue",
            "revenue",
            "DOUBLE",
            Some("SUM"),
            None,
            "Amount charged after discount, in US dollars.",
        ),
        Col(
            "Cost",
            "cost",
            "DOUBLE",
            Some("SUM"),
            None,
            "Cost of the goods sold, in US dollars.",
        ),
        Col(
            "Profit",
            "profit",
            "DOUBLE",
            Some("SUM"),
            None,
            "Revenue minus cost, in US dollars.",
        ),
        Col(
            "Order Status",
            "order_status",
            "VARCHAR",
            None,
            None,
            "Completed, Returned, Cancelled or Test.",
        ),
        Col(
            "Promo Code",
            "promo_code",
            "VARCHAR",
            None,
            None,
            "Promotion code as the customer typed it (any case); mostly empty.",
        ),
    ],
};

const STORES: TableSpec = TableSpec {
    name: "dim_stores",
    guid: "300935f5-e7af-44f5-958f-c0294ff3cf3b",
    description: "The stores, their location and format (CSV).",
    db_table: "stores.csv",
    columns: &[
        Col("Store ID", "store_id", "INT64", None, None, "Store number."),
        Col("Store", "store_name", "VARCHAR", None, None, "Store name."),
        Col(
            "Store Type",
            "store_type",
            "VARCHAR",
            None,
            None,
            "Flagship, Mall, Neighborhood or Outlet.",
        ),
        Col("City", "city", "VARCHAR", None, None, "City of the store."),
        Col(
            "State",
            "state",
            "VARCHAR",
            None,
            None,
            "US state of the store (two letters).",
        ),
        Col(
            "Region",
            "region",
            "VARCHAR",
            None,
            None,
            "Sales region: East, West, Central or South.",
        ),
        Col(
            "Store Opened",
            "opened_date",
            "DATE",
            None,
            Some("YEARLY"),
            "Day the store opened.",
        ),
    ],
};

const PRODUCTS: TableSpec = TableSpec {
    name: "dim_products",
    guid: "03e3193b-110d-4a92-ac30-4a7d5abd6d3b",
    description: "The product catalog with current list prices (Parquet).",
    db_table: "products.parquet",
    columns: &[
        Col(
            "Product ID",
            "product_id",
            "INT64",
            None,
            None,
            "Product number.",
        ),
        Col(
            "Product",
            "product_name",
            "VARCHAR",
            None,
            None,
            "Product name (brand and item).",
        ),
        Col(
            "Category",
            "category",
            "VARCHAR",
            None,
            None,
            "Product category.",
        ),
        Col(
            "Subcategory",
            "subcategory",
            "VARCHAR",
            None,
            None,
            "Product subcategory.",
        ),
        Col("Brand", "brand", "VARCHAR", None, None, "Brand."),
        Col(
            "Unit Price",
            "unit_price",
            "DOUBLE",
            Some("AVERAGE"),
            None,
            "Current list price, in US dollars.",
        ),
        Col(
            "Unit Cost",
            "unit_cost",
            "DOUBLE",
            Some("AVERAGE"),
            None,
            "Current unit cost, in US dollars.",
        ),
    ],
};

const CUSTOMERS: TableSpec = TableSpec {
    name: "dim_customers",
    guid: "6e9e142d-b85d-43ec-8a56-e822da799a3d",
    description: "Registered customers (Parquet).",
    db_table: "customers.parquet",
    columns: &[
        Col(
            "Customer ID",
            "customer_id",
            "INT64",
            None,
            None,
            "Customer number.",
        ),
        Col(
            "Customer",
            "customer_name",
            "VARCHAR",
            None,
            None,
            "Customer name.",
        ),
        Col(
            "Loyalty Tier",
            "loyalty_tier",
            "VARCHAR",
            None,
            None,
            "Bronze, Silver, Gold or Platinum.",
        ),
        Col(
            "Customer Since",
            "customer_since",
            "DATE",
            None,
            Some("YEARLY"),
            "Day the customer signed up.",
        ),
    ],
};

/// The fact table's joins: (join name, dimension, key column, join type).
const JOINS: [(&str, &TableSpec, &str, &str); 3] = [
    ("fact_sales_to_dim_stores", &STORES, "Store ID", "INNER"),
    (
        "fact_sales_to_dim_products",
        &PRODUCTS,
        "Product ID",
        "INNER",
    ),
    (
        "fact_sales_to_dim_customers",
        &CUSTOMERS,
        "Customer ID",
        "LEFT_OUTER",
    ),
];

fn connection() -> Value {
    document(
        CONNECTION_GUID,
        "connection",
        obj(vec![
            ("name", s(CONNECTION_NAME)),
            ("type", s("LOCAL_FILES")),
            (
                "description",
                s(
                    "The Searchlight demo data: Parquet and CSV files in the data folder beside this file.",
                ),
            ),
            (
                "properties",
                list([
                    obj(vec![("key", s("path")), ("value", s(DATA_DIR))]),
                    obj(vec![("key", s("in_memory")), ("value", s("false"))]),
                ]),
            ),
        ]),
    )
}

fn table(spec: &TableSpec) -> Value {
    let columns = spec.columns.iter().map(
        |Col(name, db, data_type, aggregation, bucket, description)| {
            let mut properties = vec![(
                "column_type",
                s(if aggregation.is_some() {
                    "MEASURE"
                } else {
                    "ATTRIBUTE"
                }),
            )];
            if let Some(aggregation) = aggregation {
                properties.push(("aggregation", s(aggregation)));
            }
            if let Some(bucket) = bucket {
                properties.push(("default_date_bucket", s(bucket)));
            }
            obj(vec![
                ("name", s(name)),
                ("description", s(description)),
                ("db_column_name", s(db)),
                ("properties", obj(properties)),
                (
                    "db_column_properties",
                    obj(vec![("data_type", s(data_type))]),
                ),
            ])
        },
    );
    let mut body = vec![
        ("name", s(spec.name)),
        ("description", s(spec.description)),
        ("db_table", s(spec.db_table)),
        (
            "connection",
            obj(vec![
                ("name", s(CONNECTION_NAME)),
                ("fqn", s(CONNECTION_GUID)),
            ]),
        ),
        ("columns", list(columns)),
    ];
    if spec.name == FACT.name {
        body.push((
            "joins_with",
            list(JOINS.iter().map(|(name, dim, key, join_type)| {
                obj(vec![
                    ("name", s(name)),
                    (
                        "destination",
                        obj(vec![("name", s(dim.name)), ("fqn", s(dim.guid))]),
                    ),
                    (
                        "on",
                        s(&format!("[{}::{key}] = [{}::{key}]", FACT.name, dim.name)),
                    ),
                    ("type", s(join_type)),
                    ("is_one_to_one", Value::Bool(false)),
                ])
            })),
        ));
    }
    document(spec.guid, "table", obj(body))
}

// ---- worksheet -----------------------------------------------------------------------------

/// A worksheet column: name, table, table column, synonyms, default date bucket.
struct WsCol(
    &'static str,
    &'static TableSpec,
    &'static str,
    &'static [&'static str],
    Option<&'static str>,
);

const WORKSHEET_COLUMNS: &[WsCol] = &[
    WsCol("Order ID", &FACT, "Order ID", &["Order Number"], None),
    WsCol(
        "Order Date",
        &FACT,
        "Order Date",
        &["Date", "Sale Date"],
        Some("MONTHLY"),
    ),
    WsCol(
        "Ship Date",
        &FACT,
        "Ship Date",
        &["Ship Time"],
        Some("DAILY"),
    ),
    WsCol("Ship Mode", &FACT, "Ship Mode", &["Shipping Method"], None),
    WsCol("Order Status", &FACT, "Order Status", &["Status"], None),
    WsCol(
        "Customer Segment",
        &FACT,
        "Customer Segment",
        &["Segment"],
        None,
    ),
    WsCol("Promo Code", &FACT, "Promo Code", &["Coupon"], None),
    WsCol(
        "Quantity",
        &FACT,
        "Quantity",
        &["Units", "Units Sold"],
        None,
    ),
    WsCol("Discount", &FACT, "Discount", &["Discount Rate"], None),
    WsCol(
        "Revenue",
        &FACT,
        "Revenue",
        &["Sales", "Sales Amount"],
        None,
    ),
    WsCol("Cost", &FACT, "Cost", &["COGS", "Cost of Goods Sold"], None),
    WsCol("Profit", &FACT, "Profit", &["Gross Profit", "Margin"], None),
    WsCol("Store", &STORES, "Store", &["Store Name", "Shop"], None),
    WsCol("Store Type", &STORES, "Store Type", &["Store Format"], None),
    WsCol("City", &STORES, "City", &["Store City"], None),
    WsCol("State", &STORES, "State", &["Store State"], None),
    WsCol("Region", &STORES, "Region", &["Sales Region"], None),
    WsCol(
        "Store Opened",
        &STORES,
        "Store Opened",
        &["Opening Date"],
        Some("YEARLY"),
    ),
    WsCol(
        "Product",
        &PRODUCTS,
        "Product",
        &["Product Name", "Item"],
        None,
    ),
    WsCol(
        "Category",
        &PRODUCTS,
        "Category",
        &["Product Category"],
        None,
    ),
    WsCol(
        "Subcategory",
        &PRODUCTS,
        "Subcategory",
        &["Product Subcategory"],
        None,
    ),
    WsCol("Brand", &PRODUCTS, "Brand", &["Manufacturer"], None),
    WsCol(
        "Unit Price",
        &PRODUCTS,
        "Unit Price",
        &["List Price", "Price"],
        None,
    ),
    WsCol("Customer", &CUSTOMERS, "Customer", &["Customer Name"], None),
    WsCol("Loyalty Tier", &CUSTOMERS, "Loyalty Tier", &["Tier"], None),
    WsCol(
        "Customer Since",
        &CUSTOMERS,
        "Customer Since",
        &["Signup Date"],
        Some("YEARLY"),
    ),
];

/// The table path id of a table in the worksheet (`fact_sales_1`).
fn path_id(table: &TableSpec) -> String {
    format!("{}_1", table.name)
}

fn worksheet() -> Value {
    let tables = [&FACT, &STORES, &PRODUCTS, &CUSTOMERS];
    let mut table_paths = vec![obj(vec![
        ("id", s(&path_id(&FACT))),
        ("table", s(FACT.name)),
        ("join_path", list([obj(vec![])])),
    ])];
    for (join, dim, _, _) in &JOINS {
        table_paths.push(obj(vec![
            ("id", s(&path_id(dim))),
            ("table", s(dim.name)),
            ("join_path", list([obj(vec![("join", texts(&[*join]))])])),
        ]));
    }
    let columns = WORKSHEET_COLUMNS
        .iter()
        .map(|WsCol(name, table, column, synonyms, bucket)| {
            let source = table.columns.iter().find(|c| c.0 == *column);
            let measure = source.and_then(|c| c.3);
            let mut properties = vec![(
                "column_type",
                s(if measure.is_some() {
                    "MEASURE"
                } else {
                    "ATTRIBUTE"
                }),
            )];
            if let Some(aggregation) = measure {
                properties.push(("aggregation", s(aggregation)));
            }
            properties.push(("synonyms", texts(synonyms)));
            if let Some(bucket) = bucket {
                properties.push(("default_date_bucket", s(bucket)));
            }
            let mut entries = vec![("name", s(name))];
            if let Some(c) = source {
                entries.push(("description", s(c.5)));
            }
            entries.push(("column_id", s(&format!("{}::{column}", path_id(table)))));
            entries.push(("properties", obj(properties)));
            obj(entries)
        });
    document(
        WORKSHEET_GUID,
        "worksheet",
        obj(vec![
            ("name", s(WORKSHEET_NAME)),
            (
                "description",
                s(
                    "Retail sales 2022 to 2025 by store, product and customer. Cancelled and test orders are left out.",
                ),
            ),
            (
                "tables",
                list(tables.iter().map(|t| {
                    obj(vec![
                        ("id", s(t.name)),
                        ("name", s(t.name)),
                        ("fqn", s(t.guid)),
                    ])
                })),
            ),
            (
                "joins",
                list(JOINS.iter().map(|(name, dim, _, join_type)| {
                    obj(vec![
                        ("name", s(name)),
                        ("source", s(FACT.name)),
                        ("destination", s(dim.name)),
                        ("type", s(join_type)),
                        ("is_one_to_one", Value::Bool(false)),
                    ])
                })),
            ),
            ("table_paths", list(table_paths)),
            ("worksheet_columns", list(columns)),
            (
                "filters",
                list([obj(vec![
                    ("column", texts(&["Order Status"])),
                    ("oper", s("not in")),
                    ("values", texts(&["Cancelled", "Test"])),
                ])]),
            ),
            (
                "properties",
                obj(vec![
                    ("is_bypass_rls", Value::Bool(false)),
                    ("join_progressive", Value::Bool(true)),
                ]),
            ),
        ]),
    )
}

// ---- answers and liveboards ----------------------------------------------------------------

/// How an answer is shown.
#[derive(Debug, Clone, Copy)]
pub enum Display {
    /// A table of rows.
    Table,
    /// One big number: the first output column.
    Headline,
    /// A chart: type, x-axis columns, y-axis columns, colour columns.
    Chart(
        &'static str,
        &'static [&'static str],
        &'static [&'static str],
        &'static [&'static str],
    ),
}

/// An answer: a saved search over the worksheet.
#[derive(Debug, Clone, Copy)]
pub struct AnswerSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub query: &'static str,
    /// The answer's output columns, in order, as the search names them.
    pub columns: &'static [&'static str],
    pub display: Display,
}

/// A standalone answer document: its GUID and the answer.
pub const ANSWERS: &[(&str, AnswerSpec)] = &[
    (
        "68d4daf4-4c10-4314-b27c-59e5c019067a",
        AnswerSpec {
            name: "Revenue by Region",
            description: "Total revenue of each sales region.",
            query: "[Revenue] [Region]",
            columns: &["Region", "Total Revenue"],
            display: Display::Chart("COLUMN", &["Region"], &["Total Revenue"], &[]),
        },
    ),
    (
        "4d39c4eb-dc06-4581-b019-9bd05d1efd54",
        AnswerSpec {
            name: "Monthly Revenue Trend",
            description: "Revenue month by month: growth, the January lull and the holiday peaks.",
            query: "[Revenue] [Order Date].monthly",
            columns: &["Month(Order Date)", "Total Revenue"],
            display: Display::Chart("LINE", &["Month(Order Date)"], &["Total Revenue"], &[]),
        },
    ),
    (
        "3dd702c9-75ab-4f7a-a7b5-a78d9d66d445",
        AnswerSpec {
            name: "Top 5 Products by Revenue",
            description: "The five best-selling products.",
            query: "[Revenue] [Product] top 5",
            columns: &["Product", "Total Revenue"],
            display: Display::Chart("BAR", &["Product"], &["Total Revenue"], &[]),
        },
    ),
    (
        "9e1bc4ac-4da7-486b-80b4-2c5391ab32cc",
        AnswerSpec {
            name: "Category Performance by Year",
            description: "Revenue and profit of each category, year by year.",
            query: "[Revenue] [Profit] [Category] [Order Date].yearly",
            columns: &[
                "Category",
                "Year(Order Date)",
                "Total Revenue",
                "Total Profit",
            ],
            display: Display::Table,
        },
    ),
    (
        "28e23d59-8eea-480e-a3e0-31284b50c17f",
        AnswerSpec {
            name: "Electronics Revenue by State",
            description: "Electronics only: revenue and units by state, best first.",
            query: "[Revenue] [Quantity] [State] [Category] = 'Electronics' sort by [Revenue] descending",
            columns: &["State", "Total Revenue", "Total Quantity"],
            display: Display::Table,
        },
    ),
    (
        "9e300a97-be0d-4158-8df7-212b7d2b50e5",
        AnswerSpec {
            name: "Average Discount by Month",
            description: "The average order discount in each month of the year: Black Friday, year-end and January sales.",
            query: "[Discount] [Order Date].'month of year'",
            columns: &["Month of year(Order Date)", "Average Discount"],
            display: Display::Chart(
                "COLUMN",
                &["Month of year(Order Date)"],
                &["Average Discount"],
                &[],
            ),
        },
    ),
    (
        "b0386462-5c11-4da7-96ce-33b881de0a3f",
        AnswerSpec {
            name: "Sales by Day of Week",
            description: "Which weekdays sell most (Monday = 1). Sales is a synonym of Revenue.",
            query: "[Sales] [Order Date].'day of week'",
            columns: &["Day of week(Order Date)", "Total Revenue"],
            display: Display::Chart(
                "COLUMN",
                &["Day of week(Order Date)"],
                &["Total Revenue"],
                &[],
            ),
        },
    ),
    (
        "6f96785a-8ba8-4105-acca-2436430bb1d7",
        AnswerSpec {
            name: "Top 3 Brands per Category",
            description: "The three best-selling brands of each category.",
            query: "for each [Category] top 3 [Brand] [Revenue]",
            columns: &["Category", "Brand", "Total Revenue"],
            display: Display::Table,
        },
    ),
    (
        "57add6d2-054b-4f84-b1ba-fec19646665c",
        AnswerSpec {
            name: "Orders Shipped per Month in 2025",
            description: "Distinct orders by the month they shipped, 2025.",
            query: "unique count [Order ID] [Ship Date].monthly [Ship Date] = '2025'",
            columns: &["Month(Ship Date)", "Unique Number of Order ID"],
            display: Display::Chart(
                "COLUMN",
                &["Month(Ship Date)"],
                &["Unique Number of Order ID"],
                &[],
            ),
        },
    ),
];

/// A liveboard (pinboard): GUID, name, description, visualizations (`Viz_1` …) in order.
pub struct PinboardSpec {
    pub guid: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub visualizations: &'static [AnswerSpec],
}

pub const PINBOARDS: &[PinboardSpec] = &[
    PinboardSpec {
        guid: "d7101397-11a1-43b8-8939-c49a04138ea3",
        name: "Sales Overview",
        description: "Company-wide sales: the totals, the monthly trend, categories, segments and best sellers.",
        visualizations: &[
            AnswerSpec {
                name: "Total Revenue",
                description: "Revenue of all completed and returned orders.",
                query: "[Revenue]",
                columns: &["Total Revenue"],
                display: Display::Headline,
            },
            AnswerSpec {
                name: "Orders",
                description: "Number of distinct orders.",
                query: "unique count [Order ID]",
                columns: &["Unique Number of Order ID"],
                display: Display::Headline,
            },
            AnswerSpec {
                name: "Revenue Trend",
                description: "Revenue by month.",
                query: "[Revenue] [Order Date].monthly",
                columns: &["Month(Order Date)", "Total Revenue"],
                display: Display::Chart("LINE", &["Month(Order Date)"], &["Total Revenue"], &[]),
            },
            AnswerSpec {
                name: "Revenue and Profit by Category",
                description: "Revenue and profit of each product category.",
                query: "[Revenue] [Profit] [Category]",
                columns: &["Category", "Total Revenue", "Total Profit"],
                display: Display::Chart(
                    "COLUMN",
                    &["Category"],
                    &["Total Revenue", "Total Profit"],
                    &[],
                ),
            },
            AnswerSpec {
                name: "Revenue by Customer Segment",
                description: "Revenue by customer segment; guests and unknown segments are empty.",
                query: "[Revenue] [Customer Segment]",
                columns: &["Customer Segment", "Total Revenue"],
                display: Display::Chart("PIE", &["Customer Segment"], &["Total Revenue"], &[]),
            },
            AnswerSpec {
                name: "Top 5 Products",
                description: "The five products with the most revenue.",
                query: "[Revenue] [Product] top 5",
                columns: &["Product", "Total Revenue"],
                display: Display::Chart("BAR", &["Product"], &["Total Revenue"], &[]),
            },
        ],
    },
    PinboardSpec {
        guid: "a5dc7930-cd30-4624-90a2-cd037255706c",
        name: "Store Performance",
        description: "How the stores and regions perform: profit, the store leaderboard, regional trends.",
        visualizations: &[
            AnswerSpec {
                name: "Total Profit",
                description: "Profit of all completed and returned orders.",
                query: "[Profit]",
                columns: &["Total Profit"],
                display: Display::Headline,
            },
            AnswerSpec {
                name: "Store Leaderboard",
                description: "Every store with its revenue, profit and units, best first.",
                query: "[Store] [City] [State] [Region] [Revenue] [Profit] [Quantity] sort by [Revenue] descending",
                columns: &[
                    "Store",
                    "City",
                    "State",
                    "Region",
                    "Total Revenue",
                    "Total Profit",
                    "Total Quantity",
                ],
                display: Display::Table,
            },
            AnswerSpec {
                name: "Quarterly Revenue by Region",
                description: "Revenue of each region, quarter by quarter.",
                query: "[Revenue] [Region] [Order Date].quarterly",
                columns: &["Region", "Quarter(Order Date)", "Total Revenue"],
                display: Display::Chart(
                    "LINE",
                    &["Quarter(Order Date)"],
                    &["Total Revenue"],
                    &["Region"],
                ),
            },
            AnswerSpec {
                name: "West Stores in 2025",
                description: "Stores of the West region in 2025, by revenue.",
                query: "[Revenue] [Profit] [Store] [Region] = 'West' [Order Date] = '2025' sort by [Revenue] descending",
                columns: &["Store", "Total Revenue", "Total Profit"],
                display: Display::Table,
            },
            AnswerSpec {
                name: "Bottom 5 Stores by Profit",
                description: "The five stores with the least profit (new stores among them).",
                query: "[Profit] [Store] bottom 5",
                columns: &["Store", "Total Profit"],
                display: Display::Chart("BAR", &["Store"], &["Total Profit"], &[]),
            },
            AnswerSpec {
                name: "Revenue by Store Type",
                description: "Revenue by store format.",
                query: "[Revenue] [Store Type]",
                columns: &["Store Type", "Total Revenue"],
                display: Display::Chart("COLUMN", &["Store Type"], &["Total Revenue"], &[]),
            },
        ],
    },
];

/// The body of an answer (also the `answer` of a visualization).
fn answer(spec: &AnswerSpec) -> Value {
    let mut entries = vec![
        ("name", s(spec.name)),
        ("description", s(spec.description)),
        (
            "tables",
            list([obj(vec![
                ("id", s(WORKSHEET_NAME)),
                ("name", s(WORKSHEET_NAME)),
                ("fqn", s(WORKSHEET_GUID)),
            ])]),
        ),
        ("search_query", s(spec.query)),
        (
            "answer_columns",
            list(spec.columns.iter().map(|c| obj(vec![("name", s(c))]))),
        ),
    ];
    let headline = matches!(spec.display, Display::Headline);
    let table_columns = spec.columns.iter().map(|c| {
        let mut column = vec![("column_id", s(c))];
        if headline {
            column.push(("headline_aggregation", s("SUM")));
            column.push(("show_headline", Value::Bool(true)));
        }
        obj(column)
    });
    entries.push((
        "table",
        obj(vec![
            ("table_columns", list(table_columns)),
            ("ordered_column_ids", texts(spec.columns)),
        ]),
    ));
    if let Display::Chart(kind, x, y, color) = spec.display {
        let mut axis = vec![("x", texts(x)), ("y", texts(y))];
        if !color.is_empty() {
            axis.push(("color", texts(color)));
        }
        entries.push((
            "chart",
            obj(vec![
                ("type", s(kind)),
                (
                    "chart_columns",
                    list(spec.columns.iter().map(|c| obj(vec![("column_id", s(c))]))),
                ),
                ("axis_configs", list([obj(axis)])),
            ]),
        ));
    }
    let mode = if matches!(spec.display, Display::Chart(..)) {
        "CHART_MODE"
    } else {
        "TABLE_MODE"
    };
    entries.push(("display_mode", s(mode)));
    obj(entries)
}

fn liveboard(spec: &PinboardSpec) -> Value {
    let visualizations = spec.visualizations.iter().enumerate().map(|(i, viz)| {
        let mut entries = vec![
            ("id", s(&format!("Viz_{}", i + 1))),
            ("answer", answer(viz)),
        ];
        if matches!(viz.display, Display::Headline) {
            entries.push(("display_headline_column", s(viz.columns[0])));
        }
        obj(entries)
    });
    // Headlines in a row of small tiles, then the others two to a row.
    let mut tiles = Vec::new();
    let (mut x, mut y, mut row_height) = (0, 0, 0);
    for (i, viz) in spec.visualizations.iter().enumerate() {
        let (width, height) = match viz.display {
            Display::Headline => (3, 2),
            Display::Table if viz.columns.len() > 4 => (12, 6),
            _ => (6, 5),
        };
        if x + width > 12 {
            x = 0;
            y += row_height;
            row_height = 0;
        }
        tiles.push(obj(vec![
            ("visualization_id", s(&format!("Viz_{}", i + 1))),
            ("x", Value::from(x)),
            ("y", Value::from(y)),
            ("height", Value::from(height)),
            ("width", Value::from(width)),
        ]));
        x += width;
        row_height = row_height.max(height);
    }
    document(
        spec.guid,
        "liveboard",
        obj(vec![
            ("name", s(spec.name)),
            ("description", s(spec.description)),
            ("visualizations", list(visualizations)),
            ("layout", obj(vec![("tiles", list(tiles))])),
        ]),
    )
}

/// Every document as `(file name, YAML text)`, in import order.
pub fn documents() -> anyhow::Result<Vec<(String, String)>> {
    let mut docs: Vec<(String, &str, Value)> =
        vec![(CONNECTION_NAME.into(), "connection", connection())];
    for spec in [&FACT, &STORES, &PRODUCTS, &CUSTOMERS] {
        docs.push((spec.name.into(), "table", table(spec)));
    }
    docs.push((WORKSHEET_NAME.into(), "worksheet", worksheet()));
    for (guid, spec) in ANSWERS {
        docs.push((
            spec.name.into(),
            "answer",
            document(guid, "answer", answer(spec)),
        ));
    }
    for spec in PINBOARDS {
        docs.push((spec.name.into(), "liveboard", liveboard(spec)));
    }
    docs.into_iter()
        .map(|(name, kind, tree)| -> anyhow::Result<(String, String)> {
            Ok((
                format!("{name}.{kind}.tml"),
                searchlight_catalog::tml::to_yaml(&tree)?,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn names_and_guids_are_unique() {
        let docs = documents().unwrap();
        let names: BTreeSet<&str> = docs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names.len(), docs.len());
        let guids: Vec<String> = docs
            .iter()
            .map(|(_, text)| {
                let tree: Value = serde_yaml_ng::from_str(text).unwrap();
                tree.get("guid")
                    .and_then(Value::as_str)
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(guids.iter().collect::<BTreeSet<_>>().len(), guids.len());
        for (name, text) in &docs {
            assert!(text.starts_with("guid: "), "{name}: {text}");
        }
    }

    #[test]
    fn enough_answers_and_visualizations() {
        assert!(ANSWERS.len() >= 6);
        assert_eq!(PINBOARDS.len(), 2);
        assert!(
            PINBOARDS
                .iter()
                .map(|p| p.visualizations.len())
                .sum::<usize>()
                >= 8
        );
    }

    #[test]
    fn worksheet_columns_name_table_columns() {
        for WsCol(name, table, column, _, _) in WORKSHEET_COLUMNS {
            assert!(table.columns.iter().any(|c| c.0 == *column), "{name}");
        }
    }
}
