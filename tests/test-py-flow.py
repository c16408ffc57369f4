#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The Python binding (PyGObject): the specification's flow, errors as
# GLib.Error exceptions, bytes in and out of a chunk, and chunks that go back
# to their pool when the garbage collector drops them.
#
# Run by `meson test --suite bindings` with GI_TYPELIB_PATH and
# LD_LIBRARY_PATH pointing at the build tree.

import gc
import os
import secrets
import threading
import unittest
import itertools

import gi
gi.require_version('Zcp', '1')
from gi.repository import GLib, Zcp  # noqa: E402

_counter = itertools.count()


def unique_name():
    return '/zcp-test-py-%d-%d-%s' % (os.getpid(), next(_counter),
                                      secrets.token_hex(4))


def shm_exists(name):
    return os.path.exists('/dev/shm' + name)


class PoolTestCase(unittest.TestCase):
    """A segment with a pool of 4 × 256 B and one of 2 × 1024 B."""

    POOLS = ((256, 4), (1024, 2))
    THREAD_CACHE = None  # the configuration's default

    def setUp(self):
        self.name = unique_name()
        self.config = Zcp.MemPoolConfig.new()
        for size, count in self.POOLS:
            self.config.add_entry(size, count)
        if self.THREAD_CACHE is not None:
            self.config.set_thread_cache(self.THREAD_CACHE)
        self.allocator = Zcp.MemPoolAllocator.new(self.config)
        self.allocator.initialize_shared_memory(self.name)
        self.allocator.initialize_mem_pools()
        self.manager = self.allocator.get_manager()

    def tearDown(self):
        # Chunks first (the test methods drop theirs), then the allocator,
        # which unlinks the segment it created.
        gc.collect()
        for i in range(self.manager.get_pool_count()):
            self.assertEqual(self.used(i), 0, 'pool %d leaked a chunk' % i)
        del self.manager
        del self.allocator
        gc.collect()
        self.assertFalse(shm_exists(self.name))

    def used(self, pool=0):
        return self.stats(pool).used

    def stats(self, pool=0):
        ok, stats = self.manager.get_pool_stats(pool)
        self.assertTrue(ok)
        return stats

    def assertZcpError(self, cm, domain, code):
        err = cm.exception
        self.assertIsInstance(err, GLib.Error)
        self.assertTrue(err.matches(domain, code),
                        '%s:%d: %s' % (err.domain, err.code, err.message))
        self.assertEqual(err.code, int(code))
        self.assertTrue(err.message)


class TestFlow(unittest.TestCase):
    """The five steps of the specification, in order."""

    def test_spec_flow(self):
        name = unique_name()

        # Step 1: the configuration.
        config = Zcp.MemPoolConfig.new()
        config.add_entry(256, 1000)
        config.add_entry(1024, 500)
        config.add_entry(4096, 200)
        self.assertEqual(config.get_n_entries(), 3)
        self.assertEqual(config.get_chunk_size(1), 1024)
        self.assertEqual(config.get_chunk_count(2), 200)

        # Step 2: the allocator computes the memory it needs.
        allocator = Zcp.MemPoolAllocator.new(config)
        size = allocator.get_memory_size()
        self.assertGreaterEqual(size, 256 * 1000 + 1024 * 500 + 4096 * 200)
        self.assertEqual(size, config.get_memory_size())
        self.assertFalse(allocator.is_initialized())
        self.assertTrue(config.is_sealed())

        # Step 3: the shared memory.
        base = allocator.initialize_shared_memory(name)
        self.assertNotEqual(base, 0)
        self.assertEqual(base, allocator.get_base_address())
        self.assertTrue(shm_exists(name))
        self.assertEqual(allocator.get_name(), name)
        self.assertTrue(allocator.get_created())
        self.assertFalse(allocator.is_initialized())

        # Step 4: the pools.
        self.assertTrue(allocator.initialize_mem_pools())
        self.assertTrue(allocator.is_initialized())

        # Step 5: use them.
        manager = Zcp.MemPoolManager.get_instance_if_initialized()
        self.assertIsNotNone(manager)
        self.assertEqual(manager, allocator.get_manager())
        self.assertEqual(manager.get_pool_count(), 3)
        self.assertEqual(manager.get_name(), name)

        chunk = manager.get_chunk(512)
        self.assertIsNotNone(chunk)
        self.assertEqual(chunk.get_size(), 1024)
        self.assertEqual(chunk.get_pool_index(), 1)
        self.assertEqual(manager.get_pool_stats(1)[1].used, 1)
        manager.release_chunk(chunk)
        del chunk
        self.assertEqual(manager.get_pool_stats(1)[1].used, 0)
        # This thread took the chunk from a pool of 500: it rests in the
        # thread's cache, free.
        self.assertEqual(manager.get_pool_stats(1)[1].cached, 1)
        self.assertEqual(manager.get_pool_stats(1)[1].free, 500)

        ok, stats = manager.get_pool_stats(0)
        self.assertTrue(ok)
        self.assertEqual((stats.chunk_size, stats.chunk_count, stats.used, stats.free),
                         (256, 1000, 0, 1000))
        ok, _ = manager.get_pool_stats(3)
        self.assertFalse(ok)

        del manager
        del allocator
        gc.collect()
        self.assertFalse(shm_exists(name))
        self.assertIsNone(Zcp.MemPoolManager.get_instance_if_initialized())


class TestErrors(PoolTestCase):
    """Failures arrive as GLib.Error with zerocp's domain and code."""

    def test_config_errors(self):
        config = Zcp.MemPoolConfig.new()
        with self.assertRaises(GLib.Error) as cm:
            config.add_entry(0, 10)
        self.assertZcpError(cm, Zcp.mem_pool_error_quark(),
                            Zcp.MemPoolError.INVALID_CHUNK_SIZE)
        self.assertEqual(cm.exception.domain, 'zcp-mem-pool-error-quark')

        with self.assertRaises(GLib.Error) as cm:
            config.add_entry(64, 0)
        self.assertZcpError(cm, Zcp.mem_pool_error_quark(),
                            Zcp.MemPoolError.INVALID_CHUNK_COUNT)

        config.add_entry(64, 1)
        with self.assertRaises(GLib.Error) as cm:
            config.add_entry(64, 2)
        self.assertZcpError(cm, Zcp.mem_pool_error_quark(),
                            Zcp.MemPoolError.DUPLICATE_SIZE)

        # self.config is used by self.allocator: sealed.
        with self.assertRaises(GLib.Error) as cm:
            self.config.add_entry(4096, 1)
        self.assertZcpError(cm, Zcp.mem_pool_error_quark(),
                            Zcp.MemPoolError.SEALED)

    def test_order_and_name_errors(self):
        config = Zcp.MemPoolConfig.new()
        config.add_entry(128, 2)
        allocator = Zcp.MemPoolAllocator.new(config)

        with self.assertRaises(GLib.Error) as cm:
            allocator.initialize_mem_pools()
        self.assertZcpError(cm, Zcp.mem_pool_error_quark(),
                            Zcp.MemPoolError.WRONG_ORDER)

        for bad in ('no-slash', '/', '/a/b'):
            with self.assertRaises(GLib.Error) as cm:
                allocator.initialize_shared_memory(bad)
            self.assertZcpError(cm, Zcp.shm_error_quark(),
                                Zcp.ShmError.INVALID_NAME)
            self.assertEqual(cm.exception.domain, 'zcp-shm-error-quark')
        self.assertFalse(allocator.is_initialized())

        # Exclusive creation of a name that exists.
        exclusive = Zcp.MemPoolAllocator.new_with_mode(
            config, Zcp.ShmOpenMode.EXCLUSIVE_CREATE)
        with self.assertRaises(GLib.Error) as cm:
            exclusive.initialize_shared_memory(self.name)
        self.assertZcpError(cm, Zcp.shm_error_quark(),
                            Zcp.ShmError.ALREADY_EXISTS)
        self.assertTrue(shm_exists(self.name))

    def test_open_errors(self):
        missing = unique_name()
        with self.assertRaises(GLib.Error) as cm:
            Zcp.MemPoolManager.open(missing, Zcp.OpenFlags.NONE, 0)
        self.assertZcpError(cm, Zcp.shm_error_quark(),
                            Zcp.ShmError.DOES_NOT_EXIST)
        self.assertIn(missing, cm.exception.message)
        self.assertFalse(shm_exists(missing))

    def test_get_errors(self):
        with self.assertRaises(GLib.Error) as cm:
            self.manager.try_get_chunk(1025)
        self.assertZcpError(cm, Zcp.mem_pool_error_quark(),
                            Zcp.MemPoolError.NO_FITTING_POOL)

        held = [self.manager.try_get_chunk(1000) for _ in range(2)]
        self.assertEqual(self.used(1), 2)
        with self.assertRaises(GLib.Error) as cm:
            self.manager.try_get_chunk(1000)
        self.assertZcpError(cm, Zcp.mem_pool_error_quark(),
                            Zcp.MemPoolError.POOL_EXHAUSTED)
        # get_chunk() says it with None instead.
        self.assertIsNone(self.manager.get_chunk(1000))
        del held
        self.assertEqual(self.used(1), 0)

    def test_handle_and_write_errors(self):
        chunk = self.manager.get_chunk(10)
        with self.assertRaises(GLib.Error) as cm:
            chunk.write(250, b'0123456789')
        self.assertZcpError(cm, Zcp.mem_pool_error_quark(),
                            Zcp.MemPoolError.OVERFLOW)

        handle = self.manager.get_chunk_handle(chunk)
        for bad in (handle + 1, self.manager.get_memory_size() + 64, 1 << 62):
            with self.assertRaises(GLib.Error) as cm:
                self.manager.lookup_handle(bad)
            self.assertZcpError(cm, Zcp.mem_pool_error_quark(),
                                Zcp.MemPoolError.INVALID_HANDLE)
        del chunk
        # The chunk is free now: its handle names no chunk in use.
        with self.assertRaises(GLib.Error) as cm:
            self.manager.lookup_handle(handle)
        self.assertZcpError(cm, Zcp.mem_pool_error_quark(),
                            Zcp.MemPoolError.INVALID_HANDLE)


class TestData(PoolTestCase):
    """Bytes go into a chunk and come back out."""

    def test_round_trip(self):
        chunk = self.manager.get_chunk(256)
        payload = secrets.token_bytes(256)
        self.assertTrue(chunk.write(0, payload))
        view = chunk.get_bytes()
        self.assertEqual(view.get_size(), 256)
        self.assertEqual(view.get_data(), payload)

        # A write at an offset changes only those bytes, and the view
        # (no copy: it is the shared memory itself) sees it.
        chunk.write(100, b'zerocp')
        expected = payload[:100] + b'zerocp' + payload[106:]
        self.assertEqual(view.get_data(), expected)
        self.assertEqual(chunk.get_bytes().get_data(), expected)

        # The payload is also readable through its handle.
        handle = self.manager.get_chunk_handle(chunk)
        self.assertEqual(bytes(self.manager.lookup_handle(handle)), expected)

        # Empty writes at the end are fine; one byte past it is not.
        chunk.write(256, b'')
        with self.assertRaises(GLib.Error):
            chunk.write(256, b'x')
        self.assertEqual(view.get_data(), expected)
        del view, chunk

    def test_bytes_hold_a_reference(self):
        chunk = self.manager.get_chunk(1)
        self.assertEqual(chunk.get_ref_count(), 1)
        view = chunk.get_bytes()
        self.assertEqual(chunk.get_ref_count(), 2)
        del chunk
        gc.collect()
        # The GBytes keeps the chunk out of its pool.
        self.assertEqual(self.used(), 1)
        self.assertEqual(len(view.get_data()), 256)
        del view
        gc.collect()
        self.assertEqual(self.used(), 0)

    def test_chunks_are_distinct(self):
        chunks = [self.manager.get_chunk(200) for _ in range(4)]
        for i, chunk in enumerate(chunks):
            chunk.write(0, bytes([i]) * 256)
        for i, chunk in enumerate(chunks):
            self.assertEqual(chunk.get_bytes().get_data(), bytes([i]) * 256)
        handles = {self.manager.get_chunk_handle(c) for c in chunks}
        self.assertEqual(len(handles), 4)
        del chunks


class TestGarbageCollection(PoolTestCase):
    """A chunk object that is dropped returns its chunk to the pool."""

    def test_drop_returns_chunk(self):
        chunk = self.manager.get_chunk(100)
        self.assertEqual(self.used(), 1)
        del chunk
        self.assertEqual(self.used(), 0)

    def test_cycle_needs_collector(self):
        class Holder:
            pass
        holder = Holder()
        holder.me = holder
        holder.chunk = self.manager.get_chunk(100)
        del holder
        # Still referenced from an unreachable cycle until the cycle
        # collector runs.
        self.assertEqual(self.used(), 1)
        gc.collect()
        self.assertEqual(self.used(), 0)

    def test_many_more_gets_than_chunks(self):
        # 1000 gets from a pool of 4: only possible if every dropped chunk
        # object gives its chunk back.
        for i in range(1000):
            chunk = self.manager.try_get_chunk(256)
            chunk.write(0, i.to_bytes(4, 'little'))
        del chunk
        self.assertEqual(self.used(), 0)
        ok, stats = self.manager.get_pool_stats(0)
        self.assertEqual(stats.failed_gets, 0)
        self.assertEqual(stats.low_water, 2)

    def test_release_chunk_from_python(self):
        # release_chunk() takes its argument with transfer full; PyGObject
        # hands it a new reference of its own, so the call drops that
        # reference and the object stays usable until it is collected.
        chunk = self.manager.get_chunk(100)
        self.assertEqual(chunk.get_ref_count(), 1)
        self.manager.release_chunk(chunk)
        self.assertEqual(chunk.get_ref_count(), 1)
        self.assertEqual(self.used(), 1)
        chunk.write(0, b'still mine')
        self.assertEqual(chunk.get_bytes().get_data()[:10], b'still mine')
        del chunk
        self.assertEqual(self.used(), 0)

    def test_ref_and_unref_are_balanced(self):
        chunk = self.manager.get_chunk(100)
        other = chunk.ref()
        self.assertEqual(chunk.get_ref_count(), 2)
        other.unref()
        self.assertEqual(chunk.get_ref_count(), 2)
        del other
        self.assertEqual(chunk.get_ref_count(), 1)
        del chunk
        self.assertEqual(self.used(), 0)



class TestThreadCacheConfig(unittest.TestCase):
    """The thread-cache setting: on by default, in the configuration file."""

    def test_default_and_setter(self):
        config = Zcp.MemPoolConfig.new()
        self.assertTrue(config.get_thread_cache())
        self.assertTrue(config.props.thread_cache)
        self.assertIn('thread-cache=true\n', config.to_string())

        notified = []
        config.connect('notify::thread-cache',
                       lambda obj, pspec: notified.append(obj.props.thread_cache))
        self.assertTrue(config.set_thread_cache(False))
        self.assertTrue(config.set_thread_cache(False))  # no change, no notify
        self.assertEqual(notified, [False])
        self.assertFalse(config.get_thread_cache())
        self.assertFalse(config.props.thread_cache)
        text = config.to_string()
        self.assertIn('thread-cache=false\n', text)
        self.assertNotIn('thread-cache=true', text)

        # The file format carries it, in [segment].
        config.add_entry(64, 100)
        back = Zcp.MemPoolConfig.new_from_data(config.to_string(), -1)
        self.assertFalse(back.get_thread_cache())
        self.assertTrue(back.equal(config))
        back = Zcp.MemPoolConfig.new_from_data(
            '[segment]\nthread-cache=true\n[pool a]\nchunk-size=64B\nchunk-count=1\n', -1)
        self.assertTrue(back.get_thread_cache())

    def test_sealed(self):
        config = Zcp.MemPoolConfig.new()
        config.add_entry(64, 1)
        allocator = Zcp.MemPoolAllocator.new(config)
        self.assertTrue(config.is_sealed())
        with self.assertRaises(GLib.Error) as cm:
            config.set_thread_cache(False)
        self.assertTrue(cm.exception.matches(Zcp.mem_pool_error_quark(),
                                             Zcp.MemPoolError.SEALED))
        self.assertTrue(config.get_thread_cache())
        del allocator


class TestThreadCache(PoolTestCase):
    """A chunk that the thread which took it releases rests in that thread's
    cache: free, counted in `cached` and not in `used`, and the thread's
    next get takes it.  Chunks go back to their pool when their wrapper is
    dropped, so `del` is the release here."""

    COUNT = 100  # 64 chunks or more: smaller pools are never cached
    POOLS = ((256, COUNT), (1024, 4))

    def assertStats(self, pool, used, free, cached):
        stats = self.stats(pool)
        self.assertEqual((stats.used, stats.free, stats.cached),
                         (used, free, cached))
        self.assertEqual(stats.used + stats.free, stats.chunk_count)

    def test_release_is_cached(self):
        chunk = self.manager.get_chunk(100)
        handle = self.manager.get_chunk_handle(chunk)
        self.assertStats(0, 1, self.COUNT - 1, 0)
        del chunk
        gc.collect()
        self.assertStats(0, 0, self.COUNT, 1)

        # The next get takes the cached chunk: the same handle.
        chunk = self.manager.get_chunk(100)
        self.assertEqual(self.manager.get_chunk_handle(chunk), handle)
        self.assertStats(0, 1, self.COUNT - 1, 0)
        del chunk
        self.assertStats(0, 0, self.COUNT, 1)

        # A flush gives it back to the shared list.
        self.manager.flush_thread_cache()
        self.assertStats(0, 0, self.COUNT, 0)
        self.manager.flush_thread_cache()  # nothing left: no effect
        self.assertStats(0, 0, self.COUNT, 0)

    def test_small_pool_not_cached(self):
        chunk = self.manager.get_chunk(1000)
        self.assertEqual(chunk.get_pool_index(), 1)
        del chunk
        self.assertStats(1, 0, 4, 0)

    def test_at_most_eight(self):
        chunks = [self.manager.get_chunk(100) for _ in range(10)]
        self.assertStats(0, 10, self.COUNT - 10, 0)
        del chunks
        gc.collect()
        self.assertStats(0, 0, self.COUNT, 8)
        self.manager.flush_thread_cache()
        self.assertStats(0, 0, self.COUNT, 0)

    def test_only_chunks_it_took(self):
        # Another thread takes the chunk; this one drops it: not cached,
        # since this thread took nothing.
        taken = []
        thread = threading.Thread(
            target=lambda: taken.append(self.manager.get_chunk(100)))
        thread.start()
        thread.join()
        self.assertStats(0, 1, self.COUNT - 1, 0)
        del taken[:]
        gc.collect()
        self.assertStats(0, 0, self.COUNT, 0)


class TestThreadCacheOff(TestThreadCache):
    """The same pools in a segment made with thread-cache=false."""

    THREAD_CACHE = False

    def test_release_is_cached(self):
        self.assertFalse(self.config.get_thread_cache())
        chunk = self.manager.get_chunk(100)
        del chunk
        gc.collect()
        self.assertStats(0, 0, self.COUNT, 0)

    def test_at_most_eight(self):
        chunks = [self.manager.get_chunk(100) for _ in range(10)]
        del chunks
        gc.collect()
        self.assertStats(0, 0, self.COUNT, 0)


if __name__ == '__main__':
    unittest.main(verbosity=2)
