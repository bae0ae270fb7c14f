--
-- Looking types up in a descriptor set: nested message and enum types, a dotted package,
-- types defined in an imported file, a message without a package.  Data: outer.pb,
-- nested.pb, nopkg.pb (see test/fixtures/gen_fixtures.py); schemas proto/imports.proto
-- (imports proto/scalars3.proto) and proto/nopkg.proto.
--
CREATE SERVER sch FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/imports.desc');
\pset null '(null)'
-- a nested message as the row type; a nested enum and an enum of another file
CREATE FOREIGN TABLE nested (x int4, mood text, color text, mood_n int4 OPTIONS (field 'mood'),
  color_n int4 OPTIONS (field 'color'))
  SERVER sch OPTIONS (filename '/tmp/protobuf_fdw_test/nested.pb', message 'imp.sub.Outer.Nested');
SELECT * FROM nested;
-- the same rows from a container, the row type given by the container field
CREATE FOREIGN TABLE outer_items (x int4, mood text, color text)
  SERVER sch OPTIONS (filename '/tmp/protobuf_fdw_test/outer.pb', framing 'container',
                      container 'imp.sub.Outer.items');
SELECT * FROM outer_items;
-- container rows of a type from the imported file
CREATE FOREIGN TABLE outer_scalars (id int4, f_string text, f_enum text)
  SERVER sch OPTIONS (filename '/tmp/protobuf_fdw_test/outer.pb', framing 'container',
                      container '.imp.sub.Outer.scalars', message 's3.Scalars');
SELECT * FROM outer_scalars;
-- lookups that fail: a misspelt nested name, a nested name without its parents
CREATE FOREIGN TABLE nested_typo (x int4)
  SERVER sch OPTIONS (filename '/tmp/protobuf_fdw_test/nested.pb', message 'imp.sub.Outer.Nestd');
SELECT * FROM nested_typo;
CREATE FOREIGN TABLE nested_short (x int4)
  SERVER sch OPTIONS (filename '/tmp/protobuf_fdw_test/nested.pb', message 'Nested');
SELECT * FROM nested_short;
-- a message type without a package (proto2: absent -> NULL)
CREATE SERVER sch_nopkg FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/nopkg.desc');
CREATE FOREIGN TABLE nopkg (a int4, b text)
  SERVER sch_nopkg OPTIONS (filename '/tmp/protobuf_fdw_test/nopkg.pb', message 'NoPkg');
SELECT * FROM nopkg;
CREATE FOREIGN TABLE nopkg_dot (a int4, b text)
  SERVER sch_nopkg OPTIONS (filename '/tmp/protobuf_fdw_test/nopkg.pb', message '.NoPkg');
SELECT * FROM nopkg_dot;
\pset null ''

-- clean up
SET client_min_messages = warning;
DROP SERVER sch, sch_nopkg CASCADE;
RESET client_min_messages;
