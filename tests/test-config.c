/* test-config.c: ZcpMemPoolConfig validation and ordering
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <locale.h>

#include "zcp-test-common.h"

static void
test_config_empty (void)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  guint64 size = 1;
  guint32 count = 1;

  g_assert_cmpuint (zcp_mem_pool_config_get_n_entries (config), ==, 0);
  g_assert_false (zcp_mem_pool_config_get_entry (config, 0, &size, &count));
  g_assert_cmpuint (size, ==, 1);
  g_assert_cmpuint (count, ==, 1);
  g_assert_cmpuint (zcp_mem_pool_config_get_memory_size (config), ==, 0);
  g_assert_false (zcp_mem_pool_config_is_sealed (config));
  g_assert_cmpuint (zcp_mem_pool_config_get_permissions (config), ==, 0600);
  g_assert_false (zcp_mem_pool_config_get_fallback (config));
}

static void
test_config_ascending (void)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(GError) error = NULL;
  static const guint64 sizes[] = { 4096, 256, 65536, 1024, 1 };
  static const guint32 counts[] = { 200, 1000, 3, 500, 7 };
  static const guint64 expected_sizes[] = { 1, 256, 1024, 4096, 65536 };
  static const guint32 expected_counts[] = { 7, 1000, 500, 200, 3 };
  guint n_entries = 0;

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_assert_true (zcp_mem_pool_config_add_entry (config, sizes[i], counts[i], &error));
      g_assert_no_error (error);
    }

  g_object_get (config, "n-entries", &n_entries, NULL);
  g_assert_cmpuint (n_entries, ==, G_N_ELEMENTS (sizes));

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      guint64 size;
      guint32 count;

      g_assert_true (zcp_mem_pool_config_get_entry (config, i, &size, &count));
      g_assert_cmpuint (size, ==, expected_sizes[i]);
      g_assert_cmpuint (count, ==, expected_counts[i]);
      g_assert_cmpuint (zcp_mem_pool_config_get_chunk_size (config, i), ==, expected_sizes[i]);
      g_assert_cmpuint (zcp_mem_pool_config_get_chunk_count (config, i), ==, expected_counts[i]);
    }

  g_assert_cmpuint (zcp_mem_pool_config_get_chunk_size (config, 99), ==, 0);
  g_assert_cmpuint (zcp_mem_pool_config_get_chunk_count (config, 99), ==, 0);
}

static void
assert_add_fails (ZcpMemPoolConfig *config,
                  guint64           size,
                  guint32           count,
                  ZcpMemPoolError   code)
{
  g_autoptr(GError) error = NULL;
  guint before = zcp_mem_pool_config_get_n_entries (config);

  g_assert_false (zcp_mem_pool_config_add_entry (config, size, count, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, (gint) code);
  g_assert_nonnull (error->message);
  g_assert_cmpstr (error->message, !=, "");
  g_assert_cmpuint (zcp_mem_pool_config_get_n_entries (config), ==, before);
}

static void
test_config_invalid (void)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(GError) error = NULL;

  assert_add_fails (config, 0, 10, ZCP_MEM_POOL_ERROR_INVALID_CHUNK_SIZE);
  assert_add_fails (config, ZCP_MEM_POOL_MAX_CHUNK_SIZE + 1, 1, ZCP_MEM_POOL_ERROR_INVALID_CHUNK_SIZE);
  assert_add_fails (config, 256, 0, ZCP_MEM_POOL_ERROR_INVALID_CHUNK_COUNT);
  assert_add_fails (config, 256, G_MAXUINT32, ZCP_MEM_POOL_ERROR_INVALID_CHUNK_COUNT);
  /* 2^40 × (2^32 − 2) overflows 64 bits. */
  assert_add_fails (config, ZCP_MEM_POOL_MAX_CHUNK_SIZE, ZCP_MEM_POOL_MAX_CHUNK_COUNT,
                    ZCP_MEM_POOL_ERROR_OVERFLOW);
  /* 2^40 × 2^23 = 2^63 bytes: beyond the address space, no 64-bit overflow. */
  assert_add_fails (config, ZCP_MEM_POOL_MAX_CHUNK_SIZE, 1u << 23, ZCP_MEM_POOL_ERROR_OVERFLOW);

  /* Each fits alone, but not both together. */
  g_assert_true (zcp_mem_pool_config_add_entry (config, ZCP_MEM_POOL_MAX_CHUNK_SIZE, 1u << 22, &error));
  g_assert_no_error (error);
  /* 2^62 + (2^62 + 2^39) bytes > 2^63 − 1, though each pool fits alone. */
  assert_add_fails (config, ZCP_MEM_POOL_MAX_CHUNK_SIZE / 2, (1u << 23) + 1, ZCP_MEM_POOL_ERROR_OVERFLOW);

  assert_add_fails (config, ZCP_MEM_POOL_MAX_CHUNK_SIZE, 5, ZCP_MEM_POOL_ERROR_DUPLICATE_SIZE);
}

static void
test_config_duplicate (void)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(GError) error = NULL;

  /* The original ZeroCP's default configuration listed 1024 twice. */
  g_assert_true (zcp_mem_pool_config_add_entry (config, 1024, 10, &error));
  assert_add_fails (config, 1024, 20, ZCP_MEM_POOL_ERROR_DUPLICATE_SIZE);
  g_assert_cmpuint (zcp_mem_pool_config_get_chunk_count (config, 0), ==, 10);
}

static void
test_config_too_many (void)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < ZCP_MEM_POOL_MAX_POOLS; i++)
    {
      g_assert_true (zcp_mem_pool_config_add_entry (config, 64 * (i + 1), 1, &error));
      g_assert_no_error (error);
    }

  assert_add_fails (config, 1, 1, ZCP_MEM_POOL_ERROR_TOO_MANY_POOLS);
  g_assert_cmpuint (zcp_mem_pool_config_get_n_entries (config), ==, ZCP_MEM_POOL_MAX_POOLS);
}

static void
test_config_sealed (void)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(ZcpMemPoolAllocator) a1 = NULL;
  g_autoptr(ZcpMemPoolAllocator) a2 = NULL;
  g_autoptr(GError) error = NULL;
  gboolean sealed = FALSE;

  g_assert_true (zcp_mem_pool_config_add_entry (config, 256, 4, &error));
  g_assert_true (zcp_mem_pool_config_set_permissions (config, 0640, &error));
  g_assert_no_error (error);

  a1 = zcp_mem_pool_allocator_new (config);
  g_assert_true (zcp_mem_pool_config_is_sealed (config));
  g_object_get (config, "sealed", &sealed, NULL);
  g_assert_true (sealed);

  assert_add_fails (config, 512, 4, ZCP_MEM_POOL_ERROR_SEALED);

  g_assert_false (zcp_mem_pool_config_set_permissions (config, 0600, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_SEALED);
  g_clear_error (&error);
  g_assert_cmpuint (zcp_mem_pool_config_get_permissions (config), ==, 0640);

  g_assert_false (zcp_mem_pool_config_set_fallback (config, TRUE, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_SEALED);
  g_clear_error (&error);

  /* Several allocators share one sealed configuration. */
  a2 = zcp_mem_pool_allocator_new (config);
  g_assert_true (zcp_mem_pool_allocator_get_config (a1) == config);
  g_assert_true (zcp_mem_pool_allocator_get_config (a2) == config);
  g_assert_cmpuint (zcp_mem_pool_allocator_get_memory_size (a1), ==,
                    zcp_mem_pool_allocator_get_memory_size (a2));
}

static void
test_config_bad_permissions (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();

      g_assert_false (zcp_mem_pool_config_set_permissions (config, 01777, NULL));
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*permissions <= 0777*");
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  guint *n = user_data;

  (*n)++;
}

static void
test_config_notify (void)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  guint notified = 0;

  g_signal_connect (config, "notify", G_CALLBACK (count_notify), &notified);

  g_assert_true (zcp_mem_pool_config_set_permissions (config, 0600, NULL)); /* unchanged */
  g_assert_cmpuint (notified, ==, 0);
  g_assert_true (zcp_mem_pool_config_set_permissions (config, 0660, NULL));
  g_assert_cmpuint (notified, ==, 1);
  g_assert_true (zcp_mem_pool_config_add_entry (config, 64, 1, NULL));
  g_assert_cmpuint (notified, ==, 2); /* n-entries */
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/zcp/config/empty", test_config_empty);
  g_test_add_func ("/zcp/config/ascending", test_config_ascending);
  g_test_add_func ("/zcp/config/invalid", test_config_invalid);
  g_test_add_func ("/zcp/config/duplicate", test_config_duplicate);
  g_test_add_func ("/zcp/config/too-many", test_config_too_many);
  g_test_add_func ("/zcp/config/sealed", test_config_sealed);
  g_test_add_func ("/zcp/config/bad-permissions", test_config_bad_permissions);
  g_test_add_func ("/zcp/config/notify", test_config_notify);

  return g_test_run ();
}
