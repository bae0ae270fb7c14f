#!/usr/bin/env bash
# A tour of protobuf_fdw on a throw-away cluster: install what is missing, build and install,
# generate 1 M bench.Event messages with Debian's python3-protobuf (an encoder that is not
# ours), map them as foreign tables in both framings, and run a few queries with timings; then
# the client's way (\copy FROM the protobuf file, \copy TO Parquet) and the export, read back by
# DuckDB.
# Leaves nothing running: pg_virtualenv removes its cluster on exit.
#
#   scripts/demo.sh [ROWS]      (default 1000000; the data is cached under /tmp/protobuf_fdw_bench)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}

scripts/install-deps.sh
echo "== building and installing"
make -s && make -s install

echo "== generating $rows messages (cached after the first run)"
dir=$(/usr/bin/python3 bench/gen_dataset.py --rows "$rows" --seed 42 | tail -n 1)
chmod -R a+rX "$dir"
ls -l "$dir"

demo_sql=$(mktemp /tmp/protobuf_fdw_demo.XXXXXX.sql)
# the Parquet files: written by the server (parquet_export) and by psql (\copy)
out=$(mktemp -d /tmp/protobuf_fdw_demo.XXXXXX)
chmod 777 "$out"
trap 'rm -rf "$demo_sql" "$out"' EXIT
duck="node test/parquet/readback.mjs --raw"
agg="concat(count(*), ' rows, sum(quantity) ', sum(quantity))"
cat >"$demo_sql" <<SQL
\set ON_ERROR_STOP on
\pset footer off
CREATE EXTENSION protobuf_fdw;
CREATE SERVER pb FOREIGN DATA WRAPPER protobuf_fdw OPTIONS (descriptor_set '$dir/bench.desc');
CREATE FOREIGN TABLE events (id bigint, user_id text, ts_micros bigint, amount float8,
    quantity int4, is_test bool, country text, url text, status bigint, score real)
  SERVER pb OPTIONS (filename '$dir/events.pb', message 'bench.Event');
CREATE FOREIGN TABLE batch_events (id bigint, user_id text, amount float8, country text)
  SERVER pb OPTIONS (filename '$dir/batch.pb', framing 'container', container 'bench.Batch.events');

\echo '-- what the planner and EXPLAIN see'
EXPLAIN SELECT country, count(*) FROM events GROUP BY country;
\timing on
\echo '-- count(*) over the delimited file, then over the container file'
SELECT count(*) FROM events;
SELECT count(*) FROM batch_events;
\echo '-- a group-by'
SELECT country, count(*), round(sum(amount)::numeric, 2) AS revenue, round(avg(score)::numeric, 4) AS avg_score
  FROM events GROUP BY country ORDER BY revenue DESC;
\echo '-- a filter over the container framing'
SELECT id, user_id, amount FROM batch_events WHERE amount > 999.9 ORDER BY id LIMIT 5;
\echo '-- the load: INSERT INTO a real table'
CREATE TABLE events_local (LIKE events);
INSERT INTO events_local SELECT * FROM events;
SELECT count(*) AS loaded, count(DISTINCT user_id) AS users, min(ts_micros), max(ts_micros) FROM events_local;
\echo '-- the same rows from both files'
SELECT (SELECT sum(id) FROM events) = (SELECT sum(id) FROM batch_events) AS framings_agree;

\echo '-- the load from a client: psql sends its local file; COPY (FORMAT protobuf) inserts the rows'
TRUNCATE events_local;
\copy events_local FROM '$dir/events.pb' (FORMAT protobuf, server 'pb', message 'bench.Event')
\echo '-- the export: parquet_export() writes a file on the server'
SELECT * FROM parquet_export('SELECT * FROM events_local', '$out/export.parquet', compression => 'zstd');
\echo '-- and COPY TO (FORMAT parquet) streams one to the client, which writes it (psql: copy TO a local file)'
\copy (SELECT * FROM events_local) TO '$out/copy.parquet' (FORMAT parquet, compression 'zstd')
\timing off
\echo '-- DuckDB reads both files back: the same row count and sum as PostgreSQL'
SELECT $agg AS postgres FROM events_local \gset
\set duck_export \`$duck $out/export.parquet "SELECT $agg FROM t"\`
\set duck_copy \`$duck $out/copy.parquet "SELECT $agg FROM t"\`
SELECT :'postgres' AS postgres, :'duck_export' AS "DuckDB: export.parquet", :'duck_copy' AS "DuckDB: copy.parquet",
       :'duck_export' = :'postgres' AND :'duck_copy' = :'postgres' AS equal;
SQL

echo "== running the demo queries on a throw-away cluster"
scripts/virtualenv.sh psql -X -q -f "$demo_sql"
echo "== done (the cluster is gone)"
