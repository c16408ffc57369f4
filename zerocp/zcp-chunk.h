/* zcp-chunk.h: a chunk of a shared-memory pool
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (ZCP_INSIDE) && !defined (ZCP_COMPILATION)
# error "Only <zerocp/zerocp.h> can be included directly."
#endif

#include <glib-object.h>

#include "zcp-version-macros.h"

/**
 * SECTION:zcp-chunk
 * @Title: ZcpChunk
 * @Short_description: A reference-counted chunk of a pool
 *
 * A #ZcpChunk is a chunk handed out by a #ZcpMemPoolManager: in C the
 * pointer is the payload itself.  Its reference count lives in the segment,
 * so references held by several processes count alike; the chunk goes back
 * to its pool with the last one.  zcp_chunk_write() and
 * zcp_chunk_get_bytes() give language bindings access to the payload.
 */

G_BEGIN_DECLS

#define ZCP_TYPE_CHUNK (zcp_chunk_get_type ())

typedef struct _ZcpChunk ZcpChunk;

ZCP_AVAILABLE_IN_1_0
GType     zcp_chunk_get_type       (void) G_GNUC_CONST;
ZCP_AVAILABLE_IN_1_0
ZcpChunk *zcp_chunk_ref            (ZcpChunk      *chunk);
ZCP_AVAILABLE_IN_1_0
void      zcp_chunk_unref          (ZcpChunk      *chunk);
ZCP_AVAILABLE_IN_1_0
gpointer  zcp_chunk_get_data       (ZcpChunk      *chunk);
ZCP_AVAILABLE_IN_1_0
gsize     zcp_chunk_get_size       (ZcpChunk      *chunk);
ZCP_AVAILABLE_IN_1_0
guint     zcp_chunk_get_pool_index (ZcpChunk      *chunk);
ZCP_AVAILABLE_IN_1_0
guint     zcp_chunk_get_ref_count  (ZcpChunk      *chunk);
ZCP_AVAILABLE_IN_1_0
gboolean  zcp_chunk_write          (ZcpChunk      *chunk,
                                    gsize          offset,
                                    const guint8  *data,
                                    gsize          length,
                                    GError       **error);
ZCP_AVAILABLE_IN_1_0
GBytes   *zcp_chunk_get_bytes      (ZcpChunk      *chunk);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZcpChunk, zcp_chunk_unref)

G_END_DECLS
