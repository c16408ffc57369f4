/* zcp-shm-private.h: the POSIX shared-memory provider
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <sys/types.h>

#include "zcp-mem-pool-allocator.h"

G_BEGIN_DECLS

/* A process-local mapping of one shared-memory object.  Reference counted:
 * the allocator and the manager built on it each hold a reference, and the
 * mapping goes away with the last one. */
typedef struct
{
  gatomicrefcount ref_count;
  char *name;          /* (owned) the POSIX name, with its leading slash */
  guint8 *base;        /* start of the mapping */
  guint64 size;        /* bytes mapped (the object's size when mapped) */
  dev_t dev;           /* identity of the object we mapped, so that we */
  ino_t ino;           /* never unlink somebody else's newer object */
  guint read_only : 1;
  guint created : 1;   /* this process created the object */
} ZcpShm;

gboolean zcp_shm_validate_name (const char      *name,
                                GError         **error);
ZcpShm  *zcp_shm_create        (const char      *name,
                                guint64          size,
                                ZcpShmOpenMode   mode,
                                guint            permissions,
                                GError         **error);
ZcpShm  *zcp_shm_open          (const char      *name,
                                gboolean         read_only,
                                guint            timeout_ms,
                                GError         **error);
ZcpShm  *zcp_shm_ref           (ZcpShm          *shm);
void     zcp_shm_unref         (ZcpShm          *shm);
gboolean zcp_shm_unlink        (ZcpShm          *shm);
gboolean zcp_shm_unlink_name   (const char      *name,
                                GError         **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZcpShm, zcp_shm_unref)

G_END_DECLS
