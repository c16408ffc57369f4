/* zcp-mem-pool-config.h: which pools a segment holds
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
 * SECTION:zcp-mem-pool-config
 * @Title: ZcpMemPoolConfig
 * @Short_description: Which pools a segment holds
 *
 * The specification's `MemPoolConfig`: the (chunk size, chunk count)
 * entries of a segment and how it is created.  A configuration is sealed
 * once an allocator uses it.
 */

G_BEGIN_DECLS

/**
 * ZCP_MEM_POOL_MAX_POOLS:
 *
 * The largest number of pools (configuration entries) in one segment.
 *
 * Since: 1.0
 */
#define ZCP_MEM_POOL_MAX_POOLS 32

/**
 * ZCP_MEM_POOL_MAX_CHUNK_SIZE:
 *
 * The largest chunk size of a pool, in bytes (1 TiB).
 *
 * Since: 1.0
 */
#define ZCP_MEM_POOL_MAX_CHUNK_SIZE (G_GUINT64_CONSTANT (1) << 40)

/**
 * ZCP_MEM_POOL_MAX_CHUNK_COUNT:
 *
 * The largest number of chunks in one pool (chunk indices are 32 bits wide
 * and one value marks the end of a free list).
 *
 * Since: 1.0
 */
#define ZCP_MEM_POOL_MAX_CHUNK_COUNT (G_MAXUINT32 - 1)

/**
 * ZCP_MEM_POOL_DEFAULT_PERMISSIONS:
 *
 * The file mode a segment is created with unless the configuration says
 * otherwise: read and write for the owner only.
 *
 * Since: 1.0
 */
#define ZCP_MEM_POOL_DEFAULT_PERMISSIONS 0600

/**
 * ZCP_TYPE_MEM_POOL_CONFIG:
 *
 * The #GType of #ZcpMemPoolConfig.
 *
 * Since: 1.0
 */
#define ZCP_TYPE_MEM_POOL_CONFIG (zcp_mem_pool_config_get_type ())

ZCP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ZcpMemPoolConfig, zcp_mem_pool_config, ZCP, MEM_POOL_CONFIG, GObject)

ZCP_AVAILABLE_IN_1_0
ZcpMemPoolConfig *zcp_mem_pool_config_new             (void);
ZCP_AVAILABLE_IN_1_0
ZcpMemPoolConfig *zcp_mem_pool_config_new_from_file   (const char        *path,
                                                       GError           **error);
ZCP_AVAILABLE_IN_1_0
ZcpMemPoolConfig *zcp_mem_pool_config_new_from_data   (const char        *data,
                                                       gssize             length,
                                                       GError           **error);
ZCP_AVAILABLE_IN_1_0
char             *zcp_mem_pool_config_to_string       (ZcpMemPoolConfig  *self);
ZCP_AVAILABLE_IN_1_0
gboolean          zcp_mem_pool_config_equal           (ZcpMemPoolConfig  *self,
                                                       ZcpMemPoolConfig  *other);
ZCP_AVAILABLE_IN_1_0
gboolean          zcp_mem_pool_config_add_entry       (ZcpMemPoolConfig  *self,
                                                       guint64            chunk_size,
                                                       guint32            chunk_count,
                                                       GError           **error);
ZCP_AVAILABLE_IN_1_0
guint             zcp_mem_pool_config_get_n_entries   (ZcpMemPoolConfig  *self);
ZCP_AVAILABLE_IN_1_0
gboolean          zcp_mem_pool_config_get_entry       (ZcpMemPoolConfig  *self,
                                                       guint              index,
                                                       guint64           *chunk_size,
                                                       guint32           *chunk_count);
ZCP_AVAILABLE_IN_1_0
guint64           zcp_mem_pool_config_get_chunk_size  (ZcpMemPoolConfig  *self,
                                                       guint              index);
ZCP_AVAILABLE_IN_1_0
guint32           zcp_mem_pool_config_get_chunk_count (ZcpMemPoolConfig  *self,
                                                       guint              index);
ZCP_AVAILABLE_IN_1_0
guint64           zcp_mem_pool_config_get_memory_size (ZcpMemPoolConfig  *self);
ZCP_AVAILABLE_IN_1_0
gboolean          zcp_mem_pool_config_is_sealed       (ZcpMemPoolConfig  *self);
ZCP_AVAILABLE_IN_1_0
gboolean          zcp_mem_pool_config_set_permissions (ZcpMemPoolConfig  *self,
                                                       guint              permissions,
                                                       GError           **error);
ZCP_AVAILABLE_IN_1_0
guint             zcp_mem_pool_config_get_permissions (ZcpMemPoolConfig  *self);
ZCP_AVAILABLE_IN_1_0
gboolean          zcp_mem_pool_config_set_fallback    (ZcpMemPoolConfig  *self,
                                                       gboolean           fallback,
                                                       GError           **error);
ZCP_AVAILABLE_IN_1_0
gboolean          zcp_mem_pool_config_get_fallback    (ZcpMemPoolConfig  *self);
ZCP_AVAILABLE_IN_1_0
gboolean          zcp_mem_pool_config_set_thread_cache (ZcpMemPoolConfig *self,
                                                        gboolean          thread_cache,
                                                        GError          **error);
ZCP_AVAILABLE_IN_1_0
gboolean          zcp_mem_pool_config_get_thread_cache (ZcpMemPoolConfig *self);
ZCP_AVAILABLE_IN_1_0
gboolean          zcp_mem_pool_config_set_prefault    (ZcpMemPoolConfig  *self,
                                                       gboolean           prefault,
                                                       GError           **error);
ZCP_AVAILABLE_IN_1_0
gboolean          zcp_mem_pool_config_get_prefault    (ZcpMemPoolConfig  *self);
ZCP_AVAILABLE_IN_1_0
gboolean          zcp_mem_pool_config_set_mlock       (ZcpMemPoolConfig  *self,
                                                       gboolean           lock_memory,
                                                       GError           **error);
ZCP_AVAILABLE_IN_1_0
gboolean          zcp_mem_pool_config_get_mlock       (ZcpMemPoolConfig  *self);

G_END_DECLS
