--
-- Repeated scalars and enums read as arrays (issue 4): every element type, absent -> {},
-- packed and unpacked encodings (mixed in one message: concatenated in wire order), open and
-- closed enums, paths ending on a repeated field, the other element types accepted, type
-- mismatches.  Data: model/repeated.pb, model/orders.pb, model/p2.pb
-- (test/fixtures/model/gen_model.py); expected values checked against Python's reading of the
-- same bytes (model/repeated.json, json_format.MessageToDict).
--
CREATE SERVER mr_types FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/model_types.desc');
-- Python's reading of each message of a data file, keyed by its id
CREATE FUNCTION pg_temp.expected(f text) RETURNS TABLE (id text, j jsonb) LANGUAGE sql AS
  $$ SELECT key, value FROM jsonb_each(pg_read_file('/tmp/protobuf_fdw_test/model/' || f || '.json')::jsonb) $$;
-- a JSON array's elements as text (int64 arrive as strings, bytes as base64)
CREATE FUNCTION pg_temp.elems(a jsonb) RETURNS text[] LANGUAGE sql AS
  $$ SELECT ARRAY(SELECT jsonb_array_elements_text(a)) $$;

-- 1: every type with several values, edges included (packed, as python writes proto3);
-- 2: nothing; 3: hand-built: r_int64 packed [1,2], unpacked 3, packed [4,5];
-- r_unpacked ([packed = false]) sent packed [7,8] then unpacked 9; r_enum packed [1, 99]
-- then unpacked 2 (99: open enum, kept); r_bool unpacked 2 then packed [0]; r_string "x",
-- "y" with other fields between; r_double packed [1.5, 2.5] then unpacked 3.5;
-- 4: one zero element each; 5: hand-built: r_string as VARINT, r_int32 as I64, r_fixed32 as
-- VARINT, r_bool as I32 (wire types these fields cannot have: skipped as unknown fields),
-- then one good element each
CREATE FOREIGN TABLE rep (
  id int4, r_int32 int4[], r_int64 int8[], r_uint32 int8[], r_uint64 numeric[],
  r_sint32 int4[], r_sint64 int8[], r_fixed32 int8[], r_fixed64 numeric[], r_sfixed32 int4[],
  r_sfixed64 int8[], r_float float4[], r_double float8[], r_bool bool[], r_string text[],
  r_bytes bytea[], r_enum text[], r_unpacked int8[]
) SERVER mr_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/repeated.pb', message 'model.types.Repeated');
SELECT id, r_int32, r_int64, r_uint32 FROM rep;
SELECT id, r_uint64, r_sint32, r_sint64, r_fixed32 FROM rep;
SELECT id, r_fixed64, r_sfixed32, r_sfixed64 FROM rep;
SELECT id, r_float, r_double, r_bool FROM rep;
SELECT id, r_string, r_bytes, r_enum, r_unpacked FROM rep;
SELECT id, pg_typeof(r_int32), pg_typeof(r_uint64), pg_typeof(r_enum), cardinality(r_int64),
       array_ndims(r_int64), array_lower(r_int64, 1)
  FROM rep WHERE id = 3;
-- the same values as Python's reading of the same bytes, element for element
SELECT r.id,
       r.r_int32 = pg_temp.elems(e.j->'rInt32')::int4[] AS int32,
       r.r_int64 = pg_temp.elems(e.j->'rInt64')::int8[] AS int64,
       r.r_uint32 = pg_temp.elems(e.j->'rUint32')::int8[] AS uint32,
       r.r_uint64 = pg_temp.elems(e.j->'rUint64')::numeric[] AS uint64,
       r.r_sint32 = pg_temp.elems(e.j->'rSint32')::int4[] AS sint32,
       r.r_sint64 = pg_temp.elems(e.j->'rSint64')::int8[] AS sint64,
       r.r_fixed32 = pg_temp.elems(e.j->'rFixed32')::int8[] AS fixed32,
       r.r_fixed64 = pg_temp.elems(e.j->'rFixed64')::numeric[] AS fixed64,
       r.r_sfixed32 = pg_temp.elems(e.j->'rSfixed32')::int4[] AS sfixed32,
       r.r_sfixed64 = pg_temp.elems(e.j->'rSfixed64')::int8[] AS sfixed64
  FROM rep r FULL JOIN pg_temp.expected('repeated') e ON e.id = r.id::text ORDER BY r.id;
SELECT r.id,
       r.r_float = pg_temp.elems(e.j->'rFloat')::float4[] AS float,
       r.r_double = pg_temp.elems(e.j->'rDouble')::float8[] AS double,
       r.r_bool = pg_temp.elems(e.j->'rBool')::bool[] AS bool,
       r.r_string = pg_temp.elems(e.j->'rString') AS string,
       r.r_bytes = ARRAY(SELECT decode(b, 'base64') FROM unnest(pg_temp.elems(e.j->'rBytes')) b) AS bytes,
       r.r_enum = pg_temp.elems(e.j->'rEnum') AS enum,
       r.r_unpacked = pg_temp.elems(e.j->'rUnpacked')::int8[] AS unpacked
  FROM rep r FULL JOIN pg_temp.expected('repeated') e ON e.id = r.id::text ORDER BY r.id;
-- arrays work as arrays: unnest, any, element access
SELECT id, x FROM rep, unnest(r_int64) WITH ORDINALITY AS u(x, n) WHERE id = 3 ORDER BY n;
SELECT id FROM rep WHERE 'RED' = ANY (r_enum) ORDER BY id;
SELECT id, r_string[2] AS second, r_double[3] AS third FROM rep ORDER BY id;

-- enums as their numbers; the other element types accepted: 32-bit ints as int8 and numeric,
-- float as float8, every type as text (each element's canonical text form)
CREATE FOREIGN TABLE rep_other (
  id int4, r_enum int4[], r_int32 int8[], r_sint32 numeric[], r_float float8[],
  t_int64 text[] OPTIONS (field 'r_int64'), t_uint64 text[] OPTIONS (field 'r_uint64'),
  t_bool text[] OPTIONS (field 'r_bool'), t_bytes text[] OPTIONS (field 'r_bytes'),
  t_float text[] OPTIONS (field 'r_float'), t_enum text[] OPTIONS (field 'r_enum')
) SERVER mr_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/repeated.pb', message 'model.types.Repeated');
SELECT id, r_enum, r_int32, r_sint32, r_float FROM rep_other;
SELECT id, t_int64, t_uint64, t_bool FROM rep_other;
SELECT id, t_bytes, t_float, t_enum FROM rep_other;
SELECT pg_typeof(t_int64) FROM rep_other LIMIT 1;

-- a path ending on a repeated field: customer.emails (orders 2, 7, 8 have no customer: NULL;
-- 3, 4, 5, 9 have one without emails: {}; 6 concatenates the emails of its two parts);
-- history, a repeated open enum (4: 5 is not a Status value, kept as its number)
CREATE SERVER mr_shop FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/model_shop.desc');
CREATE FOREIGN TABLE rep_paths (
  order_id int8,
  emails text[] OPTIONS (field 'customer.emails'),
  history text[],
  history_num int4[] OPTIONS (field 'history')
) SERVER mr_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT order_id, emails, history, history_num FROM rep_paths;

-- proto2: closed enum Level: unknown numbers drop out of the repeated field (3: [1, 7, 2]
-- unpacked then [7, -3] packed: {LOW, HIGH, MINUS}); packed_nums ([packed = true]) sent
-- unpacked and plain_nums sent packed are both read; the singular closed enum level: 3 holds
-- the unknown number 9 (unset: NULL)
CREATE SERVER mr_p2 FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/model_p2.desc');
CREATE FOREIGN TABLE rep_p2 (
  id int4, levels text[], level_nums int4[] OPTIONS (field 'levels'), packed_nums int4[],
  plain_nums int4[], part_nums int4[] OPTIONS (field 'part.nums'),
  info_part_nums int4[] OPTIONS (field 'info.part.nums'),
  level text, level_n int4 OPTIONS (field 'level')
) SERVER mr_p2 OPTIONS (filename '/tmp/protobuf_fdw_test/model/p2.pb', message 'model.p2.Doc');
SELECT * FROM rep_p2;
SELECT r.id, r.levels = pg_temp.elems(e.j->'levels') AS levels,
       r.packed_nums = pg_temp.elems(e.j->'packedNums')::int4[] AS packed_nums,
       r.plain_nums = pg_temp.elems(e.j->'plainNums')::int4[] AS plain_nums
  FROM rep_p2 r FULL JOIN pg_temp.expected('p2') e ON e.id = r.id::text ORDER BY r.id;

-- type mismatches: an element type that cannot hold the field's values, a scalar column for
-- a repeated field, an array column for a singular field, a two-dimensional array
CREATE FOREIGN TABLE rep_bad1 (r_int64 int4[])
  SERVER mr_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/repeated.pb', message 'model.types.Repeated');
SELECT * FROM rep_bad1;
CREATE FOREIGN TABLE rep_bad2 (r_string bool[])
  SERVER mr_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/repeated.pb', message 'model.types.Repeated');
SELECT * FROM rep_bad2;
CREATE FOREIGN TABLE rep_bad3 (r_int64 int8)
  SERVER mr_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/repeated.pb', message 'model.types.Repeated');
SELECT * FROM rep_bad3;
CREATE FOREIGN TABLE rep_bad4 (id int4[])
  SERVER mr_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/repeated.pb', message 'model.types.Repeated');
SELECT * FROM rep_bad4;
CREATE FOREIGN TABLE rep_bad5 (r_enum bytea[])
  SERVER mr_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/repeated.pb', message 'model.types.Repeated');
SELECT * FROM rep_bad5;
CREATE FOREIGN TABLE rep_bad6 (r_uint64 int4[])
  SERVER mr_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/repeated.pb', message 'model.types.Repeated');
SELECT * FROM rep_bad6;
-- malformed packed records (message 2, at byte 3): 5 bytes of fixed32, a varint cut by the
-- record's end
CREATE FOREIGN TABLE rep_bad_packed_fixed (id int4, r_fixed32 int8[])
  SERVER mr_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/rep_bad_packed_fixed.pb', message 'model.types.Repeated');
SELECT * FROM rep_bad_packed_fixed;
CREATE FOREIGN TABLE rep_bad_packed_varint (id int4, r_int64 int8[])
  SERVER mr_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/rep_bad_packed_varint.pb', message 'model.types.Repeated');
SELECT * FROM rep_bad_packed_varint;
-- a uint64 element over 2^63 - 1 in an int8[] column: an error naming the field
CREATE FOREIGN TABLE rep_u64_int8 (id int4, r_uint64 int8[])
  SERVER mr_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/repeated.pb', message 'model.types.Repeated');
SELECT * FROM rep_u64_int8;
