--
-- Programs (issue 5): option program reads a shell command's standard output, as file_fdw
-- does; compression 'auto' applies to the stream; the meta filename is the command; a
-- command that exits non-zero is an error; setting it needs superuser or
-- pg_execute_server_program; ANALYZE skips such tables.  Data: test/fixtures/sources/
-- gen_sources.py (the 50 events: row signature 89dc22d62c1d5eb687b8567f6a2c5c92).
--
CREATE SERVER src_prog FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/sources/sources.desc');
CREATE TABLE prog_offsets (file text, ordinal bigint, off bigint, id bigint);
COPY prog_offsets FROM '/tmp/protobuf_fdw_test/sources/offsets.csv' (FORMAT csv);
-- prog(program, framing, plain file of the offsets, more options): rows, signature, rows at
-- the generator's offsets, the meta filename
CREATE FUNCTION prog(program text, framing text, plain text, extra text DEFAULT '',
                     OUT n bigint, OUT sig text, OUT as_encoded bigint, OUT fname text)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE FOREIGN TABLE prog_t (id bigint, name text, amount float8, big numeric,
                    tags int4[], flag bool, note text,
                    fname text OPTIONS (meta ''filename''), off bigint OPTIONS (meta ''offset''),
                    ord bigint OPTIONS (meta ''ordinal''))
                  SERVER src_prog OPTIONS (program %L, message ''sources.Event'', framing %L %s)',
                 program, framing, extra);
  SELECT count(*),
         md5(string_agg(concat_ws(':', t.id, t.name, t.amount, t.big, t.tags, t.flag::int, t.note),
                        ',' ORDER BY t.id)),
         count(o.id), min(t.fname)
    INTO n, sig, as_encoded, fname
    FROM prog_t t LEFT JOIN prog_offsets o
      ON o.file = plain AND o.ordinal = t.ord AND o.off = t.off AND o.id = t.id;
  DROP FOREIGN TABLE prog_t;
END $$;

-- cat, zcat, zstd -dc; a compressed stream detected; compression named
SELECT * FROM prog('cat /tmp/protobuf_fdw_test/sources/events.delim.pb', 'delimited', 'events.delim.pb');
SELECT * FROM prog('zcat /tmp/protobuf_fdw_test/sources/events.tfrecord.pb.2.gz', 'tfrecord', 'events.tfrecord.pb');
SELECT * FROM prog('zstd -qdc /tmp/protobuf_fdw_test/sources/events.fixed32le.pb.zst', 'fixed32le', 'events.fixed32le.pb');
SELECT * FROM prog('cat /tmp/protobuf_fdw_test/sources/events.container.pb.zst', 'container', 'events.container.pb',
                   ', container ''sources.Batch.events''');
SELECT * FROM prog('cat /tmp/protobuf_fdw_test/sources/events.fixed32be.pb.2.gz', 'fixed32be', 'events.fixed32be.pb',
                   ', compression ''gzip''');
-- several files through one pipe: the offsets and ordinals run on across them
SELECT * FROM prog('cat /tmp/protobuf_fdw_test/sources/multi/part-0*.pb', 'delimited', 'events.delim.pb');
-- single: the whole output is one message
CREATE FOREIGN TABLE prog_single (id bigint, name text, fname text OPTIONS (meta 'filename'),
                                  ord bigint OPTIONS (meta 'ordinal'))
  SERVER src_prog OPTIONS (program 'cat /tmp/protobuf_fdw_test/sources/single/event_04.pb',
                           message 'sources.Event', framing 'single');
SELECT * FROM prog_single;
-- a command with no output: no rows (single: one message with every field absent)
ALTER FOREIGN TABLE prog_single OPTIONS (SET program 'true');
SELECT * FROM prog_single;
SELECT * FROM prog('true', 'delimited', '-');

-- a command that fails is an error, also after its output was read
CREATE FOREIGN TABLE prog_fail (id bigint)
  SERVER src_prog OPTIONS (program 'exit 3', message 'sources.Event');
SELECT count(*) FROM prog_fail;
ALTER FOREIGN TABLE prog_fail OPTIONS (SET program 'cat /tmp/protobuf_fdw_test/sources/events.delim.pb; exit 1');
SELECT count(*) FROM prog_fail;
ALTER FOREIGN TABLE prog_fail OPTIONS (SET program 'cat /tmp/protobuf_fdw_test/sources/no_such_file.pb 2>/dev/null');
SELECT count(*) FROM prog_fail;
ALTER FOREIGN TABLE prog_fail OPTIONS (SET program 'no_such_command_pbfdw 2>/dev/null');
SELECT count(*) FROM prog_fail;
-- bad data from a program: the error names the command
ALTER FOREIGN TABLE prog_fail OPTIONS (SET program 'cat /tmp/protobuf_fdw_test/sources/bad_trunc.delim.pb');
SELECT count(*) FROM prog_fail;

-- on_error 'skip' on a program's output: the NOTICE names the command
CREATE FOREIGN TABLE prog_skip (id bigint, name text, big bigint, ord bigint OPTIONS (meta 'ordinal'))
  SERVER src_prog OPTIONS (program 'zcat /tmp/protobuf_fdw_test/sources/bad_middle.delim.pb.gz',
                           message 'sources.Event', on_error 'skip');
SELECT * FROM prog_skip;
ALTER FOREIGN TABLE prog_skip OPTIONS (ADD reject_limit '2');
SELECT * FROM prog_skip;

-- a scan that stops early closes the pipe: the command's SIGPIPE is not an error, also for
-- a command that would never end
CREATE FOREIGN TABLE prog_big (id bigint)
  SERVER src_prog OPTIONS (program 'cat /tmp/protobuf_fdw_test/sources/big.delim.pb',
                           message 'sources.Event');
SELECT id FROM prog_big LIMIT 3;
SET statement_timeout = '60s';
CREATE FOREIGN TABLE prog_endless (id bigint, name text)
  SERVER src_prog OPTIONS (program 'cat /dev/zero', message 'sources.Event');
SELECT * FROM prog_endless LIMIT 3;
RESET statement_timeout;
-- a rescan runs the command again
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_material = off;
CREATE FOREIGN TABLE prog_small (id bigint)
  SERVER src_prog OPTIONS (program 'cat /tmp/protobuf_fdw_test/sources/multi/part-01.pb',
                           message 'sources.Event');
SELECT count(*) FROM (VALUES (1), (2), (3)) v(x) JOIN prog_small p ON p.id > v.x;
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_material;

-- ANALYZE skips a program, as file_fdw does
ANALYZE prog_small;
SELECT reltuples FROM pg_class WHERE relname = 'prog_small';

-- EXPLAIN shows the command
EXPLAIN (COSTS OFF) SELECT * FROM prog_small;

-- exactly one of filename and program
CREATE FOREIGN TABLE prog_both (id bigint)
  SERVER src_prog OPTIONS (program 'cat /tmp/protobuf_fdw_test/sources/events.delim.pb',
                           filename '/tmp/protobuf_fdw_test/sources/events.delim.pb',
                           message 'sources.Event');
CREATE FOREIGN TABLE prog_neither (id bigint)
  SERVER src_prog OPTIONS (message 'sources.Event');
CREATE FOREIGN TABLE prog_empty (id bigint)
  SERVER src_prog OPTIONS (program '', message 'sources.Event');

-- permissions: program needs superuser or pg_execute_server_program (pg_read_server_files
-- is not enough), checked when the option is set
CREATE ROLE regress_src_prog_user;
GRANT USAGE ON FOREIGN SERVER src_prog TO regress_src_prog_user;
GRANT CREATE ON SCHEMA public TO regress_src_prog_user;
SET ROLE regress_src_prog_user;
CREATE FOREIGN TABLE prog_user (id bigint)
  SERVER src_prog OPTIONS (program 'cat /tmp/protobuf_fdw_test/sources/events.delim.pb',
                           message 'sources.Event');
RESET ROLE;
GRANT pg_read_server_files TO regress_src_prog_user;
SET ROLE regress_src_prog_user;
CREATE FOREIGN TABLE prog_user (id bigint)
  SERVER src_prog OPTIONS (program 'cat /tmp/protobuf_fdw_test/sources/events.delim.pb',
                           message 'sources.Event');
CREATE FOREIGN TABLE prog_user (id bigint)
  SERVER src_prog OPTIONS (filename '/tmp/protobuf_fdw_test/sources/events.delim.pb',
                           message 'sources.Event');
SELECT count(*) FROM prog_user;
-- switching the table to a program is refused too
ALTER FOREIGN TABLE prog_user OPTIONS (DROP filename,
  ADD program 'cat /tmp/protobuf_fdw_test/sources/events.delim.pb');
RESET ROLE;
REVOKE pg_read_server_files FROM regress_src_prog_user;
GRANT pg_execute_server_program TO regress_src_prog_user;
SET ROLE regress_src_prog_user;
ALTER FOREIGN TABLE prog_user OPTIONS (DROP filename,
  ADD program 'cat /tmp/protobuf_fdw_test/sources/events.delim.pb');
SELECT count(*), sum(id) FROM prog_user;
RESET ROLE;
DROP FOREIGN TABLE prog_user;
REVOKE pg_execute_server_program FROM regress_src_prog_user;
REVOKE CREATE ON SCHEMA public FROM regress_src_prog_user;
REVOKE USAGE ON FOREIGN SERVER src_prog FROM regress_src_prog_user;
DROP ROLE regress_src_prog_user;

-- clean up
SET client_min_messages = warning;
DROP SERVER src_prog CASCADE;
DROP TABLE prog_offsets;
DROP FUNCTION prog(text, text, text, text);
RESET client_min_messages;
