--
-- parquet_export(threads => N): the same file byte for byte whatever N, read
-- back by DuckDB with PostgreSQL's rows; errors after row groups were handed
-- to the threads leave no file; the argument's range.
--
\set d '/tmp/protobuf_fdw_test/'

CREATE TABLE exp_thr_src AS
SELECT g::bigint AS id,
       CASE WHEN g % 10 = 0 THEN NULL ELSE 'name ' || (g % 37) END AS s,
       g / 8.0::float8 AS f,
       CASE WHEN g % 7 = 0 THEN NULL ELSE ARRAY[g, NULL, -g] END AS arr
FROM generate_series(1, 5000) g;
CREATE VIEW exp_thr_canon AS
SELECT md5(string_agg(concat_ws(',', id, coalesce(s, '~'), (f * 8)::bigint,
                                coalesce(array_to_string(arr, ';', '~'), 'N')), '|' ORDER BY id)) AS md5
FROM exp_thr_src;
\set canon 'SELECT md5(string_agg(concat_ws(\',\', id, coalesce(s, \'~\'), (f * 8)::BIGINT, coalesce(array_to_string(list_transform(arr, x -> coalesce(x::VARCHAR, \'~\')), \';\'), \'N\')), \'|\' ORDER BY id)) FROM t'

-- 17 row groups of 300 rows, with 1, 2 and 4 threads
SELECT rows, row_groups FROM parquet_export('SELECT * FROM exp_thr_src ORDER BY id', :'d' || 'exp_thr_1.parquet',
    compression => 'zstd', row_group_size => 300, threads => 1);
SELECT rows, row_groups FROM parquet_export('SELECT * FROM exp_thr_src ORDER BY id', :'d' || 'exp_thr_2.parquet',
    compression => 'zstd', row_group_size => 300, threads => 2);
SELECT rows, row_groups FROM parquet_export('SELECT * FROM exp_thr_src ORDER BY id', :'d' || 'exp_thr_4.parquet',
    compression => 'zstd', row_group_size => 300, threads => 4);
SELECT md5(pg_read_binary_file(:'d' || 'exp_thr_2.parquet')) = md5(pg_read_binary_file(:'d' || 'exp_thr_1.parquet')) AS same_bytes_2,
       md5(pg_read_binary_file(:'d' || 'exp_thr_4.parquet')) = md5(pg_read_binary_file(:'d' || 'exp_thr_1.parquet')) AS same_bytes_4;
\set duck `node test/parquet/readback.mjs --raw :d/exp_thr_2.parquet :'canon'`
SELECT :'duck' = md5 AS same_rows FROM exp_thr_canon;
-- the byte comparison can fail: another file differs
SELECT rows FROM parquet_export('SELECT * FROM exp_thr_src ORDER BY id', :'d' || 'exp_thr_4.parquet',
    compression => 'snappy', row_group_size => 300, threads => 4);
SELECT md5(pg_read_binary_file(:'d' || 'exp_thr_4.parquet')) = md5(pg_read_binary_file(:'d' || 'exp_thr_1.parquet')) AS same_bytes_snappy;

-- the default (NULL): max_parallel_workers_per_gather + 1, at most the CPUs; the same file
SET max_parallel_workers_per_gather = 3;
SELECT rows, row_groups FROM parquet_export('SELECT * FROM exp_thr_src ORDER BY id', :'d' || 'exp_thr_d.parquet',
    compression => 'zstd', row_group_size => 300);
RESET max_parallel_workers_per_gather;
SELECT md5(pg_read_binary_file(:'d' || 'exp_thr_d.parquet')) = md5(pg_read_binary_file(:'d' || 'exp_thr_1.parquet')) AS same_bytes_default;

-- an error after several row groups went to the threads: no file, no temporary file
SELECT * FROM parquet_export('SELECT id, 1 / (id - 4000) AS x FROM exp_thr_src ORDER BY id', :'d' || 'exp_thr_err.parquet',
    row_group_size => 300, threads => 3);
DO $$
BEGIN
    PERFORM parquet_export('SELECT id, 1 / (id - 2000) AS x FROM exp_thr_src ORDER BY id', '/tmp/protobuf_fdw_test/exp_thr_err.parquet',
        row_group_size => 100, threads => 2);
EXCEPTION WHEN division_by_zero THEN
    RAISE NOTICE 'caught: %', SQLERRM;
END
$$;
\! ls -a /tmp/protobuf_fdw_test | grep exp_thr_err
-- and the next export in the same backend works
SELECT rows, row_groups FROM parquet_export('SELECT * FROM exp_thr_src ORDER BY id', :'d' || 'exp_thr_2.parquet',
    compression => 'zstd', row_group_size => 300, threads => 2);
SELECT md5(pg_read_binary_file(:'d' || 'exp_thr_2.parquet')) = md5(pg_read_binary_file(:'d' || 'exp_thr_1.parquet')) AS same_bytes_again;

-- the range
SELECT * FROM parquet_export('SELECT 1 AS x', :'d' || 'exp_thr_bad.parquet', threads => 0);
SELECT * FROM parquet_export('SELECT 1 AS x', :'d' || 'exp_thr_bad.parquet', threads => 65);
SELECT rows FROM parquet_export('SELECT 1 AS x', :'d' || 'exp_thr_bad.parquet', threads => 64);

DROP VIEW exp_thr_canon;
DROP TABLE exp_thr_src;
