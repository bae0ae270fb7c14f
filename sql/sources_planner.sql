--
-- Planner and executor (issue 5): row estimates before ANALYZE (files' size / mean message
-- size sampled from the start) and after it (pg_class), ANALYZE of every framing, of several
-- files and of compressed files, EXPLAIN ANALYZE counters, and parallel scans giving the
-- serial results.  Data: test/fixtures/sources/gen_sources.py: the 50 events in every
-- framing, big.* (30000 events: sum(id) 450015000, 300 notes, all 'n'; row signature
-- f9a2f370ae14328f53c626b60aaac9a4), bigmulti/part-1..4.pb (the big events, 7500 per file).
--
CREATE SERVER src_pl FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/sources/sources.desc');
CREATE FUNCTION pl_table(tab text, opts text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE FOREIGN TABLE %I (id bigint, name text, amount float8, big numeric,
                    tags int4[], flag bool, note text,
                    fname text OPTIONS (meta ''filename''), off bigint OPTIONS (meta ''offset''),
                    ord bigint OPTIONS (meta ''ordinal''))
                  SERVER src_pl OPTIONS (message ''sources.Event'', %s)', tab, opts);
END $$;
-- the planner's row estimate for a query
CREATE FUNCTION pl_rows(query text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
  plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
  RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8;
END $$;

SELECT pl_table('pl_delim', $$filename '/tmp/protobuf_fdw_test/sources/events.delim.pb'$$);
SELECT pl_table('pl_ctr', $$filename '/tmp/protobuf_fdw_test/sources/events.container.pb.zst',
                            framing 'container', container 'sources.Batch.events'$$);
SELECT pl_table('pl_be', $$filename '/tmp/protobuf_fdw_test/sources/events.fixed32be.pb',
                           framing 'fixed32be'$$);
SELECT pl_table('pl_le', $$filename '/tmp/protobuf_fdw_test/sources/events.fixed32le.pb',
                           framing 'fixed32le'$$);
SELECT pl_table('pl_tf', $$filename '/tmp/protobuf_fdw_test/sources/events.tfrecord.pb',
                           framing 'tfrecord'$$);
SELECT pl_table('pl_single', $$filename '/tmp/protobuf_fdw_test/sources/single',
                               framing 'single'$$);
SELECT pl_table('pl_multi', $$filename '/tmp/protobuf_fdw_test/sources/multi/*.pb'$$);
SELECT pl_table('pl_big', $$filename '/tmp/protobuf_fdw_test/sources/big.delim.pb'$$);
SELECT pl_table('pl_big_gz', $$filename '/tmp/protobuf_fdw_test/sources/big.delim.pb.gz'$$);
SELECT pl_table('pl_big_tf', $$filename '/tmp/protobuf_fdw_test/sources/big.tfrecord.pb.zst',
                               framing 'tfrecord'$$);
SELECT pl_table('pl_bigmulti', $$filename '/tmp/protobuf_fdw_test/sources/bigmulti'$$);

-- before ANALYZE: within 10% of the true count (50 / 5 / 30000)
SELECT relname, reltuples FROM pg_class WHERE relname LIKE 'pl\_%' AND relkind = 'f' ORDER BY relname;
SELECT pl_rows('SELECT * FROM pl_delim') BETWEEN 45 AND 55 AS delim,
       pl_rows('SELECT * FROM pl_ctr') BETWEEN 45 AND 55 AS container_zst,
       pl_rows('SELECT * FROM pl_be') BETWEEN 45 AND 55 AS fixed32be,
       pl_rows('SELECT * FROM pl_le') BETWEEN 45 AND 55 AS fixed32le,
       pl_rows('SELECT * FROM pl_tf') BETWEEN 45 AND 55 AS tfrecord,
       pl_rows('SELECT * FROM pl_single') BETWEEN 4.5 AND 5.5 AS single,
       pl_rows('SELECT * FROM pl_multi') BETWEEN 45 AND 55 AS multi;
SELECT pl_rows('SELECT * FROM pl_big') BETWEEN 27000 AND 33000 AS big,
       pl_rows('SELECT * FROM pl_big_gz') BETWEEN 27000 AND 33000 AS big_gz,
       pl_rows('SELECT * FROM pl_bigmulti') BETWEEN 27000 AND 33000 AS bigmulti;

-- ANALYZE reads every message of every file: exact counts, then exact estimates
ANALYZE pl_delim, pl_ctr, pl_be, pl_le, pl_tf, pl_single, pl_multi, pl_big, pl_big_gz, pl_big_tf,
        pl_bigmulti;
SELECT relname, reltuples FROM pg_class WHERE relname LIKE 'pl\_%' AND relkind = 'f' ORDER BY relname;
SELECT relname, pl_rows('SELECT * FROM ' || relname) AS estimate
  FROM pg_class WHERE relname LIKE 'pl\_%' AND relkind = 'f' ORDER BY relname;
-- after ANALYZE the estimate is its density times the files' current size: the same messages
-- twice over estimate twice the rows
\! cat /tmp/protobuf_fdw_test/sources/big.delim.pb /tmp/protobuf_fdw_test/sources/big.delim.pb > /tmp/protobuf_fdw_test/sources/big2x.delim.pb
ALTER FOREIGN TABLE pl_big OPTIONS (SET filename '/tmp/protobuf_fdw_test/sources/big2x.delim.pb');
SELECT pl_rows('SELECT * FROM pl_big') BETWEEN 57000 AND 63000 AS big2x_estimate_doubles;
ALTER FOREIGN TABLE pl_big OPTIONS (SET filename '/tmp/protobuf_fdw_test/sources/big.delim.pb');
\! rm /tmp/protobuf_fdw_test/sources/big2x.delim.pb
-- pg_stats: several files (50 rows: 10 distinct notes, flag for 16), compressed files
-- (30000 rows, all in the sample: 300 notes, all 'n'; 15000 flags)
SELECT tablename, attname, null_frac, n_distinct FROM pg_stats
 WHERE tablename IN ('pl_multi', 'pl_big_gz', 'pl_bigmulti', 'pl_ctr')
   AND attname IN ('id', 'name', 'flag', 'note', 'ord')
 ORDER BY tablename, attname;
SELECT tablename, most_common_vals, most_common_freqs FROM pg_stats
 WHERE tablename IN ('pl_multi', 'pl_big_gz', 'pl_bigmulti') AND attname = 'flag'
 ORDER BY tablename;

-- EXPLAIN ANALYZE: messages and (decompressed) bytes read, messages skipped
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM pl_delim;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM pl_ctr;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM pl_multi;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT id FROM pl_big_gz;
SELECT pl_table('pl_skip', $$filename '/tmp/protobuf_fdw_test/sources/bad_middle.delim.pb.gz',
                             on_error 'skip'$$);
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT id, name, big FROM pl_skip;
-- VERBOSE: the fields decoded (meta columns are no fields)
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, note, off FROM pl_tf;

-- parallel scans give the serial results
SELECT count(*) AS n, sum(id) AS sum_id, count(note) AS notes,
       md5(string_agg(concat_ws(':', id, name, amount, big, tags, flag::int, note), ',' ORDER BY id)) AS sig,
       md5(string_agg(concat_ws(':', fname, ord, off), ',' ORDER BY fname, ord)) AS meta
  FROM pl_bigmulti \gset serial_
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF) SELECT count(*), sum(id) FROM pl_bigmulti;
EXPLAIN (COSTS OFF) SELECT md5(string_agg(concat_ws(':', fname, ord, off), ',' ORDER BY fname, ord))
  FROM pl_bigmulti;
SELECT count(*) AS n, sum(id) AS sum_id, count(note) AS notes,
       md5(string_agg(concat_ws(':', id, name, amount, big, tags, flag::int, note), ',' ORDER BY id)) AS sig,
       md5(string_agg(concat_ws(':', fname, ord, off), ',' ORDER BY fname, ord)) AS meta
  FROM pl_bigmulti \gset parallel_
SELECT :'serial_n' AS n, :'serial_sum_id' AS sum_id, :'serial_notes' AS notes, :'serial_sig' AS sig,
       (:'serial_n', :'serial_sum_id', :'serial_notes', :'serial_sig', :'serial_meta')
       = (:'parallel_n', :'parallel_sum_id', :'parallel_notes', :'parallel_sig', :'parallel_meta')
       AS parallel_equals_serial;
-- one compressed file, several files of 50 events, a container, a filter, a join
SELECT count(*), sum(id), md5(string_agg(concat_ws(':', id, name, amount, big, tags, flag::int, note), ',' ORDER BY id))
  FROM pl_big_gz;
SELECT count(*), sum(id), md5(string_agg(concat_ws(':', id, name, amount, big, tags, flag::int, note), ',' ORDER BY id))
  FROM pl_multi;
SELECT count(*), sum(id), md5(string_agg(concat_ws(':', id, name, amount, big, tags, flag::int, note), ',' ORDER BY id))
  FROM pl_ctr;
SELECT count(*), sum(id) FROM pl_bigmulti WHERE note IS NOT NULL;
SELECT count(*), sum(a.id) FROM pl_bigmulti a JOIN pl_big_tf b ON a.id = b.id WHERE b.id % 1000 = 0;
-- one uncompressed file much larger than the 256 kB blocks a parallel scan divides it into
-- (split/events.*.pb, 12000 messages, 9.3 to 9.5 MB): every framing gives the serial rows,
-- ordinals and offsets (the signatures are the generator's, SUMMARY.txt)
SELECT pl_table('pl_split_delim', $$filename '/tmp/protobuf_fdw_test/sources/split/events.delim.pb'$$);
SELECT pl_table('pl_split_ctr', $$filename '/tmp/protobuf_fdw_test/sources/split/events.container.pb',
                                  framing 'container', container 'sources.Batch.events'$$);
SELECT pl_table('pl_split_be', $$filename '/tmp/protobuf_fdw_test/sources/split/events.fixed32be.pb',
                                 framing 'fixed32be'$$);
SELECT pl_table('pl_split_le', $$filename '/tmp/protobuf_fdw_test/sources/split/events.fixed32le.pb',
                                 framing 'fixed32le'$$);
SELECT pl_table('pl_split_tf', $$filename '/tmp/protobuf_fdw_test/sources/split/events.tfrecord.pb',
                                 framing 'tfrecord'$$);
EXPLAIN (COSTS OFF) SELECT count(*) FROM pl_split_tf;
SELECT count(*), sum(id), md5(string_agg(concat_ws(':', ord, off, id, length(name)), ',' ORDER BY ord))
  FROM pl_split_delim;
SELECT count(*), sum(id), md5(string_agg(concat_ws(':', ord, off, id, length(name)), ',' ORDER BY ord))
  FROM pl_split_ctr;
SELECT count(*), sum(id), md5(string_agg(concat_ws(':', ord, off, id, length(name)), ',' ORDER BY ord))
  FROM pl_split_be;
SELECT count(*), sum(id), md5(string_agg(concat_ws(':', ord, off, id, length(name)), ',' ORDER BY ord))
  FROM pl_split_le;
SELECT count(*), sum(id), md5(string_agg(concat_ws(':', ord, off, id, length(name)), ',' ORDER BY ord))
  FROM pl_split_tf;
SELECT count(*), sum(id), sum(length(name)) FROM pl_split_tf WHERE flag;
-- errors in a file split between processes name the right message and offset: message 9000
-- at 6995875 (invalid UTF-8; a malformed length prefix, which stops even with on_error
-- 'skip'); force_parallel_mode 'regress' leaves out the "parallel worker" context line that
-- depends on which process met it
SET force_parallel_mode = regress;
SELECT pl_table('pl_split_utf8', $$filename '/tmp/protobuf_fdw_test/sources/split/bad_utf8.delim.pb'$$);
SELECT count(*), count(name) FROM pl_split_utf8;
SELECT pl_table('pl_split_prefix', $$filename '/tmp/protobuf_fdw_test/sources/split/bad_prefix.delim.pb',
                                     on_error 'skip'$$);
SELECT count(*), count(name) FROM pl_split_prefix;
-- a file cut inside its last record (9000000 of the 9327954 bytes of split/events.delim.pb),
-- split between processes: the truncated record is reported once, as the serial scan
-- reports it; with on_error 'skip' it is the one message skipped
\! head -c 9000000 /tmp/protobuf_fdw_test/sources/split/events.delim.pb > /tmp/protobuf_fdw_test/sources/split_cut.delim.pb
SELECT pl_table('pl_split_cut', $$filename '/tmp/protobuf_fdw_test/sources/split_cut.delim.pb'$$);
SELECT pl_table('pl_split_cut_skip', $$filename '/tmp/protobuf_fdw_test/sources/split_cut.delim.pb',
                                       on_error 'skip'$$);
EXPLAIN (COSTS OFF) SELECT count(*) FROM pl_split_cut;
SELECT count(*) FROM pl_split_cut;
SELECT count(*), sum(id), max(ord), max(off) FROM pl_split_cut_skip;
SET max_parallel_workers_per_gather = 0;
SELECT count(*) FROM pl_split_cut;
SELECT count(*), sum(id), max(ord), max(off) FROM pl_split_cut_skip;
RESET force_parallel_mode;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
-- on_error 'skip' over several files: bad_bigmulti/ has one bad message in each of its four
-- files (message 3000: ids 3000, 10500, 18000, 25500); one NOTICE counts all four, and
-- reject_limit applies to them all
SELECT pl_table('pl_badmulti', $$filename '/tmp/protobuf_fdw_test/sources/bad_bigmulti',
                                 on_error 'skip'$$);
SELECT count(*), sum(id), count(name) FROM pl_badmulti;
SELECT pl_table('pl_badmulti3', $$filename '/tmp/protobuf_fdw_test/sources/bad_bigmulti',
                                  on_error 'skip', reject_limit '3'$$);
SELECT count(*), sum(id), count(name) FROM pl_badmulti3;

-- clean up
SET client_min_messages = warning;
DROP SERVER src_pl CASCADE;
DROP FUNCTION pl_table(text, text), pl_rows(text);
RESET client_min_messages;
