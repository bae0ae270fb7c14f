--
-- COPY ... FROM ... (FORMAT protobuf): rows from protobuf files on the server and from the
-- client (psql's \copy sends the file as COPY FROM STDIN), through COPY's own insert path.
-- Fixtures: test/fixtures/copy/ (python3-protobuf); the oracle is events.csv, written by the
-- same Python objects, loaded by COPY (FORMAT csv).
--
SET extra_float_digits = 0;
\set desc `base64 -w0 /tmp/protobuf_fdw_test/copy/bench.desc`
CREATE SERVER copy_pb FOREIGN DATA WRAPPER protobuf_fdw OPTIONS (descriptor :'desc');

CREATE TABLE cp_oracle (id bigint, user_id text, ts_micros bigint, amount float8, quantity int,
                        is_test bool, country text, url text, status bigint, score float4);
COPY cp_oracle FROM '/tmp/protobuf_fdw_test/copy/events.csv' (FORMAT csv, FORCE_NOT_NULL (user_id, country));
CREATE TABLE cp_ev (LIKE cp_oracle);
-- the rows differing between a table and the oracle, both ways
CREATE FUNCTION cp_differ(t regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM ((TABLE %s EXCEPT ALL TABLE cp_oracle) UNION ALL (TABLE cp_oracle EXCEPT ALL TABLE %s)) x', t, t) INTO n;
  RETURN n;
END $$;

-- from the client, delimited: the oracle's 1000 rows exactly
\copy cp_ev FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_pb', message 'bench.Event')
SELECT count(*), cp_differ('cp_ev') AS differ FROM cp_ev;
SELECT * FROM cp_ev WHERE id IN (1, 50, -100, -1000) ORDER BY id;

-- from a server file, zstd (given) and gzip (detected)
TRUNCATE cp_ev;
COPY cp_ev FROM '/tmp/protobuf_fdw_test/copy/events.pb.zst' (FORMAT protobuf, server 'copy_pb', message 'bench.Event', compression 'zstd');
SELECT count(*), cp_differ('cp_ev') AS differ FROM cp_ev;
TRUNCATE cp_ev;
\copy cp_ev FROM '/tmp/protobuf_fdw_test/copy/events.pb.gz' (FORMAT protobuf, server 'copy_pb', message 'bench.Event')
SELECT count(*), cp_differ('cp_ev') AS differ FROM cp_ev;

-- one Batch, its events the rows (framing 'container'); the message comes from the path
TRUNCATE cp_ev;
\copy cp_ev FROM '/tmp/protobuf_fdw_test/copy/batch.pb' (FORMAT protobuf, server 'copy_pb', framing 'container', container 'bench.Batch.events')
SELECT count(*), cp_differ('cp_ev') AS differ FROM cp_ev;

-- descriptor_set instead of a server
TRUNCATE cp_ev;
COPY cp_ev FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, descriptor_set '/tmp/protobuf_fdw_test/copy/bench.desc', message 'bench.Event');
SELECT count(*) FROM cp_ev;

-- a column list, fields (column -> path), a default, WHERE, a CHECK, an index, a BEFORE ROW
-- trigger: COPY's own insert path
CREATE TABLE cp_some (id bigint PRIMARY KEY, land text CHECK (land <> 'XX'), amount float8,
                      loaded text DEFAULT 'copy', n int);
CREATE FUNCTION cp_some_n() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN NEW.n := length(NEW.land); RETURN NEW; END $$;
CREATE TRIGGER cp_some_n BEFORE INSERT ON cp_some FOR EACH ROW EXECUTE FUNCTION cp_some_n();
\copy cp_some (id, land, amount) FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_pb', message 'bench.Event', fields '{"land": "country"}') WHERE id BETWEEN 1 AND 5
SELECT * FROM cp_some ORDER BY id;
-- the primary key refuses the second load: nothing of it stays
\copy cp_some (id, land, amount) FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_pb', message 'bench.Event', fields '{"land": "country"}') WHERE id BETWEEN 4 AND 8
SELECT count(*) FROM cp_some;

-- domain columns between Datum-carried ones: their values go through the domain's receive
-- function, which checks them; the rows equal the oracle's
CREATE DOMAIN cp_code AS text CHECK (length(VALUE) <= 5);
CREATE DOMAIN cp_positive AS float8 CHECK (VALUE > -1e300);
CREATE TABLE cp_dom (id bigint, user_id text, ts_micros bigint, amount cp_positive, quantity int,
                     is_test bool, country cp_code, url text, status bigint, score float4);
\copy cp_dom FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_pb', message 'bench.Event')
SELECT count(*), cp_differ('cp_dom') AS differ FROM cp_dom;
TRUNCATE cp_dom;
ALTER DOMAIN cp_code ADD CONSTRAINT not_us CHECK (VALUE <> 'US');
\copy cp_dom FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_pb', message 'bench.Event')
SELECT count(*) FROM cp_dom;
DROP TABLE cp_dom;
DROP DOMAIN cp_code, cp_positive;

-- a column with no field of its name: the hint names COPY's option fields
CREATE TABLE cp_ident (ident bigint);
\copy cp_ident FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_pb', message 'bench.Event')
\copy cp_ident FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_pb', message 'bench.Event', fields '{"ident": "id"}')
SELECT count(*), sum(ident) = (SELECT sum(id) FROM cp_oracle) AS same_sum FROM cp_ident;
DROP TABLE cp_ident;

-- partition routing
CREATE TABLE cp_part (id bigint, country text) PARTITION BY LIST (country);
CREATE TABLE cp_part_eu PARTITION OF cp_part FOR VALUES IN ('DE', 'FR', 'GB');
CREATE TABLE cp_part_rest PARTITION OF cp_part DEFAULT;
\copy cp_part FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_pb', message 'bench.Event')
SELECT tableoid::regclass, count(*) FROM cp_part GROUP BY 1 ORDER BY 1;
SELECT count(*) AS oracle_eu FROM cp_oracle WHERE country IN ('DE', 'FR', 'GB');

-- FREEZE, into a table created in the same transaction
BEGIN;
CREATE TABLE cp_frozen (id bigint, url text);
COPY cp_frozen FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_pb', message 'bench.Event', freeze true);
COMMIT;
SELECT count(*) FROM cp_frozen;

-- bad input: an error with the message number and byte offset, and nothing committed
TRUNCATE cp_ev;
\copy cp_ev FROM '/tmp/protobuf_fdw_test/copy/trunc.pb' (FORMAT protobuf, server 'copy_pb', message 'bench.Event')
SELECT count(*) FROM cp_ev;
-- on_error 'skip' keeps the 500 whole messages and says what it skipped
\copy cp_ev FROM '/tmp/protobuf_fdw_test/copy/trunc.pb' (FORMAT protobuf, server 'copy_pb', message 'bench.Event', on_error 'skip')
SELECT count(*) FROM cp_ev;
TRUNCATE cp_ev;
\copy cp_ev FROM '/tmp/protobuf_fdw_test/copy/bad_utf8.pb' (FORMAT protobuf, server 'copy_pb', message 'bench.Event')
\copy cp_ev FROM '/tmp/protobuf_fdw_test/copy/bad_utf8.pb' (FORMAT protobuf, server 'copy_pb', message 'bench.Event', on_error 'skip')
SELECT id, user_id FROM cp_ev ORDER BY id;
\copy cp_ev FROM '/tmp/protobuf_fdw_test/copy/bad_utf8.pb' (FORMAT protobuf, server 'copy_pb', message 'bench.Event', reject_limit 1)
-- a type that cannot hold a value: the column and field are named
CREATE TABLE cp_narrow (id bigint, status int);
\copy cp_narrow FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_pb', message 'bench.Event')

-- the options
\copy cp_ev FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_pb', message 'bench.Event', header true)
\copy cp_ev FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, message 'bench.Event')
\copy cp_ev FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_pb')
\copy cp_ev FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_pb', message 'bench.Nope')
\copy cp_ev FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_pb', message 'bench.Event', framing 'lines')
\copy cp_ev FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_pb', message 'bench.Event', message 'bench.Event')
\copy cp_ev FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'nosuch', message 'bench.Event')
\copy cp_some (id, land) FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_pb', message 'bench.Event')
-- a CHECK constraint refuses a row (id 6 has country ''): nothing of the load stays
ALTER TABLE cp_some ADD CONSTRAINT cp_some_land_set CHECK (land <> '');
\copy cp_some (id, land) FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_pb', message 'bench.Event', fields '{"land": "country"}') WHERE id > 5
SELECT count(*) FROM cp_some;
\copy cp_some (id, land) FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_pb', message 'bench.Event', fields '{"land": "country", "amount": "amount"}')
\copy cp_some (id, land) FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT protobuf, server 'copy_pb', message 'bench.Event', fields '["country"]')
COPY cp_ev FROM PROGRAM 'cat /dev/null' (FORMAT protobuf, server 'copy_pb', message 'bench.Event');
-- every other COPY is PostgreSQL's own: text, csv, binary; and parquet is no input format
COPY cp_some (id, land) FROM STDIN (FORMAT csv);
100,ZZ
\.
SELECT id, land, n FROM cp_some WHERE id = 100;
COPY cp_ev FROM '/tmp/protobuf_fdw_test/copy/events.pb' (FORMAT parquet);
