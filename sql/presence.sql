--
-- Field presence (absent vs default), oneofs, closed enums and "the last occurrence wins".
-- Data: s3_presence.pb (proto3) and s2_presence.pb (proto2) made by
-- test/fixtures/gen_fixtures.py; schemas proto/scalars3.proto and proto/scalars2.proto.
--
CREATE SERVER pr3 FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/scalars3.desc');
CREATE SERVER pr2 FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/scalars2.desc');

-- proto3: implicit-presence fields read as their default when absent; `optional` fields and
-- oneof members read as NULL when absent, and as their value when present, even a default one
CREATE FOREIGN TABLE p3 (
  id int4, f_int32 int4, f_string text, f_bool bool, f_enum text, f_bytes bytea,
  f_double float8, f_uint64 numeric,
  o_int32 int4, o_string text, o_enum text, o_bool bool, o_double float8, o_bytes bytea,
  c_int int8, c_str text
) SERVER pr3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_presence.pb', message 's3.Scalars');
\pset null '(null)'
-- message 1 is the empty message; 2 has every optional field at its default and c_int = 0
SELECT id, f_int32, f_string, f_bool, f_enum, f_bytes, f_double, f_uint64 FROM p3
  WHERE id IN (0, 2);
SELECT id, o_int32, o_string, o_enum, o_bool, o_double, o_bytes, c_int, c_str FROM p3;
-- implicit-presence columns as text show the default's text form
CREATE FOREIGN TABLE p3_text (id text, f_int32 text, f_string text, f_bool text,
  f_enum text, f_bytes text, f_double text, o_int32 text, c_str text)
  SERVER pr3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_presence.pb', message 's3.Scalars');
SELECT * FROM p3_text WHERE id = '0';
-- the same field several times: the last occurrence wins (messages 4 to 7; in 7 the last
-- occurrences are default values written on the wire)
SELECT id, f_int32, f_string, o_string, o_bool, c_int, c_str FROM p3 WHERE id >= 4;
-- a oneof member read alone: a later member not among the columns still unsets it
SELECT id, c_str FROM p3;
SELECT id, c_int FROM p3;
-- enum as its number: the unknown open-enum number 9 is kept
CREATE FOREIGN TABLE p3_enum_num (id int4, o_enum int4, f_enum int4)
  SERVER pr3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_presence.pb', message 's3.Scalars');
SELECT * FROM p3_enum_num;

-- proto2: every field has explicit presence: absent -> NULL, [default = ...] not applied,
-- a missing required field -> NULL too
CREATE FOREIGN TABLE p2 (
  id int4, f_int32 int4, f_int64 int8, f_uint32 int8, f_uint64 numeric, f_sint32 int4,
  f_sint64 int8, f_fixed32 int8, f_fixed64 numeric, f_sfixed32 int4, f_sfixed64 int8,
  f_float float4, f_double float8, f_bool bool, f_string text, f_bytes bytea, f_enum text,
  d_int32 int4, d_string text, d_enum text, d_bool bool, d_double float8, r_string text
) SERVER pr2 OPTIONS (filename '/tmp/protobuf_fdw_test/s2_presence.pb', message 's2.Scalars');
SELECT id, f_int32, f_int64, f_uint32, f_uint64, f_sint32, f_sint64 FROM p2;
SELECT id, f_fixed32, f_fixed64, f_sfixed32, f_sfixed64, f_float, f_double FROM p2;
SELECT id, f_bool, f_string, f_bytes, f_enum FROM p2;
SELECT id, d_int32, d_string, d_enum, d_bool, d_double, r_string FROM p2;
-- closed enum: message 4 has f_enum = 9 (unknown: as if absent) and d_enum = 2 then 99
-- (unknown: ignored, KIND_SECOND stays)
CREATE FOREIGN TABLE p2_enum_num (id int4, f_enum int4, d_enum int4, d_enum_name text
  OPTIONS (field 'd_enum'))
  SERVER pr2 OPTIONS (filename '/tmp/protobuf_fdw_test/s2_presence.pb', message 's2.Scalars');
SELECT * FROM p2_enum_num;
-- proto2 columns as text: absent stays NULL
CREATE FOREIGN TABLE p2_text (id text, f_int32 text, f_bool text, f_enum text,
  d_string text, f_double text)
  SERVER pr2 OPTIONS (filename '/tmp/protobuf_fdw_test/s2_presence.pb', message 's2.Scalars');
SELECT * FROM p2_text;
\pset null ''

-- clean up
SET client_min_messages = warning;
DROP SERVER pr3, pr2 CASCADE;
RESET client_min_messages;
