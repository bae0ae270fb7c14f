--
-- protobuf_fdw_create_table() with a container path: the ancestors' columns; the option
-- composite_types (CREATE TYPE per nested message) of the function and of IMPORT FOREIGN
-- SCHEMA.  Schemas and data: test/fixtures/nested (OTLP traces, GTFS-realtime, nest.Dump).
--
CREATE SCHEMA imn;
SET search_path = imn, public;
CREATE SERVER imn_otel FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/nested_otlp.desc');
CREATE SERVER imn_gtfs FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/nested_gtfs.desc');
CREATE SERVER imn_dump FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/nested_dump.desc');
\pset null '(null)'
SET timezone = 'UTC';
-- the rows of an expected file of test/fixtures/nested, in order
CREATE FUNCTION pg_temp.expected(f text) RETURNS TABLE (n bigint, j jsonb) LANGUAGE sql AS $$
  SELECT n, line::jsonb
  FROM regexp_split_to_table(rtrim(pg_read_file('/tmp/protobuf_fdw_test/nested/' || f), E'\n'),
                             E'\n') WITH ORDINALITY AS t(line, n) $$;
CREATE FUNCTION pg_temp.columns(rel regclass)
  RETURNS TABLE (col name, type text, options text[]) LANGUAGE sql AS $$
  SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attfdwoptions
  FROM pg_attribute a WHERE a.attrelid = rel AND a.attnum > 0 ORDER BY a.attnum $$;

-- the columns of a table's ancestors (field 'STEP/...' or '/...')
CREATE FUNCTION pg_temp.ancestor_columns(rel regclass) RETURNS text[] LANGUAGE sql AS $$
  SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
   WHERE a.attrelid = rel AND a.attnum > 0 AND a.attfdwoptions::text LIKE '%field=%/%' $$;
-- the values of columns 'cols' of a table that differ from an expected file's, row by row in
-- scan order: numbers as numbers, other values as text (jsonb columns as their JSON text).
-- Extensions ("[pkg.ext]" keys) are left out of messages: jsonb does not render them yet
-- (issue 13)
CREATE FUNCTION pg_temp.no_ext(v jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT CASE WHEN jsonb_typeof(v) = 'object'
              THEN (SELECT coalesce(jsonb_object_agg(k, x), '{}') FROM jsonb_each(v) e(k, x)
                     WHERE k NOT LIKE '[%')
              ELSE v END $$;
CREATE FUNCTION pg_temp.same(a jsonb, b jsonb) RETURNS boolean LANGUAGE sql AS $$
  SELECT CASE WHEN jsonb_typeof(a) = 'number' AND jsonb_typeof(b) = 'number'
              THEN a::numeric = b::numeric
              ELSE (pg_temp.no_ext(a) #>> '{}') IS NOT DISTINCT FROM (pg_temp.no_ext(b) #>> '{}')
         END $$;
CREATE FUNCTION pg_temp.mismatches(rel regclass, f text, cols text[])
  RETURNS TABLE (n bigint, col text, got text, want text) LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'WITH got AS (SELECT row_number() OVER () AS n, to_jsonb(t) AS j FROM %s t)
     SELECT coalesce(g.n, e.n), c, g.j->>c, e.j->>c
       FROM got g FULL JOIN pg_temp.expected(%L) e ON e.n = g.n, unnest(%L::text[]) c
      WHERE NOT coalesce(pg_temp.same(g.j->c, e.j->c), false) ORDER BY 1, 2', rel, f, cols);
END $$;

-- each statement is generated and run (\gexec; with composite_types the types and the table
-- are one text).
-- One row per span: the columns of each ancestor's non-repeated fields (the root has none
-- but the path), named <step>_<field>, reading field 'STEP/field'; then the span's
SELECT protobuf_fdw_create_table('imn_otel', 'opentelemetry.proto.trace.v1.Span',
  '/tmp/protobuf_fdw_test/nested/otlp_trace.single.enc.pb', 'spans',
  options => '{"framing": "single", "container": "opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.resource_spans.scope_spans.spans"}')
\gexec
-- the same with composite types: one CREATE TYPE per nested message, each after the types
-- it uses; AnyValue -> ArrayValue -> AnyValue and AnyValue -> KeyValueList -> KeyValue ->
-- AnyValue are recursive: the field closing the cycle is jsonb
SELECT protobuf_fdw_create_table('imn_otel', 'opentelemetry.proto.trace.v1.Span',
  '/tmp/protobuf_fdw_test/nested/otlp_trace.single.after.pb', 'spans_c',
  options => '{"framing": "single", "composite_types": true, "container": "opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.resource_spans.scope_spans.spans"}')
\gexec
-- a delimited stream of ResourceSpans, each the root: its fields are root_<field> ('/field')
SELECT protobuf_fdw_create_table('imn_otel', 'opentelemetry.proto.trace.v1.Span',
  '/tmp/protobuf_fdw_test/nested/otlp_resource_spans.delim.merged.pb', 'stream_spans',
  options => '{"container": "opentelemetry.proto.trace.v1.ResourceSpans.scope_spans.spans"}')
\gexec
-- GTFS-realtime (proto2): the root's header; the singular step trip_update has columns of
-- its own (field 'trip_update/...'), and is no column of entity's
SELECT protobuf_fdw_create_table('imn_gtfs', 'transit_realtime.TripUpdate.StopTimeUpdate',
  '/tmp/protobuf_fdw_test/nested/gtfs.single.enc.pb', 'stop_updates',
  options => '{"framing": "single", "container": "transit_realtime.FeedMessage.entity.trip_update.stop_time_update"}')
\gexec
-- three repeated steps; a map of an ancestor is a column (jsonb, also with composite_types),
-- a Timestamp keeps its type
SELECT protobuf_fdw_create_table('imn_dump', 'nest.Event',
  '/tmp/protobuf_fdw_test/nested/world.delim.enc.pb.gz', 'world_events',
  options => '{"container": "nest.World.regions.groups.events", "composite_types": "on"}')
\gexec

-- every ancestor column reads what Python reads, whatever the file's field order
SELECT * FROM pg_temp.mismatches('spans', 'otlp_spans.request.expected.jsonl',
  pg_temp.ancestor_columns('spans') || '{name, kind, dropped_events_count}');
SELECT * FROM pg_temp.mismatches('stream_spans', 'otlp_spans.stream.expected.jsonl',
  pg_temp.ancestor_columns('stream_spans') || '{name, kind}');
SELECT * FROM pg_temp.mismatches('stop_updates', 'gtfs_stop_time_updates.expected.jsonl',
  pg_temp.ancestor_columns('stop_updates') || '{stop_id, stop_sequence}');
SELECT * FROM pg_temp.mismatches('world_events', 'world_events.stream.expected.jsonl',
  pg_temp.ancestor_columns('world_events') || '{id, kind, amount}');
-- (the check sees a difference: other rows, 6 against 13)
SELECT count(*) > 0 AS differs
  FROM pg_temp.mismatches('world_events', 'dump_events.stream.expected.jsonl', '{id}');
SELECT pg_temp.ancestor_columns('spans'), pg_temp.ancestor_columns('stream_spans');
SELECT pg_temp.ancestor_columns('stop_updates'), pg_temp.ancestor_columns('world_events');
-- one row per span with service.name from the generated resource column: jsonb, and
-- through the generated composite types
SELECT s.name,
       jsonb_path_query_first(s.resource_spans_resource,
         '$.attributes[*] ? (@.key == "service.name").value.stringValue') #>> '{}' AS service,
       (SELECT (kv.value).string_value FROM unnest((c.resource_spans_resource).attributes) kv
         WHERE kv.key = 'service.name') AS service_c,
       (c.scope_spans_scope).name AS scope, (c.status).code AS status
  FROM (SELECT row_number() OVER () AS n, * FROM spans) s
  JOIN (SELECT row_number() OVER () AS n, * FROM spans_c) c ON c.n = s.n
 ORDER BY s.n;
SELECT count(*) AS rows, count(*) FILTER (WHERE e.j->>'service_name' IS NOT DISTINCT FROM
         (SELECT (kv.value).string_value FROM unnest((c.resource_spans_resource).attributes) kv
           WHERE kv.key = 'service.name')) AS same_service
  FROM (SELECT row_number() OVER () AS n, * FROM spans_c) c
  JOIN pg_temp.expected('otlp_spans.request.expected.jsonl') e ON e.n = c.n;
SELECT root_version, regions_code, groups_name, groups_tags, id, at FROM world_events;

SELECT * FROM pg_temp.columns('spans_c') LIMIT 5;
SELECT t.typname, string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', '
                             ORDER BY a.attnum) AS attributes
  FROM pg_type t JOIN pg_attribute a ON a.attrelid = t.typrelid
 WHERE t.typname IN ('AnyValue_t', 'ArrayValue_t', 'KeyValueList_t', 'Status_t')
 GROUP BY t.typname ORDER BY t.typname COLLATE "C";

-- the generated types read the data: a whole ExportTraceServiceRequest (framing 'single', no
-- container) as composites; service.name reached through Resource_t, KeyValue_t, AnyValue_t;
-- every span, in order, as Python reads it.  In a schema of its own: the types of spans_c
-- exist in imn
CREATE SCHEMA req;
SET search_path = req, imn, public;
SELECT protobuf_fdw_create_table('imn_otel',
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
  '/tmp/protobuf_fdw_test/nested/otlp_trace.single.enc.pb', 'request',
  options => '{"framing": "single", "composite_types": true}')
\gexec
SELECT * FROM pg_temp.columns('request');
CREATE TEMP VIEW request_spans AS
SELECT row_number() OVER (ORDER BY r.ordinality, s.ordinality, sp.ordinality) AS n,
       (SELECT (kv.value).string_value FROM unnest((r.resource).attributes) kv
         WHERE kv.key = 'service.name') AS service_name,
       (s.scope).name AS scope_name, (s.scope).version AS scope_version,
       sp.name, sp.kind, encode(sp.span_id, 'hex') AS span_id, (sp.status).code AS status,
       cardinality(sp.events) AS events, cardinality(sp.links) AS links
  FROM request q, unnest(q.resource_spans) WITH ORDINALITY r,
       unnest(r.scope_spans) WITH ORDINALITY s, unnest(s.spans) WITH ORDINALITY sp;
SELECT * FROM request_spans ORDER BY n;
SELECT g.n, g.name
  FROM request_spans g FULL JOIN pg_temp.expected('otlp_spans.request.expected.jsonl') e
       ON e.n = g.n
 WHERE (g.service_name, g.scope_name, g.scope_version, g.name, g.kind, g.span_id, g.status,
        g.events, g.links)
       IS DISTINCT FROM
       (e.j->>'service_name', e.j->>'scope_name', e.j->>'scope_version', e.j->>'name',
        e.j->>'kind_name', e.j->>'span_id_hex', e.j->>'status_code_name',
        jsonb_array_length(e.j->'events'), jsonb_array_length(e.j->'links'));
-- the cut recursion: an array and a key-value list inside an attribute's value are jsonb
SELECT kv.key, (kv.value).array_value, (kv.value).kvlist_value
  FROM request q, unnest(q.resource_spans) r, unnest((r.resource).attributes) kv
 WHERE kv.key IN ('tags', 'labels');
SET search_path = imn, public;

-- IMPORT FOREIGN SCHEMA with composite_types: PostgreSQL runs only CREATE FOREIGN TABLE
-- statements from an import, so the import creates the types (in the target schema, named
-- apart from the tables) before PostgreSQL creates the tables
CREATE SCHEMA nst;
IMPORT FOREIGN SCHEMA nest FROM SERVER imn_dump INTO nst
  OPTIONS (filename '/tmp/protobuf_fdw_test/nested/dump.single.enc.pb', framing 'single',
           composite_types 'true');
SELECT c.relname, c.relkind FROM pg_class c
 WHERE c.relnamespace = 'nst'::regnamespace AND c.relkind IN ('f', 'c')
 ORDER BY c.relname COLLATE "C";
SELECT * FROM pg_temp.columns('nst."Dump"');
SELECT * FROM pg_temp.columns('nst."Group_t"');
-- every event of the Dump through the types, as Python reads it
SELECT count(*) AS events,
       count(*) FILTER (WHERE (e.id::text, e.kind, e.amount, g.name, g.level)
                        IS NOT DISTINCT FROM
                        (x.j->>'id', x.j->>'kind', (x.j->>'amount')::float8,
                         x.j->>'groups_name', (x.j->>'groups_level')::int)) AS same
  FROM nst."Dump" d, unnest(d.groups) WITH ORDINALITY g,
       unnest(g.events) WITH ORDINALITY e, pg_temp.expected('dump_events.single.expected.jsonl') x
 WHERE (x.j->>'groups_index')::int = g.ordinality AND (x.j->>'index')::int = e.ordinality;
SELECT count(*) FROM pg_temp.expected('dump_events.single.expected.jsonl');
SELECT d.source, g.name, g.tags, e.id, e.at FROM nst."Dump" d, unnest(d.groups) g,
       unnest(g.events) e WHERE g.name = 'g1';
-- a group (proto2) and a message of another package become types too
CREATE SCHEMA imp_c;
CREATE SERVER imp_nested FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/import.desc');
IMPORT FOREIGN SCHEMA imptest LIMIT TO ("Outer") FROM SERVER imp_nested INTO imp_c
  OPTIONS (filename '/tmp/protobuf_fdw_test/import/%m.pb', composite_types 'yes');
SELECT * FROM pg_temp.columns('imp_c."Outer"');
SELECT * FROM pg_temp.columns('imp_c."Old_t"');
\x on
SELECT * FROM imp_c."Outer";
\x off
-- importing again: the types exist
IMPORT FOREIGN SCHEMA imptest LIMIT TO ("Outer") FROM SERVER imp_nested INTO imp_c
  OPTIONS (filename '/tmp/protobuf_fdw_test/import/%m.pb', composite_types 'yes');
-- false: jsonb, as without the option
IMPORT FOREIGN SCHEMA imptest LIMIT TO ("Outer") FROM SERVER imp_nested INTO imn
  OPTIONS (filename '/tmp/protobuf_fdw_test/import/%m.pb', composite_types 'false');
SELECT * FROM pg_temp.columns('imn."Outer"') WHERE col IN ('inner', 'old');

-- errors
IMPORT FOREIGN SCHEMA imptest FROM SERVER imp_nested INTO imp_c
  OPTIONS (filename '/tmp/f.pb', composite_types 'maybe');
SELECT protobuf_fdw_create_table('imn_dump', 'nest.Event', '/data/x.pb',
  options => '{"composite_types": "maybe"}');
-- the message must be the path's rows
SELECT protobuf_fdw_create_table('imn_dump', 'nest.Group', '/data/x.pb',
  options => '{"container": "nest.World.regions.groups.events"}');
-- JSON booleans for the boolean options only
SELECT protobuf_fdw_create_table('imn_dump', 'nest.Event', '/data/x.pb',
  options => '{"verify_crc": false, "framing": "tfrecord"}');
SELECT protobuf_fdw_create_table('imn_dump', 'nest.Event', '/data/x.pb',
  options => '{"max_message_size": true}');
-- a path that does not resolve: container.c's error
SELECT protobuf_fdw_create_table('imn_dump', 'nest.Event', '/data/x.pb',
  options => '{"container": "nest.World.regions.nosuch.events"}');

-- IMPORT FOREIGN SCHEMA with a container path: one table, named after the last step, with the
-- ancestors' columns and composite types; it reads one row per span, service.name included
CREATE SCHEMA imc;
IMPORT FOREIGN SCHEMA "opentelemetry.proto.collector.trace.v1" FROM SERVER imn_otel INTO imc
  OPTIONS (filename '/tmp/protobuf_fdw_test/nested/otlp_trace.single.merged.pb', framing 'single',
           composite_types 'true',
           container 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.resource_spans.scope_spans.spans');
SELECT * FROM pg_temp.columns('imc.spans') LIMIT 5;
SELECT (SELECT (kv.value).string_value FROM unnest((resource_spans_resource).attributes) kv
         WHERE kv.key = 'service.name') AS service,
       (scope_spans_scope).name AS scope, name
  FROM imc.spans;
-- the remote schema is the root's package ("*" too); LIMIT TO and EXCEPT name that one table
IMPORT FOREIGN SCHEMA "opentelemetry.proto.trace.v1" FROM SERVER imn_otel INTO imc
  OPTIONS (filename '/tmp/f.pb',
           container 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.resource_spans.scope_spans.spans');
IMPORT FOREIGN SCHEMA "*" LIMIT TO (other) FROM SERVER imn_otel INTO imc
  OPTIONS (filename '/tmp/f.pb',
           container 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.resource_spans.scope_spans.spans');
IMPORT FOREIGN SCHEMA "*" EXCEPT (spans) FROM SERVER imn_otel INTO imc
  OPTIONS (filename '/tmp/f.pb',
           container 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.resource_spans.scope_spans.spans');
SELECT count(*) FROM pg_class WHERE relnamespace = 'imc'::regnamespace AND relkind = 'f';
