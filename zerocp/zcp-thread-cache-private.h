/* zcp-thread-cache-private.h: each thread's cache of free chunks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * See "Thread caches" in zcp-segment-private.h for what is shared; this is
 * the process-local half.  A thread has one #ZcpThreadCache per manager it
 * gets or releases through, found on the hot path through one thread-local
 * pointer (the cache used last) and a compare of its manager.
 *
 * # Rules
 *
 * - A thread caches only chunks it released itself, and only as many as it
 *   took (`room`: each get adds one, each cached release takes one, and it
 *   never exceeds the free places): a thread that only consumes chunks
 *   other threads or processes took gives every one back to the shared
 *   list, so a producer in another process never waits for chunks resting
 *   in a consumer's cache.
 * - At most %ZCP_THREAD_CACHE_MAX chunks per pool, and none of a pool of
 *   fewer than %ZCP_THREAD_CACHE_MIN_COUNT chunks (where one cached chunk
 *   is a noticeable part of the pool).
 * - A get that finds a pool empty raises the pool's `flush_epoch`; a thread
 *   that sees it changed gives its cached chunks of the pool back on its
 *   next get there (a release need not look: it caches only while the
 *   thread's gets make room, and each of those gets looks).
 * - No cache in debug mode (`ZCP_DEBUG=poison`), where every release
 *   poisons the payload on its way to the list.
 * - Everything a thread cached goes back when the thread exits, when the
 *   manager is finalized, at process exit (the exiting thread's caches), on
 *   zcp_mem_pool_manager_flush_thread_cache(), and through crash reclaim
 *   (the chunks' states name the process) when the process dies.
 * - A child made by fork() starts with no cache: the parent's cached chunks
 *   stay the parent's.
 *
 * # Threads
 *
 * The pools and the fast path belong to the owning thread alone.  `manager`
 * is also written by the finalizing thread (under the module's lock, when
 * the owning thread no longer uses that manager), so it is read relaxed-
 * atomically.  Every list of caches is changed under the module's lock.
 */

#pragma once

#include "zcp-mem-pool-manager-private.h"

G_BEGIN_DECLS

#define ZCP_THREAD_CACHE_MAX 8
#define ZCP_THREAD_CACHE_MIN_COUNT 64

typedef struct
{
  guint8 n;                 /* chunks in entries[] */
  guint8 cap;               /* at most this many; 0: the pool is not cached */
  guint8 room;              /* releases that may still be cached: <= cap - n */
  guint8 reserved;
  guint32 epoch;            /* the pool's flush_epoch as last seen */
  guint32 entries[ZCP_THREAD_CACHE_MAX];
} ZcpThreadCachePool;

typedef struct _ZcpThreadCache ZcpThreadCache;

struct _ZcpThreadCache
{
  ZcpMemPoolManager *manager;   /* (atomic) (unowned) NULL once detached */
  ZcpCacheRecord *record;       /* (shared) this thread's counts */
  ZcpThreadCache *thread_next;  /* the same thread's other caches */
  ZcpThreadCache *all_next;     /* every cache of the process */
  ZcpThreadCachePool pools[ZCP_MEM_POOL_MAX_POOLS];
};

/* The cache this thread used last.  Initial-exec: one load through %fs on
 * x86-64, no call; the library asks for a few bytes of static TLS, which
 * glibc reserves for libraries loaded with dlopen() as well. */
extern __thread ZcpThreadCache *_zcp_thread_cache_last
  __attribute__ ((tls_model ("initial-exec")));

ZcpThreadCache *_zcp_thread_cache_lookup   (ZcpMemPoolManager *manager);
void            _zcp_thread_cache_flush    (ZcpThreadCache    *cache,
                                            guint              pool);
void            _zcp_thread_cache_flush_all (ZcpMemPoolManager *manager);
void            _zcp_thread_cache_detach   (ZcpMemPoolManager *manager);
void            _zcp_thread_cache_reclaim_records (ZcpMemPoolManager *manager,
                                                   guint32            owner);

/* Whether cache (this thread's last, maybe NULL) is manager's.  A cache is
 * attached only to a live manager and detached when it is finalized, so a
 * match also proves that manager is a live #ZcpMemPoolManager. */
static inline __attribute__ ((always_inline)) gboolean
_zcp_thread_cache_is_for (ZcpThreadCache    *cache,
                          ZcpMemPoolManager *manager)
{
  return cache != NULL && __atomic_load_n (&cache->manager, __ATOMIC_RELAXED) == manager;
}

/* A get made room for one more cached release. */
static inline void
_zcp_thread_cache_made_room (ZcpThreadCachePool *cp)
{
  if (cp->room < cp->cap - cp->n)
    cp->room++;
}

/* Takes the chunk cached last for pool; cache->pools[pool].n > 0. */
static inline __attribute__ ((always_inline)) guint32
_zcp_thread_cache_take (ZcpThreadCache *cache,
                        guint           pool)
{
  ZcpThreadCachePool *cp = &cache->pools[pool];
  guint32 index = cp->entries[--cp->n];

  cp->room++; /* room <= cap - n still holds */
  /* Relaxed: a statistic (see zcp_segment_cached()). */
  atomic_store_explicit (&cache->record->count[pool], cp->n, memory_order_relaxed);
  return index;
}

/* Keeps a chunk whose last reference the caller just dropped, leaving its
 * state "cached by this process"; cache->pools[pool].room > 0. */
static inline __attribute__ ((always_inline)) void
_zcp_thread_cache_put (ZcpThreadCache *cache,
                       guint           pool,
                       guint32         index)
{
  ZcpThreadCachePool *cp = &cache->pools[pool];

  cp->entries[cp->n++] = index;
  cp->room--;
  /* Relaxed: a statistic (see zcp_segment_cached()). */
  atomic_store_explicit (&cache->record->count[pool], cp->n, memory_order_relaxed);
}

/* This thread's cache for manager, or NULL when it has none (caching off,
 * read-only, or no free record). */
static inline __attribute__ ((always_inline)) ZcpThreadCache *
_zcp_thread_cache_get (ZcpMemPoolManager *manager)
{
  ZcpThreadCache *cache = _zcp_thread_cache_last;

  if (G_LIKELY (_zcp_thread_cache_is_for (cache, manager)))
    return cache;

  if (!manager->thread_cache)
    return NULL;

  return _zcp_thread_cache_lookup (manager);
}

/* Whether pool's flush epoch moved since this cache last looked.  Relaxed:
 * the epoch is a request, not a publication; the chunks given back are
 * published by the push. */
static inline gboolean
_zcp_thread_cache_flush_requested (ZcpThreadCachePool *cp,
                                   ZcpPoolDescriptor  *desc)
{
  return cp->epoch != atomic_load_explicit (&desc->flush_epoch, memory_order_relaxed);
}

G_END_DECLS
