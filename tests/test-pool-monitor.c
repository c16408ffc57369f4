/* test-pool-monitor.c: pool-low and pool-exhausted notifications
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "zcp-test-common.h"

typedef struct
{
  guint low;             /* pool-low emissions */
  guint exhausted;       /* pool-exhausted emissions */
  guint last_pool;
  guint last_free;
} Counts;

static void
on_low (ZcpPoolMonitor *monitor,
        guint           pool,
        guint           free_chunks,
        gpointer        user_data)
{
  Counts *counts = user_data;

  counts->low++;
  counts->last_pool = pool;
  counts->last_free = free_chunks;
}

static void
on_exhausted (ZcpPoolMonitor *monitor,
              guint           pool,
              gpointer        user_data)
{
  Counts *counts = user_data;

  counts->exhausted++;
  counts->last_pool = pool;
}

static ZcpPoolMonitor *
monitor_new (ZcpMemPoolManager *manager,
             guint              interval_ms,
             Counts            *counts)
{
  ZcpPoolMonitor *monitor = zcp_pool_monitor_new (manager, interval_ms);

  g_signal_connect (monitor, "pool-low", G_CALLBACK (on_low), counts);
  g_signal_connect (monitor, "pool-exhausted", G_CALLBACK (on_exhausted), counts);
  return monitor;
}

/* Pool 0: 64 B × 10; pool 1: 1 KiB × 4. */
static const guint64 two_pools[] = { 64, 10, 1024, 4, 0 };

static void
setup (ZcpFixture    *seg,
       gconstpointer  user_data)
{
  zcp_fixture_setup (seg, two_pools);
}

static void
test_thresholds (ZcpFixture    *seg,
                 gconstpointer  user_data)
{
  g_autoptr(ZcpPoolMonitor) monitor = zcp_pool_monitor_new (seg->manager, 0);

  g_assert_true (zcp_pool_monitor_get_manager (monitor) == seg->manager);
  g_assert_cmpuint (zcp_pool_monitor_get_interval (monitor), ==, 0);
  g_assert_cmpuint (zcp_pool_monitor_get_low_percent (monitor), ==, ZCP_POOL_MONITOR_DEFAULT_LOW_PERCENT);
  /* 10 % rounded up: 1 of 10, and 1 of 4 (not 0). */
  g_assert_cmpuint (zcp_pool_monitor_get_threshold (monitor, 0), ==, 1);
  g_assert_cmpuint (zcp_pool_monitor_get_threshold (monitor, 1), ==, 1);

  zcp_pool_monitor_set_low_percent (monitor, 50);
  g_assert_cmpuint (zcp_pool_monitor_get_threshold (monitor, 0), ==, 5);
  g_assert_cmpuint (zcp_pool_monitor_get_threshold (monitor, 1), ==, 2);

  /* A pool's own threshold survives a new percentage. */
  zcp_pool_monitor_set_threshold (monitor, 1, 3);
  zcp_pool_monitor_set_low_percent (monitor, 0);
  g_assert_cmpuint (zcp_pool_monitor_get_threshold (monitor, 0), ==, 0);
  g_assert_cmpuint (zcp_pool_monitor_get_threshold (monitor, 1), ==, 3);
  g_assert_cmpuint (zcp_pool_monitor_get_threshold (monitor, 7), ==, 0);
}

static void
test_low_and_exhausted (ZcpFixture    *seg,
                        gconstpointer  user_data)
{
  Counts counts = { 0, };
  g_autoptr(ZcpPoolMonitor) monitor = monitor_new (seg->manager, 0, &counts);
  ZcpChunk *chunks[10];

  zcp_pool_monitor_set_low_percent (monitor, 20); /* 2 of 10 */

  for (guint i = 0; i < 7; i++)
    chunks[i] = zcp_mem_pool_manager_get_chunk (seg->manager, 64);
  zcp_pool_monitor_check (monitor);
  g_assert_cmpuint (counts.low, ==, 0);
  g_assert_cmpuint (counts.exhausted, ==, 0);

  /* Free falls to the threshold. */
  chunks[7] = zcp_mem_pool_manager_get_chunk (seg->manager, 64);
  g_assert_cmpuint (counts.low, ==, 0); /* never from the get itself */
  zcp_pool_monitor_check (monitor);
  g_assert_cmpuint (counts.low, ==, 1);
  g_assert_cmpuint (counts.last_pool, ==, 0);
  g_assert_cmpuint (counts.last_free, ==, 2);
  g_assert_cmpuint (counts.exhausted, ==, 0);

  /* Once per episode. */
  zcp_pool_monitor_check (monitor);
  g_assert_cmpuint (counts.low, ==, 1);

  chunks[8] = zcp_mem_pool_manager_get_chunk (seg->manager, 64);
  chunks[9] = zcp_mem_pool_manager_get_chunk (seg->manager, 64);
  g_assert_null (zcp_mem_pool_manager_get_chunk (seg->manager, 64));
  zcp_pool_monitor_check (monitor);
  g_assert_cmpuint (counts.low, ==, 1);
  g_assert_cmpuint (counts.exhausted, ==, 1);
  g_assert_cmpuint (counts.last_pool, ==, 0);
  zcp_pool_monitor_check (monitor);
  g_assert_cmpuint (counts.exhausted, ==, 1);

  /* Recovered: both re-arm, and the next episode is reported again. */
  for (guint i = 0; i < 10; i++)
    zcp_mem_pool_manager_release_chunk (seg->manager, chunks[i]);
  zcp_pool_monitor_check (monitor);
  g_assert_cmpuint (counts.low, ==, 1);
  g_assert_cmpuint (counts.exhausted, ==, 1);

  for (guint i = 0; i < 9; i++)
    chunks[i] = zcp_mem_pool_manager_get_chunk (seg->manager, 64);
  zcp_pool_monitor_check (monitor);
  g_assert_cmpuint (counts.low, ==, 2);
  g_assert_cmpuint (counts.last_free, ==, 1);
  g_assert_cmpuint (counts.exhausted, ==, 1);
  for (guint i = 0; i < 9; i++)
    zcp_mem_pool_manager_release_chunk (seg->manager, chunks[i]);

  /* The other pool was never touched. */
  g_assert_cmpuint (counts.last_pool, ==, 0);
}

/* A dip that is over before the check is still reported, through the
 * low-water mark and the failed-get counter. */
static void
test_between_checks (ZcpFixture    *seg,
                     gconstpointer  user_data)
{
  Counts counts = { 0, };
  g_autoptr(ZcpPoolMonitor) monitor = monitor_new (seg->manager, 0, &counts);
  ZcpChunk *chunks[4];

  for (guint i = 0; i < 4; i++)
    chunks[i] = zcp_mem_pool_manager_get_chunk (seg->manager, 1024);
  for (guint i = 0; i < 4; i++)
    zcp_mem_pool_manager_release_chunk (seg->manager, chunks[i]);

  zcp_pool_monitor_check (monitor);
  g_assert_cmpuint (counts.low, ==, 1);
  g_assert_cmpuint (counts.exhausted, ==, 1);
  g_assert_cmpuint (counts.last_pool, ==, 1);
  g_assert_cmpuint (counts.last_free, ==, 4); /* the free count at the check */

  /* The low-water mark is already 0 now; a second run-out between checks
   * shows only in the failed gets. */
  for (guint i = 0; i < 4; i++)
    chunks[i] = zcp_mem_pool_manager_get_chunk (seg->manager, 1024);
  g_assert_null (zcp_mem_pool_manager_get_chunk (seg->manager, 1024));
  for (guint i = 0; i < 4; i++)
    zcp_mem_pool_manager_release_chunk (seg->manager, chunks[i]);

  zcp_pool_monitor_check (monitor);
  g_assert_cmpuint (counts.exhausted, ==, 2);
  g_assert_cmpuint (counts.last_pool, ==, 1);

  /* Nothing new, nothing emitted. */
  zcp_pool_monitor_check (monitor);
  g_assert_cmpuint (counts.low, ==, 1);
  g_assert_cmpuint (counts.exhausted, ==, 2);
}

/* What happened before the monitor existed is not news; what is true now
 * is. */
static void
test_initial_state (ZcpFixture    *seg,
                    gconstpointer  user_data)
{
  Counts counts = { 0, };
  g_autoptr(ZcpPoolMonitor) monitor = NULL;
  ZcpChunk *chunks[4];

  for (guint i = 0; i < 4; i++)
    chunks[i] = zcp_mem_pool_manager_get_chunk (seg->manager, 1024);
  g_assert_null (zcp_mem_pool_manager_get_chunk (seg->manager, 1024));
  zcp_mem_pool_manager_release_chunk (seg->manager, chunks[3]);

  monitor = monitor_new (seg->manager, 0, &counts);
  zcp_pool_monitor_set_threshold (monitor, 1, 1);
  zcp_pool_monitor_check (monitor);
  /* Low now (1 free), but the earlier exhaustion is history. */
  g_assert_cmpuint (counts.low, ==, 1);
  g_assert_cmpuint (counts.exhausted, ==, 0);

  for (guint i = 0; i < 3; i++)
    zcp_mem_pool_manager_release_chunk (seg->manager, chunks[i]);
}

/* A read-only attachment sees the gets of the segment's other users. */
static void
test_read_only_view (ZcpFixture    *seg,
                     gconstpointer  user_data)
{
  Counts counts = { 0, };
  g_autoptr(ZcpMemPoolManager) viewer = NULL;
  g_autoptr(ZcpPoolMonitor) monitor = NULL;
  g_autoptr(GError) error = NULL;
  ZcpChunk *chunks[4];

  viewer = zcp_mem_pool_manager_open (seg->name, ZCP_OPEN_FLAGS_READ_ONLY, 0, &error);
  g_assert_no_error (error);
  monitor = monitor_new (viewer, 0, &counts);

  for (guint i = 0; i < 4; i++)
    chunks[i] = zcp_mem_pool_manager_get_chunk (seg->manager, 1000);
  zcp_pool_monitor_check (monitor);
  g_assert_cmpuint (counts.exhausted, ==, 1);
  g_assert_cmpuint (counts.last_pool, ==, 1);

  for (guint i = 0; i < 4; i++)
    zcp_mem_pool_manager_release_chunk (seg->manager, chunks[i]);

  g_assert_finalize_object (g_steal_pointer (&monitor));
  g_assert_finalize_object (g_steal_pointer (&viewer));
}

static gboolean
on_give_up (gpointer user_data)
{
  gboolean *gave_up = user_data;

  *gave_up = TRUE;
  return G_SOURCE_REMOVE;
}

/* The timer runs the checks on the thread-default main context. */
static void
test_timer (ZcpFixture    *seg,
            gconstpointer  user_data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(ZcpPoolMonitor) monitor = NULL;
  g_autoptr(GSource) give_up = NULL;
  Counts counts = { 0, };
  gboolean gave_up = FALSE;
  ZcpChunk *chunks[4];

  g_main_context_push_thread_default (context);
  monitor = monitor_new (seg->manager, 5, &counts);
  g_main_context_pop_thread_default (context);

  for (guint i = 0; i < 4; i++)
    chunks[i] = zcp_mem_pool_manager_get_chunk (seg->manager, 1024);

  /* Nothing is emitted until the context runs. */
  g_assert_cmpuint (counts.exhausted, ==, 0);

  /* A guard against a hang, not a timing assertion. */
  give_up = g_timeout_source_new_seconds (30);
  g_source_set_callback (give_up, on_give_up, &gave_up, NULL);
  g_source_attach (give_up, context);

  while (counts.exhausted == 0 && !gave_up)
    g_main_context_iteration (context, TRUE);
  g_assert_false (gave_up);
  g_assert_cmpuint (counts.exhausted, ==, 1);
  g_assert_cmpuint (counts.low, ==, 1);

  for (guint i = 0; i < 4; i++)
    zcp_mem_pool_manager_release_chunk (seg->manager, chunks[i]);

  /* Stopping the timer: no more checks, even with a new exhaustion. */
  zcp_pool_monitor_set_interval (monitor, 0);
  g_assert_cmpuint (zcp_pool_monitor_get_interval (monitor), ==, 0);
  for (guint i = 0; i < 4; i++)
    chunks[i] = zcp_mem_pool_manager_get_chunk (seg->manager, 1024);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_cmpuint (counts.exhausted, ==, 1);
  for (guint i = 0; i < 4; i++)
    zcp_mem_pool_manager_release_chunk (seg->manager, chunks[i]);

  /* Finalizing removes the timer from the context. */
  zcp_pool_monitor_set_interval (monitor, 5);
  g_assert_finalize_object (g_steal_pointer (&monitor));
  g_source_destroy (give_up);
  while (g_main_context_iteration (context, FALSE))
    ;
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_summary ("ZcpPoolMonitor: pool-low and pool-exhausted, from polled statistics");

  g_test_add ("/zcp/monitor/thresholds", ZcpFixture, NULL, setup, test_thresholds, zcp_fixture_teardown);
  g_test_add ("/zcp/monitor/low-and-exhausted", ZcpFixture, NULL, setup, test_low_and_exhausted, zcp_fixture_teardown);
  g_test_add ("/zcp/monitor/between-checks", ZcpFixture, NULL, setup, test_between_checks, zcp_fixture_teardown);
  g_test_add ("/zcp/monitor/initial-state", ZcpFixture, NULL, setup, test_initial_state, zcp_fixture_teardown);
  g_test_add ("/zcp/monitor/read-only-view", ZcpFixture, NULL, setup, test_read_only_view, zcp_fixture_teardown);
  g_test_add ("/zcp/monitor/timer", ZcpFixture, NULL, setup, test_timer, zcp_fixture_teardown);

  return g_test_run ();
}
