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
 *                                  with CACHE: zcp_mem_pool_manager_get_chunk(),
 *                                  zcp_mem_pool_manager_release_chunk(),
 *                                  (their inline halves in zcp-fast-path.h),
 *                                  unref_located(),
 *                                  zcp_mem_pool_manager_get_chunk_handle(),
 *                                  zcp_mem_pool_manager_share_chunk(),
 *                                  zcp_mem_pool_manager_chunk_from_handle()
 *   zerocp/zcp-reclaim.c           reclaim_slot(), _zcp_mem_pool_manager_adopt_chunk(),
 *                                  zcp_mem_pool_manager_recover_lost_chunks()
 *   zerocp/zcp-thread-cache.c      with CACHE: _zcp_thread_cache_flush(), give_back(),
 *                                  _zcp_thread_cache_made_room()
 * Each statement below that touches shared memory is one atomic step of
 * the C code and carries a comment `C:` quoting the C it stands for
 * (run-model.sh --sync checks that every quoted line still exists).
 * A Promela `atomic { }` is one indivisible hardware operation (a load, a
 * store, a CAS, a fetch-add); the ghost bookkeeping that rides along in the
 * same atomic block writes only variables that the C code does not have,
 * or (CACHE) the thread's own cache, process-local memory that only its
 * thread touches, which the C changes just before or after that step.
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
 *   CACHE       the per-thread chunk caches (below)
 *   CAP         with CACHE: chunks a thread may cache (default NCHUNKS;
 *               ZCP_THREAD_CACHE_MAX is 8 in C)
 *   BATCH       with CACHE: actor 2 holds two chunks at once (get, get,
 *               release, release), so that its cache may hold two
 *   TWIN        with CACHE, not KILL: a second thread of the process of
 *               actor TWIN_OF (default 2) releases, concurrently with it, a
 *               chunk TWIN_OF holds: a double release by two threads of one
 *               process, which share the owner tag
 *   LOAD_STORE  seeded bug, with TWIN: the release fast path as a plain
 *               load and store instead of the CAS; both threads cache the
 *               chunk (expected to FAIL)
 *   SKIP_CACHED seeded bug, with CACHE and KILL: reclaim leaves the chunks
 *               of count 0 alone, so the dead process's cached chunks leak
 *               (expected to FAIL)
 *
 * Thread caches (CACHE).  Each thread has a private cache per pool (the
 * set cmask of the chunks in it, and room): a cached chunk is free with
 * count 0 and its process as the owner, and counted in `used`.  A get takes
 * any chunk of the cache with a plain store of owner | 1, or first flushes
 * (a flush request, made at will) and pops; a pop adds room.  A release
 * with room CASes from exactly owner | 1 to owner and caches the chunk;
 * otherwise (or when that CAS fails) it is zcp_chunk_state_unref() with
 * last_state = owner (room left: the last release caches) or 0 (it
 * pushes).  A flush stores 0 and then puts the chunk on the list, at a get
 * (at will) and when the thread exits (at will for an actor, which may also
 * stay idle with its cache).  The properties: a chunk is never in two
 * caches, never cached while on the list or held, and nobody writes the
 * state of a cached chunk but its thread; a cache never overflows; a
 * double release of a cached chunk answers "not in use" and writes nothing;
 * at quiescence every chunk is on the list, held or cached by a thread of
 * the process its owner field names, and `used` counts the held and cached
 * ones; reclaim gives back exactly the dead process's cached chunks.  In
 * these bounds a thread holds one chunk at a time (two with BATCH), so a
 * cache holds at most one chunk (two with BATCH).
 *
 * What the kill runs accept, and nothing more (checked at the end):
 *   - a kill between the pop and the state store, or between the unref
 *     that dropped the last reference and the push, or (CACHE) between a
 *     flush's store of 0 and its push, leaves one chunk with state 0 off
 *     the free list: reclaim cannot see it (it names no owner); only the
 *     quiescent audit recover_lost_chunks() puts it back;
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
#ifdef TWIN
#ifndef CACHE
#error TWIN needs CACHE
#endif
#ifdef KILL
#error TWIN is not modelled with KILL
#endif
#ifndef TWIN_OF
#define TWIN_OF 2
#endif
#define TWIN_ID (NACTORS + 1)         /* a second thread of TWIN_OF's process */
#define NTHREADS (NACTORS + 2)
#define PROC(t) ((t) == TWIN_ID -> TWIN_OF : (t))
#else
#define NTHREADS (NACTORS + 1)
#define PROC(t) (t)
#endif
/* The owner tag of thread t: its process slot + 1 (the threads of one
 * process share it). */
#define TAG(t) (PROC (t) + 1)
#ifdef CACHE
#ifndef CAP
#define CAP NCHUNKS  /* ZCP_THREAD_CACHE_MAX, scaled to the model's pool */
#endif
#endif
#define NIL 255      /* ZCP_INDEX_NIL */
#define TRANSIT 255  /* ZCP_STATE_OWNER_TRANSIT: no process owns the chunk */

/* ZcpUnrefResult */
#define NOT_IN_USE 0
#define KEPT 1
#define LAST 2
#define STALE 3      /* model only: a double release abandoned (see TWIN) */

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
byte phase[NTHREADS];
bool done[NTHREADS];
byte finished;
bool killed;
byte kphase = 255;                    /* phase of VICTIM when it was killed */

hidden byte w, g_cnt, g_free, g_held, g_lost, i, j, g_sum, g_cached, g_nc, g_ct, q;

#ifdef CACHE
/* ---- the thread caches (zcp-thread-cache-private.h) ------------------------ */

/* ZcpThreadCachePool of each thread, in its process's private memory:
 * entries[0 .. n-1] as a set (bit c: chunk c is cached; a get takes any
 * of them, which covers the C's last-in first-out order) and room, which
 * the C keeps as limit - n (n itself lives in the thread's cache record:
 * only its thread writes it).  Only
 * its thread reads or writes them; the checks read them as ghosts, and
 * reclaim's ghost bookkeeping drops what a dead process cached.  The
 * shared ZcpCacheRecord counts are statistics (and the trigger of a flush
 * request, which the model makes at will): not modelled. */
byte cmask[NTHREADS];
byte room[NTHREADS];
#define BIT(c) (1 << (c))
#define CACHED_BY(t, c) ((cmask[t] & BIT (c)) != 0)

/* g_nc = the caches c is in, g_ct = one of their threads */
inline count_cached (c)
{
  d_step {
    g_nc = 0; g_ct = 0;
    for (q : 0 .. NTHREADS - 1) {
      if :: CACHED_BY (q, c) -> g_nc++; g_ct = q :: else fi
    }
  }
}

/* g_nc = the chunks thread t caches (cp->n) */
inline n_cached (t)
{
  d_step {
    g_nc = 0;
    for (q : 0 .. NCHUNKS - 1) { if :: CACHED_BY (t, q) -> g_nc++ :: else fi }
  }
}
#endif

#ifdef TWIN
/* The concurrent double release (TWIN): TWIN_OF hands the pointer to the
 * chunk it holds to a second thread of its process and both release it
 * (an application bug).  Whichever succeeds first drops the reference;
 * the other must be refused.  If the chunk was handed out again before
 * the second one's step, that one drops the new holder's reference, a
 * stale release that no state word can tell from a right one (see
 * STALE_HANDLE): those interleavings are abandoned (res = STALE). */
byte pair_c = NIL;                    /* the chunk both release */
bool pair_done;                       /* one of the two releases succeeded */
bool pair_stale;                      /* handed out again since */
#define PRUNE(c) (inpair && pair_stale)
#define MARK_STALE(c) if :: (c) == pair_c && pair_done -> pair_stale = true :: else fi;
/* A successful unref (legit: the caller holds the reference it drops). */
#define DROP_REF(c, legit) \
  if \
  :: inpair -> assert (!pair_done);   /* the second release is refused */ \
     pair_done = true; H (TWIN_OF, c)-- \
  :: else -> if :: legit -> H (me, c)-- :: else fi \
  fi
#else
#define PRUNE(c) false
#define MARK_STALE(c)
#define DROP_REF(c, legit) if :: legit -> H (me, c)-- :: else fi
#endif

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
#ifndef CACHE
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
#else
/* The same with the caches: every chunk is on the list (state 0), in use
 * (count > 0) or cached (count 0, an owner) by exactly one thread of the
 * process its owner field names, and `used` counts the last two. */
inline check_quiescent ()
{
  check_list ();
  g_held = 0; g_cached = 0;
  for (i : 0 .. NCHUNKS - 1) {
    assert (onlist[i] == (refs[i] == 0 && own[i] == 0)); /* on the stack exactly when state 0 */
    count_cached (i);
    if
    :: refs[i] > 0 -> g_held++; assert (g_nc == 0)
    :: refs[i] == 0 && own[i] != 0 ->
       g_cached++;
       assert (g_nc == 1 && own[i] == TAG (g_ct))
    :: else -> assert (g_nc == 0)
    fi;
    live_refs (i);
    assert (refs[i] == g_sum)                  /* the count is the references held */
  }
  for (i : 0 .. NTHREADS - 1) {
    n_cached (i);
    assert (g_nc + room[i] <= CAP)             /* room <= cap - n */
  }
  assert (g_free + g_held + g_cached == NCHUNKS); /* no chunk lost */
  assert (used == g_held + g_cached)          /* statistics exact */
}
#endif

#ifdef TWIN
#define QUIESCENT (QUIET (phase[0]) && QUIET (phase[1]) && QUIET (phase[2]) && \
                   QUIET (phase[RECLAIMER]) && QUIET (phase[TWIN_ID]) && !killed)
#else
#define QUIESCENT (QUIET (phase[0]) && QUIET (phase[1]) && QUIET (phase[2]) && \
                   QUIET (phase[RECLAIMER]) && !killed)
#endif
#define QCHECK if :: QUIESCENT -> check_quiescent () :: else fi

/* ---- the free list (zcp-segment-private.h) --------------------------------- */

/* What a successful pop or push of c checks and records (ghost). */
#ifdef CACHE
/* ...and that a chunk on the list is in no cache. */
#define NOT_CACHED(c) count_cached (c); assert (g_nc == 0 && own[c] == 0);
#else
#define NOT_CACHED(c)
#endif
#define POPPED(c) \
  assert (onlist[c]);                 /* what is popped was free:      */ \
  live_refs (c);                      /* no chunk held by two owners   */ \
  assert (g_sum == 0 && refs[c] == 0); \
  NOT_CACHED (c) \
  MARK_STALE (c) \
  onlist[c] = false; handed[c] = false; adopted[c] = false; \
  check_list ()                       /* no ABA corruption of the list */
#define PUSHED(c) \
  assert (!onlist[c] && refs[c] == 0); /* no double push */ \
  live_refs (c); \
  assert (g_sum == 0);                /* nobody still uses it */ \
  NOT_CACHED (c) \
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
     /* zcp_backoff () only waits. */
     /* C: old = atomic_load_explicit (&desc->head, memory_order_acquire); */
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
#ifndef CACHE
  /* C: uint32_t state = atomic_load_explicit (&slot->state, memory_order_relaxed); */
  atomic { s_refs = refs[c]; s_own = own[c] }
#else
  atomic {
    /* unref_located (): with room in the thread's cache, a last release
     * leaves the chunk cached (count 0, this process as the owner). */
    /* C: if (_zcp_thread_cache_n (cp) < cp->limit) */
    /* C: last_state = self->owner_tag; */
    if :: room[me] > 0 -> last = TAG (me) :: else -> last = 0 fi;
    if
    :: PRUNE (c) -> res = STALE
    :: else ->
       /* C: uint32_t state = atomic_load_explicit (&slot->state, memory_order_relaxed); */
       s_refs = refs[c]; s_own = own[c]
    fi
  }
#endif
}

#ifdef CACHE
#define LAST_OWN last
#else
#define LAST_OWN 0
#endif
#ifdef TWIN
#define NOPRUNE(c) !PRUNE (c) &&
#else
#define NOPRUNE(c)
#endif

#ifdef CACHE
/* A chunk this thread's release just left with count 0 and its owner tag
 * goes into the thread's cache (process-local). */
inline cache_put (c)
{
  assert (!onlist[c] && refs[c] == 0 && own[c] == TAG (me));
  count_cached (c);
  assert (g_nc == 0);                 /* never in two caches */
  live_refs (c);
  assert (g_sum == 0);                /* nor cached while held */
  n_cached (me);
  assert (room[me] > 0 && g_nc < CAP); /* room <= cap - n: never overflows */
  /* C: cp->entries[n++] = index; */
  cmask[me] = cmask[me] + BIT (c);
  /* room is limit - n: */
  /* C: _zcp_thread_cache_set_n (cp, n); */
  room[me]--
}

/* Any chunk of thread me's cache (the C takes the last one cached). */
inline pick (c)
{
  c = 0;
  do
  :: CACHED_BY (me, c) -> break
  :: (cmask[me] >> (c + 1)) != 0 -> c++
  od
}
#endif

inline unref_loop (c, res, legit)
{
  do
  /* C: if ((state & ZCP_STATE_REFS_MASK) == 0) */
  :: s_refs == 0 -> res = NOT_IN_USE; s_own = 0; break
  :: else ->
     /* C: while (!atomic_compare_exchange_weak_explicit (&slot->state, &state, new_state, */
     atomic {
       /* in registers */
       /* C: new_state = state - 1; */
       n_refs = s_refs - 1;
       if
       /* C: new_state = last_state; /* free: on its way to the list, or cached */
       :: n_refs == 0 -> n_own = LAST_OWN
#ifndef KEEP_OWNER
       /* C: else if ((state & ~ZCP_STATE_REFS_MASK) == owner_tag) */
       :: n_refs != 0 && s_own == TAG (me) ->
          /* the owner lets go of one of several references: it may hold
           * none now, so the chunk is owned by nobody */
          /* C: new_state &= ZCP_STATE_REFS_MASK; */
          n_own = 0
#endif
       :: else -> n_own = s_own
       fi;
       if
#ifdef TWIN
       :: PRUNE (c) ->
          res = STALE; ok = true;
          s_refs = 0; s_own = 0; n_refs = 0; n_own = 0
#endif
       :: NOPRUNE (c) refs[c] == s_refs && own[c] == s_own ->
          refs[c] = n_refs; own[c] = n_own; ok = true;
          DROP_REF (c, legit);
          if
#ifdef CACHE
          :: n_refs == 0 && n_own != 0 ->        /* cached */
             cache_put (c);
             phase[me] = PH_IDLE; res = LAST; QCHECK
          :: n_refs == 0 && n_own == 0 -> phase[me] = PH_LAST; res = LAST
#else
          :: n_refs == 0 -> phase[me] = PH_LAST; res = LAST
#endif
          :: else -> phase[me] = PH_IDLE; res = KEPT; QCHECK
          fi;
          s_refs = 0; s_own = 0; n_refs = 0; n_own = 0   /* dead from here */
       :: NOPRUNE (c) true ->
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
#ifdef CACHE
          count_cached (c);
          assert (g_nc == 0);          /* a cached chunk is never referenced */
#endif
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
#define IS_WIDE(a) (PROC (a) != 2)
#else
#define IS_WIDE(a) false
#endif

/* get_chunk_internal () on a one-pool segment, from the free list. */
inline get_list (c)
{
  /* C: index = zcp_pool_get (pl->desc, pl->slots, pl->count, self->wide_cas); */
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
       refs[c] = 1; own[c] = TAG (me); H (me, c) = 1;
#ifdef CACHE
       /* one more chunk this thread may keep when it releases it */
       /* C: _zcp_thread_cache_made_room (&cache->fast.pools[i]); */
       /* C: if (cp->limit < cp->cap) */
       n_cached (me);
       if :: room[me] < CAP - g_nc -> room[me]++ :: else fi;
#endif
       phase[me] = PH_HOLDING;
       QCHECK
     }
  :: else
  fi
}

#ifndef CACHE
#define get(c) get_list (c)
#else
/* The cache hit of get_chunk_internal () and zcp_mem_pool_manager_get_chunk ():
 * a chunk of this thread's cache is its alone (count 0, this process as
 * the owner), which no release, reference, adoption or reclaim of a live
 * process writes, so a plain store takes it. */
inline cache_get (c)
{
  atomic {
    /* C: if (_zcp_thread_cache_n (cp) > 0) */
    cmask[me] != 0 ->
    /* C: guint32 index = cp->entries[--n]; */
    pick (c);
    assert (refs[c] == 0 && own[c] == TAG (me) && !onlist[c]); /* nobody wrote it */
    count_cached (c);
    assert (g_nc == 1);               /* in this cache alone */
    live_refs (c);
    assert (g_sum == 0);              /* held by nobody */
    cmask[me] = cmask[me] - BIT (c);
    /* room (limit - n) grows: */
    /* C: _zcp_thread_cache_set_n (cp, n); */
    room[me]++;
    /* C: atomic_store_explicit (&pl->slots[index].state, self->owner_tag | 1u, memory_order_relaxed); */
    refs[c] = 1; own[c] = TAG (me); H (me, c) = 1;
    handed[c] = false; adopted[c] = false;
    MARK_STALE (c)
    phase[me] = PH_HOLDING;
    QCHECK
  }
}

/* _zcp_thread_cache_flush (): every cached chunk back to the list, as on a
 * flush request, thread exit, finalize or zcp_mem_pool_manager_flush_thread_cache (). */
inline flush (c)
{
  do
  :: atomic {
       cmask[me] != 0 ->
       /* C: guint32 index = cp->entries[--n]; */
       pick (c);
       assert (refs[c] == 0 && own[c] == TAG (me) && !onlist[c]); /* nobody wrote it */
       cmask[me] = cmask[me] - BIT (c);
       /* give_back () */
       /* C: atomic_store_explicit (&pl->slots[index].state, 0, memory_order_relaxed); */
       own[c] = 0;
       phase[me] = PH_LAST            /* state 0, counted, off the list: as a release */
     }
     /* C: zcp_pool_put (pl->desc, pl->slots, index, manager->wide_cas); */
     put (c)
  :: else -> c = 0; break
  od
}

inline get (c)
{
  if
  :: cache_get (c)
  :: cmask[me] != 0 ->
     /* a flush request (the flush byte of the thread's record: a get somewhere found
      * the list empty), made here at will */
     /* C: _zcp_thread_cache_flush (cache, i); */
     flush (c);
     get_list (c)
  :: cmask[me] == 0 -> get_list (c)
  fi
}
#endif

/* zcp_pool_put () of a chunk whose state is 0: the push and used - 1. */
inline put (c)
{
  if
  :: IS_WIDE (me) -> push_wide (c)
  :: else ->
     /* C: zcp_pool_stats_on_release (desc); */
     /* C: atomic_fetch_sub_explicit (&desc->used, 1, memory_order_relaxed); */
     atomic { used--; phase[me] = PH_RELSTAT }
     /* C: zcp_free_list_push (desc, slots, index); */
     push (c)
  fi
}

/* unref_located (), or before the caches _zcp_mem_pool_manager_unref_chunk (),
 * of a reference the caller holds. */
inline unref_release (c, res)
{
  /* C: switch (zcp_chunk_state_unref (&pl->slots[index], self->owner_tag, last_state)) */
  unref_load (c);
#ifdef TWIN
  if
  :: res == STALE -> skip
  :: else -> unref_loop (c, res, true)
  fi;
  /* a reference held is never "not in use"; of the pair, the second is */
  assert (res != NOT_IN_USE || inpair);
#else
  unref_loop (c, res, true);
  assert (res != NOT_IN_USE);        /* a reference held is never "not in use" */
#endif
  if
  :: res == LAST && LAST_OWN == 0 ->
     /* C: zcp_pool_put (pl->desc, pl->slots, index, self->wide_cas); */
     put (c)
  :: else                            /* kept, cached, or (TWIN) abandoned */
  fi
}

#ifndef CACHE
#define release(c, res) unref_release (c, res)
#else
/* zcp_mem_pool_manager_release_chunk (): the fast path, then unref_located (). */
inline release (c, res)
{
#ifndef LOAD_STORE
  /* From exactly "one reference, ours" to "cached by us"; any other state
   * fails the CAS (a strong one: no spurious failure) and takes the
   * general path. */
  /* C: state = cache->state; */
  /* C: if (G_UNLIKELY (n >= cp->limit || */
  /* C: !__atomic_compare_exchange_n (&cp->states[2 * index], &state, state - 1, FALSE, */
  atomic {
    if
    :: PRUNE (c) -> res = STALE
    :: else ->
       if
       :: room[me] > 0 && refs[c] == 1 && own[c] == TAG (me) ->
          refs[c] = 0;                /* own[c] stays TAG (me) */
          count_cached (c);
          assert (g_nc == 0 && !onlist[c]); /* not cached twice, nor cached and free */
          DROP_REF (c, true);
          cache_put (c);
          res = LAST; ok = true;
          phase[me] = PH_IDLE;
          QCHECK
       :: else -> ok = false
       fi
    fi
  }
#else
  /* Seeded bug: the same with a plain load and store instead of the CAS. */
  atomic {
    if
    :: PRUNE (c) -> res = STALE
    :: else -> s_refs = refs[c]; s_own = own[c]
    fi
  }
  if
  :: res != STALE && room[me] > 0 && s_refs == 1 && s_own == TAG (me) ->
     atomic {
       if
       :: PRUNE (c) -> res = STALE
       :: else ->
          refs[c] = 0; own[c] = TAG (me);
          count_cached (c);
          assert (g_nc == 0 && !onlist[c]); /* not cached twice, nor cached and free */
          DROP_REF (c, true);
          cache_put (c);
          res = LAST; ok = true;
          phase[me] = PH_IDLE;
          QCHECK
       fi;
       s_refs = 0; s_own = 0
     }
  :: else -> s_refs = 0; s_own = 0
  fi;
#endif
  if
  :: ok || res == STALE -> skip
  :: else -> unref_release (c, res)
  fi
}
#endif

/* A second release of a chunk whose last reference this actor dropped. */
inline double_release (c)
{
#ifdef CACHE
  /* The fast path's CAS from exactly (owner_tag | 1) fails: the chunk is
   * on the list, in a cache with count 0, or (stale, below) in use by
   * another process; only this thread of its process gets chunks. */
  atomic { assert (room[me] == 0 || refs[c] != 1 || own[c] != TAG (me)) }
#endif
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
  set_owner (c, TAG (me));
  /* The chunk the receiver adopted is in use, not on the free list, and
   * owned by the receiver: nobody can free it but the receiver. */
  atomic {
    assert (refs[c] > 0 && !onlist[c] && own[c] == TAG (me));
#ifdef CACHE
    count_cached (c);
    assert (g_nc == 0);               /* nor in a cache */
#endif
    adopted[c] = true
  }
}

/* ---- the actors: threads or processes using the pool ----------------------- */

#ifdef CACHE
#ifdef TWIN
#define RESET_EXTRA ; last = 0; inpair = false
#else
#define RESET_EXTRA ; last = 0
#endif
#else
#define RESET_EXTRA
#endif

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
#ifdef BATCH
        /* actor 2 holds two chunks at once: a second get, released first,
         * so that its cache may hold two */
        if
        :: me == 2 ->
           get (r);
           if
           :: r != NIL -> release (r, res); atomic { r = 0; res = 0; ok = false RESET_EXTRA }
           :: else -> r = 0
           fi
        :: else
        fi;
#endif
        if
        :: c != NIL ->
#ifdef TWIN
           if
           :: me == TWIN_OF && !dr ->
              /* the pointer goes to a second thread of this process, and
               * both release it */
              atomic { dr = true; inpair = true; pair_c = c; room[TWIN_ID] = 1; run twin (c) }
           :: true -> skip
           fi;
#endif
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
     atomic { k++; c = 0; res = 0; ok = false RESET_EXTRA }
  :: me == RECEIVER && nempty (box) ->
     box ? r;
     /* C: if (resolve_handle (self, handle, &pool, &index, error) == NULL) */
     adopt (r);
     release (r, res);
     atomic { r = 0; res = 0; ok = false RESET_EXTRA }
  :: k >= ROUNDS (me) && (me != RECEIVER || (done[SENDER] && len (box) == 0)) -> break
  od;
#ifdef CACHE
  if
  :: cmask[me] != 0 -> flush (c)          /* the thread exits, or flushes */
  :: true -> skip                         /* it stays idle, its cache kept */
  fi
#endif
}

#ifdef TWIN
/* The second thread of TWIN_OF's process: it took a chunk once (room 1)
 * and handed it on; it releases the chunk TWIN_OF holds, then exits. */
proctype twin (byte c)
{
  byte me = TWIN_ID;
  byte res, last;
  byte o_idx, o_tag, n_tag, nx, o_used, s_refs, s_own, n_refs, n_own;
  bool ok, inpair = true;

  release (c, res);
  /* the thread exits: its cache goes back (thread_caches_free ()) */
  atomic { res = 0; ok = false; last = 0; inpair = false };
  flush (c);
  atomic { done[me] = true; finished++ }
}
#endif

proctype actor (byte me)
{
  byte k, c, r, res;
  byte o_idx, o_tag, n_tag, nx, o_used, s_refs, s_own, n_refs, n_own;
  bool ok, dr;
#ifdef CACHE
  byte last;
#endif
#ifdef TWIN
  bool inpair;
#endif

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
#ifdef SKIP_CACHED
     /* seeded bug: a reclaim that leaves the chunks of count 0 alone, as
      * if they were free */
     :: s_own == VICTIM + 1 && s_refs == 0 -> break
#endif
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
#ifdef CACHE
                /* count 0 and the dead process as the owner: exactly the
                 * chunks its threads cached; their caches died with it */
                assert (CACHED_BY (VICTIM, c) == (s_refs == 0));
                if :: s_refs == 0 -> cmask[VICTIM] = cmask[VICTIM] - BIT (c) :: else fi;
#endif
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
              /* give_back (), narrow form */
              /* C: zcp_pool_stats_on_release (pl->desc); */
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
    g_held = 0; g_lost = 0; g_cached = 0;
    for (c : 0 .. NCHUNKS - 1) {
#ifdef CACHE
      count_cached (c);
#endif
      if
      :: refs[c] > 0 ->
         g_held++;
#ifdef CACHE
         assert (g_nc == 0);
#endif
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
#ifdef CACHE
      :: refs[c] == 0 && own[c] != 0 ->
         /* cached, by a survivor: reclaim gave back what the victim's
          * threads cached (count 0, the victim as the owner) */
         assert (g_nc == 1 && own[c] == TAG (g_ct) && g_ct != VICTIM);
         g_cached++
#endif
      :: refs[c] == 0 && own[c] == 0 && !onlist[c] ->
#ifdef CACHE
         assert (g_nc == 0);
#endif
         g_lost++
      :: else
      fi
    }
    g_held = g_held + g_cached;              /* the chunks whose state is not 0 */
#ifdef STRICT_KILL
    assert (g_lost == 0 && used == g_held);
#else
    /* Exactly these kill points leave damage that reclaim cannot see (a
     * flush, state 0 and then the put, has the windows of a release): */
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
     :: refs[c] == 0 && own[c] == 0 && !onlist[c] ->  /* state 0, off the list */
        /* C: zcp_free_list_push (pl->desc, pl->slots, i); */
        nxt[c] = head_idx; head_idx = c; head_tag = (head_tag + 1) % TAGMOD; onlist[c] = true
     :: else
     fi;
     c++
  :: else -> break
  od;
  /* C: atomic_store_explicit (&pl->desc->used, used, memory_order_relaxed); */
  used = g_held;                             /* the chunks whose state is not 0 */
  d_step {
    killed = false;                          /* the victim's slot is free again */
    phase[VICTIM] = PH_IDLE;
    check_quiescent ();                      /* the leaked references count as held */
    assert (g_free + g_held + g_cached == NCHUNKS)
  }
#else
#ifdef TWIN
  finished == NACTORS + (pair_c != NIL -> 1 : 0);
#else
  finished == NACTORS;
#endif
  d_step {
    check_quiescent ();
    /* every chunk free, on the list or cached */
    assert (g_free + g_cached == NCHUNKS && used == g_cached)
  }
#endif
}
