--
-- COPY with no file privilege: a role with USAGE on the wrapper (or on a server) and INSERT,
-- SELECT on a table does the whole round trip through psql's \copy, and the script in
-- examples/ runs as such a role.  Server files stay out of its reach.
--
CREATE ROLE copy_analyst;
CREATE TABLE events (id bigint, user_id text, ts_micros bigint, amount float8, quantity int,
                     is_test bool, country text, url text, status bigint, score float4);
GRANT USAGE ON FOREIGN DATA WRAPPER protobuf_fdw TO copy_analyst;
GRANT INSERT, SELECT ON events TO copy_analyst;
SELECT rolsuper, pg_has_role('copy_analyst', 'pg_read_server_files', 'USAGE') AS read_files,
       pg_has_role('copy_analyst', 'pg_write_server_files', 'USAGE') AS write_files
FROM pg_roles WHERE rolname = 'copy_analyst';

-- the script of examples/, run where the files are, as the role
\set example `pwd`/examples/copy_roundtrip.psql
\set back `pwd`
\cd /tmp/protobuf_fdw_test/copy
SET ROLE copy_analyst;
\i :example
RESET ROLE;
\cd :back
SELECT count(*), sum(amount) FROM events;
-- DuckDB reads the file psql wrote: the same rows as PostgreSQL's query
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/copy/by_country.parquet "SELECT * FROM t ORDER BY country"
SELECT country, count(*) AS events, sum(amount) AS amount FROM events GROUP BY country ORDER BY country;

-- a server created by someone else: USAGE on it is enough
\set desc `base64 -w0 /tmp/protobuf_fdw_test/copy/bench.desc`
CREATE SERVER copy_shared FOREIGN DATA WRAPPER protobuf_fdw OPTIONS (descriptor :'desc');
CREATE SERVER copy_private FOREIGN DATA WRAPPER protobuf_fdw OPTIONS (descriptor :'desc');
GRANT USAGE ON FOREIGN SERVER copy_shared TO copy_analyst;
REVOKE USAGE ON FOREIGN DATA WRAPPER protobuf_fdw FROM copy_analyst;
TRUNCATE events;
SET ROLE copy_analyst;
\copy events FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_shared', message 'bench.Event')
SELECT count(*) FROM events;
\copy (SELECT id, url FROM events WHERE id BETWEEN 1 AND 20) TO '/tmp/protobuf_fdw_test/copy/analyst.parquet' (FORMAT parquet)
-- WHERE reads columns: SELECT on them is needed as for PostgreSQL's COPY (INSERT alone is not)
RESET ROLE;
CREATE TABLE events_ins (id bigint, country text);
GRANT INSERT ON events_ins TO copy_analyst;
GRANT SELECT (id) ON events_ins TO copy_analyst;
SET ROLE copy_analyst;
\copy events_ins FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_shared', message 'bench.Event') WHERE country = 'US'
\copy events_ins FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_shared', message 'bench.Event') WHERE id < 0
RESET ROLE;
SELECT count(*), bool_and(id < 0) FROM events_ins;
DROP TABLE events_ins;
SET ROLE copy_analyst;
-- without USAGE on the server
\copy events FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_private', message 'bench.Event')
-- the server's files are not the role's: COPY FROM and TO a server file, a descriptor_set
COPY events FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_shared', message 'bench.Event');
COPY events TO '/tmp/protobuf_fdw_test/copy/analyst_server.parquet' (FORMAT parquet);
\copy events FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, descriptor_set '/tmp/protobuf_fdw_test/copy/bench.desc', message 'bench.Event')
-- nor may it put a descriptor_set on a server; a descriptor it may not set on a server it does not own
CREATE SERVER copy_mine FOREIGN DATA WRAPPER protobuf_fdw OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/copy/bench.desc');
ALTER SERVER copy_shared OPTIONS (SET descriptor 'AAAA');
-- a table it may not insert into
RESET ROLE;
REVOKE INSERT ON events FROM copy_analyst;
SET ROLE copy_analyst;
\copy events FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_shared', message 'bench.Event')
RESET ROLE;
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/copy/analyst.parquet "SELECT count(*), min(id), max(id) FROM t"

-- the descriptor option: checked when set, exclusive of descriptor_set, cached by content
CREATE SERVER copy_bad FOREIGN DATA WRAPPER protobuf_fdw OPTIONS (descriptor 'not base64!');
CREATE SERVER copy_bad FOREIGN DATA WRAPPER protobuf_fdw OPTIONS (descriptor 'aGVsbG8gd29ybGQ=');
CREATE SERVER copy_bad FOREIGN DATA WRAPPER protobuf_fdw OPTIONS (descriptor :'desc', descriptor_set '/tmp/protobuf_fdw_test/copy/bench.desc');
ALTER SERVER copy_shared OPTIONS (ADD descriptor_set '/tmp/protobuf_fdw_test/copy/bench.desc');
CREATE FOREIGN TABLE copy_ft (id bigint, country text) SERVER copy_private OPTIONS (descriptor 'AAAA', filename '/tmp/protobuf_fdw_test/copy/events.pb', message 'bench.Event');
-- a foreign table reads with its server's descriptor
CREATE FOREIGN TABLE copy_ft (id bigint, country text) SERVER copy_private OPTIONS (filename '/tmp/protobuf_fdw_test/copy/events.pb', message 'bench.Event');
SELECT count(*), count(DISTINCT country) FROM copy_ft;
-- base64 with line breaks (base64 without -w0) is the same set
\set desc76 `base64 /tmp/protobuf_fdw_test/copy/bench.desc`
ALTER SERVER copy_private OPTIONS (SET descriptor :'desc76');
SELECT count(*) FROM copy_ft;
-- parquet_export(field_ids => 'protobuf') finds the field numbers through the server's descriptor
SELECT rows FROM parquet_export('SELECT id, country FROM copy_ft WHERE id <= 10',
                                '/tmp/protobuf_fdw_test/copy/ft_ids.parquet', field_ids => 'protobuf');
\! node test/parquet/readback.mjs --raw /tmp/protobuf_fdw_test/copy/ft_ids.parquet "SELECT name, field_id FROM parquet_schema('/tmp/protobuf_fdw_test/copy/ft_ids.parquet') WHERE field_id IS NOT NULL ORDER BY name"
-- IMPORT FOREIGN SCHEMA and protobuf_fdw_create_table() read the server's descriptor too
CREATE SCHEMA copy_import;
IMPORT FOREIGN SCHEMA bench LIMIT TO ("Event") FROM SERVER copy_private INTO copy_import
  OPTIONS (filename '/tmp/protobuf_fdw_test/copy/events.pb');
SELECT count(*), sum(id) FROM copy_import."Event";
SELECT protobuf_fdw_create_table('copy_private', 'bench.Event', '/tmp/protobuf_fdw_test/copy/events.pb');
DROP SCHEMA copy_import CASCADE;
DROP FOREIGN TABLE copy_ft;
DROP SERVER copy_shared, copy_private;
DROP TABLE events;
DROP OWNED BY copy_analyst;
DROP ROLE copy_analyst;
