/* fuzz-config-parse.c: libFuzzer target for the configuration-file parser
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Any bytes, not nul-terminated: the parser must answer with a
 * configuration or a GError, never crash, read out of bounds or emit a
 * critical (run with G_DEBUG=fatal-criticals).  What it accepts must
 * survive a round trip through zcp_mem_pool_config_to_string().
 */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zerocp/zerocp.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(ZcpMemPoolConfig) config = NULL;
  g_autoptr(ZcpMemPoolConfig) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  /* An exact-size copy, so that a read past the end is caught. */
  g_autofree char *copy = g_memdup2 (size > 0 ? (const void *) data : "", MAX (size, 1));

  config = zcp_mem_pool_config_new_from_data (copy, (gssize) size, &error);
  if (config == NULL)
    {
      if (error == NULL || error->message == NULL)
        abort ();
      return 0;
    }
  if (error != NULL)
    abort ();

  text = zcp_mem_pool_config_to_string (config);
  again = zcp_mem_pool_config_new_from_data (text, -1, &error);
  if (again == NULL)
    {
      g_printerr ("round trip failed: %s\n--- input ---\n%.*s\n--- written ---\n%s\n",
                  error->message, (int) size, (const char *) data, text);
      abort ();
    }
  if (!zcp_mem_pool_config_equal (config, again))
    {
      g_printerr ("round trip changed the configuration:\n%s\n", text);
      abort ();
    }

  return 0;
}
