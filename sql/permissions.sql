--
-- Permissions (issue 6): a role without pg_read_server_files, pg_execute_server_program and
-- pg_write_server_files can neither point a table at a file or a program (CREATE, ALTER
-- FOREIGN TABLE ... OPTIONS (SET/ADD ...), ALTER SERVER, IMPORT FOREIGN SCHEMA), nor export;
-- a symlink is a file like any other (allowed only with the privilege, as file_fdw does).
-- As in file_fdw, the check is made when the option is set: a table a superuser made and
-- granted SELECT on is readable by the grantee.
-- Data: test/fixtures/generate.sh (events.pb: bench.Event ids 1..3); the symlinks are made here.
--
\set d '/tmp/protobuf_fdw_test/'
\! rm -f /tmp/protobuf_fdw_test/perm_*
\! ln -s /tmp/protobuf_fdw_test/events.pb /tmp/protobuf_fdw_test/perm_link.pb
\! ln -s /tmp/protobuf_fdw_test/no_such_file.pb /tmp/protobuf_fdw_test/perm_dangling.pb
\! ln -s /tmp/protobuf_fdw_test /tmp/protobuf_fdw_test/perm_dirlink
\! ln -s /tmp/protobuf_fdw_test/bench.desc /tmp/protobuf_fdw_test/perm_link.desc
\! echo 'do not overwrite' > /tmp/protobuf_fdw_test/perm_victim.txt
\! chmod 666 /tmp/protobuf_fdw_test/perm_victim.txt
\! ln -s /tmp/protobuf_fdw_test/perm_victim.txt /tmp/protobuf_fdw_test/perm_out_link.parquet

CREATE SERVER perm_srv FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/bench.desc');
CREATE ROLE regress_perm_nobody;
CREATE ROLE regress_perm_reader;
CREATE ROLE regress_perm_runner;
CREATE ROLE regress_perm_writer;
GRANT pg_read_server_files TO regress_perm_reader;
GRANT pg_execute_server_program TO regress_perm_runner;
GRANT pg_write_server_files TO regress_perm_writer;
GRANT USAGE ON FOREIGN DATA WRAPPER protobuf_fdw
  TO regress_perm_nobody, regress_perm_reader, regress_perm_runner, regress_perm_writer;
GRANT USAGE ON FOREIGN SERVER perm_srv
  TO regress_perm_nobody, regress_perm_reader, regress_perm_runner, regress_perm_writer;
CREATE SCHEMA perm AUTHORIZATION regress_perm_nobody;
GRANT USAGE, CREATE ON SCHEMA perm TO regress_perm_reader, regress_perm_runner, regress_perm_writer;

-- a table the superuser made, owned by the role without privileges, and one granted to it
CREATE FOREIGN TABLE perm.owned (id bigint, user_id text) SERVER perm_srv
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event');
ALTER FOREIGN TABLE perm.owned OWNER TO regress_perm_nobody;
CREATE FOREIGN TABLE perm.granted (id bigint) SERVER perm_srv
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event');
GRANT SELECT ON perm.granted TO regress_perm_nobody, regress_perm_writer;
CREATE SERVER perm_owned_srv FOREIGN DATA WRAPPER protobuf_fdw;
ALTER SERVER perm_owned_srv OWNER TO regress_perm_nobody;

------------------------------------------------------------------------------------------
-- no privilege at all
------------------------------------------------------------------------------------------
SET ROLE regress_perm_nobody;
-- filename: a file, a symlink to it, a dangling symlink, a symlinked directory, a glob
CREATE FOREIGN TABLE perm.t (id bigint) SERVER perm_srv
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event');
CREATE FOREIGN TABLE perm.t (id bigint) SERVER perm_srv
  OPTIONS (filename '/tmp/protobuf_fdw_test/perm_link.pb', message 'bench.Event');
CREATE FOREIGN TABLE perm.t (id bigint) SERVER perm_srv
  OPTIONS (filename '/tmp/protobuf_fdw_test/perm_dangling.pb', message 'bench.Event');
CREATE FOREIGN TABLE perm.t (id bigint) SERVER perm_srv
  OPTIONS (filename '/tmp/protobuf_fdw_test/perm_dirlink', message 'bench.Event');
CREATE FOREIGN TABLE perm.t (id bigint) SERVER perm_srv
  OPTIONS (filename '/tmp/protobuf_fdw_test/*.pb', message 'bench.Event');
-- program
CREATE FOREIGN TABLE perm.t (id bigint) SERVER perm_srv
  OPTIONS (program 'cat /tmp/protobuf_fdw_test/events.pb', message 'bench.Event');
-- a table-level descriptor set, directly or through a symlink
CREATE FOREIGN TABLE perm.t (id bigint) SERVER perm_srv
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event',
           descriptor_set '/tmp/protobuf_fdw_test/perm_link.desc');
-- nothing was created
SELECT count(*) FROM pg_class WHERE relname = 't' AND relnamespace = 'perm'::regnamespace;
-- the owner of a table cannot point it elsewhere: SET, DROP + ADD, program, descriptor_set
ALTER FOREIGN TABLE perm.owned OPTIONS (SET filename '/tmp/protobuf_fdw_test/perm_link.pb');
ALTER FOREIGN TABLE perm.owned OPTIONS (SET filename '/etc/passwd');
ALTER FOREIGN TABLE perm.owned OPTIONS (DROP filename, ADD program 'cat /etc/passwd');
ALTER FOREIGN TABLE perm.owned OPTIONS (ADD descriptor_set '/tmp/protobuf_fdw_test/bench.desc');
-- ... and the options are unchanged
SELECT ftoptions FROM pg_foreign_table WHERE ftrelid = 'perm.owned'::regclass;
-- as in file_fdw, the validator sees the table's whole option list: without the role, the
-- owner of a table that names a file cannot change any of its options
ALTER FOREIGN TABLE perm.owned OPTIONS (ADD max_message_size '1MB');
-- the owner of a server cannot give it a descriptor set
ALTER SERVER perm_owned_srv OPTIONS (ADD descriptor_set '/tmp/protobuf_fdw_test/bench.desc');
ALTER SERVER perm_owned_srv OPTIONS (ADD descriptor_set '/tmp/protobuf_fdw_test/perm_link.desc');
CREATE SERVER perm_mine FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/perm_link.desc');
-- IMPORT FOREIGN SCHEMA with a file, a symlink, a program, a descriptor set
IMPORT FOREIGN SCHEMA bench LIMIT TO ("Event") FROM SERVER perm_srv INTO perm
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb');
IMPORT FOREIGN SCHEMA bench LIMIT TO ("Event") FROM SERVER perm_srv INTO perm
  OPTIONS (filename '/tmp/protobuf_fdw_test/perm_link.pb');
IMPORT FOREIGN SCHEMA bench LIMIT TO ("Event") FROM SERVER perm_srv INTO perm
  OPTIONS (program 'cat /tmp/protobuf_fdw_test/events.pb');
IMPORT FOREIGN SCHEMA bench LIMIT TO ("Event") FROM SERVER perm_srv INTO perm
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/perm_link.desc',
           filename '/tmp/protobuf_fdw_test/events.pb');
-- only the superuser's two tables are in the schema
SELECT relname FROM pg_class WHERE relnamespace = 'perm'::regnamespace ORDER BY relname;
-- export: refused, to a new file and to a symlink, whatever the query reads
SELECT * FROM parquet_export('SELECT 1 AS x', :'d' || 'perm_out.parquet');
SELECT * FROM parquet_export('SELECT 1 AS x', :'d' || 'perm_out_link.parquet');
SELECT * FROM parquet_export('SELECT id FROM perm.granted', :'d' || 'perm_out.parquet');
-- a table granted by a superuser reads (file_fdw's model: the check is on setting the option)
SELECT id FROM perm.granted ORDER BY id;
-- the table it owns still reads its original file
SELECT id, user_id FROM perm.owned ORDER BY id;
RESET ROLE;
\! ls /tmp/protobuf_fdw_test | grep -c '^perm_out\.parquet$'
\! cat /tmp/protobuf_fdw_test/perm_victim.txt

------------------------------------------------------------------------------------------
-- pg_read_server_files: files (and symlinks to them), not programs, not exports
------------------------------------------------------------------------------------------
SET ROLE regress_perm_reader;
CREATE FOREIGN TABLE perm.r_link (id bigint) SERVER perm_srv
  OPTIONS (filename '/tmp/protobuf_fdw_test/perm_link.pb', message 'bench.Event');
SELECT id FROM perm.r_link ORDER BY id;
-- a dangling symlink: allowed to name, an error to read
CREATE FOREIGN TABLE perm.r_dangling (id bigint) SERVER perm_srv
  OPTIONS (filename '/tmp/protobuf_fdw_test/perm_dangling.pb', message 'bench.Event');
SELECT id FROM perm.r_dangling;
-- a symlink into a directory the server cannot enter: an error to read, even with the role
CREATE FOREIGN TABLE perm.r_noperm (id bigint) SERVER perm_srv
  OPTIONS (filename '/tmp/protobuf_fdw_test/unreadable.pb', message 'bench.Event');
SELECT id FROM perm.r_noperm;
-- a symlinked descriptor set
CREATE FOREIGN TABLE perm.r_desc (id bigint) SERVER perm_srv
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event',
           descriptor_set '/tmp/protobuf_fdw_test/perm_link.desc');
SELECT sum(id) FROM perm.r_desc;
-- programs are not files
CREATE FOREIGN TABLE perm.r_prog (id bigint) SERVER perm_srv
  OPTIONS (program 'cat /tmp/protobuf_fdw_test/events.pb', message 'bench.Event');
ALTER FOREIGN TABLE perm.r_link OPTIONS (DROP filename, ADD program 'cat /etc/passwd');
IMPORT FOREIGN SCHEMA bench LIMIT TO ("Event") FROM SERVER perm_srv INTO perm
  OPTIONS (program 'cat /tmp/protobuf_fdw_test/events.pb');
-- importing with a file is allowed
IMPORT FOREIGN SCHEMA bench LIMIT TO ("Event") FROM SERVER perm_srv INTO perm
  OPTIONS (filename '/tmp/protobuf_fdw_test/perm_link.pb');
SELECT id FROM perm."Event" ORDER BY id;
-- reading is not writing
SELECT * FROM parquet_export('SELECT id FROM perm.r_link', :'d' || 'perm_out.parquet');
RESET ROLE;

------------------------------------------------------------------------------------------
-- pg_execute_server_program: programs, not files
------------------------------------------------------------------------------------------
SET ROLE regress_perm_runner;
CREATE FOREIGN TABLE perm.x_file (id bigint) SERVER perm_srv
  OPTIONS (filename '/tmp/protobuf_fdw_test/perm_link.pb', message 'bench.Event');
CREATE FOREIGN TABLE perm.x_prog (id bigint) SERVER perm_srv
  OPTIONS (program 'cat /tmp/protobuf_fdw_test/perm_link.pb', message 'bench.Event');
SELECT id FROM perm.x_prog ORDER BY id;
-- a program cannot be turned into a file
ALTER FOREIGN TABLE perm.x_prog OPTIONS (DROP program, ADD filename '/tmp/protobuf_fdw_test/events.pb');
SELECT * FROM parquet_export('SELECT id FROM perm.x_prog', :'d' || 'perm_out.parquet');
RESET ROLE;

------------------------------------------------------------------------------------------
-- pg_write_server_files: exports, not reads
------------------------------------------------------------------------------------------
SET ROLE regress_perm_writer;
CREATE FOREIGN TABLE perm.w_file (id bigint) SERVER perm_srv
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event');
-- exporting what it may read: a granted table
SELECT rows FROM parquet_export('SELECT id FROM perm.granted', :'d' || 'perm_out.parquet');
-- exporting a table it has no SELECT on
SELECT rows FROM parquet_export('SELECT id FROM perm.owned', :'d' || 'perm_out2.parquet');
-- exporting to a path that is a symlink never writes through it (whether the export replaces
-- the link or refuses is the export's business: only the target matters here)
DO $$
BEGIN
  PERFORM * FROM parquet_export('SELECT id FROM perm.granted',
                                '/tmp/protobuf_fdw_test/perm_out_link.parquet');
EXCEPTION WHEN OTHERS THEN
  NULL;
END $$;
RESET ROLE;
\! ls /tmp/protobuf_fdw_test | grep '^perm_out'
\! cat /tmp/protobuf_fdw_test/perm_victim.txt

-- leave nothing behind: roles are cluster-wide
DROP SCHEMA perm CASCADE;
DROP SERVER perm_owned_srv;
DROP SERVER perm_srv;
REVOKE USAGE ON FOREIGN DATA WRAPPER protobuf_fdw
  FROM regress_perm_nobody, regress_perm_reader, regress_perm_runner, regress_perm_writer;
DROP ROLE regress_perm_nobody;
DROP ROLE regress_perm_reader;
DROP ROLE regress_perm_runner;
DROP ROLE regress_perm_writer;
\! rm -f /tmp/protobuf_fdw_test/perm_*
