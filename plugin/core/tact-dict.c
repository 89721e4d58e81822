/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tact-dict.h"

#include <string.h>

void
tact_dict_init (TactDict *d)
{
  memset (d, 0, sizeof *d);
  /* a pack interns some twenty thousand words: start near that size
   * rather than doubling six times */
  d->mask = 16383;
  d->slots = g_new0 (guint64, d->mask + 1);
  d->arena = g_string_new (NULL);
}

void
tact_dict_clear (TactDict *d)
{
  g_free (d->slots);
  g_free (d->keys);
  g_free (d->hashes);
  if (d->arena)
    g_string_free (d->arena, TRUE);
  memset (d, 0, sizeof *d);
}

static void
grow (TactDict *d)
{
  guint32 nmask = d->mask * 2 + 1;
  guint64 *nslots = g_new0 (guint64, nmask + 1);
  for (guint32 id = 0; id < d->n; id++)
    {
      guint32 i = d->hashes[id] & nmask;
      while (nslots[i])
        i = (i + 1) & nmask;
      nslots[i] = ((guint64) d->hashes[id] << 32) | (id + 1);
    }
  g_free (d->slots);
  d->slots = nslots;
  d->mask = nmask;
}

guint32
tact_dict_intern (TactDict *d, const char *key, gsize len)
{
  /* hashed once, for the lookup and the insertion */
  guint32 h = tact_dict_hash (key, len);
  guint32 id = tact_dict_lookup_hashed (d, key, len, h);
  if (id != TACT_DICT_NONE)
    return id;
  if ((d->n + 1) * 2 > d->mask + 1)
    grow (d);
  if (d->n == d->cap)
    {
      d->cap = MAX (256u, d->cap * 2);
      d->keys = g_renew (guint32, d->keys, 2 * (gsize) d->cap);
      d->hashes = g_renew (guint32, d->hashes, d->cap);
    }
  id = d->n++;
  d->keys[2 * id] = (guint32) d->arena->len;
  d->keys[2 * id + 1] = (guint32) len;
  d->hashes[id] = h;
  g_string_append_len (d->arena, key, (gssize) len);
  g_string_append_c (d->arena, '\0');
  guint32 i = d->hashes[id] & d->mask;
  while (d->slots[i])
    i = (i + 1) & d->mask;
  d->slots[i] = ((guint64) d->hashes[id] << 32) | (id + 1);
  return id;
}
