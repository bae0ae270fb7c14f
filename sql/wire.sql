--
-- Unusual but valid wire data: unknown fields of every wire type, unknown groups, known fields
-- with the wrong wire type (treated as unknown), packed and unpacked repeated encodings,
-- over-long varints, groups nested 100 deep.  Data: s3_odd.pb and deep100.pb, hand-built
-- bytes described in test/fixtures/gen_fixtures.py.
--
CREATE SERVER wi3 FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/scalars3.desc');
CREATE FOREIGN TABLE odd (
  id int4, f_int32 int4, f_int64 int8, f_float float4, f_double float8, f_bool bool,
  f_string text, f_enum text, o_int32 int4
) SERVER wi3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_odd.pb', message 's3.Scalars');
\pset null '(null)'
-- 1: unknown fields and groups skipped; 2: wrong wire types ignored (f_int32 22 stays;
-- f_string, f_double, f_float, f_int64 default; o_int32 NULL); 3: repeated fields in the other
-- encoding; 4: bool 2 -> true, int32 varint 2^32+5 -> 5, 10-byte -1 enum and int64;
-- 5: a message field and a map entry skipped; 6: see below
SELECT * FROM odd;
SELECT count(*) FROM odd;
-- the bool as text
CREATE FOREIGN TABLE odd_text (id int4, f_bool text, f_int32 text)
  SERVER wi3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_odd.pb', message 's3.Scalars');
SELECT * FROM odd_text WHERE id = 4;
-- 6: varints wider than 32 bits for 32-bit fields are truncated to 32 bits: uint32 2^32+7 -> 7,
-- sint32 2^32+1 -> 1 -> ZigZag -1; bool 2^64-1 -> true
CREATE FOREIGN TABLE odd_ints (id int4, f_uint32 int8, f_sint32 int4, f_bool bool)
  SERVER wi3 OPTIONS (filename '/tmp/protobuf_fdw_test/s3_odd.pb', message 's3.Scalars');
SELECT * FROM odd_ints WHERE id = 6;

-- an unknown group nested 100 deep is legal
CREATE FOREIGN TABLE deep100 (id int4, f_int32 int4)
  SERVER wi3 OPTIONS (filename '/tmp/protobuf_fdw_test/deep100.pb', message 's3.Scalars');
SELECT * FROM deep100;
-- over-long (non-minimal) varints are valid: a 3-byte length prefix, id 5 in 4 bytes,
-- f_int32 7 in 2 bytes
CREATE FOREIGN TABLE nonminimal (id int4, f_int32 int4)
  SERVER wi3 OPTIONS (filename '/tmp/protobuf_fdw_test/nonminimal.pb', message 's3.Scalars');
SELECT * FROM nonminimal;
\pset null ''

-- clean up
SET client_min_messages = warning;
DROP SERVER wi3 CASCADE;
RESET client_min_messages;
