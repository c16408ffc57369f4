/* zcp-mem-pool-manager.c: handing out and taking back chunks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "zcp-error.h"
#include "zcp-mem-pool-manager-private.h"
#include "zcp-thread-cache-private.h"
#include "zcp-private.h"

/* This file defines the exported functions that zcp-fast-path.h inlines. */
#undef zcp_mem_pool_manager_get_chunk
#undef zcp_mem_pool_manager_release_chunk

/**
 * ZcpMemPoolManager:
 *
 * Hands out chunks of a segment's pools and takes them back: the
 * specification's `MemPoolManager`.
 *
 * A manager is a process-local view of one segment.  Its get and release
 * functions are thread-safe and process-safe: any number of threads in any
 * number of processes attached to the same segment may call them at once.
 * They take no lock, allocate nothing and emit no signal; each is a
 * lock-free compare-and-swap on the pool's free list, which lives inside the
 * segment.
 *
 * Every process has one default manager, the one laid out by the first
 * zcp_mem_pool_allocator_initialize_mem_pools() that succeeded in it:
 * zcp_mem_pool_manager_get_instance_if_initialized() returns it.  A process
 * that uses two segments at once keeps the default for the first and gets
 * the second one's manager from zcp_mem_pool_allocator_get_manager() or
 * zcp_mem_pool_manager_open(); managers are independent of each other.
 *
 * A get takes the pool with the smallest chunk size that fits; if that pool
 * is empty the get fails (unless the configuration enabled fallback, see
 * zcp_mem_pool_config_set_fallback()).  zcp_mem_pool_manager_get_chunk()
 * then returns %NULL at no extra cost;
 * zcp_mem_pool_manager_try_get_chunk() says why.
 *
 * |[<!-- language="C" -->
 * ZcpMemPoolManager *pools = zcp_mem_pool_manager_get_instance_if_initialized ();
 * ZcpChunk *chunk = zcp_mem_pool_manager_get_chunk (pools, 512);
 *
 * if (chunk != NULL)
 *   {
 *     memcpy (zcp_chunk_get_data (chunk), message, 512);
 *     zcp_mem_pool_manager_release_chunk (pools, chunk);
 *   }
 * ]|
 *
 * # Across processes
 *
 * A chunk pointer is valid in the process that got it.  To pass a chunk to
 * another process, send its handle (zcp_mem_pool_manager_get_chunk_handle(),
 * a 64-bit integer) over any channel; the receiver, attached to the same
 * segment, turns it back into a chunk of its own mapping with
 * zcp_mem_pool_manager_chunk_from_handle().  The handle carries the
 * sender's reference: take an extra one with zcp_chunk_ref() for each
 * receiver beyond the first, or to keep using the chunk yourself.
 *
 * # Crashed processes
 *
 * Each chunk in use records its owner: the process that took it, or that
 * last adopted it from a handle, named by pid and start time.  When a
 * process dies holding chunks, any survivor gives them back with
 * zcp_mem_pool_manager_reclaim_dead(); a chunk the dead process shared
 * with live ones returns when they release it.  While a handle is on its
 * way (between zcp_mem_pool_manager_get_chunk_handle() and
 * zcp_mem_pool_manager_chunk_from_handle()) the chunk belongs to nobody, so
 * the sender's death cannot get it reclaimed and handed out again under
 * the receiver; a handle that is never adopted leaves its chunk in use.  A process killed in the
 * middle of a get or a release can leave one chunk neither free nor in use:
 * zcp_mem_pool_manager_recover_lost_chunks() finds it while the pools are
 * quiescent.
 *
 * # Debug mode: poisoning released chunks
 *
 * With the environment variable `ZCP_DEBUG=poison` set when a manager is
 * created (read once, into the manager), every chunk that goes back to its
 * pool, by release, reclaim or repair, has its payload filled with the byte
 * 0xdb first.  A use after release then reads 0xdb bytes instead of the old
 * data, and what it writes is overwritten by the next release of that chunk.
 * The cost is one memset of the chunk per release; without the variable the
 * release path only tests a flag.  `ZCP_DEBUG` takes a comma-separated list
 * of keys (GLib's g_parse_debug_string()); `poison` is the only key for now.
 *
 * Since: 1.0
 */

G_DEFINE_FINAL_TYPE (ZcpMemPoolManager, zcp_mem_pool_manager, G_TYPE_OBJECT)

/* The type, kept by class_init for the hot path's instance check: the type is
 * final, so an instance is a manager exactly when its class's type is this
 * one, which costs two loads instead of a call to get_type().  Written once,
 * before any instance exists; whoever holds an instance was ordered after
 * class_init by GType's own locking. */
static GType manager_type;

#define IS_MANAGER_FAST(obj) \
  ((obj) != NULL && ((GTypeInstance *) (obj))->g_class != NULL && \
   ((GTypeInstance *) (obj))->g_class->g_type == manager_type)

/**
 * ZcpChunk:
 *
 * A chunk of a pool: the specification's `ChunkManager`.  The #ZcpChunk
 * pointer is the address of the chunk's payload in this process; use
 * zcp_chunk_get_data() for a typed view of it.
 *
 * A chunk is reference counted, and the count lives in the segment, so
 * references held by several processes count alike.  zcp_chunk_ref() and
 * zcp_chunk_unref() (the boxed copy and free functions, which the language
 * bindings use) and zcp_mem_pool_manager_release_chunk() may be called from
 * any thread.  The chunk goes back to its pool when the last reference is
 * dropped.  Dropping a reference of a chunk that has none left (a double
 * release) is reported as a critical and changes nothing.
 *
 * A chunk must be released before its segment is unmapped, that is before
 * the last reference to its manager (and to the allocator that created it)
 * goes away.
 *
 * Since: 1.0
 */

G_DEFINE_BOXED_TYPE (ZcpChunk, zcp_chunk, zcp_chunk_ref, zcp_chunk_unref)

G_DEFINE_BOXED_TYPE (ZcpMemPoolStats, zcp_mem_pool_stats, zcp_mem_pool_stats_copy, zcp_mem_pool_stats_free)

enum {
  PROP_0,
  PROP_NAME,
  PROP_SEGMENT_ID,
  PROP_MEMORY_SIZE,
  PROP_READ_ONLY,
  PROP_POOL_COUNT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ------------------------------------------------------------------------ */
/* Which manager maps an address: for zcp_chunk_ref()/unref(), which get no */
/* manager.  Writers (attach, finalize) take the lock; readers only load.    */

#define ZCP_MAX_MANAGERS 64

static ZcpMemPoolManager *registry[ZCP_MAX_MANAGERS]; /* (atomic) */
static guint registry_len; /* (atomic) high-water mark of used entries */
G_LOCK_DEFINE_STATIC (registry);

static ZcpMemPoolManager *default_manager; /* (atomic) (unowned) */
G_LOCK_DEFINE_STATIC (default_manager);

static gboolean
registry_add (ZcpMemPoolManager *self)
{
  gboolean added = FALSE;

  G_LOCK (registry);
  for (guint i = 0; i < ZCP_MAX_MANAGERS; i++)
    {
      if (g_atomic_pointer_get (&registry[i]) == NULL)
        {
          g_atomic_pointer_set (&registry[i], self);
          if (i + 1 > (guint) g_atomic_int_get (&registry_len))
            g_atomic_int_set (&registry_len, i + 1);
          added = TRUE;
          break;
        }
    }
  G_UNLOCK (registry);

  return added;
}

static void
registry_remove (ZcpMemPoolManager *self)
{
  G_LOCK (registry);
  for (guint i = 0; i < ZCP_MAX_MANAGERS; i++)
    if (g_atomic_pointer_get (&registry[i]) == self)
      g_atomic_pointer_set (&registry[i], NULL);
  G_UNLOCK (registry);
}

ZcpMemPoolManager *
_zcp_mem_pool_manager_for_address (const void *address)
{
  guint len = (guint) g_atomic_int_get (&registry_len);
  const guint8 *p = address;

  for (guint i = 0; i < len; i++)
    {
      ZcpMemPoolManager *m = g_atomic_pointer_get (&registry[i]);

      if (m != NULL && p >= m->base && p < m->base + m->size)
        return m;
    }

  return NULL;
}

/* ------------------------------------------------------------------------ */

static void
release_process_slot (ZcpMemPoolManager *self)
{
  if (self->process_slot >= 0)
    {
      ZcpProcessSlot *slot = &zcp_segment_processes (self->base)[self->process_slot];

      /* Release: our last writes to the segment happen before a later
       * claimer sees the slot free. */
      atomic_store_explicit (&slot->start_time, 0, memory_order_relaxed);
      atomic_store_explicit (&slot->pid, 0, memory_order_release);
      self->process_slot = -1;
    }
}

static void
zcp_mem_pool_manager_finalize (GObject *object)
{
  ZcpMemPoolManager *self = (ZcpMemPoolManager *) object;

  _zcp_mem_pool_manager_unset_default (self);
  registry_remove (self);
  /* Before the process slot goes: cached chunks are stamped with it. */
  if (self->thread_cache)
    _zcp_thread_cache_detach (self);
  if (self->shm != NULL && !self->read_only)
    release_process_slot (self);
  g_clear_pointer (&self->shm, zcp_shm_unref);

  G_OBJECT_CLASS (zcp_mem_pool_manager_parent_class)->finalize (object);
}

static void
zcp_mem_pool_manager_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  ZcpMemPoolManager *self = ZCP_MEM_POOL_MANAGER (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, zcp_mem_pool_manager_get_name (self));
      break;
    case PROP_SEGMENT_ID:
      g_value_set_uint64 (value, self->segment_id);
      break;
    case PROP_MEMORY_SIZE:
      g_value_set_uint64 (value, self->size);
      break;
    case PROP_READ_ONLY:
      g_value_set_boolean (value, self->read_only);
      break;
    case PROP_POOL_COUNT:
      g_value_set_uint (value, self->n_pools);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zcp_mem_pool_manager_class_init (ZcpMemPoolManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  manager_type = G_TYPE_FROM_CLASS (klass);
  _zcp_i18n_init ();

  object_class->finalize = zcp_mem_pool_manager_finalize;
  object_class->get_property = zcp_mem_pool_manager_get_property;

  /**
   * ZcpMemPoolManager:name:
   *
   * The POSIX name of the segment.
   *
   * Since: 1.0
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ZcpMemPoolManager:segment-id:
   *
   * The random identifier the creator gave the segment.
   *
   * Since: 1.0
   */
  properties[PROP_SEGMENT_ID] =
    g_param_spec_uint64 ("segment-id", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ZcpMemPoolManager:memory-size:
   *
   * The size of the segment in bytes.
   *
   * Since: 1.0
   */
  properties[PROP_MEMORY_SIZE] =
    g_param_spec_uint64 ("memory-size", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ZcpMemPoolManager:read-only:
   *
   * Whether the segment is mapped read-only.
   *
   * Since: 1.0
   */
  properties[PROP_READ_ONLY] =
    g_param_spec_boolean ("read-only", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ZcpMemPoolManager:pool-count:
   *
   * The number of pools in the segment.
   *
   * Since: 1.0
   */
  properties[PROP_POOL_COUNT] =
    g_param_spec_uint ("pool-count", NULL, NULL, 0, ZCP_MEM_POOL_MAX_POOLS, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
zcp_mem_pool_manager_init (ZcpMemPoolManager *self)
{
  self->process_slot = -1;
  self->poison = _zcp_debug_poison_enabled ();
  self->wide_cas = zcp_cpu_has_wide_cas ();
}

static gboolean
claim_process_slot (ZcpMemPoolManager  *self,
                    GError            **error)
{
  ZcpProcessSlot *slots = zcp_segment_processes (self->base);
  guint32 pid = (guint32) getpid ();
  guint64 start_time = _zcp_process_start_time ((int) pid);

  for (guint i = 0; i < ZCP_SEGMENT_MAX_PROCESSES; i++)
    {
      guint32 expected = 0;

      /* Acquire on success: the previous holder's release of the slot (and
       * its writes) happen before our use of it. */
      if (atomic_compare_exchange_strong_explicit (&slots[i].pid, &expected, pid,
                                                   memory_order_acquire,
                                                   memory_order_relaxed))
        {
          atomic_store_explicit (&slots[i].start_time, start_time, memory_order_relaxed);
          self->process_slot = (int) i;
          self->owner_tag = (i + 1) << ZCP_STATE_OWNER_SHIFT;
          return TRUE;
        }
    }

  g_set_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_TOO_MANY_PROCESSES,
               _("Shared memory “%s” already has %u attached processes"),
               self->shm->name, ZCP_SEGMENT_MAX_PROCESSES);
  return FALSE;
}

/* Builds a manager over a segment that is laid out and validated (by
 * zcp_segment_layout() in this process, or zcp_shm_open()). */
ZcpMemPoolManager *
_zcp_mem_pool_manager_new_for_shm (ZcpShm  *shm,
                                   GError **error)
{
  g_autoptr(ZcpMemPoolManager) self = g_object_new (ZCP_TYPE_MEM_POOL_MANAGER, NULL);
  ZcpSegmentHeader *header;
  ZcpPoolDescriptor *descs;

  self->shm = zcp_shm_ref (shm);
  self->base = shm->base;
  self->size = shm->size;
  self->read_only = shm->read_only;

  header = zcp_segment_header (self->base);
  self->segment_id = header->segment_id;
  self->n_pools = header->pool_count;
  self->fallback = (header->flags & ZCP_SEGMENT_FLAG_FALLBACK) != 0;

  /* zcp_segment_validate() allows up to 64 pools for future versions; this
   * version's table holds ZCP_MEM_POOL_MAX_POOLS. */
  if (self->n_pools > ZCP_MEM_POOL_MAX_POOLS)
    {
      g_set_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_CORRUPT,
                   _("Shared memory “%s” has %u pools; at most %d are supported"),
                   shm->name, self->n_pools, ZCP_MEM_POOL_MAX_POOLS);
      return NULL;
    }

  descs = zcp_segment_pools (self->base);
  for (guint i = 0; i < self->n_pools; i++)
    {
      ZcpPoolLocal *pl = &self->pools[i];

      pl->desc = &descs[i];
      pl->slots = (ZcpChunkSlot *) (void *) (self->base + descs[i].slots_offset);
      pl->chunks = self->base + descs[i].chunks_offset;
      pl->chunk_size = descs[i].chunk_size;
      pl->stride = descs[i].stride;
      pl->count = descs[i].chunk_count;
      pl->chunks_end = pl->chunks + pl->stride * pl->count;
      pl->stride_shift = (pl->stride & (pl->stride - 1)) == 0 ? (guint32) g_bit_nth_lsf (pl->stride, -1) : 0;
    }

  if (!self->read_only && !claim_process_slot (self, error))
    return NULL;

  self->thread_cache = !self->read_only && !self->poison &&
                       (header->flags & ZCP_SEGMENT_FLAG_NO_THREAD_CACHE) == 0 &&
                       !_zcp_debug_no_thread_cache ();

  if (!registry_add (self))
    {
      g_set_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_TOO_MANY_FILES,
                   _("Cannot attach shared memory “%s”: this process already has %d segments attached"),
                   shm->name, ZCP_MAX_MANAGERS);
      return NULL;
    }

  return g_steal_pointer (&self);
}

void
_zcp_mem_pool_manager_set_default (ZcpMemPoolManager *manager)
{
  G_LOCK (default_manager);
  if (g_atomic_pointer_get (&default_manager) == NULL)
    g_atomic_pointer_set (&default_manager, manager);
  G_UNLOCK (default_manager);
}

void
_zcp_mem_pool_manager_unset_default (ZcpMemPoolManager *manager)
{
  G_LOCK (default_manager);
  if (g_atomic_pointer_get (&default_manager) == manager)
    g_atomic_pointer_set (&default_manager, NULL);
  G_UNLOCK (default_manager);
}

/**
 * zcp_mem_pool_manager_get_instance_if_initialized:
 *
 * Gets the process's default manager: the one of the first allocator whose
 * zcp_mem_pool_allocator_initialize_mem_pools() succeeded and that is still
 * alive.  The specification's `MemPoolManager::getInstanceIfInitialized()`.
 *
 * Returns: (transfer none) (nullable): the default manager, or %NULL until
 *   the pools are initialized
 *
 * Since: 1.0
 */
ZcpMemPoolManager *
zcp_mem_pool_manager_get_instance_if_initialized (void)
{
  return g_atomic_pointer_get (&default_manager);
}

/**
 * zcp_mem_pool_manager_open:
 * @name: the POSIX name of the segment, such as `/my_shm`
 * @flags: #ZcpOpenFlags
 * @timeout_ms: how long to wait for a creator that has not finished laying
 *   the segment out, in milliseconds (0: do not wait)
 * @error: return location for a #GError, or %NULL
 *
 * Attaches to an existing segment by name and returns a manager for it:
 * the way a process other than the creator gets at the pools.  The segment
 * is validated before anything in it is trusted (magic number, layout
 * version, real size, ready flag, every pool descriptor in bounds); each
 * failure is its own %ZCP_SHM_ERROR code.
 *
 * The returned manager is independent of the process's default manager.
 * Its get and release work on the same pools as the creator's.  With
 * %ZCP_OPEN_FLAGS_READ_ONLY the segment is mapped read-only: statistics,
 * zcp_mem_pool_manager_owns_chunk() and zcp_mem_pool_manager_lookup_handle()
 * work; getting, referencing and releasing chunks do not.
 *
 * Detaching (dropping the last reference) unmaps the segment but never
 * unlinks it: only its creator does that.
 *
 * Returns: (transfer full): a new manager, or %NULL with @error set
 *
 * Since: 1.0
 */
ZcpMemPoolManager *
zcp_mem_pool_manager_open (const char    *name,
                           ZcpOpenFlags   flags,
                           guint          timeout_ms,
                           GError       **error)
{
  g_autoptr(ZcpShm) shm = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  _zcp_i18n_init ();

  shm = zcp_shm_open (name, (flags & ZCP_OPEN_FLAGS_READ_ONLY) != 0, timeout_ms, error);
  if (shm == NULL)
    return NULL;

  return _zcp_mem_pool_manager_new_for_shm (shm, error);
}

/* ------------------------------------------------------------------------ */
/* The hot path                                                              */

typedef enum
{
  GET_OK,
  GET_NO_FITTING_POOL,
  GET_EXHAUSTED,
} GetResult;

/* Hands chunk index of pl, just taken from the list or the thread's cache,
 * to the caller: one reference, owned by this process.  Relaxed: the chunk
 * is ours alone until we hand it on (a cached one too: its state names
 * this process with no reference, which no release, reference or reclaim
 * of a live process touches), and handing it on (a handle through a pipe,
 * a pointer to another thread) orders this store before the receiver's
 * accesses. */
static inline __attribute__ ((always_inline)) ZcpChunk *
hand_out (ZcpMemPoolManager *self,
          ZcpPoolLocal      *pl,
          guint32            index)
{
  atomic_store_explicit (&pl->slots[index].state, self->owner_tag | 1u, memory_order_relaxed);
  return (ZcpChunk *) (pl->chunks + (guint64) index * pl->stride);
}

static inline __attribute__ ((always_inline)) ZcpChunk *
get_chunk_internal (ZcpMemPoolManager *self,
                    gsize              size,
                    GetResult         *result,
                    guint             *pool_out)
{
  ZcpThreadCache *cache;
  guint i = 0;

  while (i < self->n_pools && self->pools[i].chunk_size < size)
    i++;

  if (G_UNLIKELY (i == self->n_pools))
    {
      *result = GET_NO_FITTING_POOL;
      return NULL;
    }

  *pool_out = i;
  cache = _zcp_thread_cache_get (self);

  do
    {
      ZcpPoolLocal *pl = &self->pools[i];
      guint32 index;

      if (cache != NULL)
        {
          ZcpThreadCachePool *cp = &cache->fast.pools[i];

          if (_zcp_thread_cache_n (cp) > 0)
            {
              if (G_LIKELY (!_zcp_thread_cache_flush_requested (cp)))
                {
                  *result = GET_OK;
                  return hand_out (self, pl, _zcp_thread_cache_take (cache, i));
                }
              /* A getter starves: give the cached chunks back first. */
              _zcp_thread_cache_flush (cache, i);
            }
        }

      /* Pops the chunk and counts it in `used` and `low_water`. */
      index = zcp_pool_get (pl->desc, pl->slots, pl->count, self->wide_cas);

      if (G_LIKELY (index < pl->count))
        {
          /* One more chunk this thread may keep when it releases it. */
          if (cache != NULL)
            _zcp_thread_cache_made_room (&cache->fast.pools[i]);
          *result = GET_OK;
          return hand_out (self, pl, index);
        }

      /* Empty (or a head that a foreign writer corrupted: never trust an
       * index out of range). */
      atomic_fetch_add_explicit (&pl->desc->failed_gets, 1, memory_order_relaxed);
      /* Chunks may rest in threads' caches, of any process: ask their
       * threads to give them back (on their next get from this pool). */
      zcp_segment_request_flush (self->base, i);
    }
  while (self->fallback && ++i < self->n_pools);

  *result = GET_EXHAUSTED;
  return NULL;
}

/**
 * zcp_mem_pool_manager_get_chunk:
 * @self: a #ZcpMemPoolManager
 * @size: the number of bytes needed
 *
 * Takes a chunk of at least @size bytes from the pool with the smallest
 * chunk size that fits: the specification's `getChunk()`.  With pools of
 * 256, 1024 and 4096 bytes, a get of 512 bytes returns a chunk of the
 * 1024-byte pool.  The chunk's reference count is 1.
 *
 * A chunk that the calling thread released recently comes first, from the
 * thread's cache, without touching the shared free list (see
 * zcp_mem_pool_manager_flush_thread_cache()).
 *
 * Thread-safe and process-safe; lock-free.
 *
 * Returns: (transfer full) (nullable): a chunk, or %NULL if no pool is
 *   large enough or the pool that fits is empty
 *   (zcp_mem_pool_manager_try_get_chunk() tells which)
 *
 * Since: 1.0
 */
static G_NO_INLINE ZcpChunk *
get_chunk_slow (ZcpMemPoolManager *self,
                gsize              size)
{
  GetResult result;
  guint pool;

  /* The fast check first; the full one (and its critical) only on failure. */
  g_return_val_if_fail (IS_MANAGER_FAST (self) || ZCP_IS_MEM_POOL_MANAGER (self), NULL);
  g_return_val_if_fail (!self->read_only, NULL);

  return get_chunk_internal (self, size, &result, &pool);
}

/* A get that missed the thread's cache.  When the thread has a cache of
 * self (which proves self valid, see _zcp_thread_cache_is_for()), the get
 * itself without the checks of self: batches that outgrow the cache take
 * this way.  Everything else is get_chunk_slow(). */
static inline __attribute__ ((always_inline)) ZcpChunk *
get_chunk_miss (ZcpMemPoolManager *self,
                gsize              size)
{
  GetResult result;
  guint pool;

  if (G_UNLIKELY (!_zcp_thread_cache_is_for (_zcp_thread_cache_last (), self)))
    return get_chunk_slow (self, size);

  return get_chunk_internal (self, size, &result, &pool);
}

/* The cache hit is inline (zcp-fast-path.h), with nothing else on the way:
 * the cache's manager being self proves self a live read-write manager
 * (see _zcp_thread_cache_is_for()); everything else is get_chunk_slow(). */
ZcpChunk *
zcp_mem_pool_manager_get_chunk (ZcpMemPoolManager *self,
                                gsize              size)
{
  ZcpChunk *chunk = _zcp_fast_get_chunk (self, size);

  if (G_LIKELY (chunk != NULL))
    return chunk;

  return get_chunk_miss (self, size);
}

ZcpChunk *
_zcp_mem_pool_manager_get_chunk_miss (ZcpMemPoolManager *self,
                                      gsize              size)
{
  return get_chunk_miss (self, size);
}

/**
 * zcp_mem_pool_manager_try_get_chunk:
 * @self: a #ZcpMemPoolManager
 * @size: the number of bytes needed
 * @error: return location for a #GError, or %NULL
 *
 * Like zcp_mem_pool_manager_get_chunk(), but says why it failed:
 * %ZCP_MEM_POOL_ERROR_NO_FITTING_POOL when no pool has chunks of @size
 * bytes, %ZCP_MEM_POOL_ERROR_POOL_EXHAUSTED when the pool that fits is
 * empty (the message names the pool), %ZCP_MEM_POOL_ERROR_READ_ONLY on a
 * read-only attachment.  The error is built only on failure.
 *
 * Returns: (transfer full): a chunk, or %NULL with @error set
 *
 * Since: 1.0
 */
ZcpChunk *
zcp_mem_pool_manager_try_get_chunk (ZcpMemPoolManager  *self,
                                    gsize               size,
                                    GError            **error)
{
  GetResult result;
  guint pool = 0;
  ZcpChunk *chunk;

  g_return_val_if_fail (ZCP_IS_MEM_POOL_MANAGER (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self->read_only)
    {
      g_set_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_READ_ONLY,
                   _("Cannot take a chunk from shared memory “%s”: it is attached read-only"),
                   self->shm->name);
      return NULL;
    }

  chunk = get_chunk_internal (self, size, &result, &pool);

  switch (result)
    {
    case GET_OK:
      break;
    case GET_NO_FITTING_POOL:
      g_set_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_NO_FITTING_POOL,
                   _("No memory pool has chunks of %zu bytes; the largest chunk size is %llu"),
                   size, (unsigned long long) self->pools[self->n_pools - 1].chunk_size);
      break;
    case GET_EXHAUSTED:
    default:
      {
        guint32 cached = zcp_segment_cached (self->base, pool);

        if (cached > 0)
          g_set_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_POOL_EXHAUSTED,
                       g_dngettext (GETTEXT_PACKAGE,
                                    "Memory pool %u (%u chunks of %llu bytes) has no free chunk on its shared list; %u free chunk rests in other threads’ caches and goes back on their next get",
                                    "Memory pool %u (%u chunks of %llu bytes) has no free chunk on its shared list; %u free chunks rest in other threads’ caches and go back on their next get",
                                    cached),
                       pool, self->pools[pool].count, (unsigned long long) self->pools[pool].chunk_size, cached);
        else
          g_set_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_POOL_EXHAUSTED,
                       _("Memory pool %u (%u chunks of %llu bytes) has no free chunk"),
                       pool, self->pools[pool].count, (unsigned long long) self->pools[pool].chunk_size);
      }
      break;
    }

  return chunk;
}

static G_NO_INLINE void
report_bad_chunk (ZcpMemPoolManager *self,
                  const void        *chunk,
                  ZcpLocate          where,
                  const char        *caller)
{
  if (where == ZCP_LOCATE_MISALIGNED)
    g_critical (_("%s: %p points into a chunk of shared memory “%s” but not at its start"),
                caller, chunk, self->shm->name);
  else
    g_critical (_("%s: %p is not a chunk of shared memory “%s”"),
                caller, chunk, self->shm->name);
}

/* Finds the pool and index of chunk; a critical from caller when it is not
 * the start of a chunk of self's segment. */
static inline __attribute__ ((always_inline)) gboolean
locate_or_report (ZcpMemPoolManager *self,
                  const void        *chunk,
                  const char        *caller,
                  guint             *pool,
                  guint32           *index)
{
  ZcpLocate where = _zcp_mem_pool_manager_locate (self, chunk, pool, index);

  if (G_LIKELY (where == ZCP_LOCATE_OK))
    return TRUE;

  report_bad_chunk (self, chunk, where, caller);
  return FALSE;
}

/* The general release of chunk (chunk index of pool), any case. */
static void
unref_located (ZcpMemPoolManager *self,
               ZcpChunk          *chunk,
               guint              pool,
               guint32            index,
               const char        *caller)
{
  ZcpPoolLocal *pl;
  ZcpThreadCache *cache;
  guint32 last_state = 0;

  pl = &self->pools[pool];
  cache = _zcp_thread_cache_get (self);
  if (cache != NULL)
    {
      ZcpThreadCachePool *cp = &cache->fast.pools[pool];

      if (_zcp_thread_cache_n (cp) < cp->limit)
        last_state = self->owner_tag;
    }

  /* With last_state the owner tag, a last release leaves the chunk
   * cached: reference count 0, owned by this process. */
  switch (zcp_chunk_state_unref (&pl->slots[index], self->owner_tag, last_state))
    {
    case ZCP_UNREF_KEPT:
      break;
    case ZCP_UNREF_LAST:
      if (G_UNLIKELY (self->poison))
        memset (chunk, ZCP_POISON_BYTE, (gsize) pl->chunk_size);
      if (last_state != 0)
        {
          _zcp_thread_cache_put (cache, pool, index);
          break;
        }
      /* Pushes the chunk and takes it out of `used`. */
      zcp_pool_put (pl->desc, pl->slots, index, self->wide_cas);
      break;
    case ZCP_UNREF_NOT_IN_USE:
    default:
      g_critical (_("%s: chunk %u of pool %u of shared memory “%s” is not in use (released twice?)"),
                  caller, index, pool, self->shm->name);
      break;
    }
}

/* The body of every release but the fast path's. */
static void
unref_chunk_internal (ZcpMemPoolManager *self,
                      ZcpChunk          *chunk,
                      const char        *caller)
{
  guint pool;
  guint32 index;

  if (G_LIKELY (locate_or_report (self, chunk, caller, &pool, &index)))
    unref_located (self, chunk, pool, index, caller);
}

void
_zcp_mem_pool_manager_unref_chunk (ZcpMemPoolManager *self,
                                   ZcpChunk          *chunk,
                                   const char        *caller)
{
  unref_chunk_internal (self, chunk, caller);
}

gboolean
_zcp_mem_pool_manager_ref_chunk (ZcpMemPoolManager *self,
                                 ZcpChunk          *chunk,
                                 const char        *caller)
{
  guint pool;
  guint32 index;

  if (G_UNLIKELY (!locate_or_report (self, chunk, caller, &pool, &index)))
    return FALSE;

  switch (zcp_chunk_state_ref (&self->pools[pool].slots[index]))
    {
    case ZCP_REF_OK:
      return TRUE;
    case ZCP_REF_NOT_IN_USE:
      g_critical (_("%s: chunk %u of pool %u of shared memory “%s” is not in use"),
                  caller, index, pool, self->shm->name);
      return FALSE;
    case ZCP_REF_OVERFLOW:
    default:
      g_critical (_("%s: chunk %u of pool %u of shared memory “%s” has too many references"),
                  caller, index, pool, self->shm->name);
      return FALSE;
    }
}

/**
 * zcp_mem_pool_manager_release_chunk:
 * @self: a #ZcpMemPoolManager
 * @chunk: (transfer full): a chunk of @self's segment
 *
 * Drops the caller's reference to @chunk: the specification's
 * `releaseChunk()`.  When it was the last reference, in any process, the
 * chunk goes back to its pool.
 *
 * A pointer that is not the start of a chunk of this segment, or a chunk
 * that is not in use (released twice), is reported as a critical and
 * leaves the pools unchanged.
 *
 * Thread-safe and process-safe; lock-free.
 *
 * Since: 1.0
 */
static G_NO_INLINE void
release_chunk_slow (ZcpMemPoolManager *self,
                    ZcpChunk          *chunk)
{
  g_return_if_fail (IS_MANAGER_FAST (self) || ZCP_IS_MEM_POOL_MANAGER (self));
  g_return_if_fail (chunk != NULL);
  g_return_if_fail (!self->read_only);

  unref_chunk_internal (self, chunk, "zcp_mem_pool_manager_release_chunk");
}

/* A release that missed the thread's cache.  When the thread has a cache
 * of self (so self is valid): the general release of the chunk, without
 * the checks of self; everything else, NULL included, is
 * release_chunk_slow(). */
static inline __attribute__ ((always_inline)) void
release_chunk_miss (ZcpMemPoolManager *self,
                    ZcpChunk          *chunk)
{
  if (G_LIKELY (chunk != NULL && _zcp_thread_cache_is_for (_zcp_thread_cache_last (), self)))
    unref_chunk_internal (self, chunk, "zcp_mem_pool_manager_release_chunk");
  else
    release_chunk_slow (self, chunk);
}

/* The common case, a chunk this process holds alone released into the
 * thread's cache, is inline (zcp-fast-path.h), with nothing else on the
 * way (see get_chunk()); every other case, and every error, is
 * release_chunk_slow(). */
void
zcp_mem_pool_manager_release_chunk (ZcpMemPoolManager *self,
                                    ZcpChunk          *chunk)
{
  if (G_LIKELY (_zcp_fast_release_chunk (self, chunk)))
    return;

  release_chunk_miss (self, chunk);
}

void
_zcp_mem_pool_manager_release_chunk_miss (ZcpMemPoolManager *self,
                                          ZcpChunk          *chunk)
{
  release_chunk_miss (self, chunk);
}

/**
 * zcp_mem_pool_manager_flush_thread_cache:
 * @self: a #ZcpMemPoolManager
 *
 * Gives the chunks resting in the calling thread's cache of @self back to
 * the shared free lists.
 *
 * Each thread keeps up to 8 chunks per pool that it took and released
 * itself, so that a get after a release costs no shared atomic operation
 * (pools of fewer than 64 chunks are not cached).  Cached chunks are free:
 * the statistics count them in `free` (and in `cached`), and they go back
 * on their own when the thread exits, when the manager is finalized, when
 * the process exits or dies (zcp_mem_pool_manager_reclaim_dead()), and
 * when a get in any thread or process finds their pool empty (on the
 * caching thread's next get there).  Call this when a thread
 * that cached chunks goes idle for a long time; or turn caching off for a
 * segment with zcp_mem_pool_config_set_thread_cache().
 *
 * Since: 1.0
 */
void
zcp_mem_pool_manager_flush_thread_cache (ZcpMemPoolManager *self)
{
  g_return_if_fail (ZCP_IS_MEM_POOL_MANAGER (self));

  if (self->thread_cache)
    _zcp_thread_cache_flush_all (self);
}

/**
 * zcp_mem_pool_manager_owns_chunk:
 * @self: a #ZcpMemPoolManager
 * @address: (nullable): any address
 *
 * Tells whether @address is a chunk of this manager's segment.  Thread-
 * safe; it reads no shared state.
 *
 * Returns: %TRUE if @address is the start of a chunk of this segment
 *   (whether or not it is in use)
 *
 * Since: 1.0
 */
gboolean
zcp_mem_pool_manager_owns_chunk (ZcpMemPoolManager *self,
                                 gconstpointer      address)
{
  guint pool;
  guint32 index;

  g_return_val_if_fail (ZCP_IS_MEM_POOL_MANAGER (self), FALSE);

  return _zcp_mem_pool_manager_locate (self, address, &pool, &index) == ZCP_LOCATE_OK;
}

/**
 * zcp_mem_pool_manager_get_chunk_handle:
 * @self: a #ZcpMemPoolManager
 * @chunk: a chunk of @self's segment
 *
 * Gets a handle for @chunk that any process attached to the same segment
 * can turn back into the chunk with
 * zcp_mem_pool_manager_chunk_from_handle(): the offset of the chunk in
 * the segment.  The handle is plain data; send it over any channel.
 *
 * The reference count does not change: by convention the handle carries
 * one of the caller's references to the receiver.  Until the receiver
 * adopts it, the chunk is recorded as in transit, owned by no process, so
 * that crash reclaim leaves it alone.
 *
 * Returns: the handle, or 0 (never a valid handle) if @chunk is not a
 *   chunk of this segment
 *
 * Since: 1.0
 */
guint64
zcp_mem_pool_manager_get_chunk_handle (ZcpMemPoolManager *self,
                                       ZcpChunk          *chunk)
{
  guint pool;
  guint32 index;

  g_return_val_if_fail (ZCP_IS_MEM_POOL_MANAGER (self), 0);
  g_return_val_if_fail (chunk != NULL, 0);

  if (!locate_or_report (self, chunk, G_STRFUNC, &pool, &index))
    return 0;

  /* The reference the handle carries belongs to nobody until a receiver
   * adopts it: should this process die meanwhile, reclaim must not give the
   * chunk back under the receiver. */
  if (!self->read_only)
    zcp_chunk_state_set_owner (&self->pools[pool].slots[index],
                               ZCP_STATE_OWNER_TRANSIT << ZCP_STATE_OWNER_SHIFT);

  return (guint64) ((guint8 *) chunk - self->base);
}

/**
 * zcp_mem_pool_manager_share_chunk:
 * @self: a #ZcpMemPoolManager
 * @chunk: a chunk of @self's segment
 *
 * Takes a new reference to @chunk for a receiver and returns a handle that
 * carries it: zcp_chunk_ref() followed by
 * zcp_mem_pool_manager_get_chunk_handle().  The caller keeps its own
 * reference.  Call it once per receiver to fan a chunk out.
 *
 * This is the way to send a chunk from a language binding, where the
 * caller's own reference belongs to the binding's wrapper object and
 * cannot travel with the handle.
 *
 * Returns: the handle, or 0 if @chunk is not a chunk of this segment in use
 *
 * Since: 1.0
 */
guint64
zcp_mem_pool_manager_share_chunk (ZcpMemPoolManager *self,
                                  ZcpChunk          *chunk)
{
  guint64 handle;

  g_return_val_if_fail (ZCP_IS_MEM_POOL_MANAGER (self), 0);
  g_return_val_if_fail (chunk != NULL, 0);
  g_return_val_if_fail (!self->read_only, 0);

  handle = zcp_mem_pool_manager_get_chunk_handle (self, chunk);
  if (handle == 0 || !_zcp_mem_pool_manager_ref_chunk (self, chunk, G_STRFUNC))
    return 0;

  return handle;
}

static guint8 *
resolve_handle (ZcpMemPoolManager  *self,
                guint64             handle,
                guint              *pool,
                guint32            *index,
                GError            **error)
{
  guint8 *address;
  ZcpLocate where;
  guint32 state;

  if (handle >= self->size)
    {
      g_set_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_INVALID_HANDLE,
                   _("Chunk handle %llu is outside shared memory “%s” (%llu bytes)"),
                   (unsigned long long) handle, self->shm->name, (unsigned long long) self->size);
      return NULL;
    }

  address = self->base + handle;
  where = _zcp_mem_pool_manager_locate (self, address, pool, index);
  if (where != ZCP_LOCATE_OK)
    {
      g_set_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_INVALID_HANDLE,
                   _("Chunk handle %llu is not the start of a chunk of shared memory “%s”"),
                   (unsigned long long) handle, self->shm->name);
      return NULL;
    }

  /* Acquire: pairs with the release part of the sender's reference-count
   * updates, so that what it wrote before handing the chunk on is seen. */
  state = atomic_load_explicit (&self->pools[*pool].slots[*index].state, memory_order_acquire);
  if ((state & ZCP_STATE_REFS_MASK) == 0)
    {
      g_set_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_INVALID_HANDLE,
                   _("Chunk handle %llu names chunk %u of pool %u of shared memory “%s”, which is not in use"),
                   (unsigned long long) handle, *index, *pool, self->shm->name);
      return NULL;
    }

  return address;
}

/**
 * zcp_mem_pool_manager_chunk_from_handle:
 * @self: a #ZcpMemPoolManager
 * @handle: a handle from zcp_mem_pool_manager_get_chunk_handle(), in this
 *   or another process attached to the same segment
 * @error: return location for a #GError, or %NULL
 *
 * Turns a handle back into a chunk of this process's mapping, after
 * checking that it is in range, on a chunk boundary and names a chunk that
 * is in use (%ZCP_MEM_POOL_ERROR_INVALID_HANDLE otherwise).
 *
 * The returned chunk adopts the reference that the handle carries: the
 * receiver releases it when done, and the sender must not release that
 * reference too.
 *
 * Returns: (transfer full): the chunk, or %NULL with @error set
 *
 * Since: 1.0
 */
ZcpChunk *
zcp_mem_pool_manager_chunk_from_handle (ZcpMemPoolManager  *self,
                                        guint64             handle,
                                        GError            **error)
{
  guint pool;
  guint32 index;

  g_return_val_if_fail (ZCP_IS_MEM_POOL_MANAGER (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self->read_only)
    {
      g_set_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_READ_ONLY,
                   _("Cannot adopt a chunk of shared memory “%s”: it is attached read-only; use zcp_mem_pool_manager_lookup_handle()"),
                   self->shm->name);
      return NULL;
    }

  if (resolve_handle (self, handle, &pool, &index, error) == NULL)
    return NULL;

  /* The adopter becomes the chunk's owner, so that a sender that dies
   * after handing the chunk on does not have it reclaimed. */
  _zcp_mem_pool_manager_adopt_chunk (self, pool, index);

  return (ZcpChunk *) (self->base + handle);
}

/**
 * zcp_mem_pool_manager_lookup_handle:
 * @self: a #ZcpMemPoolManager
 * @handle: a chunk handle
 * @size: (out) (optional): return location for the chunk's size
 * @error: return location for a #GError, or %NULL
 *
 * Validates @handle like zcp_mem_pool_manager_chunk_from_handle() and
 * returns the address of the chunk's payload, without taking or adopting a
 * reference.  This works on read-only attachments too; the payload stays
 * valid only while somebody holds a reference.
 *
 * Language bindings get a copy of the payload as a byte array: the way a
 * reader that attached read-only (or that must not touch the reference
 * count) reads a chunk whose handle it was sent.
 *
 * Returns: (transfer none) (nullable) (array length=size) (element-type guint8):
 *   the payload, or %NULL with @error set
 *
 * Since: 1.0
 */
gconstpointer
zcp_mem_pool_manager_lookup_handle (ZcpMemPoolManager  *self,
                                    guint64             handle,
                                    gsize              *size,
                                    GError            **error)
{
  guint pool;
  guint32 index;
  guint8 *address;

  g_return_val_if_fail (ZCP_IS_MEM_POOL_MANAGER (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  address = resolve_handle (self, handle, &pool, &index, error);
  if (address != NULL && size != NULL)
    *size = (gsize) self->pools[pool].chunk_size;

  return address;
}

/**
 * zcp_mem_pool_manager_get_pool_count:
 * @self: a #ZcpMemPoolManager
 *
 * Gets the number of pools of the segment.
 *
 * Returns: the number of pools in the segment
 *
 * Since: 1.0
 */
guint
zcp_mem_pool_manager_get_pool_count (ZcpMemPoolManager *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_MANAGER (self), 0);

  return self->n_pools;
}

/**
 * zcp_mem_pool_manager_get_pool_stats:
 * @self: a #ZcpMemPoolManager
 * @index: a pool, 0 for the smallest chunk size
 * @stats: (out caller-allocates): return location for the statistics
 *
 * Reads one pool's statistics from the segment; they are shared by every
 * process attached to it.
 *
 * Returns: %TRUE if @index is in range
 *
 * Since: 1.0
 */
gboolean
zcp_mem_pool_manager_get_pool_stats (ZcpMemPoolManager *self,
                                     guint              index,
                                     ZcpMemPoolStats   *stats)
{
  const ZcpPoolLocal *pl;
  guint32 used, cached;

  g_return_val_if_fail (ZCP_IS_MEM_POOL_MANAGER (self), FALSE);
  g_return_val_if_fail (stats != NULL, FALSE);

  if (index >= self->n_pools)
    return FALSE;

  pl = &self->pools[index];
  /* Relaxed: statistics order nothing.  `used` counts every chunk off the
   * free list, cached ones included; the records count those. */
  used = atomic_load_explicit (&pl->desc->used, memory_order_relaxed);
  cached = zcp_segment_cached (self->base, index);
  stats->chunk_size = pl->chunk_size;
  stats->chunk_count = pl->count;
  stats->cached = MIN (cached, pl->count);
  stats->used = used > cached ? MIN (used - cached, pl->count) : 0;
  stats->free = pl->count - stats->used;
  stats->low_water = atomic_load_explicit (&pl->desc->low_water, memory_order_relaxed);
  stats->failed_gets = atomic_load_explicit (&pl->desc->failed_gets, memory_order_relaxed);

  return TRUE;
}

/**
 * zcp_mem_pool_stats_copy: (skip)
 * @stats: a #ZcpMemPoolStats
 *
 * Copies a #ZcpMemPoolStats.
 *
 * Returns: (transfer full): a copy of @stats, to free with
 *   zcp_mem_pool_stats_free()
 *
 * Since: 1.0
 */
ZcpMemPoolStats *
zcp_mem_pool_stats_copy (const ZcpMemPoolStats *stats)
{
  g_return_val_if_fail (stats != NULL, NULL);

  return g_memdup2 (stats, sizeof *stats);
}

/**
 * zcp_mem_pool_stats_free: (skip)
 * @stats: a #ZcpMemPoolStats
 *
 * Frees a copy made by zcp_mem_pool_stats_copy().
 *
 * Language bindings do not see this function (nor the copy function): they
 * copy and free the boxed type themselves, and its method `free` would hide
 * the @free field.
 *
 * Since: 1.0
 */
void
zcp_mem_pool_stats_free (ZcpMemPoolStats *stats)
{
  g_free (stats);
}

/**
 * zcp_mem_pool_manager_log_pools:
 * @self: a #ZcpMemPoolManager
 *
 * Logs one Info line per pool, `Pool N: chunk_size=…, count=…, used=…`, in
 * the `Zcp` log domain, as the specification's allocator does after
 * initializing the pools.
 *
 * Since: 1.0
 */
void
zcp_mem_pool_manager_log_pools (ZcpMemPoolManager *self)
{
  g_return_if_fail (ZCP_IS_MEM_POOL_MANAGER (self));

  for (guint i = 0; i < self->n_pools; i++)
    {
      ZcpMemPoolStats stats;

      zcp_mem_pool_manager_get_pool_stats (self, i, &stats);
      g_info (_("Pool %u: chunk_size=%llu, count=%u, used=%u"),
              i, (unsigned long long) stats.chunk_size, stats.chunk_count, stats.used);
    }
}

/**
 * zcp_mem_pool_manager_get_name:
 * @self: a #ZcpMemPoolManager
 *
 * Gets the POSIX name of the manager's segment.
 *
 * Returns: the POSIX name of the segment
 *
 * Since: 1.0
 */
const char *
zcp_mem_pool_manager_get_name (ZcpMemPoolManager *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_MANAGER (self), NULL);

  return self->shm != NULL ? self->shm->name : NULL;
}

/**
 * zcp_mem_pool_manager_get_segment_id:
 * @self: a #ZcpMemPoolManager
 *
 * Gets the random identifier the creator wrote into the segment header; it
 * tells two segments of the same name apart.
 *
 * Returns: the identifier the creator gave the segment
 *
 * Since: 1.0
 */
guint64
zcp_mem_pool_manager_get_segment_id (ZcpMemPoolManager *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_MANAGER (self), 0);

  return self->segment_id;
}

/**
 * zcp_mem_pool_manager_get_base_address:
 * @self: a #ZcpMemPoolManager
 *
 * Gets the address at which this process maps the segment.
 *
 * Returns: (transfer none): where the segment is mapped in this process
 *
 * Since: 1.0
 */
gpointer
zcp_mem_pool_manager_get_base_address (ZcpMemPoolManager *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_MANAGER (self), NULL);

  return self->base;
}

/**
 * zcp_mem_pool_manager_get_memory_size:
 * @self: a #ZcpMemPoolManager
 *
 * Gets the size of the segment.
 *
 * Returns: the size of the segment in bytes
 *
 * Since: 1.0
 */
guint64
zcp_mem_pool_manager_get_memory_size (ZcpMemPoolManager *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_MANAGER (self), 0);

  return self->size;
}

/**
 * zcp_mem_pool_manager_is_read_only:
 * @self: a #ZcpMemPoolManager
 *
 * Tells whether the manager was opened with %ZCP_OPEN_FLAGS_READ_ONLY.
 *
 * Returns: whether the segment is mapped read-only
 *
 * Since: 1.0
 */
gboolean
zcp_mem_pool_manager_is_read_only (ZcpMemPoolManager *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_MANAGER (self), FALSE);

  return self->read_only;
}

/**
 * zcp_mem_pool_manager_get_fallback:
 * @self: a #ZcpMemPoolManager
 *
 * Gets whether a get whose best-fitting pool is empty falls back to a larger
 * pool in this segment (see zcp_mem_pool_config_set_fallback()).  The
 * setting is stored in the segment, so every attached process sees the
 * creator's.
 *
 * Returns: %TRUE if gets fall back to larger pools
 *
 * Since: 1.0
 */
gboolean
zcp_mem_pool_manager_get_fallback (ZcpMemPoolManager *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_MANAGER (self), FALSE);

  return self->fallback;
}

/**
 * zcp_mem_pool_manager_get_thread_cache:
 * @self: a #ZcpMemPoolManager
 *
 * Gets whether the segment lets threads cache chunks (see
 * zcp_mem_pool_config_set_thread_cache()), as its creator configured it.
 * The setting is stored in the segment, so every attached process sees the
 * creator's; `ZCP_DEBUG=no-thread-cache` turns caching off in one process
 * without changing it.
 *
 * Returns: %TRUE if the segment's configuration lets threads cache chunks
 *
 * Since: 1.0
 */
gboolean
zcp_mem_pool_manager_get_thread_cache (ZcpMemPoolManager *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_MANAGER (self), FALSE);

  return (zcp_segment_header (self->base)->flags & ZCP_SEGMENT_FLAG_NO_THREAD_CACHE) == 0;
}

/**
 * zcp_mem_pool_manager_is_initialized:
 * @self: a #ZcpMemPoolManager
 *
 * Tells whether the manager is ready to hand out chunks.
 *
 * Returns: %TRUE when the manager's segment is mapped and its pools are
 *   laid out (always the case for a manager you can get hold of)
 *
 * Since: 1.0
 */
gboolean
zcp_mem_pool_manager_is_initialized (ZcpMemPoolManager *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_MANAGER (self), FALSE);

  return self->base != NULL && self->n_pools > 0;
}
