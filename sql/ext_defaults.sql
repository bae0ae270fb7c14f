--
-- proto2 declared defaults (issue 13): the option absent, 'null' (the default: an absent field
-- with presence reads NULL) or 'default' (it reads as protobuf's generated getter returns it:
-- the declared [default = ...], else the type's zero, empty or first enum value), on the table
-- and on a column (the column's wins).  ext13.Defaults has a default of every scalar type; 40
-- messages written by Python's protobuf (test/fixtures/ext13/); every value compared, inside
-- SQL, with what Python's HasField and getters read: x13_diff lists each value that differs
-- (no row when all match).
--
CREATE SERVER x13 FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/ext13/ext13.desc');
\pset null '(null)'
SET x13.dir = '/tmp/protobuf_fdw_test/ext13/';
\i test/fixtures/ext13/compare.sql

\set cols 'i32 int, i64 bigint, u32 bigint, u64 numeric, s32 int, s64 bigint, f32 bigint, f64 numeric, sf32 int, sf64 bigint, fl real, fl_inf real, fl_ninf real, db_nan float8, db float8, b_true bool, b_plain bool, s text, by bytea, color text, color_num int OPTIONS (field ''color''), color_first text, color_first_num int OPTIONS (field ''color_first''), plain_i32 int, plain_s text, one_a int, one_b text, pick text, fl_small real, db_neg float8, by_plain bytea, inner_x int OPTIONS (field ''inner.x''), inner_y text OPTIONS (field ''inner.y''), "inner" jsonb, rep int[], ord bigint OPTIONS (meta ''ordinal'')'
CREATE FOREIGN TABLE x13_null (:cols) SERVER x13
  OPTIONS (filename '/tmp/protobuf_fdw_test/ext13/defaults.pb', message 'ext13.Defaults');
CREATE FOREIGN TABLE x13_def (:cols) SERVER x13
  OPTIONS (filename '/tmp/protobuf_fdw_test/ext13/defaults.pb', message 'ext13.Defaults',
           absent 'default');

-- every value, both ways: Python's getter (default) or NULL where HasField is false (null)
SELECT count(*) AS rows, (SELECT count(*) FROM pg_temp.x13_oracle('defaults.expected.jsonl')) AS python_rows
  FROM x13_def;
SELECT count(*) AS differences FROM pg_temp.x13_diff('x13_def', 'defaults.expected.jsonl', 'default');
SELECT * FROM pg_temp.x13_diff('x13_def', 'defaults.expected.jsonl', 'default') LIMIT 10;
SELECT count(*) AS differences FROM pg_temp.x13_diff('x13_null', 'defaults.expected.jsonl', 'null');
SELECT * FROM pg_temp.x13_diff('x13_null', 'defaults.expected.jsonl', 'null') LIMIT 10;

-- the comparison can fail: a wrong expectation is counted
SELECT count(*) AS differences_if_misread FROM pg_temp.x13_diff('x13_null', 'defaults.expected.jsonl', 'default');

-- message 1 sets nothing: every declared default, literally
\x on
SELECT i32, i64, u32, u64, s32, s64, f32, f64, sf32, sf64, fl, fl_inf, fl_ninf, db_nan, db,
       b_true, b_plain, s, by, color, color_num, color_first, color_first_num, plain_i32,
       plain_s, one_a, one_b, pick, fl_small, db_neg, by_plain, inner_x, "inner", rep
  FROM x13_def WHERE ord = 1;
SELECT i32, u64, fl_inf, s, by, color, one_a, inner_x, "inner", rep FROM x13_null WHERE ord = 1;
\x off
-- message 2 sets every field to its type's zero value, which is not its default
SELECT i32, u64, fl_inf, db_nan, b_true, s, by, color, color_num, one_a, one_b, pick, inner_x, inner_y
  FROM x13_def WHERE ord = 2;
-- message 4: color 99 is no value of the closed enum Color (Python keeps it as an unknown
-- field): absent, so COLOR_GREEN by default
SELECT ord, s, color, color_num FROM x13_def WHERE ord = 4;
SELECT ord, s, color, color_num FROM x13_null WHERE ord = 4;

-- WHERE over a default: Python counts b_true as true in these messages
SELECT count(*) FILTER (WHERE b_true) AS b_true, count(*) FILTER (WHERE NOT b_true) AS b_false,
       count(*) FILTER (WHERE b_true IS NULL) AS b_null FROM x13_def;
SELECT count(*) FILTER (WHERE (j->'get'->>'b_true')::bool) AS python_b_true
  FROM pg_temp.x13_oracle('defaults.expected.jsonl');

-- the column's option wins over the table's, both ways
CREATE FOREIGN TABLE x13_mixed (
  i32 int OPTIONS (absent 'default'), u64 numeric, color text OPTIONS (absent 'null'),
  s text, ord bigint OPTIONS (meta 'ordinal')) SERVER x13
  OPTIONS (filename '/tmp/protobuf_fdw_test/ext13/defaults.pb', message 'ext13.Defaults');
SELECT i32, u64, color, s FROM x13_mixed WHERE ord = 1;
ALTER FOREIGN TABLE x13_mixed OPTIONS (ADD absent 'default');
SELECT i32, u64, color, s FROM x13_mixed WHERE ord = 1;

-- a composite's attributes follow their column's option; the message itself stays NULL
CREATE TYPE x13_inner AS (x int, y text);
CREATE FOREIGN TABLE x13_comp (
  "inner" x13_inner, inner_def x13_inner OPTIONS (field 'inner', absent 'default'),
  ord bigint OPTIONS (meta 'ordinal')) SERVER x13
  OPTIONS (filename '/tmp/protobuf_fdw_test/ext13/defaults.pb', message 'ext13.Defaults');
SELECT ord, "inner", inner_def, o.j->'get'->'inner' AS python
  FROM x13_comp JOIN pg_temp.x13_oracle('defaults.expected.jsonl') o ON o.pos = ord
 WHERE ord <= 3 ORDER BY ord;
SELECT count(*) AS differences
  FROM x13_comp JOIN pg_temp.x13_oracle('defaults.expected.jsonl') o ON o.pos = ord
 WHERE inner_def IS DISTINCT FROM
       (CASE WHEN o.j->'get'->'inner_x' <> 'null'
             THEN ROW((o.j->'get'->>'inner_x')::int, o.j->'get'->>'inner_y')::x13_inner END);

-- IMPORT FOREIGN SCHEMA and protobuf_fdw_create_table() pass the option on to their tables
CREATE SCHEMA x13imp;
IMPORT FOREIGN SCHEMA ext13 LIMIT TO ("Defaults") FROM SERVER x13 INTO x13imp
  OPTIONS (filename '/tmp/protobuf_fdw_test/ext13/defaults.pb', absent 'default');
SELECT i32, u64, color, s, one_a FROM x13imp."Defaults" LIMIT 1;
SELECT ftoptions FROM pg_foreign_table WHERE ftrelid = 'x13imp."Defaults"'::regclass;
SELECT protobuf_fdw_create_table('x13', 'ext13.Inner', '/tmp/protobuf_fdw_test/ext13/defaults.pb',
                                 options => '{"absent": "default"}');
DROP SCHEMA x13imp CASCADE;

-- errors: a bad value, on a table and on a column
CREATE FOREIGN TABLE x13_bad (i32 int) SERVER x13
  OPTIONS (filename '/tmp/protobuf_fdw_test/ext13/defaults.pb', message 'ext13.Defaults',
           absent 'zero');
CREATE FOREIGN TABLE x13_bad (i32 int OPTIONS (absent 'Default')) SERVER x13
  OPTIONS (filename '/tmp/protobuf_fdw_test/ext13/defaults.pb', message 'ext13.Defaults');
-- not a server option
CREATE SERVER x13_bad FOREIGN DATA WRAPPER protobuf_fdw OPTIONS (absent 'default');

-- COPY FROM (FORMAT protobuf) takes the option too: the rows equal the foreign tables' rows
CREATE TABLE x13_local (i32 int, s text, b_true bool, color text, fl real, by bytea, plain_i32 int);
COPY x13_local FROM '/tmp/protobuf_fdw_test/ext13/defaults.pb'
  (FORMAT protobuf, server 'x13', message 'ext13.Defaults', absent 'default');
SELECT count(*) AS rows, count(i32) AS i32_set, count(color) AS color_set FROM x13_local;
SELECT count(*) AS differences FROM (
  (SELECT * FROM x13_local EXCEPT ALL SELECT i32, s, b_true, color, fl, by, plain_i32 FROM x13_def)
  UNION ALL
  (SELECT i32, s, b_true, color, fl, by, plain_i32 FROM x13_def EXCEPT ALL SELECT * FROM x13_local)) d;
TRUNCATE x13_local;
COPY x13_local FROM '/tmp/protobuf_fdw_test/ext13/defaults.pb'
  (FORMAT protobuf, server 'x13', message 'ext13.Defaults');
SELECT count(*) AS differences FROM (
  (SELECT * FROM x13_local EXCEPT ALL SELECT i32, s, b_true, color, fl, by, plain_i32 FROM x13_null)
  UNION ALL
  (SELECT i32, s, b_true, color, fl, by, plain_i32 FROM x13_null EXCEPT ALL SELECT * FROM x13_local)) d;
SELECT count(*) AS rows, count(i32) AS i32_set, count(color) AS color_set FROM x13_local;
COPY x13_local FROM '/tmp/protobuf_fdw_test/ext13/defaults.pb'
  (FORMAT protobuf, server 'x13', message 'ext13.Defaults', absent 'zero');
DROP TABLE x13_local;

DROP SERVER x13 CASCADE;
DROP TYPE x13_inner;
