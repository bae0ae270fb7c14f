--
-- A file read with the wrong framing or compression (issue 13): the error gets a HINT naming
-- the framing or compression the file's first bytes look like (src/stream/sniff.c); a file
-- that looks like what the options say gets no such hint.  Data: test/fixtures/input13 (20
-- sources.Event of 200 to 260 bytes, written by Python's protobuf in every length-prefixed
-- framing, and compressed by the gzip and zstd tools).
--
CREATE SERVER hint FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/input13/input13.desc');
CREATE FOREIGN TABLE hint_t (id bigint, name text) SERVER hint
  OPTIONS (filename '/tmp/protobuf_fdw_test/input13/hint.fixed32be.pb', message 'sources.Event');
\set VERBOSITY default
-- the issue's cases: fixed32be read as delimited, and as fixed32le
SELECT count(*) FROM hint_t;
ALTER FOREIGN TABLE hint_t OPTIONS (ADD framing 'fixed32le');
SELECT count(*) FROM hint_t;
-- read right: 20 rows
ALTER FOREIGN TABLE hint_t OPTIONS (SET framing 'fixed32be');
SELECT count(*), sum(id) FROM hint_t;
-- fixed32le read as fixed32be
ALTER FOREIGN TABLE hint_t OPTIONS (SET filename '/tmp/protobuf_fdw_test/input13/hint.fixed32le.pb');
SELECT count(*) FROM hint_t;
-- a TFRecord file read as delimited; a delimited one read as tfrecord
ALTER FOREIGN TABLE hint_t OPTIONS (SET filename '/tmp/protobuf_fdw_test/input13/hint.tfrecord.pb',
                                    SET framing 'delimited');
SELECT count(*) FROM hint_t;
ALTER FOREIGN TABLE hint_t OPTIONS (SET filename '/tmp/protobuf_fdw_test/input13/hint.delim.pb',
                                    SET framing 'tfrecord');
SELECT count(*) FROM hint_t;
-- a zstd file read with compression 'gzip', and with 'none'
ALTER FOREIGN TABLE hint_t OPTIONS (SET filename '/tmp/protobuf_fdw_test/input13/hint.delim.pb.zst',
                                    SET framing 'delimited', ADD compression 'gzip');
SELECT count(*) FROM hint_t;
ALTER FOREIGN TABLE hint_t OPTIONS (SET compression 'none');
SELECT count(*) FROM hint_t;
-- a gzip file read with compression 'none', and with 'zstd'
ALTER FOREIGN TABLE hint_t OPTIONS (SET filename '/tmp/protobuf_fdw_test/input13/hint.delim.pb.gz');
SELECT count(*) FROM hint_t;
ALTER FOREIGN TABLE hint_t OPTIONS (SET compression 'zstd');
SELECT count(*) FROM hint_t;
-- a plain file read with compression 'gzip'
ALTER FOREIGN TABLE hint_t OPTIONS (SET filename '/tmp/protobuf_fdw_test/input13/hint.delim.pb',
                                    SET compression 'gzip');
SELECT count(*) FROM hint_t;
-- a file in the right framing gets no framing hint: a message over max_message_size keeps
-- the hint to raise it
ALTER FOREIGN TABLE hint_t OPTIONS (SET compression 'none', ADD max_message_size '100');
SELECT count(*) FROM hint_t;
