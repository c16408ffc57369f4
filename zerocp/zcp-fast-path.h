/* zcp-fast-path.h: the inline fast path of get_chunk() and release_chunk()
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Nothing here is API.  C callers of zcp_mem_pool_manager_get_chunk() and
 * zcp_mem_pool_manager_release_chunk() compile, through the macros at the
 * end, the common case of each inline: a chunk taken from or released into
 * the calling thread's cache (zcp_mem_pool_manager_flush_thread_cache()),
 * without a call into the library.  Everything else (no cache, an empty
 * or full one, a flush request, a chunk of another pool or process, every
 * error) calls the exported function, which does all the checks.  Bindings
 * and function pointers use the exported functions, which run the same
 * inline code first.
 *
 * Why inline: a call costs a jump through the PLT, the call and the return,
 * and the caller's spills, twice per get+release pair; inlined, a cached
 * pair is about 40 instructions instead of 100 (bench/README.md).  GLib's
 * g_string_append_c() is the model: a macro over a static inline over the
 * exported function.
 *
 * # The ABI
 *
 * The inline code reads the layout below, so that layout is ABI, and it is
 * versioned by the name of the thread-local pointer, `_zcp_fast_pools_v1`.
 * Should the layout ever change, the library renames the pointer (`_v2`)
 * and keeps exporting `_zcp_fast_pools_v1` pointing at a cache that never
 * matches: programs built against this header keep working, through the
 * exported functions.  Define `ZCP_DISABLE_FAST_PATH` before including
 * <zerocp/zerocp.h> to call the exported functions always.
 *
 * # What the inline code trusts
 *
 * Only the calling thread's cache, in process memory, which the library
 * fills when the thread first gets or releases through a manager and
 * empties (`manager` no manager, pool 0 the end marker) when the manager is
 * finalized.  Of the shared segment it touches the thread's count of
 * cached chunks and the flush request next to it (in the thread's cache
 * record), bounds-checked before use, and a chunk's state, at an index it
 * checked against the pool's size: what another process writes into the
 * segment cannot make it touch memory outside the pool's states, its
 * chunks and the thread's own cache.
 *
 * The memory orders are those of the library's own hot path, explained in
 * zcp-thread-cache-private.h and zcp-segment-private.h (the spin model
 * tests/model/zcp-free-list.pml checks them).
 */

#pragma once

#if !defined (ZCP_INSIDE) && !defined (ZCP_COMPILATION)
# error "Only <zerocp/zerocp.h> can be included directly."
#endif

#include "zcp-mem-pool-config.h"
#include "zcp-mem-pool-manager.h"

/* GCC and Clang: thread-local storage, __atomic builtins.  Hidden from the
 * introspection scanner and gtk-doc: bindings and the manual know only
 * the exported functions. */
#ifndef __GTK_DOC_IGNORE__ /* gtk-doc knows this form only */
#if defined (__GNUC__) && !defined (__GI_SCANNER__)

G_BEGIN_DECLS

/* One pool of a thread's cache: 128 bytes, two cache lines. */
typedef struct
{
  guint64  chunk_size;      /* the pool's; G_MAXUINT64 in the end marker */
  guint8  *chunks;          /* chunk 0 in this process */
  guint64  stride;          /* bytes from one chunk to the next */
  guint64  inverse;         /* stride's odd factor's inverse modulo 2^64;
                             * 0 in the end marker (every index is 0) */
  guint64  count;           /* chunks in the pool; 1 in the end marker */
  guint32 *states;          /* (shared) chunk i's state is states[2 * i] */
  guint16 *shared;          /* (shared) n, the chunks in entries[], in the
                             * low-order byte; a flush request in the other */
  guint32  reserved0;
  guint8   reserved1;
  guint8   limit;           /* n may grow up to this (n <= limit <= cap) */
  guint8   shift;           /* log2 of stride's power-of-two factor */
  guint8   cap;             /* at most this many; 0: not cached */
  guint32  entries[8];      /* indices of the cached chunks */
  guint64  reserved[4];
} _ZcpFastPool;

/* The bytes of n and of the flush request in *shared. */
#define _ZCP_FAST_N(shared) ((guint8 *) (shared) + (G_BYTE_ORDER == G_BIG_ENDIAN))
#define _ZCP_FAST_FLUSH(shared) ((guint8 *) (shared) + (G_BYTE_ORDER != G_BIG_ENDIAN))

typedef struct
{
  ZcpMemPoolManager *manager; /* (atomic) never NULL: a value that is no
                               * manager when there is none */
  guint32  state;           /* a chunk handed out: one reference, ours */
  guint32  reserved0;
  guint64  reserved[6];
} _ZcpFastCacheHeader;

/* A thread's cache of one manager.  ZCP_MEM_POOL_MAX_POOLS + 1: there is
 * always an end marker after the last pool, which every size and every
 * address matches, with nothing cached and no room. */
typedef struct
{
  _ZcpFastCacheHeader header;
  _ZcpFastPool pools[ZCP_MEM_POOL_MAX_POOLS + 1];
} _ZcpFastCache;

/* pools of the calling thread's cache used last; never NULL.  It points at
 * the pools, not at the cache, so that pool 0 costs no offset: the header
 * is the 64 bytes before.  Initial-exec: one load through the thread
 * pointer. */
ZCP_AVAILABLE_IN_1_0
__thread _ZcpFastPool *_zcp_fast_pools_v1 __attribute__ ((tls_model ("initial-exec")));

static inline __attribute__ ((always_inline)) const _ZcpFastCacheHeader *
_zcp_fast_header (const _ZcpFastPool *pools)
{
  return (const _ZcpFastCacheHeader *) (const void *) ((const char *) pools - G_STRUCT_OFFSET (_ZcpFastCache, pools));
}

/* Takes a chunk of at least size bytes from the thread's cache; NULL when
 * the exported function has to do it. */
static inline __attribute__ ((always_inline)) ZcpChunk *
_zcp_fast_get_chunk (ZcpMemPoolManager *self,
                     gsize              size)
{
  _ZcpFastPool *cp = _zcp_fast_pools_v1;
  const _ZcpFastCacheHeader *cache = _zcp_fast_header (cp);
  guint32 index;
  gsize n;

  /* Relaxed: only the finalizing thread writes it otherwise, when no
   * thread can use that manager any more. */
  if (G_UNLIKELY (__atomic_load_n (&cache->manager, __ATOMIC_RELAXED) != self))
    return NULL;

  /* The smallest pool that fits (the pools are sorted by size); the end
   * marker stops the search. */
  while (cp->chunk_size < size)
    cp++;

  /* No chunk cached, a flush request, or a count that a foreign writer
   * made too big: the exported path.  Two byte loads, not one of the pair:
   * a wider load than the byte store of n before it would wait for the
   * store to retire (no store forwarding; 17 instead of 9 ns per pair).
   * Relaxed: n is this thread's own, the request only a request. */
  n = (gsize) __atomic_load_n (_ZCP_FAST_N (cp->shared), __ATOMIC_RELAXED) - 1;
  if (G_UNLIKELY (n >= G_N_ELEMENTS (cp->entries) ||
                  __atomic_load_n (_ZCP_FAST_FLUSH (cp->shared), __ATOMIC_RELAXED) != 0))
    return NULL;

  /* Taking a chunk leaves limit: its release may cache it again. */
  index = cp->entries[n];
  /* Relaxed: read by other threads as a statistic. */
  __atomic_store_n (_ZCP_FAST_N (cp->shared), (guint8) n, __ATOMIC_RELAXED);
  /* Relaxed: a cached chunk (count 0, owned by this process) is ours
   * alone; handing it on orders this store before the receiver's loads. */
  __atomic_store_n (&cp->states[2 * (gsize) index], cache->state, __ATOMIC_RELAXED);
  return (ZcpChunk *) (cp->chunks + (guint64) index * cp->stride);
}

/* Releases chunk into the thread's cache; FALSE when the exported
 * function has to do it (which also reports every kind of bad release). */
static inline __attribute__ ((always_inline)) gboolean
_zcp_fast_release_chunk (ZcpMemPoolManager *self,
                         ZcpChunk          *chunk)
{
  _ZcpFastPool *cp = _zcp_fast_pools_v1;
  const _ZcpFastCacheHeader *cache = _zcp_fast_header (cp);
  guint8 *count;
  guint64 index;
  guint32 state;
  gsize n;

  if (G_UNLIKELY (__atomic_load_n (&cache->manager, __ATOMIC_RELAXED) != self))
    return FALSE;

  /* The pool and index of chunk, in one test per pool: with stride =
   * odd << shift, rotating (offset * odd^-1) right by shift gives
   * offset / stride when stride divides offset, and a value of at least
   * 2^64 / stride (so at least count) otherwise; an address below the
   * pool wraps around to such an offset.  The end marker matches any
   * address, with no room. */
  for (;; cp++)
    {
      guint64 off = ((guint64) (guintptr) chunk - (guint64) (guintptr) cp->chunks) * cp->inverse;

      index = (off >> cp->shift) | (off << ((64 - cp->shift) & 63));
      if (index < cp->count)
        break;
    }

  /* The CAS from exactly "one reference, ours" to "cached by us" (count
   * 0, the owner tag kept) is zcp_chunk_state_unref()'s last release,
   * acq_rel for the same reasons; any other state (shared, another
   * process's, not in use) fails it and goes the exported way, which
   * reports a double release. */
  count = _ZCP_FAST_N (cp->shared);
  n = __atomic_load_n (count, __ATOMIC_RELAXED);
  state = cache->state;
  if (G_UNLIKELY (n >= cp->limit ||
                  !__atomic_compare_exchange_n (&cp->states[2 * index], &state, state - 1, FALSE,
                                                __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)))
    return FALSE;

  /* n < limit <= 8: in bounds, whatever a foreign writer stored. */
  cp->entries[n] = (guint32) index;
  /* Relaxed: read by other threads as a statistic. */
  __atomic_store_n (count, (guint8) (n + 1), __ATOMIC_RELAXED);
  return TRUE;
}

/* The exported functions without their first step, the inline code above:
 * what the inline code calls when it misses, so that a miss does not try
 * the cache twice.  Part of the fast path's ABI, like the layout. */
ZCP_AVAILABLE_IN_1_0
ZcpChunk *_zcp_mem_pool_manager_get_chunk_miss     (ZcpMemPoolManager *self,
                                                    gsize              size);
ZCP_AVAILABLE_IN_1_0
void      _zcp_mem_pool_manager_release_chunk_miss (ZcpMemPoolManager *self,
                                                    ZcpChunk          *chunk);

static inline ZcpChunk *
_zcp_mem_pool_manager_get_chunk_inline (ZcpMemPoolManager *self,
                                        gsize              size)
{
  ZcpChunk *chunk = _zcp_fast_get_chunk (self, size);

  return G_LIKELY (chunk != NULL) ? chunk : _zcp_mem_pool_manager_get_chunk_miss (self, size);
}

static inline void
_zcp_mem_pool_manager_release_chunk_inline (ZcpMemPoolManager *self,
                                            ZcpChunk          *chunk)
{
  if (G_UNLIKELY (!_zcp_fast_release_chunk (self, chunk)))
    _zcp_mem_pool_manager_release_chunk_miss (self, chunk);
}

/* zcp-mem-pool-manager.c, which defines the exported functions, undefines
 * these. */
#ifndef ZCP_DISABLE_FAST_PATH
# define zcp_mem_pool_manager_get_chunk(self, size) \
  _zcp_mem_pool_manager_get_chunk_inline ((self), (size))
# define zcp_mem_pool_manager_release_chunk(self, chunk) \
  _zcp_mem_pool_manager_release_chunk_inline ((self), (chunk))
#endif

G_END_DECLS

#endif /* __GNUC__ && !__GI_SCANNER__ */
#endif /* !__GTK_DOC_IGNORE__ */
