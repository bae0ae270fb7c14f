#!/usr/bin/env bash
# A tour of protobuf_fdw on a throw-away cluster: install what is missing, build and install,
# generate 1 M bench.Event messages with Debian's python3-protobuf (an encoder that is not
# ours), map them as foreign tables in both framings, and run a few queries with timings.
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
trap 'rm -f "$demo_sql"' EXIT
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
SQL

echo "== running the demo queries on a throw-away cluster"
scripts/virtualenv.sh psql -X -q -f "$demo_sql"
echo "== done (the cluster is gone)"
