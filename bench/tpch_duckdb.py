"""The DuckDB baseline of `bench/run tpch`: the benchmark's tables in DuckDB, answering SQL.

Usage: tpch_duckdb.py [--views] DATA_DIR TABLE...

Each TABLE is read from DATA_DIR/TABLE.parquet into a DuckDB table of an in-memory database
(every column: the fair comparison with Searchlight's memory mode, which also holds whole
tables in memory); with --views, each TABLE is a view over read_parquet of its file, read by
every query (the comparison with Searchlight reading the files). Then it speaks the harness's protocol, JSON lines on stdin/stdout (see
bench/src/tpch/baseline.rs): it prints {"engine", "load_ms"}, then answers each request
{"op": "result" | "time" | "stats", "sql"} with {"ms", "columns", "rows"}, {"ms"},
{"peak_rss_kb"} or {"error"}. `ms` is the time from sending the SQL to holding every result
row (fetchall). Rows are normalised as searchdata sends them: dates and timestamps as epoch
seconds (UTC), decimals as floats.
"""

import datetime
import decimal
import json
import os
import resource
import sys
import time

import duckdb

EPOCH = datetime.date(1970, 1, 1)


def cell(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return int(value.timestamp())
    if isinstance(value, datetime.date):
        return (value - EPOCH).days * 86400
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def answer(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main():
    args = sys.argv[1:]
    views = bool(args) and args[0] == "--views"
    if views:
        args = args[1:]
    data_dir, tables = args[0], args[1:]
    con = duckdb.connect(":memory:")
    started = time.perf_counter()
    kind = "VIEW" if views else "TABLE"
    for table in tables:
        path = os.path.join(data_dir, f"{table}.parquet").replace("'", "''")
        con.execute(f"CREATE {kind} {table} AS SELECT * FROM read_parquet('{path}')")
    load_ms = (time.perf_counter() - started) * 1000
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    answer({"engine": f"DuckDB {duckdb.__version__}", "load_ms": load_ms, "threads": threads})
    for line in sys.stdin:
        try:
            request = json.loads(line)
            op = request.get("op")
            if op in ("result", "time"):
                started = time.perf_counter()
                cursor = con.execute(request["sql"])
                rows = cursor.fetchall()
                elapsed = (time.perf_counter() - started) * 1000
                if op == "time":
                    answer({"ms": elapsed})
                else:
                    answer({
                        "ms": elapsed,
                        "columns": [d[0] for d in cursor.description],
                        "rows": [[cell(v) for v in row] for row in rows],
                    })
            elif op == "stats":
                # ru_maxrss is in KiB on Linux.
                answer({"peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss})
            else:
                answer({"error": f"unknown request {line.strip()}"})
        except Exception as err:  # report and go on: the harness decides
            answer({"error": f"DuckDB: {err}"})


if __name__ == "__main__":
    main()
