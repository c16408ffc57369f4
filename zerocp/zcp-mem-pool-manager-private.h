/* zcp-mem-pool-manager-private.h: the manager's process-local view
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each process translates the segment's offsets into addresses once, when
 * it attaches, and keeps them here: get and release then cost a few loads
 * and the free-list CAS, with no offset arithmetic on the way (iceoryx
 * spends most of its instructions turning relative pointers back into
 * addresses on every access).
 */

#pragma once

#include "zcp-mem-pool-config.h"
#include "zcp-mem-pool-manager.h"
#include "zcp-segment-private.h"
#include "zcp-shm-private.h"

G_BEGIN_DECLS

typedef struct
{
  guint8 *chunks;           /* payload of chunk 0, in this process */
  guint8 *chunks_end;       /* one past the last payload */
  ZcpChunkSlot *slots;      /* (shared: lives in the segment) */
  ZcpPoolDescriptor *desc;  /* (shared: lives in the segment) */
  guint64 chunk_size;       /* copied from the descriptor once validated */
  guint64 stride;
  guint32 count;
  guint32 stride_shift;     /* log2 (stride) if a power of two, else 0 */
  guint64 reserved;         /* 64 bytes: pools[i] is one shift away */
} ZcpPoolLocal;

G_STATIC_ASSERT (sizeof (ZcpPoolLocal) == 64);

struct _ZcpMemPoolManager
{
  GObject parent_instance;

  ZcpShm *shm;              /* (owned) */
  guint8 *base;
  guint64 size;
  guint64 segment_id;
  guint32 owner_tag;        /* (process slot + 1) << 16; 0 when read-only */
  int process_slot;         /* -1 when none */
  guint n_pools;
  guint read_only : 1;
  guint fallback : 1;
  guint poison : 1;         /* ZCP_DEBUG=poison: fill released payloads */
  guint wide_cas : 1;       /* zcp_cpu_has_wide_cas(): get/put in one CAS */
  guint thread_cache : 1;   /* threads keep caches (zcp-thread-cache.c) */
  ZcpPoolLocal pools[ZCP_MEM_POOL_MAX_POOLS];
};

typedef enum
{
  ZCP_LOCATE_OK,
  ZCP_LOCATE_OUTSIDE,      /* not in any pool's payload area */
  ZCP_LOCATE_MISALIGNED,   /* inside a pool, but not the start of a chunk */
} ZcpLocate;

/* Finds the pool and index of the chunk that starts at address. */
static inline ZcpLocate
_zcp_mem_pool_manager_locate (ZcpMemPoolManager *self,
                              const void        *address,
                              guint             *pool_out,
                              guint32           *index_out)
{
  const guint8 *p = address;

  for (guint i = 0; i < self->n_pools; i++)
    {
      const ZcpPoolLocal *pl = &self->pools[i];

      if (p >= pl->chunks && p < pl->chunks_end)
        {
          guint64 off = (guint64) (p - pl->chunks);
          guint64 index = pl->stride_shift != 0 ? off >> pl->stride_shift : off / pl->stride;

          if (index * pl->stride != off)
            return ZCP_LOCATE_MISALIGNED;

          *pool_out = i;
          *index_out = (guint32) index;
          return ZCP_LOCATE_OK;
        }
    }

  return ZCP_LOCATE_OUTSIDE;
}

/* The manager whose mapping contains address, or NULL. */
ZcpMemPoolManager *_zcp_mem_pool_manager_for_address (const void *address);

/* Debug mode (zcp-reclaim.c): ZCP_DEBUG=poison fills every released
 * payload with ZCP_POISON_BYTE, so a use after release reads garbage. */
#define ZCP_DEBUG_POISON (1u << 0)
/* ZCP_DEBUG=no-thread-cache: every get and release goes through the
 * shared free list (zcp-thread-cache-private.h), in this process. */
#define ZCP_DEBUG_NO_THREAD_CACHE (1u << 1)
#define ZCP_POISON_BYTE 0xdb
gboolean _zcp_debug_poison_enabled         (void);
gboolean _zcp_debug_no_thread_cache        (void);
/* Makes this process the owner of an adopted chunk (for reclaim). */
void     _zcp_mem_pool_manager_adopt_chunk (ZcpMemPoolManager *self,
                                            guint              pool,
                                            guint32            index);

void     _zcp_mem_pool_manager_unref_chunk (ZcpMemPoolManager *self,
                                            ZcpChunk          *chunk,
                                            const char        *caller);
gboolean _zcp_mem_pool_manager_ref_chunk   (ZcpMemPoolManager *self,
                                            ZcpChunk          *chunk,
                                            const char        *caller);

G_END_DECLS
