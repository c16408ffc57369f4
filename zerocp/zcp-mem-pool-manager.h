/* zcp-mem-pool-manager.h: handing out and taking back chunks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (ZCP_INSIDE) && !defined (ZCP_COMPILATION)
# error "Only <zerocp/zerocp.h> can be included directly."
#endif

#include <gio/gio.h>

#include "zcp-chunk.h"
#include "zcp-version-macros.h"

/**
 * SECTION:zcp-mem-pool-manager
 * @Title: ZcpMemPoolManager
 * @Short_description: Handing out and taking back chunks
 *
 * The specification's `MemPoolManager`: a process's view of one segment.
 * Getting and releasing chunks are lock-free, thread-safe and process-safe;
 * handles pass chunks to other processes attached to the same segment.
 */

G_BEGIN_DECLS

/**
 * ZcpMemPoolStats:
 * @chunk_size: usable bytes of each chunk of the pool, as configured
 * @chunk_count: number of chunks in the pool
 * @used: chunks currently handed out (reference count above zero)
 * @free: chunks currently free (@chunk_count − @used), @cached included
 * @low_water: the fewest chunks the pool's shared free list ever had after
 *   a get (chunks resting in thread caches are not on it)
 * @failed_gets: gets that found this pool empty
 * @cached: free chunks resting in threads' caches, in every process (see
 *   zcp_mem_pool_manager_flush_thread_cache())
 *
 * A snapshot of one pool's statistics.  Under concurrent use the fields are
 * each exact but not taken at the same instant; at quiescence
 * @used + @free == @chunk_count holds.
 *
 * Since: 1.0
 */
typedef struct
{
  guint64 chunk_size;
  guint32 chunk_count;
  guint32 used;
  guint32 free;
  guint32 low_water;
  guint64 failed_gets;
  guint32 cached;
} ZcpMemPoolStats;

/**
 * ZcpOpenFlags:
 * @ZCP_OPEN_FLAGS_NONE: attach read-write
 * @ZCP_OPEN_FLAGS_READ_ONLY: map the segment read-only: statistics and
 *   zcp_mem_pool_manager_lookup_handle() work; taking, referencing and
 *   releasing chunks does not
 *
 * Flags for zcp_mem_pool_manager_open().
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/
{
  ZCP_OPEN_FLAGS_NONE = 0,
  ZCP_OPEN_FLAGS_READ_ONLY = 1 << 0,
} ZcpOpenFlags;

#define ZCP_TYPE_MEM_POOL_STATS (zcp_mem_pool_stats_get_type ())
/**
 * ZCP_TYPE_MEM_POOL_MANAGER:
 *
 * The #GType of #ZcpMemPoolManager.
 *
 * Since: 1.0
 */
#define ZCP_TYPE_MEM_POOL_MANAGER (zcp_mem_pool_manager_get_type ())

ZCP_AVAILABLE_IN_1_0
GType              zcp_mem_pool_stats_get_type  (void) G_GNUC_CONST;
ZCP_AVAILABLE_IN_1_0
ZcpMemPoolStats   *zcp_mem_pool_stats_copy      (const ZcpMemPoolStats *stats);
ZCP_AVAILABLE_IN_1_0
void               zcp_mem_pool_stats_free      (ZcpMemPoolStats       *stats);

ZCP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ZcpMemPoolManager, zcp_mem_pool_manager, ZCP, MEM_POOL_MANAGER, GObject)

ZCP_AVAILABLE_IN_1_0
ZcpMemPoolManager *zcp_mem_pool_manager_get_instance_if_initialized (void);
ZCP_AVAILABLE_IN_1_0
ZcpMemPoolManager *zcp_mem_pool_manager_open         (const char         *name,
                                                      ZcpOpenFlags        flags,
                                                      guint               timeout_ms,
                                                      GError            **error);
ZCP_AVAILABLE_IN_1_0
ZcpChunk          *zcp_mem_pool_manager_get_chunk    (ZcpMemPoolManager  *self,
                                                      gsize               size);
ZCP_AVAILABLE_IN_1_0
ZcpChunk          *zcp_mem_pool_manager_try_get_chunk (ZcpMemPoolManager *self,
                                                      gsize               size,
                                                      GError            **error);
ZCP_AVAILABLE_IN_1_0
void               zcp_mem_pool_manager_release_chunk (ZcpMemPoolManager *self,
                                                      ZcpChunk           *chunk);
ZCP_AVAILABLE_IN_1_0
void               zcp_mem_pool_manager_flush_thread_cache (ZcpMemPoolManager *self);
ZCP_AVAILABLE_IN_1_0
gboolean           zcp_mem_pool_manager_owns_chunk   (ZcpMemPoolManager  *self,
                                                      gconstpointer       address);
ZCP_AVAILABLE_IN_1_0
guint64            zcp_mem_pool_manager_get_chunk_handle (ZcpMemPoolManager *self,
                                                      ZcpChunk           *chunk);
ZCP_AVAILABLE_IN_1_0
guint64            zcp_mem_pool_manager_share_chunk  (ZcpMemPoolManager  *self,
                                                      ZcpChunk           *chunk);
ZCP_AVAILABLE_IN_1_0
ZcpChunk          *zcp_mem_pool_manager_chunk_from_handle (ZcpMemPoolManager *self,
                                                      guint64             handle,
                                                      GError            **error);
ZCP_AVAILABLE_IN_1_0
gconstpointer      zcp_mem_pool_manager_lookup_handle (ZcpMemPoolManager *self,
                                                      guint64             handle,
                                                      gsize              *size,
                                                      GError            **error);
ZCP_AVAILABLE_IN_1_0
guint              zcp_mem_pool_manager_get_pool_count (ZcpMemPoolManager *self);
ZCP_AVAILABLE_IN_1_0
gboolean           zcp_mem_pool_manager_get_pool_stats (ZcpMemPoolManager *self,
                                                      guint               index,
                                                      ZcpMemPoolStats    *stats);
ZCP_AVAILABLE_IN_1_0
void               zcp_mem_pool_manager_log_pools    (ZcpMemPoolManager  *self);
ZCP_AVAILABLE_IN_1_0
const char        *zcp_mem_pool_manager_get_name     (ZcpMemPoolManager  *self);
ZCP_AVAILABLE_IN_1_0
guint64            zcp_mem_pool_manager_get_segment_id (ZcpMemPoolManager *self);
ZCP_AVAILABLE_IN_1_0
gpointer           zcp_mem_pool_manager_get_base_address (ZcpMemPoolManager *self);
ZCP_AVAILABLE_IN_1_0
guint64            zcp_mem_pool_manager_get_memory_size (ZcpMemPoolManager *self);
ZCP_AVAILABLE_IN_1_0
gboolean           zcp_mem_pool_manager_is_read_only (ZcpMemPoolManager  *self);
ZCP_AVAILABLE_IN_1_0
gboolean           zcp_mem_pool_manager_get_fallback (ZcpMemPoolManager  *self);
ZCP_AVAILABLE_IN_1_0
gboolean           zcp_mem_pool_manager_get_thread_cache (ZcpMemPoolManager *self);
ZCP_AVAILABLE_IN_1_0
gboolean           zcp_mem_pool_manager_is_initialized (ZcpMemPoolManager *self);

/* Crash recovery (zcp-reclaim.c). */
ZCP_AVAILABLE_IN_1_0
guint              zcp_mem_pool_manager_reclaim_dead (ZcpMemPoolManager  *self,
                                                      GError            **error);
ZCP_AVAILABLE_IN_1_0
guint              zcp_mem_pool_manager_recover_lost_chunks (ZcpMemPoolManager  *self,
                                                      GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZcpMemPoolStats, zcp_mem_pool_stats_free)

G_END_DECLS

/* get_chunk() and release_chunk() inline, for C callers. */
#include "zcp-fast-path.h"
