--
-- The whole message as jsonb (issue 4): a jsonb column with field '.' holds the row message
-- in the proto3 JSON mapping (json_name keys, 64-bit integers as strings, bytes as base64,
-- enums by name (an unknown number of an open enum as the number), fields with presence only
-- when set, implicit-presence fields omitted at their default, maps as objects, well-known
-- types in their JSON form), compared with Python's json_format.MessageToDict of the same
-- bytes (model/*.json, made by test/fixtures/model/gen_model.py; jsonb equality ignores key
-- order and the way a number is written).  Every data file of the data model tests, proto3
-- and proto2.
--
CREATE SERVER mj_shop FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/model_shop.desc');
CREATE SERVER mj_types FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/model_types.desc');
CREATE SERVER mj_p2 FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/model_p2.desc');
-- Python's reading of each message of a data file, keyed by its id
CREATE FUNCTION pg_temp.expected(f text) RETURNS TABLE (id text, j jsonb) LANGUAGE sql AS
  $$ SELECT key, value FROM jsonb_each(pg_read_file('/tmp/protobuf_fdw_test/model/' || f || '.json')::jsonb) $$;

-- scalars of every type: 1 at their edges (int64 and uint64 as strings, uint32 2^32-1 as a
-- number, bytes as base64, a proto3 optional set to its default: present, json_name
-- "myCustomName"); 2 all defaults (only the id); 3 -Infinity, NaN, an unknown enum number
-- (42), a nested message; 4 an int64 beyond 2^53 and a double of 1e300; 5 hand-built:
-- implicit-presence fields written at their defaults (left out); 6 hand-built: double -0.0
-- (not the default: present), float 0.1 (shortest form of the float32 value: 0.1)
CREATE FOREIGN TABLE j_scalars (id int4, msg jsonb OPTIONS (field '.'))
  SERVER mj_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/scalars.pb', message 'model.types.Scalars');
SELECT id, msg FROM j_scalars;
SELECT s.id, s.msg = e.j AS same FROM j_scalars s FULL JOIN pg_temp.expected('scalars') e
  ON e.id = s.id::text ORDER BY s.id;
SELECT id, jsonb_typeof(msg->'fInt64') AS int64, jsonb_typeof(msg->'fUint32') AS uint32,
       jsonb_typeof(msg->'fFloat') AS float, msg ? 'f_int32' AS proto_name_key,
       msg ? 'custom' AS field_name_key
  FROM j_scalars ORDER BY id;

-- the production-shaped Order: nested messages, repeated messages, maps of messages and of
-- int64 and bool keys, a oneof, enums (an alias: the first name; a negative value; an unknown
-- number in a repeated open enum), Timestamp, Duration, Int64Value, Struct, Any (of a type in
-- the descriptor set: decoded), FieldMask, repeated Timestamp; 6 and 8 merged by
-- concatenation, 7 a oneof given twice, 9 maps with duplicate keys and entries without key or
-- value
CREATE FOREIGN TABLE j_orders (order_id int8, msg jsonb OPTIONS (field '.'))
  SERVER mj_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT order_id, msg FROM j_orders WHERE order_id IN (2, 3, 5, 7, 8, 9);
SELECT o.order_id, o.msg = e.j AS same FROM j_orders o FULL JOIN pg_temp.expected('orders') e
  ON e.id = o.order_id::text ORDER BY o.order_id;
-- the merged message 6 against protobuf's MergeFrom of its two halves (gen_model.py checked
-- that Python's parse of the concatenation equals MergeFrom), key by key
SELECT k, o.msg->k = e.j->k AS same
  FROM j_orders o, pg_temp.expected('orders') e, jsonb_object_keys(e.j) k
  WHERE o.order_id = 6 AND e.id = '6' ORDER BY k;

-- repeated scalars (NaN and infinities as strings), maps of every key kind, oneofs
CREATE FOREIGN TABLE j_repeated (id int4, msg jsonb OPTIONS (field '.'))
  SERVER mj_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/repeated.pb', message 'model.types.Repeated');
SELECT id, msg FROM j_repeated WHERE id IN (2, 3, 4);
SELECT r.id, r.msg = e.j AS same FROM j_repeated r FULL JOIN pg_temp.expected('repeated') e
  ON e.id = r.id::text ORDER BY r.id;
CREATE FOREIGN TABLE j_maps (id int4, msg jsonb OPTIONS (field '.'))
  SERVER mj_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/maps.pb', message 'model.types.Maps');
SELECT m.id, m.msg = e.j AS same FROM j_maps m FULL JOIN pg_temp.expected('maps') e
  ON e.id = m.id::text ORDER BY m.id;
CREATE FOREIGN TABLE j_choice (id int4, msg jsonb OPTIONS (field '.'))
  SERVER mj_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/choice.pb', message 'model.types.Choice');
SELECT id, msg FROM j_choice;
SELECT c.id, c.msg = e.j AS same FROM j_choice c FULL JOIN pg_temp.expected('choice') e
  ON e.id = c.id::text ORDER BY c.id;

-- well-known types (4: an Any whose type is not in the descriptor set keeps its payload as
-- base64: {"@type": url, "value": ...})
CREATE FOREIGN TABLE j_wkt (id int4, msg jsonb OPTIONS (field '.'))
  SERVER mj_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/wkt.pb', message 'model.types.WellKnown');
SELECT id, msg FROM j_wkt WHERE id IN (3, 4, 6);
SELECT w.id, w.msg = e.j AS same FROM j_wkt w FULL JOIN pg_temp.expected('wkt') e
  ON e.id = w.id::text ORDER BY w.id;

-- proto2: groups (keys: the field's lower-case name), closed enums (3: unknown numbers left
-- out), explicit presence, a map of messages
CREATE FOREIGN TABLE j_p2 (id int4, msg jsonb OPTIONS (field '.'))
  SERVER mj_p2 OPTIONS (filename '/tmp/protobuf_fdw_test/model/p2.pb', message 'model.p2.Doc');
SELECT id, msg FROM j_p2;
SELECT d.id, d.msg = e.j AS same FROM j_p2 d FULL JOIN pg_temp.expected('p2') e
  ON e.id = d.id::text ORDER BY d.id;

-- a recursive message, 100 levels deep in 3
CREATE FOREIGN TABLE j_nodes (v int4, msg jsonb OPTIONS (field '.'))
  SERVER mj_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/nodes.pb', message 'model.types.Node');
SELECT n.v, n.msg = e.j AS same, length(n.msg::text) AS text_length
  FROM j_nodes n FULL JOIN pg_temp.expected('nodes') e ON e.id = n.v::text ORDER BY n.v;
-- 101 levels: an error, whole message or not
CREATE FOREIGN TABLE j_deep101 (v int4, msg jsonb OPTIONS (field '.'))
  SERVER mj_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/nodes_deep101.pb', message 'model.types.Node');
SELECT v, length(msg::text) FROM j_deep101;

-- the whole message with other columns, twice, and in a WHERE clause
CREATE FOREIGN TABLE j_mixed (id int4, a jsonb OPTIONS (field '.'), f_string text,
  b jsonb OPTIONS (field '.'))
  SERVER mj_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/scalars.pb', message 'model.types.Scalars');
SELECT id, f_string, a = b AS same, a->>'fString' = f_string AS consistent FROM j_mixed
  WHERE a ? 'fInner' ORDER BY id;

-- any single field read as jsonb: its value in the JSON mapping (present fields: as Python
-- renders them; absent implicit-presence fields: their default, as for other column types)
CREATE FOREIGN TABLE j_fields (id int4, f_int64 jsonb, f_uint32 jsonb, f_bytes jsonb,
  f_enum jsonb, f_double jsonb, f_float jsonb, f_string jsonb, f_bool jsonb, o_int32 jsonb)
  SERVER mj_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/scalars.pb', message 'model.types.Scalars');
SELECT id, f_int64, f_uint32, f_bytes, f_enum, f_float, f_string, f_bool, o_int32 FROM j_fields
  WHERE id <> 4;
SELECT f.id,
       f.f_int64 = coalesce(e.j->'fInt64', '"0"') AS f_int64,
       f.f_uint32 = coalesce(e.j->'fUint32', '0') AS f_uint32,
       f.f_bytes = coalesce(e.j->'fBytes', '""') AS f_bytes,
       f.f_enum = coalesce(e.j->'fEnum', '"COLOR_UNSPECIFIED"') AS f_enum,
       f.f_double = coalesce(e.j->'fDouble', '0') AS f_double,
       f.f_float = coalesce(e.j->'fFloat', '0') AS f_float,
       f.f_string = coalesce(e.j->'fString', '""') AS f_string,
       f.f_bool = coalesce(e.j->'fBool', 'false') AS f_bool,
       f.o_int32 IS NOT DISTINCT FROM e.j->'oInt32' AS o_int32
  FROM j_fields f FULL JOIN pg_temp.expected('scalars') e ON e.id = f.id::text ORDER BY f.id;
CREATE FOREIGN TABLE j_rep_fields (id int4, r_int64 jsonb, r_enum jsonb, r_bytes jsonb,
  r_double jsonb, r_float jsonb)
  SERVER mj_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/repeated.pb', message 'model.types.Repeated');
SELECT * FROM j_rep_fields;
SELECT r.id, r.r_int64 = coalesce(e.j->'rInt64', '[]') AS r_int64,
       r.r_enum = coalesce(e.j->'rEnum', '[]') AS r_enum,
       r.r_bytes = coalesce(e.j->'rBytes', '[]') AS r_bytes,
       r.r_double = coalesce(e.j->'rDouble', '[]') AS r_double,
       r.r_float = coalesce(e.j->'rFloat', '[]') AS r_float
  FROM j_rep_fields r FULL JOIN pg_temp.expected('repeated') e ON e.id = r.id::text ORDER BY r.id;

-- strings jsonb cannot hold: a NUL (jsonb has no \u0000), invalid UTF-8 in a nested message
-- (message 2, at byte 3)
CREATE FOREIGN TABLE j_bad_nul (id int4, msg jsonb OPTIONS (field '.'))
  SERVER mj_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/scalars_bad_nul.pb', message 'model.types.Scalars');
SELECT * FROM j_bad_nul;
CREATE FOREIGN TABLE j_bad_utf8 (id int4, inner_msg jsonb OPTIONS (field 'f_inner'))
  SERVER mj_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/scalars_bad_utf8.pb', message 'model.types.Scalars');
SELECT * FROM j_bad_utf8;
-- field '.' read as anything but jsonb is an error
CREATE FOREIGN TABLE j_bad (x int4 OPTIONS (field '.'))
  SERVER mj_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/scalars.pb', message 'model.types.Scalars');
SELECT * FROM j_bad;
