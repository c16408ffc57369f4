/* zcp-bench.c: zerocp against iceoryx, Boost.Interprocess, a mutex free
 * list, malloc and the floor (a minimal tagged Treiber stack), side by side
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every workload gets and releases chunks of 256 bytes (the mixed one uses
 * sizes from 40 to 4096 over pools of 64, 256, 1024 and 4096 bytes).  The
 * runs are interleaved: run r measures every workload of every peer (in an
 * order rotated from run to run) before run r + 1 starts, so that a noisy
 * moment of the machine hits all peers alike; ratios to the floor are taken
 * within one run, then the median over runs is reported.
 *
 *   zcp-bench [--runs N] [--scale F] [--csv FILE] [--raw FILE]
 *             [--peer NAME]... [--workload NAME]... [--extras]
 *   zcp-bench --only PEER --workload W --pairs N   (for callgrind)
 */

#include "config.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "bench.h"
#include "bench-peers-c.h"

#ifndef HAVE_CXX_PEERS
const BenchPeer *
bench_cxx_peers (unsigned *n_out)
{
  *n_out = 0;
  return NULL;
}
#endif

typedef enum
{
  W_SINGLE,
  W_BATCH,
  W_THREADS2,
  W_PROCS2,
  W_MIXED,
  N_WORKLOADS
} Workload;

static const char *const workload_names[N_WORKLOADS] = {
  "1-thread", "1-thread-batch1000", "2-threads", "2-processes", "mixed-sizes",
};

static double
now_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

static const BenchPoolSpec spec_256[] = { { 256, 4096 } };
static const BenchPoolSpec spec_mixed[] = {
  { 64, 1024 }, { 256, 1024 }, { 1024, 1024 }, { 4096, 1024 },
};

/* ------------------------------------------------------------------------ */
/* Two workers: threads, or fork()ed processes                                */

typedef struct
{
  _Atomic int ready;
  _Atomic int go;
  double start[2];
  double end[2];
  uint64_t done[2];
} SharedRun;

typedef struct
{
  const BenchPeer *peer;
  void *ctx;
  SharedRun *run;
  uint64_t pairs;
  int worker;
} Worker;

static void
worker_run (Worker *w)
{
  atomic_fetch_add_explicit (&w->run->ready, 1, memory_order_acq_rel);
  while (!atomic_load_explicit (&w->run->go, memory_order_acquire))
    ;
  w->run->start[w->worker] = now_seconds ();
  w->run->done[w->worker] = w->peer->single (w->ctx, w->pairs);
  w->run->end[w->worker] = now_seconds ();
}

static void *
worker_thread (void *data)
{
  worker_run (data);
  return NULL;
}

static double
span_ns_per_pair (SharedRun *run,
                  uint64_t   pairs)
{
  double t0 = MIN (run->start[0], run->start[1]);
  double t1 = MAX (run->end[0], run->end[1]);

  if (run->done[0] != pairs || run->done[1] != pairs)
    {
      fprintf (stderr, "a worker got only %llu and %llu of %llu chunks\n",
               (unsigned long long) run->done[0], (unsigned long long) run->done[1],
               (unsigned long long) pairs);
      return NAN;
    }
  /* Wall time per pair and per worker: each worker did `pairs` pairs. */
  return (t1 - t0) * 1e9 / (double) pairs;
}

static double
measure_two (const BenchPeer *peer,
             void            *ctx,
             uint64_t         pairs,
             gboolean         processes)
{
  SharedRun *run = mmap (NULL, sizeof (SharedRun), PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  Worker w[2];
  double ns;

  if (run == MAP_FAILED)
    return NAN;
  memset (run, 0, sizeof *run);
  for (int i = 0; i < 2; i++)
    w[i] = (Worker) { peer, ctx, run, pairs, i };

  if (!processes)
    {
      pthread_t t[2];

      for (int i = 0; i < 2; i++)
        pthread_create (&t[i], NULL, worker_thread, &w[i]);
      while (atomic_load_explicit (&run->ready, memory_order_acquire) < 2)
        ;
      atomic_store_explicit (&run->go, 1, memory_order_release);
      for (int i = 0; i < 2; i++)
        pthread_join (t[i], NULL);
    }
  else
    {
      pid_t pid[2];
      gboolean ok = TRUE;

      fflush (NULL);
      for (int i = 0; i < 2; i++)
        {
          pid[i] = fork ();
          if (pid[i] == 0)
            {
              w[i].ctx = peer->attach_child (ctx);
              worker_run (&w[i]);
              _exit (0);
            }
        }
      while (atomic_load_explicit (&run->ready, memory_order_acquire) < 2)
        {
          int status;

          /* A child that could not attach exits before it is ready. */
          for (int i = 0; i < 2; i++)
            if (pid[i] > 0 && waitpid (pid[i], &status, WNOHANG) == pid[i])
              {
                pid[i] = -1;
                ok = FALSE;
              }
          if (!ok)
            break;
        }
      atomic_store_explicit (&run->go, 1, memory_order_release);
      for (int i = 0; i < 2; i++)
        {
          int status;

          if (pid[i] > 0 && (waitpid (pid[i], &status, 0) != pid[i] ||
                             !WIFEXITED (status) || WEXITSTATUS (status) != 0))
            ok = FALSE;
        }
      if (!ok)
        {
          munmap (run, sizeof *run);
          return NAN;
        }
    }

  ns = span_ns_per_pair (run, pairs);
  munmap (run, sizeof *run);
  return ns;
}

/* One measurement: ns per get+release pair (per worker for two workers). */
static double
measure (const BenchPeer *peer,
         Workload         w,
         uint64_t         pairs)
{
  const BenchPoolSpec *specs = w == W_MIXED ? spec_mixed : spec_256;
  unsigned n_specs = w == W_MIXED ? G_N_ELEMENTS (spec_mixed) : 1;
  void *ctx = peer->create (specs, n_specs);
  double t0, ns = NAN;
  uint64_t done;

  if (ctx == NULL)
    return NAN;

  switch (w)
    {
    case W_SINGLE:
      peer->single (ctx, pairs / 10); /* warm up */
      t0 = now_seconds ();
      done = peer->single (ctx, pairs);
      ns = done == pairs ? (now_seconds () - t0) * 1e9 / (double) pairs : NAN;
      break;
    case W_BATCH:
      pairs = MAX (pairs / BENCH_BATCH, 1) * BENCH_BATCH;
      peer->batch (ctx, 1);
      t0 = now_seconds ();
      done = peer->batch (ctx, pairs / BENCH_BATCH);
      ns = done == pairs ? (now_seconds () - t0) * 1e9 / (double) pairs : NAN;
      break;
    case W_MIXED:
      peer->mixed (ctx, pairs / 10);
      t0 = now_seconds ();
      done = peer->mixed (ctx, pairs);
      ns = done == pairs ? (now_seconds () - t0) * 1e9 / (double) pairs : NAN;
      break;
    case W_THREADS2:
      peer->single (ctx, pairs / 10);
      ns = measure_two (peer, ctx, pairs, FALSE);
      break;
    case W_PROCS2:
      peer->single (ctx, pairs / 10);
      ns = measure_two (peer, ctx, pairs, TRUE);
      break;
    case N_WORKLOADS:
    default:
      g_assert_not_reached ();
    }

  if (isnan (ns))
    fprintf (stderr, "%s/%s: measurement failed (a get returned NULL or a worker died)\n",
             peer->name, workload_names[w]);
  peer->destroy (ctx);
  return ns;
}

/* ------------------------------------------------------------------------ */

static int
cmp_double (const void *a,
            const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (const double *v,
        unsigned      n,
        double       *min_out,
        double       *max_out)
{
  double sorted[64];
  unsigned k = 0;

  for (unsigned i = 0; i < n && k < G_N_ELEMENTS (sorted); i++)
    if (!isnan (v[i]))
      sorted[k++] = v[i];
  if (k == 0)
    {
      *min_out = *max_out = NAN;
      return NAN;
    }
  qsort (sorted, k, sizeof (double), cmp_double);
  *min_out = sorted[0];
  *max_out = sorted[k - 1];
  return k % 2 ? sorted[k / 2] : (sorted[k / 2 - 1] + sorted[k / 2]) / 2;
}

static const BenchPeer *
find_peer (const BenchPeer **peers,
           unsigned          n,
           const char       *name)
{
  for (unsigned i = 0; i < n; i++)
    if (strcmp (peers[i]->name, name) == 0)
      return peers[i];
  return NULL;
}

static int
find_workload (const char *name)
{
  for (int i = 0; i < N_WORKLOADS; i++)
    if (strcmp (workload_names[i], name) == 0)
      return i;
  return -1;
}

static double
memset_seconds (size_t   size,
                gboolean prefault)
{
  uint8_t *p = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  double t0, t1;

  if (p == MAP_FAILED)
    return NAN;
  if (prefault)
    memset (p, 1, size);
  t0 = now_seconds ();
  memset (p, 0, size);
  BENCH_ESCAPE (p);
  t1 = now_seconds ();
  munmap (p, size);
  return t1 - t0;
}

static void
run_extras (const BenchPeer **peers,
            unsigned          n_peers,
            FILE             *csv)
{
  const uint32_t n = 1u << 20, size = 1024;
  size_t seg_size = (size_t) bench_zerocp_segment_size (size, n);
  double layout[3], same[3], fresh[3], warm[3], lmin, lmax, l, m, f, w;

  printf ("\nManagement bytes per chunk (chunks of 256 bytes):\n");
  for (unsigned i = 0; i < n_peers; i++)
    {
      double b = peers[i]->mgmt_bytes != NULL ? peers[i]->mgmt_bytes (256, 100000) : -1;

      if (b >= 0)
        printf ("  %-10s %8.2f   %s\n", peers[i]->name, b, peers[i]->note);
      else
        printf ("  %-10s %8s   %s\n", peers[i]->name, "n/a", peers[i]->note);
      if (csv != NULL && b >= 0)
        fprintf (csv, "mgmt-bytes-per-chunk,%s,%.3f,,,,\n", peers[i]->name, b);
    }

  for (int k = 0; k < 3; k++)
    {
      layout[k] = bench_zerocp_layout_seconds (size, n, now_seconds, &same[k]);
      fresh[k] = memset_seconds (seg_size, FALSE);
      warm[k] = memset_seconds (seg_size, TRUE);
    }
  l = median (layout, 3, &lmin, &lmax);
  m = median (same, 3, &lmin, &lmax);
  f = median (fresh, 3, &lmin, &lmax);
  w = median (warm, 3, &lmin, &lmax);
  printf ("\nCreating and laying out a segment of 1 M chunks of 1 KiB (%zu bytes), median of 3:\n"
          "  zerocp create + layout            %8.1f ms\n"
          "  memset of that segment's memory   %8.1f ms   (layout / memset %.2f)\n"
          "  memset, fresh anonymous pages     %8.1f ms   (layout / memset %.2f)\n"
          "  memset, anonymous pages present   %8.1f ms   (layout / memset %.2f)\n",
          seg_size, l * 1e3, m * 1e3, l / m, f * 1e3, l / f, w * 1e3, l / w);
  if (csv != NULL)
    {
      fprintf (csv, "layout-1M-1KiB-ms,zerocp,%.3f,,,,\n", l * 1e3);
      fprintf (csv, "layout-1M-1KiB-ms,memset-segment,%.3f,,,,\n", m * 1e3);
      fprintf (csv, "layout-1M-1KiB-ms,memset-fresh,%.3f,,,,\n", f * 1e3);
      fprintf (csv, "layout-1M-1KiB-ms,memset-present,%.3f,,,,\n", w * 1e3);
    }
}

int
main (int   argc,
      char *argv[])
{
  const BenchPeer *all[16], *peers[16];
  unsigned n_all = 0, n_peers = 0, n_cxx;
  const BenchPeer *cxx = bench_cxx_peers (&n_cxx);
  int runs = 7;
  double scale = 1.0;
  const char *csv_path = NULL, *raw_path = NULL, *only = NULL;
  gboolean want_workload[N_WORKLOADS] = { FALSE }, any_workload = FALSE, extras = FALSE;
  const char *want_peer[16];
  unsigned n_want_peer = 0;
  uint64_t only_pairs = 1000000;
  uint64_t base_pairs[N_WORKLOADS] = { 2000000, 2000000, 1000000, 1000000, 2000000 };
  static double ns[64][N_WORKLOADS][16];
  FILE *csv = NULL, *raw = NULL;

  for (unsigned i = 0; i < bench_n_c_peers; i++)
    all[n_all++] = &bench_c_peers[i];
  for (unsigned i = 0; i < n_cxx && n_all < G_N_ELEMENTS (all); i++)
    all[n_all++] = &cxx[i];

  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      const char *v = i + 1 < argc ? argv[i + 1] : NULL;

      if (strcmp (a, "--runs") == 0 && v != NULL)
        runs = CLAMP (atoi (v), 1, 64), i++;
      else if (strcmp (a, "--scale") == 0 && v != NULL)
        scale = g_ascii_strtod (v, NULL), i++;
      else if (strcmp (a, "--csv") == 0 && v != NULL)
        csv_path = v, i++;
      else if (strcmp (a, "--raw") == 0 && v != NULL)
        raw_path = v, i++;
      else if (strcmp (a, "--peer") == 0 && v != NULL && n_want_peer < G_N_ELEMENTS (want_peer))
        want_peer[n_want_peer++] = v, i++;
      else if (strcmp (a, "--only") == 0 && v != NULL)
        only = v, i++;
      else if (strcmp (a, "--pairs") == 0 && v != NULL)
        only_pairs = g_ascii_strtoull (v, NULL, 10), i++;
      else if (strcmp (a, "--help") == 0 || strcmp (a, "-h") == 0)
        {
          printf ("usage: %s [--runs N] [--scale F] [--csv FILE] [--raw FILE] [--peer NAME]...\n"
                  "          [--workload NAME]... [--extras]\n"
                  "       %s --only PEER --workload NAME --pairs N\n", argv[0], argv[0]);
          return 0;
        }
      else if (strcmp (a, "--extras") == 0)
        extras = TRUE;
      else if (strcmp (a, "--workload") == 0 && v != NULL)
        {
          int w = find_workload (v);

          if (w < 0)
            {
              fprintf (stderr, "unknown workload %s\n", v);
              return 2;
            }
          want_workload[w] = any_workload = TRUE;
          i++;
        }
      else
        {
          fprintf (stderr,
                   "usage: %s [--runs N] [--scale F] [--csv FILE] [--raw FILE] [--peer NAME]...\n"
                   "          [--workload NAME]... [--extras]\n"
                   "       %s --only PEER --workload NAME --pairs N\n", argv[0], argv[0]);
          return 2;
        }
    }

  if (!any_workload)
    for (int w = 0; w < N_WORKLOADS; w++)
      want_workload[w] = TRUE;

  /* Skipped peers say so (they were not built). */
#ifndef HAVE_ICEORYX
  fprintf (stderr, "note: iceoryx peer not built (needs C++ and libiceoryx-posh-dev)\n");
#endif
#ifndef HAVE_BOOST
  fprintf (stderr, "note: Boost.Interprocess peer not built (needs C++ and libboost-dev)\n");
#endif

  if (only != NULL)
    {
      /* One measurement, for callgrind: its loop function is what counts. */
      const BenchPeer *p = find_peer (all, n_all, only);
      int w = 0;
      void *ctx;
      uint64_t done = 0;

      while (w < N_WORKLOADS && !want_workload[w])
        w++;
      if (p == NULL || w == N_WORKLOADS)
        {
          fprintf (stderr, "unknown peer %s\n", only);
          return 2;
        }
      ctx = p->create (w == W_MIXED ? spec_mixed : spec_256, w == W_MIXED ? 4 : 1);
      if (ctx == NULL)
        return 1;
      if (w == W_BATCH)
        done = p->batch (ctx, only_pairs / BENCH_BATCH) ;
      else if (w == W_MIXED)
        done = p->mixed (ctx, only_pairs);
      else
        done = p->single (ctx, only_pairs);
      p->destroy (ctx);
      printf ("%s %s %llu pairs\n", p->name, workload_names[w], (unsigned long long) done);
      return 0;
    }

  for (unsigned i = 0; i < n_all; i++)
    {
      gboolean want = n_want_peer == 0;

      for (unsigned k = 0; k < n_want_peer; k++)
        want |= strcmp (all[i]->name, want_peer[k]) == 0;
      if (want)
        peers[n_peers++] = all[i];
    }
  if (n_peers == 0 || strcmp (peers[0]->name, "floor") != 0)
    {
      fprintf (stderr, "the floor must be among the peers (ratios are to the floor)\n");
      return 2;
    }

  if (csv_path != NULL && (csv = fopen (csv_path, "w")) == NULL)
    {
      perror (csv_path);
      return 1;
    }
  if (raw_path != NULL && (raw = fopen (raw_path, "w")) == NULL)
    {
      perror (raw_path);
      return 1;
    }
  if (raw != NULL)
    fprintf (raw, "run,workload,peer,ns_per_pair\n");

  for (int r = 0; r < runs; r++)
    {
      fprintf (stderr, "run %d/%d\n", r + 1, runs);
      for (int w = 0; w < N_WORKLOADS; w++)
        {
          uint64_t pairs = (uint64_t) MAX (1000.0, base_pairs[w] * scale);

          if (!want_workload[w])
            continue;
          /* Rotate the order of the peers from run to run. */
          for (unsigned k = 0; k < n_peers; k++)
            {
              unsigned p = (k + (unsigned) r) % n_peers;

              ns[r][w][p] = measure (peers[p], w, pairs);
              if (raw != NULL)
                fprintf (raw, "%d,%s,%s,%.3f\n", r, workload_names[w], peers[p]->name, ns[r][w][p]);
            }
        }
    }

  printf ("ns per get+release pair (per worker for 2 workers), median of %d interleaved runs;\n"
          "ratio: peer / floor within each run, median; x-mutex: mutex ns / peer ns (throughput gain)\n\n",
          runs);
  printf ("%-20s %-9s %9s %9s %9s %8s %8s\n", "workload", "peer", "median", "min", "max", "x-floor", "x-mutex");
  if (csv != NULL)
    fprintf (csv, "workload,peer,median_ns,min_ns,max_ns,ratio_to_floor,mutex_throughput_ratio\n");
  for (int w = 0; w < N_WORKLOADS; w++)
    {
      int mutex_index = -1;

      if (!want_workload[w])
        continue;
      for (unsigned p = 0; p < n_peers; p++)
        if (strcmp (peers[p]->name, "mutex") == 0)
          mutex_index = (int) p;

      for (unsigned p = 0; p < n_peers; p++)
        {
          double v[64], ratio[64], vs_mutex[64], med, lo, hi, rmed, mmed, dummy;

          for (int r = 0; r < runs; r++)
            {
              v[r] = ns[r][w][p];
              ratio[r] = ns[r][w][p] / ns[r][w][0];
              vs_mutex[r] = mutex_index >= 0 ? ns[r][w][mutex_index] / ns[r][w][p] : NAN;
            }
          med = median (v, runs, &lo, &hi);
          rmed = median (ratio, runs, &dummy, &dummy);
          mmed = median (vs_mutex, runs, &dummy, &dummy);
          printf ("%-20s %-9s %9.1f %9.1f %9.1f %8.2f %8.2f%s\n", workload_names[w], peers[p]->name,
                  med, lo, hi, rmed, mmed,
                  (w == W_PROCS2 && !peers[p]->shared_across_processes) ? "  (not shared)" : "");
          if (csv != NULL)
            fprintf (csv, "%s,%s,%.3f,%.3f,%.3f,%.4f,%.4f\n", workload_names[w], peers[p]->name,
                     med, lo, hi, rmed, mmed);
        }
    }

  if (extras)
    run_extras ((const BenchPeer **) peers, n_peers, csv);

  if (csv != NULL)
    fclose (csv);
  if (raw != NULL)
    fclose (raw);
  return 0;
}
