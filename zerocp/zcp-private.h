/* zcp-private.h: library-internal helpers shared by the GObject layer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "zcp-mem-pool-config.h"
#include "zcp-mem-pool-manager.h"
#include "zcp-segment-private.h"
#include "zcp-shm-private.h"

G_BEGIN_DECLS

/* Binds the gettext domain once; every class_init and every function that
 * can produce a message before a type exists calls it. */
void      _zcp_i18n_init                 (void);

/* The process start time in clock ticks after boot (field 22 of
 * /proc/PID/stat), 0 if unknown.  With the pid it names a process
 * unambiguously even after the pid is reused. */
guint64   _zcp_process_start_time        (int                pid);

void      _zcp_mem_pool_config_seal      (ZcpMemPoolConfig  *self);
guint     _zcp_mem_pool_config_get_specs (ZcpMemPoolConfig  *self,
                                          ZcpPoolSpec       *specs);

ZcpMemPoolManager *_zcp_mem_pool_manager_new_for_shm    (ZcpShm   *shm,
                                                         GError  **error);
void               _zcp_mem_pool_manager_set_default    (ZcpMemPoolManager *manager);
void               _zcp_mem_pool_manager_unset_default  (ZcpMemPoolManager *manager);

G_END_DECLS
