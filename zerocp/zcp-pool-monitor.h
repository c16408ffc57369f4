/* zcp-pool-monitor.h: noticing pools that run low or run out
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (ZCP_INSIDE) && !defined (ZCP_COMPILATION)
# error "Only <zerocp/zerocp.h> can be included directly."
#endif

#include <glib-object.h>

#include "zcp-mem-pool-manager.h"
#include "zcp-version-macros.h"

/**
 * SECTION:zcp-pool-monitor
 * @Title: ZcpPoolMonitor
 * @Short_description: Signals for pools that run low or run out
 *
 * A #ZcpPoolMonitor watches the pools of a #ZcpMemPoolManager and emits
 * signals when one runs low or runs out of free chunks.
 */

G_BEGIN_DECLS

/**
 * ZCP_POOL_MONITOR_DEFAULT_INTERVAL:
 *
 * How often a #ZcpPoolMonitor looks at the pools unless told otherwise, in
 * milliseconds.
 *
 * Since: 1.0
 */
#define ZCP_POOL_MONITOR_DEFAULT_INTERVAL 100

/**
 * ZCP_POOL_MONITOR_DEFAULT_LOW_PERCENT:
 *
 * The default low-water threshold of a #ZcpPoolMonitor, in percent of each
 * pool's chunk count.
 *
 * Since: 1.0
 */
#define ZCP_POOL_MONITOR_DEFAULT_LOW_PERCENT 10

/**
 * ZCP_TYPE_POOL_MONITOR:
 *
 * The #GType of #ZcpPoolMonitor.
 *
 * Since: 1.0
 */
#define ZCP_TYPE_POOL_MONITOR (zcp_pool_monitor_get_type ())

ZCP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ZcpPoolMonitor, zcp_pool_monitor, ZCP, POOL_MONITOR, GObject)

ZCP_AVAILABLE_IN_1_0
ZcpPoolMonitor    *zcp_pool_monitor_new             (ZcpMemPoolManager *manager,
                                                     guint              interval_ms);
ZCP_AVAILABLE_IN_1_0
ZcpMemPoolManager *zcp_pool_monitor_get_manager     (ZcpPoolMonitor    *self);
ZCP_AVAILABLE_IN_1_0
guint              zcp_pool_monitor_get_interval    (ZcpPoolMonitor    *self);
ZCP_AVAILABLE_IN_1_0
void               zcp_pool_monitor_set_interval    (ZcpPoolMonitor    *self,
                                                     guint              interval_ms);
ZCP_AVAILABLE_IN_1_0
guint              zcp_pool_monitor_get_low_percent (ZcpPoolMonitor    *self);
ZCP_AVAILABLE_IN_1_0
void               zcp_pool_monitor_set_low_percent (ZcpPoolMonitor    *self,
                                                     guint              percent);
ZCP_AVAILABLE_IN_1_0
guint32            zcp_pool_monitor_get_threshold   (ZcpPoolMonitor    *self,
                                                     guint              pool_index);
ZCP_AVAILABLE_IN_1_0
void               zcp_pool_monitor_set_threshold   (ZcpPoolMonitor    *self,
                                                     guint              pool_index,
                                                     guint32            min_free);
ZCP_AVAILABLE_IN_1_0
void               zcp_pool_monitor_check           (ZcpPoolMonitor    *self);

G_END_DECLS
