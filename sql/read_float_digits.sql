--
-- extra_float_digits on the read side.  Float and double fields read as real / double
-- precision print exactly as PostgreSQL prints the same float4 / float8 under the setting
-- (0, 1, 3, -15); read as text they are the shortest exact decimal whatever the setting
-- (README: "Floats as text or numeric use the shortest decimal ..."); the binary values never
-- change.  Data: test/fixtures/readside/floats.pb, message i holding the i-th literal below
-- (python3-protobuf; the float field rounded to binary32).  Each check lists what differs:
-- no rows is a pass.
--
CREATE SERVER rf_srv FOREIGN DATA WRAPPER protobuf_fdw
  OPTIONS (descriptor_set '/tmp/protobuf_fdw_test/readside/readside.desc');
CREATE FOREIGN TABLE rf_floats (id bigint, f real, d double precision)
  SERVER rf_srv OPTIONS (message 'rs.Floats', filename '/tmp/protobuf_fdw_test/readside/floats.pb');
CREATE FOREIGN TABLE rf_floats_text (id bigint, f text, d text)
  SERVER rf_srv OPTIONS (message 'rs.Floats', filename '/tmp/protobuf_fdw_test/readside/floats.pb');
CREATE TEMP TABLE rf_lit (id bigint, f text, d text);
INSERT INTO rf_lit VALUES
  (1, '0.1', '0.1'), (2, '0.333333343', '0.30000000000000004'), (3, '1e-07', '0.3333333333333333'),
  (4, '3.4028235e+38', '1e+308'), (5, '123456.79', '5e-324'), (6, '16777217', '123456789.12345679'),
  (7, '-0', '-0'), (8, '1.17549435e-38', '2.2250738585072014e-308'), (9, '1e-45', '1.7976931348623157e+308'),
  (10, 'inf', 'inf'), (11, '-inf', '-inf'), (12, 'nan', 'nan');
-- the shortest exact decimals: PostgreSQL's own output at extra_float_digits 1 (the default)
SET extra_float_digits = 1;
CREATE TEMP TABLE rf_shortest AS SELECT id, f::float4::text AS f, d::float8::text AS d FROM rf_lit;
SELECT * FROM rf_shortest ORDER BY id;
-- every value read, compared with the literal's under the current setting: the rows that differ
CREATE FUNCTION rf_diffs() RETURNS TABLE (id bigint, what text, got text, want text)
LANGUAGE sql AS $$
  SELECT l.id, c.what, c.got, c.want
    FROM rf_lit l
    LEFT JOIN rf_floats r USING (id)
    LEFT JOIN rf_floats_text t USING (id)
    LEFT JOIN rf_shortest s USING (id),
    LATERAL (VALUES
      ('real as text', r.f::text, l.f::float4::text),
      ('double as text', r.d::text, l.d::float8::text),
      ('real bits', float4send(r.f)::text, float4send(l.f::float4)::text),
      ('double bits', float8send(r.d)::text, float8send(l.d::float8)::text),
      ('float field read as text', t.f, s.f),
      ('double field read as text', t.d, s.d)) c(what, got, want)
   WHERE c.got IS DISTINCT FROM c.want
   ORDER BY l.id, c.what
$$;
SELECT count(*) AS rows_read FROM rf_floats;
SET extra_float_digits = 0;
SELECT id, f, d FROM rf_floats WHERE id IN (1, 2, 5) ORDER BY id;
SELECT * FROM rf_diffs();
SET extra_float_digits = 1;
SELECT id, f, d FROM rf_floats WHERE id IN (1, 2, 5) ORDER BY id;
SELECT * FROM rf_diffs();
SET extra_float_digits = 3;
SELECT id, f, d FROM rf_floats WHERE id IN (1, 2, 5) ORDER BY id;
SELECT * FROM rf_diffs();
SET extra_float_digits = -15;
SELECT id, f, d FROM rf_floats WHERE id IN (1, 2, 5) ORDER BY id;
SELECT * FROM rf_diffs();
-- the text columns ignore the setting
SELECT id, f, d FROM rf_floats_text WHERE id IN (1, 2, 5) ORDER BY id;
RESET extra_float_digits;
