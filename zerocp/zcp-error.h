/* zcp-error.h: zerocp's error domains
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (ZCP_INSIDE) && !defined (ZCP_COMPILATION)
# error "Only <zerocp/zerocp.h> can be included directly."
#endif

#include <glib.h>

#include "zcp-version-macros.h"

/**
 * SECTION:zcp-error
 * @Title: Errors
 * @Short_description: The error domains of zerocp
 *
 * Runtime failures are reported as #GError in the %ZCP_SHM_ERROR domain
 * (creating, opening and validating a segment) or the %ZCP_MEM_POOL_ERROR
 * domain (configuration, order of calls, chunks and handles).  Both are
 * registered error domains: language bindings see them as GLib.Error with
 * the domain and code.
 */

G_BEGIN_DECLS

/**
 * ZCP_SHM_ERROR:
 *
 * Error domain for shared-memory failures: creating, opening, sizing,
 * mapping and validating a segment.  Errors in this domain are from the
 * #ZcpShmError enumeration.
 *
 * Since: 1.0
 */
#define ZCP_SHM_ERROR (zcp_shm_error_quark ())

/**
 * ZcpShmError:
 * @ZCP_SHM_ERROR_INVALID_SIZE: the segment size is zero or too large for this
 *   system
 * @ZCP_SHM_ERROR_CREATION_FAILED: the operating system refused to create or
 *   open the segment for another reason
 * @ZCP_SHM_ERROR_MAPPING_ERROR: the segment could not be mapped into memory
 * @ZCP_SHM_ERROR_INVALID_NAME: the name is not a valid POSIX shared-memory
 *   name (one leading slash, no other slash, 1 to 255 bytes, UTF-8)
 * @ZCP_SHM_ERROR_PERMISSION_DENIED: the caller may not create or open the
 *   segment
 * @ZCP_SHM_ERROR_NO_SPACE: there is not enough room in `/dev/shm` (or the
 *   file descriptor or memory limits were reached)
 * @ZCP_SHM_ERROR_ALREADY_EXISTS: the segment exists and exclusive creation
 *   was asked for
 * @ZCP_SHM_ERROR_DOES_NOT_EXIST: no segment of that name exists
 * @ZCP_SHM_ERROR_NOT_ZEROCP: the object is not a zerocp segment (wrong magic
 *   number)
 * @ZCP_SHM_ERROR_VERSION_MISMATCH: the segment was laid out by an
 *   incompatible version of zerocp
 * @ZCP_SHM_ERROR_TRUNCATED: the object is smaller than its header says
 * @ZCP_SHM_ERROR_CORRUPT: the header or a pool descriptor is inconsistent
 * @ZCP_SHM_ERROR_NOT_READY: the creator has not finished laying the segment
 *   out within the timeout
 * @ZCP_SHM_ERROR_CONFIG_MISMATCH: an existing segment does not have the pools
 *   the configuration asks for
 * @ZCP_SHM_ERROR_TOO_MANY_FILES: the process or the system ran out of file
 *   descriptors
 *
 * Error codes in the %ZCP_SHM_ERROR domain.  The first three are the
 * specification's `PosixSharedMemoryObjectError` values.
 *
 * Since: 1.0
 */
typedef enum
{
  ZCP_SHM_ERROR_INVALID_SIZE,
  ZCP_SHM_ERROR_CREATION_FAILED,
  ZCP_SHM_ERROR_MAPPING_ERROR,
  ZCP_SHM_ERROR_INVALID_NAME,
  ZCP_SHM_ERROR_PERMISSION_DENIED,
  ZCP_SHM_ERROR_NO_SPACE,
  ZCP_SHM_ERROR_ALREADY_EXISTS,
  ZCP_SHM_ERROR_DOES_NOT_EXIST,
  ZCP_SHM_ERROR_NOT_ZEROCP,
  ZCP_SHM_ERROR_VERSION_MISMATCH,
  ZCP_SHM_ERROR_TRUNCATED,
  ZCP_SHM_ERROR_CORRUPT,
  ZCP_SHM_ERROR_NOT_READY,
  ZCP_SHM_ERROR_CONFIG_MISMATCH,
  ZCP_SHM_ERROR_TOO_MANY_FILES,
} ZcpShmError;

ZCP_AVAILABLE_IN_1_0
GQuark zcp_shm_error_quark (void);

/**
 * ZCP_MEM_POOL_ERROR:
 *
 * Error domain for configuration, call-order and allocation failures of the
 * memory pools.  Errors in this domain are from the #ZcpMemPoolError
 * enumeration.
 *
 * Since: 1.0
 */
#define ZCP_MEM_POOL_ERROR (zcp_mem_pool_error_quark ())

/**
 * ZcpMemPoolError:
 * @ZCP_MEM_POOL_ERROR_INVALID_CHUNK_SIZE: a chunk size is 0 or larger than
 *   %ZCP_MEM_POOL_MAX_CHUNK_SIZE
 * @ZCP_MEM_POOL_ERROR_INVALID_CHUNK_COUNT: a chunk count is 0 or larger than
 *   %ZCP_MEM_POOL_MAX_CHUNK_COUNT
 * @ZCP_MEM_POOL_ERROR_OVERFLOW: chunk size × chunk count, or the whole
 *   segment, does not fit the address space
 * @ZCP_MEM_POOL_ERROR_TOO_MANY_POOLS: more than %ZCP_MEM_POOL_MAX_POOLS
 *   entries
 * @ZCP_MEM_POOL_ERROR_DUPLICATE_SIZE: two entries have the same chunk size
 * @ZCP_MEM_POOL_ERROR_SEALED: the configuration is used by an allocator and
 *   can no longer change
 * @ZCP_MEM_POOL_ERROR_EMPTY_CONFIG: the configuration has no entry
 * @ZCP_MEM_POOL_ERROR_WRONG_ORDER: a call came out of the required order
 *   (for example initializing the pools before the shared memory)
 * @ZCP_MEM_POOL_ERROR_NO_FITTING_POOL: no pool has chunks large enough for
 *   the requested size
 * @ZCP_MEM_POOL_ERROR_POOL_EXHAUSTED: the pool that fits has no free chunk
 * @ZCP_MEM_POOL_ERROR_INVALID_HANDLE: a chunk handle is out of range, not on
 *   a chunk boundary, or names a chunk that is not in use
 * @ZCP_MEM_POOL_ERROR_READ_ONLY: the segment is attached read-only
 * @ZCP_MEM_POOL_ERROR_TOO_MANY_PROCESSES: all process slots of the segment
 *   are taken
 * @ZCP_MEM_POOL_ERROR_PARSE: a configuration file could not be parsed
 *
 * Error codes in the %ZCP_MEM_POOL_ERROR domain.
 *
 * Since: 1.0
 */
typedef enum
{
  ZCP_MEM_POOL_ERROR_INVALID_CHUNK_SIZE,
  ZCP_MEM_POOL_ERROR_INVALID_CHUNK_COUNT,
  ZCP_MEM_POOL_ERROR_OVERFLOW,
  ZCP_MEM_POOL_ERROR_TOO_MANY_POOLS,
  ZCP_MEM_POOL_ERROR_DUPLICATE_SIZE,
  ZCP_MEM_POOL_ERROR_SEALED,
  ZCP_MEM_POOL_ERROR_EMPTY_CONFIG,
  ZCP_MEM_POOL_ERROR_WRONG_ORDER,
  ZCP_MEM_POOL_ERROR_NO_FITTING_POOL,
  ZCP_MEM_POOL_ERROR_POOL_EXHAUSTED,
  ZCP_MEM_POOL_ERROR_INVALID_HANDLE,
  ZCP_MEM_POOL_ERROR_READ_ONLY,
  ZCP_MEM_POOL_ERROR_TOO_MANY_PROCESSES,
  ZCP_MEM_POOL_ERROR_PARSE,
} ZcpMemPoolError;

ZCP_AVAILABLE_IN_1_0
GQuark zcp_mem_pool_error_quark (void);

G_END_DECLS
