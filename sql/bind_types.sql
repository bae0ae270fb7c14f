--
-- Binding what a user naturally declares (issue 13): integer times with the column option
-- unit, PostgreSQL enum types for protobuf enums, domains, the whole message as a composite
-- (field '.'), a map as an array of (key, value) rows, and the hint of a composite attribute
-- that names no field.  Fixtures: test/fixtures/bind13/ (python3-protobuf writes the data and,
-- beside it, the values its accessors read, which each query below compares with the table's:
-- a count of differences that must be 0, and a few rows shown).
--
SET timezone = 'UTC';
CREATE SCHEMA bt;                   -- the test's types and tables, dropped at the end
SET search_path = bt, public;
\pset null '(null)'
CREATE SERVER bt_srv FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/bind13_types.desc');

-- ======================= integer times: the column option unit =======================
CREATE FOREIGN TABLE bt_times (
  id bigint,
  t_s timestamptz OPTIONS (unit 's'),
  t_ms timestamptz OPTIONS (unit 'ms'),
  t_us timestamptz OPTIONS (unit 'us'),
  t_ns timestamptz OPTIONS (unit 'ns'),
  start_time_unix_nano timestamptz OPTIONS (unit 'ns'),
  neg_ns timestamptz OPTIONS (unit 'ns'),
  u_ns timestamptz OPTIONS (unit 'ns'),
  created_ms32 timestamptz OPTIONS (unit 'ms'),
  many_ms timestamptz[] OPTIONS (unit 'ms'),
  opt_ns timestamptz OPTIONS (unit 'ns'),
  s32_s timestamptz OPTIONS (unit 's'),
  u32_s timestamptz OPTIONS (unit 's'),
  raw_ns bigint OPTIONS (field 't_ns'),
  utc_ns timestamp OPTIONS (field 't_ns', unit 'ns'),
  ms_ns timestamptz(3) OPTIONS (field 't_ns', unit 'ns')
) SERVER bt_srv OPTIONS (filename '/tmp/protobuf_fdw_test/bind13/times.pb', message 'bt.Times');

-- what Python computes: the exact instant, its nanoseconds rounded by PostgreSQL's input
CREATE TEMP TABLE bt_times_py (
  id bigint, t_s timestamptz, t_ms timestamptz, t_us timestamptz, t_ns timestamptz,
  start_time_unix_nano timestamptz, neg_ns timestamptz, u_ns timestamptz,
  created_ms32 timestamptz, many_ms timestamptz[], opt_ns timestamptz,
  s32_s timestamptz, u32_s timestamptz);
COPY bt_times_py FROM '/tmp/protobuf_fdw_test/bind13/times.tsv';

SELECT count(*) AS rows, count(*) FILTER (WHERE
         f.t_s IS DISTINCT FROM p.t_s OR f.t_ms IS DISTINCT FROM p.t_ms OR
         f.t_us IS DISTINCT FROM p.t_us OR f.t_ns IS DISTINCT FROM p.t_ns OR
         f.start_time_unix_nano IS DISTINCT FROM p.start_time_unix_nano OR
         f.neg_ns IS DISTINCT FROM p.neg_ns OR f.u_ns IS DISTINCT FROM p.u_ns OR
         f.created_ms32 IS DISTINCT FROM p.created_ms32 OR f.many_ms IS DISTINCT FROM p.many_ms OR
         f.opt_ns IS DISTINCT FROM p.opt_ns OR f.s32_s IS DISTINCT FROM p.s32_s OR
         f.u32_s IS DISTINCT FROM p.u32_s OR
         f.utc_ns IS DISTINCT FROM (p.t_ns AT TIME ZONE 'UTC') OR
         f.ms_ns IS DISTINCT FROM p.t_ns::timestamptz(3)) AS differences,
       count(*) FILTER (WHERE f.opt_ns IS NULL) AS opt_ns_absent
  FROM bt_times f FULL JOIN bt_times_py p USING (id);

-- the rounding edge cases: a tie (…500 ns) goes to the even microsecond, as '….0000005'::
-- timestamptz does; before 1970 the fraction rounded is the one the time shows
SELECT id, raw_ns, t_ns, utc_ns, ms_ns FROM bt_times WHERE id <= 19 ORDER BY id;
SELECT id, t_s, t_ms, t_us, many_ms FROM bt_times WHERE id <= 5 ORDER BY id;

-- OpenTelemetry: every time is a fixed64 of Unix nanoseconds (here through a container path)
CREATE SERVER bt_otlp FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/bind13_otlp.desc');
CREATE FOREIGN TABLE bt_spans (
  name text,
  start_ts timestamptz OPTIONS (field 'start_time_unix_nano', unit 'ns'),
  end_ts timestamptz OPTIONS (field 'end_time_unix_nano', unit 'ns')
) SERVER bt_otlp OPTIONS (filename '/tmp/protobuf_fdw_test/bind13/spans.pb',
                          container 'opentelemetry.proto.trace.v1.ResourceSpans.scope_spans.spans');
CREATE TEMP TABLE bt_spans_py (name text, start_ts timestamptz, end_ts timestamptz);
COPY bt_spans_py FROM '/tmp/protobuf_fdw_test/bind13/spans.tsv';
SELECT count(*) AS spans, count(*) FILTER (WHERE
         f.start_ts IS DISTINCT FROM p.start_ts OR f.end_ts IS DISTINCT FROM p.end_ts) AS differences
  FROM bt_spans f FULL JOIN bt_spans_py p USING (name);
SELECT name, start_ts, end_ts - start_ts AS duration FROM bt_spans ORDER BY name LIMIT 4;

-- out of PostgreSQL's range: an error naming the column, the field and the value
CREATE FOREIGN TABLE bt_oor (
  t_s timestamptz OPTIONS (unit 's'), t_ms timestamptz OPTIONS (unit 'ms'),
  t_us timestamptz OPTIONS (unit 'us'), u_ns timestamptz OPTIONS (unit 'ns')
) SERVER bt_srv OPTIONS (filename '/tmp/protobuf_fdw_test/bind13/times_oor_s.pb', message 'bt.Times');
SELECT t_s FROM bt_oor;
ALTER FOREIGN TABLE bt_oor OPTIONS (SET filename '/tmp/protobuf_fdw_test/bind13/times_oor_u.pb');
SELECT u_ns FROM bt_oor;
ALTER FOREIGN TABLE bt_oor OPTIONS (SET filename '/tmp/protobuf_fdw_test/bind13/times_oor_ms.pb');
SELECT t_ms FROM bt_oor;
ALTER FOREIGN TABLE bt_oor OPTIONS (SET filename '/tmp/protobuf_fdw_test/bind13/times_oor_us.pb');
SELECT t_us FROM bt_oor;
-- one microsecond later is PostgreSQL's lowest timestamp
ALTER FOREIGN TABLE bt_oor OPTIONS (SET filename '/tmp/protobuf_fdw_test/bind13/times_low.pb');
SELECT t_us, t_us = '4714-11-24 00:00:00+00 BC'::timestamptz AS lowest FROM bt_oor;

-- mistakes: a bad value, unit with meta, unit on a text field, on a bigint column, on jsonb
CREATE FOREIGN TABLE bt_bad (t timestamptz OPTIONS (unit 'sec'))
  SERVER bt_srv OPTIONS (filename '/tmp/protobuf_fdw_test/bind13/times.pb', message 'bt.Times');
CREATE FOREIGN TABLE bt_bad (t bigint OPTIONS (unit 's', meta 'ordinal'))
  SERVER bt_srv OPTIONS (filename '/tmp/protobuf_fdw_test/bind13/times.pb', message 'bt.Times');
CREATE FOREIGN TABLE bt_bad (
  label timestamptz OPTIONS (unit 's'),
  t_s bigint OPTIONS (unit 's'),
  many_ms jsonb OPTIONS (unit 'ms'),
  t_ms timestamptz
) SERVER bt_srv OPTIONS (filename '/tmp/protobuf_fdw_test/bind13/times.pb', message 'bt.Times');
SELECT label FROM bt_bad;
SELECT t_s FROM bt_bad;
SELECT many_ms FROM bt_bad;
-- without the option, the hint names it
SELECT t_ms FROM bt_bad;
-- the import suggests the option for names like a Unix time
\a
\t on
SELECT protobuf_fdw_create_table('bt_srv', 'bt.Times', '/data/times.pb');
\a
\t off

-- ======================= PostgreSQL enum types =======================
-- labels in another order than the numbers: matched by name; no ULTRAVIOLET
CREATE TYPE bt_color AS ENUM ('BLUE', 'GREEN', 'RED', 'COLOR_UNSPECIFIED');
-- LOW and MINOR are both 1: the type has only the second name
CREATE TYPE bt_level AS ENUM ('LEVEL_UNSPECIFIED', 'MINOR', 'HIGH');
CREATE TYPE bt_part AS (a integer, b text, c bt_color,
                         at_ms timestamptz);   -- an attribute cannot take unit: below
CREATE FOREIGN TABLE bt_colored (
  id bigint, color bt_color, colors bt_color[], qty integer, name text,
  part_c bt_color OPTIONS (field 'part.c'),
  part_at timestamptz OPTIONS (field 'part.at_ms', unit 'ms'),
  color_text text OPTIONS (field 'color'), color_num integer OPTIONS (field 'color'),
  level bt_level
) SERVER bt_srv OPTIONS (filename '/tmp/protobuf_fdw_test/bind13/colored.pb', message 'bt.Colored');
CREATE TEMP TABLE bt_colored_py (id bigint, color text, colors text[], qty integer, name text,
  has_part boolean, a integer, b text, c text, at timestamptz, level_names text);
COPY bt_colored_py FROM '/tmp/protobuf_fdw_test/bind13/colored.tsv';
SELECT count(*) AS rows, count(*) FILTER (WHERE
         f.color::text IS DISTINCT FROM p.color OR f.colors::text[] IS DISTINCT FROM p.colors OR
         f.qty IS DISTINCT FROM p.qty OR f.name IS DISTINCT FROM p.name OR
         f.part_c::text IS DISTINCT FROM p.c OR f.part_at IS DISTINCT FROM p.at OR
         f.color_text IS DISTINCT FROM f.color::text OR
         NOT f.level::text = ANY (string_to_array(p.level_names, '|'))) AS differences,
       count(*) FILTER (WHERE f.level = 'MINOR') > 0 AS minor_read
  FROM bt_colored f FULL JOIN bt_colored_py p USING (id);
SELECT id, color, color_num, colors, pg_typeof(color), pg_typeof(colors), part_c
  FROM bt_colored WHERE id <= 4 ORDER BY id;
-- an enum column sorts by the type's order, and compares with the type's labels
SELECT color, count(*) > 0 AS present FROM bt_colored WHERE color <> 'COLOR_UNSPECIFIED'
  GROUP BY color ORDER BY color;
-- a protobuf name the type lacks: fine until a row has it
ALTER FOREIGN TABLE bt_colored OPTIONS (SET filename '/tmp/protobuf_fdw_test/bind13/colored_uv.pb');
SELECT id FROM bt_colored;
SELECT id, color FROM bt_colored;
-- a number the protobuf enum lacks (proto3 keeps it): an error naming column, field, number
ALTER FOREIGN TABLE bt_colored OPTIONS (SET filename '/tmp/protobuf_fdw_test/bind13/colored_unknown.pb');
SELECT color_num, color_text FROM bt_colored;
SELECT color FROM bt_colored;
SELECT colors FROM bt_colored;
-- an enum type for a field that is not an enum
CREATE FOREIGN TABLE bt_bad2 (qty bt_color)
  SERVER bt_srv OPTIONS (filename '/tmp/protobuf_fdw_test/bind13/colored.pb', message 'bt.Colored');
SELECT qty FROM bt_bad2;

-- ======================= domains =======================
CREATE DOMAIN bt_small AS integer CHECK (VALUE < 100);
CREATE DOMAIN bt_tiny AS integer CHECK (VALUE < 50);
CREATE DOMAIN bt_name AS varchar(10) NOT NULL;
CREATE DOMAIN bt_warm AS bt_color CHECK (VALUE IN ('RED', 'COLOR_UNSPECIFIED', 'GREEN', 'BLUE'));
CREATE DOMAIN bt_recent AS timestamptz CHECK (VALUE > '1900-01-01');
CREATE DOMAIN bt_colors AS bt_color[] CHECK (cardinality(VALUE) < 4);
CREATE TYPE bt_part_d AS (a bt_small, b text, c bt_warm);
CREATE DOMAIN bt_part_dd AS bt_part_d CHECK ((VALUE).a > -10);
CREATE FOREIGN TABLE bt_dom (
  id bigint, qty bt_small, color bt_warm, colors bt_colors, part bt_part_dd,
  part_at bt_recent OPTIONS (field 'part.at_ms', unit 'ms'),
  name text, part_a bt_small OPTIONS (field 'part.a')
) SERVER bt_srv OPTIONS (filename '/tmp/protobuf_fdw_test/bind13/colored.pb', message 'bt.Colored');
SELECT count(*) AS rows, count(*) FILTER (WHERE
         f.qty IS DISTINCT FROM p.qty OR f.color::text IS DISTINCT FROM p.color OR
         f.colors::text[] IS DISTINCT FROM p.colors OR
         (f.part).a IS DISTINCT FROM p.a OR (f.part).b IS DISTINCT FROM p.b OR
         (f.part).c::text IS DISTINCT FROM p.c OR f.part_at IS DISTINCT FROM p.at OR
         (f.part IS DISTINCT FROM NULL) <> p.has_part) AS differences
  FROM bt_dom f FULL JOIN bt_colored_py p USING (id);
SELECT id, qty, color, colors, part, pg_typeof(qty), pg_typeof(part) FROM bt_dom
  WHERE id <= 3 ORDER BY id;
-- a CHECK violated by a value: the error of a cast to the domain, in a column, a path, an
-- attribute, an array's element
CREATE DOMAIN bt_nonneg AS integer CHECK (VALUE >= 0);
CREATE DOMAIN bt_not_blue AS bt_color CHECK (VALUE <> 'BLUE');
CREATE TYPE bt_part_nn AS (a bt_nonneg);
CREATE FOREIGN TABLE bt_dom_bad (
  id bigint, qty bt_tiny, part_a bt_nonneg OPTIONS (field 'part.a'), part bt_part_nn,
  colors bt_not_blue[], colors_ok bt_warm[] OPTIONS (field 'colors')
) SERVER bt_srv OPTIONS (filename '/tmp/protobuf_fdw_test/bind13/colored.pb', message 'bt.Colored');
SELECT qty FROM bt_dom_bad;
SELECT part_a FROM bt_dom_bad;
SELECT part FROM bt_dom_bad;
SELECT colors FROM bt_dom_bad;
SELECT count(*) AS rows, count(*) FILTER (WHERE f.colors_ok::text[] IS DISTINCT FROM p.colors)
         AS differences, pg_typeof(min(f.colors_ok)) AS type
  FROM bt_dom_bad f FULL JOIN bt_colored_py p USING (id);
-- NOT NULL: an absent optional field is a NULL the domain refuses
CREATE FOREIGN TABLE bt_dom2 (id bigint, name bt_name)
  SERVER bt_srv OPTIONS (filename '/tmp/protobuf_fdw_test/bind13/colored.pb', message 'bt.Colored');
SELECT count(*) FROM bt_dom2;
SELECT count(name) FROM bt_dom2;
-- a domain over a type the field cannot be read as: the base type's error
CREATE FOREIGN TABLE bt_dom3 (name bt_small)
  SERVER bt_srv OPTIONS (filename '/tmp/protobuf_fdw_test/bind13/colored.pb', message 'bt.Colored');
SELECT name FROM bt_dom3;

-- ======================= the whole message as a composite (field '.') =======================
CREATE TYPE bt_row AS (id bigint, color bt_color, qty integer, name text, part bt_part_d,
                       counts jsonb, colors text[]);
CREATE FOREIGN TABLE bt_whole (
  whole bt_row OPTIONS (field '.'), id bigint, color bt_color, qty integer, name text,
  counts jsonb, colors text[], wj jsonb OPTIONS (field '.')
) SERVER bt_srv OPTIONS (filename '/tmp/protobuf_fdw_test/bind13/colored.pb', message 'bt.Colored');
SELECT count(*) AS rows, count(*) FILTER (WHERE
         (w.whole).id IS DISTINCT FROM w.id OR (w.whole).color IS DISTINCT FROM w.color OR
         (w.whole).qty IS DISTINCT FROM w.qty OR (w.whole).name IS DISTINCT FROM w.name OR
         (w.whole).counts IS DISTINCT FROM w.counts OR (w.whole).colors IS DISTINCT FROM w.colors OR
         ((w.whole).part).a IS DISTINCT FROM p.a OR ((w.whole).part).b IS DISTINCT FROM p.b OR
         ((w.whole).part).c::text IS DISTINCT FROM p.c OR
         (w.whole).counts IS DISTINCT FROM coalesce(w.wj -> 'counts', '{}') OR
         (w.whole).color::text IS DISTINCT FROM p.color OR (w.whole).name IS DISTINCT FROM p.name)
         AS differences
  FROM bt_whole w FULL JOIN bt_colored_py p USING (id);
SELECT whole FROM bt_whole WHERE id <= 3 ORDER BY id;
EXPLAIN (VERBOSE, COSTS OFF) SELECT whole FROM bt_whole;
-- a type that is neither jsonb nor composite
CREATE FOREIGN TABLE bt_bad3 (whole text OPTIONS (field '.'))
  SERVER bt_srv OPTIONS (filename '/tmp/protobuf_fdw_test/bind13/colored.pb', message 'bt.Colored');
SELECT whole FROM bt_bad3;

-- ======================= a map as an array of (key, value) rows =======================
CREATE TYPE bt_count AS (value bigint, key text);           -- any order, matched by name
CREATE TYPE bt_part_entry AS (key integer, value bt_part_d);
CREATE TYPE bt_part_entry_j AS (key text, value jsonb);
CREATE FOREIGN TABLE bt_maps (
  id bigint, counts bt_count[], parts bt_part_entry[],
  parts_j bt_part_entry_j[] OPTIONS (field 'parts'), counts_j jsonb OPTIONS (field 'counts')
) SERVER bt_srv OPTIONS (filename '/tmp/protobuf_fdw_test/bind13/colored.pb', message 'bt.Colored');
CREATE TEMP TABLE bt_counts_py (id bigint, key text, value bigint);
COPY bt_counts_py FROM '/tmp/protobuf_fdw_test/bind13/colored_counts.tsv';
CREATE TEMP TABLE bt_parts_py (id bigint, key integer, a integer, b text, c text);
COPY bt_parts_py FROM '/tmp/protobuf_fdw_test/bind13/colored_parts.tsv';
WITH got AS (SELECT id, (e).key, (e).value FROM bt_maps, unnest(counts) e)
SELECT (SELECT count(*) FROM bt_counts_py) AS entries,
       (SELECT count(*) FROM (SELECT * FROM got EXCEPT ALL SELECT * FROM bt_counts_py) x) +
       (SELECT count(*) FROM (SELECT * FROM bt_counts_py EXCEPT ALL SELECT * FROM got) x) AS differences;
WITH got AS (SELECT id, (e).key, ((e).value).a, ((e).value).b, ((e).value).c::text
               FROM bt_maps, unnest(parts) e),
     -- the JSON mapping leaves out a field that holds its default
     gotj AS (SELECT id, (e).key::integer, coalesce(((e).value ->> 'a')::integer, 0),
                     coalesce((e).value ->> 'b', ''), coalesce((e).value ->> 'c', 'COLOR_UNSPECIFIED')
                FROM bt_maps, unnest(parts_j) e)
SELECT (SELECT count(*) FROM bt_parts_py) AS entries,
       (SELECT count(*) FROM (SELECT * FROM got EXCEPT ALL SELECT * FROM bt_parts_py) x) +
       (SELECT count(*) FROM (SELECT * FROM bt_parts_py EXCEPT ALL SELECT * FROM got) x) AS differences,
       (SELECT count(*) FROM (SELECT * FROM gotj EXCEPT ALL SELECT * FROM bt_parts_py) x) +
       (SELECT count(*) FROM (SELECT * FROM bt_parts_py EXCEPT ALL SELECT * FROM gotj) x) AS json_differences;
-- (entries sorted by key: python3-protobuf writes a map's entries in no set order)
SELECT id, ARRAY(SELECT e FROM unnest(counts) e ORDER BY (e).key) AS counts,
       ARRAY(SELECT e FROM unnest(parts) e ORDER BY (e).key) AS parts, counts_j
  FROM bt_maps WHERE id <= 3 ORDER BY id;

-- TensorFlow's tf.train.Example: features.feature is a map<string, Feature>; a Feature is a
-- oneof of three lists, each a composite here (or the value as jsonb)
CREATE SERVER bt_tf FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/bind13_tf.desc');
CREATE TYPE bt_bytes_list AS (value bytea[]);
CREATE TYPE bt_float_list AS (value real[]);
CREATE TYPE bt_int64_list AS (value bigint[]);
CREATE TYPE bt_feature AS (kind text, bytes_list bt_bytes_list, float_list bt_float_list,
                           int64_list bt_int64_list);
CREATE TYPE bt_feature_entry AS (key text, value bt_feature);
CREATE TYPE bt_feature_entry_j AS (key text, value jsonb);
CREATE FOREIGN TABLE bt_examples (
  ord bigint OPTIONS (meta 'ordinal'),
  features bt_feature_entry[] OPTIONS (field 'features.feature'),
  features_j bt_feature_entry_j[] OPTIONS (field 'features.feature'),
  feature_map jsonb OPTIONS (field 'features.feature')
) SERVER bt_tf OPTIONS (filename '/tmp/protobuf_fdw_test/bind13/examples.pb',
                        message 'tensorflow.Example');
CREATE TEMP TABLE bt_features_py (ord bigint, key text, kind text, vals text[]);
COPY bt_features_py FROM '/tmp/protobuf_fdw_test/bind13/features.tsv';
WITH got AS (
  SELECT ord, (e).key, ((e).value).kind,
         CASE ((e).value).kind
           WHEN 'bytes_list' THEN (((e).value).bytes_list).value::text[]
           WHEN 'float_list' THEN (((e).value).float_list).value::float8[]::text[]
           WHEN 'int64_list' THEN (((e).value).int64_list).value::text[] END AS vals
    FROM bt_examples, unnest(features) e),
  py AS (SELECT ord, key, kind,
                CASE kind WHEN 'float_list' THEN vals::float8[]::text[] ELSE vals END AS vals
           FROM bt_features_py)
SELECT (SELECT count(*) FROM py) AS features,
       (SELECT count(*) FROM (SELECT * FROM got EXCEPT ALL SELECT * FROM py) x) +
       (SELECT count(*) FROM (SELECT * FROM py EXCEPT ALL SELECT * FROM got) x) AS differences,
       (SELECT count(*) FROM bt_examples e
         WHERE (SELECT jsonb_object_agg((f).key, (f).value) FROM unnest(e.features_j) f)
               IS DISTINCT FROM e.feature_map) AS json_differences;
SELECT ord, ARRAY(SELECT e FROM unnest(features) e ORDER BY (e).key) AS features,
       ARRAY(SELECT e FROM unnest(features_j) e ORDER BY (e).key) AS features_j
  FROM bt_examples WHERE ord = 1;
-- the features of one example, as rows
SELECT (e).key, ((e).value).kind, (((e).value).int64_list).value AS ints
  FROM bt_examples, unnest(features) e WHERE ord = 1 ORDER BY 1;
-- a map into an array of a composite that lacks key or value: the close names
CREATE TYPE bt_bad_entry AS (key text, valeu jsonb);
CREATE FOREIGN TABLE bt_bad4 (features bt_bad_entry[] OPTIONS (field 'features.feature'))
  SERVER bt_tf OPTIONS (filename '/tmp/protobuf_fdw_test/bind13/examples.pb',
                        message 'tensorflow.Example');
SELECT features FROM bt_bad4;

-- ======================= a composite attribute that names no field =======================
CREATE TYPE bt_typo AS (id bigint, nmae text, qty integer);
CREATE TYPE bt_typo_part AS (a integer, zzz text);
CREATE FOREIGN TABLE bt_typos (whole bt_typo OPTIONS (field '.'), part bt_typo_part)
  SERVER bt_srv OPTIONS (filename '/tmp/protobuf_fdw_test/bind13/colored.pb', message 'bt.Colored');
SELECT whole FROM bt_typos;
SELECT part FROM bt_typos;

-- an attribute takes no unit: a composite's integer stays an integer
CREATE FOREIGN TABLE bt_bad5 (part bt_part)
  SERVER bt_srv OPTIONS (filename '/tmp/protobuf_fdw_test/bind13/colored.pb', message 'bt.Colored');
SELECT part FROM bt_bad5;
-- and unit on a composite column is refused
CREATE TYPE bt_part_ms AS (a integer, at_ms bigint);
CREATE FOREIGN TABLE bt_bad6 (part bt_part_ms OPTIONS (unit 'ms'))
  SERVER bt_srv OPTIONS (filename '/tmp/protobuf_fdw_test/bind13/colored.pb', message 'bt.Colored');
SELECT part FROM bt_bad6;

SET client_min_messages = warning;
DROP SCHEMA bt CASCADE;
DROP SERVER bt_srv CASCADE;
DROP SERVER bt_tf CASCADE;
DROP SERVER bt_otlp CASCADE;
RESET client_min_messages;
RESET search_path;
