/* test-testing.c: the testing helpers of zcp-testing.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Uses only the public API, as an application's test suite would.
 */

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <zerocp/zerocp.h>

/* Set by main(): this program, which is also the child of the spawn tests. */
static char *self_exe;

static gboolean
shm_exists (const char *name)
{
  g_autofree char *path = g_strconcat ("/dev/shm", name, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* Waits for something outside this process (the watcher of a dead child)
 * to remove name.  The deadline only bounds a hang; the test asserts that
 * the segment goes, not how fast. */
static gboolean
wait_until_gone (const char *name)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (shm_exists (name))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (10 * 1000);
    }

  return TRUE;
}

/* Creates an empty shared-memory object, as a crashed run would leave one. */
static void
create_raw_shm (const char *name)
{
  int fd = shm_open (name, O_RDWR | O_CREAT | O_EXCL, 0600);

  g_assert_cmpint (fd, >=, 0);
  close (fd);
  g_assert_true (shm_exists (name));
}

/* A pid that certainly belonged to a process and is now free. */
static pid_t
dead_pid (void)
{
  int status;
  pid_t pid = fork ();

  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    _exit (0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);

  return pid;
}

static ZcpTestSegment *
new_segment (const guint64 *pairs)
{
  g_autoptr(ZcpMemPoolConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  ZcpTestSegment *segment;

  if (pairs != NULL)
    {
      config = zcp_mem_pool_config_new ();
      for (const guint64 *p = pairs; p[0] != 0; p += 2)
        {
          g_assert_true (zcp_mem_pool_config_add_entry (config, p[0], (guint32) p[1], &error));
          g_assert_no_error (error);
        }
    }

  segment = zcp_test_segment_new (config, &error);
  g_assert_no_error (error);
  g_assert_nonnull (segment);

  return segment;
}

/* ------------------------------------------------------------------------ */

static void
test_segment_default (void)
{
  ZcpTestSegment *segment = new_segment (NULL);
  static const guint64 sizes[] = { 256, 1024, 4096 };
  static const guint32 counts[] = { 1000, 500, 200 };
  ZcpMemPoolManager *manager = zcp_test_segment_get_manager (segment);
  g_autofree char *name = g_strdup (zcp_test_segment_get_name (segment));
  g_autofree char *prefix = g_strdup_printf ("/zcp-test-test-testing-%d-", (int) getpid ());
  g_autofree char *prop_name = NULL;
  g_autoptr(ZcpMemPoolManager) prop_manager = NULL;
  ZcpChunk *chunk;

  g_test_summary ("A segment from the default configuration: unique name, "
                  "the specification's pools, removed when dropped");

  g_assert_true (g_str_has_prefix (name, prefix));
  g_assert_true (shm_exists (name));
  g_assert_cmpstr (zcp_mem_pool_manager_get_name (manager), ==, name);
  g_assert_true (zcp_mem_pool_allocator_get_manager (zcp_test_segment_get_allocator (segment)) == manager);
  g_assert_true (zcp_mem_pool_config_is_sealed (zcp_test_segment_get_config (segment)));

  g_object_get (segment, "name", &prop_name, "manager", &prop_manager, NULL);
  g_assert_cmpstr (prop_name, ==, name);
  g_assert_true (prop_manager == manager);

  g_assert_cmpuint (zcp_mem_pool_manager_get_pool_count (manager), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      ZcpMemPoolStats stats;

      g_assert_true (zcp_mem_pool_manager_get_pool_stats (manager, i, &stats));
      g_assert_cmpuint (stats.chunk_size, ==, sizes[i]);
      g_assert_cmpuint (stats.chunk_count, ==, counts[i]);
      g_assert_cmpuint (stats.used, ==, 0);
    }

  chunk = zcp_mem_pool_manager_get_chunk (manager, 100);
  g_assert_nonnull (chunk);
  zcp_mem_pool_manager_release_chunk (manager, chunk);
  zcp_assert_all_chunks_free (manager);

  g_clear_object (&prop_manager);
  g_assert_finalize_object (segment);
  g_assert_false (shm_exists (name));
}

static void
test_segment_config (void)
{
  static const guint64 pairs[] = { 64, 3, 512, 2, 0 };
  ZcpTestSegment *segment = new_segment (pairs);
  ZcpMemPoolManager *manager = zcp_test_segment_get_manager (segment);
  g_autoptr(GError) error = NULL;
  ZcpChunk *chunks[3];
  ZcpMemPoolStats stats;

  g_test_summary ("A segment holds exactly the configured pools");

  g_assert_cmpuint (zcp_mem_pool_manager_get_pool_count (manager), ==, 2);
  g_assert_true (zcp_mem_pool_manager_get_pool_stats (manager, 1, &stats));
  g_assert_cmpuint (stats.chunk_size, ==, 512);
  g_assert_cmpuint (stats.chunk_count, ==, 2);

  for (guint i = 0; i < 3; i++)
    {
      chunks[i] = zcp_mem_pool_manager_try_get_chunk (manager, 64, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (zcp_chunk_get_pool_index (chunks[i]), ==, 0);
    }
  /* Three chunks of 64 bytes, no more (the fallback is off by default). */
  g_assert_null (zcp_mem_pool_manager_try_get_chunk (manager, 64, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_POOL_EXHAUSTED);

  for (guint i = 0; i < 3; i++)
    zcp_mem_pool_manager_release_chunk (manager, chunks[i]);
  zcp_assert_all_chunks_free (manager);

  g_assert_finalize_object (segment);
}

static void
test_segment_independent (void)
{
  ZcpTestSegment *a = new_segment (NULL);
  ZcpTestSegment *b = new_segment (NULL);
  ZcpMemPoolManager *ma = zcp_test_segment_get_manager (a);
  ZcpMemPoolManager *mb = zcp_test_segment_get_manager (b);
  g_autofree char *name_a = g_strdup (zcp_test_segment_get_name (a));
  g_autofree char *name_b = g_strdup (zcp_test_segment_get_name (b));
  ZcpChunk *chunk;

  g_test_summary ("Two segments of one test have different names and pools");

  g_assert_cmpstr (name_a, !=, name_b);
  g_assert_true (shm_exists (name_a));
  g_assert_true (shm_exists (name_b));
  g_assert_cmpuint (zcp_mem_pool_manager_get_segment_id (ma), !=,
                    zcp_mem_pool_manager_get_segment_id (mb));

  chunk = zcp_mem_pool_manager_get_chunk (ma, 10);
  g_assert_true (zcp_mem_pool_manager_owns_chunk (ma, chunk));
  g_assert_false (zcp_mem_pool_manager_owns_chunk (mb, chunk));
  zcp_assert_all_chunks_free (mb);
  zcp_mem_pool_manager_release_chunk (ma, chunk);
  zcp_assert_all_chunks_free (ma);

  g_assert_finalize_object (a);
  g_assert_false (shm_exists (name_a));
  g_assert_true (shm_exists (name_b));
  g_assert_finalize_object (b);
  g_assert_false (shm_exists (name_b));
}

static void
test_segment_outlived (void)
{
  ZcpTestSegment *segment = new_segment (NULL);
  g_autofree char *name = g_strdup (zcp_test_segment_get_name (segment));
  ZcpMemPoolAllocator *allocator = g_object_ref (zcp_test_segment_get_allocator (segment));
  ZcpMemPoolManager *manager = g_object_ref (zcp_test_segment_get_manager (segment));
  ZcpChunk *chunk;

  g_test_summary ("Dropping the segment removes its name even while the code "
                  "under test still holds the allocator and the manager");

  g_object_unref (segment);
  g_assert_false (shm_exists (name));

  /* The mapping stays usable for whoever still holds it. */
  chunk = zcp_mem_pool_manager_get_chunk (manager, 10);
  g_assert_nonnull (chunk);
  zcp_mem_pool_manager_release_chunk (manager, chunk);

  g_assert_finalize_object (allocator);
  g_assert_finalize_object (manager);
  g_assert_false (shm_exists (name));
}

static void
test_make_name (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *tagged = zcp_test_make_name ("my tag/with-odd:chars");
  g_autofree char *expected = g_strdup_printf ("/zcp-test-my_tag_with-odd_chars-%d-", (int) getpid ());
  g_autofree char *long_tag = g_strnfill (300, 'x');
  g_autofree char *long_name = zcp_test_make_name (long_tag);
  g_autofree char *untagged = zcp_test_make_name (NULL);
  g_autofree char *prog = g_strdup_printf ("/zcp-test-test-testing-%d-", (int) getpid ());
  g_autoptr(GError) error = NULL;
  const char *tail;

  g_test_summary ("Names carry tag and pid, stay within the POSIX limit and never repeat");

  g_assert_true (g_str_has_prefix (tagged, expected));
  tail = tagged + strlen (expected);
  /* <counter>-<8 hex digits> */
  g_assert_nonnull (strchr (tail, '-'));
  g_assert_cmpuint (strlen (strchr (tail, '-') + 1), ==, 8);
  for (const char *p = tail; *p != '-'; p++)
    g_assert_true (g_ascii_isdigit (*p));
  for (const char *p = strchr (tail, '-') + 1; *p != '\0'; p++)
    g_assert_true (g_ascii_isxdigit (*p));

  g_assert_true (g_str_has_prefix (untagged, prog));

  g_assert_true (g_str_has_prefix (long_name, "/zcp-test-"));
  g_assert_cmpuint (strlen (long_name), <=, 255);
  /* The tag is cut to 64 bytes. */
  g_assert_true (g_str_has_prefix (long_name + strlen ("/zcp-test-"), long_tag + 300 - 64));
  g_assert_cmpint (long_name[strlen ("/zcp-test-") + 64], ==, '-');

  for (guint i = 0; i < 1000; i++)
    g_assert_true (g_hash_table_add (seen, zcp_test_make_name ("same")));

  /* A name the allocator takes. */
  {
    g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
    g_autoptr(ZcpMemPoolAllocator) allocator = NULL;

    g_assert_true (zcp_mem_pool_config_add_entry (config, 64, 1, &error));
    allocator = zcp_mem_pool_allocator_new (config);
    g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (allocator, long_name, &error));
    g_assert_no_error (error);
    g_assert_true (shm_exists (long_name));
    g_clear_object (&allocator);
    g_assert_false (shm_exists (long_name));
  }
}

/* ------------------------------------------------------------------------ */
/* The leak check                                                            */

static void
test_leak_none (void)
{
  ZcpTestSegment *segment = new_segment (NULL);
  ZcpMemPoolManager *manager = zcp_test_segment_get_manager (segment);
  g_autoptr(GError) error = NULL;
  ZcpChunk *chunk;

  g_test_summary ("No chunk out: the check passes; a chunk taken and given "
                  "back with ref and unref: it passes again");

  g_assert_true (zcp_test_check_all_chunks_free (manager, &error));
  g_assert_no_error (error);

  chunk = zcp_mem_pool_manager_get_chunk (manager, 4000);
  zcp_chunk_ref (chunk);
  zcp_chunk_unref (chunk);
  g_assert_false (zcp_test_check_all_chunks_free (manager, NULL));
  zcp_chunk_unref (chunk);

  g_assert_true (zcp_test_check_all_chunks_free (manager, &error));
  g_assert_no_error (error);
  zcp_assert_all_chunks_free (manager);

  g_assert_finalize_object (segment);
}

static void
test_leak_message (void)
{
  ZcpTestSegment *segment = new_segment (NULL);
  ZcpMemPoolManager *manager = zcp_test_segment_get_manager (segment);
  const char *name = zcp_test_segment_get_name (segment);
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  ZcpChunk *kb[3], *small, *page;

  g_test_summary ("The failed check names each pool with chunks out and how many");

  for (guint i = 0; i < 3; i++)
    kb[i] = zcp_mem_pool_manager_get_chunk (manager, 1000);

  g_assert_false (zcp_test_check_all_chunks_free (manager, &error));
  g_assert_error (error, ZCP_TEST_ERROR, ZCP_TEST_ERROR_CHUNKS_IN_USE);
  expected = g_strdup_printf ("Chunks of shared memory “%s” were not released: "
                              "pool 1 (1024-byte chunks): 3 of 500 chunks still in use", name);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);
  g_clear_pointer (&expected, g_free);

  small = zcp_mem_pool_manager_get_chunk (manager, 1);
  page = zcp_mem_pool_manager_get_chunk (manager, 4096);
  zcp_mem_pool_manager_release_chunk (manager, kb[1]);
  g_assert_false (zcp_test_check_all_chunks_free (manager, &error));
  expected = g_strdup_printf ("Chunks of shared memory “%s” were not released: "
                              "pool 0 (256-byte chunks): 1 of 1000 chunks still in use; "
                              "pool 1 (1024-byte chunks): 2 of 500 chunks still in use; "
                              "pool 2 (4096-byte chunks): 1 of 200 chunks still in use", name);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  zcp_mem_pool_manager_release_chunk (manager, kb[0]);
  zcp_mem_pool_manager_release_chunk (manager, kb[2]);
  zcp_mem_pool_manager_release_chunk (manager, small);
  zcp_mem_pool_manager_release_chunk (manager, page);
  g_assert_true (zcp_test_check_all_chunks_free (manager, &error));
  g_assert_no_error (error);

  g_assert_finalize_object (segment);
}

static void
test_leak_singular (void)
{
  static const guint64 pairs[] = { 128, 1, 0 };
  ZcpTestSegment *segment = new_segment (pairs);
  ZcpMemPoolManager *manager = zcp_test_segment_get_manager (segment);
  g_autoptr(GError) error = NULL;
  ZcpChunk *chunk = zcp_mem_pool_manager_get_chunk (manager, 128);

  g_test_summary ("A pool of one chunk is reported in the singular");

  g_assert_false (zcp_test_check_all_chunks_free (manager, &error));
  g_assert_true (g_str_has_suffix (error->message, ": pool 0 (128-byte chunks): 1 of 1 chunk still in use"));
  zcp_mem_pool_manager_release_chunk (manager, chunk);

  g_assert_finalize_object (segment);
}

static void
test_leak_assertion (void)
{
  g_test_summary ("zcp_assert_all_chunks_free() fails the test with the pool, "
                  "the count and where the assertion is");

  if (g_test_subprocess ())
    {
      ZcpTestSegment *segment = new_segment (NULL);
      ZcpMemPoolManager *manager = zcp_test_segment_get_manager (segment);

      for (guint i = 0; i < 3; i++)
        zcp_mem_pool_manager_get_chunk (manager, 1024);
      zcp_assert_all_chunks_free (manager);
      g_print ("not reached\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*not reached*");
  /* LC_ALL=C turns the quotes around the name into '?'. */
  g_test_trap_assert_stderr ("*ERROR:*test-testing.c:*:test_leak_assertion: "
                             "assertion failed (zcp_assert_all_chunks_free (manager)): "
                             "Chunks of shared memory ?/zcp-test-test-testing-*? were not released: "
                             "pool 1 (1024-byte chunks): 3 of 500 chunks still in use\n*");
}

static void
test_leak_nonfatal (void)
{
  g_test_summary ("With non-fatal assertions a leak fails the test, which goes on "
                  "to its tear-down and removes the segment there");

  if (g_test_subprocess ())
    {
      ZcpTestSegment *segment;
      ZcpMemPoolManager *manager;
      g_autofree char *name = NULL;

      g_test_set_nonfatal_assertions ();
      segment = new_segment (NULL);
      manager = zcp_test_segment_get_manager (segment);
      name = g_strdup (zcp_test_segment_get_name (segment));
      zcp_mem_pool_manager_get_chunk (manager, 5);
      zcp_assert_all_chunks_free (manager);
      g_print ("went on\n");
      g_object_unref (segment);
      if (!shm_exists (name))
        g_print ("removed in tear-down\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout ("*went on*removed in tear-down*");
  g_test_trap_assert_stderr ("*pool 0 (256-byte chunks): 1 of 1000 chunks still in use*");
}

/* ------------------------------------------------------------------------ */
/* Clean-up after crashes                                                    */

/* The child of the crash tests writes its segment's name here. */
#define NAME_FILE_ENV "ZCP_TEST_TESTING_NAME_FILE"

static void
test_crash (gconstpointer data)
{
  const char *how = data;
  g_autofree char *dir = NULL;
  g_autofree char *file = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("A test that aborts or is killed while it holds a segment "
                  "does not leave it behind");

  if (g_test_subprocess () && g_str_equal (how, "allocator"))
    {
      /* Not a ZcpTestSegment: an allocator under a name from
       * zcp_test_make_name(), as a test of the allocator would make it. */
      g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
      g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
      g_autofree char *made = zcp_test_make_name ("alloc");

      g_assert_true (zcp_mem_pool_config_add_entry (config, 64, 4, &error));
      allocator = zcp_mem_pool_allocator_new (config);
      g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (allocator, made, &error));
      g_file_set_contents (g_getenv (NAME_FILE_ENV), made, -1, &error);
      g_assert_no_error (error);
      abort ();
    }

  if (g_test_subprocess ())
    {
      ZcpTestSegment *segment = new_segment (NULL);

      g_file_set_contents (g_getenv (NAME_FILE_ENV), zcp_test_segment_get_name (segment), -1, &error);
      g_assert_no_error (error);
      zcp_mem_pool_manager_get_chunk (zcp_test_segment_get_manager (segment), 1);
      if (g_str_equal (how, "kill"))
        kill (getpid (), SIGKILL);  /* like a harness's time-out */
      g_assert_cmpint (1, ==, 2);   /* like a failing test */
      g_object_unref (segment);
      return;
    }

  dir = g_dir_make_tmp ("zcp-testing-XXXXXX", &error);
  g_assert_no_error (error);
  file = g_build_filename (dir, "name", NULL);
  g_setenv (NAME_FILE_ENV, file, TRUE);

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  if (g_str_equal (how, "abort"))
    g_test_trap_assert_stderr ("*assertion failed (1 == 2)*");

  g_file_get_contents (file, &name, NULL, &error);
  g_assert_no_error (error);
  g_unlink (file);
  g_rmdir (dir);
  g_unsetenv (NAME_FILE_ENV);

  g_assert_true (g_str_has_prefix (name, g_str_equal (how, "allocator") ? "/zcp-test-alloc-" : "/zcp-test-test-testing-"));
  g_assert_true (wait_until_gone (name));
}

static void
test_cleanup_stale (void)
{
  pid_t dead = dead_pid ();
  g_autofree char *stale = g_strdup_printf ("/zcp-test-stale-%d-0-%08x", (int) dead, g_random_int ());
  g_autofree char *stale2 = g_strdup_printf ("/zcp-test-a-b-c-%d-17-%08x", (int) dead, g_random_int ());
  g_autofree char *live = zcp_test_make_name ("live");
  g_autofree char *foreign = g_strdup_printf ("/zcp-other-%d-0-%08x", (int) dead, g_random_int ());
  g_autofree char *odd = g_strdup_printf ("/zcp-test-%d-0-%08x", (int) dead, g_random_int ());
  g_autofree char *short_hex = g_strdup_printf ("/zcp-test-x-%d-0-%04x", (int) dead, g_random_int () & 0xffff);
  g_autofree char *stale3 = g_strdup_printf ("/zcp-test-sweep-%d-1-%08x", (int) dead, g_random_int ());
  ZcpTestSegment *segment;

  g_test_summary ("The sweep removes test segments of dead processes and "
                  "nothing else; creating a test segment sweeps");

  create_raw_shm (stale);
  create_raw_shm (stale2);
  create_raw_shm (live);
  create_raw_shm (foreign);
  create_raw_shm (odd);
  create_raw_shm (short_hex);

  /* Other test programs may run and crash at the same time: at least ours. */
  g_assert_cmpuint (zcp_test_cleanup_stale_segments (), >=, 2);
  g_assert_false (shm_exists (stale));
  g_assert_false (shm_exists (stale2));
  g_assert_true (shm_exists (live));
  g_assert_true (shm_exists (foreign));
  g_assert_true (shm_exists (odd));
  g_assert_true (shm_exists (short_hex));
  shm_unlink (live);
  shm_unlink (foreign);
  shm_unlink (odd);
  shm_unlink (short_hex);

  create_raw_shm (stale3);
  segment = new_segment (NULL);
  g_assert_false (shm_exists (stale3));
  g_assert_finalize_object (segment);
}

static void
test_cleanup_zombie (void)
{
  g_autofree char *name = NULL;
  int status;
  pid_t pid;

  g_test_summary ("A process that died but was not reaped yet counts as dead");

  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    _exit (0);

  name = g_strdup_printf ("/zcp-test-zombie-%d-0-%08x", (int) pid, g_random_int ());
  create_raw_shm (name);
  /* Until it is reaped, the child is a zombie (or, for a moment, still running). */
  while (shm_exists (name))
    {
      zcp_test_cleanup_stale_segments ();
      g_usleep (1000);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
}

/* ------------------------------------------------------------------------ */
/* Second processes                                                          */

typedef struct
{
  pid_t parent;
  guint64 segment_id;
  guint64 mailbox;       /* handle of a 256-byte chunk the parent gave */
  guint64 message;       /* handle of a chunk the parent filled */
} Exchange;

static void
exchange_child (ZcpMemPoolManager *manager,
                gpointer           user_data)
{
  Exchange *ex = user_data;
  g_autoptr(GError) error = NULL;
  ZcpChunk *message, *reply;
  gsize size;
  guint64 *mailbox;

  /* Attached by name: same segment, a manager and mapping of its own. */
  g_assert_cmpuint (zcp_mem_pool_manager_get_segment_id (manager), ==, ex->segment_id);
  g_assert_cmpint (getpid (), !=, ex->parent);

  message = zcp_mem_pool_manager_chunk_from_handle (manager, ex->message, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (zcp_chunk_get_data (message), ==, "hello from the parent");
  zcp_chunk_unref (message);

  reply = zcp_mem_pool_manager_get_chunk (manager, 2000);
  g_assert_nonnull (reply);
  strcpy (zcp_chunk_get_data (reply), "hello from the child");

  /* Hand the reply (and its reference) over through the mailbox. */
  mailbox = (guint64 *) zcp_mem_pool_manager_lookup_handle (manager, ex->mailbox, &size, &error);
  g_assert_no_error (error);
  *mailbox = zcp_mem_pool_manager_get_chunk_handle (manager, reply);
}

static void
test_subprocess_exchange (void)
{
  ZcpTestSegment *segment = new_segment (NULL);
  ZcpMemPoolManager *manager = zcp_test_segment_get_manager (segment);
  g_autoptr(GError) error = NULL;
  ZcpChunk *mailbox, *message, *reply;
  Exchange ex;
  ZcpMemPoolStats stats;

  g_test_summary ("A function runs in a second process attached to the same "
                  "segment; chunks go both ways by handle");

  mailbox = zcp_mem_pool_manager_get_chunk (manager, sizeof (guint64));
  *(guint64 *) zcp_chunk_get_data (mailbox) = 0;
  message = zcp_mem_pool_manager_get_chunk (manager, 100);
  strcpy (zcp_chunk_get_data (message), "hello from the parent");

  ex.parent = getpid ();
  ex.segment_id = zcp_mem_pool_manager_get_segment_id (manager);
  ex.mailbox = zcp_mem_pool_manager_get_chunk_handle (manager, mailbox);
  ex.message = zcp_mem_pool_manager_get_chunk_handle (manager, message);

  g_assert_true (zcp_test_segment_run_in_subprocess (segment, exchange_child, &ex, &error));
  g_assert_no_error (error);

  /* The child released the message and left its reply for us. */
  g_assert_true (zcp_mem_pool_manager_get_pool_stats (manager, 2, &stats));
  g_assert_cmpuint (stats.used, ==, 1);
  g_assert_cmpuint (*(guint64 *) zcp_chunk_get_data (mailbox), !=, 0);
  reply = zcp_mem_pool_manager_chunk_from_handle (manager, *(guint64 *) zcp_chunk_get_data (mailbox), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (zcp_chunk_get_pool_index (reply), ==, 2);
  g_assert_cmpstr (zcp_chunk_get_data (reply), ==, "hello from the child");
  zcp_chunk_unref (reply);
  zcp_chunk_unref (mailbox);

  zcp_assert_all_chunks_free (manager);
  g_assert_finalize_object (segment);
}

static void
leaking_child (ZcpMemPoolManager *manager,
               gpointer           user_data)
{
  for (guint i = 0; i < GPOINTER_TO_UINT (user_data); i++)
    g_assert_nonnull (zcp_mem_pool_manager_get_chunk (manager, 300));
}

static void
test_subprocess_leak (void)
{
  ZcpTestSegment *segment = new_segment (NULL);
  ZcpMemPoolManager *manager = zcp_test_segment_get_manager (segment);
  g_autoptr(GError) error = NULL;

  g_test_summary ("Chunks a subprocess did not give back are reported in the parent");

  g_assert_true (zcp_test_segment_run_in_subprocess (segment, leaking_child, GUINT_TO_POINTER (4), &error));
  g_assert_no_error (error);

  g_assert_false (zcp_test_check_all_chunks_free (manager, &error));
  g_assert_error (error, ZCP_TEST_ERROR, ZCP_TEST_ERROR_CHUNKS_IN_USE);
  g_assert_true (g_str_has_suffix (error->message, ": pool 1 (1024-byte chunks): 4 of 500 chunks still in use"));

  g_assert_finalize_object (segment);
}

static void
failing_child (ZcpMemPoolManager *manager,
               gpointer           user_data)
{
  const char *how = user_data;

  g_print ("child output on stdout\n");
  if (g_str_equal (how, "assert"))
    g_assert_cmpstr ("child", ==, "expected");
  else if (g_str_equal (how, "abort"))
    abort ();
  else if (g_str_equal (how, "exit"))
    exit (3);
  else if (g_str_equal (how, "fail"))
    {
      g_test_fail ();
      return;
    }
  else if (g_str_equal (how, "ok"))
    return;
  g_assert_not_reached ();
}

static void
test_subprocess_failure (gconstpointer data)
{
  const char *how = data;

  g_test_summary ("A failing subprocess makes zcp_test_segment_run_in_subprocess() "
                  "fail; what it prints goes to standard error");

  if (g_test_subprocess ())
    {
      ZcpTestSegment *segment = new_segment (NULL);
      g_autoptr(GError) error = NULL;
      gboolean ok;

      ok = zcp_test_segment_run_in_subprocess (segment, failing_child, (gpointer) how, &error);
      if (g_str_equal (how, "ok"))
        {
          g_assert_no_error (error);
          g_assert_true (ok);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, ZCP_TEST_ERROR, ZCP_TEST_ERROR_SUBPROCESS_FAILED);
          g_printerr ("parent saw: %s\n", error->message);
        }
      g_assert_finalize_object (segment);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout_unmatched ("*child output*");
  g_test_trap_assert_stderr ("*child output on stdout*");

  if (g_str_equal (how, "assert"))
    {
      /* A failed assertion aborts, or in a test subprocess (as here) exits
       * with status 1. */
      g_test_trap_assert_stderr ("*assertion failed (\"child\" == \"expected\")*"
                                 "parent saw: Subprocess * exited with status 1\n*");
    }
  else if (g_str_equal (how, "abort"))
    {
      g_autofree char *pattern = g_strdup_printf ("*parent saw: Subprocess * was killed by signal %d (%s)\n*",
                                                  SIGABRT, g_strsignal (SIGABRT));
      g_test_trap_assert_stderr (pattern);
    }
  else if (g_str_equal (how, "exit"))
    g_test_trap_assert_stderr ("*parent saw: Subprocess * exited with status 3\n*");
  else if (g_str_equal (how, "fail"))
    g_test_trap_assert_stderr ("*parent saw: Subprocess * exited with status 1\n*");
  else
    g_test_trap_assert_stderr_unmatched ("*parent saw*");
}

/* The spawn tests run this program again, in one of these modes. */
static int
child_main (const char *mode,
            const char *arg)
{
  g_autoptr(ZcpMemPoolManager) manager = NULL;
  g_autoptr(GError) error = NULL;
  ZcpChunk *chunk;

  if (g_str_equal (mode, "--exit"))
    return atoi (arg);

  manager = zcp_test_segment_open_from_environment (&error);
  if (manager == NULL)
    {
      g_printerr ("child: %s\n", error->message);
      return 10;
    }
  if (g_strcmp0 (g_getenv (ZCP_TEST_SEGMENT_ENV), zcp_mem_pool_manager_get_name (manager)) != 0)
    return 11;

  /* --adopt HANDLE: the parent's message; check and release it. */
  chunk = zcp_mem_pool_manager_chunk_from_handle (manager, g_ascii_strtoull (arg, NULL, 10), &error);
  if (chunk == NULL)
    {
      g_printerr ("child: %s\n", error->message);
      return 12;
    }
  if (g_strcmp0 (zcp_chunk_get_data (chunk), "for the spawned child") != 0)
    return 13;
  g_print ("child: got the message\n");
  zcp_chunk_unref (chunk);

  return 0;
}

static void
test_spawn (void)
{
  ZcpTestSegment *segment = new_segment (NULL);
  ZcpMemPoolManager *manager = zcp_test_segment_get_manager (segment);
  g_autoptr(GError) error = NULL;
  g_autofree char *handle = NULL;
  ZcpChunk *chunk;

  g_test_summary ("A command line runs with the segment's name in the environment");

  chunk = zcp_mem_pool_manager_get_chunk (manager, 64);
  strcpy (zcp_chunk_get_data (chunk), "for the spawned child");
  handle = g_strdup_printf ("%" G_GUINT64_FORMAT, zcp_mem_pool_manager_get_chunk_handle (manager, chunk));

  {
    const char *argv[] = { self_exe, "--adopt", handle, NULL };

    g_assert_true (zcp_test_segment_spawn (segment, argv, &error));
    g_assert_no_error (error);
  }
  zcp_assert_all_chunks_free (manager);

  /* A handle that no longer names a chunk in use: the child says no. */
  {
    const char *argv[] = { self_exe, "--adopt", handle, NULL };

    g_assert_false (zcp_test_segment_spawn (segment, argv, &error));
    g_assert_error (error, ZCP_TEST_ERROR, ZCP_TEST_ERROR_SUBPROCESS_FAILED);
    g_assert_true (g_str_has_suffix (error->message, " exited with status 12"));
    g_clear_error (&error);
  }

  {
    const char *argv[] = { self_exe, "--exit", "7", NULL };

    g_assert_false (zcp_test_segment_spawn (segment, argv, &error));
    g_assert_error (error, ZCP_TEST_ERROR, ZCP_TEST_ERROR_SUBPROCESS_FAILED);
    g_clear_error (&error);
  }

  {
    const char *argv[] = { "/nonexistent/zcp-test-program", NULL };

    g_assert_false (zcp_test_segment_spawn (segment, argv, &error));
    g_assert_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT);
    g_clear_error (&error);
  }

  g_assert_finalize_object (segment);
}

static void
test_spawn_no_segment (void)
{
  g_autoptr(GError) error = NULL;

  g_test_summary ("Attaching from the environment without the variable fails clearly");

  g_unsetenv (ZCP_TEST_SEGMENT_ENV);
  g_assert_null (zcp_test_segment_open_from_environment (&error));
  g_assert_error (error, ZCP_TEST_ERROR, ZCP_TEST_ERROR_NO_SEGMENT);
  g_assert_cmpstr (error->message, ==, "The environment variable ZCP_TEST_SEGMENT does not name a test segment");
}

/* ------------------------------------------------------------------------ */
/* As a g_test_add() fixture                                                 */

typedef struct
{
  ZcpTestSegment *segment;
  char *name;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->segment = new_segment (data);
  f->name = g_strdup (zcp_test_segment_get_name (f->segment));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  zcp_assert_all_chunks_free (zcp_test_segment_get_manager (f->segment));
  g_assert_finalize_object (f->segment);
  g_assert_false (shm_exists (f->name));
  g_free (f->name);
}

static void
test_fixture (Fixture       *f,
              gconstpointer  data)
{
  ZcpMemPoolManager *manager = zcp_test_segment_get_manager (f->segment);
  ZcpChunk *chunks[8];

  g_test_summary ("A fixture gives each test a fresh segment and checks it in tear-down");

  g_assert_true (shm_exists (f->name));
  for (guint i = 0; i < G_N_ELEMENTS (chunks); i++)
    chunks[i] = zcp_mem_pool_manager_get_chunk (manager, 32);
  g_assert_cmpuint (zcp_chunk_get_pool_index (chunks[0]), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (chunks); i++)
    zcp_chunk_unref (chunks[i]);
}

int
main (int   argc,
      char *argv[])
{
  static const guint64 small[] = { 32, 8, 0 };

  setlocale (LC_ALL, "");

  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  if (argc == 3 && (g_str_equal (argv[1], "--adopt") || g_str_equal (argv[1], "--exit")))
    return child_main (argv[1], argv[2]);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/zcp/testing/segment/default", test_segment_default);
  g_test_add_func ("/zcp/testing/segment/config", test_segment_config);
  g_test_add_func ("/zcp/testing/segment/independent", test_segment_independent);
  g_test_add_func ("/zcp/testing/segment/outlived", test_segment_outlived);
  g_test_add_func ("/zcp/testing/make-name", test_make_name);
  g_test_add_func ("/zcp/testing/leak/none", test_leak_none);
  g_test_add_func ("/zcp/testing/leak/message", test_leak_message);
  g_test_add_func ("/zcp/testing/leak/singular", test_leak_singular);
  g_test_add_func ("/zcp/testing/leak/assertion", test_leak_assertion);
  g_test_add_func ("/zcp/testing/leak/nonfatal", test_leak_nonfatal);
  g_test_add_data_func ("/zcp/testing/crash/abort", "abort", test_crash);
  g_test_add_data_func ("/zcp/testing/crash/kill", "kill", test_crash);
  g_test_add_data_func ("/zcp/testing/crash/allocator", "allocator", test_crash);
  g_test_add_func ("/zcp/testing/cleanup/stale", test_cleanup_stale);
  g_test_add_func ("/zcp/testing/cleanup/zombie", test_cleanup_zombie);
  g_test_add_func ("/zcp/testing/second-process/exchange", test_subprocess_exchange);
  g_test_add_func ("/zcp/testing/second-process/leak", test_subprocess_leak);
  g_test_add_data_func ("/zcp/testing/second-process/ok", "ok", test_subprocess_failure);
  g_test_add_data_func ("/zcp/testing/second-process/assert", "assert", test_subprocess_failure);
  g_test_add_data_func ("/zcp/testing/second-process/abort", "abort", test_subprocess_failure);
  g_test_add_data_func ("/zcp/testing/second-process/exit", "exit", test_subprocess_failure);
  g_test_add_data_func ("/zcp/testing/second-process/fail", "fail", test_subprocess_failure);
  g_test_add_func ("/zcp/testing/spawn/adopt", test_spawn);
  g_test_add_func ("/zcp/testing/spawn/no-segment", test_spawn_no_segment);
  g_test_add ("/zcp/testing/fixture/default", Fixture, NULL, fixture_set_up, test_fixture, fixture_tear_down);
  g_test_add ("/zcp/testing/fixture/small", Fixture, small, fixture_set_up, test_fixture, fixture_tear_down);

  return g_test_run ();
}
