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

/* The shared state of one pool, read directly at quiescence: every chunk
 * whose state is 0 is on the free list exactly once, the list holds nothing
 * else, and the pool's `used` counts the chunks in use.  Returns how many
 * chunks are in use. */
guint32   zcp_test_assert_pool_accounting (ZcpMemPoolManager *manager,
                                           guint              pool);
/* The same, and no chunk of the pool is in use. */
void      zcp_test_assert_pool_all_free   (ZcpMemPoolManager *manager,
                                           guint              pool);
/* zcp_test_assert_pool_accounting() for every pool; returns the chunks in
 * use over all of them. */
guint32   zcp_test_assert_exact_accounting (ZcpMemPoolManager *manager);

/* The library reports misuse as criticals through the structured log API,
 * which g_test_expect_message() does not see.  zcp_test_count_criticals()
 * installs a log writer (once, from main()); between
 * zcp_test_expect_critical (PATTERN) and zcp_test_assert_critical_seen()
 * it swallows and counts the criticals whose message matches PATTERN
 * (g_pattern_match_simple()), and the latter asserts there was exactly
 * one.  Every other message goes to GLib's default writer. */
void      zcp_test_count_criticals       (void);
void      zcp_test_expect_critical       (const char *pattern);
void      zcp_test_assert_critical_seen  (void);

/* Whole-buffer pipe I/O for tests that talk to a child process. */
void      zcp_test_write_all     (int            fd,
                                  gconstpointer  buf,
                                  gsize          len);
/* FALSE at end of file. */
gboolean  zcp_test_read_all      (int            fd,
                                  gpointer       buf,
                                  gsize          len);

G_END_DECLS
