--
-- parquet_export(): permissions, atomic replacement, no partial or temporary
-- files after errors and cancels, empty results, key-value metadata, progress.
--
\set d '/tmp/protobuf_fdw_test/'

-- an empty result is a valid file with zero row groups
SELECT rows, row_groups FROM parquet_export('SELECT g AS id, g::text AS name FROM generate_series(1, 0) g', :'d' || 'exp_safe_empty.parquet');
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_safe_empty.parquet "SELECT num_rows, num_row_groups FROM parquet_file_metadata(\$FILE)"
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_safe_empty.parquet "SELECT count(*), count(id) FROM t"
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_safe_empty.parquet "SELECT column_name, column_type FROM (DESCRIBE t)"

-- key-value metadata: strings as they are, other JSON values as JSON text, null as
-- a KeyValue without a value (which DuckDB shows as an empty string)
SELECT rows FROM parquet_export('SELECT 1 AS x', :'d' || 'exp_safe_kv.parquet',
    kv_metadata => '{"source": "events.pb", "rows": 1, "ok": true, "nested": {"a": [1, "ü"]}, "none": null}');
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_safe_kv.parquet "SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata(\$FILE) ORDER BY key"

-- ordinary roles may not write files; pg_write_server_files may
CREATE ROLE regress_exp_safe_nobody;
CREATE ROLE regress_exp_safe_writer;
GRANT pg_write_server_files TO regress_exp_safe_writer;
SET ROLE regress_exp_safe_nobody;
SELECT * FROM parquet_export('SELECT 1 AS x', :'d' || 'exp_safe_perm.parquet');
RESET ROLE;
SET ROLE regress_exp_safe_writer;
SELECT rows, row_groups FROM parquet_export('SELECT 1 AS x', :'d' || 'exp_safe_perm.parquet');
RESET ROLE;
\! ls /tmp/protobuf_fdw_test | grep exp_safe_perm

-- a good export, then a query that fails after several row groups were written:
-- the target keeps its 1000 rows and no temporary file is left
SELECT rows, row_groups FROM parquet_export('SELECT g AS id FROM generate_series(1, 1000) g', :'d' || 'exp_safe_target.parquet');
SELECT * FROM parquet_export('SELECT g AS id, 10 / (5000 - g) AS boom FROM generate_series(1, 6000) g', :'d' || 'exp_safe_target.parquet', row_group_size => 1000);
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_safe_target.parquet "SELECT count(*), max(id) FROM t"
\! ls -a /tmp/protobuf_fdw_test | grep exp_safe_target

-- the same for a cancelled export (statement_timeout) ...
SET statement_timeout = '300ms';
SELECT * FROM parquet_export('SELECT g AS id, pg_sleep(0.01) AS nap FROM generate_series(1, 1000) g', :'d' || 'exp_safe_target.parquet', row_group_size => 10);
RESET statement_timeout;
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_safe_target.parquet "SELECT count(*), max(id) FROM t"
\! ls -a /tmp/protobuf_fdw_test | grep exp_safe_target

-- ... for an error caught in PL/pgSQL (a subtransaction rolls back) ...
DO $$
BEGIN
    PERFORM parquet_export('SELECT 1 / 0 AS x', '/tmp/protobuf_fdw_test/exp_safe_target.parquet');
EXCEPTION WHEN division_by_zero THEN
    RAISE NOTICE 'caught: %', SQLERRM;
END
$$;
\! ls -a /tmp/protobuf_fdw_test | grep exp_safe_target

-- ... and for an error in the conversion of a value
SELECT * FROM parquet_export($$SELECT g AS id, CASE WHEN g = 900 THEN date 'infinity' ELSE date '2024-01-01' END AS d FROM generate_series(1, 1000) g$$, :'d' || 'exp_safe_target.parquet', row_group_size => 100);
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_safe_target.parquet "SELECT count(*), max(id) FROM t"
\! ls -a /tmp/protobuf_fdw_test | grep exp_safe_target

-- a successful export replaces the target
SELECT rows FROM parquet_export('SELECT g AS id FROM generate_series(1, 3) g', :'d' || 'exp_safe_target.parquet');
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_safe_target.parquet "SELECT count(*), max(id) FROM t"

-- a symlink planted at the temporary file's (predictable) name is not followed: the file
-- is created with O_EXCL, and the link removed
SELECT pg_backend_pid() AS backend_pid \gset
\setenv EXP_SAFE_PID :backend_pid
\! echo victim > /tmp/protobuf_fdw_test/exp_safe_victim.txt && chmod 666 /tmp/protobuf_fdw_test/exp_safe_victim.txt
\! ln -sfn /tmp/protobuf_fdw_test/exp_safe_victim.txt /tmp/protobuf_fdw_test/.exp_safe_sym.parquet.tmp.$EXP_SAFE_PID && test -L /tmp/protobuf_fdw_test/.exp_safe_sym.parquet.tmp.$EXP_SAFE_PID && echo planted
SELECT rows FROM parquet_export('SELECT 1 AS x', :'d' || 'exp_safe_sym.parquet');
\! cat /tmp/protobuf_fdw_test/exp_safe_victim.txt; ls -a /tmp/protobuf_fdw_test | grep exp_safe_sym

-- a missing directory (terse: the detail names the temporary file, with the pid),
-- and a directory as the target
\set VERBOSITY terse
SELECT * FROM parquet_export('SELECT 1 AS x', :'d' || 'exp_safe_no_such_dir/x.parquet');
\set VERBOSITY default
\! mkdir -p /tmp/protobuf_fdw_test/exp_safe_dir.parquet && chmod 777 /tmp/protobuf_fdw_test/exp_safe_dir.parquet
SELECT * FROM parquet_export('SELECT 1 AS x', :'d' || 'exp_safe_dir.parquet');
\! ls -a /tmp/protobuf_fdw_test | grep exp_safe_dir

-- progress in pg_stat_progress_copy, seen from another session while an export runs
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT dblink_connect('exp_safe_progress',
       format('dbname=%s port=%s host=%s', current_database(), current_setting('port'),
              split_part(current_setting('unix_socket_directories'), ',', 1)));
SELECT dblink_send_query('exp_safe_progress',
       $$SELECT * FROM parquet_export('SELECT g AS id, pg_sleep(0.002) AS nap FROM generate_series(1, 2000) g',
                                      '/tmp/protobuf_fdw_test/exp_safe_progress.parquet', row_group_size => 250)$$);
DO $$
DECLARE
    p record;
BEGIN
    FOR i IN 1..600 LOOP
        PERFORM pg_stat_clear_snapshot();
        SELECT command, type, tuples_processed, bytes_processed INTO p
        FROM pg_stat_progress_copy WHERE pid <> pg_backend_pid() AND datname = current_database();
        IF p.tuples_processed > 250 AND p.bytes_processed > 0 THEN
            RAISE NOTICE 'export in progress: % %, rows and bytes moving', p.command, p.type;
            RETURN;
        END IF;
        PERFORM pg_sleep(0.01);
    END LOOP;
    RAISE NOTICE 'no progress seen: %', p;
END
$$;
SELECT rows, row_groups FROM dblink_get_result('exp_safe_progress') AS r(path text, partition jsonb, rows bigint, row_groups int, bytes bigint);
SELECT dblink_disconnect('exp_safe_progress');
-- and nothing is left in pg_stat_progress_copy once it is done
SELECT count(*) FROM pg_stat_progress_copy;

-- a terminated backend (FATAL: no error handler runs) removes its temporary file on exit too
SELECT dblink_connect('exp_safe_term',
       format('dbname=%s port=%s host=%s', current_database(), current_setting('port'),
              split_part(current_setting('unix_socket_directories'), ',', 1)));
SELECT dblink_send_query('exp_safe_term',
       $$SELECT * FROM parquet_export('SELECT g AS id, pg_sleep(0.01) AS nap FROM generate_series(1, 1000) g',
                                      '/tmp/protobuf_fdw_test/exp_safe_target.parquet', row_group_size => 10)$$);
DO $$
BEGIN
    FOR i IN 1..600 LOOP
        PERFORM pg_stat_clear_snapshot();
        PERFORM 1 FROM pg_stat_progress_copy WHERE pid <> pg_backend_pid() AND bytes_processed > 0;
        IF FOUND THEN
            RAISE NOTICE 'row groups written to the temporary file';
            RETURN;
        END IF;
        PERFORM pg_sleep(0.01);
    END LOOP;
END
$$;
SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_progress_copy WHERE pid <> pg_backend_pid();
\! ls -a /tmp/protobuf_fdw_test | grep exp_safe_target
\! node test/parquet/readback.mjs /tmp/protobuf_fdw_test/exp_safe_target.parquet "SELECT count(*), max(id) FROM t"
SELECT dblink_disconnect('exp_safe_term');

-- roles are cluster-wide: leave none behind
DROP ROLE regress_exp_safe_nobody;
DROP ROLE regress_exp_safe_writer;
