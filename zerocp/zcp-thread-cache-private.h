/* zcp-thread-cache-private.h: each thread's cache of free chunks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * See "Thread caches" in zcp-segment-private.h for what is shared; this is
 * the process-local half.  A thread has one #ZcpThreadCache per manager it
 * gets or releases through, found on the hot path through one thread-local
 * pointer (the cache used last) and a compare of its manager.  The hot half
 * of it, and the hot path itself, are inline in the public headers
 * (zcp-fast-path.h); this is the rest.
 *
 * # Rules
 *
 * - A thread caches only chunks it released itself, and only as many as it
 *   took (`limit`, at most `cap`: each get from the shared list raises it
 *   by one, a cache hit leaves it, so n, the chunks cached, grows up to it
 *   only by releasing chunks the thread took): a thread that only consumes chunks
 *   other threads or processes took gives every one back to the shared
 *   list, so a producer in another process never waits for chunks resting
 *   in a consumer's cache.
 * - At most %ZCP_THREAD_CACHE_MAX chunks per pool, and none of a pool of
 *   fewer than %ZCP_THREAD_CACHE_MIN_COUNT chunks (where one cached chunk
 *   is a noticeable part of the pool).
 * - A get that finds a pool empty sets the flush request of every record
 *   that caches chunks of it; the thread gives them back on its next get
 *   there (a release need not look: it caches only while the thread's gets
 *   make room, and each of those gets looks).
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

/* The hot half of a cache, which the inline fast path of <zerocp/zerocp.h>
 * reads too (zcp-fast-path.h, where its layout is explained). */
typedef _ZcpFastPool ZcpThreadCachePool;

/* On 64-bit targets (the layout is per architecture, like all ABI). */
G_STATIC_ASSERT (GLIB_SIZEOF_VOID_P != 8 || sizeof (ZcpThreadCachePool) == 128);
G_STATIC_ASSERT (GLIB_SIZEOF_VOID_P != 8 || sizeof (_ZcpFastCacheHeader) == 64);
G_STATIC_ASSERT (G_N_ELEMENTS (((ZcpThreadCachePool *) NULL)->entries) == ZCP_THREAD_CACHE_MAX);

typedef struct _ZcpThreadCache ZcpThreadCache;

struct _ZcpThreadCache
{
  _ZcpFastCache fast;           /* first: _zcp_fast_pools_v1 points into it */
  ZcpCacheRecord *record;       /* (shared) this thread's counts */
  ZcpThreadCache *thread_next;  /* the same thread's other caches */
  ZcpThreadCache *all_next;     /* every cache of the process */
};

/* The cache this thread used last (zcp-fast-path.h): never NULL, a cache
 * that matches no manager when the thread has none. */
static inline __attribute__ ((always_inline)) ZcpThreadCache *
_zcp_thread_cache_last (void)
{
  return (ZcpThreadCache *) (void *) ((char *) _zcp_fast_pools_v1 -
                                     G_STRUCT_OFFSET (ZcpThreadCache, fast.pools));
}

ZcpThreadCache *_zcp_thread_cache_lookup   (ZcpMemPoolManager *manager);
void            _zcp_thread_cache_flush    (ZcpThreadCache    *cache,
                                            guint              pool);
void            _zcp_thread_cache_flush_all (ZcpMemPoolManager *manager);
void            _zcp_thread_cache_detach   (ZcpMemPoolManager *manager);
void            _zcp_thread_cache_reclaim_records (ZcpMemPoolManager *manager,
                                                   guint32            owner);

/* Whether cache is manager's, a valid one.  A cache is attached only to a
 * live manager and detached (set to a value that is no manager, never
 * NULL) when it is finalized, so a match proves manager a live
 * #ZcpMemPoolManager, and NULL matches no cache. */
static inline __attribute__ ((always_inline)) gboolean
_zcp_thread_cache_is_for (ZcpThreadCache    *cache,
                          ZcpMemPoolManager *manager)
{
  return __atomic_load_n (&cache->fast.header.manager, __ATOMIC_RELAXED) == manager;
}

/* A get made room for one more cached release. */
static inline void
_zcp_thread_cache_made_room (ZcpThreadCachePool *cp)
{
  if (cp->limit < cp->cap)
    cp->limit++;
}

/* The chunks cached in cp: the count in the thread's record, which only
 * this thread writes (relaxed: its own stores), bounded in case a foreign
 * writer stored garbage there. */
static inline __attribute__ ((always_inline)) guint
_zcp_thread_cache_n (ZcpThreadCachePool *cp)
{
  return MIN (__atomic_load_n (_ZCP_FAST_N (cp->shared), __ATOMIC_RELAXED), ZCP_THREAD_CACHE_MAX);
}

/* Relaxed: other threads read the count as a statistic (see
 * zcp_segment_cached()). */
static inline __attribute__ ((always_inline)) void
_zcp_thread_cache_set_n (ZcpThreadCachePool *cp,
                         guint               n)
{
  __atomic_store_n (_ZCP_FAST_N (cp->shared), (guint8) n, __ATOMIC_RELAXED);
}

/* Takes the chunk cached last for pool; its n > 0. */
static inline __attribute__ ((always_inline)) guint32
_zcp_thread_cache_take (ZcpThreadCache *cache,
                        guint           pool)
{
  ZcpThreadCachePool *cp = &cache->fast.pools[pool];
  guint n = _zcp_thread_cache_n (cp);
  guint32 index = cp->entries[--n];

  /* limit stays: the chunk's release may be cached again. */
  _zcp_thread_cache_set_n (cp, n);
  return index;
}

/* Keeps a chunk whose last reference the caller just dropped, leaving its
 * state "cached by this process"; n < limit. */
static inline __attribute__ ((always_inline)) void
_zcp_thread_cache_put (ZcpThreadCache *cache,
                       guint           pool,
                       guint32         index)
{
  ZcpThreadCachePool *cp = &cache->fast.pools[pool];
  /* n < limit <= 8; a foreign writer may have changed it since the
   * caller looked: stay in bounds. */
  guint n = MIN (_zcp_thread_cache_n (cp), ZCP_THREAD_CACHE_MAX - 1);

  cp->entries[n++] = index;
  _zcp_thread_cache_set_n (cp, n);
}

/* This thread's cache for manager, or NULL when it has none (caching off,
 * read-only, or no free record). */
static inline __attribute__ ((always_inline)) ZcpThreadCache *
_zcp_thread_cache_get (ZcpMemPoolManager *manager)
{
  ZcpThreadCache *cache = _zcp_thread_cache_last ();

  if (G_LIKELY (_zcp_thread_cache_is_for (cache, manager)))
    return cache;

  if (!manager->thread_cache)
    return NULL;

  return _zcp_thread_cache_lookup (manager);
}

/* Whether a get found the pool empty and asked for the cached chunks.
 * Relaxed: a request, not a publication; the chunks given back are
 * published by their pushes. */
static inline gboolean
_zcp_thread_cache_flush_requested (ZcpThreadCachePool *cp)
{
  return __atomic_load_n (_ZCP_FAST_FLUSH (cp->shared), __ATOMIC_RELAXED) != 0;
}

G_END_DECLS
