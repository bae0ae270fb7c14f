--
-- Nested container paths (issue 12) over GTFS-realtime (proto2, with the MTA's NYCT
-- extension): one row per stop_time_update through entity (repeated), trip_update (singular)
-- and stop_time_update, with the entity's id, the trip, and the feed header on every row;
-- every value compared, inside SQL, with what Python's protobuf reads
-- (test/fixtures/nested/README.md), in the three encodings (enc, after: the ancestors' fields
-- after their children, merged: trip_update given twice and merged), framing 'single' and
-- 'container', plain and gzip, serial and parallel.  nx_diff lists each value that differs as
-- (ordinal, column, expected, got): no row when all match.
--
-- jsonb values hold the NYCT extensions as "[nyct_…]" keys, as json_format writes them
-- (issue 13).
--
CREATE SERVER nx_gtfs FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/nested_gtfs.desc');
\pset null '(null)'

SET nx.dir = '/tmp/protobuf_fdw_test/nested/';
\i test/fixtures/nested/compare.sql

INSERT INTO nx_shapes VALUES
('gtfs_stop_time_updates', 'nx_gtfs', 'transit_realtime.FeedMessage.entity.trip_update.stop_time_update', $$
  stop_sequence bigint, stop_id text, schedule_relationship text, arrival jsonb, departure jsonb,
  arrival_time bigint OPTIONS (field 'arrival.time'), arrival_delay int OPTIONS (field 'arrival.delay'),
  departure_time bigint OPTIONS (field 'departure.time'),
  departure_occupancy_status text, stop_time_properties jsonb, leaf jsonb OPTIONS (field '.'),
  entity_id text OPTIONS (field 'entity/id'), entity_is_deleted bool OPTIONS (field 'entity/is_deleted'),
  entity_vehicle jsonb OPTIONS (field 'entity/vehicle'), entity_alert jsonb OPTIONS (field 'entity/alert'),
  trip_id text OPTIONS (field 'trip_update/trip.trip_id'),
  route_id text OPTIONS (field 'trip_update/trip.route_id'),
  trip_rel text OPTIONS (field 'trip_update/trip.schedule_relationship'),
  trip jsonb OPTIONS (field 'trip_update/trip'), tu_delay int OPTIONS (field 'trip_update/delay'),
  tu_timestamp numeric OPTIONS (field 'trip_update/timestamp'),
  tu_vehicle jsonb OPTIONS (field 'trip_update/vehicle'),
  header_timestamp numeric OPTIONS (field '/header.timestamp'),
  header_version text OPTIONS (field '/header.gtfs_realtime_version'),
  header_incrementality text OPTIONS (field '/header.incrementality'),
  header jsonb OPTIONS (field '/header'),
  idx bigint OPTIONS (meta 'index'), e_idx bigint OPTIONS (meta 'entity/index'),
  ord bigint OPTIONS (meta 'ordinal'), off bigint OPTIONS (meta 'offset'),
  fname text OPTIONS (meta 'filename')$$);

-- proto2: an absent field reads NULL (the oracle's has_* say which are set)
INSERT INTO nx_checks
SELECT 'gtfs_stop_time_updates', c.col, c.expected, c.got
  FROM (VALUES ('stop_sequence', $$(j->>'stop_sequence')::bigint$$, NULL),
               ('stop_sequence_get', $$(j->>'get_stop_sequence')::bigint$$, $$coalesce(t.stop_sequence, 0)$$),
               ('stop_id', $$j->>'stop_id'$$, NULL),
               ('schedule_relationship', $$j->>'schedule_relationship'$$, NULL),
               ('schedule_relationship_get', $$j->>'get_schedule_relationship'$$,
                $$coalesce(t.schedule_relationship, 'SCHEDULED')$$),
               ('arrival', $$nullif(j->'arrival', 'null')$$, NULL),
               ('departure', $$nullif(j->'departure', 'null')$$, NULL),
               ('arrival_time', $$(j->'arrival'->>'time')::bigint$$, NULL),
               ('arrival_time_iso', $$(j->>'arrival_time_iso')::timestamptz$$, $$to_timestamp(t.arrival_time)$$),
               ('arrival_delay', $$(j->'arrival'->>'delay')::int$$, NULL),
               ('departure_time', $$(j->'departure'->>'time')::bigint$$, NULL),
               ('departure_occupancy_status', $$j->>'departure_occupancy_status'$$, NULL),
               ('stop_time_properties', $$nullif(j->'stop_time_properties', 'null')$$, NULL),
               ('leaf', $$j->'leaf_json'$$, NULL),
               ('entity_id', $$j->>'entity_id'$$, NULL),
               ('entity_is_deleted', $$(j->>'entity_is_deleted')::bool$$, NULL),
               ('entity_vehicle', $$nullif(j->'entity_vehicle', 'null')$$, NULL),
               ('entity_alert', $$nullif(j->'entity_alert', 'null')$$, NULL),
               ('trip_id', $$j->>'trip_id'$$, NULL), ('route_id', $$j->>'route_id'$$, NULL),
               ('trip_rel', $$CASE WHEN (j->>'has_trip_schedule_relationship')::bool
                                   THEN j->>'trip_schedule_relationship' END$$, NULL),
               ('trip', $$nullif(j->'trip_update_trip', 'null')$$, NULL),
               ('tu_delay', $$(j->>'trip_update_delay')::int$$, NULL),
               ('tu_timestamp', $$(j->>'trip_update_timestamp')::numeric$$, NULL),
               ('tu_vehicle', $$nullif(j->'trip_update_vehicle', 'null')$$, NULL),
               ('header_timestamp', $$(j->>'header_timestamp')::numeric$$, NULL),
               ('header_version', $$j->>'header_version'$$, NULL),
               ('header_incrementality', $$j->'root_header'->>'incrementality'$$, NULL),
               ('header', $$j->'root_header'$$, NULL),
               ('idx', $$(j->>'index')::bigint$$, NULL),
               ('e_idx', $$(j->>'entity_index')::bigint$$, NULL)) AS c(col, expected, got);

-- the README's example: one row per stop-time update, with its entity, trip and the feed's time
SELECT pg_temp.nx_table('stop_updates', 'gtfs_stop_time_updates',
                        $$filename '/tmp/protobuf_fdw_test/nested/gtfs.single.after.pb', framing 'container'$$);
SELECT e_idx, idx, entity_id, trip_id, route_id, stop_id, stop_sequence, schedule_relationship,
       arrival_time, arrival_delay, departure_time, header_timestamp, header_version, ord, off
  FROM stop_updates;
SELECT * FROM pg_temp.nx_diff('stop_updates', 'gtfs_stop_time_updates', 'gtfs_stop_time_updates.expected.jsonl');

-- every file, serial then parallel
CREATE TEMP TABLE nx_files AS
SELECT 'gtfs.single.' || f.form || '.pb' || f.comp AS file, 'gtfs.single.' || f.form || '.pb' AS plain,
       framing
  FROM (VALUES ('enc', ''), ('enc', '.gz'), ('after', ''), ('merged', '')) AS f(form, comp),
       unnest(ARRAY['single', 'container']) AS framing;
CREATE FUNCTION pg_temp.nx_check(file text, framing text, plain text,
                                 OUT n bigint, OUT expected bigint, OUT differing bigint,
                                 OUT bad_offsets bigint, OUT in_order bool)
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_temp.nx_table('nx_t', 'gtfs_stop_time_updates',
                           format('filename %L, framing %L', '/tmp/protobuf_fdw_test/nested/' || file, framing));
  SELECT * INTO n, expected, differing, bad_offsets, in_order
    FROM pg_temp.nx_summary('nx_t', 'gtfs_stop_time_updates', 'gtfs_stop_time_updates.expected.jsonl', plain);
END $$;
CREATE FUNCTION pg_temp.nx_all_diffs()
RETURNS TABLE (file text, framing text, ord bigint, col text, expected text, got text)
LANGUAGE plpgsql AS $$
DECLARE f record;
BEGIN
  FOR f IN SELECT * FROM nx_files ORDER BY file, framing LOOP
    PERFORM pg_temp.nx_table('nx_t', 'gtfs_stop_time_updates',
                             format('filename %L, framing %L', '/tmp/protobuf_fdw_test/nested/' || f.file, f.framing));
    RETURN QUERY SELECT f.file, f.framing, d.*
                   FROM pg_temp.nx_diff('nx_t', 'gtfs_stop_time_updates', 'gtfs_stop_time_updates.expected.jsonl') d;
  END LOOP;
END $$;
SELECT f.file, f.framing, c.*
  FROM nx_files f, LATERAL pg_temp.nx_check(f.file, f.framing, f.plain) c ORDER BY 1, 2;
SELECT * FROM pg_temp.nx_all_diffs();
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SELECT f.file, f.framing, c.n, c.expected, c.differing, c.bad_offsets
  FROM nx_files f, LATERAL pg_temp.nx_check(f.file, f.framing, f.plain) c ORDER BY 1, 2;
SELECT * FROM pg_temp.nx_all_diffs();
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

-- a singular step's own steps: 'trip_update/trip.route_id' is 'trip_update.trip.route_id' of
-- the entity; a singular step is no level of its own, so it has no index
SELECT count(*), count(DISTINCT entity_id), string_agg(DISTINCT route_id, ',' ORDER BY route_id)
  FROM stop_updates;

-- a whole ancestor, field 'STEP/.': all of it but the path's own children, the singular
-- trip_update's fields included, whatever else the query reads (it held only the fields other
-- columns read); 'trip_update/.' is the singular step whole
CREATE FOREIGN TABLE nx_whole (stop_id text, ent jsonb OPTIONS (field 'entity/.'),
                               tu jsonb OPTIONS (field 'trip_update/.'),
                               tu_delay int OPTIONS (field 'trip_update/delay'),
                               ord bigint OPTIONS (meta 'ordinal'))
  SERVER nx_gtfs OPTIONS (filename '/tmp/protobuf_fdw_test/nested/gtfs.single.after.pb',
    framing 'single', container 'transit_realtime.FeedMessage.entity.trip_update.stop_time_update');
SELECT count(*) AS n, count(*) FILTER (WHERE w.ent IS DISTINCT FROM o.j->'entity_whole') AS ent_differ
  FROM (SELECT ent, ord FROM nx_whole) w JOIN pg_temp.nx_oracle('gtfs_stop_time_updates.expected.jsonl') o
    ON o.pos = w.ord;
SELECT count(*) AS n, count(*) FILTER (WHERE w.ent IS DISTINCT FROM o.j->'entity_whole') AS ent_differ
  FROM (SELECT ent, tu_delay, ord FROM nx_whole) w
  JOIN pg_temp.nx_oracle('gtfs_stop_time_updates.expected.jsonl') o ON o.pos = w.ord;
SELECT count(*) AS n, count(*) FILTER (WHERE w.tu IS DISTINCT FROM o.j->'trip_update_whole') AS tu_differ,
       count(*) FILTER (WHERE w.ent IS DISTINCT FROM o.j->'entity_whole') AS ent_differ
  FROM nx_whole w JOIN pg_temp.nx_oracle('gtfs_stop_time_updates.expected.jsonl') o ON o.pos = w.ord;
SELECT ord, stop_id, ent->'tripUpdate'->'trip'->>'tripId' AS trip_id, ent->'tripUpdate'->'timestamp' AS ts,
       ent->'tripUpdate' ? 'stopTimeUpdate' AS has_rows
  FROM nx_whole ORDER BY ord LIMIT 3;
-- EXPLAIN lists each field decoded once, however many columns read it
ALTER FOREIGN TABLE nx_whole ADD COLUMN tu2 jsonb OPTIONS (field 'entity/trip_update'),
                             ADD COLUMN stop_id2 text OPTIONS (field 'stop_id');
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM nx_whole;
