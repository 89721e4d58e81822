/* A filter of 32-bit hashes, one bit per hash (internal).
 *
 * The dictionary and the judge's pair table each keep one in front of
 * their open-addressing probes: many of the keys looked up are absent,
 * and a probe of a table of half a megabyte is a cache miss, while the
 * filter, at four bits per key, is small enough to stay cached.  A hash's
 * bit is chosen by its top bits, as its slot in those tables is chosen by
 * its bottom ones, so the two stay independent.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

typedef struct {
  guint64 *bits;   /* NULL until sized */
  guint32  shift;  /* a hash's bit is hash >> shift */
} TactHashFilter;

/* Sizes @f, empty, for @n keys: four bits per key, at least 64 bits. */
static inline void
tact_hash_filter_reset (TactHashFilter *f, guint64 n)
{
  guint bits = 6;
  while (bits < 30 && (G_GUINT64_CONSTANT (1) << bits) < 4 * n)
    bits++;
  g_free (f->bits);
  f->bits = g_new0 (guint64, (1u << bits) / 64);
  f->shift = 32 - bits;
}

static inline void
tact_hash_filter_add (TactHashFilter *f, guint32 h)
{
  guint32 b = h >> f->shift;
  f->bits[b / 64] |= G_GUINT64_CONSTANT (1) << (b % 64);
}

/* FALSE: no key of hash @h was added.  @f must be sized. */
static inline gboolean
tact_hash_filter_may_have (const TactHashFilter *f, guint32 h)
{
  guint32 b = h >> f->shift;
  return (f->bits[b / 64] >> (b % 64)) & 1;
}

static inline void
tact_hash_filter_free (TactHashFilter *f)
{
  g_clear_pointer (&f->bits, g_free);
}
