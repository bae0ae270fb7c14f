/*-------------------------------------------------------------------------
 *
 * encoding.c
 *		The RLE/bit-packed hybrid (levels and dictionary indices), boolean
 *		bit-packing for PLAIN, and dictionary building.
 *
 * Hybrid runs: an RLE run is varint(count << 1) followed by the value in
 * ceil(bit_width / 8) little-endian bytes; a bit-packed run is
 * varint((groups << 1) | 1) followed by groups * 8 values packed LSB first.
 * Only the last bit-packed group of a stream may be padded with zeros,
 * because the reader knows the value count from the page header.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "parquet/pqw_internal.h"

/* Bits needed for values 0..max_value (0 for max_value 0). */
int
pqw_bit_width(uint32_t max_value)
{
	int			w = 0;

	while (max_value)
	{
		w++;
		max_value >>= 1;
	}
	return w;
}

static inline uint32_t
get_value(const void *values, int elem_size, size_t i)
{
	if (elem_size == 2)
		return ((const uint16_t *) values)[i];
	return ((const uint32_t *) values)[i];
}

static void
emit_rle_run(pqw_buf *out, uint32_t value, size_t count, int bit_width)
{
	int			nbytes = (bit_width + 7) / 8;

	pqw_tc_varint(out, (uint64_t) count << 1);
	for (int i = 0; i < nbytes; i++)
		pqw_buf_byte(out, (uint8_t) (value >> (8 * i)));
}

/* Bit-pack n values starting at start, padded to a multiple of 8. */
static void
emit_bitpacked_run(pqw_buf *out, const void *values, int elem_size,
				   size_t start, size_t n, int bit_width)
{
	size_t		groups = (n + 7) / 8;
	size_t		nbytes = groups * bit_width;
	uint64_t	acc = 0;
	int			bits = 0;

	pqw_tc_varint(out, ((uint64_t) groups << 1) | 1);
	if (!pqw_buf_reserve(out, nbytes))
		return;
	for (size_t i = 0; i < groups * 8; i++)
	{
		uint32_t	v = i < n ? get_value(values, elem_size, start + i) : 0;

		acc |= (uint64_t) v << bits;
		bits += bit_width;
		while (bits >= 8)
		{
			out->data[out->len++] = (uint8_t) acc;
			acc >>= 8;
			bits -= 8;
		}
	}
	/* groups of 8 values always end on a byte boundary */
}

/*
 * pqw_rle_encode
 *		The RLE/bit-packed hybrid encoding of n values of elem_size bytes.
 *
 * Runs of at least 8 equal values become RLE runs once the pending
 * literals fill whole groups of 8; the rest go into bit-packed runs.
 * False when out of memory.
 */
bool
pqw_rle_encode(pqw_buf *out, const void *values, int elem_size, size_t n,
			   int bit_width)
{
	size_t		i = 0;
	size_t		lit_start = 0;
	size_t		lit_count = 0;

	assert(elem_size == 2 || elem_size == 4);
	assert(bit_width >= 0 && bit_width <= 32);
	if (bit_width == 0)
	{
		/* every value is 0: one run, or nothing for an empty stream */
		if (n > 0)
			emit_rle_run(out, 0, n, 0);
		return !out->failed;
	}

	while (i < n)
	{
		uint32_t	v = get_value(values, elem_size, i);
		size_t		run = 1;

		while (i + run < n && get_value(values, elem_size, i + run) == v)
			run++;

		if (run >= 8 && lit_count % 8 == 0)
		{
			/* pending literals fill whole groups: switch to an RLE run */
			if (lit_count > 0)
				emit_bitpacked_run(out, values, elem_size, lit_start,
								   lit_count, bit_width);
			emit_rle_run(out, v, run, bit_width);
			i += run;
			lit_start = i;
			lit_count = 0;
		}
		else if (run >= 8)
		{
			/* complete the current literal group from the run first */
			size_t		take = 8 - lit_count % 8;

			lit_count += take;
			i += take;
		}
		else
		{
			lit_count += run;
			i += run;
		}
	}
	if (lit_count > 0)
		emit_bitpacked_run(out, values, elem_size, lit_start, lit_count,
						   bit_width);
	return !out->failed;
}

bool
pqw_rle_encode_prefixed(pqw_buf *out, const void *values, int elem_size,
						size_t n, int bit_width)
{
	size_t		at = out->len;
	size_t		body;

	if (!pqw_buf_u32le(out, 0))
		return false;
	if (!pqw_rle_encode(out, values, elem_size, n, bit_width))
		return false;
	body = out->len - at - 4;
	out->data[at] = body & 0xFF;
	out->data[at + 1] = (body >> 8) & 0xFF;
	out->data[at + 2] = (body >> 16) & 0xFF;
	out->data[at + 3] = (body >> 24) & 0xFF;
	return true;
}

/* PLAIN booleans: one bit each, LSB first. */
bool
pqw_bitpack_booleans(pqw_buf *out, const uint8_t *values, size_t n)
{
	size_t		nbytes = (n + 7) / 8;

	if (!pqw_buf_reserve(out, nbytes))
		return false;
	memset(out->data + out->len, 0, nbytes);
	for (size_t i = 0; i < n; i++)
		if (values[i])
			out->data[out->len + i / 8] |= (uint8_t) (1 << (i % 8));
	out->len += nbytes;
	return true;
}

/* ---- dictionary ---- */

static inline uint64_t
mix64(uint64_t h)
{
	/* the murmur3 finalizer: every input bit affects every output bit */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t
hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t	h = 0x9e3779b97f4a7c15ULL ^ n;

	/* eight bytes at a time: values are hashed once per row */
	while (n >= 8)
	{
		uint64_t	k;

		memcpy(&k, p, 8);
		h = (h ^ mix64(k)) * 0x9e3779b97f4a7c15ULL;
		p += 8;
		n -= 8;
	}
	if (n > 0)
	{
		uint64_t	k = 0;

		memcpy(&k, p, n);
		h = (h ^ mix64(k)) * 0x9e3779b97f4a7c15ULL;
	}
	return mix64(h);
}

/*
 * A value's hash and equality: 4- and 8-byte values as integers (one
 * finalizer round, no memcmp; a bare multiply would leave values that
 * differ only in their high bits, such as doubles holding small integers,
 * in one probe chain), anything else as bytes.
 */
static inline uint64_t
fixed_key(const pqw_column *c, const uint8_t *v)
{
	if (c->fast == PQW_FAST_8)
	{
		uint64_t	k;

		memcpy(&k, v, 8);
		return k;
	}
	else
	{
		uint32_t	k;

		memcpy(&k, v, 4);
		return k;
	}
}

static inline uint32_t
value_hash(const pqw_column *c, const uint8_t *v, size_t len)
{
	if (c->fast == PQW_FAST_4 || c->fast == PQW_FAST_8)
		return (uint32_t) mix64(fixed_key(c, v));
	return (uint32_t) hash_bytes(v, len);
}

static inline bool
value_equal(const pqw_column *c, const uint8_t *a, size_t alen,
			const uint8_t *b, size_t blen)
{
	if (c->fast == PQW_FAST_4 || c->fast == PQW_FAST_8)
		return fixed_key(c, a) == fixed_key(c, b);
	return alen == blen && memcmp(a, b, alen) == 0;
}

/*
 * In a chunk of at least DICT_CUTOFF_MIN values, a dictionary is given up
 * as soon as a fifth of the values are distinct, and also when more than
 * three quarters of the first DICT_PROBE values are: ids, timestamps,
 * measurements.  (A column whose first values are mostly distinct but
 * which repeats a few of them for the rest of the chunk then goes PLAIN;
 * hashing every high-cardinality chunk up to its fifth would cost more.)
 */
#define DICT_CUTOFF_MIN 32768
#define DICT_PROBE 4096

/*
 * A slot of the open-addressing table: entry + 1 (0 = empty), its hash,
 * and for 4- and 8-byte values the value itself, so that probing does not
 * reach into the value buffer.
 */
typedef struct dict_slot
{
	uint32_t	entry;
	uint32_t	hash;
	uint64_t	key;
} dict_slot;

static bool
dict_grow(const pqw_alloc *a, dict_slot **table, size_t *slots)
{
	size_t		nslots = *slots * 2;
	dict_slot  *nt = pqw_malloc(a, nslots * sizeof(dict_slot));

	if (nt == NULL)
		return false;
	memset(nt, 0, nslots * sizeof(dict_slot));
	for (size_t k = 0; k < *slots; k++)
	{
		size_t		ns;

		if ((*table)[k].entry == 0)
			continue;
		ns = (*table)[k].hash & (nslots - 1);
		while (nt[ns].entry != 0)
			ns = (ns + 1) & (nslots - 1);
		nt[ns] = (*table)[k];
	}
	pqw_free(a, *table);
	*table = nt;
	*slots = nslots;
	return true;
}

/*
 * The entry (1-based) of value v in the table, or 0 with *s at the empty
 * slot where it belongs.  *s starts at the value's home slot.
 */
static inline uint32_t
dict_find(const pqw_dict *d, const pqw_column *c, const dict_slot *table,
		  size_t slots, bool fixed, const uint8_t *v, size_t len,
		  uint64_t key, uint32_t h, size_t *s)
{
	size_t		k = *s;

	while (table[k].entry != 0)
	{
		if (fixed)
		{
			if (table[k].key == key)
				return table[k].entry;
		}
		else if (table[k].hash == h)
		{
			size_t		elen;
			const uint8_t *e = pqw_column_value(c, d->entry_value[table[k].entry - 1], &elen);

			if (value_equal(c, e, elen, v, len))
				return table[k].entry;
		}
		k = (k + 1) & (slots - 1);
	}
	*s = k;
	return 0;
}

/* Whether, after value i, the chunk's values look too distinct to pay. */
static inline bool
dict_gives_up(const pqw_dict *d, const pqw_column *c, size_t i,
			  size_t max_entries)
{
	/* mostly distinct from the start: see DICT_PROBE */
	if (i + 1 == DICT_PROBE && d->n_entries > DICT_PROBE / 4 * 3 &&
		c->n_values >= DICT_CUTOFF_MIN)
		return true;

	/*
	 * More distinct values than a fifth of the chunk: DuckDB's rule for when
	 * a dictionary stops paying; hashing the rest would be wasted.
	 */
	return d->n_entries > max_entries;
}

/* How indexing the values ended */
typedef enum dict_outcome
{
	DICT_BUILT,
	DICT_FALLBACK,				/* PLAIN is the better choice */
	DICT_NOMEM
} dict_outcome;

/*
 * dict_index_values
 *		Give every value of the chunk a dictionary index, adding an entry
 *		for each value not seen before.
 *
 * Stops early with DICT_FALLBACK when the dictionary page would pass limit
 * or when the values turn out mostly distinct (the cutoffs above).  The
 * hash table lives only here; the entries and indices stay in d.
 */
static dict_outcome
dict_index_values(pqw_dict *d, const pqw_column *c, size_t limit)
{
	const pqw_alloc *a = d->alloc;
	size_t		slots = 1024;
	dict_slot  *table = pqw_malloc(a, slots * sizeof(dict_slot));
	dict_outcome outcome = DICT_BUILT;

	/* DuckDB's rule, below: at most a fifth of the chunk distinct */
	size_t		max_entries = c->n_values >= DICT_CUTOFF_MIN ? c->n_values / 5 : SIZE_MAX;
	bool		fixed = (c->fast == PQW_FAST_4 || c->fast == PQW_FAST_8);

	if (table == NULL)
		return DICT_NOMEM;
	memset(table, 0, slots * sizeof(dict_slot));

	for (size_t i = 0; i < c->n_values; i++)
	{
		size_t		len;
		const uint8_t *v = pqw_column_value(c, i, &len);
		uint64_t	key = fixed ? fixed_key(c, v) : 0;
		uint32_t	h = value_hash(c, v, len);
		size_t		s = h & (slots - 1);
		uint32_t	found = dict_find(d, c, table, slots, fixed, v, len, key, h, &s);

		if (found == 0)
		{
			d->plain_bytes += len + (c->type == PQW_BYTE_ARRAY ? 4 : 0);
			if (d->plain_bytes > limit)
			{
				outcome = DICT_FALLBACK;
				break;
			}
			if (!pqw_grow_array(a, (void **) &d->entry_value, &d->entries_cap,
								d->n_entries + 1, sizeof(uint32_t)))
			{
				outcome = DICT_NOMEM;
				break;
			}
			d->entry_value[d->n_entries++] = (uint32_t) i;
			found = (uint32_t) d->n_entries;
			table[s].entry = found;
			table[s].hash = h;
			table[s].key = key;
			/* keep the table at most half full */
			if (d->n_entries * 2 > slots && !dict_grow(a, &table, &slots))
			{
				outcome = DICT_NOMEM;
				break;
			}
		}
		assert(found >= 1 && found <= d->n_entries);
		d->indices[i] = found - 1;
		if (dict_gives_up(d, c, i, max_entries))
		{
			outcome = DICT_FALLBACK;
			break;
		}
	}
	pqw_free(a, table);
	return outcome;
}

/* Whether the dictionary page plus the indices beat the PLAIN values. */
static bool
dict_pays(const pqw_dict *d, const pqw_column *c)
{
	int			width = pqw_bit_width((uint32_t) (d->n_entries - 1));
	size_t		plain = c->values.len +
		(c->type == PQW_BYTE_ARRAY ? 4 * c->n_values : 0);
	size_t		dict_cost = d->plain_bytes +
		(c->n_values * (size_t) (width ? width : 1) + 7) / 8;

	return dict_cost < plain;
}

/*
 * pqw_dict_build
 *		Build the dictionary of a column chunk.
 *
 * Give every value a dictionary index.  Return false with *fallback set
 * when PLAIN is the better choice: the dictionary page would pass limit
 * (readers cap dictionary pages, and a huge dictionary rarely pays), or
 * the dictionary plus the indices would not be smaller than the PLAIN
 * values (mostly distinct values, such as ids and timestamps).  On false
 * nothing is left allocated.
 */
bool
pqw_dict_build(pqw_dict *d, const pqw_column *c, size_t limit, bool *fallback)
{
	dict_outcome outcome;

	d->entry_value = NULL;
	d->n_entries = 0;
	d->entries_cap = 0;
	d->plain_bytes = 0;
	d->indices = pqw_malloc(d->alloc, (c->n_values ? c->n_values : 1) * sizeof(uint32_t));
	if (d->indices == NULL)
		outcome = DICT_NOMEM;
	else
		outcome = dict_index_values(d, c, limit);
	if (outcome == DICT_BUILT && !dict_pays(d, c))
		outcome = DICT_FALLBACK;

	*fallback = (outcome == DICT_FALLBACK);
	if (outcome != DICT_BUILT)
	{
		pqw_dict_free(d);
		return false;
	}
	assert(d->n_entries >= 1 && d->n_entries <= c->n_values);
	return true;
}

void
pqw_dict_free(pqw_dict *d)
{
	pqw_free(d->alloc, d->entry_value);
	pqw_free(d->alloc, d->indices);
	d->entry_value = NULL;
	d->indices = NULL;
	d->n_entries = 0;
	d->entries_cap = 0;
}
