--
-- Big values (issue 12, part 6): a big subtree read as one value, a jsonb column or an array
-- of composites bound to a repeated message field, is built element by element in bounded
-- memory (README, "Big values"), and decoding checks for interrupts inside a message.
-- Fixtures: test/fixtures/big/gen_big.py (python3-protobuf; the expected values are
-- json_format.MessageToDict of the same messages, so Python, not the implementation, decides).
--
CREATE SERVER big FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/big/nest_dump.desc');
CREATE TYPE ev_t AS (id int8, kind text, amount float8, at timestamptz);
-- Python's reading of each group of dump.pb, in order
CREATE FUNCTION pg_temp.expected() RETURNS TABLE (n bigint, name text, events jsonb, grp jsonb)
  LANGUAGE sql AS
  $$ SELECT n, g->>'name', g->'events', g->'group'
     FROM jsonb_array_elements(pg_read_file('/tmp/protobuf_fdw_test/big/dump.expected.json')::jsonb)
          WITH ORDINALITY AS x(g, n) $$;
-- the events of a group as ev_t[], from Python's JSON (implicit-presence defaults filled in)
CREATE FUNCTION pg_temp.ev_array(j jsonb) RETURNS ev_t[] LANGUAGE sql AS
  $$ SELECT coalesce(array_agg(ROW(coalesce((e->>'id')::int8, 0), coalesce(e->>'kind', ''),
                                   coalesce((e->>'amount')::float8, 0), (e->>'at')::timestamptz)::ev_t
                               ORDER BY n), '{}')
     FROM jsonb_array_elements(j) WITH ORDINALITY AS x(e, n) $$;

-- 80000 events in one group (3 MB of wire), a group with none, one with three
CREATE FOREIGN TABLE big_groups (
  name text,
  events jsonb,
  events_c ev_t[] OPTIONS (field 'events'),
  grp jsonb OPTIONS (field '.'))
  SERVER big OPTIONS (filename '/tmp/protobuf_fdw_test/big/dump.pb', framing 'container',
                      container 'nest.Dump.groups');
SELECT g.name, jsonb_array_length(g.events) AS n_json, cardinality(g.events_c) AS n_comp,
       g.events = e.events AS json_same,
       g.events_c = pg_temp.ev_array(e.events) AS comp_same,
       g.grp = e.grp AS group_same
  FROM big_groups g FULL JOIN pg_temp.expected() e ON e.name = g.name
  ORDER BY e.n;
-- the few: every value shown
SELECT events, events_c FROM big_groups WHERE name = 'few';

-- One 38 MB message (a Group of a million events), read through a program so that the planner
-- does not read it: a 100 ms statement_timeout stops the query while the value is decoded,
-- with the usual error (the CONTEXT line, which says where it stopped, is left out).
CREATE FOREIGN TABLE big_json (events jsonb)
  SERVER big OPTIONS (program 'cat /tmp/protobuf_fdw_test/big/group_40mb.pb',
                      framing 'single', message 'nest.Group');
CREATE FOREIGN TABLE big_comp (name text, events ev_t[])
  SERVER big OPTIONS (program 'cat /tmp/protobuf_fdw_test/big/group_40mb.pb',
                      framing 'single', message 'nest.Group');
\set VERBOSITY terse
SET statement_timeout = '100ms';
SELECT pg_column_size(events) FROM big_json;
SELECT pg_column_size(events) FROM big_comp;
RESET statement_timeout;
\set VERBOSITY default
-- without the timeout the value is whole
SELECT name, cardinality(events), events[1] = events[1000000] AS same, events[1000000]
  FROM big_comp;

-- clean up
SET client_min_messages = warning;
DROP SERVER big CASCADE;
DROP TYPE ev_t CASCADE;
RESET client_min_messages;
