/* test-segment.c: the segment layout and the free list, without shm
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * These drive the hot-path functions of zcp-segment-private.h on plain
 * memory, step by step, where the GObject layer cannot reach.
 */

#include <locale.h>

#include <glib.h>

#include "zcp-segment-private.h"

typedef struct
{
  void *base;
  uint64_t size;
  ZcpPoolDescriptor *desc;
  ZcpChunkSlot *slots;
} Segment;

static void
segment_init (Segment *s,
              uint32_t count)
{
  ZcpPoolSpec spec = { 100, count };

  g_assert_true (zcp_segment_compute_layout (&spec, 1, NULL, NULL, NULL, &s->size));
  s->base = g_aligned_alloc0 (1, s->size, 4096);
  zcp_segment_layout (s->base, s->size, &spec, 1, 42, 0, 1);
  s->desc = zcp_segment_pools (s->base);
  s->slots = (ZcpChunkSlot *) (void *) ((uint8_t *) s->base + s->desc->slots_offset);
}

static void
segment_clear (Segment *s)
{
  g_aligned_free (s->base);
}

static void
test_layout (void)
{
  Segment s;
  const char *detail = NULL;
  ZcpSegmentHeader *h;

  segment_init (&s, 5);
  h = zcp_segment_header (s.base);

  g_assert_cmpuint (h->magic, ==, ZCP_SEGMENT_MAGIC);
  g_assert_cmpuint (h->layout_version, ==, 3);
  g_assert_cmpuint (h->max_caches, ==, ZCP_SEGMENT_MAX_CACHES);
  g_assert_cmpuint (h->caches_offset, ==, h->processes_offset + 256 * 16);
  g_assert_cmpuint (s.desc->slots_offset, >=, h->caches_offset + 64 * 128);
  g_assert_cmpuint (zcp_segment_cached (s.base, 0), ==, 0);
  g_assert_cmpuint (h->total_size, ==, s.size);
  g_assert_cmpuint (h->segment_id, ==, 42);
  g_assert_cmpuint (h->pool_count, ==, 1);
  g_assert_cmpuint (atomic_load (&h->ready), ==, ZCP_SEGMENT_READY);
  g_assert_cmpuint (s.desc->stride, ==, 128);
  g_assert_cmpuint (s.desc->chunks_offset % 64, ==, 0);
  g_assert_cmpuint (s.desc->slots_offset % 64, ==, 0);
  g_assert_cmpuint (s.desc->chunks_offset + 5 * 128, ==, s.size);
  g_assert_cmpint (zcp_segment_validate (s.base, s.size, &detail), ==, ZCP_SEGMENT_OK);
  g_assert_cmpint (zcp_segment_validate (s.base, s.size - 1, &detail), ==, ZCP_SEGMENT_TRUNCATED);

  /* The initial list is 0, 1, 2, 3, 4 with tag 0. */
  g_assert_cmpuint (atomic_load (&s.desc->head), ==, 0);
  for (uint32_t i = 0; i < 5; i++)
    g_assert_cmpuint (atomic_load (&s.slots[i].next), ==, i + 1 < 5 ? i + 1 : ZCP_INDEX_NIL);
  g_assert_cmpuint (atomic_load (&s.desc->low_water), ==, 5);

  segment_clear (&s);
}

static void
test_lifo_and_tags (void)
{
  Segment s;
  uint64_t head;

  segment_init (&s, 3);

  for (uint32_t i = 0; i < 3; i++)
    {
      g_assert_cmpuint (zcp_free_list_pop (s.desc, s.slots, 3), ==, i);
      head = atomic_load (&s.desc->head);
      g_assert_cmpuint (head >> 32, ==, i + 1); /* one tag step per change */
    }
  g_assert_cmpuint (zcp_free_list_pop (s.desc, s.slots, 3), ==, ZCP_INDEX_NIL);
  g_assert_cmpuint (atomic_load (&s.desc->head) >> 32, ==, 3); /* a failed pop changes nothing */

  zcp_free_list_push (s.desc, s.slots, 1);
  zcp_free_list_push (s.desc, s.slots, 2);
  g_assert_cmpuint (atomic_load (&s.desc->head) >> 32, ==, 5);
  g_assert_cmpuint (zcp_free_list_pop (s.desc, s.slots, 3), ==, 2);
  g_assert_cmpuint (zcp_free_list_pop (s.desc, s.slots, 3), ==, 1);
  g_assert_cmpuint (zcp_free_list_pop (s.desc, s.slots, 3), ==, ZCP_INDEX_NIL);

  segment_clear (&s);
}

/* The ABA interleaving, played out by hand: A reads head = 0 and next = 1,
 * then B pops 0, pops 1, pushes 0.  The head names chunk 0 again, but its
 * next is now 2, and chunk 1 is B's.  A's CAS must fail: with the tag it
 * does; comparing the index alone would install head = 1 and hand chunk 1
 * out twice. */
static void
test_aba (void)
{
  Segment s;
  uint64_t a_old, a_new;
  uint32_t a_next;

  segment_init (&s, 3);

  a_old = atomic_load (&s.desc->head);
  a_next = atomic_load (&s.slots[zcp_head_index (a_old)].next);
  g_assert_cmpuint (zcp_head_index (a_old), ==, 0);
  g_assert_cmpuint (a_next, ==, 1);

  g_assert_cmpuint (zcp_free_list_pop (s.desc, s.slots, 3), ==, 0);
  g_assert_cmpuint (zcp_free_list_pop (s.desc, s.slots, 3), ==, 1);
  zcp_free_list_push (s.desc, s.slots, 0);
  g_assert_cmpuint (zcp_head_index (atomic_load (&s.desc->head)), ==, 0);

  a_new = zcp_head_make (a_old, a_next);
  g_assert_false (atomic_compare_exchange_strong (&s.desc->head, &a_old, a_new));

  /* The failed CAS refreshed a_old; rebuilt from it, A's retry is right. */
  a_next = atomic_load (&s.slots[zcp_head_index (a_old)].next);
  g_assert_cmpuint (a_next, ==, 2);
  g_assert_true (atomic_compare_exchange_strong (&s.desc->head, &a_old, zcp_head_make (a_old, a_next)));
  g_assert_cmpuint (zcp_free_list_pop (s.desc, s.slots, 3), ==, 2);
  g_assert_cmpuint (zcp_free_list_pop (s.desc, s.slots, 3), ==, ZCP_INDEX_NIL);

  segment_clear (&s);
}

static void
test_corrupt_head (void)
{
  Segment s;

  segment_init (&s, 3);

  /* A foreign writer put an index out of range in the head: pop reports it
   * (>= count) instead of reading outside the slot array. */
  atomic_store (&s.desc->head, (UINT64_C (7) << 32) | 1000);
  g_assert_cmpuint (zcp_free_list_pop (s.desc, s.slots, 3), ==, 1000);
  g_assert_cmpuint (atomic_load (&s.desc->head), ==, (UINT64_C (7) << 32) | 1000);

  segment_clear (&s);
}

static void
test_refcount_states (void)
{
  Segment s;
  ZcpChunkSlot *slot;

  segment_init (&s, 1);
  slot = &s.slots[0];

  g_assert_cmpint (zcp_chunk_state_unref (slot, 3u << ZCP_STATE_OWNER_SHIFT, 0), ==, ZCP_UNREF_NOT_IN_USE);
  g_assert_cmpint (zcp_chunk_state_ref (slot), ==, ZCP_REF_NOT_IN_USE);
  g_assert_cmpuint (atomic_load (&slot->state), ==, 0);

  atomic_store (&slot->state, (3u << ZCP_STATE_OWNER_SHIFT) | 1);
  g_assert_cmpint (zcp_chunk_state_ref (slot), ==, ZCP_REF_OK);
  g_assert_cmpuint (atomic_load (&slot->state), ==, (3u << ZCP_STATE_OWNER_SHIFT) | 2);
  /* Another process lets go of a reference: the owner stays. */
  g_assert_cmpint (zcp_chunk_state_unref (slot, 5u << ZCP_STATE_OWNER_SHIFT, 0), ==, ZCP_UNREF_KEPT);
  g_assert_cmpuint (atomic_load (&slot->state), ==, (3u << ZCP_STATE_OWNER_SHIFT) | 1);
  g_assert_cmpint (zcp_chunk_state_unref (slot, 5u << ZCP_STATE_OWNER_SHIFT, 0), ==, ZCP_UNREF_LAST);
  g_assert_cmpuint (atomic_load (&slot->state), ==, 0); /* the owner goes too */
  g_assert_cmpint (zcp_chunk_state_unref (slot, 3u << ZCP_STATE_OWNER_SHIFT, 0), ==, ZCP_UNREF_NOT_IN_USE);

  /* The owner lets go while others hold references: owned by nobody, so
   * that the owner's death cannot get the chunk reclaimed under them. */
  atomic_store (&slot->state, (3u << ZCP_STATE_OWNER_SHIFT) | 2);
  g_assert_cmpint (zcp_chunk_state_unref (slot, 3u << ZCP_STATE_OWNER_SHIFT, 0), ==, ZCP_UNREF_KEPT);
  g_assert_cmpuint (atomic_load (&slot->state), ==, 1);
  g_assert_cmpint (zcp_chunk_state_unref (slot, 3u << ZCP_STATE_OWNER_SHIFT, 0), ==, ZCP_UNREF_LAST);
  g_assert_cmpuint (atomic_load (&slot->state), ==, 0);

  /* A last release into a thread cache: count 0, owned by the releaser
   * (not by the previous owner); free for every other operation. */
  atomic_store (&slot->state, (3u << ZCP_STATE_OWNER_SHIFT) | 1);
  g_assert_cmpint (zcp_chunk_state_unref (slot, 5u << ZCP_STATE_OWNER_SHIFT, 5u << ZCP_STATE_OWNER_SHIFT),
                   ==, ZCP_UNREF_LAST);
  g_assert_cmpuint (atomic_load (&slot->state), ==, 5u << ZCP_STATE_OWNER_SHIFT);
  g_assert_cmpint (zcp_chunk_state_unref (slot, 5u << ZCP_STATE_OWNER_SHIFT, 0), ==, ZCP_UNREF_NOT_IN_USE);
  g_assert_cmpint (zcp_chunk_state_ref (slot), ==, ZCP_REF_NOT_IN_USE);
  zcp_chunk_state_set_owner (slot, 7u << ZCP_STATE_OWNER_SHIFT);
  g_assert_cmpuint (atomic_load (&slot->state), ==, 5u << ZCP_STATE_OWNER_SHIFT);
  /* Not the last reference: last_state does not apply. */
  atomic_store (&slot->state, (3u << ZCP_STATE_OWNER_SHIFT) | 2);
  g_assert_cmpint (zcp_chunk_state_unref (slot, 5u << ZCP_STATE_OWNER_SHIFT, 5u << ZCP_STATE_OWNER_SHIFT),
                   ==, ZCP_UNREF_KEPT);
  g_assert_cmpuint (atomic_load (&slot->state), ==, (3u << ZCP_STATE_OWNER_SHIFT) | 1);

  atomic_store (&slot->state, (1u << ZCP_STATE_OWNER_SHIFT) | ZCP_STATE_MAX_REFS);
  g_assert_cmpint (zcp_chunk_state_ref (slot), ==, ZCP_REF_OVERFLOW);
  g_assert_cmpuint (atomic_load (&slot->state) & ZCP_STATE_REFS_MASK, ==, ZCP_STATE_MAX_REFS);

  segment_clear (&s);
}

static void
test_overflowing_layout (void)
{
  ZcpPoolSpec huge[] = { { UINT64_MAX - 10, 2 } };
  ZcpPoolSpec many[] = { { 1u << 30, UINT32_MAX - 1 }, { 1u << 31, UINT32_MAX - 1 }, { UINT64_C (1) << 40, UINT32_MAX - 1 } };
  uint64_t total = 0;

  g_assert_false (zcp_segment_compute_layout (huge, 1, NULL, NULL, NULL, &total));
  g_assert_false (zcp_segment_compute_layout (many, 3, NULL, NULL, NULL, &total));
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/zcp/segment/layout", test_layout);
  g_test_add_func ("/zcp/segment/lifo-and-tags", test_lifo_and_tags);
  g_test_add_func ("/zcp/segment/aba", test_aba);
  g_test_add_func ("/zcp/segment/corrupt-head", test_corrupt_head);
  g_test_add_func ("/zcp/segment/refcount-states", test_refcount_states);
  g_test_add_func ("/zcp/segment/overflowing-layout", test_overflowing_layout);

  return g_test_run ();
}
