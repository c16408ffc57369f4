#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The specification's five steps with zerocp, from Python (PyGObject).
# Run with G_MESSAGES_DEBUG=Zcp to see the library's Info lines.
#
# Chunks are reference counted and PyGObject owns a reference per chunk
# object: a chunk goes back to its pool when its object is dropped (`del`,
# or the garbage collector).  Drop chunks before the allocator.

import locale
import os
import sys

import gi
gi.require_version('Zcp', '1')
from gi.repository import GLib, Zcp  # noqa: E402


def main():
    locale.setlocale(locale.LC_ALL, '')  # translated library messages
    shm_name = '/my_application_shm-py-%d' % os.getpid()

    try:
        # Step 1: the configuration.
        config = Zcp.MemPoolConfig.new()
        config.add_entry(256, 1000)   # 256 B x 1000
        config.add_entry(1024, 500)   # 1 KiB x 500
        config.add_entry(4096, 200)   # 4 KiB x 200

        # Step 2: the allocator, which computes the memory needed.
        allocator = Zcp.MemPoolAllocator.new(config)
        print('Required memory: %d bytes' % allocator.get_memory_size())

        # Step 3: the shared memory.
        base_address = allocator.initialize_shared_memory(shm_name)
        print('Shared memory created at: 0x%x' % base_address)

        # Step 4: the pools.
        allocator.initialize_mem_pools()
        print('Memory pools initialized successfully')
    except GLib.Error as e:
        # e.domain is 'zcp-shm-error-quark' or 'zcp-mem-pool-error-quark',
        # e.code a Zcp.ShmError or Zcp.MemPoolError value.
        print('Failed: %s (%s, %d)' % (e.message, e.domain, e.code),
              file=sys.stderr)
        return 1

    # Step 5: use the pools.
    pool_manager = Zcp.MemPoolManager.get_instance_if_initialized()
    chunk = pool_manager.get_chunk(512)
    if chunk is None:
        print('No chunk of 512 bytes available', file=sys.stderr)
        return 1

    chunk.write(0, b'\x5a' * 512)
    data = chunk.get_bytes().get_data()
    print('Got a chunk of %d bytes from pool %d; first bytes %s'
          % (chunk.get_size(), chunk.get_pool_index(), data[:4].hex()))

    # The handle is what another process (Zcp.MemPoolManager.open()) needs
    # to read this chunk with lookup_handle().
    print('Chunk handle: %d' % pool_manager.get_chunk_handle(chunk))

    # Releasing is dropping the object.
    del chunk
    ok, stats = pool_manager.get_pool_stats(1)
    print('Pool 1 in use after release: %d' % stats.used)
    pool_manager.log_pools()

    # The allocator unlinks the segment when it goes away.
    return 0


if __name__ == '__main__':
    sys.exit(main())
