/* Compiled packs on disk (internal).
 *
 * Compiling a language pack reads some 1.9 MB of JSON, interns twenty
 * thousand words and builds the automaton and the judge's tables: most of a
 * start-up.  A snapshot is the pack as tact_pack_compile() leaves it,
 * written once to a cache directory; the next start that reads the same
 * files with the same program reads the snapshot back instead.
 *
 * A snapshot is keyed by everything the compiled pack depends on (the
 * program's build id, the language, the bytes of every pack file in its
 * role, the emoticons known before it was compiled), so a stale one is
 * never used: it is simply compiled again and overwritten.  A damaged one
 * (truncated, a flipped bit, another program's file) is refused with a
 * reason, and the pack is compiled from its JSON as if there were none.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "tact-pack.h"

/* Streaming 64-bit hash (not cryptographic: it tells versions apart, it
 * does not resist forgery).  Start with TACT_SNAPSHOT_HASH_SEED. */
#define TACT_SNAPSHOT_HASH_SEED 0x243F6A8885A308D3ull
guint64   tact_snapshot_hash (guint64 h, const void *data, gsize len);

/* The same hash fed in pieces: tact_hasher_init() with the total length
 * to come, then the bytes in any slices, then tact_hasher_end(), equals
 * tact_snapshot_hash() of the whole. */
typedef struct {
  guint64 l[4];
  guint64 len;
  guchar  carry[32];
  guint   n_carry;
} TactHasher;
void      tact_hasher_init (TactHasher *s, guint64 h, gsize len);
void      tact_hasher_feed (TactHasher *s, const void *data, gsize n);
guint64   tact_hasher_end (TactHasher *s);

/* Folds the bytes of the regular file at @path into *@h as
 * tact_snapshot_hash (*@h, bytes, length) would, reading it in slices.
 * FALSE (and *@h unchanged) if it cannot be read whole. */
gboolean  tact_snapshot_hash_file (guint64 *h, const char *path);

/* The key of a pack compiled for @lang, after @emo, from files whose
 * bytes were folded into @files_hash (see tact_snapshot_hash()). */
guint64   tact_snapshot_key (const char *lang, const TactEmoticons *emo, guint64 files_hash);

/* Writes @pack (compiled, frozen) under @key to @path, atomically (a
 * reader sees the old file or the whole new one).  FALSE with @error on
 * any failure, a full disk included; nothing is left behind then. */
gboolean  tact_snapshot_write (const TactPack *pack, guint64 key, const char *path, GError **error);

/* Reads the snapshot at @path if it was written under @key for @lang by
 * this program and is intact, then adds its emoticons to @emo.  New pack,
 * or NULL with @error saying why (missing, stale, damaged). */
TactPack *tact_snapshot_read (const char *path, guint64 key, const char *lang, TactEmoticons *emo,
                              GError **error);

/* Snapshots in a cache directory are named by their key, so programs of
 * other builds or with other pack files (the Pidgin plugin with a user
 * pack, the `tact` command without one) keep one each rather than
 * overwriting one another's at every start.  A directory keeps the
 * TACT_SNAPSHOT_KEEP snapshots of a language used last. */
#define TACT_SNAPSHOT_KEEP 4

/* The file name of the snapshot of @lang under @key (which holds the
 * build id): "<lang>-<16 hex digits>.pack".  New string. */
char     *tact_snapshot_file_name (const char *lang, guint64 key);

/* Removes from @dir the snapshots of @lang past the TACT_SNAPSHOT_KEEP
 * used last (by modification time; the file named @keep always stays),
 * temporary files of @lang an interrupted writer left over an hour ago,
 * and the "<lang>.pack" of versions before snapshots were named by key.
 * Errors are ignored: it is a cache. */
void      tact_snapshot_prune (const char *dir, const char *lang, const char *keep);

/* Marks the snapshot at @path as in use, for tact_snapshot_prune(): its
 * modification time is set to now when it is more than an hour old (so
 * starts change it once an hour at most). */
void      tact_snapshot_touch (const char *path);

/* For tests: recomputes the payload hash of the snapshot in @data, so a
 * test can forge a file that passes it and show the reader's own checks
 * hold.  FALSE if @data is not a snapshot header at all. */
gboolean  tact_snapshot_reseal (guint8 *data, gsize len);
