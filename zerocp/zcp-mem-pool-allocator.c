/* zcp-mem-pool-allocator.c: creating a segment and laying its pools out
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "zcp-enums.h"
#include "zcp-error.h"
#include "zcp-mem-pool-allocator.h"
#include "zcp-mem-pool-config-private.h"
#include "zcp-private.h"

/**
 * ZcpMemPoolAllocator:
 *
 * The high-level entry point of the memory-pool system, the
 * specification's `MemPoolAllocator`: it computes the segment size from a
 * #ZcpMemPoolConfig, creates the POSIX shared-memory segment and lays the
 * pools out in it.
 *
 * The calls come in a fixed order:
 *
 * 1. zcp_mem_pool_allocator_new() computes the size (#ZcpMemPoolAllocator:memory-size)
 *    and seals the configuration;
 * 2. zcp_mem_pool_allocator_initialize_shared_memory() creates (by default
 *    purges and re-creates) and maps the segment;
 * 3. zcp_mem_pool_allocator_initialize_mem_pools() lays the pools out and
 *    makes the process's default #ZcpMemPoolManager;
 * 4. zcp_mem_pool_manager_get_instance_if_initialized() then hands out chunks.
 *
 * A call out of order fails with %ZCP_MEM_POOL_ERROR_WRONG_ORDER.  The
 * initialization calls are not thread-safe: initialize first, then start
 * the threads that use the pools.  Finalizing an allocator that created its
 * segment unlinks the segment (processes still attached keep their mapping)
 * and drops its manager, which unmaps the segment once nothing else holds
 * it.
 *
 * |[<!-- language="C" -->
 * g_autoptr(ZcpMemPoolAllocator) allocator = zcp_mem_pool_allocator_new (config);
 * g_autoptr(GError) error = NULL;
 *
 * if (zcp_mem_pool_allocator_initialize_shared_memory (allocator, "/my_shm", &error) == NULL ||
 *     !zcp_mem_pool_allocator_initialize_mem_pools (allocator, &error))
 *   {
 *     g_printerr ("%s\n", error->message);
 *     return EXIT_FAILURE;
 *   }
 * ]|
 *
 * Since: 1.0
 */

typedef enum
{
  STATE_NEW,
  STATE_SHM_READY,
  STATE_POOLS_READY,
} State;

struct _ZcpMemPoolAllocator
{
  GObject parent_instance;

  ZcpMemPoolConfig *config;    /* (owned) sealed */
  guint64 memory_size;
  ZcpShmOpenMode open_mode;
  guint open_timeout_ms;
  ZcpShm *shm;                 /* (owned) (nullable) */
  ZcpMemPoolManager *manager;  /* (owned) (nullable) */
  guint64 segment_id;
  State state;
};

G_DEFINE_FINAL_TYPE (ZcpMemPoolAllocator, zcp_mem_pool_allocator, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONFIG,
  PROP_MEMORY_SIZE,
  PROP_OPEN_MODE,
  PROP_OPEN_TIMEOUT,
  PROP_NAME,
  PROP_BASE_ADDRESS,
  PROP_CREATED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
zcp_mem_pool_allocator_constructed (GObject *object)
{
  ZcpMemPoolAllocator *self = ZCP_MEM_POOL_ALLOCATOR (object);

  G_OBJECT_CLASS (zcp_mem_pool_allocator_parent_class)->constructed (object);

  if (self->config == NULL)
    self->config = zcp_mem_pool_config_new ();

  _zcp_mem_pool_config_seal (self->config);
  self->memory_size = zcp_mem_pool_config_get_memory_size (self->config);

  g_info (_("MemPoolAllocator initialized, computed total memory size: %llu bytes"),
          (unsigned long long) self->memory_size);
}

static void
zcp_mem_pool_allocator_dispose (GObject *object)
{
  ZcpMemPoolAllocator *self = ZCP_MEM_POOL_ALLOCATOR (object);

  if (self->manager != NULL)
    _zcp_mem_pool_manager_unset_default (self->manager);
  g_clear_object (&self->manager);

  if (self->shm != NULL && self->shm->created)
    zcp_shm_unlink (self->shm);
  g_clear_pointer (&self->shm, zcp_shm_unref);

  G_OBJECT_CLASS (zcp_mem_pool_allocator_parent_class)->dispose (object);
}

static void
zcp_mem_pool_allocator_finalize (GObject *object)
{
  ZcpMemPoolAllocator *self = ZCP_MEM_POOL_ALLOCATOR (object);

  g_clear_object (&self->config);

  G_OBJECT_CLASS (zcp_mem_pool_allocator_parent_class)->finalize (object);
}

static void
zcp_mem_pool_allocator_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  ZcpMemPoolAllocator *self = ZCP_MEM_POOL_ALLOCATOR (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;
    case PROP_MEMORY_SIZE:
      g_value_set_uint64 (value, self->memory_size);
      break;
    case PROP_OPEN_MODE:
      g_value_set_enum (value, self->open_mode);
      break;
    case PROP_OPEN_TIMEOUT:
      g_value_set_uint (value, self->open_timeout_ms);
      break;
    case PROP_NAME:
      g_value_set_string (value, zcp_mem_pool_allocator_get_name (self));
      break;
    case PROP_BASE_ADDRESS:
      g_value_set_pointer (value, zcp_mem_pool_allocator_get_base_address (self));
      break;
    case PROP_CREATED:
      g_value_set_boolean (value, zcp_mem_pool_allocator_get_created (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zcp_mem_pool_allocator_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  ZcpMemPoolAllocator *self = ZCP_MEM_POOL_ALLOCATOR (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      self->config = g_value_dup_object (value);
      break;
    case PROP_OPEN_MODE:
      self->open_mode = g_value_get_enum (value);
      break;
    case PROP_OPEN_TIMEOUT:
      self->open_timeout_ms = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zcp_mem_pool_allocator_class_init (ZcpMemPoolAllocatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _zcp_i18n_init ();

  object_class->constructed = zcp_mem_pool_allocator_constructed;
  object_class->dispose = zcp_mem_pool_allocator_dispose;
  object_class->finalize = zcp_mem_pool_allocator_finalize;
  object_class->get_property = zcp_mem_pool_allocator_get_property;
  object_class->set_property = zcp_mem_pool_allocator_set_property;

  /**
   * ZcpMemPoolAllocator:config:
   *
   * The configuration; sealed when the allocator is constructed.
   *
   * Since: 1.0
   */
  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL, ZCP_TYPE_MEM_POOL_CONFIG,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ZcpMemPoolAllocator:memory-size:
   *
   * The size of the segment in bytes, computed at construction.
   *
   * Since: 1.0
   */
  properties[PROP_MEMORY_SIZE] =
    g_param_spec_uint64 ("memory-size", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ZcpMemPoolAllocator:open-mode:
   *
   * How the segment is obtained.
   *
   * Since: 1.0
   */
  properties[PROP_OPEN_MODE] =
    g_param_spec_enum ("open-mode", NULL, NULL, ZCP_TYPE_SHM_OPEN_MODE,
                       ZCP_SHM_OPEN_MODE_PURGE_AND_CREATE,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ZcpMemPoolAllocator:open-timeout:
   *
   * When attaching to an existing segment, how many milliseconds to wait
   * for its creator to finish laying it out.
   *
   * Since: 1.0
   */
  properties[PROP_OPEN_TIMEOUT] =
    g_param_spec_uint ("open-timeout", NULL, NULL, 0, G_MAXUINT, 1000,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ZcpMemPoolAllocator:name:
   *
   * The segment's name, once zcp_mem_pool_allocator_initialize_shared_memory()
   * succeeded.
   *
   * Since: 1.0
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ZcpMemPoolAllocator:base-address:
   *
   * Where the segment is mapped in this process, or %NULL.
   *
   * Since: 1.0
   */
  properties[PROP_BASE_ADDRESS] =
    g_param_spec_pointer ("base-address", NULL, NULL,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ZcpMemPoolAllocator:created:
   *
   * Whether this allocator created its segment (and so lays it out and
   * unlinks it).
   *
   * Since: 1.0
   */
  properties[PROP_CREATED] =
    g_param_spec_boolean ("created", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
zcp_mem_pool_allocator_init (ZcpMemPoolAllocator *self)
{
  self->open_timeout_ms = 1000;
}

/**
 * zcp_mem_pool_allocator_new:
 * @config: the pools to lay out
 *
 * Creates an allocator for @config, computes the segment size and seals
 * @config.  The segment is created by
 * zcp_mem_pool_allocator_initialize_shared_memory() in
 * %ZCP_SHM_OPEN_MODE_PURGE_AND_CREATE mode.
 *
 * Returns: (transfer full): a new #ZcpMemPoolAllocator
 *
 * Since: 1.0
 */
ZcpMemPoolAllocator *
zcp_mem_pool_allocator_new (ZcpMemPoolConfig *config)
{
  return zcp_mem_pool_allocator_new_with_mode (config, ZCP_SHM_OPEN_MODE_PURGE_AND_CREATE);
}

/**
 * zcp_mem_pool_allocator_new_with_mode:
 * @config: the pools to lay out (or expect, when attaching)
 * @open_mode: how to obtain the segment
 *
 * Like zcp_mem_pool_allocator_new(), with a choice of #ZcpShmOpenMode.
 * In %ZCP_SHM_OPEN_MODE_OPEN_EXISTING mode (and in
 * %ZCP_SHM_OPEN_MODE_OPEN_OR_CREATE mode when the segment exists) the
 * allocator attaches instead of creating, and the existing segment must
 * hold exactly the pools of @config.
 *
 * Returns: (transfer full): a new #ZcpMemPoolAllocator
 *
 * Since: 1.0
 */
ZcpMemPoolAllocator *
zcp_mem_pool_allocator_new_with_mode (ZcpMemPoolConfig *config,
                                      ZcpShmOpenMode    open_mode)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_CONFIG (config), NULL);
  g_return_val_if_fail (open_mode <= ZCP_SHM_OPEN_MODE_OPEN_EXISTING, NULL);

  return g_object_new (ZCP_TYPE_MEM_POOL_ALLOCATOR,
                       "config", config,
                       "open-mode", open_mode,
                       NULL);
}

/* An attached segment must hold the pools the configuration describes. */
static gboolean
check_config_matches (ZcpMemPoolAllocator  *self,
                      ZcpShm               *shm,
                      GError              **error)
{
  ZcpSegmentHeader *header = zcp_segment_header (shm->base);
  ZcpPoolDescriptor *descs = zcp_segment_pools (shm->base);
  ZcpPoolSpec specs[ZCP_MEM_POOL_MAX_POOLS];
  guint n = _zcp_mem_pool_config_get_specs (self->config, specs);

  if (header->pool_count != n)
    {
      g_set_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_CONFIG_MISMATCH,
                   _("Shared memory “%s” has %u pools, the configuration %u"),
                   shm->name, header->pool_count, n);
      return FALSE;
    }

  for (guint i = 0; i < n; i++)
    {
      if (descs[i].chunk_size != specs[i].chunk_size || descs[i].chunk_count != specs[i].chunk_count)
        {
          g_set_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_CONFIG_MISMATCH,
                       _("Pool %u of shared memory “%s” has %u chunks of %llu bytes, the configuration %u of %llu"),
                       i, shm->name, descs[i].chunk_count, (unsigned long long) descs[i].chunk_size,
                       specs[i].chunk_count, (unsigned long long) specs[i].chunk_size);
          return FALSE;
        }
    }

  return TRUE;
}

/**
 * zcp_mem_pool_allocator_initialize_shared_memory:
 * @self: a #ZcpMemPoolAllocator
 * @name: a POSIX shared-memory name: one leading `/`, no other `/`, at
 *   most 255 bytes after it, UTF-8
 * @error: return location for a #GError, or %NULL
 *
 * Creates the segment (or attaches to it, depending on
 * #ZcpMemPoolAllocator:open-mode) and maps it: the specification's
 * `initializeSharedMemory()`.  Must be called before
 * zcp_mem_pool_allocator_initialize_mem_pools().
 *
 * The memory of a new segment is reserved at once, so a full `/dev/shm`
 * fails here with %ZCP_SHM_ERROR_NO_SPACE instead of crashing the process
 * later.  A new segment gets the configuration's permissions (0600 by
 * default), whatever the umask.  Failures are in the %ZCP_SHM_ERROR domain
 * and name the segment, its size and the system's reason; calling twice is
 * %ZCP_MEM_POOL_ERROR_WRONG_ORDER.  Not thread-safe.
 *
 * Returns: (transfer none) (nullable): the base address of the mapping,
 *   or %NULL with @error set
 *
 * Since: 1.0
 */
gpointer
zcp_mem_pool_allocator_initialize_shared_memory (ZcpMemPoolAllocator  *self,
                                                 const char           *name,
                                                 GError              **error)
{
  g_autoptr(ZcpShm) shm = NULL;
  g_autoptr(GError) local_error = NULL;
  guint permissions;

  g_return_val_if_fail (ZCP_IS_MEM_POOL_ALLOCATOR (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self->state != STATE_NEW)
    {
      g_set_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_WRONG_ORDER,
                   _("The shared memory of this allocator is already initialized (“%s”)"),
                   self->shm->name);
      return NULL;
    }

  if (!zcp_shm_validate_name (name, error))
    return NULL;

  if (zcp_mem_pool_config_get_n_entries (self->config) == 0)
    {
      g_set_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_EMPTY_CONFIG,
                   _("Cannot create shared memory “%s”: the memory pool configuration has no entry"),
                   name);
      return NULL;
    }

  g_info (_("Creating shared memory: %s, size: %llu bytes"),
          name, (unsigned long long) self->memory_size);

  permissions = zcp_mem_pool_config_get_permissions (self->config);

  switch (self->open_mode)
    {
    case ZCP_SHM_OPEN_MODE_PURGE_AND_CREATE:
    case ZCP_SHM_OPEN_MODE_EXCLUSIVE_CREATE:
      shm = zcp_shm_create (name, self->memory_size, self->open_mode, permissions, error);
      break;

    case ZCP_SHM_OPEN_MODE_OPEN_OR_CREATE:
      shm = zcp_shm_create (name, self->memory_size, ZCP_SHM_OPEN_MODE_OPEN_OR_CREATE,
                            permissions, &local_error);
      if (shm == NULL && g_error_matches (local_error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_ALREADY_EXISTS))
        {
          g_clear_error (&local_error);
          shm = zcp_shm_open (name, FALSE, self->open_timeout_ms, &local_error);
        }
      if (shm == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      break;

    case ZCP_SHM_OPEN_MODE_OPEN_EXISTING:
    default:
      shm = zcp_shm_open (name, FALSE, self->open_timeout_ms, error);
      break;
    }

  if (shm == NULL)
    return NULL;

  if (!shm->created && !check_config_matches (self, shm, error))
    return NULL;

  if (shm->created)
    {
      /* Never 0, so that 0 can mean "no segment" to readers. */
      do
        self->segment_id = ((guint64) g_random_int () << 32) | g_random_int ();
      while (self->segment_id == 0);

      g_info (_("Shared memory created: %s, base address: %p, segment ID: %llu"),
              name, (void *) shm->base, (unsigned long long) self->segment_id);
    }
  else
    {
      self->segment_id = zcp_segment_header (shm->base)->segment_id;
      self->memory_size = shm->size;
      g_info (_("Shared memory opened: %s, base address: %p, segment ID: %llu"),
              name, (void *) shm->base, (unsigned long long) self->segment_id);
    }

  self->shm = g_steal_pointer (&shm);
  self->state = STATE_SHM_READY;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BASE_ADDRESS]);
  if (self->shm->created)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CREATED]);

  return self->shm->base;
}

/**
 * zcp_mem_pool_allocator_initialize_mem_pools:
 * @self: a #ZcpMemPoolAllocator
 * @error: return location for a #GError, or %NULL
 *
 * Lays the configured pools out in the segment (when this allocator
 * created it), creates the segment's #ZcpMemPoolManager, makes it the
 * process's default manager if there is none yet, and logs every pool's
 * state: the specification's `initializeMemPools()`.  Then it applies the
 * configuration's prefault and mlock settings to this process's mapping
 * (see zcp_mem_pool_config_set_prefault() and
 * zcp_mem_pool_config_set_mlock()); a refused lock is a warning.
 *
 * Fails with %ZCP_MEM_POOL_ERROR_WRONG_ORDER before a successful
 * zcp_mem_pool_allocator_initialize_shared_memory() or when called twice.
 * Not thread-safe.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
zcp_mem_pool_allocator_initialize_mem_pools (ZcpMemPoolAllocator  *self,
                                             GError              **error)
{
  ZcpMemPoolManager *manager;

  g_return_val_if_fail (ZCP_IS_MEM_POOL_ALLOCATOR (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->state == STATE_NEW)
    {
      g_set_error_literal (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_WRONG_ORDER,
                           _("Cannot initialize the memory pools: the shared memory is not initialized"));
      return FALSE;
    }
  if (self->state == STATE_POOLS_READY)
    {
      g_set_error (error, ZCP_MEM_POOL_ERROR, ZCP_MEM_POOL_ERROR_WRONG_ORDER,
                   _("The memory pools of shared memory “%s” are already initialized"),
                   self->shm->name);
      return FALSE;
    }

  g_info (_("Initializing memory pools, base address: %p, total size: %llu bytes"),
          (void *) self->shm->base, (unsigned long long) self->shm->size);

  if (self->shm->created)
    {
      ZcpPoolSpec specs[ZCP_MEM_POOL_MAX_POOLS];
      guint n = _zcp_mem_pool_config_get_specs (self->config, specs);

      zcp_segment_layout (self->shm->base, self->shm->size, specs, n, self->segment_id,
                          (zcp_mem_pool_config_get_fallback (self->config) ? ZCP_SEGMENT_FLAG_FALLBACK : 0) |
                          (zcp_mem_pool_config_get_thread_cache (self->config) ? 0 : ZCP_SEGMENT_FLAG_NO_THREAD_CACHE),
                          (guint32) getpid ());
    }

  /* Prefault and mlock concern this process's mapping: creator or not. */
  _zcp_mem_pool_config_apply_memory_options (self->config, self->shm->base, self->shm->size,
                                             self->shm->name);

  manager = _zcp_mem_pool_manager_new_for_shm (self->shm, error);
  if (manager == NULL)
    return FALSE;

  self->manager = manager;
  self->state = STATE_POOLS_READY;
  _zcp_mem_pool_manager_set_default (manager);

  g_info ("%s", _("Memory pool manager initialized"));
  zcp_mem_pool_manager_log_pools (manager);

  return TRUE;
}

/**
 * zcp_mem_pool_allocator_get_base_address:
 * @self: a #ZcpMemPoolAllocator
 *
 * The specification's `getBaseAddress()`.
 *
 * Returns: (transfer none) (nullable): where the segment is mapped, or
 *   %NULL before zcp_mem_pool_allocator_initialize_shared_memory()
 *
 * Since: 1.0
 */
gpointer
zcp_mem_pool_allocator_get_base_address (ZcpMemPoolAllocator *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_ALLOCATOR (self), NULL);

  return self->shm != NULL ? self->shm->base : NULL;
}

/**
 * zcp_mem_pool_allocator_get_memory_size:
 * @self: a #ZcpMemPoolAllocator
 *
 * The specification's `getMemorySize()`: the segment size computed at
 * construction (see zcp_mem_pool_config_get_memory_size()).
 *
 * Returns: the segment size in bytes
 *
 * Since: 1.0
 */
guint64
zcp_mem_pool_allocator_get_memory_size (ZcpMemPoolAllocator *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_ALLOCATOR (self), 0);

  return self->memory_size;
}

/**
 * zcp_mem_pool_allocator_is_initialized:
 * @self: a #ZcpMemPoolAllocator
 *
 * The specification's `isInitialized()`: %TRUE only when the segment is
 * mapped, its base address is not %NULL, and the manager exists and is
 * initialized.
 *
 * Returns: whether the allocator is completely initialized
 *
 * Since: 1.0
 */
gboolean
zcp_mem_pool_allocator_is_initialized (ZcpMemPoolAllocator *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_ALLOCATOR (self), FALSE);

  return self->state == STATE_POOLS_READY &&
         self->shm != NULL &&
         self->shm->base != NULL &&
         self->manager != NULL &&
         zcp_mem_pool_manager_is_initialized (self->manager);
}

/**
 * zcp_mem_pool_allocator_get_config:
 * @self: a #ZcpMemPoolAllocator
 *
 * Gets the configuration the allocator was made with.
 *
 * Returns: (transfer none): the (sealed) configuration
 *
 * Since: 1.0
 */
ZcpMemPoolConfig *
zcp_mem_pool_allocator_get_config (ZcpMemPoolAllocator *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_ALLOCATOR (self), NULL);

  return self->config;
}

/**
 * zcp_mem_pool_allocator_get_open_mode:
 * @self: a #ZcpMemPoolAllocator
 *
 * Gets the #ZcpShmOpenMode the allocator was made with.
 *
 * Returns: how the allocator obtains its segment
 *
 * Since: 1.0
 */
ZcpShmOpenMode
zcp_mem_pool_allocator_get_open_mode (ZcpMemPoolAllocator *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_ALLOCATOR (self), ZCP_SHM_OPEN_MODE_PURGE_AND_CREATE);

  return self->open_mode;
}

/**
 * zcp_mem_pool_allocator_get_name:
 * @self: a #ZcpMemPoolAllocator
 *
 * Gets the POSIX name of the allocator's segment.
 *
 * Returns: (nullable): the segment's name, or %NULL before
 *   zcp_mem_pool_allocator_initialize_shared_memory()
 *
 * Since: 1.0
 */
const char *
zcp_mem_pool_allocator_get_name (ZcpMemPoolAllocator *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_ALLOCATOR (self), NULL);

  return self->shm != NULL ? self->shm->name : NULL;
}

/**
 * zcp_mem_pool_allocator_get_created:
 * @self: a #ZcpMemPoolAllocator
 *
 * Tells whether the allocator created its segment or attached to one.
 *
 * Returns: %TRUE if this allocator created its segment (and will unlink
 *   it when finalized), %FALSE if it attached to an existing one
 *
 * Since: 1.0
 */
gboolean
zcp_mem_pool_allocator_get_created (ZcpMemPoolAllocator *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_ALLOCATOR (self), FALSE);

  return self->shm != NULL && self->shm->created;
}

/**
 * zcp_mem_pool_allocator_get_manager:
 * @self: a #ZcpMemPoolAllocator
 *
 * Gets the manager of this allocator's segment, which is the process's
 * default manager unless another allocator was initialized first.
 *
 * Returns: (transfer none) (nullable): the manager, or %NULL before
 *   zcp_mem_pool_allocator_initialize_mem_pools()
 *
 * Since: 1.0
 */
ZcpMemPoolManager *
zcp_mem_pool_allocator_get_manager (ZcpMemPoolAllocator *self)
{
  g_return_val_if_fail (ZCP_IS_MEM_POOL_ALLOCATOR (self), NULL);

  return self->manager;
}
