/* test-producer.c: an application testing its producer code with zerocp's
 * testing helpers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The first half is the "application": a producer that publishes sensor
 * readings in shared-memory chunks and hands each on by its handle, and the
 * consumer that takes them.  The second half is its GTest suite: each test
 * gets a private segment from a ZcpTestSegment fixture, the tear-down checks
 * that every chunk went back to its pool, and one test runs the consumer in
 * a second process.
 */

#include <string.h>

#include <zerocp/zerocp.h>

/* ------------------------------------------------------------------------ */
/* The application code under test                                          */

#define READING_MAGIC 0x52454144u  /* "READ" */

typedef struct
{
  guint32 magic;
  guint32 sensor_id;
  double value;
  guint32 label_length;
  char label[];  /* label_length bytes, then a NUL */
} ReadingMessage;

/* Publishes a reading.  On success *handle carries the one reference to the
 * message's chunk to the consumer. */
static gboolean
sensor_publish (ZcpMemPoolManager  *manager,
                guint32             sensor_id,
                double              value,
                const char         *label,
                guint64            *handle,
                GError            **error)
{
  gsize label_length = strlen (label);
  gsize size = sizeof (ReadingMessage) + label_length + 1;
  ZcpChunk *chunk;
  ReadingMessage *message;

  chunk = zcp_mem_pool_manager_try_get_chunk (manager, size, error);
  if (chunk == NULL)
    return FALSE;

  message = zcp_chunk_get_data (chunk);
  message->magic = READING_MAGIC;
  message->sensor_id = sensor_id;
  message->value = value;
  message->label_length = (guint32) label_length;
  memcpy (message->label, label, label_length + 1);

  *handle = zcp_mem_pool_manager_get_chunk_handle (manager, chunk);
  return TRUE;
}

/* Takes a published reading and gives its chunk back. */
static gboolean
sensor_consume (ZcpMemPoolManager  *manager,
                guint64             handle,
                guint32            *sensor_id,
                double             *value,
                char              **label,
                GError            **error)
{
  g_autoptr(ZcpChunk) chunk = NULL;
  const ReadingMessage *message;

  chunk = zcp_mem_pool_manager_chunk_from_handle (manager, handle, error);
  if (chunk == NULL)
    return FALSE;

  message = zcp_chunk_get_data (chunk);
  if (message->magic != READING_MAGIC ||
      sizeof (ReadingMessage) + message->label_length + 1 > zcp_chunk_get_size (chunk))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Not a sensor reading");
      return FALSE;
    }

  *sensor_id = message->sensor_id;
  *value = message->value;
  *label = g_strndup (message->label, message->label_length);
  return TRUE;  /* the chunk goes back to its pool here */
}

/* ------------------------------------------------------------------------ */
/* Its tests                                                                 */

typedef struct
{
  ZcpTestSegment *segment;
  ZcpMemPoolManager *manager;  /* (unowned) */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->segment = zcp_test_segment_new ((ZcpMemPoolConfig *) data, &error);
  g_assert_no_error (error);
  f->manager = zcp_test_segment_get_manager (f->segment);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  /* Whatever the test did, every message must have been consumed. */
  zcp_assert_all_chunks_free (f->manager);
  g_clear_object (&f->segment);
}

static void
test_publish_consume (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  guint64 handle = 0;
  guint32 sensor_id = 0;
  double value = 0;

  g_assert_true (sensor_publish (f->manager, 7, 21.5, "kitchen", &handle, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (handle, !=, 0);

  g_assert_true (sensor_consume (f->manager, handle, &sensor_id, &value, &label, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sensor_id, ==, 7);
  g_assert_cmpfloat (value, ==, 21.5);
  g_assert_cmpstr (label, ==, "kitchen");
}

/* A label too long for any pool: nothing is taken, nothing leaks. */
static void
test_publish_too_large (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *label = g_strnfill (5000, 'x');
  guint64 handle = 0;

  g_assert_false (sensor_publish (f->manager, 1, 0.0, label, &handle, &error));
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_NO_FITTING_POOL);
  g_assert_cmpuint (handle, ==, 0);
}

/* When the pool runs dry the producer says so, and the readings published
 * until then can all be consumed. */
static void
test_publish_exhausted (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint64 handles[4];
  guint n = 0;

  while (sensor_publish (f->manager, n, n * 1.5, "hall", &handles[n], &error))
    {
      n++;
      g_assert_cmpuint (n, <=, G_N_ELEMENTS (handles));
    }
  g_assert_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_POOL_EXHAUSTED);
  g_assert_cmpuint (n, ==, 4);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *label = NULL;
      guint32 sensor_id;
      double value;

      g_assert_true (sensor_consume (f->manager, handles[i], &sensor_id, &value, &label, NULL));
      g_assert_cmpuint (sensor_id, ==, i);
    }
}

typedef struct
{
  guint64 handles[3];
} Published;

/* Runs in the consumer process, attached to the test's segment by name. */
static void
consumer_process (ZcpMemPoolManager *manager,
                  gpointer           user_data)
{
  Published *published = user_data;

  for (guint i = 0; i < G_N_ELEMENTS (published->handles); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *label = NULL;
      guint32 sensor_id;
      double value;

      g_assert_true (sensor_consume (manager, published->handles[i], &sensor_id, &value, &label, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (sensor_id, ==, 100 + i);
      g_assert_cmpstr (label, ==, "cellar");
    }
}

static void
test_consume_in_other_process (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  Published published;

  for (guint i = 0; i < G_N_ELEMENTS (published.handles); i++)
    {
      g_assert_true (sensor_publish (f->manager, 100 + i, -4.0, "cellar", &published.handles[i], &error));
      g_assert_no_error (error);
    }

  g_assert_true (zcp_test_segment_run_in_subprocess (f->segment, consumer_process, &published, &error));
  g_assert_no_error (error);
  /* The tear-down checks that the other process gave every chunk back. */
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(ZcpMemPoolConfig) tiny = zcp_mem_pool_config_new ();

  g_test_init (&argc, &argv, NULL);

  /* Four chunks only, for the exhaustion test. */
  if (!zcp_mem_pool_config_add_entry (tiny, 128, 4, NULL))
    g_error ("bad configuration");

  g_test_add ("/producer/publish-consume", Fixture, NULL,
              fixture_set_up, test_publish_consume, fixture_tear_down);
  g_test_add ("/producer/too-large", Fixture, NULL,
              fixture_set_up, test_publish_too_large, fixture_tear_down);
  g_test_add ("/producer/exhausted", Fixture, tiny,
              fixture_set_up, test_publish_exhausted, fixture_tear_down);
  g_test_add ("/producer/consume-in-other-process", Fixture, NULL,
              fixture_set_up, test_consume_in_other_process, fixture_tear_down);

  return g_test_run ();
}
