/* test-manager.c: getting and releasing chunks, statistics, threads
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "zcp-test-common.h"
#include "zcp-mem-pool-manager-private.h"

static const guint64 spec_pools[] = { 256, 1000, 1024, 500, 4096, 200, 0 };
static const guint64 small_pools[] = { 64, 4, 200, 3, 0 };
static const guint64 one_pool[] = { 256, 64, 0 };

static void
assert_stats (ZcpMemPoolManager *manager,
              guint              pool,
              guint32            used,
              guint32            low_water,
              guint64            failed_gets)
{
  ZcpMemPoolStats stats;

  g_assert_true (zcp_mem_pool_manager_get_pool_stats (manager, pool, &stats));
  g_assert_cmpuint (stats.used, ==, used);
  g_assert_cmpuint (stats.free, ==, stats.chunk_count - used);
  g_assert_cmpuint (stats.low_water, ==, low_water);
  g_assert_cmpuint (stats.failed_gets, ==, failed_gets);
}

static void
test_manager_best_fit (ZcpFixture    *f,
                       gconstpointer  user_data)
{
  static const struct { gsize request; guint pool; } cases[] = {
    { 0, 0 }, { 1, 0 }, { 255, 0 }, { 256, 0 }, { 257, 1 }, { 512, 1 },
    { 1024, 1 }, { 1025, 2 }, { 4096, 2 },
  };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ZcpChunk *chunk = zcp_mem_pool_manager_get_chunk (f->manager, cases[i].request);

      g_assert_nonnull (chunk);
      g_assert_cmpuint (zcp_chunk_get_pool_index (chunk), ==, cases[i].pool);
      g_assert_cmpuint (zcp_chunk_get_size (chunk), ==, (gsize) spec_pools[cases[i].pool * 2]);
      g_assert_cmpuint (zcp_chunk_get_size (chunk), >=, cases[i].request);
      g_assert_cmpuint (zcp_chunk_get_ref_count (chunk), ==, 1);
      zcp_mem_pool_manager_release_chunk (f->manager, chunk);
    }

  g_assert_null (zcp_mem_pool_manager_get_chunk (f->manager, 4097));
  g_assert_null (zcp_mem_pool_manager_try_get_chunk (f->manager, 4097, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_NO_FITTING_POOL);
  g_assert_nonnull (strstr (error->message, "4097"));
  g_assert_nonnull (strstr (error->message, "4096"));

  /* A failed "no fitting pool" counts against no pool. */
  for (guint p = 0; p < 3; p++)
    {
      ZcpMemPoolStats stats;

      zcp_mem_pool_manager_get_pool_stats (f->manager, p, &stats);
      g_assert_cmpuint (stats.used, ==, 0);
      g_assert_cmpuint (stats.failed_gets, ==, 0);
    }
}

static int
compare_pointers (gconstpointer a,
                  gconstpointer b)
{
  guintptr pa = *(const guintptr *) a, pb = *(const guintptr *) b;

  return pa < pb ? -1 : pa > pb;
}

static void
test_manager_exhaustion (ZcpFixture    *f,
                         gconstpointer  user_data)
{
  const guint64 *pools = user_data;
  guint n_pools = zcp_mem_pool_manager_get_pool_count (f->manager);

  for (guint p = 0; p < n_pools; p++)
    {
      gsize size = pools[2 * p];
      guint32 count = (guint32) pools[2 * p + 1];
      g_autofree ZcpChunk **chunks = g_new0 (ZcpChunk *, count);
      g_autofree guintptr *sorted = g_new0 (guintptr, count);
      g_autoptr(GError) error = NULL;
      ZcpChunk *again;

      assert_stats (f->manager, p, 0, count, 0);

      for (guint32 i = 0; i < count; i++)
        {
          chunks[i] = zcp_mem_pool_manager_get_chunk (f->manager, size);
          g_assert_nonnull (chunks[i]);
          g_assert_cmpuint (zcp_chunk_get_pool_index (chunks[i]), ==, p);
          g_assert_cmpuint ((guintptr) zcp_chunk_get_data (chunks[i]) % 64, ==, 0);
          g_assert_true (zcp_mem_pool_manager_owns_chunk (f->manager, chunks[i]));
          /* Fill the whole payload with a pattern naming the chunk. */
          memset (zcp_chunk_get_data (chunks[i]), (int) (i & 0xff), size);
          assert_stats (f->manager, p, i + 1, count - i - 1, 0);
          sorted[i] = (guintptr) chunks[i];
        }

      /* Distinct and non-overlapping. */
      qsort (sorted, count, sizeof (guintptr), compare_pointers);
      for (guint32 i = 1; i < count; i++)
        g_assert_cmpuint (sorted[i - 1] + size, <=, sorted[i]);

      /* No pattern was overwritten by another chunk's. */
      for (guint32 i = 0; i < count; i++)
        {
          const guint8 *data = zcp_chunk_get_data (chunks[i]);

          for (gsize b = 0; b < size; b++)
            g_assert_cmpuint (data[b], ==, i & 0xff);
        }

      /* count + 1: the pool is empty, and no other pool is used. */
      g_assert_null (zcp_mem_pool_manager_get_chunk (f->manager, size));
      assert_stats (f->manager, p, count, 0, 1);
      g_assert_null (zcp_mem_pool_manager_try_get_chunk (f->manager, size, &error));
      g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_POOL_EXHAUSTED);
      {
        g_autofree char *expect = g_strdup_printf ("Memory pool %u (%u chunks of %zu bytes) has no free chunk",
                                                   p, count, size);
        g_assert_cmpstr (error->message, ==, expect);
      }
      assert_stats (f->manager, p, count, 0, 2);
      /* The other pools are untouched (those before p ran dry earlier). */
      for (guint q = 0; q < n_pools; q++)
        if (q < p)
          assert_stats (f->manager, q, 0, 0, 3);
        else if (q > p)
          assert_stats (f->manager, q, 0, (guint32) pools[2 * q + 1], 0);

      /* A release makes exactly that chunk available again. */
      zcp_mem_pool_manager_release_chunk (f->manager, chunks[count / 2]);
      assert_stats (f->manager, p, count - 1, 0, 2);
      again = zcp_mem_pool_manager_get_chunk (f->manager, size);
      g_assert_true (again == chunks[count / 2]);
      assert_stats (f->manager, p, count, 0, 2);
      g_assert_null (zcp_mem_pool_manager_get_chunk (f->manager, size));

      for (guint32 i = 0; i < count; i++)
        zcp_mem_pool_manager_release_chunk (f->manager, chunks[i]);

      /* The low-water mark remembers the pool ran dry. */
      assert_stats (f->manager, p, 0, 0, 3);
      zcp_test_assert_pool_all_free (f->manager, p);
    }
}

static void
test_manager_fallback (void)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
  g_autofree char *name = zcp_test_unique_name ("fallback");
  ZcpMemPoolManager *manager;
  ZcpChunk *a, *b, *c, *d;

  g_assert_true (zcp_mem_pool_config_add_entry (config, 64, 1, NULL));
  g_assert_true (zcp_mem_pool_config_add_entry (config, 128, 1, NULL));
  g_assert_true (zcp_mem_pool_config_set_fallback (config, TRUE, NULL));
  allocator = zcp_mem_pool_allocator_new (config);
  g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (allocator, name, NULL));
  g_assert_true (zcp_mem_pool_allocator_initialize_mem_pools (allocator, NULL));
  manager = zcp_mem_pool_allocator_get_manager (allocator);
  g_assert_true (zcp_mem_pool_manager_get_fallback (manager));

  a = zcp_mem_pool_manager_get_chunk (manager, 10);
  b = zcp_mem_pool_manager_get_chunk (manager, 10);
  c = zcp_mem_pool_manager_get_chunk (manager, 10);
  g_assert_cmpuint (zcp_chunk_get_pool_index (a), ==, 0);
  g_assert_cmpuint (zcp_chunk_get_pool_index (b), ==, 1);
  g_assert_null (c);
  zcp_mem_pool_manager_release_chunk (manager, a);
  d = zcp_mem_pool_manager_get_chunk (manager, 10);
  g_assert_true (d == a);
  zcp_mem_pool_manager_release_chunk (manager, b);
  zcp_mem_pool_manager_release_chunk (manager, d);
  g_clear_object (&allocator);
  g_assert_false (zcp_test_shm_exists (name));
}

static void
test_manager_refcount (ZcpFixture    *f,
                       gconstpointer  user_data)
{
  ZcpChunk *chunk = zcp_mem_pool_manager_get_chunk (f->manager, 256);
  ZcpChunk *next;

  g_assert_nonnull (chunk);
  g_assert_true (zcp_chunk_ref (chunk) == chunk);
  g_assert_cmpuint (zcp_chunk_get_ref_count (chunk), ==, 2);
  assert_stats (f->manager, 0, 1, 63, 0);

  zcp_mem_pool_manager_release_chunk (f->manager, chunk);
  g_assert_cmpuint (zcp_chunk_get_ref_count (chunk), ==, 1);
  assert_stats (f->manager, 0, 1, 63, 0);

  /* The boxed free function is the same as a release. */
  zcp_chunk_unref (chunk);
  g_assert_cmpuint (zcp_chunk_get_ref_count (chunk), ==, 0);
  assert_stats (f->manager, 0, 0, 63, 0);

  /* LIFO: the chunk just freed comes back first. */
  next = zcp_mem_pool_manager_get_chunk (f->manager, 1);
  g_assert_true (next == chunk);
  zcp_chunk_unref (next);

  /* A boxed GValue copy is a reference too. */
  {
    GValue value = G_VALUE_INIT;

    chunk = zcp_mem_pool_manager_get_chunk (f->manager, 1);
    g_value_init (&value, ZCP_TYPE_CHUNK);
    g_value_set_boxed (&value, chunk);
    g_assert_cmpuint (zcp_chunk_get_ref_count (chunk), ==, 2);
    zcp_mem_pool_manager_release_chunk (f->manager, chunk);
    assert_stats (f->manager, 0, 1, 63, 0);
    g_value_unset (&value);
    assert_stats (f->manager, 0, 0, 63, 0);
  }

  zcp_test_assert_pool_all_free (f->manager, 0);
}

static void
test_manager_bytes (ZcpFixture    *f,
                    gconstpointer  user_data)
{
  ZcpChunk *chunk = zcp_mem_pool_manager_get_chunk (f->manager, 200);
  g_autoptr(GError) error = NULL;
  static const guint8 hello[] = "hello, shared world";
  GBytes *bytes;
  gsize size;
  const guint8 *data;

  g_assert_true (zcp_chunk_write (chunk, 10, hello, sizeof hello, &error));
  g_assert_no_error (error);
  g_assert_false (zcp_chunk_write (chunk, 250, hello, sizeof hello, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_OVERFLOW);
  g_clear_error (&error);
  g_assert_false (zcp_chunk_write (chunk, G_MAXSIZE, hello, 1, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_OVERFLOW);
  g_clear_error (&error);
  g_assert_true (zcp_chunk_write (chunk, 256 - sizeof hello, hello, sizeof hello, &error));

  bytes = zcp_chunk_get_bytes (chunk);
  data = g_bytes_get_data (bytes, &size);
  g_assert_true (data == zcp_chunk_get_data (chunk));
  g_assert_cmpuint (size, ==, 256);
  g_assert_cmpmem (data + 10, sizeof hello, hello, sizeof hello);

  /* The view holds a reference: releasing ours does not free the chunk. */
  zcp_mem_pool_manager_release_chunk (f->manager, chunk);
  assert_stats (f->manager, 0, 1, 63, 0);
  g_bytes_unref (bytes);
  assert_stats (f->manager, 0, 0, 63, 0);
}

static void
test_manager_handles (ZcpFixture    *f,
                      gconstpointer  user_data)
{
  ZcpChunk *chunk = zcp_mem_pool_manager_get_chunk (f->manager, 1000);
  ZcpChunk *back;
  g_autoptr(GError) error = NULL;
  guint64 handle, free_handle;
  gsize size = 0;
  ZcpChunk *other;

  handle = zcp_mem_pool_manager_get_chunk_handle (f->manager, chunk);
  g_assert_cmpuint (handle, !=, 0);
  g_assert_cmpuint (handle, ==, (guint64) ((guint8 *) chunk - (guint8 *) zcp_mem_pool_manager_get_base_address (f->manager)));

  g_assert_true (zcp_mem_pool_manager_lookup_handle (f->manager, handle, &size, &error) == (gconstpointer) chunk);
  g_assert_no_error (error);
  g_assert_cmpuint (size, ==, 1024);

  back = zcp_mem_pool_manager_chunk_from_handle (f->manager, handle, &error);
  g_assert_no_error (error);
  g_assert_true (back == chunk);
  g_assert_cmpuint (zcp_chunk_get_ref_count (back), ==, 1); /* adopted, not added */

  /* Out of range, misaligned, in the header, free. */
  g_assert_null (zcp_mem_pool_manager_chunk_from_handle (f->manager, G_MAXUINT64, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_INVALID_HANDLE);
  g_clear_error (&error);
  g_assert_null (zcp_mem_pool_manager_chunk_from_handle (f->manager, handle + 8, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_INVALID_HANDLE);
  g_clear_error (&error);
  g_assert_null (zcp_mem_pool_manager_chunk_from_handle (f->manager, 0, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_INVALID_HANDLE);
  g_clear_error (&error);

  other = zcp_mem_pool_manager_get_chunk (f->manager, 1000);
  free_handle = zcp_mem_pool_manager_get_chunk_handle (f->manager, other);
  zcp_mem_pool_manager_release_chunk (f->manager, other);
  g_assert_null (zcp_mem_pool_manager_chunk_from_handle (f->manager, free_handle, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_INVALID_HANDLE);
  g_assert_nonnull (strstr (error->message, "not in use"));
  g_clear_error (&error);
  g_assert_null (zcp_mem_pool_manager_lookup_handle (f->manager, free_handle, NULL, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_INVALID_HANDLE);
  g_clear_error (&error);

  /* share_chunk: a handle that carries a new reference, ours stays. */
  g_assert_cmpuint (zcp_mem_pool_manager_share_chunk (f->manager, back), ==, handle);
  g_assert_cmpuint (zcp_chunk_get_ref_count (back), ==, 2);
  other = zcp_mem_pool_manager_chunk_from_handle (f->manager, handle, &error);
  g_assert_no_error (error);
  zcp_mem_pool_manager_release_chunk (f->manager, other);
  g_assert_cmpuint (zcp_chunk_get_ref_count (back), ==, 1);

  zcp_mem_pool_manager_release_chunk (f->manager, back);
  zcp_test_assert_pool_all_free (f->manager, 1);
}

/* Programmer errors: each is a critical, and the pools are unchanged. */
/* In a subprocess that expects criticals, they must not abort. */
static void
make_criticals_non_fatal (void)
{
  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  g_log_set_fatal_mask ("Zcp", G_LOG_FATAL_MASK);
}

static void
test_manager_bad_release (gconstpointer user_data)
{
  const char *which = user_data;

  if (g_test_subprocess ())
    {
      ZcpFixture sub = { 0 };
      ZcpChunk *chunk, *keep;
      guint8 on_stack[64];
      g_autofree guint8 *heap = g_malloc (256);

      make_criticals_non_fatal ();
      zcp_fixture_setup (&sub, one_pool);
      keep = zcp_mem_pool_manager_get_chunk (sub.manager, 1);
      chunk = zcp_mem_pool_manager_get_chunk (sub.manager, 1);

      if (g_str_equal (which, "twice"))
        {
          zcp_mem_pool_manager_release_chunk (sub.manager, chunk);
          zcp_mem_pool_manager_release_chunk (sub.manager, chunk);
        }
      else if (g_str_equal (which, "heap"))
        zcp_mem_pool_manager_release_chunk (sub.manager, (ZcpChunk *) heap);
      else if (g_str_equal (which, "stack"))
        zcp_chunk_unref ((ZcpChunk *) on_stack);
      else if (g_str_equal (which, "middle"))
        zcp_mem_pool_manager_release_chunk (sub.manager, (ZcpChunk *) ((guint8 *) chunk + 8));
      else if (g_str_equal (which, "null"))
        zcp_mem_pool_manager_release_chunk (sub.manager, NULL);
      else if (g_str_equal (which, "ref-free"))
        {
          zcp_mem_pool_manager_release_chunk (sub.manager, chunk);
          g_assert_null (zcp_chunk_ref (chunk));
        }
      else
        g_assert_not_reached ();

      /* Whatever happened, the pools are intact (criticals are not fatal
       * in this subprocess): the remaining chunks can all be taken, each
       * once. */
      {
        guint32 expected_free = g_str_equal (which, "twice") || g_str_equal (which, "ref-free") ? 63 : 62;
        ZcpMemPoolStats stats;
        GHashTable *seen = g_hash_table_new (NULL, NULL);
        ZcpChunk *c;

        zcp_mem_pool_manager_get_pool_stats (sub.manager, 0, &stats);
        g_assert_cmpuint (stats.free, ==, expected_free);
        while ((c = zcp_mem_pool_manager_get_chunk (sub.manager, 1)) != NULL)
          {
            g_assert_false (g_hash_table_contains (seen, c));
            g_assert_true (c != keep);
            g_hash_table_add (seen, c);
          }
        g_assert_cmpuint (g_hash_table_size (seen), ==, expected_free);
        g_hash_table_unref (seen);
      }
      sub.keeps_chunks = TRUE;  /* keep and all the others are still taken */
      zcp_fixture_teardown (&sub, NULL);
      g_print ("pools intact\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDIN);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*pools intact*");
  if (g_str_equal (which, "twice"))
    g_test_trap_assert_stderr ("*CRITICAL*is not in use (released twice?)*");
  else if (g_str_equal (which, "heap"))
    g_test_trap_assert_stderr ("*CRITICAL*is not a chunk of shared memory*");
  else if (g_str_equal (which, "stack"))
    g_test_trap_assert_stderr ("*CRITICAL*is not in any shared memory attached by this process*");
  else if (g_str_equal (which, "middle"))
    g_test_trap_assert_stderr ("*CRITICAL*points into a chunk of shared memory*but not at its start*");
  else if (g_str_equal (which, "null"))
    g_test_trap_assert_stderr ("*CRITICAL*chunk != NULL*");
  else if (g_str_equal (which, "ref-free"))
    g_test_trap_assert_stderr ("*CRITICAL*is not in use*");
}

static void
test_manager_other_segment (void)
{
  ZcpFixture a = { 0 }, b = { 0 };

  if (g_test_subprocess ())
    {
      ZcpChunk *chunk;

      make_criticals_non_fatal ();
      zcp_fixture_setup (&a, one_pool);
      zcp_fixture_setup (&b, one_pool);
      chunk = zcp_mem_pool_manager_get_chunk (b.manager, 1);
      /* A chunk of b released through a's manager. */
      zcp_mem_pool_manager_release_chunk (a.manager, chunk);
      g_assert_cmpuint (zcp_chunk_get_ref_count (chunk), ==, 1);
      zcp_mem_pool_manager_release_chunk (b.manager, chunk);
      zcp_test_assert_pool_all_free (a.manager, 0);
      zcp_test_assert_pool_all_free (b.manager, 0);
      zcp_fixture_teardown (&b, NULL);
      zcp_fixture_teardown (&a, NULL);
      g_print ("pools intact\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*pools intact*");
  g_test_trap_assert_stderr ("*CRITICAL*is not a chunk of shared memory*");
}

/* ------------------------------------------------------------------------ */
/* Two threads: no chunk lost or handed out twice.                           */

#define THREAD_PAIRS 1000000
#define THREAD_BATCH 24

typedef struct
{
  ZcpMemPoolManager *manager;
  guint8 tag;
  guint64 pairs;
  guint64 failures;
} Worker;

static gpointer
worker_thread (gpointer data)
{
  Worker *w = data;
  ZcpChunk *held[THREAD_BATCH];
  guint64 done = 0;

  /* Batches of varying depth, so that pops and pushes interleave with the
   * other thread at every stack depth; each chunk is stamped with our tag
   * and checked before release, so a chunk handed to both threads at once
   * shows up as a foreign stamp. */
  while (done < THREAD_PAIRS)
    {
      guint n = 1 + (guint) (done % THREAD_BATCH);
      guint got = 0;

      for (guint i = 0; i < n; i++)
        {
          ZcpChunk *c = zcp_mem_pool_manager_get_chunk (w->manager, 256);

          if (c == NULL)
            {
              w->failures++;
              continue;
            }
          memset (zcp_chunk_get_data (c), w->tag, 64);
          held[got++] = c;
        }

      for (guint i = 0; i < got; i++)
        {
          const guint8 *d = zcp_chunk_get_data (held[i]);

          for (guint b = 0; b < 64; b++)
            if (d[b] != w->tag)
              g_error ("chunk %p handed to two threads (byte %u is %u, expected %u)",
                       (void *) held[i], b, d[b], w->tag);
          zcp_mem_pool_manager_release_chunk (w->manager, held[i]);
        }

      done += got;
      w->pairs += got;
    }

  return NULL;
}

static void
test_manager_threads (ZcpFixture    *f,
                      gconstpointer  user_data)
{
  Worker workers[2] = {
    { f->manager, 0xa1, 0, 0 },
    { f->manager, 0xb2, 0, 0 },
  };
  GThread *threads[2];
  ZcpMemPoolStats stats;

  for (guint i = 0; i < 2; i++)
    threads[i] = g_thread_new ("worker", worker_thread, &workers[i]);
  for (guint i = 0; i < 2; i++)
    g_thread_join (threads[i]);

  g_test_message ("pairs: %" G_GUINT64_FORMAT " + %" G_GUINT64_FORMAT
                  ", empty-pool gets: %" G_GUINT64_FORMAT " + %" G_GUINT64_FORMAT,
                  workers[0].pairs, workers[1].pairs, workers[0].failures, workers[1].failures);
  g_assert_cmpuint (workers[0].pairs, >=, THREAD_PAIRS);
  g_assert_cmpuint (workers[1].pairs, >=, THREAD_PAIRS);

  zcp_mem_pool_manager_get_pool_stats (f->manager, 0, &stats);
  g_assert_cmpuint (stats.used, ==, 0);
  g_assert_cmpuint (stats.failed_gets, ==, workers[0].failures + workers[1].failures);
  zcp_test_assert_pool_all_free (f->manager, 0);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);
  g_test_summary ("Chunks are handed out best-fit, each at most once, and all come back");

#define ADD(path, data, func) \
  g_test_add (path, ZcpFixture, data, (void (*) (ZcpFixture *, gconstpointer)) zcp_fixture_setup_spec, func, zcp_fixture_teardown)

  ADD ("/zcp/manager/best-fit", NULL, test_manager_best_fit);
  ADD ("/zcp/manager/exhaustion/spec", spec_pools, test_manager_exhaustion);
  ADD ("/zcp/manager/exhaustion/small", small_pools, test_manager_exhaustion);
  ADD ("/zcp/manager/refcount", one_pool, test_manager_refcount);
  ADD ("/zcp/manager/bytes", one_pool, test_manager_bytes);
  ADD ("/zcp/manager/handles", NULL, test_manager_handles);
  ADD ("/zcp/manager/threads", one_pool, test_manager_threads);
#undef ADD

  g_test_add_func ("/zcp/manager/fallback", test_manager_fallback);
  g_test_add_data_func ("/zcp/manager/bad-release/twice", "twice", test_manager_bad_release);
  g_test_add_data_func ("/zcp/manager/bad-release/heap", "heap", test_manager_bad_release);
  g_test_add_data_func ("/zcp/manager/bad-release/stack", "stack", test_manager_bad_release);
  g_test_add_data_func ("/zcp/manager/bad-release/middle", "middle", test_manager_bad_release);
  g_test_add_data_func ("/zcp/manager/bad-release/null", "null", test_manager_bad_release);
  g_test_add_data_func ("/zcp/manager/bad-release/ref-free", "ref-free", test_manager_bad_release);
  g_test_add_func ("/zcp/manager/other-segment", test_manager_other_segment);

  return g_test_run ();
}
