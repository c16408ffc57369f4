#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The testing helpers from Python: a private segment, the leak check as an
# exception that names the pool, a second process started with the segment's
# name in its environment, and a crashed test process that leaves nothing in
# /dev/shm.  The child processes are this script run with --child MODE.

import gc
import os
import signal
import subprocess
import sys
import time
import unittest

import gi
gi.require_version('Zcp', '1')
from gi.repository import GLib, Zcp  # noqa: E402


def shm_exists(name):
    return os.path.exists('/dev/shm' + name)


def wait_until_gone(name):
    # A deadline against hanging, not a speed check.
    deadline = time.monotonic() + 30
    while shm_exists(name):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def child(mode, arg):
    if mode == 'read':
        manager = Zcp.TestSegment.open_from_environment()
        assert manager.get_name() == os.environ[Zcp.TEST_SEGMENT_ENV]
        data = bytes(manager.lookup_handle(int(arg)))
        assert data[:11] == b'from python', data[:11]
        # The parent holds one chunk; ours is the second, in the same pool.
        mine = manager.try_get_chunk(10)
        assert manager.get_pool_stats(0)[1].used == 2
        del mine  # back to its pool
        gc.collect()
        stats = manager.get_pool_stats(0)[1]
        assert stats.used == 1, stats.used
        # This thread took it: it rests in the thread's cache, free, until
        # the process exits.
        assert stats.cached == 1, stats.cached
        assert stats.free == stats.chunk_count - 1, stats.free
        return 0
    if mode == 'exit':
        return int(arg)
    if mode == 'crash':
        segment = Zcp.TestSegment.new(None)
        print(segment.get_name(), flush=True)
        chunk = segment.get_manager().try_get_chunk(10)
        assert chunk is not None
        os.kill(os.getpid(), int(arg))
        return 99
    raise AssertionError('unknown child mode ' + mode)


class TestTesting(unittest.TestCase):
    def assert_error(self, ctx, code):
        e = ctx.exception
        self.assertTrue(e.matches(Zcp.test_error_quark(), code),
                        '%s %d: %s' % (e.domain, e.code, e.message))

    def test_segment_and_leak_check(self):
        segment = Zcp.TestSegment.new(None)
        name = segment.get_name()
        self.assertTrue(name.startswith('/zcp-test-'), name)
        self.assertIn('-%d-' % os.getpid(), name)
        self.assertTrue(shm_exists(name))
        self.assertEqual(segment.props.name, name)

        manager = segment.get_manager()
        self.assertEqual(manager.get_pool_count(), 3)
        self.assertTrue(Zcp.test_check_all_chunks_free(manager))

        chunks = [manager.try_get_chunk(1000) for _ in range(3)]
        with self.assertRaises(GLib.Error) as ctx:
            Zcp.test_check_all_chunks_free(manager)
        self.assert_error(ctx, Zcp.TestError.CHUNKS_IN_USE)
        self.assertEqual(
            ctx.exception.message,
            'Chunks of shared memory “%s” were not released: '
            'pool 1 (1024-byte chunks): 3 of 500 chunks still in use' % name)

        del chunks
        gc.collect()
        # They rest in this thread's cache: free, not leaked.
        ok, stats = manager.get_pool_stats(1)
        self.assertEqual((stats.used, stats.free, stats.cached), (0, 500, 3))
        self.assertTrue(Zcp.test_check_all_chunks_free(manager))
        manager.flush_thread_cache()
        self.assertEqual(manager.get_pool_stats(1)[1].cached, 0)
        self.assertTrue(Zcp.test_check_all_chunks_free(manager))

        del manager, segment
        gc.collect()
        self.assertFalse(shm_exists(name))

    def test_config(self):
        config = Zcp.MemPoolConfig.new()
        config.add_entry(64, 2)
        segment = Zcp.TestSegment.new(config)
        manager = segment.get_manager()
        self.assertEqual(manager.get_pool_count(), 1)
        ok, stats = manager.get_pool_stats(0)
        self.assertTrue(ok)
        self.assertEqual((stats.chunk_size, stats.chunk_count), (64, 2))
        self.assertTrue(config.is_sealed())

    def test_spawn(self):
        segment = Zcp.TestSegment.new(None)
        manager = segment.get_manager()
        chunk = manager.try_get_chunk(64)
        chunk.write(0, b'from python')
        handle = manager.get_chunk_handle(chunk)
        self.assertTrue(segment.spawn([sys.executable, __file__, '--child',
                                       'read', str(handle)]))
        # The child's cached chunk went back to the list when it exited.
        ok, stats = manager.get_pool_stats(0)
        self.assertEqual((stats.used, stats.cached), (1, 0))
        del chunk
        gc.collect()
        self.assertTrue(Zcp.test_check_all_chunks_free(manager))

        with self.assertRaises(GLib.Error) as ctx:
            segment.spawn([sys.executable, __file__, '--child', 'exit', '3'])
        self.assert_error(ctx, Zcp.TestError.SUBPROCESS_FAILED)
        self.assertTrue(ctx.exception.message.endswith(' exited with status 3'),
                        ctx.exception.message)

    def test_no_segment(self):
        os.environ.pop(Zcp.TEST_SEGMENT_ENV, None)
        with self.assertRaises(GLib.Error) as ctx:
            Zcp.TestSegment.open_from_environment()
        self.assert_error(ctx, Zcp.TestError.NO_SEGMENT)

    def test_names(self):
        name = Zcp.test_make_name('py')
        self.assertTrue(name.startswith('/zcp-test-py-%d-' % os.getpid()), name)
        self.assertNotEqual(name, Zcp.test_make_name('py'))
        self.assertGreaterEqual(Zcp.test_cleanup_stale_segments(), 0)

    def test_crashed_process(self):
        for sig in (signal.SIGABRT, signal.SIGKILL):
            proc = subprocess.run([sys.executable, __file__, '--child', 'crash',
                                   str(int(sig))],
                                  stdout=subprocess.PIPE, text=True)
            self.assertEqual(proc.returncode, -sig)
            name = proc.stdout.strip()
            self.assertTrue(name.startswith('/zcp-test-'), name)
            self.assertTrue(wait_until_gone(name), name)


if __name__ == '__main__':
    if len(sys.argv) == 4 and sys.argv[1] == '--child':
        sys.exit(child(sys.argv[2], sys.argv[3]))
    unittest.main(verbosity=2)
