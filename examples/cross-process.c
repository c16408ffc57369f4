/* cross-process.c: a producer and a consumer process passing chunks zero-copy
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Run without arguments: the program is the producer.  It creates a segment,
 * starts a second copy of itself as the consumer (`cross-process consume
 * NAME`), fills chunks with messages and sends only their handles through
 * the consumer's standard input.  The consumer attaches to the segment by
 * name, turns each handle back into a chunk of its own mapping, reads the
 * message in place and releases the chunk, which goes straight back to the
 * producer's pool.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <zerocp/zerocp.h>

#define N_MESSAGES 10000

static int
consume (const char *name)
{
  g_autoptr(ZcpMemPoolManager) pools = NULL;
  g_autoptr(GError) error = NULL;
  guint64 received = 0, bytes = 0;
  char line[64];

  /* Attach: wait up to 5 s for the producer to finish laying it out. */
  pools = zcp_mem_pool_manager_open (name, ZCP_OPEN_FLAGS_NONE, 5000, &error);
  if (pools == NULL)
    {
      g_printerr ("consumer: %s\n", error->message);
      return EXIT_FAILURE;
    }

  while (fgets (line, sizeof line, stdin) != NULL)
    {
      guint64 handle = g_ascii_strtoull (line, NULL, 10);
      ZcpChunk *chunk = zcp_mem_pool_manager_chunk_from_handle (pools, handle, &error);
      const char *message;

      if (chunk == NULL)
        {
          g_printerr ("consumer: %s\n", error->message);
          return EXIT_FAILURE;
        }

      /* Read in place: the bytes were never copied. */
      message = zcp_chunk_get_data (chunk);
      if (!g_str_has_prefix (message, "message "))
        {
          g_printerr ("consumer: unexpected contents “%.20s”\n", message);
          return EXIT_FAILURE;
        }
      bytes += strlen (message);
      received++;

      /* The handle carried the producer's reference; dropping it returns
       * the chunk to the pool for the producer to reuse. */
      zcp_mem_pool_manager_release_chunk (pools, chunk);
    }

  g_print ("consumer: read %" G_GUINT64_FORMAT " messages (%" G_GUINT64_FORMAT " bytes) in place\n",
           received, bytes);
  return received == N_MESSAGES ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int
produce (const char *self_path)
{
  g_autoptr(ZcpMemPoolConfig) config = zcp_mem_pool_config_new ();
  g_autoptr(ZcpMemPoolAllocator) allocator = NULL;
  g_autoptr(GSubprocess) consumer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("/zcp-example-cross-process-%d", (int) getpid ());
  ZcpMemPoolManager *pools;
  GOutputStream *pipe;
  ZcpMemPoolStats stats;
  guint64 waited = 0;

  /* Few chunks on purpose: the producer can only keep going because the
   * consumer gives them back. */
  if (!zcp_mem_pool_config_add_entry (config, 256, 64, &error))
    {
      g_printerr ("producer: %s\n", error->message);
      return EXIT_FAILURE;
    }

  allocator = zcp_mem_pool_allocator_new (config);
  if (zcp_mem_pool_allocator_initialize_shared_memory (allocator, name, &error) == NULL ||
      !zcp_mem_pool_allocator_initialize_mem_pools (allocator, &error))
    {
      g_printerr ("producer: %s\n", error->message);
      return EXIT_FAILURE;
    }
  pools = zcp_mem_pool_manager_get_instance_if_initialized ();

  consumer = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE, &error,
                               self_path, "consume", name, NULL);
  if (consumer == NULL)
    {
      g_printerr ("producer: %s\n", error->message);
      return EXIT_FAILURE;
    }
  pipe = g_subprocess_get_stdin_pipe (consumer);

  for (guint i = 0; i < N_MESSAGES; i++)
    {
      ZcpChunk *chunk;
      char handle[32];

      /* An empty pool means the consumer has not caught up yet. */
      while ((chunk = zcp_mem_pool_manager_get_chunk (pools, 200)) == NULL)
        {
          waited++;
          g_usleep (100);
        }

      g_snprintf (zcp_chunk_get_data (chunk), zcp_chunk_get_size (chunk),
                  "message %u from process %d", i, (int) getpid ());

      g_snprintf (handle, sizeof handle, "%" G_GUINT64_FORMAT "\n",
                  zcp_mem_pool_manager_get_chunk_handle (pools, chunk));
      if (!g_output_stream_write_all (pipe, handle, strlen (handle), NULL, NULL, &error))
        {
          g_printerr ("producer: %s\n", error->message);
          return EXIT_FAILURE;
        }
    }

  if (!g_output_stream_close (pipe, NULL, &error) ||
      !g_subprocess_wait_check (consumer, NULL, &error))
    {
      g_printerr ("producer: %s\n", error->message);
      return EXIT_FAILURE;
    }

  zcp_mem_pool_manager_get_pool_stats (pools, 0, &stats);
  g_print ("producer: sent %d messages through %u chunks (waited for the consumer %" G_GUINT64_FORMAT
           " times); chunks still in use: %u\n",
           N_MESSAGES, stats.chunk_count, waited, stats.used);

  return stats.used == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 3 && g_str_equal (argv[1], "consume"))
    return consume (argv[2]);
  if (argc == 1)
    {
      /* The consumer is this very program. */
      g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);

      return produce (self != NULL ? self : argv[0]);
    }

  g_printerr ("usage: %s\n", argv[0]);
  return 2;
}
