/* zcp-testing.c: helpers for applications' own GTest suites
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Three things make a test segment safe to use from many test programs at
 * once, and leave /dev/shm clean even when a test aborts:
 *
 * - Names carry their creator: `/zcp-test-<tag>-<pid>-<counter>-<random>`.
 *   The counter and the random part make them unique within and across
 *   runs; the pid says whose a segment is.
 *
 * - A watcher process per test process.  The first name a process makes
 *   forks (twice, so that it is nobody's child) a small process
 *   that blocks reading a pipe whose only writer is the test process.  When
 *   the test process dies, however it dies (abort, SIGKILL, a timeout), the
 *   kernel closes the pipe, the read returns 0, and the watcher removes
 *   every `zcp-test-*` segment that carries the dead process's pid.  Like
 *   the bus GTestDBus starts, it lives in its own session, so a harness that
 *   kills the test's process group does not kill it.  It uses no malloc and
 *   no stdio: it runs after fork() in a possibly threaded process.
 *
 * - A sweep on creation: zcp_test_cleanup_stale_segments() removes the test
 *   segments whose creator is dead, for whatever a watcher could not clean
 *   (a machine that went down, a watcher killed by hand).
 *
 * A process counts as dead once it is gone or a zombie; a pid reused by an
 * unrelated live process keeps its segments until that process is gone.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "zcp-error.h"
#include "zcp-private.h"
#include "zcp-testing.h"

/**
 * zcp_test_error_quark:
 *
 * The error domain of the testing helpers.
 *
 * Returns: the #GQuark of the testing helpers' error domain
 *
 * Since: 1.0
 */
G_DEFINE_QUARK (zcp-test-error-quark, zcp_test_error)

#define TEST_PREFIX "zcp-test-"
#define SHM_DIR "/dev/shm"
#define MAX_TAG_LENGTH 64

/* ------------------------------------------------------------------------ */
/* Names and liveness.  Everything here may run in the watcher, after fork() */
/* in a threaded process: no allocation, no locks, no stdio.                 */

static gboolean
parse_digits_backwards (const char  *start,
                        const char **end,
                        guint64     *value,
                        guint        max_digits)
{
  const char *p = *end;
  guint64 v = 0, scale = 1;
  guint n = 0;

  while (p > start && p[-1] >= '0' && p[-1] <= '9' && n < max_digits)
    {
      p--;
      v += (guint64) (*p - '0') * scale;
      scale *= 10;
      n++;
    }

  if (n == 0 || p == start || p[-1] != '-')
    return FALSE;

  *end = p - 1;  /* at the '-' */
  *value = v;
  return TRUE;
}

/* Whether entry (a name in /dev/shm, without the slash) is a test segment
 * name, and the pid of its creator. */
static gboolean
parse_test_name (const char *entry,
                 pid_t      *pid_out)
{
  size_t len = strlen (entry);
  const char *end = entry + len;
  const char *tag_start = entry + strlen (TEST_PREFIX);
  guint64 counter, pid;

  if (strncmp (entry, TEST_PREFIX, strlen (TEST_PREFIX)) != 0 || len < strlen (TEST_PREFIX) + 8)
    return FALSE;

  /* The random part: exactly 8 hex digits after a '-'. */
  for (int i = 1; i <= 8; i++)
    if (!g_ascii_isxdigit (end[-i]))
      return FALSE;
  end -= 8;
  if (end <= tag_start || end[-1] != '-')
    return FALSE;
  end--;

  if (!parse_digits_backwards (tag_start, &end, &counter, 10) ||
      !parse_digits_backwards (tag_start, &end, &pid, 10))
    return FALSE;

  /* A non-empty tag before the pid. */
  if (end <= tag_start || pid == 0 || pid > G_MAXINT)
    return FALSE;

  *pid_out = (pid_t) pid;
  return TRUE;
}

/* Whether pid names a live process: one that exists and is not a zombie. */
static gboolean
pid_is_alive (pid_t pid)
{
  char path[64], buf[512];
  const char *paren = NULL;
  ssize_t n;
  int fd;

  g_snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return FALSE;
      /* No /proc: ask the kernel, which cannot tell zombies apart. */
      return kill (pid, 0) == 0 || errno == EPERM;
    }

  do
    n = read (fd, buf, sizeof buf - 1);
  while (n < 0 && errno == EINTR);
  close (fd);
  if (n <= 0)
    return FALSE;  /* it went away while we looked */
  buf[n] = '\0';

  /* The state follows the command name, which may itself hold ')'. */
  for (const char *p = buf; *p != '\0'; p++)
    if (*p == ')')
      paren = p;
  if (paren == NULL || paren[1] != ' ')
    return TRUE;

  return paren[2] != 'Z' && paren[2] != 'X';
}

/* Unlinks /name; name is an entry of /dev/shm. */
static gboolean
unlink_entry (const char *entry)
{
  char path[300];

  if (strlen (entry) > 255)
    return FALSE;
  path[0] = '/';
  strcpy (path + 1, entry);

  return shm_unlink (path) == 0;
}

struct zcp_dirent64
{
  guint64 d_ino;
  gint64 d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

/* The watcher's sweep: removes the test segments of pid, the one process
 * that had the other end of its pipe. */
static void
watcher_sweep (pid_t pid)
{
  char buf[8192] __attribute__ ((aligned (8)));
  int dir;

  dir = open (SHM_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    return;

  for (;;)
    {
      long n = syscall (SYS_getdents64, dir, buf, sizeof buf);

      if (n <= 0)
        break;

      for (long off = 0; off < n;)
        {
          struct zcp_dirent64 *d = (struct zcp_dirent64 *) (gpointer) (buf + off);
          pid_t owner;

          if (parse_test_name (d->d_name, &owner) && owner == pid)
            unlink_entry (d->d_name);
          off += d->d_reclen;
        }
    }

  close (dir);
}

G_GNUC_NORETURN static void
watcher_main (int   read_fd,
              pid_t parent)
{
  struct rlimit rl;
  int keep, null_fd;
  char c;
  ssize_t n;

  /* Its own session: a harness killing the test's process group must not
   * take the watcher with it. */
  setsid ();
  signal (SIGINT, SIG_IGN);
  signal (SIGHUP, SIG_IGN);

  /* Hold nothing the test process opened: a harness waits for EOF on the
   * test's stdout, and a pipe the test reads must close when it expects. */
  keep = fcntl (read_fd, F_DUPFD_CLOEXEC, 3);
  if (keep < 0)
    _exit (1);
  null_fd = open ("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd = 0; fd < 3; fd++)
    {
      if (null_fd >= 0)
        dup2 (null_fd, fd);
      else
        close (fd);
    }
  if (getrlimit (RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 65536)
    rl.rlim_cur = 65536;
  for (int fd = 3; fd < (int) rl.rlim_cur; fd++)
    if (fd != keep)
      close (fd);

  do
    n = read (keep, &c, 1);
  while (n > 0 || (n < 0 && errno == EINTR));

  /* EOF: every copy of the write end is closed.  The kernel closes a dying
   * process's files before it turns into a zombie, so give it a moment to
   * finish dying.  If it still runs after that, it only exec'd another
   * program (the end is close-on-exec), whose segments we must leave
   * alone. */
  for (int i = 0; i < 500; i++)
    {
      struct timespec pause = { 0, 10 * 1000 * 1000 };

      if (!pid_is_alive (parent))
        {
          watcher_sweep (parent);
          break;
        }
      nanosleep (&pause, NULL);
    }

  _exit (0);
}

static GMutex watcher_lock;
static pid_t watcher_owner;     /* the process the watcher below watches */
static int watcher_fd = -1;     /* (owned) write end of its pipe */

/* Starts this process's watcher, once per process (a forked child gets its
 * own). */
static void
ensure_watcher (void)
{
  pid_t self = getpid ();
  int fds[2];
  pid_t child;

  g_mutex_lock (&watcher_lock);

  if (watcher_owner == self)
    goto out;

  /* Inherited through fork(): the parent's watcher, not ours. */
  if (watcher_fd >= 0)
    close (watcher_fd);
  watcher_fd = -1;

  if (pipe2 (fds, O_CLOEXEC) != 0)
    {
      g_debug ("zcp-testing: no watcher: pipe2: %s", g_strerror (errno));
      goto out;
    }

  child = fork ();
  if (child < 0)
    {
      g_debug ("zcp-testing: no watcher: fork: %s", g_strerror (errno));
      close (fds[0]);
      close (fds[1]);
      goto out;
    }

  if (child == 0)
    {
      /* The intermediate child: fork the watcher and leave, so that the
       * watcher is reparented away from the test process. */
      close (fds[1]);
      if (fork () == 0)
        watcher_main (fds[0], self);
      _exit (0);
    }

  close (fds[0]);
  while (waitpid (child, NULL, 0) < 0 && errno == EINTR)
    ;
  watcher_fd = fds[1];
  watcher_owner = self;

out:
  g_mutex_unlock (&watcher_lock);
}

/* In a child made by fork(): let go of the parent's watcher pipe, so that
 * it fires when the parent dies even if this child lives on. */
static void
forget_watcher (void)
{
  if (watcher_fd >= 0 && watcher_owner != getpid ())
    {
      close (watcher_fd);
      watcher_fd = -1;
    }
}

/* ------------------------------------------------------------------------ */
/* Public helpers                                                            */

/**
 * zcp_test_make_name:
 * @tag: (nullable): a short word saying what the segment is for, or %NULL
 *   for the program name
 *
 * Makes a POSIX shared-memory name that no other test, run or process
 * uses: `/zcp-test-<tag>-<pid>-<counter>-<random>`.  Characters of @tag
 * other than ASCII letters, digits, `-`, `_` and `.` become `_`, and it is
 * shortened to 64 bytes.
 *
 * A segment created under such a name belongs, for the clean-up, to the
 * process that made the name: when that process dies, however it dies, its
 * watcher removes the segment (the first call starts the watcher, a small
 * process that waits for this one to end), and
 * zcp_test_cleanup_stale_segments() removes whatever was still left.  So a
 * segment whose name must outlive the process that made it (one that
 * another program keeps using) needs a name of another kind.  Use it for
 * segments a test creates itself, for example to test a
 * #ZcpMemPoolAllocator.
 *
 * Returns: (transfer full): a new name with its leading `/`
 *
 * Since: 1.0
 */
char *
zcp_test_make_name (const char *tag)
{
  static gint counter;
  GString *clean;
  char *name;

  ensure_watcher ();
  clean = g_string_new (NULL);

  if (tag == NULL || tag[0] == '\0')
    {
      tag = g_get_prgname ();
      if (tag == NULL || tag[0] == '\0')
        tag = "test";
      else if (strrchr (tag, '/') != NULL && strrchr (tag, '/')[1] != '\0')
        tag = strrchr (tag, '/') + 1;
    }

  for (const char *p = tag; *p != '\0' && clean->len < MAX_TAG_LENGTH; p++)
    g_string_append_c (clean, g_ascii_isalnum (*p) || *p == '_' || *p == '.' || *p == '-' ? *p : '_');

  name = g_strdup_printf ("/" TEST_PREFIX "%s-%d-%d-%08x", clean->str, (int) getpid (),
                          g_atomic_int_add (&counter, 1), g_random_int ());
  g_string_free (clean, TRUE);

  return name;
}

/**
 * zcp_test_cleanup_stale_segments:
 *
 * Removes the segments in `/dev/shm` that were named by
 * zcp_test_make_name() in a process that is no longer running: what a
 * crashed or killed test run left behind.  Segments of live processes are
 * never touched.  zcp_test_segment_new() calls it, so a test suite rarely
 * needs to.
 *
 * Returns: how many segments were removed
 *
 * Since: 1.0
 */
guint
zcp_test_cleanup_stale_segments (void)
{
  g_autoptr(GDir) dir = NULL;
  const char *entry;
  guint removed = 0;

  dir = g_dir_open (SHM_DIR, 0, NULL);
  if (dir == NULL)
    return 0;

  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      pid_t pid;

      if (!parse_test_name (entry, &pid) || pid_is_alive (pid))
        continue;

      if (unlink_entry (entry))
        {
          g_debug ("zcp-testing: removed /%s, left behind by process %d", entry, (int) pid);
          removed++;
        }
    }

  return removed;
}

/**
 * zcp_test_check_all_chunks_free:
 * @manager: a #ZcpMemPoolManager
 * @error: return location for a #GError, or %NULL
 *
 * Checks that every chunk of every pool of @manager's segment is back in
 * its pool.  The function behind zcp_assert_all_chunks_free(), for
 * bindings and for tests that want to report the failure themselves.
 *
 * Returns: %TRUE if no chunk is in use; otherwise %FALSE with @error set to
 *   %ZCP_TEST_ERROR_CHUNKS_IN_USE and a message that names each pool with
 *   chunks out and how many, such as
 *   `pool 1 (1024-byte chunks): 3 of 500 chunks still in use`
 *
 * Since: 1.0
 */
gboolean
zcp_test_check_all_chunks_free (ZcpMemPoolManager  *manager,
                                GError            **error)
{
  g_autoptr(GString) leaks = NULL;
  guint n_pools;

  g_return_val_if_fail (ZCP_IS_MEM_POOL_MANAGER (manager), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  _zcp_i18n_init ();

  n_pools = zcp_mem_pool_manager_get_pool_count (manager);
  for (guint i = 0; i < n_pools; i++)
    {
      ZcpMemPoolStats stats;

      if (!zcp_mem_pool_manager_get_pool_stats (manager, i, &stats) || stats.used == 0)
        continue;

      if (leaks == NULL)
        leaks = g_string_new (NULL);
      else
        g_string_append (leaks, "; ");
      g_string_append_printf (leaks,
                              g_dngettext (GETTEXT_PACKAGE,
                                           "pool %u (%llu-byte chunks): %u of %u chunk still in use",
                                           "pool %u (%llu-byte chunks): %u of %u chunks still in use",
                                           stats.chunk_count),
                              i, (unsigned long long) stats.chunk_size, stats.used, stats.chunk_count);
    }

  if (leaks != NULL)
    {
      g_set_error (error, ZCP_TEST_ERROR, ZCP_TEST_ERROR_CHUNKS_IN_USE,
                   _("Chunks of shared memory “%s” were not released: %s"),
                   zcp_mem_pool_manager_get_name (manager), leaks->str);
      return FALSE;
    }

  return TRUE;
}

/**
 * zcp_test_assertion_all_chunks_free: (skip)
 * @domain: (nullable): the log domain of the caller
 * @file: the source file of the assertion
 * @line: its line
 * @func: its function
 * @expr: the text of the @manager argument
 * @manager: a #ZcpMemPoolManager
 *
 * The implementation of zcp_assert_all_chunks_free(); use the macro.
 *
 * Since: 1.0
 */
void
zcp_test_assertion_all_chunks_free (const char        *domain,
                                    const char        *file,
                                    int                line,
                                    const char        *func,
                                    const char        *expr,
                                    ZcpMemPoolManager *manager)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (zcp_test_check_all_chunks_free (manager, &error))
    return;

  message = g_strdup_printf ("assertion failed (zcp_assert_all_chunks_free (%s)): %s",
                             expr, error->message);
  g_assertion_message (domain, file, line, func, message);
}

/* Turns a wait status into success or ZCP_TEST_ERROR_SUBPROCESS_FAILED. */
static gboolean
check_wait_status (const char  *what,
                   int          status,
                   GError     **error)
{
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return TRUE;

  if (WIFEXITED (status))
    g_set_error (error, ZCP_TEST_ERROR, ZCP_TEST_ERROR_SUBPROCESS_FAILED,
                 _("Subprocess %s exited with status %d"), what, WEXITSTATUS (status));
  else if (WIFSIGNALED (status))
    g_set_error (error, ZCP_TEST_ERROR, ZCP_TEST_ERROR_SUBPROCESS_FAILED,
                 _("Subprocess %s was killed by signal %d (%s)"), what,
                 WTERMSIG (status), g_strsignal (WTERMSIG (status)));
  else
    g_set_error (error, ZCP_TEST_ERROR, ZCP_TEST_ERROR_SUBPROCESS_FAILED,
                 _("Subprocess %s ended with wait status %d"), what, status);

  return FALSE;
}

/**
 * zcp_test_segment_open_from_environment:
 * @error: return location for a #GError, or %NULL
 *
 * Attaches to the segment named by the environment variable
 * %ZCP_TEST_SEGMENT_ENV: the first call of a program that
 * zcp_test_segment_spawn() started.
 *
 * Returns: (transfer full): a manager of the test segment, or %NULL with
 *   @error set (%ZCP_TEST_ERROR_NO_SEGMENT if the variable is not set, or
 *   the error of zcp_mem_pool_manager_open())
 *
 * Since: 1.0
 */
ZcpMemPoolManager *
zcp_test_segment_open_from_environment (GError **error)
{
  const char *name;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  _zcp_i18n_init ();

  name = g_getenv (ZCP_TEST_SEGMENT_ENV);
  if (name == NULL || name[0] == '\0')
    {
      g_set_error (error, ZCP_TEST_ERROR, ZCP_TEST_ERROR_NO_SEGMENT,
                   _("The environment variable %s does not name a test segment"),
                   ZCP_TEST_SEGMENT_ENV);
      return NULL;
    }

  return zcp_mem_pool_manager_open (name, ZCP_OPEN_FLAGS_NONE, 5000, error);
}

/* ------------------------------------------------------------------------ */
/* ZcpTestSegment                                                            */

/**
 * ZcpTestSegment:
 *
 * A private shared-memory segment for one test, the way #GTestDBus gives a
 * test its own bus.
 *
 * zcp_test_segment_new() creates a segment under a name of its own (see
 * zcp_test_make_name()), lays out the pools of a configuration (by
 * default the specification's: 1000 chunks of 256 bytes, 500 of 1024 and
 * 200 of 4096) and gives its #ZcpMemPoolManager.  Dropping the last
 * reference removes the segment.  If the test aborts instead, a watcher
 * process removes it as soon as the test process is gone, and the next
 * zcp_test_segment_new() of any program sweeps whatever was still left (see
 * zcp_test_cleanup_stale_segments()).
 *
 * It fits g_test_add() fixtures: create it in the set-up function, check
 * for leaked chunks and drop it in the tear-down function.  Inside
 * g_test_trap_subprocess() the child creates its own segment, which goes
 * away with the child.  zcp_test_segment_run_in_subprocess() (C) and
 * zcp_test_segment_spawn() (any language) run code in a second process
 * attached to the same segment.
 *
 * |[<!-- language="C" -->
 * typedef struct { ZcpTestSegment *segment; } Fixture;
 *
 * static void
 * fixture_set_up (Fixture *f, gconstpointer data)
 * {
 *   g_autoptr(GError) error = NULL;
 *
 *   f->segment = zcp_test_segment_new (NULL, &error);
 *   g_assert_no_error (error);
 * }
 *
 * static void
 * fixture_tear_down (Fixture *f, gconstpointer data)
 * {
 *   zcp_assert_all_chunks_free (zcp_test_segment_get_manager (f->segment));
 *   g_clear_object (&f->segment);
 * }
 *
 * static void
 * test_send (Fixture *f, gconstpointer data)
 * {
 *   ZcpMemPoolManager *manager = zcp_test_segment_get_manager (f->segment);
 *
 *   my_app_send_greeting (manager);  // the code under test
 * }
 *
 * g_test_add ("/my-app/send", Fixture, NULL, fixture_set_up, test_send, fixture_tear_down);
 * ]|
 *
 * Since: 1.0
 */

struct _ZcpTestSegment
{
  GObject parent_instance;

  ZcpMemPoolConfig *config;        /* (owned) (nullable until initialized) */
  ZcpMemPoolAllocator *allocator;  /* (owned) (nullable) */
  ZcpMemPoolManager *manager;      /* (owned) (nullable) */
  char *name;                      /* (owned) (nullable) */
};

static void zcp_test_segment_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ZcpTestSegment, zcp_test_segment, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      zcp_test_segment_initable_iface_init))

enum {
  PROP_0,
  PROP_CONFIG,
  PROP_NAME,
  PROP_MANAGER,
  PROP_ALLOCATOR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
zcp_test_segment_dispose (GObject *object)
{
  ZcpTestSegment *self = ZCP_TEST_SEGMENT (object);

  g_clear_object (&self->manager);
  /* The allocator created the segment and unlinks it when finalized... */
  g_clear_object (&self->allocator);
  /* ...unless somebody else still holds it: the name is ours alone, so
   * removing it here is safe either way. */
  if (self->name != NULL)
    shm_unlink (self->name);

  G_OBJECT_CLASS (zcp_test_segment_parent_class)->dispose (object);
}

static void
zcp_test_segment_finalize (GObject *object)
{
  ZcpTestSegment *self = ZCP_TEST_SEGMENT (object);

  g_clear_object (&self->config);
  g_clear_pointer (&self->name, g_free);

  G_OBJECT_CLASS (zcp_test_segment_parent_class)->finalize (object);
}

static void
zcp_test_segment_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  ZcpTestSegment *self = ZCP_TEST_SEGMENT (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_MANAGER:
      g_value_set_object (value, self->manager);
      break;
    case PROP_ALLOCATOR:
      g_value_set_object (value, self->allocator);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zcp_test_segment_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  ZcpTestSegment *self = ZCP_TEST_SEGMENT (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      self->config = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zcp_test_segment_class_init (ZcpTestSegmentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _zcp_i18n_init ();

  object_class->dispose = zcp_test_segment_dispose;
  object_class->finalize = zcp_test_segment_finalize;
  object_class->get_property = zcp_test_segment_get_property;
  object_class->set_property = zcp_test_segment_set_property;

  /**
   * ZcpTestSegment:config:
   *
   * The pools of the segment; %NULL at construction for the
   * specification's three pools.  It is sealed once the segment exists.
   *
   * Since: 1.0
   */
  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL, ZCP_TYPE_MEM_POOL_CONFIG,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ZcpTestSegment:name:
   *
   * The segment's POSIX name, unique to this segment.
   *
   * Since: 1.0
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ZcpTestSegment:manager:
   *
   * The manager that hands out the segment's chunks in this process.
   *
   * Since: 1.0
   */
  properties[PROP_MANAGER] =
    g_param_spec_object ("manager", NULL, NULL, ZCP_TYPE_MEM_POOL_MANAGER,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ZcpTestSegment:allocator:
   *
   * The allocator that created the segment.
   *
   * Since: 1.0
   */
  properties[PROP_ALLOCATOR] =
    g_param_spec_object ("allocator", NULL, NULL, ZCP_TYPE_MEM_POOL_ALLOCATOR,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
zcp_test_segment_init (ZcpTestSegment *self)
{
}

static gboolean
zcp_test_segment_initable_init (GInitable     *initable,
                                GCancellable  *cancellable,
                                GError       **error)
{
  ZcpTestSegment *self = ZCP_TEST_SEGMENT (initable);
  static const guint64 spec[][2] = { { 256, 1000 }, { 1024, 500 }, { 4096, 200 } };

  if (self->allocator != NULL)
    return self->manager != NULL;

  if (self->config == NULL)
    {
      self->config = zcp_mem_pool_config_new ();
      for (guint i = 0; i < G_N_ELEMENTS (spec); i++)
        if (!zcp_mem_pool_config_add_entry (self->config, spec[i][0], (guint32) spec[i][1], error))
          return FALSE;
    }

  zcp_test_cleanup_stale_segments ();

  /* Exclusive creation never purges somebody else's segment; a clash of
   * pid, counter and 32 random bits is retried, not expected. */
  for (guint attempt = 0; ; attempt++)
    {
      g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
      g_autoptr(GError) local_error = NULL;
      g_autofree char *name = zcp_test_make_name (NULL);

      allocator = zcp_mem_pool_allocator_new_with_mode (self->config, ZCP_SHM_OPEN_MODE_EXCLUSIVE_CREATE);
      if (zcp_mem_pool_allocator_initialize_shared_memory (allocator, name, &local_error) == NULL)
        {
          if (attempt < 3 && g_error_matches (local_error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_ALREADY_EXISTS))
            continue;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }

      /* From here on the name is ours: dispose removes it even if laying
       * the pools out fails. */
      self->name = g_steal_pointer (&name);
      self->allocator = g_steal_pointer (&allocator);
      break;
    }

  if (!zcp_mem_pool_allocator_initialize_mem_pools (self->allocator, error))
    return FALSE;

  self->manager = g_object_ref (zcp_mem_pool_allocator_get_manager (self->allocator));

  return TRUE;
}

static void
zcp_test_segment_initable_iface_init (GInitableIface *iface)
{
  iface->init = zcp_test_segment_initable_init;
}

/**
 * zcp_test_segment_new:
 * @config: (nullable): the pools to lay out, or %NULL for the
 *   specification's (256 × 1000, 1024 × 500, 4096 × 200); it is sealed
 * @error: return location for a #GError, or %NULL
 *
 * Creates a segment under a unique name (see zcp_test_make_name()) and
 * lays its pools out.  First it removes what crashed test runs left in
 * `/dev/shm` (zcp_test_cleanup_stale_segments()), and it makes sure the
 * segment goes away with the process if the test never drops it.
 *
 * Returns: (transfer full): a new #ZcpTestSegment, or %NULL with @error
 *   set (the error of zcp_mem_pool_allocator_initialize_shared_memory() or
 *   zcp_mem_pool_allocator_initialize_mem_pools())
 *
 * Since: 1.0
 */
ZcpTestSegment *
zcp_test_segment_new (ZcpMemPoolConfig  *config,
                      GError           **error)
{
  g_return_val_if_fail (config == NULL || ZCP_IS_MEM_POOL_CONFIG (config), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_initable_new (ZCP_TYPE_TEST_SEGMENT, NULL, error,
                         "config", config,
                         NULL);
}

/**
 * zcp_test_segment_get_name:
 * @self: a #ZcpTestSegment
 *
 * Gets the segment's POSIX name, for a process that attaches with
 * zcp_mem_pool_manager_open().
 *
 * Returns: the name, with its leading `/`
 *
 * Since: 1.0
 */
const char *
zcp_test_segment_get_name (ZcpTestSegment *self)
{
  g_return_val_if_fail (ZCP_IS_TEST_SEGMENT (self), NULL);

  return self->name;
}

/**
 * zcp_test_segment_get_manager:
 * @self: a #ZcpTestSegment
 *
 * Gets the manager of the segment in this process.
 *
 * Returns: (transfer none): the manager
 *
 * Since: 1.0
 */
ZcpMemPoolManager *
zcp_test_segment_get_manager (ZcpTestSegment *self)
{
  g_return_val_if_fail (ZCP_IS_TEST_SEGMENT (self), NULL);

  return self->manager;
}

/**
 * zcp_test_segment_get_allocator:
 * @self: a #ZcpTestSegment
 *
 * Gets the allocator that created the segment, for tests of the allocator
 * itself.  The segment is removed when @self is disposed, even if the
 * allocator is still referenced.
 *
 * Returns: (transfer none): the allocator
 *
 * Since: 1.0
 */
ZcpMemPoolAllocator *
zcp_test_segment_get_allocator (ZcpTestSegment *self)
{
  g_return_val_if_fail (ZCP_IS_TEST_SEGMENT (self), NULL);

  return self->allocator;
}

/**
 * zcp_test_segment_get_config:
 * @self: a #ZcpTestSegment
 *
 * Gets the segment's (sealed) configuration.
 *
 * Returns: (transfer none): the configuration
 *
 * Since: 1.0
 */
ZcpMemPoolConfig *
zcp_test_segment_get_config (ZcpTestSegment *self)
{
  g_return_val_if_fail (ZCP_IS_TEST_SEGMENT (self), NULL);

  return self->config;
}

/**
 * zcp_test_segment_run_in_subprocess: (skip)
 * @self: a #ZcpTestSegment
 * @func: (scope call): what to run in the subprocess
 * @user_data: data for @func
 * @error: return location for a #GError, or %NULL
 *
 * Runs @func in a second process attached to the same segment and waits
 * for it: the way to test code that hands chunks to another process.
 *
 * The subprocess is a fork() of the caller, so @func sees a copy of the
 * caller's memory (chunk handles, expected contents) but gets a manager of
 * its own, attached by name with zcp_mem_pool_manager_open(): chunk
 * addresses differ, handles do not.  It fails the way a test does, with
 * g_assert_*(), g_test_fail() or exit(); its standard output goes to the
 * caller's standard error, so that it cannot disturb a TAP stream, and it
 * dumps no core.  It leaves with _exit(), without running the caller's
 * atexit() handlers or finalizing the caller's objects.  The manager is
 * dropped after @func returns, so what @func did not release stays in use,
 * and zcp_assert_all_chunks_free() in the caller reports it.
 *
 * Call it from the main thread of a test, while no other thread of the
 * caller holds a lock @func needs.  For bindings, use
 * zcp_test_segment_spawn().
 *
 * Returns: %TRUE if @func returned and the subprocess exited with status 0;
 *   otherwise %FALSE with @error set to %ZCP_TEST_ERROR_SUBPROCESS_FAILED
 *   (the subprocess's own messages are on standard error)
 *
 * Since: 1.0
 */
gboolean
zcp_test_segment_run_in_subprocess (ZcpTestSegment         *self,
                                    ZcpTestSubprocessFunc   func,
                                    gpointer                user_data,
                                    GError                **error)
{
  pid_t pid;
  int status;

  g_return_val_if_fail (ZCP_IS_TEST_SEGMENT (self), FALSE);
  g_return_val_if_fail (self->name != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Nothing buffered may be written twice, once by each process. */
  fflush (stdout);
  fflush (stderr);

  pid = fork ();
  if (pid < 0)
    {
      int errsv = errno;

      g_set_error (error, ZCP_TEST_ERROR, ZCP_TEST_ERROR_SUBPROCESS_FAILED,
                   _("Cannot start a subprocess: %s"), g_strerror (errsv));
      return FALSE;
    }

  if (pid == 0)
    {
      g_autoptr(GError) local_error = NULL;
      ZcpMemPoolManager *manager;
      struct rlimit no_core = { 0, 0 };
      gboolean failed_before = g_test_failed ();

      forget_watcher ();
      setrlimit (RLIMIT_CORE, &no_core);
      dup2 (STDERR_FILENO, STDOUT_FILENO);

      manager = zcp_mem_pool_manager_open (self->name, ZCP_OPEN_FLAGS_NONE, 5000, &local_error);
      if (manager == NULL)
        {
          g_printerr ("%s\n", local_error->message);
          fflush (stderr);
          _exit (125);
        }

      func (manager, user_data);

      g_object_unref (manager);
      fflush (stdout);
      fflush (stderr);
      _exit (!failed_before && g_test_failed () ? 1 : 0);
    }

  while (waitpid (pid, &status, 0) < 0)
    {
      if (errno != EINTR)
        {
          int errsv = errno;

          g_set_error (error, ZCP_TEST_ERROR, ZCP_TEST_ERROR_SUBPROCESS_FAILED,
                       _("Cannot wait for subprocess %d: %s"), (int) pid, g_strerror (errsv));
          return FALSE;
        }
    }

  {
    g_autofree char *what = g_strdup_printf ("%d", (int) pid);

    return check_wait_status (what, status, error);
  }
}

/**
 * zcp_test_segment_spawn:
 * @self: a #ZcpTestSegment
 * @argv: (array zero-terminated=1): the command line; `argv[0]` is looked
 *   up in `PATH`
 * @error: return location for a #GError, or %NULL
 *
 * Runs a program with the segment's name in the environment variable
 * %ZCP_TEST_SEGMENT_ENV and waits for it: the language-independent way to
 * run a second process on the same segment.  The program attaches with
 * zcp_test_segment_open_from_environment() (or zcp_mem_pool_manager_open()
 * on the variable's value).  It inherits the environment and standard
 * error; its standard output goes to the caller's standard error, so that
 * it cannot disturb a TAP stream.
 *
 * Returns: %TRUE if the program exited with status 0; otherwise %FALSE
 *   with @error set (%ZCP_TEST_ERROR_SUBPROCESS_FAILED, or a #GSpawnError
 *   if it could not be started)
 *
 * Since: 1.0
 */
gboolean
zcp_test_segment_spawn (ZcpTestSegment      *self,
                        const char * const  *argv,
                        GError             **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  int out_fd;

  g_return_val_if_fail (ZCP_IS_TEST_SEGMENT (self), FALSE);
  g_return_val_if_fail (self->name != NULL, FALSE);
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_setenv (launcher, ZCP_TEST_SEGMENT_ENV, self->name, TRUE);
  out_fd = dup (STDERR_FILENO);
  if (out_fd >= 0)
    g_subprocess_launcher_take_stdout_fd (launcher, out_fd);

  process = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (process == NULL)
    return FALSE;

  if (!g_subprocess_wait (process, NULL, error))
    return FALSE;

  return check_wait_status (argv[0], g_subprocess_get_status (process), error);
}
