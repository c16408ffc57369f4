/* test-config-file.c: configuration files, fallback, prefault and mlock
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "zcp-test-common.h"

/* ------------------------------------------------------------------------ */
/* Parsing                                                                   */

static void
test_parse (void)
{
  static const char text[] =
    "# Pools for a camera pipeline\n"
    "\n"
    "[pool frames]\n"
    "chunk-size = 4 MiB\n"
    "chunk-count=16\n"
    "\n"
    "  # indented comment\n"
    "[segment]\n"
    "permissions=0640\n"
    "fallback=true\n"
    "prefault=1\n"
    "mlock=false\n"
    "\n"
    "[pool small]\n"
    "chunk-size=256B\n"
    "chunk-count=1000\n"
    "[pool]\n"
    "chunk-count=7\n"
    "chunk-size=1kB\n";
  g_autoptr(ZcpMemPoolConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  config = zcp_mem_pool_config_new_from_data (text, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (config);

  /* Ascending chunk size, whatever the order in the file. */
  g_assert_cmpuint (zcp_mem_pool_config_get_n_entries (config), ==, 3);
  g_assert_cmpuint (zcp_mem_pool_config_get_chunk_size (config, 0), ==, 256);
  g_assert_cmpuint (zcp_mem_pool_config_get_chunk_count (config, 0), ==, 1000);
  g_assert_cmpuint (zcp_mem_pool_config_get_chunk_size (config, 1), ==, 1000);
  g_assert_cmpuint (zcp_mem_pool_config_get_chunk_count (config, 1), ==, 7);
  g_assert_cmpuint (zcp_mem_pool_config_get_chunk_size (config, 2), ==, 4 << 20);
  g_assert_cmpuint (zcp_mem_pool_config_get_chunk_count (config, 2), ==, 16);

  g_assert_cmpuint (zcp_mem_pool_config_get_permissions (config), ==, 0640);
  g_assert_true (zcp_mem_pool_config_get_fallback (config));
  g_assert_true (zcp_mem_pool_config_get_prefault (config));
  g_assert_false (zcp_mem_pool_config_get_mlock (config));
  g_assert_false (zcp_mem_pool_config_is_sealed (config));
}

static void
test_defaults (void)
{
  g_autoptr(ZcpMemPoolConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  config = zcp_mem_pool_config_new_from_data ("[pool a]\nchunk-size=64\nchunk-count=2\n", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (zcp_mem_pool_config_get_n_entries (config), ==, 1);
  g_assert_cmpuint (zcp_mem_pool_config_get_chunk_size (config, 0), ==, 64);
  g_assert_cmpuint (zcp_mem_pool_config_get_permissions (config), ==, ZCP_MEM_POOL_DEFAULT_PERMISSIONS);
  g_assert_false (zcp_mem_pool_config_get_fallback (config));
  g_assert_false (zcp_mem_pool_config_get_prefault (config));
  g_assert_false (zcp_mem_pool_config_get_mlock (config));

  /* No pool at all is valid text; the allocator refuses to use it. */
  g_clear_object (&config);
  config = zcp_mem_pool_config_new_from_data ("# nothing\n", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (zcp_mem_pool_config_get_n_entries (config), ==, 0);
}

static void
test_units (void)
{
  static const struct {
    const char *text;
    guint64 bytes;
  } good[] = {
    { "1", 1 },
    { "512B", 512 },
    { "512 b", 512 },
    { "4KiB", 4096 },
    { "4kib", 4096 },
    { "4\tKiB", 4096 },
    { "3MiB", 3 << 20 },
    { "2GiB", G_GUINT64_CONSTANT (2) << 30 },
    { "1TiB", G_GUINT64_CONSTANT (1) << 40 },
    { "5kB", 5000 },
    { "5KB", 5000 },
    { "2MB", 2000000 },
    { "1GB", 1000000000 },
  };
  static const char *const bad[] = {
    "", "KiB", "-1", "1.5KiB", "4K", "4 M", "4 KiBs", "0x10", "4 KiB extra",
    "99999999999999999999", "20000000TiB",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *text = g_strdup_printf ("[pool x]\nchunk-size=%s\nchunk-count=1\n", good[i].text);
      g_autoptr(ZcpMemPoolConfig) config = NULL;
      g_autoptr(GError) error = NULL;

      config = zcp_mem_pool_config_new_from_data (text, -1, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (zcp_mem_pool_config_get_chunk_size (config, 0), ==, good[i].bytes);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *text = g_strdup_printf ("[pool x]\nchunk-size=%s\nchunk-count=1\n", bad[i]);
      g_autoptr(ZcpMemPoolConfig) config = NULL;
      g_autoptr(GError) error = NULL;

      config = zcp_mem_pool_config_new_from_data (text, -1, &error);
      g_test_message ("“%s”: %s", bad[i], error != NULL ? error->message : "accepted");
      g_assert_null (config);
      g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_PARSE);
      g_assert_true (g_str_has_prefix (error->message, "line 2: "));
      g_assert_nonnull (strstr (error->message, "chunk-size"));
    }
}

/* Every error names the line and the key (or the group). */
static void
test_errors (void)
{
  static const struct {
    const char *text;
    int code;
    guint line;
    const char *needle;     /* must appear in the message */
  } cases[] = {
    /* syntax */
    { "[pool a]\nchunk-size=1\nchunk-count=1\nthis is not a key\n", ZCP_MEM_POOL_ERROR_PARSE, 4, "this is not a key" },
    { "chunk-size=1\n[pool a]\n", ZCP_MEM_POOL_ERROR_PARSE, 1, "chunk-size" },
    { "\n\n[pool a\nchunk-size=1\n", ZCP_MEM_POOL_ERROR_PARSE, 3, "[pool a" },
    { "[pool a]\n=5\n", ZCP_MEM_POOL_ERROR_PARSE, 2, "=5" },
    /* repeated groups and keys, which GKeyFile would merge silently */
    { "[pool a]\nchunk-size=1\nchunk-count=1\n\n[pool a]\nchunk-size=2\nchunk-count=1\n", ZCP_MEM_POOL_ERROR_PARSE, 5, "first at line 1" },
    { "[pool a]\nchunk-size=1\nchunk-count=1\nchunk-size=2\n", ZCP_MEM_POOL_ERROR_PARSE, 4, "chunk-size" },
    /* unknown groups and keys: typos are not ignored */
    { "[segment]\nfallback=true\n[pools a]\nchunk-size=1\n", ZCP_MEM_POOL_ERROR_PARSE, 3, "[pools a]" },
    { "[pool a]\nchunk-size=1\nchunk_count=1\n", ZCP_MEM_POOL_ERROR_PARSE, 3, "chunk_count" },
    { "[segment]\nfalback=true\n", ZCP_MEM_POOL_ERROR_PARSE, 2, "falback" },
    /* missing keys: the line of the group */
    { "# c\n[pool a]\nchunk-size=1\n", ZCP_MEM_POOL_ERROR_PARSE, 2, "chunk-count" },
    { "[pool a]\nchunk-count=1\n", ZCP_MEM_POOL_ERROR_PARSE, 1, "chunk-size" },
    /* values */
    { "[pool a]\nchunk-size=1\nchunk-count=ten\n", ZCP_MEM_POOL_ERROR_PARSE, 3, "chunk-count" },
    { "[pool a]\nchunk-size=1\nchunk-count=4294967296\n", ZCP_MEM_POOL_ERROR_PARSE, 3, "chunk-count" },
    { "[segment]\npermissions=0800\n", ZCP_MEM_POOL_ERROR_PARSE, 2, "permissions" },
    { "[segment]\npermissions=1777\n", ZCP_MEM_POOL_ERROR_PARSE, 2, "permissions" },
    { "[segment]\n\nmlock=yes\n", ZCP_MEM_POOL_ERROR_PARSE, 3, "mlock" },
    { "[segment]\nprefault=\n", ZCP_MEM_POOL_ERROR_PARSE, 2, "prefault" },
    /* add_entry()'s checks keep their codes, at the line of the key */
    { "[pool a]\nchunk-size=0\nchunk-count=1\n", ZCP_MEM_POOL_ERROR_INVALID_CHUNK_SIZE, 2, "chunk-size" },
    { "[pool a]\nchunk-size=2TiB\nchunk-count=1\n", ZCP_MEM_POOL_ERROR_INVALID_CHUNK_SIZE, 2, "chunk-size" },
    { "[pool a]\nchunk-size=8\nchunk-count=0\n", ZCP_MEM_POOL_ERROR_INVALID_CHUNK_COUNT, 3, "chunk-count" },
    { "[pool a]\nchunk-size=1KiB\nchunk-count=1\n[pool b]\nchunk-count=2\nchunk-size=1024B\n", ZCP_MEM_POOL_ERROR_DUPLICATE_SIZE, 6, "[pool b]" },
    { "[pool a]\nchunk-size=1TiB\nchunk-count=4294967294\n", ZCP_MEM_POOL_ERROR_OVERFLOW, 1, "[pool a]" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ZcpMemPoolConfig) config = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *prefix = g_strdup_printf ("line %u: ", cases[i].line);

      config = zcp_mem_pool_config_new_from_data (cases[i].text, -1, &error);
      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, error != NULL ? error->message : "accepted");
      g_assert_null (config);
      g_assert_error (error, ZCP_MEM_POOL_ERROR, cases[i].code);
      g_assert_true (g_str_has_prefix (error->message, prefix));
      g_assert_nonnull (strstr (error->message, cases[i].needle));
    }
}

static void
test_bad_bytes (void)
{
  static const char nul[] = "[pool a]\nchunk-size=1\0\nchunk-count=1\n";
  g_autoptr(ZcpMemPoolConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  config = zcp_mem_pool_config_new_from_data (nul, sizeof nul - 1, &error);
  g_assert_null (config);
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_PARSE);
  g_assert_true (g_str_has_prefix (error->message, "line 2: "));
  g_clear_error (&error);

  config = zcp_mem_pool_config_new_from_data ("# ok\n[pool \xff]\nchunk-size=1\n", -1, &error);
  g_assert_null (config);
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_PARSE);
  g_assert_true (g_str_has_prefix (error->message, "line 2: "));
  g_clear_error (&error);

  /* CRLF line ends are fine. */
  config = zcp_mem_pool_config_new_from_data ("[pool a]\r\nchunk-size=2KiB\r\nchunk-count=3\r\n", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (zcp_mem_pool_config_get_chunk_size (config, 0), ==, 2048);
}

static void
test_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ZcpMemPoolConfig) config = NULL;
  g_autofree char *path = NULL;
  g_autofree char *prefix = NULL;
  int fd;

  fd = g_file_open_tmp ("zcp-test-config-XXXXXX.conf", &path, &error);
  g_assert_no_error (error);
  close (fd);

  g_assert_true (g_file_set_contents (path, "[segment]\nmlock=true\n\n[pool a]\nchunk-size=1KiB\nchunk-count=9\n", -1, &error));
  g_assert_no_error (error);
  config = zcp_mem_pool_config_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_true (zcp_mem_pool_config_get_mlock (config));
  g_assert_cmpuint (zcp_mem_pool_config_get_chunk_count (config, 0), ==, 9);
  g_clear_object (&config);

  /* Errors from a file start with FILE:LINE. */
  g_assert_true (g_file_set_contents (path, "[pool a]\nchunk-size=1KiB\nchunk-count=many\n", -1, &error));
  config = zcp_mem_pool_config_new_from_file (path, &error);
  g_assert_null (config);
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_PARSE);
  prefix = g_strdup_printf ("%s:3: ", path);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  g_assert_nonnull (strstr (error->message, "“chunk-count”"));
  g_assert_nonnull (strstr (error->message, "“many”"));
  g_clear_error (&error);

  g_assert_cmpint (g_unlink (path), ==, 0);
  config = zcp_mem_pool_config_new_from_file (path, &error);
  g_assert_null (config);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

/* ------------------------------------------------------------------------ */
/* Writing                                                                   */

static void
assert_round_trip (ZcpMemPoolConfig *config)
{
  g_autofree char *text = zcp_mem_pool_config_to_string (config);
  g_autofree char *again = NULL;
  g_autoptr(ZcpMemPoolConfig) parsed = NULL;
  g_autoptr(GError) error = NULL;

  parsed = zcp_mem_pool_config_new_from_data (text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (zcp_mem_pool_config_equal (config, parsed));
  g_assert_true (zcp_mem_pool_config_equal (parsed, config));

  again = zcp_mem_pool_config_to_string (parsed);
  g_assert_cmpstr (text, ==, again);
}

static void
test_to_string (void)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  zcp_mem_pool_config_add_entry (config, 4096, 200, &error);
  zcp_mem_pool_config_add_entry (config, 1000, 3, &error);
  zcp_mem_pool_config_add_entry (config, 256, 1000, &error);
  zcp_mem_pool_config_add_entry (config, 3 << 20, 2, &error);
  g_assert_no_error (error);
  zcp_mem_pool_config_set_permissions (config, 0660, &error);
  zcp_mem_pool_config_set_mlock (config, TRUE, &error);
  g_assert_no_error (error);

  text = zcp_mem_pool_config_to_string (config);
  g_assert_cmpstr (text, ==,
                   "[segment]\n"
                   "permissions=0660\n"
                   "fallback=false\n"
                   "prefault=false\n"
                   "mlock=true\n"
                   "thread-cache=true\n"
                   "\n"
                   "[pool 0]\n"
                   "chunk-size=256B\n"
                   "chunk-count=1000\n"
                   "\n"
                   "[pool 1]\n"
                   "chunk-size=1000B\n"
                   "chunk-count=3\n"
                   "\n"
                   "[pool 2]\n"
                   "chunk-size=4KiB\n"
                   "chunk-count=200\n"
                   "\n"
                   "[pool 3]\n"
                   "chunk-size=3MiB\n"
                   "chunk-count=2\n");
  assert_round_trip (config);

  /* An empty configuration round-trips too. */
  g_clear_object (&config);
  config = zcp_mem_pool_config_new ();
  assert_round_trip (config);
}

static void
test_round_trip_random (void)
{
  for (int round = 0; round < 200; round++)
    {
      g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
      guint n = (guint) g_test_rand_int_range (0, ZCP_MEM_POOL_MAX_POOLS + 1);

      for (guint i = 0; i < n; i++)
        {
          /* Sizes of every shape: odd bytes, exact KiB/MiB/GiB multiples. */
          guint64 size = (guint64) g_test_rand_int_range (1, 5000) << (10 * g_test_rand_int_range (0, 4));
          guint32 count = (guint32) g_test_rand_int_range (1, 1000);

          /* Duplicates and overflows are refused; skip those. */
          zcp_mem_pool_config_add_entry (config, size, count, NULL);
        }
      zcp_mem_pool_config_set_permissions (config, (guint) g_test_rand_int_range (0, 0777 + 1), NULL);
      zcp_mem_pool_config_set_fallback (config, g_test_rand_bit (), NULL);
      zcp_mem_pool_config_set_prefault (config, g_test_rand_bit (), NULL);
      zcp_mem_pool_config_set_mlock (config, g_test_rand_bit (), NULL);

      assert_round_trip (config);
    }
}

static void
test_equal (void)
{
  g_autoptr(ZcpMemPoolConfig) a = zcp_mem_pool_config_new ();
  g_autoptr(ZcpMemPoolConfig) b = zcp_mem_pool_config_new ();

  g_assert_true (zcp_mem_pool_config_equal (a, b));
  zcp_mem_pool_config_add_entry (a, 64, 2, NULL);
  g_assert_false (zcp_mem_pool_config_equal (a, b));
  zcp_mem_pool_config_add_entry (b, 64, 3, NULL);
  g_assert_false (zcp_mem_pool_config_equal (a, b));

  g_clear_object (&b);
  b = zcp_mem_pool_config_new ();
  zcp_mem_pool_config_add_entry (b, 64, 2, NULL);
  g_assert_true (zcp_mem_pool_config_equal (a, b));
  zcp_mem_pool_config_set_prefault (b, TRUE, NULL);
  g_assert_false (zcp_mem_pool_config_equal (a, b));
  zcp_mem_pool_config_set_prefault (b, FALSE, NULL);
  zcp_mem_pool_config_set_mlock (b, TRUE, NULL);
  g_assert_false (zcp_mem_pool_config_equal (a, b));
}

static void
test_sealed_options (void)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
  g_autoptr(GError) error = NULL;

  zcp_mem_pool_config_add_entry (config, 64, 2, NULL);
  allocator = zcp_mem_pool_allocator_new (config);

  g_assert_false (zcp_mem_pool_config_set_prefault (config, TRUE, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_SEALED);
  g_clear_error (&error);
  g_assert_false (zcp_mem_pool_config_set_mlock (config, TRUE, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_SEALED);
  g_assert_false (zcp_mem_pool_config_get_prefault (config));
  g_assert_false (zcp_mem_pool_config_get_mlock (config));
}

/* ------------------------------------------------------------------------ */
/* Fallback to the next larger pool                                          */

typedef struct
{
  char *name;
  ZcpMemPoolAllocator *allocator;
  ZcpMemPoolManager *manager;  /* (unowned) */
} Segment;

static void
segment_create (Segment    *seg,
                const char *text)
{
  g_autoptr(ZcpMemPoolConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  config = zcp_mem_pool_config_new_from_data (text, -1, &error);
  g_assert_no_error (error);

  seg->name = zcp_test_unique_name ("cfgfile");
  seg->allocator = zcp_mem_pool_allocator_new (config);
  g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (seg->allocator, seg->name, &error));
  g_assert_no_error (error);
  g_assert_true (zcp_mem_pool_allocator_initialize_mem_pools (seg->allocator, &error));
  g_assert_no_error (error);
  seg->manager = zcp_mem_pool_allocator_get_manager (seg->allocator);
}

static void
segment_destroy (Segment *seg)
{
  g_assert_finalize_object (seg->allocator);
  g_assert_false (zcp_test_shm_exists (seg->name));
  g_free (seg->name);
}

static guint
pool_used (ZcpMemPoolManager *manager,
           guint              pool)
{
  ZcpMemPoolStats stats;

  g_assert_true (zcp_mem_pool_manager_get_pool_stats (manager, pool, &stats));
  return stats.used;
}

static void
test_fallback (gconstpointer user_data)
{
  gboolean fallback = GPOINTER_TO_INT (user_data);
  g_autofree char *text = g_strdup_printf ("[segment]\nfallback=%s\n"
                                           "[pool small]\nchunk-size=64B\nchunk-count=2\n"
                                           "[pool middle]\nchunk-size=1KiB\nchunk-count=1\n"
                                           "[pool big]\nchunk-size=4KiB\nchunk-count=1\n",
                                           fallback ? "true" : "false");
  g_autoptr(GError) error = NULL;
  ZcpChunk *small[2], *extra, *extra2, *big, *none;
  ZcpMemPoolStats stats;
  Segment seg;

  segment_create (&seg, text);

  small[0] = zcp_mem_pool_manager_get_chunk (seg.manager, 64);
  small[1] = zcp_mem_pool_manager_get_chunk (seg.manager, 10);
  g_assert_nonnull (small[0]);
  g_assert_nonnull (small[1]);
  g_assert_cmpuint (pool_used (seg.manager, 0), ==, 2);

  /* The small pool is empty now. */
  extra = zcp_mem_pool_manager_try_get_chunk (seg.manager, 64, &error);
  if (fallback)
    {
      g_assert_no_error (error);
      g_assert_nonnull (extra);
      /* It came from the next larger pool, and is as large as its chunks. */
      g_assert_cmpuint (pool_used (seg.manager, 0), ==, 2);
      g_assert_cmpuint (pool_used (seg.manager, 1), ==, 1);
      g_assert_cmpuint (zcp_chunk_get_size (extra), ==, 1024);

      /* The middle pool is empty too: the one after it. */
      extra2 = zcp_mem_pool_manager_get_chunk (seg.manager, 1);
      g_assert_nonnull (extra2);
      g_assert_cmpuint (pool_used (seg.manager, 2), ==, 1);

      /* Everything is in use: the get fails and says which pool. */
      none = zcp_mem_pool_manager_try_get_chunk (seg.manager, 64, &error);
      g_assert_null (none);
      g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_POOL_EXHAUSTED);
      g_clear_error (&error);

      /* A release makes the chunk available to its own pool again. */
      zcp_mem_pool_manager_release_chunk (seg.manager, extra);
      zcp_mem_pool_manager_release_chunk (seg.manager, extra2);
      g_assert_cmpuint (pool_used (seg.manager, 1), ==, 0);
      g_assert_cmpuint (pool_used (seg.manager, 2), ==, 0);
    }
  else
    {
      g_assert_null (extra);
      g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_POOL_EXHAUSTED);
      g_clear_error (&error);
      g_assert_cmpuint (pool_used (seg.manager, 1), ==, 0);
      g_assert_null (zcp_mem_pool_manager_get_chunk (seg.manager, 64));
    }

  /* Every refused best fit counts as a failed get of the small pool. */
  g_assert_true (zcp_mem_pool_manager_get_pool_stats (seg.manager, 0, &stats));
  g_assert_cmpuint (stats.failed_gets, ==, fallback ? 3 : 2);

  /* Never downwards: with the big pool empty, a big get fails even though
   * smaller pools have chunks. */
  zcp_mem_pool_manager_release_chunk (seg.manager, small[0]);
  big = zcp_mem_pool_manager_get_chunk (seg.manager, 4096);
  g_assert_nonnull (big);
  none = zcp_mem_pool_manager_try_get_chunk (seg.manager, 4096, &error);
  g_assert_null (none);
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_POOL_EXHAUSTED);
  g_assert_cmpuint (pool_used (seg.manager, 0), ==, 1);

  zcp_mem_pool_manager_release_chunk (seg.manager, big);
  zcp_mem_pool_manager_release_chunk (seg.manager, small[1]);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (pool_used (seg.manager, i), ==, 0);

  segment_destroy (&seg);
}

/* Another process attached to the segment falls back the same way: the
 * setting lives in the segment. */
static void
test_fallback_attached (void)
{
  g_autoptr(ZcpMemPoolManager) other = NULL;
  g_autoptr(GError) error = NULL;
  ZcpChunk *a, *b;
  Segment seg;

  segment_create (&seg, "[segment]\nfallback=true\n"
                        "[pool a]\nchunk-size=64\nchunk-count=1\n"
                        "[pool b]\nchunk-size=128\nchunk-count=1\n");

  other = zcp_mem_pool_manager_open (seg.name, ZCP_OPEN_FLAGS_NONE, 0, &error);
  g_assert_no_error (error);

  a = zcp_mem_pool_manager_get_chunk (other, 64);
  b = zcp_mem_pool_manager_get_chunk (other, 64);
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpuint (pool_used (seg.manager, 1), ==, 1);
  zcp_mem_pool_manager_release_chunk (other, a);
  zcp_mem_pool_manager_release_chunk (other, b);

  g_assert_finalize_object (g_steal_pointer (&other));
  segment_destroy (&seg);
}

/* ------------------------------------------------------------------------ */
/* Prefault and mlock                                                        */

/* A field (in kB) of the /proc/self/smaps entry of the mapping at base. */
static guint64
smaps_field_kb (gconstpointer  base,
                const char    *field)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean in_mapping = FALSE;
  gsize field_len = strlen (field);

  g_assert_true (g_file_get_contents ("/proc/self/smaps", &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      unsigned long long start, end;

      if (sscanf (lines[i], "%llx-%llx ", &start, &end) == 2 && strchr (lines[i], ':') != NULL &&
          g_ascii_isxdigit (lines[i][0]))
        {
          in_mapping = start == (unsigned long long) (guintptr) base;
          continue;
        }
      if (in_mapping && strncmp (lines[i], field, field_len) == 0 && lines[i][field_len] == ':')
        return g_ascii_strtoull (lines[i] + field_len + 1, NULL, 10);
    }

  g_assert_not_reached ();
}

static void
test_prefault (void)
{
  /* 4 MiB of payload that nothing writes while laying the segment out. */
  static const char plain[] = "[pool a]\nchunk-size=64KiB\nchunk-count=64\n";
  static const char prefault[] = "[segment]\nprefault=true\n[pool a]\nchunk-size=64KiB\nchunk-count=64\n";
  guint64 size_kb, rss_plain, rss_prefault;
  Segment seg;

  segment_create (&seg, plain);
  size_kb = zcp_mem_pool_manager_get_memory_size (seg.manager) / 1024;
  rss_plain = smaps_field_kb (zcp_mem_pool_manager_get_base_address (seg.manager), "Rss");
  segment_destroy (&seg);

  segment_create (&seg, prefault);
  rss_prefault = smaps_field_kb (zcp_mem_pool_manager_get_base_address (seg.manager), "Rss");
  segment_destroy (&seg);

  g_test_message ("segment %" G_GUINT64_FORMAT " kB: resident %" G_GUINT64_FORMAT
                  " kB plain, %" G_GUINT64_FORMAT " kB prefaulted", size_kb, rss_plain, rss_prefault);
  g_assert_cmpuint (rss_plain, <, size_kb / 2);
  /* Every page, up to the last partial one. */
  g_assert_cmpuint (rss_prefault, >=, size_kb);
}

static void
test_mlock (void)
{
  /* Small enough for any default RLIMIT_MEMLOCK (64 KiB at least). */
  static const char text[] = "[segment]\nmlock=true\n[pool a]\nchunk-size=1KiB\nchunk-count=16\n";
  guint64 size_kb, locked;
  Segment seg;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  /* ASan's and TSan's runtimes replace mlock() with a no-op: nothing can be
   * locked to measure. */
  g_test_skip ("mlock() is a no-op under AddressSanitizer and ThreadSanitizer");
  return;
#endif

  segment_create (&seg, text);
  size_kb = zcp_mem_pool_manager_get_memory_size (seg.manager) / 1024;
  locked = smaps_field_kb (zcp_mem_pool_manager_get_base_address (seg.manager), "Locked");
  g_test_message ("segment %" G_GUINT64_FORMAT " kB, locked %" G_GUINT64_FORMAT " kB", size_kb, locked);
  g_assert_cmpuint (locked, >=, size_kb);
  segment_destroy (&seg);
}

/* Drops CAP_IPC_LOCK, which would let root lock memory beyond the limit. */
static void
drop_ipc_lock_capability (void)
{
  struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

  g_assert_cmpint (syscall (SYS_capget, &header, data), ==, 0);
  data[CAP_TO_INDEX (CAP_IPC_LOCK)].effective &= ~CAP_TO_MASK (CAP_IPC_LOCK);
  data[CAP_TO_INDEX (CAP_IPC_LOCK)].permitted &= ~CAP_TO_MASK (CAP_IPC_LOCK);
  data[CAP_TO_INDEX (CAP_IPC_LOCK)].inheritable &= ~CAP_TO_MASK (CAP_IPC_LOCK);
  g_assert_cmpint (syscall (SYS_capset, &header, data), ==, 0);
}

static char *
mlock_refused_name (int parent_pid)
{
  return g_strdup_printf ("/zcp-test-mlock-refused-%d", parent_pid);
}

static void
test_mlock_refused (void)
{
  g_autofree char *name = NULL;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  /* The sanitizers' mlock() succeeds without locking: nothing is refused. */
  g_test_skip ("mlock() is a no-op under AddressSanitizer and ThreadSanitizer");
  return;
#endif

  if (g_test_subprocess ())
    {
      static const char text[] = "[segment]\nmlock=true\n[pool a]\nchunk-size=1KiB\nchunk-count=16\n";
      struct rlimit limit = { 0, 0 };
      g_autoptr(ZcpMemPoolConfig) config = NULL;
      g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
      g_autoptr(GError) error = NULL;
      ZcpMemPoolManager *manager;
      ZcpChunk *chunk;

      /* The refusal is a warning: keep it from aborting this process. */
      g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

      g_assert_cmpint (setrlimit (RLIMIT_MEMLOCK, &limit), ==, 0);
      drop_ipc_lock_capability ();

      name = mlock_refused_name ((int) getppid ());
      config = zcp_mem_pool_config_new_from_data (text, -1, &error);
      g_assert_no_error (error);
      allocator = zcp_mem_pool_allocator_new (config);
      g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (allocator, name, &error));
      g_assert_no_error (error);
      g_assert_true (zcp_mem_pool_allocator_initialize_mem_pools (allocator, &error));
      g_assert_no_error (error);

      /* Nothing is locked, and the pools work. */
      manager = zcp_mem_pool_allocator_get_manager (allocator);
      g_assert_cmpuint (smaps_field_kb (zcp_mem_pool_manager_get_base_address (manager), "Locked"), ==, 0);
      chunk = zcp_mem_pool_manager_get_chunk (manager, 100);
      g_assert_nonnull (chunk);
      zcp_mem_pool_manager_release_chunk (manager, chunk);

      g_assert_finalize_object (g_steal_pointer (&allocator));
      g_assert_false (zcp_test_shm_exists (name));
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  name = mlock_refused_name ((int) getpid ());
  if (zcp_test_shm_exists (name))
    {
      g_autofree char *path = g_strconcat ("/dev/shm", name, NULL);

      g_unlink (path);
    }
  g_test_trap_assert_passed ();
  /* (The quotes around the name depend on the locale's charset.) */
  g_test_trap_assert_stderr ("*WARNING*Cannot lock shared memory */zcp-test-mlock-refused-* (* bytes) in RAM*RLIMIT_MEMLOCK is 0 bytes*");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_summary ("Configuration files, the fallback, prefault and mlock options");

  g_test_add_func ("/zcp/config-file/parse", test_parse);
  g_test_add_func ("/zcp/config-file/defaults", test_defaults);
  g_test_add_func ("/zcp/config-file/units", test_units);
  g_test_add_func ("/zcp/config-file/errors", test_errors);
  g_test_add_func ("/zcp/config-file/bad-bytes", test_bad_bytes);
  g_test_add_func ("/zcp/config-file/file", test_file);
  g_test_add_func ("/zcp/config-file/to-string", test_to_string);
  g_test_add_func ("/zcp/config-file/round-trip", test_round_trip_random);
  g_test_add_func ("/zcp/config-file/equal", test_equal);
  g_test_add_func ("/zcp/config-file/sealed-options", test_sealed_options);
  g_test_add_data_func ("/zcp/config-file/fallback/on", GINT_TO_POINTER (TRUE), test_fallback);
  g_test_add_data_func ("/zcp/config-file/fallback/off", GINT_TO_POINTER (FALSE), test_fallback);
  g_test_add_func ("/zcp/config-file/fallback/attached", test_fallback_attached);
  g_test_add_func ("/zcp/config-file/prefault", test_prefault);
  g_test_add_func ("/zcp/config-file/mlock", test_mlock);
  g_test_add_func ("/zcp/config-file/mlock-refused", test_mlock_refused);

  return g_test_run ();
}
