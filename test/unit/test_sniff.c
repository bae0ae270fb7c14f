/*
 * test_sniff.c - unit tests of src/stream/sniff.c: the compression and framing a file's
 * first bytes look like (the hints on an error, issue 13).
 */
#include "unit.h"

#include "stream/sniff.h"
#include "stream/wire.h"

/* id: 150, name: "abc" */
static const uint8_t MSG[] = {0x08, 0x96, 0x01, 0x12, 0x03, 'a', 'b', 'c'};

/* Two records of MSG in a framing: the header by hand. */
static size_t
frame(PbFramingKind kind, uint8_t *out)
{
	size_t		n = 0;

	for (int r = 0; r < 2; r++)
	{
		uint8_t		h[12] = {0};
		size_t		hl;

		switch (kind)
		{
			case PB_FRAMING_FIXED32BE:
				h[3] = sizeof(MSG);
				hl = 4;
				break;
			case PB_FRAMING_FIXED32LE:
				h[0] = sizeof(MSG);
				hl = 4;
				break;
			case PB_FRAMING_TFRECORD:
				{
					uint32_t	c;

					h[0] = sizeof(MSG);
					c = pb_tfrecord_mask(unit_crc32c(h, 8));
					memcpy(h + 8, &c, 4);
					hl = 12;
					break;
				}
			default:
				h[0] = sizeof(MSG);
				hl = 1;
		}
		memcpy(out + n, h, hl);
		n += hl;
		memcpy(out + n, MSG, sizeof(MSG));
		n += sizeof(MSG);
		if (kind == PB_FRAMING_TFRECORD)
		{
			uint32_t	c = pb_tfrecord_mask(unit_crc32c(MSG, sizeof(MSG)));

			memcpy(out + n, &c, 4);
			n += 4;
		}
	}
	return n;
}

static void
test_compression(void)
{
	const uint8_t gz[] = {0x1f, 0x8b, 0x08, 0x00};
	const uint8_t zs[] = {0x28, 0xb5, 0x2f, 0xfd, 0x00};

	CHECK_EQ_INT(pb_sniff_compression(gz, sizeof(gz)), PB_COMPRESSION_GZIP);
	CHECK_EQ_INT(pb_sniff_compression(zs, sizeof(zs)), PB_COMPRESSION_ZSTD);
	CHECK_EQ_INT(pb_sniff_compression(zs, 3), PB_COMPRESSION_NONE);
	CHECK_EQ_INT(pb_sniff_compression(MSG, sizeof(MSG)), PB_COMPRESSION_NONE);
	CHECK_EQ_INT(pb_sniff_compression(gz, 0), PB_COMPRESSION_NONE);
}

/* Each framing read as every other: the guess is the framing it was written in. */
static void
test_framings(void)
{
	static const PbFramingKind kinds[] = {
		PB_FRAMING_DELIMITED, PB_FRAMING_FIXED32BE, PB_FRAMING_FIXED32LE, PB_FRAMING_TFRECORD
	};

	for (int w = 0; w < 4; w++)
	{
		uint8_t		buf[64];
		size_t		n = frame(kinds[w], buf);

		for (int r = 0; r < 4; r++)
		{
			PbFramingKind found = PB_FRAMING_SINGLE;
			uint64_t	length = 0;
			int			got = pb_sniff_framing(kinds[r], buf, n, n, unit_crc32c, &found, &length);

			if (r == w)
			{
				CHECK_EQ_INT(got, 0);	/* what it is: no hint */
				continue;
			}
			CHECK_EQ_INT(got, 1);
			CHECK_EQ_INT(found, kinds[w]);
			CHECK_EQ_INT(length, sizeof(MSG));
		}
		/* the same with an unknown total (a compressed stream, a program) */
		{
			PbFramingKind found;
			uint64_t	length;

			CHECK_EQ_INT(pb_sniff_framing(kinds[(w + 1) % 4], buf, n, UINT64_MAX, unit_crc32c,
										  &found, &length), 1);
			CHECK_EQ_INT(found, kinds[w]);
		}
	}
}

static void
test_implausible(void)
{
	const char *text = "hello, this is a text file\n";
	uint8_t		buf[64];
	size_t		n = frame(PB_FRAMING_TFRECORD, buf);
	PbFramingKind found;
	uint64_t	length;

	/* text: 'h' is a varint of 104 > the file; the 4-byte lengths are huge */
	CHECK_EQ_INT(pb_sniff_framing(PB_FRAMING_DELIMITED, (const uint8_t *) text, strlen(text),
								  strlen(text), unit_crc32c, &found, &length), 0);
	CHECK_EQ_INT(pb_sniff_framing(PB_FRAMING_FIXED32BE, (const uint8_t *) text, strlen(text),
								  strlen(text), unit_crc32c, &found, &length), 0);
	/* a TFRecord without a checksum function is never guessed */
	CHECK_EQ_INT(pb_sniff_plausible(PB_FRAMING_TFRECORD, buf, n, n, NULL, &length), 0);
	/* a TFRecord whose length checksum is wrong is not one */
	buf[8] ^= 1;
	CHECK_EQ_INT(pb_sniff_plausible(PB_FRAMING_TFRECORD, buf, n, n, unit_crc32c, &length), 0);
	/* 'single' and 'container' are never second-guessed */
	CHECK_EQ_INT(pb_sniff_framing(PB_FRAMING_SINGLE, MSG, sizeof(MSG), sizeof(MSG), unit_crc32c,
								  &found, &length), 0);
	/* a length longer than the stream does not fit */
	{
		uint8_t		d[] = {0x20, 0x08, 0x01};

		CHECK_EQ_INT(pb_sniff_plausible(PB_FRAMING_DELIMITED, d, sizeof(d), sizeof(d), unit_crc32c,
										&length), 0);
		/* ... unless the stream goes on past the head */
		CHECK_EQ_INT(pb_sniff_plausible(PB_FRAMING_DELIMITED, d, sizeof(d), 100, unit_crc32c,
										&length), 1);
		CHECK_EQ_INT(length, 32);
	}
	/* empty input, a zero length */
	CHECK_EQ_INT(pb_sniff_plausible(PB_FRAMING_DELIMITED, MSG, 0, 0, unit_crc32c, &length), 0);
	{
		uint8_t		z[] = {0x00, 0x00, 0x00, 0x00, 0x08, 0x01};

		CHECK_EQ_INT(pb_sniff_plausible(PB_FRAMING_FIXED32LE, z, sizeof(z), sizeof(z), unit_crc32c,
										&length), 0);
	}
}

static void
test_describe(void)
{
	char		buf[100];

	pb_sniff_describe(PB_FRAMING_FIXED32BE, 37, buf, sizeof(buf));
	CHECK(strcmp(buf, "a big-endian length of 37 bytes") == 0);
	pb_sniff_describe(PB_FRAMING_DELIMITED, 1, buf, sizeof(buf));
	CHECK(strcmp(buf, "a varint length of 1 byte") == 0);
}

int
main(void)
{
	test_compression();
	test_framings();
	test_implausible();
	test_describe();
	return UNIT_REPORT("sniff");
}
