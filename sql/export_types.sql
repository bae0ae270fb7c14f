--
-- parquet_export(): every PostgreSQL type of the mapping table, read back by
-- DuckDB (test/parquet/readback.mjs).  Each block prints PostgreSQL's values
-- first, then DuckDB's view of the exported file: they must match.
--
SET timezone = 'UTC';
-- extra_float_digits stays at its default (1): shortest exact output, as DuckDB prints
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';

CREATE TYPE exp_mood AS ENUM ('sad', 'ok', 'happy ☺');
CREATE TYPE exp_inner AS (label text, score numeric(5,2));
CREATE TYPE exp_outer AS (name text, inner_val exp_inner, tags text[]);
CREATE DOMAIN exp_posint AS int CHECK (VALUE > 0);

CREATE TABLE exp_src (
    id int,
    b bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8,
    n5 numeric(5,2), n18 numeric(18,4), n38 numeric(38,10), nfree numeric,
    t text, vc varchar(10), bp char(5), nm name, byt bytea,
    d date, tm time, ts timestamp, tstz timestamptz,
    u uuid, js json, jb jsonb, mood exp_mood, iv interval, ip inet, dom exp_posint,
    ia int[], ta text[], comp exp_outer, comps exp_inner[]
);

INSERT INTO exp_src VALUES
-- 1: ordinary values, multi-byte strings
(1, true, 12, 123456, 1234567890123, 0.1, 0.30000000000000004,
 123.45, 12345678901234.5678, 1234567890123456789012345678.0123456789, 3.14159265358979323846264338327950288419716939937510,
 'héllo wörld ✓ 日本語 🎉', 'añb', 'ab', 'pg_class', '\xdeadbeef00ff',
 '2024-02-29', '13:45:30.123456', '2024-02-29 13:45:30.123456', '2024-02-29 13:45:30.123456+00',
 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2], "b": "ü"}', '{"b": "ü", "a": [1, 2]}', 'happy ☺', '1 year 2 mons 3 days 04:05:06.5', '192.168.0.1/24', 42,
 '{1,2,3}', '{"x","y ü",""}', ROW('outer', ROW('in', 1.25), '{"t1","t2"}'), ARRAY[ROW('a', 1.00), ROW('b', NULL)]::exp_inner[]),
-- 2: NULL everywhere
(2, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL),
-- 3: lower extremes, empty values, NULL elements and fields
(3, false, -32768, -2147483648, -9223372036854775808, '-Infinity', '-1.7976931348623157e308',
 -999.99, -99999999999999.9999, -9999999999999999999999999999.9999999999, -0.000000000000000000000000000000000000000001,
 '', '', '', '', '\x',
 '0044-03-15 BC', '00:00:00', '1969-12-31 23:59:59.999999', '0001-01-01 00:00:00+00',
 '00000000-0000-0000-0000-000000000000', '[]', '{}', 'sad', '-1 days', '::1', 1,
 '{}', '{NULL}', ROW(NULL, NULL, NULL), '{}'),
-- 4: upper extremes, NULL elements inside arrays and composites
(4, true, 32767, 2147483647, 9223372036854775807, 'Infinity', 'NaN',
 999.99, 99999999999999.9999, 9999999999999999999999999999.9999999999, 'NaN',
 E'tab\there "quoted" \\ backslash', 'ünïcödé', 'xyzzy', 'n', '\x00',
 '9999-12-31', '24:00:00', '294246-12-31 23:59:59.999999', '2262-04-12 00:00:00.000001+00',
 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'null', '"ü"', 'ok', '178000000 years', '2001:db8::/32', 2147483647,
 '{NULL,-1,NULL}', '{"",NULL,"z"}', ROW('o', NULL, '{}'), ARRAY[NULL, ROW(NULL, NULL)]::exp_inner[]);

SELECT rows, row_groups FROM parquet_export('SELECT * FROM exp_src ORDER BY id', '/tmp/protobuf_fdw_test/exp_types.parquet');

-- the schema DuckDB sees: physical, logical and converted types
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_types.parquet "SELECT name, type, type_length, repetition_type, num_children, converted_type, scale, precision, logical_type FROM parquet_schema(\$FILE)"
-- and the SQL types it reads them as
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_types.parquet "SELECT column_name, column_type FROM (DESCRIBE t)"

-- booleans and integers
SELECT id, b, i2, i4, i8 FROM exp_src ORDER BY id;
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_types.parquet "SELECT id, b, i2, i4, i8 FROM t ORDER BY id"

-- floats (NaN and infinities included) and numerics
-- (a float4 prints as the double it widens to in DuckDB: compare with f4::float8)
SELECT id, f4, f4::float8 AS f4_as_double, f8, n5, n18 FROM exp_src ORDER BY id;
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_types.parquet "SELECT id, f4, f8, n5, n18 FROM t ORDER BY id"
-- NaN must not hide rows from readers that prune on statistics: the chunk holding it has no bounds
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_types.parquet "SELECT id FROM t WHERE f8 = 'NaN'::DOUBLE OR f8 > 1e300 ORDER BY id"
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_types.parquet "SELECT path_in_schema, stats_min_value, stats_max_value, stats_null_count FROM parquet_metadata(\$FILE) WHERE path_in_schema = 'f8'"
-- filters that DuckDB pushes down to the statistics find the rows in every sort order
-- (signed integers and decimals, unsigned bytes for strings, blobs and UUIDs, dates before 1970)
\set filters 'SELECT \'i8 = min\' AS f, list(id ORDER BY id) AS ids FROM t WHERE i8 = -9223372036854775808 UNION ALL SELECT \'n38 < 0\', list(id ORDER BY id) FROM t WHERE n38 < 0 UNION ALL SELECT \'n38 > 1e27\', list(id ORDER BY id) FROM t WHERE n38 > 1e27 UNION ALL SELECT \'n5 = -999.99\', list(id ORDER BY id) FROM t WHERE n5 = -999.99 UNION ALL SELECT \'t = multi-byte\', list(id ORDER BY id) FROM t WHERE t = \'héllo wörld ✓ 日本語 🎉\' UNION ALL SELECT \'byt = dead...\', list(id ORDER BY id) FROM t WHERE byt = \'\\xDE\\xAD\\xBE\\xEF\\x00\\xFF\'::BLOB UNION ALL SELECT \'u > 8000...\', list(id ORDER BY id) FROM t WHERE u > \'80000000-0000-0000-0000-000000000000\' UNION ALL SELECT \'d < 0001-01-01\', list(id ORDER BY id) FROM t WHERE d < DATE \'0001-01-01\' UNION ALL SELECT \'tstz < 1000\', list(id ORDER BY id) FROM t WHERE tstz < TIMESTAMPTZ \'1000-01-01 00:00:00+00\' UNION ALL SELECT \'b = false\', list(id ORDER BY id) FROM t WHERE b = false'
\set duck `node test/parquet/readback.mjs --raw /tmp/protobuf_fdw_test/exp_types.parquet :'filters'`
\echo :duck
SELECT id, n38, nfree FROM exp_src ORDER BY id;
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_types.parquet "SELECT id, n38, nfree FROM t ORDER BY id"
-- strings and bytes
SELECT id, t, vc, bp, nm, byt FROM exp_src ORDER BY id;
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_types.parquet "SELECT id, t, vc, bp, nm, byt FROM t ORDER BY id"
SELECT id, octet_length(t) AS t_bytes, length(t) AS t_chars FROM exp_src ORDER BY id;
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_types.parquet "SELECT id, octet_length(encode(t)) AS t_bytes, length(t) AS t_chars FROM t ORDER BY id"

-- dates and times
SELECT id, d, tm, ts, tstz FROM exp_src ORDER BY id;
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_types.parquet "SELECT id, d, tm, ts, tstz FROM t ORDER BY id"
-- and as integers since 1970, which leaves no room for display differences
SELECT id, d - date '1970-01-01' AS days,
       (extract(epoch FROM tm) * 1000000)::bigint AS tm_us,
       (extract(epoch FROM ts) * 1000000)::bigint AS ts_us,
       (extract(epoch FROM tstz) * 1000000)::bigint AS tstz_us
FROM exp_src ORDER BY id;
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_types.parquet "SELECT id, d - DATE '1970-01-01' AS days, datediff('microsecond', TIME '00:00:00', tm) AS tm_us, epoch_us(ts) AS ts_us, epoch_us(tstz) AS tstz_us FROM t ORDER BY id"

-- uuid, json, enum, types written through their output function, domains
SELECT id, u, js, jb, mood, iv, ip, dom FROM exp_src ORDER BY id;
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_types.parquet "SELECT id, u, js, jb, mood, iv, ip, dom FROM t ORDER BY id"

-- arrays: NULL array, empty array, NULL elements all distinct
SELECT id, ia, ta, ia IS NULL AS ia_null, cardinality(ia) AS ia_len FROM exp_src ORDER BY id;
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_types.parquet "SELECT id, ia, ta, ia IS NULL AS ia_null, len(ia) AS ia_len FROM t ORDER BY id"

-- composites, nested, with arrays inside and arrays of composites
SELECT id, comp, comps FROM exp_src ORDER BY id;
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_types.parquet "SELECT id, comp, comps FROM t ORDER BY id"
-- (a composite whose fields are all NULL IS NULL in SQL, but is not a NULL value: test its text)
SELECT id, comp::text IS NULL AS comp_null, (comp).inner_val::text IS NULL AS inner_null, ((comp).inner_val).score FROM exp_src ORDER BY id;
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_types.parquet "SELECT id, comp IS NULL AS comp_null, comp.inner_val IS NULL AS inner_null, comp.inner_val.score FROM t ORDER BY id"

-- every value of every column, compared in SQL: PostgreSQL's value (exp_src) against DuckDB's
-- read-back of the file, each column in a form both print alike (integers and text as text,
-- floats as the float they parse to, bytes as hex, dates and times as days and microseconds
-- since 1970, arrays and composites as jsonb).  Lists each (id, column) whose values differ
-- (no rows is a pass), after the number of values compared (4 rows x 30 columns)
\set values 'SELECT CAST(to_json(list({\'id\': id, \'c\': c, \'v\': v} ORDER BY id, c)) AS VARCHAR) FROM (SELECT id, \'b\' AS c, CAST(b AS VARCHAR) AS v FROM t UNION ALL SELECT id, \'i2\' AS c, CAST(i2 AS VARCHAR) AS v FROM t UNION ALL SELECT id, \'i4\' AS c, CAST(i4 AS VARCHAR) AS v FROM t UNION ALL SELECT id, \'i8\' AS c, CAST(i8 AS VARCHAR) AS v FROM t UNION ALL SELECT id, \'f4\' AS c, CAST(f4 AS VARCHAR) AS v FROM t UNION ALL SELECT id, \'f8\' AS c, CAST(f8 AS VARCHAR) AS v FROM t UNION ALL SELECT id, \'n5\' AS c, CAST(n5 AS VARCHAR) AS v FROM t UNION ALL SELECT id, \'n18\' AS c, CAST(n18 AS VARCHAR) AS v FROM t UNION ALL SELECT id, \'n38\' AS c, CAST(n38 AS VARCHAR) AS v FROM t UNION ALL SELECT id, \'nfree\' AS c, nfree AS v FROM t UNION ALL SELECT id, \'t\' AS c, t AS v FROM t UNION ALL SELECT id, \'vc\' AS c, vc AS v FROM t UNION ALL SELECT id, \'bp\' AS c, bp AS v FROM t UNION ALL SELECT id, \'nm\' AS c, nm AS v FROM t UNION ALL SELECT id, \'byt\' AS c, lower(hex(byt)) AS v FROM t UNION ALL SELECT id, \'d\' AS c, CAST(d - DATE \'1970-01-01\' AS VARCHAR) AS v FROM t UNION ALL SELECT id, \'tm\' AS c, CAST(datediff(\'microsecond\', TIME \'00:00:00\', tm) AS VARCHAR) AS v FROM t UNION ALL SELECT id, \'ts\' AS c, CAST(epoch_us(ts) AS VARCHAR) AS v FROM t UNION ALL SELECT id, \'tstz\' AS c, CAST(epoch_us(tstz) AS VARCHAR) AS v FROM t UNION ALL SELECT id, \'u\' AS c, CAST(u AS VARCHAR) AS v FROM t UNION ALL SELECT id, \'js\' AS c, CAST(js AS VARCHAR) AS v FROM t UNION ALL SELECT id, \'jb\' AS c, CAST(jb AS VARCHAR) AS v FROM t UNION ALL SELECT id, \'mood\' AS c, mood AS v FROM t UNION ALL SELECT id, \'iv\' AS c, iv AS v FROM t UNION ALL SELECT id, \'ip\' AS c, ip AS v FROM t UNION ALL SELECT id, \'dom\' AS c, CAST(dom AS VARCHAR) AS v FROM t UNION ALL SELECT id, \'ia\' AS c, CAST(to_json(ia) AS VARCHAR) AS v FROM t UNION ALL SELECT id, \'ta\' AS c, CAST(to_json(ta) AS VARCHAR) AS v FROM t UNION ALL SELECT id, \'comp\' AS c, CAST(to_json(comp) AS VARCHAR) AS v FROM t UNION ALL SELECT id, \'comps\' AS c, CAST(to_json(comps) AS VARCHAR) AS v FROM t)'
\set duck `node test/parquet/readback.mjs --raw /tmp/protobuf_fdw_test/exp_types.parquet :'values'`
CREATE TEMP TABLE exp_duck AS
  SELECT * FROM jsonb_to_recordset(:'duck'::jsonb) AS d(id int, c text, v text);
CREATE TEMP TABLE exp_pg AS
  SELECT s.id, x.c, x.v FROM exp_src s, LATERAL (VALUES
           ('b', b::text),
           ('i2', i2::text),
           ('i4', i4::text),
           ('i8', i8::text),
           ('f4', f4::text),
           ('f8', f8::text),
           ('n5', n5::text),
           ('n18', n18::text),
           ('n38', n38::text),
           ('nfree', nfree::text),
           ('t', t),
           ('vc', vc::text),
           ('bp', CASE WHEN bp IS NOT NULL THEN concat(bp) END),
           ('nm', nm::text),
           ('byt', encode(byt, 'hex')),
           ('d', (d - date '1970-01-01')::text),
           ('tm', (extract(epoch FROM tm) * 1000000)::bigint::text),
           ('ts', (extract(epoch FROM ts) * 1000000)::bigint::text),
           ('tstz', (extract(epoch FROM tstz) * 1000000)::bigint::text),
           ('u', u::text),
           ('js', js::text),
           ('jb', jb::text),
           ('mood', mood::text),
           ('iv', iv::text),
           ('ip', CASE WHEN ip IS NOT NULL THEN concat(ip) END),
           ('dom', dom::text),
           ('ia', to_jsonb(ia)::text),
           ('ta', to_jsonb(ta)::text),
           ('comp', to_jsonb(comp)::text),
           ('comps', to_jsonb(comps)::text)) x(c, v);
SELECT count(*) AS values_compared FROM exp_pg p JOIN exp_duck d USING (id, c);
SELECT id, c AS column_differs, p.v AS postgresql, d.v AS duckdb
  FROM exp_pg p FULL JOIN exp_duck d USING (id, c)
 WHERE p.id IS NULL OR d.id IS NULL OR CASE
         WHEN c IN ('f4') THEN p.v::float4 IS DISTINCT FROM d.v::float4
         WHEN c IN ('f8') THEN p.v::float8 IS DISTINCT FROM d.v::float8
         WHEN c IN ('ia', 'ta', 'comp', 'comps') THEN p.v::jsonb IS DISTINCT FROM d.v::jsonb
         ELSE p.v IS DISTINCT FROM d.v END
 ORDER BY id, c;

-- lists inside composites inside a list (two repetition levels), across row groups of 2 rows
CREATE TYPE exp_deep AS (name text, tags text[], nums int[]);
CREATE TABLE exp_deep_src AS SELECT * FROM (VALUES
  (1, ARRAY[ROW('a', '{"t1","t2"}', '{1,2}')::exp_deep, ROW('b', NULL, '{}')::exp_deep, NULL, ROW(NULL, '{NULL}', '{3}')::exp_deep]),
  (2, NULL),
  (3, '{}'::exp_deep[]),
  (4, ARRAY[ROW('c', '{}', NULL)::exp_deep])) v(id, ds);
SELECT * FROM exp_deep_src ORDER BY id;
SELECT rows, row_groups FROM parquet_export('SELECT * FROM exp_deep_src ORDER BY id', '/tmp/protobuf_fdw_test/exp_deep.parquet', row_group_size => 2);
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_deep.parquet "SELECT * FROM t ORDER BY id"

-- every type through every codec, one row per row group: DuckDB reads each file back
-- to exactly the rows of the snappy file checked value by value above
SELECT rows, row_groups FROM parquet_export('SELECT * FROM exp_src ORDER BY id', '/tmp/protobuf_fdw_test/exp_types_c_uncompressed.parquet', compression => 'uncompressed', row_group_size => 1);
SELECT rows, row_groups FROM parquet_export('SELECT * FROM exp_src ORDER BY id', '/tmp/protobuf_fdw_test/exp_types_c_gzip.parquet', compression => 'gzip', row_group_size => 1);
SELECT rows, row_groups FROM parquet_export('SELECT * FROM exp_src ORDER BY id', '/tmp/protobuf_fdw_test/exp_types_c_zstd.parquet', compression => 'zstd', row_group_size => 1);
SELECT rows, row_groups FROM parquet_export('SELECT * FROM exp_src ORDER BY id', '/tmp/protobuf_fdw_test/exp_types_c_lz4_raw.parquet', compression => 'lz4_raw', row_group_size => 1);
SELECT rows, row_groups FROM parquet_export('SELECT * FROM exp_src ORDER BY id', '/tmp/protobuf_fdw_test/exp_types_c_brotli.parquet', compression => 'brotli', row_group_size => 1);
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_types.parquet "SELECT 'uncompressed' AS codec, (SELECT count(*) FROM read_parquet('/tmp/protobuf_fdw_test/exp_types_c_uncompressed.parquet')) AS row_count, (SELECT md5(string_agg(x::VARCHAR, '|' ORDER BY x.id)) FROM read_parquet('/tmp/protobuf_fdw_test/exp_types_c_uncompressed.parquet') x) = (SELECT md5(string_agg(s::VARCHAR, '|' ORDER BY s.id)) FROM t s) AS same_rows UNION ALL SELECT 'gzip' AS codec, (SELECT count(*) FROM read_parquet('/tmp/protobuf_fdw_test/exp_types_c_gzip.parquet')) AS row_count, (SELECT md5(string_agg(x::VARCHAR, '|' ORDER BY x.id)) FROM read_parquet('/tmp/protobuf_fdw_test/exp_types_c_gzip.parquet') x) = (SELECT md5(string_agg(s::VARCHAR, '|' ORDER BY s.id)) FROM t s) AS same_rows UNION ALL SELECT 'zstd' AS codec, (SELECT count(*) FROM read_parquet('/tmp/protobuf_fdw_test/exp_types_c_zstd.parquet')) AS row_count, (SELECT md5(string_agg(x::VARCHAR, '|' ORDER BY x.id)) FROM read_parquet('/tmp/protobuf_fdw_test/exp_types_c_zstd.parquet') x) = (SELECT md5(string_agg(s::VARCHAR, '|' ORDER BY s.id)) FROM t s) AS same_rows UNION ALL SELECT 'lz4_raw' AS codec, (SELECT count(*) FROM read_parquet('/tmp/protobuf_fdw_test/exp_types_c_lz4_raw.parquet')) AS row_count, (SELECT md5(string_agg(x::VARCHAR, '|' ORDER BY x.id)) FROM read_parquet('/tmp/protobuf_fdw_test/exp_types_c_lz4_raw.parquet') x) = (SELECT md5(string_agg(s::VARCHAR, '|' ORDER BY s.id)) FROM t s) AS same_rows UNION ALL SELECT 'brotli' AS codec, (SELECT count(*) FROM read_parquet('/tmp/protobuf_fdw_test/exp_types_c_brotli.parquet')) AS row_count, (SELECT md5(string_agg(x::VARCHAR, '|' ORDER BY x.id)) FROM read_parquet('/tmp/protobuf_fdw_test/exp_types_c_brotli.parquet') x) = (SELECT md5(string_agg(s::VARCHAR, '|' ORDER BY s.id)) FROM t s) AS same_rows"
-- and a second reader, hyparquet (pure JavaScript), gets the same integers, booleans and strings
-- from every one of them
SELECT count(*) || ' ' || md5(string_agg(concat_ws(',', id, coalesce(b::text, '~'), coalesce(i2::text, '~'), coalesce(i4::text, '~'), coalesce(i8::text, '~'), coalesce(t, '~'), coalesce(nm::text, '~'), coalesce(mood::text, '~'), coalesce(dom::text, '~')), '|' ORDER BY id)) AS pg_rows FROM exp_src \gset
\set cols 'id b i2 i4 i8 t nm mood dom'
\set hyp `node test/parquet/hyparquet-check.mjs /tmp/protobuf_fdw_test/exp_types.parquet :cols`
SELECT :'hyp' = split_part(:'pg_rows', ' ', 1) || ' 1 ' || split_part(:'pg_rows', ' ', 2) AS snappy;
\set hyp `node test/parquet/hyparquet-check.mjs /tmp/protobuf_fdw_test/exp_types_c_uncompressed.parquet :cols`
SELECT :'hyp' = split_part(:'pg_rows', ' ', 1) || ' 4 ' || split_part(:'pg_rows', ' ', 2) AS uncompressed;
\set hyp `node test/parquet/hyparquet-check.mjs /tmp/protobuf_fdw_test/exp_types_c_gzip.parquet :cols`
SELECT :'hyp' = split_part(:'pg_rows', ' ', 1) || ' 4 ' || split_part(:'pg_rows', ' ', 2) AS gzip;
\set hyp `node test/parquet/hyparquet-check.mjs /tmp/protobuf_fdw_test/exp_types_c_zstd.parquet :cols`
SELECT :'hyp' = split_part(:'pg_rows', ' ', 1) || ' 4 ' || split_part(:'pg_rows', ' ', 2) AS zstd;
\set hyp `node test/parquet/hyparquet-check.mjs /tmp/protobuf_fdw_test/exp_types_c_lz4_raw.parquet :cols`
SELECT :'hyp' = split_part(:'pg_rows', ' ', 1) || ' 4 ' || split_part(:'pg_rows', ' ', 2) AS lz4_raw;
\set hyp `node test/parquet/hyparquet-check.mjs /tmp/protobuf_fdw_test/exp_types_c_brotli.parquet :cols`
SELECT :'hyp' = split_part(:'pg_rows', ' ', 1) || ' 4 ' || split_part(:'pg_rows', ' ', 2) AS brotli;
