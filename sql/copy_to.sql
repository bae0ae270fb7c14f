--
-- COPY ... TO ... (FORMAT parquet): to the client (psql's \copy, and COPY TO STDOUT \g) and
-- to a server file, with parquet_export()'s options; read back by DuckDB and hyparquet.
--
SET timezone = 'UTC';
-- COPY knows the format once the library is loaded in the session (shared_ or
-- session_preload_libraries, or any use of the extension): not yet in this new session
COPY (SELECT 1 AS x) TO STDOUT (FORMAT parquet);
LOAD 'protobuf_fdw';
SET extra_float_digits = 0;
CREATE TABLE ct_src AS
SELECT g::bigint AS id, CASE WHEN g % 10 = 0 THEN NULL ELSE 'name ' || (g % 37) || ' ✓' END AS s,
       g / 8.0::float8 AS f, (g % 3 = 0) AS b, (g * 1.25)::numeric(10,2) AS money,
       timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute' AS ts
FROM generate_series(1, 1000) g;
SELECT count(*), sum(id), count(s), sum(f), count(*) FILTER (WHERE b), sum(money), max(ts) FROM ct_src;

-- a query to the client; psql writes the CopyData to the file as it comes
\copy (SELECT * FROM ct_src WHERE id > 100) TO '/tmp/protobuf_fdw_test/ct_query.parquet' (FORMAT parquet, compression 'zstd', row_group_size 300)
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/ct_query.parquet "SELECT count(*), sum(id), count(s), sum(f), count(*) FILTER (WHERE b), sum(money), max(ts) FROM t"
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/ct_query.parquet "SELECT count(DISTINCT row_group_id) AS row_groups, string_agg(DISTINCT compression, ',') AS codecs FROM parquet_metadata(\$FILE)"
SELECT count(*), sum(id), count(s), sum(f), count(*) FILTER (WHERE b), sum(money), max(ts) FROM ct_src WHERE id > 100;

-- a table with a column list, COPY TO STDOUT written by \g
COPY ct_src (id, s, b) TO STDOUT (FORMAT parquet) \g /tmp/protobuf_fdw_test/ct_cols.parquet
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/ct_cols.parquet "SELECT column_name, column_type FROM (DESCRIBE t)"
-- hyparquet, a second reader, gets the same rows in the same order
SELECT count(*) || ' 1 ' || md5(string_agg(concat_ws(',', id, coalesce(s, '~'), b::text), '|' ORDER BY id)) AS pg_rows FROM ct_src \gset
\set hyp `node test/parquet/hyparquet-check.mjs /tmp/protobuf_fdw_test/ct_cols.parquet id s b`
SELECT :'hyp' = :'pg_rows' AS hyparquet_same_rows;

-- a server file: parquet_export()'s path (temporary file, rename), the options by name
COPY (SELECT id, money, money::numeric AS free FROM ct_src) TO '/tmp/protobuf_fdw_test/ct_file.parquet' (FORMAT parquet, compression 'gzip', compression_level 9, row_group_bytes 1000, kv_metadata '{"source": "copy_to", "n": 1}', numeric_mode 'double');
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/ct_file.parquet "SELECT count(*), sum(id), sum(money), sum(free), typeof(any_value(free)) FROM t"
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/ct_file.parquet "SELECT decode(key), decode(value) FROM parquet_kv_metadata(\$FILE) ORDER BY 1"
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/ct_file.parquet "SELECT count(DISTINCT row_group_id) > 1 AS several_row_groups, string_agg(DISTINCT compression, ',') AS codecs FROM parquet_metadata(\$FILE)"
\! ls -a /tmp/protobuf_fdw_test | grep -c 'ct_file.parquet.tmp' || true
-- the same file as parquet_export() writes, byte for byte
SELECT rows FROM parquet_export('SELECT * FROM ct_src', '/tmp/protobuf_fdw_test/ct_export.parquet');
COPY ct_src TO '/tmp/protobuf_fdw_test/ct_copy.parquet' (FORMAT parquet);
\! cmp /tmp/protobuf_fdw_test/ct_export.parquet /tmp/protobuf_fdw_test/ct_copy.parquet && echo same bytes
-- an empty result is a valid file with no rows
\copy (SELECT * FROM ct_src WHERE false) TO '/tmp/protobuf_fdw_test/ct_empty.parquet' (FORMAT parquet)
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/ct_empty.parquet "SELECT count(*) FROM t"

-- parquet_export()'s checks and messages
COPY ct_src TO STDOUT (FORMAT parquet, compression 'lz4');
COPY ct_src TO STDOUT (FORMAT parquet, compression 'zstd', compression_level 99);
COPY ct_src TO STDOUT (FORMAT parquet, row_group_size 0);
COPY ct_src TO STDOUT (FORMAT parquet, numeric_mode 'float');
COPY ct_src TO STDOUT (FORMAT parquet, kv_metadata '[1]');
COPY ct_src TO STDOUT (FORMAT parquet, header true);
COPY ct_src TO STDOUT (FORMAT parquet, compression 'zstd', compression 'gzip');
COPY ct_src TO 'relative.parquet' (FORMAT parquet);
COPY ct_src TO '/tmp/protobuf_fdw_test' (FORMAT parquet);
COPY ct_src TO PROGRAM 'cat' (FORMAT parquet);
COPY (DELETE FROM ct_src RETURNING id) TO STDOUT (FORMAT parquet);
COPY ct_src (nosuch) TO STDOUT (FORMAT parquet);
COPY ct_src TO STDOUT (FORMAT parquet, threads 0);
COPY ct_src TO STDOUT (FORMAT parquet, field_ids '{"nosuch": 1}');
-- a dataset: a directory on the server, as parquet_export() writes it; not to the client
COPY ct_src TO STDOUT (FORMAT parquet, partition_by 'b');
COPY ct_src TO '/tmp/protobuf_fdw_test/ct_ds' (FORMAT parquet, partition_by '');
COPY ct_src TO '/tmp/protobuf_fdw_test/ct_ds' (FORMAT parquet, rows_per_file 0);
COPY ct_src TO '/tmp/protobuf_fdw_test/ct_ds' (FORMAT parquet, write_partition_columns true);
COPY ct_src TO '/tmp/protobuf_fdw_test/ct_ds' (FORMAT parquet, partition_by (b), rows_per_file 300);
\! find /tmp/protobuf_fdw_test/ct_ds -name '*.parquet' | sort | sed 's|/tmp/protobuf_fdw_test/||'
\! node test/parquet/readback.mjs --hive /tmp/protobuf_fdw_test/ct_ds "SELECT b, count(*), sum(id), count(s) FROM t GROUP BY b ORDER BY b"
SELECT b, count(*), sum(id), count(s) FROM ct_src GROUP BY b ORDER BY b;
-- an existing dataset is refused unless overwrite; the string form names the columns too
COPY (SELECT id, b FROM ct_src) TO '/tmp/protobuf_fdw_test/ct_ds' (FORMAT parquet, partition_by 'b');
COPY (SELECT id, b, s IS NULL AS "No S" FROM ct_src) TO '/tmp/protobuf_fdw_test/ct_ds' (FORMAT parquet, partition_by 'b, "No S"', overwrite);
\! find /tmp/protobuf_fdw_test/ct_ds -name '*.parquet' | sort | sed 's|/tmp/protobuf_fdw_test/||'
-- field_ids and threads: the same bytes with 1 thread and with 3, the ids in the schema
COPY ct_src TO '/tmp/protobuf_fdw_test/ct_ids1.parquet' (FORMAT parquet, threads 1, row_group_size 100, field_ids 'auto');
COPY ct_src TO '/tmp/protobuf_fdw_test/ct_ids3.parquet' (FORMAT parquet, threads 3, row_group_size 100, field_ids 'auto');
\! cmp /tmp/protobuf_fdw_test/ct_ids1.parquet /tmp/protobuf_fdw_test/ct_ids3.parquet && echo same bytes
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/ct_ids3.parquet "SELECT name, field_id FROM parquet_schema(\$FILE) ORDER BY field_id NULLS FIRST"
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/ct_ids3.parquet "SELECT count(*), sum(id), count(DISTINCT s) FROM t"
SELECT count(*), sum(id), count(DISTINCT s) FROM ct_src;
-- errors of the rows: the row and column are named; the target file is left unchanged
COPY (SELECT 'infinity'::date AS d) TO '/tmp/protobuf_fdw_test/ct_file.parquet' (FORMAT parquet);
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/ct_file.parquet "SELECT count(*) FROM t"

-- every other COPY is PostgreSQL's own
COPY (SELECT id, s FROM ct_src WHERE id < 3 ORDER BY id) TO STDOUT (FORMAT csv);
COPY (SELECT 1) TO STDOUT (FORMAT protobuf);

-- the library loaded in a database without the extension: a clear error
CREATE DATABASE ct_noext;
\set here :DBNAME
\c ct_noext
COPY (SELECT 1 AS x) TO STDOUT (FORMAT parquet);
LOAD 'protobuf_fdw';
COPY (SELECT 1 AS x) TO STDOUT (FORMAT parquet);
COPY (SELECT 1 AS x) TO STDOUT (FORMAT csv);
\c :here
DROP DATABASE ct_noext;
