--
-- The scan: files larger than the read buffer, a message larger than it, projections,
-- whole-row references, dropped and added columns, one field read by two columns, repeated
-- execution, parallel query.  Data: many.pb, many_container.pb, events.pb (see
-- test/fixtures/gen_fixtures.py).
--
CREATE SERVER sn3 FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/all.desc');

-- 20000 messages (5 MiB), message 10000 holds a 3 MiB string
CREATE FOREIGN TABLE many (id int4, f_int64 int8, f_string text)
  SERVER sn3 OPTIONS (filename '/tmp/protobuf_fdw_test/many.pb', message 's3.Scalars');
SELECT count(*), sum(id), sum(f_int64), sum(length(f_string)) FROM many;
SELECT id, length(f_string), left(f_string, 3) FROM many WHERE id IN (1, 199, 200, 9999, 10000, 10001, 20000);
SELECT count(*) FROM many;
-- the same in a container: a 5 MiB field before the rows is skipped, not buffered, so a
-- max_message_size of 4 MB does not apply to it; the 3 MiB row is under it
CREATE FOREIGN TABLE many_rows (id int8, name text)
  SERVER sn3 OPTIONS (filename '/tmp/protobuf_fdw_test/many_container.pb', framing 'container',
                      container 'ctr.Dump.rows', max_message_size '4194304');
SELECT count(*), sum(id), sum(length(name)) FROM many_rows;
SELECT id, length(name), left(name, 3) FROM many_rows WHERE id IN (1, 49, 50, 9999, 10000, 10001, 20000);
-- with a 1 MiB limit the 3 MiB row (message 10000, record at byte 5557778) is refused
CREATE FOREIGN TABLE many_rows_1m (id int8)
  SERVER sn3 OPTIONS (filename '/tmp/protobuf_fdw_test/many_container.pb', framing 'container',
                      container 'ctr.Dump.rows', max_message_size '1048576');
SELECT count(*) FROM many_rows_1m;

-- a length prefix (and a container's tag and length) across the 1 MiB mark
CREATE FOREIGN TABLE straddle_74 (id int4, f_string text)
  SERVER sn3 OPTIONS (filename '/tmp/protobuf_fdw_test/straddle_74.pb', message 's3.Scalars');
SELECT id, length(f_string), left(f_string, 2) FROM straddle_74;
CREATE FOREIGN TABLE straddle_75 (id int4, f_string text)
  SERVER sn3 OPTIONS (filename '/tmp/protobuf_fdw_test/straddle_75.pb', message 's3.Scalars');
SELECT id, length(f_string), left(f_string, 2) FROM straddle_75;
CREATE FOREIGN TABLE straddle_c74 (id int8, name text)
  SERVER sn3 OPTIONS (filename '/tmp/protobuf_fdw_test/straddle_c74.pb', framing 'container',
                      container 'ctr.Dump.rows');
SELECT id, length(name), left(name, 2) FROM straddle_c74;
CREATE FOREIGN TABLE straddle_c75 (id int8, name text)
  SERVER sn3 OPTIONS (filename '/tmp/protobuf_fdw_test/straddle_c75.pb', framing 'container',
                      container 'ctr.Dump.rows');
SELECT id, length(name), left(name, 2) FROM straddle_c75;

-- memory: 9000 more rows through a cursor grow the backend's memory by less than 256 kB (no
-- per-row leak of 30 bytes or more; by then the read buffer has grown to the 3 MiB message)
CREATE TEMP TABLE mem (step text, bytes bigint);
INSERT INTO mem VALUES ('warm-up', 0);
BEGIN;
DECLARE c CURSOR FOR SELECT id, f_int64, f_string, length(f_string) FROM many;
MOVE 10001 FROM c;
INSERT INTO mem SELECT 'd1', sum(total_bytes) FROM pg_backend_memory_contexts;
MOVE 9000 FROM c;
INSERT INTO mem SELECT 'd2', sum(total_bytes) FROM pg_backend_memory_contexts;
DECLARE d CURSOR FOR SELECT id, name FROM many_rows;
MOVE 10001 FROM d;
INSERT INTO mem SELECT 'c1', sum(total_bytes) FROM pg_backend_memory_contexts;
MOVE 9000 FROM d;
INSERT INTO mem SELECT 'c2', sum(total_bytes) FROM pg_backend_memory_contexts;
COMMIT;
SELECT (SELECT bytes FROM mem WHERE step = 'd2') - (SELECT bytes FROM mem WHERE step = 'd1')
         < 262144 AS delimited_bounded,
       (SELECT bytes FROM mem WHERE step = 'c2') - (SELECT bytes FROM mem WHERE step = 'c1')
         < 262144 AS container_bounded;
DROP TABLE mem;

-- projections: a column used only in WHERE is decoded; whole-row references
CREATE FOREIGN TABLE events (id int8, user_id text, amount float8, country text)
  SERVER sn3 OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event');
SELECT id FROM events WHERE user_id = 'carol';
SELECT id FROM events WHERE amount < 0;
SELECT e FROM events e;
SELECT row_to_json(e) FROM events e WHERE id = 2;
-- one field read by two columns of different types
CREATE FOREIGN TABLE events_twice (id int8, a float8 OPTIONS (field 'amount'),
  b text OPTIONS (field 'amount'), c numeric OPTIONS (field '4'))
  SERVER sn3 OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event');
SELECT * FROM events_twice;
-- dropped and added columns
ALTER FOREIGN TABLE events DROP COLUMN user_id;
SELECT * FROM events;
ALTER FOREIGN TABLE events ADD COLUMN user_id text;
ALTER FOREIGN TABLE events ADD COLUMN ts bigint OPTIONS (field 'ts_micros');
SELECT * FROM events;
ALTER FOREIGN TABLE events ALTER COLUMN ts OPTIONS (SET field 'status');
SELECT id, ts FROM events;

-- a prepared statement runs the scan again each time
PREPARE q(int8) AS SELECT id, user_id FROM events WHERE id >= $1;
EXECUTE q(2);
EXECUTE q(1);
DEALLOCATE q;
-- a scrollable cursor
BEGIN;
DECLARE c SCROLL CURSOR FOR SELECT id FROM events;
FETCH 2 FROM c;
FETCH BACKWARD 1 FROM c;
FETCH ALL FROM c;
COMMIT;

-- parallel query: the whole plan in a worker, and a parallel join
SET force_parallel_mode = on;
SELECT count(*), sum(id), sum(f_int64) FROM many;
SELECT id, user_id FROM events;
RESET force_parallel_mode;
CREATE TABLE nums AS SELECT n FROM generate_series(1, 20000) n;
ANALYZE nums;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT count(*), sum(n) FROM nums JOIN many ON n = many.id;
SELECT count(*) FROM nums JOIN events ON n = events.id;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE nums;

-- clean up
SET client_min_messages = warning;
DROP SERVER sn3 CASCADE;
RESET client_min_messages;
