// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The JavaScript binding (GJS): the specification's flow, errors as
// GLib.Error exceptions, bytes in and out of a chunk, and chunks that go back
// to their pool when the garbage collector drops them.  Exits 1 on the first
// failure (GJS itself exits 0 on some uncaught errors).

imports.gi.versions.Zcp = '1';
const {GLib, Zcp} = imports.gi;
const System = imports.system;

let counter = 0;
function uniqueName() {
    const rand = GLib.random_int_range(0, 0x7fffffff).toString(16);
    return `/zcp-test-js-${new Date().getTime()}-${counter++}-${rand}`;
}

function shmExists(name) {
    return GLib.file_test(`/dev/shm${name}`, GLib.FileTest.EXISTS);
}

function assert(cond, what) {
    if (!cond)
        throw new Error(`assertion failed: ${what}`);
}

function assertEq(got, want, what) {
    if (got !== want)
        throw new Error(`${what}: got ${got}, want ${want}`);
}

function assertThrows(fn, domain, code, what) {
    try {
        fn();
    } catch (e) {
        assert(e instanceof GLib.Error, `${what}: a GLib.Error (${e})`);
        assert(e.matches(domain, code),
            `${what}: domain ${e.domain} code ${e.code} (${e.message})`);
        assertEq(e.code, code, `${what}: code`);
        assert(e.message.length > 0, `${what}: message`);
        return e;
    }
    throw new Error(`${what}: no exception`);
}

function used(manager, pool = 0) {
    const [ok, stats] = manager.get_pool_stats(pool);
    assert(ok, 'pool in range');
    return stats.used;
}

function collect() {
    // Two passes: the first may only finalize the JS wrappers.
    System.gc();
    System.gc();
}

function stats(manager, pool = 0) {
    const [ok, s] = manager.get_pool_stats(pool);
    assert(ok, 'pool in range');
    return s;
}

// "USED FREE CACHED" of a pool, one string to compare; used + free is
// always the count.
function usage(manager, pool = 0) {
    const s = stats(manager, pool);
    assertEq(s.used + s.free, s.chunk_count, 'used + free');
    return `${s.used} ${s.free} ${s.cached}`;
}

// Takes n chunks of size bytes from pool 0, all out at once, and drops them.
function getChunks(manager, n, size) {
    const chunks = [];
    for (let i = 0; i < n; i++)
        chunks.push(manager.get_chunk(size));
    assertEq(stats(manager).used, n, `${n} out at once`);
}

// A segment with a pool of 4 × 256 B and one of 2 × 1024 B, or the pools
// and thread-cache setting of options.
function withPools(fn, options = {}) {
    const name = uniqueName();
    const config = Zcp.MemPoolConfig.new();
    for (const [size, count] of options.pools ?? [[256, 4], [1024, 2]])
        config.add_entry(size, count);
    if (options.threadCache !== undefined)
        config.set_thread_cache(options.threadCache);
    let allocator = Zcp.MemPoolAllocator.new(config);
    allocator.initialize_shared_memory(name);
    allocator.initialize_mem_pools();
    let manager = allocator.get_manager();
    try {
        fn(manager, name, config);
        collect();
        assertEq(used(manager, 0), 0, 'pool 0 leaked a chunk');
        assertEq(used(manager, 1), 0, 'pool 1 leaked a chunk');
    } finally {
        manager = null;
        allocator = null;
        collect();
    }
    assert(!shmExists(name), 'the allocator unlinked its segment');
}

const tests = {
    specFlow() {
        const name = uniqueName();
        // Step 1
        const config = Zcp.MemPoolConfig.new();
        config.add_entry(256, 1000);
        config.add_entry(1024, 500);
        config.add_entry(4096, 200);
        assertEq(config.get_n_entries(), 3, 'entries');
        // Step 2
        let allocator = Zcp.MemPoolAllocator.new(config);
        const size = allocator.get_memory_size();
        assert(size >= 256 * 1000 + 1024 * 500 + 4096 * 200, 'size');
        assertEq(size, config.get_memory_size(), 'size from config');
        assert(!allocator.is_initialized(), 'not initialized yet');
        // Step 3: success is the absence of an exception (GJS has no value
        // for a bare pointer).
        allocator.initialize_shared_memory(name);
        assert(shmExists(name), 'segment exists');
        assertEq(allocator.get_name(), name, 'name');
        // Step 4
        assert(allocator.initialize_mem_pools(), 'pools');
        assert(allocator.is_initialized(), 'initialized');
        // Step 5
        let manager = Zcp.MemPoolManager.get_instance_if_initialized();
        assert(manager !== null, 'default manager');
        assert(manager === allocator.get_manager(), 'same manager');
        assertEq(manager.get_pool_count(), 3, 'pool count');
        let chunk = manager.get_chunk(512);
        assert(chunk !== null, 'a chunk');
        assertEq(chunk.get_size(), 1024, 'chunk size');
        assertEq(chunk.get_pool_index(), 1, 'pool index');
        assertEq(used(manager, 1), 1, 'used after get');
        chunk = null;
        collect();
        assertEq(used(manager, 1), 0, 'used after the chunk was collected');
        // This thread took the chunk from a pool of 500: it rests in the
        // thread's cache, free.
        assertEq(usage(manager, 1), '0 500 1', 'used free cached after the release');
        const [ok, stats] = manager.get_pool_stats(2);
        assert(ok, 'stats');
        assertEq(stats.chunk_size, 4096, 'stats chunk_size');
        assertEq(stats.chunk_count, 200, 'stats chunk_count');
        assertEq(stats.free, 200, 'stats free');
        manager = null;
        allocator = null;
        collect();
        assert(!shmExists(name), 'segment unlinked');
    },

    errors() {
        withPools((manager, name, sealed) => {
            const config = Zcp.MemPoolConfig.new();
            const e = assertThrows(() => config.add_entry(0, 1),
                Zcp.MemPoolError, Zcp.MemPoolError.INVALID_CHUNK_SIZE, 'chunk size 0');
            assert(e.matches(Zcp.mem_pool_error_quark(), Zcp.MemPoolError.INVALID_CHUNK_SIZE),
                'the quark matches too');
            assertThrows(() => config.add_entry(64, 0),
                Zcp.MemPoolError, Zcp.MemPoolError.INVALID_CHUNK_COUNT, 'count 0');
            assertThrows(() => sealed.add_entry(8192, 1),
                Zcp.MemPoolError, Zcp.MemPoolError.SEALED, 'sealed');

            config.add_entry(64, 1);
            const allocator = Zcp.MemPoolAllocator.new(config);
            assertThrows(() => allocator.initialize_mem_pools(),
                Zcp.MemPoolError, Zcp.MemPoolError.WRONG_ORDER, 'pools first');
            assertThrows(() => allocator.initialize_shared_memory('no-slash'),
                Zcp.ShmError, Zcp.ShmError.INVALID_NAME, 'bad name');
            assertThrows(() => Zcp.MemPoolManager.open(uniqueName(), Zcp.OpenFlags.NONE, 0),
                Zcp.ShmError, Zcp.ShmError.DOES_NOT_EXIST, 'open missing');

            assertThrows(() => manager.try_get_chunk(4096),
                Zcp.MemPoolError, Zcp.MemPoolError.NO_FITTING_POOL, 'too large');
            let held = [manager.try_get_chunk(1000), manager.try_get_chunk(1000)];
            assertThrows(() => manager.try_get_chunk(1000),
                Zcp.MemPoolError, Zcp.MemPoolError.POOL_EXHAUSTED, 'exhausted');
            assertEq(manager.get_chunk(1000), null, 'get_chunk says null');
            assertThrows(() => held[0].write(1000, new Uint8Array(100)),
                Zcp.MemPoolError, Zcp.MemPoolError.OVERFLOW, 'write past the end');
            const handle = manager.get_chunk_handle(held[0]);
            assertThrows(() => manager.lookup_handle(handle + 1),
                Zcp.MemPoolError, Zcp.MemPoolError.INVALID_HANDLE, 'bad handle');
            held = null;
        });
    },

    roundTrip() {
        withPools(manager => {
            let chunk = manager.get_chunk(200);
            const payload = new Uint8Array(256);
            for (let i = 0; i < payload.length; i++)
                payload[i] = (i * 7 + 3) & 0xff;
            assert(chunk.write(0, payload), 'write');
            // Read GBytes with toArray(): in GJS 1.74, calling a GBytes
            // method such as get_size() or get_data() leaks a reference to
            // it, and the chunk would then stay out of its pool.
            let view = chunk.get_bytes();
            let back = view.toArray();
            assertEq(back.length, 256, 'view size');
            for (let i = 0; i < payload.length; i++)
                assertEq(back[i], payload[i], `byte ${i}`);

            const text = new TextEncoder().encode('零拷贝 zerocp');
            chunk.write(10, text);
            back = chunk.get_bytes().toArray();
            assertEq(new TextDecoder().decode(back.slice(10, 10 + text.length)),
                '零拷贝 zerocp', 'text at offset 10');
            assertEq(back[9], payload[9], 'byte before the text unchanged');
            // The first view is shared memory, not a copy: it sees the write.
            assertEq(view.toArray()[10], text[0], 'view sees later writes');

            const viaHandle = manager.lookup_handle(manager.get_chunk_handle(chunk));
            assertEq(viaHandle.length, 256, 'lookup_handle length');
            assertEq(viaHandle[10], text[0], 'lookup_handle data');

            assertEq(chunk.get_ref_count(), 3, 'two views hold references');
            view = null;
            chunk = null;
        });
    },

    garbageCollection() {
        withPools(manager => {
            let chunk = manager.get_chunk(100);
            assertEq(used(manager), 1, 'one in use');
            chunk = null;
            collect();
            assertEq(used(manager), 0, 'collected chunk went back');

            // 200 gets from a pool of 4 only work if dropped chunks return.
            for (let i = 0; i < 200; i++) {
                manager.try_get_chunk(256).write(0, new Uint8Array([i & 0xff]));
                if (i % 2 === 1)
                    collect();
            }
            collect();
            assertEq(used(manager), 0, 'all returned');
            assertEq(manager.get_pool_stats(0)[1].failed_gets, 0, 'no failed get');
        });
    },

    releaseChunkFromJs() {
        withPools(manager => {
            // release_chunk() takes the chunk with transfer full: GJS passes
            // a new reference of its own, so the wrapper stays valid and the
            // chunk returns when the wrapper is collected.
            let chunk = manager.get_chunk(100);
            manager.release_chunk(chunk);
            assertEq(chunk.get_ref_count(), 1, 'the wrapper still holds one');
            assertEq(used(manager), 1, 'still in use');
            chunk.write(0, new Uint8Array([42]));
            assertEq(chunk.get_bytes().toArray()[0], 42, 'still usable');
            chunk = null;
            collect();
            assertEq(used(manager), 0, 'collected');
        });
    },

    threadCacheConfig() {
        const config = Zcp.MemPoolConfig.new();
        assertEq(config.get_thread_cache(), true, 'on by default');
        assertEq(config.thread_cache, true, 'the property');
        assert(config.to_string().includes('thread-cache=true\n'), 'to_string says true');

        const notified = [];
        config.connect('notify::thread-cache', obj => notified.push(obj.thread_cache));
        assert(config.set_thread_cache(false), 'set false');
        assert(config.set_thread_cache(false), 'set false again');
        assertEq(notified.join(), 'false', 'one notify, for the change');
        assertEq(config.get_thread_cache(), false, 'off');
        assertEq(config.thread_cache, false, 'the property off');
        const text = config.to_string();
        assert(text.includes('thread-cache=false\n'), 'to_string says false');
        assert(!text.includes('thread-cache=true'), 'and not true');

        config.add_entry(64, 100);
        const back = Zcp.MemPoolConfig.new_from_data(config.to_string(), -1);
        assertEq(back.get_thread_cache(), false, 'read back');
        assert(back.equal(config), 'equal after the round trip');

        const sealed = Zcp.MemPoolConfig.new();
        sealed.add_entry(64, 1);
        const allocator = Zcp.MemPoolAllocator.new(sealed);
        assert(allocator !== null && sealed.is_sealed(), 'sealed');
        assertThrows(() => sealed.set_thread_cache(false),
            Zcp.MemPoolError, Zcp.MemPoolError.SEALED, 'set on a sealed config');
        assertEq(sealed.get_thread_cache(), true, 'unchanged');
    },

    threadCache() {
        // Pool 0 has 64 chunks or more, so it is cached; pool 1 is too small.
        withPools(manager => {
            let chunk = manager.get_chunk(100);
            const handle = manager.get_chunk_handle(chunk);
            assertEq(usage(manager), '1 99 0', 'one out');
            chunk = null;
            collect();
            assertEq(usage(manager), '0 100 1', 'released into the cache');

            // The next get takes the cached chunk: the same handle.
            chunk = manager.get_chunk(100);
            assertEq(manager.get_chunk_handle(chunk), handle, 'the same chunk again');
            assertEq(usage(manager), '1 99 0', 'out of the cache');
            chunk = null;
            collect();
            assertEq(usage(manager), '0 100 1', 'cached again');

            manager.flush_thread_cache();
            assertEq(usage(manager), '0 100 0', 'flushed');

            chunk = manager.get_chunk(1000);
            assertEq(chunk.get_pool_index(), 1, 'the small pool');
            chunk = null;
            collect();
            assertEq(usage(manager, 1), '0 4 0', 'a pool of 4 is never cached');

            // At most 8 per pool.  The chunks live in a frame of their
            // own: a dead array in this one may stay reachable until it
            // returns.
            getChunks(manager, 10, 100);
            collect();
            assertEq(usage(manager), '0 100 8', 'at most 8 cached');
            manager.flush_thread_cache();
            assertEq(usage(manager), '0 100 0', 'flushed again');
        }, {pools: [[256, 100], [1024, 4]]});
    },

    threadCacheOff() {
        withPools((manager, name, config) => {
            assertEq(config.get_thread_cache(), false, 'off in the config');
            let chunk = manager.get_chunk(100);
            chunk = null;
            collect();
            assertEq(usage(manager), '0 100 0', 'nothing cached');
        }, {pools: [[256, 100], [1024, 4]], threadCache: false});
    },
};

let failed = 0;
for (const [name, fn] of Object.entries(tests)) {
    try {
        fn();
        print(`ok - ${name}`);
    } catch (e) {
        failed++;
        print(`not ok - ${name}: ${e}\n${e.stack}`);
    }
}
collect();
if (failed > 0) {
    printerr(`${failed} test(s) failed`);
    System.exit(1);
}
