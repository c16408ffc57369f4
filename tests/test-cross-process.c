/* test-cross-process.c: other processes attach and share chunks, zero-copy
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The other process is tests/zcp-test-child, a separate program spawned
 * with GSubprocess (not a fork of the test), driven line by line through a
 * pipe.
 */

#include <fcntl.h>
#include <locale.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gio/gio.h>

#include "zcp-test-common.h"
#include "zcp-mem-pool-manager-private.h"

static const guint64 one_pool[] = { 256, 512, 0 };
static const guint64 three_pools[] = { 256, 64, 1024, 16, 4096, 4, 0 };

typedef struct
{
  GSubprocess *process;
  GDataInputStream *out;
  GOutputStream *in;
} Child;

static char *
child_read_line (Child *child)
{
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line_utf8 (child->out, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (line);
  return line;
}

static Child *
child_spawn (const char *name,
             gboolean    read_only,
             char      **first_line)
{
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, "zcp-test-child", NULL);
  g_autoptr(GError) error = NULL;
  Child *child = g_new0 (Child, 1);

  child->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                     &error, path, name, read_only ? "--read-only" : NULL, NULL);
  g_assert_no_error (error);
  child->in = g_subprocess_get_stdin_pipe (child->process);
  child->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child->process));

  *first_line = child_read_line (child);
  return child;
}

static Child *
child_attach (const char *name,
              gboolean    read_only,
              ZcpMemPoolManager *expected)
{
  g_autofree char *line = NULL;
  g_autofree char *want = g_strdup_printf ("attached %" G_GUINT64_FORMAT,
                                           zcp_mem_pool_manager_get_segment_id (expected));
  Child *child = child_spawn (name, read_only, &line);

  g_assert_cmpstr (line, ==, want);
  return child;
}

G_GNUC_PRINTF (2, 3)
static char *
child_cmd (Child      *child,
           const char *format,
           ...)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cmd = NULL;
  va_list args;

  va_start (args, format);
  cmd = g_strdup_vprintf (format, args);
  va_end (args);

  g_assert_true (g_output_stream_write_all (child->in, cmd, strlen (cmd), NULL, NULL, &error));
  g_assert_true (g_output_stream_write_all (child->in, "\n", 1, NULL, NULL, &error));
  g_assert_true (g_output_stream_flush (child->in, NULL, &error));
  g_assert_no_error (error);

  return child_read_line (child);
}

static void
child_quit (Child *child)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (child->in, "quit\n", 5, NULL, NULL, NULL);
  g_output_stream_close (child->in, NULL, NULL);
  g_assert_true (g_subprocess_wait_check (child->process, NULL, &error));
  g_assert_no_error (error);
  g_object_unref (child->out);
  g_object_unref (child->process);
  g_free (child);
}

static guint32
used (ZcpMemPoolManager *manager,
      guint              pool)
{
  ZcpMemPoolStats stats;

  g_assert_true (zcp_mem_pool_manager_get_pool_stats (manager, pool, &stats));
  return stats.used;
}

/* ------------------------------------------------------------------------ */

static void
test_exchange (ZcpFixture    *f,
               gconstpointer  user_data)
{
  Child *child = child_attach (f->name, FALSE, f->manager);
  ZcpChunk *mine = zcp_mem_pool_manager_get_chunk (f->manager, 256);
  guint64 handle = zcp_mem_pool_manager_get_chunk_handle (f->manager, mine);
  g_autofree char *reply = NULL;
  g_autoptr(GError) error = NULL;
  ZcpChunk *theirs;
  guint64 their_handle;

  /* Parent to child: the child sees our bytes in its own mapping. */
  memset (zcp_chunk_get_data (mine), 0x11, 256);
  reply = child_cmd (child, "expect %" G_GUINT64_FORMAT " 0x11 256", handle);
  g_assert_cmpstr (reply, ==, "ok");
  g_clear_pointer (&reply, g_free);

  /* The child writes; we read the same memory, no copy involved. */
  reply = child_cmd (child, "write %" G_GUINT64_FORMAT " 0x22 256", handle);
  g_assert_cmpstr (reply, ==, "ok");
  g_clear_pointer (&reply, g_free);
  for (guint i = 0; i < 256; i++)
    g_assert_cmpuint (((guint8 *) mine)[i], ==, 0x22);

  /* The handle carried our reference: the child holds it now. */
  g_assert_cmpuint (zcp_chunk_get_ref_count (mine), ==, 1);
  g_assert_cmpuint (used (f->manager, 0), ==, 1);

  /* Child to parent. */
  reply = child_cmd (child, "get 1000 0x33");
  their_handle = g_ascii_strtoull (reply, NULL, 10);
  g_assert_cmpuint (their_handle, !=, 0);
  g_assert_cmpuint (used (f->manager, 1), ==, 1);
  theirs = zcp_mem_pool_manager_chunk_from_handle (f->manager, their_handle, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (zcp_chunk_get_pool_index (theirs), ==, 1);
  for (guint i = 0; i < 1024; i++)
    g_assert_cmpuint (((guint8 *) theirs)[i], ==, 0x33);
  zcp_mem_pool_manager_release_chunk (f->manager, theirs);
  g_assert_cmpuint (used (f->manager, 1), ==, 0);

  g_clear_pointer (&reply, g_free);
  reply = child_cmd (child, "release %" G_GUINT64_FORMAT, handle);
  g_assert_cmpstr (reply, ==, "ok");
  g_assert_cmpuint (used (f->manager, 0), ==, 0);

  /* The child's view of the statistics is ours. */
  g_clear_pointer (&reply, g_free);
  reply = child_cmd (child, "used 0");
  g_assert_cmpstr (reply, ==, "0");

  /* A stale handle is refused across processes too. */
  g_clear_pointer (&reply, g_free);
  reply = child_cmd (child, "expect %" G_GUINT64_FORMAT " 0x22 1", handle);
  g_assert_true (g_str_has_prefix (reply, "bad "));

  child_quit (child);
  for (guint p = 0; p < 3; p++)
    zcp_test_assert_pool_all_free (f->manager, p);
}

static void
test_two_readers (ZcpFixture    *f,
                  gconstpointer  user_data)
{
  Child *a = child_attach (f->name, FALSE, f->manager);
  Child *b = child_attach (f->name, FALSE, f->manager);
  ZcpChunk *chunk = zcp_mem_pool_manager_get_chunk (f->manager, 4000);
  guint64 handle = zcp_mem_pool_manager_get_chunk_handle (f->manager, chunk);
  g_autofree char *ra = NULL;
  g_autofree char *rb = NULL;

  memset (zcp_chunk_get_data (chunk), 0x5c, 4096);

  /* One reference for each reader, one we keep: fan-out without copies. */
  zcp_chunk_ref (chunk);
  zcp_chunk_ref (chunk);
  g_assert_cmpuint (zcp_chunk_get_ref_count (chunk), ==, 3);

  ra = child_cmd (a, "expect %" G_GUINT64_FORMAT " 0x5c 4096", handle);
  rb = child_cmd (b, "expect %" G_GUINT64_FORMAT " 0x5c 4096", handle);
  g_assert_cmpstr (ra, ==, "ok");
  g_assert_cmpstr (rb, ==, "ok");

  zcp_mem_pool_manager_release_chunk (f->manager, chunk);
  g_assert_cmpuint (used (f->manager, 2), ==, 1);

  g_clear_pointer (&ra, g_free);
  ra = child_cmd (a, "release %" G_GUINT64_FORMAT, handle);
  g_assert_cmpstr (ra, ==, "ok");
  /* Still held by b. */
  g_assert_cmpuint (used (f->manager, 2), ==, 1);
  g_assert_cmpuint (zcp_chunk_get_ref_count (chunk), ==, 1);

  g_clear_pointer (&rb, g_free);
  rb = child_cmd (b, "release %" G_GUINT64_FORMAT, handle);
  g_assert_cmpstr (rb, ==, "ok");
  g_assert_cmpuint (used (f->manager, 2), ==, 0);

  child_quit (a);
  child_quit (b);
  zcp_test_assert_pool_all_free (f->manager, 2);
}

#define PROCESS_PAIRS 1000000

typedef struct
{
  ZcpMemPoolManager *manager;
  guint64 pairs;
} Hammer;

static gpointer
hammer_thread (gpointer data)
{
  Hammer *h = data;
  const guint8 tag = 0x42;

  while (h->pairs < PROCESS_PAIRS)
    {
      ZcpChunk *held[16];
      guint got = 0;
      guint batch = 1 + (guint) (h->pairs % 16);

      for (guint i = 0; i < batch; i++)
        {
          ZcpChunk *c = zcp_mem_pool_manager_get_chunk (h->manager, 256);

          if (c != NULL)
            {
              memset (zcp_chunk_get_data (c), tag, 32);
              held[got++] = c;
            }
        }
      for (guint i = 0; i < got; i++)
        {
          for (guint b = 0; b < 32; b++)
            if (((guint8 *) held[i])[b] != tag)
              g_error ("chunk %p handed to two processes", (void *) held[i]);
          zcp_mem_pool_manager_release_chunk (h->manager, held[i]);
        }
      h->pairs += got;
    }

  return NULL;
}

static void
test_two_processes (ZcpFixture    *f,
                    gconstpointer  user_data)
{
  Child *child = child_attach (f->name, FALSE, f->manager);
  Hammer h = { f->manager, 0 };
  GThread *thread;
  g_autofree char *reply = NULL;
  g_auto(GStrv) words = NULL;

  /* Start the child's loop, hammer from here at the same time, then read
   * the child's answer. */
  g_assert_true (g_output_stream_printf (child->in, NULL, NULL, NULL, "hammer %d 256\n", PROCESS_PAIRS));
  g_output_stream_flush (child->in, NULL, NULL);
  thread = g_thread_new ("hammer", hammer_thread, &h);
  g_thread_join (thread);
  reply = child_read_line (child);

  words = g_strsplit (reply, " ", -1);
  g_assert_cmpstr (words[0], ==, "done");
  g_assert_cmpuint (g_ascii_strtoull (words[1], NULL, 10), >=, PROCESS_PAIRS);
  g_assert_cmpuint (h.pairs, >=, PROCESS_PAIRS);
  g_test_message ("parent %" G_GUINT64_FORMAT " pairs, child %s pairs (%s gets found the pool empty)",
                  h.pairs, words[1], words[2]);

  child_quit (child);
  zcp_test_assert_pool_all_free (f->manager, 0);
}

static void
test_creator_goes_away (void)
{
  ZcpFixture f = { 0 };
  Child *child;
  g_autofree char *reply = NULL;
  g_autofree char *h1 = NULL;

  zcp_fixture_setup (&f, one_pool);
  child = child_attach (f.name, FALSE, f.manager);
  h1 = child_cmd (child, "get 256 0x77");

  /* The creator unlinks and unmaps; the child's mapping lives on. */
  f.keeps_chunks = TRUE;  /* the child holds one */
  zcp_fixture_teardown (&f, NULL);

  reply = child_cmd (child, "hammer 10000 256");
  g_assert_true (g_str_has_prefix (reply, "done 100"));
  g_clear_pointer (&reply, g_free);
  reply = child_cmd (child, "used 0");
  g_assert_cmpstr (reply, ==, "1");
  child_quit (child);
}

static void
test_read_only (ZcpFixture    *f,
                gconstpointer  user_data)
{
  Child *child = child_attach (f->name, TRUE, f->manager);
  ZcpChunk *chunk = zcp_mem_pool_manager_get_chunk (f->manager, 256);
  guint64 handle = zcp_mem_pool_manager_get_chunk_handle (f->manager, chunk);
  g_autofree char *reply = NULL;
  g_autofree char *expect = NULL;

  memset (zcp_chunk_get_data (chunk), 0x6d, 256);

  /* A read-only process reads through handles and statistics... */
  reply = child_cmd (child, "lookup %" G_GUINT64_FORMAT " 0x6d 256", handle);
  g_assert_cmpstr (reply, ==, "ok");
  g_clear_pointer (&reply, g_free);
  reply = child_cmd (child, "used 0");
  g_assert_cmpstr (reply, ==, "1");

  /* ...but takes, adopts and releases nothing. */
  g_clear_pointer (&reply, g_free);
  reply = child_cmd (child, "tryget 64");
  expect = g_strdup_printf ("error zcp-mem-pool-error-quark %d", ZCP_MEM_POOL_ERROR_READ_ONLY);
  g_assert_cmpstr (reply, ==, expect);
  g_clear_pointer (&reply, g_free);
  reply = child_cmd (child, "expect %" G_GUINT64_FORMAT " 0x6d 1", handle);
  g_free (expect);
  expect = g_strdup_printf ("bad %d Cannot adopt a chunk of shared memory “%s”: it is attached read-only; use zcp_mem_pool_manager_lookup_handle()",
                            ZCP_MEM_POOL_ERROR_READ_ONLY, f->name);
  g_assert_cmpstr (reply, ==, expect);

  child_quit (child);
  g_assert_cmpuint (zcp_chunk_get_ref_count (chunk), ==, 1);
  zcp_mem_pool_manager_release_chunk (f->manager, chunk);
  zcp_test_assert_pool_all_free (f->manager, 0);
}

static void
test_read_only_in_process (ZcpFixture    *f,
                           gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ZcpMemPoolManager) ro = zcp_mem_pool_manager_open (f->name, ZCP_OPEN_FLAGS_READ_ONLY, 0, &error);
  ZcpMemPoolStats stats;

  g_assert_no_error (error);
  g_assert_true (zcp_mem_pool_manager_is_read_only (ro));
  g_assert_true (zcp_mem_pool_manager_get_pool_stats (ro, 0, &stats));
  g_assert_cmpuint (stats.chunk_count, ==, 64);
  g_assert_null (zcp_mem_pool_manager_try_get_chunk (ro, 1, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_READ_ONLY);

  /* The mapping itself is read-only: a write faults.  (The subprocess
   * unlinks its own segment first, since it will not reach its teardown.) */
  if (g_test_subprocess ())
    {
      g_assert_cmpint (shm_unlink (f->name), ==, 0);
      ((volatile guint8 *) zcp_mem_pool_manager_get_base_address (ro))[0] = 0;
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
}

/* ------------------------------------------------------------------------ */
/* Attaching to what is not a (ready, intact) zerocp segment                 */

static void
assert_open_fails (const char  *name,
                   guint        timeout_ms,
                   ZcpShmError  code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ZcpMemPoolManager) m = zcp_mem_pool_manager_open (name, ZCP_OPEN_FLAGS_NONE, timeout_ms, &error);

  g_assert_null (m);
  g_assert_error (error, ZCP_SHM_ERROR, (gint) code);
  g_assert_nonnull (strstr (error->message, name));
  g_test_message ("%s", error->message);
}

static void
write_object (const char   *name,
              const void   *data,
              gsize         len,
              gsize         size)
{
  int fd = shm_open (name, O_RDWR | O_CREAT | O_TRUNC, 0600);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) size), ==, 0);
  if (len > 0)
    g_assert_cmpint (pwrite (fd, data, len, 0), ==, (gssize) len);
  close (fd);
}

static void
test_attach_errors (void)
{
  g_autofree char *name = zcp_test_unique_name ("attach");
  g_autofree guint8 *noise = g_malloc (8192);

  assert_open_fails (name, 0, ZCP_SHM_ERROR_DOES_NOT_EXIST);
  assert_open_fails ("not-a-name", 0, ZCP_SHM_ERROR_INVALID_NAME);

  /* Not zerocp: random bytes. */
  for (guint i = 0; i < 8192; i++)
    noise[i] = (guint8) g_random_int ();
  noise[0] |= 1; /* a zero magic would mean "being created" */
  write_object (name, noise, 8192, 8192);
  assert_open_fails (name, 0, ZCP_SHM_ERROR_NOT_ZEROCP);

  /* Too small for its magic number. */
  write_object (name, noise, 4, 4);
  assert_open_fails (name, 0, ZCP_SHM_ERROR_TRUNCATED);

  /* Empty, or zero bytes: a creator that has not laid it out yet. */
  write_object (name, NULL, 0, 0);
  assert_open_fails (name, 20, ZCP_SHM_ERROR_NOT_READY);
  write_object (name, NULL, 0, 4096);
  assert_open_fails (name, 20, ZCP_SHM_ERROR_NOT_READY);

  g_assert_cmpint (shm_unlink (name), ==, 0);
}

/* Copies a real segment's bytes into a plain buffer, edits them, and
 * writes them back under the same name. */
static void
test_attach_damaged (ZcpFixture    *f,
                     gconstpointer  user_data)
{
  g_autofree char *name = zcp_test_unique_name ("damaged");
  gsize size = zcp_mem_pool_manager_get_memory_size (f->manager);
  const guint8 *base = zcp_mem_pool_manager_get_base_address (f->manager);
  /* Aligned like the segment: its descriptors are 64-byte aligned types. */
  guint8 *copy = memcpy (g_aligned_alloc (1, size, 4096), base, size);
  ZcpSegmentHeader *header = (ZcpSegmentHeader *) (void *) copy;
  ZcpPoolDescriptor *descs = (ZcpPoolDescriptor *) (void *) (copy + header->pools_offset);

  /* Intact copy: attaches, and has the original's pools. */
  write_object (name, copy, size, size);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ZcpMemPoolManager) m = zcp_mem_pool_manager_open (name, ZCP_OPEN_FLAGS_NONE, 0, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (zcp_mem_pool_manager_get_pool_count (m), ==, 3);
    g_assert_cmpuint (zcp_mem_pool_manager_get_segment_id (m), ==, zcp_mem_pool_manager_get_segment_id (f->manager));
  }

  /* Truncated: shorter than its header says. */
  write_object (name, copy, size / 2, size / 2);
  assert_open_fails (name, 0, ZCP_SHM_ERROR_TRUNCATED);
  write_object (name, copy, 100, 100);
  assert_open_fails (name, 0, ZCP_SHM_ERROR_TRUNCATED);

  /* Another layout version. */
  header->layout_version = ZCP_SEGMENT_LAYOUT_VERSION + 1;
  write_object (name, copy, size, size);
  assert_open_fails (name, 0, ZCP_SHM_ERROR_VERSION_MISMATCH);
  header->layout_version = 1; /* zerocp 1.0's first layout, without thread caches */
  write_object (name, copy, size, size);
  assert_open_fails (name, 0, ZCP_SHM_ERROR_VERSION_MISMATCH);
  header->layout_version = ZCP_SEGMENT_LAYOUT_VERSION;

  /* Not ready: a creator that died while laying out. */
  atomic_store (&header->ready, 0);
  write_object (name, copy, size, size);
  assert_open_fails (name, 30, ZCP_SHM_ERROR_NOT_READY);
  atomic_store (&header->ready, ZCP_SEGMENT_READY);

  /* Corrupt descriptors: each must be caught before anything is used. */
  {
    struct { const char *what; guint64 *field; guint64 bad; } u64[] = {
      { "chunks offset beyond the end", &descs[2].chunks_offset, size },
      { "slots offset overlapping the header", &descs[0].slots_offset, 0 },
      { "stride not the rounded size", &descs[1].stride, 1000 },
      { "overflowing stride", &descs[2].stride, G_MAXUINT64 - 63 },
      { "sizes not ascending", &descs[1].chunk_size, 100 },
      { "pools offset", &header->pools_offset, 64 },
      { "thread-cache records overlapping the process table", &header->caches_offset, header->processes_offset },
      { "thread-cache records beyond the end", &header->caches_offset, size },
    };

    for (guint i = 0; i < G_N_ELEMENTS (u64); i++)
      {
        guint64 saved = *u64[i].field;

        g_test_message ("corruption: %s", u64[i].what);
        *u64[i].field = u64[i].bad;
        write_object (name, copy, size, size);
        assert_open_fails (name, 0, ZCP_SHM_ERROR_CORRUPT);
        *u64[i].field = saved;
      }
  }
  {
    guint32 saved = descs[2].chunk_count;

    descs[2].chunk_count = G_MAXUINT32 / 2;
    write_object (name, copy, size, size);
    assert_open_fails (name, 0, ZCP_SHM_ERROR_CORRUPT);
    descs[2].chunk_count = saved;
    header->pool_count = 1000;
    write_object (name, copy, size, size);
    assert_open_fails (name, 0, ZCP_SHM_ERROR_CORRUPT);
    header->pool_count = 3;
    header->max_caches = ZCP_SEGMENT_MAX_CACHES + 1;
    write_object (name, copy, size, size);
    assert_open_fails (name, 0, ZCP_SHM_ERROR_CORRUPT);
    header->max_caches = ZCP_SEGMENT_MAX_CACHES;
  }

  g_assert_cmpint (shm_unlink (name), ==, 0);
  g_aligned_free (copy);
}

/* An attacher that arrives while the creator lays out waits for it. */
typedef struct
{
  char *name;
  ZcpMemPoolManager *manager;
  GError *error;
} Waiter;

static gpointer
waiter_thread (gpointer data)
{
  Waiter *w = data;

  w->manager = zcp_mem_pool_manager_open (w->name, ZCP_OPEN_FLAGS_NONE, 10000, &w->error);
  return NULL;
}

static void
test_attach_waits_for_creator (void)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
  Waiter w = { zcp_test_unique_name ("wait"), NULL, NULL };
  GThread *thread;

  zcp_mem_pool_config_add_entry (config, 64, 8, NULL);
  allocator = zcp_mem_pool_allocator_new (config);
  g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (allocator, w.name, NULL));

  thread = g_thread_new ("waiter", waiter_thread, &w);
  g_usleep (50000);
  g_assert_null (w.manager); /* still waiting: not laid out */
  g_assert_true (zcp_mem_pool_allocator_initialize_mem_pools (allocator, NULL));
  g_thread_join (thread);

  g_assert_no_error (w.error);
  g_assert_nonnull (w.manager);
  g_assert_cmpuint (zcp_mem_pool_manager_get_pool_count (w.manager), ==, 1);
  g_object_unref (w.manager);
  g_clear_object (&allocator);
  g_assert_false (zcp_test_shm_exists (w.name));
  g_free (w.name);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);
  g_test_summary ("Processes attach by name, validate, and share chunks by handle without copies");

#define ADD(path, data, func) \
  g_test_add (path, ZcpFixture, data, (void (*) (ZcpFixture *, gconstpointer)) zcp_fixture_setup_spec, func, zcp_fixture_teardown)

  ADD ("/zcp/cross-process/exchange", three_pools, test_exchange);
  ADD ("/zcp/cross-process/two-readers", three_pools, test_two_readers);
  ADD ("/zcp/cross-process/two-processes", one_pool, test_two_processes);
  ADD ("/zcp/cross-process/read-only", three_pools, test_read_only);
  ADD ("/zcp/cross-process/read-only-in-process", three_pools, test_read_only_in_process);
  ADD ("/zcp/cross-process/attach-damaged", three_pools, test_attach_damaged);
#undef ADD
  g_test_add_func ("/zcp/cross-process/creator-goes-away", test_creator_goes_away);
  g_test_add_func ("/zcp/cross-process/attach-errors", test_attach_errors);
  g_test_add_func ("/zcp/cross-process/attach-waits", test_attach_waits_for_creator);

  return g_test_run ();
}
