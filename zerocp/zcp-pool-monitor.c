/* zcp-pool-monitor.c: noticing pools that run low or run out
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "zcp-mem-pool-config.h"
#include "zcp-pool-monitor.h"
#include "zcp-private.h"

/**
 * ZcpPoolMonitor:
 *
 * Watches the pools of a #ZcpMemPoolManager and emits
 * #ZcpPoolMonitor::pool-low when a pool's free chunks fall to its
 * low-water threshold and #ZcpPoolMonitor::pool-exhausted when a pool runs
 * out.
 *
 * The monitor never touches the get and release hot path: it polls the
 * statistics that the segment keeps anyway (see
 * zcp_mem_pool_manager_get_pool_stats()) from a timeout on the main context
 * that was the thread default when it was created, every
 * #ZcpPoolMonitor:interval milliseconds, and the signals are emitted there.
 * Since the statistics live in the segment, a monitor sees the gets of every
 * process attached to it, and works on a read-only attachment too.
 *
 * Polling misses nothing that matters between two polls: a pool whose
 * lowest free count (its low-water mark) went under the threshold, or that
 * refused a get, is reported even if it recovered before the poll.  Each
 * signal is emitted once per episode: #ZcpPoolMonitor::pool-low again only
 * after the pool was seen above its threshold, and
 * #ZcpPoolMonitor::pool-exhausted again only after it was seen with a free
 * chunk.
 *
 * |[<!-- language="C" -->
 * static void
 * on_pool_exhausted (ZcpPoolMonitor *monitor,
 *                    guint           pool,
 *                    gpointer        user_data)
 * {
 *   g_warning ("pool %u ran out of chunks", pool);
 * }
 *
 * g_autoptr(ZcpPoolMonitor) monitor = zcp_pool_monitor_new (manager, 100);
 * g_signal_connect (monitor, "pool-exhausted", G_CALLBACK (on_pool_exhausted), NULL);
 * ]|
 *
 * A monitor is not thread-safe: use it from the thread that runs its main
 * context.
 *
 * Since: 1.0
 */

typedef struct
{
  guint32 threshold;     /* pool-low when free <= threshold */
  guint32 last_low_water;
  guint64 last_failed_gets;
  guint threshold_set : 1; /* set per pool, not from the percentage */
  guint low_reported : 1;
  guint exhausted_reported : 1;
} PoolWatch;

struct _ZcpPoolMonitor
{
  GObject parent_instance;

  ZcpMemPoolManager *manager;  /* (owned) */
  GMainContext *context;       /* (owned) */
  GSource *source;             /* (owned) (nullable) */
  guint interval_ms;
  guint low_percent;
  guint n_pools;
  PoolWatch pools[ZCP_MEM_POOL_MAX_POOLS];
};

G_DEFINE_FINAL_TYPE (ZcpPoolMonitor, zcp_pool_monitor, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MANAGER,
  PROP_INTERVAL,
  PROP_LOW_PERCENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_POOL_LOW,
  SIGNAL_POOL_EXHAUSTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
on_timeout (gpointer user_data)
{
  zcp_pool_monitor_check (ZCP_POOL_MONITOR (user_data));
  return G_SOURCE_CONTINUE;
}

static void
restart_timer (ZcpPoolMonitor *self)
{
  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_clear_pointer (&self->source, g_source_unref);
    }

  if (self->interval_ms == 0 || self->manager == NULL)
    return;

  self->source = g_timeout_source_new (self->interval_ms);
  g_source_set_static_name (self->source, "[zerocp] pool monitor");
  g_source_set_callback (self->source, on_timeout, self, NULL);
  g_source_attach (self->source, self->context);
}

static guint32
threshold_from_percent (guint32 count,
                        guint   percent)
{
  /* Rounded up, so that 10 % of 5 chunks is 1, not 0. */
  return (guint32) (((guint64) count * percent + 99) / 100);
}

static void
apply_low_percent (ZcpPoolMonitor *self)
{
  for (guint i = 0; i < self->n_pools; i++)
    {
      ZcpMemPoolStats stats;

      if (!self->pools[i].threshold_set &&
          zcp_mem_pool_manager_get_pool_stats (self->manager, i, &stats))
        self->pools[i].threshold = threshold_from_percent (stats.chunk_count, self->low_percent);
    }
}

static void
zcp_pool_monitor_constructed (GObject *object)
{
  ZcpPoolMonitor *self = ZCP_POOL_MONITOR (object);

  G_OBJECT_CLASS (zcp_pool_monitor_parent_class)->constructed (object);

  g_return_if_fail (self->manager != NULL);

  self->context = g_main_context_ref_thread_default ();
  self->n_pools = zcp_mem_pool_manager_get_pool_count (self->manager);

  /* Start from the current marks: what happened before the monitor
   * existed is not news.  A pool that is low or empty now is reported by
   * the first check. */
  for (guint i = 0; i < self->n_pools; i++)
    {
      ZcpMemPoolStats stats;

      zcp_mem_pool_manager_get_pool_stats (self->manager, i, &stats);
      self->pools[i].last_low_water = stats.low_water;
      self->pools[i].last_failed_gets = stats.failed_gets;
    }

  apply_low_percent (self);
  restart_timer (self);
}

static void
zcp_pool_monitor_dispose (GObject *object)
{
  ZcpPoolMonitor *self = ZCP_POOL_MONITOR (object);

  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_clear_pointer (&self->source, g_source_unref);
    }
  g_clear_object (&self->manager);

  G_OBJECT_CLASS (zcp_pool_monitor_parent_class)->dispose (object);
}

static void
zcp_pool_monitor_finalize (GObject *object)
{
  ZcpPoolMonitor *self = ZCP_POOL_MONITOR (object);

  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (zcp_pool_monitor_parent_class)->finalize (object);
}

static void
zcp_pool_monitor_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  ZcpPoolMonitor *self = ZCP_POOL_MONITOR (object);

  switch (prop_id)
    {
    case PROP_MANAGER:
      g_value_set_object (value, self->manager);
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, self->interval_ms);
      break;
    case PROP_LOW_PERCENT:
      g_value_set_uint (value, self->low_percent);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zcp_pool_monitor_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  ZcpPoolMonitor *self = ZCP_POOL_MONITOR (object);

  switch (prop_id)
    {
    case PROP_MANAGER:
      self->manager = g_value_dup_object (value);
      break;
    case PROP_INTERVAL:
      zcp_pool_monitor_set_interval (self, g_value_get_uint (value));
      break;
    case PROP_LOW_PERCENT:
      zcp_pool_monitor_set_low_percent (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zcp_pool_monitor_class_init (ZcpPoolMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _zcp_i18n_init ();

  object_class->constructed = zcp_pool_monitor_constructed;
  object_class->dispose = zcp_pool_monitor_dispose;
  object_class->finalize = zcp_pool_monitor_finalize;
  object_class->get_property = zcp_pool_monitor_get_property;
  object_class->set_property = zcp_pool_monitor_set_property;

  /**
   * ZcpPoolMonitor:manager:
   *
   * The manager whose pools are watched.
   *
   * Since: 1.0
   */
  properties[PROP_MANAGER] =
    g_param_spec_object ("manager", NULL, NULL, ZCP_TYPE_MEM_POOL_MANAGER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ZcpPoolMonitor:interval:
   *
   * Milliseconds between two checks; 0 stops the timer (call
   * zcp_pool_monitor_check() yourself).
   *
   * Since: 1.0
   */
  properties[PROP_INTERVAL] =
    g_param_spec_uint ("interval", NULL, NULL, 0, G_MAXUINT, ZCP_POOL_MONITOR_DEFAULT_INTERVAL,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ZcpPoolMonitor:low-percent:
   *
   * The low-water threshold of every pool without its own (see
   * zcp_pool_monitor_set_threshold()), in percent of its chunk count,
   * rounded up.
   *
   * Since: 1.0
   */
  properties[PROP_LOW_PERCENT] =
    g_param_spec_uint ("low-percent", NULL, NULL, 0, 100, ZCP_POOL_MONITOR_DEFAULT_LOW_PERCENT,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ZcpPoolMonitor::pool-low:
   * @self: the monitor
   * @pool_index: the pool, 0 for the smallest chunk size
   * @free: the pool's free chunks at the check
   *
   * Emitted when a pool's free chunks fell to its threshold or below
   * since the last check (@free may be above it again by then, if the
   * pool recovered in between).
   *
   * Since: 1.0
   */
  signals[SIGNAL_POOL_LOW] =
    g_signal_new ("pool-low", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);

  /**
   * ZcpPoolMonitor::pool-exhausted:
   * @self: the monitor
   * @pool_index: the pool, 0 for the smallest chunk size
   *
   * Emitted when a pool had no free chunk, or refused a get, since the
   * last check.
   *
   * Since: 1.0
   */
  signals[SIGNAL_POOL_EXHAUSTED] =
    g_signal_new ("pool-exhausted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
zcp_pool_monitor_init (ZcpPoolMonitor *self)
{
  self->interval_ms = ZCP_POOL_MONITOR_DEFAULT_INTERVAL;
  self->low_percent = ZCP_POOL_MONITOR_DEFAULT_LOW_PERCENT;
}

/**
 * zcp_pool_monitor_new:
 * @manager: the manager whose pools to watch
 * @interval_ms: milliseconds between two checks, or 0 for no timer
 *
 * Creates a monitor that checks the pools of @manager every @interval_ms
 * milliseconds on the thread-default main context of the caller, with a
 * low-water threshold of %ZCP_POOL_MONITOR_DEFAULT_LOW_PERCENT percent of
 * each pool.
 *
 * Returns: (transfer full): a new #ZcpPoolMonitor
 *
 * Since: 1.0
 */
ZcpPoolMonitor *
zcp_pool_monitor_new (ZcpMemPoolManager *manager,
                      guint              interval_ms)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_MANAGER (manager), NULL);

  return g_object_new (ZCP_TYPE_POOL_MONITOR,
                       "manager", manager,
                       "interval", interval_ms,
                       NULL);
}

/**
 * zcp_pool_monitor_get_manager:
 * @self: a #ZcpPoolMonitor
 *
 * Gets the manager whose pools the monitor watches.
 *
 * Returns: (transfer none): the watched manager
 *
 * Since: 1.0
 */
ZcpMemPoolManager *
zcp_pool_monitor_get_manager (ZcpPoolMonitor *self)
{
  g_return_val_if_fail (ZCP_IS_POOL_MONITOR (self), NULL);

  return self->manager;
}

/**
 * zcp_pool_monitor_get_interval:
 * @self: a #ZcpPoolMonitor
 *
 * Gets the period of the monitor's timer.
 *
 * Returns: the milliseconds between two checks, 0 if there is no timer
 *
 * Since: 1.0
 */
guint
zcp_pool_monitor_get_interval (ZcpPoolMonitor *self)
{
  g_return_val_if_fail (ZCP_IS_POOL_MONITOR (self), 0);

  return self->interval_ms;
}

/**
 * zcp_pool_monitor_set_interval:
 * @self: a #ZcpPoolMonitor
 * @interval_ms: milliseconds between two checks, or 0 to stop the timer
 *
 * Changes how often the pools are checked.
 *
 * Since: 1.0
 */
void
zcp_pool_monitor_set_interval (ZcpPoolMonitor *self,
                               guint           interval_ms)
{
  g_return_if_fail (ZCP_IS_POOL_MONITOR (self));

  if (self->interval_ms == interval_ms)
    return;

  self->interval_ms = interval_ms;
  if (self->context != NULL)
    restart_timer (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INTERVAL]);
}

/**
 * zcp_pool_monitor_get_low_percent:
 * @self: a #ZcpPoolMonitor
 *
 * Gets the default low-water threshold of the monitor.
 *
 * Returns: the default threshold, in percent of each pool's chunk count
 *
 * Since: 1.0
 */
guint
zcp_pool_monitor_get_low_percent (ZcpPoolMonitor *self)
{
  g_return_val_if_fail (ZCP_IS_POOL_MONITOR (self), 0);

  return self->low_percent;
}

/**
 * zcp_pool_monitor_set_low_percent:
 * @self: a #ZcpPoolMonitor
 * @percent: 0 to 100
 *
 * Sets the threshold of every pool that has none of its own to @percent
 * of its chunk count, rounded up.  With 0, #ZcpPoolMonitor::pool-low is
 * emitted only when a pool is empty.
 *
 * Since: 1.0
 */
void
zcp_pool_monitor_set_low_percent (ZcpPoolMonitor *self,
                                  guint           percent)
{
  g_return_if_fail (ZCP_IS_POOL_MONITOR (self));
  g_return_if_fail (percent <= 100);

  if (self->low_percent == percent)
    return;

  self->low_percent = percent;
  if (self->manager != NULL)
    apply_low_percent (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOW_PERCENT]);
}

/**
 * zcp_pool_monitor_get_threshold:
 * @self: a #ZcpPoolMonitor
 * @pool_index: a pool
 *
 * Gets the low-water threshold of one pool.
 *
 * Returns: the number of free chunks at or below which @pool_index counts
 *   as low, 0 if @pool_index is out of range
 *
 * Since: 1.0
 */
guint32
zcp_pool_monitor_get_threshold (ZcpPoolMonitor *self,
                                guint           pool_index)
{
  g_return_val_if_fail (ZCP_IS_POOL_MONITOR (self), 0);

  return pool_index < self->n_pools ? self->pools[pool_index].threshold : 0;
}

/**
 * zcp_pool_monitor_set_threshold:
 * @self: a #ZcpPoolMonitor
 * @pool_index: a pool, 0 for the smallest chunk size
 * @min_free: the number of free chunks at or below which the pool is low
 *
 * Gives one pool a threshold of its own, in chunks, instead of
 * #ZcpPoolMonitor:low-percent.
 *
 * Since: 1.0
 */
void
zcp_pool_monitor_set_threshold (ZcpPoolMonitor *self,
                                guint           pool_index,
                                guint32         min_free)
{
  g_return_if_fail (ZCP_IS_POOL_MONITOR (self));
  g_return_if_fail (pool_index < self->n_pools);

  self->pools[pool_index].threshold = min_free;
  self->pools[pool_index].threshold_set = TRUE;
}

/**
 * zcp_pool_monitor_check:
 * @self: a #ZcpPoolMonitor
 *
 * Checks every pool now and emits the signals that are due.  The timer
 * calls this; call it yourself when #ZcpPoolMonitor:interval is 0, or to
 * check at a moment of your choosing.
 *
 * Since: 1.0
 */
void
zcp_pool_monitor_check (ZcpPoolMonitor *self)
{
  g_return_if_fail (ZCP_IS_POOL_MONITOR (self));

  g_object_ref (self);

  for (guint i = 0; i < self->n_pools && self->manager != NULL; i++)
    {
      PoolWatch *w = &self->pools[i];
      ZcpMemPoolStats stats;
      gboolean new_low_water, new_failures, was_low, ran_out;

      if (!zcp_mem_pool_manager_get_pool_stats (self->manager, i, &stats))
        break;

      /* The low-water mark only falls, and failed gets only grow: a change
       * since the last check shows what happened in between. */
      new_low_water = stats.low_water < w->last_low_water;
      new_failures = stats.failed_gets > w->last_failed_gets;
      w->last_low_water = stats.low_water;
      w->last_failed_gets = stats.failed_gets;

      was_low = stats.free <= w->threshold || (new_low_water && stats.low_water <= w->threshold);
      ran_out = stats.free == 0 || new_failures || (new_low_water && stats.low_water == 0);

      if (was_low && !w->low_reported)
        {
          w->low_reported = TRUE;
          g_debug ("pool %u is low: %u of %u chunks free", i, stats.free, stats.chunk_count);
          g_signal_emit (self, signals[SIGNAL_POOL_LOW], 0, i, stats.free);
        }
      if (ran_out && !w->exhausted_reported)
        {
          w->exhausted_reported = TRUE;
          g_debug ("pool %u ran out of its %u chunks", i, stats.chunk_count);
          g_signal_emit (self, signals[SIGNAL_POOL_EXHAUSTED], 0, i);
        }

      /* Re-armed by a check that sees the pool recovered. */
      if (stats.free > w->threshold)
        w->low_reported = FALSE;
      if (stats.free > 0)
        w->exhausted_reported = FALSE;
    }

  g_object_unref (self);
}
