/* zcp-mem-pool-config.c: which pools a segment holds
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "zcp-error.h"
#include "zcp-mem-pool-config.h"
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
  guint fallback : 1;
};

G_DEFINE_FINAL_TYPE (ZcpMemPoolConfig, zcp_mem_pool_config, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_N_ENTRIES,
  PROP_SEALED,
  PROP_PERMISSIONS,
  PROP_FALLBACK,
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

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
zcp_mem_pool_config_init (ZcpMemPoolConfig *self)
{
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
  if (!zcp_segment_compute_layout ((const ZcpPoolSpec *) self->entries->data,
                                   self->entries->len, NULL, NULL, NULL, &total))
    g_return_val_if_reached (0);

  return total;
}

/**
 * zcp_mem_pool_config_is_sealed:
 * @self: a #ZcpMemPoolConfig
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

  if (!check_not_sealed (self, error))
    return FALSE;

  fallback = !!fallback;
  if (self->fallback != (guint) fallback)
    {
      self->fallback = fallback;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FALLBACK]);
    }

  return TRUE;
}

/**
 * zcp_mem_pool_config_get_fallback:
 * @self: a #ZcpMemPoolConfig
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
