--
-- Nested container paths (issue 12) over OpenTelemetry's trace schema: one row per span of an
-- ExportTraceServiceRequest (framing 'single' and 'container'), and of a delimited stream of
-- ResourceSpans (each message a root), with the resource's attributes (service.name), the
-- scope, and every span field compared, inside SQL, with what Python's protobuf reads
-- (test/fixtures/nested/README.md); in the three encodings (enc, after: the ancestors' fields
-- after their children, merged), plain and compressed, serial and parallel.  nx_diff lists
-- each value that differs as (ordinal, column, expected, got): no row when all match.
--
CREATE SERVER nx_otlp FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/nested_otlp.desc');
\pset null '(null)'

SET nx.dir = '/tmp/protobuf_fdw_test/nested/';
\i test/fixtures/nested/compare.sql

INSERT INTO nx_shapes VALUES
('otlp_spans_request', 'nx_otlp',
 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.resource_spans.scope_spans.spans', $$
  trace_id bytea, span_id bytea, parent_span_id bytea, trace_state text, name text, kind text,
  start_ns bigint OPTIONS (field 'start_time_unix_nano'),
  end_ns numeric OPTIONS (field 'end_time_unix_nano'), flags bigint,
  attributes jsonb, dropped_attributes_count bigint, events jsonb, dropped_events_count bigint,
  links jsonb, dropped_links_count bigint, status jsonb,
  status_code text OPTIONS (field 'status.code'), status_message text OPTIONS (field 'status.message'),
  leaf jsonb OPTIONS (field '.'),
  res_attrs jsonb OPTIONS (field 'resource_spans/resource.attributes'),
  resource jsonb OPTIONS (field 'resource_spans/resource'),
  rs_schema_url text OPTIONS (field 'resource_spans/schema_url'),
  scope_name text OPTIONS (field 'scope_spans/scope.name'),
  scope_version text OPTIONS (field 'scope_spans/scope.version'),
  scope jsonb OPTIONS (field 'scope_spans/scope'),
  ss_schema_url text OPTIONS (field 'scope_spans/schema_url'),
  idx bigint OPTIONS (meta 'index'), ss_idx bigint OPTIONS (meta 'scope_spans/index'),
  rs_idx bigint OPTIONS (meta 'resource_spans/index'),
  ord bigint OPTIONS (meta 'ordinal'), off bigint OPTIONS (meta 'offset'),
  fname text OPTIONS (meta 'filename')$$),
('otlp_spans_stream', 'nx_otlp', 'opentelemetry.proto.trace.v1.ResourceSpans.scope_spans.spans', $$
  trace_id bytea, span_id bytea, parent_span_id bytea, trace_state text, name text, kind text,
  start_ns bigint OPTIONS (field 'start_time_unix_nano'),
  end_ns numeric OPTIONS (field 'end_time_unix_nano'), flags bigint,
  attributes jsonb, dropped_attributes_count bigint, events jsonb, dropped_events_count bigint,
  links jsonb, dropped_links_count bigint, status jsonb,
  status_code text OPTIONS (field 'status.code'), status_message text OPTIONS (field 'status.message'),
  leaf jsonb OPTIONS (field '.'),
  res_attrs jsonb OPTIONS (field '/resource.attributes'), resource jsonb OPTIONS (field '/resource'),
  rs_schema_url text OPTIONS (field '/schema_url'),
  scope_name text OPTIONS (field 'scope_spans/scope.name'),
  scope_version text OPTIONS (field 'scope_spans/scope.version'),
  scope jsonb OPTIONS (field 'scope_spans/scope'),
  ss_schema_url text OPTIONS (field 'scope_spans/schema_url'),
  idx bigint OPTIONS (meta 'index'), ss_idx bigint OPTIONS (meta 'scope_spans/index'),
  ord bigint OPTIONS (meta 'ordinal'), off bigint OPTIONS (meta 'offset'),
  fname text OPTIONS (meta 'filename')$$);

-- the span's own fields (bytes in base64, 64-bit integers as strings, enums by name in the
-- oracle), the service name as a user would pull it from the resource's attributes, and the
-- ancestors' fields: resource_spans_* in the request, root_* in the stream
INSERT INTO nx_checks
SELECT s, c.col, c.expected, c.got
  FROM unnest(ARRAY['otlp_spans_request', 'otlp_spans_stream']) s,
       (VALUES ('trace_id', $$decode(j->>'trace_id', 'base64')$$, NULL),
               ('span_id', $$decode(j->>'span_id', 'base64')$$, NULL),
               ('parent_span_id', $$decode(j->>'parent_span_id', 'base64')$$, NULL),
               ('trace_id_hex', $$j->>'trace_id_hex'$$, $$encode(t.trace_id, 'hex')$$),
               ('trace_state', $$j->>'trace_state'$$, NULL), ('name', $$j->>'name'$$, NULL),
               ('kind', $$j->>'kind'$$, NULL),
               ('start_ns', $$(j->>'start_ns')::bigint$$, NULL),
               ('end_ns', $$(j->>'end_ns')::numeric$$, NULL),
               ('duration_ns', $$(j->>'duration_ns')::numeric$$, $$t.end_ns - t.start_ns$$),
               ('flags', $$(j->>'flags')::bigint$$, NULL),
               ('attributes', $$j->'attributes'$$, NULL), ('events', $$j->'events'$$, NULL),
               ('links', $$j->'links'$$, NULL),
               ('dropped_attributes_count', $$(j->>'dropped_attributes_count')::bigint$$, NULL),
               ('dropped_events_count', $$(j->>'dropped_events_count')::bigint$$, NULL),
               ('dropped_links_count', $$(j->>'dropped_links_count')::bigint$$, NULL),
               ('status', $$nullif(j->'status', 'null')$$, NULL),
               ('status_code', $$j->>'status_code_name'$$, NULL),
               ('status_message', $$CASE WHEN j->'status' <> 'null' THEN coalesce(j->'status'->>'message', '') END$$, NULL),
               ('leaf', $$j->'leaf_json'$$, NULL),
               ('service_name', $$j->>'service_name'$$,
                $$jsonb_path_query_first(t.res_attrs, '$[*] ? (@.key == "service.name").value.stringValue') #>> '{}'$$),
               ('scope_name', $$j->>'scope_name'$$, NULL),
               ('scope_version', $$j->>'scope_version'$$, NULL),
               ('scope', $$nullif(j->'scope_spans_scope', 'null')$$, NULL),
               ('ss_schema_url', $$j->>'scope_spans_schema_url'$$, NULL),
               ('idx', $$(j->>'index')::bigint$$, NULL),
               ('ss_idx', $$(j->>'scope_spans_index')::bigint$$, NULL)) AS c(col, expected, got);
INSERT INTO nx_checks VALUES
  ('otlp_spans_request', 'resource', $$nullif(j->'resource_spans_resource', 'null')$$, NULL),
  ('otlp_spans_request', 'res_attrs', $$nullif(j->'resource_spans_resource', 'null')->'attributes'$$, NULL),
  ('otlp_spans_request', 'rs_schema_url', $$j->>'resource_spans_schema_url'$$, NULL),
  ('otlp_spans_request', 'rs_idx', $$(j->>'resource_spans_index')::bigint$$, NULL),
  ('otlp_spans_stream', 'resource', $$nullif(j->'root_resource', 'null')$$, NULL),
  ('otlp_spans_stream', 'res_attrs', $$nullif(j->'root_resource', 'null')->'attributes'$$, NULL),
  ('otlp_spans_stream', 'rs_schema_url', $$j->>'root_schema_url'$$, NULL);

-- the README's example: one row per span, with its service
SELECT pg_temp.nx_table('spans', 'otlp_spans_request',
                        $$filename '/tmp/protobuf_fdw_test/nested/otlp_trace.single.after.pb', framing 'container'$$);
SELECT jsonb_path_query_first(res_attrs, '$[*] ? (@.key == "service.name").value.stringValue') #>> '{}' AS service,
       scope_name, scope_version, name, kind, start_ns, end_ns - start_ns AS duration_ns,
       encode(span_id, 'hex') AS span_id, status_code, rs_idx, ss_idx, idx, ord, off
  FROM spans;
SELECT * FROM pg_temp.nx_diff('spans', 'otlp_spans_request', 'otlp_spans.request.expected.jsonl');
SELECT scope_name, count(*), sum(end_ns - start_ns) FROM spans GROUP BY 1 ORDER BY 1;

-- every file: the request (single and container framing) and the ResourceSpans stream
CREATE TEMP TABLE nx_files AS
SELECT 'otlp_spans_request' AS shape, 'otlp_trace.single.' || form || '.pb' AS file,
       'otlp_trace.single.' || form || '.pb' AS plain, framing,
       'otlp_spans.request.expected.jsonl' AS oracle
  FROM unnest(ARRAY['enc', 'after', 'merged']) AS form, unnest(ARRAY['single', 'container']) AS framing
UNION ALL
SELECT 'otlp_spans_stream', 'otlp_resource_spans.delim.' || form || '.pb' || comp,
       'otlp_resource_spans.delim.' || form || '.pb', 'delimited', 'otlp_spans.stream.expected.jsonl'
  FROM (VALUES ('enc', ''), ('enc', '.gz'), ('enc', '.zst'), ('after', ''), ('merged', ''))
       AS f(form, comp);
CREATE FUNCTION pg_temp.nx_check(shape text, file text, framing text, oracle text, plain text,
                                 OUT n bigint, OUT expected bigint, OUT differing bigint,
                                 OUT bad_offsets bigint, OUT in_order bool)
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_temp.nx_table('nx_t', shape,
                           format('filename %L, framing %L', '/tmp/protobuf_fdw_test/nested/' || file, framing));
  SELECT * INTO n, expected, differing, bad_offsets, in_order
    FROM pg_temp.nx_summary('nx_t', shape, oracle, plain);
END $$;
CREATE FUNCTION pg_temp.nx_all_diffs()
RETURNS TABLE (file text, framing text, ord bigint, col text, expected text, got text)
LANGUAGE plpgsql AS $$
DECLARE f record;
BEGIN
  FOR f IN SELECT * FROM nx_files ORDER BY shape, file, framing LOOP
    PERFORM pg_temp.nx_table('nx_t', f.shape, format('filename %L, framing %L',
                                                     '/tmp/protobuf_fdw_test/nested/' || f.file, f.framing));
    RETURN QUERY SELECT f.file, f.framing, d.* FROM pg_temp.nx_diff('nx_t', f.shape, f.oracle) d;
  END LOOP;
END $$;
SELECT f.file, f.framing, c.*
  FROM nx_files f, LATERAL pg_temp.nx_check(f.shape, f.file, f.framing, f.oracle, f.plain) c
 ORDER BY f.shape, f.file, f.framing;
SELECT * FROM pg_temp.nx_all_diffs();

-- the stream by hand: the spans of each ResourceSpans message, with the root's resource
SELECT pg_temp.nx_table('stream_spans', 'otlp_spans_stream',
                        $$filename '/tmp/protobuf_fdw_test/nested/otlp_resource_spans.delim.merged.pb', framing 'delimited'$$);
SELECT jsonb_path_query_first(res_attrs, '$[*] ? (@.key == "service.name").value.stringValue') #>> '{}' AS service,
       rs_schema_url, scope_name, ss_idx, idx, name, ord, off
  FROM stream_spans;

-- parallel: the same values
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SELECT f.file, f.framing, c.n, c.expected, c.differing, c.bad_offsets
  FROM nx_files f, LATERAL pg_temp.nx_check(f.shape, f.file, f.framing, f.oracle, f.plain) c
 ORDER BY f.shape, f.file, f.framing;
SELECT * FROM pg_temp.nx_all_diffs();
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
