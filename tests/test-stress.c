/* test-stress.c: two threads in each of two processes hammer the pools,
 * then every chunk must be free exactly once
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The test process creates the segment, forks a second process that
 * attaches by name, and both run STRESS_THREADS threads.  Each thread
 * performs a random mix of get (any pool), ref, unref, release, and
 * passing a reference to another thread of its process through a mailbox
 * (so a reference taken in one thread is dropped in another).  Every chunk
 * taken gets a canary (a token at its first and last 8 bytes) that each
 * holder checks at each step: a chunk handed out twice, or written after
 * its release, changes the token under a holder's feet.
 *
 * At the end both processes have dropped every reference and the parent
 * walks every free list and state word: each chunk is on its pool's free
 * list exactly once, its state is 0, `used` is 0, and `failed_gets` equals
 * the number of empty gets the threads saw.
 *
 * The number of operations, all threads of both processes together, is
 * ZCP_STRESS_OPS (default 10 000 000); the sanitizer and valgrind test
 * setups lower it.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zcp-test-common.h"
#include "zcp-mem-pool-manager-private.h"

#define STRESS_PROCESSES 2
#define STRESS_THREADS 2
#define HOLD_MAX 24
#define MAILBOX_SIZE 8

/* Few chunks per pool, so that pools run empty now and then. */
static const guint64 stress_pools[] = { 64, 48, 256, 48, 1024, 32, 4096, 16, 0 };
static const gsize stress_sizes[] = { 1, 64, 65, 256, 700, 1024, 4000, 4096 };

typedef struct
{
  ZcpChunk *chunk;
  guint64 token;
} Ref;

typedef struct
{
  ZcpChunk *_Atomic slots[MAILBOX_SIZE];
} Mailbox;

typedef struct
{
  ZcpMemPoolManager *manager;
  Mailbox *mailbox;
  guint64 ops;
  guint id;
  /* results */
  guint64 n_gets, n_failed_gets, n_refs, n_unrefs, n_releases, n_sent, n_received;
} Worker;

typedef struct
{
  guint64 n_ops, n_gets, n_failed_gets, n_refs, n_unrefs, n_releases, n_sent, n_received;
} Totals;

static guint64
stress_ops (void)
{
  const char *env = g_getenv ("ZCP_STRESS_OPS");
  guint64 ops = 10 * 1000 * 1000;

  if (env != NULL && *env != '\0')
    ops = g_ascii_strtoull (env, NULL, 10);
  if (g_test_thorough ())
    ops *= 10;
  return MAX (ops, STRESS_PROCESSES * STRESS_THREADS);
}

static void
canary_write (ZcpChunk *chunk,
              guint64   token)
{
  guint8 *p = zcp_chunk_get_data (chunk);
  gsize size = zcp_chunk_get_size (chunk);

  memcpy (p, &token, sizeof token);
  memcpy (p + size - sizeof token, &token, sizeof token);
}

static guint64
canary_read (ZcpChunk *chunk)
{
  const guint8 *p = zcp_chunk_get_data (chunk);
  gsize size = zcp_chunk_get_size (chunk);
  guint64 head, tail;

  memcpy (&head, p, sizeof head);
  memcpy (&tail, p + size - sizeof tail, sizeof tail);
  if (head != tail)
    g_error ("chunk %p: canary torn (%" G_GINT64_MODIFIER "x / %" G_GINT64_MODIFIER "x)",
             (void *) chunk, head, tail);
  return head;
}

static void
canary_check (const Ref *ref)
{
  guint64 now = canary_read (ref->chunk);

  if (now != ref->token)
    g_error ("chunk %p: canary %" G_GINT64_MODIFIER "x, expected %" G_GINT64_MODIFIER "x: "
             "handed out twice or written after release",
             (void *) ref->chunk, now, ref->token);
}

static void
drop (Worker *w,
      Ref    *ref,
      guint32 r)
{
  canary_check (ref);
  if (r & 1)
    {
      zcp_chunk_unref (ref->chunk);
      w->n_unrefs++;
    }
  else
    {
      zcp_mem_pool_manager_release_chunk (w->manager, ref->chunk);
      w->n_releases++;
    }
}

static gpointer
worker_run (gpointer data)
{
  Worker *w = data;
  Ref held[HOLD_MAX];
  guint n_held = 0;
  GRand *rand = g_rand_new_with_seed ((guint32) getpid () * 31u + w->id);
  guint64 token_base = ((guint64) getpid () << 32) | ((guint64) w->id << 28);
  guint64 seq = 0;

  for (guint64 op = 0; op < w->ops; op++)
    {
      guint32 r = g_rand_int (rand);
      guint what = r % 100;

      if (what < 35 || n_held == 0)
        {
          /* get */
          gsize size = stress_sizes[(r >> 8) % G_N_ELEMENTS (stress_sizes)];
          ZcpChunk *chunk;

          if (n_held == HOLD_MAX)
            {
              guint victim = (r >> 16) % n_held;

              drop (w, &held[victim], r >> 24);
              held[victim] = held[--n_held];
            }
          chunk = zcp_mem_pool_manager_get_chunk (w->manager, size);
          w->n_gets++;
          if (chunk == NULL)
            {
              w->n_failed_gets++;
              continue;
            }
          g_assert_cmpuint (zcp_chunk_get_size (chunk), >=, size);
          held[n_held].chunk = chunk;
          held[n_held].token = token_base | ++seq;
          canary_write (chunk, held[n_held].token);
          n_held++;
        }
      else if (what < 50 && n_held < HOLD_MAX)
        {
          /* ref: a second reference, held independently */
          Ref *ref = &held[(r >> 8) % n_held];

          canary_check (ref);
          g_assert_true (zcp_chunk_ref (ref->chunk) == ref->chunk);
          held[n_held++] = *ref;
          w->n_refs++;
        }
      else if (what < 58)
        {
          /* send a reference to another thread of this process */
          guint i = (r >> 8) % n_held;
          guint m = (r >> 16) % MAILBOX_SIZE;
          ZcpChunk *expected = NULL;

          canary_check (&held[i]);
          if (atomic_compare_exchange_strong (&w->mailbox->slots[m], &expected, held[i].chunk))
            {
              held[i] = held[--n_held];
              w->n_sent++;
            }
        }
      else if (what < 66 && n_held < HOLD_MAX)
        {
          /* receive one */
          guint m = (r >> 8) % MAILBOX_SIZE;
          ZcpChunk *chunk = atomic_exchange (&w->mailbox->slots[m], NULL);

          if (chunk != NULL)
            {
              held[n_held].chunk = chunk;
              held[n_held].token = canary_read (chunk);
              n_held++;
              w->n_received++;
            }
        }
      else
        {
          /* unref or release */
          guint i = (r >> 8) % n_held;

          drop (w, &held[i], r >> 20);
          held[i] = held[--n_held];
        }
    }

  while (n_held > 0)
    {
      n_held--;
      drop (w, &held[n_held], n_held);
    }

  g_rand_free (rand);
  return NULL;
}

/* Runs the workload of one process: STRESS_THREADS threads, then drains
 * the mailbox. */
static void
run_process (ZcpMemPoolManager *manager,
             guint64            ops,
             Totals            *totals)
{
  Mailbox mailbox = { { NULL } };
  Worker workers[STRESS_THREADS] = { { 0 } };
  GThread *threads[STRESS_THREADS];

  for (guint t = 0; t < STRESS_THREADS; t++)
    {
      workers[t].manager = manager;
      workers[t].mailbox = &mailbox;
      workers[t].id = t;
      workers[t].ops = ops / STRESS_THREADS + (t < ops % STRESS_THREADS ? 1 : 0);
      threads[t] = g_thread_new ("stress", worker_run, &workers[t]);
    }

  memset (totals, 0, sizeof *totals);
  for (guint t = 0; t < STRESS_THREADS; t++)
    {
      g_thread_join (threads[t]);
      totals->n_ops += workers[t].ops;
      totals->n_gets += workers[t].n_gets;
      totals->n_failed_gets += workers[t].n_failed_gets;
      totals->n_refs += workers[t].n_refs;
      totals->n_unrefs += workers[t].n_unrefs;
      totals->n_releases += workers[t].n_releases;
      totals->n_sent += workers[t].n_sent;
      totals->n_received += workers[t].n_received;
    }

  for (guint m = 0; m < MAILBOX_SIZE; m++)
    {
      ZcpChunk *chunk = atomic_exchange (&mailbox.slots[m], NULL);

      if (chunk != NULL)
        {
          canary_read (chunk);
          zcp_chunk_unref (chunk);
          totals->n_received++;
          totals->n_unrefs++;
        }
    }
}

/* Every chunk free exactly once, statistics consistent. */
static void
assert_all_free (ZcpMemPoolManager *manager,
                 guint64            failed_gets_seen)
{
  guint64 failed_gets = 0;

  for (guint p = 0; p < manager->n_pools; p++)
    {
      ZcpPoolLocal *pl = &manager->pools[p];
      ZcpMemPoolStats stats;

      zcp_test_assert_pool_all_free (manager, p);
      g_assert_true (zcp_mem_pool_manager_get_pool_stats (manager, p, &stats));
      g_assert_cmpuint (atomic_load (&pl->desc->used), ==, 0);
      g_assert_cmpuint (stats.used, ==, 0);
      g_assert_cmpuint (stats.free, ==, pl->count);
      g_assert_cmpuint (stats.low_water, <=, pl->count);
      failed_gets += stats.failed_gets;
    }

  g_assert_cmpuint (failed_gets, ==, failed_gets_seen);
}

static void
test_stress (ZcpFixture *fx, gconstpointer data)
{
  guint64 ops = stress_ops ();
  guint64 per_process = ops / STRESS_PROCESSES;
  Totals mine, theirs;
  int up[2];
  pid_t pid;
  int status;
  gint64 start = g_get_monotonic_time ();
  double seconds;

  g_assert_cmpint (pipe (up), ==, 0);
  fflush (stdout);
  fflush (stderr);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      g_autoptr(GError) error = NULL;
      ZcpMemPoolManager *manager;

      close (up[0]);
      manager = zcp_mem_pool_manager_open (fx->name, ZCP_OPEN_FLAGS_NONE, 0, &error);
      g_assert_no_error (error);
      run_process (manager, ops - per_process, &theirs);
      zcp_test_write_all (up[1], &theirs, sizeof theirs);
      g_object_unref (manager);
      _exit (0);
    }
  close (up[1]);

  run_process (fx->manager, per_process, &mine);

  g_assert_true (zcp_test_read_all (up[0], &theirs, sizeof theirs));
  close (up[0]);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  seconds = (g_get_monotonic_time () - start) / 1e6;

  g_assert_cmpuint (mine.n_ops + theirs.n_ops, ==, ops);
  /* Every reference taken was dropped: gets + refs == unrefs + releases. */
  g_assert_cmpuint (mine.n_gets - mine.n_failed_gets + mine.n_refs + theirs.n_gets - theirs.n_failed_gets + theirs.n_refs,
                    ==,
                    mine.n_unrefs + mine.n_releases + theirs.n_unrefs + theirs.n_releases);
  g_assert_cmpuint (mine.n_sent, ==, mine.n_received);
  g_assert_cmpuint (theirs.n_sent, ==, theirs.n_received);
  g_assert_cmpuint (mine.n_gets, >, 0);
  g_assert_cmpuint (mine.n_refs, >, 0);
  g_assert_cmpuint (mine.n_unrefs, >, 0);
  g_assert_cmpuint (mine.n_releases, >, 0);
  g_assert_cmpuint (mine.n_sent, >, 0);

  assert_all_free (fx->manager, mine.n_failed_gets + theirs.n_failed_gets);

  g_test_message ("%" G_GUINT64_FORMAT " operations in %.1f s (%.1f M/s) by %d threads in %d processes: "
                  "%" G_GUINT64_FORMAT " gets (%" G_GUINT64_FORMAT " found the pool empty), "
                  "%" G_GUINT64_FORMAT " refs, %" G_GUINT64_FORMAT " unrefs, %" G_GUINT64_FORMAT " releases, "
                  "%" G_GUINT64_FORMAT " references passed between threads",
                  ops, seconds, ops / seconds / 1e6, STRESS_THREADS, STRESS_PROCESSES,
                  mine.n_gets + theirs.n_gets, mine.n_failed_gets + theirs.n_failed_gets,
                  mine.n_refs + theirs.n_refs, mine.n_unrefs + theirs.n_unrefs,
                  mine.n_releases + theirs.n_releases, mine.n_sent + theirs.n_sent);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_summary ("Two threads in each of two processes mix get, ref, unref and release "
                  "across pools; afterwards every chunk is free exactly once");

  g_test_add ("/zcp/stress/two-processes-two-threads", ZcpFixture, stress_pools,
              zcp_fixture_setup_spec, test_stress, zcp_fixture_teardown);

  return g_test_run ();
}
