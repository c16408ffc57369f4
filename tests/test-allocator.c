/* test-allocator.c: ZcpMemPoolAllocator: sizes, call order, names, cleanup
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <fcntl.h>
#include <locale.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zcp-test-common.h"

/* ------------------------------------------------------------------------ */
/* Captured Info lines of the Zcp domain                                     */

static GPtrArray *info_lines;

static GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  const char *domain = NULL, *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
    }

  if ((log_level & G_LOG_LEVEL_INFO) && g_strcmp0 (domain, "Zcp") == 0 && message != NULL)
    {
      g_ptr_array_add (info_lines, g_strdup (message));
      return G_LOG_WRITER_HANDLED;
    }

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static void
assert_logged (const char *pattern)
{
  for (guint i = 0; i < info_lines->len; i++)
    if (g_pattern_match_simple (pattern, g_ptr_array_index (info_lines, i)))
      return;

  for (guint i = 0; i < info_lines->len; i++)
    g_printerr ("# logged: %s\n", (char *) g_ptr_array_index (info_lines, i));
  g_error ("no Info line matches “%s”", pattern);
}

/* ------------------------------------------------------------------------ */

static guint64
align64 (guint64 v)
{
  return (v + 63) & ~G_GUINT64_CONSTANT (63);
}

/* The documented layout, computed independently of the library: a 128-byte
 * header, 192 bytes per pool descriptor, a 256-entry process table of 16
 * bytes, 64 thread-cache records of 128 bytes, then per pool 8 bytes per chunk and the chunks, each region
 * starting on a 64-byte boundary and each chunk rounded up to 64 bytes. */
static guint64
documented_size (const guint64 *pairs)
{
  guint64 n = 0, off;

  for (const guint64 *p = pairs; p[0] != 0; p += 2)
    n++;

  off = 128 + n * 192 + 256 * 16 + 64 * 128;
  for (const guint64 *p = pairs; p[0] != 0; p += 2)
    {
      off = align64 (off) + 8 * p[1];
      off = align64 (off) + align64 (p[0]) * p[1];
    }

  return off;
}

static ZcpMemPoolConfig *
config_from_pairs (const guint64 *pairs)
{
  ZcpMemPoolConfig *config = zcp_mem_pool_config_new ();

  for (const guint64 *p = pairs; p[0] != 0; p += 2)
    g_assert_true (zcp_mem_pool_config_add_entry (config, p[0], (guint32) p[1], NULL));

  return config;
}

static void
test_allocator_memory_size (void)
{
  static const guint64 spec[] = { 256, 1000, 1024, 500, 4096, 200, 0 };
  static const guint64 odd[] = { 1, 1, 100, 3, 65, 2, 1000, 10, 0 };
  static const guint64 big[] = { 1024, 1u << 20, 0 };
  const guint64 *cases[] = { spec, odd, big };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ZcpMemPoolConfig) config = config_from_pairs (cases[i]);
      g_autoptr(ZcpMemPoolAllocator) allocator = zcp_mem_pool_allocator_new (config);
      guint64 prop = 0;

      g_assert_cmpuint (zcp_mem_pool_allocator_get_memory_size (allocator), ==, documented_size (cases[i]));
      g_assert_cmpuint (zcp_mem_pool_config_get_memory_size (config), ==, documented_size (cases[i]));
      g_object_get (allocator, "memory-size", &prop, NULL);
      g_assert_cmpuint (prop, ==, documented_size (cases[i]));
    }

  /* The specification's configuration: 1,613,824 bytes, of which the
   * chunks are 256,000 + 512,000 + 819,200 = 1,587,200 and the management
   * data 8 bytes per chunk (13,600) plus a fixed 12,992 bytes (header,
   * descriptors, process table, thread-cache records) and padding. */
  g_assert_cmpuint (documented_size (spec), ==, 1613824);
}

static void
test_allocator_flow (void)
{
  static const guint64 spec[] = { 256, 1000, 1024, 500, 4096, 200, 0 };
  g_autoptr(ZcpMemPoolConfig) config = config_from_pairs (spec);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = zcp_test_unique_name ("flow");
  g_autofree char *pattern = NULL;
  ZcpMemPoolAllocator *allocator;
  ZcpMemPoolManager *manager;
  gpointer base, prop_base = NULL;
  struct stat st;
  g_autofree char *path = g_strconcat ("/dev/shm", name, NULL);

  g_ptr_array_set_size (info_lines, 0);

  allocator = zcp_mem_pool_allocator_new (config);
  assert_logged ("MemPoolAllocator initialized, computed total memory size: 1613824 bytes");
  g_assert_false (zcp_mem_pool_allocator_is_initialized (allocator));
  g_assert_null (zcp_mem_pool_allocator_get_base_address (allocator));
  g_assert_null (zcp_mem_pool_allocator_get_name (allocator));
  g_assert_null (zcp_mem_pool_allocator_get_manager (allocator));
  g_assert_null (zcp_mem_pool_manager_get_instance_if_initialized ());

  base = zcp_mem_pool_allocator_initialize_shared_memory (allocator, name, &error);
  g_assert_no_error (error);
  g_assert_nonnull (base);
  g_assert_true (base == zcp_mem_pool_allocator_get_base_address (allocator));
  g_object_get (allocator, "base-address", &prop_base, NULL);
  g_assert_true (base == prop_base);
  g_assert_cmpstr (zcp_mem_pool_allocator_get_name (allocator), ==, name);
  g_assert_true (zcp_mem_pool_allocator_get_created (allocator));
  g_assert_false (zcp_mem_pool_allocator_is_initialized (allocator));
  g_assert_null (zcp_mem_pool_manager_get_instance_if_initialized ());

  pattern = g_strdup_printf ("Creating shared memory: %s, size: 1613824 bytes", name);
  assert_logged (pattern);
  g_free (pattern);
  pattern = g_strdup_printf ("Shared memory created: %s, base address: %p, segment ID: *", name, base);
  assert_logged (pattern);

  /* Created 0600 whatever the umask, with the computed size. */
  g_assert_cmpint (stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (st.st_size, ==, 1613824);

  g_assert_true (zcp_mem_pool_allocator_initialize_mem_pools (allocator, &error));
  g_assert_no_error (error);
  g_assert_true (zcp_mem_pool_allocator_is_initialized (allocator));

  g_free (pattern);
  pattern = g_strdup_printf ("Initializing memory pools, base address: %p, total size: 1613824 bytes", base);
  assert_logged (pattern);
  assert_logged ("Memory pool manager initialized");
  assert_logged ("Pool 0: chunk_size=256, count=1000, used=0");
  assert_logged ("Pool 1: chunk_size=1024, count=500, used=0");
  assert_logged ("Pool 2: chunk_size=4096, count=200, used=0");

  manager = zcp_mem_pool_manager_get_instance_if_initialized ();
  g_assert_nonnull (manager);
  g_assert_true (manager == zcp_mem_pool_allocator_get_manager (allocator));
  g_assert_true (zcp_mem_pool_manager_is_initialized (manager));
  g_assert_cmpuint (zcp_mem_pool_manager_get_pool_count (manager), ==, 3);
  g_assert_cmpstr (zcp_mem_pool_manager_get_name (manager), ==, name);
  g_assert_true (zcp_mem_pool_manager_get_base_address (manager) == base);
  g_assert_cmpuint (zcp_mem_pool_manager_get_memory_size (manager), ==, 1613824);
  g_assert_cmpuint (zcp_mem_pool_manager_get_segment_id (manager), !=, 0);

  /* Finalizing the creator unmaps and unlinks. */
  g_assert_finalize_object (allocator);
  g_assert_null (zcp_mem_pool_manager_get_instance_if_initialized ());
  g_assert_false (zcp_test_shm_exists (name));
}

static void
test_allocator_call_order (void)
{
  static const guint64 pools[] = { 64, 4, 0 };
  g_autoptr(ZcpMemPoolConfig) config = config_from_pairs (pools);
  g_autoptr(ZcpMemPoolAllocator) allocator = zcp_mem_pool_allocator_new (config);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = zcp_test_unique_name ("order");
  g_autofree char *other = zcp_test_unique_name ("order2");
  gpointer base;

  /* Pools before shared memory. */
  g_assert_false (zcp_mem_pool_allocator_initialize_mem_pools (allocator, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_WRONG_ORDER);
  g_clear_error (&error);
  g_assert_false (zcp_mem_pool_allocator_is_initialized (allocator));

  base = zcp_mem_pool_allocator_initialize_shared_memory (allocator, name, &error);
  g_assert_no_error (error);

  /* Shared memory twice, even under another name: nothing new is created. */
  g_assert_null (zcp_mem_pool_allocator_initialize_shared_memory (allocator, other, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_WRONG_ORDER);
  g_clear_error (&error);
  g_assert_false (zcp_test_shm_exists (other));
  g_assert_true (zcp_mem_pool_allocator_get_base_address (allocator) == base);

  g_assert_true (zcp_mem_pool_allocator_initialize_mem_pools (allocator, &error));
  g_assert_no_error (error);

  /* Pools twice. */
  g_assert_false (zcp_mem_pool_allocator_initialize_mem_pools (allocator, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_WRONG_ORDER);
  g_clear_error (&error);
  g_assert_true (zcp_mem_pool_allocator_is_initialized (allocator));

  /* Still works. */
  {
    ZcpMemPoolManager *manager = zcp_mem_pool_allocator_get_manager (allocator);
    ZcpChunk *chunk = zcp_mem_pool_manager_get_chunk (manager, 64);

    g_assert_nonnull (chunk);
    zcp_mem_pool_manager_release_chunk (manager, chunk);
  }

  g_clear_object (&allocator);
  g_assert_false (zcp_test_shm_exists (name));
}

static void
test_allocator_empty_config (void)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(ZcpMemPoolAllocator) allocator = zcp_mem_pool_allocator_new (config);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = zcp_test_unique_name ("empty");

  g_assert_cmpuint (zcp_mem_pool_allocator_get_memory_size (allocator), ==, 0);
  g_assert_null (zcp_mem_pool_allocator_initialize_shared_memory (allocator, name, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_EMPTY_CONFIG);
  g_assert_false (zcp_test_shm_exists (name));
  g_assert_false (zcp_mem_pool_allocator_is_initialized (allocator));
}

static void
test_allocator_names (void)
{
  static const guint64 pools[] = { 64, 4, 0 };
  g_autoptr(ZcpMemPoolConfig) config = config_from_pairs (pools);
  g_autoptr(ZcpMemPoolAllocator) allocator = zcp_mem_pool_allocator_new (config);
  g_autoptr(GError) error = NULL;
  g_autofree char *too_long = g_strnfill (257, 'a');
  g_autofree char *longest = NULL;
  const char *bad[] = { "", "no-slash", "/a/b", "/", "//double", "/.", "/..", "/tab\there", "/bad-\xff-utf8" };

  too_long[0] = '/';

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_null (zcp_mem_pool_allocator_initialize_shared_memory (allocator, bad[i], &error));
      g_assert_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_INVALID_NAME);
      g_clear_error (&error);
    }

  g_assert_null (zcp_mem_pool_allocator_initialize_shared_memory (allocator, too_long, &error));
  g_assert_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_INVALID_NAME);
  g_assert_true (strstr (error->message, "257") != NULL);
  g_clear_error (&error);

  /* Failures leave the allocator usable; 255 bytes after the slash is the
   * longest name allowed. */
  longest = zcp_test_unique_name ("long");
  {
    g_autoptr(GString) s = g_string_new (longest);

    while (s->len < 256)
      g_string_append_c (s, 'x');
    g_free (longest);
    longest = g_strdup (s->str);
  }
  g_assert_cmpuint (strlen (longest), ==, 256);
  g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (allocator, longest, &error));
  g_assert_no_error (error);
  g_assert_true (zcp_test_shm_exists (longest));

  g_clear_object (&allocator);
  g_assert_false (zcp_test_shm_exists (longest));
}

static void
create_foreign_object (const char *name,
                       gsize       size)
{
  int fd = shm_open (name, O_RDWR | O_CREAT | O_EXCL, 0600);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) size), ==, 0);
  g_assert_cmpint (write (fd, "not zerocp", 10), ==, 10);
  close (fd);
}

static void
test_allocator_open_modes (void)
{
  static const guint64 pools[] = { 128, 8, 0 };
  g_autoptr(ZcpMemPoolConfig) config = config_from_pairs (pools);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = zcp_test_unique_name ("modes");
  struct stat st;
  g_autofree char *path = g_strconcat ("/dev/shm", name, NULL);
  ZcpShmOpenMode mode = ZCP_SHM_OPEN_MODE_OPEN_EXISTING;

  /* Open-existing with nothing there. */
  {
    g_autoptr(ZcpMemPoolAllocator) a = zcp_mem_pool_allocator_new_with_mode (config, ZCP_SHM_OPEN_MODE_OPEN_EXISTING);

    g_object_get (a, "open-mode", &mode, NULL);
    g_assert_cmpint (mode, ==, ZCP_SHM_OPEN_MODE_OPEN_EXISTING);
    g_assert_null (zcp_mem_pool_allocator_initialize_shared_memory (a, name, &error));
    g_assert_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_DOES_NOT_EXIST);
    g_assert_true (strstr (error->message, name) != NULL);
    g_clear_error (&error);
  }

  /* Exclusive create refuses a taken name and leaves the object alone. */
  create_foreign_object (name, 4096);
  {
    g_autoptr(ZcpMemPoolAllocator) a = zcp_mem_pool_allocator_new_with_mode (config, ZCP_SHM_OPEN_MODE_EXCLUSIVE_CREATE);

    g_assert_null (zcp_mem_pool_allocator_initialize_shared_memory (a, name, &error));
    g_assert_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_ALREADY_EXISTS);
    g_clear_error (&error);
  }
  g_assert_true (zcp_test_shm_exists (name));

  /* Purge-and-create (the default) replaces it. */
  {
    g_autoptr(ZcpMemPoolAllocator) creator = zcp_mem_pool_allocator_new (config);
    g_autoptr(ZcpMemPoolAllocator) attacher = NULL;
    g_autoptr(ZcpMemPoolAllocator) either = NULL;
    ZcpMemPoolManager *m1, *m2;
    ZcpChunk *chunk;

    g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (creator, name, &error));
    g_assert_no_error (error);
    g_assert_cmpint (stat (path, &st), ==, 0);
    g_assert_cmpint (st.st_size, ==, zcp_mem_pool_allocator_get_memory_size (creator));

    /* An attacher waits for the layout; with no wait it says why. */
    attacher = zcp_mem_pool_allocator_new_with_mode (config, ZCP_SHM_OPEN_MODE_OPEN_EXISTING);
    {
      g_autoptr(ZcpMemPoolAllocator) impatient =
        g_object_new (ZCP_TYPE_MEM_POOL_ALLOCATOR, "config", config,
                      "open-mode", ZCP_SHM_OPEN_MODE_OPEN_EXISTING, "open-timeout", 0, NULL);

      g_assert_null (zcp_mem_pool_allocator_initialize_shared_memory (impatient, name, &error));
      g_assert_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_NOT_READY);
      g_clear_error (&error);
    }

    g_assert_true (zcp_mem_pool_allocator_initialize_mem_pools (creator, &error));
    g_assert_no_error (error);

    g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (attacher, name, &error));
    g_assert_no_error (error);
    g_assert_false (zcp_mem_pool_allocator_get_created (attacher));
    g_assert_true (zcp_mem_pool_allocator_initialize_mem_pools (attacher, &error));
    g_assert_no_error (error);

    either = zcp_mem_pool_allocator_new_with_mode (config, ZCP_SHM_OPEN_MODE_OPEN_OR_CREATE);
    g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (either, name, &error));
    g_assert_no_error (error);
    g_assert_false (zcp_mem_pool_allocator_get_created (either));

    /* Same pools, two mappings: a chunk taken by one is used for both. */
    m1 = zcp_mem_pool_allocator_get_manager (creator);
    m2 = zcp_mem_pool_allocator_get_manager (attacher);
    g_assert_true (m1 != m2);
    g_assert_cmpuint (zcp_mem_pool_manager_get_segment_id (m1), ==, zcp_mem_pool_manager_get_segment_id (m2));
    chunk = zcp_mem_pool_manager_get_chunk (m2, 100);
    g_assert_nonnull (chunk);
    {
      ZcpMemPoolStats stats;

      g_assert_true (zcp_mem_pool_manager_get_pool_stats (m1, 0, &stats));
      g_assert_cmpuint (stats.used, ==, 1);
    }
    zcp_mem_pool_manager_release_chunk (m2, chunk);

    /* Attachers never unlink. */
    g_clear_object (&attacher);
    g_clear_object (&either);
    g_assert_true (zcp_test_shm_exists (name));
  }
  g_assert_false (zcp_test_shm_exists (name));

  /* Open-or-create creates when there is nothing. */
  {
    g_autoptr(ZcpMemPoolAllocator) a = zcp_mem_pool_allocator_new_with_mode (config, ZCP_SHM_OPEN_MODE_OPEN_OR_CREATE);

    g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (a, name, &error));
    g_assert_no_error (error);
    g_assert_true (zcp_mem_pool_allocator_get_created (a));
    g_assert_true (zcp_mem_pool_allocator_initialize_mem_pools (a, &error));
  }
  g_assert_false (zcp_test_shm_exists (name));
}

static void
test_allocator_config_mismatch (void)
{
  static const guint64 pools[] = { 128, 8, 0 };
  static const guint64 other_pools[] = { 128, 9, 0 };
  g_autoptr(ZcpMemPoolConfig) config = config_from_pairs (pools);
  g_autoptr(ZcpMemPoolConfig) other = config_from_pairs (other_pools);
  g_autoptr(ZcpMemPoolAllocator) creator = zcp_mem_pool_allocator_new (config);
  g_autoptr(ZcpMemPoolAllocator) attacher = zcp_mem_pool_allocator_new_with_mode (other, ZCP_SHM_OPEN_MODE_OPEN_EXISTING);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = zcp_test_unique_name ("mismatch");

  g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (creator, name, &error));
  g_assert_true (zcp_mem_pool_allocator_initialize_mem_pools (creator, &error));
  g_assert_no_error (error);

  g_assert_null (zcp_mem_pool_allocator_initialize_shared_memory (attacher, name, &error));
  g_assert_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_CONFIG_MISMATCH);
}

static void
test_allocator_permissions (void)
{
  static const guint64 pools[] = { 64, 1, 0 };
  g_autoptr(ZcpMemPoolConfig) config = config_from_pairs (pools);
  g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = zcp_test_unique_name ("perm");
  g_autofree char *path = g_strconcat ("/dev/shm", name, NULL);
  struct stat st;
  mode_t old_umask;

  g_assert_true (zcp_mem_pool_config_set_permissions (config, 0640, &error));
  allocator = zcp_mem_pool_allocator_new (config);

  old_umask = umask (0077);
  g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (allocator, name, &error));
  umask (old_umask);
  g_assert_no_error (error);
  g_assert_cmpint (stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0640);
}

static void
test_allocator_second_default (void)
{
  static const guint64 pools[] = { 64, 2, 0 };
  g_autoptr(ZcpMemPoolConfig) config = config_from_pairs (pools);
  g_autoptr(ZcpMemPoolAllocator) first = zcp_mem_pool_allocator_new (config);
  g_autoptr(ZcpMemPoolAllocator) second = zcp_mem_pool_allocator_new (config);
  g_autofree char *n1 = zcp_test_unique_name ("first");
  g_autofree char *n2 = zcp_test_unique_name ("second");

  g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (first, n1, NULL));
  g_assert_true (zcp_mem_pool_allocator_initialize_mem_pools (first, NULL));
  g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (second, n2, NULL));
  g_assert_true (zcp_mem_pool_allocator_initialize_mem_pools (second, NULL));

  /* The first stays the default; the second is reached through its allocator. */
  g_assert_true (zcp_mem_pool_manager_get_instance_if_initialized () == zcp_mem_pool_allocator_get_manager (first));
  g_assert_true (zcp_mem_pool_allocator_get_manager (second) != zcp_mem_pool_allocator_get_manager (first));

  g_clear_object (&first);
  g_assert_null (zcp_mem_pool_manager_get_instance_if_initialized ());
  g_assert_false (zcp_test_shm_exists (n1));
  g_assert_true (zcp_test_shm_exists (n2));
  g_clear_object (&second);
  g_assert_false (zcp_test_shm_exists (n2));
}

static void
test_allocator_purge_does_not_unlink_successor (void)
{
  static const guint64 pools[] = { 64, 2, 0 };
  g_autoptr(ZcpMemPoolConfig) config = config_from_pairs (pools);
  g_autoptr(ZcpMemPoolAllocator) old_owner = zcp_mem_pool_allocator_new (config);
  g_autoptr(ZcpMemPoolAllocator) new_owner = zcp_mem_pool_allocator_new (config);
  g_autofree char *name = zcp_test_unique_name ("succ");

  g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (old_owner, name, NULL));
  g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (new_owner, name, NULL));

  /* The old owner's segment was purged; finalizing it must not remove the
   * new owner's segment of the same name. */
  g_clear_object (&old_owner);
  g_assert_true (zcp_test_shm_exists (name));
  g_clear_object (&new_owner);
  g_assert_false (zcp_test_shm_exists (name));
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  info_lines = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (capture_writer, NULL, NULL);

  g_test_add_func ("/zcp/allocator/memory-size", test_allocator_memory_size);
  g_test_add_func ("/zcp/allocator/flow", test_allocator_flow);
  g_test_add_func ("/zcp/allocator/call-order", test_allocator_call_order);
  g_test_add_func ("/zcp/allocator/empty-config", test_allocator_empty_config);
  g_test_add_func ("/zcp/allocator/names", test_allocator_names);
  g_test_add_func ("/zcp/allocator/open-modes", test_allocator_open_modes);
  g_test_add_func ("/zcp/allocator/config-mismatch", test_allocator_config_mismatch);
  g_test_add_func ("/zcp/allocator/permissions", test_allocator_permissions);
  g_test_add_func ("/zcp/allocator/second-default", test_allocator_second_default);
  g_test_add_func ("/zcp/allocator/purge-keeps-successor", test_allocator_purge_does_not_unlink_successor);

  return g_test_run ();
}
