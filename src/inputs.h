/*-------------------------------------------------------------------------
 *
 * inputs.h
 *		The inputs of a foreign table: the files its option "filename"
 *		names, or the program its option "program" runs.
 *
 * Which files a file name, glob or directory stands for, how large they
 * are, what compression they start with and about how many messages they
 * hold (for the planner); and the reading of one of them, as the raw bytes
 * under the decompressing input stage of src/stream/.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PROTOBUF_FDW_INPUTS_H
#define PROTOBUF_FDW_INPUTS_H

#include <stdio.h>

#include "nodes/pg_list.h"
#include "utils/palloc.h"

#include "options.h"
#include "stream/input.h"

/*
 * One open input: a file, read from one byte offset up to another, or a
 * program's standard output.  pb_raw_read reads it for pb_input_init.
 */
typedef struct PbRawInput
{
	const char *name;			/* the file's path, or the command */
	int			fd;				/* a file; -1 if none is open */
	FILE	   *pipe;			/* a program; NULL if none is open */
	uint64		pos;			/* offset of the next byte to read */
	uint64		end;			/* read nothing at or past this offset */
} PbRawInput;

/* The files a filename option names: itself, a glob's matches, a directory's files. */
extern List *pb_expand_files(const char *pattern);

/* Sum of the sizes of the files (0 for those that cannot be stat'ed). */
extern uint64 pb_files_size(List *files);

/* What compression 'auto' finds in a file (AUTO if it cannot be read). */
extern PbCompression pb_detect_compression(const char *path);

/*
 * Estimate the number of messages in the files by framing the start of the
 * first one; returns -1 if nothing could be sampled.  Never raises an error
 * about the data: planning must not fail on a bad file.
 */
extern double pb_estimate_messages(const PbTableOptions *opts, uint32 container_field,
								   List *files, uint64 total_size);

/* The hooks through which the stream modules allocate in 'cxt'. */
extern PbAllocator pb_context_allocator(MemoryContext cxt);

/* End 'input' (its codec's own memory) when 'cxt' is reset or deleted, by error or not. */
extern void pb_end_input_with(PbInput *input, MemoryContext cxt);

/* CRC-32C (a PbCrc32cFn: TFRecord's checksums) */
extern uint32_t pb_crc32c(const void *data, size_t len);

/* A closed input. */
extern void pb_raw_init(PbRawInput *raw);

/* Open the file 'path' to read its bytes [start, end) (end PG_UINT64_MAX: to its end). */
extern void pb_raw_open_file(PbRawInput *raw, const char *path, uint64 start, uint64 end);

/* Start the program 'command' to read its output. */
extern void pb_raw_open_program(PbRawInput *raw, const char *command);

/* A PbReadFn over the open input (arg: the PbRawInput); where a cancel is noticed. */
extern long pb_raw_read(void *arg, uint8_t *buf, size_t len);

/*
 * Close the input, if open.  A program that failed is an error if
 * 'finished' (its output was read to the end): one stopped early may die of
 * SIGPIPE.
 */
extern void pb_raw_close(PbRawInput *raw, bool finished);

#endif							/* PROTOBUF_FDW_INPUTS_H */
