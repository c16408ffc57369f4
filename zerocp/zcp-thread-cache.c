/* zcp-thread-cache.c: creating, flushing and retiring threads' caches
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The hot path is in zcp-mem-pool-manager.c; this is everything around it,
 * all of it under one process-wide lock, none of it on a cache hit.
 */

#include "config.h"

#include <pthread.h>

#include "zcp-thread-cache-private.h"

/* Where _zcp_fast_pools_v1 points when the thread has no cache: no
 * manager, and pool 0 the end marker.  The end marker matches every size
 * (chunk_size) and every address (inverse 0: index 0 < count 1), with
 * nothing cached and no room. */
static guint16 no_count;
#define END_MARKER { .chunk_size = G_MAXUINT64, .stride = 1, .inverse = 0, \
                     .count = 1, .shared = &no_count }

/* The manager of a cache that has none: not NULL, so that a get or
 * release through NULL matches no cache, not even one being detached. */
#define NO_MANAGER ((ZcpMemPoolManager *) &no_cache)

static ZcpThreadCache no_cache = { .fast = { .header = { .manager = NO_MANAGER },
                                             .pools = { END_MARKER } } };

__thread _ZcpFastPool *_zcp_fast_pools_v1 __attribute__ ((tls_model ("initial-exec"))) = no_cache.fast.pools;

/* The end marker after the last pool (see zcp-fast-path.h). */
static void
set_end_marker (ZcpThreadCachePool *cp)
{
  *cp = (ZcpThreadCachePool) END_MARKER;
}

/* The inverse of the odd number odd modulo 2^64, by Newton's iteration:
 * each step doubles the number of correct low bits, starting from 3 (odd
 * is its own inverse modulo 8). */
static guint64
inverse_mod_2_64 (guint64 odd)
{
  guint64 inverse = odd;

  for (guint i = 0; i < 5; i++)
    inverse *= 2 - odd * inverse;

  return inverse;
}

/* Every cache of the process (all_next), for finalize and fork.  A pthread
 * mutex, not a GMutex: ThreadSanitizer sees the order it gives (GLib's
 * futex-based mutex is invisible to it), and the child of fork()
 * re-initializes it. */
static ZcpThreadCache *all_caches;
static pthread_mutex_t caches_lock = PTHREAD_MUTEX_INITIALIZER;
#define LOCK_CACHES() pthread_mutex_lock (&caches_lock)
#define UNLOCK_CACHES() pthread_mutex_unlock (&caches_lock)

static void thread_caches_free (gpointer data);

/* The calling thread's caches (thread_next); freed when the thread exits. */
static GPrivate thread_caches = G_PRIVATE_INIT (thread_caches_free);

/* Gives one cached chunk back to the shared list.  The caller owns it
 * (it is in this cache), so nobody else writes its state. */
static void
give_back (ZcpMemPoolManager *manager,
           guint              pool,
           guint32            index)
{
  ZcpPoolLocal *pl = &manager->pools[pool];

  /* Relaxed: published, before anyone can pop the chunk, by the push's
   * release CAS (or the full barrier of the 16-byte one).  The chunk was
   * counted in `used` all along; the put takes it out. */
  atomic_store_explicit (&pl->slots[index].state, 0, memory_order_relaxed);
  zcp_pool_put (pl->desc, pl->slots, index, manager->wide_cas);
}

void
_zcp_thread_cache_flush (ZcpThreadCache *cache,
                         guint           pool)
{
  ZcpMemPoolManager *manager = __atomic_load_n (&cache->fast.header.manager, __ATOMIC_RELAXED);
  ZcpThreadCachePool *cp = &cache->fast.pools[pool];
  guint n = _zcp_thread_cache_n (cp);

  if (cp->shared == &no_count)
    return; /* no record: nothing cached */

  /* Clear the request first: one made from here on stays set, one made
   * before is served by this flush.  (Relaxed: a request.) */
  __atomic_store_n (_ZCP_FAST_FLUSH (cp->shared), 0, __ATOMIC_RELAXED);
  /* The room the cached chunks took stays room (limit - n). */
  cp->limit = cp->limit > n ? cp->limit - n : 0;
  while (n > 0)
    {
      guint32 index = cp->entries[--n];

      give_back (manager, pool, index);
      _zcp_thread_cache_set_n (cp, n);
    }
}

static void
flush_all_locked (ZcpThreadCache *cache)
{
  ZcpMemPoolManager *manager = __atomic_load_n (&cache->fast.header.manager, __ATOMIC_RELAXED);

  if (manager == NO_MANAGER || cache->record == NULL)
    return;

  for (guint p = 0; p < manager->n_pools; p++)
    {
      _zcp_thread_cache_flush (cache, p);
      cache->fast.pools[p].limit = 0;
    }
}

/* Empties the cache and frees its record; the cache may be reused for
 * another manager afterwards. */
static void
detach_locked (ZcpThreadCache *cache)
{
  flush_all_locked (cache);

  if (cache->record != NULL)
    {
      /* Release: the counts stored 0 above happen before a later claimer
       * of the record sees it free. */
      atomic_store_explicit (&cache->record->owner, 0, memory_order_release);
      cache->record = NULL;
    }

  /* Nothing cached, no room: the inline fast path would miss even for a
   * manager that is later allocated at the same address. */
  __atomic_store_n (&cache->fast.header.manager, NO_MANAGER, __ATOMIC_RELAXED);
  memset (cache->fast.pools, 0, sizeof cache->fast.pools);
  set_end_marker (&cache->fast.pools[0]);
}

static ZcpCacheRecord *
claim_record (ZcpMemPoolManager *manager)
{
  ZcpCacheRecord *records = zcp_segment_caches (manager->base);
  guint32 owner = (guint32) manager->process_slot + 1;

  for (guint r = 0; r < ZCP_SEGMENT_MAX_CACHES; r++)
    {
      guint32 expected = 0;

      /* Acquire on success: the previous holder's zeroed counts (released
       * with its store of 0) happen before our stores. */
      if (atomic_load_explicit (&records[r].owner, memory_order_relaxed) == 0 &&
          atomic_compare_exchange_strong_explicit (&records[r].owner, &expected, owner,
                                                   memory_order_acquire,
                                                   memory_order_relaxed))
        return &records[r];
    }

  return NULL;
}

static void
attach (ZcpThreadCache    *cache,
        ZcpMemPoolManager *manager)
{
  guint p;

  memset (cache->fast.pools, 0, sizeof cache->fast.pools);
  cache->record = claim_record (manager);
  cache->fast.header.state = manager->owner_tag | 1u;

  for (p = 0; p < manager->n_pools; p++)
    {
      ZcpPoolLocal *pl = &manager->pools[p];
      ZcpThreadCachePool *cp = &cache->fast.pools[p];
      guint shift = (guint) __builtin_ctzll (pl->stride);

      cp->chunk_size = pl->chunk_size;
      cp->chunks = pl->chunks;
      cp->stride = pl->stride;
      cp->shift = (guint8) shift;
      cp->inverse = inverse_mod_2_64 (pl->stride >> shift);
      cp->count = pl->count;
      cp->states = (guint32 *) &pl->slots[0].state;
      /* Without a record the cache stays, with every cap 0, so that the
       * thread does not look for a record on every call. */
      if (cache->record != NULL && p < ZCP_CACHE_RECORD_POOLS)
        {
          cp->cap = pl->count < ZCP_THREAD_CACHE_MIN_COUNT ? 0 : ZCP_THREAD_CACHE_MAX;
          cp->shared = (guint16 *) (void *) &cache->record->pools[p];
          /* A request left over from the record's last holder. */
          atomic_store_explicit (&cache->record->pools[p].flush, 0, memory_order_relaxed);
        }
      else
        {
          cp->shared = &no_count;
        }
    }
  set_end_marker (&cache->fast.pools[p]);

  __atomic_store_n (&cache->fast.header.manager, manager, __ATOMIC_RELAXED);
}

static void
child_after_fork (void)
{
  /* The only thread of the child.  The caches are copies of the parent's,
   * whose chunks the parent still holds: drop them without a flush. */
  ZcpThreadCache *cache = all_caches;

  while (cache != NULL)
    {
      ZcpThreadCache *next = cache->all_next;

      g_free (cache);
      cache = next;
    }
  all_caches = NULL;
  _zcp_fast_pools_v1 = no_cache.fast.pools;
  g_private_set (&thread_caches, NULL);
  /* Held since prepare_fork(), by the thread that is now the child's only
   * one: start over with a fresh mutex. */
  pthread_mutex_init (&caches_lock, NULL);
}

static void
prepare_fork (void)
{
  LOCK_CACHES ();
}

static void
parent_after_fork (void)
{
  UNLOCK_CACHES ();
}

ZcpThreadCache *
_zcp_thread_cache_lookup (ZcpMemPoolManager *manager)
{
  static gsize atfork_registered = 0;
  ZcpThreadCache *head, *cache, *spare = NULL;

  if (g_once_init_enter (&atfork_registered))
    {
      pthread_atfork (prepare_fork, parent_after_fork, child_after_fork);
      g_once_init_leave (&atfork_registered, 1);
    }

  LOCK_CACHES ();

  head = g_private_get (&thread_caches);
  for (cache = head; cache != NULL; cache = cache->thread_next)
    {
      ZcpMemPoolManager *m = __atomic_load_n (&cache->fast.header.manager, __ATOMIC_RELAXED);

      if (m == manager)
        break;
      if (m == NO_MANAGER && spare == NULL)
        spare = cache;
    }

  if (cache == NULL)
    {
      if (spare != NULL)
        {
          cache = spare;
        }
      else
        {
          cache = g_new0 (ZcpThreadCache, 1);
          cache->thread_next = head;
          cache->all_next = all_caches;
          all_caches = cache;
          g_private_set (&thread_caches, cache);
        }
      attach (cache, manager);
    }

  UNLOCK_CACHES ();

  _zcp_fast_pools_v1 = cache->fast.pools;
  return cache;
}

/* Every cache of manager in this process gives its chunks back and lets go
 * of its record: the manager is being finalized (so no thread uses it any
 * more). */
void
_zcp_thread_cache_detach (ZcpMemPoolManager *manager)
{
  LOCK_CACHES ();
  for (ZcpThreadCache *cache = all_caches; cache != NULL; cache = cache->all_next)
    if (__atomic_load_n (&cache->fast.header.manager, __ATOMIC_RELAXED) == manager)
      detach_locked (cache);
  UNLOCK_CACHES ();
}

/* The calling thread's cache of manager gives its chunks back. */
void
_zcp_thread_cache_flush_all (ZcpMemPoolManager *manager)
{
  LOCK_CACHES ();
  for (ZcpThreadCache *cache = g_private_get (&thread_caches); cache != NULL; cache = cache->thread_next)
    if (__atomic_load_n (&cache->fast.header.manager, __ATOMIC_RELAXED) == manager)
      flush_all_locked (cache);
  UNLOCK_CACHES ();
}

/* Crash reclaim, after the dead process's chunks went back: frees the
 * records it held.  The caller holds the process slot's reclaim lock, so
 * no new process claims records under that owner meanwhile. */
void
_zcp_thread_cache_reclaim_records (ZcpMemPoolManager *manager,
                                   guint32            owner)
{
  ZcpCacheRecord *records = zcp_segment_caches (manager->base);

  for (guint r = 0; r < ZCP_SEGMENT_MAX_CACHES; r++)
    {
      if (atomic_load_explicit (&records[r].owner, memory_order_acquire) != owner)
        continue;

      for (guint p = 0; p < ZCP_CACHE_RECORD_POOLS; p++)
        {
          atomic_store_explicit (&records[r].pools[p].count, 0, memory_order_relaxed);
          atomic_store_explicit (&records[r].pools[p].flush, 0, memory_order_relaxed);
        }
      /* Release: the zeroed counts happen before a later claim. */
      atomic_store_explicit (&records[r].owner, 0, memory_order_release);
    }
}

/* The thread is exiting: its caches give everything back. */
static void
thread_caches_free (gpointer data)
{
  ZcpThreadCache *head = data;

  LOCK_CACHES ();
  for (ZcpThreadCache *cache = head; cache != NULL; cache = cache->thread_next)
    {
      detach_locked (cache);

      for (ZcpThreadCache **link = &all_caches; *link != NULL; link = &(*link)->all_next)
        if (*link == cache)
          {
            *link = cache->all_next;
            break;
          }
    }
  UNLOCK_CACHES ();

  while (head != NULL)
    {
      ZcpThreadCache *next = head->thread_next;

      g_free (head);
      head = next;
    }

  _zcp_fast_pools_v1 = no_cache.fast.pools;
}

/* Process exit (or the library's unloading): the exiting thread's caches
 * give their chunks back while the segments are still mapped.  Other
 * threads may still be running: their caches are theirs; should the
 * process end with chunks in them, reclaim finds those by their states. */
__attribute__ ((destructor)) static void
thread_caches_at_exit (void)
{
  ZcpThreadCache *head = g_private_get (&thread_caches);

  if (head != NULL)
    {
      g_private_set (&thread_caches, NULL);
      thread_caches_free (head);
    }
}
