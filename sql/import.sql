--
-- IMPORT FOREIGN SCHEMA and protobuf_fdw_create_table().  Schemas: proto/import_shop.proto
-- (package imptest), proto/import_legacy.proto (package imptest.legacy, proto2),
-- proto/import_clash.proto (package clash); data: test/fixtures/import/gen_import.py.
--
CREATE SERVER imp FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/import.desc');
\pset null '(null)'
-- the tables of a schema with their options, and their columns with types and options
CREATE FUNCTION pg_temp.tables(nsp text)
  RETURNS TABLE (tbl name, server name, options text[]) LANGUAGE sql AS $$
  SELECT c.relname, s.srvname, ft.ftoptions
  FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
       JOIN pg_foreign_server s ON s.oid = ft.ftserver
  WHERE c.relnamespace = nsp::regnamespace ORDER BY c.relname COLLATE "C" $$;
CREATE FUNCTION pg_temp.columns(nsp text, rel text)
  RETURNS TABLE (col name, type text, options text[]) LANGUAGE sql AS $$
  SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attfdwoptions
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  WHERE c.relnamespace = nsp::regnamespace AND c.relname = rel AND a.attnum > 0
  ORDER BY a.attnum $$;

-- a whole package: one table per message, nested ones too, map entries and the messages
-- of the other package (imptest.legacy) and of google.protobuf left out; %m is the full name
CREATE SCHEMA shop;
IMPORT FOREIGN SCHEMA imptest FROM SERVER imp INTO shop
  OPTIONS (filename '/tmp/protobuf_fdw_test/import/%m.pb');
SELECT * FROM pg_temp.tables('shop');
-- the default type mapping: every scalar type, repeated -> arrays, enum -> text
SELECT * FROM pg_temp.columns('shop', 'Scalars');
-- messages, maps, groups -> jsonb; reserved words and upper case quoted; a field name longer
-- than PostgreSQL keeps gets the column option "field"
SELECT * FROM pg_temp.columns('shop', 'Outer');
SELECT * FROM pg_temp.columns('shop', 'Outer_Inner');
SELECT * FROM pg_temp.columns('shop', 'Outer_Inner_Deep');
-- well-known types
SELECT * FROM pg_temp.columns('shop', 'Wkt');
SELECT * FROM pg_temp.columns('shop', 'Nothing');
-- the imported tables read their files (%m expanded: import/imptest.Event.pb, ...) with
-- every column as imported: the default types are ones the columns can be read as
SELECT * FROM shop."Event" ORDER BY id;
SET timezone = 'UTC';
\x on
SELECT * FROM shop."Outer";
SELECT * FROM shop."Wkt";
\x off

-- LIMIT TO names tables (a nested message with "_"); %M is the name within the package;
-- the other options are copied to every table
CREATE SCHEMA lim;
IMPORT FOREIGN SCHEMA imptest LIMIT TO ("Scalars", "Outer_Inner") FROM SERVER imp INTO lim
  OPTIONS (filename '/tmp/protobuf_fdw_test/import/%M.pb', max_message_size '1MB',
           framing 'delimited');
SELECT * FROM pg_temp.tables('lim');
\x on
SELECT * FROM lim."Scalars";
\x off
-- EXCEPT, with nested messages' tables
CREATE SCHEMA exc;
IMPORT FOREIGN SCHEMA imptest EXCEPT ("Outer_Inner", "Outer_Inner_Deep", "Wkt") FROM SERVER imp
  INTO exc OPTIONS (filename '/tmp/protobuf_fdw_test/import/%m%%.pb');
SELECT * FROM pg_temp.tables('exc');
-- names that no message is imported as: a nested message's dotted name, a full name, a typo
IMPORT FOREIGN SCHEMA imptest LIMIT TO ("Outer.Inner") FROM SERVER imp INTO exc
  OPTIONS (filename '/tmp/f.pb');
IMPORT FOREIGN SCHEMA imptest EXCEPT ("imptest.Wkt") FROM SERVER imp INTO exc
  OPTIONS (filename '/tmp/f.pb');
IMPORT FOREIGN SCHEMA imptest LIMIT TO ("Evnt") FROM SERVER imp INTO exc
  OPTIONS (filename '/tmp/f.pb');
-- LIMIT TO names a message of another package
IMPORT FOREIGN SCHEMA imptest LIMIT TO ("Old") FROM SERVER imp INTO exc
  OPTIONS (filename '/tmp/f.pb');

-- the second package (proto2): a group -> jsonb, packed repeated -> bigint[], its group
-- messages imported as nested messages
CREATE SCHEMA legacy;
IMPORT FOREIGN SCHEMA "imptest.legacy" FROM SERVER imp INTO legacy
  OPTIONS (filename '/tmp/protobuf_fdw_test/import/%m.pb');
SELECT * FROM pg_temp.tables('legacy');
SELECT * FROM pg_temp.columns('legacy', 'Old');
SELECT * FROM legacy."Old" ORDER BY id;
-- every package but google.protobuf: "*"
CREATE SCHEMA allp;
IMPORT FOREIGN SCHEMA "*" FROM SERVER imp INTO allp
  OPTIONS (filename '/tmp/protobuf_fdw_test/import/%m.pb');
SELECT tbl, options[1] FROM pg_temp.tables('allp');
-- google.protobuf when named
CREATE SCHEMA wkt;
IMPORT FOREIGN SCHEMA "google.protobuf" LIMIT TO ("Timestamp", "Struct", "Struct_FieldsEntry")
  FROM SERVER imp INTO wkt OPTIONS (filename '/tmp/protobuf_fdw_test/import/%M.pb');
IMPORT FOREIGN SCHEMA "google.protobuf" LIMIT TO ("Timestamp", "Struct")
  FROM SERVER imp INTO wkt OPTIONS (filename '/tmp/protobuf_fdw_test/import/%M.pb');
SELECT * FROM pg_temp.tables('wkt');
SELECT * FROM pg_temp.columns('wkt', 'Timestamp');
-- a package that is not in the set: the hint lists those that are
-- a name that is no package ("any name for all") imports every package but
-- google.protobuf, as "*" does, with a NOTICE naming the packages; so does a wrong case
CREATE SCHEMA anyname;
CREATE SCHEMA allnames;
IMPORT FOREIGN SCHEMA nosuch FROM SERVER imp INTO anyname OPTIONS (filename '/tmp/f.pb');
IMPORT FOREIGN SCHEMA "*" FROM SERVER imp INTO allnames OPTIONS (filename '/tmp/f.pb');
SELECT n.nspname, count(*), string_agg(c.relname, ', ' ORDER BY c.relname COLLATE "C") AS tables
  FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname IN ('anyname', 'allnames') GROUP BY n.nspname ORDER BY n.nspname;
SET client_min_messages = warning;
DROP SCHEMA anyname CASCADE;
DROP SCHEMA allnames CASCADE;
RESET client_min_messages;
CREATE SCHEMA anyname;
IMPORT FOREIGN SCHEMA "Imptest" FROM SERVER imp INTO anyname OPTIONS (filename '/tmp/f.pb');
SET client_min_messages = warning;
DROP SCHEMA anyname CASCADE;
RESET client_min_messages;
-- two packages with a message of the same name, imported at once
IMPORT FOREIGN SCHEMA "*" FROM SERVER imp INTO exc
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/import_clash.desc', filename '/tmp/f.pb');
-- ... one package at a time is fine
CREATE SCHEMA clash;
IMPORT FOREIGN SCHEMA clash FROM SERVER imp INTO clash
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/import_clash.desc', filename '/tmp/f.pb');
SELECT * FROM pg_temp.tables('clash');

-- options
CREATE SCHEMA opt;
IMPORT FOREIGN SCHEMA imptest FROM SERVER imp INTO opt;
IMPORT FOREIGN SCHEMA imptest FROM SERVER imp INTO opt OPTIONS (filenme '/tmp/f.pb');
IMPORT FOREIGN SCHEMA imptest FROM SERVER imp INTO opt OPTIONS (filename '/tmp/f.pb', colour 'x');
IMPORT FOREIGN SCHEMA imptest FROM SERVER imp INTO opt
  OPTIONS (filename '/tmp/f.pb', message 'imptest.Event');
-- a container path imports one table, named after its last step (sql/import_nested.sql)
IMPORT FOREIGN SCHEMA imptest FROM SERVER imp INTO opt
  OPTIONS (filename '/tmp/f.pb', container 'imptest.Outer.inners');
SELECT * FROM pg_temp.tables('opt');
DROP FOREIGN TABLE opt.inners;
IMPORT FOREIGN SCHEMA imptest FROM SERVER imp INTO opt
  OPTIONS (filename '/tmp/a.pb', filename '/tmp/b.pb');
IMPORT FOREIGN SCHEMA imptest FROM SERVER imp INTO opt OPTIONS (filename '/tmp/%x.pb');
IMPORT FOREIGN SCHEMA imptest FROM SERVER imp INTO opt OPTIONS (filename '/tmp/x%');
IMPORT FOREIGN SCHEMA imptest FROM SERVER imp INTO opt OPTIONS (filename '');
-- the copied options are checked by the validator when the tables are created
IMPORT FOREIGN SCHEMA imptest FROM SERVER imp INTO opt
  OPTIONS (filename '/tmp/f.pb', max_message_size '0');
SELECT count(*) FROM pg_temp.tables('opt');
-- a server without a descriptor set: the import names one, and every table gets it
CREATE SERVER bare FOREIGN DATA WRAPPER protobuf_fdw;
IMPORT FOREIGN SCHEMA imptest LIMIT TO ("Event") FROM SERVER bare INTO opt
  OPTIONS (filename '/tmp/f.pb');
IMPORT FOREIGN SCHEMA imptest LIMIT TO ("Event") FROM SERVER bare INTO opt
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/import.desc',
           filename '/tmp/protobuf_fdw_test/import/%m.pb');
SELECT * FROM pg_temp.tables('opt');
SELECT id, user_id FROM opt."Event" ORDER BY id;
IMPORT FOREIGN SCHEMA imptest FROM SERVER bare INTO opt
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/nosuch.desc', filename '/tmp/f.pb');

-- protobuf_fdw_create_table(): the statement the import runs, as text
\a
\t on
SELECT protobuf_fdw_create_table('imp', 'imptest.Outer', '/data/%M.pb');
SELECT protobuf_fdw_create_table('imp', 'imptest.Wkt', '/data/%m.pb');
SELECT protobuf_fdw_create_table('imp', 'imptest.Nothing', '/data/nothing.pb');
-- a table name, options (a number is written as its text), a leading dot
SELECT protobuf_fdw_create_table('imp', '.imptest.Event', '/data/events.pb', 'my events',
  '{"framing": "delimited", "max_message_size": 1048576}');
-- container framing: the option the import refuses
SELECT protobuf_fdw_create_table('imp', 'imptest.Outer.Inner', '/data/outer.pb', 'inners',
  options => '{"framing": "container", "container": "imptest.Outer.inners"}');
-- a descriptor set in options; a message of the other package
SELECT protobuf_fdw_create_table('bare', 'imptest.legacy.Old', '/data/old.pb',
  options => '{"descriptor_set": "/tmp/protobuf_fdw_test/import.desc"}');
\a
\t off
-- what it returns runs, and makes the same table as the import
DO $$ BEGIN
  EXECUTE protobuf_fdw_create_table('imp', 'imptest.Event', '/tmp/protobuf_fdw_test/import/%m.pb',
                                    'event_fn');
END $$;
SELECT id, user_id, amount, color FROM event_fn ORDER BY id;
(SELECT * FROM pg_temp.columns('public', 'event_fn') EXCEPT SELECT * FROM pg_temp.columns('shop', 'Event'))
UNION ALL
(SELECT * FROM pg_temp.columns('shop', 'Event') EXCEPT SELECT * FROM pg_temp.columns('public', 'event_fn'));
SELECT (SELECT options FROM pg_temp.tables('public') WHERE tbl = 'event_fn') =
       (SELECT options FROM pg_temp.tables('shop') WHERE tbl = 'Event') AS same_options;
-- errors
SELECT protobuf_fdw_create_table('imp', 'imptest.Evnt', '/data/x.pb');
SELECT protobuf_fdw_create_table('imp', 'imptest.Event', NULL);
SELECT protobuf_fdw_create_table(NULL, 'imptest.Event', '/data/x.pb');
SELECT protobuf_fdw_create_table('nosuch', 'imptest.Event', '/data/x.pb');
SELECT protobuf_fdw_create_table('bare', 'imptest.Event', '/data/x.pb');
SELECT protobuf_fdw_create_table('imp', 'imptest.Event', '/data/x.pb', '');
SELECT protobuf_fdw_create_table('imp', 'imptest.Event', '/data/x.pb', options => '[1]');
SELECT protobuf_fdw_create_table('imp', 'imptest.Event', '/data/x.pb',
  options => '{"filename": "/data/y.pb"}');
SELECT protobuf_fdw_create_table('imp', 'imptest.Event', '/data/x.pb',
  options => '{"message": "imptest.Wkt"}');
SELECT protobuf_fdw_create_table('imp', 'imptest.Event', '/data/x.pb',
  options => '{"framing": true}');
SELECT protobuf_fdw_create_table('imp', 'imptest.Event', '/data/x.pb',
  options => '{"framng": "delimited"}');
SELECT protobuf_fdw_create_table('imp', 'imptest.Event', '/data/%q.pb');
CREATE FOREIGN DATA WRAPPER other_fdw;
CREATE SERVER other FOREIGN DATA WRAPPER other_fdw;
SELECT protobuf_fdw_create_table('other', 'imptest.Event', '/data/x.pb');

-- permissions: importing needs what CREATE FOREIGN TABLE needs (superuser or
-- pg_read_server_files to set filename), since PostgreSQL runs the generated statements
-- through the validator
CREATE ROLE regress_pb_importer;
GRANT USAGE ON FOREIGN SERVER imp TO regress_pb_importer;
CREATE SCHEMA mine AUTHORIZATION regress_pb_importer;
SET ROLE regress_pb_importer;
IMPORT FOREIGN SCHEMA imptest LIMIT TO ("Event") FROM SERVER imp INTO mine
  OPTIONS (filename '/tmp/protobuf_fdw_test/import/%m.pb');
-- a descriptor set named in OPTIONS is read before any table is made: refused at once
IMPORT FOREIGN SCHEMA imptest LIMIT TO ("Event") FROM SERVER imp INTO mine
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/import.desc',
           filename '/tmp/protobuf_fdw_test/import/%m.pb');
-- the function only returns text: allowed with the server's descriptor set, not with another
SELECT length(protobuf_fdw_create_table('imp', 'imptest.Event', '/data/x.pb')) > 0 AS ok;
SELECT protobuf_fdw_create_table('imp', 'imptest.Event', '/data/x.pb',
  options => '{"descriptor_set": "/tmp/protobuf_fdw_test/import.desc"}');
-- without USAGE on the server
SELECT protobuf_fdw_create_table('bare', 'imptest.Event', '/data/x.pb');
RESET ROLE;
SELECT count(*) FROM pg_temp.tables('mine');
GRANT pg_read_server_files TO regress_pb_importer;
SET ROLE regress_pb_importer;
IMPORT FOREIGN SCHEMA imptest LIMIT TO ("Event") FROM SERVER imp INTO mine
  OPTIONS (filename '/tmp/protobuf_fdw_test/import/%m.pb');
SELECT id, user_id FROM mine."Event" ORDER BY id;
RESET ROLE;
DROP SCHEMA mine CASCADE;
REVOKE USAGE ON FOREIGN SERVER imp FROM regress_pb_importer;
DROP ROLE regress_pb_importer;
