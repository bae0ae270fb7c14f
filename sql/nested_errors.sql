--
-- Nested container paths (issue 12): the errors of a container path and of the columns bound
-- to its ancestors, and a program (read once, forward only) whose ancestor fields come before
-- or after the children (test/fixtures/nested/README.md: the enc form writes a Group's name
-- before its events and its level and tags after them; the after form writes every ancestor
-- field after the children; the merged form writes the name twice, around the first run of
-- events).
--
CREATE SERVER nx_err FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/nested_dump.desc');
CREATE SERVER nx_err_gtfs FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/nested_gtfs.desc');
\pset null '(null)'
\set dump_enc '/tmp/protobuf_fdw_test/nested/dump.single.enc.pb'
\set gtfs_enc '/tmp/protobuf_fdw_test/nested/gtfs.single.enc.pb'

-- the container path
-- a step that does not exist: the error names it and lists the message's fields
CREATE FOREIGN TABLE ne_step (id bigint) SERVER nx_err
  OPTIONS (filename :'dump_enc', framing 'container', container 'nest.Dump.groups.evnts');
SELECT * FROM ne_step;
-- an empty step: refused when the option is set
CREATE FOREIGN TABLE ne_empty_step (id bigint) SERVER nx_err
  OPTIONS (filename :'dump_enc', framing 'container', container 'nest.Dump..groups.events');
-- a root message that does not exist
CREATE FOREIGN TABLE ne_root (id bigint) SERVER nx_err
  OPTIONS (filename :'dump_enc', framing 'container', container 'nest.Dmp.groups.events');
SELECT * FROM ne_root;
-- the last step is not repeated (GTFS: entity.trip_update is a singular message)
CREATE FOREIGN TABLE ne_last (trip_id text OPTIONS (field 'trip.trip_id')) SERVER nx_err_gtfs
  OPTIONS (filename :'gtfs_enc', framing 'container', container 'transit_realtime.FeedMessage.entity.trip_update');
SELECT * FROM ne_last;
-- a step that is not a message field: in the middle, and last
CREATE FOREIGN TABLE ne_scalar_mid (id bigint) SERVER nx_err
  OPTIONS (filename :'dump_enc', framing 'container', container 'nest.Dump.groups.name.events');
SELECT * FROM ne_scalar_mid;
CREATE FOREIGN TABLE ne_scalar_last (id bigint) SERVER nx_err
  OPTIONS (filename :'dump_enc', framing 'container', container 'nest.Dump.groups.name');
SELECT * FROM ne_scalar_last;
-- framing 'container' without container
CREATE FOREIGN TABLE ne_nocontainer (id bigint) SERVER nx_err
  OPTIONS (filename :'dump_enc', framing 'container', message 'nest.Dump');

-- the columns
-- ne_oracle(file): Python's rows, numbered from 1 in file (wire) order
CREATE FUNCTION ne_oracle(f text) RETURNS TABLE (pos bigint, j jsonb) LANGUAGE sql AS $$
  SELECT n, line::jsonb
    FROM regexp_split_to_table(rtrim(pg_read_file('/tmp/protobuf_fdw_test/nested/' || f), E'\n'),
                               E'\n') WITH ORDINALITY AS t(line, n) $$;
CREATE FUNCTION ne_col(def text, container text DEFAULT 'nest.Dump.groups.events')
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DROP FOREIGN TABLE IF EXISTS ne_c;
  EXECUTE format('CREATE FOREIGN TABLE ne_c (id bigint, %s) SERVER nx_err
                    OPTIONS (filename %L, framing ''container'', container %L)',
                 def, '/tmp/protobuf_fdw_test/nested/dump.single.enc.pb', container);
END $$;
-- a STEP that is not on the path: the error lists the steps
SELECT ne_col($$c text OPTIONS (field 'regions/code')$$);
SELECT * FROM ne_c;
SELECT ne_col($$c text OPTIONS (field 'Dump/source')$$);
SELECT * FROM ne_c;
-- a field the STEP's message (or the root) does not have
SELECT ne_col($$c text OPTIONS (field 'groups/nme')$$);
SELECT * FROM ne_c;
SELECT ne_col($$c text OPTIONS (field '/sorce')$$);
SELECT * FROM ne_c;
-- a PATH into the path's own repeated children
SELECT ne_col($$c jsonb OPTIONS (field 'groups/events')$$);
SELECT * FROM ne_c;
SELECT ne_col($$c jsonb OPTIONS (field '/groups')$$);
SELECT * FROM ne_c;
SELECT ne_col($$c bigint[] OPTIONS (field '/groups.events.id')$$);
SELECT * FROM ne_c;
-- ... by number or in another case, as binding resolves them (they read [] before)
SELECT ne_col($$c jsonb OPTIONS (field '/2')$$);
SELECT * FROM ne_c;
SELECT ne_col($$c jsonb OPTIONS (field '/GROUPS')$$);
SELECT * FROM ne_c;
SELECT ne_col($$c jsonb OPTIONS (field 'groups/2')$$);
SELECT * FROM ne_c;
SELECT ne_col($$c bigint[] OPTIONS (field '/02.events.id')$$);
SELECT * FROM ne_c;
-- a field of the same number in a field that is not on the path is readable
SELECT ne_col($$c text OPTIONS (field '/1')$$);
SELECT DISTINCT c FROM ne_c;
-- meta 'STEP/index': a STEP not on the path
SELECT ne_col($$c bigint OPTIONS (meta 'regions/index')$$);
SELECT * FROM ne_c;
-- the type rules of a leaf column hold on an ancestor: a mismatch names the column
SELECT ne_col($$c bigint OPTIONS (field 'groups/name')$$);
SELECT * FROM ne_c;
-- a column that is right, for contrast
SELECT ne_col($$c text OPTIONS (field 'groups/name'), i bigint OPTIONS (meta 'groups/index')$$);
SELECT id, c, i FROM ne_c;
-- an ancestor as a whole, 'STEP/.' and '/.': its fields without the path's children (the
-- rows), compared with Python's (MessageToDict leaves proto3 defaults out)
SELECT ne_col($$g jsonb OPTIONS (field 'groups/.'), r jsonb OPTIONS (field '/.'),
                ord bigint OPTIONS (meta 'ordinal')$$);
SELECT e.pos, e.want_g, t.g AS got_g, e.want_r, t.r AS got_r
  FROM (SELECT pos,
               jsonb_strip_nulls(jsonb_build_object(
                 'name', nullif(j->>'groups_name', ''), 'level', nullif((j->>'groups_level')::int, 0),
                 'tags', nullif(j->'groups_tags', '{}'))) AS want_g,
               jsonb_strip_nulls(jsonb_build_object(
                 'source', nullif(j->>'root_source', ''), 'created', nullif(j->>'root_created', '0'))) AS want_r
          FROM ne_oracle('dump_events.single.expected.jsonl')) e
  FULL JOIN ne_c t ON t.ord = e.pos
 WHERE e.want_g IS DISTINCT FROM t.g OR e.want_r IS DISTINCT FROM t.r;
-- GTFS: meta 'STEP/index' on a singular step (trip_update), and a column reading the singular
-- step that holds the path's children
CREATE FOREIGN TABLE ne_gtfs (stop_id text, i bigint OPTIONS (meta 'trip_update/index'))
  SERVER nx_err_gtfs
  OPTIONS (filename :'gtfs_enc', framing 'container',
           container 'transit_realtime.FeedMessage.entity.trip_update.stop_time_update');
SELECT * FROM ne_gtfs;
ALTER FOREIGN TABLE ne_gtfs ALTER COLUMN i OPTIONS (SET meta 'entity/index');
SELECT * FROM ne_gtfs;
-- the singular step's message as jsonb: its fields without the path's children (the rows),
-- compared with Python's (the NYCT extension included: issue 13)
ALTER FOREIGN TABLE ne_gtfs ADD COLUMN tu jsonb OPTIONS (field 'entity/trip_update'),
                            ADD COLUMN tu2 jsonb OPTIONS (field 'trip_update/.'),
                            ADD COLUMN ord bigint OPTIONS (meta 'ordinal');
SELECT e.pos, e.want, t.tu AS got
  FROM (SELECT pos, jsonb_strip_nulls(jsonb_build_object(
                      'trip', nullif(j->'trip_update_trip', 'null'),
                      'vehicle', j->'trip_update_vehicle', 'timestamp', j->'trip_update_timestamp',
                      'delay', j->'trip_update_delay', 'tripProperties', j->'trip_update_trip_properties')) AS want
          FROM ne_oracle('gtfs_stop_time_updates.expected.jsonl')) e
  FULL JOIN ne_gtfs t ON t.ord = e.pos
 WHERE e.want IS DISTINCT FROM t.tu;
SELECT e.pos, e.want, t.tu2 AS got
  FROM (SELECT pos, jsonb_strip_nulls(jsonb_build_object(
                      'trip', nullif(j->'trip_update_trip', 'null'),
                      'vehicle', j->'trip_update_vehicle', 'timestamp', j->'trip_update_timestamp',
                      'delay', j->'trip_update_delay', 'tripProperties', j->'trip_update_trip_properties')) AS want
          FROM ne_oracle('gtfs_stop_time_updates.expected.jsonl')) e
  FULL JOIN ne_gtfs t ON t.ord = e.pos
 WHERE e.want IS DISTINCT FROM t.tu2;
ALTER FOREIGN TABLE ne_gtfs DROP COLUMN tu2;
ALTER FOREIGN TABLE ne_gtfs ALTER COLUMN tu OPTIONS (SET field 'entity/trip_update.stop_time_update');
SELECT * FROM ne_gtfs;
ALTER FOREIGN TABLE ne_gtfs ALTER COLUMN tu OPTIONS (SET field 'trip_update/2');
SELECT * FROM ne_gtfs;
ALTER FOREIGN TABLE ne_gtfs ALTER COLUMN tu OPTIONS (SET field '/2');
SELECT * FROM ne_gtfs;
ALTER FOREIGN TABLE ne_gtfs ALTER COLUMN tu OPTIONS (SET field 'entity/3.Stop_Time_Update');
SELECT * FROM ne_gtfs;
ALTER FOREIGN TABLE ne_gtfs ALTER COLUMN tu OPTIONS (SET field 'trip_update/trip');
SELECT stop_id, i, ord, tu->>'tripId' AS trip_id FROM ne_gtfs;

-- a program is read once: an ancestor field it needs must come before the children.
-- ne_prog(file, columns): a table of Dump 1's events read by 'cat FILE'
CREATE FUNCTION ne_prog(file text, def text, framing text DEFAULT 'container')
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DROP FOREIGN TABLE IF EXISTS ne_p;
  EXECUTE format('CREATE FOREIGN TABLE ne_p (id bigint, idx bigint OPTIONS (meta ''index''),
                                             g_idx bigint OPTIONS (meta ''groups/index''),
                                             ord bigint OPTIONS (meta ''ordinal''), %s)
                    SERVER nx_err OPTIONS (program %L, framing %L, container ''nest.Dump.groups.events'')',
                 def, 'cat /tmp/protobuf_fdw_test/nested/' || file, framing);
END $$;
-- enc: the group's name and the root's source come before the children: right values (the
-- query returns the rows that differ from Python's: none), the counts
SELECT ne_prog('dump.single.enc.pb', $$g_name text OPTIONS (field 'groups/name'),
                                              r_source text OPTIONS (field '/source')$$);
SELECT e.pos, e.j->>'id' AS want_id, e.j->>'groups_name' AS want_name, t.*
  FROM ne_oracle('dump_events.single.expected.jsonl') e FULL JOIN ne_p t ON t.ord = e.pos
 WHERE (e.j->>'id')::bigint IS DISTINCT FROM t.id
    OR (e.j->>'index')::bigint IS DISTINCT FROM t.idx
    OR (e.j->>'groups_index')::bigint IS DISTINCT FROM t.g_idx
    OR e.j->>'groups_name' IS DISTINCT FROM t.g_name
    OR e.j->>'root_source' IS DISTINCT FROM t.r_source;
SELECT count(*), count(g_name), string_agg(DISTINCT r_source, ',') FROM ne_p;
-- the same over a delimited stream of four Dumps, each a root
SELECT ne_prog('dump.delim.enc.pb', $$g_name text OPTIONS (field 'groups/name'),
                                             r_source text OPTIONS (field '/source')$$, 'delimited');
SELECT e.pos, e.j->>'id' AS want_id, e.j->>'groups_name' AS want_name, t.*
  FROM ne_oracle('dump_events.stream.expected.jsonl') e FULL JOIN ne_p t ON t.ord = e.pos
 WHERE (e.j->>'id')::bigint IS DISTINCT FROM t.id
    OR (e.j->>'index')::bigint IS DISTINCT FROM t.idx
    OR (e.j->>'groups_index')::bigint IS DISTINCT FROM t.g_idx
    OR e.j->>'groups_name' IS DISTINCT FROM t.g_name
    OR e.j->>'root_source' IS DISTINCT FROM t.r_source;
-- enc: the group's level comes after its events, the root's created after the groups: error
SELECT ne_prog('dump.single.enc.pb', $$g_level int OPTIONS (field 'groups/level')$$);
SELECT id, g_level FROM ne_p;
SELECT ne_prog('dump.single.enc.pb', $$r_created bigint OPTIONS (field '/created')$$);
SELECT id, r_created FROM ne_p;
-- after: every ancestor field comes after the children: error
SELECT ne_prog('dump.single.after.pb', $$g_name text OPTIONS (field 'groups/name')$$);
SELECT id, g_name FROM ne_p;
SELECT ne_prog('dump.single.after.pb', $$r_source text OPTIONS (field '/source')$$);
SELECT id, r_source FROM ne_p;
-- merged: the name is given again after the first run of events (the last wins): error
SELECT ne_prog('dump.single.merged.pb', $$g_name text OPTIONS (field 'groups/name')$$);
SELECT id, g_name FROM ne_p;
-- without the late column the same program reads every row
SELECT ne_prog('dump.single.after.pb', $$g_name text OPTIONS (field 'groups/name')$$);
SELECT count(*), sum(id), sum(idx), sum(g_idx) FROM ne_p;
-- GTFS: a late field under a singular step is named by its path from the ancestor
-- (after: the trip comes after the stop-time updates; merged: trip_update is given twice)
CREATE FOREIGN TABLE ne_gp (stop_id text, trip_id text OPTIONS (field 'trip_update/trip.trip_id'))
  SERVER nx_err_gtfs OPTIONS (program 'cat /tmp/protobuf_fdw_test/nested/gtfs.single.after.pb',
    framing 'single', container 'transit_realtime.FeedMessage.entity.trip_update.stop_time_update');
SELECT * FROM ne_gp;
ALTER FOREIGN TABLE ne_gp OPTIONS (SET program 'cat /tmp/protobuf_fdw_test/nested/gtfs.single.merged.pb');
SELECT * FROM ne_gp;
DROP FOREIGN TABLE ne_gp;
-- an ancestor's collected fields over max_message_size: the error names the step
CREATE FOREIGN TABLE ne_big (id bigint, g jsonb OPTIONS (field 'groups/.'))
  SERVER nx_err OPTIONS (filename :'dump_enc', framing 'container',
                         container 'nest.Dump.groups.events', max_message_size '24');
SELECT * FROM ne_big;
DROP FOREIGN TABLE ne_big;
-- on_error 'skip' over a file cut inside the 7th event, in the 5th group (events 5-9): without
-- ancestor columns the rows before the cut are read; with one, the 5th group is read ahead for
-- its name before its rows, and its damage found there skips all of them (the NOTICE says so)
CREATE FOREIGN TABLE ne_cut (id bigint, ord bigint OPTIONS (meta 'ordinal'))
  SERVER nx_err OPTIONS (filename '/tmp/protobuf_fdw_test/nested/cut.dump.single.pb',
                         framing 'single', container 'nest.Dump.groups.events', on_error 'skip');
SELECT string_agg(id::text, ',' ORDER BY ord) FROM ne_cut;
ALTER FOREIGN TABLE ne_cut ADD COLUMN g_name text OPTIONS (field 'groups/name');
SELECT string_agg(id || ':' || coalesce(g_name, '-'), ',' ORDER BY ord) FROM ne_cut;
ALTER FOREIGN TABLE ne_cut OPTIONS (SET on_error 'stop');
SELECT string_agg(id || ':' || coalesce(g_name, '-'), ',' ORDER BY ord) FROM ne_cut;
DROP FOREIGN TABLE ne_cut;
-- the same after-form file by its filename (read twice): right values
CREATE FOREIGN TABLE ne_file (id bigint, g_name text OPTIONS (field 'groups/name'),
                              r_source text OPTIONS (field '/source'),
                              ord bigint OPTIONS (meta 'ordinal'))
  SERVER nx_err OPTIONS (filename '/tmp/protobuf_fdw_test/nested/dump.single.after.pb',
                         framing 'container', container 'nest.Dump.groups.events');
SELECT e.pos, t.*
  FROM ne_oracle('dump_events.single.expected.jsonl') e FULL JOIN ne_file t ON t.ord = e.pos
 WHERE (e.j->>'id')::bigint IS DISTINCT FROM t.id
    OR e.j->>'groups_name' IS DISTINCT FROM t.g_name
    OR e.j->>'root_source' IS DISTINCT FROM t.r_source;
DROP FUNCTION ne_col(text, text), ne_prog(text, text, text), ne_oracle(text);
