/* zcp-chunk.c: chunk accessors and reference counting
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "zcp-chunk.h"
#include "zcp-error.h"
#include "zcp-mem-pool-manager-private.h"

static ZcpMemPoolManager *
manager_for_chunk (ZcpChunk   *chunk,
                   const char *caller)
{
  ZcpMemPoolManager *manager = _zcp_mem_pool_manager_for_address (chunk);

  if (G_UNLIKELY (manager == NULL))
    g_critical (_("%s: %p is not in any shared memory attached by this process"),
                caller, (void *) chunk);

  return manager;
}

/**
 * zcp_chunk_ref:
 * @chunk: a #ZcpChunk
 *
 * Takes another reference to @chunk.  The count lives in the segment, so a
 * reference taken in one process keeps the chunk out of its pool for all of
 * them.  Thread-safe and process-safe.
 *
 * Returns: (transfer full): @chunk
 *
 * Since: 1.0
 */
ZcpChunk *
zcp_chunk_ref (ZcpChunk *chunk)
{
  ZcpMemPoolManager *manager;

  g_return_val_if_fail (chunk != NULL, NULL);

  manager = manager_for_chunk (chunk, G_STRFUNC);
  if (manager == NULL)
    return NULL;
  g_return_val_if_fail (!zcp_mem_pool_manager_is_read_only (manager), NULL);

  if (!_zcp_mem_pool_manager_ref_chunk (manager, chunk, G_STRFUNC))
    return NULL;

  return chunk;
}

/**
 * zcp_chunk_unref:
 * @chunk: (transfer full): a #ZcpChunk
 *
 * Drops a reference to @chunk; the chunk goes back to its pool when the
 * last reference in any process is gone.  The same as
 * zcp_mem_pool_manager_release_chunk() without naming the manager.
 *
 * Since: 1.0
 */
void
zcp_chunk_unref (ZcpChunk *chunk)
{
  ZcpMemPoolManager *manager;

  g_return_if_fail (chunk != NULL);

  manager = manager_for_chunk (chunk, G_STRFUNC);
  if (manager == NULL)
    return;
  g_return_if_fail (!zcp_mem_pool_manager_is_read_only (manager));

  _zcp_mem_pool_manager_unref_chunk (manager, chunk, G_STRFUNC);
}

/**
 * zcp_chunk_get_data:
 * @chunk: a #ZcpChunk
 *
 * Gets the chunk's payload: zcp_chunk_get_size() bytes, aligned to at
 * least 64 bytes, in shared memory.  In C this is the same address as
 * @chunk itself.
 *
 * Returns: (transfer none): the payload
 *
 * Since: 1.0
 */
gpointer
zcp_chunk_get_data (ZcpChunk *chunk)
{
  return chunk;
}

static const ZcpPoolLocal *
pool_of_chunk (ZcpChunk   *chunk,
               guint      *pool_out,
               guint32    *index_out,
               const char *caller)
{
  ZcpMemPoolManager *manager = manager_for_chunk (chunk, caller);
  guint pool;
  guint32 index;

  if (manager == NULL)
    return NULL;

  if (_zcp_mem_pool_manager_locate (manager, chunk, &pool, &index) != ZCP_LOCATE_OK)
    {
      g_critical (_("%s: %p is not the start of a chunk"), caller, (void *) chunk);
      return NULL;
    }

  if (pool_out != NULL)
    *pool_out = pool;
  if (index_out != NULL)
    *index_out = index;

  return &manager->pools[pool];
}

/**
 * zcp_chunk_get_size:
 * @chunk: a #ZcpChunk
 *
 * Gets the number of bytes @chunk can hold.
 *
 * Returns: the usable payload bytes of @chunk: its pool's chunk size
 *
 * Since: 1.0
 */
gsize
zcp_chunk_get_size (ZcpChunk *chunk)
{
  const ZcpPoolLocal *pl;

  g_return_val_if_fail (chunk != NULL, 0);

  pl = pool_of_chunk (chunk, NULL, NULL, G_STRFUNC);
  return pl != NULL ? (gsize) pl->chunk_size : 0;
}

/**
 * zcp_chunk_get_pool_index:
 * @chunk: a #ZcpChunk
 *
 * Gets the index of the pool @chunk belongs to.
 *
 * Returns: the index of @chunk's pool, 0 for the smallest chunk size
 *
 * Since: 1.0
 */
guint
zcp_chunk_get_pool_index (ZcpChunk *chunk)
{
  guint pool = 0;

  g_return_val_if_fail (chunk != NULL, 0);

  pool_of_chunk (chunk, &pool, NULL, G_STRFUNC);
  return pool;
}

/**
 * zcp_chunk_get_ref_count:
 * @chunk: a #ZcpChunk
 *
 * Reads the reference count of @chunk, summed over every process.  Useful
 * for diagnostics and tests; under concurrent use it can change at once.
 *
 * Returns: the reference count, 0 if the chunk is free
 *
 * Since: 1.0
 */
guint
zcp_chunk_get_ref_count (ZcpChunk *chunk)
{
  const ZcpPoolLocal *pl;
  guint32 index;

  g_return_val_if_fail (chunk != NULL, 0);

  pl = pool_of_chunk (chunk, NULL, &index, G_STRFUNC);
  if (pl == NULL)
    return 0;

  /* Relaxed: a diagnostic snapshot. */
  return atomic_load_explicit (&pl->slots[index].state, memory_order_relaxed) & ZCP_STATE_REFS_MASK;
}

/**
 * zcp_chunk_write:
 * @chunk: a #ZcpChunk
 * @offset: where to start writing in the payload
 * @data: (array length=length) (element-type guint8): the bytes to write
 * @length: the number of bytes in @data
 * @error: return location for a #GError, or %NULL
 *
 * Copies @data into the payload at @offset: for language bindings, which
 * cannot write through zcp_chunk_get_data().  C code writes to the payload
 * directly.
 *
 * Returns: %TRUE on success; %FALSE with %ZCP_MEM_POOL_ERROR_OVERFLOW if
 *   the bytes do not fit the chunk
 *
 * Since: 1.0
 */
gboolean
zcp_chunk_write (ZcpChunk      *chunk,
                 gsize          offset,
                 const guint8  *data,
                 gsize          length,
                 GError       **error)
{
  gsize size;

  g_return_val_if_fail (chunk != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  size = zcp_chunk_get_size (chunk);
  if (offset > size || length > size - offset)
    {
      g_set_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_OVERFLOW,
                   _("Cannot write %zu bytes at offset %zu into a chunk of %zu bytes"),
                   length, offset, size);
      return FALSE;
    }

  if (length > 0)
    memcpy ((guint8 *) chunk + offset, data, length);

  return TRUE;
}

/**
 * zcp_chunk_get_bytes:
 * @chunk: a #ZcpChunk
 *
 * Gets a #GBytes view of the whole payload, without copying.  The view
 * holds a reference to @chunk, so the chunk stays out of its pool until the
 * #GBytes is freed.  The bytes are those of shared memory: another holder
 * may still change them.
 *
 * Returns: (transfer full) (nullable): a view of the payload, or %NULL if
 *   @chunk is not a valid chunk
 *
 * Since: 1.0
 */
GBytes *
zcp_chunk_get_bytes (ZcpChunk *chunk)
{
  gsize size;

  g_return_val_if_fail (chunk != NULL, NULL);

  size = zcp_chunk_get_size (chunk);
  if (size == 0 || zcp_chunk_ref (chunk) == NULL)
    return NULL;

  return g_bytes_new_with_free_func (chunk, size, (GDestroyNotify) zcp_chunk_unref, chunk);
}
