/* A compact string → id map for the hot path (internal).
 *
 * Open addressing over one key arena: a lookup is a hash, one or two
 * probes and a memcmp, with no allocation.  GHashTable would do, but it
 * costs two pointer chases per probe and a strlen per key, and lookups are
 * most of the engine's time.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <string.h>

#define TACT_DICT_NONE G_MAXUINT32

typedef struct {
  guint64 *slots;     /* hash << 32 | (id + 1), 0 = empty: a probe needs no other memory */
  guint32  mask;
  guint32 *keys;      /* per id: offset of the key in arena, then its length */
  guint32 *hashes;
  guint32  n, cap;
  GString *arena;
} TactDict;

void    tact_dict_init (TactDict *d);
void    tact_dict_clear (TactDict *d);
/* Returns the id of @key, adding it if new. */
guint32 tact_dict_intern (TactDict *d, const char *key, gsize len);
static inline const char *
tact_dict_key (const TactDict *d, guint32 id)
{
  return d->arena->str + d->keys[2 * id];
}

/* FNV-1a: short keys, good spread.  Exposed step by step so the tokeniser
 * can hash a word while it writes its normal form. */
#define TACT_DICT_HASH_INIT 2166136261u

static inline guint32
tact_dict_hash_step (guint32 h, guchar c)
{
  return (h ^ c) * 16777619u;
}

static inline guint32
tact_dict_hash (const char *s, gsize len)
{
  guint32 h = TACT_DICT_HASH_INIT;
  for (gsize i = 0; i < len; i++)
    h = tact_dict_hash_step (h, (guchar) s[i]);
  return h;
}

/* Returns the id of @key (whose tact_dict_hash() is @h) or TACT_DICT_NONE.
 * Inline: it runs for every token of every message. */
static inline guint32
tact_dict_lookup_hashed (const TactDict *d, const char *key, gsize len, guint32 h)
{
  for (guint32 i = h & d->mask;; i = (i + 1) & d->mask)
    {
      guint64 s = d->slots[i];
      if (s == 0)
        return TACT_DICT_NONE;
      if ((guint32) (s >> 32) != h)
        continue;
      guint32 id = (guint32) (s & 0xffffffffu) - 1;
      if (d->keys[2 * id + 1] == len && memcmp (d->arena->str + d->keys[2 * id], key, len) == 0)
        return id;
    }
}

static inline guint32
tact_dict_lookup (const TactDict *d, const char *key, gsize len)
{
  return tact_dict_lookup_hashed (d, key, len, tact_dict_hash (key, len));
}
