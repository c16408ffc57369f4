#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A second Python process attaches to a segment with Zcp.MemPoolManager.open()
# and reads a chunk whose handle it was given, while the first process holds
# the chunk.  The child is this script run with --child.

import gc
import itertools
import os
import secrets
import subprocess
import sys
import unittest

import gi
gi.require_version('Zcp', '1')
from gi.repository import GLib, Zcp  # noqa: E402

_counter = itertools.count()


def unique_name():
    return '/zcp-test-pyx-%d-%d-%s' % (os.getpid(), next(_counter),
                                       secrets.token_hex(4))


def child(name, handle, expected_hex, mode):
    """Attach, read the chunk through its handle, check the shared stats."""
    handle = int(handle)
    expected = bytes.fromhex(expected_hex)
    flags = Zcp.OpenFlags.READ_ONLY if mode == 'ro' else Zcp.OpenFlags.NONE
    manager = Zcp.MemPoolManager.open(name, flags, 1000)
    assert manager.get_name() == name, manager.get_name()
    assert manager.is_read_only() == (mode == 'ro')

    data = bytes(manager.lookup_handle(handle))
    assert data[:len(expected)] == expected, (data[:16], expected[:16])
    assert len(data) == manager.get_pool_stats(0)[1].chunk_size

    # The statistics live in the segment: the parent's chunk counts here.
    ok, stats = manager.get_pool_stats(0)
    assert ok and stats.used == 1, stats.used

    if mode == 'adopt':
        # The handle carries a reference (share_chunk): adopt it, read the
        # bytes in place, and dropping the object gives the chunk back.
        chunk = manager.chunk_from_handle(handle)
        assert chunk.get_ref_count() == 1, chunk.get_ref_count()
        assert bytes(chunk.get_bytes().get_data())[:len(expected)] == expected
        del chunk
        gc.collect()
        assert manager.get_pool_stats(0)[1].used == 0
    elif mode == 'ro':
        try:
            manager.try_get_chunk(16)
        except GLib.Error as e:
            assert e.matches(Zcp.mem_pool_error_quark(),
                             Zcp.MemPoolError.READ_ONLY), e.message
        else:
            raise AssertionError('a read-only attachment handed out a chunk')
    else:
        # Take a chunk of our own, write into it and drop it: the parent
        # sees the counts move in the same segment.
        mine = manager.try_get_chunk(16)
        assert manager.get_pool_stats(0)[1].used == 2
        mine.write(0, b'child')
        assert mine.get_bytes().get_data()[:5] == b'child'
        del mine
        gc.collect()
        assert manager.get_pool_stats(0)[1].used == 1
    print('child read %d bytes via handle %d' % (len(data), handle))
    return 0


class TestCrossProcess(unittest.TestCase):

    def setUp(self):
        self.name = unique_name()
        config = Zcp.MemPoolConfig.new()
        config.add_entry(128, 8)
        self.allocator = Zcp.MemPoolAllocator.new(config)
        self.allocator.initialize_shared_memory(self.name)
        self.allocator.initialize_mem_pools()
        self.manager = self.allocator.get_manager()

    def tearDown(self):
        gc.collect()
        self.assertEqual(self.manager.get_pool_stats(0)[1].used, 0)
        del self.manager, self.allocator
        gc.collect()
        self.assertFalse(os.path.exists('/dev/shm' + self.name))

    def run_child(self, handle, expected, mode):
        proc = subprocess.run(
            [sys.executable, __file__, '--child', self.name, str(handle),
             expected.hex(), mode],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60,
            env=dict(os.environ, G_DEBUG='fatal-criticals'))
        sys.stdout.write(proc.stdout.decode())
        sys.stderr.write(proc.stderr.decode())
        self.assertEqual(proc.returncode, 0, proc.stderr.decode())
        return proc

    def check_mode(self, mode):
        chunk = self.manager.get_chunk(100)
        payload = secrets.token_bytes(128)
        chunk.write(0, payload)
        handle = self.manager.get_chunk_handle(chunk)
        self.assertNotEqual(handle, 0)

        proc = self.run_child(handle, payload, mode)
        self.assertIn(b'child read 128 bytes', proc.stdout)

        # The child left the counts as it found them.
        self.assertEqual(chunk.get_ref_count(), 1)
        self.assertEqual(self.manager.get_pool_stats(0)[1].used, 1)
        del chunk

    def test_read_only_child(self):
        self.check_mode('ro')

    def test_read_write_child(self):
        self.check_mode('rw')

    def test_share_and_drop(self):
        # A binding sends its chunk with share_chunk(), drops its own
        # object at once, and the receiving process owns the chunk.
        chunk = self.manager.get_chunk(100)
        payload = secrets.token_bytes(128)
        chunk.write(0, payload)
        handle = self.manager.share_chunk(chunk)
        self.assertEqual(handle, self.manager.get_chunk_handle(chunk))
        self.assertEqual(chunk.get_ref_count(), 2)
        del chunk
        gc.collect()
        self.assertEqual(self.manager.get_pool_stats(0)[1].used, 1)

        proc = self.run_child(handle, payload, 'adopt')
        self.assertIn(b'child read 128 bytes', proc.stdout)
        self.assertEqual(self.manager.get_pool_stats(0)[1].used, 0)

    def test_child_sees_wrong_payload(self):
        # The check in the child can fail: a payload that differs from the
        # expected bytes makes it exit non-zero.
        chunk = self.manager.get_chunk(100)
        chunk.write(0, b'\x01' * 128)
        handle = self.manager.get_chunk_handle(chunk)
        proc = subprocess.run(
            [sys.executable, __file__, '--child', self.name, str(handle),
             (b'\x02' * 128).hex(), 'ro'],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn(b'AssertionError', proc.stderr)
        del chunk

    def test_child_stale_handle(self):
        chunk = self.manager.get_chunk(100)
        handle = self.manager.get_chunk_handle(chunk)
        del chunk
        # Released: the child's lookup fails with INVALID_HANDLE.
        proc = subprocess.run(
            [sys.executable, __file__, '--child', self.name, str(handle),
             '00', 'ro'],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn(b'zcp-mem-pool-error-quark', proc.stderr)


if __name__ == '__main__':
    if len(sys.argv) == 6 and sys.argv[1] == '--child':
        sys.exit(child(*sys.argv[2:]))
    unittest.main(verbosity=2)
