/* zcp-mem-pool-config.c: which pools a segment holds
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "zcp-error.h"
#include "zcp-mem-pool-config.h"
#include "zcp-mem-pool-config-private.h"
#include "zcp-private.h"

/**
 * ZcpMemPoolConfig:
 *
 * The list of pools of a segment, each a (chunk size, chunk count) pair: the
 * specification's `MemPoolConfig`.
 *
 * Entries are kept in ascending chunk size, whatever order they are added
 * in; each entry is validated when it is added (size and count not zero,
 * size × count and the whole segment within the address space, at most
 * %ZCP_MEM_POOL_MAX_POOLS entries, no two entries of the same size).
 *
 * Once a #ZcpMemPoolAllocator is constructed from a configuration, the
 * configuration is sealed: it can no longer change, and several allocators
 * may share it (from any thread, since it no longer changes).  Before it is
 * sealed a configuration is not thread-safe.
 *
 * A configuration can also come from a file
 * (zcp_mem_pool_config_new_from_file(), which describes the format) and be
 * written back to one (zcp_mem_pool_config_to_string()).
 *
 * |[<!-- language="C" -->
 * g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
 * g_autoptr(GError) error = NULL;
 *
 * if (!zcp_mem_pool_config_add_entry (config, 256, 1000, &error) ||
 *     !zcp_mem_pool_config_add_entry (config, 1024, 500, &error) ||
 *     !zcp_mem_pool_config_add_entry (config, 4096, 200, &error))
 *   g_error ("%s", error->message);
 * ]|
 *
 * Since: 1.0
 */

struct _ZcpMemPoolConfig
{
  GObject parent_instance;

  GArray *entries;       /* (owned) (element-type ZcpPoolSpec), ascending */
  guint permissions;
  guint sealed : 1;
  /* Plain gbooleans, not bit-fields: set_flag() takes their address. */
  gboolean fallback;
  gboolean prefault;
  gboolean lock_memory;
  gboolean thread_cache;
};

G_DEFINE_FINAL_TYPE (ZcpMemPoolConfig, zcp_mem_pool_config, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_N_ENTRIES,
  PROP_SEALED,
  PROP_PERMISSIONS,
  PROP_FALLBACK,
  PROP_PREFAULT,
  PROP_THREAD_CACHE,
  PROP_MLOCK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
zcp_mem_pool_config_finalize (GObject *object)
{
  ZcpMemPoolConfig *self = (ZcpMemPoolConfig *) object;

  g_clear_pointer (&self->entries, g_array_unref);

  G_OBJECT_CLASS (zcp_mem_pool_config_parent_class)->finalize (object);
}

static void
zcp_mem_pool_config_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ZcpMemPoolConfig *self = ZCP_MEM_POOL_CONFIG (object);

  switch (prop_id)
    {
    case PROP_N_ENTRIES:
      g_value_set_uint (value, self->entries->len);
      break;
    case PROP_SEALED:
      g_value_set_boolean (value, self->sealed);
      break;
    case PROP_PERMISSIONS:
      g_value_set_uint (value, self->permissions);
      break;
    case PROP_FALLBACK:
      g_value_set_boolean (value, self->fallback);
      break;
    case PROP_PREFAULT:
      g_value_set_boolean (value, self->prefault);
      break;
    case PROP_MLOCK:
      g_value_set_boolean (value, self->lock_memory);
      break;
    case PROP_THREAD_CACHE:
      g_value_set_boolean (value, self->thread_cache);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zcp_mem_pool_config_class_init (ZcpMemPoolConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _zcp_i18n_init ();

  object_class->finalize = zcp_mem_pool_config_finalize;
  object_class->get_property = zcp_mem_pool_config_get_property;

  /**
   * ZcpMemPoolConfig:n-entries:
   *
   * The number of pools configured.
   *
   * Since: 1.0
   */
  properties[PROP_N_ENTRIES] =
    g_param_spec_uint ("n-entries", NULL, NULL,
                       0, ZCP_MEM_POOL_MAX_POOLS, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ZcpMemPoolConfig:sealed:
   *
   * Whether an allocator uses this configuration, so that it can no
   * longer change.
   *
   * Since: 1.0
   */
  properties[PROP_SEALED] =
    g_param_spec_boolean ("sealed", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ZcpMemPoolConfig:permissions:
   *
   * The file mode bits a segment is created with (default
   * %ZCP_MEM_POOL_DEFAULT_PERMISSIONS).
   *
   * Since: 1.0
   */
  properties[PROP_PERMISSIONS] =
    g_param_spec_uint ("permissions", NULL, NULL, 0, 0777, ZCP_MEM_POOL_DEFAULT_PERMISSIONS,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ZcpMemPoolConfig:fallback:
   *
   * Whether a get whose best-fitting pool is empty may take a chunk of the
   * next larger pool that has one (off by default, as in the
   * specification).
   *
   * Since: 1.0
   */
  properties[PROP_FALLBACK] =
    g_param_spec_boolean ("fallback", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ZcpMemPoolConfig:prefault:
   *
   * Whether the allocator touches every page of the segment once it is
   * laid out (or attached), so that the first get of each chunk takes no
   * page fault (off by default).
   *
   * Since: 1.0
   */
  properties[PROP_PREFAULT] =
    g_param_spec_boolean ("prefault", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ZcpMemPoolConfig:mlock:
   *
   * Whether the allocator locks the segment in RAM with mlock(2), so that
   * it is never swapped out (off by default).  A lock refused by
   * `RLIMIT_MEMLOCK` is a warning, not a failure.
   *
   * Since: 1.0
   */
  properties[PROP_MLOCK] =
    g_param_spec_boolean ("mlock", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ZcpMemPoolConfig:thread-cache:
   *
   * Whether each thread keeps a few chunks it released for its next gets
   * (on by default); see zcp_mem_pool_config_set_thread_cache().
   *
   * Since: 1.0
   */
  properties[PROP_THREAD_CACHE] =
    g_param_spec_boolean ("thread-cache", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
zcp_mem_pool_config_init (ZcpMemPoolConfig *self)
{
  self->thread_cache = TRUE;
  self->entries = g_array_new (FALSE, FALSE, sizeof (ZcpPoolSpec));
  self->permissions = ZCP_MEM_POOL_DEFAULT_PERMISSIONS;
}

/**
 * zcp_mem_pool_config_new:
 *
 * Creates an empty configuration.
 *
 * Returns: (transfer full): a new #ZcpMemPoolConfig
 *
 * Since: 1.0
 */
ZcpMemPoolConfig *
zcp_mem_pool_config_new (void)
{
  return g_object_new (ZCP_TYPE_MEM_POOL_CONFIG, NULL);
}

static gboolean
check_not_sealed (ZcpMemPoolConfig  *self,
                  GError           **error)
{
  if (self->sealed)
    {
      g_set_error_literal (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_SEALED,
                           _("The memory pool configuration is used by an allocator and can no longer change"));
      return FALSE;
    }
  return TRUE;
}

/* The body of the boolean setters: refused once sealed, notifies on change. */
static gboolean
set_flag (ZcpMemPoolConfig  *self,
          gboolean          *field,
          gboolean           value,
          guint              prop_id,
          GError           **error)
{
  if (!check_not_sealed (self, error))
    return FALSE;

  value = !!value;
  if (*field != value)
    {
      *field = value;
      g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
    }

  return TRUE;
}

/**
 * zcp_mem_pool_config_add_entry:
 * @self: a #ZcpMemPoolConfig
 * @chunk_size: usable bytes of each chunk, 1 to %ZCP_MEM_POOL_MAX_CHUNK_SIZE
 * @chunk_count: number of chunks, 1 to %ZCP_MEM_POOL_MAX_CHUNK_COUNT
 * @error: return location for a #GError, or %NULL
 *
 * Adds a pool of @chunk_count chunks of @chunk_size bytes: the
 * specification's `addMemPoolEntry()`.  The entry is inserted so that the
 * entries stay in ascending chunk size.
 *
 * Fails with %ZCP_MEM_POOL_ERROR_INVALID_CHUNK_SIZE,
 * %ZCP_MEM_POOL_ERROR_INVALID_CHUNK_COUNT, %ZCP_MEM_POOL_ERROR_OVERFLOW (the
 * pool, or the whole segment with it, would not fit the address space),
 * %ZCP_MEM_POOL_ERROR_TOO_MANY_POOLS, %ZCP_MEM_POOL_ERROR_DUPLICATE_SIZE or
 * %ZCP_MEM_POOL_ERROR_SEALED; the configuration is then unchanged.
 *
 * Returns: %TRUE if the entry was added
 *
 * Since: 1.0
 */
gboolean
zcp_mem_pool_config_add_entry (ZcpMemPoolConfig  *self,
                               guint64            chunk_size,
                               guint32            chunk_count,
                               GError           **error)
{
  ZcpPoolSpec spec = { chunk_size, chunk_count };
  ZcpPoolSpec specs[ZCP_MEM_POOL_MAX_POOLS];
  guint64 bytes, total;
  guint pos, n;

  g_return_val_if_fail (ZCP_IS_MEM_POOL_CONFIG (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_not_sealed (self, error))
    return FALSE;

  if (chunk_size == 0 || chunk_size > ZCP_MEM_POOL_MAX_CHUNK_SIZE)
    {
      g_set_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_INVALID_CHUNK_SIZE,
                   _("Invalid chunk size %llu: it must be between 1 and %llu bytes"),
                   (unsigned long long) chunk_size,
                   (unsigned long long) ZCP_MEM_POOL_MAX_CHUNK_SIZE);
      return FALSE;
    }

  if (chunk_count == 0 || chunk_count > ZCP_MEM_POOL_MAX_CHUNK_COUNT)
    {
      g_set_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_INVALID_CHUNK_COUNT,
                   _("Invalid chunk count %u for chunks of %llu bytes: it must be between 1 and %u"),
                   chunk_count, (unsigned long long) chunk_size, ZCP_MEM_POOL_MAX_CHUNK_COUNT);
      return FALSE;
    }

  if (__builtin_mul_overflow (chunk_size, (guint64) chunk_count, &bytes) ||
      bytes > (guint64) G_MAXSSIZE)
    {
      g_set_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_OVERFLOW,
                   _("A pool of %u chunks of %llu bytes does not fit the address space"),
                   chunk_count, (unsigned long long) chunk_size);
      return FALSE;
    }

  if (self->entries->len >= ZCP_MEM_POOL_MAX_POOLS)
    {
      g_set_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_TOO_MANY_POOLS,
                   _("Too many memory pools: at most %d are allowed"), ZCP_MEM_POOL_MAX_POOLS);
      return FALSE;
    }

  for (pos = 0; pos < self->entries->len; pos++)
    {
      const ZcpPoolSpec *e = &g_array_index (self->entries, ZcpPoolSpec, pos);

      if (e->chunk_size == chunk_size)
        {
          g_set_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_DUPLICATE_SIZE,
                       _("There is already a pool of %llu-byte chunks"),
                       (unsigned long long) chunk_size);
          return FALSE;
        }
      if (e->chunk_size > chunk_size)
        break;
    }

  /* The whole segment, with this entry, must fit the address space too. */
  n = self->entries->len;
  /* An empty GArray's data may be NULL, and memcpy from NULL is undefined
   * even for 0 bytes (UBSan's nonnull-attribute check). */
  if (n > 0)
    memcpy (specs, self->entries->data, n * sizeof (ZcpPoolSpec));
  memmove (&specs[pos + 1], &specs[pos], (n - pos) * sizeof (ZcpPoolSpec));
  specs[pos] = spec;
  if (!zcp_segment_compute_layout (specs, n + 1, NULL, NULL, NULL, &total) ||
      total > (guint64) G_MAXSSIZE)
    {
      g_set_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_OVERFLOW,
                   _("With a pool of %u chunks of %llu bytes the segment would not fit the address space"),
                   chunk_count, (unsigned long long) chunk_size);
      return FALSE;
    }

  g_array_insert_val (self->entries, pos, spec);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ENTRIES]);

  return TRUE;
}

/**
 * zcp_mem_pool_config_get_n_entries:
 * @self: a #ZcpMemPoolConfig
 *
 * Gets the number of entries (pools) of the configuration.
 *
 * Returns: the number of pools configured
 *
 * Since: 1.0
 */
guint
zcp_mem_pool_config_get_n_entries (ZcpMemPoolConfig *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_CONFIG (self), 0);

  return self->entries->len;
}

/**
 * zcp_mem_pool_config_get_entry:
 * @self: a #ZcpMemPoolConfig
 * @index: the entry, 0 for the smallest chunk size
 * @chunk_size: (out) (optional): return location for the chunk size
 * @chunk_count: (out) (optional): return location for the chunk count
 *
 * Gets the entry at @index, in ascending chunk size.
 *
 * Returns: %TRUE if @index is in range
 *
 * Since: 1.0
 */
gboolean
zcp_mem_pool_config_get_entry (ZcpMemPoolConfig *self,
                               guint             index,
                               guint64          *chunk_size,
                               guint32          *chunk_count)
{
  const ZcpPoolSpec *e;

  g_return_val_if_fail (ZCP_IS_MEM_POOL_CONFIG (self), FALSE);

  if (index >= self->entries->len)
    return FALSE;

  e = &g_array_index (self->entries, ZcpPoolSpec, index);
  if (chunk_size != NULL)
    *chunk_size = e->chunk_size;
  if (chunk_count != NULL)
    *chunk_count = e->chunk_count;

  return TRUE;
}

/**
 * zcp_mem_pool_config_get_chunk_size:
 * @self: a #ZcpMemPoolConfig
 * @index: the entry, 0 for the smallest chunk size
 *
 * Gets the chunk size of one entry, in bytes.
 *
 * Returns: the chunk size of entry @index, or 0 if @index is out of range
 *
 * Since: 1.0
 */
guint64
zcp_mem_pool_config_get_chunk_size (ZcpMemPoolConfig *self,
                                    guint             index)
{
  guint64 size = 0;

  zcp_mem_pool_config_get_entry (self, index, &size, NULL);
  return size;
}

/**
 * zcp_mem_pool_config_get_chunk_count:
 * @self: a #ZcpMemPoolConfig
 * @index: the entry, 0 for the smallest chunk size
 *
 * Gets the number of chunks of one entry.
 *
 * Returns: the chunk count of entry @index, or 0 if @index is out of range
 *
 * Since: 1.0
 */
guint32
zcp_mem_pool_config_get_chunk_count (ZcpMemPoolConfig *self,
                                     guint             index)
{
  guint32 count = 0;

  zcp_mem_pool_config_get_entry (self, index, NULL, &count);
  return count;
}

/**
 * zcp_mem_pool_config_get_memory_size:
 * @self: a #ZcpMemPoolConfig
 *
 * Computes the size of a segment holding these pools: the header, the pool
 * descriptors, the process table, 8 management bytes per chunk and the
 * chunks themselves, each rounded up to 64 bytes.  This is what
 * zcp_mem_pool_allocator_get_memory_size() reports.
 *
 * Returns: the segment size in bytes, or 0 for an empty configuration
 *
 * Since: 1.0
 */
guint64
zcp_mem_pool_config_get_memory_size (ZcpMemPoolConfig *self)
{
  guint64 total = 0;

  g_return_val_if_fail (ZCP_IS_MEM_POOL_CONFIG (self), 0);

  if (self->entries->len == 0)
    return 0;

  /* add_entry() refused anything that would overflow. */
  if (!zcp_segment_compute_layout ((const ZcpPoolSpec *) (const void *) self->entries->data,
                                   self->entries->len, NULL, NULL, NULL, &total))
    g_return_val_if_reached (0);

  return total;
}

/**
 * zcp_mem_pool_config_is_sealed:
 * @self: a #ZcpMemPoolConfig
 *
 * Tells whether the configuration can still change: it cannot once an
 * allocator uses it.
 *
 * Returns: %TRUE once an allocator uses this configuration
 *
 * Since: 1.0
 */
gboolean
zcp_mem_pool_config_is_sealed (ZcpMemPoolConfig *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_CONFIG (self), FALSE);

  return self->sealed;
}

/**
 * zcp_mem_pool_config_set_permissions:
 * @self: a #ZcpMemPoolConfig
 * @permissions: file mode bits (at most 0777) for a newly created segment
 * @error: return location for a #GError, or %NULL
 *
 * Sets the mode a segment is created with.  The default,
 * %ZCP_MEM_POOL_DEFAULT_PERMISSIONS, lets only the creating user in; 0640
 * lets the group attach read-only, 0660 read-write.  The process umask does
 * not apply.
 *
 * Returns: %TRUE on success, %FALSE if the configuration is sealed
 *
 * Since: 1.0
 */
gboolean
zcp_mem_pool_config_set_permissions (ZcpMemPoolConfig  *self,
                                     guint              permissions,
                                     GError           **error)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_CONFIG (self), FALSE);
  g_return_val_if_fail (permissions <= 0777, FALSE);

  if (!check_not_sealed (self, error))
    return FALSE;

  if (self->permissions != permissions)
    {
      self->permissions = permissions;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PERMISSIONS]);
    }

  return TRUE;
}

/**
 * zcp_mem_pool_config_get_permissions:
 * @self: a #ZcpMemPoolConfig
 *
 * Gets the file mode set by zcp_mem_pool_config_set_permissions().
 *
 * Returns: the mode a segment is created with
 *
 * Since: 1.0
 */
guint
zcp_mem_pool_config_get_permissions (ZcpMemPoolConfig *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_CONFIG (self), ZCP_MEM_POOL_DEFAULT_PERMISSIONS);

  return self->permissions;
}

/**
 * zcp_mem_pool_config_set_fallback:
 * @self: a #ZcpMemPoolConfig
 * @fallback: whether a get may fall back to a larger pool
 * @error: return location for a #GError, or %NULL
 *
 * Lets a get whose best-fitting pool is empty take a chunk from the next
 * larger pool that has one, instead of failing.  Off by default.  The
 * setting is stored in the segment, so every process attached to it
 * behaves the same.
 *
 * Returns: %TRUE on success, %FALSE if the configuration is sealed
 *
 * Since: 1.0
 */
gboolean
zcp_mem_pool_config_set_fallback (ZcpMemPoolConfig  *self,
                                  gboolean           fallback,
                                  GError           **error)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_CONFIG (self), FALSE);

  return set_flag (self, &self->fallback, fallback, PROP_FALLBACK, error);
}

/**
 * zcp_mem_pool_config_get_fallback:
 * @self: a #ZcpMemPoolConfig
 *
 * Gets the value set by zcp_mem_pool_config_set_fallback().
 *
 * Returns: whether a get may fall back to a larger pool
 *
 * Since: 1.0
 */
gboolean
zcp_mem_pool_config_get_fallback (ZcpMemPoolConfig *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_CONFIG (self), FALSE);

  return self->fallback;
}

/**
 * zcp_mem_pool_config_set_thread_cache:
 * @self: a #ZcpMemPoolConfig
 * @thread_cache: whether threads may cache chunks
 * @error: return location for a #GError, or %NULL
 *
 * Lets each thread keep up to 8 chunks per pool that it took and then
 * released, for its next gets: a get after a release then costs one
 * relaxed store instead of a pop from the shared list, and a release one
 * atomic operation instead of two.  On by default.
 *
 * Cached chunks are free (the statistics count them in `free`), but only
 * their thread hands them out; they go back to the shared list when a get
 * anywhere finds their pool empty (on the caching thread's next call), when
 * the thread exits, and in the other cases listed for
 * zcp_mem_pool_manager_flush_thread_cache().  Pools of fewer than 64 chunks
 * are never cached.  Turn caching off where every chunk must be available
 * to every process at every instant.  The setting is stored in the
 * segment, so every process attached to it behaves the same; `ZCP_DEBUG=
 * no-thread-cache` turns caching off in one process.
 *
 * Returns: %TRUE on success, %FALSE if the configuration is sealed
 *
 * Since: 1.0
 */
gboolean
zcp_mem_pool_config_set_thread_cache (ZcpMemPoolConfig  *self,
                                      gboolean           thread_cache,
                                      GError           **error)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_CONFIG (self), FALSE);

  return set_flag (self, &self->thread_cache, thread_cache, PROP_THREAD_CACHE, error);
}

/**
 * zcp_mem_pool_config_get_thread_cache:
 * @self: a #ZcpMemPoolConfig
 *
 * Gets the value set by zcp_mem_pool_config_set_thread_cache().
 *
 * Returns: whether threads may cache chunks
 *
 * Since: 1.0
 */
gboolean
zcp_mem_pool_config_get_thread_cache (ZcpMemPoolConfig *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_CONFIG (self), TRUE);

  return self->thread_cache;
}

void
_zcp_mem_pool_config_seal (ZcpMemPoolConfig *self)
{
  if (!self->sealed)
    {
      self->sealed = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEALED]);
    }
}

/* Copies the entries (ascending) into specs, which has room for
 * ZCP_MEM_POOL_MAX_POOLS; returns how many. */
guint
_zcp_mem_pool_config_get_specs (ZcpMemPoolConfig *self,
                                ZcpPoolSpec      *specs)
{
  memcpy (specs, self->entries->data, self->entries->len * sizeof (ZcpPoolSpec));
  return self->entries->len;
}

/**
 * zcp_mem_pool_config_set_prefault:
 * @self: a #ZcpMemPoolConfig
 * @prefault: whether to fault every page of the segment in at once
 * @error: return location for a #GError, or %NULL
 *
 * Makes zcp_mem_pool_allocator_initialize_mem_pools() map every page of
 * the segment into the process once the pools are laid out (or, for an
 * allocator that attaches, once it is attached), so that the first use of
 * each chunk takes no page fault: latency moves from the first gets to
 * start-up.  Off by default.  It is a property of each process's mapping,
 * not of the segment.
 *
 * Returns: %TRUE on success, %FALSE if the configuration is sealed
 *
 * Since: 1.0
 */
gboolean
zcp_mem_pool_config_set_prefault (ZcpMemPoolConfig  *self,
                                  gboolean           prefault,
                                  GError           **error)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_CONFIG (self), FALSE);

  return set_flag (self, &self->prefault, prefault, PROP_PREFAULT, error);
}

/**
 * zcp_mem_pool_config_get_prefault:
 * @self: a #ZcpMemPoolConfig
 *
 * Gets the value set by zcp_mem_pool_config_set_prefault().
 *
 * Returns: whether the allocator faults every page of the segment in
 *
 * Since: 1.0
 */
gboolean
zcp_mem_pool_config_get_prefault (ZcpMemPoolConfig *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_CONFIG (self), FALSE);

  return self->prefault;
}

/**
 * zcp_mem_pool_config_set_mlock:
 * @self: a #ZcpMemPoolConfig
 * @lock_memory: whether to lock the segment in RAM
 * @error: return location for a #GError, or %NULL
 *
 * Makes zcp_mem_pool_allocator_initialize_mem_pools() lock the whole
 * segment in RAM with mlock(2), so that no chunk is ever swapped out.  Off
 * by default.  The lock belongs to the process's mapping and ends when it
 * is unmapped.
 *
 * Locking needs `RLIMIT_MEMLOCK` (`ulimit -l`) to be at least the segment
 * size, or the `CAP_IPC_LOCK` capability.  When the system refuses, the
 * allocator logs a warning that names the segment, its size and the limit,
 * and goes on unlocked: the segment works, it just may be swapped.
 *
 * Returns: %TRUE on success, %FALSE if the configuration is sealed
 *
 * Since: 1.0
 */
gboolean
zcp_mem_pool_config_set_mlock (ZcpMemPoolConfig  *self,
                               gboolean           lock_memory,
                               GError           **error)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_CONFIG (self), FALSE);

  return set_flag (self, &self->lock_memory, lock_memory, PROP_MLOCK, error);
}

/**
 * zcp_mem_pool_config_get_mlock:
 * @self: a #ZcpMemPoolConfig
 *
 * Gets the value set by zcp_mem_pool_config_set_mlock().
 *
 * Returns: whether the allocator locks the segment in RAM
 *
 * Since: 1.0
 */
gboolean
zcp_mem_pool_config_get_mlock (ZcpMemPoolConfig *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_CONFIG (self), FALSE);

  return self->lock_memory;
}

/**
 * zcp_mem_pool_config_equal:
 * @self: a #ZcpMemPoolConfig
 * @other: another #ZcpMemPoolConfig
 *
 * Compares two configurations: the same pools and the same permissions,
 * fallback, prefault, mlock and thread-cache settings.  Whether either is sealed does not
 * matter.
 *
 * Returns: %TRUE if @self and @other describe the same segment
 *
 * Since: 1.0
 */
gboolean
zcp_mem_pool_config_equal (ZcpMemPoolConfig *self,
                           ZcpMemPoolConfig *other)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_CONFIG (self), FALSE);
  g_return_val_if_fail (ZCP_IS_MEM_POOL_CONFIG (other), FALSE);

  if (self->entries->len != other->entries->len ||
      self->permissions != other->permissions ||
      self->fallback != other->fallback ||
      self->prefault != other->prefault ||
      self->lock_memory != other->lock_memory ||
      self->thread_cache != other->thread_cache)
    return FALSE;

  for (guint i = 0; i < self->entries->len; i++)
    {
      const ZcpPoolSpec *a = &g_array_index (self->entries, ZcpPoolSpec, i);
      const ZcpPoolSpec *b = &g_array_index (other->entries, ZcpPoolSpec, i);

      if (a->chunk_size != b->chunk_size || a->chunk_count != b->chunk_count)
        return FALSE;
    }

  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Configuration files                                                       */
/*                                                                           */
/* The format is a GKeyFile:                                                 */
/*                                                                           */
/*   [segment]              optional, at most once                           */
/*   permissions=0640       octal file mode, at most 0777                    */
/*   fallback=false         true or false                                    */
/*   prefault=false                                                          */
/*   mlock=false                                                             */
/*   thread-cache=true                                                       */
/*                                                                           */
/*   [pool NAME]            one per pool; NAME is free text, unique          */
/*   chunk-size=4KiB        bytes, with an optional unit                     */
/*   chunk-count=200                                                         */
/*                                                                           */
/* GKeyFile reports no line numbers, and it silently merges a repeated group */
/* and keeps the last of a repeated key.  So the text is scanned once by    */
/* hand first: that pass finds the line of every group and key, and rejects */
/* what GKeyFile would accept silently or describe without a line.          */

#define SEGMENT_GROUP "segment"
#define POOL_GROUP_PREFIX "pool"

typedef struct
{
  const char *source;     /* the path, or NULL for data */
  GHashTable *lines;      /* (owned) "group" or "group\x1fkey" -> line */
} ParseContext;

static guint
context_line (ParseContext *ctx,
              const char   *group,
              const char   *key)
{
  g_autofree char *id = key != NULL ? g_strconcat (group, "\x1f", key, NULL) : g_strdup (group);

  return GPOINTER_TO_UINT (g_hash_table_lookup (ctx->lines, id));
}

/* "FILE:LINE: " or "line LINE: " */
static char *
context_location (ParseContext *ctx,
                  guint         line)
{
  if (ctx->source != NULL)
    return g_strdup_printf ("%s:%u: ", ctx->source, line);
  /* Translators: the start of an error message about a configuration
   * given as a string, such as "line 3: …" */
  return g_strdup_printf (_("line %u: "), line);
}

static void
set_error_at (ParseContext  *ctx,
              GError       **error,
              gint           code,
              guint          line,
              const char    *format,
              ...) G_GNUC_PRINTF (5, 6);

static void
set_error_at (ParseContext  *ctx,
              GError       **error,
              gint           code,
              guint          line,
              const char    *format,
              ...)
{
  g_autofree char *location = context_location (ctx, line);
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, ZCP_MEM_POOL_ERROR, code, "%s%s", location, message);
}

static gboolean
line_is_blank_or_comment (const char *line)
{
  while (g_ascii_isspace (*line))
    line++;
  return *line == '\0' || *line == '#';
}

/* The first pass: lines of groups and keys, and what GKeyFile would not
 * report (or not with a line number). */
static gboolean
scan_lines (ParseContext  *ctx,
            const char    *data,
            gsize          length,
            GError       **error)
{
  g_autofree char *group = NULL;
  const char *p = data;
  const char *end = data + length;
  guint line_no = 0;

  while (p < end)
    {
      const char *eol = memchr (p, '\n', (gsize) (end - p));
      gsize line_len = (gsize) ((eol != NULL ? eol : end) - p);
      g_autofree char *line = NULL;
      char *text;

      line_no++;

      if (memchr (p, '\0', line_len) != NULL)
        {
          set_error_at (ctx, error, ZCP_MEM_POOL_ERROR_PARSE, line_no, "%s",
                        _("the line contains a NUL byte"));
          return FALSE;
        }

      line = g_strndup (p, line_len);
      p = eol != NULL ? eol + 1 : end;

      if (!g_utf8_validate (line, -1, NULL))
        {
          set_error_at (ctx, error, ZCP_MEM_POOL_ERROR_PARSE, line_no, "%s",
                        _("the line is not valid UTF-8"));
          return FALSE;
        }

      if (line_is_blank_or_comment (line))
        continue;

      text = g_strstrip (line);

      if (text[0] == '[')
        {
          char *close = strrchr (text, ']');

          if (close == NULL || close[1] != '\0' || close == text + 1)
            {
              set_error_at (ctx, error, ZCP_MEM_POOL_ERROR_PARSE, line_no,
                            _("“%s” is not a valid group header such as [pool small]"), text);
              return FALSE;
            }

          g_free (group);
          group = g_strndup (text + 1, close - text - 1);

          if (g_hash_table_contains (ctx->lines, group))
            {
              set_error_at (ctx, error, ZCP_MEM_POOL_ERROR_PARSE, line_no,
                            _("group [%s] appears a second time (first at line %u)"),
                            group, context_line (ctx, group, NULL));
              return FALSE;
            }
          g_hash_table_insert (ctx->lines, g_strdup (group), GUINT_TO_POINTER (line_no));
        }
      else
        {
          char *equals = strchr (text, '=');
          g_autofree char *key = NULL;
          g_autofree char *id = NULL;

          if (equals == NULL || equals == text)
            {
              set_error_at (ctx, error, ZCP_MEM_POOL_ERROR_PARSE, line_no,
                            _("“%s” is neither a [group], a key=value pair nor a comment"), text);
              return FALSE;
            }

          key = g_strstrip (g_strndup (text, equals - text));

          if (group == NULL)
            {
              set_error_at (ctx, error, ZCP_MEM_POOL_ERROR_PARSE, line_no,
                            _("key “%s” comes before the first [group]"), key);
              return FALSE;
            }

          id = g_strconcat (group, "\x1f", key, NULL);
          if (g_hash_table_contains (ctx->lines, id))
            {
              set_error_at (ctx, error, ZCP_MEM_POOL_ERROR_PARSE, line_no,
                            _("key “%s” appears a second time in group [%s] (first at line %u)"),
                            key, group, context_line (ctx, group, key));
              return FALSE;
            }
          g_hash_table_insert (ctx->lines, g_steal_pointer (&id), GUINT_TO_POINTER (line_no));
        }
    }

  return TRUE;
}

typedef struct
{
  const char *unit;
  guint64 factor;
} SizeUnit;

/* Compared without regard to case; longest first where one is a suffix
 * of another ("KiB" before "B"). */
static const SizeUnit size_units[] = {
  { "KiB", G_GUINT64_CONSTANT (1) << 10 },
  { "MiB", G_GUINT64_CONSTANT (1) << 20 },
  { "GiB", G_GUINT64_CONSTANT (1) << 30 },
  { "TiB", G_GUINT64_CONSTANT (1) << 40 },
  { "kB", G_GUINT64_CONSTANT (1000) },
  { "MB", G_GUINT64_CONSTANT (1000000) },
  { "GB", G_GUINT64_CONSTANT (1000000000) },
  { "TB", G_GUINT64_CONSTANT (1000000000000) },
  { "B", 1 },
};

/* A decimal number of bytes with an optional unit, "4096", "4KiB",
 * "4 KiB", "512B".  Returns an untranslated reason in *why on failure. */
static gboolean
parse_size (const char  *text,
            guint64     *out,
            const char **why)
{
  const char *p = text;
  guint64 value = 0, factor = 1;

  if (!g_ascii_isdigit (*p))
    {
      *why = N_("it must be a whole number of bytes, optionally followed by B, KiB, MiB, GiB, TiB, kB, MB, GB or TB");
      return FALSE;
    }

  for (; g_ascii_isdigit (*p); p++)
    if (__builtin_mul_overflow (value, (guint64) 10, &value) ||
        __builtin_add_overflow (value, (guint64) (*p - '0'), &value))
      {
        *why = N_("the number is too large");
        return FALSE;
      }

  while (*p == ' ' || *p == '\t')
    p++;

  if (*p != '\0')
    {
      gsize i;

      for (i = 0; i < G_N_ELEMENTS (size_units); i++)
        if (g_ascii_strcasecmp (p, size_units[i].unit) == 0)
          break;

      if (i == G_N_ELEMENTS (size_units))
        {
          *why = N_("it must be a whole number of bytes, optionally followed by B, KiB, MiB, GiB, TiB, kB, MB, GB or TB");
          return FALSE;
        }
      factor = size_units[i].factor;
    }

  if (__builtin_mul_overflow (value, factor, out))
    {
      *why = N_("the number is too large");
      return FALSE;
    }

  return TRUE;
}

/* The shortest exact spelling: "4KiB", "1MiB", "1000B". */
static char *
format_size (guint64 size)
{
  static const char *const units[] = { "TiB", "GiB", "MiB", "KiB" };

  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    {
      guint shift = 40 - 10 * i;

      if (size != 0 && (size & ((G_GUINT64_CONSTANT (1) << shift) - 1)) == 0)
        return g_strdup_printf ("%llu%s", (unsigned long long) (size >> shift), units[i]);
    }

  return g_strdup_printf ("%lluB", (unsigned long long) size);
}

static gboolean
get_trimmed_value (GKeyFile    *file,
                   const char  *group,
                   const char  *key,
                   char       **out)
{
  /* The key exists (it was listed), so this cannot fail. */
  char *value = g_key_file_get_value (file, group, key, NULL);

  if (value == NULL)
    return FALSE;
  *out = g_strstrip (value);
  return TRUE;
}

static gboolean
parse_boolean_value (ParseContext  *ctx,
                     GKeyFile      *file,
                     const char    *group,
                     const char    *key,
                     gboolean      *out,
                     GError       **error)
{
  g_autofree char *value = NULL;

  if (!get_trimmed_value (file, group, key, &value))
    g_return_val_if_reached (FALSE);

  if (g_strcmp0 (value, "true") == 0 || g_strcmp0 (value, "1") == 0)
    *out = TRUE;
  else if (g_strcmp0 (value, "false") == 0 || g_strcmp0 (value, "0") == 0)
    *out = FALSE;
  else
    {
      set_error_at (ctx, error, ZCP_MEM_POOL_ERROR_PARSE, context_line (ctx, group, key),
                    _("key “%s” of group [%s]: “%s” is not a boolean (true or false)"),
                    key, group, value);
      return FALSE;
    }

  return TRUE;
}

static gboolean
parse_segment_group (ZcpMemPoolConfig  *self,
                     ParseContext      *ctx,
                     GKeyFile          *file,
                     const char        *group,
                     GError           **error)
{
  g_auto(GStrv) keys = g_key_file_get_keys (file, group, NULL, NULL);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      const char *key = keys[i];
      guint line = context_line (ctx, group, key);
      gboolean flag = FALSE;

      if (g_str_equal (key, "permissions"))
        {
          g_autofree char *value = NULL;
          guint64 mode = 0;

          if (!get_trimmed_value (file, group, key, &value))
            g_return_val_if_reached (FALSE);

          if (!g_ascii_string_to_unsigned (value, 8, 0, 0777, &mode, NULL))
            {
              set_error_at (ctx, error, ZCP_MEM_POOL_ERROR_PARSE, line,
                            _("key “%s” of group [%s]: “%s” is not an octal file mode between 0 and 0777"),
                            key, group, value);
              return FALSE;
            }
          zcp_mem_pool_config_set_permissions (self, (guint) mode, NULL);
        }
      else if (g_str_equal (key, "fallback"))
        {
          if (!parse_boolean_value (ctx, file, group, key, &flag, error))
            return FALSE;
          zcp_mem_pool_config_set_fallback (self, flag, NULL);
        }
      else if (g_str_equal (key, "prefault"))
        {
          if (!parse_boolean_value (ctx, file, group, key, &flag, error))
            return FALSE;
          zcp_mem_pool_config_set_prefault (self, flag, NULL);
        }
      else if (g_str_equal (key, "mlock"))
        {
          if (!parse_boolean_value (ctx, file, group, key, &flag, error))
            return FALSE;
          zcp_mem_pool_config_set_mlock (self, flag, NULL);
        }
      else if (g_str_equal (key, "thread-cache"))
        {
          if (!parse_boolean_value (ctx, file, group, key, &flag, error))
            return FALSE;
          zcp_mem_pool_config_set_thread_cache (self, flag, NULL);
        }
      else
        {
          set_error_at (ctx, error, ZCP_MEM_POOL_ERROR_PARSE, line,
                        _("unknown key “%s” in group [%s]; the keys are permissions, fallback, prefault, mlock and thread-cache"),
                        key, group);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
parse_pool_group (ZcpMemPoolConfig  *self,
                  ParseContext      *ctx,
                  GKeyFile          *file,
                  const char        *group,
                  GError           **error)
{
  g_auto(GStrv) keys = g_key_file_get_keys (file, group, NULL, NULL);
  guint64 chunk_size = 0, chunk_count = 0;
  gboolean have_size = FALSE, have_count = FALSE;
  g_autoptr(GError) local_error = NULL;
  guint line;

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      const char *key = keys[i];
      g_autofree char *value = NULL;

      line = context_line (ctx, group, key);

      if (g_str_equal (key, "chunk-size"))
        {
          const char *why = NULL;

          if (!get_trimmed_value (file, group, key, &value))
            g_return_val_if_reached (FALSE);
          if (!parse_size (value, &chunk_size, &why))
            {
              set_error_at (ctx, error, ZCP_MEM_POOL_ERROR_PARSE, line,
                            _("key “%s” of group [%s]: “%s” is not a size: %s"),
                            key, group, value, _(why));
              return FALSE;
            }
          have_size = TRUE;
        }
      else if (g_str_equal (key, "chunk-count"))
        {
          if (!get_trimmed_value (file, group, key, &value))
            g_return_val_if_reached (FALSE);
          if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, &chunk_count, NULL))
            {
              set_error_at (ctx, error, ZCP_MEM_POOL_ERROR_PARSE, line,
                            _("key “%s” of group [%s]: “%s” is not a whole number between 1 and %u"),
                            key, group, value, ZCP_MEM_POOL_MAX_CHUNK_COUNT);
              return FALSE;
            }
          have_count = TRUE;
        }
      else
        {
          set_error_at (ctx, error, ZCP_MEM_POOL_ERROR_PARSE, line,
                        _("unknown key “%s” in group [%s]; the keys are chunk-size and chunk-count"),
                        key, group);
          return FALSE;
        }
    }

  line = context_line (ctx, group, NULL);
  if (!have_size || !have_count)
    {
      set_error_at (ctx, error, ZCP_MEM_POOL_ERROR_PARSE, line,
                    _("group [%s] has no key “%s”"),
                    group, !have_size ? "chunk-size" : "chunk-count");
      return FALSE;
    }

  /* The count fits 32 bits; add_entry() checks the rest.  Its error keeps
   * its code, with the place in the file in front of its message. */
  if (!zcp_mem_pool_config_add_entry (self, chunk_size, (guint32) chunk_count, &local_error))
    {
      const char *key = NULL;

      if (local_error->code == ZCP_MEM_POOL_ERROR_INVALID_CHUNK_COUNT)
        key = "chunk-count";
      else if (local_error->code == ZCP_MEM_POOL_ERROR_INVALID_CHUNK_SIZE ||
               local_error->code == ZCP_MEM_POOL_ERROR_DUPLICATE_SIZE)
        key = "chunk-size";

      if (key != NULL)
        set_error_at (ctx, error, local_error->code, context_line (ctx, group, key),
                      _("key “%s” of group [%s]: %s"), key, group, local_error->message);
      else
        set_error_at (ctx, error, local_error->code, line,
                      _("group [%s]: %s"), group, local_error->message);
      return FALSE;
    }

  return TRUE;
}

static ZcpMemPoolConfig *
parse_config (const char  *source,
              const char  *data,
              gsize        length,
              GError     **error)
{
  g_autoptr(ZcpMemPoolConfig) self = NULL;
  g_autoptr(GKeyFile) file = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GHashTable) lines = NULL;
  g_auto(GStrv) groups = NULL;
  ParseContext ctx;

  _zcp_i18n_init ();

  lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ctx.source = source;
  ctx.lines = lines;

  if (!scan_lines (&ctx, data, length, error))
    return NULL;

  file = g_key_file_new ();
  if (!g_key_file_load_from_data (file, data, length, G_KEY_FILE_NONE, &local_error))
    {
      /* Whatever the scan let through; GKeyFile's message names no line. */
      if (source != NULL)
        g_set_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_PARSE,
                     "%s: %s", source, local_error->message);
      else
        g_set_error_literal (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_PARSE,
                             local_error->message);
      return NULL;
    }

  self = zcp_mem_pool_config_new ();
  groups = g_key_file_get_groups (file, NULL);

  for (guint i = 0; groups[i] != NULL; i++)
    {
      const char *group = groups[i];
      gboolean ok;

      if (g_str_equal (group, SEGMENT_GROUP))
        ok = parse_segment_group (self, &ctx, file, group, error);
      else if (g_str_equal (group, POOL_GROUP_PREFIX) ||
               (g_str_has_prefix (group, POOL_GROUP_PREFIX " ")))
        ok = parse_pool_group (self, &ctx, file, group, error);
      else
        {
          set_error_at (&ctx, error, ZCP_MEM_POOL_ERROR_PARSE, context_line (&ctx, group, NULL),
                        _("unknown group [%s]; the groups are [segment] and [pool NAME]"),
                        group);
          ok = FALSE;
        }

      if (!ok)
        return NULL;
    }

  return g_steal_pointer (&self);
}

/**
 * zcp_mem_pool_config_new_from_data:
 * @data: the text of a configuration file
 * @length: the length of @data in bytes, or -1 if it is nul-terminated
 * @error: return location for a #GError, or %NULL
 *
 * Reads a configuration from a string, in the format of
 * zcp_mem_pool_config_new_from_file().  Error messages start with
 * `line N: ` instead of the file name.
 *
 * Returns: (transfer full): a new #ZcpMemPoolConfig, or %NULL with @error
 *   set
 *
 * Since: 1.0
 */
ZcpMemPoolConfig *
zcp_mem_pool_config_new_from_data (const char  *data,
                                   gssize       length,
                                   GError     **error)
{
  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return parse_config (NULL, data, length < 0 ? strlen (data) : (gsize) length, error);
}

/**
 * zcp_mem_pool_config_new_from_file:
 * @path: (type filename): the configuration file
 * @error: return location for a #GError, or %NULL
 *
 * Reads a configuration file.  It is a key file (see #GKeyFile) with one
 * `[pool NAME]` group per pool and an optional `[segment]` group:
 *
 * |[
 * # Pools for the camera pipeline
 * [segment]
 * permissions=0640
 * fallback=false
 * prefault=true
 * mlock=false
 * thread-cache=true
 *
 * [pool small]
 * chunk-size=256B
 * chunk-count=1000
 *
 * [pool frames]
 * chunk-size=4MiB
 * chunk-count=16
 * ]|
 *
 * `NAME` is free text, for the reader; pools may come in any order.
 * `chunk-size` is a whole number of bytes with an optional unit: `B`,
 * `KiB`, `MiB`, `GiB`, `TiB` (powers of 1024) or `kB`, `MB`, `GB`, `TB`
 * (powers of 1000), any case, with or without a space.  `chunk-count` is a
 * plain number.  `permissions` is an octal mode (see
 * zcp_mem_pool_config_set_permissions()); `fallback`, `prefault`, `mlock` and
 * `thread-cache` are `true` or `false` (see
 * zcp_mem_pool_config_set_fallback(), zcp_mem_pool_config_set_prefault(),
 * zcp_mem_pool_config_set_mlock() and
 * zcp_mem_pool_config_set_thread_cache()).
 * Lines starting with `#` are comments.  A file with no pool is valid;
 * zcp_mem_pool_allocator_initialize_shared_memory() refuses to use it.
 *
 * Anything else fails: unknown groups and keys (typos are not ignored), a
 * group or key given twice, a missing `chunk-size` or `chunk-count`, a value
 * that does not parse.  Every message starts with `PATH:LINE: ` and names
 * the key and the group.  Syntax and value errors are
 * %ZCP_MEM_POOL_ERROR_PARSE; an entry that zcp_mem_pool_config_add_entry()
 * refuses keeps that function's error code (such as
 * %ZCP_MEM_POOL_ERROR_DUPLICATE_SIZE); a file that cannot be read is a
 * #GFileError.
 *
 * zcp_mem_pool_config_to_string() writes this format.
 *
 * Returns: (transfer full): a new, unsealed #ZcpMemPoolConfig, or %NULL
 *   with @error set
 *
 * Since: 1.0
 */
ZcpMemPoolConfig *
zcp_mem_pool_config_new_from_file (const char  *path,
                                   GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *display = NULL;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;

  display = g_filename_display_name (path);
  return parse_config (display, contents, length, error);
}

/**
 * zcp_mem_pool_config_to_string:
 * @self: a #ZcpMemPoolConfig
 *
 * Writes the configuration in the format that
 * zcp_mem_pool_config_new_from_file() reads: a `[segment]` group with every
 * setting, then one `[pool N]` group per pool in ascending chunk size, each
 * size in the largest binary unit that states it exactly (`4KiB`, `1000B`).
 * Reading the result back gives a configuration equal to @self (see
 * zcp_mem_pool_config_equal()).
 *
 * Returns: (transfer full): the text, ending with a newline
 *
 * Since: 1.0
 */
char *
zcp_mem_pool_config_to_string (ZcpMemPoolConfig *self)
{
  GString *out;

  g_return_val_if_fail (ZCP_IS_MEM_POOL_CONFIG (self), NULL);

  out = g_string_new (NULL);
  g_string_append_printf (out,
                          "[" SEGMENT_GROUP "]\n"
                          "permissions=%04o\n"
                          "fallback=%s\n"
                          "prefault=%s\n"
                          "mlock=%s\n"
                          "thread-cache=%s\n",
                          self->permissions,
                          self->fallback ? "true" : "false",
                          self->prefault ? "true" : "false",
                          self->lock_memory ? "true" : "false",
                          self->thread_cache ? "true" : "false");

  for (guint i = 0; i < self->entries->len; i++)
    {
      const ZcpPoolSpec *e = &g_array_index (self->entries, ZcpPoolSpec, i);
      g_autofree char *size = format_size (e->chunk_size);

      g_string_append_printf (out,
                              "\n[" POOL_GROUP_PREFIX " %u]\n"
                              "chunk-size=%s\n"
                              "chunk-count=%u\n",
                              i, size, e->chunk_count);
    }

  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------------ */
/* Prefault and mlock                                                        */

static void
prefault_pages (guint8  *base,
                guint64  size)
{
  gsize page = (gsize) sysconf (_SC_PAGESIZE);

#ifdef MADV_POPULATE_WRITE
  /* Linux 5.14 and later map every page writable in one call, without
   * touching the contents. */
  if (madvise (base, size, MADV_POPULATE_WRITE) == 0)
    return;
#endif

  /* Older kernels: take a write fault on each page with an atomic no-op,
   * which cannot disturb a process that writes the same byte meanwhile. */
  for (guint64 off = 0; off < size; off += page)
    __atomic_fetch_or (base + off, 0, __ATOMIC_RELAXED);
}

static char *
memlock_limit_string (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_MEMLOCK, &limit) != 0)
    return g_strdup ("?");
  if (limit.rlim_cur == RLIM_INFINITY)
    return g_strdup (_("unlimited"));
  return g_strdup_printf (_("%llu bytes"), (unsigned long long) limit.rlim_cur);
}

/* Applies the configuration's prefault and mlock settings to this
 * process's mapping of a segment.  Never fails: a refused lock is a
 * warning. */
void
_zcp_mem_pool_config_apply_memory_options (ZcpMemPoolConfig *self,
                                           void             *base,
                                           guint64           size,
                                           const char       *name)
{
  if (self->prefault)
    {
      prefault_pages (base, size);
      g_info (_("Shared memory “%s”: %llu bytes faulted in"), name, (unsigned long long) size);
    }

  if (self->lock_memory)
    {
      if (mlock (base, size) == 0)
        g_info (_("Shared memory “%s”: %llu bytes locked in RAM"), name, (unsigned long long) size);
      else
        {
          int errsv = errno;
          g_autofree char *limit = memlock_limit_string ();

          g_warning (_("Cannot lock shared memory “%s” (%llu bytes) in RAM: %s (RLIMIT_MEMLOCK is %s); it stays usable but may be swapped out"),
                     name, (unsigned long long) size, g_strerror (errsv), limit);
        }
    }
}
