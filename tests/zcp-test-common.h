/* zcp-test-common.h: glue shared by zerocp's own C tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <zerocp/zerocp.h>

G_BEGIN_DECLS

/* A segment name no other test, run or process uses: tag, pid, a counter and
 * a random number.  The public zcp_test_make_name(): a segment under such a
 * name is removed when the test process dies, even if it aborts. */
char     *zcp_test_unique_name   (const char *tag);

/* Whether /dev/shm holds an object of that name. */
gboolean  zcp_test_shm_exists    (const char *name);

typedef struct
{
  char *name;
  ZcpMemPoolConfig *config;
  ZcpMemPoolAllocator *allocator;
  ZcpMemPoolManager *manager;  /* (unowned) the allocator's */
  gboolean keeps_chunks;       /* the test ends with chunks in use on
                                * purpose: no leak check in teardown */
} ZcpFixture;

/* The specification's pools: 256 × 1000, 1024 × 500, 4096 × 200. */
void      zcp_fixture_setup_spec (ZcpFixture *seg,
                                       gconstpointer   user_data);
/* Pools from a zero-terminated list of (size, count) pairs. */
void      zcp_fixture_setup      (ZcpFixture *seg,
                                       const guint64  *pairs);
/* Asserts that every chunk is back in its pool (zcp_assert_all_chunks_free)
 * unless keeps_chunks is set, releases the allocator and asserts that the
 * segment is gone. */
void      zcp_fixture_teardown   (ZcpFixture *seg,
                                       gconstpointer   user_data);

G_END_DECLS
