--
-- The descriptor-set cache (README: parsed once per backend, cached by path, size and
-- modification time).  A set replaced by another of EXACTLY the same size but other bytes,
-- with a new mtime, must be parsed again by the next query of the same session; a new mtime
-- over the same bytes changes nothing.  Data: test/fixtures/readside: pair_ab.desc (rs.Pair
-- a = 1, b = 2), pair_ba.desc (a = 2, b = 1), pair_ac.desc (a = 1, c = 2), all three of one
-- size (generate.sh checks it); pair.pb holds field 1 = 10, field 2 = 20.
--
\! cp /tmp/protobuf_fdw_test/readside/pair_ab.desc /tmp/protobuf_fdw_test/readside/cache.desc
\! touch -d '2001-02-03 04:05:06' /tmp/protobuf_fdw_test/readside/cache.desc
CREATE SERVER rc_srv FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/readside/cache.desc');
CREATE FOREIGN TABLE rc_pair (a bigint, b bigint)
  SERVER rc_srv OPTIONS (message 'rs.Pair', filename '/tmp/protobuf_fdw_test/readside/pair.pb');
SELECT (pg_stat_file('/tmp/protobuf_fdw_test/readside/cache.desc')).size AS size_before,
       (pg_stat_file('/tmp/protobuf_fdw_test/readside/cache.desc')).modification AS mtime_before \gset
SELECT a, b FROM rc_pair;
-- the numbers swapped, same size, a new mtime: the next query reads a from field 2
\! cp /tmp/protobuf_fdw_test/readside/pair_ba.desc /tmp/protobuf_fdw_test/readside/cache.desc
\! touch -d '2001-02-03 04:05:07' /tmp/protobuf_fdw_test/readside/cache.desc
SELECT (pg_stat_file('/tmp/protobuf_fdw_test/readside/cache.desc')).size = :size_before AS same_size,
       (pg_stat_file('/tmp/protobuf_fdw_test/readside/cache.desc')).modification
         - :'mtime_before'::timestamptz AS mtime_moved_by,
       cmp_bytes AS other_bytes
  FROM (SELECT pg_read_binary_file('/tmp/protobuf_fdw_test/readside/cache.desc')
               <> pg_read_binary_file('/tmp/protobuf_fdw_test/readside/pair_ab.desc') AS cmp_bytes) x;
SELECT a, b FROM rc_pair;
-- a prepared statement planned before the change is planned again after it
PREPARE rc_q AS SELECT a, b FROM rc_pair;
EXECUTE rc_q;
\! cp /tmp/protobuf_fdw_test/readside/pair_ab.desc /tmp/protobuf_fdw_test/readside/cache.desc
\! touch -d '2001-02-03 04:05:08' /tmp/protobuf_fdw_test/readside/cache.desc
EXECUTE rc_q;
SELECT a, b FROM rc_pair;
-- only the mtime changes, the bytes stay: the same rows
\! touch -d '2001-02-03 04:05:09' /tmp/protobuf_fdw_test/readside/cache.desc
SELECT a, b FROM rc_pair;
-- b renamed to c (same size, a new mtime): column b names a field the message no longer has
\! cp /tmp/protobuf_fdw_test/readside/pair_ac.desc /tmp/protobuf_fdw_test/readside/cache.desc
\! touch -d '2001-02-03 04:05:10' /tmp/protobuf_fdw_test/readside/cache.desc
SELECT a, b FROM rc_pair;
ALTER FOREIGN TABLE rc_pair ALTER COLUMN b OPTIONS (ADD field 'c');
SELECT a, b FROM rc_pair;
-- a table-level descriptor set is cached the same way
\! cp /tmp/protobuf_fdw_test/readside/pair_ab.desc /tmp/protobuf_fdw_test/readside/cache2.desc
\! touch -d '2001-02-03 04:05:06' /tmp/protobuf_fdw_test/readside/cache2.desc
CREATE FOREIGN TABLE rc_pair2 (a bigint, b bigint)
  SERVER rc_srv OPTIONS (message 'rs.Pair', filename '/tmp/protobuf_fdw_test/readside/pair.pb',
                         descriptor_set '/tmp/protobuf_fdw_test/readside/cache2.desc');
SELECT a, b FROM rc_pair2;
\! cp /tmp/protobuf_fdw_test/readside/pair_ba.desc /tmp/protobuf_fdw_test/readside/cache2.desc
\! touch -d '2001-02-03 04:05:07' /tmp/protobuf_fdw_test/readside/cache2.desc
SELECT a, b FROM rc_pair2;
DEALLOCATE rc_q;
