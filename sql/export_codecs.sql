--
-- parquet_export(): every codec, with row groups forced small, read back by
-- DuckDB.  DuckDB computes an md5 over a canonical text of all rows and
-- PostgreSQL computes the same over its table: "same_rows" must be true.
--
SET timezone = 'UTC';
\set d '/tmp/protobuf_fdw_test/'

CREATE TYPE exp_codec_pair AS (a int, b text);
CREATE TABLE exp_codec_src AS
SELECT g::bigint AS id,
       CASE WHEN g % 10 = 0 THEN NULL ELSE 'name ' || (g % 37) || ' ✓' END AS s,
       g / 8.0::float8 AS f,
       timestamptz '2024-01-01 00:00:00+00' + g * interval '61.5 seconds' AS ts,
       CASE WHEN g % 7 = 0 THEN NULL WHEN g % 7 = 1 THEN '{}'::int[] ELSE ARRAY[g, NULL, -g] END AS arr,
       ROW(g % 5, 'x' || g)::exp_codec_pair AS pair
FROM generate_series(1, 1000) g;

-- the same canonical text in both systems (NULL as ~ or N, floats scaled to integers)
CREATE VIEW exp_codec_canon AS
SELECT md5(string_agg(concat_ws(',', id, coalesce(s, '~'), (f * 8)::bigint,
                                (extract(epoch FROM ts) * 1000000)::bigint,
                                coalesce(array_to_string(arr, ';', '~'), 'N'),
                                coalesce(cardinality(arr)::text, 'N'),
                                (pair).a, (pair).b), '|' ORDER BY id)) AS md5
FROM exp_codec_src;
\set canon 'SELECT md5(string_agg(concat_ws(\',\', id, coalesce(s, \'~\'), (f * 8)::BIGINT, epoch_us(ts), coalesce(array_to_string(list_transform(arr, x -> coalesce(x::VARCHAR, \'~\')), \';\'), \'N\'), coalesce(len(arr)::VARCHAR, \'N\'), pair.a, pair.b), \'|\' ORDER BY id)) FROM t'
\set layout 'SELECT count(DISTINCT row_group_id) AS row_groups, sum(row_group_num_rows) / count(DISTINCT path_in_schema) AS rows, string_agg(DISTINCT compression, \',\') AS codecs FROM parquet_metadata($FILE)'

-- every codec, at its default level and at another one: test/parquet/export_codec_check.psql
-- exports exp_codec_src in row groups of 300 rows with :codec and :level, then asks DuckDB
-- for the md5 of all rows (compared with PostgreSQL's) and for the file's layout
\set codec uncompressed
\set level NULL
\i test/parquet/export_codec_check.psql
\set codec snappy
\i test/parquet/export_codec_check.psql
\set codec gzip
\i test/parquet/export_codec_check.psql
\set codec GZIP
\set level 9
\i test/parquet/export_codec_check.psql
\set codec zstd
\set level NULL
\i test/parquet/export_codec_check.psql
\set level 19
\i test/parquet/export_codec_check.psql
\set level -5
\i test/parquet/export_codec_check.psql
\set codec lz4_raw
\set level NULL
\i test/parquet/export_codec_check.psql
\set level 9
\i test/parquet/export_codec_check.psql
\set codec brotli
\set level NULL
\i test/parquet/export_codec_check.psql
\set level 9
\i test/parquet/export_codec_check.psql

-- row groups bounded by bytes rather than rows: several, none empty
SELECT rows, row_groups > 3 AS several FROM parquet_export('SELECT * FROM exp_codec_src ORDER BY id', :'d' || 'exp_codec.parquet', row_group_bytes => 8192);
\set emptyrg 'SELECT count(*) FROM parquet_metadata($FILE) WHERE row_group_num_rows = 0'
\set duck `node test/parquet/readback.mjs --raw :d/exp_codec.parquet :'emptyrg'`
SELECT :'duck' AS empty_row_groups;
\set duck `node test/parquet/readback.mjs --raw :d/exp_codec.parquet :'canon'`
SELECT :'duck' = md5 AS same_rows FROM exp_codec_canon;

-- DuckDB's view of the metadata of the first two row groups: statistics,
-- null counts, encodings (dictionary for the repetitive strings), value counts
-- (level entries: NULL and empty arrays count one each)
SELECT rows, row_groups FROM parquet_export('SELECT * FROM exp_codec_src ORDER BY id', :'d' || 'exp_codec.parquet', compression => 'zstd', row_group_size => 300);
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_codec.parquet "SELECT row_group_id, row_group_num_rows, path_in_schema, type, num_values, stats_min_value, stats_max_value, stats_null_count, encodings, compression FROM parquet_metadata(\$FILE) WHERE row_group_id < 2 ORDER BY row_group_id, column_id"
SELECT count(*) FILTER (WHERE id <= 300 AND s IS NULL) AS nulls_s_rg0,
       sum(CASE WHEN arr IS NULL OR cardinality(arr) = 0 THEN 1 ELSE cardinality(arr) END) FILTER (WHERE id <= 300) AS arr_entries_rg0,
       count(*) FILTER (WHERE id <= 300 AND (arr IS NULL OR cardinality(arr) = 0)) + sum(cardinality(arr)) FILTER (WHERE id <= 300) / 3 AS arr_nulls_rg0
FROM exp_codec_src;
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_codec.parquet "SELECT created_by, num_rows, num_row_groups, format_version FROM parquet_file_metadata(\$FILE)"

-- the md5 check can fail: one changed value changes it
UPDATE exp_codec_src SET s = 'changed' WHERE id = 500;
SELECT :'duck' = md5 AS same_rows FROM exp_codec_canon;

-- unknown codecs and levels out of range
SELECT * FROM parquet_export('SELECT 1 AS x', :'d' || 'exp_codec.parquet', compression => 'lz4');
SELECT * FROM parquet_export('SELECT 1 AS x', :'d' || 'exp_codec.parquet', compression => 'lzo');
SELECT * FROM parquet_export('SELECT 1 AS x', :'d' || 'exp_codec.parquet', compression => 'zstd', compression_level => 23);
SELECT * FROM parquet_export('SELECT 1 AS x', :'d' || 'exp_codec.parquet', compression => 'snappy', compression_level => 1);
SELECT * FROM parquet_export('SELECT 1 AS x', :'d' || 'exp_codec.parquet', compression => NULL);
