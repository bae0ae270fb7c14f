--
-- Compression (issue 5): option compression 'auto' (default: gzip and zstd recognised by
-- their magic bytes), 'none', 'gzip', 'zstd'; every framing, one gzip member or two, one zstd
-- frame or two; the meta offset is the offset in the decompressed stream.  Data:
-- test/fixtures/sources/gen_sources.py (the 50 events: row signature
-- 89dc22d62c1d5eb687b8567f6a2c5c92; the 30000 big events: f9a2f370ae14328f53c626b60aaac9a4).
--
CREATE SERVER src_cmp FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/sources/sources.desc');
CREATE TABLE cmp_offsets (file text, ordinal bigint, off bigint, id bigint);
COPY cmp_offsets FROM '/tmp/protobuf_fdw_test/sources/offsets.csv' (FORMAT csv);

-- cmp(file, framing, compression): reads sources/<file> and returns the row count, the row
-- signature, how many rows have the (ordinal, offset) the generator wrote for the plain file
-- <plain> (offsets.csv), and the meta filename
CREATE FUNCTION cmp(file text, framing text, compression text DEFAULT NULL,
                    OUT n bigint, OUT sig text, OUT offsets_as_plain bigint, OUT fname text)
LANGUAGE plpgsql AS $$
DECLARE
  plain text := substring(file FROM '^[a-z0-9_]+\.[a-z0-9]+\.pb');
BEGIN
  EXECUTE format('CREATE FOREIGN TABLE cmp_t (id bigint, name text, amount float8, big numeric,
                    tags int4[], flag bool, note text,
                    fname text OPTIONS (meta ''filename''), off bigint OPTIONS (meta ''offset''),
                    ord bigint OPTIONS (meta ''ordinal''))
                  SERVER src_cmp OPTIONS (filename %L, message ''sources.Event'', framing %L %s %s)',
                 '/tmp/protobuf_fdw_test/sources/' || file, framing,
                 CASE WHEN framing = 'container' THEN ', container ''sources.Batch.events''' ELSE '' END,
                 CASE WHEN compression IS NOT NULL THEN format(', compression %L', compression) ELSE '' END);
  SELECT count(*),
         md5(string_agg(concat_ws(':', t.id, t.name, t.amount, t.big, t.tags, t.flag::int, t.note),
                        ',' ORDER BY t.id)),
         count(o.id), min(t.fname)
    INTO n, sig, offsets_as_plain, fname
    FROM cmp_t t LEFT JOIN cmp_offsets o
      ON o.file = plain AND o.ordinal = t.ord AND o.off = t.off AND o.id = t.id;
  DROP FOREIGN TABLE cmp_t;
END $$;

-- every framing, gzip and zstd, one member / frame or two (split inside a record), detected
SELECT * FROM cmp('events.delim.pb.gz', 'delimited');
SELECT * FROM cmp('events.delim.pb.2.gz', 'delimited');
SELECT * FROM cmp('events.delim.pb.zst', 'delimited');
SELECT * FROM cmp('events.delim.pb.2.zst', 'delimited');
SELECT * FROM cmp('events.container.pb.gz', 'container');
SELECT * FROM cmp('events.container.pb.2.gz', 'container');
SELECT * FROM cmp('events.container.pb.zst', 'container');
SELECT * FROM cmp('events.container.pb.2.zst', 'container');
SELECT * FROM cmp('events.fixed32be.pb.gz', 'fixed32be');
SELECT * FROM cmp('events.fixed32be.pb.2.gz', 'fixed32be');
SELECT * FROM cmp('events.fixed32be.pb.zst', 'fixed32be');
SELECT * FROM cmp('events.fixed32be.pb.2.zst', 'fixed32be');
SELECT * FROM cmp('events.fixed32le.pb.gz', 'fixed32le');
SELECT * FROM cmp('events.fixed32le.pb.2.gz', 'fixed32le');
SELECT * FROM cmp('events.fixed32le.pb.zst', 'fixed32le');
SELECT * FROM cmp('events.fixed32le.pb.2.zst', 'fixed32le');
SELECT * FROM cmp('events.tfrecord.pb.gz', 'tfrecord');
SELECT * FROM cmp('events.tfrecord.pb.2.gz', 'tfrecord');
SELECT * FROM cmp('events.tfrecord.pb.zst', 'tfrecord');
SELECT * FROM cmp('events.tfrecord.pb.2.zst', 'tfrecord');
-- named explicitly
SELECT * FROM cmp('events.delim.pb.2.gz', 'delimited', 'gzip');
SELECT * FROM cmp('events.tfrecord.pb.2.zst', 'tfrecord', 'zstd');
SELECT * FROM cmp('events.delim.pb', 'delimited', 'none');
SELECT * FROM cmp('events.delim.pb', 'delimited', 'auto');

-- a gzip header with every optional part; a zstd skippable frame between two frames; one
-- before the first frame, read with compression 'zstd' (the file does not start with the
-- zstd magic number, so 'auto' reads it as plain bytes)
SELECT * FROM cmp('events.delim.pb.hdr.gz', 'delimited');
SELECT * FROM cmp('events.delim.pb.skip.zst', 'delimited');
SELECT * FROM cmp('events.delim.pb.skipfirst.zst', 'delimited', 'zstd');
-- more than the 1 MiB read buffer once decompressed (1942544 bytes, 30000 messages)
SELECT n, sig FROM cmp('big.delim.pb.gz', 'delimited');
SELECT n, sig FROM cmp('big.delim.pb.zst', 'delimited');
SELECT n, sig FROM cmp('big.tfrecord.pb.zst', 'tfrecord');
SELECT n, sig FROM cmp('big.container.pb.gz', 'container');

-- single: one compressed message (event 7); a compressed empty stream
CREATE FOREIGN TABLE cmp_single (id bigint, name text, note text, off bigint OPTIONS (meta 'offset'))
  SERVER src_cmp OPTIONS (filename '/tmp/protobuf_fdw_test/sources/single_one.pb.gz',
                          message 'sources.Event', framing 'single');
SELECT * FROM cmp_single;
ALTER FOREIGN TABLE cmp_single OPTIONS (SET filename '/tmp/protobuf_fdw_test/sources/single_one.pb.zst');
SELECT * FROM cmp_single;
ALTER FOREIGN TABLE cmp_single OPTIONS (SET filename '/tmp/protobuf_fdw_test/sources/empty.pb.gz');
SELECT * FROM cmp_single;
ALTER FOREIGN TABLE cmp_single OPTIONS (SET filename '/tmp/protobuf_fdw_test/sources/empty.pb.zst');
SELECT * FROM cmp_single;
SELECT n FROM cmp('empty.pb.gz', 'delimited');
SELECT n FROM cmp('empty.pb.zst', 'tfrecord');

-- inputs shorter than a magic number: the byte 00 (one empty message) and the byte 1f (a
-- length of 31, then the end of the file)
CREATE FOREIGN TABLE cmp_tiny (id bigint, name text)
  SERVER src_cmp OPTIONS (filename '/tmp/protobuf_fdw_test/sources/tiny.pb', message 'sources.Event');
SELECT * FROM cmp_tiny;
ALTER FOREIGN TABLE cmp_tiny OPTIONS (SET filename '/tmp/protobuf_fdw_test/sources/tiny_1f.pb');
SELECT * FROM cmp_tiny;

-- 'none' reads the bytes as they are: magic_gzip.pb / magic_zstd.pb are plain delimited files
-- whose first bytes are 1f 8b 08 / 28 b5 2f fd
CREATE FOREIGN TABLE cmp_magic (id bigint, name text)
  SERVER src_cmp OPTIONS (filename '/tmp/protobuf_fdw_test/sources/magic_gzip.pb',
                          message 'sources.Event', compression 'none');
SELECT * FROM cmp_magic;
ALTER FOREIGN TABLE cmp_magic OPTIONS (SET filename '/tmp/protobuf_fdw_test/sources/magic_zstd.pb');
SELECT * FROM cmp_magic;
-- ... while 'auto' takes them for gzip and zstd, and they are not
ALTER FOREIGN TABLE cmp_magic OPTIONS (DROP compression);
SELECT * FROM cmp_magic;
ALTER FOREIGN TABLE cmp_magic OPTIONS (SET filename '/tmp/protobuf_fdw_test/sources/magic_gzip.pb');
SELECT * FROM cmp_magic;

-- a named compression that the data does not have is an error
CREATE FOREIGN TABLE cmp_wrong (id bigint)
  SERVER src_cmp OPTIONS (filename '/tmp/protobuf_fdw_test/sources/events.delim.pb',
                          message 'sources.Event', compression 'gzip');
SELECT count(*) FROM cmp_wrong;
ALTER FOREIGN TABLE cmp_wrong OPTIONS (SET compression 'zstd');
SELECT count(*) FROM cmp_wrong;
ALTER FOREIGN TABLE cmp_wrong OPTIONS (SET filename '/tmp/protobuf_fdw_test/sources/events.delim.pb.gz');
SELECT count(*) FROM cmp_wrong;

-- damaged compressed streams are errors, never a silent short read
ALTER FOREIGN TABLE cmp_wrong OPTIONS (SET filename '/tmp/protobuf_fdw_test/sources/events.delim.pb.trunc.gz',
                                       DROP compression);
SELECT count(*) FROM cmp_wrong;
ALTER FOREIGN TABLE cmp_wrong OPTIONS (SET filename '/tmp/protobuf_fdw_test/sources/events.delim.pb.badcrc.gz');
SELECT count(*) FROM cmp_wrong;
ALTER FOREIGN TABLE cmp_wrong OPTIONS (SET filename '/tmp/protobuf_fdw_test/sources/events.delim.pb.trunc.zst');
SELECT count(*) FROM cmp_wrong;

-- bad values
CREATE FOREIGN TABLE cmp_bad (id bigint)
  SERVER src_cmp OPTIONS (filename '/tmp/protobuf_fdw_test/sources/events.delim.pb',
                          message 'sources.Event', compression 'lz4');
CREATE FOREIGN TABLE cmp_bad (id bigint)
  SERVER src_cmp OPTIONS (filename '/tmp/protobuf_fdw_test/sources/events.delim.pb',
                          message 'sources.Event', compression '');

-- EXPLAIN names the compression
CREATE FOREIGN TABLE cmp_explain (id bigint)
  SERVER src_cmp OPTIONS (filename '/tmp/protobuf_fdw_test/sources/events.delim.pb.zst',
                          message 'sources.Event', compression 'zstd');
EXPLAIN (COSTS OFF) SELECT * FROM cmp_explain;
ALTER FOREIGN TABLE cmp_explain OPTIONS (DROP compression);
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM cmp_explain;

-- clean up
SET client_min_messages = warning;
DROP SERVER src_cmp CASCADE;
DROP TABLE cmp_offsets;
DROP FUNCTION cmp(text, text, text);
RESET client_min_messages;
