--
-- Maps (issue 4) read as jsonb objects (keys as strings, values in the proto3 JSON mapping;
-- a duplicate key: the last wins; an entry without key or value: the type's default), checked
-- against Python's json_format.MessageToDict of the same bytes; oneofs: members are NULL
-- unless set (the last member seen wins), a text column bound to the oneof's name reads the
-- name of the member set.  Data: model/maps.pb, model/choice.pb, model/orders.pb
-- (test/fixtures/model/gen_model.py).
--
CREATE SERVER mo_types FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/model_types.desc');
-- Python's reading of each message of a data file, keyed by its id
CREATE FUNCTION pg_temp.expected(f text) RETURNS TABLE (id text, j jsonb) LANGUAGE sql AS
  $$ SELECT key, value FROM jsonb_each(pg_read_file('/tmp/protobuf_fdw_test/model/' || f || '.json')::jsonb) $$;

-- 1: every key kind (string, int64, bool, int32, uint64, sint32, fixed64) with edge keys;
-- message, string, int32, enum (9: unknown, open: a number), double, bytes and int64 values;
-- 2: no entries ({}); 3: hand-built: by_name "d" twice (the last wins); by_i64 an entry
-- without key (0) and one without value (""); by_bool value before key; by_i32 an entry
-- without value (COLOR_UNSPECIFIED); by_str "k" twice, the second without value ("")
CREATE FOREIGN TABLE maps (
  id int4, by_name jsonb, by_i64 jsonb, by_bool jsonb, by_i32 jsonb, by_u64 jsonb,
  by_s32 jsonb, by_str jsonb, by_f64 jsonb
) SERVER mo_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/maps.pb', message 'model.types.Maps');
SELECT id, by_name, by_i64, by_bool FROM maps;
SELECT id, by_i32, by_u64, by_s32 FROM maps;
SELECT id, by_str, by_f64 FROM maps;
SELECT m.id,
       m.by_name = coalesce(e.j->'byName', '{}') AS by_name,
       m.by_i64 = coalesce(e.j->'byI64', '{}') AS by_i64,
       m.by_bool = coalesce(e.j->'byBool', '{}') AS by_bool,
       m.by_i32 = coalesce(e.j->'byI32', '{}') AS by_i32,
       m.by_u64 = coalesce(e.j->'byU64', '{}') AS by_u64,
       m.by_s32 = coalesce(e.j->'byS32', '{}') AS by_s32,
       m.by_str = coalesce(e.j->'byStr', '{}') AS by_str,
       m.by_f64 = coalesce(e.j->'byF64', '{}') AS by_f64
  FROM maps m FULL JOIN pg_temp.expected('maps') e ON e.id = m.id::text ORDER BY m.id;
-- maps work as jsonb objects
SELECT id, jsonb_typeof(by_i64) AS t, by_i64->>'-9223372036854775808' AS min_key,
       by_name->'x'->>'b' AS x_b, (by_bool->>'true')::int AS t_val,
       jsonb_typeof(by_f64->'18446744073709551615') AS i64_value_type
  FROM maps ORDER BY id;
SELECT key, value FROM maps, jsonb_each(by_str) WHERE id = 1 ORDER BY key;

-- maps of Order: items_by_sku (string -> message), notes (int64 -> string), flags (bool ->
-- int32), and a path to a map (customer.tags).  9 is hand-built: notes 1 -> "one" then
-- "uno", an entry without key (0 -> "zero") and one without value (2 -> ""); items_by_sku
-- "nov" without value ({}) and an entry without key ("" -> {quantity: 3}); flags an entry
-- with neither (false -> 0) and true -> 4 then, value before key, true -> 5; customer.tags
-- a -> 1 then a -> 2
CREATE SERVER mo_shop FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/model_shop.desc');
CREATE FOREIGN TABLE order_maps (
  order_id int8, items_by_sku jsonb, notes jsonb, flags jsonb,
  tags jsonb OPTIONS (field 'customer.tags')
) SERVER mo_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM order_maps WHERE order_id IN (1, 2, 6, 9);
SELECT o.order_id,
       o.items_by_sku = coalesce(e.j->'itemsBySku', '{}') AS items_by_sku,
       o.notes = coalesce(e.j->'notes', '{}') AS notes,
       o.flags = coalesce(e.j->'flags', '{}') AS flags,
       o.tags IS NOT DISTINCT FROM
         CASE WHEN e.j ? 'customer' THEN coalesce(e.j->'customer'->'tags', '{}') END AS tags
  FROM order_maps o FULL JOIN pg_temp.expected('orders') e ON e.id = o.order_id::text
  ORDER BY o.order_id;

-- a map read as anything but jsonb is an error
CREATE FOREIGN TABLE map_bad1 (by_i64 text[])
  SERVER mo_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/maps.pb', message 'model.types.Maps');
SELECT * FROM map_bad1;
CREATE FOREIGN TABLE map_bad2 (by_bool int4)
  SERVER mo_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/maps.pb', message 'model.types.Maps');
SELECT * FROM map_bad2;

-- oneofs.  pick = {p_int, p_text, p_msg, p_color}, other = {o_flag, o_bytes}.
-- 1: p_int 5; 2: p_text, o_bytes; 3: p_msg {a: 1, b: "x"}; 4: p_color GREEN; 5: none;
-- hand-built: 6: p_int 1 then p_text "late" (p_text); 7: p_msg {a: 1} then p_msg {b: "y"}
-- (merged); 8: p_text then p_int 0 (p_int, set to its default) and o_bytes then o_flag false
-- (o_flag); 9: p_color 0 then an empty p_msg (p_msg: {})
CREATE TYPE m_inner AS (a int4, b text);
CREATE FOREIGN TABLE choice (
  id int4, p_int int4, p_text text, p_msg jsonb, p_color text,
  pick text OPTIONS (field 'pick'), other text OPTIONS (field 'other'),
  o_flag bool, o_bytes bytea, after text,
  p_msg_c m_inner OPTIONS (field 'p_msg'), p_color_n int4 OPTIONS (field 'p_color'),
  p_msg_a int4 OPTIONS (field 'p_msg.a')
) SERVER mo_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/choice.pb', message 'model.types.Choice');
SELECT id, pick, p_int, p_text, p_msg, p_color, p_color_n FROM choice;
SELECT id, other, o_flag, o_bytes, after, p_msg_c, p_msg_a FROM choice;
-- the oneof's name alone, and the members against Python's reading
SELECT id, pick FROM choice WHERE pick IS NOT NULL ORDER BY id;
SELECT c.id,
       c.p_int IS NOT DISTINCT FROM (e.j->>'pInt')::int4 AS p_int,
       c.p_text IS NOT DISTINCT FROM e.j->>'pText' AS p_text,
       c.p_msg IS NOT DISTINCT FROM e.j->'pMsg' AS p_msg,
       c.p_color IS NOT DISTINCT FROM e.j->>'pColor' AS p_color,
       c.o_flag IS NOT DISTINCT FROM (e.j->>'oFlag')::bool AS o_flag,
       c.o_bytes IS NOT DISTINCT FROM decode(e.j->>'oBytes', 'base64') AS o_bytes,
       c.pick IS NOT DISTINCT FROM (SELECT CASE k WHEN 'pInt' THEN 'p_int' WHEN 'pText' THEN 'p_text'
           WHEN 'pMsg' THEN 'p_msg' WHEN 'pColor' THEN 'p_color' END
         FROM jsonb_object_keys(e.j) k WHERE k LIKE 'p%') AS pick
  FROM choice c FULL JOIN pg_temp.expected('choice') e ON e.id = c.id::text ORDER BY c.id;

-- Order's oneof payment = {card_token, iban, voucher_id, cash}: 7 is card_token then
-- voucher_id 0 concatenated (voucher_id); 6 card_token then iban (iban); 8 cash twice (cash)
CREATE FOREIGN TABLE payment (
  order_id int8, payment text OPTIONS (field 'payment'), card_token text, iban text,
  voucher_id int8, cash_units int8 OPTIONS (field 'cash.units')
) SERVER mo_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM payment;

-- a oneof's name read as another type than text, and a oneof name that does not exist
CREATE FOREIGN TABLE oneof_bad1 (pick int4 OPTIONS (field 'pick'))
  SERVER mo_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/choice.pb', message 'model.types.Choice');
SELECT * FROM oneof_bad1;
CREATE FOREIGN TABLE oneof_bad2 (x text OPTIONS (field 'picks'))
  SERVER mo_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/choice.pb', message 'model.types.Choice');
SELECT * FROM oneof_bad2;
