--
-- Framings (issue 5): delimited, container, fixed32be, fixed32le, tfrecord and single, each
-- holding the same 50 events (test/fixtures/sources/gen_sources.py, event(i)): count 50,
-- sum(id) 1275, sum(amount) 168.75, sum(big) 1275000008925, 10 notes, row signature
-- 89dc22d62c1d5eb687b8567f6a2c5c92.  The meta columns offset and ordinal are checked against
-- the record starts the generator wrote to offsets.csv.
--
CREATE SERVER src_fr FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/sources/sources.desc');
\pset null '(null)'

-- fr_table(name, options): a foreign table of sources.Event with every field and the three
-- meta columns
CREATE FUNCTION fr_table(tab text, opts text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE FOREIGN TABLE %I (id bigint, name text, amount float8, big numeric,
                    tags int4[], flag bool, note text,
                    fname text OPTIONS (meta ''filename''), off bigint OPTIONS (meta ''offset''),
                    ord bigint OPTIONS (meta ''ordinal''))
                  SERVER src_fr OPTIONS (message ''sources.Event'', %s)', tab, opts);
END $$;
-- fr_sum(name): count, sums and the row signature; in_order: the rows came in file order
CREATE FUNCTION fr_sum(tab text, OUT n bigint, OUT sum_id numeric, OUT sum_amount float8,
                       OUT sum_big numeric, OUT notes bigint, OUT in_order bool, OUT sig text)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SELECT count(*), sum(id), sum(amount), sum(big), count(note),
                         bool_and(id = rn),
                         md5(string_agg(concat_ws('':'', id, name, amount, big, tags, flag::int,
                                                  note), '','' ORDER BY id))
                    FROM (SELECT *, row_number() OVER () AS rn FROM %I) t', tab)
    INTO n, sum_id, sum_amount, sum_big, notes, in_order, sig;
END $$;
-- the record starts the generator wrote: (file, ordinal, offset, id)
CREATE TABLE fr_offsets (file text, ordinal bigint, off bigint, id bigint);
COPY fr_offsets FROM '/tmp/protobuf_fdw_test/sources/offsets.csv' (FORMAT csv);
-- fr_meta(name, file): rows, rows whose (ordinal, offset, id) is the generator's, filenames
CREATE FUNCTION fr_meta(tab text, file text, OUT n bigint, OUT as_encoded bigint,
                        OUT filenames text)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SELECT count(*), count(o.id), string_agg(DISTINCT t.fname, '', '')
                    FROM %I t LEFT JOIN fr_offsets o
                      ON o.file = %L AND o.ordinal = t.ord AND o.off = t.off AND o.id = t.id',
                 tab, file)
    INTO n, as_encoded, filenames;
END $$;

-- delimited (the default): every column of a few rows, then the whole file
SELECT fr_table('fr_delim', $$filename '/tmp/protobuf_fdw_test/sources/events.delim.pb'$$);
SELECT id, name, amount, big, tags, flag, note, off, ord FROM fr_delim
 WHERE id IN (1, 2, 5, 7, 50) ORDER BY id;
SELECT * FROM fr_sum('fr_delim');
SELECT * FROM fr_meta('fr_delim', 'events.delim.pb');
SELECT fr_table('fr_delim2', $$filename '/tmp/protobuf_fdw_test/sources/events.delim.pb',
                               framing 'delimited'$$);
SELECT * FROM fr_sum('fr_delim2');

-- container: sources.Batch with a header before the rows and a count after them; the offset
-- is the row record's tag (row 1 at byte 5, after the 5-byte header field)
SELECT fr_table('fr_container', $$filename '/tmp/protobuf_fdw_test/sources/events.container.pb',
                                  framing 'container', container 'sources.Batch.events'$$);
SELECT id, name, off, ord FROM fr_container WHERE id IN (1, 2, 50) ORDER BY id;
SELECT * FROM fr_sum('fr_container');
SELECT * FROM fr_meta('fr_container', 'events.container.pb');

-- fixed32be and fixed32le: a 4-byte length before each message
SELECT fr_table('fr_be', $$filename '/tmp/protobuf_fdw_test/sources/events.fixed32be.pb',
                           framing 'fixed32be'$$);
SELECT id, name, off, ord FROM fr_be WHERE id IN (1, 2, 50) ORDER BY id;
SELECT * FROM fr_sum('fr_be');
SELECT * FROM fr_meta('fr_be', 'events.fixed32be.pb');
SELECT fr_table('fr_le', $$filename '/tmp/protobuf_fdw_test/sources/events.fixed32le.pb',
                           framing 'fixed32le'$$);
SELECT id, name, off, ord FROM fr_le WHERE id IN (1, 2, 50) ORDER BY id;
SELECT * FROM fr_sum('fr_le');
SELECT * FROM fr_meta('fr_le', 'events.fixed32le.pb');
-- the same bytes read with the other byte order: the first length (26 = 1a 00 00 00) reads
-- as 0x1a000000, over max_message_size: an error, not 50 rows
SELECT fr_table('fr_le_as_be', $$filename '/tmp/protobuf_fdw_test/sources/events.fixed32le.pb',
                                 framing 'fixed32be'$$);
SELECT count(*) > 0 AS read_something FROM fr_le_as_be;

-- tfrecord: both CRCs checked (by default, and with verify_crc 'true'); verify_crc 'false'
-- reads the same rows
SELECT fr_table('fr_tf', $$filename '/tmp/protobuf_fdw_test/sources/events.tfrecord.pb',
                           framing 'tfrecord'$$);
SELECT id, name, off, ord FROM fr_tf WHERE id IN (1, 2, 50) ORDER BY id;
SELECT * FROM fr_sum('fr_tf');
SELECT * FROM fr_meta('fr_tf', 'events.tfrecord.pb');
SELECT fr_table('fr_tf_v', $$filename '/tmp/protobuf_fdw_test/sources/events.tfrecord.pb',
                             framing 'tfrecord', verify_crc 'true'$$);
SELECT * FROM fr_sum('fr_tf_v');
SELECT fr_table('fr_tf_nov', $$filename '/tmp/protobuf_fdw_test/sources/events.tfrecord.pb',
                               framing 'tfrecord', verify_crc 'false'$$);
SELECT * FROM fr_sum('fr_tf_nov');

-- single: the whole file is one message, one row (offset 0, ordinal 1)
SELECT fr_table('fr_single', $$filename '/tmp/protobuf_fdw_test/sources/single/event_03.pb',
                               framing 'single'$$);
SELECT id, name, amount, big, tags, flag, note, off, ord FROM fr_single;
-- one row per file, over a glob and over the directory
SELECT fr_table('fr_single_glob', $$filename '/tmp/protobuf_fdw_test/sources/single/*.pb',
                                    framing 'single'$$);
SELECT id, name, fname, off, ord FROM fr_single_glob;
SELECT fr_table('fr_single_dir', $$filename '/tmp/protobuf_fdw_test/sources/single',
                                   framing 'single'$$);
SELECT id, name, fname, off, ord FROM fr_single_dir;
-- an empty file is one message with every field absent (proto3 defaults; note has presence)
SELECT fr_table('fr_single_empty', $$filename '/tmp/protobuf_fdw_test/sources/single_empty.pb',
                                     framing 'single'$$);
SELECT id, name, amount, big, tags, flag, note, off, ord FROM fr_single_empty;
-- two messages written one after the other are one merged message (the last id wins,
-- the strings' last value wins, repeated fields concatenate)
SELECT fr_table('fr_single_concat', $$filename '/tmp/protobuf_fdw_test/sources/single_concat.pb',
                                      framing 'single'$$);
SELECT id, name, tags FROM fr_single_concat;

-- an empty file: zero rows in every framing but single
SELECT fr_table('fr_empty_delim', $$filename '/tmp/protobuf_fdw_test/sources/empty.pb'$$);
SELECT fr_table('fr_empty_ctr', $$filename '/tmp/protobuf_fdw_test/sources/empty.pb',
                                  framing 'container', container 'sources.Batch.events'$$);
SELECT fr_table('fr_empty_be', $$filename '/tmp/protobuf_fdw_test/sources/empty.pb',
                                 framing 'fixed32be'$$);
SELECT fr_table('fr_empty_le', $$filename '/tmp/protobuf_fdw_test/sources/empty.pb',
                                 framing 'fixed32le'$$);
SELECT fr_table('fr_empty_tf', $$filename '/tmp/protobuf_fdw_test/sources/empty.pb',
                                 framing 'tfrecord'$$);
SELECT (SELECT count(*) FROM fr_empty_delim) AS delimited,
       (SELECT count(*) FROM fr_empty_ctr) AS container,
       (SELECT count(*) FROM fr_empty_be) AS fixed32be,
       (SELECT count(*) FROM fr_empty_le) AS fixed32le,
       (SELECT count(*) FROM fr_empty_tf) AS tfrecord;

-- every framing gives the same rows
SELECT count(*) FROM (
  (SELECT id, name, amount, big, tags, flag, note FROM fr_delim
   EXCEPT SELECT id, name, amount, big, tags, flag, note FROM fr_container)
  UNION ALL
  (SELECT id, name, amount, big, tags, flag, note FROM fr_be
   EXCEPT SELECT id, name, amount, big, tags, flag, note FROM fr_le)
  UNION ALL
  (SELECT id, name, amount, big, tags, flag, note FROM fr_tf
   EXCEPT SELECT id, name, amount, big, tags, flag, note FROM fr_delim)) d;

-- options that cannot work
CREATE FOREIGN TABLE fr_bad1 (id bigint) SERVER src_fr
  OPTIONS (filename '/tmp/protobuf_fdw_test/sources/events.delim.pb', message 'sources.Event',
           framing 'fixed32');
CREATE FOREIGN TABLE fr_bad2 (id bigint) SERVER src_fr
  OPTIONS (filename '/tmp/protobuf_fdw_test/sources/events.tfrecord.pb', message 'sources.Event',
           framing 'tfrecord', verify_crc 'maybe');
-- a container path with a length-prefixed framing is accepted: each record is then a root
-- (sql/nested_*.sql read such files)
CREATE FOREIGN TABLE fr_bad3 (id bigint) SERVER src_fr
  OPTIONS (filename '/tmp/protobuf_fdw_test/sources/events.tfrecord.pb',
           framing 'tfrecord', container 'sources.Batch.events');
DROP FOREIGN TABLE fr_bad3;
CREATE FOREIGN TABLE fr_bad4 (id bigint OPTIONS (meta 'size')) SERVER src_fr
  OPTIONS (filename '/tmp/protobuf_fdw_test/sources/events.delim.pb', message 'sources.Event');
\pset null ''

-- clean up
SET client_min_messages = warning;
DROP SERVER src_fr CASCADE;
DROP TABLE fr_offsets;
DROP FUNCTION fr_table(text, text), fr_sum(text), fr_meta(text, text);
RESET client_min_messages;
