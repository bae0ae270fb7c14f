/*
 * unit.h - the smallest test harness that does the job.
 *
 * Each test_*.c in this directory is one program.  CHECK() records a
 * pass or a failure (with file:line and the failed expression); main()
 * ends with UNIT_REPORT(), which prints "<name>: N passed, N failed" and
 * turns any failure into a non-zero exit status.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int	unit_passed;
static int	unit_failed;

#define CHECK(expr) \
	do { \
		if (expr) \
			unit_passed++; \
		else \
		{ \
			unit_failed++; \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #expr); \
		} \
	} while (0)

#define CHECK_EQ_INT(a, b) \
	do { \
		long long unit_a_ = (long long) (a), unit_b_ = (long long) (b); \
		if (unit_a_ == unit_b_) \
			unit_passed++; \
		else \
		{ \
			unit_failed++; \
			fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", \
					__FILE__, __LINE__, #a, #b, unit_a_, unit_b_); \
		} \
	} while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

/* The stream modules' allocation hooks over malloc, for a PbAllocator {unit_malloc, unit_free, NULL} */
static inline void *
unit_malloc(void *ctx, size_t size)
{
	(void) ctx;
	return malloc(size);
}

static inline void
unit_free(void *ctx, void *ptr)
{
	(void) ctx;
	free(ptr);
}

/* CRC-32C, bit by bit from the definition (reflected polynomial 0x82F63B78) */
static inline uint32_t
unit_crc32c(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t	crc = 0xFFFFFFFFu;

	for (size_t i = 0; i < len; i++)
	{
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ ((crc & 1) ? 0x82F63B78u : 0);
	}
	return crc ^ 0xFFFFFFFFu;
}

#define UNIT_REPORT(name) \
	(printf("unit %s: %d passed, %d failed\n", (name), unit_passed, unit_failed), \
	 unit_failed ? 1 : 0)

#endif
