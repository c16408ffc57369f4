/* zcp-segment-private.h: the segment layout and the lock-free free list
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * This is the hot path.  It is plain C11: no GObject, no g_return_*, no
 * allocation, no lock.  Everything that lives inside the shared segment is
 * reached through offsets and indices only, never through a stored pointer,
 * so that every process may map the segment at its own address.
 *
 * # Segment layout (layout version 1)
 *
 * All integers are in the byte order of the host: a segment is shared by the
 * processes of one machine only.  Offsets are from the start of the segment.
 *
 * |  offset                | what                                          |
 * |------------------------|-----------------------------------------------|
 * | 0                      | #ZcpSegmentHeader, 128 bytes                  |
 * | header.pools_offset    | #ZcpPoolDescriptor × pool_count, 192 B each   |
 * | header.processes_offset| #ZcpProcessSlot × max_processes, 16 B each    |
 * | header.caches_offset   | #ZcpCacheRecord × max_caches, 128 B each      |
 * | pool.slots_offset      | #ZcpChunkSlot × chunk_count (8 B per chunk),  |
 * |                        | aligned to 64                                 |
 * | pool.chunks_offset     | chunk_count payloads of `stride` bytes,       |
 * |                        | aligned to 64                                 |
 *
 * The slots and payloads of pool 0 come first, then those of pool 1, and so
 * on.  `stride` is the pool's chunk size rounded up to %ZCP_CHUNK_ALIGN, so
 * every payload starts on a 64-byte boundary.  The management cost per chunk
 * is the 8-byte #ZcpChunkSlot (plus at most 63 bytes of alignment padding per
 * payload when the chunk size is not a multiple of 64); the fixed cost per
 * segment is the header, the descriptors and the process table.
 *
 * # The free list
 *
 * Each pool has a Treiber stack of chunk indices.  `head` packs the index of
 * the first free chunk (low 32 bits, %ZCP_INDEX_NIL when empty) with a
 * generation tag (high 32 bits) that changes on every successful CAS, so a
 * pop that read a head, was preempted while the same index was popped and
 * pushed back, and then retried its CAS fails instead of installing a stale
 * `next` (the ABA problem).  `slots[i].next` is the index of the chunk below
 * chunk i on the stack; it is meaningful only while chunk i is free.
 *
 * On a failed CAS, C11 writes the current value of `head` into the expected
 * value; every retry rebuilds the new head, tag included, from that fresh
 * value.  Deriving the tag from the stale head instead is the bug that made
 * iceoryx hand out chunks twice (eclipse-iceoryx/iceoryx#2351).
 *
 * The manager gets and releases through zcp_pool_get() and zcp_pool_put(),
 * which on x86-64 change `head`, `used` and `low_water` in one 16-byte CAS
 * (see "Get and put" below), and elsewhere are the pop or push plus the
 * separate counter updates.  A failed CAS backs off before it retries
 * (zcp_backoff()).
 *
 * # Chunk state
 *
 * `slots[i].state` is 0 while chunk i is on the free list.  While it is in
 * use, the low 16 bits hold its reference count (>= 1) and the high 16 bits
 * hold the process-table slot + 1 of the process that took it from the pool.
 * The reference count is changed by CAS only, so a release of a chunk whose
 * count is already 0 is seen (double release) and changes nothing.
 *
 * A free chunk resting in a thread's cache (see "Thread caches" below) has
 * a reference count of 0 and the caching process in the owner field: it is
 * free for every check (a release, a reference or an adoption of it is
 * refused as of a free chunk) and owned for crash reclaim, which gives it
 * back when that process dies.
 *
 * # Thread caches
 *
 * A get + release pair on the shared list costs three locked
 * read-modify-writes: the pop, the reference-count CAS that catches double
 * releases, and the push.  Each thread of a process therefore keeps, per
 * pool and per segment, a small stack of the chunks it released itself, in
 * its own memory (the manager's zcp-thread-cache.c): a get takes from it
 * with a relaxed store of the state, a release puts into it with the
 * reference-count CAS alone, so a cache hit costs one locked instruction
 * per pair instead of three and touches no shared cache line but the
 * chunk's own slot.
 *
 * Each caching thread owns one #ZcpCacheRecord of the segment, claimed by
 * CAS on its `owner` word.  Its `pools[p].count` is the thread's count of
 * cached chunks itself, not a copy: the thread alone writes it (relaxed
 * stores: a plain store on x86), and other processes read it, so the
 * statistics report `used` minus the sum of the counts.  Next to it,
 * `pools[p].flush` is a flush request: a get that finds the free list
 * empty sets it in every record that caches chunks of the pool, and the
 * thread gives them back on its next get there, clearing it first (so a
 * request made meanwhile is never lost: either the flush that follows
 * serves it, or the flag stays).  The owning thread's cache hit reads
 * both bytes and writes the count alone (byte loads: a 16-bit load right
 * after the byte store of the count would miss store forwarding).
 *
 * # Invariants, at quiescence
 *
 * - free + used == chunk_count for every pool, where free is the length of
 *   the stack and used the number of chunks whose state is not 0 (in use
 *   or cached);
 * - a chunk is on the stack exactly when its state is 0;
 * - a chunk is cached exactly when its reference count is 0 and its owner
 *   field is not, and the counts of the records of its process say so;
 * - `used` (statistics) equals the number of chunks whose state is not 0.
 *
 * # Thread and process contract
 *
 * zcp_free_list_pop() and zcp_free_list_push() may be called concurrently by
 * any number of threads in any number of processes that map the segment
 * read-write.  zcp_segment_layout() must run before anyone else can see the
 * segment as ready; it publishes its work with a release store of `ready`.
 */

#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The free-list head must be lock-free and address-free: libatomic's fallback
 * takes a lock that is private to the process, which is useless (and wrong)
 * when the atomic lives in memory shared with other processes. */
_Static_assert (ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must always be lock-free");
_Static_assert (ATOMIC_INT_LOCK_FREE == 2, "32-bit atomics must always be lock-free");

#define ZCP_CACHELINE_SIZE 64
#define ZCP_CHUNK_ALIGN 64

/* "ZEROCPSG" read as a little-endian 64-bit integer. */
#define ZCP_SEGMENT_MAGIC UINT64_C (0x475350434f52455a)
#define ZCP_SEGMENT_LAYOUT_VERSION 3u
#define ZCP_SEGMENT_READY 0x52454459u /* "REDY" */
#define ZCP_SEGMENT_MAX_PROCESSES 256u
/* Thread caches that may be active on one segment at once, over all
 * attached processes; a thread that finds the table full works without a
 * cache (correct, three locked instructions per pair). */
#define ZCP_SEGMENT_MAX_CACHES 64u
/* The pools a cache record counts; ZCP_MEM_POOL_MAX_POOLS is 32. */
#define ZCP_CACHE_RECORD_POOLS 32u

#define ZCP_INDEX_NIL UINT32_MAX

#define ZCP_STATE_REFS_MASK UINT32_C (0xffff)
#define ZCP_STATE_OWNER_SHIFT 16
#define ZCP_STATE_MAX_REFS UINT32_C (0xffff)
/* Owner field of a chunk whose reference travels with a handle: no process
 * owns it until a receiver adopts it, so that the sender's death does not
 * get it reclaimed under the receiver (see zcp_chunk_state_set_owner()). */
#define ZCP_STATE_OWNER_TRANSIT UINT32_C (0xffff)

/* Segment-wide flags (ZcpSegmentHeader.flags). */
#define ZCP_SEGMENT_FLAG_FALLBACK (1u << 0) /* a get may use a larger pool */
#define ZCP_SEGMENT_FLAG_NO_THREAD_CACHE (1u << 1) /* every get and release on the list */

typedef struct
{
  uint64_t magic;             /* ZCP_SEGMENT_MAGIC */
  uint32_t layout_version;    /* ZCP_SEGMENT_LAYOUT_VERSION */
  uint32_t header_size;       /* sizeof (ZcpSegmentHeader) */
  uint64_t total_size;        /* bytes in the whole segment */
  uint64_t segment_id;        /* random, chosen by the creator */
  uint32_t pool_count;        /* number of ZcpPoolDescriptor */
  uint32_t max_processes;     /* number of ZcpProcessSlot */
  uint64_t pools_offset;      /* offset of the pool descriptors */
  uint64_t processes_offset;  /* offset of the process table */
  uint32_t flags;             /* ZCP_SEGMENT_FLAG_* */
  uint32_t creator_pid;       /* informational */
  /* Written last by the creator, with release order; an attacher that reads
   * ZCP_SEGMENT_READY with acquire order sees the whole layout. */
  _Atomic uint32_t ready;
  uint32_t max_caches;        /* number of ZcpCacheRecord */
  uint64_t caches_offset;     /* offset of the thread-cache records */
  uint64_t reserved[6];
} ZcpSegmentHeader;

_Static_assert (sizeof (ZcpSegmentHeader) == 128, "the header is 128 bytes");
_Static_assert (offsetof (ZcpSegmentHeader, ready) == 64, "ready starts the second line");

typedef struct
{
  /* Cache line 0: written once by the creator, read-only afterwards. */
  uint64_t chunk_size;        /* usable payload bytes, as configured */
  uint64_t stride;            /* chunk_size rounded up to ZCP_CHUNK_ALIGN */
  uint32_t chunk_count;
  uint32_t reserved0;
  uint64_t slots_offset;      /* ZcpChunkSlot[chunk_count] */
  uint64_t chunks_offset;     /* payload of chunk 0 */
  uint64_t reserved1[3];

  /* Cache line 1: everything a get or a release writes.  The head and the
   * statistics share the line on purpose: the CAS on the head has already
   * taken the line exclusive, so the counters that follow cost no further
   * cache-line transfer. */
  _Alignas (ZCP_CACHELINE_SIZE) _Atomic uint64_t head; /* index | tag << 32 */
  _Atomic uint32_t used;      /* chunks with state != 0 */
  _Atomic uint32_t low_water; /* fewest free chunks seen after a get */
  _Atomic uint64_t failed_gets; /* gets that found this pool empty */
  uint64_t reserved2[5];

  /* Cache line 2: unused; it keeps the next descriptor's head off line 1. */
  _Alignas (ZCP_CACHELINE_SIZE) uint64_t reserved3[8];
} ZcpPoolDescriptor;

_Static_assert (sizeof (ZcpPoolDescriptor) == 192, "a pool descriptor is 192 bytes");
_Static_assert (offsetof (ZcpPoolDescriptor, head) == 64, "head starts line 1");

typedef struct
{
  _Atomic uint32_t pid;        /* 0 while the slot is free */
  uint32_t reserved0;
  _Atomic uint64_t start_time; /* process start, clock ticks after boot */
} ZcpProcessSlot;

_Static_assert (sizeof (ZcpProcessSlot) == 16, "a process slot is 16 bytes");

/* A pool of a caching thread's record: its count, in the low-order byte of
 * the pair as a 16-bit word, and a flush request in the other. */
typedef struct
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  _Atomic uint8_t flush;      /* set by a starving get, cleared by the owner */
  _Atomic uint8_t count;      /* chunks cached; written by the owner alone */
#else
  _Atomic uint8_t count;
  _Atomic uint8_t flush;
#endif
} ZcpCacheRecordPool;

/* One caching thread's counts (see "Thread caches").  Two cache lines: the
 * claim, and the pools, which its thread writes on every cache hit and no
 * other thread's record shares. */
typedef struct
{
  _Atomic uint32_t owner;     /* 0 while free; process slot + 1 of the claimer */
  uint32_t reserved0;
  uint64_t reserved[7];
  ZcpCacheRecordPool pools[ZCP_CACHE_RECORD_POOLS];
} ZcpCacheRecord;

_Static_assert (sizeof (ZcpCacheRecordPool) == 2, "count and flush form a 16-bit word");
_Static_assert (sizeof (ZcpCacheRecord) == 128, "a cache record is two cache lines");
_Static_assert (offsetof (ZcpCacheRecord, pools) == 64, "the pools start line 1");

typedef struct
{
  _Atomic uint32_t next;   /* index below this one on the stack, while free */
  _Atomic uint32_t state;  /* 0 = free; refs | (owner slot + 1) << 16 */
} ZcpChunkSlot;

_Static_assert (sizeof (ZcpChunkSlot) == 8, "8 management bytes per chunk");

/* ------------------------------------------------------------------------ */
/* Layout arithmetic                                                         */

typedef struct
{
  uint64_t chunk_size;
  uint32_t chunk_count;
} ZcpPoolSpec;

static inline bool
zcp_align_up_checked (uint64_t  value,
                      uint64_t  align,
                      uint64_t *out)
{
  uint64_t sum;

  if (__builtin_add_overflow (value, align - 1, &sum))
    return false;
  *out = sum & ~(align - 1);
  return true;
}

/* Computes the offsets of every pool and the total size.  descs may be NULL
 * (size computation only).  Returns false when the size overflows 64 bits. */
static inline bool
zcp_segment_compute_layout (const ZcpPoolSpec *specs,
                            uint32_t           n_specs,
                            ZcpPoolDescriptor *descs,
                            uint64_t          *pools_offset_out,
                            uint64_t          *processes_offset_out,
                            uint64_t          *total_out)
{
  uint64_t off = sizeof (ZcpSegmentHeader);
  uint64_t pools_offset = off;
  uint64_t processes_offset;

  off += (uint64_t) n_specs * sizeof (ZcpPoolDescriptor);
  processes_offset = off;
  off += (uint64_t) ZCP_SEGMENT_MAX_PROCESSES * sizeof (ZcpProcessSlot);
  /* The cache records follow, 64-aligned (192 and 16 × 256 are multiples
   * of 64); see zcp_segment_caches_offset(). */
  off += (uint64_t) ZCP_SEGMENT_MAX_CACHES * sizeof (ZcpCacheRecord);

  if (pools_offset_out != NULL)
    *pools_offset_out = pools_offset;
  if (processes_offset_out != NULL)
    *processes_offset_out = processes_offset;

  for (uint32_t i = 0; i < n_specs; i++)
    {
      uint64_t stride, slots_offset, slots_bytes, chunks_offset, chunk_bytes;

      if (!zcp_align_up_checked (specs[i].chunk_size, ZCP_CHUNK_ALIGN, &stride) ||
          !zcp_align_up_checked (off, ZCP_CACHELINE_SIZE, &slots_offset) ||
          __builtin_mul_overflow ((uint64_t) specs[i].chunk_count, (uint64_t) sizeof (ZcpChunkSlot), &slots_bytes) ||
          __builtin_add_overflow (slots_offset, slots_bytes, &off) ||
          !zcp_align_up_checked (off, ZCP_CHUNK_ALIGN, &chunks_offset) ||
          __builtin_mul_overflow (stride, (uint64_t) specs[i].chunk_count, &chunk_bytes) ||
          __builtin_add_overflow (chunks_offset, chunk_bytes, &off))
        return false;

      if (descs != NULL)
        {
          descs[i].chunk_size = specs[i].chunk_size;
          descs[i].stride = stride;
          descs[i].chunk_count = specs[i].chunk_count;
          descs[i].slots_offset = slots_offset;
          descs[i].chunks_offset = chunks_offset;
        }
    }

  *total_out = off;
  return true;
}

/* ------------------------------------------------------------------------ */
/* The free list                                                             */

/* Back-off after a failed CAS on a head.  Two workers hammering one head
 * with plain retries move its cache line back and forth on every attempt,
 * and a process-shared mutex beats them (the loser of a mutex sleeps and the
 * winner keeps the line).  After the n-th consecutive failure a worker waits
 * min (ZCP_BACKOFF_MIN << (n - 1), ZCP_BACKOFF_MAX) spin-loop hints before
 * it reads the head again, so the winner runs a few operations with the
 * line in its own cache.  The back-off changes no value and adds no
 * synchronization: it only delays a retry, so every property of the
 * algorithm without it still holds (a retry always starts from a fresh
 * load of the head).  The bounds were tuned on a 2-core AMD EPYC (Zen),
 * whose pause hint is short; on CPUs with a long pause (Intel since
 * Skylake, about 140 cycles) the same counts wait longer, which matters
 * only under sustained contention. */
#define ZCP_BACKOFF_MIN 32u
#define ZCP_BACKOFF_MAX 4096u

static inline void
zcp_cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#elif defined(__aarch64__)
  __asm__ __volatile__ ("yield" ::: "memory");
#else
  atomic_signal_fence (memory_order_seq_cst);
#endif
}

/* Asks for the cache line of addr in the exclusive state, ahead of a
 * load that a CAS or a store to the same line follows.  Without it, a
 * contended line travels twice per operation: shared for the load, then
 * again to be owned for the write.  A hint only: it changes no value and
 * orders nothing (x86's prefetchw is a no-op on CPUs that predate it). */
static inline void
zcp_prefetch_for_write (const void *addr)
{
#if defined(__x86_64__) || defined(__i386__)
  __asm__ ("prefetchw %0" : : "m" (*(const char *) addr));
#else
  __builtin_prefetch (addr, 1, 3);
#endif
}

static inline void
zcp_backoff (uint32_t *spins)
{
  for (uint32_t i = 0; i < *spins; i++)
    zcp_cpu_relax ();
  if (*spins < ZCP_BACKOFF_MAX)
    *spins <<= 1;
}

static inline uint32_t
zcp_head_index (uint64_t head)
{
  return (uint32_t) head;
}

static inline uint64_t
zcp_head_make (uint64_t old_head,
               uint32_t index)
{
  /* The tag is the high half; it wraps after 2^32 changes, and an ABA
   * needs a pop to stay preempted across exactly that many changes. */
  return (((old_head >> 32) + 1) << 32) | index;
}

/* Pops the first free chunk.  Returns its index, ZCP_INDEX_NIL when the
 * pool is empty, or a value >= count when the head is corrupt (only a
 * foreign writer can do that; the caller treats it as empty). */
static inline uint32_t
zcp_free_list_pop (ZcpPoolDescriptor *desc,
                   ZcpChunkSlot      *slots,
                   uint32_t           count)
{
  /* Acquire: pairs with the release CAS of the push that put this index on
   * the stack (or with the creator's release of `ready` for the initial
   * list), so that the slot's `next` written before that push is seen. */
  uint64_t old = atomic_load_explicit (&desc->head, memory_order_acquire);
  uint32_t spins = ZCP_BACKOFF_MIN;

  for (;;)
    {
      uint32_t index = zcp_head_index (old);
      uint32_t next;

      if (index == ZCP_INDEX_NIL)
        return ZCP_INDEX_NIL;
      if (__builtin_expect (index >= count, 0))
        return index;

      /* Relaxed: ordered after the acquire load (or failed CAS) of the
       * head that named this index.  It may be stale if another thread
       * popped the chunk meanwhile, but then the head (and its tag) has
       * changed and the CAS below fails. */
      next = atomic_load_explicit (&slots[index].next, memory_order_relaxed);

      /* Success is acquire for the payload: the previous owner's writes,
       * published by its release push, happen before ours.  Failure is
       * acquire too, because the fresh head it returns is used to read a
       * `next` on the retry.  The new head is built from `old` as the
       * failed CAS refreshed it, never from a stale copy. */
      if (atomic_compare_exchange_weak_explicit (&desc->head, &old,
                                                 zcp_head_make (old, next),
                                                 memory_order_acquire,
                                                 memory_order_acquire))
        return index;

      /* Lost the race: wait, then start over from a fresh head.  Acquire,
       * for the same reason as the first load: the retry reads the `next`
       * of the index this load returns. */
      zcp_backoff (&spins);
      old = atomic_load_explicit (&desc->head, memory_order_acquire);
    }
}

/* Pushes a chunk that the caller owns (its state is already 0). */
static inline void
zcp_free_list_push (ZcpPoolDescriptor *desc,
                    ZcpChunkSlot      *slots,
                    uint32_t           index)
{
  /* Relaxed: the value only seeds the CAS, which validates it. */
  uint64_t old = atomic_load_explicit (&desc->head, memory_order_relaxed);
  uint32_t spins = ZCP_BACKOFF_MIN;

  for (;;)
    {
      /* Relaxed: published by the release CAS below. */
      atomic_store_explicit (&slots[index].next, zcp_head_index (old),
                             memory_order_relaxed);

      /* Release: the `next` store above and every write to the payload
       * by its last holder happen before a later pop that acquires this
       * head.  Failure needs no order: it only refreshes `old`, from which
       * the retry rebuilds both `next` and the tag. */
      if (atomic_compare_exchange_weak_explicit (&desc->head, &old,
                                                 zcp_head_make (old, index),
                                                 memory_order_release,
                                                 memory_order_relaxed))
        return;

      /* Lost the race: wait, then retry from a fresh head.  Relaxed, as
       * the first load: the CAS validates it. */
      zcp_backoff (&spins);
      old = atomic_load_explicit (&desc->head, memory_order_relaxed);
    }
}

/* ------------------------------------------------------------------------ */
/* Statistics (relaxed: they order nothing, and exact counts at quiescence   */
/* follow from the atomicity of each update alone).                          */

static inline void
zcp_pool_stats_on_get (ZcpPoolDescriptor *desc,
                       uint32_t           count)
{
  uint32_t used = atomic_fetch_add_explicit (&desc->used, 1, memory_order_relaxed) + 1;
  uint32_t free_now = count - used;
  uint32_t low = atomic_load_explicit (&desc->low_water, memory_order_relaxed);

  /* Only a new minimum writes; in the steady state this is a load. */
  while (free_now < low &&
         !atomic_compare_exchange_weak_explicit (&desc->low_water, &low, free_now,
                                                 memory_order_relaxed,
                                                 memory_order_relaxed))
    ;
}

static inline void
zcp_pool_stats_on_release (ZcpPoolDescriptor *desc)
{
  atomic_fetch_sub_explicit (&desc->used, 1, memory_order_relaxed);
}

/* ------------------------------------------------------------------------ */
/* Get and put: the free list and the statistics in one atomic step         */
/*
 * `head` (8 bytes), `used` and `low_water` (4 each) are the 16 aligned bytes
 * at offset 64 of a descriptor.  Where the CPU has a 16-byte compare-and-swap
 * (x86-64's cmpxchg16b: every x86-64 CPU but a few of the first ones; the
 * manager asks CPUID once, zcp_cpu_has_wide_cas()), zcp_pool_get() pops a
 * chunk, adds one to `used` and lowers `low_water` in ONE compare-and-swap
 * of those 16 bytes, and zcp_pool_put() pushes a chunk and subtracts one
 * from `used` in one.  That is one read-modify-write of the head's cache line
 * per operation instead of two (the pop or push, and the counter's
 * fetch_add), which is what a second worker fights over; and the statistics
 * become exact at every instant, not only at quiescence: `used` and
 * `low_water` change in the same step as the list, so low_water is the
 * exact minimum of the free count over the list's history.
 *
 * Without the wide CAS the same functions are zcp_free_list_pop() followed
 * by zcp_pool_stats_on_get(), and zcp_pool_stats_on_release() followed by
 * zcp_free_list_push().  The two forms may run at once on one pool (the
 * reclaim code uses the separate functions): each is a locked
 * read-modify-write of the same cache line, atomic with respect to the
 * other, and a wide CAS whose 16 bytes changed in any part fails and is
 * retried.  The ABA tag in `head` changes on every successful CAS of either
 * form.
 *
 * The 16 bytes are read as two 8-byte loads, which may tear (see `head`
 * from one moment and the counters from another).  That is harmless: the
 * CAS compares all 16 bytes against what was read and fails unless they
 * were, at one instant, exactly that value; a torn index is also bounds
 * checked before it is used to read a `next`.
 */

/* ThreadSanitizer cannot see the ordering of an asm CAS, and would report
 * every payload handed from thread to thread as a race: its builds keep the
 * separate steps, which it understands. */
#if defined(__SANITIZE_THREAD__)
#define ZCP_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ZCP_TSAN 1
#endif
#endif

#if defined(__x86_64__) && defined(__GNUC__) && !defined(ZCP_TSAN)
#define ZCP_HAVE_WIDE_CAS 1
#include <cpuid.h>

_Static_assert (offsetof (ZcpPoolDescriptor, used) == offsetof (ZcpPoolDescriptor, head) + 8,
                "used follows head");
_Static_assert (offsetof (ZcpPoolDescriptor, low_water) == offsetof (ZcpPoolDescriptor, head) + 12,
                "low_water follows used");
_Static_assert (offsetof (ZcpPoolDescriptor, head) % 16 == 0, "head is 16-byte aligned");

static inline bool
zcp_cpu_has_wide_cas (void)
{
  unsigned int a, b, c, d;

  return __get_cpuid (1, &a, &b, &c, &d) && (c & bit_CMPXCHG16B) != 0;
}

/* `used` | `low_water` << 32, as one 8-byte load (they are adjacent and
 * 8-byte aligned; the project builds with -fno-strict-aliasing). */
static inline _Atomic uint64_t *
zcp_pool_counters (ZcpPoolDescriptor *desc)
{
  return (_Atomic uint64_t *) (void *) &desc->used;
}

/* A lock-prefixed instruction is a full barrier on x86: the CAS is
 * sequentially consistent, which includes the acquire (get) and release
 * (put) orders that the 8-byte free list spells out.  The "memory" clobber
 * makes it a compiler barrier as well.  On failure, *lo and *hi receive the
 * current value. */
static inline __attribute__ ((always_inline)) bool
zcp_cas16 (ZcpPoolDescriptor *desc,
           uint64_t          *lo,
           uint64_t          *hi,
           uint64_t           new_lo,
           uint64_t           new_hi)
{
  bool ok;

  __asm__ __volatile__ ("lock cmpxchg16b %1"
                        : "=@ccz" (ok), "+m" (*(volatile unsigned __int128 *) (void *) &desc->head),
                          "+a" (*lo), "+d" (*hi)
                        : "b" (new_lo), "c" (new_hi)
                        : "memory");
  return ok;
}

static inline __attribute__ ((always_inline)) uint32_t
zcp_pool_get_wide (ZcpPoolDescriptor *desc,
                   ZcpChunkSlot      *slots,
                   uint32_t           count)
{
  /* Acquire on the head, as in zcp_free_list_pop(): the `next` read below
   * was written before the push that put the index there.  Relaxed on the
   * counters: the CAS validates them. */
  uint64_t lo, hi;
  uint32_t spins = ZCP_BACKOFF_MIN;

  zcp_prefetch_for_write (&desc->head);
  lo = atomic_load_explicit (&desc->head, memory_order_acquire);
  hi = atomic_load_explicit (zcp_pool_counters (desc), memory_order_relaxed);

  for (;;)
    {
      uint32_t index = zcp_head_index (lo);
      uint32_t next, used, low, free_now;

      if (index == ZCP_INDEX_NIL)
        return ZCP_INDEX_NIL;
      if (__builtin_expect (index >= count, 0))
        return index;

      /* The caller writes the chunk's state right after a successful pop. */
      zcp_prefetch_for_write (&slots[index]);
      /* Relaxed: as in zcp_free_list_pop(); a stale value fails the CAS. */
      next = atomic_load_explicit (&slots[index].next, memory_order_relaxed);
      used = (uint32_t) hi + 1;
      low = (uint32_t) (hi >> 32);
      free_now = count - used;
      if (free_now < low)
        low = free_now;

      /* Success: the chunk is ours, `used` counts it and `low_water` has
       * seen the free count it leaves, all at one instant. */
      if (zcp_cas16 (desc, &lo, &hi, zcp_head_make (lo, next),
                     (uint64_t) used | (uint64_t) low << 32))
        return index;

      zcp_backoff (&spins);
      lo = atomic_load_explicit (&desc->head, memory_order_acquire);
      hi = atomic_load_explicit (zcp_pool_counters (desc), memory_order_relaxed);
    }
}

static inline __attribute__ ((always_inline)) void
zcp_pool_put_wide (ZcpPoolDescriptor *desc,
                   ZcpChunkSlot      *slots,
                   uint32_t           index)
{
  uint64_t lo, hi;
  uint32_t spins = ZCP_BACKOFF_MIN;

  zcp_prefetch_for_write (&desc->head);
  /* Relaxed: both only seed the CAS, which validates them. */
  lo = atomic_load_explicit (&desc->head, memory_order_relaxed);
  hi = atomic_load_explicit (zcp_pool_counters (desc), memory_order_relaxed);

  for (;;)
    {
      /* Relaxed: published by the CAS (a full barrier, see zcp_cas16()). */
      atomic_store_explicit (&slots[index].next, zcp_head_index (lo), memory_order_relaxed);

      /* `used` - 1 in the low half, `low_water` unchanged in the high. */
      if (zcp_cas16 (desc, &lo, &hi, zcp_head_make (lo, index),
                     (hi & UINT64_C (0xffffffff00000000)) | (uint32_t) ((uint32_t) hi - 1)))
        return;

      zcp_backoff (&spins);
      lo = atomic_load_explicit (&desc->head, memory_order_relaxed);
      hi = atomic_load_explicit (zcp_pool_counters (desc), memory_order_relaxed);
    }
}
#else
#define ZCP_HAVE_WIDE_CAS 0

static inline bool
zcp_cpu_has_wide_cas (void)
{
  return false;
}
#endif

/* Takes a chunk: its index, or what zcp_free_list_pop() returns when there
 * is none.  `wide` is zcp_cpu_has_wide_cas(), asked once by the caller. */
static inline __attribute__ ((always_inline)) uint32_t
zcp_pool_get (ZcpPoolDescriptor *desc,
              ZcpChunkSlot      *slots,
              uint32_t           count,
              bool               wide)
{
  uint32_t index;

#if ZCP_HAVE_WIDE_CAS
  if (__builtin_expect (wide, 1))
    return zcp_pool_get_wide (desc, slots, count);
#endif
  index = zcp_free_list_pop (desc, slots, count);
  if (index < count)
    zcp_pool_stats_on_get (desc, count);
  return index;
}

/* Gives back a chunk that the caller owns (its state is already 0). */
static inline __attribute__ ((always_inline)) void
zcp_pool_put (ZcpPoolDescriptor *desc,
              ZcpChunkSlot      *slots,
              uint32_t           index,
              bool               wide)
{
#if ZCP_HAVE_WIDE_CAS
  if (__builtin_expect (wide, 1))
    {
      zcp_pool_put_wide (desc, slots, index);
      return;
    }
#endif
  zcp_pool_stats_on_release (desc);
  zcp_free_list_push (desc, slots, index);
}

/* ------------------------------------------------------------------------ */
/* Reference counts                                                          */

typedef enum
{
  ZCP_UNREF_KEPT,        /* other references remain */
  ZCP_UNREF_LAST,        /* the caller dropped the last one and owns the chunk */
  ZCP_UNREF_NOT_IN_USE,  /* the count was already 0: double release */
} ZcpUnrefResult;

/* Drops one reference.  When it was the last, the state becomes
 * last_state: 0 for a chunk that the caller pushes on the free list, the
 * caller's owner_tag (reference count 0) for one it keeps in its thread
 * cache. */
static inline ZcpUnrefResult
zcp_chunk_state_unref (ZcpChunkSlot *slot,
                       uint32_t      owner_tag,
                       uint32_t      last_state)
{
  uint32_t state, new_state;

  zcp_prefetch_for_write (slot);
  /* Relaxed: only seeds the CAS. */
  state = atomic_load_explicit (&slot->state, memory_order_relaxed);

  do
    {
      if ((state & ZCP_STATE_REFS_MASK) == 0)
        return ZCP_UNREF_NOT_IN_USE;
      new_state = state - 1;
      if ((new_state & ZCP_STATE_REFS_MASK) == 0)
        new_state = last_state; /* free: on its way to the list, or cached */
      else if ((state & ~ZCP_STATE_REFS_MASK) == owner_tag)
        /* The recorded owner lets go of a reference that others still
         * hold: it may hold none now, so the chunk is owned by nobody.
         * Otherwise the owner's later death would get the chunk reclaimed
         * under the live holders (found by the spin model). */
        new_state &= ZCP_STATE_REFS_MASK;
    }
  /* Acq_rel, as for any reference count: release so that this holder's
   * writes to the payload happen before whoever drops the last reference
   * pushes the chunk; acquire so that the last one sees all of them. */
  while (!atomic_compare_exchange_weak_explicit (&slot->state, &state, new_state,
                                                 memory_order_acq_rel,
                                                 memory_order_relaxed));

  return (new_state & ZCP_STATE_REFS_MASK) == 0 ? ZCP_UNREF_LAST : ZCP_UNREF_KEPT;
}

typedef enum
{
  ZCP_REF_OK,
  ZCP_REF_NOT_IN_USE,
  ZCP_REF_OVERFLOW,
} ZcpRefResult;

static inline ZcpRefResult
zcp_chunk_state_ref (ZcpChunkSlot *slot)
{
  uint32_t state = atomic_load_explicit (&slot->state, memory_order_relaxed);

  do
    {
      if ((state & ZCP_STATE_REFS_MASK) == 0)
        return ZCP_REF_NOT_IN_USE;
      if ((state & ZCP_STATE_REFS_MASK) == ZCP_STATE_MAX_REFS)
        return ZCP_REF_OVERFLOW;
    }
  /* Relaxed: a new reference is taken from an existing one, which already
   * orders the caller after the chunk's filling (the usual refcount rule). */
  while (!atomic_compare_exchange_weak_explicit (&slot->state, &state, state + 1,
                                                 memory_order_relaxed,
                                                 memory_order_relaxed));
  return ZCP_REF_OK;
}

/* Records owner_tag ((process slot + 1) << 16, or ZCP_STATE_OWNER_TRANSIT
 * << 16) as the owner of a chunk in use, keeping its reference count; a
 * free chunk is left alone.  The owner is what crash reclaim goes by: the
 * process that took the chunk, then, once its handle is out, nobody
 * (transit), then the process that adopted the handle. */
static inline void
zcp_chunk_state_set_owner (ZcpChunkSlot *slot,
                           uint32_t      owner_tag)
{
  uint32_t state = atomic_load_explicit (&slot->state, memory_order_relaxed);

  /* Relaxed: the reference count does not change, and the owner field
   * orders nothing; it is read by reclaim, which only acts on owners whose
   * process is dead. */
  while ((state & ZCP_STATE_REFS_MASK) != 0 &&
         (state & ~ZCP_STATE_REFS_MASK) != owner_tag &&
         !atomic_compare_exchange_weak_explicit (&slot->state, &state,
                                                 (state & ZCP_STATE_REFS_MASK) | owner_tag,
                                                 memory_order_relaxed,
                                                 memory_order_relaxed))
    ;
}

/* ------------------------------------------------------------------------ */
/* Creation and validation (zcp-segment.c)                                   */

typedef enum
{
  ZCP_SEGMENT_OK,
  ZCP_SEGMENT_TRUNCATED,        /* smaller than a header, or than total_size */
  ZCP_SEGMENT_NOT_ZEROCP,       /* bad magic */
  ZCP_SEGMENT_VERSION_MISMATCH, /* layout version or header size */
  ZCP_SEGMENT_NOT_READY,        /* ready flag not set */
  ZCP_SEGMENT_CORRUPT,          /* a descriptor or offset out of bounds */
} ZcpSegmentCheck;

void            zcp_segment_layout   (void              *base,
                                      uint64_t           total_size,
                                      const ZcpPoolSpec *specs,
                                      uint32_t           n_specs,
                                      uint64_t           segment_id,
                                      uint32_t           flags,
                                      uint32_t           creator_pid);
ZcpSegmentCheck zcp_segment_validate (const void        *base,
                                      uint64_t           mapped_size,
                                      const char       **detail);
ZcpSegmentCheck zcp_segment_check_header (const void    *base,
                                          uint64_t       mapped_size,
                                          const char   **detail);

static inline ZcpSegmentHeader *
zcp_segment_header (void *base)
{
  return (ZcpSegmentHeader *) base;
}

static inline ZcpPoolDescriptor *
zcp_segment_pools (void *base)
{
  return (ZcpPoolDescriptor *) (void *) ((uint8_t *) base + zcp_segment_header (base)->pools_offset);
}

static inline ZcpProcessSlot *
zcp_segment_processes (void *base)
{
  return (ZcpProcessSlot *) (void *) ((uint8_t *) base + zcp_segment_header (base)->processes_offset);
}

/* Where the cache records start: right after the process table. */
static inline uint64_t
zcp_segment_caches_offset (uint64_t processes_offset)
{
  return processes_offset + (uint64_t) ZCP_SEGMENT_MAX_PROCESSES * sizeof (ZcpProcessSlot);
}

static inline ZcpCacheRecord *
zcp_segment_caches (void *base)
{
  return (ZcpCacheRecord *) (void *) ((uint8_t *) base + zcp_segment_header (base)->caches_offset);
}

/* The chunks of pool p resting in thread caches, over every record: what
 * the statistics subtract from `used`.  Relaxed loads: a snapshot, exact at
 * quiescence. */
static inline uint32_t
zcp_segment_cached (void     *base,
                    uint32_t  p)
{
  ZcpCacheRecord *records = zcp_segment_caches (base);
  uint32_t n = 0;

  for (uint32_t r = 0; r < ZCP_SEGMENT_MAX_CACHES; r++)
    if (atomic_load_explicit (&records[r].owner, memory_order_relaxed) != 0)
      n += atomic_load_explicit (&records[r].pools[p].count, memory_order_relaxed);

  return n;
}

/* A get found pool p empty: asks every thread that caches chunks of it to
 * give them back (on its next get there).  Relaxed: a request; the chunks
 * are published by their pushes. */
static inline void
zcp_segment_request_flush (void     *base,
                           uint32_t  p)
{
  ZcpCacheRecord *records = zcp_segment_caches (base);

  for (uint32_t r = 0; r < ZCP_SEGMENT_MAX_CACHES; r++)
    if (atomic_load_explicit (&records[r].owner, memory_order_relaxed) != 0 &&
        atomic_load_explicit (&records[r].pools[p].count, memory_order_relaxed) > 0 &&
        atomic_load_explicit (&records[r].pools[p].flush, memory_order_relaxed) == 0)
      atomic_store_explicit (&records[r].pools[p].flush, 1, memory_order_relaxed);
}
