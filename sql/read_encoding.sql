--
-- Reading into a database whose encoding is not UTF-8 (LATIN1): strings are converted from
-- UTF-8 to the database encoding (README: "in a database whose encoding is not UTF-8 they are
-- converted to it"), so Latin-1 characters arrive as their one-byte Latin-1 codes; a
-- character Latin-1 has no code for is PostgreSQL's conversion error, and bytes that are not
-- UTF-8 are refused as in a UTF-8 database.  The export converts back to UTF-8 (README,
-- parquet_export).  Data: test/fixtures/readside (gen_readside.py).
--
SELECT current_database() AS rd_home \gset
CREATE DATABASE pbfdw_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c pbfdw_latin1
SET client_encoding = 'UTF8';
SELECT getdatabaseencoding();
CREATE EXTENSION protobuf_fdw;
CREATE SERVER rd_srv FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/readside/readside.desc');
CREATE FOREIGN TABLE rd_latin1 (id bigint, s text)
  SERVER rd_srv OPTIONS (message 'rs.Text', filename '/tmp/protobuf_fdw_test/readside/latin1.pb');
SELECT id, s, length(s) AS chars, octet_length(s) AS bytes, convert_to(s, 'LATIN1') AS latin1 FROM rd_latin1 ORDER BY id;
-- the bytes stored are the Latin-1 codes (é e9, ß df, ï ef, À c0, ÿ ff, Þ de, ¡ a1, ¿ bf, £ a3)
SELECT id, convert_to(s, 'LATIN1') = want AS latin1_bytes_as_expected
  FROM rd_latin1 JOIN (VALUES (1, '\x636166e9'::bytea), (2, '\x53747261df65'::bytea),
                              (3, '\x6e61ef766520c0ffde20a1bf20a3'::bytea)) v(id, want) USING (id)
  ORDER BY id;
-- as varchar(n) and char(n): the lengths are in characters (message 3 has 14, 22 bytes in UTF-8)
CREATE FOREIGN TABLE rd_latin1_n (id bigint, s varchar(14), c char(15))
  SERVER rd_srv OPTIONS (message 'rs.Text', filename '/tmp/protobuf_fdw_test/readside/latin1.pb');
ALTER FOREIGN TABLE rd_latin1_n ALTER COLUMN c OPTIONS (ADD field 's');
SELECT id, s, c, octet_length(c) AS c_bytes FROM rd_latin1_n ORDER BY id;
-- not in Latin-1: the euro sign, CJK
CREATE FOREIGN TABLE rd_euro (id bigint, s text)
  SERVER rd_srv OPTIONS (message 'rs.Text', filename '/tmp/protobuf_fdw_test/readside/euro.pb');
SELECT id, s FROM rd_euro ORDER BY id;
CREATE FOREIGN TABLE rd_cjk (id bigint, s text)
  SERVER rd_srv OPTIONS (message 'rs.Text', filename '/tmp/protobuf_fdw_test/readside/cjk.pb');
SELECT id, s FROM rd_cjk;
-- a conversion error is a data error: on_error 'skip' skips the message
CREATE FOREIGN TABLE rd_euro_skip (id bigint, s text)
  SERVER rd_srv OPTIONS (message 'rs.Text', filename '/tmp/protobuf_fdw_test/readside/euro.pb',
                         on_error 'skip');
SELECT id, s FROM rd_euro_skip ORDER BY id;
-- the id alone needs no conversion
SELECT id FROM rd_euro ORDER BY id;
-- bytes that are not UTF-8
CREATE FOREIGN TABLE rd_bad (id bigint, s text)
  SERVER rd_srv OPTIONS (message 'rs.Text', filename '/tmp/protobuf_fdw_test/readside/bad_utf8.pb');
SELECT id, s FROM rd_bad;
-- parquet_export writes UTF-8 again: DuckDB reads the same characters back
SELECT rows FROM parquet_export('SELECT id, s FROM rd_latin1 ORDER BY id', '/tmp/protobuf_fdw_test/readside/latin1.parquet');
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/readside/latin1.parquet "SELECT id, s, strlen(s) AS utf8_bytes FROM t ORDER BY id"
\c :rd_home
DROP DATABASE pbfdw_latin1;
