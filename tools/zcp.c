/* zcp.c: create, list, inspect, size and remove zerocp segments
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Exit status: 0 success, 1 runtime error (a segment missing or foreign,
 * a bad configuration file, the system said no), 2 usage error.
 */

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n-lib.h>

#include <zerocp/zerocp.h>

#define EXIT_OK 0
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

#define SHM_DIR "/dev/shm"
#define BAR_WIDTH 20
#define DEFAULT_HEADROOM 25

typedef struct
{
  const char *name;
  const char *parameters;  /* (translatable) */
  const char *summary;     /* (translatable) */
  int (*run) (int argc, char **argv);
} Command;

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */

static void
print_error (const char *format,
             ...) G_GNUC_PRINTF (1, 2);

static void
print_error (const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("%s: %s\n", g_get_prgname (), message);
}

static int
usage_error (const char *message)
{
  g_printerr ("%s: %s\n", g_get_prgname (), message);
  g_printerr (_("Try “%s --help” for more information."), g_get_prgname ());
  g_printerr ("\n");
  return EXIT_USAGE;
}

/* Parses the options of a command; on a usage error prints it and returns
 * FALSE.  --help prints and exits 0 (GOption does that). */
static gboolean
parse_options (GOptionContext *context,
               int            *argc,
               char         ***argv)
{
  g_autoptr(GError) error = NULL;

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      usage_error (error->message);
      return FALSE;
    }
  return TRUE;
}

/* "/name" from "name" or "/name". */
static char *
segment_name (const char *arg)
{
  return arg[0] == '/' ? g_strdup (arg) : g_strconcat ("/", arg, NULL);
}

static char *
segment_path (const char *name)
{
  return g_strconcat (SHM_DIR, name, NULL);
}

/* The shortest exact spelling, as in configuration files: "4KiB", "1000B". */
static char *
format_chunk_size (guint64 size)
{
  static const char *const units[] = { "TiB", "GiB", "MiB", "KiB" };

  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    {
      guint shift = 40 - 10 * i;

      if (size != 0 && (size & ((G_GUINT64_CONSTANT (1) << shift) - 1)) == 0)
        return g_strdup_printf ("%llu%s", (unsigned long long) (size >> shift), units[i]);
    }

  return g_strdup_printf ("%lluB", (unsigned long long) size);
}

static ZcpMemPoolManager *
open_read_only (const char  *name,
                GError     **error)
{
  return zcp_mem_pool_manager_open (name, ZCP_OPEN_FLAGS_READ_ONLY, 0, error);
}

static gboolean
quit_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static void
quit_on_signals (GMainLoop *loop,
                 guint      ids[3])
{
  ids[0] = g_unix_signal_add (SIGINT, quit_loop, loop);
  ids[1] = g_unix_signal_add (SIGTERM, quit_loop, loop);
  ids[2] = g_unix_signal_add (SIGHUP, quit_loop, loop);
}

static void
remove_sources (guint ids[3])
{
  for (guint i = 0; i < 3; i++)
    g_clear_handle_id (&ids[i], g_source_remove);
}

/* ------------------------------------------------------------------------ */
/* zcp create                                                                */

typedef struct
{
  ZcpMemPoolManager *manager;  /* (unowned) */
} CreateData;

static void
describe_pool (ZcpMemPoolManager *manager,
               guint              pool,
               char             **size,
               ZcpMemPoolStats   *stats)
{
  zcp_mem_pool_manager_get_pool_stats (manager, pool, stats);
  *size = format_chunk_size (stats->chunk_size);
}

static void
on_pool_low (ZcpPoolMonitor *monitor,
             guint           pool,
             guint           free_chunks,
             gpointer        user_data)
{
  CreateData *data = user_data;
  g_autofree char *size = NULL;
  ZcpMemPoolStats stats;

  describe_pool (data->manager, pool, &size, &stats);
  print_error (_("pool %u (%s chunks) is low: %u of %u chunks free"),
               pool, size, free_chunks, stats.chunk_count);
}

static void
on_pool_exhausted (ZcpPoolMonitor *monitor,
                   guint           pool,
                   gpointer        user_data)
{
  CreateData *data = user_data;
  g_autofree char *size = NULL;
  ZcpMemPoolStats stats;

  describe_pool (data->manager, pool, &size, &stats);
  print_error (_("pool %u (%s chunks) ran out: all %u chunks in use, %llu gets refused so far"),
               pool, size, stats.chunk_count, (unsigned long long) stats.failed_gets);
}

static int
run_create (int    argc,
            char **argv)
{
  g_autofree char *config_path = NULL;
  gboolean replace = FALSE;
  int low_percent = ZCP_POOL_MONITOR_DEFAULT_LOW_PERCENT;
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
      N_("The configuration file (required)"), N_("FILE") },
    { "replace", 0, 0, G_OPTION_ARG_NONE, &replace,
      N_("Replace a segment of the same name instead of failing"), NULL },
    { "low-percent", 0, 0, G_OPTION_ARG_INT, &low_percent,
      N_("Report a pool as low when its free chunks fall to PERCENT of its count (default 10)"), N_("PERCENT") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("NAME"));
  g_autoptr(ZcpMemPoolConfig) config = NULL;
  g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
  g_autoptr(ZcpPoolMonitor) monitor = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *size = NULL;
  guint signal_ids[3] = { 0, };
  CreateData data;

  g_option_context_set_summary (context, _("Creates a segment from a configuration file and keeps it until SIGINT or SIGTERM, then removes it.  Pools that run low or out are reported on standard error."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!parse_options (context, &argc, &argv))
    return EXIT_USAGE;

  if (argc != 2)
    return usage_error (_("Expected one segment NAME"));
  if (config_path == NULL)
    return usage_error (_("--config FILE is required"));
  if (low_percent < 0 || low_percent > 100)
    return usage_error (_("--low-percent must be between 0 and 100"));

  name = segment_name (argv[1]);

  /* Catch the signals before the segment exists: one that comes while it
   * is being created then removes it like any other. */
  loop = g_main_loop_new (NULL, FALSE);
  quit_on_signals (loop, signal_ids);

  config = zcp_mem_pool_config_new_from_file (config_path, &error);
  if (config == NULL)
    {
      print_error ("%s", error->message);
      remove_sources (signal_ids);
      return EXIT_RUNTIME;
    }

  allocator = zcp_mem_pool_allocator_new_with_mode (config,
                                                    replace ? ZCP_SHM_OPEN_MODE_PURGE_AND_CREATE
                                                            : ZCP_SHM_OPEN_MODE_EXCLUSIVE_CREATE);
  if (zcp_mem_pool_allocator_initialize_shared_memory (allocator, name, &error) == NULL ||
      !zcp_mem_pool_allocator_initialize_mem_pools (allocator, &error))
    {
      if (g_error_matches (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_ALREADY_EXISTS))
        print_error (_("%s (use --replace to replace it)"), error->message);
      else
        print_error ("%s", error->message);
      remove_sources (signal_ids);
      return EXIT_RUNTIME;
    }

  data.manager = zcp_mem_pool_allocator_get_manager (allocator);
  monitor = zcp_pool_monitor_new (data.manager, 200);
  zcp_pool_monitor_set_low_percent (monitor, (guint) low_percent);
  g_signal_connect (monitor, "pool-low", G_CALLBACK (on_pool_low), &data);
  g_signal_connect (monitor, "pool-exhausted", G_CALLBACK (on_pool_exhausted), &data);

  size = g_format_size_full (zcp_mem_pool_allocator_get_memory_size (allocator), G_FORMAT_SIZE_IEC_UNITS);
  /* The first line of standard output says the segment is ready: scripts
   * (and the tests) wait for it. */
  g_print (_("Created shared memory “%s”: %s, %u pools; it is removed on SIGINT (Ctrl+C) or SIGTERM"),
           name, size, zcp_mem_pool_manager_get_pool_count (data.manager));
  g_print ("\n");
  fflush (stdout);

  g_main_loop_run (loop);
  remove_sources (signal_ids);

  g_clear_object (&monitor);
  /* The allocator created the segment, so dropping it unlinks it. */
  g_clear_object (&allocator);

  g_print (_("Removed shared memory “%s”"), name);
  g_print ("\n");
  return EXIT_OK;
}

/* ------------------------------------------------------------------------ */
/* zcp list                                                                  */

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static int
run_list (int    argc,
          char **argv)
{
  gboolean verbose = FALSE;
  const GOptionEntry entries[] = {
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
      N_("Say on standard error why each other object is not listed"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *entry;

  g_option_context_set_summary (context, _("Lists the zerocp segments in /dev/shm, recognized by their header; other objects are left out."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!parse_options (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc != 1)
    return usage_error (_("No argument expected"));

  dir = g_dir_open (SHM_DIR, 0, &error);
  if (dir == NULL)
    {
      print_error ("%s", error->message);
      return EXIT_RUNTIME;
    }
  while ((entry = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (entry));
  g_ptr_array_sort (names, compare_strings);

  /* Translators: column headings of "zcp list"; CACHED counts the free
   * chunks resting in threads' caches, as in "zcp stat". */
  g_print ("%-40s %10s %5s %10s %10s %8s\n", _("NAME"), _("SIZE"), _("POOLS"), _("CHUNKS"), _("IN USE"), _("CACHED"));

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *name = g_strconcat ("/", (const char *) names->pdata[i], NULL);
      g_autofree char *path = segment_path (name);
      g_autoptr(ZcpMemPoolManager) manager = NULL;
      g_autoptr(GError) local_error = NULL;
      g_autofree char *size = NULL;
      guint64 chunks = 0, used = 0, cached = 0;
      struct stat st;

      if (lstat (path, &st) != 0 || !S_ISREG (st.st_mode))
        continue;

      manager = open_read_only (name, &local_error);
      if (manager == NULL)
        {
          if (verbose)
            print_error (_("skipping “%s”: %s"), name, local_error->message);
          continue;
        }

      for (guint p = 0; p < zcp_mem_pool_manager_get_pool_count (manager); p++)
        {
          ZcpMemPoolStats stats;

          zcp_mem_pool_manager_get_pool_stats (manager, p, &stats);
          chunks += stats.chunk_count;
          used += stats.used;
          cached += stats.cached;
        }

      size = g_format_size_full (zcp_mem_pool_manager_get_memory_size (manager), G_FORMAT_SIZE_IEC_UNITS);
      g_print ("%-40s %10s %5u %10llu %10llu %8llu\n", name, size,
               zcp_mem_pool_manager_get_pool_count (manager),
               (unsigned long long) chunks, (unsigned long long) used,
               (unsigned long long) cached);
    }

  return EXIT_OK;
}

/* ------------------------------------------------------------------------ */
/* zcp stat                                                                  */

/* '#' chunks in use now, '+' in use at the peak only, '.' never used. */
static void
append_bar (GString *out,
            guint32  count,
            guint32  used,
            guint32  peak)
{
  guint filled = count == 0 ? 0 : (guint) (((guint64) used * BAR_WIDTH + count - 1) / count);
  guint peaked = count == 0 ? 0 : (guint) (((guint64) peak * BAR_WIDTH + count - 1) / count);

  g_string_append_c (out, '[');
  for (guint i = 0; i < BAR_WIDTH; i++)
    g_string_append_c (out, i < filled ? '#' : i < peaked ? '+' : '.');
  g_string_append_c (out, ']');
}

static char *
render_stats (ZcpMemPoolManager *manager)
{
  GString *out = g_string_new (NULL);
  g_autofree char *size = g_format_size_full (zcp_mem_pool_manager_get_memory_size (manager),
                                               G_FORMAT_SIZE_IEC_UNITS | G_FORMAT_SIZE_LONG_FORMAT);
  guint n = zcp_mem_pool_manager_get_pool_count (manager);

  g_string_append_printf (out, _("Shared memory “%s”: %s, %u pools, segment ID %016llx"),
                          zcp_mem_pool_manager_get_name (manager), size, n,
                          (unsigned long long) zcp_mem_pool_manager_get_segment_id (manager));
  g_string_append_c (out, '\n');
  /* Translators: column headings of "zcp stat"; CACHED is the free chunks
   * resting in threads' caches (part of FREE), LOW-WATER the fewest chunks
   * the pool's shared free list ever had, PEAK the most chunks in use. */
  g_string_append_printf (out, "%4s %10s %10s %10s %10s %8s %10s %10s %8s  %s\n",
                          _("POOL"), _("CHUNK SIZE"), _("COUNT"), _("USED"), _("FREE"),
                          _("CACHED"), _("LOW-WATER"), _("PEAK"), _("FAILED"), _("USAGE"));

  for (guint i = 0; i < n; i++)
    {
      ZcpMemPoolStats stats;
      g_autofree char *chunk_size = NULL;
      guint32 peak;

      zcp_mem_pool_manager_get_pool_stats (manager, i, &stats);
      chunk_size = format_chunk_size (stats.chunk_size);
      peak = stats.chunk_count - MIN (stats.low_water, stats.chunk_count);

      g_string_append_printf (out, "%4u %10s %10u %10u %10u %8u %10u %10u %8llu  ",
                              i, chunk_size, stats.chunk_count, stats.used, stats.free,
                              stats.cached, stats.low_water, peak,
                              (unsigned long long) stats.failed_gets);
      append_bar (out, stats.chunk_count, stats.used, peak);
      g_string_append_printf (out, " %3u%%\n",
                              stats.chunk_count == 0 ? 0 : (guint) ((guint64) stats.used * 100 / stats.chunk_count));
    }

  return g_string_free (out, FALSE);
}

typedef struct
{
  ZcpMemPoolManager *manager;  /* (unowned) */
  GMainLoop *loop;             /* (unowned) */
  char *path;                  /* (owned) */
  ino_t ino;
  gboolean clear_screen;
  int remaining;               /* frames still to draw; < 0: no limit */
  guint timer;
  int status;
} WatchData;

static void
draw_frame (WatchData *data)
{
  g_autofree char *text = render_stats (data->manager);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%H:%M:%S");

  if (data->clear_screen)
    g_print ("\033[H\033[2J");
  g_print ("%s\n%s", stamp, text);
  if (!data->clear_screen)
    g_print ("\n");
  fflush (stdout);
}

static gboolean
on_watch_tick (gpointer user_data)
{
  WatchData *data = user_data;
  struct stat st;

  /* Our mapping outlives an unlink: look at the name itself. */
  if (stat (data->path, &st) != 0 || st.st_ino != data->ino)
    {
      print_error (_("Shared memory “%s” was removed"), zcp_mem_pool_manager_get_name (data->manager));
      data->status = EXIT_RUNTIME;
      data->timer = 0;
      g_main_loop_quit (data->loop);
      return G_SOURCE_REMOVE;
    }

  draw_frame (data);

  if (data->remaining > 0 && --data->remaining == 0)
    {
      data->timer = 0;
      g_main_loop_quit (data->loop);
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static int
run_stat (int    argc,
          char **argv)
{
  gboolean watch = FALSE;
  double interval = 1.0;
  int count = 0;
  const GOptionEntry entries[] = {
    { "watch", 'w', 0, G_OPTION_ARG_NONE, &watch,
      N_("Redraw the table every interval until interrupted"), NULL },
    { "interval", 'i', 0, G_OPTION_ARG_DOUBLE, &interval,
      N_("Seconds between two redraws with --watch (default 1)"), N_("SECONDS") },
    { "count", 'n', 0, G_OPTION_ARG_INT, &count,
      N_("With --watch, stop after N redraws"), N_("N") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("NAME"));
  g_autoptr(ZcpMemPoolManager) manager = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  struct stat st;

  g_option_context_set_summary (context, _("Shows each pool of a segment: chunk size, count, chunks in use and free, the free chunks resting in threads' caches, the low-water mark (fewest chunks ever on the shared free list), the peak use, refused gets and a bar (# in use, + in use at the peak).  The segment is attached read-only."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!parse_options (context, &argc, &argv))
    return EXIT_USAGE;

  if (argc != 2)
    return usage_error (_("Expected one segment NAME"));
  if (!(interval >= 0.01 && interval <= 3600.0))
    return usage_error (_("--interval must be between 0.01 and 3600 seconds"));
  if (count < 0)
    return usage_error (_("--count must not be negative"));
  if (count > 0 && !watch)
    return usage_error (_("--count needs --watch"));

  name = segment_name (argv[1]);
  manager = open_read_only (name, &error);
  if (manager == NULL)
    {
      print_error ("%s", error->message);
      return EXIT_RUNTIME;
    }

  if (!watch)
    {
      g_autofree char *text = render_stats (manager);

      g_print ("%s", text);
      return EXIT_OK;
    }
  else
    {
      g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
      guint signal_ids[3] = { 0, };
      WatchData data = { 0, };

      data.manager = manager;
      data.loop = loop;
      data.path = segment_path (name);
      data.ino = stat (data.path, &st) == 0 ? st.st_ino : 0;
      data.clear_screen = isatty (STDOUT_FILENO);
      data.remaining = count > 0 ? count : -1;
      data.status = EXIT_OK;

      draw_frame (&data);
      if (data.remaining > 0)
        data.remaining--;

      if (data.remaining != 0)
        {
          data.timer = g_timeout_add ((guint) (interval * 1000.0), on_watch_tick, &data);
          quit_on_signals (loop, signal_ids);
          g_main_loop_run (loop);
          remove_sources (signal_ids);
          g_clear_handle_id (&data.timer, g_source_remove);
        }

      g_free (data.path);
      return data.status;
    }
}

/* ------------------------------------------------------------------------ */
/* zcp rm                                                                    */

static int
run_rm (int    argc,
        char **argv)
{
  gboolean force = FALSE;
  const GOptionEntry entries[] = {
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force,
      N_("Remove the object even if it is not a zerocp segment"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("NAME…"));
  int status = EXIT_OK;

  g_option_context_set_summary (context, _("Removes segments.  Processes attached to a segment keep their mapping until they detach; new ones can no longer attach."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!parse_options (context, &argc, &argv))
    return EXIT_USAGE;

  if (argc < 2)
    return usage_error (_("Expected at least one segment NAME"));

  for (int i = 1; i < argc; i++)
    {
      g_autofree char *name = segment_name (argv[i]);
      g_autoptr(ZcpMemPoolManager) manager = NULL;
      g_autoptr(GError) error = NULL;

      /* Only the magic number matters here: a segment whose creator died
       * while laying it out, or that is damaged, is still ours to remove. */
      manager = open_read_only (name, &error);
      if (manager == NULL &&
          (g_error_matches (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_DOES_NOT_EXIST) ||
           g_error_matches (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_INVALID_NAME) ||
           (!force && g_error_matches (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_NOT_ZEROCP))))
        {
          if (g_error_matches (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_NOT_ZEROCP))
            print_error (_("%s; use --force to remove it anyway"), error->message);
          else
            print_error ("%s", error->message);
          status = EXIT_RUNTIME;
          continue;
        }
      g_clear_object (&manager);

      if (shm_unlink (name) != 0)
        {
          int errsv = errno;

          print_error (_("Cannot remove shared memory “%s”: %s"), name, g_strerror (errsv));
          status = EXIT_RUNTIME;
        }
    }

  return status;
}

/* ------------------------------------------------------------------------ */
/* zcp advise                                                                */

static int
run_advise (int    argc,
            char **argv)
{
  int headroom = DEFAULT_HEADROOM;
  const GOptionEntry entries[] = {
    { "headroom", 'H', 0, G_OPTION_ARG_INT, &headroom,
      N_("Add PERCENT to the observed peak of each pool (default 25)"), N_("PERCENT") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("NAME"));
  g_autoptr(ZcpMemPoolManager) manager = NULL;
  g_autoptr(ZcpMemPoolConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *old_size = NULL;
  g_autofree char *new_size = NULL;
  GString *comments;
  struct stat st;

  g_option_context_set_summary (context, _("Prints a configuration file for a segment, sized from the most chunks each pool ever had in use (its count minus its low-water mark) plus headroom.  Let the segment see a typical load first."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!parse_options (context, &argc, &argv))
    return EXIT_USAGE;

  if (argc != 2)
    return usage_error (_("Expected one segment NAME"));
  if (headroom < 0 || headroom > 1000)
    return usage_error (_("--headroom must be between 0 and 1000"));

  name = segment_name (argv[1]);
  manager = open_read_only (name, &error);
  if (manager == NULL)
    {
      print_error ("%s", error->message);
      return EXIT_RUNTIME;
    }

  config = zcp_mem_pool_config_new ();
  path = segment_path (name);
  if (stat (path, &st) == 0)
    zcp_mem_pool_config_set_permissions (config, st.st_mode & 0777, NULL);
  zcp_mem_pool_config_set_fallback (config, zcp_mem_pool_manager_get_fallback (manager), NULL);
  zcp_mem_pool_config_set_thread_cache (config, zcp_mem_pool_manager_get_thread_cache (manager), NULL);

  comments = g_string_new (NULL);
  g_string_append_printf (comments,
                          _("# Pool sizes for “%s”: the most chunks each pool had in use, plus %d %% headroom."),
                          name, headroom);
  g_string_append_c (comments, '\n');
  g_string_append (comments,
                   _("# Set prefault and mlock as in the segment's original configuration: they belong to each process's mapping, not to the segment."));
  g_string_append_c (comments, '\n');

  for (guint i = 0; i < zcp_mem_pool_manager_get_pool_count (manager); i++)
    {
      ZcpMemPoolStats stats;
      g_autofree char *chunk_size = NULL;
      guint32 peak;
      guint64 need, advised;

      zcp_mem_pool_manager_get_pool_stats (manager, i, &stats);
      chunk_size = format_chunk_size (stats.chunk_size);
      peak = stats.chunk_count - MIN (stats.low_water, stats.chunk_count);

      /* A pool that refused gets needed more than it had: its count is a
       * lower bound of the demand, not a measure of it. */
      need = stats.failed_gets > 0 ? stats.chunk_count : peak;
      advised = (need * (guint64) (100 + headroom) + 99) / 100;
      advised = CLAMP (advised, 1, ZCP_MEM_POOL_MAX_CHUNK_COUNT);

      if (stats.failed_gets > 0)
        g_string_append_printf (comments,
                                _("# pool %u (%s): all %u chunks were in use and %llu gets were refused; %llu is a lower bound"),
                                i, chunk_size, stats.chunk_count,
                                (unsigned long long) stats.failed_gets, (unsigned long long) advised);
      else if (peak == 0)
        g_string_append_printf (comments,
                                _("# pool %u (%s): never used; kept with %llu chunk so that gets of its size still fit"),
                                i, chunk_size, (unsigned long long) advised);
      else
        g_string_append_printf (comments,
                                _("# pool %u (%s): at most %u of %u chunks were in use; %llu advised"),
                                i, chunk_size, peak, stats.chunk_count, (unsigned long long) advised);
      g_string_append_c (comments, '\n');

      if (!zcp_mem_pool_config_add_entry (config, stats.chunk_size, (guint32) advised, &error))
        {
          print_error ("%s", error->message);
          g_string_free (comments, TRUE);
          return EXIT_RUNTIME;
        }
    }

  old_size = g_format_size_full (zcp_mem_pool_manager_get_memory_size (manager), G_FORMAT_SIZE_IEC_UNITS);
  new_size = g_format_size_full (zcp_mem_pool_config_get_memory_size (config), G_FORMAT_SIZE_IEC_UNITS);
  g_string_append_printf (comments, _("# Segment size: %s, now %s."), new_size, old_size);
  g_string_append (comments, "\n\n");

  text = zcp_mem_pool_config_to_string (config);
  g_print ("%s%s", comments->str, text);
  g_string_free (comments, TRUE);

  return EXIT_OK;
}

/* ------------------------------------------------------------------------ */

static const Command commands[] = {
  { "create", N_("--config FILE NAME"), N_("Create a segment and keep it until interrupted"), run_create },
  { "list", "", N_("List the zerocp segments in /dev/shm"), run_list },
  { "stat", N_("[--watch] NAME"), N_("Show the pools of a segment"), run_stat },
  { "rm", N_("NAME…"), N_("Remove segments"), run_rm },
  { "advise", N_("[--headroom PERCENT] NAME"), N_("Print a configuration sized from observed use"), run_advise },
};

static char *
main_description (void)
{
  GString *out = g_string_new (NULL);

  g_string_append (out, _("Commands:"));
  g_string_append_c (out, '\n');
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      const char *parameters = commands[i].parameters[0] != '\0' ? _(commands[i].parameters) : "";
      g_autofree char *usage = g_strdup_printf ("%s %s", commands[i].name, parameters);

      glong width = g_utf8_strlen (usage, -1);

      /* Padded by characters, not bytes: "NAME…" is wider in bytes. */
      g_string_append_printf (out, "  %s%*s %s\n", usage, (int) MAX (0, 34 - width), "",
                              _(commands[i].summary));
    }
  g_string_append_c (out, '\n');
  g_string_append (out, _("“zcp COMMAND --help” describes the options of a command.  NAME is a POSIX shared-memory name; the leading “/” may be left out."));
  g_string_append (out, "\n\n");
  g_string_append (out, _("Exit status: 0 on success, 1 on a runtime error (no such segment, a bad configuration file, the system refused), 2 on a usage error."));
  g_string_append_c (out, '\n');

  return g_string_free (out, FALSE);
}

static int
run_main_options (int    argc,
                  char **argv)
{
  gboolean version = FALSE;
  const GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("COMMAND [ARGUMENT…]"));
  g_autofree char *description = main_description ();

  g_option_context_set_summary (context, _("Creates, inspects, sizes and removes zerocp shared-memory segments."));
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!parse_options (context, &argc, &argv))
    return EXIT_USAGE;

  if (version)
    {
      g_print ("zcp %s\n", PACKAGE_VERSION);
      return EXIT_OK;
    }

  if (argc > 1)
    {
      g_autofree char *message = g_strdup_printf (_("Unknown command “%s”"), argv[1]);

      return usage_error (message);
    }

  {
    g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

    g_printerr ("%s", help);
  }
  return EXIT_USAGE;
}

static int
dispatch (int    argc,
          char **argv)
{
  const Command *command = NULL;

  if (argc > 1 && g_str_equal (argv[1], "help"))
    {
      /* "zcp help [COMMAND]" is "zcp [COMMAND] --help". */
      char *help_argv[] = { argv[0], argc > 2 ? argv[2] : (char *) "--help", (char *) "--help", NULL };

      return dispatch (argc > 2 ? 3 : 2, help_argv);
    }

  for (gsize i = 0; argc > 1 && i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      command = &commands[i];

  if (command == NULL)
    {
      g_set_prgname ("zcp");
      return run_main_options (argc, argv);
    }
  else
    {
      g_autofree char *prgname = g_strconcat ("zcp ", command->name, NULL);

      /* Usage lines and messages then say "zcp stat: …". */
      g_set_prgname (prgname);
      return command->run (argc - 1, argv + 1);
    }
}

int
main (int    argc,
      char **argv)
{
  const char *localedir = g_getenv ("ZCP_LOCALEDIR");

  setlocale (LC_ALL, "");
  /* The tool's messages are in the library's text domain; ZCP_LOCALEDIR
   * points an uninstalled build at its own catalogs, as for the library. */
  if (localedir == NULL || localedir[0] == '\0')
    localedir = LOCALEDIR;
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  return dispatch (argc, argv);
}
