/* zcp-test-common.c: glue shared by zerocp's own C tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "zcp-test-common.h"

char *
zcp_test_unique_name (const char *tag)
{
  return zcp_test_make_name (tag);
}

gboolean
zcp_test_shm_exists (const char *name)
{
  g_autofree char *path = g_strconcat ("/dev/shm", name, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

void
zcp_fixture_setup (ZcpFixture *seg,
                        const guint64  *pairs)
{
  g_autoptr(GError) error = NULL;

  seg->name = zcp_test_unique_name ("seg");
  seg->config = zcp_mem_pool_config_new ();
  for (const guint64 *p = pairs; p[0] != 0; p += 2)
    {
      zcp_mem_pool_config_add_entry (seg->config, p[0], (guint32) p[1], &error);
      g_assert_no_error (error);
    }

  seg->allocator = zcp_mem_pool_allocator_new (seg->config);
  g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (seg->allocator, seg->name, &error));
  g_assert_no_error (error);
  g_assert_true (zcp_mem_pool_allocator_initialize_mem_pools (seg->allocator, &error));
  g_assert_no_error (error);
  seg->manager = zcp_mem_pool_allocator_get_manager (seg->allocator);
  g_assert_nonnull (seg->manager);
}

void
zcp_fixture_setup_spec (ZcpFixture *seg,
                             gconstpointer   user_data)
{
  static const guint64 spec[] = { 256, 1000, 1024, 500, 4096, 200, 0 };

  zcp_fixture_setup (seg, user_data != NULL ? user_data : spec);
}

void
zcp_fixture_teardown (ZcpFixture *seg,
                           gconstpointer   user_data)
{
  /* A test may have replaced the allocator (and so dropped the manager). */
  if (!seg->keeps_chunks && seg->manager != NULL &&
      zcp_mem_pool_allocator_get_manager (seg->allocator) == seg->manager)
    zcp_assert_all_chunks_free (seg->manager);
  g_assert_finalize_object (seg->allocator);
  g_clear_object (&seg->config);
  g_assert_false (zcp_test_shm_exists (seg->name));
  g_clear_pointer (&seg->name, g_free);
  seg->manager = NULL;
}
