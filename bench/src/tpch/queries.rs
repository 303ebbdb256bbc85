//! The benchmark's searches over the "TPC-H Sales" worksheet, each with the SQL a person
//! would write for the same answer over the TPC-H tables. The SQL runs unchanged in
//! DataFusion and DuckDB, and must give the same rows, in the same order, as the search:
//! output columns in the search's order (grouping columns, then measures), sorted as
//! SEARCH-DECISIONS.md says (grouping columns ascending; top n by the measure, descending).
//!
//! The SQL is what a person would write, not a transcript of Searchlight's plan: text
//! filters compare with the stored case (`l_shipmode = 'AIR'`) where the search compares
//! case-insensitively, and it sorts by the raw value where Searchlight sorts text
//! case-insensitively. On TPC-H's data both give the same rows (the harness checks), so
//! what the language costs shows up in a/b.

/// One search and its SQL.
pub struct Query {
    pub name: &'static str,
    /// A short title (the visualization's name in the pinboard).
    pub title: &'static str,
    /// What the query exercises.
    pub kind: &'static str,
    /// The search (`query_string` of searchdata).
    pub search: &'static str,
    pub sql: &'static str,
}

pub const QUERIES: &[Query] = &[
    Query {
        name: "revenue",
        title: "Total revenue",
        kind: "single-table aggregate, one row",
        search: "[Revenue]",
        sql: "SELECT SUM(l_extendedprice) FROM lineitem",
    },
    Query {
        name: "pricing_summary",
        title: "Pricing summary",
        kind: "single-table aggregate, date filter (TPC-H Q1 shape)",
        search: "[Return Flag] [Line Status] [Quantity] [Revenue] [Discount] \
                 [Ship Date] <= '09/02/1998'",
        sql: "SELECT l_returnflag, l_linestatus, SUM(l_quantity), SUM(l_extendedprice), \
              AVG(l_discount) FROM lineitem WHERE l_shipdate <= DATE '1998-09-02' \
              GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus",
    },
    Query {
        name: "ship_mode",
        title: "Revenue by ship mode",
        kind: "single-table group by",
        search: "[Revenue] [Ship Mode]",
        sql: "SELECT l_shipmode, SUM(l_extendedprice) FROM lineitem \
              GROUP BY l_shipmode ORDER BY l_shipmode",
    },
    Query {
        name: "commit_month",
        title: "Revenue by commit month",
        kind: "date bucket (monthly)",
        search: "[Revenue] [Commit Date].monthly",
        sql: "SELECT CAST(date_trunc('month', l_commitdate) AS DATE) AS commit_month, \
              SUM(l_extendedprice) FROM lineitem GROUP BY commit_month ORDER BY commit_month",
    },
    Query {
        name: "ship_year_mode",
        title: "Quantity by ship year and mode",
        kind: "date bucket (yearly) and an attribute",
        search: "[Quantity] [Ship Date].yearly [Ship Mode]",
        sql: "SELECT CAST(date_trunc('year', l_shipdate) AS DATE) AS ship_year, l_shipmode, \
              SUM(l_quantity) FROM lineitem GROUP BY ship_year, l_shipmode \
              ORDER BY ship_year, l_shipmode",
    },
    Query {
        name: "truck_quarters",
        title: "Truck discounts by receipt quarter",
        kind: "date bucket (quarterly), text filter, two averages",
        search: "[Discount] [Tax] [Receipt Date].quarterly [Ship Mode] = 'truck'",
        sql: "SELECT CAST(date_trunc('quarter', l_receiptdate) AS DATE) AS receipt_quarter, \
              AVG(l_discount), AVG(l_tax) FROM lineitem WHERE l_shipmode = 'TRUCK' \
              GROUP BY receipt_quarter ORDER BY receipt_quarter",
    },
    Query {
        name: "nation",
        title: "Revenue by nation",
        kind: "join of 4 tables (lineitem, orders, customer, nation)",
        search: "[Revenue] [Nation]",
        sql: "SELECT n_name, SUM(l_extendedprice) FROM lineitem \
              JOIN orders ON l_orderkey = o_orderkey \
              JOIN customer ON o_custkey = c_custkey \
              JOIN nation ON c_nationkey = n_nationkey \
              GROUP BY n_name ORDER BY n_name",
    },
    Query {
        name: "region_year",
        title: "Revenue by region and order year",
        kind: "join of 5 tables, date bucket (yearly)",
        search: "[Revenue] [Region] [Order Date].yearly",
        sql: "SELECT r_name, CAST(date_trunc('year', o_orderdate) AS DATE) AS order_year, \
              SUM(l_extendedprice) FROM lineitem \
              JOIN orders ON l_orderkey = o_orderkey \
              JOIN customer ON o_custkey = c_custkey \
              JOIN nation ON c_nationkey = n_nationkey \
              JOIN region ON n_regionkey = r_regionkey \
              GROUP BY r_name, order_year ORDER BY r_name, order_year",
    },
    Query {
        name: "top_customers",
        title: "Top 10 customers",
        kind: "top n over 150,000 groups, join of 3 tables",
        search: "top 10 [Customer Name] [Revenue]",
        sql: "SELECT c_name, SUM(l_extendedprice) AS revenue FROM lineitem \
              JOIN orders ON l_orderkey = o_orderkey \
              JOIN customer ON o_custkey = c_custkey \
              GROUP BY c_name ORDER BY revenue DESC, c_name LIMIT 10",
    },
    Query {
        name: "top_brands_air",
        title: "Top 5 brands shipped by air",
        kind: "top n, join with part, text filter",
        search: "top 5 [Brand] [Revenue] [Ship Mode] = 'air'",
        sql: "SELECT p_brand, SUM(l_extendedprice) AS revenue FROM lineitem \
              JOIN part ON l_partkey = p_partkey WHERE l_shipmode = 'AIR' \
              GROUP BY p_brand ORDER BY revenue DESC, p_brand LIMIT 5",
    },
    Query {
        name: "one_day_suppliers",
        title: "One ship day by supplier",
        kind: "selective date filter (one day), join with supplier",
        search: "[Supplier Name] [Revenue] [Ship Date] = '03/15/1995'",
        sql: "SELECT s_name, SUM(l_extendedprice) FROM lineitem \
              JOIN supplier ON l_suppkey = s_suppkey WHERE l_shipdate = DATE '1995-03-15' \
              GROUP BY s_name ORDER BY s_name",
    },
    Query {
        name: "one_customer",
        title: "One customer by order year",
        kind: "selective filter on a dimension (one customer), join of 3 tables",
        search: "[Order Date].yearly [Revenue] [Customer Name] = 'customer#000000001'",
        sql: "SELECT CAST(date_trunc('year', o_orderdate) AS DATE) AS order_year, \
              SUM(l_extendedprice) FROM lineitem \
              JOIN orders ON l_orderkey = o_orderkey \
              JOIN customer ON o_custkey = c_custkey \
              WHERE c_name = 'Customer#000000001' GROUP BY order_year ORDER BY order_year",
    },
    Query {
        name: "urgent_segments",
        title: "Urgent orders since 1997 by segment",
        kind: "filters on two joined tables, join of 3 tables",
        search: "[Revenue] [Market Segment] [Order Priority] = '1-urgent' \
                 [Order Date] >= '01/01/1997'",
        sql: "SELECT c_mktsegment, SUM(l_extendedprice) FROM lineitem \
              JOIN orders ON l_orderkey = o_orderkey \
              JOIN customer ON o_custkey = c_custkey \
              WHERE o_orderpriority = '1-URGENT' AND o_orderdate >= DATE '1997-01-01' \
              GROUP BY c_mktsegment ORDER BY c_mktsegment",
    },
    Query {
        name: "priority_orders",
        title: "Orders by priority",
        kind: "unique count over 1.5M keys, join with orders",
        search: "unique count [Order Key] [Order Priority]",
        sql: "SELECT o_orderpriority, COUNT(DISTINCT l_orderkey) FROM lineitem \
              JOIN orders ON l_orderkey = o_orderkey \
              GROUP BY o_orderpriority ORDER BY o_orderpriority",
    },
    Query {
        name: "brass_types",
        title: "Revenue of brass part types",
        kind: "text contains filter, join with part",
        search: "[Revenue] [Part Type] [Part Type] contains 'brass'",
        sql: "SELECT p_type, SUM(l_extendedprice) FROM lineitem \
              JOIN part ON l_partkey = p_partkey WHERE p_type LIKE '%BRASS%' \
              GROUP BY p_type ORDER BY p_type",
    },
    Query {
        name: "maker_container",
        title: "Quantity by manufacturer and container",
        kind: "two attributes of a joined table (200 groups)",
        search: "[Quantity] [Manufacturer] [Container]",
        sql: "SELECT p_mfgr, p_container, SUM(l_quantity) FROM lineitem \
              JOIN part ON l_partkey = p_partkey \
              GROUP BY p_mfgr, p_container ORDER BY p_mfgr, p_container",
    },
];

/// The pinboard's visualizations: a query and its chart type (`None`: a table).
pub const PINBOARD: [(&str, Option<&str>); 6] = [
    ("revenue", Some("KPI")),
    ("ship_mode", None),
    ("commit_month", Some("LINE")),
    ("nation", Some("BAR")),
    ("top_customers", None),
    ("top_brands_air", Some("COLUMN")),
];

/// One search for each table, reading only that table (progressive joins): the server reads
/// each into memory before the timed work.
pub const PRELOAD: [(&str, &str); 7] = [
    ("lineitem", "[Ship Mode]"),
    ("orders", "[Order Priority]"),
    ("customer", "[Market Segment]"),
    ("nation", "[Nation]"),
    ("region", "[Region]"),
    ("part", "[Manufacturer]"),
    ("supplier", "count [Supplier Name]"),
];

/// The query named `name` (the names above are fixed).
pub fn query(name: &str) -> &'static Query {
    QUERIES
        .iter()
        .find(|q| q.name == name)
        .unwrap_or_else(|| panic!("no benchmark query named {name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_the_pinboard_names_queries() {
        for (i, q) in QUERIES.iter().enumerate() {
            assert!(QUERIES[..i].iter().all(|other| other.name != q.name));
        }
        for (name, _) in PINBOARD {
            query(name);
        }
        assert!(QUERIES.len() >= 12);
    }
}
