/* zcp-version-macros.h: symbol visibility and availability
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (ZCP_INSIDE) && !defined (ZCP_COMPILATION)
# error "Only <zerocp/zerocp.h> can be included directly."
#endif

#include <glib.h>

#ifndef _ZCP_EXTERN
# define _ZCP_EXTERN __attribute__((visibility ("default"))) extern
#endif

#define ZCP_AVAILABLE_IN_ALL _ZCP_EXTERN
#define ZCP_AVAILABLE_IN_1_0 _ZCP_EXTERN
