/* zcp-test-child.c: the other process of the cross-process tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Usage: zcp-test-child NAME [--read-only]
 *
 * Attaches to segment NAME with zcp_mem_pool_manager_open() and then obeys
 * one command per line on standard input, answering one line each:
 *
 *   expect H B N    adopt the chunk of handle H, check its first N bytes are
 *                   B; "ok" or "bad ..."
 *   lookup H B N    the same through zcp_mem_pool_manager_lookup_handle(),
 *                   without touching the reference count
 *   write H B N     fill the first N bytes of adopted chunk H with B; "ok"
 *   release H       release adopted chunk H; "ok"
 *   get S B         take a chunk of S bytes, fill it with B, answer its
 *                   handle (the handle carries our reference away)
 *   tryget S        answer "ok" or the GError code of a failed get
 *   used P          answer pool P's used count
 *   hammer N S      N get/release pairs of S bytes with a canary check;
 *                   "done PAIRS EMPTY"
 *   quit            exit 0
 *
 * Any failure to attach exits 2 with the GError code on standard output.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zerocp/zerocp.h>

static gboolean
check_bytes (const guint8 *data,
             guint         byte,
             gsize         n)
{
  for (gsize i = 0; i < n; i++)
    if (data[i] != byte)
      return FALSE;
  return TRUE;
}

static void
hammer (ZcpMemPoolManager *manager,
        guint64            n,
        gsize              size)
{
  guint8 tag = (guint8) (getpid () & 0x7f) | 0x80;
  guint64 pairs = 0, empty = 0;

  while (pairs < n)
    {
      ZcpChunk *held[16];
      guint got = 0;
      guint batch = 1 + (guint) (pairs % 16);

      for (guint i = 0; i < batch; i++)
        {
          ZcpChunk *c = zcp_mem_pool_manager_get_chunk (manager, size);

          if (c == NULL)
            {
              empty++;
              continue;
            }
          memset (zcp_chunk_get_data (c), tag, 32);
          held[got++] = c;
        }
      for (guint i = 0; i < got; i++)
        {
          if (!check_bytes (zcp_chunk_get_data (held[i]), tag, 32))
            {
              printf ("bad chunk %p handed out twice\n", (void *) held[i]);
              exit (1);
            }
          zcp_mem_pool_manager_release_chunk (manager, held[i]);
        }
      pairs += got;
    }

  printf ("done %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "\n", pairs, empty);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(ZcpMemPoolManager) manager = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) adopted = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  gboolean read_only = argc > 2 && g_str_equal (argv[2], "--read-only");
  char line[256];

  if (argc < 2)
    {
      g_printerr ("usage: %s NAME [--read-only]\n", argv[0]);
      return 2;
    }

  setvbuf (stdout, NULL, _IOLBF, 0);

  manager = zcp_mem_pool_manager_open (argv[1], read_only ? ZCP_OPEN_FLAGS_READ_ONLY : ZCP_OPEN_FLAGS_NONE,
                                       5000, &error);
  if (manager == NULL)
    {
      printf ("error %s %d\n", g_quark_to_string (error->domain), error->code);
      g_printerr ("%s\n", error->message);
      return 2;
    }
  printf ("attached %" G_GUINT64_FORMAT "\n", zcp_mem_pool_manager_get_segment_id (manager));

  while (fgets (line, sizeof line, stdin) != NULL)
    {
      g_auto(GStrv) w = g_strsplit (g_strstrip (line), " ", -1);
      guint n = g_strv_length (w);

      if (n == 0 || w[0][0] == '\0')
        continue;

      if (g_str_equal (w[0], "quit"))
        break;
      else if ((g_str_equal (w[0], "expect") || g_str_equal (w[0], "lookup")) && n == 4)
        {
          guint64 h = g_ascii_strtoull (w[1], NULL, 10);
          guint byte = (guint) g_ascii_strtoull (w[2], NULL, 0);
          gsize len = g_ascii_strtoull (w[3], NULL, 10);
          const guint8 *data;
          gsize size = 0;

          if (g_str_equal (w[0], "expect"))
            {
              ZcpChunk *c = zcp_mem_pool_manager_chunk_from_handle (manager, h, &error);

              if (c != NULL)
                g_hash_table_insert (adopted, g_memdup2 (&h, sizeof h), c);
              data = (const guint8 *) c;
              size = c != NULL ? zcp_chunk_get_size (c) : 0;
            }
          else
            data = zcp_mem_pool_manager_lookup_handle (manager, h, &size, &error);

          if (data == NULL)
            {
              printf ("bad %d %s\n", error->code, error->message);
              g_clear_error (&error);
            }
          else if (len > size || !check_bytes (data, byte, len))
            printf ("bad contents\n");
          else
            printf ("ok\n");
        }
      else if (g_str_equal (w[0], "write") && n == 4)
        {
          guint64 h = g_ascii_strtoull (w[1], NULL, 10);
          ZcpChunk *c = g_hash_table_lookup (adopted, &h);

          if (c == NULL)
            printf ("bad no such chunk\n");
          else
            {
              memset (zcp_chunk_get_data (c), (int) g_ascii_strtoull (w[2], NULL, 0),
                      g_ascii_strtoull (w[3], NULL, 10));
              printf ("ok\n");
            }
        }
      else if (g_str_equal (w[0], "release") && n == 2)
        {
          guint64 h = g_ascii_strtoull (w[1], NULL, 10);
          ZcpChunk *c = g_hash_table_lookup (adopted, &h);

          if (c == NULL)
            printf ("bad no such chunk\n");
          else
            {
              g_hash_table_remove (adopted, &h);
              zcp_mem_pool_manager_release_chunk (manager, c);
              printf ("ok\n");
            }
        }
      else if (g_str_equal (w[0], "get") && n == 3)
        {
          ZcpChunk *c = zcp_mem_pool_manager_try_get_chunk (manager, g_ascii_strtoull (w[1], NULL, 10), &error);

          if (c == NULL)
            {
              printf ("bad %d\n", error->code);
              g_clear_error (&error);
            }
          else
            {
              memset (zcp_chunk_get_data (c), (int) g_ascii_strtoull (w[2], NULL, 0), zcp_chunk_get_size (c));
              printf ("%" G_GUINT64_FORMAT "\n", zcp_mem_pool_manager_get_chunk_handle (manager, c));
            }
        }
      else if (g_str_equal (w[0], "tryget") && n == 2)
        {
          ZcpChunk *c = zcp_mem_pool_manager_try_get_chunk (manager, g_ascii_strtoull (w[1], NULL, 10), &error);

          if (c != NULL)
            {
              zcp_mem_pool_manager_release_chunk (manager, c);
              printf ("ok\n");
            }
          else
            {
              printf ("error %s %d\n", g_quark_to_string (error->domain), error->code);
              g_clear_error (&error);
            }
        }
      else if (g_str_equal (w[0], "used") && n == 2)
        {
          ZcpMemPoolStats stats;

          if (zcp_mem_pool_manager_get_pool_stats (manager, (guint) g_ascii_strtoull (w[1], NULL, 10), &stats))
            printf ("%u\n", stats.used);
          else
            printf ("bad pool\n");
        }
      else if (g_str_equal (w[0], "hammer") && n == 3)
        hammer (manager, g_ascii_strtoull (w[1], NULL, 10), g_ascii_strtoull (w[2], NULL, 10));
      else
        printf ("bad command\n");
    }

  return 0;
}
