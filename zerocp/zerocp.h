/* zerocp.h: the one header applications include
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib-object.h>

#define ZCP_INSIDE
# include "zcp-version.h"
# include "zcp-version-macros.h"
# include "zcp-enums.h"
# include "zcp-error.h"
# include "zcp-chunk.h"
# include "zcp-mem-pool-config.h"
# include "zcp-mem-pool-manager.h"
# include "zcp-mem-pool-allocator.h"
# include "zcp-pool-monitor.h"
# include "zcp-testing.h"
#undef ZCP_INSIDE
