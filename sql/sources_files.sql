--
-- Several files (issue 5): filename as a glob or a directory (its regular files, not
-- recursing), read in name order; an empty match is an error; the meta columns filename,
-- offset (in the file) and ordinal (within the file).  Data: test/fixtures/sources/
-- gen_sources.py: multi/part-01.pb .. part-04.pb hold events 1-13, 14-25, 26-38, 39-50
-- (written in reverse order), multi/notes.txt and multi/sub/part-00.pb (ids 101-103) must
-- not be read; dir/ holds a.pb (1-20), b.pb.gz (21-35), c.pb.zst (36-50) and sub/d.pb
-- (ids 901-903, not read).  Row signature of events 1..50: 89dc22d62c1d5eb687b8567f6a2c5c92.
--
CREATE SERVER src_files FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/sources/sources.desc');
CREATE TABLE files_offsets (file text, ordinal bigint, off bigint, id bigint);
COPY files_offsets FROM '/tmp/protobuf_fdw_test/sources/offsets.csv' (FORMAT csv);
CREATE FUNCTION files_table(tab text, filename text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE FOREIGN TABLE %I (id bigint, name text, amount float8, big numeric,
                    tags int4[], flag bool, note text,
                    fname text OPTIONS (meta ''filename''), off bigint OPTIONS (meta ''offset''),
                    ord bigint OPTIONS (meta ''ordinal''))
                  SERVER src_files OPTIONS (filename %L, message ''sources.Event'')', tab, filename);
END $$;
-- files_check(tab): rows, rows in file order (ids ascending as read), row signature, rows
-- whose (file, ordinal, offset) is the generator's
CREATE FUNCTION files_check(tab text, OUT n bigint, OUT in_order bool, OUT sig text,
                            OUT as_encoded bigint)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SELECT count(*), bool_and(t.id > t.prev_id OR t.prev_id IS NULL),
                         md5(string_agg(concat_ws('':'', t.id, t.name, t.amount, t.big, t.tags,
                                                  t.flag::int, t.note), '','' ORDER BY t.id)),
                         count(o.id)
                    FROM (SELECT *, lag(id) OVER () AS prev_id FROM %I) t
                    LEFT JOIN files_offsets o
                      ON ''/tmp/protobuf_fdw_test/sources/'' || o.file = t.fname
                         AND o.ordinal = t.ord AND o.off = t.off AND o.id = t.id', tab)
    INTO n, in_order, sig, as_encoded;
END $$;

-- a glob: the four parts in name order, notes.txt and sub/ left out
SELECT files_table('files_glob', '/tmp/protobuf_fdw_test/sources/multi/*.pb');
SELECT * FROM files_check('files_glob');
SELECT fname, count(*), min(id), max(id), min(ord), max(ord), min(off)
  FROM files_glob GROUP BY fname ORDER BY min(id);
-- the row order is the files' name order, and each file's own order
SELECT string_agg(id::text, ',') AS ids FROM (SELECT id FROM files_glob LIMIT 16) s;
SELECT id, fname, off, ord FROM files_glob WHERE id IN (13, 14, 50) ORDER BY id;
-- a narrower glob, a glob in the directory part, a bracket expression
SELECT files_table('files_glob2', '/tmp/protobuf_fdw_test/sources/multi/part-0[13].pb');
SELECT count(*), min(id), max(id), count(DISTINCT fname) FROM files_glob2;
SELECT files_table('files_glob3', '/tmp/protobuf_fdw_test/sources/mult?/part-*.pb');
SELECT count(*), sum(id) FROM files_glob3;
-- a glob naming one file
SELECT files_table('files_glob4', '/tmp/protobuf_fdw_test/sources/multi/part-0[4].pb');
SELECT count(*), min(id), max(id) FROM files_glob4;

-- a directory: its regular files in name order (each with its own compression), not sub/
SELECT files_table('files_dir', '/tmp/protobuf_fdw_test/sources/dir');
SELECT * FROM files_check('files_dir');
SELECT fname, count(*), min(id), max(id), max(ord) FROM files_dir GROUP BY fname ORDER BY fname;
SELECT files_table('files_dir_slash', '/tmp/protobuf_fdw_test/sources/dir/');
SELECT count(*), sum(id), max(id) FROM files_dir_slash;

-- no file matches: an error when the table is read
SELECT files_table('files_none', '/tmp/protobuf_fdw_test/sources/multi/*.nomatch');
SELECT * FROM files_none;
SELECT files_table('files_none2', '/tmp/protobuf_fdw_test/sources/no_such_dir/*.pb');
SELECT * FROM files_none2;
SELECT files_table('files_empty_dir', '/tmp/protobuf_fdw_test/sources/empty_dir');
SELECT * FROM files_empty_dir;

-- a file that appears after the table was created is read (the glob is expanded per scan)
SELECT files_table('files_later', '/tmp/protobuf_fdw_test/sources/later_*.pb');
SELECT count(*) FROM files_later;
COPY (SELECT 1) TO PROGRAM 'cat >/dev/null; cp /tmp/protobuf_fdw_test/sources/multi/part-02.pb /tmp/protobuf_fdw_test/sources/later_1.pb';
SELECT count(*), min(id), max(id) FROM files_later;
COPY (SELECT 1) TO PROGRAM 'cat >/dev/null; rm /tmp/protobuf_fdw_test/sources/later_1.pb';

-- a rescan (inner side of a nested loop) reads every file again
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_material = off;
SELECT count(*) FROM files_glob2 a JOIN files_dir b ON a.id = b.id;
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_material;

-- EXPLAIN of a glob and of a directory
EXPLAIN (COSTS OFF) SELECT * FROM files_glob;
EXPLAIN (COSTS OFF) SELECT * FROM files_dir;

-- clean up
SET client_min_messages = warning;
DROP SERVER src_files CASCADE;
DROP TABLE files_offsets;
DROP FUNCTION files_table(text, text), files_check(text);
RESET client_min_messages;
