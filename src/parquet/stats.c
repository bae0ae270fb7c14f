/*-------------------------------------------------------------------------
 *
 * stats.c
 *		Column chunk statistics: null_count, min_value and max_value.
 *
 * Readers skip row groups on these, so a wrong value loses data: when in
 * doubt write none.  Orders follow the column's TypeDefinedOrder: signed
 * for integers, floats and DECIMAL, unsigned bytewise for strings, binary
 * and UUID, false < true for BOOLEAN.  A chunk with a NaN gets no bounds
 * at all; zero bounds are written as -0.0 (min) and +0.0 (max) so either
 * zero matches.
 * Byte arrays longer than PQW_STATS_MAX_VALUE_BYTES drop min/max rather
 * than being truncated.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "parquet/pqw_internal.h"

static int
cmp_unsigned_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t		n = alen < blen ? alen : blen;
	int			c = memcmp(a, b, n);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* big-endian two's complement of equal length (DECIMAL on FLBA) */
static int
cmp_signed_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
	if (n == 0)
		return 0;
	if (a[0] != b[0])
		return (int8_t) a[0] < (int8_t) b[0] ? -1 : 1;
	return memcmp(a + 1, b + 1, n - 1);
}

/* BOOLEAN and byte arrays, in their column's order */
static inline int
cmp_values(const pqw_column *c, const uint8_t *a, size_t alen,
		   const uint8_t *b, size_t blen)
{
	switch (c->type)
	{
		case PQW_BOOLEAN:
			return (int) a[0] - (int) b[0];
		case PQW_FIXED_LEN_BYTE_ARRAY:
			if (c->signed_bytes)
				return cmp_signed_bytes(a, b, alen);
			return cmp_unsigned_bytes(a, alen, b, blen);
		case PQW_BYTE_ARRAY:
			return cmp_unsigned_bytes(a, alen, b, blen);
		default:
			break;				/* numeric types: numeric_bounds() */
	}
	return 0;
}

/*
 * The values a chunk's bounds are taken from: all of them, or, when the
 * chunk is dictionary-encoded, one occurrence of each distinct value
 * (the same bounds, from far fewer comparisons).
 */
typedef struct value_set
{
	const uint32_t *which;		/* value indexes, or NULL for 0..n-1 */
	size_t		n;
} value_set;

static inline size_t
value_index(const value_set *set, size_t i)
{
	return set->which ? set->which[i] : i;
}

/*
 * One typed pass over the values of an INT32/INT64/FLOAT/DOUBLE column:
 * the index of its smallest and largest value, or false if a NaN is there.
 * (The generic path compares through cmp_values, a branch per value.)
 */
#define SCAN_BOUNDS(T, NAN_CHECK) \
	do { \
		T			lo_, \
					hi_; \
		*imin = *imax = value_index(set, 0); \
		memcpy(&lo_, c->values.data + *imin * sizeof(T), sizeof(T)); \
		hi_ = lo_; \
		for (size_t i_ = 0; i_ < set->n; i_++) \
		{ \
			size_t		k_ = value_index(set, i_); \
			T			v_; \
			memcpy(&v_, c->values.data + k_ * sizeof(T), sizeof(T)); \
			if (NAN_CHECK && v_ != v_) \
				return false; \
			if (v_ < lo_) \
			{ \
				lo_ = v_; \
				*imin = k_; \
			} \
			if (v_ > hi_) \
			{ \
				hi_ = v_; \
				*imax = k_; \
			} \
		} \
		return true; \
	} while (0)

static bool
numeric_bounds(const pqw_column *c, const value_set *set, size_t *imin, size_t *imax)
{
	switch (c->type)
	{
		case PQW_INT32:
			SCAN_BOUNDS(int32_t, 0);
		case PQW_INT64:
			SCAN_BOUNDS(int64_t, 0);
		case PQW_FLOAT:
			SCAN_BOUNDS(float, 1);
		case PQW_DOUBLE:
			SCAN_BOUNDS(double, 1);
		default:
			return false;
	}
}

/* Replace a zero bound by the signed zero that makes it inclusive. */
static void
fix_zero(const pqw_column *c, uint8_t *v, bool negative)
{
	if (c->type == PQW_FLOAT)
	{
		float		f;

		memcpy(&f, v, 4);
		if (f == 0.0f)
		{
			f = negative ? -0.0f : 0.0f;
			memcpy(v, &f, 4);
		}
	}
	else if (c->type == PQW_DOUBLE)
	{
		double		d;

		memcpy(&d, v, 8);
		if (d == 0.0)
		{
			d = negative ? -0.0 : 0.0;
			memcpy(v, &d, 8);
		}
	}
}

static uint8_t *
copy_bytes(const pqw_alloc *a, const uint8_t *v, size_t len)
{
	uint8_t    *p = pqw_malloc(a, len);

	if (p && len)
		memcpy(p, v, len);
	return p;
}

/*
 * byte_bounds
 *		The least and greatest value of set by cmp_values (BOOLEAN,
 *		BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY), pointing into the column.
 */
static void
byte_bounds(const pqw_column *c, const value_set *set,
			const uint8_t **min, size_t *min_len,
			const uint8_t **max, size_t *max_len)
{
	const uint8_t *lo = NULL,
			   *hi = NULL;
	size_t		lo_len = 0,
				hi_len = 0;

	for (size_t i = 0; i < set->n; i++)
	{
		size_t		len;
		const uint8_t *v = pqw_column_value(c, value_index(set, i), &len);

		if (lo == NULL)
		{
			lo = hi = v;
			lo_len = hi_len = len;
		}
		/* a new minimum cannot also be a new maximum: one comparison mostly */
		else if (cmp_values(c, v, len, lo, lo_len) < 0)
		{
			lo = v;
			lo_len = len;
		}
		else if (cmp_values(c, v, len, hi, hi_len) > 0)
		{
			hi = v;
			hi_len = len;
		}
	}
	*min = lo;
	*min_len = lo_len;
	*max = hi;
	*max_len = hi_len;
}

/*
 * pqw_stats_compute
 *		The statistics of a column chunk: null count, and min and max when
 *		they are usable.
 *
 * False only when out of memory.
 */
bool
pqw_stats_compute(pqw_stats *s, const pqw_column *c, const pqw_alloc *a,
				  const uint32_t *distinct, size_t n_distinct)
{
	value_set	set = {distinct, distinct ? n_distinct : c->n_values};
	const uint8_t *min = NULL,
			   *max = NULL;
	size_t		min_len = 0,
				max_len = 0;

	memset(s, 0, sizeof(*s));
	assert(c->n_values <= c->n_levels && n_distinct <= c->n_values);
	/* every level entry without a value is a null (or an empty list) */
	s->null_count = (int64_t) (c->n_levels - c->n_values);
	if (c->n_values == 0 || set.n == 0)
		return true;

	if (c->type == PQW_INT32 || c->type == PQW_INT64 ||
		c->type == PQW_FLOAT || c->type == PQW_DOUBLE)
	{
		size_t		width = c->width;
		size_t		imin,
					imax;

		/*
		 * A NaN makes the bounds unusable: readers order NaN differently
		 * (DuckDB puts it above every number), and one that prunes with
		 * bounds that leave it out skips the row group for "x = 'NaN'" or
		 * "x > 100".  No bounds are safe; null_count stays.
		 */
		if (!numeric_bounds(c, &set, &imin, &imax))
			return true;
		min = c->values.data + imin * width;
		max = c->values.data + imax * width;
		min_len = max_len = width;
	}
	else
		byte_bounds(c, &set, &min, &min_len, &max, &max_len);
	assert(min != NULL && max != NULL);
	assert(c->type == PQW_BYTE_ARRAY || (min_len == c->width && max_len == c->width));
	if (c->type == PQW_BYTE_ARRAY &&
		(min_len > PQW_STATS_MAX_VALUE_BYTES || max_len > PQW_STATS_MAX_VALUE_BYTES))
		return true;

	s->min = copy_bytes(a, min, min_len);
	s->max = copy_bytes(a, max, max_len);
	if (s->min == NULL || s->max == NULL)
	{
		pqw_stats_free(s, a);
		return false;
	}
	s->min_len = min_len;
	s->max_len = max_len;
	fix_zero(c, s->min, true);
	fix_zero(c, s->max, false);
	s->has_minmax = true;
	/* the deprecated fields were defined with signed comparison only */
	s->legacy = (c->type == PQW_INT32 || c->type == PQW_INT64 ||
				 c->type == PQW_FLOAT || c->type == PQW_DOUBLE);
	return true;
}

void
pqw_stats_free(pqw_stats *s, const pqw_alloc *a)
{
	pqw_free(a, s->min);
	pqw_free(a, s->max);
	s->min = s->max = NULL;
	s->has_minmax = false;
}

bool
pqw_stats_copy(pqw_stats *dst, const pqw_stats *src, const pqw_alloc *a)
{
	*dst = *src;
	dst->min = dst->max = NULL;
	if (!src->has_minmax)
		return true;
	dst->min = pqw_malloc(a, src->min_len);
	dst->max = pqw_malloc(a, src->max_len);
	if (dst->min == NULL || dst->max == NULL)
	{
		pqw_stats_free(dst, a);
		return false;
	}
	memcpy(dst->min, src->min, src->min_len);
	memcpy(dst->max, src->max, src->max_len);
	return true;
}

/* Statistics struct as field field_id of the enclosing struct. */
void
pqw_stats_write(const pqw_stats *s, pqw_thrift *t, int16_t field_id)
{
	pqw_tc_field_struct_begin(t, field_id);
	if (s->has_minmax && s->legacy)
	{
		pqw_tc_field_binary(t, 1, s->max, s->max_len);
		pqw_tc_field_binary(t, 2, s->min, s->min_len);
	}
	pqw_tc_field_i64(t, 3, s->null_count);
	if (s->has_minmax)
	{
		pqw_tc_field_binary(t, 5, s->max, s->max_len);
		pqw_tc_field_binary(t, 6, s->min, s->min_len);
	}
	pqw_tc_struct_end(t);
}
