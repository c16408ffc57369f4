/* mempool-allocator-usage.c: the specification's five steps, with zerocp
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Run with G_MESSAGES_DEBUG=Zcp to see the library's Info lines.
 */

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zerocp/zerocp.h>

int
main (int   argc,
      char *argv[])
{
  g_autoptr(ZcpMemPoolConfig) config = NULL;
  g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *shm_name = NULL;
  ZcpMemPoolManager *pool_manager;
  ZcpChunk *chunk;
  gpointer base_address;

  /* The library's messages follow the user's locale (LANGUAGE, LC_ALL...). */
  setlocale (LC_ALL, "");

  /* A name of our own, so that two runs never purge each other. */
  shm_name = g_strdup_printf ("/my_application_shm-%d", (int) getpid ());

  /* Step 1: the configuration. */
  config = zcp_mem_pool_config_new ();
  if (!zcp_mem_pool_config_add_entry (config, 256, 1000, &error) ||   /* 256 B × 1000 */
      !zcp_mem_pool_config_add_entry (config, 1024, 500, &error) ||   /* 1 KiB × 500 */
      !zcp_mem_pool_config_add_entry (config, 4096, 200, &error))     /* 4 KiB × 200 */
    {
      g_printerr ("Invalid configuration: %s\n", error->message);
      return EXIT_FAILURE;
    }

  /* Step 2: the allocator, which computes the memory needed. */
  allocator = zcp_mem_pool_allocator_new (config);
  g_print ("Required memory: %" G_GUINT64_FORMAT " bytes\n",
           zcp_mem_pool_allocator_get_memory_size (allocator));

  /* Step 3: the shared memory. */
  base_address = zcp_mem_pool_allocator_initialize_shared_memory (allocator, shm_name, &error);
  if (base_address == NULL)
    {
      g_printerr ("Failed to initialize shared memory: %s\n", error->message);
      return EXIT_FAILURE;
    }
  g_print ("Shared memory created at: %p\n", base_address);

  /* Step 4: the pools. */
  if (!zcp_mem_pool_allocator_initialize_mem_pools (allocator, &error))
    {
      g_printerr ("Failed to initialize memory pools: %s\n", error->message);
      return EXIT_FAILURE;
    }
  g_print ("Memory pools initialized successfully\n");

  /* Step 5: use the pools. */
  pool_manager = zcp_mem_pool_manager_get_instance_if_initialized ();
  if (pool_manager == NULL)
    {
      g_printerr ("No memory pool manager\n");
      return EXIT_FAILURE;
    }

  chunk = zcp_mem_pool_manager_get_chunk (pool_manager, 512);
  if (chunk == NULL)
    {
      g_printerr ("No chunk of 512 bytes available\n");
      return EXIT_FAILURE;
    }

  memset (zcp_chunk_get_data (chunk), 0x5a, 512);
  g_print ("Got a chunk of %" G_GSIZE_FORMAT " bytes from pool %u\n",
           zcp_chunk_get_size (chunk), zcp_chunk_get_pool_index (chunk));

  zcp_mem_pool_manager_release_chunk (pool_manager, chunk);
  zcp_mem_pool_manager_log_pools (pool_manager);

  /* The allocator unlinks the segment when it goes away. */
  return EXIT_SUCCESS;
}
