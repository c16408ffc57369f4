/* zcp-free-list.pml: a spin (Promela) model of zerocp's free list and of
 * the life cycle of a chunk
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What is modelled, step by step, is the C code of
 *   zerocp/zcp-segment-private.h   zcp_free_list_pop(), zcp_free_list_push(),
 *                                  zcp_chunk_state_ref(), zcp_chunk_state_unref(),
 *                                  zcp_chunk_state_set_owner(),
 *                                  zcp_pool_stats_on_get/_on_release()
 *   zerocp/zcp-mem-pool-manager.c  get_chunk_internal(),
 *                                  _zcp_mem_pool_manager_unref_chunk(),
 *                                  zcp_mem_pool_manager_get_chunk_handle(),
 *                                  zcp_mem_pool_manager_share_chunk(),
 *                                  zcp_mem_pool_manager_chunk_from_handle()
 *   zerocp/zcp-reclaim.c           reclaim_slot(), _zcp_mem_pool_manager_adopt_chunk(),
 *                                  zcp_mem_pool_manager_recover_lost_chunks()
 * Each statement below that touches shared memory is one atomic step of
 * the C code and carries a comment `C:` quoting the C it stands for
 * (run-model.sh --sync checks that every quoted line still exists).
 * A Promela `atomic { }` is one indivisible hardware operation (a load, a
 * store, a CAS, a fetch-add); the ghost bookkeeping that rides along in the
 * same atomic block writes only variables that the C code does not have.
 *
 * Memory is sequentially consistent here; docs/reference/model-checking.xml
 * explains why the C11 orders of the code give what this model relies on.
 *
 * Configurations (spin -D...; run-model.sh lists the ones the tests run):
 *   NCHUNKS     chunks in the pool (default 2)
 *   OPS         get/release rounds per actor (default 2; OPS_SENDER and
 *               OPS_RECEIVER set them for actors 0 and 1 alone)
 *   KILL        a killer may stop actor VICTIM before any of its steps; a
 *               reclaimer models zcp_mem_pool_manager_reclaim_dead() and,
 *               once everybody is quiescent, the audit
 *               zcp_mem_pool_manager_recover_lost_chunks() runs
 *   VICTIM      the actor that may be killed (default 2; 0 is the sender
 *               of handles, 1 their receiver)
 *   STRICT_KILL with KILL: demand that reclaim alone repairs everything
 *               (expected to FAIL: the get/release windows)
 *   STALE_TAG   seeded bug: the retry builds the new tag from the first,
 *               stale head, as iceoryx did (#2351) (expected to FAIL)
 *   PLAIN       get and release only: no hand-off, no double release
 *   STALE_HANDLE a double release may hit a chunk that was handed out
 *               again (expected to FAIL: no reference count can see it)
 *   NO_TRANSIT  seeded bug, the rule before "reclaim: a chunk whose handle
 *               is on its way belongs to nobody": get_chunk_handle() leaves
 *               the sender as the owner, so with KILL VICTIM=0 reclaim
 *               frees a chunk whose handle the receiver is about to adopt
 *               (expected to FAIL)
 *   KEEP_OWNER  seeded bug, the rule before "reclaim: an owner that lets go
 *               of a shared chunk stops owning it": an unref that leaves
 *               references keeps the owner field, so with KILL VICTIM=1 the
 *               receiver that adopted a shared chunk, released it and died
 *               gets it reclaimed under the sender (expected to FAIL)
 *
 * What the kill runs accept, and nothing more (checked at the end):
 *   - a kill between the pop and the state store, or between the unref
 *     that dropped the last reference and the push, leaves one chunk with
 *     state 0 off the free list: reclaim cannot see it (it names no owner);
 *     only the quiescent audit recover_lost_chunks() puts it back;
 *   - a handle never adopted leaks its chunk: the sender killed after
 *     get_chunk_handle() marked it in transit and before the send, or the
 *     receiver killed before adopting it (owner TRANSIT, reclaim never
 *     matches it);
 *   - a dead process's references to a chunk shared with others leak,
 *     owned by nobody: the sender killed keeping its own reference to a
 *     chunk it shared (the receiver, as the owner, let go of its reference
 *     and so of the ownership), or between the ref and the transit marking
 *     of zcp_mem_pool_manager_share_chunk(), or the receiver killed holding
 *     an adopted chunk that the sender still shared (count 2, owner the
 *     dead actor: reclaim only clears the owner, as it cannot tell whose
 *     the references are).
 *   A leak is the price of never handing a chunk out twice; the audit does
 *   not repair it either (the count is not 0).  The end check demands that
 *   every count left is exactly the dead actor's references, in a chunk
 *   owned by nobody, or in transit with a handle never adopted, whose
 *   reference went or was to go with a handle.
 *
 * The unref rule (zcp_chunk_state_unref()): the recorded owner that lets
 * go of one of several references records, in the same CAS, that nobody
 * owns the chunk, as it may hold none.  Without it (KEEP_OWNER) the model
 * found: the receiver adopts a chunk the sender shared (owner: the
 * receiver), releases its reference (the owner field kept naming it) and
 * dies; reclaim sees count 1 and a dead owner and frees the chunk the
 * sender still holds.  The rule's cost, which the code accepts: an owner
 * that held more than one reference and dies after such an unref leaks
 * what it still held (the model's actors never hold two references to one
 * chunk, so no run reaches it).
 */

#ifndef NCHUNKS
#define NCHUNKS 2
#endif
#ifndef OPS
#define OPS 2
#endif
#ifndef OPS_SENDER
#define OPS_SENDER OPS
#endif
#ifndef OPS_RECEIVER
#define OPS_RECEIVER OPS
#endif
#define ROUNDS(a) ((a) == SENDER -> OPS_SENDER : ((a) == RECEIVER -> OPS_RECEIVER : OPS))
#ifndef VICTIM
#define VICTIM 2
#endif
#ifndef TAGMOD
#define TAGMOD 256   /* more than the successful CASes of any run: no wrap */
#endif

#define NACTORS 3
#define SENDER 0     /* actor 0 may hand a reference to actor 1 */
#define RECEIVER 1
#define RECLAIMER NACTORS
#define NIL 255      /* ZCP_INDEX_NIL */
#define TRANSIT 255  /* ZCP_STATE_OWNER_TRANSIT: no process owns the chunk */

/* ZcpUnrefResult */
#define NOT_IN_USE 0
#define KEPT 1
#define LAST 2

/* Where an actor is in the life cycle (ghost, for the properties).  An
 * actor in PH_IDLE or PH_HOLDING is between operations; the others are
 * the windows between two shared writes of one operation. */
#define PH_IDLE 0
#define PH_POPPED 1   /* pop CAS done, state not stored yet */
#define PH_COUNTED 2  /* popped and counted in `used`, state not stored yet */
#define PH_HOLDING 3
#define PH_LAST 4     /* unref dropped the last reference, `used` not decremented */
#define PH_RELSTAT 5  /* `used` decremented, push CAS not done yet */
#define QUIET(p) ((p) == PH_IDLE || (p) == PH_HOLDING)

/* ---- the shared memory of one pool --------------------------------------- */

/* ZcpPoolDescriptor.head = index | tag << 32, as two fields that every
 * step reads and writes together. */
byte head_idx;
byte head_tag;
byte nxt[NCHUNKS];    /* ZcpChunkSlot.next */
/* ZcpChunkSlot.state = refs | owner << 16, as two fields that every step
 * reads and writes together.  owner = process slot + 1, here actor + 1, or
 * TRANSIT while the reference travels with a handle. */
byte refs[NCHUNKS];
byte own[NCHUNKS];
byte used;            /* ZcpPoolDescriptor.used */

chan box = [OPS] of { byte };   /* a handle sent from SENDER to RECEIVER */

/* ---- ghosts ---------------------------------------------------------------- */

bool onlist[NCHUNKS];                 /* pushed and not popped since */
bool handed[NCHUNKS];                 /* since its pop, the sender took a reference
                                       * for a handle or marked it in transit */
bool adopted[NCHUNKS];                /* since its pop, the receiver adopted it */
/* References each actor holds.  The reference a handle carries counts as
 * the sender's until the send, then as the receiver's: so every assertion
 * that a pop, a push or reclaim touches no chunk a live actor holds also
 * says that the chunk whose handle is on its way, or that the receiver
 * adopted, is never freed nor handed out again. */
byte hold[NACTORS * NCHUNKS];
#define H(a, c) hold[(a) * NCHUNKS + (c)]
byte phase[NACTORS + 1];
bool done[NACTORS + 1];
byte finished;
bool killed;
byte kphase = 255;                    /* phase of VICTIM when it was killed */

hidden byte w, g_cnt, g_free, g_held, g_lost, i, j, g_sum;

/* The free list reached from head is exactly the chunks pushed and not
 * popped since, each once, ending in NIL (no cycle, no chunk in use). */
inline check_list ()
{
  w = head_idx; g_cnt = 0;
  do
  :: w == NIL -> break
  :: else ->
     assert (w < NCHUNKS);
     assert (onlist[w]);
     assert (g_cnt < NCHUNKS);
     g_cnt++;
     w = nxt[w]
  od;
  g_free = 0;
  for (i : 0 .. NCHUNKS - 1) { if :: onlist[i] -> g_free++ :: else fi }
  assert (g_cnt == g_free)
}

inline live_refs (c)
{
  g_sum = 0;
  for (j : 0 .. NACTORS - 1) {
    if
    :: j != VICTIM || !killed -> g_sum = g_sum + H (j, c)
    :: else
    fi
  }
}

/* At quiescence (nobody inside an operation), with nobody killed. */
inline check_quiescent ()
{
  check_list ();
  g_held = 0;
  for (i : 0 .. NCHUNKS - 1) {
    assert (onlist[i] == (refs[i] == 0));    /* on the stack exactly when state 0 */
    if :: refs[i] > 0 -> g_held++ :: else fi;
    live_refs (i);
    assert (refs[i] == g_sum)                  /* the count is the references held */
  }
  assert (g_free + g_held == NCHUNKS);         /* no chunk lost */
  assert (used == g_held)                     /* statistics exact */
}

#define QUIESCENT (QUIET (phase[0]) && QUIET (phase[1]) && QUIET (phase[2]) && \
                   QUIET (phase[RECLAIMER]) && !killed)
#define QCHECK if :: QUIESCENT -> check_quiescent () :: else fi

/* ---- the free list (zcp-segment-private.h) --------------------------------- */

/* What a successful pop or push of c checks and records (ghost). */
#define POPPED(c) \
  assert (onlist[c]);                 /* what is popped was free:      */ \
  live_refs (c);                      /* no chunk held by two owners   */ \
  assert (g_sum == 0 && refs[c] == 0); \
  onlist[c] = false; handed[c] = false; adopted[c] = false; \
  check_list ()                       /* no ABA corruption of the list */
#define PUSHED(c) \
  assert (!onlist[c] && refs[c] == 0); /* no double push */ \
  live_refs (c); \
  assert (g_sum == 0);                /* nobody still uses it */ \
  onlist[c] = true; \
  check_list (); \
  phase[me] = PH_IDLE

/* A weak CAS may fail although the values are equal (LL/SC machines).
 * Such a failure only refreshes the expected value, so it adds transitions
 * but no states; in the STALE_TAG variant it would bump the stale tag
 * without bound, so there only real failures (as on x86-64) are explored. */
#ifdef STALE_TAG
#define CAS_FAILS else
#define NOSTALE skip
#else
#define CAS_FAILS true
#define NOSTALE n_tag = 0
#endif

#ifdef STALE_TAG
/* iceoryx #2351: the new head is a copy of the first head read, its tag
 * bumped once per attempt, never refreshed from what the failed CAS saw. */
#define NEWTAG n_tag = (n_tag + 1) % TAGMOD
#else
/* C: return (((old_head >> 32) + 1) << 32) | index; */
#define NEWTAG n_tag = (o_tag + 1) % TAGMOD
#endif

/* zcp_free_list_pop () (narrow form); c = the index, or NIL when empty. */
inline pop (c)
{
  /* C: uint64_t old = atomic_load_explicit (&desc->head, memory_order_acquire); */
  atomic { o_idx = head_idx; o_tag = head_tag; n_tag = o_tag }
  do
  /* C: if (index == ZCP_INDEX_NIL) */
  :: o_idx == NIL -> c = NIL; o_tag = 0; n_tag = 0; break
  :: else ->
     /* C: next = atomic_load_explicit (&slots[index].next, memory_order_relaxed); */
     nx = nxt[o_idx];
     /* C: if (atomic_compare_exchange_weak_explicit (&desc->head, &old, */
     atomic {
       NEWTAG;
       if
       :: head_idx == o_idx && head_tag == o_tag ->
          head_idx = nx; head_tag = n_tag;
          POPPED (o_idx);
          phase[me] = PH_POPPED;
          c = o_idx; ok = true;
          o_idx = 0; o_tag = 0; n_tag = 0; nx = 0   /* dead from here */
       :: CAS_FAILS -> ok = false                /* failed, or spuriously (weak) */
       fi
     }
     if :: ok -> break :: else fi;
     /* zcp_backoff () only waits.  C: old = atomic_load_explicit (&desc->head, memory_order_acquire); */
     atomic { o_idx = head_idx; o_tag = head_tag; NOSTALE }
  od
}

/* zcp_free_list_push (c) (narrow form); the caller owns c, its state is 0. */
inline push (c)
{
  /* C: uint64_t old = atomic_load_explicit (&desc->head, memory_order_relaxed); */
  atomic { o_idx = head_idx; o_tag = head_tag; n_tag = o_tag }
  do
  :: true ->
     /* C: atomic_store_explicit (&slots[index].next, zcp_head_index (old), */
     nxt[c] = o_idx;
     /* C: if (atomic_compare_exchange_weak_explicit (&desc->head, &old, */
     atomic {
       NEWTAG;
       if
       :: head_idx == o_idx && head_tag == o_tag ->
          head_idx = c; head_tag = n_tag;
          PUSHED (c);
          ok = true;
          o_idx = 0; o_tag = 0; n_tag = 0;          /* dead from here */
          QCHECK
       :: CAS_FAILS -> ok = false
       fi
     }
     if :: ok -> break :: else fi;
     /* C: old = atomic_load_explicit (&desc->head, memory_order_relaxed); */
     atomic { o_idx = head_idx; o_tag = head_tag; NOSTALE }
  od
}

/* zcp_pool_get_wide (): pop and used + 1 in one 16-byte CAS.  The two
 * 8-byte loads may tear; the CAS compares all 16 bytes. */
inline pop_wide (c)
{
  /* C: lo = atomic_load_explicit (&desc->head, memory_order_acquire); */
  atomic { o_idx = head_idx; o_tag = head_tag; n_tag = o_tag }
  /* C: hi = atomic_load_explicit (zcp_pool_counters (desc), memory_order_relaxed); */
  o_used = used;
  do
  :: o_idx == NIL -> c = NIL; o_tag = 0; n_tag = 0; o_used = 0; break
  :: else ->
     nx = nxt[o_idx];
     /* C: if (zcp_cas16 (desc, &lo, &hi, zcp_head_make (lo, next), */
     atomic {
       NEWTAG;
       if
       :: head_idx == o_idx && head_tag == o_tag && used == o_used ->
          head_idx = nx; head_tag = n_tag; used = o_used + 1;
          POPPED (o_idx);
          phase[me] = PH_COUNTED;
          c = o_idx; ok = true;
          o_idx = 0; o_tag = 0; n_tag = 0; nx = 0; o_used = 0
       :: CAS_FAILS -> ok = false
       fi
     }
     if :: ok -> break :: else fi;
     /* C: lo = atomic_load_explicit (&desc->head, memory_order_acquire); */
     atomic { o_idx = head_idx; o_tag = head_tag; NOSTALE }
     o_used = used
  od
}

/* zcp_pool_put_wide (): push and used - 1 in one 16-byte CAS. */
inline push_wide (c)
{
  /* C: lo = atomic_load_explicit (&desc->head, memory_order_relaxed); */
  atomic { o_idx = head_idx; o_tag = head_tag; n_tag = o_tag }
  o_used = used;
  do
  :: true ->
     /* C: atomic_store_explicit (&slots[index].next, zcp_head_index (lo), memory_order_relaxed); */
     nxt[c] = o_idx;
     /* C: if (zcp_cas16 (desc, &lo, &hi, zcp_head_make (lo, index), */
     atomic {
       NEWTAG;
       if
       :: head_idx == o_idx && head_tag == o_tag && used == o_used ->
          head_idx = c; head_tag = n_tag; used = o_used - 1;
          PUSHED (c);
          ok = true;
          o_idx = 0; o_tag = 0; n_tag = 0; o_used = 0;
          QCHECK
       :: CAS_FAILS -> ok = false
       fi
     }
     if :: ok -> break :: else fi;
     /* C: lo = atomic_load_explicit (&desc->head, memory_order_relaxed); */
     atomic { o_idx = head_idx; o_tag = head_tag; NOSTALE }
     o_used = used
  od
}

/* ---- reference counts (zcp-segment-private.h) ------------------------------ */

/* zcp_chunk_state_unref (), from its load on; legit: the caller holds a
 * reference (false for the double release). */
inline unref_load (c)
{
  /* C: uint32_t state = atomic_load_explicit (&slot->state, memory_order_relaxed); */
  atomic { s_refs = refs[c]; s_own = own[c] }
}

inline unref_loop (c, res, legit)
{
  do
  /* C: if ((state & ZCP_STATE_REFS_MASK) == 0) */
  :: s_refs == 0 -> res = NOT_IN_USE; s_own = 0; break
  :: else ->
     /* C: while (!atomic_compare_exchange_weak_explicit (&slot->state, &state, new_state, */
     atomic {
       /* in registers; C: new_state = state - 1; */
       n_refs = s_refs - 1;
       if
       /* C: new_state = 0; /* the owner field goes with the last reference */
       :: n_refs == 0 -> n_own = 0
#ifndef KEEP_OWNER
       /* C: else if ((state & ~ZCP_STATE_REFS_MASK) == owner_tag) */
       :: n_refs != 0 && s_own == me + 1 ->
          /* the owner lets go of one of several references: it may hold
           * none now, so the chunk is owned by nobody */
          /* C: new_state &= ZCP_STATE_REFS_MASK; */
          n_own = 0
#endif
       :: else -> n_own = s_own
       fi;
       if
       :: refs[c] == s_refs && own[c] == s_own ->
          refs[c] = n_refs; own[c] = n_own; ok = true;
          if :: legit -> H (me, c)-- :: else fi;
          if
          :: n_refs == 0 -> phase[me] = PH_LAST; res = LAST
          :: else -> phase[me] = PH_IDLE; res = KEPT; QCHECK
          fi;
          s_refs = 0; s_own = 0; n_refs = 0; n_own = 0   /* dead from here */
       :: true ->
          s_refs = refs[c]; s_own = own[c]; ok = false
       fi
     }
     if :: ok -> break :: else fi
  od
}

/* zcp_chunk_state_ref (): the caller holds a reference, so the count is
 * not 0 (and the model never comes near ZCP_STATE_MAX_REFS). */
inline ref (c)
{
  /* C: uint32_t state = atomic_load_explicit (&slot->state, memory_order_relaxed); */
  atomic { s_refs = refs[c]; s_own = own[c] }
  do
  :: true ->
     assert (s_refs != 0);
     /* C: while (!atomic_compare_exchange_weak_explicit (&slot->state, &state, state + 1, */
     atomic {
       if
       :: refs[c] == s_refs && own[c] == s_own ->
          refs[c] = s_refs + 1; H (me, c)++; ok = true; handed[c] = true;
          s_refs = 0; s_own = 0
       :: true ->
          s_refs = refs[c]; s_own = own[c]; ok = false
       fi
     }
     if :: ok -> break :: else fi
  od
}

/* ---- the manager (zcp-mem-pool-manager.c) ---------------------------------- */

/* Whether an actor uses the 16-byte CAS (x86-64 with cmpxchg16b, not
 * under TSan) or the separate steps; both may run at once on one pool. */
#if defined(WIDE)
#define IS_WIDE(a) true
#elif defined(MIXED)
#define IS_WIDE(a) ((a) != 2)
#else
#define IS_WIDE(a) false
#endif

/* get_chunk_internal () on a one-pool segment. */
inline get (c)
{
  /* C: guint32 index = zcp_pool_get (pl->desc, pl->slots, pl->count, self->wide_cas); */
  if
  :: IS_WIDE (me) -> pop_wide (c)
  :: else ->
     /* C: index = zcp_free_list_pop (desc, slots, count); */
     pop (c);
     if
     :: c != NIL ->
        /* C: zcp_pool_stats_on_get (desc, count); */
        /* C: uint32_t used = atomic_fetch_add_explicit (&desc->used, 1, memory_order_relaxed) + 1; */
        atomic { used++; phase[me] = PH_COUNTED }
        /* (low_water and failed_gets are not modelled) */
     :: else
     fi
  fi;
  if
  :: c != NIL ->
     /* C: atomic_store_explicit (&pl->slots[index].state, self->owner_tag | 1u, */
     atomic {
       assert (refs[c] == 0);
       refs[c] = 1; own[c] = me + 1; H (me, c) = 1;
       phase[me] = PH_HOLDING;
       QCHECK
     }
  :: else
  fi
}

/* _zcp_mem_pool_manager_unref_chunk () of a reference the caller holds. */
inline release (c, res)
{
  /* C: switch (zcp_chunk_state_unref (&pl->slots[index], self->owner_tag)) */
  unref_load (c);
  unref_loop (c, res, true);
  assert (res != NOT_IN_USE);        /* a reference held is never "not in use" */
  if
  :: res == LAST ->
     /* C: zcp_pool_put (pl->desc, pl->slots, index, self->wide_cas); */
     if
     :: IS_WIDE (me) -> push_wide (c)
     :: else ->
        /* C: zcp_pool_stats_on_release (desc); */
        /* C: atomic_fetch_sub_explicit (&desc->used, 1, memory_order_relaxed); */
        atomic { used--; phase[me] = PH_RELSTAT }
        /* C: zcp_free_list_push (desc, slots, index); */
        push (c)
     fi
  :: else
  fi
}

/* A second release of a chunk whose last reference this actor dropped. */
inline double_release (c)
{
  unref_load (c);
#ifndef STALE_HANDLE
  /* If the chunk was handed out again meanwhile, the stale release would
   * drop the new holder's reference: not a double release the state word
   * can see (STALE_HANDLE shows what happens).  Only the case the C code
   * claims to detect is explored. */
  if
  :: s_refs == 0 ->
#endif
     unref_loop (c, res, false);
#ifndef STALE_HANDLE
     /* detected, and (unref_loop writes only on a successful CAS) nothing
      * was changed: reported as a critical by the C caller */
     assert (res == NOT_IN_USE)
  :: else
  fi
#endif
}

/* zcp_chunk_state_set_owner (): records tag as the owner of a chunk in
 * use, keeping its count; a free chunk is left alone. */
inline set_owner (c, tag)
{
  /* C: uint32_t state = atomic_load_explicit (&slot->state, memory_order_relaxed); */
  atomic { s_refs = refs[c]; s_own = own[c] }
  do
  /* C: while ((state & ZCP_STATE_REFS_MASK) != 0 && */
  /* C: (state & ~ZCP_STATE_REFS_MASK) != owner_tag && */
  :: s_refs == 0 || s_own == tag -> break
  :: else ->
     /* C: !atomic_compare_exchange_weak_explicit (&slot->state, &state, */
     atomic {
       if
       :: refs[c] == s_refs && own[c] == s_own ->
          /* C: (state & ZCP_STATE_REFS_MASK) | owner_tag, */
          own[c] = tag; ok = true;
          if :: tag == TRANSIT -> handed[c] = true :: else fi   /* ghost */
       :: true -> s_refs = refs[c]; s_own = own[c]; ok = false
       fi
     }
     if :: ok -> break :: else fi
  od;
  s_refs = 0; s_own = 0
}

/* zcp_mem_pool_manager_get_chunk_handle () of a chunk the sender holds,
 * then the send.  The sender still holds the reference the handle carries
 * (H) until the send moves it to the receiver. */
inline send_handle (c)
{
#ifndef NO_TRANSIT
  /* C: zcp_chunk_state_set_owner (&self->pools[pool].slots[index], */
  /* C: ZCP_STATE_OWNER_TRANSIT << ZCP_STATE_OWNER_SHIFT); */
  set_owner (c, TRANSIT);
#endif
  /* the handle written to a pipe */
  atomic { box ! c; H (me, c)--; H (RECEIVER, c)++ }
}

/* zcp_mem_pool_manager_chunk_from_handle (), after resolve_handle (). */
inline adopt (c)
{
  /* C: _zcp_mem_pool_manager_adopt_chunk (self, pool, index); */
  /* C: zcp_chunk_state_set_owner (&self->pools[pool].slots[index], self->owner_tag); */
  set_owner (c, me + 1);
  /* The chunk the receiver adopted is in use, not on the free list, and
   * owned by the receiver: nobody can free it but the receiver. */
  atomic { assert (refs[c] > 0 && !onlist[c] && own[c] == me + 1); adopted[c] = true }
}

/* ---- the actors: threads or processes using the pool ----------------------- */

inline actor_body ()
{
  do
  :: k < ROUNDS (me) ->
     get (c);
     if
     :: c != NIL ->
        if
#ifndef PLAIN
        :: me == SENDER ->
           if
           :: true ->                      /* hand the only reference on */
              send_handle (c);
              c = NIL
           :: true ->                      /* take one for the receiver, keep ours: */
              /* zcp_mem_pool_manager_share_chunk () = ref + get_chunk_handle */
              ref (c);
              send_handle (c)
           :: true -> skip
           fi
#endif
        :: else
        fi;
        if
        :: c != NIL ->
           release (c, res);
#ifndef PLAIN
           if
           :: res == LAST && !dr -> dr = true; double_release (c)
           :: true -> skip
           fi
#endif
        :: else
        fi
     :: else                               /* pool empty: failed_gets++ */
     fi;
     atomic { k++; c = 0; res = 0; ok = false }
  :: me == RECEIVER && nempty (box) ->
     box ? r;
     /* C: if (resolve_handle (self, handle, &pool, &index, error) == NULL) */
     adopt (r);
     release (r, res);
     atomic { r = 0; res = 0; ok = false }
  :: k >= ROUNDS (me) && (me != RECEIVER || (done[SENDER] && len (box) == 0)) -> break
  od
}

proctype actor (byte me)
{
  byte k, c, r, res;
  byte o_idx, o_tag, n_tag, nx, o_used, s_refs, s_own, n_refs, n_own;
  bool ok, dr;

#ifdef KILL
  if
  :: me == VICTIM ->
     { actor_body () } unless { killed -> kphase = phase[me] }
  :: else ->
     actor_body ()
  fi;
#else
  actor_body ();
#endif
  atomic { done[me] = true; finished++ }
}

#ifdef KILL
/* SIGKILL: may come before any step of VICTIM, or after it finished. */
active proctype killer ()
{
  killed = true
}

/* reclaim_slot () of VICTIM's process slot, run by a survivor once
 * process_alive () says VICTIM is gone (the slot lock is not modelled:
 * there is one reclaimer). */
proctype reclaimer ()
{
  byte me = RECLAIMER;
  byte c, o_idx, o_tag, n_tag, nx, o_used, s_refs, s_own, n_refs;
  bool ok;

  killed && done[VICTIM];
  c = 0;
  do
  :: c < NCHUNKS ->
     /* C: guint32 state = atomic_load_explicit (&slot->state, memory_order_relaxed); */
     atomic { s_refs = refs[c]; s_own = own[c] }
     do
     /* C: while ((state >> ZCP_STATE_OWNER_SHIFT) == owner) */
     :: s_own != VICTIM + 1 -> break
     :: else ->
        /* C: guint32 new_state = refs <= 1 ? 0 : refs; */
        /* C: if (atomic_compare_exchange_weak_explicit (&slot->state, &state, new_state, */
        atomic {
          /* C: guint32 new_state = refs <= 1 ? 0 : refs; */
          if :: s_refs <= 1 -> n_refs = 0 :: else -> n_refs = s_refs fi;
          if
          :: refs[c] == s_refs && own[c] == s_own ->
             refs[c] = n_refs; own[c] = 0; ok = true;
             if
             :: n_refs == 0 ->
                live_refs (c);
                assert (g_sum == 0);         /* never frees what a live process holds */
                H (VICTIM, c) = 0;
                phase[me] = PH_LAST
             :: else
             fi
          :: true ->
             s_refs = refs[c]; s_own = own[c]; ok = false
          fi
        }
        if
        :: ok ->
           if
           :: n_refs == 0 ->
              /* give_back (), narrow form:
                 C: zcp_pool_stats_on_release (pl->desc); */
              atomic { used--; phase[me] = PH_RELSTAT }
              /* C: zcp_free_list_push (pl->desc, pl->slots, index); */
              push (c)
           :: else
           fi;
           break
        :: else
        fi
     od;
     c++
  :: else -> break
  od;
  atomic { done[me] = true; finished++ }
}
#endif

init
{
  byte c;

  atomic {
    /* zcp_segment_layout (): every chunk free, 0 -> 1 -> ... -> NIL */
    for (c : 0 .. NCHUNKS - 2) { nxt[c] = c + 1 }
    nxt[NCHUNKS - 1] = NIL;
    for (c : 0 .. NCHUNKS - 1) { onlist[c] = true }
    head_idx = 0;
    run actor (0); run actor (1); run actor (2);
#ifdef KILL
    run reclaimer ()
#endif
  }

#ifdef KILL
  finished == NACTORS + 1;
  d_step {
    /* Everybody has stopped; the victim may have died anywhere. */
    check_list ();
    g_held = 0; g_lost = 0;
    for (c : 0 .. NCHUNKS - 1) {
      if
      :: refs[c] > 0 ->
         g_held++;
         /* the survivors released all theirs: what is left is the dead
          * victim's... */
         assert (refs[c] == H (VICTIM, c));
         /* ...in a chunk owned by nobody (its owner let go of a reference
          * others held, or reclaim found it shared), or in transit with a
          * handle that was never adopted: never owned by the victim
          * (reclaim would have given it back) nor by a survivor... */
         assert (own[c] == 0 || (own[c] == TRANSIT && !adopted[c]));
         /* ...and only in a chunk whose reference went, or was to go,
          * with a handle */
         assert (handed[c])
      :: refs[c] == 0 && !onlist[c] -> g_lost++
      :: else
      fi
    }
#ifdef STRICT_KILL
    assert (g_lost == 0 && used == g_held);
#else
    /* Exactly these kill points leave damage that reclaim cannot see: */
    if
    :: kphase == PH_POPPED ->                /* popped (narrow), not counted, no state */
       assert (g_lost == 1 && used == g_held)
    :: kphase == PH_COUNTED ->               /* popped and counted, no state */
       assert (g_lost == 1 && used == g_held + 1)
    :: kphase == PH_LAST ->                  /* state 0, still counted, not pushed */
       assert (g_lost == 1 && used == g_held + 1)
    :: kphase == PH_RELSTAT ->               /* state 0, uncounted (narrow), not pushed */
       assert (g_lost == 1 && used == g_held)
    :: else ->                               /* anywhere else: fully repaired */
       assert (g_lost == 0 && used == g_held)
    fi;
#endif
  }
  /* zcp_mem_pool_manager_recover_lost_chunks (), at quiescence: walk the
   * list, push every chunk that is neither on it nor in use, recount used. */
  c = 0;
  do
  :: c < NCHUNKS ->
     if
     :: refs[c] == 0 && !onlist[c] ->
        /* C: zcp_free_list_push (pl->desc, pl->slots, i); */
        nxt[c] = head_idx; head_idx = c; head_tag = (head_tag + 1) % TAGMOD; onlist[c] = true
     :: else
     fi;
     c++
  :: else -> break
  od;
  /* C: atomic_store_explicit (&pl->desc->used, used, memory_order_relaxed); */
  used = g_held;                             /* the chunks whose count is not 0 */
  d_step {
    killed = false;                          /* the victim's slot is free again */
    phase[VICTIM] = PH_IDLE;
    check_quiescent ();                      /* the leaked references count as held */
    assert (g_free + g_held == NCHUNKS)
  }
#else
  finished == NACTORS;
  d_step {
    check_quiescent ();
    assert (g_free == NCHUNKS && used == 0)
  }
#endif
}
