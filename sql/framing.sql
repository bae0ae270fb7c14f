--
-- Framings: 'delimited' (the default) and 'container'.  Data: events.pb, batch.pb (protoc
-- --encode of test/fixtures/txt/*.txtpb), container*.pb, empty.pb; schemas proto/bench.proto,
-- proto/container.proto.
--
CREATE SERVER fr_bench FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/bench.desc');
\pset null '(null)'

-- delimited, by default and by name
CREATE FOREIGN TABLE events (id bigint, user_id text, ts_micros bigint, amount float8,
  quantity int4, is_test bool, country text, url text, status int8, score float4)
  SERVER fr_bench OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event');
SELECT * FROM events;
CREATE FOREIGN TABLE events_d (id bigint, user_id text)
  SERVER fr_bench OPTIONS (filename '/tmp/protobuf_fdw_test/events.pb', message 'bench.Event',
                      framing 'delimited');
SELECT * FROM events_d;

-- container: bench.Batch.events, message left out or given (with or without a leading dot)
CREATE FOREIGN TABLE batch_events (id bigint, user_id text, amount float8, score float4)
  SERVER fr_bench OPTIONS (filename '/tmp/protobuf_fdw_test/batch.pb', framing 'container',
                      container 'bench.Batch.events');
SELECT * FROM batch_events;
CREATE FOREIGN TABLE batch_events2 (id bigint, country text)
  SERVER fr_bench OPTIONS (filename '/tmp/protobuf_fdw_test/batch.pb', framing 'container',
                      container 'bench.Batch.events', message '.bench.Event');
SELECT * FROM batch_events2;
-- the same rows either way
SELECT count(*) FROM (SELECT id, user_id FROM events EXCEPT SELECT id, user_id FROM batch_events) d;

-- container with other top-level fields before, between and after the rows: skipped, and
-- the elements of other_rows and single are not rows
CREATE SERVER fr_ctr FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/container.desc');
CREATE FOREIGN TABLE dump_rows (id int8, name text, score float8)
  SERVER fr_ctr OPTIONS (filename '/tmp/protobuf_fdw_test/container.pb', framing 'container',
                      container 'ctr.Dump.rows');
SELECT * FROM dump_rows;
SELECT count(*) FROM dump_rows;
-- other_rows is a repeated message field too: a valid container field
CREATE FOREIGN TABLE dump_other (id int8, name text)
  SERVER fr_ctr OPTIONS (filename '/tmp/protobuf_fdw_test/container.pb', framing 'container',
                      container 'ctr.Dump.other_rows', message 'ctr.Row');
SELECT * FROM dump_other;
-- records of the container field with another wire type than LEN are unknown fields, not rows
CREATE FOREIGN TABLE dump_odd (id int8, name text)
  SERVER fr_ctr OPTIONS (filename '/tmp/protobuf_fdw_test/container_odd.pb', framing 'container',
                      container 'ctr.Dump.rows');
SELECT * FROM dump_odd;
-- no rows: an empty file (either framing), and a container with no rows
CREATE FOREIGN TABLE dump_norows (id int8)
  SERVER fr_ctr OPTIONS (filename '/tmp/protobuf_fdw_test/container_norows.pb',
                      framing 'container', container 'ctr.Dump.rows');
SELECT count(*) FROM dump_norows;
CREATE FOREIGN TABLE empty_container (id int8)
  SERVER fr_ctr OPTIONS (filename '/tmp/protobuf_fdw_test/empty.pb', framing 'container',
                      container 'ctr.Dump.rows');
SELECT count(*) FROM empty_container;
CREATE FOREIGN TABLE empty_delimited (id int8)
  SERVER fr_ctr OPTIONS (filename '/tmp/protobuf_fdw_test/empty.pb', message 'ctr.Row');
SELECT count(*) FROM empty_delimited;

-- container options that cannot work
CREATE FOREIGN TABLE c_disagree (id int8)
  SERVER fr_ctr OPTIONS (filename '/tmp/protobuf_fdw_test/container.pb', framing 'container',
                      container 'ctr.Dump.rows', message 'ctr.Header');
SELECT * FROM c_disagree;
CREATE FOREIGN TABLE c_not_repeated (id int8)
  SERVER fr_ctr OPTIONS (filename '/tmp/protobuf_fdw_test/container.pb', framing 'container',
                      container 'ctr.Dump.single');
SELECT * FROM c_not_repeated;
CREATE FOREIGN TABLE c_not_message (id int8)
  SERVER fr_ctr OPTIONS (filename '/tmp/protobuf_fdw_test/container.pb', framing 'container',
                      container 'ctr.Dump.numbers');
SELECT * FROM c_not_message;
CREATE FOREIGN TABLE c_string (id int8)
  SERVER fr_ctr OPTIONS (filename '/tmp/protobuf_fdw_test/container.pb', framing 'container',
                      container 'ctr.Dump.header');
SELECT * FROM c_string;
CREATE FOREIGN TABLE c_no_field (id int8)
  SERVER fr_ctr OPTIONS (filename '/tmp/protobuf_fdw_test/container.pb', framing 'container',
                      container 'ctr.Dump.rowz');
SELECT * FROM c_no_field;
CREATE FOREIGN TABLE c_no_message (id int8)
  SERVER fr_ctr OPTIONS (filename '/tmp/protobuf_fdw_test/container.pb', framing 'container',
                      container 'ctr.Dumb.rows');
SELECT * FROM c_no_message;
CREATE FOREIGN TABLE c_no_container (id int8)
  SERVER fr_ctr OPTIONS (filename '/tmp/protobuf_fdw_test/container.pb', framing 'container');
CREATE FOREIGN TABLE c_bad_framing (id int8)
  SERVER fr_ctr OPTIONS (filename '/tmp/protobuf_fdw_test/container.pb', framing 'stream',
                      message 'ctr.Row');

-- bad data inside a container: the context names the row (1-based) and the offset of its
-- record (tag) in the file.  container_trunc.pb ends inside row 3 (record at byte 38);
-- row 2 of container_bad_utf8.pb (record at byte 13) has an invalid UTF-8 name.
CREATE FOREIGN TABLE c_trunc (id int8, name text)
  SERVER fr_ctr OPTIONS (filename '/tmp/protobuf_fdw_test/container_trunc.pb',
                      framing 'container', container 'ctr.Dump.rows');
SELECT * FROM c_trunc;
CREATE FOREIGN TABLE c_bad_utf8 (id int8, name text)
  SERVER fr_ctr OPTIONS (filename '/tmp/protobuf_fdw_test/container_bad_utf8.pb',
                      framing 'container', container 'ctr.Dump.rows');
SELECT * FROM c_bad_utf8;
-- the bad name is not read when not projected
SELECT id FROM c_bad_utf8;
-- a top-level tag with wire type 7 after row 1 of the container (at byte 4)
CREATE FOREIGN TABLE c_bad_wiretype (id int8)
  SERVER fr_ctr OPTIONS (filename '/tmp/protobuf_fdw_test/container_bad_wiretype.pb',
                      framing 'container', container 'ctr.Dump.rows');
SELECT * FROM c_bad_wiretype;
SELECT * FROM c_bad_wiretype LIMIT 1;
-- a tag of field 0 after row 1, and a top-level field cut by the end of the file
CREATE FOREIGN TABLE c_field0 (id int8)
  SERVER fr_ctr OPTIONS (filename '/tmp/protobuf_fdw_test/container_field0.pb',
                      framing 'container', container 'ctr.Dump.rows');
SELECT * FROM c_field0;
CREATE FOREIGN TABLE c_header_trunc (id int8)
  SERVER fr_ctr OPTIONS (filename '/tmp/protobuf_fdw_test/container_header_trunc.pb',
                      framing 'container', container 'ctr.Dump.rows');
SELECT * FROM c_header_trunc;
\pset null ''

-- clean up
SET client_min_messages = warning;
DROP SERVER fr_bench, fr_ctr CASCADE;
RESET client_min_messages;
