/* zcp-mem-pool-allocator.h: creating a segment and laying its pools out
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (ZCP_INSIDE) && !defined (ZCP_COMPILATION)
# error "Only <zerocp/zerocp.h> can be included directly."
#endif

#include <glib-object.h>

#include "zcp-mem-pool-config.h"
#include "zcp-mem-pool-manager.h"
#include "zcp-version-macros.h"

/**
 * SECTION:zcp-mem-pool-allocator
 * @Title: ZcpMemPoolAllocator
 * @Short_description: Creating a segment and laying its pools out
 *
 * The specification's `MemPoolAllocator`: computes the size of a segment
 * from a #ZcpMemPoolConfig, creates the shared memory and initializes the
 * pools, in that order.
 */

G_BEGIN_DECLS

/**
 * ZcpShmOpenMode:
 * @ZCP_SHM_OPEN_MODE_PURGE_AND_CREATE: remove any object of that name, then
 *   create a new one (the specification's `PurgeAndCreate`; the default)
 * @ZCP_SHM_OPEN_MODE_EXCLUSIVE_CREATE: create a new object; fail with
 *   %ZCP_SHM_ERROR_ALREADY_EXISTS if the name is taken
 * @ZCP_SHM_OPEN_MODE_OPEN_OR_CREATE: attach to the segment of that name if
 *   there is one (it must hold the configured pools), else create it
 * @ZCP_SHM_OPEN_MODE_OPEN_EXISTING: attach to an existing segment; fail with
 *   %ZCP_SHM_ERROR_DOES_NOT_EXIST if there is none
 *
 * How zcp_mem_pool_allocator_initialize_shared_memory() obtains its
 * segment.  Only an allocator that created its segment lays the pools out
 * and unlinks the segment when it is finalized.
 *
 * Since: 1.0
 */
typedef enum
{
  ZCP_SHM_OPEN_MODE_PURGE_AND_CREATE,
  ZCP_SHM_OPEN_MODE_EXCLUSIVE_CREATE,
  ZCP_SHM_OPEN_MODE_OPEN_OR_CREATE,
  ZCP_SHM_OPEN_MODE_OPEN_EXISTING,
} ZcpShmOpenMode;

/**
 * ZCP_TYPE_MEM_POOL_ALLOCATOR:
 *
 * The #GType of #ZcpMemPoolAllocator.
 *
 * Since: 1.0
 */
#define ZCP_TYPE_MEM_POOL_ALLOCATOR (zcp_mem_pool_allocator_get_type ())

ZCP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ZcpMemPoolAllocator, zcp_mem_pool_allocator, ZCP, MEM_POOL_ALLOCATOR, GObject)

ZCP_AVAILABLE_IN_1_0
ZcpMemPoolAllocator *zcp_mem_pool_allocator_new                      (ZcpMemPoolConfig     *config);
ZCP_AVAILABLE_IN_1_0
ZcpMemPoolAllocator *zcp_mem_pool_allocator_new_with_mode            (ZcpMemPoolConfig     *config,
                                                                      ZcpShmOpenMode        open_mode);
ZCP_AVAILABLE_IN_1_0
gpointer             zcp_mem_pool_allocator_initialize_shared_memory (ZcpMemPoolAllocator  *self,
                                                                      const char           *name,
                                                                      GError              **error);
ZCP_AVAILABLE_IN_1_0
gboolean             zcp_mem_pool_allocator_initialize_mem_pools     (ZcpMemPoolAllocator  *self,
                                                                      GError              **error);
ZCP_AVAILABLE_IN_1_0
gpointer             zcp_mem_pool_allocator_get_base_address         (ZcpMemPoolAllocator  *self);
ZCP_AVAILABLE_IN_1_0
guint64              zcp_mem_pool_allocator_get_memory_size          (ZcpMemPoolAllocator  *self);
ZCP_AVAILABLE_IN_1_0
gboolean             zcp_mem_pool_allocator_is_initialized           (ZcpMemPoolAllocator  *self);
ZCP_AVAILABLE_IN_1_0
ZcpMemPoolConfig    *zcp_mem_pool_allocator_get_config               (ZcpMemPoolAllocator  *self);
ZCP_AVAILABLE_IN_1_0
ZcpShmOpenMode       zcp_mem_pool_allocator_get_open_mode            (ZcpMemPoolAllocator  *self);
ZCP_AVAILABLE_IN_1_0
const char          *zcp_mem_pool_allocator_get_name                 (ZcpMemPoolAllocator  *self);
ZCP_AVAILABLE_IN_1_0
gboolean             zcp_mem_pool_allocator_get_created              (ZcpMemPoolAllocator  *self);
ZCP_AVAILABLE_IN_1_0
ZcpMemPoolManager   *zcp_mem_pool_allocator_get_manager              (ZcpMemPoolAllocator  *self);

G_END_DECLS
