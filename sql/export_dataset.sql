--
-- parquet_export() into datasets (issue 15): Hive partitions, split files,
-- max_open_files, overwrite, the whole-dataset commit, field_ids.  Every
-- dataset is read back by DuckDB with hive_partitioning = true and must give
-- PostgreSQL's rows: DuckDB computes an md5 over a canonical text of all rows
-- and PostgreSQL the same over its table ("same_rows" must be true).
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
\set d '/tmp/protobuf_fdw_test/'

CREATE TABLE ds_src AS
SELECT g AS id,
       (ARRAY['KR', 'a/b=c%d:e', 'Köln', e'tab\there', e'x y#?*[]{}^\\''"', NULL, ''])[g % 7 + 1] AS city,
       date '2026-12-07' + g % 3 AS day,
       timestamptz '2026-12-07 10:30:00+00' + (g % 2) * interval '90 minutes' AS ts,
       (g % 4) * 1.25 AS amount,
       md5(g::text) AS s
FROM generate_series(1, 700) g;
-- Hive writes NULL and '' both as __HIVE_DEFAULT_PARTITION__: both read back as NULL
CREATE VIEW ds_canon AS
SELECT count(*) || ' | ' || md5(string_agg(concat_ws(',', id, coalesce(nullif(city, ''), '~'), day, s), '|' ORDER BY id)) AS h
FROM ds_src;
\set canon 'SELECT count(*) || \' | \' || md5(string_agg(concat_ws(\',\', id, coalesce(city, \'~\'), day, s), \'|\' ORDER BY id)) FROM t'

-- a single file: one row, partition NULL
SELECT replace(path, :'d', '') AS path, partition, rows, row_groups
FROM parquet_export('SELECT id FROM ds_src', :'d' || 'ds_single.parquet');

-- partition_by: one directory level per column, values escaped as Hive escapes them,
-- rows in no particular order (the table's order interleaves every partition)
SELECT replace(path, :'d', '') AS path, partition, rows, row_groups
FROM parquet_export('SELECT id, city, day, s FROM ds_src', :'d' || 'ds_part',
                    partition_by => ARRAY['city', 'day'])
ORDER BY path;
-- each file holds the rows of its partition
SELECT count(*) AS files, sum(rows) AS rows,
       bool_and(rows = (SELECT count(*) FROM ds_src
                        WHERE nullif(city, '') IS NOT DISTINCT FROM partition->>'city'
                          AND day::text = partition->>'day')) AS rows_match
FROM parquet_export('SELECT id, city, day, s FROM ds_src', :'d' || 'ds_part2',
                    partition_by => ARRAY['city', 'day']);
\set duck `node test/parquet/readback.mjs --raw --hive :d/ds_part :'canon'`
SELECT :'duck' = h AS same_rows FROM ds_canon;
-- the partition columns are not in the files, DuckDB gets them from the paths
\! node test/parquet/readback.mjs '/tmp/protobuf_fdw_test/ds_part/city=KR/day=2026-12-08/part-00000.parquet' "SELECT name FROM parquet_schema(\$FILE)"

-- write_partition_columns: kept in the files too
SELECT count(*) AS files, sum(rows) AS rows
FROM parquet_export('SELECT id, city, day, s FROM ds_src', :'d' || 'ds_keep',
                    partition_by => ARRAY['day'], write_partition_columns => true);
\! node test/parquet/readback.mjs '/tmp/protobuf_fdw_test/ds_keep/day=2026-12-08/part-00000.parquet' "SELECT name FROM parquet_schema(\$FILE)"
-- (city is no partition column here: '' stays '')
\set duck `node test/parquet/readback.mjs --raw --hive :d/ds_keep :'canon'`
SELECT :'duck' = count(*) || ' | ' || md5(string_agg(concat_ws(',', id, coalesce(city, '~'), day, s), '|' ORDER BY id)) AS same_rows
FROM ds_src;

-- dates, timestamps and numerics in their ISO text form, whatever DateStyle says
SET datestyle = 'SQL, DMY';
SELECT replace(path, :'d', '') AS path, partition, rows
FROM parquet_export('SELECT id, day, ts, amount FROM ds_src WHERE id IN (1, 2, 4, 7)', :'d' || 'ds_types',
                    partition_by => ARRAY['day', 'ts', 'amount'])
ORDER BY path;
RESET datestyle;
\! node test/parquet/readback.mjs --hive /tmp/protobuf_fdw_test/ds_types "SELECT id, day::VARCHAR AS day, ts::VARCHAR AS ts, amount::VARCHAR AS amount FROM t ORDER BY id"

-- more partitions than max_open_files: with 4 partitions in turn and 3 open files, the least
-- recently used file is always the one the next row needs, so every row ends a file
SELECT count(*) AS files, sum(rows) AS rows, max(path) FILTER (WHERE partition->>'k' = '1') AS last_k1
FROM parquet_export('SELECT id, id % 4 AS k, s FROM ds_src WHERE id <= 100 ORDER BY id', :'d' || 'ds_lru3',
                    partition_by => ARRAY['k'], max_open_files => 3);
\set canon100 'SELECT count(*) || \' | \' || md5(string_agg(concat_ws(\',\', id, k, s), \'|\' ORDER BY id)) FROM t'
\set duck `node test/parquet/readback.mjs --raw --hive :d/ds_lru3 :'canon100'`
SELECT :'duck' = count(*) || ' | ' || md5(string_agg(concat_ws(',', id, id % 4, s), '|' ORDER BY id)) AS same_rows
FROM ds_src WHERE id <= 100;
-- ... and with 4 open files, one file each
SELECT count(*) AS files, sum(rows) AS rows
FROM parquet_export('SELECT id, id % 4 AS k, s FROM ds_src WHERE id <= 100 ORDER BY id', :'d' || 'ds_lru4',
                    partition_by => ARRAY['k'], max_open_files => 4);

-- rows_per_file: files of 300 rows, each in row groups of at most 128
SELECT replace(path, :'d', '') AS path, rows, row_groups
FROM parquet_export('SELECT id, s FROM ds_src ORDER BY id', :'d' || 'ds_rows', rows_per_file => 300, row_group_size => 128)
ORDER BY path;
-- the second file read by hyparquet: rows 301 to 600
\set hyp `node test/parquet/hyparquet-check.mjs :d/ds_rows/part-00001.parquet id s`
SELECT :'hyp' = '300 3 ' || md5(string_agg(concat_ws(',', id, s), '|' ORDER BY id)) AS hyparquet_same
FROM ds_src WHERE id BETWEEN 301 AND 600;
-- ... per partition
SELECT replace(path, :'d', '') AS path, partition, rows
FROM parquet_export('SELECT id, id % 2 AS odd, s FROM ds_src', :'d' || 'ds_rows_part',
                    rows_per_file => 300, partition_by => ARRAY['odd'])
ORDER BY path;
\set canon_odd 'SELECT count(*) || \' | \' || md5(string_agg(concat_ws(\',\', id, odd, s), \'|\' ORDER BY id)) FROM t'
\set duck `node test/parquet/readback.mjs --raw --hive :d/ds_rows_part :'canon_odd'`
SELECT :'duck' = count(*) || ' | ' || md5(string_agg(concat_ws(',', id, id % 2, s), '|' ORDER BY id)) AS same_rows
FROM ds_src;

-- file_size_bytes: a file ends with the row group where its estimated size reaches the limit
CREATE TABLE ds_big AS SELECT g AS id, md5(g::text) AS s FROM generate_series(1, 40000) g;
CREATE TABLE ds_big_files AS
SELECT * FROM parquet_export('SELECT * FROM ds_big', :'d' || 'ds_size', file_size_bytes => 400000,
                             compression => 'uncompressed', row_group_size => 1000);
SELECT count(*) AS files, sum(rows) AS rows,
       bool_and(bytes BETWEEN 400000 AND 400000 + 4000) FILTER (WHERE NOT last) AS full_files_near_limit
FROM (SELECT *, path = max(path) OVER () AS last FROM ds_big_files) f;
\set canon_big 'SELECT count(*) || \' | \' || md5(string_agg(concat_ws(\',\', id, s), \'|\' ORDER BY id)) FROM t'
\set duck `node test/parquet/readback.mjs --raw --hive :d/ds_size :'canon_big'`
SELECT :'duck' = count(*) || ' | ' || md5(string_agg(concat_ws(',', id, s), '|' ORDER BY id)) AS same_rows FROM ds_big;
-- compressed: the estimate learns the compression ratio from the row groups written
SELECT count(*) AS files, sum(rows) AS rows,
       bool_and(bytes >= 200000 AND bytes < 200000 + 30000) FILTER (WHERE NOT last) AS full_files_near_limit
FROM (SELECT *, path = max(path) OVER () AS last
      FROM parquet_export('SELECT * FROM ds_big', :'d' || 'ds_size_zstd', file_size_bytes => 200000,
                          compression => 'zstd', row_group_size => 1000)) f;
-- row groups larger than the limit (the default row_group_size): the first group written
-- teaches the compression ratio, so the files still come out near the limit, not at the
-- limit times the ratio
SELECT count(*) AS files, sum(rows) AS rows,
       bool_and(bytes BETWEEN 170000 AND 230000) FILTER (WHERE NOT last) AS full_files_within_15_percent
FROM (SELECT *, path = max(path) OVER () AS last
      FROM parquet_export('SELECT * FROM ds_big', :'d' || 'ds_size_big_groups', file_size_bytes => 200000,
                          compression => 'zstd')) f;

-- no rows: one empty file unpartitioned, no file with partition_by
SELECT replace(path, :'d', '') AS path, rows FROM parquet_export('SELECT id FROM ds_src WHERE false', :'d' || 'ds_empty', rows_per_file => 10);
\! node test/parquet/readback.mjs --hive /tmp/protobuf_fdw_test/ds_empty "SELECT count(*) FROM t"
SELECT count(*) FROM parquet_export('SELECT id, city FROM ds_src WHERE false', :'d' || 'ds_empty_part', partition_by => ARRAY['city']);
SELECT count(*) AS entries FROM pg_ls_dir(:'d' || 'ds_empty_part') f;

-- an existing non-empty target is refused, a file too; an empty directory is taken
SELECT count(*) FROM parquet_export('SELECT id, city FROM ds_src', :'d' || 'ds_part', partition_by => ARRAY['city']);
SELECT count(*) FROM parquet_export('SELECT id FROM ds_src', :'d' || 'ds_single.parquet', rows_per_file => 100);
\! mkdir -m 777 /tmp/protobuf_fdw_test/ds_was_empty
SELECT replace(path, :'d', '') AS path, rows FROM parquet_export('SELECT id FROM ds_src', :'d' || 'ds_was_empty', rows_per_file => 1000);
-- overwrite replaces the target as a whole: nothing of the old dataset is left
SELECT replace(path, :'d', '') AS path, rows FROM parquet_export('SELECT id FROM ds_src', :'d' || 'ds_part', rows_per_file => 1000, overwrite => true);
SELECT f FROM pg_ls_dir(:'d' || 'ds_part') f ORDER BY f;
SELECT replace(path, :'d', '') AS path, rows FROM parquet_export('SELECT id FROM ds_src', :'d' || 'ds_single.parquet', rows_per_file => 1000, overwrite => true);

-- a failure after some files were complete leaves nothing: no target, no temporary directory
SELECT count(*) FROM parquet_export('SELECT id, 1 / (id - 500) AS x FROM ds_src ORDER BY id', :'d' || 'ds_fail', rows_per_file => 10);
SELECT count(*) FROM parquet_export('SELECT id, id % 5 AS k, 1 / (id - 500) AS x FROM ds_src ORDER BY id', :'d' || 'ds_fail',
                                    partition_by => ARRAY['k'], max_open_files => 2);
SELECT pg_stat_file(:'d' || 'ds_fail', true) IS NULL AS no_target;
-- ... and an existing target untouched, even with overwrite
SELECT count(*) FROM parquet_export('SELECT id, 1 / (id - 500) AS x FROM ds_src ORDER BY id', :'d' || 'ds_part', rows_per_file => 10, overwrite => true);
SELECT f FROM pg_ls_dir(:'d' || 'ds_part') f ORDER BY f;
SELECT count(*) AS leftovers FROM pg_ls_dir(:'d') f WHERE f ~ '^\.ds_.*\.(tmp|old)\.';

-- argument errors
SELECT * FROM parquet_export('SELECT id FROM ds_src', :'d' || 'ds_err', partition_by => ARRAY['nope']);
SELECT * FROM parquet_export('SELECT id FROM ds_src', :'d' || 'ds_err', partition_by => ARRAY['id']);
SELECT * FROM parquet_export('SELECT id, s FROM ds_src', :'d' || 'ds_err', partition_by => ARRAY['id', 'id']);
SELECT * FROM parquet_export('SELECT id FROM ds_src', :'d' || 'ds_err', partition_by => ARRAY[NULL]);
SELECT * FROM parquet_export('SELECT id FROM ds_src', :'d' || 'ds_err', rows_per_file => 0);
SELECT * FROM parquet_export('SELECT id FROM ds_src', :'d' || 'ds_err', file_size_bytes => -1);
SELECT * FROM parquet_export('SELECT id FROM ds_src', :'d' || 'ds_err', partition_by => ARRAY['id'], max_open_files => 0);
SELECT * FROM parquet_export('SELECT id FROM ds_src', :'d' || 'ds_err', write_partition_columns => true);
SELECT * FROM parquet_export('SELECT id FROM ds_src', :'d' || 'ds_err.parquet', threads => 0);
SELECT count(*) AS leftovers FROM pg_ls_dir(:'d') f WHERE f ~ '^\.?ds_err';

-- field_ids 'auto': every node but a LIST's repeated group, from 0 in schema order (DuckDB's rule)
CREATE TYPE ds_pair AS (a int, b text);
SELECT rows FROM parquet_export('SELECT id, ARRAY[id, -id] AS arr, ROW(id, s)::ds_pair AS p FROM ds_src',
                                :'d' || 'ds_ids_auto.parquet', field_ids => 'auto');
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/ds_ids_auto.parquet "SELECT name, field_id FROM parquet_schema(\$FILE)"
-- a JSON object: column names, "col.field", "col[]"
SELECT rows FROM parquet_export('SELECT id, ARRAY[id, -id] AS arr, ROW(id, s)::ds_pair AS p FROM ds_src',
                                :'d' || 'ds_ids_map.parquet', field_ids => '{"id": 7, "arr[]": 9, "p.b": 2147483647}');
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/ds_ids_map.parquet "SELECT name, field_id FROM parquet_schema(\$FILE)"
SELECT * FROM parquet_export('SELECT id FROM ds_src', :'d' || 'ds_err.parquet', field_ids => '{"id": 1, "nope": 2}');
SELECT * FROM parquet_export('SELECT id FROM ds_src', :'d' || 'ds_err.parquet', field_ids => '{"id": -1}');
SELECT * FROM parquet_export('SELECT id FROM ds_src', :'d' || 'ds_err.parquet', field_ids => '{"id": 1.5}');
SELECT * FROM parquet_export('SELECT id FROM ds_src', :'d' || 'ds_err.parquet', field_ids => 'numbers');

-- field_ids 'protobuf': the field numbers of model.shop.Order (proto/model_shop.proto), nested
-- ones for composite columns, through subqueries; none for computed columns, list elements,
-- metadata columns and columns of a view (PostgreSQL records the view as their origin)
CREATE SERVER ds_shop FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/model_shop.desc');
CREATE TYPE ds_geo AS (lat float8, lng float8);
CREATE TYPE ds_address AS (street text, city text, geo ds_geo);
CREATE TYPE ds_customer AS (id int8, name text, address ds_address, emails text[]);
CREATE TYPE ds_money AS (currency_code text, units int8);
CREATE TYPE ds_item AS (sku text, quantity int4, unit_price ds_money);
CREATE FOREIGN TABLE ds_orders (order_id int8, customer ds_customer, items ds_item[], status text,
    cust_name text OPTIONS (field 'customer.name'), n bigint OPTIONS (meta 'ordinal'))
  SERVER ds_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
CREATE VIEW ds_orders_v AS SELECT order_id AS oid, cust_name FROM ds_orders;
SELECT rows FROM parquet_export('SELECT o.order_id, o.customer, o.items, o.status, o.cust_name, o.n,
                                        o.order_id * 2 AS twice, v.oid AS view_oid, q.oid AS sub_oid
                                 FROM ds_orders o JOIN ds_orders_v v ON v.oid = o.order_id
                                 JOIN (SELECT order_id AS oid FROM ds_orders) q ON q.oid = o.order_id',
                                :'d' || 'ds_ids_pb.parquet', field_ids => 'protobuf');
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/ds_ids_pb.parquet "SELECT name, field_id FROM parquet_schema(\$FILE)"
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/ds_ids_pb.parquet "SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata(\$FILE)"
-- ... in every file of a dataset, beside the partition columns
SELECT count(*) AS files FROM parquet_export('SELECT order_id, status, cust_name FROM ds_orders', :'d' || 'ds_ids_pb',
                                             field_ids => 'protobuf', partition_by => ARRAY['status']);
\! node test/parquet/readback.mjs --hive /tmp/protobuf_fdw_test/ds_ids_pb "SELECT DISTINCT name, field_id FROM parquet_schema(\$FILE) ORDER BY name"
