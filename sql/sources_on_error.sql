--
-- on_error 'stop' (default) | 'skip' and reject_limit (issue 5).  With 'skip' a message that
-- fails to decode or convert is skipped; at the end a NOTICE gives the count and the first
-- one (file, message number, offset, reason).  A truncated last message is one bad message;
-- a TFRecord CRC mismatch and a message over max_message_size (length-prefixed framings) are
-- skippable; a malformed delimited length prefix still stops the scan.  Data and offsets:
-- test/fixtures/sources/gen_sources.py ("DAMAGED INPUTS"); ok(i) = Event(id i, name 'ok<i>').
--
CREATE SERVER src_err FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/sources/sources.desc');
-- err_table(name, file, options, columns)
CREATE FUNCTION err_table(tab text, file text, opts text DEFAULT '',
                          cols text DEFAULT 'id bigint, name text, big bigint') RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE FOREIGN TABLE %I (%s, off bigint OPTIONS (meta ''offset''),
                    ord bigint OPTIONS (meta ''ordinal''))
                  SERVER src_err OPTIONS (filename %L, message ''sources.Event'' %s)',
                 tab, cols, '/tmp/protobuf_fdw_test/sources/' || file, opts);
END $$;

-- bad_middle.delim.pb: 10 messages; 4 (offset 24) has an 11-byte varint, 6 (offset 50) an
-- invalid UTF-8 name, 8 (offset 65) big = 2^63 + 5, out of range for bigint
SELECT err_table('err_stop', 'bad_middle.delim.pb');
SELECT * FROM err_stop;
\echo :LAST_ERROR_SQLSTATE
SELECT err_table('err_stop2', 'bad_middle.delim.pb', ', on_error ''stop''');
SELECT * FROM err_stop2;
SELECT err_table('err_skip', 'bad_middle.delim.pb', ', on_error ''skip''');
SELECT * FROM err_skip;
-- only what is read can fail: without name and big, only message 4 is bad; with big as
-- numeric, message 8 is fine
SELECT err_table('err_skip_id', 'bad_middle.delim.pb', ', on_error ''skip''', 'id bigint');
SELECT id, ord FROM err_skip_id;
SELECT err_table('err_skip_num', 'bad_middle.delim.pb', ', on_error ''skip''',
                 'id bigint, name text, big numeric');
SELECT id, name, big, ord FROM err_skip_num;
-- reject_limit: more than N skipped messages is an error
SELECT err_table('err_limit2', 'bad_middle.delim.pb', ', on_error ''skip'', reject_limit ''2''');
SELECT * FROM err_limit2;
SELECT err_table('err_limit3', 'bad_middle.delim.pb', ', on_error ''skip'', reject_limit ''3''');
SELECT id, name, big FROM err_limit3;
-- compressed: the same, with offsets in the decompressed stream
SELECT err_table('err_gz', 'bad_middle.delim.pb.gz', ', on_error ''skip''');
SELECT * FROM err_gz;
SELECT err_table('err_gz_stop', 'bad_middle.delim.pb.gz');
SELECT * FROM err_gz_stop;
-- the same messages as rows of a container (row 4 at 30) and as TFRecords (4 at 69)
SELECT err_table('err_ctr', 'bad_middle.container.pb',
                 ', framing ''container'', container ''sources.Batch.events'', on_error ''skip''');
SELECT * FROM err_ctr;
SELECT err_table('err_ctr_stop', 'bad_middle.container.pb',
                 ', framing ''container'', container ''sources.Batch.events''');
SELECT * FROM err_ctr_stop;
SELECT err_table('err_tf', 'bad_middle.tfrecord.pb', ', framing ''tfrecord'', on_error ''skip''');
SELECT * FROM err_tf;

-- a truncated last message: one bad message (message 6 at 40, 55, 115)
SELECT err_table('err_trunc', 'bad_trunc.delim.pb');
SELECT * FROM err_trunc;
SELECT err_table('err_trunc_skip', 'bad_trunc.delim.pb', ', on_error ''skip''');
SELECT id, off FROM err_trunc_skip;
SELECT err_table('err_trunc_be', 'bad_trunc.fixed32be.pb', ', framing ''fixed32be'', on_error ''skip''');
SELECT id, off FROM err_trunc_be;
SELECT err_table('err_trunc_tf', 'bad_trunc.tfrecord.pb', ', framing ''tfrecord'', on_error ''skip''');
SELECT id, off FROM err_trunc_tf;
SELECT err_table('err_trunc_limit', 'bad_trunc.tfrecord.pb',
                 ', framing ''tfrecord'', on_error ''skip'', reject_limit ''1''');
SELECT count(*) FROM err_trunc_limit;

-- truncated inside a length prefix (40), a fixed32 length (55), a TFRecord header (115), a
-- container's row record (row 6 at 48)
SELECT err_table('err_tp_delim', 'bad_trunc_prefix.delim.pb', ', on_error ''skip''');
SELECT id FROM err_tp_delim;
SELECT err_table('err_tp_le', 'bad_trunc_prefix.fixed32le.pb', ', framing ''fixed32le'', on_error ''skip''');
SELECT id FROM err_tp_le;
SELECT err_table('err_th_tf', 'bad_trunc_header.tfrecord.pb', ', framing ''tfrecord'', on_error ''skip''');
SELECT id FROM err_th_tf;
SELECT err_table('err_trunc_ctr', 'bad_trunc.container.pb',
                 ', framing ''container'', container ''sources.Batch.events'', on_error ''skip''');
SELECT id, off FROM err_trunc_ctr;
SELECT err_table('err_trunc_ctr_stop', 'bad_trunc.container.pb',
                 ', framing ''container'', container ''sources.Batch.events''');
SELECT * FROM err_trunc_ctr_stop;

-- a malformed length prefix (an 11-byte varint at offset 24) cannot be skipped
SELECT err_table('err_prefix', 'bad_prefix.delim.pb', ', on_error ''skip''');
SELECT * FROM err_prefix;
\echo :LAST_ERROR_SQLSTATE

-- TFRecord checksums: record 3 (offset 46) with a bad data CRC, record 2 (offset 23) with a
-- bad length CRC; both skippable; verify_crc 'false' reads every record
SELECT err_table('err_datacrc', 'bad_datacrc.tfrecord.pb', ', framing ''tfrecord''');
SELECT * FROM err_datacrc;
\echo :LAST_ERROR_SQLSTATE
ALTER FOREIGN TABLE err_datacrc OPTIONS (ADD on_error 'skip');
SELECT id, off FROM err_datacrc;
ALTER FOREIGN TABLE err_datacrc OPTIONS (DROP on_error, ADD verify_crc 'false');
SELECT id, off FROM err_datacrc;
SELECT err_table('err_lencrc', 'bad_lencrc.tfrecord.pb', ', framing ''tfrecord''');
SELECT * FROM err_lencrc;
ALTER FOREIGN TABLE err_lencrc OPTIONS (ADD on_error 'skip');
SELECT id, off FROM err_lencrc;
ALTER FOREIGN TABLE err_lencrc OPTIONS (DROP on_error, ADD verify_crc 'false');
SELECT id, off FROM err_lencrc;

-- a message over max_message_size (message 3, 305 bytes, at 16 / 22 / 46)
SELECT err_table('err_big', 'bad_big.delim.pb', ', max_message_size ''100''');
SELECT * FROM err_big;
\echo :LAST_ERROR_SQLSTATE
ALTER FOREIGN TABLE err_big OPTIONS (ADD on_error 'skip');
SELECT id, off FROM err_big;
SELECT err_table('err_big_be', 'bad_big.fixed32be.pb',
                 ', framing ''fixed32be'', max_message_size ''100'', on_error ''skip''');
SELECT id, off FROM err_big_be;
SELECT err_table('err_big_tf', 'bad_big.tfrecord.pb',
                 ', framing ''tfrecord'', max_message_size ''100'', on_error ''skip''');
SELECT id, off FROM err_big_tf;

-- a message of 3 MiB (over max_message_size 1MB and over the 1 MiB read buffer) is skipped
-- without being read into memory, also in a compressed stream; message 3 is at 3145747
SELECT err_table('err_bigskip', 'bad_bigskip.delim.pb', ', max_message_size ''1MB'', on_error ''skip''');
SELECT id, name, off FROM err_bigskip;
SELECT err_table('err_bigskip_gz', 'bad_bigskip.delim.pb.gz', ', max_message_size ''1MB'', on_error ''skip''');
SELECT id, name, off FROM err_bigskip_gz;

-- a length over max_message_size (100 > 10; a TFRecord of 2^40 bytes > 64 MB) whose message is
-- also cut by the end of the file is one bad message: reject_limit 1 is not passed
SELECT err_table('err_overtrunc', 'bad_overtrunc.delim.pb',
                 ', max_message_size ''10'', on_error ''skip'', reject_limit ''1''');
SELECT id, off FROM err_overtrunc;
SELECT err_table('err_hugelen', 'bad_hugelen.tfrecord.pb',
                 ', framing ''tfrecord'', on_error ''skip'', reject_limit ''1''');
SELECT id, off FROM err_hugelen;

-- several files: the count covers them all, the first is in f1.pb (name is read: its
-- invalid UTF-8 is what is bad)
SELECT err_table('err_multi', 'bad_multi', ', on_error ''skip''');
SELECT id, name, ord FROM err_multi;
SELECT err_table('err_multi_stop', 'bad_multi');
SELECT * FROM err_multi_stop;

-- nothing to skip: no NOTICE
SELECT err_table('err_none', 'events.delim.pb', ', on_error ''skip'', reject_limit ''1''');
SELECT count(*), sum(id) FROM err_none;

-- bad option values
CREATE FOREIGN TABLE err_bad (id bigint) SERVER src_err
  OPTIONS (filename '/tmp/protobuf_fdw_test/sources/events.delim.pb', message 'sources.Event',
           on_error 'ignore');
CREATE FOREIGN TABLE err_bad (id bigint) SERVER src_err
  OPTIONS (filename '/tmp/protobuf_fdw_test/sources/events.delim.pb', message 'sources.Event',
           on_error 'skip', reject_limit '0');
CREATE FOREIGN TABLE err_bad (id bigint) SERVER src_err
  OPTIONS (filename '/tmp/protobuf_fdw_test/sources/events.delim.pb', message 'sources.Event',
           on_error 'skip', reject_limit 'many');
CREATE FOREIGN TABLE err_bad (id bigint) SERVER src_err
  OPTIONS (filename '/tmp/protobuf_fdw_test/sources/events.delim.pb', message 'sources.Event',
           reject_limit '5');
CREATE FOREIGN TABLE err_bad (id bigint) SERVER src_err
  OPTIONS (filename '/tmp/protobuf_fdw_test/sources/events.delim.pb', message 'sources.Event',
           on_error 'stop', reject_limit '5');

-- clean up
SET client_min_messages = warning;
DROP SERVER src_err CASCADE;
DROP FUNCTION err_table(text, text, text, text);
RESET client_min_messages;
