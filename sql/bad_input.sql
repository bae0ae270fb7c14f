--
-- Bad input: each is an ERROR with an error code (shown by \echo :LAST_ERROR_SQLSTATE), a
-- clear message, and a CONTEXT line naming the foreign table, the file, the 1-based message
-- number and the byte offset where the message's record starts; the session goes on.
-- Data: bad_*.pb and friends from test/fixtures/gen_fixtures.py.  In every bad_*.pb,
-- message 1 (id 1, f_string 'ok') is fine and message 2, whose record starts at byte 7, is bad.
--
CREATE SERVER bi3 FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/scalars3.desc');
CREATE FUNCTION pb_table(tab text, file text, extra text DEFAULT '') RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE FOREIGN TABLE %I (id int4, f_string text, f_int32 int4) SERVER bi3
                  OPTIONS (filename %L, message %L %s)',
                 tab, '/tmp/protobuf_fdw_test/' || file, 's3.Scalars', extra);
END $$;

-- EOF inside a length prefix
SELECT pb_table('trunc_prefix', 'bad_trunc_prefix.pb');
SELECT * FROM trunc_prefix;
\echo :LAST_ERROR_SQLSTATE
-- EOF inside a message body
SELECT pb_table('trunc_body', 'bad_trunc_body.pb');
SELECT * FROM trunc_body;
\echo :LAST_ERROR_SQLSTATE
-- a string whose length runs past the end of its message (not of the file)
SELECT pb_table('len_past_end', 'bad_len_past_end.pb');
SELECT * FROM len_past_end;
\echo :LAST_ERROR_SQLSTATE
-- an 11-byte varint in a message, and as a length prefix
SELECT pb_table('varint11', 'bad_varint11.pb');
SELECT * FROM varint11;
\echo :LAST_ERROR_SQLSTATE
SELECT pb_table('varint11_prefix', 'bad_varint11_prefix.pb');
SELECT * FROM varint11_prefix;
\echo :LAST_ERROR_SQLSTATE
-- wire types 6 and 7
SELECT pb_table('wiretype6', 'bad_wiretype6.pb');
SELECT * FROM wiretype6;
\echo :LAST_ERROR_SQLSTATE
SELECT pb_table('wiretype7', 'bad_wiretype7.pb');
SELECT * FROM wiretype7;
\echo :LAST_ERROR_SQLSTATE
-- field number 0
SELECT pb_table('field0', 'bad_field0.pb');
SELECT * FROM field0;
\echo :LAST_ERROR_SQLSTATE
-- groups nested 101 deep (100 is fine: see wire.sql)
SELECT pb_table('deep101', 'bad_deep101.pb');
SELECT * FROM deep101;
\echo :LAST_ERROR_SQLSTATE
-- an end-group tag without its start-group, and a group closed by another field's end-group
SELECT pb_table('egroup', 'bad_egroup.pb');
SELECT * FROM egroup;
\echo :LAST_ERROR_SQLSTATE
SELECT pb_table('group_mismatch', 'bad_group_mismatch.pb');
SELECT * FROM group_mismatch;
\echo :LAST_ERROR_SQLSTATE
-- a fixed64 field cut by the end of its message
SELECT pb_table('fixed64_cut', 'bad_fixed64_cut.pb');
SELECT * FROM fixed64_cut;
\echo :LAST_ERROR_SQLSTATE
-- invalid UTF-8 in a string read as text; the same message is fine when the string is not read
SELECT pb_table('bad_utf8', 'bad_utf8.pb');
SELECT * FROM bad_utf8;
\echo :LAST_ERROR_SQLSTATE
SELECT id FROM bad_utf8;
-- a NUL byte in a string read as text
SELECT pb_table('bad_nul', 'bad_nul.pb');
SELECT * FROM bad_nul;
\echo :LAST_ERROR_SQLSTATE
-- proto2 strings are validated too (message 2 of s2_bad_utf8.pb starts at byte 8)
CREATE FOREIGN TABLE s2_bad_utf8 (id int4, f_string text)
  SERVER bi3 OPTIONS (filename '/tmp/protobuf_fdw_test/s2_bad_utf8.pb', message 's2.Scalars',
                      descriptor_set '/tmp/protobuf_fdw_test/scalars2.desc');
SELECT * FROM s2_bad_utf8;
\echo :LAST_ERROR_SQLSTATE

-- max_message_size: message 1 of big.pb is exactly 100 bytes, message 2 (at byte 101) is 101
SELECT pb_table('big100', 'big.pb', ', max_message_size ''100''');
SELECT id, length(f_string) FROM big100 LIMIT 1;
SELECT id, length(f_string) FROM big100;
\echo :LAST_ERROR_SQLSTATE
SELECT pb_table('big101', 'big.pb', ', max_message_size ''101''');
SELECT id, length(f_string) FROM big101;
-- a length prefix of 4 GiB - 1 is over the default limit (64 MiB) and over 2 GiB - 1
SELECT pb_table('huge_len', 'bad_huge_len.pb');
SELECT * FROM huge_len;
\echo :LAST_ERROR_SQLSTATE

-- files that cannot be read; an empty file is fine (zero rows)
SELECT pb_table('missing', 'no_such_file.pb');
SELECT * FROM missing;
\echo :LAST_ERROR_SQLSTATE
SELECT pb_table('a_dir', 'adir');
SELECT * FROM a_dir;
\echo :LAST_ERROR_SQLSTATE
SELECT pb_table('unreadable', 'unreadable.pb');
SELECT * FROM unreadable;
\echo :LAST_ERROR_SQLSTATE
SELECT pb_table('empty', 'empty.pb');
SELECT count(*) FROM empty;

-- descriptor sets that cannot be used
SELECT pb_table('desc_missing', 'events.pb',
                ', descriptor_set ''/tmp/protobuf_fdw_test/no_such.desc''');
SELECT * FROM desc_missing;
\echo :LAST_ERROR_SQLSTATE
SELECT pb_table('desc_text', 'events.pb',
                ', descriptor_set ''/tmp/protobuf_fdw_test/not_a_descriptor.desc''');
SELECT * FROM desc_text;
\echo :LAST_ERROR_SQLSTATE
SELECT pb_table('desc_dir', 'events.pb', ', descriptor_set ''/tmp/protobuf_fdw_test/adir''');
SELECT * FROM desc_dir;
\echo :LAST_ERROR_SQLSTATE

-- the session keeps working, and a table can be read again after an error in it
SELECT id, f_string FROM trunc_body LIMIT 1;
SELECT id, f_string FROM bad_utf8 LIMIT 1;
SELECT 'session still works' AS ok;
-- errors caught in subtransactions leak no file descriptor (a leak would run out after a few
-- hundred)
CREATE FUNCTION error_loop(n int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE errs int := 0;
BEGIN
  FOR i IN 1..n LOOP
    BEGIN
      PERFORM * FROM trunc_body;
    EXCEPTION WHEN invalid_binary_representation THEN errs := errs + 1;
    END;
  END LOOP;
  RETURN errs;
END $$;
SELECT error_loop(2000);
DROP FUNCTION error_loop(int);

-- clean up
SET client_min_messages = warning;
DROP SERVER bi3 CASCADE;
DROP FUNCTION pb_table(text, text, text);
RESET client_min_messages;
