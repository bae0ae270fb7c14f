--
-- Parallel scans that really run in parallel: EXPLAIN ANALYZE must show both planned workers
-- LAUNCHED, and, with parallel_leader_participation off (so that the leader reads nothing),
-- the rows the workers read (their per-worker counters, EXPLAIN VERBOSE) must add up to the
-- serial scan's rows, with no ordinal or offset read twice and the same row signature.  How
-- the blocks fall between the two workers depends on timing, so the test asserts what does
-- not: the workers together read every row, and at least one of them read rows.
-- Data (test/fixtures/sources/gen_sources.py): split/events.{delim,tfrecord}.pb (12000
-- messages, 9.3 MB, far more than the 256 kB blocks a parallel scan divides a file into),
-- bigmulti/part-1..4.pb (30000 events in four files).
--
CREATE SERVER rp_src FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/sources/sources.desc');
CREATE FUNCTION rp_table(tab text, opts text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE FOREIGN TABLE %I (id bigint, name text, fname text OPTIONS (meta ''filename''),
                    off bigint OPTIONS (meta ''offset''), ord bigint OPTIONS (meta ''ordinal''))
                  SERVER rp_src OPTIONS (message ''sources.Event'', %s)', tab, opts);
END $$;
SELECT rp_table('rp_delim', $$filename '/tmp/protobuf_fdw_test/sources/split/events.delim.pb'$$);
SELECT rp_table('rp_tf', $$filename '/tmp/protobuf_fdw_test/sources/split/events.tfrecord.pb',
                           framing 'tfrecord'$$);
SELECT rp_table('rp_multi', $$filename '/tmp/protobuf_fdw_test/sources/bigmulti'$$);

-- the serial scans: row count, sum of ids, distinct (file, ordinal) and (file, offset) pairs,
-- and a signature of every row
CREATE FUNCTION rp_stats(tab text, OUT n bigint, OUT sum_id numeric, OUT ords bigint,
                         OUT offs bigint, OUT sig text)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SELECT count(*), sum(id), count(DISTINCT (fname, ord)), count(DISTINCT (fname, off)),
                         md5(string_agg(concat_ws('':'', fname, ord, off, id, name), '','' ORDER BY fname, ord))
                    FROM %I', tab) INTO n, sum_id, ords, offs, sig;
END $$;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE rp_serial AS
  SELECT tab, s.* FROM unnest(ARRAY['rp_delim', 'rp_tf', 'rp_multi']) tab, rp_stats(tab) s;
SELECT tab, n, sum_id, ords = n AS ords_distinct, offs = n AS offs_distinct FROM rp_serial ORDER BY tab;

-- one parallel scan of every row of a table, run by EXPLAIN ANALYZE into a new temporary
-- table rp_rows_<tab>: the workers planned and launched, the rows above the Gather, how many
-- workers read rows, and the rows the workers read in all (the per-worker "Actual Rows" of
-- the Parallel Foreign Scan)
CREATE FUNCTION rp_parallel(tab text, OUT planned int, OUT launched int, OUT gathered bigint,
                            OUT workers_reading int, OUT worker_rows bigint)
LANGUAGE plpgsql AS $$
DECLARE
  plan jsonb;
  gather jsonb;
  scan jsonb;
BEGIN
  EXECUTE format('DROP TABLE IF EXISTS %I', 'rp_rows_' || tab);
  EXECUTE format('EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF, FORMAT JSON)
                  CREATE TEMP TABLE %I AS SELECT id, name, fname, off, ord FROM %I', 'rp_rows_' || tab, tab)
    INTO plan;
  gather := jsonb_path_query_first(plan, 'strict $.**?(@."Node Type" == "Gather")');
  scan := jsonb_path_query_first(plan, 'strict $.**?(@."Node Type" == "Foreign Scan" && @."Parallel Aware" == true)');
  planned := gather ->> 'Workers Planned';
  launched := gather ->> 'Workers Launched';
  gathered := gather ->> 'Actual Rows';
  SELECT count(*) FILTER (WHERE (w ->> 'Actual Rows')::bigint > 0),
         sum((w ->> 'Actual Rows')::bigint * (w ->> 'Actual Loops')::bigint)
    INTO workers_reading, worker_rows
    FROM jsonb_array_elements(scan -> 'Workers') w;
END $$;

SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;
SET client_min_messages = warning;	-- rp_parallel's DROP TABLE IF EXISTS
CREATE TEMP TABLE rp_runs AS
  SELECT tab, p.* FROM unnest(ARRAY['rp_delim', 'rp_tf', 'rp_multi']) tab, rp_parallel(tab) p;
-- both workers launched, only they read (the leader does not take part), together every row
SELECT tab, planned, launched, gathered, worker_rows, workers_reading >= 1 AS a_worker_read_rows
  FROM rp_runs ORDER BY tab;
-- and the rows they read are the serial scan's: no ordinal or offset twice, the same rows
CREATE TEMP TABLE rp_parallel_stats AS
  SELECT tab, s.* FROM unnest(ARRAY['rp_delim', 'rp_tf', 'rp_multi']) tab, rp_stats('rp_rows_' || tab) s;
SELECT tab, p.n = s.n AS same_count, p.sum_id = s.sum_id AS same_sum_id,
       p.ords = s.n AS ords_distinct, p.offs = s.n AS offs_distinct, p.sig = s.sig AS same_rows,
       r.worker_rows = s.n AS workers_read_all
  FROM rp_serial s JOIN rp_parallel_stats p USING (tab) JOIN rp_runs r USING (tab) ORDER BY tab;
-- the same with the leader taking part: still both workers launched, the serial rows
SET parallel_leader_participation = on;
CREATE TEMP TABLE rp_runs_leader AS
  SELECT tab, p.* FROM unnest(ARRAY['rp_delim', 'rp_tf', 'rp_multi']) tab, rp_parallel(tab) p;
RESET client_min_messages;
CREATE TEMP TABLE rp_leader_stats AS
  SELECT tab, s.* FROM unnest(ARRAY['rp_delim', 'rp_tf', 'rp_multi']) tab, rp_stats('rp_rows_' || tab) s;
SELECT tab, r.planned, r.launched, r.gathered, p.n = s.n AS same_count, p.sum_id = s.sum_id AS same_sum_id,
       p.ords = s.n AS ords_distinct, p.offs = s.n AS offs_distinct, p.sig = s.sig AS same_rows
  FROM rp_serial s JOIN rp_leader_stats p USING (tab) JOIN rp_runs_leader r USING (tab) ORDER BY tab;
RESET parallel_leader_participation;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
