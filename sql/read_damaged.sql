--
-- Damaged compressed files (issue 13): with on_error 'skip', a truncated or corrupt gzip or
-- zstd stream ends its file as a truncated plain file does: every message decompressed before
-- the damage is read, the rest counts as one skipped message, and a NOTICE says which file,
-- where (compressed and decompressed offsets, message number) and why; with on_error 'stop'
-- it is an error.  Data: test/fixtures/input13/generate.sh (3000 sources.Event, ids 1..3000;
-- one nest.Dump of 60 groups of 50 events, single-framed), compressed in two gzip members or
-- zstd frames by the gzip and zstd tools, then cut at 3/4 (cut_*) or with the first block of
-- the second member or frame made invalid (flip_*).  expected.csv is the oracle: the bytes
-- Python's zlib or the zstd tool decompress before the damage, and the whole messages in them.
--
CREATE SERVER dmg FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/input13/input13.desc');
CREATE TABLE dmg_expected (file text, prefix bigint, n bigint, n_grouped bigint);
COPY dmg_expected FROM '/tmp/protobuf_fdw_test/input13/expected.csv' (FORMAT csv);

-- dmg_read(file, opts): the rows of the events in a file (count, ids 1..count in order?)
CREATE FUNCTION dmg_read(file text, opts text DEFAULT '', OUT n bigint, OUT ids_in_order bool)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE FOREIGN TABLE dmg_t (id bigint, name text) SERVER dmg
                  OPTIONS (filename %L, message ''sources.Event'' %s)',
                 '/tmp/protobuf_fdw_test/input13/' || file, opts);
  SELECT count(*), coalesce(bool_and(id = o), true) INTO n, ids_in_order
    FROM (SELECT id, row_number() OVER () AS o FROM dmg_t) s;
  DROP FOREIGN TABLE dmg_t;
END $$;

-- on_error 'skip': the rows before the damage, as the oracle counts them, and a NOTICE
SELECT e.file, e.n AS expected, r.n, r.ids_in_order
  FROM dmg_expected e, dmg_read(e.file, ', on_error ''skip''') r
 WHERE e.file LIKE '%events%' ORDER BY e.file;

-- on_error 'stop' (the default): an error, the same as before, saying where
\set VERBOSITY default
SELECT * FROM dmg_read('cut_events.pb.gz');
SELECT * FROM dmg_read('flip_events.pb.zst');
SELECT * FROM dmg_read('flip_events.pb.gz', ', compression ''gzip''');

-- the skipped message counts toward reject_limit: the directory has one damaged file
-- (b.pb.zst, 1500 of its 3000 events readable) among two whole ones
SELECT n FROM dmg_read('dir', ', on_error ''skip'', reject_limit ''1''');
-- two damaged files are more than reject_limit 1
SELECT * FROM dmg_read('flip_events.pb.*', ', on_error ''skip'', reject_limit ''1''');

-- a parallel scan by whole files (one process takes each file): the same rows and skips
CREATE FOREIGN TABLE dmg_dir (id bigint, name text, fname text OPTIONS (meta 'filename'))
  SERVER dmg OPTIONS (filename '/tmp/protobuf_fdw_test/input13/dir/', message 'sources.Event',
                      on_error 'skip');
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT fname, count(*), max(id) FROM dmg_dir GROUP BY fname;
SELECT fname, count(*), max(id) FROM dmg_dir GROUP BY fname ORDER BY fname;
RESET parallel_leader_participation;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

-- a container path walked over a damaged single-framed file: the events before the damage;
-- with a column of the group, the events of the groups read whole (the group is read ahead
-- to its end for its own fields, and the damage is met there)
CREATE FUNCTION dmg_walk(file text, grouped bool, OUT n bigint, OUT ids_in_order bool)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE FOREIGN TABLE dmg_w (id bigint %s) SERVER dmg
                  OPTIONS (filename %L, framing ''single'', container ''nest.Dump.groups.events'',
                           on_error ''skip'')',
                 CASE WHEN grouped THEN ', g text OPTIONS (field ''groups/name'')'
                      ELSE ', g text OPTIONS (field ''kind'')' END,
                 '/tmp/protobuf_fdw_test/input13/' || file);
  SELECT count(*), coalesce(bool_and(id = (o - 1) / 50 * 100 + (o - 1) % 50 AND g IS NOT NULL), true)
    INTO n, ids_in_order
    FROM (SELECT id, g, row_number() OVER () AS o FROM dmg_w) s;
  DROP FOREIGN TABLE dmg_w;
END $$;
SELECT e.file, g, CASE WHEN g THEN e.n_grouped ELSE e.n END AS expected, r.n, r.ids_in_order
  FROM dmg_expected e, (VALUES (false), (true)) v(g), dmg_walk(e.file, g) r
 WHERE e.file LIKE '%dump%' ORDER BY e.file, g;

-- a truncated single-framed file is reported as truncated, not malformed
CREATE FOREIGN TABLE dmg_single (source text) SERVER dmg
  OPTIONS (filename '/tmp/protobuf_fdw_test/input13/cut_dump.pb', message 'nest.Dump', framing 'single');
SELECT * FROM dmg_single;
ALTER FOREIGN TABLE dmg_single OPTIONS (ADD on_error 'skip');
SELECT count(*) FROM dmg_single;
