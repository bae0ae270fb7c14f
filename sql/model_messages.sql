--
-- Message fields (issue 4) read as jsonb (the proto3 JSON mapping, checked against Python's
-- json_format.MessageToDict of the same bytes) and as composite types (attributes matched to
-- fields by name, exactly then case-insensitively; arrays of a composite for repeated
-- messages); merging of a message field given several times (two serialized messages
-- concatenated, which protobuf defines as MergeFrom); proto2 groups; a recursive message and
-- the nesting limit of 100.  Data: model/orders.pb, model/p2.pb, model/nodes.pb,
-- model/nodes_deep101.pb (test/fixtures/model/gen_model.py).
--
SET timezone TO 'UTC';
SET datestyle TO 'ISO, YMD';
CREATE SERVER mm_shop FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/model_shop.desc');
-- Python's reading of each message of a data file, keyed by its id
CREATE FUNCTION pg_temp.expected(f text) RETURNS TABLE (id text, j jsonb) LANGUAGE sql AS
  $$ SELECT key, value FROM jsonb_each(pg_read_file('/tmp/protobuf_fdw_test/model/' || f || '.json')::jsonb) $$;

-- jsonb: a singular message (NULL when absent), a repeated message (a JSON array), a oneof's
-- message member.  Orders: 1 everything set; 2 nothing; 3 customer without address; 4 an
-- empty address and an empty items element; 5 cash; 6 two Orders concatenated (customer,
-- address, geo merged, emails and items concatenated, tags: last k2 wins); 8 cash given twice
-- (merged); 9 maps only
CREATE FOREIGN TABLE msg_json (order_id int8, customer jsonb, items jsonb, cash jsonb)
  SERVER mm_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT order_id, customer FROM msg_json WHERE order_id IN (1, 3, 4, 6);
SELECT order_id, items FROM msg_json WHERE order_id IN (1, 2, 4, 6);
SELECT order_id, cash FROM msg_json WHERE cash IS NOT NULL;
SELECT m.order_id,
       m.customer IS NOT DISTINCT FROM e.j->'customer' AS customer,
       m.items = coalesce(e.j->'items', '[]') AS items,
       m.cash IS NOT DISTINCT FROM e.j->'cash' AS cash
  FROM msg_json m FULL JOIN pg_temp.expected('orders') e ON e.id = m.order_id::text
  ORDER BY m.order_id;
SELECT order_id, jsonb_typeof(items) AS items_type, jsonb_array_length(items) AS n_items,
       customer->'address'->>'city' AS city, customer->>'id' AS id_is_a_string
  FROM msg_json ORDER BY order_id;

-- composite types, recursively: a message inside, a repeated scalar, an enum, a map (jsonb)
CREATE TYPE m_geo AS (lat float8, lng float8);
CREATE TYPE m_address AS (street text, city text, zip_code text, geo m_geo);
CREATE TYPE m_customer AS (id int8, name text, address m_address, emails text[], status text,
  tags jsonb, nickname text);
CREATE TYPE m_money AS (currency_code text, units int8, nanos int4);
CREATE TYPE m_item AS (sku text, quantity int4, unit_price m_money, labels text[]);
CREATE FOREIGN TABLE msg_comp (order_id int8, customer m_customer, items m_item[], cash m_money)
  SERVER mm_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT order_id, customer FROM msg_comp;
SELECT order_id, (customer).name, ((customer).address).city, (((customer).address).geo).lng,
       (customer).emails, (customer).status, (customer).nickname, (customer).tags->>'k2' AS k2,
       customer IS NULL AS no_customer, (customer).address IS NULL AS no_address
  FROM msg_comp ORDER BY order_id;
SELECT order_id, items, cardinality(items) AS n FROM msg_comp;
SELECT order_id, i.n, i.sku, i.quantity, (i.unit_price).units, (i.unit_price).nanos, i.labels
  FROM msg_comp, unnest(items) WITH ORDINALITY AS i(sku, quantity, unit_price, labels, n)
  ORDER BY order_id, i.n;
SELECT order_id, cash FROM msg_comp WHERE cash IS NOT NULL;
SELECT pg_typeof(customer), pg_typeof(items), pg_typeof((customer).address) FROM msg_comp LIMIT 1;

-- attributes matched case-insensitively; a subset of the fields; other accepted types (int64
-- as text, enum as its number, int32 as int8)
CREATE TYPE m_geo_ci AS ("LAT" float8, "Lng" float8);
CREATE TYPE m_city AS (city text);
CREATE TYPE m_cust_alt AS (status int4, id text);
CREATE TYPE m_item_alt AS (quantity int8, "SKU" varchar(3));
CREATE FOREIGN TABLE msg_comp2 (
  order_id int8,
  geo m_geo_ci OPTIONS (field 'customer.address.geo'),
  addr m_city OPTIONS (field 'customer.address'),
  cust m_cust_alt OPTIONS (field 'customer'),
  items m_item_alt[]
) SERVER mm_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM msg_comp2;
-- well-known types inside a composite (LineItem.added_at: Timestamp, LineItem.note:
-- StringValue; order 1's first item has both, its second neither), an array of composites
-- inside a composite (Customer.previous_addresses: order 1 has two)
CREATE TYPE m_item_wkt AS (sku text, added_at timestamptz, note text);
CREATE TYPE m_customer_prev AS (name text, previous_addresses m_address[]);
CREATE FOREIGN TABLE msg_comp3 (order_id int8, items m_item_wkt[], customer m_customer_prev)
  SERVER mm_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM msg_comp3 WHERE order_id IN (1, 3, 4);

-- errors: an attribute that matches no field, an attribute type that cannot hold its field,
-- a composite for a scalar field, a composite for a repeated message (an array is needed),
-- an array of composites for a singular message, a scalar type for a message field
CREATE TYPE m_bad_attr AS (street text, country text);
CREATE FOREIGN TABLE comp_bad1 (a m_bad_attr OPTIONS (field 'customer.address'))
  SERVER mm_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM comp_bad1;
CREATE TYPE m_bad_type AS (city int4);
CREATE FOREIGN TABLE comp_bad2 (a m_bad_type OPTIONS (field 'customer.address'))
  SERVER mm_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM comp_bad2;
CREATE FOREIGN TABLE comp_bad3 (a m_money OPTIONS (field 'customer.name'))
  SERVER mm_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM comp_bad3;
CREATE FOREIGN TABLE comp_bad4 (items m_item)
  SERVER mm_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM comp_bad4;
CREATE FOREIGN TABLE comp_bad5 (customer m_customer[])
  SERVER mm_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM comp_bad5;
CREATE TYPE m_bad_nested AS (geo m_money);
CREATE FOREIGN TABLE comp_bad6 (a m_bad_nested OPTIONS (field 'customer.address'))
  SERVER mm_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM comp_bad6;
CREATE FOREIGN TABLE comp_bad7 (cash text[])
  SERVER mm_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM comp_bad7;

-- proto2 groups read like message fields: jsonb, composite, paths through them (info = 2,
-- b = 4).  Doc 1: everything; 2: nothing; 3: hand-built: info given twice ({a: 1} then
-- {b: "x"}: merged), part.level an unknown number of a closed enum (unset: NULL); 4: entries,
-- one holding an unknown nested group (skipped) and one empty; info.part.label absent (NULL:
-- the [default = "none"] is not applied)
CREATE SERVER mm_p2 FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/model_p2.desc');
CREATE TYPE m_part AS (x int4, label text, level text, nums int4[]);
CREATE TYPE m_info AS (a int4, b text, part m_part);
CREATE TYPE m_entry AS (key text, n int8);
CREATE FOREIGN TABLE groups (
  id int4, info m_info, entry m_entry[], part m_part, parts m_part[],
  info_a int4 OPTIONS (field 'info.a'), info_b text OPTIONS (field '2.4'),
  info_part_x int4 OPTIONS (field 'info.part.x'),
  info_j jsonb OPTIONS (field 'info'), entry_j jsonb OPTIONS (field 'entry')
) SERVER mm_p2 OPTIONS (filename '/tmp/protobuf_fdw_test/model/p2.pb', message 'model.p2.Doc');
SELECT id, info, entry FROM groups;
SELECT id, part, parts FROM groups;
SELECT id, info_a, info_b, info_part_x FROM groups;
SELECT id, info_j, entry_j FROM groups;
SELECT g.id, g.info_j IS NOT DISTINCT FROM e.j->'info' AS info,
       g.entry_j = coalesce(e.j->'entry', '[]') AS entry
  FROM groups g FULL JOIN pg_temp.expected('p2') e ON e.id = g.id::text ORDER BY g.id;

-- message fields and groups arriving with wire types they cannot have are unknown fields:
-- skipped (orders_odd: 1 customer as VARINT, 2 customer as a group, 3 fine; p2_odd: the group
-- info as a length-delimited record, then an entry group)
CREATE FOREIGN TABLE msg_odd (order_id int8, customer jsonb, name text OPTIONS (field 'customer.name'),
  c m_customer OPTIONS (field 'customer'))
  SERVER mm_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders_odd.pb', message 'model.shop.Order');
SELECT * FROM msg_odd;
CREATE FOREIGN TABLE groups_odd (id int4, info jsonb, info_a int4 OPTIONS (field 'info.a'),
  entry m_entry[])
  SERVER mm_p2 OPTIONS (filename '/tmp/protobuf_fdw_test/model/p2_odd.pb', message 'model.p2.Doc');
SELECT * FROM groups_odd;

-- attribute names matched exactly first: Doc 1's cases = CaseFields {Dup: 1, dup: 2,
-- MiXed: 3}; "DUP" matches two fields case-insensitively and neither exactly: an error
CREATE TYPE m_cases AS (dup int4, "Dup" int4, mixed int4);
CREATE FOREIGN TABLE comp_cases (id int4, cases m_cases)
  SERVER mm_p2 OPTIONS (filename '/tmp/protobuf_fdw_test/model/p2.pb', message 'model.p2.Doc');
SELECT * FROM comp_cases;
CREATE TYPE m_cases_bad AS ("DUP" int4);
CREATE FOREIGN TABLE comp_cases_bad (cases m_cases_bad)
  SERVER mm_p2 OPTIONS (filename '/tmp/protobuf_fdw_test/model/p2.pb', message 'model.p2.Doc');
SELECT * FROM comp_cases_bad;

-- a recursive message: 1 has child.child and kids with kids; 2 has nothing; 3 nests 100
-- levels below the row (legal, as in protobuf's parsers), its innermost child has v = 100
CREATE SERVER mm_types FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/model_types.desc');
CREATE TYPE m_node AS (v int4, name text, child jsonb, kids jsonb);
CREATE FOREIGN TABLE nodes (
  v int4, name text, child jsonb, kids jsonb,
  child_c m_node OPTIONS (field 'child'), kids_c m_node[] OPTIONS (field 'kids'),
  cc_v int4 OPTIONS (field 'child.child.v'), cc_name text OPTIONS (field 'child.child.name')
) SERVER mm_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/nodes.pb', message 'model.types.Node');
SELECT v, name, child, kids FROM nodes WHERE v < 3;
SELECT v, child_c, kids_c, cc_v, cc_name FROM nodes WHERE v < 3;
SELECT v, cc_v, cc_name, (child_c).v AS child_v, cardinality(kids_c) AS n_kids FROM nodes WHERE v = 3;
SELECT n.v, n.child IS NOT DISTINCT FROM e.j->'child' AS child,
       n.kids = coalesce(e.j->'kids', '[]') AS kids,
       (SELECT count(*) FROM jsonb_path_query(n.child, 'strict $.**.v')) AS levels_below,
       n.child #>> '{child,child,child,child,v}' AS v5
  FROM nodes n FULL JOIN pg_temp.expected('nodes') e ON e.id = n.v::text ORDER BY n.v;
-- 101 levels: an error (message 2, after message 1 of 3 bytes), not a crash; the session goes on
CREATE FOREIGN TABLE deep101 (v int4, child jsonb)
  SERVER mm_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/nodes_deep101.pb', message 'model.types.Node');
SELECT v, child FROM deep101;
CREATE FOREIGN TABLE deep101_c (v int4, child m_node)
  SERVER mm_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/nodes_deep101.pb', message 'model.types.Node');
SELECT v, (child).v FROM deep101_c;
SELECT 1 AS still_alive;
