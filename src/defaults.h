/*-------------------------------------------------------------------------
 *
 * defaults.h
 *		A field's declared default, as the wire value it stands for.
 *
 * What protobuf's generated getters return for an absent field with
 * presence: the proto2 "[default = ...]", else the type's zero, empty
 * string or first enum value.  The decoder converts it as it converts a
 * value read from the wire (the column option "absent").
 *
 *-------------------------------------------------------------------------
 */
#ifndef PROTOBUF_FDW_DEFAULTS_H
#define PROTOBUF_FDW_DEFAULTS_H

#include "schema.h"

/*
 * The default of scalar field f: *v holds the value's bits as the wire
 * would carry them (a sint zigzag-encoded, a float's bits), *p and *len the
 * bytes of a string or bytes default (allocated in the current context).
 * A default the set writes wrongly is an error naming the field.
 */
extern void pb_field_default(const PbSchema *schema, const PbFieldDescriptor *f,
							 uint64 *v, const uint8 **p, uint32 *len);

#endif							/* PROTOBUF_FDW_DEFAULTS_H */
