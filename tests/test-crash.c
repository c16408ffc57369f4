/* test-crash.c: processes that die holding chunks, and the survivors that
 * give the chunks back
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The holders are forked children that attach to the segment by name
 * (zcp_mem_pool_manager_open(), so each has its own process slot), take
 * chunks, tell the parent through a pipe and wait to be killed with
 * SIGKILL.  The parent then reclaims and checks the accounting exactly.
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zcp-test-common.h"
#include "zcp-mem-pool-manager-private.h"

static const guint64 crash_pools[] = { 256, 64, 1024, 32, 4096, 16, 0 };

#define CRASH_TEST(path, func) \
  g_test_add (path, ZcpFixture, crash_pools, zcp_fixture_setup_spec, func, zcp_fixture_teardown)

/* ------------------------------------------------------------------------ */
/* Children                                                                  */

typedef struct
{
  pid_t pid;
  int to_child;    /* parent writes */
  int from_child;  /* parent reads */
} Child;

typedef void (*ChildFunc) (const char *name, int rfd, int wfd, gpointer data);

static Child
child_start (const char *name,
             ChildFunc   func,
             gpointer    data)
{
  int down[2], up[2];
  Child child;

  g_assert_cmpint (pipe (down), ==, 0);
  g_assert_cmpint (pipe (up), ==, 0);
  fflush (stdout);
  fflush (stderr);
  child.pid = fork ();
  g_assert_cmpint (child.pid, >=, 0);
  if (child.pid == 0)
    {
      close (down[1]);
      close (up[0]);
      func (name, down[0], up[1], data);
      /* Wait for the parent's SIGKILL (or for it to go away). */
      for (;;)
        {
          char c;

          if (read (down[0], &c, 1) <= 0)
            _exit (0);
        }
    }

  close (down[0]);
  close (up[1]);
  child.to_child = down[1];
  child.from_child = up[0];
  return child;
}

static void
child_kill (Child *child)
{
  int status;

  g_assert_cmpint (kill (child->pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (child->pid, &status, 0), ==, child->pid);
  g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
  close (child->to_child);
  close (child->from_child);
}

static ZcpMemPoolManager *
child_attach (const char *name)
{
  g_autoptr(GError) error = NULL;
  ZcpMemPoolManager *manager = zcp_mem_pool_manager_open (name, ZCP_OPEN_FLAGS_NONE, 0, &error);

  g_assert_no_error (error);
  return manager;
}

/* ------------------------------------------------------------------------ */
/* Accounting                                                                */

static void
get_used (ZcpMemPoolManager *manager,
          guint32           *used)
{
  for (guint i = 0; i < zcp_mem_pool_manager_get_pool_count (manager); i++)
    {
      ZcpMemPoolStats stats;

      g_assert_true (zcp_mem_pool_manager_get_pool_stats (manager, i, &stats));
      g_assert_cmpuint (stats.used + stats.free, ==, stats.chunk_count);
      used[i] = stats.used;
    }
}

/* At quiescence: every chunk whose state is 0 is on its free list exactly
 * once, every chunk on a list has state 0, and `used` counts the rest. */
#define assert_exact_accounting(manager) zcp_test_assert_exact_accounting (manager)

static void
fill (ZcpChunk *chunk, guint8 byte)
{
  memset (zcp_chunk_get_data (chunk), byte, zcp_chunk_get_size (chunk));
}

static void
assert_filled (ZcpChunk *chunk, guint8 byte)
{
  const guint8 *p = zcp_chunk_get_data (chunk);

  for (gsize i = 0; i < zcp_chunk_get_size (chunk); i++)
    g_assert_cmpuint (p[i], ==, byte);
}

/* ------------------------------------------------------------------------ */
/* A holder killed with SIGKILL                                              */

static const guint holder_takes[] = { 10, 5, 3 };

static void
holder_child (const char *name, int rfd, int wfd, gpointer data)
{
  ZcpMemPoolManager *manager = child_attach (name);
  gboolean just_exit = GPOINTER_TO_INT (data);

  for (guint p = 0; p < G_N_ELEMENTS (holder_takes); p++)
    for (guint i = 0; i < holder_takes[p]; i++)
      {
        ZcpMemPoolStats stats;
        ZcpChunk *chunk;

        zcp_mem_pool_manager_get_pool_stats (manager, p, &stats);
        chunk = zcp_mem_pool_manager_get_chunk (manager, stats.chunk_size);
        g_assert_nonnull (chunk);
        fill (chunk, 0xc0 + p);
      }

  zcp_test_write_all (wfd, "R", 1);
  if (just_exit)
    _exit (0); /* without releasing and without finalizing the manager */
}

static void
test_reclaim_killed (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  guint32 before[3], during[3], after[3];
  ZcpChunk *mine[3];
  Child child;
  char c;

  /* The survivor holds chunks of its own, which must stay untouched. */
  for (guint p = 0; p < 3; p++)
    {
      mine[p] = zcp_mem_pool_manager_get_chunk (fx->manager, crash_pools[2 * p]);
      fill (mine[p], 0x11 * (p + 1));
    }
  get_used (fx->manager, before);

  child = child_start (fx->name, holder_child, GINT_TO_POINTER (FALSE));
  g_assert_true (zcp_test_read_all (child.from_child, &c, 1));
  get_used (fx->manager, during);
  for (guint p = 0; p < 3; p++)
    g_assert_cmpuint (during[p], ==, before[p] + holder_takes[p]);

  /* Alive: nothing to reclaim. */
  g_assert_cmpuint (zcp_mem_pool_manager_reclaim_dead (fx->manager, &error), ==, 0);
  g_assert_no_error (error);

  child_kill (&child);
  g_assert_cmpuint (zcp_mem_pool_manager_reclaim_dead (fx->manager, &error), ==, 10 + 5 + 3);
  g_assert_no_error (error);
  get_used (fx->manager, after);
  for (guint p = 0; p < 3; p++)
    g_assert_cmpuint (after[p], ==, before[p]);
  assert_exact_accounting (fx->manager);

  /* Once only. */
  g_assert_cmpuint (zcp_mem_pool_manager_reclaim_dead (fx->manager, &error), ==, 0);
  g_assert_no_error (error);

  for (guint p = 0; p < 3; p++)
    {
      g_assert_cmpuint (zcp_chunk_get_ref_count (mine[p]), ==, 1);
      assert_filled (mine[p], 0x11 * (p + 1));
      zcp_mem_pool_manager_release_chunk (fx->manager, mine[p]);
    }
  assert_exact_accounting (fx->manager);
}

static void
test_reclaim_exited (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  guint32 used[3];
  Child child;
  char c;
  int status;

  child = child_start (fx->name, holder_child, GINT_TO_POINTER (TRUE));
  g_assert_true (zcp_test_read_all (child.from_child, &c, 1));
  g_assert_cmpint (waitpid (child.pid, &status, 0), ==, child.pid);
  g_assert_true (WIFEXITED (status));
  close (child.to_child);
  close (child.from_child);

  get_used (fx->manager, used);
  g_assert_cmpuint (used[0], ==, holder_takes[0]);
  g_assert_cmpuint (zcp_mem_pool_manager_reclaim_dead (fx->manager, &error), ==, 10 + 5 + 3);
  g_assert_no_error (error);
  get_used (fx->manager, used);
  for (guint p = 0; p < 3; p++)
    g_assert_cmpuint (used[p], ==, 0);
  assert_exact_accounting (fx->manager);
}

/* ------------------------------------------------------------------------ */
/* A reused pid is not the dead process                                      */

static void
idle_child (const char *name, int rfd, int wfd, gpointer data)
{
  zcp_test_write_all (wfd, "R", 1);
}

/* Field 22 of /proc/PID/stat, read independently of the library. */
static guint64
start_time_of (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *contents = NULL;
  g_auto(GStrv) fields = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  /* After the command name in parentheses come fields 3, 4, ... */
  fields = g_strsplit (strrchr (contents, ')') + 2, " ", -1);
  g_assert_cmpuint (g_strv_length (fields), >, 19);
  return g_ascii_strtoull (fields[22 - 3], NULL, 10);
}

static int
free_process_slot (ZcpMemPoolManager *manager)
{
  ZcpProcessSlot *table = zcp_segment_processes (manager->base);

  for (guint i = 0; i < ZCP_SEGMENT_MAX_PROCESSES; i++)
    if (atomic_load (&table[i].pid) == 0)
      return (int) i;
  g_assert_not_reached ();
}

/* Takes n chunks of pool 0 and stamps them as owned by process slot. */
static void
take_as (ZcpMemPoolManager *manager,
         int                slot,
         ZcpChunk         **chunks,
         guint              n)
{
  for (guint i = 0; i < n; i++)
    {
      guint pool = 0;
      guint32 index = 0;

      chunks[i] = zcp_mem_pool_manager_get_chunk (manager, 1);
      g_assert_nonnull (chunks[i]);
      g_assert_cmpint (_zcp_mem_pool_manager_locate (manager, chunks[i], &pool, &index), ==, ZCP_LOCATE_OK);
      atomic_store (&manager->pools[pool].slots[index].state,
                    ((guint32) (slot + 1) << ZCP_STATE_OWNER_SHIFT) | 1u);
    }
}

static void
test_pid_reuse (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  ZcpProcessSlot *table = zcp_segment_processes (fx->manager->base);
  int slot = free_process_slot (fx->manager);
  ZcpChunk *chunks[4];
  guint64 start_time;
  Child child;
  char c;

  /* A live process whose pid the table also records. */
  child = child_start (fx->name, idle_child, NULL);
  g_assert_true (zcp_test_read_all (child.from_child, &c, 1));
  start_time = start_time_of (child.pid);
  g_assert_cmpuint (start_time, !=, 0);

  /* The table says the slot's process started at another time: it is a
   * dead process whose pid the live child has since been given. */
  take_as (fx->manager, slot, chunks, 4);
  atomic_store (&table[slot].start_time, start_time + 1);
  atomic_store (&table[slot].pid, (guint32) child.pid);
  g_assert_cmpuint (zcp_mem_pool_manager_reclaim_dead (fx->manager, &error), ==, 4);
  g_assert_no_error (error);
  g_assert_cmpuint (atomic_load (&table[slot].pid), ==, 0);
  assert_exact_accounting (fx->manager);

  /* The same pid with the right start time is the live child: kept. */
  take_as (fx->manager, slot, chunks, 4);
  atomic_store (&table[slot].start_time, start_time);
  atomic_store (&table[slot].pid, (guint32) child.pid);
  g_assert_cmpuint (zcp_mem_pool_manager_reclaim_dead (fx->manager, &error), ==, 0);
  g_assert_no_error (error);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (zcp_chunk_get_ref_count (chunks[i]), ==, 1);

  /* And once it is dead, they come back. */
  child_kill (&child);
  g_assert_cmpuint (zcp_mem_pool_manager_reclaim_dead (fx->manager, &error), ==, 4);
  g_assert_no_error (error);
  assert_exact_accounting (fx->manager);
  g_assert_cmpuint (atomic_load (&fx->manager->pools[0].desc->used), ==, 0);
}

/* ------------------------------------------------------------------------ */
/* Shared chunks and chunks handed on                                        */

typedef struct
{
  guint64 shared;     /* parent's chunk, 2 refs, one for the child */
  guint64 given;      /* parent's chunk, its only ref handed to the child */
} ParentHandles;

static void
sharer_child (const char *name, int rfd, int wfd, gpointer data)
{
  ZcpMemPoolManager *manager = child_attach (name);
  g_autoptr(GError) error = NULL;
  ParentHandles handles;
  ZcpChunk *shared, *given, *sent;
  guint64 sent_handle;

  g_assert_true (zcp_test_read_all (rfd, &handles, sizeof handles));
  shared = zcp_mem_pool_manager_chunk_from_handle (manager, handles.shared, &error);
  g_assert_no_error (error);
  given = zcp_mem_pool_manager_chunk_from_handle (manager, handles.given, &error);
  g_assert_no_error (error);
  assert_filled (shared, 0xaa);
  assert_filled (given, 0xbb);

  /* And one the other way: taken here, its only reference sent up. */
  sent = zcp_mem_pool_manager_get_chunk (manager, 1024);
  fill (sent, 0xcc);
  sent_handle = zcp_mem_pool_manager_get_chunk_handle (manager, sent);
  zcp_test_write_all (wfd, &sent_handle, sizeof sent_handle);
}

static void
test_shared_and_handed_on (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  ZcpMemPoolManager *m = fx->manager;
  ParentHandles handles;
  ZcpChunk *shared, *given, *received;
  guint64 received_handle;
  guint pool = 0;
  guint32 index = 0;
  Child child;

  shared = zcp_mem_pool_manager_get_chunk (m, 256);
  fill (shared, 0xaa);
  zcp_chunk_ref (shared);                /* the child's reference */
  given = zcp_mem_pool_manager_get_chunk (m, 256);
  fill (given, 0xbb);
  handles.shared = zcp_mem_pool_manager_get_chunk_handle (m, shared);
  handles.given = zcp_mem_pool_manager_get_chunk_handle (m, given);

  child = child_start (fx->name, sharer_child, NULL);
  zcp_test_write_all (child.to_child, &handles, sizeof handles);
  g_assert_true (zcp_test_read_all (child.from_child, &received_handle, sizeof received_handle));
  received = zcp_mem_pool_manager_chunk_from_handle (m, received_handle, &error);
  g_assert_no_error (error);
  child_kill (&child);

  /* Only `given` goes back: the child adopted it and held its only
   * reference.  `received` was adopted by us; `shared` has a live holder. */
  g_assert_cmpuint (zcp_mem_pool_manager_reclaim_dead (m, &error), ==, 1);
  g_assert_no_error (error);
  assert_exact_accounting (m);

  g_assert_cmpint (_zcp_mem_pool_manager_locate (m, given, &pool, &index), ==, ZCP_LOCATE_OK);
  g_assert_cmpuint (atomic_load (&m->pools[pool].slots[index].state), ==, 0);

  g_assert_cmpuint (zcp_chunk_get_ref_count (received), ==, 1);
  assert_filled (received, 0xcc);
  zcp_mem_pool_manager_release_chunk (m, received);

  /* The shared chunk: still both references, owner cleared, data intact.
   * Reclaim cannot know whether the dead child still held its reference,
   * so that one is leaked rather than risk freeing a chunk in use. */
  g_assert_cmpuint (zcp_chunk_get_ref_count (shared), ==, 2);
  g_assert_cmpint (_zcp_mem_pool_manager_locate (m, shared, &pool, &index), ==, ZCP_LOCATE_OK);
  g_assert_cmpuint (atomic_load (&m->pools[pool].slots[index].state) >> ZCP_STATE_OWNER_SHIFT, ==, 0);
  assert_filled (shared, 0xaa);
  zcp_mem_pool_manager_release_chunk (m, shared);
  g_assert_cmpuint (zcp_chunk_get_ref_count (shared), ==, 1);
  g_assert_cmpuint (zcp_mem_pool_manager_reclaim_dead (m, &error), ==, 0);
  assert_exact_accounting (m);
  fx->keeps_chunks = TRUE;  /* the dead child's reference to shared */
}

/* ------------------------------------------------------------------------ */
/* A sender killed while its handle is on the way                            */

static void
sender_child (const char *name, int rfd, int wfd, gpointer data)
{
  ZcpMemPoolManager *manager = child_attach (name);
  ZcpChunk *chunk = zcp_mem_pool_manager_get_chunk (manager, 4096);
  guint64 handle;

  fill (chunk, 0xdd);
  handle = zcp_mem_pool_manager_get_chunk_handle (manager, chunk);
  zcp_test_write_all (wfd, &handle, sizeof handle);
  /* ...and dies before anybody adopted the handle. */
}

static void
test_sender_killed_in_transit (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  ZcpMemPoolManager *m = fx->manager;
  ZcpChunk *received, *other;
  guint64 handle;
  guint pool = 0;
  guint32 index = 0;
  Child child;

  child = child_start (fx->name, sender_child, NULL);
  g_assert_true (zcp_test_read_all (child.from_child, &handle, sizeof handle));
  child_kill (&child);

  /* The chunk's only reference is in the pipe: reclaim must leave it. */
  g_assert_cmpuint (zcp_mem_pool_manager_reclaim_dead (m, &error), ==, 0);
  g_assert_no_error (error);
  assert_exact_accounting (m);

  /* Had it been reclaimed, this get would hand the same chunk out again. */
  other = zcp_mem_pool_manager_get_chunk (m, 4096);
  g_assert_nonnull (other);
  g_assert_cmpuint (zcp_mem_pool_manager_get_chunk_handle (m, other), !=, handle);

  received = zcp_mem_pool_manager_chunk_from_handle (m, handle, &error);
  g_assert_no_error (error);
  g_assert_true (received != other);
  assert_filled (received, 0xdd);
  g_assert_cmpint (_zcp_mem_pool_manager_locate (m, received, &pool, &index), ==, ZCP_LOCATE_OK);
  g_assert_cmpuint (atomic_load (&m->pools[pool].slots[index].state) >> ZCP_STATE_OWNER_SHIFT,
                    ==, (guint32) m->process_slot + 1);

  zcp_mem_pool_manager_release_chunk (m, received);
  zcp_mem_pool_manager_release_chunk (m, other);
  assert_exact_accounting (m);
}

/* ------------------------------------------------------------------------ */
/* A receiver that adopted, let go, and died: its release must not leave it  */
/* recorded as the owner of the sender's chunk                               */

static void
adopt_release_child (const char *name, int rfd, int wfd, gpointer data)
{
  ZcpMemPoolManager *manager = child_attach (name);
  g_autoptr(GError) error = NULL;
  guint64 handle;
  ZcpChunk *chunk;

  g_assert_true (zcp_test_read_all (rfd, &handle, sizeof handle));
  chunk = zcp_mem_pool_manager_chunk_from_handle (manager, handle, &error);
  g_assert_no_error (error);
  assert_filled (chunk, 0xee);
  zcp_mem_pool_manager_release_chunk (manager, chunk);
  zcp_test_write_all (wfd, "R", 1);
  /* ...and dies holding nothing. */
}

static void
test_receiver_released_then_killed (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  ZcpMemPoolManager *m = fx->manager;
  ZcpChunk *chunk, *other;
  guint64 handle;
  Child child;
  char c;

  /* We keep our reference and share one with the child. */
  chunk = zcp_mem_pool_manager_get_chunk (m, 1024);
  fill (chunk, 0xee);
  handle = zcp_mem_pool_manager_share_chunk (m, chunk);
  g_assert_cmpuint (zcp_chunk_get_ref_count (chunk), ==, 2);

  child = child_start (fx->name, adopt_release_child, NULL);
  zcp_test_write_all (child.to_child, &handle, sizeof handle);
  g_assert_true (zcp_test_read_all (child.from_child, &c, 1));
  child_kill (&child);

  /* Our reference is the only one left: reclaim must not free the chunk. */
  g_assert_cmpuint (zcp_chunk_get_ref_count (chunk), ==, 1);
  g_assert_cmpuint (zcp_mem_pool_manager_reclaim_dead (m, &error), ==, 0);
  g_assert_no_error (error);
  assert_exact_accounting (m);
  g_assert_cmpuint (zcp_chunk_get_ref_count (chunk), ==, 1);

  other = zcp_mem_pool_manager_get_chunk (m, 1024);
  g_assert_true (other != chunk);
  assert_filled (chunk, 0xee);

  zcp_mem_pool_manager_release_chunk (m, other);
  zcp_mem_pool_manager_release_chunk (m, chunk);
  assert_exact_accounting (m);
}

/* ------------------------------------------------------------------------ */
/* Killed between pop and state store, or between state store and push      */

static void
test_lost_chunks (ZcpFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  ZcpMemPoolManager *m = fx->manager;
  ZcpPoolLocal *pl = &m->pools[0];
  g_autoptr(GPtrArray) all = g_ptr_array_new ();
  ZcpChunk *chunk;
  guint32 popped, head, saved_next;
  guint pool = 0;
  guint32 index = 0;

  /* A get that died after its pop: off the list, state 0, not counted. */
  popped = zcp_free_list_pop (pl->desc, pl->slots, pl->count);
  g_assert_cmpuint (popped, <, pl->count);

  /* A release that died after its state store: state 0, not on the list,
   * still counted in `used`. */
  chunk = zcp_mem_pool_manager_get_chunk (m, 1);
  g_assert_cmpint (_zcp_mem_pool_manager_locate (m, chunk, &pool, &index), ==, ZCP_LOCATE_OK);
  atomic_store (&pl->slots[index].state, 0);
  g_assert_cmpuint (atomic_load (&pl->desc->used), ==, 1);

  /* Reclaim cannot see them: they have no owner. */
  g_assert_cmpuint (zcp_mem_pool_manager_reclaim_dead (m, &error), ==, 0);

  /* A malformed list is refused, not repaired. */
  head = zcp_head_index (atomic_load (&pl->desc->head));
  saved_next = atomic_load (&pl->slots[head].next);
  atomic_store (&pl->slots[head].next, head);
  g_assert_cmpuint (zcp_mem_pool_manager_recover_lost_chunks (m, &error), ==, 0);
  g_assert_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_CORRUPT);
  g_clear_error (&error);
  atomic_store (&pl->slots[head].next, saved_next);

  g_assert_cmpuint (zcp_mem_pool_manager_recover_lost_chunks (m, &error), ==, 2);
  g_assert_no_error (error);
  assert_exact_accounting (m);
  g_assert_cmpuint (atomic_load (&pl->desc->used), ==, 0);

  /* Every chunk of the pool can be taken again, each once. */
  for (guint i = 0; i < pl->count; i++)
    {
      chunk = zcp_mem_pool_manager_get_chunk (m, 1);
      g_assert_nonnull (chunk);
      g_assert_false (g_ptr_array_find (all, chunk, NULL));
      g_ptr_array_add (all, chunk);
    }
  g_assert_null (zcp_mem_pool_manager_get_chunk (m, 1));
  for (guint i = 0; i < all->len; i++)
    zcp_mem_pool_manager_release_chunk (m, all->pdata[i]);
  g_assert_cmpuint (zcp_mem_pool_manager_recover_lost_chunks (m, &error), ==, 0);
  g_assert_no_error (error);
  assert_exact_accounting (m);
}

/* ------------------------------------------------------------------------ */
/* Killed at a random point of a busy loop                                   */

static void
busy_child (const char *name, int rfd, int wfd, gpointer data)
{
  ZcpMemPoolManager *manager = child_attach (name);
  ZcpChunk *held[8] = { NULL };
  guint32 seed = (guint32) getpid ();

  zcp_test_write_all (wfd, "R", 1);
  for (guint64 n = 0;; n++)
    {
      guint slot;

      seed = seed * 1103515245u + 12345u;
      slot = (seed >> 16) % G_N_ELEMENTS (held);
      if (held[slot] == NULL)
        {
          held[slot] = zcp_mem_pool_manager_get_chunk (manager, crash_pools[2 * ((seed >> 8) % 3)]);
        }
      else if ((seed & 3) == 0)
        {
          zcp_chunk_ref (held[slot]);
          zcp_chunk_unref (held[slot]);
        }
      else
        {
          zcp_mem_pool_manager_release_chunk (manager, held[slot]);
          held[slot] = NULL;
        }
    }
}

static void
test_kill_anywhere (ZcpFixture *fx, gconstpointer data)
{
  guint rounds = g_test_thorough () ? 200 : 25;
  guint n_orphans = 0, n_reclaimed = 0, n_lost = 0;

  for (guint r = 0; r < rounds; r++)
    {
      g_autoptr(GError) error = NULL;
      Child child = child_start (fx->name, busy_child, NULL);
      guint32 used[3];
      char c;

      g_assert_true (zcp_test_read_all (child.from_child, &c, 1));
      g_usleep (g_random_int_range (0, 5000));
      child_kill (&child);

      n_reclaimed += zcp_mem_pool_manager_reclaim_dead (fx->manager, &error);
      g_assert_no_error (error);
      /* Quiescent now: repair what a kill inside get or release left. */
      n_lost += zcp_mem_pool_manager_recover_lost_chunks (fx->manager, &error);
      g_assert_no_error (error);
      assert_exact_accounting (fx->manager);
      /* What reclaim leaves to its holders, owned by nobody:
       * - a kill between the child's zcp_chunk_ref() and zcp_chunk_unref()
       *   leaves two references and a dead owner: shared, as far as
       *   reclaim can tell, so the owner is cleared and the chunk kept;
       * - a chunk whose owner dropped one of two references is owned by
       *   nobody from then on (the owner may hold none), so the child's
       *   death leaves its last reference: a leak, chosen over freeing a
       *   chunk that another process might hold.
       * Play the holders: drop every reference left. */
      for (guint p = 0; p < 3; p++)
        {
          ZcpPoolLocal *pl = &fx->manager->pools[p];

          for (guint32 i = 0; i < pl->count; i++)
            {
              guint32 state = atomic_load (&pl->slots[i].state);

              if (state == 0)
                continue;
              g_assert_cmpuint (state >> ZCP_STATE_OWNER_SHIFT, ==, 0); /* owned by nobody */
              g_assert_cmpuint (state, >=, 1);
              g_assert_cmpuint (state, <=, 2);
              n_orphans++;
              for (guint32 k = 0; k < state; k++)
                zcp_chunk_unref ((ZcpChunk *) (pl->chunks + i * pl->stride));
            }
        }
      assert_exact_accounting (fx->manager);
      get_used (fx->manager, used);
      for (guint p = 0; p < 3; p++)
        g_assert_cmpuint (used[p], ==, 0);
    }
  g_test_message ("%u kills: %u chunks reclaimed, %u lost chunks repaired, "
                  "%u chunks left to their holders", rounds, n_reclaimed, n_lost, n_orphans);
}

/* ------------------------------------------------------------------------ */
/* Debug mode                                                                */

static void
test_poison (void)
{
  static const guint64 pairs[] = { 200, 4, 0 };
  ZcpFixture fx = { 0 };
  ZcpChunk *chunk;

  g_setenv ("ZCP_DEBUG", "poison", TRUE);
  zcp_fixture_setup (&fx, pairs);
  g_unsetenv ("ZCP_DEBUG");

  chunk = zcp_mem_pool_manager_get_chunk (fx.manager, 200);
  fill (chunk, 0x11);
  zcp_chunk_ref (chunk);
  zcp_chunk_unref (chunk);
  assert_filled (chunk, 0x11);          /* not the last reference */
  zcp_mem_pool_manager_release_chunk (fx.manager, chunk);
  assert_filled (chunk, ZCP_POISON_BYTE); /* a use after release sees it */

  zcp_fixture_teardown (&fx, NULL);
}

static void
test_no_poison_by_default (void)
{
  static const guint64 pairs[] = { 200, 4, 0 };
  ZcpFixture fx = { 0 };
  ZcpChunk *chunk;

  g_unsetenv ("ZCP_DEBUG");
  zcp_fixture_setup (&fx, pairs);
  chunk = zcp_mem_pool_manager_get_chunk (fx.manager, 200);
  fill (chunk, 0x11);
  zcp_mem_pool_manager_release_chunk (fx.manager, chunk);
  assert_filled (chunk, 0x11);
  zcp_fixture_teardown (&fx, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_summary ("Chunks of processes killed while holding them are reclaimed by the survivors");

  CRASH_TEST ("/zcp/crash/reclaim/killed", test_reclaim_killed);
  CRASH_TEST ("/zcp/crash/reclaim/exited-without-release", test_reclaim_exited);
  CRASH_TEST ("/zcp/crash/reclaim/pid-reuse", test_pid_reuse);
  CRASH_TEST ("/zcp/crash/reclaim/shared-and-handed-on", test_shared_and_handed_on);
  CRASH_TEST ("/zcp/crash/reclaim/sender-killed-in-transit", test_sender_killed_in_transit);
  CRASH_TEST ("/zcp/crash/reclaim/receiver-released-then-killed", test_receiver_released_then_killed);
  CRASH_TEST ("/zcp/crash/repair/lost-chunks", test_lost_chunks);
  CRASH_TEST ("/zcp/crash/kill-anywhere", test_kill_anywhere);
  g_test_add_func ("/zcp/crash/debug/poison", test_poison);
  g_test_add_func ("/zcp/crash/debug/no-poison-by-default", test_no_poison_by_default);

  return g_test_run ();
}
