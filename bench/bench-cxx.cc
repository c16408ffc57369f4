// bench-cxx.cc: the C++ peers — iceoryx 2.0's MemPool and Boost.Interprocess's
// node_allocator in a managed_shared_memory
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Each is used the way its users use it, through its public API, with the
// pools placed in memory that a fork()ed child inherits at the same address.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

#ifdef HAVE_ICEORYX
#include "iceoryx_hoofs/internal/posix_wrapper/shared_memory_object/allocator.hpp"
#include "iceoryx_hoofs/internal/relocatable_pointer/base_relative_pointer.hpp"
#include "iceoryx_posh/internal/mepoo/mem_pool.hpp"
#endif

#ifdef HAVE_BOOST
#include <boost/interprocess/allocators/node_allocator.hpp>
#include <boost/interprocess/managed_shared_memory.hpp>
#endif

namespace
{

void *
shared_map (size_t size, bool reserve)
{
  void *p = mmap (nullptr, size, PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS | (reserve ? 0 : MAP_NORESERVE), -1, 0);
  if (p == MAP_FAILED)
    {
      perror ("mmap");
      return nullptr;
    }
  return p;
}

void *
attach_same (void *ctx)
{
  return ctx;
}

#ifdef HAVE_ICEORYX
// ---------------------------------------------------------------------------
// iceoryx: one MemPool per size, in a shared mapping registered with the
// relative-pointer repository (as RouDi's segments are), chosen like its
// MemoryManager does: the first pool whose chunk size fits.

struct Iceoryx
{
  size_t map_size;
  unsigned n_pools;
  uint32_t sizes[BENCH_MAX_POOLS];
  iox::mepoo::MemPool *pools[BENCH_MAX_POOLS];
};

void *
iceoryx_create (const BenchPoolSpec *specs, unsigned n)
{
  size_t size = 1 << 20;

  for (unsigned i = 0; i < n; i++)
    size += (size_t) specs[i].chunk_count * (specs[i].chunk_size + 16) + (1 << 16);
  void *map = shared_map (size, true);
  if (map == nullptr)
    return nullptr;

  Iceoryx *ice = new (map) Iceoryx ();
  ice->map_size = size;
  ice->n_pools = n;
  iox::rp::BaseRelativePointer::registerPtr (map, size);

  uint8_t *p = static_cast<uint8_t *> (map) + 4096;
  size_t mgmt_size = 1 << 19;
  iox::posix::Allocator management (p, mgmt_size);
  iox::posix::Allocator chunks (p + mgmt_size, size - 4096 - mgmt_size);

  for (unsigned i = 0; i < n; i++)
    {
      void *slot = management.allocate (sizeof (iox::mepoo::MemPool), alignof (iox::mepoo::MemPool));
      ice->pools[i] = new (slot) iox::mepoo::MemPool (
          iox::cxx::greater_or_equal<uint32_t, iox::mepoo::MemPool::CHUNK_MEMORY_ALIGNMENT> (specs[i].chunk_size),
          iox::cxx::greater_or_equal<uint32_t, 1> (specs[i].chunk_count),
          management, chunks);
      ice->sizes[i] = specs[i].chunk_size;
    }
  return ice;
}

void
iceoryx_destroy (void *ctx)
{
  Iceoryx *ice = static_cast<Iceoryx *> (ctx);

  for (unsigned i = 0; i < ice->n_pools; i++)
    ice->pools[i]->~MemPool ();
  iox::rp::BaseRelativePointer::unregisterAll ();
  munmap (ctx, ice->map_size);
}

inline unsigned
iceoryx_pick (Iceoryx *ice, uint32_t size)
{
  unsigned i = 0;

  while (i + 1 < ice->n_pools && ice->sizes[i] < size)
    i++;
  return i;
}

#define ICE_GET(c) ((c)->pools[0]->getChunk ())
#define ICE_PUT(c, p) ((c)->pools[0]->freeChunk (p))
#define ICE_GET_SIZED(c, s) ((c)->pools[iceoryx_pick ((c), (s))]->getChunk ())
#define ICE_PUT_SIZED(c, p, s) ((c)->pools[iceoryx_pick ((c), (s))]->freeChunk (p))

BENCH_DEFINE_LOOPS (iceoryx, Iceoryx, ICE_GET, ICE_PUT, ICE_GET_SIZED, ICE_PUT_SIZED)

double
iceoryx_mgmt (uint32_t size, uint32_t n)
{
  // The management allocator's fill level after building one pool of n
  // chunks, plus the MemPool object itself.
  size_t mgmt_size = (size_t) n * 16 + (1 << 16);
  size_t chunk_bytes = (size_t) n * size;
  void *mgmt = shared_map (mgmt_size, true);
  void *chunk_mem = shared_map (chunk_bytes, false);
  double bytes = -1;

  if (mgmt != nullptr && chunk_mem != nullptr)
    {
      iox::posix::Allocator management (mgmt, mgmt_size);
      iox::posix::Allocator chunks (chunk_mem, chunk_bytes);
      void *slot = management.allocate (sizeof (iox::mepoo::MemPool), alignof (iox::mepoo::MemPool));
      auto *pool = new (slot) iox::mepoo::MemPool (
          iox::cxx::greater_or_equal<uint32_t, iox::mepoo::MemPool::CHUNK_MEMORY_ALIGNMENT> (size),
          iox::cxx::greater_or_equal<uint32_t, 1> (n), management, chunks);
      uint8_t *end = static_cast<uint8_t *> (management.allocate (8, 8));

      bytes = (double) (end - static_cast<uint8_t *> (mgmt)) / n;
      pool->~MemPool ();
    }
  if (mgmt != nullptr)
    munmap (mgmt, mgmt_size);
  if (chunk_mem != nullptr)
    munmap (chunk_mem, chunk_bytes);
  return bytes;
}
#endif

#ifdef HAVE_BOOST
// ---------------------------------------------------------------------------
// Boost.Interprocess: a node_allocator per size in a managed_shared_memory.

namespace bip = boost::interprocess;
typedef bip::managed_shared_memory::segment_manager SegmentManager;

template <size_t N> struct Node
{
  unsigned char bytes[N];
};

struct Boost
{
  std::string name;
  bip::managed_shared_memory *segment;
  bip::node_allocator<Node<64>, SegmentManager> *a64;
  bip::node_allocator<Node<256>, SegmentManager> *a256;
  bip::node_allocator<Node<1024>, SegmentManager> *a1024;
  bip::node_allocator<Node<4096>, SegmentManager> *a4096;
};

unsigned boost_counter;

void *
boost_create (const BenchPoolSpec *specs, unsigned n)
{
  size_t size = 1 << 20;

  for (unsigned i = 0; i < n; i++)
    size += (size_t) specs[i].chunk_count * (specs[i].chunk_size + 64) * 2;

  Boost *b = new Boost ();
  b->name = "zcp-bench-boost-" + std::to_string (getpid ()) + "-" + std::to_string (boost_counter++);
  bip::shared_memory_object::remove (b->name.c_str ());
  try
    {
      b->segment = new bip::managed_shared_memory (bip::create_only, b->name.c_str (), size);
      SegmentManager *sm = b->segment->get_segment_manager ();
      b->a64 = new bip::node_allocator<Node<64>, SegmentManager> (sm);
      b->a256 = new bip::node_allocator<Node<256>, SegmentManager> (sm);
      b->a1024 = new bip::node_allocator<Node<1024>, SegmentManager> (sm);
      b->a4096 = new bip::node_allocator<Node<4096>, SegmentManager> (sm);
    }
  catch (const std::exception &e)
    {
      fprintf (stderr, "boost: %s\n", e.what ());
      bip::shared_memory_object::remove (b->name.c_str ());
      delete b;
      return nullptr;
    }
  return b;
}

void
boost_destroy (void *ctx)
{
  Boost *b = static_cast<Boost *> (ctx);

  delete b->a64;
  delete b->a256;
  delete b->a1024;
  delete b->a4096;
  delete b->segment;
  bip::shared_memory_object::remove (b->name.c_str ());
  delete b;
}

inline void *
boost_get_sized (Boost *b, uint32_t size)
{
  if (size <= 64)
    return b->a64->allocate (1).get ();
  if (size <= 256)
    return b->a256->allocate (1).get ();
  if (size <= 1024)
    return b->a1024->allocate (1).get ();
  return b->a4096->allocate (1).get ();
}

inline void
boost_put_sized (Boost *b, void *p, uint32_t size)
{
  if (size <= 64)
    b->a64->deallocate (static_cast<Node<64> *> (p), 1);
  else if (size <= 256)
    b->a256->deallocate (static_cast<Node<256> *> (p), 1);
  else if (size <= 1024)
    b->a1024->deallocate (static_cast<Node<1024> *> (p), 1);
  else
    b->a4096->deallocate (static_cast<Node<4096> *> (p), 1);
}

#define BOOST_GET(b) static_cast<void *> ((b)->a256->allocate (1).get ())
#define BOOST_PUT(b, p) (b)->a256->deallocate (static_cast<Node<256> *> (p), 1)
#define BOOST_GET_SIZED(b, s) boost_get_sized ((b), (s))
#define BOOST_PUT_SIZED(b, p, s) boost_put_sized ((b), (p), (s))

BENCH_DEFINE_LOOPS (boost, Boost, BOOST_GET, BOOST_PUT, BOOST_GET_SIZED, BOOST_PUT_SIZED)

double
boost_mgmt (uint32_t size, uint32_t n)
{
  BenchPoolSpec spec = { size, n };
  Boost *b = static_cast<Boost *> (boost_create (&spec, 1));
  double bytes = -1;

  if (b == nullptr)
    return -1;
  void **held = static_cast<void **> (calloc (n, sizeof (void *)));
  size_t before = b->segment->get_free_memory ();
  for (uint32_t i = 0; i < n; i++)
    held[i] = BOOST_GET (b);
  size_t after = b->segment->get_free_memory ();
  bytes = (double) (before - after) / n - 256;
  for (uint32_t i = 0; i < n; i++)
    BOOST_PUT (b, held[i]);
  free (held);
  boost_destroy (b);
  return bytes;
}
#endif

const BenchPeer cxx_peers[] = {
#ifdef HAVE_ICEORYX
  { "iceoryx", "iceoryx 2.0 iox::mepoo::MemPool (LoFFLi)", 1,
    iceoryx_create, attach_same, iceoryx_destroy,
    bench_single_iceoryx, bench_batch_iceoryx, bench_mixed_iceoryx, iceoryx_mgmt },
#endif
#ifdef HAVE_BOOST
  { "boost", "Boost.Interprocess node_allocator, managed_shared_memory", 1,
    boost_create, attach_same, boost_destroy,
    bench_single_boost, bench_batch_boost, bench_mixed_boost, boost_mgmt },
#endif
  { nullptr, nullptr, 0, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr },
};

} // namespace

extern "C" const BenchPeer *
bench_cxx_peers (unsigned *n_out)
{
  *n_out = sizeof (cxx_peers) / sizeof (cxx_peers[0]) - 1;
  return cxx_peers;
}
