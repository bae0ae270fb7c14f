--
-- COPY ... FROM ... (FORMAT protobuf) over container paths of any depth (issue 14 over issue
-- 12): one row per element reached through every repeated step, as a foreign table with the
-- same options gives them.  Fixtures: test/fixtures/nested/ (python3-protobuf; the enc, after
-- and merged encodings).  Each load is compared with the foreign table over the same file and
-- path (EXCEPT ALL both ways: 0 rows differ), and its key column with Python's rows.
--
SET extra_float_digits = 0;
\pset null '(null)'
CREATE SERVER cfn_dump FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/nested_dump.desc');
CREATE SERVER cfn_otlp FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/nested_otlp.desc');
CREATE SERVER cfn_gtfs FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/nested_gtfs.desc');

-- the row shapes: each a local table and its columns' definition for a foreign table
CREATE TABLE cfn_events (id bigint, kind text, amount float8, at timestamptz, leaf jsonb);
CREATE TABLE cfn_spans (trace_id bytea, span_id bytea, name text, kind text,
                        start_time_unix_nano numeric, end_time_unix_nano numeric,
                        attributes jsonb, status_code text, leaf jsonb);
CREATE TABLE cfn_stops (stop_sequence bigint, stop_id text, arrival_time bigint, leaf jsonb);
CREATE TABLE cfn_groups (name text, level int, tags jsonb, events jsonb);
CREATE TABLE cfn_shapes (tab regclass PRIMARY KEY, server text, cols text, keycol text);
INSERT INTO cfn_shapes VALUES
('cfn_events', 'cfn_dump', $$id bigint, kind text, amount float8, at timestamptz,
                             leaf jsonb OPTIONS (field '.')$$, 'id'),
('cfn_spans', 'cfn_otlp', $$trace_id bytea, span_id bytea, name text, kind text,
                           start_time_unix_nano numeric, end_time_unix_nano numeric, attributes jsonb,
                           status_code text OPTIONS (field 'status.code'),
                           leaf jsonb OPTIONS (field '.')$$, 'name'),
('cfn_stops', 'cfn_gtfs', $$stop_sequence bigint, stop_id text,
                           arrival_time bigint OPTIONS (field 'arrival.time'),
                           leaf jsonb OPTIONS (field '.')$$, 'stop_id'),
('cfn_groups', 'cfn_dump', $$name text, level int, tags jsonb, events jsonb$$, 'name');

-- cfn_check(table, file, options, oracle): the rows COPY loaded into the table against those of
-- a foreign table of the same shape over the same file with the same options (counts, and the
-- rows that differ either way), and the table's key column, sorted, against Python's
SET cfn.dir = '/tmp/protobuf_fdw_test/nested/';
CREATE FUNCTION cfn_check(t regclass, file text, opts text, oracle text DEFAULT NULL)
RETURNS TABLE (copied bigint, foreign_rows bigint, differ bigint, python_rows bigint, keys_match bool)
LANGUAGE plpgsql AS $$
DECLARE
  s cfn_shapes;
BEGIN
  SELECT * INTO STRICT s FROM cfn_shapes WHERE tab = t;
  DROP FOREIGN TABLE IF EXISTS cfn_ft;
  EXECUTE format('CREATE FOREIGN TABLE cfn_ft (%s) SERVER %I OPTIONS (filename %L, %s)',
                 s.cols, s.server, current_setting('cfn.dir') || file, opts);
  EXECUTE format('SELECT count(*) FROM %s', t) INTO copied;
  EXECUTE 'SELECT count(*) FROM cfn_ft' INTO foreign_rows;
  EXECUTE format('SELECT count(*) FROM ((TABLE %s EXCEPT ALL TABLE cfn_ft) UNION ALL (TABLE cfn_ft EXCEPT ALL TABLE %s)) x',
                 t, t) INTO differ;
  IF oracle IS NOT NULL THEN
    SELECT count(*) INTO python_rows
      FROM regexp_split_to_table(rtrim(pg_read_file(current_setting('cfn.dir') || oracle), E'\n'), E'\n');
    EXECUTE format($q$SELECT (SELECT array_agg(%I::text ORDER BY %I::text) FROM %s) =
                             (SELECT array_agg(line::jsonb->>%L ORDER BY line::jsonb->>%L)
                                FROM regexp_split_to_table(rtrim(pg_read_file(%L), E'\n'), E'\n') line)$q$,
                   s.keycol, s.keycol, t, s.keycol, s.keycol, current_setting('cfn.dir') || oracle)
      INTO keys_match;
  END IF;
  EXECUTE format('TRUNCATE %s', t);
  RETURN NEXT;
END $$;

-- nest.Dump.groups.events (two steps), framing 'container', a server file: plain, then the
-- ancestors' fields after the children, then the merged form gzip-compressed (detected)
COPY cfn_events FROM '/tmp/protobuf_fdw_test/nested/dump.single.enc.pb'
  (FORMAT protobuf, server 'cfn_dump', framing 'container', container 'nest.Dump.groups.events', fields '{"leaf": "."}');
SELECT * FROM cfn_check('cfn_events', 'dump.single.enc.pb',
                        $$framing 'container', container 'nest.Dump.groups.events'$$, 'dump_events.single.expected.jsonl');
COPY cfn_events FROM '/tmp/protobuf_fdw_test/nested/dump.single.after.pb'
  (FORMAT protobuf, server 'cfn_dump', framing 'container', container 'nest.Dump.groups.events', fields '{"leaf": "."}');
SELECT * FROM cfn_check('cfn_events', 'dump.single.after.pb',
                        $$framing 'container', container 'nest.Dump.groups.events'$$, 'dump_events.single.expected.jsonl');
COPY cfn_events FROM '/tmp/protobuf_fdw_test/nested/dump.single.merged.pb.gz'
  (FORMAT protobuf, server 'cfn_dump', framing 'container', container 'nest.Dump.groups.events', fields '{"leaf": "."}');
SELECT * FROM cfn_check('cfn_events', 'dump.single.merged.pb.gz',
                        $$framing 'container', container 'nest.Dump.groups.events'$$, 'dump_events.single.expected.jsonl');
-- the same from the client (psql's \copy: COPY FROM STDIN), framing 'single', zstd (given)
\copy cfn_events FROM '/tmp/protobuf_fdw_test/nested/dump.single.enc.pb.zst' (FORMAT protobuf, server 'cfn_dump', framing 'single', container 'nest.Dump.groups.events', compression 'zstd', fields '{"leaf": "."}')
SELECT * FROM cfn_check('cfn_events', 'dump.single.enc.pb.zst',
                        $$framing 'single', container 'nest.Dump.groups.events', compression 'zstd'$$, 'dump_events.single.expected.jsonl');

-- a length-prefixed framing: each record a root (a Dump), its groups' events the rows
\copy cfn_events FROM '/tmp/protobuf_fdw_test/nested/dump.delim.after.pb.gz' (FORMAT protobuf, server 'cfn_dump', framing 'delimited', container 'nest.Dump.groups.events', fields '{"leaf": "."}')
SELECT * FROM cfn_check('cfn_events', 'dump.delim.after.pb.gz',
                        $$framing 'delimited', container 'nest.Dump.groups.events'$$, 'dump_events.stream.expected.jsonl');
COPY cfn_events FROM '/tmp/protobuf_fdw_test/nested/dump.delim.merged.pb'
  (FORMAT protobuf, server 'cfn_dump', framing 'delimited', container 'nest.Dump.groups.events', fields '{"leaf": "."}');
SELECT * FROM cfn_check('cfn_events', 'dump.delim.merged.pb',
                        $$framing 'delimited', container 'nest.Dump.groups.events'$$, 'dump_events.stream.expected.jsonl');
COPY cfn_events FROM '/tmp/protobuf_fdw_test/nested/dump.fixed32be.enc.pb'
  (FORMAT protobuf, server 'cfn_dump', framing 'fixed32be', container 'nest.Dump.groups.events', fields '{"leaf": "."}');
SELECT * FROM cfn_check('cfn_events', 'dump.fixed32be.enc.pb',
                        $$framing 'fixed32be', container 'nest.Dump.groups.events'$$, 'dump_events.stream.expected.jsonl');
\copy cfn_events FROM '/tmp/protobuf_fdw_test/nested/dump.tfrecord.after.pb' (FORMAT protobuf, server 'cfn_dump', framing 'tfrecord', container 'nest.Dump.groups.events', fields '{"leaf": "."}')
SELECT * FROM cfn_check('cfn_events', 'dump.tfrecord.after.pb',
                        $$framing 'tfrecord', container 'nest.Dump.groups.events'$$, 'dump_events.stream.expected.jsonl');

-- three steps: nest.World.regions.groups.events, one root and a root per record
\copy cfn_events FROM '/tmp/protobuf_fdw_test/nested/world.single.merged.pb' (FORMAT protobuf, server 'cfn_dump', framing 'container', container 'nest.World.regions.groups.events', fields '{"leaf": "."}')
SELECT * FROM cfn_check('cfn_events', 'world.single.merged.pb',
                        $$framing 'container', container 'nest.World.regions.groups.events'$$, 'world_events.single.expected.jsonl');
COPY cfn_events FROM '/tmp/protobuf_fdw_test/nested/world.delim.enc.pb.zst'
  (FORMAT protobuf, server 'cfn_dump', framing 'delimited', container 'nest.World.regions.groups.events', fields '{"leaf": "."}');
SELECT * FROM cfn_check('cfn_events', 'world.delim.enc.pb.zst',
                        $$framing 'delimited', container 'nest.World.regions.groups.events'$$, 'world_events.stream.expected.jsonl');

-- a path of one step walked (framing 'single'): the groups, their events as one jsonb value
COPY cfn_groups FROM '/tmp/protobuf_fdw_test/nested/dump.single.after.pb'
  (FORMAT protobuf, server 'cfn_dump', framing 'single', container 'nest.Dump.groups');
SELECT * FROM cfn_check('cfn_groups', 'dump.single.after.pb',
                        $$framing 'single', container 'nest.Dump.groups'$$, 'dump_groups.single.expected.jsonl');

-- OpenTelemetry: one row per span of an ExportTraceServiceRequest (issue 14's example), and
-- of a delimited stream of ResourceSpans, gzip, from the client
COPY cfn_spans FROM '/tmp/protobuf_fdw_test/nested/otlp_trace.single.enc.pb'
  (FORMAT protobuf, server 'cfn_otlp', framing 'container',
   container 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.resource_spans.scope_spans.spans',
   fields '{"leaf": ".", "status_code": "status.code"}');
SELECT * FROM cfn_check('cfn_spans', 'otlp_trace.single.enc.pb',
                        $$framing 'container', container 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.resource_spans.scope_spans.spans'$$,
                        'otlp_spans.request.expected.jsonl');
\copy cfn_spans FROM '/tmp/protobuf_fdw_test/nested/otlp_resource_spans.delim.enc.pb.gz' (FORMAT protobuf, server 'cfn_otlp', framing 'delimited', container 'opentelemetry.proto.trace.v1.ResourceSpans.scope_spans.spans', fields '{"leaf": ".", "status_code": "status.code"}')
SELECT * FROM cfn_check('cfn_spans', 'otlp_resource_spans.delim.enc.pb.gz',
                        $$framing 'delimited', container 'opentelemetry.proto.trace.v1.ResourceSpans.scope_spans.spans'$$,
                        'otlp_spans.stream.expected.jsonl');
-- a column list: the spans' names and kinds of the merged encoding, in wire order
COPY cfn_spans (name, kind) FROM '/tmp/protobuf_fdw_test/nested/otlp_trace.single.merged.pb'
  (FORMAT protobuf, server 'cfn_otlp', framing 'single',
   container 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.resource_spans.scope_spans.spans');
SELECT name, kind, trace_id FROM cfn_spans;
TRUNCATE cfn_spans;

-- GTFS-realtime (proto2): a singular step (trip_update) on the path, gzip, from the client
\copy cfn_stops FROM '/tmp/protobuf_fdw_test/nested/gtfs.single.enc.pb.gz' (FORMAT protobuf, server 'cfn_gtfs', framing 'single', container 'transit_realtime.FeedMessage.entity.trip_update.stop_time_update', fields '{"leaf": ".", "arrival_time": "arrival.time"}')
SELECT * FROM cfn_check('cfn_stops', 'gtfs.single.enc.pb.gz',
                        $$framing 'single', container 'transit_realtime.FeedMessage.entity.trip_update.stop_time_update'$$,
                        'gtfs_stop_time_updates.expected.jsonl');

-- ancestors' columns (fields 'STEP/PATH' and '/PATH'), as a foreign table's field options:
-- from a server file, in every field order (the after form writes the ancestors' fields after
-- their children: a cursor pre-scans each ancestor), compressed; and checked against Python's
CREATE TABLE cfn_anc (id bigint, g_name text, g_level int, g_tags jsonb, r_source text,
                      r_created bigint);
INSERT INTO cfn_shapes VALUES
('cfn_anc', 'cfn_dump', $$id bigint, g_name text OPTIONS (field 'groups/name'),
                          g_level int OPTIONS (field 'groups/level'), g_tags jsonb OPTIONS (field 'groups/tags'),
                          r_source text OPTIONS (field '/source'), r_created bigint OPTIONS (field '/created')$$,
 'id');
CREATE FUNCTION cfn_anc_python(oracle text) RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM (
    (SELECT (j->>'id')::bigint, nullif(j->>'groups_name', ''), (j->>'groups_level')::int, j->'groups_tags',
            j->>'root_source', (j->>'root_created')::bigint
       FROM regexp_split_to_table(rtrim(pg_read_file(current_setting('cfn.dir') || oracle), E'\n'), E'\n') l,
            LATERAL (SELECT l::jsonb) AS x(j)
     EXCEPT ALL
     SELECT id, nullif(g_name, ''), g_level, g_tags, r_source, r_created FROM cfn_anc)
    UNION ALL
    (SELECT id, nullif(g_name, ''), g_level, g_tags, r_source, r_created FROM cfn_anc
     EXCEPT ALL
     SELECT (j->>'id')::bigint, nullif(j->>'groups_name', ''), (j->>'groups_level')::int, j->'groups_tags',
            j->>'root_source', (j->>'root_created')::bigint
       FROM regexp_split_to_table(rtrim(pg_read_file(current_setting('cfn.dir') || oracle), E'\n'), E'\n') l,
            LATERAL (SELECT l::jsonb) AS x(j))) d $$;
COPY cfn_anc FROM '/tmp/protobuf_fdw_test/nested/dump.single.after.pb.gz'
  (FORMAT protobuf, server 'cfn_dump', framing 'single', container 'nest.Dump.groups.events',
   fields '{"g_name": "groups/name", "g_level": "groups/level", "g_tags": "groups/tags", "r_source": "/source", "r_created": "/created"}');
SELECT cfn_anc_python('dump_events.single.expected.jsonl') AS python_differ;
SELECT * FROM cfn_check('cfn_anc', 'dump.single.after.pb.gz',
                        $$framing 'single', container 'nest.Dump.groups.events'$$, 'dump_events.single.expected.jsonl');
COPY cfn_anc FROM '/tmp/protobuf_fdw_test/nested/dump.delim.merged.pb.zst'
  (FORMAT protobuf, server 'cfn_dump', framing 'delimited', container 'nest.Dump.groups.events',
   fields '{"g_name": "groups/name", "g_level": "groups/level", "g_tags": "groups/tags", "r_source": "/source", "r_created": "/created"}');
SELECT cfn_anc_python('dump_events.stream.expected.jsonl') AS python_differ;
SELECT * FROM cfn_check('cfn_anc', 'dump.delim.merged.pb.zst',
                        $$framing 'delimited', container 'nest.Dump.groups.events'$$, 'dump_events.stream.expected.jsonl');
-- a one-step path with an ancestor column is walked (not framed) even with framing 'container'
CREATE TABLE cfn_anc_groups (name text, r_source text);
COPY cfn_anc_groups FROM '/tmp/protobuf_fdw_test/nested/dump.single.enc.pb'
  (FORMAT protobuf, server 'cfn_dump', framing 'container', container 'nest.Dump.groups', fields '{"r_source": "/source"}');
SELECT * FROM cfn_anc_groups;
-- OTLP: the service name from the resource's attributes, the scope's name (issue 12's example)
CREATE TABLE cfn_anc_spans (name text, res_attrs jsonb, scope_name text);
COPY cfn_anc_spans FROM '/tmp/protobuf_fdw_test/nested/otlp_trace.single.after.pb'
  (FORMAT protobuf, server 'cfn_otlp', framing 'container',
   container 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.resource_spans.scope_spans.spans',
   fields '{"res_attrs": "resource_spans/resource.attributes", "scope_name": "scope_spans/scope.name"}');
SELECT s.name, s.service, s.scope_name,
       (s.service, s.scope_name) IS NOT DISTINCT FROM (o.j->>'service_name', o.j->>'scope_name') AS python_agrees
  FROM (SELECT name, scope_name,
               jsonb_path_query_first(res_attrs, '$[*] ? (@.key == "service.name").value.stringValue') #>> '{}' AS service
          FROM cfn_anc_spans) s
  LEFT JOIN (SELECT l::jsonb AS j
               FROM regexp_split_to_table(rtrim(pg_read_file(current_setting('cfn.dir') || 'otlp_spans.request.expected.jsonl'), E'\n'), E'\n') l) o
    ON o.j->>'name' = s.name
 ORDER BY s.name;
TRUNCATE cfn_anc_spans;
-- from the client the data is read once (streaming, as a program's output): the enc form
-- writes a group's name and the root's source before the children, so they are read...
\copy cfn_anc (id, g_name, r_source) FROM '/tmp/protobuf_fdw_test/nested/dump.delim.enc.pb.gz' (FORMAT protobuf, server 'cfn_dump', framing 'delimited', container 'nest.Dump.groups.events', fields '{"g_name": "groups/name", "r_source": "/source"}')
SELECT count(*) AS copied,
       count(*) FILTER (WHERE (id, g_name, r_source) IS NOT DISTINCT FROM
                              ((j->>'id')::bigint, j->>'groups_name', j->>'root_source')) AS python_agrees
  FROM (SELECT *, row_number() OVER () AS n FROM cfn_anc) c
  JOIN (SELECT l::jsonb AS j, n
          FROM regexp_split_to_table(rtrim(pg_read_file(current_setting('cfn.dir') || 'dump_events.stream.expected.jsonl'), E'\n'), E'\n')
               WITH ORDINALITY AS t(l, n)) o USING (n);
TRUNCATE cfn_anc;
-- ... but its level and tags come after the children: an error, nothing loaded
\copy cfn_anc (id, g_level) FROM '/tmp/protobuf_fdw_test/nested/dump.delim.enc.pb.gz' (FORMAT protobuf, server 'cfn_dump', framing 'delimited', container 'nest.Dump.groups.events', fields '{"g_level": "groups/level"}')
SELECT count(*) FROM cfn_anc;

-- errors
-- a path that does not resolve: the step is named, the message's fields listed
COPY cfn_events FROM '/tmp/protobuf_fdw_test/nested/dump.single.enc.pb'
  (FORMAT protobuf, server 'cfn_dump', framing 'container', container 'nest.Dump.groups.evnts');
-- a last step that is not repeated
COPY cfn_stops (stop_id) FROM '/tmp/protobuf_fdw_test/nested/gtfs.single.enc.pb'
  (FORMAT protobuf, server 'cfn_gtfs', framing 'single', container 'transit_realtime.FeedMessage.entity.trip_update');
-- a column reading an ancestor: a STEP not on the path; no container path at all
COPY cfn_events (id, kind) FROM '/tmp/protobuf_fdw_test/nested/dump.single.enc.pb'
  (FORMAT protobuf, server 'cfn_dump', framing 'container', container 'nest.Dump.groups.events', fields '{"kind": "regions/name"}');
COPY cfn_events (id, kind) FROM '/tmp/protobuf_fdw_test/nested/dump.delim.enc.pb'
  (FORMAT protobuf, server 'cfn_dump', message 'nest.Event', fields '{"kind": "groups/name"}');
-- max_message_size applies to the row element (Dump 1's events are 26, 30, 2, 18, 33, 25, 31,
-- 32, 33 and 0 bytes): the error and its place are the foreign table's; on_error 'skip' skips
-- the two events of 33 bytes
COPY cfn_events (id) FROM '/tmp/protobuf_fdw_test/nested/dump.single.enc.pb'
  (FORMAT protobuf, server 'cfn_dump', framing 'container', container 'nest.Dump.groups.events', max_message_size '32');
CREATE FOREIGN TABLE cfn_max (id bigint) SERVER cfn_dump
  OPTIONS (filename '/tmp/protobuf_fdw_test/nested/dump.single.enc.pb', framing 'container',
           container 'nest.Dump.groups.events', max_message_size '32');
SELECT count(*) FROM cfn_max;
COPY cfn_events (id) FROM '/tmp/protobuf_fdw_test/nested/dump.single.enc.pb'
  (FORMAT protobuf, server 'cfn_dump', framing 'container', container 'nest.Dump.groups.events', max_message_size '32', on_error 'skip');
ALTER FOREIGN TABLE cfn_max OPTIONS (ADD on_error 'skip');
SELECT (SELECT array_agg(id ORDER BY id) FROM cfn_events) AS copied,
       (SELECT array_agg(id ORDER BY id) FROM cfn_max) AS foreign_rows;
TRUNCATE cfn_events;
-- a truncated file (the request cut at byte 1000, inside the second ResourceSpans, in its first
-- span, the 4th row): an error at the foreign table's message and offset, nothing loaded;
-- on_error 'skip' keeps the 3 spans before the cut (the first ResourceSpans')
\! head -c 1000 /tmp/protobuf_fdw_test/nested/otlp_trace.single.enc.pb > /tmp/protobuf_fdw_test/cfn_trunc.pb
COPY cfn_spans FROM '/tmp/protobuf_fdw_test/cfn_trunc.pb'
  (FORMAT protobuf, server 'cfn_otlp', framing 'container',
   container 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.resource_spans.scope_spans.spans',
   fields '{"leaf": ".", "status_code": "status.code"}');
SELECT count(*) FROM cfn_spans;
CREATE FOREIGN TABLE cfn_trunc (name text) SERVER cfn_otlp
  OPTIONS (filename '/tmp/protobuf_fdw_test/cfn_trunc.pb', framing 'container',
           container 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.resource_spans.scope_spans.spans');
SELECT count(*) FROM cfn_trunc;
\copy cfn_spans FROM '/tmp/protobuf_fdw_test/cfn_trunc.pb' (FORMAT protobuf, server 'cfn_otlp', framing 'container', container 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.resource_spans.scope_spans.spans', fields '{"leaf": ".", "status_code": "status.code"}', on_error 'skip')
SET client_min_messages = warning;	-- the foreign table's NOTICE, once per scan
SELECT * FROM cfn_check('cfn_spans', '../cfn_trunc.pb',
                        $$framing 'container', on_error 'skip', container 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.resource_spans.scope_spans.spans'$$);
RESET client_min_messages;
-- a delimited stream cut at byte 300, inside its first record (a Dump of 348 bytes) in its 9th
-- event, from the client: the error, then on_error 'skip' keeps the 8 events before the cut
\copy cfn_events FROM PROGRAM 'head -c 300 /tmp/protobuf_fdw_test/nested/dump.delim.enc.pb' (FORMAT protobuf, server 'cfn_dump', framing 'delimited', container 'nest.Dump.groups.events', fields '{"leaf": "."}')
\copy cfn_events FROM PROGRAM 'head -c 300 /tmp/protobuf_fdw_test/nested/dump.delim.enc.pb' (FORMAT protobuf, server 'cfn_dump', framing 'delimited', container 'nest.Dump.groups.events', fields '{"leaf": "."}', on_error 'skip')
SELECT count(*), min(id), max(id) FROM cfn_events;
CREATE FOREIGN TABLE cfn_cut (id bigint) SERVER cfn_dump
  OPTIONS (program 'head -c 300 /tmp/protobuf_fdw_test/nested/dump.delim.enc.pb', framing 'delimited',
           container 'nest.Dump.groups.events', on_error 'skip');
SELECT count(*), min(id), max(id) FROM cfn_cut;
TRUNCATE cfn_events;
-- a malformed record between two copies of the delimited Dumps (3 bytes: the tag of groups and
-- a length of 5 that overruns the record): an error; on_error 'skip' skips that record alone,
-- the 13 events of each copy stay (26 rows, as the foreign table reads)
\! (cat /tmp/protobuf_fdw_test/nested/dump.delim.enc.pb; printf '\003\022\005\000'; cat /tmp/protobuf_fdw_test/nested/dump.delim.enc.pb) > /tmp/protobuf_fdw_test/cfn_bad.pb
\copy cfn_events FROM '/tmp/protobuf_fdw_test/cfn_bad.pb' (FORMAT protobuf, server 'cfn_dump', framing 'delimited', container 'nest.Dump.groups.events', fields '{"leaf": "."}')
COPY cfn_events FROM '/tmp/protobuf_fdw_test/cfn_bad.pb'
  (FORMAT protobuf, server 'cfn_dump', framing 'delimited', container 'nest.Dump.groups.events', fields '{"leaf": "."}', on_error 'skip');
SET client_min_messages = warning;
SELECT * FROM cfn_check('cfn_events', '../cfn_bad.pb',
                        $$framing 'delimited', on_error 'skip', container 'nest.Dump.groups.events'$$);
RESET client_min_messages;
CREATE FOREIGN TABLE cfn_bad (id bigint) SERVER cfn_dump
  OPTIONS (filename '/tmp/protobuf_fdw_test/cfn_bad.pb', framing 'delimited', container 'nest.Dump.groups.events');
SELECT count(*) FROM cfn_bad;

-- a damaged compressed file (test/fixtures/input13: one Dump of 60 groups of 50 events, cut at
-- 3/4 or with the first block of its second gzip member made invalid; expected.csv counts the
-- events Python's zlib decompresses before the damage, n, and those of the groups read whole,
-- n_grouped): an error saying where; with on_error 'skip' the rows before the damage, as the
-- foreign table reads them (with a group column the group is pre-scanned to its end, so the
-- events of a group the damage cuts are not loaded)
CREATE SERVER cfn_dmg FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/input13/input13.desc');
CREATE TABLE cfn_dmg_expected (file text, prefix bigint, n bigint, n_grouped bigint);
COPY cfn_dmg_expected FROM '/tmp/protobuf_fdw_test/input13/expected.csv' (FORMAT csv);
CREATE TABLE cfn_dmg_rows (id bigint, g text);
COPY cfn_dmg_rows (id) FROM '/tmp/protobuf_fdw_test/input13/flip_dump.pb.gz'
  (FORMAT protobuf, server 'cfn_dmg', framing 'single', container 'nest.Dump.groups.events');
\copy cfn_dmg_rows (id) FROM '/tmp/protobuf_fdw_test/input13/cut_dump.pb.gz' (FORMAT protobuf, server 'cfn_dmg', framing 'single', container 'nest.Dump.groups.events', on_error 'skip')
SELECT count(*), (SELECT n FROM cfn_dmg_expected WHERE file = 'cut_dump.pb.gz') AS expected FROM cfn_dmg_rows;
TRUNCATE cfn_dmg_rows;
COPY cfn_dmg_rows FROM '/tmp/protobuf_fdw_test/input13/cut_dump.pb.gz'
  (FORMAT protobuf, server 'cfn_dmg', framing 'single', container 'nest.Dump.groups.events',
   on_error 'skip', fields '{"g": "groups/name"}');
CREATE FOREIGN TABLE cfn_dmg_ft (id bigint, g text OPTIONS (field 'groups/name')) SERVER cfn_dmg
  OPTIONS (filename '/tmp/protobuf_fdw_test/input13/cut_dump.pb.gz', framing 'single',
           container 'nest.Dump.groups.events', on_error 'skip');
SET client_min_messages = warning;
SELECT (SELECT count(*) FROM cfn_dmg_rows) AS copied,
       (SELECT n_grouped FROM cfn_dmg_expected WHERE file = 'cut_dump.pb.gz') AS expected,
       (SELECT count(*) FROM ((TABLE cfn_dmg_rows EXCEPT ALL TABLE cfn_dmg_ft)
                              UNION ALL (TABLE cfn_dmg_ft EXCEPT ALL TABLE cfn_dmg_rows)) x) AS differ;
RESET client_min_messages;
-- the same for a flat delimited stream (3000 sources.Event, the gzip file cut at 3/4)
TRUNCATE cfn_dmg_rows;
\copy cfn_dmg_rows (id) FROM '/tmp/protobuf_fdw_test/input13/cut_events.pb.gz' (FORMAT protobuf, server 'cfn_dmg', message 'sources.Event', on_error 'skip')
SELECT count(*), bool_and(id BETWEEN 1 AND 2230) AS ids_before_damage,
       (SELECT n FROM cfn_dmg_expected WHERE file = 'cut_events.pb.gz') AS expected FROM cfn_dmg_rows;
