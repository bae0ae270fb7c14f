--
-- Well-known types (issue 4): Timestamp as timestamptz and timestamp (UTC), Duration as
-- interval, the wrappers as their scalar (NULL when absent, the default when present without
-- value), Struct / Value / ListValue / Any / Empty as jsonb, FieldMask as text and text[];
-- inside jsonb, the proto3 JSON mapping (checked against Python's json_format.MessageToDict of
-- the same bytes); merging; out-of-range values are errors naming the column.
-- Data: model/wkt.pb, model/wkt_bad_*.pb, model/orders.pb (test/fixtures/model/gen_model.py).
--
SET timezone TO 'UTC';
SET datestyle TO 'ISO, YMD';
SET intervalstyle TO 'postgres';
CREATE SERVER mw_types FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/model_types.desc');
-- Python's reading of each message of a data file, keyed by its id
CREATE FUNCTION pg_temp.expected(f text) RETURNS TABLE (id text, j jsonb) LANGUAGE sql AS
  $$ SELECT key, value FROM jsonb_each(pg_read_file('/tmp/protobuf_fdw_test/model/' || f || '.json')::jsonb) $$;

-- 1: every type with a value (ts 2024-02-29T12:34:56.789Z, dur 90061.5 s); 2: every one
-- absent (NULL); 3: every one present and empty (the defaults: epoch, 0 s, 0, '', false, {},
-- an Any of an empty Inner); 4: negative values (ts -1 s + 0.5 s, dur -1.5 s), the wrappers'
-- extremes, a Value holding null, an Any whose type is not in the descriptor set;
-- 5: ts 9999-12-31T23:59:59.1Z, dur 1 microsecond; 6: two messages concatenated (ts
-- {100 s, 5000 ns} then {200 s}: merged {200 s, 5000 ns}; w_int32 5 then empty: 5; st and
-- mask merged); 7: ts with 123456789 ns, an Any of a Duration, a Value holding a list
CREATE FOREIGN TABLE wkt (
  id int4, ts timestamptz, ts_plain timestamp OPTIONS (field 'ts'), dur interval,
  w_int32 int4, w_int64 int8, w_uint32 int8, w_uint64 numeric, w_float float4,
  w_double float8, w_bool bool, w_string text, w_bytes bytea,
  st jsonb, val jsonb, lst jsonb, "any" jsonb, mask text, mask_a text[] OPTIONS (field 'mask'),
  empty jsonb
) SERVER mw_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/wkt.pb', message 'model.types.WellKnown');
SELECT id, ts, ts_plain, justify_hours(dur) AS dur, extract(epoch FROM dur) AS dur_s
  FROM wkt WHERE id <> 7;
SELECT id, to_char(ts, 'YYYY-MM-DD HH24:MI:SS.MS') AS ts_ms FROM wkt WHERE id = 7;
SELECT id, pg_typeof(ts), pg_typeof(ts_plain), pg_typeof(dur), pg_typeof(w_uint64),
       pg_typeof(w_float), pg_typeof(mask_a)
  FROM wkt WHERE id = 1;
SELECT id, w_int32, w_int64, w_uint32, w_uint64, w_float, w_double FROM wkt;
SELECT id, w_bool, w_string, w_bytes, mask, mask_a, empty FROM wkt;
SELECT id, st, val, lst FROM wkt;
SELECT id, "any" FROM wkt;
SELECT w.id,
       w.st IS NOT DISTINCT FROM e.j->'st' AS st,
       w.val IS NOT DISTINCT FROM e.j->'val' AS val,
       w.lst IS NOT DISTINCT FROM e.j->'lst' AS lst,
       w."any" IS NOT DISTINCT FROM e.j->'any' AS "any",
       w.empty IS NOT DISTINCT FROM e.j->'empty' AS empty,
       jsonb_typeof(w.val) AS val_type
  FROM wkt w FULL JOIN pg_temp.expected('wkt') e ON e.id = w.id::text ORDER BY w.id;
-- timestamp (without time zone) is the UTC wall-clock time whatever the session's zone
SET timezone TO 'America/New_York';
SELECT id, ts, ts_plain FROM wkt WHERE id IN (1, 4);
SET timezone TO 'UTC';

-- every well-known type as jsonb: the proto3 JSON mapping (Timestamp as an RFC 3339 "Z"
-- string with 0, 3, 6 or 9 fractional digits, Duration as "<seconds>s", wrappers as bare
-- values (64-bit integers as strings), FieldMask as comma-joined lowerCamelCase paths),
-- compared with Python's reading
CREATE FOREIGN TABLE wkt_json (
  id int4, ts jsonb, dur jsonb, w_int32 jsonb, w_int64 jsonb, w_uint32 jsonb, w_uint64 jsonb,
  w_float jsonb, w_double jsonb, w_bool jsonb, w_string jsonb, w_bytes jsonb, mask jsonb,
  r_ts jsonb
) SERVER mw_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/wkt.pb', message 'model.types.WellKnown');
SELECT id, ts, dur, mask, r_ts FROM wkt_json;
SELECT id, w_int32, w_int64, w_uint32, w_uint64, w_float, w_double, w_bool, w_string, w_bytes
  FROM wkt_json;
SELECT w.id,
       w.ts IS NOT DISTINCT FROM e.j->'ts' AS ts,
       w.dur IS NOT DISTINCT FROM e.j->'dur' AS dur,
       w.w_int32 IS NOT DISTINCT FROM e.j->'wInt32' AS i32,
       w.w_int64 IS NOT DISTINCT FROM e.j->'wInt64' AS i64,
       w.w_uint32 IS NOT DISTINCT FROM e.j->'wUint32' AS u32,
       w.w_uint64 IS NOT DISTINCT FROM e.j->'wUint64' AS u64,
       w.w_float IS NOT DISTINCT FROM e.j->'wFloat' AS f,
       w.w_double IS NOT DISTINCT FROM e.j->'wDouble' AS d,
       w.w_bool IS NOT DISTINCT FROM e.j->'wBool' AS b,
       w.w_string IS NOT DISTINCT FROM e.j->'wString' AS s,
       w.w_bytes IS NOT DISTINCT FROM e.j->'wBytes' AS by,
       w.mask IS NOT DISTINCT FROM e.j->'mask' AS mask,
       w.r_ts = coalesce(e.j->'rTs', '[]') AS r_ts
  FROM wkt_json w FULL JOIN pg_temp.expected('wkt') e ON e.id = w.id::text ORDER BY w.id;

-- Any holding well-known types (their JSON form in "value"; Empty has none: {"@type"} alone),
-- an Any holding an Any, a type URL without a slash
CREATE FOREIGN TABLE wkt_any (id int4, "any" jsonb)
  SERVER mw_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/any.pb', message 'model.types.WellKnown');
SELECT id, "any" FROM wkt_any;
SELECT w.id, w."any" = e.j->'any' AS same FROM wkt_any w FULL JOIN pg_temp.expected('any') e
  ON e.id = w.id::text ORDER BY w.id;
-- an Any whose payload does not parse; a Timestamp beyond the JSON form's 9999-12-31 (a
-- timestamptz holds it)
CREATE FOREIGN TABLE bad_any (id int4, "any" jsonb)
  SERVER mw_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/wkt_bad_any.pb', message 'model.types.WellKnown');
SELECT * FROM bad_any;
CREATE FOREIGN TABLE bad_ts_json (id int4, ts jsonb, ts_t timestamptz OPTIONS (field 'ts'))
  SERVER mw_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/wkt_bad_ts_json.pb', message 'model.types.WellKnown');
SELECT id, ts_t FROM bad_ts_json;
SELECT id, ts FROM bad_ts_json;

-- the well-known types of an Order (its Any holds a model.shop.Refund, which the descriptor
-- set has: decoded); a path through a Timestamp and a wrapper
CREATE SERVER mw_shop FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/model_shop.desc');
CREATE FOREIGN TABLE order_wkt (
  order_id int8, created_at timestamptz, ttl interval, discount int8, attributes jsonb,
  extra jsonb, update_mask text, shipped_at jsonb
) SERVER mw_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT order_id, created_at, ttl, discount, update_mask FROM order_wkt WHERE order_id IN (1, 2, 6);
SELECT order_id, attributes, extra, shipped_at FROM order_wkt WHERE order_id = 1;
SELECT o.order_id,
       o.attributes IS NOT DISTINCT FROM e.j->'attributes' AS attributes,
       o.extra IS NOT DISTINCT FROM e.j->'extra' AS extra,
       o.shipped_at = coalesce(e.j->'shippedAt', '[]') AS shipped_at
  FROM order_wkt o FULL JOIN pg_temp.expected('orders') e ON e.id = o.order_id::text
  ORDER BY o.order_id;

-- out of range: message 1 is fine, message 2 holds the bad value; the error names the column
CREATE FOREIGN TABLE bad_ts_high (id int4, ts timestamptz)
  SERVER mw_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/wkt_bad_ts_high.pb', message 'model.types.WellKnown');
SELECT * FROM bad_ts_high;
SELECT id FROM bad_ts_high;
CREATE FOREIGN TABLE bad_ts_high_plain (id int4, ts timestamp)
  SERVER mw_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/wkt_bad_ts_high.pb', message 'model.types.WellKnown');
SELECT * FROM bad_ts_high_plain;
CREATE FOREIGN TABLE bad_ts_low (id int4, ts timestamptz)
  SERVER mw_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/wkt_bad_ts_low.pb', message 'model.types.WellKnown');
SELECT * FROM bad_ts_low;
CREATE FOREIGN TABLE bad_ts_nanos (id int4, ts timestamptz)
  SERVER mw_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/wkt_bad_ts_nanos.pb', message 'model.types.WellKnown');
SELECT * FROM bad_ts_nanos;
CREATE FOREIGN TABLE bad_ts_negnanos (id int4, ts timestamptz)
  SERVER mw_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/wkt_bad_ts_negnanos.pb', message 'model.types.WellKnown');
SELECT * FROM bad_ts_negnanos;
CREATE FOREIGN TABLE bad_dur_range (id int4, dur interval)
  SERVER mw_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/wkt_bad_dur_range.pb', message 'model.types.WellKnown');
SELECT * FROM bad_dur_range;
CREATE FOREIGN TABLE bad_dur_nanos (id int4, dur interval)
  SERVER mw_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/wkt_bad_dur_nanos.pb', message 'model.types.WellKnown');
SELECT * FROM bad_dur_nanos;
CREATE FOREIGN TABLE bad_dur_sign (id int4, dur interval)
  SERVER mw_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/wkt_bad_dur_sign.pb', message 'model.types.WellKnown');
SELECT * FROM bad_dur_sign;

-- type mismatches: a wrapper read as a type its scalar cannot go to, a Timestamp as an
-- integer, a Duration as a timestamp, a FieldMask as an integer, a Struct as an integer
CREATE FOREIGN TABLE wkt_bad1 (w_string int4)
  SERVER mw_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/wkt.pb', message 'model.types.WellKnown');
SELECT * FROM wkt_bad1;
CREATE FOREIGN TABLE wkt_bad2 (w_int64 int4)
  SERVER mw_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/wkt.pb', message 'model.types.WellKnown');
SELECT * FROM wkt_bad2;
CREATE FOREIGN TABLE wkt_bad3 (ts int4)
  SERVER mw_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/wkt.pb', message 'model.types.WellKnown');
SELECT * FROM wkt_bad3;
CREATE FOREIGN TABLE wkt_bad4 (dur timestamptz)
  SERVER mw_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/wkt.pb', message 'model.types.WellKnown');
SELECT * FROM wkt_bad4;
CREATE FOREIGN TABLE wkt_bad5 (mask int4)
  SERVER mw_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/wkt.pb', message 'model.types.WellKnown');
SELECT * FROM wkt_bad5;
CREATE FOREIGN TABLE wkt_bad6 (st int4)
  SERVER mw_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/wkt.pb', message 'model.types.WellKnown');
SELECT * FROM wkt_bad6;
