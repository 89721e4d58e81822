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
/* Returns the id of @key or TACT_DICT_NONE. */
guint32 tact_dict_lookup (const TactDict *d, const char *key, gsize len);
static inline const char *
tact_dict_key (const TactDict *d, guint32 id)
{
  return d->arena->str + d->keys[2 * id];
}
