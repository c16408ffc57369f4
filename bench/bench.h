/* bench.h: what the benchmark driver and its peers share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Plain C that also compiles as C++, so that the C++ peers (iceoryx, Boost)
 * get their loops from the same macro as the C ones.  Every peer's loops are
 * generated with its get and release inlined, so no peer pays an indirect
 * call per operation that another does not.
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The pools a peer is asked to build. */
typedef struct
{
  uint32_t chunk_size;
  uint32_t chunk_count;
} BenchPoolSpec;

#define BENCH_MAX_POOLS 4
#define BENCH_BATCH 1000

typedef struct
{
  const char *name;
  const char *note;
  /* 1 if two processes share one pool (0: each process has its own, as
   * malloc; its two-process figure is a reference only). */
  int shared_across_processes;
  /* Builds the pools in memory that a fork()ed child inherits.  NULL on
   * failure (with a message on stderr). */
  void *(*create) (const BenchPoolSpec *specs, unsigned n_specs);
  /* In a fork()ed child, before its loop (may return ctx itself). */
  void *(*attach_child) (void *ctx);
  void (*destroy) (void *ctx);
  /* Each returns the number of get+release pairs that succeeded. */
  uint64_t (*single) (void *ctx, uint64_t pairs);
  uint64_t (*batch) (void *ctx, uint64_t batches);
  uint64_t (*mixed) (void *ctx, uint64_t pairs);
  /* Management bytes per chunk, measured by building n chunks of size
   * bytes; negative when not measurable. */
  double (*mgmt_bytes) (uint32_t size, uint32_t n);
} BenchPeer;

/* The C++ peers (bench-cxx.cc); *n_out may be 0. */
const BenchPeer *bench_cxx_peers (unsigned *n_out);

/* Sizes for the mixed workload, cycled; pools are 64, 256, 1024, 4096. */
#define BENCH_MIXED_SIZES 16
extern const uint32_t bench_mixed_sizes[BENCH_MIXED_SIZES];

/* Keeps the compiler from eliding a get+release pair (malloc/free). */
#define BENCH_ESCAPE(p) __asm__ __volatile__ ("" : : "r" (p) : "memory")

/* BENCH_DEFINE_LOOPS (name, ctx type, get (ctx), put (ctx, p),
 *                     get_sized (ctx, size), put_sized (ctx, p, size))
 * The loops are noinline and named bench_<workload>_<name> so that
 * callgrind's --toggle-collect can count exactly their instructions. */
#define BENCH_DEFINE_LOOPS(NAME, CTX_T, GET, PUT, GET_SIZED, PUT_SIZED)        \
  __attribute__ ((noinline)) uint64_t bench_single_##NAME (void *vctx,        \
                                                           uint64_t pairs);   \
  __attribute__ ((noinline)) uint64_t                                          \
  bench_single_##NAME (void *vctx, uint64_t pairs)                             \
  {                                                                            \
    CTX_T *ctx = (CTX_T *) vctx;                                               \
    (void) ctx;                                                                \
    for (uint64_t i = 0; i < pairs; i++)                                       \
      {                                                                        \
        void *p = GET (ctx);                                                   \
        if (p == NULL)                                                         \
          return i;                                                            \
        BENCH_ESCAPE (p);                                                      \
        PUT (ctx, p);                                                          \
      }                                                                        \
    return pairs;                                                              \
  }                                                                            \
  __attribute__ ((noinline)) uint64_t bench_batch_##NAME (void *vctx,         \
                                                          uint64_t batches);  \
  __attribute__ ((noinline)) uint64_t                                          \
  bench_batch_##NAME (void *vctx, uint64_t batches)                            \
  {                                                                            \
    CTX_T *ctx = (CTX_T *) vctx;                                               \
    void *held[BENCH_BATCH];                                                   \
    (void) ctx;                                                                \
    for (uint64_t b = 0; b < batches; b++)                                     \
      {                                                                        \
        for (unsigned j = 0; j < BENCH_BATCH; j++)                             \
          {                                                                    \
            held[j] = GET (ctx);                                               \
            if (held[j] == NULL)                                               \
              return b * BENCH_BATCH;                                          \
            BENCH_ESCAPE (held[j]);                                            \
          }                                                                    \
        for (unsigned j = 0; j < BENCH_BATCH; j++)                             \
          PUT (ctx, held[j]);                                                  \
      }                                                                        \
    return batches * BENCH_BATCH;                                              \
  }                                                                            \
  __attribute__ ((noinline)) uint64_t bench_mixed_##NAME (void *vctx,         \
                                                          uint64_t pairs);    \
  __attribute__ ((noinline)) uint64_t                                          \
  bench_mixed_##NAME (void *vctx, uint64_t pairs)                              \
  {                                                                            \
    CTX_T *ctx = (CTX_T *) vctx;                                               \
    (void) ctx;                                                                \
    for (uint64_t i = 0; i < pairs; i++)                                       \
      {                                                                        \
        uint32_t size = bench_mixed_sizes[i % BENCH_MIXED_SIZES];              \
        void *p = GET_SIZED (ctx, size);                                       \
        if (p == NULL)                                                         \
          return i;                                                            \
        BENCH_ESCAPE (p);                                                      \
        PUT_SIZED (ctx, p, size);                                              \
      }                                                                        \
    return pairs;                                                              \
  }

#ifdef __cplusplus
}
#endif
