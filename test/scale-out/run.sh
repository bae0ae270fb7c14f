#!/usr/bin/env bash
# test/scale-out/run.sh — protobuf_fdw sharded with PostgreSQL's own scale-out (issue 15):
# three shard clusters and a coordinator, all PostgreSQL 15 on this machine, talking over Unix
# sockets only (listen_addresses = '', each cluster its own port number and socket directory;
# nothing needs a network).  Run as root (the clusters run as postgres):
#
#   make install && test/scale-out/run.sh          # or PBFDW_EXTENSION_DESTDIR=<make install DESTDIR>
#
# 1. bench/gen_dataset.py (python3-protobuf, an independent encoder) writes SCALE_ROWS
#    bench.Event messages (default 300000); a Python splitter (python3-protobuf again) writes
#    each message to the shard of its country: shard 1 US DE FR GB, shard 2 JP BR IN,
#    shard 3 CN CA AU.
# 2. Each shard cluster reads its file through a protobuf_fdw foreign table "events".
# 3. The coordinator has a table "events" PARTITION BY LIST (country) whose partitions are
#    postgres_fdw foreign tables on the shards (async_capable 'true'), and, for the reference
#    answer, a protobuf_fdw foreign table "events_all" over all three files (a single-node scan).
#    With enable_partitionwise_aggregate, an aggregate grouped by country is pushed whole to
#    each shard (EXPLAIN: "Async Foreign Scan", "Aggregate on (public.events_sN events)"); one
#    grouped by another column is aggregated partially per partition on the coordinator
#    (postgres_fdw in PostgreSQL 15 cannot push a partial aggregate).  Both answers must equal
#    the single-node scan's.
# 4. Each shard exports its share as a dataset partitioned by country into its own
#    subdirectory of one dataset directory (dataset/shard1/country=US/part-00000.parquet, ...):
#    a whole-dataset commit refuses a non-empty target, so the shards never write into one
#    directory; to Hive readers a path segment without '=' is no partition, so the union is one
#    dataset.  DuckDB reads dataset/**/*.parquet with hive_partitioning = true and must give the
#    single-node answer.
# 5. Rows per second: each shard's scan alone, the three through the coordinator at once, the
#    single-node scan of all files, and each shard's export (printed as "scale-out: ...").
# Prints "N passed, N failed".  Files go to $PBFDW_SCALE_DIR (default /tmp/protobuf_fdw_scale).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
root=${PBFDW_SCALE_DIR:-/tmp/protobuf_fdw_scale}
rows=${SCALE_ROWS:-300000}
bin=$(pg_config --bindir 2>/dev/null)
[ -x "$bin/initdb" ] || bin=/usr/lib/postgresql/15/bin
. test/lib/ok.sh
as_pg() { runuser -u postgres -- "$@"; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
q() {	# q <node> <sql>: one statement on a node, its unaligned result
	local n=$1
	PAGER='' PGOPTIONS="${PGOPTIONS:-}" psql -X -At -v ON_ERROR_STOP=1 -h "$root/sock-$n" -p "${port[$n]}" -U postgres -d postgres -c "$2"
}
# seconds a statement takes on a node (client side, psql's \timing)
timed() {
	local n=$1
	PAGER='' PGOPTIONS="${PGOPTIONS:-}" psql -X -At -v ON_ERROR_STOP=1 -h "$root/sock-$n" -p "${port[$n]}" -U postgres -d postgres \
		-c '\timing on' -c "$2" | sed -nE 's/^Time: ([0-9.]+) ms.*/\1/p' | tail -1 |
		awk '{printf "%.3f", $1 / 1000}'
}
rate() { awk -v r="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? r / s : 0) }'; }

nodes=(s1 s2 s3 coord)
declare -A port
cleanup() {
	for n in "${nodes[@]}"; do
		[ -f "$root/$n/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$root/$n" -m immediate stop >/dev/null 2>&1
	done
}
trap cleanup EXIT

# ---- 1. data ----
for n in "${nodes[@]}"; do
	[ -f "$root/$n/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$root/$n" -m immediate stop >/dev/null 2>&1
done
rm -rf "$root"
mkdir -p "$root/data" "$root/shards" "$root/dataset"
data=$(/usr/bin/python3 bench/gen_dataset.py --rows "$rows" --seed 7 --root "$root/data" 2>/dev/null | tail -1)
[ -f "$data/events.pb" ] || { echo "scale-out: bench/gen_dataset.py failed"; echo "0 passed, 1 failed"; exit 1; }
/usr/bin/python3 - "$data/bench.desc" "$data/events.pb" "$root/shards" <<'EOF' || { echo "0 passed, 1 failed"; exit 1; }
# split varint-delimited bench.Event messages by country (python3-protobuf decodes them)
import sys
sys.path.insert(0, "bench")
from gen_dataset import read_varint
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
desc, src, out = sys.argv[1:]
fds = descriptor_pb2.FileDescriptorSet.FromString(open(desc, "rb").read())
pool = descriptor_pool.DescriptorPool()
for f in fds.file:
    pool.Add(f)
Event = message_factory.MessageFactory(pool).GetPrototype(pool.FindMessageTypeByName("bench.Event"))
shard_of = {c: 1 for c in ("US", "DE", "FR", "GB")}
shard_of.update({c: 2 for c in ("JP", "BR", "IN")})
shard_of.update({c: 3 for c in ("CN", "CA", "AU")})
outs = {i: open(f"{out}/events_{i}.pb", "wb") for i in (1, 2, 3)}
buf = open(src, "rb").read()
pos = 0
while pos < len(buf):
    start = pos
    n, pos = read_varint(buf, pos)
    e = Event.FromString(buf[pos:pos + n])
    outs[shard_of[e.country]].write(buf[start:pos + n])
    pos += n
EOF
cp "$data/bench.desc" "$root/shards/"
chown -R postgres:postgres "$root"
chmod -R a+rX "$root"

# ---- 2. clusters ----
conf_extra=""
[ -n "${PBFDW_EXTENSION_DESTDIR:-}" ] && conf_extra="extension_destdir = '$PBFDW_EXTENSION_DESTDIR'"
for n in "${nodes[@]}"; do
	port[$n]=$(free_port)
	as_pg mkdir -p "$root/sock-$n"
	as_pg "$bin/initdb" -D "$root/$n" -A trust -U postgres --no-sync >/dev/null 2>&1 ||
		{ echo "scale-out: initdb $n failed"; echo "0 passed, 1 failed"; exit 1; }
	cat >>"$root/$n/postgresql.conf" <<EOF
listen_addresses = ''
port = ${port[$n]}
unix_socket_directories = '$root/sock-$n'
shared_buffers = 32MB
max_parallel_workers_per_gather = 0
fsync = off
$conf_extra
EOF
	as_pg "$bin/pg_ctl" -D "$root/$n" -l "$root/$n.log" -w start >/dev/null ||
		{ echo "scale-out: cluster $n did not start"; cat "$root/$n.log"; echo "0 passed, 1 failed"; exit 1; }
done
echo "scale-out: clusters s1 s2 s3 coord on ports ${port[s1]} ${port[s2]} ${port[s3]} ${port[coord]} (Unix sockets only)"

cols="id bigint, user_id text, ts_micros bigint, amount float8, quantity int4, is_test bool,
      country text, url text, status int8, score float4"
for i in 1 2 3; do
	q "s$i" "CREATE EXTENSION protobuf_fdw;
	  CREATE SERVER pb FOREIGN DATA WRAPPER protobuf_fdw OPTIONS (descriptor_set '$root/shards/bench.desc');
	  CREATE FOREIGN TABLE events ($cols) SERVER pb
	    OPTIONS (filename '$root/shards/events_$i.pb', message 'bench.Event');" >/dev/null
done
q coord "CREATE EXTENSION protobuf_fdw; CREATE EXTENSION postgres_fdw;
  CREATE SERVER pb FOREIGN DATA WRAPPER protobuf_fdw OPTIONS (descriptor_set '$root/shards/bench.desc');
  CREATE FOREIGN TABLE events_all ($cols) SERVER pb
    OPTIONS (filename '$root/shards/events_*.pb', message 'bench.Event');
  CREATE TABLE events ($cols) PARTITION BY LIST (country);" >/dev/null
lists=("" "'US', 'DE', 'FR', 'GB'" "'JP', 'BR', 'IN'" "'CN', 'CA', 'AU'")
for i in 1 2 3; do
	q coord "CREATE SERVER s$i FOREIGN DATA WRAPPER postgres_fdw
	    OPTIONS (host '$root/sock-s$i', port '${port[s$i]}', dbname 'postgres', async_capable 'true',
	             fetch_size '10000');
	  CREATE USER MAPPING FOR postgres SERVER s$i OPTIONS (user 'postgres');
	  CREATE FOREIGN TABLE events_s$i PARTITION OF events FOR VALUES IN (${lists[$i]})
	    SERVER s$i OPTIONS (table_name 'events');" >/dev/null
done

# ---- 3. the coordinator's answers against the single-node scan ----
by_country="SELECT country, count(*), sum(quantity), sum(status), min(id), max(id),
  round(sum(amount)::numeric, 2), sum(is_test::int) FROM %s GROUP BY country ORDER BY country"
by_status="SELECT status, count(*), sum(quantity), min(ts_micros), max(ts_micros),
  round(sum(amount)::numeric, 2) FROM %s GROUP BY status ORDER BY status"
pw="-c enable_partitionwise_aggregate=on"
# shellcheck disable=SC2059
{
	single_country=$(q coord "$(printf "$by_country" events_all)")
	single_status=$(q coord "$(printf "$by_status" events_all)")
	coord_country=$(PGOPTIONS=$pw q coord "$(printf "$by_country" events)")
	coord_status=$(PGOPTIONS=$pw q coord "$(printf "$by_status" events)")
	plan_country=$(PGOPTIONS=$pw q coord "EXPLAIN (VERBOSE, COSTS OFF) $(printf "$by_country" events)")
	plan_status=$(PGOPTIONS=$pw q coord "EXPLAIN (COSTS OFF) $(printf "$by_status" events)")
}
total=$(q coord "SELECT count(*) FROM events_all")
ok "the single-node scan reads every row: $total" test "$total" = "$rows"
ok "the sharded answer by country equals the single-node one" test -n "$single_country" -a "$coord_country" = "$single_country"
ok "the sharded answer by status equals the single-node one" test -n "$single_status" -a "$coord_status" = "$single_status"
echo "scale-out: EXPLAIN of the aggregate by country (the partition key):"
echo "$plan_country" | sed 's/^/    /'
echo "scale-out: EXPLAIN of the aggregate by status:"
echo "$plan_status" | sed 's/^/    /'
ok "the aggregate by country is pushed to each shard" \
	test "$(echo "$plan_country" | grep -cE 'Relations: Aggregate on \(public\.events_s[123] events(_[0-9])?\)')" = 3
ok "the shards are scanned asynchronously" test "$(echo "$plan_country" | grep -c 'Async Foreign Scan')" = 3
ok "the aggregate by status is partial per partition" \
	test "$(echo "$plan_status" | grep -c 'Partial HashAggregate')" = 3

# ---- 4. every shard exports its share; DuckDB reads the whole ----
for i in 1 2 3; do
	export_s[$i]=$(timed "s$i" "SELECT count(*) FROM parquet_export('SELECT * FROM events', '$root/dataset/shard$i',
	  partition_by => ARRAY['country'], compression => 'zstd')")
	files[$i]=$(find "$root/dataset/shard$i" -name '*.parquet' | wc -l)
	# the same rows into one file, for comparison
	single_export_s[$i]=$(timed "s$i" "SELECT count(*) FROM parquet_export('SELECT * FROM events',
	  '$root/single_$i.parquet', compression => 'zstd')")
done
ok "each shard wrote one file per country: ${files[1]} ${files[2]} ${files[3]}" \
	test "${files[1]} ${files[2]} ${files[3]}" = "4 3 3"
duck_sql="SELECT string_agg(concat_ws('|', country, n, q, s, lo, hi, a, t), chr(10) ORDER BY country) FROM (
  SELECT country, count(*) AS n, sum(quantity) AS q, sum(status) AS s, min(id) AS lo, max(id) AS hi,
         round(sum(amount::DECIMAL(38,10)), 2) AS a, sum(is_test::INT) AS t FROM t GROUP BY country)"
duck=$(node test/parquet/readback.mjs --raw --hive "$root/dataset" "$duck_sql" 2>&1)
ok "DuckDB reads the dataset (hive_partitioning) and gives the single-node answer" \
	test -n "$duck" -a "$duck" = "$single_country"
[ "$duck" = "$single_country" ] || { echo "DuckDB:"; echo "$duck"; echo "PostgreSQL:"; echo "$single_country"; }

# ---- 5. rows per second ----
# the aggregate by country: each shard's alone, the three through the coordinator at once
# (pushed down, async), and the single-node scan of all files
for i in 1 2 3; do
	n[$i]=$(q "s$i" "SELECT count(*) FROM events")
	# shellcheck disable=SC2059
	s[$i]=$(timed "s$i" "$(printf "$by_country" events)")
	echo "scale-out: shard $i: ${n[$i]} rows, aggregate ${s[$i]} s = $(rate "${n[$i]}" "${s[$i]}") rows/s;" \
		"export ${export_s[$i]} s = $(rate "${n[$i]}" "${export_s[$i]}") rows/s" \
		"(one file: ${single_export_s[$i]} s = $(rate "${n[$i]}" "${single_export_s[$i]}") rows/s)"
done
# shellcheck disable=SC2059
single_s=$(timed coord "$(printf "$by_country" events_all)")
# shellcheck disable=SC2059
coord_s=$(PGOPTIONS=$pw timed coord "$(printf "$by_country" events)")
echo "scale-out: single node, all files: $rows rows, aggregate $single_s s = $(rate "$rows" "$single_s") rows/s"
echo "scale-out: coordinator over 3 shards (async, pushed down): $rows rows, $coord_s s = $(rate "$rows" "$coord_s") rows/s" \
	"($(nproc) CPUs on this machine)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
