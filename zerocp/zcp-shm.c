/* zcp-shm.c: creating, opening, mapping and unlinking POSIX shared memory
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "zcp-error.h"
#include "zcp-private.h"
#include "zcp-segment-private.h"
#include "zcp-shm-private.h"

/* How often an opener looks again at a segment that is still being laid
 * out.  Short, because layout is fast; the caller's timeout bounds it. */
#define ZCP_SHM_POLL_INTERVAL_US 1000

gboolean
zcp_shm_validate_name (const char  *name,
                       GError     **error)
{
  gsize len;

  if (name == NULL || name[0] == '\0')
    {
      g_set_error_literal (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_INVALID_NAME,
                           _("Shared memory name is empty"));
      return FALSE;
    }

  if (!g_utf8_validate (name, -1, NULL))
    {
      g_set_error_literal (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_INVALID_NAME,
                           _("Shared memory name is not valid UTF-8"));
      return FALSE;
    }

  len = strlen (name);

  if (name[0] != '/')
    {
      g_set_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_INVALID_NAME,
                   _("Shared memory name “%s” must start with “/”"), name);
      return FALSE;
    }

  if (len == 1 || strcmp (name, "/.") == 0 || strcmp (name, "/..") == 0)
    {
      g_set_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_INVALID_NAME,
                   _("Shared memory name “%s” has nothing after its “/”"), name);
      return FALSE;
    }

  if (strchr (name + 1, '/') != NULL)
    {
      g_set_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_INVALID_NAME,
                   _("Shared memory name “%s” may contain only its leading “/”"), name);
      return FALSE;
    }

  if (len - 1 > NAME_MAX)
    {
      g_set_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_INVALID_NAME,
                   _("Shared memory name is %zu bytes long; at most %d are allowed after the “/”"),
                   len, NAME_MAX);
      return FALSE;
    }

  for (const char *p = name; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        {
          g_set_error_literal (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_INVALID_NAME,
                               _("Shared memory name contains a control character"));
          return FALSE;
        }
    }

  return TRUE;
}

static ZcpShmError
error_from_errno (int errsv,
                  ZcpShmError fallback)
{
  switch (errsv)
    {
    case EACCES:
    case EPERM:
      return ZCP_SHM_ERROR_PERMISSION_DENIED;
    case EEXIST:
      return ZCP_SHM_ERROR_ALREADY_EXISTS;
    case ENOENT:
      return ZCP_SHM_ERROR_DOES_NOT_EXIST;
    case EMFILE:
    case ENFILE:
      return ZCP_SHM_ERROR_TOO_MANY_FILES;
    case ENOSPC:
    case EDQUOT:
      return ZCP_SHM_ERROR_NO_SPACE;
    case ENAMETOOLONG:
      return ZCP_SHM_ERROR_INVALID_NAME;
    case EFBIG:
      return ZCP_SHM_ERROR_INVALID_SIZE;
    default:
      return fallback;
    }
}

static ZcpShm *
zcp_shm_new (const char *name,
             guint8     *base,
             guint64     size,
             const struct stat *st,
             gboolean    read_only,
             gboolean    created)
{
  ZcpShm *shm = g_new0 (ZcpShm, 1);

  g_atomic_ref_count_init (&shm->ref_count);
  shm->name = g_strdup (name);
  shm->base = base;
  shm->size = size;
  shm->dev = st->st_dev;
  shm->ino = st->st_ino;
  shm->read_only = !!read_only;
  shm->created = !!created;

  return shm;
}

ZcpShm *
zcp_shm_ref (ZcpShm *shm)
{
  g_atomic_ref_count_inc (&shm->ref_count);
  return shm;
}

void
zcp_shm_unref (ZcpShm *shm)
{
  if (g_atomic_ref_count_dec (&shm->ref_count))
    {
      if (shm->base != NULL)
        munmap (shm->base, shm->size);
      g_free (shm->name);
      g_free (shm);
    }
}

/* Creates the object, sizes it and maps it read-write.  The memory is
 * reserved with posix_fallocate(): a full /dev/shm is ENOSPC now, instead
 * of a SIGBUS at the first touch of a page that tmpfs cannot provide. */
ZcpShm *
zcp_shm_create (const char      *name,
                guint64          size,
                ZcpShmOpenMode   mode,
                guint            permissions,
                GError         **error)
{
  int fd;
  int flags = O_RDWR | O_CREAT | O_EXCL;
  int ret;
  void *base;
  struct stat st;
  int errsv;

  g_assert (mode == ZCP_SHM_OPEN_MODE_PURGE_AND_CREATE ||
            mode == ZCP_SHM_OPEN_MODE_EXCLUSIVE_CREATE ||
            mode == ZCP_SHM_OPEN_MODE_OPEN_OR_CREATE);

  if (!zcp_shm_validate_name (name, error))
    return NULL;

  if (size == 0 || size > (guint64) G_MAXSSIZE || (off_t) size < 0)
    {
      g_set_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_INVALID_SIZE,
                   _("Cannot create shared memory “%s” of %" PRIu64 " bytes: invalid size"),
                   name, size);
      return NULL;
    }

  if (mode == ZCP_SHM_OPEN_MODE_PURGE_AND_CREATE)
    {
      /* Purge: whatever had this name goes; its mappers keep their copy. */
      if (shm_unlink (name) != 0 && errno != ENOENT)
        {
          errsv = errno;
          g_set_error (error, ZCP_SHM_ERROR, error_from_errno (errsv, ZCP_SHM_ERROR_CREATION_FAILED),
                       _("Cannot remove the old shared memory “%s”: %s"),
                       name, g_strerror (errsv));
          return NULL;
        }
    }

  fd = shm_open (name, flags, permissions & 0777);
  if (fd < 0)
    {
      errsv = errno;
      g_set_error (error, ZCP_SHM_ERROR, error_from_errno (errsv, ZCP_SHM_ERROR_CREATION_FAILED),
                   _("Cannot create shared memory “%s” of %" PRIu64 " bytes: %s"),
                   name, size, g_strerror (errsv));
      return NULL;
    }

  /* shm_open() applied the umask; the configuration's mode is the contract. */
  if (fchmod (fd, permissions & 0777) != 0 ||
      fstat (fd, &st) != 0)
    {
      errsv = errno;
      goto fail_unlink_errno;
    }

  if (ftruncate (fd, (off_t) size) != 0)
    {
      errsv = errno;
      g_set_error (error, ZCP_SHM_ERROR,
                   errsv == EINVAL || errsv == EFBIG ? ZCP_SHM_ERROR_INVALID_SIZE
                                                     : error_from_errno (errsv, ZCP_SHM_ERROR_CREATION_FAILED),
                   _("Cannot size shared memory “%s” to %" PRIu64 " bytes: %s"),
                   name, size, g_strerror (errsv));
      goto fail_unlink;
    }

#ifdef HAVE_POSIX_FALLOCATE
  do
    ret = posix_fallocate (fd, 0, (off_t) size);
  while (ret == EINTR);

  /* A file system without fallocate support keeps the ftruncate() size. */
  if (ret != 0 && ret != EOPNOTSUPP && ret != EINVAL)
    {
      g_set_error (error, ZCP_SHM_ERROR,
                   ret == ENOSPC || ret == ENOMEM || ret == EFBIG ? ZCP_SHM_ERROR_NO_SPACE
                                                                  : error_from_errno (ret, ZCP_SHM_ERROR_CREATION_FAILED),
                   _("Not enough space for shared memory “%s” of %" PRIu64 " bytes: %s"),
                   name, size, g_strerror (ret));
      goto fail_unlink;
    }
#else
  (void) ret;
#endif

  base = mmap (NULL, (size_t) size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED)
    {
      errsv = errno;
      g_set_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_MAPPING_ERROR,
                   _("Cannot map shared memory “%s” of %" PRIu64 " bytes: %s"),
                   name, size, g_strerror (errsv));
      goto fail_unlink;
    }

  close (fd);
  return zcp_shm_new (name, base, size, &st, FALSE, TRUE);

fail_unlink_errno:
  g_set_error (error, ZCP_SHM_ERROR, error_from_errno (errsv, ZCP_SHM_ERROR_CREATION_FAILED),
               _("Cannot create shared memory “%s” of %" PRIu64 " bytes: %s"),
               name, size, g_strerror (errsv));
fail_unlink:
  shm_unlink (name);
  close (fd);
  return NULL;
}

static gboolean
header_error (const char      *name,
              ZcpSegmentCheck  check,
              const char      *detail,
              guint64          size,
              GError         **error)
{
  switch (check)
    {
    case ZCP_SEGMENT_OK:
      return TRUE;
    case ZCP_SEGMENT_NOT_ZEROCP:
      g_set_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_NOT_ZEROCP,
                   _("Shared memory “%s” (%" PRIu64 " bytes) is not a zerocp segment: %s"),
                   name, size, _(detail));
      return FALSE;
    case ZCP_SEGMENT_VERSION_MISMATCH:
      g_set_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_VERSION_MISMATCH,
                   _("Shared memory “%s” has another layout version than %u"),
                   name, ZCP_SEGMENT_LAYOUT_VERSION);
      return FALSE;
    case ZCP_SEGMENT_TRUNCATED:
      g_set_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_TRUNCATED,
                   _("Shared memory “%s” is truncated (%" PRIu64 " bytes): %s"),
                   name, size, _(detail));
      return FALSE;
    case ZCP_SEGMENT_NOT_READY:
      g_set_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_NOT_READY,
                   _("Shared memory “%s” is not ready: its creator has not finished laying it out (%s)"),
                   name, _(detail));
      return FALSE;
    case ZCP_SEGMENT_CORRUPT:
    default:
      g_set_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_CORRUPT,
                   _("Shared memory “%s” (%" PRIu64 " bytes) is corrupt: %s"),
                   name, size, _(detail));
      return FALSE;
    }
}

/* Opens an existing zerocp segment and validates it completely before
 * returning it.  A segment that is still being laid out (empty, zero magic
 * or ready flag not yet set) is polled until timeout_ms has passed. */
ZcpShm *
zcp_shm_open (const char  *name,
              gboolean     read_only,
              guint        timeout_ms,
              GError     **error)
{
  gint64 deadline;
  int fd;
  int errsv;

  if (!zcp_shm_validate_name (name, error))
    return NULL;

  fd = shm_open (name, read_only ? O_RDONLY : O_RDWR, 0);
  if (fd < 0)
    {
      errsv = errno;
      if (errsv == ENOENT)
        g_set_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_DOES_NOT_EXIST,
                     _("Shared memory “%s” does not exist"), name);
      else
        g_set_error (error, ZCP_SHM_ERROR, error_from_errno (errsv, ZCP_SHM_ERROR_CREATION_FAILED),
                     _("Cannot open shared memory “%s”: %s"), name, g_strerror (errsv));
      return NULL;
    }

  deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      struct stat st;
      guint8 *base;
      ZcpSegmentCheck check;
      const char *detail = NULL;
      guint64 size;

      if (fstat (fd, &st) != 0)
        {
          errsv = errno;
          g_set_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_CREATION_FAILED,
                       _("Cannot open shared memory “%s”: %s"), name, g_strerror (errsv));
          break;
        }

      size = (guint64) st.st_size;

      if (size == 0)
        {
          base = NULL;
          check = ZCP_SEGMENT_NOT_READY;
          detail = "empty";
        }
      else
        {
          base = mmap (NULL, (size_t) size, read_only ? PROT_READ : PROT_READ | PROT_WRITE,
                       MAP_SHARED, fd, 0);
          if (base == MAP_FAILED)
            {
              errsv = errno;
              g_set_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_MAPPING_ERROR,
                           _("Cannot map shared memory “%s” of %" PRIu64 " bytes: %s"),
                           name, size, g_strerror (errsv));
              break;
            }
          check = zcp_segment_validate (base, size, &detail);
        }

      if (check == ZCP_SEGMENT_OK)
        {
          close (fd);
          return zcp_shm_new (name, base, size, &st, read_only, FALSE);
        }

      if (check == ZCP_SEGMENT_VERSION_MISMATCH)
        {
          g_set_error (error, ZCP_SHM_ERROR, ZCP_SHM_ERROR_VERSION_MISMATCH,
                       _("Shared memory “%s” has layout version %u; this zerocp reads version %u"),
                       name, ((ZcpSegmentHeader *) (void *) base)->layout_version,
                       ZCP_SEGMENT_LAYOUT_VERSION);
          munmap (base, size);
          break;
        }

      if (base != NULL)
        munmap (base, size);

      if (check != ZCP_SEGMENT_NOT_READY || g_get_monotonic_time () >= deadline)
        {
          header_error (name, check, detail, size, error);
          break;
        }

      g_usleep (ZCP_SHM_POLL_INTERVAL_US);
    }

  close (fd);
  return NULL;
}

/* Unlinks the name, but only while it still names the object this process
 * created: a later purge-and-create by somebody else must survive us. */
gboolean
zcp_shm_unlink (ZcpShm *shm)
{
  struct stat st;
  int fd;

  fd = shm_open (shm->name, O_RDONLY, 0);
  if (fd < 0)
    return FALSE;
  if (fstat (fd, &st) != 0 || st.st_dev != shm->dev || st.st_ino != shm->ino)
    {
      close (fd);
      return FALSE;
    }
  close (fd);

  return shm_unlink (shm->name) == 0;
}

gboolean
zcp_shm_unlink_name (const char  *name,
                     GError     **error)
{
  int errsv;

  if (!zcp_shm_validate_name (name, error))
    return FALSE;

  if (shm_unlink (name) != 0)
    {
      errsv = errno;
      g_set_error (error, ZCP_SHM_ERROR, error_from_errno (errsv, ZCP_SHM_ERROR_CREATION_FAILED),
                   _("Cannot remove shared memory “%s”: %s"), name, g_strerror (errsv));
      return FALSE;
    }

  return TRUE;
}
