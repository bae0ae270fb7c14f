/*-------------------------------------------------------------------------
 *
 * sniff.h
 *		What the first bytes of a file look like: its compression, its framing.
 *
 * Pure C.  Used only to word a hint on an error that is already being
 * reported (a message that cannot be framed or decoded, a stream that
 * cannot be decompressed): it never chooses a framing or a codec itself.
 * A guess must be plausible on the bytes given: a magic number, or a
 * length that fits what is there and is followed by a well-formed message
 * (a TFRecord's length must also pass its checksum).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PB_SNIFF_H
#define PB_SNIFF_H

#include <stddef.h>
#include <stdint.h>

#include "stream/framing.h"
#include "stream/input.h"

/* Bytes worth keeping from the start of a stream for sniffing. */
#define PB_SNIFF_HEAD 4096

/* The compression the magic number at head[0, len) announces (NONE if none). */
extern PbCompression pb_sniff_compression(const uint8_t *head, size_t len);

/*
 * Could head[0, len), the start of a stream of 'total' bytes (UINT64_MAX if
 * unknown), be framed as 'kind'?  Only the length-prefixed framings
 * (delimited, fixed32be, fixed32le, tfrecord) are judged; *length gets the
 * first message's length.  crc32c may be NULL (a TFRecord is then never
 * plausible).
 */
extern int	pb_sniff_plausible(PbFramingKind kind, const uint8_t *head, size_t len,
							   uint64_t total, PbCrc32cFn crc32c, uint64_t *length);

/*
 * The framing the stream most likely uses instead of 'configured': none
 * (returns 0) when 'configured' is plausible itself, or is neither of the
 * length-prefixed framings, or when no other one is.  Else returns 1 with
 * *found and *length.  The strongest evidence wins: a TFRecord's checksum,
 * then a 4-byte length, then a varint.
 */
extern int	pb_sniff_framing(PbFramingKind configured, const uint8_t *head, size_t len,
							 uint64_t total, PbCrc32cFn crc32c, PbFramingKind *found,
							 uint64_t *length);

/* Describe a guess in words: "a big-endian length of 37 bytes". */
extern void pb_sniff_describe(PbFramingKind kind, uint64_t length, char *buf, size_t buflen);

#endif							/* PB_SNIFF_H */
