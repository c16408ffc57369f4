// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The testing helpers from GJS: a private segment, the leak check as a
// GLib.Error that names the pool, and a second process started with the
// segment's name in its environment (this script run with --child).  Exits 1
// on the first failure (GJS itself exits 0 on some uncaught errors).

imports.gi.versions.Zcp = '1';
const {GLib, Zcp} = imports.gi;
const System = imports.system;

function assert(cond, what) {
    if (!cond)
        throw new Error(`assertion failed: ${what}`);
}

function assertEq(got, want, what) {
    if (got !== want)
        throw new Error(`${what}: got ${got}, want ${want}`);
}

function shmExists(name) {
    return GLib.file_test(`/dev/shm${name}`, GLib.FileTest.EXISTS);
}

function child(handle) {
    const manager = Zcp.TestSegment.open_from_environment();
    assertEq(manager.get_name(), GLib.getenv(Zcp.TEST_SEGMENT_ENV), 'child: segment');
    // The parent's chunk is in use in the shared pool; take and give back
    // one of our own.
    assert(parseInt(handle, 10) > 0, 'child: a handle');
    let [, stats] = manager.get_pool_stats(2);
    assertEq(stats.used, 1, 'child: chunks used');
    let mine = manager.try_get_chunk(4000);
    [, stats] = manager.get_pool_stats(2);
    assertEq(stats.used, 2, 'child: chunks used with ours');
    mine = null;
    System.gc();
    [, stats] = manager.get_pool_stats(2);
    assertEq(stats.used, 1, 'child: ours given back');
    // This thread took it: it rests in the thread's cache, free, until the
    // process exits.
    assertEq(stats.cached, 1, 'child: ours cached');
    assertEq(stats.free, stats.chunk_count - 1, 'child: free');
}

function testSegmentAndLeakCheck() {
    let segment = Zcp.TestSegment.new(null);
    const name = segment.get_name();
    assert(name.startsWith('/zcp-test-'), name);
    assert(shmExists(name), 'segment exists');
    const manager = segment.get_manager();
    assert(Zcp.test_check_all_chunks_free(manager), 'nothing out at first');

    let chunk = manager.try_get_chunk(4096);
    let caught = null;
    try {
        Zcp.test_check_all_chunks_free(manager);
    } catch (e) {
        caught = e;
    }
    assert(caught instanceof GLib.Error, `a GLib.Error (${caught})`);
    assert(caught.matches(Zcp.test_error_quark(), Zcp.TestError.CHUNKS_IN_USE),
        `domain and code (${caught.message})`);
    assertEq(caught.message,
        `Chunks of shared memory “${name}” were not released: ` +
        'pool 2 (4096-byte chunks): 1 of 200 chunks still in use', 'message');

    // The chunk goes back to its pool when its wrapper is collected.
    const handle = manager.get_chunk_handle(chunk);
    assert(segment.spawn([GLib.find_program_in_path('gjs'), System.programPath,
        '--child', `${handle}`]), 'spawned child');
    // The child's cached chunk went back to the list when it exited.
    let [, stats] = manager.get_pool_stats(2);
    assertEq(`${stats.used} ${stats.cached}`, '1 0', 'used and cached after the child');

    chunk = null;
    System.gc();
    // Ours rests in this thread's cache: free, not a leak.
    [, stats] = manager.get_pool_stats(2);
    assertEq(`${stats.used} ${stats.free} ${stats.cached}`, '0 200 1', 'cached after the GC');
    assert(Zcp.test_check_all_chunks_free(manager), 'all free after the GC');
    manager.flush_thread_cache();
    [, stats] = manager.get_pool_stats(2);
    assertEq(stats.cached, 0, 'flushed');
    assert(Zcp.test_check_all_chunks_free(manager), 'all free after the flush');

    caught = null;
    try {
        segment.spawn(['/bin/sh', '-c', 'exit 4']);
    } catch (e) {
        caught = e;
    }
    assert(caught !== null && caught.matches(Zcp.test_error_quark(),
        Zcp.TestError.SUBPROCESS_FAILED), `spawn failure (${caught})`);
    assert(caught.message.endsWith(' exited with status 4'), caught.message);

    segment.run_dispose();
    assert(!shmExists(name), 'segment removed on dispose');
    segment = null;
}

try {
    if (ARGV.length === 2 && ARGV[0] === '--child') {
        child(ARGV[1]);
    } else {
        testSegmentAndLeakCheck();
        print('ok');
    }
} catch (e) {
    printerr(`FAIL: ${e}\n${e.stack}`);
    System.exit(1);
}
