/* zcp-reclaim.c: giving back the chunks of processes that died
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * # Who owns a chunk
 *
 * A chunk's state word records, next to its reference count, the process
 * slot of its owner: the process that took it from the pool, or that last
 * adopted it from a handle (zcp_mem_pool_manager_chunk_from_handle()
 * re-stamps the owner, so that a producer that sends a chunk and then dies
 * does not take its consumer's chunk with it).  A process slot names a
 * process by pid *and* start time (field 22 of /proc/PID/stat), so a pid
 * that the kernel has given to a new process is not mistaken for the dead
 * one.
 *
 * # What reclaim does
 *
 * For every process slot whose process is gone (kill (pid, 0) says ESRCH,
 * or the pid now belongs to a process that started at another time), the
 * reclaimer first locks the slot by replacing its pid with
 * ZCP_PROCESS_RECLAIMING | its own pid, so that neither a second reclaimer
 * nor a newly attaching process can use the slot while it is scanned (a
 * reclaimer that dies in turn is detected by the next one, which takes the
 * lock over).  Then every chunk stamped with that slot is looked at:
 *
 * - reference count 0: a free chunk resting in one of the dead process's
 *   thread caches.  Given back like the next case, and the dead process's
 *   cache records (zcp-thread-cache.c) are freed after the scan.
 * - reference count 1: the dead owner held the only reference.  The state
 *   word goes from exactly that value to 0 (a CAS, so a concurrent release
 *   or reclaim of the same chunk cannot also succeed), the payload is
 *   poisoned in debug mode, `used` is decremented and the chunk is pushed on
 *   the free list: given back.
 * - reference count above 1: the chunk is shared with live processes.  One
 *   owner is recorded per chunk, not one per reference, so reclaim cannot
 *   tell whether the dead process still held one of those references or had
 *   handed all of them on.  It never guesses: dropping a reference that a
 *   live process still uses would hand the chunk out twice.  It clears the
 *   owner field and keeps the count, so the chunk goes back to the pool when
 *   the live holders release it, and at worst the dead process's own
 *   reference is leaked (a chunk lost, never a chunk corrupted).
 *
 * Finally the slot is freed for new processes.
 *
 * # What reclaim cannot see: a process killed inside get or release
 *
 * A get pops the chunk and then stores its state; a release stores the
 * state 0 and then pushes.  A process killed between the two steps leaves a
 * chunk whose state is 0 but that is not on the free list: neither free nor
 * owned, so reclaim cannot attribute it.  It can only be found by walking
 * the free lists while nothing else changes them:
 * zcp_mem_pool_manager_recover_lost_chunks(), which the application calls
 * when it knows every attached process is quiescent (for example after
 * reclaim, before restarting its workers).  The same walk recomputes the
 * `used` statistic, which a kill between a state store and the statistics
 * update leaves off by one.
 *
 * # Requirements
 *
 * All processes attached to a segment must share a pid namespace: reclaim
 * judges liveness by pid.
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "zcp-error.h"
#include "zcp-mem-pool-manager-private.h"
#include "zcp-thread-cache-private.h"
#include "zcp-private.h"

/* A process slot whose pid has this bit set is being reclaimed by the
 * process whose pid is in the other bits (pids are below 2^22). */
#define ZCP_PROCESS_RECLAIMING (UINT32_C (1) << 31)

static guint
debug_flags (void)
{
  static const GDebugKey keys[] = {
    { "poison", ZCP_DEBUG_POISON },
    { "no-thread-cache", ZCP_DEBUG_NO_THREAD_CACHE },
  };
  const char *env = g_getenv ("ZCP_DEBUG");

  if (env == NULL)
    return 0;

  return g_parse_debug_string (env, keys, G_N_ELEMENTS (keys));
}

gboolean
_zcp_debug_poison_enabled (void)
{
  return (debug_flags () & ZCP_DEBUG_POISON) != 0;
}

gboolean
_zcp_debug_no_thread_cache (void)
{
  return (debug_flags () & ZCP_DEBUG_NO_THREAD_CACHE) != 0;
}

/* Whether the process named by pid (and, if known, start time) is alive. */
static gboolean
process_alive (guint32 pid,
               guint64 start_time)
{
  guint64 now_start;

  if (pid == 0 || pid > G_MAXINT)
    return FALSE;

  if (kill ((pid_t) pid, 0) != 0 && errno == ESRCH)
    return FALSE;

  /* The pid exists (EPERM: it belongs to another user, and still exists).
   * A start time of 0 is a slot whose claimer has not stored it yet, or a
   * system without /proc: trust the pid. */
  if (start_time == 0)
    return TRUE;

  now_start = _zcp_process_start_time ((int) pid);
  if (now_start == 0)
    {
      /* Gone between kill() and the read of /proc, or /proc hidden. */
      return !(kill ((pid_t) pid, 0) != 0 && errno == ESRCH);
    }

  return now_start == start_time;
}

static void
give_back (ZcpMemPoolManager *self,
           ZcpPoolLocal      *pl,
           guint32            index)
{
  if (G_UNLIKELY (self->poison))
    memset (pl->chunks + (guint64) index * pl->stride, ZCP_POISON_BYTE, (gsize) pl->chunk_size);
  zcp_pool_stats_on_release (pl->desc);
  zcp_free_list_push (pl->desc, pl->slots, index);
}

/* Gives back the chunks stamped with process slot `dead`; the caller holds
 * the slot's reclaim lock. */
static guint
reclaim_slot (ZcpMemPoolManager *self,
              guint              dead,
              guint             *n_shared)
{
  guint32 owner = dead + 1;
  guint n = 0;

  for (guint p = 0; p < self->n_pools; p++)
    {
      ZcpPoolLocal *pl = &self->pools[p];

      for (guint32 i = 0; i < pl->count; i++)
        {
          ZcpChunkSlot *slot = &pl->slots[i];
          /* Relaxed: only seeds the CAS. */
          guint32 state = atomic_load_explicit (&slot->state, memory_order_relaxed);

          while ((state >> ZCP_STATE_OWNER_SHIFT) == owner)
            {
              guint32 refs = state & ZCP_STATE_REFS_MASK;
              guint32 new_state = refs <= 1 ? 0 : refs;

              /* Acq_rel like a release: the dead owner's writes to the
               * payload happen before the push and the next taker. */
              if (atomic_compare_exchange_weak_explicit (&slot->state, &state, new_state,
                                                         memory_order_acq_rel,
                                                         memory_order_relaxed))
                {
                  if (new_state == 0)
                    {
                      give_back (self, pl, i);
                      n++;
                    }
                  else
                    {
                      (*n_shared)++;
                    }
                  break;
                }
            }
        }
    }

  return n;
}

/**
 * zcp_mem_pool_manager_reclaim_dead:
 * @self: a #ZcpMemPoolManager attached read-write
 * @error: return location for a #GError, or %NULL
 *
 * Gives back the chunks of processes that attached to the segment and
 * died without releasing them (killed, crashed, or exited without
 * finalizing their manager).
 *
 * A dead process is found in the segment's process table, which names each
 * attached process by pid and start time, so that a pid reused by a new
 * process is not mistaken for the dead one.  A chunk owned by a dead
 * process (the process that took it, or that last adopted it with
 * zcp_mem_pool_manager_chunk_from_handle()) goes back to its pool when the
 * dead process held its only reference, and so does every free chunk that
 * rested in one of its threads' caches.  A chunk it shared with live
 * processes (reference count above 1) is not given back: its owner is
 * cleared and it returns to the pool when the live holders release it,
 * unless the dead process kept one of those references: reclaim cannot
 * tell, and never drops a reference a live process may still use, so such
 * a chunk is leaked.  The same holds for a chunk whose owner let go of one
 * of several references (it is owned by nobody from then on) and for a
 * chunk whose handle was never adopted (in transit, owned by nobody): a
 * leak is chosen over the risk of handing a chunk out twice.
 *
 * Safe to call at any time from any attached process, concurrently with
 * gets and releases and with other reclaims; each chunk is given back once.
 * A chunk that a process was killed in the middle of taking or releasing is
 * neither free nor owned and is not found here: see
 * zcp_mem_pool_manager_recover_lost_chunks().  All processes attached to
 * the segment must share a pid namespace.
 *
 * In debug mode (`ZCP_DEBUG=poison`) the payload of every chunk given back
 * is poisoned, as on release.
 *
 * Returns: the number of chunks given back to the pools (0 with @error set
 *   on a read-only attachment)
 *
 * Since: 1.0
 */
guint
zcp_mem_pool_manager_reclaim_dead (ZcpMemPoolManager  *self,
                                   GError            **error)
{
  ZcpProcessSlot *table;
  guint32 self_pid;
  guint total = 0, shared = 0;

  g_return_val_if_fail (ZCP_IS_MEM_POOL_MANAGER (self), 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (self->read_only)
    {
      g_set_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_READ_ONLY,
                   _("Cannot reclaim chunks of shared memory “%s”: it is attached read-only"),
                   self->shm->name);
      return 0;
    }

  table = zcp_segment_processes (self->base);
  self_pid = (guint32) getpid ();

  for (guint s = 0; s < ZCP_SEGMENT_MAX_PROCESSES; s++)
    {
      ZcpProcessSlot *slot = &table[s];
      guint32 pid, lock;
      guint64 start_time;
      guint n;

      if ((int) s == self->process_slot)
        continue;

      /* Acquire: pairs with the claimer's or releaser's store of pid. */
      pid = atomic_load_explicit (&slot->pid, memory_order_acquire);
      if (pid == 0)
        continue;

      if ((pid & ZCP_PROCESS_RECLAIMING) != 0)
        {
          /* Another reclaimer holds the slot; take over only if it died.
           * Its liveness is judged by pid alone: the slot's start time is
           * still the dead process's. */
          if (process_alive (pid & ~ZCP_PROCESS_RECLAIMING, 0))
            continue;
        }
      else
        {
          start_time = atomic_load_explicit (&slot->start_time, memory_order_relaxed);
          if (process_alive (pid, start_time))
            continue;
        }

      lock = ZCP_PROCESS_RECLAIMING | self_pid;
      /* Acquire: the dead process's writes (and a dead reclaimer's) happen
       * before our scan. */
      if (!atomic_compare_exchange_strong_explicit (&slot->pid, &pid, lock,
                                                    memory_order_acquire,
                                                    memory_order_relaxed))
        continue; /* somebody else got there first */

      n = reclaim_slot (self, s, &shared);
      _zcp_thread_cache_reclaim_records (self, s + 1);
      total += n;
      g_debug ("Reclaimed %u chunks of dead process %u (process slot %u) in shared memory “%s”",
               n, pid & ~ZCP_PROCESS_RECLAIMING, s, self->shm->name);

      /* Free the slot.  Release: our scan happens before a later claimer
       * stamps chunks with this slot again. */
      atomic_store_explicit (&slot->start_time, 0, memory_order_relaxed);
      atomic_compare_exchange_strong_explicit (&slot->pid, &lock, 0,
                                               memory_order_release,
                                               memory_order_relaxed);
    }

  if (shared > 0)
    g_debug ("%u chunks of dead processes in shared memory “%s” are shared with live processes; they return when released",
             shared, self->shm->name);

  return total;
}

/* Called when this process adopts a chunk from a handle: it becomes the
 * chunk's owner for reclaim.  The reference count is kept. */
void
_zcp_mem_pool_manager_adopt_chunk (ZcpMemPoolManager *self,
                                   guint              pool,
                                   guint32            index)
{
  zcp_chunk_state_set_owner (&self->pools[pool].slots[index], self->owner_tag);
}

/**
 * zcp_mem_pool_manager_recover_lost_chunks:
 * @self: a #ZcpMemPoolManager attached read-write
 * @error: return location for a #GError, or %NULL
 *
 * Audits every pool and repairs what a process killed in the middle of a
 * get or a release leaves behind: a chunk that is neither in use nor on the
 * free list goes back on the free list, and the `used` statistic is
 * recomputed from the chunks' states.
 *
 * Call this only while no process (this one included) gets, references or
 * releases chunks of the segment, for example after
 * zcp_mem_pool_manager_reclaim_dead() when the application has stopped its
 * workers: a chunk that another process has just popped but not yet marked
 * as in use looks exactly like a lost one.  A free list that changes during
 * the audit is reported as %ZCP_MEM_POOL_ERROR_WRONG_ORDER and nothing is
 * repaired; a free list that is malformed (an index out of range, a loop, a
 * chunk in use on it) is reported as %ZCP_SHM_ERROR_CORRUPT.
 *
 * Returns: the number of lost chunks put back on their free lists, 0 with
 *   @error set on failure
 *
 * Since: 1.0
 */
guint
zcp_mem_pool_manager_recover_lost_chunks (ZcpMemPoolManager  *self,
                                          GError            **error)
{
  guint total = 0;

  g_return_val_if_fail (ZCP_IS_MEM_POOL_MANAGER (self), 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (self->read_only)
    {
      g_set_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_READ_ONLY,
                   _("Cannot repair shared memory “%s”: it is attached read-only"),
                   self->shm->name);
      return 0;
    }

  for (guint p = 0; p < self->n_pools; p++)
    {
      ZcpPoolLocal *pl = &self->pools[p];
      g_autofree guint8 *on_list = g_malloc0 (pl->count);
      guint64 head = atomic_load_explicit (&pl->desc->head, memory_order_acquire);
      guint32 index = zcp_head_index (head);
      guint32 used = 0;
      guint n_lost = 0;

      while (index != ZCP_INDEX_NIL)
        {
          if (index >= pl->count || on_list[index] ||
              atomic_load_explicit (&pl->slots[index].state, memory_order_relaxed) != 0)
            {
              g_set_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_CORRUPT,
                           _("The free list of pool %u of shared memory “%s” is malformed at chunk %u"),
                           p, self->shm->name, index);
              return 0;
            }
          on_list[index] = 1;
          index = atomic_load_explicit (&pl->slots[index].next, memory_order_relaxed);
        }

      if (atomic_load_explicit (&pl->desc->head, memory_order_acquire) != head)
        {
          g_set_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_WRONG_ORDER,
                       _("Pool %u of shared memory “%s” changed during the audit: repair it only while no process uses it"),
                       p, self->shm->name);
          return 0;
        }

      for (guint32 i = 0; i < pl->count; i++)
        {
          if (atomic_load_explicit (&pl->slots[i].state, memory_order_relaxed) != 0)
            used++;
          else if (!on_list[i])
            n_lost++;
        }

      for (guint32 i = 0; n_lost > 0 && i < pl->count; i++)
        {
          if (!on_list[i] && atomic_load_explicit (&pl->slots[i].state, memory_order_relaxed) == 0)
            {
              if (G_UNLIKELY (self->poison))
                memset (pl->chunks + (guint64) i * pl->stride, ZCP_POISON_BYTE, (gsize) pl->chunk_size);
              zcp_free_list_push (pl->desc, pl->slots, i);
              total++;
            }
        }

      /* Relaxed: statistics order nothing. */
      atomic_store_explicit (&pl->desc->used, used, memory_order_relaxed);
    }

  return total;
}
