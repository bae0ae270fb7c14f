--
-- Every protobuf scalar type read as its natural PostgreSQL type, as the other types it may be
-- read as, and as text; incompatible pairings.  Data: s3_scalars.pb, s3_uint64.pb made by
-- test/fixtures/gen_fixtures.py (python3-protobuf), schema proto/scalars3.proto.
--
CREATE SERVER sc3 FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/scalars3.desc');

-- natural types
CREATE FOREIGN TABLE s3_natural (
  id int4, f_int32 int4, f_int64 int8, f_uint32 int8, f_uint64 numeric, f_sint32 int4,
  f_sint64 int8, f_fixed32 int8, f_fixed64 numeric, f_sfixed32 int4, f_sfixed64 int8,
  f_float float4, f_double float8, f_bool bool, f_string text, f_bytes bytea, f_enum text
) SERVER sc3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_scalars.pb', message 's3.Scalars');

SELECT id, f_int32, f_int64, f_uint32, f_uint64, f_sint32, f_sint64 FROM s3_natural;
SELECT id, f_fixed32, f_fixed64, f_sfixed32, f_sfixed64 FROM s3_natural;
SELECT id, f_float, f_double, f_bool, f_enum FROM s3_natural;
SELECT id, f_string, length(f_string) AS chars, octet_length(f_string) AS bytes, f_bytes
  FROM s3_natural;
-- the signs of zero, and NaN and infinities as values, not just as text
SELECT id, f_float = 0 AS fz, atan2(0, f_float) AS fsign, f_double = 0 AS dz,
       atan2(0, f_double) AS dsign
  FROM s3_natural WHERE id IN (1, 7);
SELECT id, f_float = 'NaN' AS fnan, f_double = 'NaN' AS dnan, f_float = 'Infinity' AS finf,
       f_double = '-Infinity' AS dninf
  FROM s3_natural WHERE id IN (4, 5, 6);
-- aggregates over the whole file; a projection of one column
SELECT count(*), sum(f_int32), sum(f_sint64), sum(f_uint64), bool_or(f_bool) FROM s3_natural;
SELECT f_enum FROM s3_natural WHERE id > 7;

-- every field as text (canonical text form)
CREATE FOREIGN TABLE s3_text (
  id text, f_int32 text, f_int64 text, f_uint32 text, f_uint64 text, f_sint32 text,
  f_sint64 text, f_fixed32 text, f_fixed64 text, f_sfixed32 text, f_sfixed64 text,
  f_float text, f_double text, f_bool text, f_string text, f_bytes text, f_enum text
) SERVER sc3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_scalars.pb', message 's3.Scalars');
SELECT id, f_int32, f_int64, f_uint32, f_uint64, f_sint32, f_sint64 FROM s3_text;
SELECT id, f_fixed32, f_fixed64, f_sfixed32, f_sfixed64 FROM s3_text;
SELECT id, f_float, f_double, f_bool, f_enum, f_bytes FROM s3_text;
SELECT id, f_string FROM s3_text WHERE id IN ('2', '4', '9');
-- the text columns really are text
SELECT pg_typeof(f_int64), pg_typeof(f_bool) FROM s3_text LIMIT 1;

-- the other accepted types: 32-bit ints as int8 and numeric, 64-bit ints and uint32 as
-- numeric, float as float8, double as numeric, string as varchar(n), enum as its number
CREATE FOREIGN TABLE s3_wide (
  id int8, f_int32 int8, f_int64 numeric, f_uint32 numeric, f_sint32 numeric,
  f_sint64 numeric, f_fixed32 numeric, f_sfixed32 int8, f_sfixed64 numeric,
  f_float float8, f_double numeric, f_string varchar(19), f_enum int4
) SERVER sc3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_scalars.pb', message 's3.Scalars');
SELECT id, f_int32, f_int64, f_uint32, f_sint32, f_sint64, f_fixed32, f_sfixed32, f_sfixed64
  FROM s3_wide;
-- double as numeric, only where the value has a short exact decimal form
SELECT id, f_float, f_double, f_enum FROM s3_wide WHERE id IN (1, 4, 5, 6, 7, 9);
SELECT id, f_string, pg_typeof(f_string) FROM s3_wide WHERE id IN (2, 3);
CREATE FOREIGN TABLE s3_float_numeric (id int4, f_float numeric, f_int32 numeric)
  SERVER sc3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_scalars.pb', message 's3.Scalars');
SELECT id, f_float, f_int32 FROM s3_float_numeric WHERE id IN (1, 4, 5, 6, 7);

-- float and double as numeric: the number itself, in its shortest exact form (the digits of
-- the text form), not a 6- or 15-digit rounding that is another number
CREATE FOREIGN TABLE s3_fnum (id int4, f_float numeric, f_double numeric,
  ftext text OPTIONS (field 'f_float'), dtext text OPTIONS (field 'f_double'))
  SERVER sc3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_float_numeric.pb', message 's3.Scalars');
SELECT * FROM s3_fnum;

-- varchar(n) checks its length: the 19-character string of message 2 does not fit in 5
CREATE FOREIGN TABLE s3_varchar5 (id int4, f_string varchar(5))
  SERVER sc3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_scalars.pb', message 's3.Scalars');
SELECT id, f_string FROM s3_varchar5 LIMIT 1;
SELECT id, f_string FROM s3_varchar5;
\echo :LAST_ERROR_SQLSTATE

-- uint64 and fixed64: numeric holds every value; int8 up to 2^63-1, then an error naming the
-- field (message 3 of s3_uint64.pb holds 2^63, its record starts at byte 25)
CREATE FOREIGN TABLE u64_numeric (id int4, f_uint64 numeric, f_fixed64 numeric)
  SERVER sc3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_uint64.pb', message 's3.Scalars');
SELECT * FROM u64_numeric;
CREATE FOREIGN TABLE u64_int8 (id int4, f_uint64 int8)
  SERVER sc3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_uint64.pb', message 's3.Scalars');
SELECT * FROM u64_int8 LIMIT 2;
SELECT * FROM u64_int8;
\echo :LAST_ERROR_SQLSTATE
CREATE FOREIGN TABLE f64_int8 (id int4, f_fixed64 int8)
  SERVER sc3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_uint64.pb', message 's3.Scalars');
SELECT * FROM f64_int8;
SELECT 'session still works' AS ok;

-- column to field: the column name (exact, then case-insensitive), or the option field
-- (a name or a number)
CREATE FOREIGN TABLE s3_names (
  camelcase int4, "ID" int4, a int8 OPTIONS (field 'f_int64'), b text OPTIONS (field '17'),
  "CamelCase" text
) SERVER sc3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_scalars.pb', message 's3.Scalars');
SELECT * FROM s3_names WHERE "ID" IN (1, 2, 3);
CREATE SERVER sc2 FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/scalars2.desc');
-- s2.Scalars has fields "Dup" (40) and "dup" (41): the exact name wins
CREATE FOREIGN TABLE s2_dup (id int4, "Dup" int4, dup int4)
  SERVER sc2 OPTIONS (filename '/tmp/protobuf_fdw_test/s2_presence.pb', message 's2.Scalars');
SELECT * FROM s2_dup WHERE id = 5;
-- no exact match and two case-insensitive ones: an error
CREATE FOREIGN TABLE s2_dup_ambiguous (id int4, "DUP" int4)
  SERVER sc2 OPTIONS (filename '/tmp/protobuf_fdw_test/s2_presence.pb', message 's2.Scalars');
SELECT * FROM s2_dup_ambiguous;

-- incompatible pairings: an error at the first query naming the column, the field and the
-- types
CREATE FOREIGN TABLE bad_bool (id int4, f_string bool)
  SERVER sc3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_scalars.pb', message 's3.Scalars');
SELECT * FROM bad_bool;
\echo :LAST_ERROR_SQLSTATE
CREATE FOREIGN TABLE bad_int4_on_int64 (x int4 OPTIONS (field 'f_int64'))
  SERVER sc3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_scalars.pb', message 's3.Scalars');
SELECT * FROM bad_int4_on_int64;
CREATE FOREIGN TABLE bad_int4_on_uint32 (f_uint32 int4)
  SERVER sc3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_scalars.pb', message 's3.Scalars');
SELECT * FROM bad_int4_on_uint32;
CREATE FOREIGN TABLE bad_int2 (f_int32 int2)
  SERVER sc3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_scalars.pb', message 's3.Scalars');
SELECT * FROM bad_int2;
CREATE FOREIGN TABLE bad_float4_on_double (f_double float4)
  SERVER sc3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_scalars.pb', message 's3.Scalars');
SELECT * FROM bad_float4_on_double;
CREATE FOREIGN TABLE bad_bytea_on_string (f_string bytea)
  SERVER sc3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_scalars.pb', message 's3.Scalars');
SELECT * FROM bad_bytea_on_string;
CREATE FOREIGN TABLE bad_int4_on_bool (f_bool int4)
  SERVER sc3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_scalars.pb', message 's3.Scalars');
SELECT * FROM bad_int4_on_bool;
CREATE FOREIGN TABLE bad_enum_int8 (f_enum int8)
  SERVER sc3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_scalars.pb', message 's3.Scalars');
SELECT * FROM bad_enum_int8;
CREATE FOREIGN TABLE bad_date (f_int64 date)
  SERVER sc3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_scalars.pb', message 's3.Scalars');
SELECT * FROM bad_date;
-- repeated, message, map and group fields cannot be read as text: they read as arrays, jsonb or composites
CREATE FOREIGN TABLE bad_repeated (r_packed text)
  SERVER sc3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_scalars.pb', message 's3.Scalars');
SELECT * FROM bad_repeated;
\echo :LAST_ERROR_SQLSTATE
CREATE FOREIGN TABLE bad_repeated_int (r_unpacked int4)
  SERVER sc3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_scalars.pb', message 's3.Scalars');
SELECT * FROM bad_repeated_int;
CREATE FOREIGN TABLE bad_message ("inner" text)
  SERVER sc3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_scalars.pb', message 's3.Scalars');
SELECT * FROM bad_message;
CREATE FOREIGN TABLE bad_map (m text)
  SERVER sc3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_scalars.pb', message 's3.Scalars');
SELECT * FROM bad_map;
CREATE FOREIGN TABLE bad_group (g text)
  SERVER sc2 OPTIONS (filename '/tmp/protobuf_fdw_test/s2_presence.pb', message 's2.Scalars');
SELECT * FROM bad_group;
SELECT 'session still works' AS ok;

-- clean up
SET client_min_messages = warning;
DROP SERVER sc3, sc2 CASCADE;
RESET client_min_messages;
