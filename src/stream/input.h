/*-------------------------------------------------------------------------
 *
 * input.h
 *		The raw byte stream of one file or program, decompressed.
 *
 * Pure C.  Sits between the caller's read callback (a file descriptor or a
 * pipe, owned by the caller) and the buffered source: it detects gzip and
 * zstd by their magic bytes (or is told), and inflates as a stream, so a
 * compressed file costs one input block plus the codec's window.  Codec
 * state is allocated through the caller's hooks and released by
 * pb_input_end().
 *
 *-------------------------------------------------------------------------
 */
#ifndef PB_INPUT_H
#define PB_INPUT_H

#include "stream/source.h"

typedef enum PbCompression
{
	PB_COMPRESSION_AUTO,
	PB_COMPRESSION_NONE,
	PB_COMPRESSION_GZIP,
	PB_COMPRESSION_ZSTD
} PbCompression;

#define PB_INPUT_BLOCK (256 * 1024)

typedef struct PbInput
{
	PbReadFn	raw_read;
	void	   *raw_arg;
	PbAllocator alloc;
	PbCompression mode;			/* AUTO until the first bytes decide */
	uint8_t    *inbuf;
	size_t		inpos;
	size_t		inlen;
	int			raw_eof;
	uint64_t	raw_bytes;		/* bytes taken from the raw stream */
	uint64_t	out_bytes;		/* bytes given out, decompressed */
	void	   *codec;			/* z_stream or ZSTD_DStream */
	int			member_done;	/* the current gzip member / zstd frame ended */
	char		errmsg[160];	/* set when a read returns -1 for corrupt data */
	uint64_t	err_offset;		/* then: the compressed bytes the codec had taken */
	int			failed;			/* the stream is damaged: every read returns -1
								 * (after the bytes decoded before the damage) */
} PbInput;

extern int	pb_input_init(PbInput *in, PbReadFn raw_read, void *raw_arg,
						  const PbAllocator *alloc, PbCompression mode);

/*
 * A PbReadFn over the decompressed stream (arg: the PbInput).  A damaged
 * stream (truncated, corrupt) first gives every byte decoded before the
 * damage, then -1 with errmsg and err_offset set, at every later call too.
 */
extern long pb_input_read(void *arg, uint8_t *buf, size_t len);

/* Release the codec state and the input block (idempotent). */
extern void pb_input_end(PbInput *in);

extern const char *pb_compression_name(PbCompression c);

/* Parse "auto", "none", "gzip", "zstd"; returns -1 if none matches. */
extern int	pb_compression_parse(const char *s);

#endif							/* PB_INPUT_H */
