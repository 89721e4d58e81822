/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tact-dict.h"

#include <string.h>

void
tact_dict_init (TactDict *d)
{
  memset (d, 0, sizeof *d);
  d->mask = TACT_DICT_MIN_SLOTS - 1;
  d->slots = g_new0 (TactDictSlot, d->mask + 1);
  tact_hash_filter_reset (&d->present, (guint64) d->mask + 1);
  d->arena = g_string_new (NULL);
}

void
tact_dict_clear (TactDict *d)
{
  g_free (d->slots);
  tact_hash_filter_free (&d->present);
  g_free (d->keys);
  g_free (d->hashes);
  if (d->arena)
    g_string_free (d->arena, TRUE);
  memset (d, 0, sizeof *d);
}

static void
put_slot (TactDict *d, guint32 id)
{
  guint32 i = d->hashes[id] & d->mask;
  while (d->slots[i].head)
    i = (i + 1) & d->mask;
  d->slots[i].head = tact_dict_head (d->arena->str + d->keys[2 * id], d->keys[2 * id + 1]);
  d->slots[i].hash = d->hashes[id];
  d->slots[i].id = id;
  tact_hash_filter_add (&d->present, d->hashes[id]);
}

void
tact_dict_fill_slots (TactDict *d)
{
  /* four bits per slot */
  tact_hash_filter_reset (&d->present, (guint64) d->mask + 1);
  for (guint32 id = 0; id < d->n; id++)
    put_slot (d, id);
}

static void
grow (TactDict *d)
{
  g_free (d->slots);
  d->mask = d->mask * 2 + 1;
  d->slots = g_new0 (TactDictSlot, d->mask + 1);
  tact_dict_fill_slots (d);
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
  put_slot (d, id);
  return id;
}
