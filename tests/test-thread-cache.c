/* test-thread-cache.c: each thread's cache of free chunks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What a cache may and may not do (zcp-thread-cache-private.h): it keeps
 * only chunks its thread took and released, at most 8 per pool and none of
 * a small pool; its chunks count as free (and as cached) everywhere; they
 * go back on a flush request, thread exit, manager finalize, process exit
 * and crash reclaim; a double release of a cached chunk is refused; a
 * fork()ed child does not inherit them.  Every test ends with the raw
 * accounting of the segment (zcp_test_assert_exact_accounting(), which
 * also checks the cache records against the chunks' states).
 */

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zcp-test-common.h"
#include "zcp-mem-pool-manager-private.h"

/* Built twice: with the inline fast path of <zerocp/zerocp.h>, and with
 * -DZCP_DISABLE_FAST_PATH, through the exported functions alone. */
#if !defined (ZCP_DISABLE_FAST_PATH) && !defined (zcp_mem_pool_manager_get_chunk)
# error "the inline fast path (zcp-fast-path.h) is not in use"
#endif
#if defined (ZCP_DISABLE_FAST_PATH) && defined (zcp_mem_pool_manager_get_chunk)
# error "ZCP_DISABLE_FAST_PATH did not disable the inline fast path"
#endif

/* Pool 0 is cached (256 chunks), pool 1 is not (16 < 64). */
static const guint64 cache_pools[] = { 256, 256, 1024, 16, 0 };

#define CACHE_TEST(path, func) \
  g_test_add (path, ZcpFixture, cache_pools, zcp_fixture_setup_spec, func, zcp_fixture_teardown)

static ZcpMemPoolStats
stats_of (ZcpMemPoolManager *manager,
          guint              pool)
{
  ZcpMemPoolStats stats;

  g_assert_true (zcp_mem_pool_manager_get_pool_stats (manager, pool, &stats));
  g_assert_cmpuint (stats.used + stats.free, ==, stats.chunk_count);
  return stats;
}

static void
assert_stats (ZcpMemPoolManager *manager,
              guint              pool,
              guint32            used,
              guint32            cached)
{
  ZcpMemPoolStats stats = stats_of (manager, pool);

  g_assert_cmpuint (stats.used, ==, used);
  g_assert_cmpuint (stats.cached, ==, cached);
}

/* ------------------------------------------------------------------------ */

static void
test_hit (ZcpFixture    *fx,
          gconstpointer  data)
{
  ZcpChunk *a, *b, *c;

  a = zcp_mem_pool_manager_get_chunk (fx->manager, 100);
  g_assert_nonnull (a);
  assert_stats (fx->manager, 0, 1, 0);

  zcp_mem_pool_manager_release_chunk (fx->manager, a);
  /* Free, and resting in this thread's cache. */
  assert_stats (fx->manager, 0, 0, 1);
  g_assert_cmpuint (zcp_test_assert_exact_accounting (fx->manager), ==, 0);

  b = zcp_mem_pool_manager_get_chunk (fx->manager, 200);
  g_assert_true (b == a);
  assert_stats (fx->manager, 0, 1, 0);
  g_assert_cmpuint (zcp_test_assert_exact_accounting (fx->manager), ==, 1);

  /* The small pool is never cached. */
  c = zcp_mem_pool_manager_get_chunk (fx->manager, 1000);
  g_assert_nonnull (c);
  zcp_mem_pool_manager_release_chunk (fx->manager, c);
  assert_stats (fx->manager, 1, 0, 0);

  zcp_mem_pool_manager_release_chunk (fx->manager, b);
  assert_stats (fx->manager, 0, 0, 1);

  zcp_mem_pool_manager_flush_thread_cache (fx->manager);
  assert_stats (fx->manager, 0, 0, 0);
  g_assert_cmpuint (zcp_test_assert_exact_accounting (fx->manager), ==, 0);
}

static void
test_bounded (ZcpFixture    *fx,
              gconstpointer  data)
{
  ZcpChunk *chunks[20];

  for (guint round = 0; round < 3; round++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (chunks); i++)
        {
          chunks[i] = zcp_mem_pool_manager_get_chunk (fx->manager, 256);
          g_assert_nonnull (chunks[i]);
          for (guint j = 0; j < i; j++)
            g_assert_true (chunks[j] != chunks[i]);
        }
      assert_stats (fx->manager, 0, 20, 0);

      for (guint i = 0; i < G_N_ELEMENTS (chunks); i++)
        zcp_mem_pool_manager_release_chunk (fx->manager, chunks[i]);

      /* At most 8 per pool rest in the cache; the rest went back. */
      assert_stats (fx->manager, 0, 0, 8);
      g_assert_cmpuint (zcp_test_assert_exact_accounting (fx->manager), ==, 0);
    }
}

/* The whole pool, in one thread: the cache is searched first, so exactly
 * chunk_count gets succeed, as without a cache. */
static void
test_exhaustion (ZcpFixture    *fx,
                 gconstpointer  data)
{
  g_autofree ZcpChunk **chunks = g_new0 (ZcpChunk *, 256);

  for (guint i = 0; i < 5; i++)
    zcp_mem_pool_manager_release_chunk (fx->manager, zcp_mem_pool_manager_get_chunk (fx->manager, 1));
  assert_stats (fx->manager, 0, 0, 1);

  for (guint i = 0; i < 256; i++)
    g_assert_nonnull ((chunks[i] = zcp_mem_pool_manager_get_chunk (fx->manager, 1)));
  g_assert_null (zcp_mem_pool_manager_get_chunk (fx->manager, 1));
  assert_stats (fx->manager, 0, 256, 0);

  for (guint i = 0; i < 256; i++)
    zcp_mem_pool_manager_release_chunk (fx->manager, chunks[i]);
  assert_stats (fx->manager, 0, 0, 8);
  g_assert_cmpuint (zcp_test_assert_exact_accounting (fx->manager), ==, 0);
}

/* ------------------------------------------------------------------------ */
/* Threads                                                                   */

typedef struct
{
  ZcpMemPoolManager *manager;
  GAsyncQueue *to_thread;    /* commands */
  GAsyncQueue *from_thread;  /* acknowledgements, chunks */
} Worker;

enum { CMD_CACHE_8 = 1, CMD_GET_ONE, CMD_RELEASE_HELD, CMD_FLUSH, CMD_RELEASE_GIVEN, CMD_QUIT };

static gpointer
worker_main (gpointer data)
{
  Worker *w = data;
  ZcpChunk *held = NULL;

  for (;;)
    {
      guint cmd = GPOINTER_TO_UINT (g_async_queue_pop (w->to_thread));
      ZcpChunk *chunks[8];

      switch (cmd)
        {
        case CMD_CACHE_8:
          for (guint i = 0; i < 8; i++)
            g_assert_nonnull ((chunks[i] = zcp_mem_pool_manager_get_chunk (w->manager, 256)));
          for (guint i = 0; i < 8; i++)
            zcp_mem_pool_manager_release_chunk (w->manager, chunks[i]);
          break;
        case CMD_GET_ONE:
          held = zcp_mem_pool_manager_get_chunk (w->manager, 256);
          g_assert_nonnull (held);
          break;
        case CMD_RELEASE_HELD:
          zcp_mem_pool_manager_release_chunk (w->manager, held);
          held = NULL;
          break;
        case CMD_FLUSH:
          zcp_mem_pool_manager_flush_thread_cache (w->manager);
          break;
        case CMD_RELEASE_GIVEN:
          zcp_mem_pool_manager_release_chunk (w->manager, g_async_queue_pop (w->to_thread));
          break;
        case CMD_QUIT:
        default:
          g_assert_null (held);
          g_async_queue_push (w->from_thread, GUINT_TO_POINTER (1));
          return NULL;
        }
      g_async_queue_push (w->from_thread, GUINT_TO_POINTER (1));
    }
}

static GThread *
worker_start (Worker            *w,
              ZcpMemPoolManager *manager)
{
  w->manager = manager;
  w->to_thread = g_async_queue_new ();
  w->from_thread = g_async_queue_new ();
  return g_thread_new ("worker", worker_main, w);
}

static void
worker_do (Worker *w,
           guint   cmd)
{
  g_async_queue_push (w->to_thread, GUINT_TO_POINTER (cmd));
  g_assert_cmpuint (GPOINTER_TO_UINT (g_async_queue_pop (w->from_thread)), ==, 1);
}

static void
worker_stop (Worker  *w,
             GThread *thread)
{
  worker_do (w, CMD_QUIT);
  g_thread_join (thread);
  g_async_queue_unref (w->to_thread);
  g_async_queue_unref (w->from_thread);
}

/* A thread's cached chunks show in every thread's statistics, and go back
 * when the thread exits. */
static void
test_thread_exit (ZcpFixture    *fx,
                  gconstpointer  data)
{
  Worker w;
  GThread *thread = worker_start (&w, fx->manager);

  worker_do (&w, CMD_CACHE_8);
  assert_stats (fx->manager, 0, 0, 8);
  g_assert_cmpuint (zcp_test_assert_exact_accounting (fx->manager), ==, 0);

  worker_stop (&w, thread);
  assert_stats (fx->manager, 0, 0, 0);
  g_assert_cmpuint (zcp_test_assert_exact_accounting (fx->manager), ==, 0);
}

/* A thread that releases chunks other threads took keeps none of them:
 * a consumer never strands its producer's chunks. */
static void
test_consumer_keeps_none (ZcpFixture    *fx,
                          gconstpointer  data)
{
  Worker w;
  GThread *thread = worker_start (&w, fx->manager);

  for (guint i = 0; i < 20; i++)
    {
      ZcpChunk *chunk = zcp_mem_pool_manager_get_chunk (fx->manager, 256);

      g_assert_nonnull (chunk);
      g_async_queue_push (w.to_thread, GUINT_TO_POINTER (CMD_RELEASE_GIVEN));
      g_async_queue_push (w.to_thread, chunk);
      g_assert_cmpuint (GPOINTER_TO_UINT (g_async_queue_pop (w.from_thread)), ==, 1);
      assert_stats (fx->manager, 0, 0, 0);
    }

  g_assert_cmpuint (zcp_test_assert_exact_accounting (fx->manager), ==, 0);
  worker_stop (&w, thread);
}

/* The records whose thread was asked to flush pool p and has not yet. */
static guint
flush_requests (ZcpMemPoolManager *manager,
                guint              p)
{
  ZcpCacheRecord *records = zcp_segment_caches (manager->base);
  guint n = 0;

  for (guint r = 0; r < ZCP_SEGMENT_MAX_CACHES; r++)
    n += atomic_load (&records[r].pools[p].flush) != 0;

  return n;
}

/* A get that finds the pool empty while another thread caches chunks asks
 * for them; the caching thread gives them back on its next get, or when it
 * flushes. */
static void
test_flush_request (ZcpFixture    *fx,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) held = g_ptr_array_new ();
  Worker w;
  GThread *thread = worker_start (&w, fx->manager);
  ZcpMemPoolStats stats;
  ZcpChunk *chunk;

  worker_do (&w, CMD_CACHE_8);
  assert_stats (fx->manager, 0, 0, 8);

  while ((chunk = zcp_mem_pool_manager_get_chunk (fx->manager, 256)) != NULL)
    g_ptr_array_add (held, chunk);
  g_assert_cmpuint (held->len, ==, 256 - 8);
  {
    g_autoptr(GError) error = NULL;

    /* The error says where the free chunks are. */
    g_assert_null (zcp_mem_pool_manager_try_get_chunk (fx->manager, 256, &error));
    g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_POOL_EXHAUSTED);
    g_assert_nonnull (strstr (error->message, "8 free chunks rest in other threads"));
  }
  stats = stats_of (fx->manager, 0);
  g_assert_cmpuint (stats.failed_gets, ==, 2);
  g_assert_cmpuint (stats.cached, ==, 8);
  g_assert_cmpuint (flush_requests (fx->manager, 0), ==, 1);

  /* The worker's next get sees the request: its 8 go back and it takes
   * one of them from the list; 7 are left for us. */
  worker_do (&w, CMD_GET_ONE);
  assert_stats (fx->manager, 0, 256 - 8 + 1, 0);
  for (guint i = 0; i < 7; i++)
    {
      g_assert_nonnull ((chunk = zcp_mem_pool_manager_get_chunk (fx->manager, 256)));
      g_ptr_array_add (held, chunk);
    }
  g_assert_null (zcp_mem_pool_manager_get_chunk (fx->manager, 256));
  /* The request was served (and cleared); nothing cached anywhere: no
   * new request. */
  g_assert_cmpuint (flush_requests (fx->manager, 0), ==, 0);

  /* The worker releases its chunk into its cache (it took one); we find
   * the pool empty, ask, and the worker's flush gives it to us. */
  worker_do (&w, CMD_RELEASE_HELD);
  assert_stats (fx->manager, 0, 255, 1);
  g_assert_null (zcp_mem_pool_manager_get_chunk (fx->manager, 256));
  g_assert_cmpuint (flush_requests (fx->manager, 0), ==, 1);
  worker_do (&w, CMD_FLUSH);
  g_assert_cmpuint (flush_requests (fx->manager, 0), ==, 0);
  g_assert_nonnull ((chunk = zcp_mem_pool_manager_get_chunk (fx->manager, 256)));
  g_ptr_array_add (held, chunk);
  assert_stats (fx->manager, 0, 256, 0);

  for (guint i = 0; i < held->len; i++)
    zcp_mem_pool_manager_release_chunk (fx->manager, held->pdata[i]);
  g_assert_cmpuint (zcp_test_assert_exact_accounting (fx->manager), ==, 0);
  worker_stop (&w, thread);
}

/* More caching threads than cache records: the others work without. */
#define N_MANY 70

typedef struct
{
  ZcpMemPoolManager *manager;
  GMutex lock;
  GCond cond;
  guint arrived;
  gboolean go;
} Many;

static gpointer
many_main (gpointer data)
{
  Many *m = data;
  ZcpChunk *chunk = zcp_mem_pool_manager_get_chunk (m->manager, 256);

  g_assert_nonnull (chunk);
  memset (chunk, 0x5a, 256);
  zcp_mem_pool_manager_release_chunk (m->manager, chunk);

  g_mutex_lock (&m->lock);
  m->arrived++;
  g_cond_broadcast (&m->cond);
  while (!m->go)
    g_cond_wait (&m->cond, &m->lock);
  g_mutex_unlock (&m->lock);
  return NULL;
}

static void
test_many_threads (ZcpFixture    *fx,
                   gconstpointer  data)
{
  Many m = { fx->manager, { 0 }, { 0 }, 0, FALSE };
  GThread *threads[N_MANY];

  g_mutex_init (&m.lock);
  g_cond_init (&m.cond);
  for (guint i = 0; i < N_MANY; i++)
    threads[i] = g_thread_new ("many", many_main, &m);

  g_mutex_lock (&m.lock);
  while (m.arrived < N_MANY)
    g_cond_wait (&m.cond, &m.lock);
  g_mutex_unlock (&m.lock);

  /* Each of the first ZCP_SEGMENT_MAX_CACHES threads caches its chunk. */
  assert_stats (fx->manager, 0, 0, ZCP_SEGMENT_MAX_CACHES);
  g_assert_cmpuint (zcp_test_assert_exact_accounting (fx->manager), ==, 0);

  g_mutex_lock (&m.lock);
  m.go = TRUE;
  g_cond_broadcast (&m.cond);
  g_mutex_unlock (&m.lock);
  for (guint i = 0; i < N_MANY; i++)
    g_thread_join (threads[i]);

  assert_stats (fx->manager, 0, 0, 0);
  g_assert_cmpuint (zcp_test_assert_exact_accounting (fx->manager), ==, 0);
  for (guint r = 0; r < ZCP_SEGMENT_MAX_CACHES; r++)
    g_assert_cmpuint (atomic_load (&zcp_segment_caches (fx->manager->base)[r].owner), ==, 0);
  g_mutex_clear (&m.lock);
  g_cond_clear (&m.cond);
}

/* A second manager on the segment: finalizing it gives back what every
 * thread cached through it, while those threads live on. */
static void
test_finalize_detaches (ZcpFixture    *fx,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  ZcpMemPoolManager *second = zcp_mem_pool_manager_open (fx->name, ZCP_OPEN_FLAGS_NONE, 0, &error);
  Worker w1, w2;
  GThread *t1, *t2;

  g_assert_no_error (error);
  t1 = worker_start (&w1, second);
  worker_do (&w1, CMD_CACHE_8);
  t2 = worker_start (&w2, fx->manager);
  worker_do (&w2, CMD_CACHE_8);
  assert_stats (fx->manager, 0, 0, 16);

  g_assert_finalize_object (second);
  assert_stats (fx->manager, 0, 0, 8);
  g_assert_cmpuint (zcp_test_assert_exact_accounting (fx->manager), ==, 0);

  /* The first worker's detached cache serves another manager now. */
  w1.manager = fx->manager;
  worker_do (&w1, CMD_CACHE_8);
  assert_stats (fx->manager, 0, 0, 16);

  worker_stop (&w1, t1);
  worker_stop (&w2, t2);
  assert_stats (fx->manager, 0, 0, 0);
  g_assert_cmpuint (zcp_test_assert_exact_accounting (fx->manager), ==, 0);
}

/* Many threads, chunks passed between them, random batches and flushes:
 * no chunk is ever handed out twice (each holder stamps the payload and
 * checks its stamp before the release), and the accounting is exact at
 * the end. */
#define N_STRESS 4
#define STRESS_OPS 200000

typedef struct
{
  ZcpMemPoolManager *manager;
  GAsyncQueue *handoff;
  guint id;
} Stress;

static gpointer
stress_main (gpointer data)
{
  Stress *s = data;
  g_autoptr(GRand) rand = g_rand_new_with_seed (s->id);
  ZcpChunk *mine[32];
  guint n = 0;

  for (guint op = 0; op < STRESS_OPS; op++)
    {
      guint32 r = g_rand_int (rand);

      if (n < G_N_ELEMENTS (mine) && (r & 3) != 0)
        {
          ZcpChunk *chunk = zcp_mem_pool_manager_get_chunk (s->manager, 200);

          if (chunk != NULL)
            {
              guint64 *stamp = (guint64 *) chunk;

              stamp[0] = ((guint64) s->id << 32) | op;
              stamp[1] = ~stamp[0];
              mine[n++] = chunk;
            }
        }
      else if (n > 0)
        {
          ZcpChunk *chunk = mine[--n];
          guint64 *stamp = (guint64 *) chunk;

          g_assert_cmpuint (stamp[1], ==, ~stamp[0]);
          g_assert_cmpuint (stamp[0] >> 32, ==, s->id);
          if ((r & 0x30) == 0)
            {
              /* To another thread, which releases it. */
              stamp[0] = stamp[1] = 0;
              g_async_queue_push (s->handoff, chunk);
            }
          else
            {
              zcp_mem_pool_manager_release_chunk (s->manager, chunk);
            }
        }

      {
        ZcpChunk *given = g_async_queue_try_pop (s->handoff);

        if (given != NULL)
          zcp_mem_pool_manager_release_chunk (s->manager, given);
      }

      if ((r & 0xfff00) == 0)
        zcp_mem_pool_manager_flush_thread_cache (s->manager);
    }

  while (n > 0)
    zcp_mem_pool_manager_release_chunk (s->manager, mine[--n]);
  return NULL;
}

static void
test_stress (ZcpFixture    *fx,
             gconstpointer  data)
{
  GAsyncQueue *handoff = g_async_queue_new ();
  Stress s[N_STRESS];
  GThread *threads[N_STRESS];
  ZcpChunk *left;

  for (guint i = 0; i < N_STRESS; i++)
    {
      s[i] = (Stress) { fx->manager, handoff, i + 1 };
      threads[i] = g_thread_new ("stress", stress_main, &s[i]);
    }
  for (guint i = 0; i < N_STRESS; i++)
    g_thread_join (threads[i]);
  while ((left = g_async_queue_try_pop (handoff)) != NULL)
    zcp_mem_pool_manager_release_chunk (fx->manager, left);
  g_async_queue_unref (handoff);

  assert_stats (fx->manager, 0, 0, 0);
  g_assert_cmpuint (zcp_test_assert_exact_accounting (fx->manager), ==, 0);
}

/* ------------------------------------------------------------------------ */
/* Misuse                                                                    */

static void
test_double_release (ZcpFixture    *fx,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  ZcpChunk *a = zcp_mem_pool_manager_get_chunk (fx->manager, 256);
  guint64 handle = zcp_mem_pool_manager_get_chunk_handle (fx->manager, a);

  /* get_chunk_handle() marked it in transit; adopt it back. */
  g_assert_true (zcp_mem_pool_manager_chunk_from_handle (fx->manager, handle, &error) == a);
  g_assert_no_error (error);
  zcp_mem_pool_manager_release_chunk (fx->manager, a);
  assert_stats (fx->manager, 0, 0, 1);

  zcp_test_expect_critical ("*is not in use (released twice?)*");
  zcp_mem_pool_manager_release_chunk (fx->manager, a);
  zcp_test_assert_critical_seen ();
  zcp_test_expect_critical ("*is not in use*");
  g_assert_null (zcp_chunk_ref (a));
  zcp_test_assert_critical_seen ();
  g_assert_null (zcp_mem_pool_manager_chunk_from_handle (fx->manager, handle, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_INVALID_HANDLE);

  /* Nothing changed: still cached, and handed out once. */
  assert_stats (fx->manager, 0, 0, 1);
  g_assert_cmpuint (zcp_test_assert_exact_accounting (fx->manager), ==, 0);
  g_assert_true (zcp_mem_pool_manager_get_chunk (fx->manager, 256) == a);
  g_assert_true (zcp_mem_pool_manager_get_chunk (fx->manager, 256) != a);
  fx->keeps_chunks = TRUE;
}

/* recover_lost_chunks() takes nothing from a live process's cache. */
static void
test_audit_leaves_cached (ZcpFixture    *fx,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  ZcpChunk *a = zcp_mem_pool_manager_get_chunk (fx->manager, 256);

  zcp_mem_pool_manager_release_chunk (fx->manager, a);
  g_assert_cmpuint (zcp_mem_pool_manager_recover_lost_chunks (fx->manager, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpuint (zcp_mem_pool_manager_reclaim_dead (fx->manager, &error), ==, 0);
  g_assert_no_error (error);
  assert_stats (fx->manager, 0, 0, 1);
  g_assert_cmpuint (zcp_test_assert_exact_accounting (fx->manager), ==, 0);
  g_assert_true (zcp_mem_pool_manager_get_chunk (fx->manager, 256) == a);
  zcp_mem_pool_manager_release_chunk (fx->manager, a);
}

/* Strides that are not powers of two (192 = 3 × 64, 320 = 5 × 64) next to
 * one that is: the fast release finds pool and index by multiplying with
 * the inverse of the stride's odd factor, and must refuse every address
 * that is not the start of a chunk. */
static const guint64 odd_pools[] = { 100, 64, 192, 100, 320, 100, 0 };

static void
test_odd_strides (ZcpFixture    *fx,
                  gconstpointer  data)
{
  static const gsize sizes[] = { 100, 192, 320 };

  for (guint p = 0; p < G_N_ELEMENTS (sizes); p++)
    {
      ZcpChunk *all[100];
      guint count = p == 0 ? 64 : 100;
      gsize stride = p == 0 ? 128 : sizes[p];
      guint8 *c;

      /* Every chunk, released in order: the first 8 fill the cache, and
       * come back last in, first out. */
      for (guint i = 0; i < count; i++)
        g_assert_nonnull ((all[i] = zcp_mem_pool_manager_get_chunk (fx->manager, sizes[p])));
      for (guint i = 0; i < count; i++)
        zcp_mem_pool_manager_release_chunk (fx->manager, all[i]);
      assert_stats (fx->manager, p, 0, 8);
      for (guint i = 0; i < 8; i++)
        g_assert_true (zcp_mem_pool_manager_get_chunk (fx->manager, sizes[p]) == all[7 - i]);
      for (guint i = 0; i < 8; i++)
        zcp_mem_pool_manager_release_chunk (fx->manager, all[i]);
      g_assert_cmpuint (zcp_test_assert_exact_accounting (fx->manager), ==, 0);

      /* Addresses around a held chunk: none is taken for a chunk. */
      c = (guint8 *) zcp_mem_pool_manager_get_chunk (fx->manager, sizes[p]);
      g_assert_nonnull (c);
      for (gsize off = 64; off < stride; off += 64)
        {
          zcp_test_expect_critical ("*but not at its start*");
          zcp_mem_pool_manager_release_chunk (fx->manager, (ZcpChunk *) (c + off));
          zcp_test_assert_critical_seen ();
        }
      zcp_test_expect_critical ("*but not at its start*");
      zcp_mem_pool_manager_release_chunk (fx->manager, (ZcpChunk *) (c + 1));
      zcp_test_assert_critical_seen ();
      /* One stride past the last chunk of the pool, one byte before the
       * first: outside the pool (in the next region, or in the slots). */
      zcp_test_expect_critical ("*");
      zcp_mem_pool_manager_release_chunk (fx->manager, (ZcpChunk *) ((guint8 *) all[0] + (gsize) count * stride));
      zcp_test_assert_critical_seen ();
      zcp_test_expect_critical ("*");
      zcp_mem_pool_manager_release_chunk (fx->manager, (ZcpChunk *) ((guint8 *) all[0] - 1));
      zcp_test_assert_critical_seen ();
      /* The extremes of the address space (MAP_FAILED is the last). */
      zcp_test_expect_critical ("*is not a chunk*");
      zcp_mem_pool_manager_release_chunk (fx->manager, (ZcpChunk *) ~(guintptr) 0);
      zcp_test_assert_critical_seen ();
      zcp_test_expect_critical ("*is not a chunk*");
      zcp_mem_pool_manager_release_chunk (fx->manager, (ZcpChunk *) (guintptr) 1);
      zcp_test_assert_critical_seen ();

      assert_stats (fx->manager, p, 1, 7);
      zcp_mem_pool_manager_release_chunk (fx->manager, (ZcpChunk *) c);
      assert_stats (fx->manager, p, 0, 8);
    }
  g_assert_cmpuint (zcp_test_assert_exact_accounting (fx->manager), ==, 0);
}

static void
test_disabled (void)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
  g_autofree char *name = zcp_test_unique_name ("nocache");
  g_autoptr(GError) error = NULL;
  ZcpMemPoolManager *manager;
  ZcpChunk *a;

  g_assert_true (zcp_mem_pool_config_get_thread_cache (config));
  zcp_mem_pool_config_add_entry (config, 256, 256, &error);
  g_assert_true (zcp_mem_pool_config_set_thread_cache (config, FALSE, &error));
  g_assert_no_error (error);
  allocator = zcp_mem_pool_allocator_new (config);
  g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (allocator, name, &error));
  g_assert_true (zcp_mem_pool_allocator_initialize_mem_pools (allocator, &error));
  g_assert_no_error (error);
  manager = zcp_mem_pool_allocator_get_manager (allocator);

  a = zcp_mem_pool_manager_get_chunk (manager, 256);
  zcp_mem_pool_manager_release_chunk (manager, a);
  assert_stats (manager, 0, 0, 0);
  /* Straight back on the list: LIFO, so it is the head. */
  g_assert_cmpuint (zcp_head_index (atomic_load (&manager->pools[0].desc->head)), ==,
                    (guint32) (((guint8 *) a - manager->pools[0].chunks) / manager->pools[0].stride));
  g_assert_cmpuint (zcp_test_assert_exact_accounting (manager), ==, 0);

  /* A sealed configuration refuses the change. */
  g_assert_false (zcp_mem_pool_config_set_thread_cache (config, TRUE, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_SEALED);
  g_assert_finalize_object (g_steal_pointer (&allocator));
  g_assert_false (zcp_test_shm_exists (name));
}

static void
test_debug_env (ZcpFixture    *fx,
                gconstpointer  data)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ZcpMemPoolManager) other = NULL;
      ZcpChunk *a;

      g_setenv ("ZCP_DEBUG", "no-thread-cache", TRUE);
      other = zcp_mem_pool_manager_open (fx->name, ZCP_OPEN_FLAGS_NONE, 0, &error);
      g_assert_no_error (error);
      a = zcp_mem_pool_manager_get_chunk (other, 256);
      zcp_mem_pool_manager_release_chunk (other, a);
      assert_stats (other, 0, 0, 0);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_assert_cmpuint (zcp_test_assert_exact_accounting (fx->manager), ==, 0);
}

/* ------------------------------------------------------------------------ */
/* Processes                                                                 */

typedef enum { END_EXIT, END_UNDERSCORE_EXIT, END_KILLED } ChildEnd;

/* A child attaches, caches 3 chunks, says so, then ends as told. */
static void
run_caching_child (ZcpFixture *fx,
                   ChildEnd    end,
                   guint       expect_reclaimed)
{
  g_autoptr(GError) error = NULL;
  int up[2];
  pid_t pid;
  int status;
  char c;

  g_assert_cmpint (pipe (up), ==, 0);
  fflush (stdout);
  fflush (stderr);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      ZcpMemPoolManager *m = zcp_mem_pool_manager_open (fx->name, ZCP_OPEN_FLAGS_NONE, 0, NULL);
      ZcpChunk *chunks[3];

      close (up[0]);
      if (m == NULL)
        _exit (2);
      for (guint i = 0; i < 3; i++)
        chunks[i] = zcp_mem_pool_manager_get_chunk (m, 256);
      for (guint i = 0; i < 3; i++)
        zcp_mem_pool_manager_release_chunk (m, chunks[i]);
      if (write (up[1], "x", 1) != 1)
        _exit (3);
      if (end == END_EXIT)
        exit (0); /* the manager is never unreffed: the library's exit hook flushes */
      if (end == END_UNDERSCORE_EXIT)
        _exit (0); /* no exit hook: the chunks stay, named after this process */
      pause ();
      _exit (4);
    }

  close (up[1]);
  g_assert_cmpint (read (up[0], &c, 1), ==, 1);
  close (up[0]);
  if (end == END_KILLED)
    {
      assert_stats (fx->manager, 0, 0, 3);
      kill (pid, SIGKILL);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  if (end == END_KILLED)
    g_assert_true (WIFSIGNALED (status));
  else
    g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);

  assert_stats (fx->manager, 0, 0, expect_reclaimed);
  g_assert_cmpuint (zcp_mem_pool_manager_reclaim_dead (fx->manager, &error), ==, expect_reclaimed);
  g_assert_no_error (error);
  assert_stats (fx->manager, 0, 0, 0);
  g_assert_cmpuint (zcp_test_assert_exact_accounting (fx->manager), ==, 0);
  for (guint r = 0; r < ZCP_SEGMENT_MAX_CACHES; r++)
    g_assert_cmpuint (atomic_load (&zcp_segment_caches (fx->manager->base)[r].owner), ==, 0);
}

static void
test_process_exit (ZcpFixture    *fx,
                   gconstpointer  data)
{
  run_caching_child (fx, END_EXIT, 0);
}

static void
test_process_underscore_exit (ZcpFixture    *fx,
                              gconstpointer  data)
{
  run_caching_child (fx, END_UNDERSCORE_EXIT, 3);
}

static void
test_process_killed (ZcpFixture    *fx,
                     gconstpointer  data)
{
  run_caching_child (fx, END_KILLED, 3);
}

/* fork() copies the parent's cache into the child; the child must not
 * hand out the parent's cached chunk. */
static void
test_fork (ZcpFixture    *fx,
           gconstpointer  data)
{
  ZcpChunk *a = zcp_mem_pool_manager_get_chunk (fx->manager, 256);
  ZcpChunk *from_child = NULL;
  int up[2], status;
  pid_t pid;

  zcp_mem_pool_manager_release_chunk (fx->manager, a);
  assert_stats (fx->manager, 0, 0, 1);

  g_assert_cmpint (pipe (up), ==, 0);
  fflush (stdout);
  fflush (stderr);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      ZcpChunk *c = zcp_mem_pool_manager_get_chunk (fx->manager, 256);

      if (write (up[1], &c, sizeof c) != sizeof c)
        _exit (3);
      _exit (0);
    }
  close (up[1]);
  g_assert_cmpint (read (up[0], &from_child, sizeof from_child), ==, sizeof from_child);
  close (up[0]);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);

  g_assert_nonnull (from_child);
  g_assert_true (from_child != a);
  g_assert_true (zcp_mem_pool_manager_get_chunk (fx->manager, 256) == a);
  /* The child took its chunk under this process's name (it used the
   * inherited manager): ours to give back. */
  zcp_mem_pool_manager_release_chunk (fx->manager, from_child);
  zcp_mem_pool_manager_release_chunk (fx->manager, a);
  g_assert_cmpuint (zcp_test_assert_exact_accounting (fx->manager), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  zcp_test_count_criticals ();

  CACHE_TEST ("/thread-cache/hit", test_hit);
  CACHE_TEST ("/thread-cache/bounded", test_bounded);
  CACHE_TEST ("/thread-cache/exhaustion", test_exhaustion);
  CACHE_TEST ("/thread-cache/thread-exit", test_thread_exit);
  CACHE_TEST ("/thread-cache/consumer-keeps-none", test_consumer_keeps_none);
  CACHE_TEST ("/thread-cache/flush-request", test_flush_request);
  CACHE_TEST ("/thread-cache/many-threads", test_many_threads);
  CACHE_TEST ("/thread-cache/finalize-detaches", test_finalize_detaches);
  CACHE_TEST ("/thread-cache/stress", test_stress);
  CACHE_TEST ("/thread-cache/double-release", test_double_release);
  CACHE_TEST ("/thread-cache/audit-leaves-cached", test_audit_leaves_cached);
  g_test_add ("/thread-cache/odd-strides", ZcpFixture, odd_pools, zcp_fixture_setup_spec,
              test_odd_strides, zcp_fixture_teardown);
  g_test_add_func ("/thread-cache/disabled", test_disabled);
  CACHE_TEST ("/thread-cache/debug-env", test_debug_env);
  CACHE_TEST ("/thread-cache/process-exit", test_process_exit);
  CACHE_TEST ("/thread-cache/process-underscore-exit", test_process_underscore_exit);
  CACHE_TEST ("/thread-cache/process-killed", test_process_killed);
  CACHE_TEST ("/thread-cache/fork", test_fork);

  return g_test_run ();
}
