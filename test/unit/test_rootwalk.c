/*-------------------------------------------------------------------------
 *
 * test_rootwalk.c
 *		Unit tests of src/stream/rootwalk.c, without a server.
 *
 * A loop like scan.c's and copy_from.c's walks the roots of hand-built
 * inputs (the path Root.items, field 1, each item { int64 v = 1; }) with
 * on_error 'skip': a transcript of the rows (their v), root ends, skips
 * and where the input goes on after each, checked for each framing.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>

#include "unit.h"
#include "stream/framing.h"
#include "stream/pathwalk.h"
#include "stream/rootwalk.h"
#include "stream/source.h"

typedef struct MemInput
{
	const uint8_t *data;
	size_t		len;
	size_t		pos;
} MemInput;

static long
mem_read(void *arg, uint8_t *buf, size_t len)
{
	MemInput   *in = arg;
	size_t		n = in->len - in->pos < len ? in->len - in->pos : len;

	memcpy(buf, in->data + in->pos, n);
	in->pos += n;
	return (long) n;
}

static const PbAllocator allocator = {unit_malloc, unit_free, NULL};

/* Walk every root of the input as the FDW does with on_error 'skip'; the transcript in out. */
static void
walk(const uint8_t *data, size_t len, PbFramingKind kind, uint64_t max_message_size, char *out)
{
	static const PbPathStep steps[1] = {{1, 1, 0}};
	MemInput	in = {data, len, 0};
	PbSource	src;
	PbFraming	f;
	PbPathWalk	w;
	int			in_root = 0;

	out[0] = 0;
	pb_source_init(&src, mem_read, &in, &allocator, 64);
	pb_framing_init(&f, kind, &src, 0, max_message_size);
	CHECK_EQ_INT(pb_pathwalk_init(&w, &src, steps, 1, max_message_size, &allocator), 0);
	for (;;)
	{
		const uint8_t *row;
		size_t		rowlen;
		PbPathResult res;
		PbRootGoOn	go;

		if (!in_root)
		{
			PbFrameResult fr = pb_rootwalk_begin(&f, &w);

			if (fr != PB_FRAME_MESSAGE)
			{
				strcat(out, fr == PB_FRAME_END ? "end" : "frame-error");
				break;
			}
			in_root = 1;
		}
		res = pb_pathwalk_next(&w, &row, &rowlen);
		if (res == PB_PATH_ROW)
			sprintf(out + strlen(out), "%d ", rowlen == 2 ? row[1] : -1);
		else if (res == PB_PATH_END_OF_ROOT)
		{
			in_root = 0;
			strcat(out, "| ");
			if (pb_framing_end_root(&f) != PB_FRAME_MESSAGE)
			{
				strcat(out, "trailer-error");
				break;
			}
		}
		else if (!pb_rootwalk_skippable(w.err))
		{
			strcat(out, "stop");
			break;
		}
		else
		{
			go = pb_rootwalk_step_past(&w, &f);
			strcat(out, go == PB_ROOT_SAME_ROOT ? "skip-row " :
				   go == PB_ROOT_NEXT_ROOT ? "skip-root | " : "skip-end ");
			if (go == PB_ROOT_END_INPUT)
			{
				strcat(out, "end");
				break;
			}
			if (go == PB_ROOT_NEXT_ROOT)
				in_root = 0;
		}
	}
	pb_pathwalk_free(&w);
	pb_source_free(&src);
}

int
main(void)
{
	/* delimited: a root of items 1 and 2; a malformed root (its item's length overruns it); a root of item 3 */
	static const uint8_t delim[] = {
		8, 0x0a, 2, 0x08, 1, 0x0a, 2, 0x08, 2,
		3, 0x0a, 5, 0x08,
		4, 0x0a, 2, 0x08, 3};
	/* one root (single): item 1, an item of 3 bytes, item 2 */
	static const uint8_t big[] = {0x0a, 2, 0x08, 1, 0x0a, 3, 0x08, 0x80, 1, 0x0a, 2, 0x08, 2};
	/* one root (single) cut inside its second item; and one whose second item overruns it */
	static const uint8_t cut[] = {0x0a, 2, 0x08, 1, 0x0a, 2, 0x08};
	char		out[256];

	/* a malformed record is skipped alone; the next root is walked */
	walk(delim, sizeof(delim), PB_FRAMING_DELIMITED, 1024, out);
	CHECK(strcmp(out, "1 2 | skip-root | 3 | end") == 0);
	/* an oversized row is stepped over, the walk goes on in its root */
	walk(big, sizeof(big), PB_FRAMING_SINGLE, 2, out);
	CHECK(strcmp(out, "1 skip-row 2 | end") == 0);
	walk(big, sizeof(big), PB_FRAMING_CONTAINER, 2, out);
	CHECK(strcmp(out, "1 skip-row 2 | end") == 0);
	/* a truncation ends the input, the rows before it are kept */
	walk(cut, sizeof(cut), PB_FRAMING_SINGLE, 1024, out);
	CHECK(strcmp(out, "1 skip-end end") == 0);
	/* a malformed whole-input root ends the input */
	walk(delim + 9, 4, PB_FRAMING_SINGLE, 1024, out);
	CHECK(strcmp(out, "skip-end end") == 0);
	/* which errors may be skipped */
	CHECK(pb_rootwalk_skippable(PB_PATH_ERR_TOO_LARGE));
	CHECK(pb_rootwalk_skippable(PB_PATH_ERR_TRUNCATED));
	CHECK(pb_rootwalk_skippable(PB_PATH_ERR_MALFORMED));
	CHECK(!pb_rootwalk_skippable(PB_PATH_ERR_LATE_FIELD));
	CHECK(!pb_rootwalk_skippable(PB_PATH_ERR_IO));
	CHECK(!pb_rootwalk_skippable(PB_PATH_ERR_COLLECT_TOO_LARGE));
	return UNIT_REPORT("rootwalk");
}
