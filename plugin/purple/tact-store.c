/* Atomic JSON persistence.
 *
 * A write goes to a temp file in the same directory, is fsynced and renamed
 * over the target, so a crash leaves either the old or the new file, never
 * half of one.  Before the rename the previous file is hard-linked to
 * `.bak` (the last good copy).  A file that does not parse is moved aside
 * as `.corrupt-<time>` and the `.bak` is used instead.  Writes are batched:
 * callers mark the store dirty and a timeout writes it later.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tact-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

struct _TactStore {
  char                 *path;
  TactStoreSnapshotFunc snapshot;
  gpointer              user_data;
  guint                 timer_id;
  gint64                due;     /* monotonic µs of the pending write */
  gboolean              dirty;
};

TactStore *
tact_store_new (const char *path, TactStoreSnapshotFunc snapshot, gpointer user_data)
{
  TactStore *store = g_new0 (TactStore, 1);
  store->path = g_strdup (path);
  store->snapshot = snapshot;
  store->user_data = user_data;
  return store;
}

void
tact_store_free (TactStore *store)
{
  g_autoptr (GError) error = NULL;

  if (store == NULL)
    return;
  if (!tact_store_flush (store, &error))
    purple_debug_error (TACT_LOG_DOMAIN, "could not save %s: %s\n", store->path, error->message);
  g_clear_handle_id (&store->timer_id, g_source_remove);
  g_free (store->path);
  g_free (store);
}

const char *
tact_store_get_path (const TactStore *store)
{
  return store->path;
}

gboolean
tact_store_is_dirty (const TactStore *store)
{
  return store->dirty;
}

static json_t *
load_file (const char *path, gboolean *exists, GError **error)
{
  json_error_t jerr;
  json_t *root;

  *exists = g_file_test (path, G_FILE_TEST_EXISTS);
  if (!*exists)
    return NULL;
  /* a FIFO or device in its place would block the main loop on reading:
   * treated as a corrupt file (moved aside, the backup used) */
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, TACT_ERROR, TACT_ERROR_IO, "%s: not a regular file", path);
      return NULL;
    }
  root = json_load_file (path, 0, &jerr);
  if (root == NULL)
    {
      g_set_error (error, TACT_ERROR, TACT_ERROR_IO, "%s:%d:%d: %s", path, jerr.line,
                   jerr.column, jerr.text);
      return NULL;
    }
  if (!json_is_object (root))
    {
      g_set_error (error, TACT_ERROR, TACT_ERROR_IO, "%s: not a JSON object", path);
      json_decref (root);
      return NULL;
    }
  return root;
}

json_t *
tact_store_load (TactStore *store, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *bak = g_strconcat (store->path, ".bak", NULL);
  gboolean exists = FALSE;
  json_t *root;

  root = load_file (store->path, &exists, &local);
  if (root != NULL || (!exists && !g_file_test (bak, G_FILE_TEST_EXISTS)))
    return root;

  if (exists)
    {
      /* Keep the broken file for a human to look at; never overwrite it. */
      g_autofree char *aside = g_strdup_printf ("%s.corrupt-%" G_GINT64_FORMAT, store->path,
                                                g_get_real_time () / G_USEC_PER_SEC);
      purple_debug_error (TACT_LOG_DOMAIN, "corrupt state file %s (%s); moved to %s, using %s\n",
                          store->path, local->message, aside, bak);
      if (g_rename (store->path, aside) != 0)
        purple_debug_error (TACT_LOG_DOMAIN, "could not move %s aside: %s\n", store->path,
                            g_strerror (errno));
    }
  g_clear_error (&local);

  root = load_file (bak, &exists, &local);
  if (root == NULL && local != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "backup unusable too: ");
      return NULL;
    }
  /* Rewrite the main file from the backup at the next flush. */
  if (root != NULL)
    tact_store_schedule (store, TACT_STORE_PROMPT_MS);
  return root;
}

static gboolean
write_all (int fd, const char *data, gsize len)
{
  while (len > 0)
    {
      gssize n = write (fd, data, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static void
fsync_dir (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = open (dir, O_RDONLY | O_DIRECTORY);

  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

static gboolean
write_atomic (const char *path, const char *data, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *tmp = g_strconcat (path, ".tmp-XXXXXX", NULL);
  g_autofree char *bak = g_strconcat (path, ".bak", NULL);
  g_autofree char *bak_tmp = g_strconcat (path, ".bak.tmp", NULL);
  int saved;
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    goto fail_errno;
  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    goto fail_errno;
  if (!write_all (fd, data, strlen (data)) || fsync (fd) != 0)
    {
      saved = errno;
      close (fd);
      g_unlink (tmp);
      errno = saved;
      goto fail_errno;
    }
  if (close (fd) != 0)
    {
      saved = errno;
      g_unlink (tmp);
      errno = saved;
      goto fail_errno;
    }

  /* The current file becomes the last good copy; a hard link keeps both
   * names valid at every instant. */
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_unlink (bak_tmp);
      if (link (path, bak_tmp) == 0)
        {
          if (g_rename (bak_tmp, bak) != 0)
            g_unlink (bak_tmp);
        }
    }
  if (g_rename (tmp, path) != 0)
    {
      saved = errno;
      g_unlink (tmp);
      errno = saved;
      goto fail_errno;
    }
  fsync_dir (path);
  return TRUE;

fail_errno:
  saved = errno;
  g_set_error (error, TACT_ERROR, TACT_ERROR_IO, "%s: %s", path, g_strerror (saved));
  return FALSE;
}

gboolean
tact_store_flush (TactStore *store, GError **error)
{
  g_autofree char *text = NULL;
  json_t *root;

  g_clear_handle_id (&store->timer_id, g_source_remove);
  if (!store->dirty)
    return TRUE;
  root = store->snapshot (store->user_data);
  text = json_dumps (root, JSON_INDENT (1) | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
  json_decref (root);
  if (text == NULL)
    {
      g_set_error (error, TACT_ERROR, TACT_ERROR_IO, "%s: cannot serialise", store->path);
      return FALSE;
    }
  if (!write_atomic (store->path, text, error))
    return FALSE;
  store->dirty = FALSE;
  return TRUE;
}

static gboolean
on_timer (gpointer user_data)
{
  TactStore *store = user_data;
  g_autoptr (GError) error = NULL;

  store->timer_id = 0;
  if (!tact_store_flush (store, &error))
    {
      purple_debug_error (TACT_LOG_DOMAIN, "could not save state: %s\n", error->message);
      /* Try again later rather than lose the change. */
      tact_store_schedule (store, TACT_STORE_BATCH_MS * 5);
    }
  return G_SOURCE_REMOVE;
}

void
tact_store_schedule (TactStore *store, guint delay_ms)
{
  gint64 due = g_get_monotonic_time () + (gint64) delay_ms * 1000;

  store->dirty = TRUE;
  /* A pending write that is due soon enough absorbs this change. */
  if (store->timer_id != 0 && store->due <= due)
    return;
  g_clear_handle_id (&store->timer_id, g_source_remove);
  store->due = due;
  store->timer_id = g_timeout_add (delay_ms, on_timer, store);
}
