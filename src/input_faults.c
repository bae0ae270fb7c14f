/*-------------------------------------------------------------------------
 *
 * input_faults.c
 *		The errors of a damaged input: a truncation, an oversized message, a
 *		bad TFRecord checksum, a read or decompression error, malformed
 *		bytes.  The foreign table's scan and COPY FROM report the same
 *		faults with the same codes and messages, in their own words for the
 *		input's name and the hints (the site).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "input_faults.h"

PbInputFault
pb_frame_fault(PbFrameError err)
{
	switch (err)
	{
		case PB_FRAME_ERR_TRUNCATED:
			return PB_FAULT_TRUNCATED;
		case PB_FRAME_ERR_TOO_LARGE:
			return PB_FAULT_TOO_LARGE;
		case PB_FRAME_ERR_CRC:
			return PB_FAULT_CRC;
		case PB_FRAME_ERR_IO:
			return PB_FAULT_IO;
		default:
			return PB_FAULT_MALFORMED;
	}
}

PbInputFault
pb_walk_fault(PbPathError err)
{
	switch (err)
	{
		case PB_PATH_ERR_TRUNCATED:
			return PB_FAULT_TRUNCATED;
		case PB_PATH_ERR_TOO_LARGE:
		case PB_PATH_ERR_COLLECT_TOO_LARGE:
			return PB_FAULT_TOO_LARGE;
		case PB_PATH_ERR_LATE_FIELD:
			return PB_FAULT_LATE_FIELD;
		case PB_PATH_ERR_IO:
			return PB_FAULT_IO;
		default:
			return PB_FAULT_MALFORMED;
	}
}

/* A read or decompression error: damage after good bytes says where, and how to keep them. */
static void
report_io(const PbFaultSite *site)
{
	const PbInput *damaged = site->damaged;

	if (damaged != NULL && damaged->out_bytes > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("could not decompress %s: %s", site->name, damaged->errmsg),
				 errdetail("The stream is damaged at compressed byte offset " UINT64_FORMAT ", after " UINT64_FORMAT " decompressed bytes.",
						   damaged->err_offset, damaged->out_bytes),
				 errhint("Use on_error 'skip' to %s.", site->kept)));
	if (damaged != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("could not decompress %s: %s", site->name, damaged->errmsg),
				 site->hint ? errhint("%s", site->hint) : 0));
	errno = site->read_errno;
	ereport(ERROR,
			(errcode_for_file_access(),
			 errmsg("could not read %s: %m", site->name)));
}

void
pb_report_input_fault(const PbFaultSite *site, PbInputFault fault, const char *msg)
{
	const char *hint = site->hint;

	switch (fault)
	{
		case PB_FAULT_TRUNCATED:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("truncated protobuf file: %s", msg),
					 hint ? errhint("%s", hint) : 0));
			break;
		case PB_FAULT_TOO_LARGE:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("protobuf %s", msg),
					 hint ? errhint("%s", hint) :
					 errhint("If the message is genuine, raise %s (at most 2147483647).",
							 site->size_option)));
			break;
		case PB_FAULT_CRC:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("corrupt TFRecord: %s", msg),
					 hint ? errhint("%s", hint) :
					 errhint("Use on_error 'skip' to skip damaged records, or verify_crc 'false' to read them unchecked.")));
			break;
		case PB_FAULT_IO:
			report_io(site);
			break;
		case PB_FAULT_LATE_FIELD:
			elog(ERROR, "an ancestor's late field is the caller's to report");
			break;
		case PB_FAULT_MALFORMED:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("malformed protobuf file: %s", msg),
					 hint ? errhint("%s", hint) : 0));
			break;
	}
	pg_unreachable();
}
