// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The specification's five steps with zerocp, from JavaScript (GJS).
// Run with G_MESSAGES_DEBUG=Zcp to see the library's Info lines.
//
// Chunks are reference counted and GJS owns a reference per chunk object:
// a chunk goes back to its pool when the garbage collector finalizes its
// object.  Drop chunks (and any GBytes view) before the allocator.

imports.gi.versions.Zcp = '1';
const {GLib, Zcp} = imports.gi;
const System = imports.system;

function main() {
    const shmName = `/my_application_shm-gjs-${new Date().getTime()}`;
    let allocator;

    try {
        // Step 1: the configuration.
        const config = Zcp.MemPoolConfig.new();
        config.add_entry(256, 1000);   // 256 B x 1000
        config.add_entry(1024, 500);   // 1 KiB x 500
        config.add_entry(4096, 200);   // 4 KiB x 200

        // Step 2: the allocator, which computes the memory needed.
        allocator = Zcp.MemPoolAllocator.new(config);
        print(`Required memory: ${allocator.get_memory_size()} bytes`);

        // Step 3: the shared memory (GJS shows no bare pointer: success is
        // the absence of an exception).
        allocator.initialize_shared_memory(shmName);
        print(`Shared memory created: ${allocator.get_name()}`);

        // Step 4: the pools.
        allocator.initialize_mem_pools();
        print('Memory pools initialized successfully');
    } catch (e) {
        // e is a GLib.Error: e.matches(Zcp.ShmError, Zcp.ShmError.INVALID_NAME)
        printerr(`Failed: ${e.message} (${e.domain}, ${e.code})`);
        return 1;
    }

    // Step 5: use the pools.
    const poolManager = Zcp.MemPoolManager.get_instance_if_initialized();
    let chunk = poolManager.get_chunk(512);
    if (chunk === null) {
        printerr('No chunk of 512 bytes available');
        return 1;
    }

    chunk.write(0, new Uint8Array(512).fill(0x5a));
    // toArray() is a view that keeps the chunk referenced while it lives:
    // keep only what is needed (a copy, here the first byte).
    const first = chunk.get_bytes().toArray()[0];
    print(`Got a chunk of ${chunk.get_size()} bytes from pool ${chunk.get_pool_index()}; first byte ${first}`);
    print(`Chunk handle: ${poolManager.get_chunk_handle(chunk)}`);

    // Releasing is dropping the object; the collector returns the chunk.
    chunk = null;
    System.gc();
    print(`Pool 1 in use after release: ${poolManager.get_pool_stats(1)[1].used}`);
    poolManager.log_pools();
    return 0;
}

const status = main();
System.gc();
System.exit(status);
