--
-- parquet_export(): values a Parquet type cannot hold, numeric_mode, and the
-- shapes that are refused.  Every refusal names the column and leaves no file.
--
SET timezone = 'UTC';
\set d '/tmp/protobuf_fdw_test/'

-- infinite dates and timestamps have no Parquet value: an error naming the column
SELECT rows, row_groups FROM parquet_export($$SELECT 1 AS id, d FROM (VALUES (date '2024-01-01'), ('infinity')) v(d)$$, :'d' || 'exp_rules.parquet');
SELECT rows, row_groups FROM parquet_export($$SELECT ts FROM (VALUES (timestamp '-infinity')) v(ts)$$, :'d' || 'exp_rules.parquet');
SELECT rows, row_groups FROM parquet_export($$SELECT ARRAY[now(), 'infinity'] AS tstzs$$, :'d' || 'exp_rules.parquet');
-- past 294247-01-10 microseconds since 1970 overflow 64 bits (PostgreSQL goes to 294276)
SELECT rows, row_groups FROM parquet_export($$SELECT timestamp '294276-12-31 23:59:59' AS late$$, :'d' || 'exp_rules.parquet');
-- the microsecond before the last still reads back (DuckDB takes the very last,
-- INT64 max, as its own 'infinity')
SELECT rows, row_groups FROM parquet_export($$SELECT timestamp '294247-01-10 04:00:54.775806' AS late$$, :'d' || 'exp_rules.parquet');
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_rules.parquet "SELECT late, epoch_us(late) FROM t"

-- NaN in a numeric(p,s) column has no DECIMAL value
SELECT rows, row_groups FROM parquet_export($$SELECT x::numeric(5,2) AS amount FROM (VALUES ('1.5'), ('NaN')) v(x)$$, :'d' || 'exp_rules.parquet');

-- numeric without a typmod: exact text by default ...
-- (and numeric(40,2): precision above 38 is treated as unbounded)
SELECT rows, row_groups FROM parquet_export($$SELECT x::numeric AS n, y::numeric(40,2) AS wide FROM (VALUES ('1.005', '1.005'), ('-1e-30', '-1e-30'), ('NaN', 'NaN'), ('Infinity', NULL)) v(x, y)$$, :'d' || 'exp_rules.parquet');
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_rules.parquet
-- (so are PostgreSQL 15's negative scales and scales above the precision)
SELECT rows FROM parquet_export($$SELECT 12345::numeric(5,-2) AS neg, 0.00012::numeric(2,5) AS tiny$$, :'d' || 'exp_rules.parquet');
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_rules.parquet
-- ... or DOUBLE (NaN and infinities kept) ...
SELECT rows, row_groups FROM parquet_export($$SELECT x::numeric AS n FROM (VALUES ('1.005'), ('-1e-30'), ('NaN'), ('-Infinity'), (NULL)) v(x)$$, :'d' || 'exp_rules.parquet', numeric_mode => 'double');
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_rules.parquet "SELECT n, typeof(n) FROM t"
-- ... or DECIMAL(p,s), rounded as numeric(p,s) rounds (half away from zero)
SELECT rows, row_groups FROM parquet_export($$SELECT x::numeric AS n FROM (VALUES ('1.005'), ('-1.005'), ('12345678.994'), (NULL)) v(x)$$, :'d' || 'exp_rules.parquet', numeric_mode => 'decimal(10,2)');
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_rules.parquet "SELECT n, typeof(n) FROM t"
-- a value too large for it is an error, and so is NaN
SELECT rows, row_groups FROM parquet_export($$SELECT x::numeric AS n FROM (VALUES ('1'), ('123456789')) v(x)$$, :'d' || 'exp_rules.parquet', numeric_mode => 'decimal(10,2)');
SELECT rows, row_groups FROM parquet_export($$SELECT 'NaN'::numeric AS n$$, :'d' || 'exp_rules.parquet', numeric_mode => 'decimal(38,9)');
-- a typmod-less numeric inside arrays and composites follows numeric_mode too
SELECT rows, row_groups FROM parquet_export($$SELECT ARRAY[1.5, 2.25]::numeric[] AS ns$$, :'d' || 'exp_rules.parquet', numeric_mode => 'decimal(38,9)');
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_rules.parquet "SELECT ns, typeof(ns) FROM t"
-- bad modes
SELECT rows, row_groups FROM parquet_export('SELECT 1::numeric AS n', :'d' || 'exp_rules.parquet', numeric_mode => 'decimal(39,2)');
SELECT rows, row_groups FROM parquet_export('SELECT 1::numeric AS n', :'d' || 'exp_rules.parquet', numeric_mode => 'float');

-- anonymous records are written as their text; arrays lose a non-1 lower bound
SELECT rows, row_groups FROM parquet_export($$SELECT ROW(1, 'a b') AS r, '[0:1]={7,8}'::int[] AS shifted$$, :'d' || 'exp_rules.parquet');
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_rules.parquet

-- refused shapes: multi-dimensional arrays, duplicate names, zero columns
SELECT rows, row_groups FROM parquet_export($$SELECT '{{1,2},{3,4}}'::int[] AS grid$$, :'d' || 'exp_rules.parquet');
SELECT rows, row_groups FROM parquet_export('SELECT 1 AS a, 2 AS a', :'d' || 'exp_rules.parquet');
SELECT rows, row_groups FROM parquet_export('SELECT FROM generate_series(1, 3)', :'d' || 'exp_rules.parquet');

-- composites nested past the writer's limit of 100 levels
DO $$
BEGIN
    CREATE TYPE exp_rules_d0 AS (x int);
    FOR i IN 1..100 LOOP
        EXECUTE format('CREATE TYPE exp_rules_d%s AS (x exp_rules_d%s)', i, i - 1);
    END LOOP;
END
$$;
SELECT rows, row_groups FROM parquet_export('SELECT NULL::exp_rules_d98 AS deep', :'d' || 'exp_rules.parquet');
SELECT rows, row_groups FROM parquet_export('SELECT NULL::exp_rules_d100 AS deep', :'d' || 'exp_rules.parquet');

-- only queries returning rows
CREATE TABLE exp_rules_t (x int);
SELECT rows, row_groups FROM parquet_export('INSERT INTO exp_rules_t VALUES (1)', :'d' || 'exp_rules.parquet');
SELECT rows, row_groups FROM parquet_export('CREATE TABLE exp_rules_u (x int)', :'d' || 'exp_rules.parquet');
SELECT rows, row_groups FROM parquet_export('SELECT 1 AS x INTO exp_rules_v', :'d' || 'exp_rules.parquet');
SELECT rows, row_groups FROM parquet_export('SELECT 1 AS x; SELECT 2 AS x', :'d' || 'exp_rules.parquet');
SELECT count(*) FROM exp_rules_t;
-- TABLE, VALUES and WITH are queries too
SELECT rows, row_groups FROM parquet_export('TABLE exp_rules_t', :'d' || 'exp_rules.parquet');
SELECT rows, row_groups FROM parquet_export('WITH v(x) AS (VALUES (1), (2)) SELECT x FROM v', :'d' || 'exp_rules.parquet');

-- argument checks
SELECT rows, row_groups FROM parquet_export('SELECT 1 AS x', 'relative.parquet');
SELECT rows, row_groups FROM parquet_export(NULL, :'d' || 'exp_rules.parquet');
SELECT rows, row_groups FROM parquet_export('SELECT 1 AS x', :'d' || 'exp_rules.parquet', row_group_size => 0);
SELECT rows, row_groups FROM parquet_export('SELECT 1 AS x', :'d' || 'exp_rules.parquet', kv_metadata => '[1, 2]');

-- nothing was left behind by the failures above
\! ls -a /tmp/protobuf_fdw_test | grep "exp_rules\.parquet"

-- a LATIN1 database: strings (text, enum labels, output-function text) are written as UTF-8
SELECT current_database() AS orig_db \gset
DROP DATABASE IF EXISTS regress_exp_latin1;
CREATE DATABASE regress_exp_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c regress_exp_latin1
SET client_encoding = 'UTF8';
CREATE EXTENSION protobuf_fdw;
CREATE TYPE exp_rules_mood AS ENUM ('gemütlich');
SELECT rows FROM parquet_export($$SELECT 'Käse é ÿ'::text AS t, 'gemütlich'::exp_rules_mood AS m, ROW('ü', 1) AS r, convert_to('ä', 'LATIN1') AS raw_bytes$$, '/tmp/protobuf_fdw_test/regress_exp_latin1.parquet');
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/regress_exp_latin1.parquet "SELECT t, octet_length(encode(t)) AS t_bytes, m, r, raw_bytes FROM t"
\c :orig_db
DROP DATABASE regress_exp_latin1;
