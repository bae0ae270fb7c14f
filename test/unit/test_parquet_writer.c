/*-------------------------------------------------------------------------
 *
 * test_parquet_writer.c
 *		Unit tests of the pure-C Parquet writer.
 *
 * The encoders are checked against byte vectors from the format notes; the
 * codecs by decompressing with each library's own decoder; whole files by
 * writing them to memory and parsing the footer back with an independent
 * (minimal, generic) Thrift compact decoder written here.
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdint.h>

#include <brotli/decode.h>
#include <lz4.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "parquet/pqw_internal.h"
#include "unit.h"

/* ---- allocation hooks that count, and can fail on purpose ---- */

static long live_allocs;
static long alloc_budget = -1;	/* -1: unlimited */

static void *
t_malloc(void *ctx, size_t n)
{
	if (alloc_budget == 0)
		return NULL;
	if (alloc_budget > 0)
		alloc_budget--;
	live_allocs++;
	return malloc(n);
}

static void *
t_realloc(void *ctx, void *p, size_t n)
{
	if (alloc_budget == 0)
		return NULL;
	if (alloc_budget > 0)
		alloc_budget--;
	return realloc(p, n);
}

static void
t_free(void *ctx, void *p)
{
	live_allocs--;
	free(p);
}

static const pqw_alloc talloc = {t_malloc, t_realloc, t_free, NULL};

/* ---- output to memory ---- */

typedef struct membuf
{
	uint8_t    *data;
	size_t		len;
	size_t		cap;
	long		fail_after;		/* fail the write after this many bytes; -1 never */
} membuf;

static int
mem_write(void *ctx, const void *data, size_t len, char *errbuf, size_t errlen)
{
	membuf	   *m = ctx;

	if (m->fail_after >= 0 && m->len + len > (size_t) m->fail_after)
	{
		snprintf(errbuf, errlen, "disk full (test)");
		return -1;
	}
	if (m->len + len > m->cap)
	{
		m->cap = (m->len + len) * 2;
		m->data = realloc(m->data, m->cap);
	}
	memcpy(m->data + m->len, data, len);
	m->len += len;
	return 0;
}

/* ---- a minimal generic Thrift compact decoder ---- */

typedef struct tnode
{
	int			type;
	int			id;
	int64_t		i;
	const uint8_t *bin;
	size_t		binlen;
	struct tnode *kids;
	int			nkids;
} tnode;

typedef struct treader
{
	const uint8_t *p;
	const uint8_t *end;
	int			bad;
} treader;

static uint64_t
rd_varint(treader *r)
{
	uint64_t	v = 0;
	int			shift = 0;

	while (r->p < r->end)
	{
		uint8_t		b = *r->p++;

		v |= (uint64_t) (b & 0x7F) << shift;
		if (!(b & 0x80))
			return v;
		shift += 7;
	}
	r->bad = 1;
	return 0;
}

static int64_t
rd_zigzag(treader *r)
{
	uint64_t	v = rd_varint(r);

	return (int64_t) (v >> 1) ^ -(int64_t) (v & 1);
}

static void rd_value(treader *r, tnode *n, int type, int in_list);

static void
add_kid(tnode *n, tnode *kid)
{
	n->kids = realloc(n->kids, (n->nkids + 1) * sizeof(tnode));
	n->kids[n->nkids++] = *kid;
}

static void
rd_struct(treader *r, tnode *n)
{
	int			last = 0;

	n->type = PQW_TC_STRUCT;
	while (r->p < r->end && !r->bad)
	{
		uint8_t		b = *r->p++;
		tnode		kid;

		if (b == 0)
			return;
		memset(&kid, 0, sizeof(kid));
		kid.id = (b >> 4) ? last + (b >> 4) : (int) rd_zigzag(r);
		last = kid.id;
		rd_value(r, &kid, b & 0x0F, 0);
		add_kid(n, &kid);
	}
	r->bad = 1;
}

static void
rd_value(treader *r, tnode *n, int type, int in_list)
{
	n->type = type;
	switch (type)
	{
		case PQW_TC_BOOL_TRUE:
		case PQW_TC_BOOL_FALSE:
			if (in_list)
				n->i = (*r->p++ == 1);
			else
				n->i = (type == PQW_TC_BOOL_TRUE);
			n->type = PQW_TC_BOOL_TRUE;
			break;
		case PQW_TC_I8:
			n->i = (int8_t) *r->p++;
			break;
		case PQW_TC_I16:
		case PQW_TC_I32:
		case PQW_TC_I64:
			n->i = rd_zigzag(r);
			break;
		case PQW_TC_DOUBLE:
			r->p += 8;
			break;
		case PQW_TC_BINARY:
			n->binlen = rd_varint(r);
			n->bin = r->p;
			r->p += n->binlen;
			break;
		case PQW_TC_LIST:
			{
				uint8_t		h = *r->p++;
				size_t		size = h >> 4;
				int			et = h & 0x0F;

				if (size == 15)
					size = rd_varint(r);
				for (size_t k = 0; k < size && !r->bad; k++)
				{
					tnode		kid;

					memset(&kid, 0, sizeof(kid));
					rd_value(r, &kid, et, 1);
					add_kid(n, &kid);
				}
				n->type = PQW_TC_LIST;
				break;
			}
		case PQW_TC_STRUCT:
			rd_struct(r, n);
			break;
		default:
			r->bad = 1;
	}
	if (r->p > r->end)
		r->bad = 1;
}

/* Parse the FileMetaData at the end of a file in memory. */
static void
parse_footer(const membuf *f, tnode *fmd)
{
	uint32_t	flen;
	treader		r;

	memcpy(&flen, f->data + f->len - 8, 4);
	CHECK(flen + 12 <= f->len);
	r.p = f->data + f->len - 8 - flen;
	r.end = f->data + f->len - 8;
	r.bad = 0;
	memset(fmd, 0, sizeof(*fmd));
	rd_struct(&r, fmd);
	CHECK(!r.bad);
	CHECK(r.p == r.end);
}

static tnode *
fld(tnode *s, int id)
{
	static tnode missing;

	for (int k = 0; s && k < s->nkids; k++)
		if (s->kids[k].id == id)
			return &s->kids[k];
	memset(&missing, 0, sizeof(missing));
	missing.type = -1;
	missing.i = -999999;
	return &missing;
}

static void
tfree(tnode *n)
{
	for (int k = 0; k < n->nkids; k++)
		tfree(&n->kids[k]);
	free(n->kids);
}

/* ---- thrift encoder ---- */

static void
test_thrift(void)
{
	pqw_buf		b;
	pqw_thrift	t;
	static const uint8_t vector[] = {
		0x15, 0x04, 0x19, 0x2C, 0x35, 0x00, 0x18, 0x06, 's', 'c', 'h', 'e', 'm', 'a',
		0x15, 0x02, 0x00, 0x15, 0x0C, 0x25, 0x02, 0x18, 0x01, 'x', 0x25, 0x00,
		0x4C, 0x1C, 0x00, 0x00, 0x00, 0x16, 0x00, 0x19, 0x1C, 0x19, 0x1C, 0x26, 0x00,
		0x1C, 0x15, 0x0C, 0x19, 0x25, 0x00, 0x06};

	pqw_buf_init(&b, &talloc);

	/* varint and zigzag */
	pqw_tc_varint(&b, 300);
	CHECK_EQ_INT(b.len, 2);
	CHECK(b.data[0] == 0xAC && b.data[1] == 0x02);
	CHECK_EQ_INT(pqw_tc_zigzag(-1), 1);
	CHECK_EQ_INT(pqw_tc_zigzag(1), 2);
	CHECK_EQ_INT(pqw_tc_zigzag(-2), 3);
	CHECK(pqw_tc_zigzag(INT64_MIN) == UINT64_MAX);

	/* the start of a FileMetaData written by parquet-cpp (notes' vector) */
	b.len = 0;
	pqw_tc_begin(&t, &b);
	pqw_tc_field_i32(&t, 1, 2);
	pqw_tc_field_list_begin(&t, 2, PQW_TC_STRUCT, 2);
	pqw_tc_list_struct_begin(&t);
	pqw_tc_field_i32(&t, 3, 0);
	pqw_tc_field_string(&t, 4, "schema");
	pqw_tc_field_i32(&t, 5, 1);
	pqw_tc_struct_end(&t);
	pqw_tc_list_struct_begin(&t);
	pqw_tc_field_i32(&t, 1, 6);
	pqw_tc_field_i32(&t, 3, 1);
	pqw_tc_field_string(&t, 4, "x");
	pqw_tc_field_i32(&t, 6, 0);
	pqw_tc_field_struct_begin(&t, 10);
	pqw_tc_field_struct_begin(&t, 1);
	pqw_tc_struct_end(&t);
	pqw_tc_struct_end(&t);
	pqw_tc_struct_end(&t);
	pqw_tc_field_i64(&t, 3, 0);
	pqw_tc_field_list_begin(&t, 4, PQW_TC_STRUCT, 1);
	pqw_tc_list_struct_begin(&t);
	pqw_tc_field_list_begin(&t, 1, PQW_TC_STRUCT, 1);
	pqw_tc_list_struct_begin(&t);
	pqw_tc_field_i64(&t, 2, 0);
	pqw_tc_field_struct_begin(&t, 3);
	pqw_tc_field_i32(&t, 1, 6);
	pqw_tc_field_list_begin(&t, 2, PQW_TC_I32, 2);
	pqw_tc_list_i32(&t, 0);
	pqw_tc_list_i32(&t, 3);
	CHECK_EQ_INT(b.len, sizeof(vector));
	CHECK_MEM(b.data, vector, sizeof(vector));

	/* long field deltas, i8 as a raw byte, bools in the type nibble, long lists */
	b.len = 0;
	pqw_tc_begin(&t, &b);
	pqw_tc_field_i8(&t, 1, -2);
	pqw_tc_field_bool(&t, 2, true);
	pqw_tc_field_bool(&t, 3, false);
	pqw_tc_field_i16(&t, 20, 7);
	pqw_tc_field_list_begin(&t, 21, PQW_TC_I32, 20);
	{
		static const uint8_t want[] = {0x13, 0xFE, 0x11, 0x12, 0x04, 0x28, 0x0E, 0x19, 0xF5, 0x14};

		CHECK_EQ_INT(b.len, sizeof(want));
		CHECK_MEM(b.data, want, sizeof(want));
	}
	/* a nested struct has its own id counter; the parent resumes after it */
	b.len = 0;
	pqw_tc_begin(&t, &b);
	pqw_tc_field_struct_begin(&t, 5);
	pqw_tc_field_i32(&t, 2, 1);
	pqw_tc_struct_end(&t);
	pqw_tc_field_i32(&t, 6, 1);
	CHECK(pqw_tc_end(&t));
	{
		static const uint8_t want[] = {0x5C, 0x25, 0x02, 0x00, 0x15, 0x02, 0x00};

		CHECK_EQ_INT(b.len, sizeof(want));
		CHECK_MEM(b.data, want, sizeof(want));
	}
	pqw_buf_free(&b);
}

/* ---- RLE / bit-packed hybrid ---- */

static void
test_rle(void)
{
	pqw_buf		b;
	uint16_t	mixed[8] = {1, 1, 0, 1, 1, 1, 1, 1};
	uint16_t	ones[1000];
	uint32_t	wide[10] = {300, 300, 300, 300, 300, 300, 300, 300, 300, 300};
	uint32_t	three[3] = {1, 2, 3};
	uint32_t	mix2[12] = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 1, 2};

	pqw_buf_init(&b, &talloc);
	CHECK_EQ_INT(pqw_bit_width(0), 0);
	CHECK_EQ_INT(pqw_bit_width(1), 1);
	CHECK_EQ_INT(pqw_bit_width(3), 2);
	CHECK_EQ_INT(pqw_bit_width(4), 3);
	CHECK_EQ_INT(pqw_bit_width(255), 8);

	/* notes: [1,1,0,1,1,1,1,1] bw 1 -> 02 00 00 00 | 03 FB */
	pqw_rle_encode_prefixed(&b, mixed, 2, 8, 1);
	{
		static const uint8_t want[] = {0x02, 0, 0, 0, 0x03, 0xFB};

		CHECK_EQ_INT(b.len, sizeof(want));
		CHECK_MEM(b.data, want, sizeof(want));
	}
	/* notes: 1000 non-nulls -> 03 00 00 00 | D0 0F 01 */
	for (int i = 0; i < 1000; i++)
		ones[i] = 1;
	b.len = 0;
	pqw_rle_encode_prefixed(&b, ones, 2, 1000, 1);
	{
		static const uint8_t want[] = {0x03, 0, 0, 0, 0xD0, 0x0F, 0x01};

		CHECK_EQ_INT(b.len, sizeof(want));
		CHECK_MEM(b.data, want, sizeof(want));
	}
	/* an RLE value takes ceil(bw/8) bytes: 300 at bw 9 is two bytes */
	b.len = 0;
	pqw_rle_encode(&b, wide, 4, 10, 9);
	{
		static const uint8_t want[] = {0x14, 0x2C, 0x01};

		CHECK_EQ_INT(b.len, sizeof(want));
		CHECK_MEM(b.data, want, sizeof(want));
	}
	/* a short literal run is padded to one group: 1,2,3 at bw 2 */
	b.len = 0;
	pqw_rle_encode(&b, three, 4, 3, 2);
	{
		/* 01 | 10<<2 | 11<<4 = 0x39, then zero padding */
		static const uint8_t want[] = {0x03, 0x39, 0x00};

		CHECK_EQ_INT(b.len, sizeof(want));
		CHECK_MEM(b.data, want, sizeof(want));
	}
	/* a run then literals: 10 x 5 RLE, then 1,2 bit-packed (bw 3) */
	b.len = 0;
	pqw_rle_encode(&b, mix2, 4, 12, 3);
	{
		/* 1 | 2<<3 = 0x11, rest zero: one group of 8 values = 3 bytes */
		static const uint8_t want[] = {0x14, 0x05, 0x03, 0x11, 0x00, 0x00};

		CHECK_EQ_INT(b.len, sizeof(want));
		CHECK_MEM(b.data, want, sizeof(want));
	}
	/* booleans, LSB first */
	{
		uint8_t		bools[10] = {1, 0, 1, 1, 0, 0, 0, 0, 0, 1};

		b.len = 0;
		pqw_bitpack_booleans(&b, bools, 10);
		CHECK_EQ_INT(b.len, 2);
		CHECK(b.data[0] == 0x0D && b.data[1] == 0x02);
	}
	pqw_buf_free(&b);
}

/* ---- codecs: compress with ours, decompress with the library ---- */

static int
decompress(pqw_codec codec, const uint8_t *src, size_t n, uint8_t *dst, size_t cap,
		   size_t *outlen)
{
	switch (codec)
	{
		case PQW_UNCOMPRESSED:
			if (n > cap)
				return 0;
			memcpy(dst, src, n);
			*outlen = n;
			return 1;
		case PQW_SNAPPY:
			*outlen = cap;
			return snappy_uncompress((const char *) src, n, (char *) dst, outlen) == SNAPPY_OK;
		case PQW_GZIP:
			{
				z_stream	zs;
				int			rc;

				memset(&zs, 0, sizeof(zs));
				/* 16 + 15: accept gzip framing only */
				if (inflateInit2(&zs, 16 + 15) != Z_OK)
					return 0;
				zs.next_in = (Bytef *) src;
				zs.avail_in = n;
				zs.next_out = dst;
				zs.avail_out = cap;
				rc = inflate(&zs, Z_FINISH);
				*outlen = zs.total_out;
				inflateEnd(&zs);
				return rc == Z_STREAM_END && zs.avail_in == 0;
			}
		case PQW_BROTLI:
			*outlen = cap;
			return BrotliDecoderDecompress(n, src, outlen, dst) == BROTLI_DECODER_RESULT_SUCCESS;
		case PQW_ZSTD:
			{
				size_t		rc = ZSTD_decompress(dst, cap, src, n);

				*outlen = rc;
				return !ZSTD_isError(rc);
			}
		case PQW_LZ4_RAW:
			{
				int			rc = LZ4_decompress_safe((const char *) src, (char *) dst, (int) n, (int) cap);

				*outlen = rc;
				return rc >= 0;
			}
	}
	return 0;
}

static const pqw_codec all_codecs[] = {
	PQW_UNCOMPRESSED, PQW_SNAPPY, PQW_GZIP, PQW_BROTLI, PQW_ZSTD, PQW_LZ4_RAW
};
#define N_CODECS (sizeof(all_codecs) / sizeof(all_codecs[0]))

static void
test_codecs(void)
{
	size_t		n = 200000;
	uint8_t    *src = malloc(n);
	uint8_t    *back = malloc(n + 16);
	uint8_t    *first = malloc(n + 1024);
	size_t		first_len;
	char		err[256];
	pqw_codec	c;

	for (size_t i = 0; i < n; i++)
		src[i] = (uint8_t) ((i * 7) % 251 ^ (i >> 10));

	for (size_t k = 0; k < N_CODECS; k++)
	{
		for (int pass = 0; pass < 2; pass++)
		{
			pqw_compressor comp;
			pqw_buf		out;
			size_t		outlen = 0;
			int			level = PQW_LEVEL_DEFAULT;

			/* the second pass uses a non-default level where there are levels */
			if (pass == 1)
			{
				if (all_codecs[k] == PQW_ZSTD)
					level = 19;
				else if (all_codecs[k] == PQW_GZIP)
					level = 9;
				else if (all_codecs[k] == PQW_BROTLI)
					level = 9;
				else if (all_codecs[k] == PQW_LZ4_RAW)
					level = 9;
				else
					continue;
			}
			pqw_buf_init(&out, &talloc);
			pqw_compressor_init(&comp, all_codecs[k], level, &talloc);
			/* twice: the reused zlib/zstd/LZ4 HC state must give the same bytes */
			CHECK_EQ_INT(pqw_compress(&comp, src, n, &out, err, sizeof(err)), PQW_OK);
			first_len = out.len;
			CHECK(first_len <= n + 1024);
			memcpy(first, out.data, first_len <= n + 1024 ? first_len : 0);
			CHECK_EQ_INT(pqw_compress(&comp, src, n, &out, err, sizeof(err)), PQW_OK);
			CHECK_EQ_INT(out.len, first_len);
			CHECK(out.len == first_len && memcmp(out.data, first, first_len) == 0);
			CHECK(decompress(all_codecs[k], out.data, out.len, back, n + 16, &outlen));
			CHECK_EQ_INT(outlen, n);
			CHECK(memcmp(back, src, n) == 0);
			if (all_codecs[k] != PQW_UNCOMPRESSED)
				CHECK(out.len < n);
			/* an empty page body compresses and decompresses too */
			CHECK_EQ_INT(pqw_compress(&comp, src, 0, &out, err, sizeof(err)), PQW_OK);
			CHECK(decompress(all_codecs[k], out.data, out.len, back, n, &outlen));
			CHECK_EQ_INT(outlen, 0);
			pqw_compressor_free(&comp);
			pqw_buf_free(&out);
		}
	}

	CHECK(pqw_codec_from_name("zstd", &c) && c == PQW_ZSTD);
	CHECK(pqw_codec_from_name("lz4_raw", &c) && c == PQW_LZ4_RAW);
	CHECK(!pqw_codec_from_name("lz4", &c));
	CHECK(!pqw_codec_from_name("ZSTD", &c));
	CHECK(pqw_codec_check_level(PQW_ZSTD, 22, err, sizeof(err)));
	CHECK(!pqw_codec_check_level(PQW_ZSTD, 23, err, sizeof(err)));
	CHECK(strstr(err, "between") != NULL);
	CHECK(!pqw_codec_check_level(PQW_SNAPPY, 1, err, sizeof(err)));
	CHECK(pqw_codec_check_level(PQW_SNAPPY, PQW_LEVEL_DEFAULT, err, sizeof(err)));
	CHECK(!pqw_codec_check_level(PQW_GZIP, 10, err, sizeof(err)));
	CHECK(!pqw_codec_check_level(PQW_BROTLI, 12, err, sizeof(err)));
	free(src);
	free(back);
	free(first);
}

/* ---- whole files ---- */

#define N_ROWS 1000

/* leaf indices of the test schema */
enum
{
	L_ID, L_NAME, L_FLAG, L_TAG, L_DEC, L_REAL
};

static void
put_be(uint8_t *dst, int n, int64_t v)
{
	for (int i = n - 1; i >= 0; i--)
	{
		dst[i] = (uint8_t) (v & 0xFF);
		v >>= 8;				/* arithmetic shift keeps the sign */
	}
}

/* options.threads of write_test_file */
static int	test_threads = 1;

static pqw_status
write_test_file(membuf *out, pqw_codec codec, int64_t rg_rows, size_t dict_bytes,
				size_t page_bytes, pqw_writer **wout)
{
	pqw_options	o;
	pqw_writer *w;
	pqw_logical	l;
	int			tags,
				list;
	pqw_status	st;

	pqw_options_init(&o);
	o.codec = codec;
	o.row_group_rows = rg_rows;
	o.dictionary_bytes = dict_bytes;
	o.page_bytes = page_bytes;
	o.created_by = "protobuf_fdw version 1.0.0 (build test)";
	o.threads = test_threads;
	w = pqw_writer_create(&talloc, &o, mem_write, out);
	*wout = w;
	if (w == NULL)
		return PQW_ERR_NOMEM;

	memset(&l, 0, sizeof(l));
	l.kind = PQW_LT_INTEGER;
	l.bit_width = 64;
	l.is_signed = true;
	pqw_schema_add_leaf(w, -1, "id", PQW_OPTIONAL, PQW_INT64, 0, &l, 1);
	l.kind = PQW_LT_STRING;
	pqw_schema_add_leaf(w, -1, "name", PQW_OPTIONAL, PQW_BYTE_ARRAY, 0, &l, -1);
	pqw_schema_add_leaf(w, -1, "flag", PQW_OPTIONAL, PQW_BOOLEAN, 0, NULL, -1);
	tags = pqw_schema_add_group(w, -1, "tags", PQW_OPTIONAL, PQW_LT_LIST, -1);
	list = pqw_schema_add_group(w, tags, "list", PQW_REPEATED, PQW_LT_NONE, -1);
	l.kind = PQW_LT_STRING;
	pqw_schema_add_leaf(w, list, "element", PQW_OPTIONAL, PQW_BYTE_ARRAY, 0, &l, -1);
	l.kind = PQW_LT_DECIMAL;
	l.precision = 38;
	l.scale = 2;
	pqw_schema_add_leaf(w, -1, "dec", PQW_OPTIONAL, PQW_FIXED_LEN_BYTE_ARRAY, 16, &l, -1);
	pqw_schema_add_leaf(w, -1, "real", PQW_REQUIRED, PQW_DOUBLE, 0, NULL, -1);

	st = pqw_writer_begin(w);
	for (int64_t i = 0; i < N_ROWS && st == PQW_OK; i++)
	{
		char		name[16];
		uint8_t		flag = i % 2;
		uint8_t		dec[16];
		double		real = (i % 3 == 0) ? -0.0 : (double) i / 4;
		char		tag[8];

		pqw_column_append(w, L_ID, 1, 0, &i, 8);
		if (i % 7 == 0)
			pqw_column_append(w, L_NAME, 0, 0, NULL, 0);
		else
		{
			snprintf(name, sizeof(name), "n%d", (int) (i % 10));
			pqw_column_append(w, L_NAME, 1, 0, name, strlen(name));
		}
		pqw_column_append(w, L_FLAG, 1, 0, &flag, 1);
		switch (i % 4)
		{
			case 0:				/* NULL list */
				pqw_column_append(w, L_TAG, 0, 0, NULL, 0);
				break;
			case 1:				/* empty list */
				pqw_column_append(w, L_TAG, 1, 0, NULL, 0);
				break;
			case 2:				/* {NULL} */
				pqw_column_append(w, L_TAG, 2, 0, NULL, 0);
				break;
			case 3:				/* {a, b<i%3>} */
				pqw_column_append(w, L_TAG, 3, 0, "a", 1);
				snprintf(tag, sizeof(tag), "b%d", (int) (i % 3));
				pqw_column_append(w, L_TAG, 3, 1, tag, strlen(tag));
				break;
		}
		put_be(dec, 16, (i - 500) * 100);
		pqw_column_append(w, L_DEC, 1, 0, dec, 16);
		pqw_column_append(w, L_REAL, 0, 0, &real, 8);
		st = pqw_writer_end_row(w);
	}
	if (st == PQW_OK)
		st = pqw_writer_add_kv(w, "source", "unit test");
	if (st == PQW_OK)
		st = pqw_writer_finish(w);
	return st;
}

typedef struct file_check
{
	int			n_dict_chunks;
	int			n_data_pages;
	int			pages_ok;
} file_check;

/* Walk the pages of one chunk, decompress each, check the sizes add up. */
static void
check_chunk_pages(const membuf *f, pqw_codec codec, tnode *md, file_check *fc)
{
	int64_t		dict_off = fld(md, 11)->type == -1 ? -1 : fld(md, 11)->i;
	int64_t		data_off = fld(md, 9)->i;
	int64_t		start = dict_off >= 0 ? dict_off : data_off;
	int64_t		total = fld(md, 7)->i;
	int64_t		total_unc = fld(md, 6)->i;
	int64_t		pos = start;
	int64_t		values = 0;
	int64_t		unc = 0;

	if (dict_off >= 0)
	{
		CHECK(dict_off < data_off);
		fc->n_dict_chunks++;
	}
	while (pos < start + total)
	{
		treader		r = {f->data + pos, f->data + f->len, 0};
		tnode		ph;
		int64_t		hlen;
		int64_t		csize,
					usize;
		uint8_t    *back;
		size_t		outlen = 0;

		memset(&ph, 0, sizeof(ph));
		rd_struct(&r, &ph);
		CHECK(!r.bad);
		hlen = r.p - (f->data + pos);
		usize = fld(&ph, 2)->i;
		csize = fld(&ph, 3)->i;
		if (fld(&ph, 1)->i == 0)
		{
			values += fld(fld(&ph, 5), 1)->i;
			fc->n_data_pages++;
			if (pos == start + (dict_off >= 0 ? 0 : 0) && dict_off < 0)
				CHECK_EQ_INT(pos, data_off);
		}
		else
		{
			CHECK_EQ_INT(fld(&ph, 1)->i, 2);
			CHECK_EQ_INT(pos, dict_off);
		}
		back = malloc(usize + 16);
		fc->pages_ok += decompress(codec, f->data + pos + hlen, csize, back, usize + 16, &outlen) &&
			(int64_t) outlen == usize;
		free(back);
		unc += hlen + usize;
		pos += hlen + csize;
		tfree(&ph);
	}
	CHECK_EQ_INT(pos, start + total);
	CHECK_EQ_INT(unc, total_unc);
	CHECK_EQ_INT(values, fld(md, 5)->i);
}

static int64_t
list_entries(int64_t from, int64_t to)
{
	int64_t		n = 0;

	for (int64_t i = from; i < to; i++)
		n += (i % 4 == 3) ? 2 : 1;
	return n;
}

static void
test_file(pqw_codec codec)
{
	membuf		f = {NULL, 0, 0, -1};
	pqw_writer *w;
	tnode		fmd;
	tnode	   *groups;
	file_check	fc = {0, 0, 0};
	int64_t		rows = 0;

	CHECK_EQ_INT(write_test_file(&f, codec, 300, 1024 * 1024, 128, &w), PQW_OK);
	CHECK_EQ_INT(pqw_writer_rows(w), N_ROWS);
	CHECK_EQ_INT(pqw_writer_row_groups(w), 4);
	CHECK_EQ_INT(pqw_writer_bytes_written(w), f.len);
	pqw_writer_destroy(w);
	CHECK_EQ_INT(live_allocs, 0);

	if (getenv("PQW_UNIT_DUMP") && codec == PQW_SNAPPY)
	{
		FILE	   *fp = fopen(getenv("PQW_UNIT_DUMP"), "wb");

		fwrite(f.data, 1, f.len, fp);
		fclose(fp);
	}

	CHECK_MEM(f.data, "PAR1", 4);
	CHECK_MEM(f.data + f.len - 4, "PAR1", 4);
	parse_footer(&f, &fmd);

	CHECK_EQ_INT(fld(&fmd, 1)->i, 1);
	CHECK_EQ_INT(fld(&fmd, 3)->i, N_ROWS);
	/* schema: root + id name flag tags list element dec real */
	CHECK_EQ_INT(fld(&fmd, 2)->nkids, 9);
	CHECK_EQ_INT(fld(&fld(&fmd, 2)->kids[0], 5)->i, 6);
	CHECK_EQ_INT(fld(&fld(&fmd, 2)->kids[1], 9)->i, 1);	/* field_id */
	CHECK_EQ_INT(fld(fld(fld(&fld(&fmd, 2)->kids[1], 10), 10), 1)->i, 64);	/* INTEGER bitWidth */
	CHECK_EQ_INT(fld(fld(fld(&fld(&fmd, 2)->kids[1], 10), 10), 1)->type, PQW_TC_I8);
	CHECK_EQ_INT(fld(&fld(&fmd, 2)->kids[4], 6)->i, 3);	/* tags: LIST */
	CHECK_EQ_INT(fld(&fld(&fmd, 2)->kids[5], 3)->i, PQW_REPEATED);
	CHECK_EQ_INT(fld(&fld(&fmd, 2)->kids[7], 2)->i, 16);	/* FLBA length */
	CHECK_EQ_INT(fld(&fld(&fmd, 2)->kids[7], 8)->i, 38);	/* precision */
	CHECK_EQ_INT(fld(&fld(&fmd, 2)->kids[8], 3)->i, PQW_REQUIRED);
	/* key-value metadata, created_by, one column order per leaf */
	CHECK_EQ_INT(fld(&fmd, 5)->nkids, 1);
	CHECK(fld(&fld(&fmd, 5)->kids[0], 2)->binlen == 9 &&
		  memcmp(fld(&fld(&fmd, 5)->kids[0], 2)->bin, "unit test", 9) == 0);
	CHECK(fld(&fmd, 6)->binlen == strlen("protobuf_fdw version 1.0.0 (build test)"));
	CHECK_EQ_INT(fld(&fmd, 7)->nkids, 6);

	groups = fld(&fmd, 4);
	CHECK_EQ_INT(groups->nkids, 4);
	for (int g = 0; g < groups->nkids; g++)
	{
		tnode	   *rg = &groups->kids[g];
		tnode	   *cols = fld(rg, 1);
		int64_t		nrows = fld(rg, 3)->i;
		int64_t		first = rows;
		int64_t		expect_off = fld(rg, 5)->i;
		int64_t		sum_unc = 0,
					sum_comp = 0;

		CHECK_EQ_INT(nrows, g < 3 ? 300 : 100);
		CHECK_EQ_INT(fld(rg, 7)->i, g);
		CHECK_EQ_INT(cols->nkids, 6);
		for (int c = 0; c < cols->nkids; c++)
		{
			tnode	   *md = fld(&cols->kids[c], 3);
			int64_t		dict_off = fld(md, 11)->type == -1 ? -1 : fld(md, 11)->i;
			int64_t		start = dict_off >= 0 ? dict_off : fld(md, 9)->i;
			tnode	   *st = fld(md, 12);

			/* chunks are contiguous and the row group starts at the first */
			CHECK_EQ_INT(start, expect_off);
			expect_off = start + fld(md, 7)->i;
			sum_unc += fld(md, 6)->i;
			sum_comp += fld(md, 7)->i;
			CHECK_EQ_INT(fld(md, 4)->i, codec);
			check_chunk_pages(&f, codec, md, &fc);

			if (c == L_ID)
			{
				int64_t		mn,
							mx;

				CHECK_EQ_INT(fld(md, 5)->i, nrows);
				CHECK_EQ_INT(fld(st, 3)->i, 0);
				memcpy(&mn, fld(st, 6)->bin, 8);
				memcpy(&mx, fld(st, 5)->bin, 8);
				CHECK_EQ_INT(mn, first);
				CHECK_EQ_INT(mx, first + nrows - 1);
				CHECK(fld(st, 2)->type == PQW_TC_BINARY);	/* legacy min for ints */
			}
			else if (c == L_NAME)
			{
				int64_t		nulls = 0;

				for (int64_t i = first; i < first + nrows; i++)
					nulls += (i % 7 == 0);
				CHECK_EQ_INT(fld(st, 3)->i, nulls);
				CHECK(fld(st, 6)->binlen == 2 && memcmp(fld(st, 6)->bin, "n0", 2) == 0);
				CHECK(fld(st, 5)->binlen == 2 && memcmp(fld(st, 5)->bin, "n9", 2) == 0);
				CHECK(fld(st, 2)->type == -1);	/* never legacy for strings */
				CHECK(fld(md, 11)->type != -1);	/* ten distinct: dictionary */
			}
			else if (c == L_TAG)
			{
				CHECK_EQ_INT(fld(md, 5)->i, list_entries(first, first + nrows));
				/* NULL list, empty list, {NULL}: all count as nulls */
				CHECK_EQ_INT(fld(st, 3)->i, list_entries(first, first + nrows) -
							 2 * (list_entries(first, first + nrows) - nrows));
				CHECK_EQ_INT(fld(&cols->kids[c], 3)->type, PQW_TC_STRUCT);
				CHECK_EQ_INT(fld(md, 3)->nkids, 3);	/* tags.list.element */
			}
			else if (c == L_DEC)
			{
				uint8_t		want[16];

				put_be(want, 16, (first - 500) * 100);
				CHECK(fld(st, 6)->binlen == 16 && memcmp(fld(st, 6)->bin, want, 16) == 0);
				put_be(want, 16, (first + nrows - 1 - 500) * 100);
				CHECK(fld(st, 5)->binlen == 16 && memcmp(fld(st, 5)->bin, want, 16) == 0);
			}
			else if (c == L_REAL)
			{
				double		mn;

				/* -0.0 values and a required column: min is -0.0 */
				memcpy(&mn, fld(st, 6)->bin, 8);
				CHECK(mn == 0.0 && signbit(mn));
			}
			else if (c == L_FLAG)
				CHECK(fld(md, 11)->type == -1);	/* no dictionary for booleans */
		}
		CHECK_EQ_INT(fld(rg, 2)->i, sum_unc);
		CHECK_EQ_INT(fld(rg, 6)->i, sum_comp);
		rows += nrows;
	}
	/* the last chunk ends where the footer starts */
	CHECK_EQ_INT(fc.pages_ok, fc.n_data_pages + fc.n_dict_chunks);
	/* 1 KiB pages: the 300-row chunks need more than one page somewhere */
	CHECK(fc.n_data_pages > 24);
	tfree(&fmd);
	free(f.data);
}

static void
test_dictionary_fallback(void)
{
	membuf		f = {NULL, 0, 0, -1};
	pqw_writer *w;
	tnode		fmd;
	tnode	   *md;

	/* a 16-byte dictionary limit: every chunk with values falls back */
	CHECK_EQ_INT(write_test_file(&f, PQW_UNCOMPRESSED, N_ROWS, 16, 1024 * 1024, &w), PQW_OK);
	pqw_writer_destroy(w);
	parse_footer(&f, &fmd);
	md = fld(&fld(&fld(&fmd, 4)->kids[0], 1)->kids[L_NAME], 3);
	CHECK(fld(md, 11)->type == -1);
	CHECK_EQ_INT(fld(md, 2)->nkids, 2);	/* PLAIN, RLE */
	CHECK_EQ_INT(fld(md, 2)->kids[0].i, 0);
	CHECK_EQ_INT(fld(md, 2)->kids[1].i, 3);
	tfree(&fmd);
	free(f.data);

	/* with the default limit the same chunk is dictionary-encoded */
	f.len = 0;
	f.data = NULL;
	f.cap = 0;
	CHECK_EQ_INT(write_test_file(&f, PQW_UNCOMPRESSED, N_ROWS, 1024 * 1024, 1024 * 1024, &w), PQW_OK);
	pqw_writer_destroy(w);
	parse_footer(&f, &fmd);
	md = fld(&fld(&fld(&fmd, 4)->kids[0], 1)->kids[L_NAME], 3);
	CHECK(fld(md, 11)->type != -1);
	CHECK_EQ_INT(fld(md, 2)->nkids, 3);	/* PLAIN (dictionary page), RLE, RLE_DICTIONARY */
	CHECK_EQ_INT(fld(md, 2)->kids[2].i, 8);
	/* all-distinct ids: dictionary plus indices would be larger than PLAIN */
	CHECK(fld(fld(&fld(&fld(&fmd, 4)->kids[0], 1)->kids[L_ID], 3), 11)->type == -1);
	/* 1000 distinct 16-byte decimals: the same */
	CHECK(fld(fld(&fld(&fld(&fmd, 4)->kids[0], 1)->kids[L_DEC], 3), 11)->type == -1);
	{
		/* the dictionary page holds the 10 distinct names */
		treader		pr = {f.data + fld(md, 11)->i, f.data + f.len, 0};
		tnode		ph;

		memset(&ph, 0, sizeof(ph));
		rd_struct(&pr, &ph);
		CHECK_EQ_INT(fld(&ph, 1)->i, 2);
		CHECK_EQ_INT(fld(fld(&ph, 7), 1)->i, 10);
		tfree(&ph);
	}
	tfree(&fmd);
	free(f.data);
	CHECK_EQ_INT(live_allocs, 0);
}

/* a begun writer with two optional INT32 columns a and b */
static pqw_writer *
two_int_columns(const pqw_options *o, membuf *f)
{
	pqw_writer *w = pqw_writer_create(&talloc, o, mem_write, f);

	pqw_schema_add_leaf(w, -1, "a", PQW_OPTIONAL, PQW_INT32, 0, NULL, -1);
	pqw_schema_add_leaf(w, -1, "b", PQW_OPTIONAL, PQW_INT32, 0, NULL, -1);
	CHECK_EQ_INT(pqw_writer_begin(w), PQW_OK);
	return w;
}

/*
 * Chunks with no value bytes at all: only empty strings, only NULLs.  Under
 * SANITIZE=1 this catches NULL + 0 and memcmp(NULL, NULL, 0) (fuzz findings).
 */
static void
test_empty_values(void)
{
	membuf		f = {NULL, 0, 0, -1};
	pqw_options	o;
	pqw_writer *w;
	tnode		fmd;
	tnode	   *cols;

	pqw_options_init(&o);
	w = pqw_writer_create(&talloc, &o, mem_write, &f);
	pqw_schema_add_leaf(w, -1, "empty", PQW_OPTIONAL, PQW_BYTE_ARRAY, 0, NULL, -1);
	pqw_schema_add_leaf(w, -1, "nulls", PQW_OPTIONAL, PQW_BYTE_ARRAY, 0, NULL, -1);
	pqw_schema_add_leaf(w, -1, "nullints", PQW_OPTIONAL, PQW_INT32, 0, NULL, -1);
	CHECK_EQ_INT(pqw_writer_begin(w), PQW_OK);
	for (int i = 0; i < 10; i++)
	{
		CHECK_EQ_INT(pqw_column_append(w, 0, 1, 0, "", 0), PQW_OK);
		CHECK_EQ_INT(pqw_column_append(w, 1, 0, 0, NULL, 0), PQW_OK);
		CHECK_EQ_INT(pqw_column_append(w, 2, 0, 0, NULL, 0), PQW_OK);
		CHECK_EQ_INT(pqw_writer_end_row(w), PQW_OK);
	}
	CHECK_EQ_INT(pqw_writer_finish(w), PQW_OK);
	pqw_writer_destroy(w);
	parse_footer(&f, &fmd);
	cols = fld(&fld(&fmd, 4)->kids[0], 1);
	/* ten empty strings: one dictionary entry, bounds "" and "" */
	CHECK_EQ_INT(fld(fld(&cols->kids[0], 3), 12)->type, PQW_TC_STRUCT);
	CHECK_EQ_INT(fld(fld(fld(&cols->kids[0], 3), 12), 3)->i, 0);
	CHECK_EQ_INT(fld(fld(fld(&cols->kids[0], 3), 12), 6)->binlen, 0);
	CHECK(fld(fld(fld(&cols->kids[0], 3), 12), 6)->type == PQW_TC_BINARY);
	/* all NULL: null_count 10, no bounds, no dictionary */
	CHECK_EQ_INT(fld(fld(fld(&cols->kids[1], 3), 12), 3)->i, 10);
	CHECK(fld(fld(fld(&cols->kids[1], 3), 12), 6)->type == -1);
	CHECK(fld(fld(&cols->kids[2], 3), 11)->type == -1);
	tfree(&fmd);
	free(f.data);
}

/* row_group_bytes: an optional INT64 buffers 8 value + 2 level bytes a row */
static void
test_row_group_bytes(void)
{
	membuf		f = {NULL, 0, 0, -1};
	pqw_options	o;
	pqw_writer *w;
	tnode		fmd;

	pqw_options_init(&o);
	o.row_group_bytes = 4096;
	w = pqw_writer_create(&talloc, &o, mem_write, &f);
	pqw_schema_add_leaf(w, -1, "x", PQW_OPTIONAL, PQW_INT64, 0, NULL, -1);
	CHECK_EQ_INT(pqw_writer_begin(w), PQW_OK);
	for (int64_t i = 0; i < 1000; i++)
	{
		CHECK_EQ_INT(pqw_column_append(w, 0, 1, 0, &i, 8), PQW_OK);
		CHECK_EQ_INT(pqw_writer_end_row(w), PQW_OK);
		/* 410 rows make 4100 bytes: the group is written at that row */
		CHECK_EQ_INT(pqw_writer_buffered_bytes(w), ((i + 1) % 410) * 10);
	}
	CHECK_EQ_INT(pqw_writer_finish(w), PQW_OK);
	CHECK_EQ_INT(pqw_writer_row_groups(w), 3);
	pqw_writer_destroy(w);
	parse_footer(&f, &fmd);
	CHECK_EQ_INT(fld(&fmd, 4)->nkids, 3);
	CHECK_EQ_INT(fld(&fld(&fmd, 4)->kids[0], 3)->i, 410);
	CHECK_EQ_INT(fld(&fld(&fmd, 4)->kids[1], 3)->i, 410);
	CHECK_EQ_INT(fld(&fld(&fmd, 4)->kids[2], 3)->i, 180);
	tfree(&fmd);
	free(f.data);
}

/* Bounds of a DOUBLE chunk: none when a NaN is in it, -0.0/+0.0 for zeros. */
static void
test_float_stats(void)
{
	static const double with_nan[] = {1.5, NAN, -2.0};
	static const double zeros[] = {0.0, 0.0};

	for (int k = 0; k < 2; k++)
	{
		membuf		f = {NULL, 0, 0, -1};
		pqw_options	o;
		pqw_writer *w;
		tnode		fmd;
		tnode	   *st;
		const double *vals = k == 0 ? with_nan : zeros;
		int			n = k == 0 ? 3 : 2;

		pqw_options_init(&o);
		w = pqw_writer_create(&talloc, &o, mem_write, &f);
		pqw_schema_add_leaf(w, -1, "d", PQW_OPTIONAL, PQW_DOUBLE, 0, NULL, -1);
		CHECK_EQ_INT(pqw_writer_begin(w), PQW_OK);
		for (int i = 0; i < n; i++)
		{
			CHECK_EQ_INT(pqw_column_append(w, 0, 1, 0, &vals[i], 8), PQW_OK);
			CHECK_EQ_INT(pqw_writer_end_row(w), PQW_OK);
		}
		CHECK_EQ_INT(pqw_column_append(w, 0, 0, 0, NULL, 0), PQW_OK);
		CHECK_EQ_INT(pqw_writer_end_row(w), PQW_OK);
		CHECK_EQ_INT(pqw_writer_finish(w), PQW_OK);
		pqw_writer_destroy(w);
		parse_footer(&f, &fmd);
		st = fld(fld(&fld(&fld(&fmd, 4)->kids[0], 1)->kids[0], 3), 12);
		CHECK_EQ_INT(fld(st, 3)->i, 1);
		if (k == 0)
		{
			CHECK(fld(st, 5)->type == -1 && fld(st, 6)->type == -1);
			CHECK(fld(st, 1)->type == -1 && fld(st, 2)->type == -1);
		}
		else
		{
			double		mn,
						mx;

			memcpy(&mn, fld(st, 6)->bin, 8);
			memcpy(&mx, fld(st, 5)->bin, 8);
			CHECK(mn == 0.0 && signbit(mn));
			CHECK(mx == 0.0 && !signbit(mx));
		}
		tfree(&fmd);
		free(f.data);
	}
}

/*
 * A failing write surfaces as PQW_ERR_IO with the callback's message; every
 * allocation failure is reported, never a crash or a leak.
 */
static void
check_failures(int threads, int64_t rg_rows)
{
	membuf		full = {NULL, 0, 0, 2000};
	pqw_writer *w;

	test_threads = threads;
	CHECK_EQ_INT(write_test_file(&full, PQW_ZSTD, rg_rows, 1024 * 1024, 1024, &w), PQW_ERR_IO);
	CHECK(strstr(pqw_writer_error(w), "disk full") != NULL);
	pqw_writer_destroy(w);
	free(full.data);

	for (long budget = 0; budget < 400; budget += 7)
	{
		membuf		m = {NULL, 0, 0, -1};
		pqw_status	st;

		alloc_budget = budget;
		st = write_test_file(&m, PQW_ZSTD, rg_rows, 1024 * 1024, 1024, &w);
		alloc_budget = -1;
		if (st != PQW_ERR_NOMEM && st != PQW_OK)
			fprintf(stderr, "allocation budget %ld: status %d: %s\n",
					budget, st, w ? pqw_writer_error(w) : "");
		CHECK(st == PQW_ERR_NOMEM || st == PQW_OK);
		pqw_writer_destroy(w);
		free(m.data);
	}
	test_threads = 1;
}

static void
test_empty_and_errors(void)
{
	membuf		f = {NULL, 0, 0, -1};
	pqw_options	o;
	pqw_writer *w;
	uint32_t	flen;
	treader		r;
	tnode		fmd;
	int			g;

	/* no rows: a valid file with zero row groups */
	pqw_options_init(&o);
	w = pqw_writer_create(&talloc, &o, mem_write, &f);
	pqw_schema_add_leaf(w, -1, "x", PQW_OPTIONAL, PQW_INT32, 0, NULL, -1);
	CHECK_EQ_INT(pqw_writer_begin(w), PQW_OK);
	CHECK_EQ_INT(pqw_writer_finish(w), PQW_OK);
	CHECK_EQ_INT(pqw_writer_row_groups(w), 0);
	pqw_writer_destroy(w);
	memcpy(&flen, f.data + f.len - 8, 4);
	CHECK_EQ_INT(f.len, 4 + flen + 8);
	r.p = f.data + 4;
	r.end = f.data + f.len - 8;
	r.bad = 0;
	memset(&fmd, 0, sizeof(fmd));
	rd_struct(&r, &fmd);
	CHECK(!r.bad);
	CHECK_EQ_INT(fld(&fmd, 3)->i, 0);
	CHECK_EQ_INT(fld(&fmd, 4)->nkids, 0);
	CHECK_EQ_INT(fld(&fmd, 4)->type, PQW_TC_LIST);
	tfree(&fmd);

	/* zero columns are refused */
	f.len = 0;
	w = pqw_writer_create(&talloc, &o, mem_write, &f);
	CHECK_EQ_INT(pqw_writer_begin(w), PQW_ERR_ARG);
	CHECK(strstr(pqw_writer_error(w), "at least one column") != NULL);
	pqw_writer_destroy(w);

	/* an empty group is refused; a parent off the depth-first path too */
	w = pqw_writer_create(&talloc, &o, mem_write, &f);
	g = pqw_schema_add_group(w, -1, "g", PQW_OPTIONAL, PQW_LT_NONE, -1);
	CHECK(g >= 0);
	CHECK_EQ_INT(pqw_writer_begin(w), PQW_ERR_ARG);
	pqw_writer_destroy(w);
	w = pqw_writer_create(&talloc, &o, mem_write, &f);
	g = pqw_schema_add_group(w, -1, "g", PQW_OPTIONAL, PQW_LT_NONE, -1);
	pqw_schema_add_leaf(w, g, "a", PQW_OPTIONAL, PQW_INT32, 0, NULL, -1);
	pqw_schema_add_leaf(w, -1, "b", PQW_OPTIONAL, PQW_INT32, 0, NULL, -1);
	CHECK_EQ_INT(pqw_schema_add_leaf(w, g, "c", PQW_OPTIONAL, PQW_INT32, 0, NULL, -1), -1);
	pqw_writer_destroy(w);

	/* bad levels, a missing leaf value in a row, a wrong value width */
	w = two_int_columns(&o, &f);
	CHECK_EQ_INT(pqw_column_append(w, 0, 2, 0, NULL, 0), PQW_ERR_ARG);
	pqw_writer_destroy(w);
	w = two_int_columns(&o, &f);
	CHECK_EQ_INT(pqw_column_append(w, 0, 0, 0, NULL, 0), PQW_OK);
	CHECK_EQ_INT(pqw_writer_end_row(w), PQW_ERR_ARG);
	CHECK(strstr(pqw_writer_error(w), "leaf column 1") != NULL);
	pqw_writer_destroy(w);
	w = two_int_columns(&o, &f);
	CHECK_EQ_INT(pqw_column_append(w, 0, 1, 0, "12345678", 8), PQW_ERR_ARG);
	pqw_writer_destroy(w);
	free(f.data);

	check_failures(1, 300);
	CHECK_EQ_INT(live_allocs, 0);

	/* an invalid level is reported at creation */
	o.codec = PQW_GZIP;
	o.compression_level = 42;
	w = pqw_writer_create(&talloc, &o, mem_write, &f);
	pqw_schema_add_leaf(w, -1, "a", PQW_OPTIONAL, PQW_INT32, 0, NULL, -1);
	CHECK_EQ_INT(pqw_writer_begin(w), PQW_ERR_ARG);
	CHECK(strstr(pqw_writer_error(w), "between 0 and 9") != NULL);
	pqw_writer_destroy(w);
	CHECK_EQ_INT(live_allocs, 0);
}

/*
 * Threads change where chunks are encoded, never the bytes: every codec,
 * one to many row groups, dictionary and PLAIN, against one thread.
 */
static void
test_threads_identical(void)
{
	static const int64_t rg_rows[] = {N_ROWS, 300, 7};
	static const int threads[] = {0, 2, 3, 5};

	for (size_t k = 0; k < N_CODECS; k++)
		for (size_t r = 0; r < 3; r++)
		{
			membuf		ref = {NULL, 0, 0, -1};
			pqw_writer *w;
			size_t		dict = r == 2 ? 16 : 1024 * 1024;

			test_threads = 1;
			CHECK_EQ_INT(write_test_file(&ref, all_codecs[k], rg_rows[r], dict, 256, &w), PQW_OK);
			pqw_writer_destroy(w);
			for (size_t t = 0; t < 4; t++)
			{
				membuf		f = {NULL, 0, 0, -1};
				int			groups;

				test_threads = threads[t];
				CHECK_EQ_INT(write_test_file(&f, all_codecs[k], rg_rows[r], dict, 256, &w), PQW_OK);
				groups = pqw_writer_row_groups(w);
				pqw_writer_destroy(w);
				CHECK_EQ_INT(groups, (N_ROWS + rg_rows[r] - 1) / rg_rows[r]);
				CHECK_EQ_INT(f.len, ref.len);
				CHECK(f.len == ref.len && memcmp(f.data, ref.data, f.len) == 0);
				free(f.data);
			}
			free(ref.data);
		}
	test_threads = 1;
	CHECK_EQ_INT(live_allocs, 0);
}

/*
 * With threads, errors still surface as statuses: a failing write, failing
 * hooks, a thread count out of range; and a writer dropped or stopped with
 * a row group in flight leaks nothing.
 */
static void
test_threads_errors(void)
{
	membuf		full = {NULL, 0, 0, -1};
	pqw_writer *w;
	pqw_options	o;

	check_failures(2, 50);
	CHECK_EQ_INT(live_allocs, 0);

	/* stopped, then destroyed, with row groups in flight */
	for (int stop = 0; stop < 2; stop++)
	{
		membuf		m = {NULL, 0, 0, -1};

		pqw_options_init(&o);
		o.threads = 3;
		o.row_group_rows = 10;
		w = pqw_writer_create(&talloc, &o, mem_write, &m);
		pqw_schema_add_leaf(w, -1, "x", PQW_OPTIONAL, PQW_INT64, 0, NULL, -1);
		CHECK_EQ_INT(pqw_writer_begin(w), PQW_OK);
		for (int64_t i = 0; i < 25; i++)
		{
			CHECK_EQ_INT(pqw_column_append(w, 0, 1, 0, &i, 8), PQW_OK);
			CHECK_EQ_INT(pqw_writer_end_row(w), PQW_OK);
		}
		if (stop)
		{
			pqw_writer_stop_threads(w);
			pqw_writer_stop_threads(w);
			CHECK_EQ_INT(pqw_writer_finish(w), PQW_ERR_ARG);
			CHECK(strstr(pqw_writer_error(w), "stopped") != NULL);
		}
		pqw_writer_destroy(w);
		free(m.data);
	}
	CHECK_EQ_INT(live_allocs, 0);

	pqw_options_init(&o);
	o.threads = PQW_MAX_THREADS + 1;
	w = pqw_writer_create(&talloc, &o, mem_write, &full);
	CHECK_EQ_INT(pqw_writer_status(w), PQW_ERR_ARG);
	CHECK(strstr(pqw_writer_error(w), "threads") != NULL);
	pqw_writer_destroy(w);
	test_threads = 1;
}

int
main(void)
{
	test_thrift();
	test_rle();
	test_codecs();
	for (size_t k = 0; k < N_CODECS; k++)
		test_file(all_codecs[k]);
	test_dictionary_fallback();
	test_float_stats();
	test_row_group_bytes();
	test_empty_values();
	test_empty_and_errors();
	test_threads_identical();
	test_threads_errors();
	CHECK_EQ_INT(live_allocs, 0);
	return UNIT_REPORT("parquet_writer");
}
