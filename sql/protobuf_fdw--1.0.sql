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
