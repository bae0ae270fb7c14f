--
-- Field paths through nested messages (issue 4): the column option field names one field per
-- step, by name or by number; a missing intermediate message gives NULL; a bad step or a step
-- through a scalar is an error.  Data: model/orders.pb (test/fixtures/model/gen_model.py,
-- python3-protobuf and hand-built concatenations), schema proto/model_shop.proto.
--
CREATE SERVER mp_shop FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/model_shop.desc');

-- 1: everything set; 2: no customer; 3: customer without address; 4: customer with an empty
-- address (proto3 implicit-presence fields read as their defaults, geo absent);
-- 5: customer.address.geo present and empty; 6: two Orders concatenated (merged: city from
-- the first, street from the second); 7, 8: no customer; 9: customer with tags only
CREATE FOREIGN TABLE paths (
  order_id int8,
  city text OPTIONS (field 'customer.address.city'),
  street text OPTIONS (field 'customer.address.street'),
  lat float8 OPTIONS (field 'customer.address.geo.lat'),
  lng float8 OPTIONS (field 'customer.address.geo.lng'),
  cust_id int8 OPTIONS (field 'customer.id'),
  cust_name text OPTIONS (field 'customer.name'),
  nickname text OPTIONS (field 'customer.nickname'),
  cust_status text OPTIONS (field 'customer.status')
) SERVER mp_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM paths;
-- one path column alone, and with a filter
SELECT order_id, city FROM paths WHERE city IS NOT NULL;
SELECT count(lat) AS lats, count(city) AS cities, count(cust_name) AS names FROM paths;

-- field numbers per step (customer = 2, address = 3, city = 2, geo = 4, lat = 1), and names
-- and numbers mixed
CREATE FOREIGN TABLE paths_num (
  order_id int8 OPTIONS (field '1'),
  city text OPTIONS (field '2.3.2'),
  city_mixed text OPTIONS (field 'customer.3.city'),
  lat float8 OPTIONS (field '2.address.4.1'),
  zip text OPTIONS (field 'customer.address.3')
) SERVER mp_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM paths_num WHERE order_id IN (1, 3, 4, 6);

-- a path through a oneof's message member (cash: orders 5 and 8, merged in 8) and through a
-- well-known type (Timestamp is a message: seconds 1709210096 = 2024-02-29 12:34:56 UTC; in 6
-- the two created_at merged: seconds 200 from the second, nanos 5000 from the first); the
-- enum status: 1 SUSPENDED, 3 ENABLED, an alias of ACTIVE (read: ACTIVE, the first declared)
CREATE FOREIGN TABLE paths_more (
  order_id int8,
  cash_units int8 OPTIONS (field 'cash.units'),
  cash_nanos int4 OPTIONS (field 'cash.nanos'),
  cash_currency text OPTIONS (field 'cash.currency_code'),
  ts_seconds int8 OPTIONS (field 'created_at.seconds'),
  ts_nanos int4 OPTIONS (field 'created_at.nanos'),
  discount int8 OPTIONS (field 'discount.value'),
  status text, status_n int4 OPTIONS (field 'status')
) SERVER mp_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM paths_more;

-- errors: a step naming no field, a step number naming no field, an empty step, a path
-- through a scalar, through an enum, a path ending on a message read as a scalar type, a leaf
-- whose type the column cannot hold
CREATE FOREIGN TABLE bad_step (city text OPTIONS (field 'customer.nosuch.city'))
  SERVER mp_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM bad_step;
CREATE FOREIGN TABLE bad_number (x text OPTIONS (field 'customer.99'))
  SERVER mp_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM bad_number;
CREATE FOREIGN TABLE bad_empty (x text OPTIONS (field 'customer..city'))
  SERVER mp_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM bad_empty;
CREATE FOREIGN TABLE bad_through_scalar (x text OPTIONS (field 'customer.name.first'))
  SERVER mp_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM bad_through_scalar;
CREATE FOREIGN TABLE bad_through_enum (x int4 OPTIONS (field 'status.1'))
  SERVER mp_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM bad_through_enum;
CREATE FOREIGN TABLE bad_message_as_scalar (x int8 OPTIONS (field 'customer.address'))
  SERVER mp_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM bad_message_as_scalar;
CREATE FOREIGN TABLE bad_leaf_type (x int4 OPTIONS (field 'customer.address.city'))
  SERVER mp_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM bad_leaf_type;
-- paths are bounded at 100 messages deep: model/nodes.pb's Node 3 nests 100 levels, the one
-- at level d has v = d; a path of 100 steps reads level 100, one of 101 steps is an error
CREATE SERVER mp_types FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/model_types.desc');
DO $$ BEGIN
  EXECUTE format('CREATE FOREIGN TABLE path100 (v int4, deep int4 OPTIONS (field %L)) SERVER mp_types '
                 'OPTIONS (filename %L, message %L)', repeat('child.', 100) || 'v',
                 '/tmp/protobuf_fdw_test/model/nodes.pb', 'model.types.Node');
  EXECUTE format('CREATE FOREIGN TABLE path101 (v int4, deep int4 OPTIONS (field %L)) SERVER mp_types '
                 'OPTIONS (filename %L, message %L)', repeat('child.', 101) || 'v',
                 '/tmp/protobuf_fdw_test/model/nodes.pb', 'model.types.Node');
END $$;
SELECT * FROM path100;
SELECT * FROM path101;
-- a path through a repeated message field and through a map
CREATE FOREIGN TABLE bad_through_repeated (x text OPTIONS (field 'items.sku'))
  SERVER mp_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM bad_through_repeated;
CREATE FOREIGN TABLE bad_through_map (x text OPTIONS (field 'notes.value'))
  SERVER mp_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM bad_through_map;
-- the error comes at the first query naming the column, not for other columns
CREATE FOREIGN TABLE bad_other (order_id int8, x text OPTIONS (field 'customer.nosuch'))
  SERVER mp_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT order_id FROM bad_other WHERE order_id = 2;
