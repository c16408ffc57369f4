/* test-tool.c: the zcp command-line tool, run as a program
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "zcp-test-common.h"

static char *tool_path;

/* The tool dies with the test (and then removes what it created) even
 * if an assertion aborts the test first. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
on_tool_exited (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  gboolean *done = user_data;

  g_assert_true (g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL));
  *done = TRUE;
}

/* Sends signum to the tool until it exits.  Once is enough for the tool;
 * but under ThreadSanitizer (the tsan test setup) a signal that reaches
 * the tool while its threads sit in poll() is sometimes never delivered to
 * GLib's handler, and the test would wait forever.  The next one comes
 * only after 10 s: a tool that got the first is long gone by then (once
 * its handler is removed, a second signal would kill it). */
static void
signal_until_exit (GSubprocess *process,
                   int          signum)
{
  gboolean done = FALSE;

  g_subprocess_wait_async (process, NULL, on_tool_exited, &done);
  for (guint tries = 0; !done; tries++)
    {
      gint64 deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

      g_assert_cmpuint (tries, <, 6);
      g_subprocess_send_signal (process, signum);
      while (!done && g_get_monotonic_time () < deadline)
        {
          g_main_context_iteration (NULL, FALSE);
          g_usleep (1000);
        }
    }
}

static GSubprocess *
spawn_tool (const char * const *args,
            GSubprocessFlags    flags)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_ptr_array_add (argv, tool_path);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  return process;
}

/* Runs the tool to completion; returns its exit status. */
static int
run_tool (char       **out,
          char       **err,
          const char  *first_arg,
          ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;
  va_list ap;

  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  process = spawn_tool ((const char * const *) args->pdata,
                        G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &stdout_text, &stderr_text, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));

  g_test_message ("zcp %s…: exit %d\nstdout: %s\nstderr: %s", first_arg,
                  g_subprocess_get_exit_status (process), stdout_text, stderr_text);

  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  if (err != NULL)
    *err = g_steal_pointer (&stderr_text);
  return g_subprocess_get_exit_status (process);
}

static char *
write_temp_config (const char *text)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd;

  fd = g_file_open_tmp ("zcp-test-tool-XXXXXX.conf", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
  return path;
}

static char *
read_line (GDataInputStream *stream)
{
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line_utf8 (stream, NULL, NULL, &error);

  g_assert_no_error (error);
  return line;
}

/* The fields of the line of pool `pool` in "zcp stat" output. */
static char **
stat_row (const char *text,
          guint       pool)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autofree char *want = g_strdup_printf ("%u", pool);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char **fields = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
      GPtrArray *nonempty = g_ptr_array_new ();

      for (guint j = 0; fields[j] != NULL; j++)
        if (fields[j][0] != '\0')
          g_ptr_array_add (nonempty, g_strdup (fields[j]));
      g_ptr_array_add (nonempty, NULL);
      g_strfreev (fields);

      fields = (char **) g_ptr_array_free (nonempty, FALSE);
      if (fields[0] != NULL && g_str_equal (fields[0], want) && g_strv_length (fields) >= 11)
        return fields;
      g_strfreev (fields);
    }

  g_assert_not_reached ();
}

static guint
count_occurrences (const char *text,
                   const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (text, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

/* ------------------------------------------------------------------------ */

static void
test_usage (void)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

#define RESET() G_STMT_START { g_clear_pointer (&out, g_free); g_clear_pointer (&err, g_free); } G_STMT_END

  /* No command: the help, on standard error, and a usage error. */
  g_assert_cmpint (run_tool (&out, &err, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "Commands:"));
  g_assert_cmpstr (out, ==, "");
  RESET ();

  g_assert_cmpint (run_tool (&out, &err, "--help", NULL), ==, 0);
  for (const char *const *c = (const char *const[]) { "create", "list", "stat", "rm", "advise", "Exit status", NULL }; *c != NULL; c++)
    g_assert_nonnull (strstr (out, *c));
  RESET ();

  g_assert_cmpint (run_tool (&out, &err, "--version", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "zcp "));
  RESET ();

  g_assert_cmpint (run_tool (&out, &err, "frobnicate", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "Unknown command"));
  g_assert_nonnull (strstr (err, "frobnicate"));
  RESET ();

  g_assert_cmpint (run_tool (&out, &err, "help", "stat", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "zcp stat"));
  g_assert_nonnull (strstr (out, "--watch"));
  g_assert_nonnull (strstr (out, "--interval"));
  RESET ();

  g_assert_cmpint (run_tool (&out, &err, "create", "--help", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "--config"));
  g_assert_nonnull (strstr (out, "--replace"));
  RESET ();

  g_assert_cmpint (run_tool (&out, &err, "advise", "--help", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "--headroom"));
  RESET ();

  /* Usage errors say so, with the command's name, and exit 2. */
  g_assert_cmpint (run_tool (&out, &err, "stat", NULL), ==, 2);
  g_assert_true (g_str_has_prefix (err, "zcp stat: "));
  g_assert_nonnull (strstr (err, "--help"));
  RESET ();
  g_assert_cmpint (run_tool (&out, &err, "stat", "--frobnicate", "x", NULL), ==, 2);
  RESET ();
  g_assert_cmpint (run_tool (&out, &err, "stat", "--count", "3", "x", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--watch"));
  RESET ();
  g_assert_cmpint (run_tool (&out, &err, "stat", "--watch", "--interval", "0", "x", NULL), ==, 2);
  RESET ();
  g_assert_cmpint (run_tool (&out, &err, "create", "x", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--config"));
  RESET ();
  g_assert_cmpint (run_tool (&out, &err, "create", "--config", "/nonexistent", NULL), ==, 2);
  RESET ();
  g_assert_cmpint (run_tool (&out, &err, "list", "extra", NULL), ==, 2);
  RESET ();
  g_assert_cmpint (run_tool (&out, &err, "rm", NULL), ==, 2);
  RESET ();
  g_assert_cmpint (run_tool (&out, &err, "advise", "--headroom", "-5", "x", NULL), ==, 2);
  RESET ();

#undef RESET
}

/* zcp create keeps the segment, reports a pool that ran out, and removes
 * the segment on SIGINT. */
static void
test_create (void)
{
  g_autofree char *config = write_temp_config ("[segment]\npermissions=0640\n"
                                               "[pool small]\nchunk-size=256B\nchunk-count=10\n"
                                               "[pool big]\nchunk-size=4KiB\nchunk-count=4\n");
  g_autofree char *name = zcp_test_unique_name ("tool");
  g_autofree char *line = NULL;
  g_autofree char *out = NULL;
  g_autofree char *rest = NULL;
  g_autofree char *path = g_strconcat ("/dev/shm", name, NULL);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out_stream = NULL;
  g_autoptr(GDataInputStream) err_stream = NULL;
  g_autoptr(ZcpMemPoolManager) user = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) row = NULL;
  gboolean seen_ran_out = FALSE, seen_low = FALSE;
  ZcpChunk *chunks[4];
  GStatBuf st;

  process = spawn_tool ((const char *const[]) { "create", "--config", config, name, NULL },
                        G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  out_stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  err_stream = g_data_input_stream_new (g_subprocess_get_stderr_pipe (process));

  /* The first line says the segment is ready. */
  line = read_line (out_stream);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "Created shared memory"));
  g_assert_nonnull (strstr (line, name));
  g_assert_nonnull (strstr (line, "2 pools"));
  g_assert_true (zcp_test_shm_exists (name));
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0640);

  /* Seen from another process, under its name without the slash. */
  g_assert_cmpint (run_tool (&out, NULL, "stat", name + 1, NULL), ==, 0);
  row = stat_row (out, 1);
  g_assert_cmpstr (row[1], ==, "4KiB");
  g_assert_cmpstr (row[2], ==, "4");
  g_clear_pointer (&out, g_free);

  /* Run pool 1 out, and give it back at once: the tool's monitor still
   * notices, from the low-water mark and the refused get. */
  user = zcp_mem_pool_manager_open (name, ZCP_OPEN_FLAGS_NONE, 1000, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 4; i++)
    {
      chunks[i] = zcp_mem_pool_manager_get_chunk (user, 4096);
      g_assert_nonnull (chunks[i]);
    }
  g_assert_null (zcp_mem_pool_manager_get_chunk (user, 4096));
  for (guint i = 0; i < 4; i++)
    zcp_mem_pool_manager_release_chunk (user, chunks[i]);
  g_assert_finalize_object (g_steal_pointer (&user));

  while (!seen_ran_out)
    {
      g_autofree char *err_line = read_line (err_stream);

      g_assert_nonnull (err_line); /* EOF: the tool died */
      g_test_message ("zcp create: %s", err_line);
      if (strstr (err_line, "pool 1 (4KiB chunks) is low") != NULL)
        seen_low = TRUE;
      if (strstr (err_line, "pool 1 (4KiB chunks) ran out") != NULL)
        seen_ran_out = TRUE;
      g_assert_null (strstr (err_line, "pool 0"));
    }
  g_assert_true (seen_low);

  signal_until_exit (process, SIGINT);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);

  rest = read_line (out_stream);
  g_assert_nonnull (rest);
  g_assert_true (g_str_has_prefix (rest, "Removed shared memory"));
  g_assert_false (zcp_test_shm_exists (name));

  g_unlink (config);
}

static void
test_create_sigterm (void)
{
  g_autofree char *config = write_temp_config ("[pool a]\nchunk-size=1KiB\nchunk-count=2\n");
  g_autofree char *name = zcp_test_unique_name ("tool");
  g_autofree char *line = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out_stream = NULL;
  g_autoptr(GError) error = NULL;

  process = spawn_tool ((const char *const[]) { "create", "-c", config, name, NULL },
                        G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  out_stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = read_line (out_stream);
  g_assert_nonnull (line);
  g_assert_true (zcp_test_shm_exists (name));

  signal_until_exit (process, SIGTERM);
  g_assert_true (g_subprocess_get_successful (process));
  g_assert_false (zcp_test_shm_exists (name));

  g_unlink (config);
}

static void
test_create_errors (void)
{
  g_autofree char *bad = write_temp_config ("[pool a]\nchunk-size=1KiB\nchunk-count=lots\n");
  g_autofree char *good = write_temp_config ("[pool a]\nchunk-size=1KiB\nchunk-count=2\n");
  g_autofree char *name = zcp_test_unique_name ("tool");
  g_autofree char *location = g_strdup_printf ("%s:3:", bad);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *line = NULL;
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out_stream = NULL;
  g_autoptr(GError) error = NULL;

  /* A configuration error names the file and the line. */
  g_assert_cmpint (run_tool (&out, &err, "create", "--config", bad, name, NULL), ==, 1);
  g_assert_nonnull (strstr (err, location));
  g_assert_nonnull (strstr (err, "chunk-count"));
  g_assert_false (zcp_test_shm_exists (name));
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run_tool (&out, &err, "create", "--config", "/nonexistent/zcp.conf", name, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "/nonexistent/zcp.conf"));
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run_tool (&out, &err, "create", "--config", good, "/bad/name", NULL), ==, 1);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);

  /* An existing segment is left alone without --replace. */
  zcp_mem_pool_config_add_entry (config, 64, 1, NULL);
  allocator = zcp_mem_pool_allocator_new (config);
  g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (allocator, name, &error));
  g_assert_no_error (error);
  g_assert_true (zcp_mem_pool_allocator_initialize_mem_pools (allocator, &error));

  g_assert_cmpint (run_tool (&out, &err, "create", "--config", good, name, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "--replace"));
  g_assert_true (zcp_test_shm_exists (name));
  g_clear_pointer (&err, g_free);

  /* With it, the tool's segment takes the name, and goes away with it. */
  process = spawn_tool ((const char *const[]) { "create", "--replace", "--config", good, name, NULL },
                        G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  out_stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = read_line (out_stream);
  g_assert_nonnull (line);
  g_assert_nonnull (strstr (line, "1 pools"));
  signal_until_exit (process, SIGTERM);
  g_assert_true (g_subprocess_get_successful (process));
  g_assert_false (zcp_test_shm_exists (name));

  g_assert_finalize_object (g_steal_pointer (&allocator));
  g_unlink (bad);
  g_unlink (good);
}

static void
test_stat (ZcpFixture    *seg,
           gconstpointer  user_data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *missing = zcp_test_unique_name ("tool-missing");
  g_auto(GStrv) row0 = NULL;
  g_auto(GStrv) row1 = NULL;
  g_auto(GStrv) row2 = NULL;
  ZcpChunk *chunks[10];

  for (guint i = 0; i < 10; i++)
    chunks[i] = zcp_mem_pool_manager_get_chunk (seg->manager, 200);
  /* This thread took 10 chunks of a pool of 1000: the 4 it gives back rest
   * in its cache, free but off the shared list. */
  for (guint i = 0; i < 4; i++)
    zcp_mem_pool_manager_release_chunk (seg->manager, chunks[i]);
  g_assert_null (zcp_mem_pool_manager_get_chunk (seg->manager, 5000));

  g_assert_cmpint (run_tool (&out, &err, "stat", seg->name, NULL), ==, 0);
  g_assert_nonnull (strstr (out, seg->name));
  g_assert_nonnull (strstr (out, "3 pools"));
  g_assert_nonnull (strstr (out, "CACHED"));
  g_assert_nonnull (strstr (out, "LOW-WATER"));

  /* POOL SIZE COUNT USED FREE CACHED LOW-WATER PEAK FAILED BAR PERCENT */
  row0 = stat_row (out, 0);
  g_assert_cmpstr (row0[1], ==, "256B");
  g_assert_cmpstr (row0[2], ==, "1000");
  g_assert_cmpstr (row0[3], ==, "6");
  g_assert_cmpstr (row0[4], ==, "994");
  g_assert_cmpstr (row0[5], ==, "4");
  g_assert_cmpstr (row0[6], ==, "990");
  g_assert_cmpstr (row0[7], ==, "10");
  g_assert_cmpstr (row0[8], ==, "0");
  /* 6 of 1000 in use fills one of 20 cells; the peak of 10 the same one. */
  g_assert_cmpstr (row0[9], ==, "[#...................]");
  g_assert_cmpstr (row0[10], ==, "0%");

  row1 = stat_row (out, 1);
  g_assert_cmpstr (row1[1], ==, "1KiB");
  g_assert_cmpstr (row1[3], ==, "0");
  g_assert_cmpstr (row1[5], ==, "0");
  g_assert_cmpstr (row1[6], ==, "500");

  row2 = stat_row (out, 2);
  g_assert_cmpstr (row2[1], ==, "4KiB");
  g_assert_cmpstr (row2[2], ==, "200");
  g_assert_cmpstr (row2[8], ==, "0");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&row0, g_strfreev);

  /* Flushed, the 4 are back on the list: still free, no longer cached,
   * and the marks of the past stay. */
  zcp_mem_pool_manager_flush_thread_cache (seg->manager);
  g_assert_cmpint (run_tool (&out, &err, "stat", seg->name, NULL), ==, 0);
  row0 = stat_row (out, 0);
  g_assert_cmpstr (row0[3], ==, "6");
  g_assert_cmpstr (row0[4], ==, "994");
  g_assert_cmpstr (row0[5], ==, "0");
  g_assert_cmpstr (row0[6], ==, "990");
  g_assert_cmpstr (row0[7], ==, "10");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  for (guint i = 4; i < 10; i++)
    zcp_mem_pool_manager_release_chunk (seg->manager, chunks[i]);

  g_assert_cmpint (run_tool (&out, &err, "stat", missing, NULL), ==, 1);
  g_assert_nonnull (strstr (err, missing));
  g_assert_false (zcp_test_shm_exists (missing));
}

static void
test_stat_watch (ZcpFixture    *seg,
                 gconstpointer  user_data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *line = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out_stream = NULL;
  g_autoptr(GError) error = NULL;

  /* Three frames, then exit 0; not a terminal, so no escape codes. */
  g_assert_cmpint (run_tool (&out, &err, "stat", "--watch", "--interval", "0.01", "--count", "3", seg->name, NULL), ==, 0);
  g_assert_cmpuint (count_occurrences (out, "LOW-WATER"), ==, 3);
  g_assert_cmpuint (count_occurrences (out, "CACHED"), ==, 3);
  g_assert_null (strchr (out, '\033'));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_tool (&out, &err, "stat", "-w", "-n", "1", seg->name, NULL), ==, 0);
  g_assert_cmpuint (count_occurrences (out, "LOW-WATER"), ==, 1);

  /* Without --count it runs until the segment goes away. */
  process = spawn_tool ((const char *const[]) { "stat", "--watch", "--interval", "0.02", seg->name, NULL },
                        G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  out_stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = read_line (out_stream); /* the first frame has started */
  g_assert_nonnull (line);

  g_assert_finalize_object (g_steal_pointer (&seg->allocator));
  seg->manager = NULL; /* it went with the allocator */
  g_assert_false (zcp_test_shm_exists (seg->name));

  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);

  /* The fixture's teardown expects an allocator. */
  seg->allocator = zcp_mem_pool_allocator_new (seg->config);
}

/* The row of segment `name` in "zcp list" output. */
static char *
list_row (const char  *text,
          const char  *name)
{
  g_autofree char *needle = g_strconcat ("\n", name, " ", NULL);
  const char *p = strstr (text, needle);

  g_assert_nonnull (p);
  p++;
  return g_strndup (p, strcspn (p, "\n"));
}

/* A chunk released by the thread that took it rests in the thread's cache:
 * stat and list count it as free and as cached, in every process, until the
 * thread flushes it; a pool too small to cache, and a segment made with
 * thread-cache=false, never show one. */
static void
test_stat_cached (void)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(ZcpMemPoolConfig) uncached_config = zcp_mem_pool_config_new ();
  g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
  g_autoptr(ZcpMemPoolAllocator) uncached_allocator = NULL;
  g_autoptr(ZcpMemPoolManager) user = NULL;
  g_autoptr(ZcpMemPoolManager) uncached_user = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = zcp_test_unique_name ("tool-cached");
  g_autofree char *uncached_name = zcp_test_unique_name ("tool-uncached");
  g_autofree char *out = NULL;
  g_autofree char *row = NULL;
  g_auto(GStrv) row0 = NULL;
  g_auto(GStrv) row1 = NULL;
  ZcpChunk *chunk;
  gpointer first;

  /* Pool 0 is large enough to be cached (64 chunks or more), pool 1 not. */
  g_assert_true (zcp_mem_pool_config_add_entry (config, 64, 100, NULL));
  g_assert_true (zcp_mem_pool_config_add_entry (config, 1024, 10, NULL));
  g_assert_true (zcp_mem_pool_config_get_thread_cache (config));
  allocator = zcp_mem_pool_allocator_new (config);
  g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (allocator, name, &error));
  g_assert_no_error (error);
  g_assert_true (zcp_mem_pool_allocator_initialize_mem_pools (allocator, &error));
  g_assert_no_error (error);

  /* A user of the segment, as another process would attach to it. */
  user = zcp_mem_pool_manager_open (name, ZCP_OPEN_FLAGS_NONE, 1000, &error);
  g_assert_no_error (error);
  chunk = zcp_mem_pool_manager_get_chunk (user, 64);
  g_assert_nonnull (chunk);
  first = zcp_chunk_get_data (chunk);
  zcp_mem_pool_manager_release_chunk (user, chunk);
  chunk = zcp_mem_pool_manager_get_chunk (user, 1024);
  g_assert_nonnull (chunk);
  zcp_mem_pool_manager_release_chunk (user, chunk);

  g_assert_cmpint (run_tool (&out, NULL, "stat", name, NULL), ==, 0);
  /* POOL SIZE COUNT USED FREE CACHED LOW-WATER PEAK FAILED BAR PERCENT */
  row0 = stat_row (out, 0);
  g_assert_cmpstr (row0[2], ==, "100");
  g_assert_cmpstr (row0[3], ==, "0");
  g_assert_cmpstr (row0[4], ==, "100");
  g_assert_cmpstr (row0[5], ==, "1");
  g_assert_cmpstr (row0[6], ==, "99");
  g_assert_cmpstr (row0[7], ==, "1");
  /* Nothing in use now (the cached chunk is free), one at the peak. */
  g_assert_cmpstr (row0[9], ==, "[+...................]");
  g_assert_cmpstr (row0[10], ==, "0%");
  row1 = stat_row (out, 1);
  g_assert_cmpstr (row1[3], ==, "0");
  g_assert_cmpstr (row1[4], ==, "10");
  g_assert_cmpstr (row1[5], ==, "0");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&row0, g_strfreev);
  g_clear_pointer (&row1, g_strfreev);

  /* NAME SIZE POOLS CHUNKS IN-USE CACHED */
  g_assert_cmpint (run_tool (&out, NULL, "list", NULL), ==, 0);
  row = list_row (out, name);
  g_assert_true (g_regex_match_simple ("^/\\S+ +\\S+ +2 +110 +0 +1$", row, 0, 0));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&row, g_free);

  /* The cached chunk is the one the thread's next get takes: nothing
   * cached while it is out, and cached again once it is back. */
  chunk = zcp_mem_pool_manager_get_chunk (user, 64);
  g_assert_true (zcp_chunk_get_data (chunk) == first);
  g_assert_cmpint (run_tool (&out, NULL, "stat", name, NULL), ==, 0);
  row0 = stat_row (out, 0);
  g_assert_cmpstr (row0[3], ==, "1");
  g_assert_cmpstr (row0[4], ==, "99");
  g_assert_cmpstr (row0[5], ==, "0");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&row0, g_strfreev);
  zcp_mem_pool_manager_release_chunk (user, chunk);

  /* Flushed: back on the shared list, free and not cached. */
  zcp_mem_pool_manager_flush_thread_cache (user);
  g_assert_cmpint (run_tool (&out, NULL, "stat", name, NULL), ==, 0);
  row0 = stat_row (out, 0);
  g_assert_cmpstr (row0[3], ==, "0");
  g_assert_cmpstr (row0[4], ==, "100");
  g_assert_cmpstr (row0[5], ==, "0");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&row0, g_strfreev);

  /* The same pools in a segment made with thread-cache=false. */
  g_assert_true (zcp_mem_pool_config_add_entry (uncached_config, 64, 100, NULL));
  g_assert_true (zcp_mem_pool_config_add_entry (uncached_config, 1024, 10, NULL));
  g_assert_true (zcp_mem_pool_config_set_thread_cache (uncached_config, FALSE, NULL));
  uncached_allocator = zcp_mem_pool_allocator_new (uncached_config);
  g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (uncached_allocator, uncached_name, &error));
  g_assert_no_error (error);
  g_assert_true (zcp_mem_pool_allocator_initialize_mem_pools (uncached_allocator, &error));
  g_assert_no_error (error);
  uncached_user = zcp_mem_pool_manager_open (uncached_name, ZCP_OPEN_FLAGS_NONE, 1000, &error);
  g_assert_no_error (error);
  chunk = zcp_mem_pool_manager_get_chunk (uncached_user, 64);
  g_assert_nonnull (chunk);
  zcp_mem_pool_manager_release_chunk (uncached_user, chunk);

  g_assert_cmpint (run_tool (&out, NULL, "stat", uncached_name, NULL), ==, 0);
  row0 = stat_row (out, 0);
  g_assert_cmpstr (row0[3], ==, "0");
  g_assert_cmpstr (row0[4], ==, "100");
  g_assert_cmpstr (row0[5], ==, "0");
  g_clear_pointer (&out, g_free);

  g_assert_finalize_object (g_steal_pointer (&uncached_user));
  g_assert_finalize_object (g_steal_pointer (&uncached_allocator));
  g_assert_false (zcp_test_shm_exists (uncached_name));
  g_assert_finalize_object (g_steal_pointer (&user));
  zcp_assert_all_chunks_free (zcp_mem_pool_allocator_get_manager (allocator));
  g_assert_finalize_object (g_steal_pointer (&allocator));
  g_assert_false (zcp_test_shm_exists (name));
}

static char *
create_foreign_object (void)
{
  g_autofree char *name = zcp_test_unique_name ("tool-foreign");
  char junk[4096];
  int fd;

  memset (junk, 'x', sizeof junk);
  fd = shm_open (name, O_RDWR | O_CREAT | O_EXCL, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, junk, sizeof junk), ==, sizeof junk);
  close (fd);

  return g_steal_pointer (&name);
}

static void
test_list (ZcpFixture    *seg,
           gconstpointer  user_data)
{
  g_autofree char *foreign = create_foreign_object ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *row = NULL;
  const char *p;

  g_assert_cmpint (run_tool (&out, &err, "list", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "NAME"));
  p = strstr (out, seg->name);
  g_assert_nonnull (p);
  row = g_strndup (p, strcspn (p, "\n"));
  /* 3 pools, 1700 chunks, none in use, none cached */
  g_assert_true (g_regex_match_simple ("^/\\S+ +\\S+ +3 +1700 +0 +0$", row, 0, 0));
  g_assert_null (strstr (out, foreign));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* --verbose says why the other object is left out. */
  g_assert_cmpint (run_tool (&out, &err, "list", "--verbose", NULL), ==, 0);
  g_assert_null (strstr (out, foreign));
  g_assert_nonnull (strstr (err, foreign));

  g_assert_cmpint (shm_unlink (foreign), ==, 0);
}

static void
test_rm (void)
{
  g_autofree char *foreign = create_foreign_object ();
  g_autofree char *name = zcp_test_unique_name ("tool");
  g_autofree char *missing = zcp_test_unique_name ("tool-missing");
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  zcp_mem_pool_config_add_entry (config, 64, 1, NULL);
  allocator = zcp_mem_pool_allocator_new (config);
  g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (allocator, name, &error));
  g_assert_true (zcp_mem_pool_allocator_initialize_mem_pools (allocator, &error));
  g_assert_no_error (error);

  /* Not a zerocp segment: refused without --force. */
  g_assert_cmpint (run_tool (&out, &err, "rm", foreign, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "--force"));
  g_assert_true (zcp_test_shm_exists (foreign));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_tool (&out, &err, "rm", "--force", foreign, NULL), ==, 0);
  g_assert_false (zcp_test_shm_exists (foreign));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Several names: the missing one fails, the other is removed anyway. */
  g_assert_cmpint (run_tool (&out, &err, "rm", missing, name + 1, NULL), ==, 1);
  g_assert_nonnull (strstr (err, missing));
  g_assert_false (zcp_test_shm_exists (name));
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_tool (&out, &err, "rm", name, NULL), ==, 1);

  /* The creator's mapping outlives the name. */
  g_assert_true (zcp_mem_pool_allocator_is_initialized (allocator));
  g_assert_finalize_object (g_steal_pointer (&allocator));
}

static ZcpMemPoolConfig *
advise (const char *name,
        const char *headroom)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  ZcpMemPoolConfig *config;

  if (headroom != NULL)
    g_assert_cmpint (run_tool (&out, &err, "advise", "--headroom", headroom, name, NULL), ==, 0);
  else
    g_assert_cmpint (run_tool (&out, &err, "advise", name, NULL), ==, 0);
  g_assert_cmpstr (err, ==, "");

  /* The output is a configuration file. */
  config = zcp_mem_pool_config_new_from_data (out, -1, &error);
  g_assert_no_error (error);
  return config;
}

static void
test_advise (ZcpFixture    *seg,
             gconstpointer  user_data)
{
  g_autoptr(ZcpMemPoolConfig) config = NULL;
  g_autofree char *out = NULL;
  ZcpChunk *small[10];
  ZcpChunk *big[200];

  /* Peak use: 10 small chunks, no middle ones, all big ones and more. */
  for (guint i = 0; i < 10; i++)
    small[i] = zcp_mem_pool_manager_get_chunk (seg->manager, 100);
  for (guint i = 0; i < 5; i++)
    zcp_mem_pool_manager_release_chunk (seg->manager, small[i]);
  for (guint i = 0; i < 200; i++)
    big[i] = zcp_mem_pool_manager_get_chunk (seg->manager, 4096);
  g_assert_null (zcp_mem_pool_manager_get_chunk (seg->manager, 4096));
  for (guint i = 0; i < 200; i++)
    zcp_mem_pool_manager_release_chunk (seg->manager, big[i]);

  /* Default headroom, 25 %, rounded up. */
  config = advise (seg->name, NULL);
  g_assert_cmpuint (zcp_mem_pool_config_get_n_entries (config), ==, 3);
  g_assert_cmpuint (zcp_mem_pool_config_get_chunk_size (config, 0), ==, 256);
  g_assert_cmpuint (zcp_mem_pool_config_get_chunk_count (config, 0), ==, 13);
  g_assert_cmpuint (zcp_mem_pool_config_get_chunk_size (config, 1), ==, 1024);
  g_assert_cmpuint (zcp_mem_pool_config_get_chunk_count (config, 1), ==, 1);
  g_assert_cmpuint (zcp_mem_pool_config_get_chunk_size (config, 2), ==, 4096);
  g_assert_cmpuint (zcp_mem_pool_config_get_chunk_count (config, 2), ==, 250);
  g_assert_cmpuint (zcp_mem_pool_config_get_permissions (config), ==, 0600);
  g_assert_false (zcp_mem_pool_config_get_fallback (config));
  g_assert_true (zcp_mem_pool_config_get_thread_cache (config));
  g_clear_object (&config);

  config = advise (seg->name + 1, "0");
  g_assert_cmpuint (zcp_mem_pool_config_get_chunk_count (config, 0), ==, 10);
  g_assert_cmpuint (zcp_mem_pool_config_get_chunk_count (config, 1), ==, 1);
  g_assert_cmpuint (zcp_mem_pool_config_get_chunk_count (config, 2), ==, 200);
  g_clear_object (&config);

  config = advise (seg->name, "100");
  g_assert_cmpuint (zcp_mem_pool_config_get_chunk_count (config, 0), ==, 20);
  g_assert_cmpuint (zcp_mem_pool_config_get_chunk_count (config, 2), ==, 400);

  /* The comments say why. */
  g_assert_cmpint (run_tool (&out, NULL, "advise", seg->name, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "# pool 2 (4KiB): all 200 chunks were in use and 1 gets were refused"));
  g_assert_nonnull (strstr (out, "# pool 1 (1KiB): never used"));
  g_assert_nonnull (strstr (out, "# pool 0 (256B): at most 10 of 1000 chunks were in use; 13 advised"));

  for (guint i = 5; i < 10; i++)
    zcp_mem_pool_manager_release_chunk (seg->manager, small[i]);

  /* Fallback and thread-cache live in the segment: advise copies them. */
  {
    g_autoptr(ZcpMemPoolConfig) with_fallback = zcp_mem_pool_config_new ();
    g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
    g_autofree char *name = zcp_test_unique_name ("advise-fallback");

    g_assert_true (zcp_mem_pool_config_add_entry (with_fallback, 64, 4, NULL));
    g_assert_true (zcp_mem_pool_config_set_fallback (with_fallback, TRUE, NULL));
    g_assert_true (zcp_mem_pool_config_set_thread_cache (with_fallback, FALSE, NULL));
    allocator = zcp_mem_pool_allocator_new (with_fallback);
    g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (allocator, name, NULL));
    g_assert_true (zcp_mem_pool_allocator_initialize_mem_pools (allocator, NULL));

    g_clear_object (&config);
    config = advise (name, NULL);
    g_assert_true (zcp_mem_pool_config_get_fallback (config));
    g_assert_false (zcp_mem_pool_config_get_thread_cache (config));
    g_assert_false (zcp_mem_pool_manager_get_thread_cache (zcp_mem_pool_allocator_get_manager (allocator)));
    g_assert_true (zcp_mem_pool_manager_get_thread_cache (seg->manager));
  }
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_summary ("The zcp tool: every command, its output and its exit status");

  tool_path = g_test_build_filename (G_TEST_BUILT, "..", "tools", "zcp", NULL);
  g_assert_true (g_file_test (tool_path, G_FILE_TEST_IS_EXECUTABLE));

  g_test_add_func ("/zcp/tool/usage", test_usage);
  g_test_add_func ("/zcp/tool/create", test_create);
  g_test_add_func ("/zcp/tool/create-sigterm", test_create_sigterm);
  g_test_add_func ("/zcp/tool/create-errors", test_create_errors);
  g_test_add ("/zcp/tool/stat", ZcpFixture, NULL, zcp_fixture_setup_spec, test_stat, zcp_fixture_teardown);
  g_test_add_func ("/zcp/tool/stat-cached", test_stat_cached);
  g_test_add ("/zcp/tool/stat-watch", ZcpFixture, NULL, zcp_fixture_setup_spec, test_stat_watch, zcp_fixture_teardown);
  g_test_add ("/zcp/tool/list", ZcpFixture, NULL, zcp_fixture_setup_spec, test_list, zcp_fixture_teardown);
  g_test_add_func ("/zcp/tool/rm", test_rm);
  g_test_add ("/zcp/tool/advise", ZcpFixture, NULL, zcp_fixture_setup_spec, test_advise, zcp_fixture_teardown);

  status = g_test_run ();
  g_free (tool_path);
  return status;
}
