/* A compact string → id map for the hot path (internal).
 *
 * Open addressing over one key arena: a lookup is a hash, one or two
 * probes and, for a key of eight bytes or more, a comparison with the
 * key in the arena, with no allocation.  A slot holds the key's first
 * bytes and length (its "head"), which for the short keys most words are
 * is the whole key: their lookups touch one cache line, the slot's.
 * GHashTable would do, but it costs two pointer chases per probe and a
 * strlen per key, and lookups are most of the engine's time.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "tact-filter.h"

#include <glib.h>
#include <string.h>

#define TACT_DICT_NONE G_MAXUINT32

/* The slots of a new dictionary: a pack interns some twenty thousand
 * words, and starting near that size spares doubling six times. */
#define TACT_DICT_MIN_SLOTS 16384

typedef struct {
  guint64 head;       /* tact_dict_head() of the key, 0 = empty */
  guint32 hash;       /* tact_dict_hash() of the key */
  guint32 id;
} TactDictSlot;

typedef struct {
  TactDictSlot *slots; /* a probe needs no other memory for a key of up to 7 bytes */
  guint32  mask;
  /* the keys' hashes, four bits per slot (16 KB for a pack): a quarter
   * of a message's words are unknown, and this turns most of them away
   * before their probes miss the cache */
  TactHashFilter present;
  guint32 *keys;      /* per id: offset of the key in arena, then its length */
  guint32 *hashes;
  guint32  n, cap;
  GString *arena;
} TactDict;

void    tact_dict_init (TactDict *d);
/* Fills the slots (@mask + 1 of them, zeroed) from the keys and hashes of
 * the @d->n ids, as a snapshot is read. */
void    tact_dict_fill_slots (TactDict *d);
void    tact_dict_clear (TactDict *d);
/* Returns the id of @key, adding it if new. */
guint32 tact_dict_intern (TactDict *d, const char *key, gsize len);
static inline const char *
tact_dict_key (const TactDict *d, guint32 id)
{
  return d->arena->str + d->keys[2 * id];
}

/* A key's "head": its first min(@len, 7) bytes, zero-padded, and in the
 * top byte min(@len, 8) + 1.  Never 0, and two keys of up to seven bytes
 * are equal exactly when their heads are.  Per min(@len, 8): the bytes to
 * keep. */
static const guint64 tact_dict_head_keep[9] = {
  0, 0xFF, 0xFFFF, 0xFFFFFF, 0xFFFFFFFF, 0xFFFFFFFFFF, 0xFFFFFFFFFFFF, 0xFFFFFFFFFFFFFF,
  0xFFFFFFFFFFFFFF,
};

/* The head from the key's first eight bytes as a little-endian word @w0
 * (bytes past @len may hold anything), with no branch on the length. */
static inline guint64
tact_dict_head_word (guint64 w0, gsize len)
{
  gsize m = MIN (len, 8);
  return (w0 & tact_dict_head_keep[m]) | (guint64) (m + 1) << 56;
}

/* The head of @k, reading no byte past it. */
static inline guint64
tact_dict_head (const char *k, gsize len)
{
  gsize m = MIN (len, 7);
  guint64 w = 0;
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  if (m >= 4)
    {
      /* two loads that may overlap: the bytes they share are the same */
      guint32 a, b;
      memcpy (&a, k, 4);
      memcpy (&b, k + m - 4, 4);
      w = a | (guint64) b << (8 * (m - 4));
    }
  else if (m > 0)
    w = (guint64) (guchar) k[0] | (guint64) (guchar) k[m / 2] << (8 * (m / 2)) |
        (guint64) (guchar) k[m - 1] << (8 * (m - 1));
#else
  for (gsize i = 0; i < m; i++)
    w |= (guint64) (guchar) k[i] << (8 * i);
#endif
  return tact_dict_head_word (w, len);
}

/* The hash of a key of up to seven bytes, from its head: one multiply
 * (the shift first brings the top bytes down to the bits that decide a
 * slot). */
static inline guint32
tact_dict_hash_head (guint64 head)
{
  return (guint32) (((head ^ (head >> 29)) * 0x9E3779B97F4A7C15ull) >> 32);
}

/* The dictionary's hash: of the head for a key of up to seven bytes, else
 * eight bytes at a time (the last chunk zero-padded), one multiply each.
 * The tokeniser computes the same value for short words straight from a
 * vector register (tact_dict_hash_16()), with no loop over the characters. */
static inline guint64
tact_dict_hash_chunk (guint64 h, guint64 w)
{
  h = (h ^ w) * 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 29);
}

static inline guint32
tact_dict_hash_finish (guint64 h)
{
  return (guint32) (h ^ (h >> 32));
}

static inline guint32
tact_dict_hash (const char *s, gsize len)
{
  if (len <= 7)
    return tact_dict_hash_head (tact_dict_head (s, len));
  guint64 h = 0x6A09E667F3BCC909ull ^ len;
  gsize i = 0;
  for (; i + 8 <= len; i += 8)
    {
      guint64 w = 0;
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
      memcpy (&w, s + i, 8);   /* the same word as the loop below, in one load */
#else
      for (guint k = 0; k < 8; k++)
        w |= (guint64) (guchar) s[i + k] << (8 * k);
#endif
      h = tact_dict_hash_chunk (h, w);
    }
  if (i < len)
    {
      guint64 w = 0;
      for (guint k = 0; i + k < len; k++)
        w |= (guint64) (guchar) s[i + k] << (8 * k);
      h = tact_dict_hash_chunk (h, w);
    }
  return tact_dict_hash_finish (h);
}

/* The same hash for a key of 1–15 bytes given as two little-endian words
 * (bytes past @len may hold anything: they are masked off). */
static inline guint32
tact_dict_hash_16 (guint64 w0, guint64 w1, gsize len)
{
  if (len <= 7)
    return tact_dict_hash_head (tact_dict_head_word (w0, len));
  guint64 h = 0x6A09E667F3BCC909ull ^ len;
  h = tact_dict_hash_chunk (h, w0);
  if (len > 8)
    h = tact_dict_hash_chunk (h, w1 & ((1ull << (8 * (len - 8))) - 1));
  return tact_dict_hash_finish (h);
}

/* memcmp (a, b, len) == 0 for the short keys nearly all words are, inline:
 * two loads per side that may overlap, never a byte past either key.  A
 * call to memcmp costs more than the comparison itself. */
static inline gboolean
tact_dict_key_equal (const char *a, const char *b, gsize len)
{
  if (len >= 8 && len <= 16)
    {
      guint64 a0, a1, b0, b1;
      memcpy (&a0, a, 8);
      memcpy (&b0, b, 8);
      memcpy (&a1, a + len - 8, 8);
      memcpy (&b1, b + len - 8, 8);
      return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
  if (len >= 4 && len < 8)
    {
      guint32 a0, a1, b0, b1;
      memcpy (&a0, a, 4);
      memcpy (&b0, b, 4);
      memcpy (&a1, a + len - 4, 4);
      memcpy (&b1, b + len - 4, 4);
      return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
  if (len < 4)
    return len == 0 || (a[0] == b[0] && a[len / 2] == b[len / 2] && a[len - 1] == b[len - 1]);
  return memcmp (a, b, len) == 0;
}

#if defined(__GNUC__)
#define TACT_ALWAYS_INLINE __attribute__ ((always_inline))
#else
#define TACT_ALWAYS_INLINE
#endif

/* Returns the id of @key (whose tact_dict_hash() is @h and tact_dict_head()
 * @head) or TACT_DICT_NONE.  Inline: it runs for every token of every
 * message. */
static inline TACT_ALWAYS_INLINE guint32
tact_dict_lookup_head (const TactDict *d, const char *key, gsize len, guint32 h, guint64 head)
{
  if (!tact_hash_filter_may_have (&d->present, h))
    return TACT_DICT_NONE;
  for (guint32 i = h & d->mask;; i = (i + 1) & d->mask)
    {
      const TactDictSlot *s = &d->slots[i];
      if (s->head == head)
        {
          /* the head is the whole of a short key */
          if (len <= 7)
            return s->id;
          /* a longer one has its length and the rest to compare */
          if (s->hash == h && d->keys[2 * s->id + 1] == len &&
              tact_dict_key_equal (d->arena->str + d->keys[2 * s->id], key, len))
            return s->id;
        }
      else if (s->head == 0)
        return TACT_DICT_NONE;
    }
}

static inline TACT_ALWAYS_INLINE guint32
tact_dict_lookup_hashed (const TactDict *d, const char *key, gsize len, guint32 h)
{
  return tact_dict_lookup_head (d, key, len, h, tact_dict_head (key, len));
}

static inline guint32
tact_dict_lookup (const TactDict *d, const char *key, gsize len)
{
  return tact_dict_lookup_hashed (d, key, len, tact_dict_hash (key, len));
}
