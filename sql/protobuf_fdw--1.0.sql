/* protobuf_fdw--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION protobuf_fdw" to load this file. \quit

CREATE FUNCTION protobuf_fdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FUNCTION protobuf_fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER protobuf_fdw
  HANDLER protobuf_fdw_handler
  VALIDATOR protobuf_fdw_validator;

-- parquet_export(): write the result of a query to a Parquet file (see README).
-- Not STRICT: NULL compression_level, kv_metadata and numeric_mode mean "default".
-- With partition_by, file_size_bytes or rows_per_file the target is a dataset directory;
-- one result row per file written (a single file: one row, partition NULL).
-- Callable by anyone; the function itself requires superuser or pg_write_server_files.
CREATE FUNCTION parquet_export(
    query text,
    filename text,
    compression text DEFAULT 'snappy',
    compression_level int DEFAULT NULL,
    row_group_size bigint DEFAULT 122880,
    row_group_bytes bigint DEFAULT 134217728,
    kv_metadata jsonb DEFAULT NULL,
    numeric_mode text DEFAULT 'string',
    partition_by text[] DEFAULT NULL,
    file_size_bytes bigint DEFAULT NULL,
    rows_per_file bigint DEFAULT NULL,
    max_open_files int DEFAULT 64,
    write_partition_columns bool DEFAULT false,
    overwrite bool DEFAULT false,
    field_ids text DEFAULT NULL,
    threads int DEFAULT NULL,
    OUT path text,
    OUT partition jsonb,
    OUT rows bigint,
    OUT row_groups int,
    OUT bytes bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'parquet_export'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

-- protobuf_fdw_create_table(): the CREATE FOREIGN TABLE statement that IMPORT FOREIGN SCHEMA
-- would run for one message, to edit before running it (see README).  Not STRICT: NULL
-- table_name and options mean "default".  Needs USAGE on the server; reading a descriptor_set
-- given in options needs superuser or pg_read_server_files.
CREATE FUNCTION protobuf_fdw_create_table(
    server name,
    message text,
    filename text,
    table_name text DEFAULT NULL,
    options jsonb DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'protobuf_fdw_create_table'
LANGUAGE C STABLE PARALLEL SAFE;
