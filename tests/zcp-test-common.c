/* zcp-test-common.c: glue shared by zerocp's own C tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <unistd.h>

#include "zcp-test-common.h"
#include "zcp-mem-pool-manager-private.h"

char *
zcp_test_unique_name (const char *tag)
{
  return zcp_test_make_name (tag);
}

gboolean
zcp_test_shm_exists (const char *name)
{
  g_autofree char *path = g_strconcat ("/dev/shm", name, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

void
zcp_fixture_setup (ZcpFixture *seg,
                        const guint64  *pairs)
{
  g_autoptr(GError) error = NULL;

  seg->name = zcp_test_unique_name ("seg");
  seg->config = zcp_mem_pool_config_new ();
  for (const guint64 *p = pairs; p[0] != 0; p += 2)
    {
      zcp_mem_pool_config_add_entry (seg->config, p[0], (guint32) p[1], &error);
      g_assert_no_error (error);
    }

  seg->allocator = zcp_mem_pool_allocator_new (seg->config);
  g_assert_nonnull (zcp_mem_pool_allocator_initialize_shared_memory (seg->allocator, seg->name, &error));
  g_assert_no_error (error);
  g_assert_true (zcp_mem_pool_allocator_initialize_mem_pools (seg->allocator, &error));
  g_assert_no_error (error);
  seg->manager = zcp_mem_pool_allocator_get_manager (seg->allocator);
  g_assert_nonnull (seg->manager);
}

void
zcp_fixture_setup_spec (ZcpFixture *seg,
                             gconstpointer   user_data)
{
  static const guint64 spec[] = { 256, 1000, 1024, 500, 4096, 200, 0 };

  zcp_fixture_setup (seg, user_data != NULL ? user_data : spec);
}

void
zcp_fixture_teardown (ZcpFixture *seg,
                           gconstpointer   user_data)
{
  /* A test may have replaced the allocator (and so dropped the manager). */
  if (!seg->keeps_chunks && seg->manager != NULL &&
      zcp_mem_pool_allocator_get_manager (seg->allocator) == seg->manager)
    zcp_assert_all_chunks_free (seg->manager);
  g_assert_finalize_object (seg->allocator);
  g_clear_object (&seg->config);
  g_assert_false (zcp_test_shm_exists (seg->name));
  g_clear_pointer (&seg->name, g_free);
  seg->manager = NULL;
}

guint32
zcp_test_assert_pool_accounting (ZcpMemPoolManager *manager,
                                 guint              pool)
{
  ZcpPoolLocal *pl;
  g_autofree guint8 *seen = NULL;
  guint32 index, on_list = 0, in_use = 0, cached = 0;

  g_assert_cmpuint (pool, <, manager->n_pools);
  pl = &manager->pools[pool];
  seen = g_malloc0 (pl->count);
  index = zcp_head_index (atomic_load (&pl->desc->head));

  while (index != ZCP_INDEX_NIL)
    {
      if (index >= pl->count)
        g_error ("pool %u: index %u on the free list is out of range", pool, index);
      if (seen[index])
        g_error ("pool %u: chunk %u is on the free list twice", pool, index);
      if (atomic_load (&pl->slots[index].state) != 0)
        g_error ("pool %u: chunk %u is on the free list but in use (state %x)",
                 pool, index, atomic_load (&pl->slots[index].state));
      seen[index] = 1;
      on_list++;
      index = atomic_load (&pl->slots[index].next);
    }

  for (guint32 i = 0; i < pl->count; i++)
    {
      guint32 state = atomic_load (&pl->slots[i].state);

      if ((state & ZCP_STATE_REFS_MASK) != 0)
        in_use++;
      else if (state != 0)
        cached++; /* count 0 and an owner: in a thread's cache */
      else if (!seen[i])
        g_error ("pool %u: chunk %u is neither in use nor free", pool, i);
    }

  /* Every cached chunk is counted by a cache record, and only those. */
  g_assert_cmpuint (zcp_segment_cached (manager->base, pool), ==, cached);
  g_assert_cmpuint (on_list + cached + in_use, ==, pl->count);
  g_assert_cmpuint (atomic_load (&pl->desc->used), ==, in_use + cached);
  return in_use;
}

void
zcp_test_assert_pool_all_free (ZcpMemPoolManager *manager,
                               guint              pool)
{
  g_assert_cmpuint (zcp_test_assert_pool_accounting (manager, pool), ==, 0);
}

guint32
zcp_test_assert_exact_accounting (ZcpMemPoolManager *manager)
{
  guint32 in_use = 0;

  for (guint p = 0; p < manager->n_pools; p++)
    in_use += zcp_test_assert_pool_accounting (manager, p);

  return in_use;
}

static const char *expected_pattern;
static guint n_expected_seen;

static GLogWriterOutput
counting_writer (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  if ((log_level & G_LOG_LEVEL_CRITICAL) != 0 && expected_pattern != NULL)
    {
      for (gsize i = 0; i < n_fields; i++)
        {
          if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0 &&
              g_pattern_match_simple (expected_pattern, fields[i].value))
            {
              n_expected_seen++;
              return G_LOG_WRITER_HANDLED;
            }
        }
    }

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

void
zcp_test_count_criticals (void)
{
  g_log_set_writer_func (counting_writer, NULL, NULL);
}

void
zcp_test_expect_critical (const char *pattern)
{
  expected_pattern = pattern;
  n_expected_seen = 0;
}

void
zcp_test_assert_critical_seen (void)
{
  g_assert_nonnull (expected_pattern);
  g_assert_cmpuint (n_expected_seen, ==, 1);
  expected_pattern = NULL;
  n_expected_seen = 0;
}

void
zcp_test_write_all (int            fd,
                    gconstpointer  buf,
                    gsize          len)
{
  const guint8 *p = buf;

  while (len > 0)
    {
      gssize n = write (fd, p, len);

      if (n < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (n, >, 0);
      p += n;
      len -= (gsize) n;
    }
}

gboolean
zcp_test_read_all (int      fd,
                   gpointer buf,
                   gsize    len)
{
  guint8 *p = buf;

  while (len > 0)
    {
      gssize n = read (fd, p, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      p += n;
      len -= (gsize) n;
    }

  return TRUE;
}
