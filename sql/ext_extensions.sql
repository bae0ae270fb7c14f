--
-- proto2 extensions (issue 13): a path step names an extension by its full name in brackets,
-- as the text format does ('[pkg.ext]'), or by its number; whole-message and message-valued
-- jsonb hold the set extensions as "[full.name]": value, as json_format writes them.  Over
-- ext13.Defaults (proto/ext13_ext.proto extends it with every kind: scalar, string, message,
-- repeated, packed, group, repeated message, enum, bytes, double, and one declared inside a
-- message) and over GTFS-realtime with the MTA's NYCT extensions; written by Python's protobuf
-- (test/fixtures/ext13/), every value compared, inside SQL, with Python's HasExtension,
-- Extensions[...] and MessageToDict: x13_diff lists each value that differs (no row when all
-- match).  Then the errors, and the check that a set holds every type a jsonb column needs
-- (a set written without --include_imports).
--
CREATE SERVER x13 FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/ext13/ext13.desc');
\pset null '(null)'
SET x13.dir = '/tmp/protobuf_fdw_test/ext13/';
\i test/fixtures/ext13/compare.sql

\set cols 'ext_i32 int OPTIONS (field ''[ext13.more.ext_i32]''), ext_i32_by_number int OPTIONS (field ''100''), ext_s text OPTIONS (field ''[ext13.more.ext_s]''), ext_color text OPTIONS (field ''[.ext13.more.ext_color]''), ext_color_num int OPTIONS (field ''[ext13.more.ext_color]''), ext_bytes bytea OPTIONS (field ''[ext13.more.ext_bytes]''), ext_double float8 OPTIONS (field ''[ext13.more.ext_double]''), ext_msg jsonb OPTIONS (field ''[ext13.more.ext_msg]''), ext_msg_label text OPTIONS (field ''[ext13.more.ext_msg].label''), ext_msg_n bigint OPTIONS (field ''[ext13.more.ext_msg].2''), ext_group jsonb OPTIONS (field ''[ext13.more.extgroup]''), ext_group_g int OPTIONS (field ''105.g''), ext_rep int[] OPTIONS (field ''[ext13.more.ext_rep]''), ext_packed bigint[] OPTIONS (field ''[ext13.more.ext_packed]''), ext_msgs jsonb OPTIONS (field ''[ext13.more.ext_msgs]''), inner_note text OPTIONS (field ''inner.[ext13.more.Holder.inner_note]''), whole jsonb OPTIONS (field ''.''), ord bigint OPTIONS (meta ''ordinal'')'
CREATE FOREIGN TABLE x13_ext (:cols) SERVER x13
  OPTIONS (filename '/tmp/protobuf_fdw_test/ext13/defaults.pb', message 'ext13.Defaults');
CREATE FOREIGN TABLE x13_ext_def (:cols) SERVER x13
  OPTIONS (filename '/tmp/protobuf_fdw_test/ext13/defaults.pb', message 'ext13.Defaults',
           absent 'default');

SELECT count(*) AS rows, (SELECT count(*) FROM pg_temp.x13_oracle('defaults.expected.jsonl')) AS python_rows,
       count(*) FILTER (WHERE whole::text LIKE '%[ext13.%') AS rows_with_extensions
  FROM x13_ext;
SELECT count(*) AS differences FROM pg_temp.x13_diff('x13_ext', 'defaults.expected.jsonl', 'null');
SELECT * FROM pg_temp.x13_diff('x13_ext', 'defaults.expected.jsonl', 'null') LIMIT 10;
SELECT count(*) AS differences FROM pg_temp.x13_diff('x13_ext_def', 'defaults.expected.jsonl', 'default');
SELECT * FROM pg_temp.x13_diff('x13_ext_def', 'defaults.expected.jsonl', 'default') LIMIT 10;

-- message 3 sets one extension of every kind; message 4 an extension and field 150, an
-- extension the set does not declare: an unknown field, left out of the jsonb
\x on
SELECT ext_i32, ext_i32_by_number, ext_s, ext_color, ext_color_num, ext_bytes, ext_double,
       ext_msg, ext_msg_label, ext_msg_n, ext_group, ext_group_g, ext_rep, ext_packed, ext_msgs,
       inner_note, jsonb_pretty(whole) AS whole
  FROM x13_ext WHERE ord = 3;
\x off
SELECT ord, ext_i32, whole FROM x13_ext WHERE ord = 4;
SELECT ord, ext_i32, ext_s, ext_color, ext_msg_label, ext_group_g FROM x13_ext_def WHERE ord = 1;

-- EXPLAIN names an extension as a path does
EXPLAIN (VERBOSE, COSTS OFF) SELECT ext_msg_label, inner_note FROM x13_ext;

-- GTFS-realtime with the NYCT extensions: one row per entity
CREATE SERVER x13g FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/ext13/gtfs.desc');
\set gcols 'id text, is_deleted bool, current_status text OPTIONS (field ''vehicle.current_status''), tu_train_id text OPTIONS (field ''trip_update.trip.[nyct_trip_descriptor].train_id''), tu_is_assigned bool OPTIONS (field ''trip_update.trip.1001.is_assigned''), tu_direction text OPTIONS (field ''trip_update.trip.[nyct_trip_descriptor].direction''), veh_train_id text OPTIONS (field ''vehicle.trip.[nyct_trip_descriptor].train_id''), veh_is_assigned bool OPTIONS (field ''vehicle.trip.[nyct_trip_descriptor].is_assigned''), veh_direction text OPTIONS (field ''vehicle.trip.[nyct_trip_descriptor].direction''), entity jsonb OPTIONS (field ''.''), header jsonb OPTIONS (field ''/header''), header_nyct_version text OPTIONS (field ''/header.[nyct_feed_header].nyct_subway_version''), ord bigint OPTIONS (meta ''index'')'
CREATE FOREIGN TABLE x13_gtfs (:gcols) SERVER x13g
  OPTIONS (filename '/tmp/protobuf_fdw_test/ext13/gtfs.pb', framing 'single',
           container 'transit_realtime.FeedMessage.entity');
CREATE FOREIGN TABLE x13_gtfs_def (:gcols) SERVER x13g
  OPTIONS (filename '/tmp/protobuf_fdw_test/ext13/gtfs.pb', framing 'single',
           container 'transit_realtime.FeedMessage.entity', absent 'default');
SELECT count(*) AS differences FROM pg_temp.x13_diff('x13_gtfs', 'gtfs.expected.jsonl', 'null');
SELECT * FROM pg_temp.x13_diff('x13_gtfs', 'gtfs.expected.jsonl', 'null') LIMIT 10;
SELECT count(*) AS differences FROM pg_temp.x13_diff('x13_gtfs_def', 'gtfs.expected.jsonl', 'default');
SELECT * FROM pg_temp.x13_diff('x13_gtfs_def', 'gtfs.expected.jsonl', 'default') LIMIT 10;
SELECT ord, id, is_deleted, current_status, tu_train_id, tu_is_assigned, tu_direction,
       veh_train_id, veh_is_assigned, header_nyct_version
  FROM x13_gtfs_def ORDER BY ord;
SELECT entity FROM x13_gtfs WHERE ord = 1;
-- WHERE NOT is_deleted: absent 'default' counts what Python's "not e.is_deleted" counts
SELECT (SELECT count(*) FROM x13_gtfs WHERE NOT is_deleted) AS absent_null,
       (SELECT count(*) FROM x13_gtfs_def WHERE NOT is_deleted) AS absent_default,
       (SELECT count(*) FROM pg_temp.x13_oracle('gtfs.expected.jsonl')
         WHERE NOT (j->'get'->>'is_deleted')::bool) AS python;

-- rows deeper (one per stop_time_update), with ancestors' columns: brackets and absent
-- 'default' work the same after 'STEP/'.  Entity 1's trip and stop carry NYCT extensions
-- (train "06 0123+ PEL/BBR", actual track "2"), entity 2's do not; neither sets is_deleted.
CREATE FOREIGN TABLE x13_stops (
  stop_id text, track text OPTIONS (field '[nyct_stop_time_update].actual_track'),
  entity_id text OPTIONS (field 'entity/id'),
  is_deleted bool OPTIONS (field 'entity/is_deleted'),
  is_deleted_null bool OPTIONS (field 'entity/is_deleted', absent 'null'),
  train_id text OPTIONS (field 'trip_update/trip.[nyct_trip_descriptor].train_id'),
  header_version text OPTIONS (field '/header.[nyct_feed_header].nyct_subway_version'))
  SERVER x13g OPTIONS (filename '/tmp/protobuf_fdw_test/ext13/gtfs.pb', framing 'single',
    container 'transit_realtime.FeedMessage.entity.trip_update.stop_time_update',
    absent 'default');
SELECT * FROM x13_stops;

-- errors, at the first query that reads the column
CREATE FOREIGN TABLE x13_err (v text) SERVER x13g
  OPTIONS (filename '/tmp/protobuf_fdw_test/ext13/gtfs.pb', framing 'single',
           container 'transit_realtime.FeedMessage.entity');
-- an extension the set does not declare (the hint lists the message's)
ALTER FOREIGN TABLE x13_err ALTER v OPTIONS (ADD field 'trip_update.trip.[nyct_trip_descriptr].train_id');
SELECT v FROM x13_err;
-- one that extends another message
ALTER FOREIGN TABLE x13_err ALTER v OPTIONS (SET field 'trip_update.trip.[nyct_feed_header].nyct_subway_version');
SELECT v FROM x13_err;
-- a message that has no extension in the set
ALTER FOREIGN TABLE x13_err ALTER v OPTIONS (SET field 'vehicle.[nyct_trip_descriptor].train_id');
SELECT v FROM x13_err;
-- no closing bracket
ALTER FOREIGN TABLE x13_err ALTER v OPTIONS (SET field 'trip_update.trip.[nyct_trip_descriptor.train_id');
SELECT v FROM x13_err;
-- a number that is neither a field nor an extension: the detail lists both
ALTER FOREIGN TABLE x13_err ALTER v OPTIONS (SET field 'trip_update.trip.1002');
SELECT v FROM x13_err;
-- a path goes on only through a singular message: not a repeated extension
CREATE FOREIGN TABLE x13_err2 (v text OPTIONS (field '[ext13.more.ext_msgs].label')) SERVER x13
  OPTIONS (filename '/tmp/protobuf_fdw_test/ext13/defaults.pb', message 'ext13.Defaults');
SELECT v FROM x13_err2;

-- a set written without --include_imports lacks ext13.Inner (imported): a jsonb column that
-- would render it fails at the first query, before any row (wrap.pb never sets the field)
CREATE SERVER x13n FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/ext13/ext13_noimports.desc');
CREATE FOREIGN TABLE x13_wrap (id int, p jsonb, whole jsonb OPTIONS (field '.'),
                               "inner" jsonb) SERVER x13n
  OPTIONS (filename '/tmp/protobuf_fdw_test/ext13/wrap.pb', message 'ext13.more.Wrap');
SELECT id, p FROM x13_wrap;
SELECT id, whole FROM x13_wrap;
SELECT id, "inner" FROM x13_wrap;

DROP SERVER x13 CASCADE;
DROP SERVER x13g CASCADE;
DROP SERVER x13n CASCADE;
