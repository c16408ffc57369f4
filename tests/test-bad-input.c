/* test-bad-input.c: every kind of bad input is answered by a GError or a
 * critical, and the pools still work afterwards
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The library's own criticals are structured log messages, which
 * g_test_expect_message() does not see; a log writer installed in main()
 * swallows exactly the expected ones and passes everything else on to the
 * default writer (which aborts on an unexpected critical, as usual).  The
 * criticals of g_return_if_fail() go through the old API and are expected
 * with g_test_expect_message().
 *
 * Cases that change process-wide state (privileges, mount namespace, file
 * descriptor limit) run in a forked child.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define HAVE_VALGRIND_H 1
#endif
#endif

#include "zcp-test-common.h"
#include "zcp-segment-private.h"

/* ------------------------------------------------------------------------ */
/* "Afterwards the pools still work"                                         */

static void
assert_pools_work (ZcpMemPoolManager *manager)
{
  guint n = zcp_mem_pool_manager_get_pool_count (manager);

  g_assert_cmpuint (n, >, 0);

  for (guint i = 0; i < n; i++)
    {
      ZcpMemPoolStats before, after;
      ZcpChunk *chunk;

      g_assert_true (zcp_mem_pool_manager_get_pool_stats (manager, i, &before));
      chunk = zcp_mem_pool_manager_get_chunk (manager, before.chunk_size);
      g_assert_nonnull (chunk);
      g_assert_cmpuint (zcp_chunk_get_pool_index (chunk), ==, i);
      g_assert_cmpuint (zcp_chunk_get_ref_count (chunk), ==, 1);
      memset (zcp_chunk_get_data (chunk), 0x5a, before.chunk_size);
      g_assert_true (zcp_mem_pool_manager_get_pool_stats (manager, i, &after));
      g_assert_cmpuint (after.used, ==, before.used + 1);
      zcp_mem_pool_manager_release_chunk (manager, chunk);
      g_assert_true (zcp_mem_pool_manager_get_pool_stats (manager, i, &after));
      g_assert_cmpuint (after.used, ==, before.used);
      g_assert_cmpuint (after.used + after.free, ==, after.chunk_count);
    }
}

#define FIXTURE_TEST(path, func) \
  g_test_add (path, ZcpFixture, NULL, zcp_fixture_setup_spec, func, zcp_fixture_teardown)

/* ------------------------------------------------------------------------ */
/* Segment names                                                             */

static void
check_bad_name (ZcpFixture *fx,
                const char *name)
{
  g_autoptr(ZcpMemPoolAllocator) allocator = zcp_mem_pool_allocator_new (fx->config);
  g_autoptr(GError) error = NULL;
  g_autoptr(ZcpMemPoolManager) opened = NULL;

  g_assert_null (zcp_mem_pool_allocator_initialize_shared_memory (allocator, name, &error));
  g_assert_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_INVALID_NAME);
  g_assert_false (zcp_mem_pool_allocator_is_initialized (allocator));
  g_clear_error (&error);

  opened = zcp_mem_pool_manager_open (name, ZCP_OPEN_FLAGS_NONE, 0, &error);
  g_assert_null (opened);
  g_assert_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_INVALID_NAME);

  assert_pools_work (fx->manager);
}

static void
test_name_empty (ZcpFixture *fx, gconstpointer data)
{
  check_bad_name (fx, "");
}

static void
test_name_null (ZcpFixture *fx, gconstpointer data)
{
  check_bad_name (fx, NULL);
}

static void
test_name_no_slash (ZcpFixture *fx, gconstpointer data)
{
  check_bad_name (fx, "zcp-no-slash");
}

static void
test_name_embedded_slash (ZcpFixture *fx, gconstpointer data)
{
  check_bad_name (fx, "/zcp/embedded");
}

static void
test_name_only_slash (ZcpFixture *fx, gconstpointer data)
{
  check_bad_name (fx, "/");
}

static void
test_name_too_long (ZcpFixture *fx, gconstpointer data)
{
  g_autofree char *name = g_malloc (NAME_MAX + 3);

  name[0] = '/';
  memset (name + 1, 'a', NAME_MAX + 1);
  name[NAME_MAX + 2] = '\0';
  check_bad_name (fx, name);
}

static void
test_name_not_utf8 (ZcpFixture *fx, gconstpointer data)
{
  check_bad_name (fx, "/zcp-\xff\xfe-latin1-\xe9");
}

static void
test_name_control_char (ZcpFixture *fx, gconstpointer data)
{
  check_bad_name (fx, "/zcp-\n-newline");
}

static void
test_open_nonexistent (ZcpFixture *fx, gconstpointer data)
{
  g_autofree char *name = zcp_test_unique_name ("absent");
  g_autoptr(GError) error = NULL;

  g_assert_null (zcp_mem_pool_manager_open (name, ZCP_OPEN_FLAGS_NONE, 0, &error));
  g_assert_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_DOES_NOT_EXIST);
  g_assert_false (zcp_test_shm_exists (name));
  assert_pools_work (fx->manager);
}

/* ------------------------------------------------------------------------ */
/* Configurations                                                            */

static void
check_bad_entry (ZcpFixture *fx,
                 guint64     size,
                 guint32     count,
                 gint        code)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (zcp_mem_pool_config_add_entry (config, size, count, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, code);
  g_assert_cmpuint (zcp_mem_pool_config_get_n_entries (config), ==, 0);
  assert_pools_work (fx->manager);
}

static void
test_config_size_zero (ZcpFixture *fx, gconstpointer data)
{
  check_bad_entry (fx, 0, 10, ZCP_MEM_POOL_ERROR_INVALID_CHUNK_SIZE);
}

static void
test_config_size_too_large (ZcpFixture *fx, gconstpointer data)
{
  check_bad_entry (fx, ZCP_MEM_POOL_MAX_CHUNK_SIZE + 1, 1, ZCP_MEM_POOL_ERROR_INVALID_CHUNK_SIZE);
}

static void
test_config_count_zero (ZcpFixture *fx, gconstpointer data)
{
  check_bad_entry (fx, 256, 0, ZCP_MEM_POOL_ERROR_INVALID_CHUNK_COUNT);
}

static void
test_config_count_too_large (ZcpFixture *fx, gconstpointer data)
{
  check_bad_entry (fx, 64, G_MAXUINT32, ZCP_MEM_POOL_ERROR_INVALID_CHUNK_COUNT);
}

static void
test_config_size_count_overflow (ZcpFixture *fx, gconstpointer data)
{
  /* 2^40 × (2^32 − 2) does not fit 64 bits. */
  check_bad_entry (fx, ZCP_MEM_POOL_MAX_CHUNK_SIZE, ZCP_MEM_POOL_MAX_CHUNK_COUNT,
                   ZCP_MEM_POOL_ERROR_OVERFLOW);
}

static void
test_config_total_overflow (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(GError) error = NULL;

  /* Each pool is 2^62 bytes, which fits; two of them do not. */
  g_assert_true (zcp_mem_pool_config_add_entry (config, G_GUINT64_CONSTANT (1) << 40, 1u << 22, &error));
  g_assert_no_error (error);
  g_assert_false (zcp_mem_pool_config_add_entry (config, G_GUINT64_CONSTANT (1) << 39, 1u << 23, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_OVERFLOW);
  g_assert_cmpuint (zcp_mem_pool_config_get_n_entries (config), ==, 1);
  assert_pools_work (fx->manager);
}

static void
test_config_total_beyond_memory (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = zcp_test_unique_name ("huge");

  /* 2^62 bytes: a valid configuration that no machine can map. */
  g_assert_true (zcp_mem_pool_config_add_entry (config, G_GUINT64_CONSTANT (1) << 40, 1u << 22, &error));
  g_assert_no_error (error);
  allocator = zcp_mem_pool_allocator_new (config);
  g_assert_null (zcp_mem_pool_allocator_initialize_shared_memory (allocator, name, &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain == ZCP_SHM_ERROR);
  g_assert_true (error->code == ZCP_SHM_ERROR_NO_SPACE ||
                 error->code == ZCP_SHM_ERROR_INVALID_SIZE ||
                 error->code == ZCP_SHM_ERROR_MAPPING_ERROR);
  g_assert_false (zcp_test_shm_exists (name));
  assert_pools_work (fx->manager);
}

static void
test_config_too_many_pools (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < ZCP_MEM_POOL_MAX_POOLS; i++)
    {
      g_assert_true (zcp_mem_pool_config_add_entry (config, 64 * (i + 1), 1, &error));
      g_assert_no_error (error);
    }
  g_assert_false (zcp_mem_pool_config_add_entry (config, 64 * 1000, 1, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_TOO_MANY_POOLS);
  g_assert_cmpuint (zcp_mem_pool_config_get_n_entries (config), ==, ZCP_MEM_POOL_MAX_POOLS);
  assert_pools_work (fx->manager);
}

static void
test_config_duplicate_size (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (zcp_mem_pool_config_add_entry (config, 128, 4, &error));
  g_assert_false (zcp_mem_pool_config_add_entry (config, 128, 8, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_DUPLICATE_SIZE);
  assert_pools_work (fx->manager);
}

static void
test_config_empty (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(ZcpMemPoolAllocator) allocator = zcp_mem_pool_allocator_new (config);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = zcp_test_unique_name ("empty");

  g_assert_null (zcp_mem_pool_allocator_initialize_shared_memory (allocator, name, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_EMPTY_CONFIG);
  g_assert_false (zcp_test_shm_exists (name));
  assert_pools_work (fx->manager);
}

static void
test_config_sealed (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  /* The fixture's configuration belongs to its allocator now. */
  g_assert_true (zcp_mem_pool_config_is_sealed (fx->config));
  g_assert_false (zcp_mem_pool_config_add_entry (fx->config, 8192, 2, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_SEALED);
  g_assert_cmpuint (zcp_mem_pool_config_get_n_entries (fx->config), ==, 3);
  assert_pools_work (fx->manager);
}

/* ------------------------------------------------------------------------ */
/* Calls out of order and twice                                              */

static void
test_order_pools_before_shm (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(ZcpMemPoolAllocator) allocator = zcp_mem_pool_allocator_new (fx->config);
  g_autoptr(GError) error = NULL;

  g_assert_false (zcp_mem_pool_allocator_initialize_mem_pools (allocator, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_WRONG_ORDER);
  g_assert_null (zcp_mem_pool_allocator_get_manager (allocator));
  g_assert_false (zcp_mem_pool_allocator_is_initialized (allocator));
  assert_pools_work (fx->manager);
}

static void
test_order_shm_twice (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *other = zcp_test_unique_name ("twice");
  gpointer base = zcp_mem_pool_allocator_get_base_address (fx->allocator);

  g_assert_null (zcp_mem_pool_allocator_initialize_shared_memory (fx->allocator, other, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_WRONG_ORDER);
  g_assert_false (zcp_test_shm_exists (other));
  g_assert_true (zcp_mem_pool_allocator_get_base_address (fx->allocator) == base);
  assert_pools_work (fx->manager);
}

static void
test_order_pools_twice (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  ZcpChunk *held = zcp_mem_pool_manager_get_chunk (fx->manager, 100);

  g_assert_nonnull (held);
  g_assert_false (zcp_mem_pool_allocator_initialize_mem_pools (fx->allocator, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_WRONG_ORDER);
  /* A second layout would have wiped the chunk we hold. */
  g_assert_true (zcp_mem_pool_allocator_get_manager (fx->allocator) == fx->manager);
  g_assert_cmpuint (zcp_chunk_get_ref_count (held), ==, 1);
  zcp_mem_pool_manager_release_chunk (fx->manager, held);
  assert_pools_work (fx->manager);
}

static void
test_order_instance_before_init (void)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = zcp_test_unique_name ("early");

  g_assert_true (zcp_mem_pool_config_add_entry (config, 64, 4, &error));
  allocator = zcp_mem_pool_allocator_new (config);
  g_assert_null (zcp_mem_pool_manager_get_instance_if_initialized ());
  g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (allocator, name, &error));
  g_assert_no_error (error);
  g_assert_null (zcp_mem_pool_manager_get_instance_if_initialized ());
  g_assert_true (zcp_mem_pool_allocator_initialize_mem_pools (allocator, &error));
  g_assert_no_error (error);
  g_assert_nonnull (zcp_mem_pool_manager_get_instance_if_initialized ());
  assert_pools_work (zcp_mem_pool_manager_get_instance_if_initialized ());
  g_assert_finalize_object (g_steal_pointer (&allocator));
  g_assert_null (zcp_mem_pool_manager_get_instance_if_initialized ());
  g_assert_false (zcp_test_shm_exists (name));
}

/* ------------------------------------------------------------------------ */
/* Releases and references of things that are not chunks in use              */

static void
test_release_null (ZcpFixture *fx, gconstpointer data)
{
  g_test_expect_message ("Zcp", G_LOG_LEVEL_CRITICAL, "*chunk != NULL*");
  zcp_mem_pool_manager_release_chunk (fx->manager, NULL);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Zcp", G_LOG_LEVEL_CRITICAL, "*chunk != NULL*");
  zcp_chunk_unref (NULL);
  g_test_assert_expected_messages ();

  assert_pools_work (fx->manager);
}

static void
test_release_twice (ZcpFixture *fx, gconstpointer data)
{
  ZcpChunk *chunk = zcp_mem_pool_manager_get_chunk (fx->manager, 1000);
  ZcpChunk *other;
  ZcpMemPoolStats stats;

  g_assert_nonnull (chunk);
  zcp_mem_pool_manager_release_chunk (fx->manager, chunk);

  zcp_test_expect_critical ("*is not in use (released twice?)*");
  zcp_mem_pool_manager_release_chunk (fx->manager, chunk);
  zcp_test_assert_critical_seen ();

  zcp_test_expect_critical ("*is not in use (released twice?)*");
  zcp_chunk_unref (chunk);
  zcp_test_assert_critical_seen ();

  /* The double release changed nothing: the chunk is on the free list once,
   * so two gets give two different chunks. */
  g_assert_true (zcp_mem_pool_manager_get_pool_stats (fx->manager, 1, &stats));
  g_assert_cmpuint (stats.used, ==, 0);
  chunk = zcp_mem_pool_manager_get_chunk (fx->manager, 1000);
  other = zcp_mem_pool_manager_get_chunk (fx->manager, 1000);
  g_assert_true (chunk != other);
  zcp_mem_pool_manager_release_chunk (fx->manager, chunk);
  zcp_mem_pool_manager_release_chunk (fx->manager, other);
  assert_pools_work (fx->manager);
}

static void
test_release_heap_pointer (ZcpFixture *fx, gconstpointer data)
{
  g_autofree guint8 *heap = g_malloc0 (256);

  zcp_test_expect_critical ("*is not a chunk of shared memory*");
  zcp_mem_pool_manager_release_chunk (fx->manager, (ZcpChunk *) heap);
  zcp_test_assert_critical_seen ();

  zcp_test_expect_critical ("*is not in any shared memory attached by this process*");
  zcp_chunk_unref ((ZcpChunk *) heap);
  zcp_test_assert_critical_seen ();

  zcp_test_expect_critical ("*is not in any shared memory attached by this process*");
  g_assert_null (zcp_chunk_ref ((ZcpChunk *) heap));
  zcp_test_assert_critical_seen ();

  /* Untouched. */
  for (guint i = 0; i < 256; i++)
    g_assert_cmpuint (heap[i], ==, 0);
  assert_pools_work (fx->manager);
}

static void
test_release_other_segment (ZcpFixture *fx, gconstpointer data)
{
  static const guint64 pairs[] = { 256, 8, 0 };
  ZcpFixture other = { 0 };
  ZcpChunk *foreign;

  zcp_fixture_setup (&other, pairs);
  foreign = zcp_mem_pool_manager_get_chunk (other.manager, 256);
  g_assert_nonnull (foreign);

  zcp_test_expect_critical ("*is not a chunk of shared memory*");
  zcp_mem_pool_manager_release_chunk (fx->manager, foreign);
  zcp_test_assert_critical_seen ();

  /* Still held in its own segment, and released there. */
  g_assert_cmpuint (zcp_chunk_get_ref_count (foreign), ==, 1);
  zcp_mem_pool_manager_release_chunk (other.manager, foreign);
  assert_pools_work (other.manager);
  zcp_fixture_teardown (&other, NULL);
  assert_pools_work (fx->manager);
}

static void
test_release_middle_of_chunk (ZcpFixture *fx, gconstpointer data)
{
  ZcpChunk *chunk = zcp_mem_pool_manager_get_chunk (fx->manager, 4096);
  guint8 *middle;

  g_assert_nonnull (chunk);
  middle = (guint8 *) zcp_chunk_get_data (chunk) + 100;

  zcp_test_expect_critical ("*but not at its start*");
  zcp_mem_pool_manager_release_chunk (fx->manager, (ZcpChunk *) middle);
  zcp_test_assert_critical_seen ();

  zcp_test_expect_critical ("*but not at its start*");
  zcp_chunk_unref ((ZcpChunk *) middle);
  zcp_test_assert_critical_seen ();

  g_assert_cmpuint (zcp_chunk_get_ref_count (chunk), ==, 1);
  zcp_mem_pool_manager_release_chunk (fx->manager, chunk);
  assert_pools_work (fx->manager);
}

static void
test_release_segment_header (ZcpFixture *fx, gconstpointer data)
{
  /* Inside the mapping but before the first pool: the header itself. */
  ZcpChunk *header = zcp_mem_pool_manager_get_base_address (fx->manager);

  zcp_test_expect_critical ("*is not a chunk of shared memory*");
  zcp_chunk_unref (header);
  zcp_test_assert_critical_seen ();
  assert_pools_work (fx->manager);
}

static void
test_ref_free_chunk (ZcpFixture *fx, gconstpointer data)
{
  ZcpChunk *chunk = zcp_mem_pool_manager_get_chunk (fx->manager, 64);

  zcp_mem_pool_manager_release_chunk (fx->manager, chunk);
  zcp_test_expect_critical ("*is not in use*");
  g_assert_null (zcp_chunk_ref (chunk));
  zcp_test_assert_critical_seen ();
  assert_pools_work (fx->manager);
}

static void
test_ref_overflow (ZcpFixture *fx, gconstpointer data)
{
  ZcpChunk *chunk = zcp_mem_pool_manager_get_chunk (fx->manager, 64);

  for (guint i = 1; i < 0xffff; i++)
    g_assert_true (zcp_chunk_ref (chunk) == chunk);
  g_assert_cmpuint (zcp_chunk_get_ref_count (chunk), ==, 0xffff);

  zcp_test_expect_critical ("*has too many references*");
  g_assert_null (zcp_chunk_ref (chunk));
  zcp_test_assert_critical_seen ();
  g_assert_cmpuint (zcp_chunk_get_ref_count (chunk), ==, 0xffff);

  for (guint i = 0; i < 0xffff; i++)
    zcp_chunk_unref (chunk);
  assert_pools_work (fx->manager);
}

static void
test_release_read_only (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(ZcpMemPoolManager) reader = NULL;
  g_autoptr(GError) error = NULL;
  ZcpChunk *chunk = zcp_mem_pool_manager_get_chunk (fx->manager, 64);
  guint64 handle = zcp_mem_pool_manager_get_chunk_handle (fx->manager, chunk);
  ZcpChunk *mine;

  reader = zcp_mem_pool_manager_open (fx->name, ZCP_OPEN_FLAGS_READ_ONLY, 0, &error);
  g_assert_no_error (error);

  g_assert_null (zcp_mem_pool_manager_try_get_chunk (reader, 64, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_READ_ONLY);
  g_clear_error (&error);
  g_assert_null (zcp_mem_pool_manager_chunk_from_handle (reader, handle, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_READ_ONLY);
  g_clear_error (&error);
  g_assert_cmpuint (zcp_mem_pool_manager_reclaim_dead (reader, &error), ==, 0);
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_READ_ONLY);
  g_clear_error (&error);

  mine = (ZcpChunk *) zcp_mem_pool_manager_lookup_handle (reader, handle, NULL, &error);
  g_assert_no_error (error);
  g_test_expect_message ("Zcp", G_LOG_LEVEL_CRITICAL, "*read_only*");
  zcp_mem_pool_manager_release_chunk (reader, mine);
  g_test_assert_expected_messages ();

  g_assert_cmpuint (zcp_chunk_get_ref_count (chunk), ==, 1);
  zcp_mem_pool_manager_release_chunk (fx->manager, chunk);
  assert_pools_work (fx->manager);
}

/* ------------------------------------------------------------------------ */
/* Use after the allocator is finalized                                      */

static void
test_use_after_finalize (void)
{
  static const guint64 pairs[] = { 128, 4, 0 };
  ZcpFixture fx = { 0 };
  ZcpChunk *stale;

  zcp_fixture_setup (&fx, pairs);
  stale = zcp_mem_pool_manager_get_chunk (fx.manager, 128);
  g_assert_nonnull (stale);
  fx.keeps_chunks = TRUE;  /* stale, on purpose */
  zcp_fixture_teardown (&fx, NULL);

  /* The mapping is gone: the library must not touch it. */
  g_assert_null (zcp_mem_pool_manager_get_instance_if_initialized ());
  zcp_test_expect_critical ("*is not in any shared memory attached by this process*");
  zcp_chunk_unref (stale);
  zcp_test_assert_critical_seen ();
  zcp_test_expect_critical ("*is not in any shared memory attached by this process*");
  g_assert_null (zcp_chunk_ref (stale));
  zcp_test_assert_critical_seen ();
}

static void
test_manager_outlives_allocator (void)
{
  static const guint64 pairs[] = { 128, 4, 0 };
  ZcpFixture fx = { 0 };
  ZcpMemPoolManager *manager;

  zcp_fixture_setup (&fx, pairs);
  manager = g_object_ref (fx.manager);
  /* Unlinks the segment; our reference keeps the mapping. */
  zcp_fixture_teardown (&fx, NULL);
  assert_pools_work (manager);
  g_assert_finalize_object (manager);
}

/* ------------------------------------------------------------------------ */
/* Handles and gets                                                          */

static void
test_handle_out_of_range (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (zcp_mem_pool_manager_chunk_from_handle (fx->manager, G_MAXUINT64, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_INVALID_HANDLE);
  g_clear_error (&error);
  g_assert_null (zcp_mem_pool_manager_chunk_from_handle (fx->manager, 0, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_INVALID_HANDLE);
  assert_pools_work (fx->manager);
}

static void
test_handle_misaligned (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  ZcpChunk *chunk = zcp_mem_pool_manager_get_chunk (fx->manager, 64);
  guint64 handle = zcp_mem_pool_manager_get_chunk_handle (fx->manager, chunk);

  g_assert_cmpuint (handle, !=, 0);
  g_assert_null (zcp_mem_pool_manager_chunk_from_handle (fx->manager, handle + 8, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_INVALID_HANDLE);
  zcp_mem_pool_manager_release_chunk (fx->manager, chunk);
  assert_pools_work (fx->manager);
}

static void
test_handle_of_free_chunk (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  ZcpChunk *chunk = zcp_mem_pool_manager_get_chunk (fx->manager, 64);
  guint64 handle = zcp_mem_pool_manager_get_chunk_handle (fx->manager, chunk);

  zcp_mem_pool_manager_release_chunk (fx->manager, chunk);
  g_assert_null (zcp_mem_pool_manager_chunk_from_handle (fx->manager, handle, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_INVALID_HANDLE);
  g_clear_error (&error);
  g_assert_null (zcp_mem_pool_manager_lookup_handle (fx->manager, handle, NULL, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_INVALID_HANDLE);
  assert_pools_work (fx->manager);
}

static void
test_get_too_large (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (zcp_mem_pool_manager_try_get_chunk (fx->manager, 4097, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_NO_FITTING_POOL);
  g_clear_error (&error);
  g_assert_null (zcp_mem_pool_manager_try_get_chunk (fx->manager, G_MAXSIZE, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_NO_FITTING_POOL);
  assert_pools_work (fx->manager);
}

static void
test_get_exhausted (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) held = g_ptr_array_new ();
  ZcpMemPoolStats stats;

  for (guint i = 0; i < 200; i++)
    g_ptr_array_add (held, zcp_mem_pool_manager_get_chunk (fx->manager, 4096));
  g_assert_false (g_ptr_array_find (held, NULL, NULL));
  g_assert_null (zcp_mem_pool_manager_try_get_chunk (fx->manager, 4096, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_POOL_EXHAUSTED);
  g_assert_true (zcp_mem_pool_manager_get_pool_stats (fx->manager, 2, &stats));
  g_assert_cmpuint (stats.free, ==, 0);
  g_assert_cmpuint (stats.failed_gets, ==, 1);
  for (guint i = 0; i < held->len; i++)
    zcp_mem_pool_manager_release_chunk (fx->manager, held->pdata[i]);
  assert_pools_work (fx->manager);
}

/* ------------------------------------------------------------------------ */
/* Attaching to things that are not (valid) zerocp segments                  */

/* Creates a shared-memory object holding exactly data[0..len). */
static char *
make_object (const char    *tag,
             gconstpointer  data,
             gsize          len)
{
  char *name = zcp_test_unique_name (tag);
  int fd = shm_open (name, O_RDWR | O_CREAT | O_EXCL, 0600);

  g_assert_cmpint (fd, >=, 0);
  if (len > 0)
    g_assert_cmpint (write (fd, data, len), ==, (gssize) len);
  close (fd);

  return name;
}

/* A copy of the fixture's segment, for tampering with. */
static guint8 *
copy_segment (ZcpFixture *fx,
              gsize      *len)
{
  void *copy = NULL;

  /* Aligned like the segment itself (its descriptors are 64-byte aligned
   * types), and freeable with g_free(). */
  *len = zcp_mem_pool_manager_get_memory_size (fx->manager);
  g_assert_cmpint (posix_memalign (&copy, 4096, *len), ==, 0);
  memcpy (copy, zcp_mem_pool_manager_get_base_address (fx->manager), *len);
  return copy;
}

static void
check_attach_fails (ZcpFixture    *fx,
                    const char    *tag,
                    gconstpointer  data,
                    gsize          len,
                    gint           code)
{
  g_autofree char *name = make_object (tag, data, len);
  g_autoptr(ZcpMemPoolManager) opened = NULL;
  g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
  g_autoptr(GError) error = NULL;

  opened = zcp_mem_pool_manager_open (name, ZCP_OPEN_FLAGS_NONE, 0, &error);
  g_assert_null (opened);
  g_assert_error (error, ZCP_SHM_ERROR, code);
  g_clear_error (&error);

  opened = zcp_mem_pool_manager_open (name, ZCP_OPEN_FLAGS_READ_ONLY, 0, &error);
  g_assert_null (opened);
  g_assert_error (error, ZCP_SHM_ERROR, code);
  g_clear_error (&error);

  /* Through the allocator's open-existing mode as well. */
  allocator = zcp_mem_pool_allocator_new_with_mode (fx->config, ZCP_SHM_OPEN_MODE_OPEN_EXISTING);
  g_assert_null (zcp_mem_pool_allocator_initialize_shared_memory (allocator, name, &error));
  g_assert_error (error, ZCP_SHM_ERROR, code);

  g_assert_cmpint (shm_unlink (name), ==, 0);
  assert_pools_work (fx->manager);
}

static void
test_attach_garbage (ZcpFixture *fx, gconstpointer data)
{
  g_autofree guint32 *junk = g_new (guint32, 4096);

  for (guint i = 0; i < 4096; i++)
    junk[i] = g_random_int () | 1;
  check_attach_fails (fx, "garbage", junk, 4096 * sizeof (guint32), ZCP_SHM_ERROR_NOT_ZEROCP);
}

static void
test_attach_tiny (ZcpFixture *fx, gconstpointer data)
{
  check_attach_fails (fx, "tiny", "ZERO", 4, ZCP_SHM_ERROR_TRUNCATED);
}

static void
test_attach_empty (ZcpFixture *fx, gconstpointer data)
{
  check_attach_fails (fx, "empty", NULL, 0, ZCP_SHM_ERROR_NOT_READY);
}

static void
test_attach_header_only (ZcpFixture *fx, gconstpointer data)
{
  gsize len;
  g_autofree guint8 *copy = copy_segment (fx, &len);

  /* The magic is right, but the object ends inside the header. */
  check_attach_fails (fx, "hdr", copy, 100, ZCP_SHM_ERROR_TRUNCATED);
}

static void
test_attach_truncated (ZcpFixture *fx, gconstpointer data)
{
  gsize len;
  g_autofree guint8 *copy = copy_segment (fx, &len);

  check_attach_fails (fx, "trunc", copy, len / 2, ZCP_SHM_ERROR_TRUNCATED);
}

static void
test_attach_other_version (ZcpFixture *fx, gconstpointer data)
{
  gsize len;
  g_autofree guint8 *copy = copy_segment (fx, &len);

  ((ZcpSegmentHeader *) (void *) copy)->layout_version = ZCP_SEGMENT_LAYOUT_VERSION + 1;
  check_attach_fails (fx, "version", copy, len, ZCP_SHM_ERROR_VERSION_MISMATCH);
}

static void
test_attach_not_ready (ZcpFixture *fx, gconstpointer data)
{
  gsize len;
  g_autofree guint8 *copy = copy_segment (fx, &len);

  ((ZcpSegmentHeader *) (void *) copy)->ready = 0;
  check_attach_fails (fx, "notready", copy, len, ZCP_SHM_ERROR_NOT_READY);
}

static void
test_attach_corrupt_descriptor (ZcpFixture *fx, gconstpointer data)
{
  gsize len;
  g_autofree guint8 *copy = copy_segment (fx, &len);
  ZcpSegmentHeader *header = (ZcpSegmentHeader *) (void *) copy;
  ZcpPoolDescriptor *descs = (ZcpPoolDescriptor *) (void *) (copy + header->pools_offset);

  /* The last pool's payload would run past the end of the segment. */
  descs[header->pool_count - 1].chunk_count += 1000;
  check_attach_fails (fx, "corrupt", copy, len, ZCP_SHM_ERROR_CORRUPT);
}

static void
test_attach_too_many_processes (ZcpFixture *fx, gconstpointer data)
{
  gsize len;
  g_autofree guint8 *copy = copy_segment (fx, &len);
  ZcpSegmentHeader *header = (ZcpSegmentHeader *) (void *) copy;
  ZcpProcessSlot *table = (ZcpProcessSlot *) (void *) (copy + header->processes_offset);
  g_autofree char *name = NULL;
  g_autoptr(ZcpMemPoolManager) opened = NULL;
  g_autoptr(GError) error = NULL;

  /* Every slot taken by a live process (this one). */
  for (guint i = 0; i < ZCP_SEGMENT_MAX_PROCESSES; i++)
    table[i].pid = (guint32) getpid ();
  name = make_object ("full", copy, len);

  opened = zcp_mem_pool_manager_open (name, ZCP_OPEN_FLAGS_NONE, 0, &error);
  g_assert_null (opened);
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_TOO_MANY_PROCESSES);
  g_clear_error (&error);

  /* A reader needs no slot. */
  opened = zcp_mem_pool_manager_open (name, ZCP_OPEN_FLAGS_READ_ONLY, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (opened);

  g_assert_cmpint (shm_unlink (name), ==, 0);
  assert_pools_work (fx->manager);
}

static void
test_attach_config_mismatch (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (zcp_mem_pool_config_add_entry (config, 256, 999, &error));
  allocator = zcp_mem_pool_allocator_new_with_mode (config, ZCP_SHM_OPEN_MODE_OPEN_EXISTING);
  g_assert_null (zcp_mem_pool_allocator_initialize_shared_memory (allocator, fx->name, &error));
  g_assert_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_CONFIG_MISMATCH);
  g_assert_true (zcp_test_shm_exists (fx->name));
  assert_pools_work (fx->manager);
}

static void
test_create_exclusive_exists (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
  g_autoptr(GError) error = NULL;

  allocator = zcp_mem_pool_allocator_new_with_mode (fx->config, ZCP_SHM_OPEN_MODE_EXCLUSIVE_CREATE);
  g_assert_null (zcp_mem_pool_allocator_initialize_shared_memory (allocator, fx->name, &error));
  g_assert_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_ALREADY_EXISTS);
  g_clear_object (&allocator);
  /* The failed allocator did not unlink the segment it did not create. */
  g_assert_true (zcp_test_shm_exists (fx->name));
  assert_pools_work (fx->manager);
}

/* ------------------------------------------------------------------------ */
/* The operating system says no.  Each case runs in a forked child, which    */
/* exits 0 (passed), 77 (cannot be tested here) or dies (failed).            */

#define CHILD_SKIP 77

static void
run_in_child (void (*func) (ZcpFixture *fx),
              ZcpFixture *fx,
              const char *skip_message)
{
  pid_t pid;
  int status;

  fflush (stdout);
  fflush (stderr);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      func (fx);
      _exit (0);
    }

  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  if (WIFEXITED (status) && WEXITSTATUS (status) == CHILD_SKIP)
    {
      g_test_skip (skip_message);
      return;
    }
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_error ("child failed: %s %d", WIFSIGNALED (status) ? "signal" : "exit status",
             WIFSIGNALED (status) ? WTERMSIG (status) : WEXITSTATUS (status));
}

static void
drop_privileges_or_skip (void)
{
  struct passwd *nobody = getpwnam ("nobody");

  if (geteuid () != 0 || nobody == NULL || nobody->pw_uid == 0)
    _exit (CHILD_SKIP);
  if (setgroups (0, NULL) != 0 || setgid (nobody->pw_gid) != 0 || setuid (nobody->pw_uid) != 0)
    _exit (CHILD_SKIP);
  g_assert_cmpuint (geteuid (), ==, nobody->pw_uid);
}

static void
child_permission_open (ZcpFixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ZcpMemPoolManager) opened = NULL;

  drop_privileges_or_skip ();

  opened = zcp_mem_pool_manager_open (fx->name, ZCP_OPEN_FLAGS_NONE, 0, &error);
  g_assert_null (opened);
  g_assert_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);

  opened = zcp_mem_pool_manager_open (fx->name, ZCP_OPEN_FLAGS_READ_ONLY, 0, &error);
  g_assert_null (opened);
  g_assert_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_PERMISSION_DENIED);
}

static void
test_permission_open (ZcpFixture *fx, gconstpointer data)
{
  guint64 id = zcp_mem_pool_manager_get_segment_id (fx->manager);

  run_in_child (child_permission_open, fx, "cannot switch to user nobody (not root?)");
  g_assert_cmpuint (zcp_mem_pool_manager_get_segment_id (fx->manager), ==, id);
  assert_pools_work (fx->manager);
}

static void
child_permission_purge (ZcpFixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ZcpMemPoolAllocator) allocator = NULL;

  drop_privileges_or_skip ();

  /* Purge-and-create must not remove another user's segment. */
  allocator = zcp_mem_pool_allocator_new (fx->config);
  g_assert_null (zcp_mem_pool_allocator_initialize_shared_memory (allocator, fx->name, &error));
  g_assert_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_PERMISSION_DENIED);
}

static void
test_permission_purge (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(ZcpMemPoolManager) again = NULL;
  g_autoptr(GError) error = NULL;
  guint64 id = zcp_mem_pool_manager_get_segment_id (fx->manager);

  run_in_child (child_permission_purge, fx, "cannot switch to user nobody (not root?)");

  /* The name still names our segment. */
  again = zcp_mem_pool_manager_open (fx->name, ZCP_OPEN_FLAGS_READ_ONLY, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (zcp_mem_pool_manager_get_segment_id (again), ==, id);
  assert_pools_work (fx->manager);
}

static void
child_shm_full (ZcpFixture *fx)
{
  g_autoptr(ZcpMemPoolConfig) big = zcp_mem_pool_config_new ();
  g_autoptr(ZcpMemPoolConfig) small = zcp_mem_pool_config_new ();
  g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = zcp_test_unique_name ("full");

  /* A private mount namespace with a 2 MiB /dev/shm: nothing outside this
   * child sees it, and it goes away with the child. */
  if (unshare (CLONE_NEWNS) != 0 ||
      mount ("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
      mount ("zcp-test", "/dev/shm", "tmpfs", 0, "size=2m,mode=1777") != 0)
    _exit (CHILD_SKIP);

  g_assert_true (zcp_mem_pool_config_add_entry (big, 4096, 2048, &error)); /* 8 MiB */
  g_assert_no_error (error);
  allocator = zcp_mem_pool_allocator_new (big);
  g_assert_null (zcp_mem_pool_allocator_initialize_shared_memory (allocator, name, &error));
  g_assert_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_NO_SPACE);
  g_clear_error (&error);
  g_assert_false (zcp_test_shm_exists (name));
  g_clear_object (&allocator);

  /* What fits still works, touched to the last page (no SIGBUS). */
  g_assert_true (zcp_mem_pool_config_add_entry (small, 4096, 256, &error)); /* 1 MiB */
  allocator = zcp_mem_pool_allocator_new (small);
  g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (allocator, name, &error));
  g_assert_no_error (error);
  g_assert_true (zcp_mem_pool_allocator_initialize_mem_pools (allocator, &error));
  g_assert_no_error (error);
  {
    ZcpMemPoolManager *m = zcp_mem_pool_allocator_get_manager (allocator);
    ZcpChunk *chunks[256];

    for (guint i = 0; i < 256; i++)
      {
        chunks[i] = zcp_mem_pool_manager_get_chunk (m, 4096);
        g_assert_nonnull (chunks[i]);
        memset (chunks[i], 0xee, 4096);
      }
    for (guint i = 0; i < 256; i++)
      zcp_mem_pool_manager_release_chunk (m, chunks[i]);
    assert_pools_work (m);
  }
  g_assert_finalize_object (g_steal_pointer (&allocator));
  g_assert_false (zcp_test_shm_exists (name));
}

static void
test_shm_full (ZcpFixture *fx, gconstpointer data)
{
  run_in_child (child_shm_full, fx, "unshare -m and mounting a tmpfs are not permitted here");
  assert_pools_work (fx->manager);
}

static void
child_out_of_fds (ZcpFixture *fx)
{
  g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
  g_autoptr(ZcpMemPoolManager) opened = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = zcp_test_unique_name ("nofd");
  struct rlimit saved, low;
  int lowest;

  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &saved), ==, 0);

  /* Fill every descriptor below the new limit. */
  lowest = dup (0);
  g_assert_cmpint (lowest, >=, 0);
  close (lowest);
  low = saved;
  low.rlim_cur = (rlim_t) lowest;
  if (setrlimit (RLIMIT_NOFILE, &low) != 0)
    _exit (CHILD_SKIP);

  allocator = zcp_mem_pool_allocator_new (fx->config);
  g_assert_null (zcp_mem_pool_allocator_initialize_shared_memory (allocator, name, &error));
  g_assert_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_TOO_MANY_FILES);
  g_clear_error (&error);
#ifdef HAVE_VALGRIND_H
  /* valgrind applies its own descriptor limit after the kernel's open()
   * has created the file, then closes it and says EMFILE: an object that
   * a real EMFILE never leaves behind. */
  if (RUNNING_ON_VALGRIND && zcp_test_shm_exists (name))
    shm_unlink (name);
#endif
  g_assert_false (zcp_test_shm_exists (name));

  opened = zcp_mem_pool_manager_open (fx->name, ZCP_OPEN_FLAGS_NONE, 0, &error);
  g_assert_null (opened);
  g_assert_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_TOO_MANY_FILES);
  g_clear_error (&error);

  /* The mapping we have needs no descriptor: our pools still work. */
  assert_pools_work (fx->manager);

  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &saved), ==, 0);
  opened = zcp_mem_pool_manager_open (fx->name, ZCP_OPEN_FLAGS_NONE, 0, &error);
  g_assert_no_error (error);
  assert_pools_work (opened);
}

static void
test_out_of_fds (ZcpFixture *fx, gconstpointer data)
{
  run_in_child (child_out_of_fds, fx, "cannot lower RLIMIT_NOFILE here");
  assert_pools_work (fx->manager);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_summary ("Bad input of every kind is refused with a GError or a critical, "
                  "and the pools keep working");
  zcp_test_count_criticals ();

  FIXTURE_TEST ("/zcp/bad-input/name/empty", test_name_empty);
  FIXTURE_TEST ("/zcp/bad-input/name/null", test_name_null);
  FIXTURE_TEST ("/zcp/bad-input/name/no-leading-slash", test_name_no_slash);
  FIXTURE_TEST ("/zcp/bad-input/name/embedded-slash", test_name_embedded_slash);
  FIXTURE_TEST ("/zcp/bad-input/name/only-slash", test_name_only_slash);
  FIXTURE_TEST ("/zcp/bad-input/name/too-long", test_name_too_long);
  FIXTURE_TEST ("/zcp/bad-input/name/not-utf8", test_name_not_utf8);
  FIXTURE_TEST ("/zcp/bad-input/name/control-char", test_name_control_char);
  FIXTURE_TEST ("/zcp/bad-input/name/does-not-exist", test_open_nonexistent);

  FIXTURE_TEST ("/zcp/bad-input/config/size-zero", test_config_size_zero);
  FIXTURE_TEST ("/zcp/bad-input/config/size-too-large", test_config_size_too_large);
  FIXTURE_TEST ("/zcp/bad-input/config/count-zero", test_config_count_zero);
  FIXTURE_TEST ("/zcp/bad-input/config/count-too-large", test_config_count_too_large);
  FIXTURE_TEST ("/zcp/bad-input/config/size-count-overflow", test_config_size_count_overflow);
  FIXTURE_TEST ("/zcp/bad-input/config/total-overflow", test_config_total_overflow);
  FIXTURE_TEST ("/zcp/bad-input/config/total-beyond-memory", test_config_total_beyond_memory);
  FIXTURE_TEST ("/zcp/bad-input/config/too-many-pools", test_config_too_many_pools);
  FIXTURE_TEST ("/zcp/bad-input/config/duplicate-size", test_config_duplicate_size);
  FIXTURE_TEST ("/zcp/bad-input/config/empty", test_config_empty);
  FIXTURE_TEST ("/zcp/bad-input/config/sealed", test_config_sealed);

  FIXTURE_TEST ("/zcp/bad-input/order/pools-before-shm", test_order_pools_before_shm);
  FIXTURE_TEST ("/zcp/bad-input/order/shm-twice", test_order_shm_twice);
  FIXTURE_TEST ("/zcp/bad-input/order/pools-twice", test_order_pools_twice);
  g_test_add_func ("/zcp/bad-input/order/instance-before-init", test_order_instance_before_init);

  FIXTURE_TEST ("/zcp/bad-input/release/null", test_release_null);
  FIXTURE_TEST ("/zcp/bad-input/release/twice", test_release_twice);
  FIXTURE_TEST ("/zcp/bad-input/release/heap-pointer", test_release_heap_pointer);
  FIXTURE_TEST ("/zcp/bad-input/release/other-segment", test_release_other_segment);
  FIXTURE_TEST ("/zcp/bad-input/release/middle-of-chunk", test_release_middle_of_chunk);
  FIXTURE_TEST ("/zcp/bad-input/release/segment-header", test_release_segment_header);
  FIXTURE_TEST ("/zcp/bad-input/release/read-only", test_release_read_only);
  FIXTURE_TEST ("/zcp/bad-input/ref/free-chunk", test_ref_free_chunk);
  FIXTURE_TEST ("/zcp/bad-input/ref/overflow", test_ref_overflow);

  g_test_add_func ("/zcp/bad-input/finalized/use-after-finalize", test_use_after_finalize);
  g_test_add_func ("/zcp/bad-input/finalized/manager-outlives-allocator", test_manager_outlives_allocator);

  FIXTURE_TEST ("/zcp/bad-input/handle/out-of-range", test_handle_out_of_range);
  FIXTURE_TEST ("/zcp/bad-input/handle/misaligned", test_handle_misaligned);
  FIXTURE_TEST ("/zcp/bad-input/handle/free-chunk", test_handle_of_free_chunk);
  FIXTURE_TEST ("/zcp/bad-input/get/too-large", test_get_too_large);
  FIXTURE_TEST ("/zcp/bad-input/get/exhausted", test_get_exhausted);

  FIXTURE_TEST ("/zcp/bad-input/attach/garbage", test_attach_garbage);
  FIXTURE_TEST ("/zcp/bad-input/attach/tiny", test_attach_tiny);
  FIXTURE_TEST ("/zcp/bad-input/attach/empty", test_attach_empty);
  FIXTURE_TEST ("/zcp/bad-input/attach/header-only", test_attach_header_only);
  FIXTURE_TEST ("/zcp/bad-input/attach/truncated", test_attach_truncated);
  FIXTURE_TEST ("/zcp/bad-input/attach/other-version", test_attach_other_version);
  FIXTURE_TEST ("/zcp/bad-input/attach/not-ready", test_attach_not_ready);
  FIXTURE_TEST ("/zcp/bad-input/attach/corrupt-descriptor", test_attach_corrupt_descriptor);
  FIXTURE_TEST ("/zcp/bad-input/attach/too-many-processes", test_attach_too_many_processes);
  FIXTURE_TEST ("/zcp/bad-input/attach/config-mismatch", test_attach_config_mismatch);
  FIXTURE_TEST ("/zcp/bad-input/attach/exclusive-exists", test_create_exclusive_exists);

  FIXTURE_TEST ("/zcp/bad-input/os/permission-denied-open", test_permission_open);
  FIXTURE_TEST ("/zcp/bad-input/os/permission-denied-purge", test_permission_purge);
  FIXTURE_TEST ("/zcp/bad-input/os/shm-full", test_shm_full);
  FIXTURE_TEST ("/zcp/bad-input/os/out-of-fds", test_out_of_fds);

  return g_test_run ();
}
