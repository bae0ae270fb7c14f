/*-------------------------------------------------------------------------
 *
 * input_faults.h
 *		The errors of a damaged input, worded once for the foreign table's
 *		scan (scan.c) and COPY FROM (copy_from.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PROTOBUF_FDW_INPUT_FAULTS_H
#define PROTOBUF_FDW_INPUT_FAULTS_H

#include "stream/framing.h"
#include "stream/input.h"
#include "stream/pathwalk.h"

/* What went wrong in an input, whether the framing or the path walker found it. */
typedef enum PbInputFault
{
	PB_FAULT_TRUNCATED,
	PB_FAULT_TOO_LARGE,
	PB_FAULT_CRC,
	PB_FAULT_IO,
	PB_FAULT_LATE_FIELD,		/* the caller's to report: it knows its input */
	PB_FAULT_MALFORMED
} PbInputFault;

extern PbInputFault pb_frame_fault(PbFrameError err);
extern PbInputFault pb_walk_fault(PbPathError err);

/* Where a fault happened, and the words its errors use for the reader at hand. */
typedef struct PbFaultSite
{
	const char *name;			/* the input as errors name it: "\"file\"", STDIN */
	const PbInput *damaged;		/* a compressed stream found damaged, or NULL */
	int			read_errno;		/* the read's errno, for an I/O fault without damage */
	const char *hint;			/* what the file looks like (sniffed), or NULL */
	const char *size_option;	/* "the option max_message_size", as this reader has it */
	const char *kept;			/* what on_error 'skip' keeps: "read the messages ..." */
} PbFaultSite;

/* Raise the error of fault (not PB_FAULT_LATE_FIELD); msg is the stream module's description. */
extern void pb_report_input_fault(const PbFaultSite *site, PbInputFault fault,
								  const char *msg) pg_attribute_noreturn();

#endif							/* PROTOBUF_FDW_INPUT_FAULTS_H */
