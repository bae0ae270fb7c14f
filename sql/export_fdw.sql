--
-- parquet_export() over the protobuf FDW: protobuf file -> foreign table ->
-- Parquet -> DuckDB gives back the rows PostgreSQL reads from the protobuf file.
-- Data: events.pb and many.pb from test/fixtures (protoc and python3-protobuf).
--
\set d '/tmp/protobuf_fdw_test/'
CREATE SERVER exp_fdw_pb FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/all.desc');

-- every column of bench.Event
CREATE FOREIGN TABLE exp_fdw_events (id bigint, user_id text, ts_micros bigint, amount float8,
  quantity int4, is_test bool, country text, url text, status int8, score float4)
  SERVER exp_fdw_pb OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event');
SELECT * FROM exp_fdw_events ORDER BY id;
SELECT rows, row_groups FROM parquet_export('SELECT * FROM exp_fdw_events', :'d' || 'exp_fdw_events.parquet',
    compression => 'zstd', kv_metadata => '{"source": "events.pb", "message": "bench.Event"}');
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_fdw_events.parquet "SELECT * FROM t ORDER BY id"

-- 20000 messages, one of them holding a 3 MiB string (a page far over 1 MiB),
-- written in row groups of 3000 rows, compared through an md5 over all rows
CREATE FOREIGN TABLE exp_fdw_many (id int4, f_int64 int8, f_string text)
  SERVER exp_fdw_pb OPTIONS (filename '/tmp/protobuf_fdw_test/many.pb', message 's3.Scalars');
SELECT rows, row_groups FROM parquet_export('SELECT * FROM exp_fdw_many', :'d' || 'exp_fdw_many.parquet', row_group_size => 3000);
\set canon 'SELECT count(*) AS n, md5(string_agg(concat_ws(\',\', id, f_int64, md5(f_string)), \'|\' ORDER BY id)) AS h FROM t'
\set duck `node test/parquet/readback.mjs --raw :d/exp_fdw_many.parquet :'canon'`
SELECT :'duck' = count(*) || ' | ' || md5(string_agg(concat_ws(',', id, f_int64, md5(f_string)), '|' ORDER BY id)) AS same_rows
FROM exp_fdw_many;
-- the row group holding the 3 MiB string has no string bounds (longer than 4096 bytes),
-- the others have them
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_fdw_many.parquet "SELECT row_group_id, row_group_num_rows, stats_min_value IS NOT NULL AS has_min, stats_null_count FROM parquet_metadata(\$FILE) WHERE path_in_schema = 'f_string' ORDER BY row_group_id"
