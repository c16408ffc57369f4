/* bench-peers-c.c: the peers written in C — zerocp itself, the floor (a
 * minimal tagged Treiber stack), a process-shared mutex over a free list, and
 * glibc malloc
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <zerocp/zerocp.h>

#include "bench.h"
#include "bench-peers-c.h"

const uint32_t bench_mixed_sizes[BENCH_MIXED_SIZES] = {
  256, 64, 1000, 200, 4096, 48, 512, 256, 3000, 128, 64, 1024, 900, 256, 2048, 40,
};

static void *
shared_map (size_t size)
{
  void *p = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

  if (p == MAP_FAILED)
    {
      perror ("mmap");
      return NULL;
    }
  return p;
}

static uint32_t
stride_of (uint32_t size)
{
  return (size + 63u) & ~63u;
}

/* ------------------------------------------------------------------------ */
/* The floor: the least a shared-memory tagged Treiber stack can cost.  No  */
/* reference count, no statistics, no checks.                                */

typedef struct
{
  _Alignas (64) _Atomic uint64_t head; /* index | tag << 32 */
  uint8_t *chunks;
  _Atomic uint32_t *next;
  uint32_t shift;                      /* log2 (stride) */
  uint32_t chunk_size;
  uint32_t count;
} FloorPool;

typedef struct
{
  size_t map_size;
  unsigned n_pools;
  FloorPool pools[BENCH_MAX_POOLS];
} Floor;

static unsigned
log2_u32 (uint32_t v)
{
  return 31u - (unsigned) __builtin_clz (v);
}

static uint32_t
pow2_stride (uint32_t size)
{
  uint32_t s = stride_of (size);

  return 1u << (log2_u32 (s - 1) + 1);
}

static void *
floor_create (const BenchPoolSpec *specs,
              unsigned             n)
{
  size_t size = sizeof (Floor);
  Floor *f;
  uint8_t *p;

  for (unsigned i = 0; i < n; i++)
    size += (size_t) specs[i].chunk_count * (4 + pow2_stride (specs[i].chunk_size)) + 4096;
  f = shared_map (size);
  if (f == NULL)
    return NULL;
  f->map_size = size;
  f->n_pools = n;
  p = (uint8_t *) (f + 1);
  for (unsigned i = 0; i < n; i++)
    {
      FloorPool *fp = &f->pools[i];
      uint32_t stride = pow2_stride (specs[i].chunk_size);

      fp->next = (_Atomic uint32_t *) p;
      p += (size_t) specs[i].chunk_count * 4;
      p = (uint8_t *) (((uintptr_t) p + 4095) & ~(uintptr_t) 4095);
      fp->chunks = p;
      p += (size_t) specs[i].chunk_count * stride;
      fp->shift = log2_u32 (stride);
      fp->chunk_size = specs[i].chunk_size;
      fp->count = specs[i].chunk_count;
      for (uint32_t k = 0; k < fp->count; k++)
        atomic_store_explicit (&fp->next[k], k + 1 < fp->count ? k + 1 : UINT32_MAX,
                               memory_order_relaxed);
      atomic_store_explicit (&fp->head, 0, memory_order_release);
    }
  return f;
}

static void
floor_destroy (void *ctx)
{
  munmap (ctx, ((Floor *) ctx)->map_size);
}

static void *
attach_same (void *ctx)
{
  return ctx;
}

static inline void *
floor_pool_get (FloorPool *fp)
{
  /* Acquire: see the `next` the pusher wrote. */
  uint64_t old = atomic_load_explicit (&fp->head, memory_order_acquire);

  for (;;)
    {
      uint32_t index = (uint32_t) old;
      uint32_t next;

      if (index == UINT32_MAX)
        return NULL;
      next = atomic_load_explicit (&fp->next[index], memory_order_relaxed);
      if (atomic_compare_exchange_weak_explicit (&fp->head, &old,
                                                 ((old >> 32) + 1) << 32 | next,
                                                 memory_order_acquire,
                                                 memory_order_acquire))
        return fp->chunks + ((size_t) index << fp->shift);
    }
}

static inline void
floor_pool_put (FloorPool *fp,
                void      *p)
{
  uint32_t index = (uint32_t) (((uint8_t *) p - fp->chunks) >> fp->shift);
  uint64_t old = atomic_load_explicit (&fp->head, memory_order_relaxed);

  for (;;)
    {
      atomic_store_explicit (&fp->next[index], (uint32_t) old, memory_order_relaxed);
      /* Release: publishes `next` and the payload. */
      if (atomic_compare_exchange_weak_explicit (&fp->head, &old,
                                                 ((old >> 32) + 1) << 32 | index,
                                                 memory_order_release,
                                                 memory_order_relaxed))
        return;
    }
}

static inline unsigned
floor_pick (Floor   *f,
            uint32_t size)
{
  unsigned i = 0;

  while (i + 1 < f->n_pools && f->pools[i].chunk_size < size)
    i++;
  return i;
}

#define FLOOR_GET(f) floor_pool_get (&(f)->pools[0])
#define FLOOR_PUT(f, p) floor_pool_put (&(f)->pools[0], (p))
#define FLOOR_GET_SIZED(f, s) floor_pool_get (&(f)->pools[floor_pick ((f), (s))])
#define FLOOR_PUT_SIZED(f, p, s) floor_pool_put (&(f)->pools[floor_pick ((f), (s))], (p))

BENCH_DEFINE_LOOPS (floor, Floor, FLOOR_GET, FLOOR_PUT, FLOOR_GET_SIZED, FLOOR_PUT_SIZED)

static double
floor_mgmt (uint32_t size,
            uint32_t n)
{
  /* next index per chunk, plus the head's cache line and the local view
   * shared by all chunks. */
  return 4.0 + (double) sizeof (FloorPool) / n;
}

/* ------------------------------------------------------------------------ */
/* A process-shared pthread mutex over a free list: what one writes without  */
/* a lock-free algorithm.                                                     */

typedef struct
{
  _Alignas (64) pthread_mutex_t lock;
  uint32_t head;
  uint32_t *next;
  uint8_t *chunks;
  uint32_t shift;
  uint32_t chunk_size;
  uint32_t count;
} MutexPool;

typedef struct
{
  size_t map_size;
  unsigned n_pools;
  MutexPool pools[BENCH_MAX_POOLS];
} MutexList;

static void *
mutex_create (const BenchPoolSpec *specs,
              unsigned             n)
{
  size_t size = sizeof (MutexList);
  MutexList *m;
  uint8_t *p;

  for (unsigned i = 0; i < n; i++)
    size += (size_t) specs[i].chunk_count * (4 + pow2_stride (specs[i].chunk_size)) + 4096;
  m = shared_map (size);
  if (m == NULL)
    return NULL;
  m->map_size = size;
  m->n_pools = n;
  p = (uint8_t *) (m + 1);
  for (unsigned i = 0; i < n; i++)
    {
      MutexPool *mp = &m->pools[i];
      uint32_t stride = pow2_stride (specs[i].chunk_size);
      pthread_mutexattr_t attr;

      pthread_mutexattr_init (&attr);
      pthread_mutexattr_setpshared (&attr, PTHREAD_PROCESS_SHARED);
      pthread_mutex_init (&mp->lock, &attr);
      pthread_mutexattr_destroy (&attr);
      mp->next = (uint32_t *) p;
      p += (size_t) specs[i].chunk_count * 4;
      p = (uint8_t *) (((uintptr_t) p + 4095) & ~(uintptr_t) 4095);
      mp->chunks = p;
      p += (size_t) specs[i].chunk_count * stride;
      mp->shift = log2_u32 (stride);
      mp->chunk_size = specs[i].chunk_size;
      mp->count = specs[i].chunk_count;
      for (uint32_t k = 0; k < mp->count; k++)
        mp->next[k] = k + 1 < mp->count ? k + 1 : UINT32_MAX;
      mp->head = 0;
    }
  return m;
}

static void
mutex_destroy (void *ctx)
{
  MutexList *m = ctx;

  for (unsigned i = 0; i < m->n_pools; i++)
    pthread_mutex_destroy (&m->pools[i].lock);
  munmap (ctx, m->map_size);
}

static inline void *
mutex_pool_get (MutexPool *mp)
{
  uint32_t index;

  pthread_mutex_lock (&mp->lock);
  index = mp->head;
  if (index != UINT32_MAX)
    mp->head = mp->next[index];
  pthread_mutex_unlock (&mp->lock);
  return index == UINT32_MAX ? NULL : mp->chunks + ((size_t) index << mp->shift);
}

static inline void
mutex_pool_put (MutexPool *mp,
                void      *p)
{
  uint32_t index = (uint32_t) (((uint8_t *) p - mp->chunks) >> mp->shift);

  pthread_mutex_lock (&mp->lock);
  mp->next[index] = mp->head;
  mp->head = index;
  pthread_mutex_unlock (&mp->lock);
}

static inline unsigned
mutex_pick (MutexList *m,
            uint32_t   size)
{
  unsigned i = 0;

  while (i + 1 < m->n_pools && m->pools[i].chunk_size < size)
    i++;
  return i;
}

#define MUTEX_GET(m) mutex_pool_get (&(m)->pools[0])
#define MUTEX_PUT(m, p) mutex_pool_put (&(m)->pools[0], (p))
#define MUTEX_GET_SIZED(m, s) mutex_pool_get (&(m)->pools[mutex_pick ((m), (s))])
#define MUTEX_PUT_SIZED(m, p, s) mutex_pool_put (&(m)->pools[mutex_pick ((m), (s))], (p))

BENCH_DEFINE_LOOPS (mutex, MutexList, MUTEX_GET, MUTEX_PUT, MUTEX_GET_SIZED, MUTEX_PUT_SIZED)

static double
mutex_mgmt (uint32_t size,
            uint32_t n)
{
  return 4.0 + (double) sizeof (MutexPool) / n;
}

/* ------------------------------------------------------------------------ */
/* glibc malloc: a reference only (process-local, not shared memory).         */

typedef struct
{
  int unused;
} Malloc;

static void *
malloc_create (const BenchPoolSpec *specs,
               unsigned             n)
{
  return calloc (1, sizeof (Malloc));
}

static void
malloc_destroy (void *ctx)
{
  free (ctx);
}

#define MALLOC_GET(c) malloc (256)
#define MALLOC_PUT(c, p) free (p)
#define MALLOC_GET_SIZED(c, s) malloc (s)
#define MALLOC_PUT_SIZED(c, p, s) free (p)

BENCH_DEFINE_LOOPS (malloc, Malloc, MALLOC_GET, MALLOC_PUT, MALLOC_GET_SIZED, MALLOC_PUT_SIZED)

static double
malloc_mgmt (uint32_t size,
             uint32_t n)
{
  void **held = calloc (n, sizeof (void *));
  struct mallinfo2 before, after;
  double bytes;

  if (held == NULL)
    return -1;
  before = mallinfo2 ();
  for (uint32_t i = 0; i < n; i++)
    held[i] = malloc (size);
  after = mallinfo2 ();
  bytes = ((double) (after.uordblks + after.hblkhd) - (double) (before.uordblks + before.hblkhd)) / n - size;
  for (uint32_t i = 0; i < n; i++)
    free (held[i]);
  free (held);
  return bytes;
}

/* ------------------------------------------------------------------------ */
/* zerocp, through its public API.                                            */

typedef struct
{
  ZcpMemPoolAllocator *allocator; /* (owned) in the creating process */
  ZcpMemPoolManager *manager;     /* (unowned) the allocator's, or a child's */
  char *name;
} Zerocp;

static void *
zerocp_create_full (const BenchPoolSpec *specs,
                    unsigned             n,
                    gboolean             thread_cache)
{
  static unsigned counter;
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(GError) error = NULL;
  Zerocp *z = g_new0 (Zerocp, 1);

  for (unsigned i = 0; i < n; i++)
    if (!zcp_mem_pool_config_add_entry (config, specs[i].chunk_size, specs[i].chunk_count, &error))
      goto fail;
  zcp_mem_pool_config_set_thread_cache (config, thread_cache, NULL);

  z->name = g_strdup_printf ("/zcp-bench-%d-%u-%08x", (int) getpid (), counter++, g_random_int ());
  z->allocator = zcp_mem_pool_allocator_new (config);
  if (zcp_mem_pool_allocator_initialize_shared_memory (z->allocator, z->name, &error) == NULL ||
      !zcp_mem_pool_allocator_initialize_mem_pools (z->allocator, &error))
    goto fail;
  z->manager = zcp_mem_pool_allocator_get_manager (z->allocator);
  return z;

fail:
  fprintf (stderr, "zerocp: %s\n", error->message);
  g_clear_object (&z->allocator);
  g_free (z->name);
  g_free (z);
  return NULL;
}

static void *
zerocp_create (const BenchPoolSpec *specs,
               unsigned             n)
{
  return zerocp_create_full (specs, n, TRUE);
}

/* zerocp with its thread caches off: every get and release goes through
 * the shared free list, which is what two workers then contend on. */
static void *
zerocp_list_create (const BenchPoolSpec *specs,
                    unsigned             n)
{
  return zerocp_create_full (specs, n, FALSE);
}

static void *
zerocp_attach_child (void *ctx)
{
  Zerocp *z = ctx;
  g_autoptr(GError) error = NULL;

  /* A child attaches by name like any other process: its own mapping, its
   * own process slot. */
  z->manager = zcp_mem_pool_manager_open (z->name, 0, 0, &error);
  if (z->manager == NULL)
    {
      fprintf (stderr, "zerocp: %s\n", error->message);
      _exit (2);
    }
  return z;
}

static void
zerocp_destroy (void *ctx)
{
  Zerocp *z = ctx;

  g_clear_object (&z->allocator);
  g_free (z->name);
  g_free (z);
}

#define ZCP_GET(z) ((void *) zcp_mem_pool_manager_get_chunk ((z)->manager, 256))
#define ZCP_PUT(z, p) zcp_mem_pool_manager_release_chunk ((z)->manager, (ZcpChunk *) (p))
#define ZCP_GET_SIZED(z, s) ((void *) zcp_mem_pool_manager_get_chunk ((z)->manager, (s)))
#define ZCP_PUT_SIZED(z, p, s) zcp_mem_pool_manager_release_chunk ((z)->manager, (ZcpChunk *) (p))

BENCH_DEFINE_LOOPS (zerocp, Zerocp, ZCP_GET, ZCP_PUT, ZCP_GET_SIZED, ZCP_PUT_SIZED)
BENCH_DEFINE_LOOPS (zcp_list, Zerocp, ZCP_GET, ZCP_PUT, ZCP_GET_SIZED, ZCP_PUT_SIZED)

static double
zerocp_mgmt (uint32_t size,
             uint32_t n)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
  guint64 stride = stride_of (size);

  if (!zcp_mem_pool_config_add_entry (config, size, n, NULL))
    return -1;
  allocator = zcp_mem_pool_allocator_new (config);
  /* Everything in the segment that is not payload, per chunk. */
  return ((double) zcp_mem_pool_allocator_get_memory_size (allocator) - (double) stride * n) / n;
}

/* ------------------------------------------------------------------------ */

const BenchPeer bench_c_peers[] = {
  { "floor", "minimal tagged Treiber stack in shared memory", 1,
    floor_create, attach_same, floor_destroy,
    bench_single_floor, bench_batch_floor, bench_mixed_floor, floor_mgmt },
  { "zerocp", "zcp_mem_pool_manager_get_chunk/release_chunk", 1,
    zerocp_create, zerocp_attach_child, zerocp_destroy,
    bench_single_zerocp, bench_batch_zerocp, bench_mixed_zerocp, zerocp_mgmt },
  { "zcp-list", "zerocp without thread caches: every pair on the shared free list", 1,
    zerocp_list_create, zerocp_attach_child, zerocp_destroy,
    bench_single_zcp_list, bench_batch_zcp_list, bench_mixed_zcp_list, zerocp_mgmt },
  { "mutex", "process-shared pthread mutex over a free list", 1,
    mutex_create, attach_same, mutex_destroy,
    bench_single_mutex, bench_batch_mutex, bench_mixed_mutex, mutex_mgmt },
  { "malloc", "glibc malloc/free (process-local reference)", 0,
    malloc_create, attach_same, malloc_destroy,
    bench_single_malloc, bench_batch_malloc, bench_mixed_malloc, malloc_mgmt },
};

const unsigned bench_n_c_peers = G_N_ELEMENTS (bench_c_peers);

/* Laying out a segment of n chunks of size bytes, in seconds (creation of
 * the shared memory included), or < 0 on failure. */
double
bench_zerocp_layout_seconds (uint32_t size,
                             uint32_t n,
                             double (*now) (void),
                             double  *memset_seconds)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("/zcp-bench-layout-%d-%08x", (int) getpid (), g_random_int ());
  double t0, t1;

  if (!zcp_mem_pool_config_add_entry (config, size, n, &error))
    goto fail;
  allocator = zcp_mem_pool_allocator_new (config);
  t0 = now ();
  if (zcp_mem_pool_allocator_initialize_shared_memory (allocator, name, &error) == NULL ||
      !zcp_mem_pool_allocator_initialize_mem_pools (allocator, &error))
    goto fail;
  t1 = now ();

  /* Then one memset over the very memory of that segment, as it is after
   * creation: the comparison the layout time is measured against. */
  {
    guint8 *base = zcp_mem_pool_allocator_get_base_address (allocator);
    guint64 bytes = zcp_mem_pool_allocator_get_memory_size (allocator);
    double t2 = now ();

    memset (base, 0, bytes);
    BENCH_ESCAPE (base);
    *memset_seconds = now () - t2;
  }
  return t1 - t0;

fail:
  fprintf (stderr, "zerocp layout: %s\n", error->message);
  return -1;
}

guint64
bench_zerocp_segment_size (uint32_t size,
                           uint32_t n)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(ZcpMemPoolAllocator) allocator = NULL;

  if (!zcp_mem_pool_config_add_entry (config, size, n, NULL))
    return 0;
  allocator = zcp_mem_pool_allocator_new (config);
  return zcp_mem_pool_allocator_get_memory_size (allocator);
}
