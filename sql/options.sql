--
-- Options: validation, permissions, where descriptor_set comes from, message and field
-- lookup, EXPLAIN, rescans.  Data made by test/fixtures/generate.sh.
--
CREATE SERVER op_bench FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/bench.desc');

-- unknown options, with a hint
CREATE SERVER op_bad FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_sett '/tmp/protobuf_fdw_test/bench.desc');
CREATE FOREIGN TABLE t_bad (id int8) SERVER op_bench
  OPTIONS (filenam '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event');
CREATE FOREIGN TABLE t_bad (id int8) SERVER op_bench
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', mesage 'bench.Event');
CREATE FOREIGN TABLE t_bad (id int8 OPTIONS (feild 'id')) SERVER op_bench
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event');
CREATE FOREIGN TABLE t_bad (id int8) SERVER op_bench
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event', codec 'zstd');
-- options in the wrong place
CREATE SERVER op_bad FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb');
CREATE FOREIGN TABLE t_bad (id int8 OPTIONS (message 'bench.Event')) SERVER op_bench
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event');
-- bad values
CREATE FOREIGN TABLE t_bad (id int8) SERVER op_bench
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event', max_message_size '0');
CREATE FOREIGN TABLE t_bad (id int8) SERVER op_bench
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event', max_message_size '-1');
CREATE FOREIGN TABLE t_bad (id int8) SERVER op_bench
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event', max_message_size 'lots');
CREATE FOREIGN TABLE t_bad (id int8) SERVER op_bench
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event', max_message_size '2147483648');
-- the largest allowed max_message_size
CREATE FOREIGN TABLE t_max (id int8) SERVER op_bench
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event', max_message_size '2147483647');
SELECT * FROM t_max;
-- filename is required
CREATE FOREIGN TABLE t_nofile (id int8) SERVER op_bench OPTIONS (message 'bench.Event');
SELECT * FROM t_nofile;

-- descriptor_set: the table's wins over the server's; a leading dot on message is optional
CREATE FOREIGN TABLE t_override (id int4, f_string text) SERVER op_bench
  OPTIONS (filename '/tmp/protobuf_fdw_test/s3_scalars.pb', message '.s3.Scalars',
           descriptor_set '/tmp/protobuf_fdw_test/scalars3.desc');
SELECT * FROM t_override WHERE id IN (1, 3);
CREATE SERVER op_nodesc FOREIGN DATA WRAPPER protobuf_fdw;
CREATE FOREIGN TABLE t_tabledesc (id int8, user_id text) SERVER op_nodesc
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event',
           descriptor_set '/tmp/protobuf_fdw_test/bench.desc');
SELECT * FROM t_tabledesc;
-- the cached descriptor set is read again when the file changes (here: by another size)
COPY (SELECT 1) TO PROGRAM 'cat >/dev/null; cp /tmp/protobuf_fdw_test/scalars3.desc /tmp/protobuf_fdw_test/swap.desc';
CREATE FOREIGN TABLE t_swap (id int4) SERVER op_bench
  OPTIONS (filename '/tmp/protobuf_fdw_test/s3_uint64.pb', message 's3.Scalars',
           descriptor_set '/tmp/protobuf_fdw_test/swap.desc');
SELECT * FROM t_swap;
COPY (SELECT 1) TO PROGRAM 'cat >/dev/null; cp /tmp/protobuf_fdw_test/container.desc /tmp/protobuf_fdw_test/swap.desc';
SELECT * FROM t_swap;
COPY (SELECT 1) TO PROGRAM 'cat >/dev/null; cp /tmp/protobuf_fdw_test/scalars3.desc /tmp/protobuf_fdw_test/swap.desc';
SELECT count(*) FROM t_swap;
-- no descriptor set anywhere
CREATE FOREIGN TABLE t_nodesc (id int8) SERVER op_nodesc
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event');
SELECT * FROM t_nodesc;
-- no message type (delimited)
CREATE FOREIGN TABLE t_nomsg (id int8) SERVER op_bench
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb');
SELECT * FROM t_nomsg;

-- a message not found: the close names are listed
CREATE SERVER op_all FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/all.desc');
CREATE FOREIGN TABLE t_nomessage (id int8) SERVER op_all
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Evnt');
SELECT * FROM t_nomessage;
CREATE FOREIGN TABLE t_nopackage (id int8) SERVER op_all
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'Event');
SELECT * FROM t_nopackage;
-- a field not found: the message's fields are listed
CREATE FOREIGN TABLE t_nofield (id int8, nme text) SERVER op_all
  OPTIONS (filename '/tmp/protobuf_fdw_test/container.pb', framing 'container',
           container 'ctr.Dump.rows');
SELECT * FROM t_nofield;
CREATE FOREIGN TABLE t_nofieldnum (id int8, x text OPTIONS (field '4')) SERVER op_all
  OPTIONS (filename '/tmp/protobuf_fdw_test/container.pb', framing 'container',
           container 'ctr.Dump.rows');
SELECT * FROM t_nofieldnum;

-- permissions: naming a file needs superuser or pg_read_server_files
CREATE ROLE regress_pbfdw_user LOGIN;
GRANT USAGE ON FOREIGN DATA WRAPPER protobuf_fdw TO regress_pbfdw_user;
GRANT USAGE ON FOREIGN SERVER op_bench TO regress_pbfdw_user;
GRANT CREATE ON SCHEMA public TO regress_pbfdw_user;
SET ROLE regress_pbfdw_user;
CREATE FOREIGN TABLE t_user (id int8) SERVER op_bench
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event');
CREATE FOREIGN TABLE t_user (id int8) SERVER op_bench
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event',
           descriptor_set '/tmp/protobuf_fdw_test/bench.desc');
CREATE SERVER op_user FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/bench.desc');
-- options that name no file are allowed
CREATE SERVER op_user FOREIGN DATA WRAPPER protobuf_fdw;
RESET ROLE;
GRANT pg_read_server_files TO regress_pbfdw_user;
SET ROLE regress_pbfdw_user;
CREATE FOREIGN TABLE t_user (id int8) SERVER op_bench
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event');
SELECT * FROM t_user;
ALTER SERVER op_user OPTIONS (ADD descriptor_set '/tmp/protobuf_fdw_test/bench.desc');
RESET ROLE;
REVOKE pg_read_server_files FROM regress_pbfdw_user;
SET ROLE regress_pbfdw_user;
-- the owner without the privilege cannot point the table at another file
ALTER FOREIGN TABLE t_user OPTIONS (SET filename '/tmp/protobuf_fdw_test/batch.pb');
RESET ROLE;
DROP FOREIGN TABLE t_user;
DROP SERVER op_user;
REVOKE CREATE ON SCHEMA public FROM regress_pbfdw_user;
REVOKE USAGE ON FOREIGN SERVER op_bench FROM regress_pbfdw_user;
REVOKE USAGE ON FOREIGN DATA WRAPPER protobuf_fdw FROM regress_pbfdw_user;
DROP ROLE regress_pbfdw_user;

-- EXPLAIN shows the file, its size, the message type and the framing
CREATE FOREIGN TABLE events (id bigint, user_id text) SERVER op_bench
  OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event');
CREATE FOREIGN TABLE batch_events (id bigint, user_id text) SERVER op_bench
  OPTIONS (filename '/tmp/protobuf_fdw_test/batch.pb', framing 'container',
           container 'bench.Batch.events');
EXPLAIN (COSTS OFF) SELECT * FROM events;
EXPLAIN (COSTS OFF) SELECT id FROM batch_events WHERE id > 1;

-- rescan: the inner side of a nested loop starts the file again for every outer row
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_material = off;
EXPLAIN (COSTS OFF)
  SELECT e.id, b.user_id FROM events e JOIN batch_events b ON e.id = b.id ORDER BY e.id;
SELECT e.id, b.user_id FROM events e JOIN batch_events b ON e.id = b.id ORDER BY e.id;
SELECT count(*) FROM events e, events f;
SELECT e.id, count(*) FROM events e, batch_events b WHERE b.id <= e.id GROUP BY e.id ORDER BY 1;
-- a correlated subquery with LIMIT 1 rescans a scan it left in the middle of the file:
-- it must start again at message 1 every time
SELECT e.id, (SELECT f.user_id FROM events f WHERE f.id > e.id - 10 LIMIT 1) AS first
  FROM events e;
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_material;

-- clean up
SET client_min_messages = warning;
DROP SERVER op_bench, op_all, op_nodesc CASCADE;
RESET client_min_messages;
