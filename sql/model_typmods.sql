--
-- Type modifiers (issue 4: array elements and composite attributes follow the rules of
-- columns, and a column receives what a cast would give): varchar(n)[] checks each element's
-- length, numeric(p,s)[] rounds each element, a numeric(p,s) attribute rounds,
-- timestamptz(p), timestamp(p) and interval(p) round the fractional seconds.
-- Data: model/repeated.pb, model/orders.pb, model/wkt.pb (test/fixtures/model/gen_model.py).
--
SET timezone TO 'UTC';
SET datestyle TO 'ISO, YMD';
SET intervalstyle TO 'postgres';
CREATE SERVER mt_types FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/model_types.desc');
CREATE SERVER mt_shop FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/model_shop.desc');

-- repeated.pb: r_string of 3 is {x,y} (fits varchar(2)); of 1 {a,"","héllo ✓",...}: the third
-- element (7 characters) does not fit.  Values are converted before the WHERE clause runs (as
-- file_fdw's input conversion is), so message 1 fails the query even when it would be filtered
-- out.
CREATE FOREIGN TABLE typ_varchar (id int4, r_string varchar(2)[])
  SERVER mt_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/repeated.pb', message 'model.types.Repeated');
SELECT * FROM typ_varchar WHERE id = 3;
SELECT * FROM typ_varchar;
-- r_double: 3 {1.5,2.5,3.5}; 1 {0.1,-2,NaN,-Infinity}: a numeric(4,2) cannot hold -Infinity
CREATE FOREIGN TABLE typ_numeric (id int4, r_double numeric(4,2)[])
  SERVER mt_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/repeated.pb', message 'model.types.Repeated');
SELECT * FROM typ_numeric WHERE id = 3;
SELECT * FROM typ_numeric;

-- a numeric(p,s) attribute: customer.address.geo of order 1 is (1.5, -2.25)
CREATE TYPE m_typ_geo AS (lat numeric(3,1), lng numeric(3,1));
CREATE FOREIGN TABLE typ_attr (order_id int8, geo m_typ_geo OPTIONS (field 'customer.address.geo'))
  SERVER mt_shop OPTIONS (filename '/tmp/protobuf_fdw_test/model/orders.pb', message 'model.shop.Order');
SELECT * FROM typ_attr WHERE order_id IN (1, 5, 6);

-- timestamptz(0), timestamp(0), interval(0), timestamptz(2): wkt.pb ts of 1 is
-- 2024-02-29T12:34:56.789Z, of 4 1969-12-31T23:59:59.5Z; dur of 1 90061.5 s, of 4 -1.5 s
CREATE FOREIGN TABLE typ_time (id int4, ts timestamptz(0), ts_plain timestamp(0) OPTIONS (field 'ts'),
  ts2 timestamptz(2) OPTIONS (field 'ts'), dur interval(0))
  SERVER mt_types OPTIONS (filename '/tmp/protobuf_fdw_test/model/wkt.pb', message 'model.types.WellKnown');
SELECT * FROM typ_time WHERE id IN (1, 4, 6);
