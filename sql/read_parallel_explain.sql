--
-- EXPLAIN ANALYZE of a parallel scan (issue 13): "Messages Read" and "Bytes Read" are the
-- totals of every process (the leader and the workers), as the serial plan shows them, with
-- parallel_leader_participation on or off; under VERBOSE each worker's own figures follow
-- ("Worker N:  Messages Read: ...  Bytes Read: ... b" in text, "Worker Reads" in JSON), and
-- they add up to the totals when the leader reads nothing.  Which process reads what depends
-- on timing; the totals do not: every message of the file (split/events.delim.pb: 12000, the
-- whole file's bytes; bigmulti: 30000 in four files; test/fixtures/sources/gen_sources.py).
--
CREATE SERVER rpx_src FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/sources/sources.desc');
CREATE FOREIGN TABLE rpx_delim (id bigint) SERVER rpx_src
  OPTIONS (message 'sources.Event', filename '/tmp/protobuf_fdw_test/sources/split/events.delim.pb');
CREATE FOREIGN TABLE rpx_multi (id bigint) SERVER rpx_src
  OPTIONS (message 'sources.Event', filename '/tmp/protobuf_fdw_test/sources/bigmulti');
CREATE FUNCTION rpx_size(tab text) RETURNS bigint LANGUAGE sql AS $$
  SELECT sum((pg_stat_file(f)).size)::bigint
    FROM (SELECT CASE WHEN tab = 'rpx_delim' THEN '/tmp/protobuf_fdw_test/sources/split/events.delim.pb'
                      ELSE '/tmp/protobuf_fdw_test/sources/bigmulti/' || f END AS f
            FROM pg_ls_dir('/tmp/protobuf_fdw_test/sources/bigmulti') f
           WHERE tab = 'rpx_multi' OR f = 'part-1.pb') s $$;

-- one EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON) of count(*): the scan node's totals, the
-- workers launched and reporting, and the sums of the per-worker figures
CREATE FUNCTION rpx_run(tab text, OUT parallel bool, OUT launched int, OUT messages bigint,
                        OUT bytes bigint, OUT reporting int, OUT worker_messages bigint,
                        OUT worker_bytes bigint)
LANGUAGE plpgsql AS $$
DECLARE
  plan jsonb;
  scan jsonb;
BEGIN
  EXECUTE format('EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF, FORMAT JSON)
                  SELECT count(*) FROM %I', tab) INTO plan;
  scan := jsonb_path_query_first(plan, 'strict $.**?(@."Node Type" == "Foreign Scan")');
  parallel := (scan ->> 'Parallel Aware')::bool;
  launched := jsonb_path_query_first(plan, 'strict $.**."Workers Launched"');
  messages := scan ->> 'Messages Read';
  bytes := scan ->> 'Bytes Read';
  SELECT count(*), sum((w ->> 'Messages Read')::bigint), sum((w ->> 'Bytes Read')::bigint)
    INTO reporting, worker_messages, worker_bytes
    FROM jsonb_array_elements(coalesce(scan -> 'Worker Reads', '[]')) w;
END $$;

-- the serial plan: the file's messages and bytes, no per-worker figures
SELECT tab, r.parallel, r.messages, r.bytes = rpx_size(tab) AS all_bytes, r.reporting
  FROM unnest(ARRAY['rpx_delim', 'rpx_multi']) tab, rpx_run(tab) r ORDER BY tab;

SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
-- the leader reads nothing: the totals are the workers' sums, the serial plan's numbers
SET parallel_leader_participation = off;
SELECT tab, r.parallel, r.launched, r.messages, r.bytes = rpx_size(tab) AS all_bytes,
       r.reporting, r.worker_messages, r.worker_bytes = r.bytes AS workers_bytes_sum
  FROM unnest(ARRAY['rpx_delim', 'rpx_multi']) tab, rpx_run(tab) r ORDER BY tab;
-- the leader takes part: the same totals; the workers read no more than them
SET parallel_leader_participation = on;
SELECT tab, r.parallel, r.launched, r.messages, r.bytes = rpx_size(tab) AS all_bytes,
       r.reporting, r.worker_messages <= r.messages AS workers_within,
       r.worker_bytes <= r.bytes AS workers_bytes_within
  FROM unnest(ARRAY['rpx_delim', 'rpx_multi']) tab, rpx_run(tab) r ORDER BY tab;

-- the text format: one "Worker N:" line per worker, under VERBOSE only
CREATE FUNCTION rpx_text(verb bool, OUT worker_lines int, OUT totals int)
LANGUAGE plpgsql AS $$
DECLARE
  line text;
BEGIN
  worker_lines := 0;
  totals := 0;
  FOR line IN EXECUTE format('EXPLAIN (ANALYZE, VERBOSE %s, COSTS OFF, TIMING OFF, SUMMARY OFF)
                              SELECT count(*) FROM rpx_delim', CASE WHEN verb THEN 'on' ELSE 'off' END) LOOP
    IF line ~ '^ +Worker \d:  Messages Read: \d+  Bytes Read: \d+ b$' THEN
      worker_lines := worker_lines + 1;
    ELSIF line ~ '^ +Messages Read: 12000$' THEN
      totals := totals + 1;
    END IF;
  END LOOP;
END $$;
SELECT v AS verbose, r.* FROM (VALUES (false), (true)) x(v), rpx_text(v) r;
RESET parallel_leader_participation;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

-- EXPLAIN VERBOSE of count(*), which decodes no field: no empty "Fields Decoded:" line
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM rpx_delim;
