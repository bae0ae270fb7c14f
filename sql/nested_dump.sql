--
-- Nested container paths (issue 12) over nest.Dump (groups.events, groups) and nest.World
-- (regions.groups.events, regions.groups): every value of every row compared, inside SQL, with
-- what Python's protobuf reads (test/fixtures/nested/README.md: the *.expected.jsonl oracles,
-- and offsets.tsv, the row offsets a wire walker of the generator's own found).  Each data
-- shape comes in three encodings (enc: fields in number order; after: the ancestors' fields
-- after their children; merged: split and repeated occurrences), plain, gzip and zstd, in the
-- framings container, single, delimited, fixed32le, fixed32be and tfrecord; serial and
-- parallel.  A value that differs is listed by the nx_diff queries (which return no row when
-- every value matches) as (ordinal, column, expected, got).
--
CREATE SERVER nx_dump FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/nested_dump.desc');
\pset null '(null)'

SET nx.dir = '/tmp/protobuf_fdw_test/nested/';
\i test/fixtures/nested/compare.sql

INSERT INTO nx_shapes VALUES
('dump_events', 'nx_dump', 'nest.Dump.groups.events', $$
  id bigint, kind text, amount float8, at timestamptz, leaf jsonb OPTIONS (field '.'),
  g_name text OPTIONS (field 'groups/name'), g_level int OPTIONS (field 'groups/level'),
  g_tags jsonb OPTIONS (field 'groups/tags'),
  r_source text OPTIONS (field '/source'), r_created bigint OPTIONS (field '/created'),
  idx bigint OPTIONS (meta 'index'), g_idx bigint OPTIONS (meta 'groups/index'),
  ord bigint OPTIONS (meta 'ordinal'), off bigint OPTIONS (meta 'offset'),
  fname text OPTIONS (meta 'filename')$$),
('dump_groups', 'nx_dump', 'nest.Dump.groups', $$
  name text, level int, tags jsonb, events jsonb, leaf jsonb OPTIONS (field '.'),
  r_source text OPTIONS (field '/source'), r_created bigint OPTIONS (field '/created'),
  idx bigint OPTIONS (meta 'index'),
  ord bigint OPTIONS (meta 'ordinal'), off bigint OPTIONS (meta 'offset'),
  fname text OPTIONS (meta 'filename')$$),
('world_events', 'nx_dump', 'nest.World.regions.groups.events', $$
  id bigint, kind text, amount float8, at timestamptz, leaf jsonb OPTIONS (field '.'),
  g_name text OPTIONS (field 'groups/name'), g_level int OPTIONS (field 'groups/level'),
  g_tags jsonb OPTIONS (field 'groups/tags'), r_code text OPTIONS (field 'regions/code'),
  w_version text OPTIONS (field '/version'),
  idx bigint OPTIONS (meta 'index'), g_idx bigint OPTIONS (meta 'groups/index'),
  r_idx bigint OPTIONS (meta 'regions/index'),
  ord bigint OPTIONS (meta 'ordinal'), off bigint OPTIONS (meta 'offset'),
  fname text OPTIONS (meta 'filename')$$),
('world_groups', 'nx_dump', 'nest.World.regions.groups', $$
  name text, level int, tags jsonb, events jsonb, leaf jsonb OPTIONS (field '.'),
  r_code text OPTIONS (field 'regions/code'), w_version text OPTIONS (field '/version'),
  idx bigint OPTIONS (meta 'index'), r_idx bigint OPTIONS (meta 'regions/index'),
  ord bigint OPTIONS (meta 'ordinal'), off bigint OPTIONS (meta 'offset'),
  fname text OPTIONS (meta 'filename')$$);

INSERT INTO nx_checks (shape, col, expected)
SELECT s, c.col, c.expected
  FROM unnest(ARRAY['dump_events', 'world_events']) s,
       (VALUES ('id', $$(j->>'id')::bigint$$), ('kind', $$j->>'kind'$$),
               ('amount', $$(j->>'amount')::float8$$), ('at', $$(j->>'at')::timestamptz$$),
               ('leaf', $$j->'leaf_json'$$), ('g_name', $$j->>'groups_name'$$),
               ('g_level', $$(j->>'groups_level')::int$$), ('g_tags', $$j->'groups_tags'$$),
               ('idx', $$(j->>'index')::bigint$$), ('g_idx', $$(j->>'groups_index')::bigint$$))
       AS c(col, expected);
INSERT INTO nx_checks (shape, col, expected)
SELECT s, c.col, c.expected
  FROM unnest(ARRAY['dump_groups', 'world_groups']) s,
       (VALUES ('name', $$j->>'name'$$), ('level', $$(j->>'level')::int$$),
               ('tags', $$j->'tags'$$), ('events', $$j->'events'$$),
               ('leaf', $$j->'leaf_json'$$), ('idx', $$(j->>'index')::bigint$$)) AS c(col, expected);
INSERT INTO nx_checks (shape, col, expected)
SELECT s, c.col, c.expected
  FROM unnest(ARRAY['dump_events', 'dump_groups']) s,
       (VALUES ('r_source', $$j->>'root_source'$$),
               ('r_created', $$(j->>'root_created')::bigint$$)) AS c(col, expected);
INSERT INTO nx_checks (shape, col, expected)
SELECT s, c.col, c.expected
  FROM unnest(ARRAY['world_events', 'world_groups']) s,
       (VALUES ('r_code', $$j->>'regions_code'$$), ('w_version', $$j->>'root_version'$$),
               ('r_idx', $$(j->>'regions_index')::bigint$$)) AS c(col, expected);

-- the data files: every form, compression and framing; a single-message file is read with
-- framing 'container' and with framing 'single'
CREATE TEMP TABLE nx_files AS
SELECT 'dump' AS root, f.base || form || '.pb' || comp AS file, f.base || form || '.pb' AS plain,
       framing, oracle
  FROM (VALUES ('dump.single.', 'container', 'single'), ('dump.single.', 'single', 'single'),
               ('dump.delim.', 'delimited', 'stream')) AS f(base, framing, oracle),
       unnest(ARRAY['enc', 'after', 'merged']) AS form, unnest(ARRAY['', '.gz', '.zst']) AS comp
UNION ALL
SELECT 'dump', 'dump.' || fr || '.' || form || '.pb', 'dump.' || fr || '.' || form || '.pb', fr,
       'stream'
  FROM unnest(ARRAY['fixed32le', 'fixed32be', 'tfrecord']) AS fr,
       unnest(ARRAY['enc', 'after', 'merged']) AS form
UNION ALL
SELECT 'world', f.base || form || '.pb' || comp, f.base || form || '.pb', framing, oracle
  FROM (VALUES ('world.single.', 'container', 'single', ''), ('world.single.', 'single', 'single', ''),
               ('world.delim.', 'delimited', 'stream', ''), ('world.delim.', 'delimited', 'stream', '.gz'),
               ('world.delim.', 'delimited', 'stream', '.zst')) AS f(base, framing, oracle, comp),
       unnest(ARRAY['enc', 'after', 'merged']) AS form;
SELECT root, count(*) AS files FROM nx_files GROUP BY root ORDER BY root;

-- nx_check(shape, file, framing, oracle, plain): the summary of one file read as one shape
CREATE FUNCTION pg_temp.nx_check(shape text, file text, framing text, oracle text, plain text,
                                 OUT n bigint, OUT expected bigint, OUT differing bigint,
                                 OUT bad_offsets bigint, OUT in_order bool)
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_temp.nx_table('nx_t', shape,
                           format('filename %L, framing %L', '/tmp/protobuf_fdw_test/nested/' || file, framing));
  SELECT * INTO n, expected, differing, bad_offsets, in_order
    FROM pg_temp.nx_summary('nx_t', shape, shape || '.' || oracle || '.expected.jsonl', plain);
END $$;

-- one foreign table first, by hand: Dump 1's events with their group's and the root's fields
SELECT pg_temp.nx_table('dump_events', 'dump_events',
                        $$filename '/tmp/protobuf_fdw_test/nested/dump.single.after.pb', framing 'container'$$);
SELECT ord, idx, g_idx, off, id, kind, amount, at, g_name, g_level, g_tags, r_source, r_created
  FROM dump_events;
SELECT * FROM pg_temp.nx_diff('dump_events', 'dump_events', 'dump_events.single.expected.jsonl');
-- a column list without the ancestors' or the root's columns, and count(*)
SELECT id, idx FROM dump_events WHERE g_idx = 5;
SELECT count(*) FROM dump_events;
SELECT count(*), sum(g_level), string_agg(DISTINCT r_source, ',') FROM dump_events;

-- serial: every file, every shape of its root
SELECT s.shape, f.file, f.framing, c.*
  FROM nx_files f
  JOIN (VALUES ('dump', 'dump_events'), ('dump', 'dump_groups'),
               ('world', 'world_events'), ('world', 'world_groups')) AS s(root, shape) USING (root),
       LATERAL pg_temp.nx_check(s.shape, f.file, f.framing, f.oracle, f.plain) c
 ORDER BY s.shape, f.framing, f.file;
-- the same, listing the values that differ (none)
CREATE FUNCTION pg_temp.nx_all_diffs()
RETURNS TABLE (shape text, file text, framing text, ord bigint, col text, expected text, got text)
LANGUAGE plpgsql AS $$
DECLARE f record;
BEGIN
  FOR f IN SELECT s.shape, nx_files.* FROM nx_files
             JOIN (VALUES ('dump', 'dump_events'), ('dump', 'dump_groups'), ('world', 'world_events'),
                          ('world', 'world_groups')) AS s(root, shape) USING (root)
            ORDER BY 1, 2, 4
  LOOP
    PERFORM pg_temp.nx_table('nx_t', f.shape, format('filename %L, framing %L',
                                                     '/tmp/protobuf_fdw_test/nested/' || f.file, f.framing));
    RETURN QUERY SELECT f.shape, f.file, f.framing, d.*
                   FROM pg_temp.nx_diff('nx_t', f.shape, f.shape || '.' || f.oracle || '.expected.jsonl') d;
  END LOOP;
END $$;
SELECT * FROM pg_temp.nx_all_diffs();

-- parallel: the values must be the same (a nested path is read by one process per file)
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SELECT s.shape, f.file, f.framing, c.n, c.expected, c.differing, c.bad_offsets
  FROM nx_files f
  JOIN (VALUES ('dump', 'dump_events'), ('dump', 'dump_groups'),
               ('world', 'world_events'), ('world', 'world_groups')) AS s(root, shape) USING (root),
       LATERAL pg_temp.nx_check(s.shape, f.file, f.framing, f.oracle, f.plain) c
 ORDER BY s.shape, f.framing, f.file;
SELECT * FROM pg_temp.nx_all_diffs();
-- several files (a glob: the nine delimited Dump files, plain, gzip and zstd): the plan, and
-- each file's rows against the oracle
SELECT pg_temp.nx_table('nx_glob', 'dump_events',
                        $$filename '/tmp/protobuf_fdw_test/nested/dump.delim.*', framing 'delimited'$$);
EXPLAIN (COSTS OFF) SELECT id, g_name, r_source FROM nx_glob;
SELECT count(*), count(DISTINCT fname), sum(id), sum(g_level), count(r_source) FROM nx_glob;
SELECT f.file, d.*
  FROM nx_files f,
       LATERAL pg_temp.nx_diff(format('(SELECT * FROM nx_glob WHERE fname = %L)',
                                      '/tmp/protobuf_fdw_test/nested/' || f.file),
                               'dump_events', 'dump_events.stream.expected.jsonl') d
 WHERE f.file LIKE 'dump.delim.%'
 ORDER BY 1, 2, 3;
SELECT f.file, c.n, c.expected, c.differing, c.bad_offsets
  FROM nx_files f,
       LATERAL pg_temp.nx_summary(format('(SELECT * FROM nx_glob WHERE fname = %L)',
                                         '/tmp/protobuf_fdw_test/nested/' || f.file),
                                  'dump_events', 'dump_events.stream.expected.jsonl', f.plain) c
 WHERE f.file LIKE 'dump.delim.%'
 ORDER BY 1;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

-- max_message_size applies to the row element (Dump 1's events: 26, 30, 2, 18, 33, 25, 31,
-- 32, 33 and 0 bytes), not to the ancestors (the Dump is 348 bytes, group 5 is 186)
SELECT pg_temp.nx_table('nx_max', 'dump_events',
                        $$filename '/tmp/protobuf_fdw_test/nested/dump.single.enc.pb', framing 'container', max_message_size '33'$$);
SELECT count(*), sum(id), string_agg(DISTINCT g_name, ',' ORDER BY g_name), min(r_source) FROM nx_max;
SELECT * FROM pg_temp.nx_diff('nx_max', 'dump_events', 'dump_events.single.expected.jsonl');
ALTER FOREIGN TABLE nx_max OPTIONS (SET max_message_size '32');
SELECT count(*) FROM nx_max;
ALTER FOREIGN TABLE nx_max OPTIONS (SET max_message_size '20');
SELECT id FROM nx_max;
-- the same over a delimited stream: each Dump is a root, the events are the rows
ALTER FOREIGN TABLE nx_max OPTIONS (SET filename '/tmp/protobuf_fdw_test/nested/dump.delim.after.pb',
                                    SET framing 'delimited', SET max_message_size '33');
SELECT count(*), sum(id) FROM nx_max;
SELECT * FROM pg_temp.nx_diff('nx_max', 'dump_events', 'dump_events.stream.expected.jsonl');

-- EXPLAIN ANALYZE: "Bytes Read Ahead" is the ancestor columns' second reading of the file (a
-- cursor per level with columns; none without them).  A root column's cursor reads the whole
-- root: here the whole single-framed file; a group column's, up to the last group's end.
CREATE FOREIGN TABLE nx_ahead (id bigint, src text OPTIONS (field '/source'))
  SERVER nx_dump OPTIONS (filename '/tmp/protobuf_fdw_test/nested/dump.single.after.pb',
                          framing 'single', container 'nest.Dump.groups.events');
CREATE FUNCTION pg_temp.nx_reads(q text, OUT bytes_read bigint, OUT read_ahead bigint,
                                  OUT top text)
LANGUAGE plpgsql AS $$
DECLARE plan jsonb;
        scan jsonb;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, FORMAT JSON) ' || q INTO plan;
  scan := jsonb_path_query_first(plan, 'strict $.** ? (@."Node Type" == "Foreign Scan")');
  bytes_read := scan ->> 'Bytes Read';
  read_ahead := scan ->> 'Bytes Read Ahead';
  top := plan -> 0 -> 'Plan' ->> 'Node Type';
END $$;
SELECT r.*, r.bytes_read = s.size AS whole_file, r.read_ahead = s.size AS ahead_whole_file
  FROM pg_temp.nx_reads('SELECT * FROM nx_ahead') r,
       pg_stat_file('/tmp/protobuf_fdw_test/nested/dump.single.after.pb') s;
SELECT * FROM pg_temp.nx_reads('SELECT id FROM nx_ahead');
ALTER FOREIGN TABLE nx_ahead ADD COLUMN g text OPTIONS (field 'groups/name');
SELECT r.read_ahead > r.bytes_read AS two_cursors FROM pg_temp.nx_reads('SELECT * FROM nx_ahead') r;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT id, g FROM nx_ahead;
-- several files shared out among parallel processes: the totals are the serial scan's
ALTER FOREIGN TABLE nx_ahead OPTIONS (SET filename '/tmp/protobuf_fdw_test/nested/dump.single.*.pb');
CREATE TEMP TABLE nx_serial AS SELECT * FROM pg_temp.nx_reads('SELECT * FROM nx_ahead');
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SELECT p.top, s.top, p.bytes_read = s.bytes_read AS same_read, p.read_ahead = s.read_ahead AS same_ahead
  FROM pg_temp.nx_reads('SELECT * FROM nx_ahead') p, nx_serial s;
-- each worker that read a file read it ahead too (a root column: at least the file again);
-- true also when the leader read every file first, as it may on a busy machine
DO $$
DECLARE plan jsonb;
        ok bool;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF, FORMAT JSON) SELECT * FROM nx_ahead'
    INTO plan;
  SELECT coalesce(bool_and((w ->> 'Bytes Read Ahead')::bigint >= (w ->> 'Bytes Read')::bigint), true)
    INTO ok
    FROM jsonb_path_query(plan, 'strict $.**."Worker Reads"[*]') w
   WHERE (w ->> 'Bytes Read')::bigint > 0;
  RAISE NOTICE 'workers read ahead: %', ok;
END $$;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
DROP FOREIGN TABLE nx_ahead;
