/* bench-peers-c.h: the peers written in C (bench-peers-c.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "bench.h"

extern const BenchPeer bench_c_peers[];
extern const unsigned bench_n_c_peers;

double  bench_zerocp_layout_seconds (uint32_t size,
                                     uint32_t n,
                                     double (*now) (void),
                                     double  *memset_seconds);
guint64 bench_zerocp_segment_size   (uint32_t size,
                                     uint32_t n);
