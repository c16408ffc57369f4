/* zcp-mem-pool-config-private.h: configuration internals for the allocator
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "zcp-mem-pool-config.h"

G_BEGIN_DECLS

/* Faults in and/or locks this process's mapping of a segment, as the
 * configuration asks.  Never fails: a refused mlock() is a g_warning(). */
void _zcp_mem_pool_config_apply_memory_options (ZcpMemPoolConfig *self,
                                                void             *base,
                                                guint64           size,
                                                const char       *name);

G_END_DECLS
