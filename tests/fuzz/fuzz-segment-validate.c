/* fuzz-segment-validate.c: libFuzzer target for attach-time validation
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The input is the whole content of a shared-memory object, of any size.
 * zcp_segment_validate() must never read outside it, and when it accepts
 * the bytes, everything an attaching process then touches must be inside
 * too: every pool's slot array and payloads, the process table, and the
 * free-list pops of the hot path (which must refuse a corrupt head
 * instead of following it).  AddressSanitizer reports any access outside
 * the buffer, which is allocated to the input's exact size.
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "zcp-segment-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
touch (const volatile uint8_t *p)
{
  (void) *p;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  uint8_t *base;
  const char *detail = NULL;
  ZcpSegmentCheck check;

  /* A mapping is page-aligned; aligned_alloc keeps the segment's atomics
   * aligned while ASan still sees the exact end of the input. */
  base = aligned_alloc (64, size == 0 ? 64 : (size + 63) & ~(size_t) 63);
  if (base == NULL)
    return 0;
  memcpy (base, data, size);

  check = zcp_segment_validate (base, size, &detail);
  if (check != ZCP_SEGMENT_OK)
    {
      if (detail == NULL)
        abort (); /* every refusal names its cause */
      free (base);
      return 0;
    }

  {
    ZcpSegmentHeader *header = zcp_segment_header (base);
    ZcpPoolDescriptor *descs = zcp_segment_pools (base);
    ZcpProcessSlot *processes = zcp_segment_processes (base);

    if (header->total_size > size)
      abort ();
    touch ((const uint8_t *) &processes[header->max_processes - 1] + sizeof (ZcpProcessSlot) - 1);

    for (uint32_t p = 0; p < header->pool_count; p++)
      {
        ZcpPoolDescriptor *d = &descs[p];
        ZcpChunkSlot *slots = (ZcpChunkSlot *) (base + d->slots_offset);
        uint8_t *chunks = base + d->chunks_offset;

        touch ((const uint8_t *) &slots[d->chunk_count - 1] + sizeof (ZcpChunkSlot) - 1);
        touch (chunks + d->stride * d->chunk_count - 1);

        /* The hot path on a hostile segment: a few pops and pushes. */
        for (int i = 0; i < 4; i++)
          {
            uint32_t index = zcp_free_list_pop (d, slots, d->chunk_count);

            if (index == ZCP_INDEX_NIL || index >= d->chunk_count)
              break;
            touch (chunks + (uint64_t) index * d->stride + d->chunk_size - 1);
            zcp_free_list_push (d, slots, index);
          }
      }
  }

  free (base);
  return 0;
}
