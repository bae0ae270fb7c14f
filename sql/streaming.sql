--
-- Streaming behaviour: cancellation of an endless scan, ANALYZE, and the planner's
-- estimates.  Fixtures: /tmp/protobuf_fdw_test (test/fixtures/generate.sh).
--
CREATE SERVER stream_srv FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/all.desc');

-- /dev/zero read as delimited messages is an endless stream of empty messages:
-- each one reads as proto3 defaults, and only a cancel ends the scan.
CREATE FOREIGN TABLE endless (id bigint, user_id text, is_test bool)
  SERVER stream_srv OPTIONS (filename '/dev/zero', message 'bench.Event');
SELECT * FROM endless LIMIT 3;
SET statement_timeout = '500ms';
SELECT count(*) FROM endless;
SELECT count(*) FROM endless WHERE user_id <> '';
RESET statement_timeout;
SELECT 'the session goes on' AS after_cancel;

-- The same bytes as a container: a zero byte is a tag with field number 0.
CREATE FOREIGN TABLE endless_container (id bigint)
  SERVER stream_srv OPTIONS (filename '/dev/zero', framing 'container',
                             container 'bench.Batch.events');
SELECT count(*) FROM endless_container;

-- ANALYZE reads every message: reltuples is exact and pg_stats is filled.
-- many.pb: 20000 messages, id = i, f_int64 = i*i, f_string = 'x' * (i % 200)
-- (message 10000: 'y' * 3 MiB).
CREATE FOREIGN TABLE many (id bigint, f_int64 bigint, f_string text)
  SERVER stream_srv OPTIONS (filename '/tmp/protobuf_fdw_test/many.pb', message 's3.Scalars');
SELECT reltuples FROM pg_class WHERE relname = 'many';
ANALYZE many;
SELECT reltuples, relpages > 0 AS has_pages FROM pg_class WHERE relname = 'many';
SELECT attname, null_frac, n_distinct FROM pg_stats
 WHERE tablename = 'many' ORDER BY attname;
-- the estimate now follows the measured density
EXPLAIN (COSTS ON) SELECT * FROM many;
SELECT count(*), sum(id), sum(f_int64), sum(length(f_string)) FROM many;

-- The container framing analyzes the same way.
CREATE FOREIGN TABLE many_rows (id bigint, name text)
  SERVER stream_srv OPTIONS (filename '/tmp/protobuf_fdw_test/many_container.pb',
                             framing 'container', container 'ctr.Dump.rows');
ANALYZE many_rows;
SELECT reltuples FROM pg_class WHERE relname = 'many_rows';
SELECT count(*), sum(id), max(length(name)) FROM many_rows;

DROP SERVER stream_srv CASCADE;
