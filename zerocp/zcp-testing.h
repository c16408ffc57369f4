/* zcp-testing.h: helpers for applications' own GTest suites
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (ZCP_INSIDE) && !defined (ZCP_COMPILATION)
# error "Only <zerocp/zerocp.h> can be included directly."
#endif

#include <gio/gio.h>

#include "zcp-mem-pool-allocator.h"
#include "zcp-mem-pool-config.h"
#include "zcp-mem-pool-manager.h"
#include "zcp-version-macros.h"

/**
 * SECTION:zcp-testing
 * @Title: Testing helpers
 * @Short_description: Helpers for applications' own GTest suites
 *
 * Segments with unique names that clean up after themselves, helpers that
 * run code in a child process attached to the same segment, and checks
 * that every chunk went back to its pool.
 */

G_BEGIN_DECLS

/**
 * ZCP_TEST_ERROR:
 *
 * Error domain of the testing helpers.  Errors in this domain are from the
 * #ZcpTestError enumeration.
 *
 * Since: 1.0
 */
#define ZCP_TEST_ERROR (zcp_test_error_quark ())

/**
 * ZcpTestError:
 * @ZCP_TEST_ERROR_CHUNKS_IN_USE: chunks that should be back in their pool
 *   are still in use; the message names each pool and how many
 * @ZCP_TEST_ERROR_SUBPROCESS_FAILED: a subprocess exited with a status
 *   other than 0 or was killed by a signal
 * @ZCP_TEST_ERROR_NO_SEGMENT: the environment variable
 *   %ZCP_TEST_SEGMENT_ENV is not set
 *
 * Error codes in the %ZCP_TEST_ERROR domain.
 *
 * Since: 1.0
 */
typedef enum
{
  ZCP_TEST_ERROR_CHUNKS_IN_USE,
  ZCP_TEST_ERROR_SUBPROCESS_FAILED,
  ZCP_TEST_ERROR_NO_SEGMENT,
} ZcpTestError;

ZCP_AVAILABLE_IN_1_0
GQuark zcp_test_error_quark (void);

/**
 * ZCP_TEST_SEGMENT_ENV:
 *
 * The environment variable through which zcp_test_segment_spawn() tells
 * the program it starts the name of the segment, and from which
 * zcp_test_segment_open_from_environment() reads it.
 *
 * Since: 1.0
 */
#define ZCP_TEST_SEGMENT_ENV "ZCP_TEST_SEGMENT"

/**
 * ZcpTestSubprocessFunc:
 * @manager: a manager of the test segment, attached by name in the
 *   subprocess
 * @user_data: the data passed to zcp_test_segment_run_in_subprocess()
 *
 * The body of a subprocess started by zcp_test_segment_run_in_subprocess().
 * It signals failure the GTest way, with g_assert_*() (which aborts the
 * subprocess) or by calling exit() with a status other than 0.
 *
 * Since: 1.0
 */
typedef void (*ZcpTestSubprocessFunc) (ZcpMemPoolManager *manager,
                                       gpointer           user_data);

/**
 * ZCP_TYPE_TEST_SEGMENT:
 *
 * The #GType of #ZcpTestSegment.
 *
 * Since: 1.0
 */
#define ZCP_TYPE_TEST_SEGMENT (zcp_test_segment_get_type ())

ZCP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ZcpTestSegment, zcp_test_segment, ZCP, TEST_SEGMENT, GObject)

ZCP_AVAILABLE_IN_1_0
ZcpTestSegment      *zcp_test_segment_new                   (ZcpMemPoolConfig       *config,
                                                             GError                **error);
ZCP_AVAILABLE_IN_1_0
const char          *zcp_test_segment_get_name              (ZcpTestSegment         *self);
ZCP_AVAILABLE_IN_1_0
ZcpMemPoolManager   *zcp_test_segment_get_manager           (ZcpTestSegment         *self);
ZCP_AVAILABLE_IN_1_0
ZcpMemPoolAllocator *zcp_test_segment_get_allocator         (ZcpTestSegment         *self);
ZCP_AVAILABLE_IN_1_0
ZcpMemPoolConfig    *zcp_test_segment_get_config            (ZcpTestSegment         *self);
ZCP_AVAILABLE_IN_1_0
gboolean             zcp_test_segment_run_in_subprocess     (ZcpTestSegment         *self,
                                                             ZcpTestSubprocessFunc   func,
                                                             gpointer                user_data,
                                                             GError                **error);
ZCP_AVAILABLE_IN_1_0
gboolean             zcp_test_segment_spawn                 (ZcpTestSegment         *self,
                                                             const char * const     *argv,
                                                             GError                **error);
ZCP_AVAILABLE_IN_1_0
ZcpMemPoolManager   *zcp_test_segment_open_from_environment (GError                **error);

ZCP_AVAILABLE_IN_1_0
char                *zcp_test_make_name                     (const char             *tag);
ZCP_AVAILABLE_IN_1_0
guint                zcp_test_cleanup_stale_segments        (void);
ZCP_AVAILABLE_IN_1_0
gboolean             zcp_test_check_all_chunks_free         (ZcpMemPoolManager      *manager,
                                                             GError                **error);
ZCP_AVAILABLE_IN_1_0
void                 zcp_test_assertion_all_chunks_free     (const char             *domain,
                                                             const char             *file,
                                                             int                     line,
                                                             const char             *func,
                                                             const char             *expr,
                                                             ZcpMemPoolManager      *manager);

/**
 * zcp_assert_all_chunks_free:
 * @manager: a #ZcpMemPoolManager
 *
 * Asserts that every chunk of every pool of @manager's segment is free.
 * On failure the message names each pool that still has chunks out and how
 * many, such as `pool 1 (1024-byte chunks): 3 of 500 chunks still in use`,
 * and the test fails like any other g_assert_*() (it aborts, unless
 * g_test_set_nonfatal_assertions() was called).
 *
 * The counts are those of the whole segment, whichever process took the
 * chunks.  Call it when nothing else uses the segment: at the end of a test
 * or in its tear-down function.
 *
 * Since: 1.0
 */
#define zcp_assert_all_chunks_free(manager) \
  zcp_test_assertion_all_chunks_free (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, \
                                      #manager, (manager))

G_END_DECLS
