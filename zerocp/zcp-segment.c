/* zcp-segment.c: laying out a segment, and validating one before trusting it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "zcp-segment-private.h"

/* The details below are English msgids: this file is plain C without
 * gettext, and zcp-shm.c translates a detail when it puts it into a
 * GError message. */
#define N_(s) (s)

/* Lays out a fresh segment of total_size bytes that the caller has just
 * created (so its bytes are zero) and that nobody else trusts yet: the
 * header's ready flag is not set until the very end. */
void
zcp_segment_layout (void              *base,
                    uint64_t           total_size,
                    const ZcpPoolSpec *specs,
                    uint32_t           n_specs,
                    uint64_t           segment_id,
                    uint32_t           flags,
                    uint32_t           creator_pid)
{
  ZcpSegmentHeader *header = base;
  ZcpPoolDescriptor *descs;
  uint64_t pools_offset, processes_offset, total;
  bool ok;

  ok = zcp_segment_compute_layout (specs, n_specs, NULL, &pools_offset,
                                   &processes_offset, &total);
  (void) ok;

  /* A purge-and-create may reuse nothing, but a caller could hand us a
   * recycled mapping: clear what we are about to describe. */
  memset (header, 0, sizeof *header);
  header->layout_version = ZCP_SEGMENT_LAYOUT_VERSION;
  header->header_size = sizeof (ZcpSegmentHeader);
  header->total_size = total_size;
  header->segment_id = segment_id;
  header->pool_count = n_specs;
  header->max_processes = ZCP_SEGMENT_MAX_PROCESSES;
  header->pools_offset = pools_offset;
  header->processes_offset = processes_offset;
  header->max_caches = ZCP_SEGMENT_MAX_CACHES;
  header->caches_offset = zcp_segment_caches_offset (processes_offset);
  header->flags = flags;
  header->creator_pid = creator_pid;
  /* Release: an opener that reads the magic with acquire order sees the
   * fields above (the layout version above all) as written here. */
  __atomic_store_n (&header->magic, ZCP_SEGMENT_MAGIC, __ATOMIC_RELEASE);

  descs = zcp_segment_pools (base);
  memset (descs, 0, (size_t) n_specs * sizeof (ZcpPoolDescriptor));
  memset (zcp_segment_processes (base), 0,
          (size_t) ZCP_SEGMENT_MAX_PROCESSES * sizeof (ZcpProcessSlot));
  memset (zcp_segment_caches (base), 0,
          (size_t) ZCP_SEGMENT_MAX_CACHES * sizeof (ZcpCacheRecord));
  zcp_segment_compute_layout (specs, n_specs, descs, NULL, NULL, &total);

  for (uint32_t p = 0; p < n_specs; p++)
    {
      ZcpPoolDescriptor *desc = &descs[p];
      /* Through void *: the offset was aligned when it was computed. */
      ZcpChunkSlot *slots = (ZcpChunkSlot *) (void *) ((uint8_t *) base + desc->slots_offset);
      uint32_t count = desc->chunk_count;

      /* The initial list visits the first slot of every cache line of
       * slots, then the second of every line, and so on (0, 8, 16, ...,
       * 1, 9, 17, ...): chunks taken one after the other have their slots
       * on different lines, so that threads keeping their chunks in their
       * caches do not contend on a line they do not share (8 slots to a
       * line).  With 8 chunks or fewer it is 0, 1, 2, ...
       *
       * Relaxed stores throughout: nobody can look at the segment until
       * the release store of `ready` below publishes all of them. */
      uint32_t per_line = ZCP_CACHELINE_SIZE / sizeof (ZcpChunkSlot);
      uint32_t first_line = count < per_line ? count : per_line;

      for (uint32_t i = 0; i < count; i++)
        {
          uint32_t next = i + per_line; /* same place, next line */

          if (next >= count)
            next = i % per_line + 1 < first_line ? i % per_line + 1 : ZCP_INDEX_NIL;
          atomic_store_explicit (&slots[i].next, next, memory_order_relaxed);
          atomic_store_explicit (&slots[i].state, 0, memory_order_relaxed);
        }
      atomic_store_explicit (&desc->head, count > 0 ? 0 : ZCP_INDEX_NIL, memory_order_relaxed);
      atomic_store_explicit (&desc->used, 0, memory_order_relaxed);
      atomic_store_explicit (&desc->low_water, count, memory_order_relaxed);
      atomic_store_explicit (&desc->failed_gets, 0, memory_order_relaxed);
    }

  /* Release: everything above happens before any acquire load that reads
   * ZCP_SEGMENT_READY, in this process or another. */
  atomic_store_explicit (&header->ready, ZCP_SEGMENT_READY, memory_order_release);
}

ZcpSegmentCheck
zcp_segment_check_header (const void  *base,
                          uint64_t     mapped_size,
                          const char **detail)
{
  ZcpSegmentHeader *header = (ZcpSegmentHeader *) base;
  uint64_t magic;

  *detail = NULL;

  if (mapped_size == 0)
    {
      *detail = N_("empty");
      return ZCP_SEGMENT_NOT_READY;
    }
  if (mapped_size < sizeof (uint64_t))
    {
      *detail = N_("smaller than the magic number");
      return ZCP_SEGMENT_TRUNCATED;
    }

  /* Acquire: pairs with the creator's release store of the magic, which
   * comes after every other header field; a zero magic is a segment whose
   * creator has sized it but not laid it out yet. */
  magic = __atomic_load_n (&header->magic, __ATOMIC_ACQUIRE);
  if (magic == 0)
    {
      *detail = N_("no header yet");
      return ZCP_SEGMENT_NOT_READY;
    }
  if (magic != ZCP_SEGMENT_MAGIC)
    {
      *detail = N_("bad magic number");
      return ZCP_SEGMENT_NOT_ZEROCP;
    }
  if (mapped_size < sizeof (ZcpSegmentHeader))
    {
      *detail = N_("smaller than the header");
      return ZCP_SEGMENT_TRUNCATED;
    }
  if (header->layout_version != ZCP_SEGMENT_LAYOUT_VERSION ||
      header->header_size != sizeof (ZcpSegmentHeader))
    {
      *detail = N_("layout version");
      return ZCP_SEGMENT_VERSION_MISMATCH;
    }
  /* Acquire: pairs with the creator's release store of `ready`, its last
   * write, so that every pool descriptor checked after this is final. */
  if (atomic_load_explicit (&header->ready, memory_order_acquire) != ZCP_SEGMENT_READY)
    {
      *detail = N_("ready flag not set");
      return ZCP_SEGMENT_NOT_READY;
    }
  if (header->total_size > mapped_size)
    {
      *detail = N_("smaller than the size in its header");
      return ZCP_SEGMENT_TRUNCATED;
    }

  return ZCP_SEGMENT_OK;
}

/* Validates everything a process reads from a segment before it trusts any
 * offset in it.  mapped_size is what fstat() said, not what the header says.
 * On failure *detail names the first inconsistency (untranslated; the
 * caller wraps it in a translated message). */
ZcpSegmentCheck
zcp_segment_validate (const void  *base,
                      uint64_t     mapped_size,
                      const char **detail)
{
  const ZcpSegmentHeader *header = base;
  ZcpSegmentCheck check;
  const ZcpPoolDescriptor *descs;
  uint64_t end, prev_chunk_size = 0, prev_end;
  uint64_t total;

  check = zcp_segment_check_header (base, mapped_size, detail);
  if (check != ZCP_SEGMENT_OK)
    return check;

  total = header->total_size;

  if (header->pool_count == 0 || header->pool_count > 64)
    {
      *detail = N_("pool count out of range");
      return ZCP_SEGMENT_CORRUPT;
    }
  if (header->max_processes != ZCP_SEGMENT_MAX_PROCESSES)
    {
      *detail = N_("process table size");
      return ZCP_SEGMENT_CORRUPT;
    }
  if (header->pools_offset != sizeof (ZcpSegmentHeader) ||
      __builtin_mul_overflow ((uint64_t) header->pool_count, (uint64_t) sizeof (ZcpPoolDescriptor), &end) ||
      __builtin_add_overflow (end, header->pools_offset, &end) ||
      end > total)
    {
      *detail = N_("pool descriptors out of bounds");
      return ZCP_SEGMENT_CORRUPT;
    }
  if (header->processes_offset != end ||
      end + (uint64_t) ZCP_SEGMENT_MAX_PROCESSES * sizeof (ZcpProcessSlot) > total)
    {
      *detail = N_("process table out of bounds");
      return ZCP_SEGMENT_CORRUPT;
    }

  if (header->max_caches != ZCP_SEGMENT_MAX_CACHES ||
      header->caches_offset != zcp_segment_caches_offset (header->processes_offset) ||
      header->caches_offset + (uint64_t) ZCP_SEGMENT_MAX_CACHES * sizeof (ZcpCacheRecord) > total)
    {
      *detail = N_("thread-cache table out of bounds");
      return ZCP_SEGMENT_CORRUPT;
    }

  prev_end = header->caches_offset + (uint64_t) ZCP_SEGMENT_MAX_CACHES * sizeof (ZcpCacheRecord);
  descs = (const ZcpPoolDescriptor *) (const void *) ((const uint8_t *) base + header->pools_offset);

  for (uint32_t p = 0; p < header->pool_count; p++)
    {
      const ZcpPoolDescriptor *d = &descs[p];
      uint64_t stride, slots_end, chunks_end, bytes;

      if (d->chunk_size == 0 || d->chunk_count == 0 || d->chunk_count == ZCP_INDEX_NIL ||
          d->chunk_size <= prev_chunk_size)
        {
          *detail = N_("pool size or count");
          return ZCP_SEGMENT_CORRUPT;
        }
      if (!zcp_align_up_checked (d->chunk_size, ZCP_CHUNK_ALIGN, &stride) || stride != d->stride)
        {
          *detail = N_("pool stride");
          return ZCP_SEGMENT_CORRUPT;
        }
      if (d->slots_offset < prev_end || d->slots_offset % ZCP_CACHELINE_SIZE != 0 ||
          __builtin_mul_overflow ((uint64_t) d->chunk_count, (uint64_t) sizeof (ZcpChunkSlot), &bytes) ||
          __builtin_add_overflow (d->slots_offset, bytes, &slots_end) ||
          d->chunks_offset < slots_end || d->chunks_offset % ZCP_CHUNK_ALIGN != 0 ||
          __builtin_mul_overflow (d->stride, (uint64_t) d->chunk_count, &bytes) ||
          __builtin_add_overflow (d->chunks_offset, bytes, &chunks_end) ||
          chunks_end > total)
        {
          *detail = N_("pool memory out of bounds");
          return ZCP_SEGMENT_CORRUPT;
        }

      prev_chunk_size = d->chunk_size;
      prev_end = chunks_end;
    }

  return ZCP_SEGMENT_OK;
}
