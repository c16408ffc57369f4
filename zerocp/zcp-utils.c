/* zcp-utils.c: error domains, translations, process identity
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "zcp-error.h"
#include "zcp-private.h"

/**
 * zcp_shm_error_quark:
 *
 * The error domain of shared-memory failures; use %ZCP_SHM_ERROR.
 *
 * Returns: the #GQuark of the %ZCP_SHM_ERROR domain
 *
 * Since: 1.0
 */
G_DEFINE_QUARK (zcp-shm-error-quark, zcp_shm_error)

/**
 * zcp_mem_pool_error_quark:
 *
 * The error domain of the memory pools; use %ZCP_MEM_POOL_ERROR.
 *
 * Returns: the #GQuark of the %ZCP_MEM_POOL_ERROR domain
 *
 * Since: 1.0
 */
G_DEFINE_QUARK (zcp-mem-pool-error-quark, zcp_mem_pool_error)

/* Binds the library's text domain, once per process.  The catalogs are
 * looked up in LOCALEDIR (the install prefix) unless the environment
 * variable ZCP_LOCALEDIR names another directory: the tests point it at the
 * build tree's po/ directory, which holds <lang>/LC_MESSAGES/zerocp-1.mo
 * before anything is installed. */
void
_zcp_i18n_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      const char *localedir = g_getenv ("ZCP_LOCALEDIR");

      if (localedir == NULL || localedir[0] == '\0')
        localedir = LOCALEDIR;
      bindtextdomain (GETTEXT_PACKAGE, localedir);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      g_once_init_leave (&initialized, 1);
    }
}

guint64
_zcp_process_start_time (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *contents = NULL;
  const char *p;
  guint64 start_time = 0;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;

  /* The command name (field 2) is in parentheses and may itself contain
   * spaces and parentheses: start after the last ')'. */
  p = strrchr (contents, ')');
  if (p == NULL)
    return 0;

  /* Fields 3..21 are skipped; field 22 is the start time. */
  if (sscanf (p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %" G_GUINT64_FORMAT,
              &start_time) != 1)
    return 0;

  return start_time;
}
