/* Compiled packs on disk (see tact-snapshot.h).
 *
 * The file is a header and a payload.  The header names the format, this
 * program's build and byte order, the key, and the payload's length and
 * hash: a snapshot from another build, another pack or a damaged disk is
 * refused before a byte of the payload is believed.  The payload is the
 * pack's arrays one after the other, each with its count.  Small records
 * with padding are written field by field, so padding (never initialised)
 * is never written.  The large tables (the words, the automaton's nodes
 * and edges, the judge's rows and pairs, some 4 MB) are records without
 * padding, written as bytes at their own alignment in the file: the
 * reader reads the file into one cache-line aligned block and uses them
 * where they lie, instead of copying every one into a block of its own
 * (which cost a second set of fresh pages and half the start-up).  A
 * layout change can only come with a new build id.
 *
 * The reader still checks every index it copies (a word's classes lie in
 * the class table, an edge leads to a node, a list's next link points
 * backwards so it ends): the payload hash catches accidents, the checks
 * make sure that even a file forged to pass it cannot make the matcher
 * read outside its arrays or loop for ever.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "tact-snapshot.h"
#include "tact-build-id.h"
#include "tact-judge.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>
#include <jansson.h>
#include <math.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define MAGIC "TACTPAK\n"
/* bump when the payload's layout changes without a source change (never
 * so far: the build id already changes with every source file) */
#define FORMAT_VERSION 4u
#define BYTE_ORDER_MARK 0x01020304u

typedef struct {
  char    magic[8];
  guint32 version;
  guint32 byte_order;
  guint64 build_id;
  guint64 key;
  guint64 payload_len;
  guint64 payload_hash;
} Header;

/* ------------------------------------------------------------------ hash */

static inline guint64
mix (guint64 h, guint64 w)
{
  h = (h ^ w) * 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 29);
}

void
tact_hasher_init (TactHasher *s, guint64 h, gsize len)
{
  s->l[0] = h ^ len;
  s->l[1] = h + 0x9E3779B97F4A7C15ull;
  s->l[2] = h ^ 0xC2B2AE3D27D4EB4Full;
  s->l[3] = h - len;
  s->len = len;
  s->n_carry = 0;
}

/* four independent lanes: a start-up hashes megabytes, and one chain of
 * multiplies would wait on itself at every word */
static inline void
hash_block (guint64 l[4], const guchar *p)
{
  for (guint k = 0; k < 4; k++)
    {
      guint64 w;
      memcpy (&w, p + 8 * k, 8);
      l[k] = mix (l[k], w);
    }
}

void
tact_hasher_feed (TactHasher *s, const void *data, gsize n)
{
  const guchar *p = data;
  if (s->n_carry)
    {
      gsize take_n = MIN (n, sizeof s->carry - s->n_carry);
      memcpy (s->carry + s->n_carry, p, take_n);
      s->n_carry += (guint) take_n;
      p += take_n;
      n -= take_n;
      if (s->n_carry < sizeof s->carry)
        return;
      hash_block (s->l, s->carry);
      s->n_carry = 0;
    }
  /* the lanes in registers, not written back to *s at every block */
  guint64 l[4] = { s->l[0], s->l[1], s->l[2], s->l[3] };
  for (; n >= 32; p += 32, n -= 32)
    hash_block (l, p);
  memcpy (s->l, l, sizeof l);
  memcpy (s->carry, p, n);
  s->n_carry = (guint) n;
}

guint64
tact_hasher_end (TactHasher *s)
{
  guint64 r = mix (mix (mix (s->l[0], s->l[1]), s->l[2]), s->l[3]);
  guint i = 0;
  for (; i + 8 <= s->n_carry; i += 8)
    {
      guint64 w;
      memcpy (&w, s->carry + i, 8);
      r = mix (r, w);
    }
  guint64 w = 0;
  for (guint k = 0; i + k < s->n_carry; k++)
    w |= (guint64) s->carry[i + k] << (8 * k);
  r = mix (r, w ^ s->len);
  return r ^ (r >> 32);
}

guint64
tact_snapshot_hash (guint64 h, const void *data, gsize len)
{
  TactHasher s;
  tact_hasher_init (&s, h, len);
  tact_hasher_feed (&s, data, len);
  return tact_hasher_end (&s);
}

gboolean
tact_snapshot_hash_file (guint64 *h, const char *path)
{
  /* (O_NONBLOCK: a FIFO put in a file's place must not hang the client;
   * it is turned away as not a regular file) */
  /* read a slice at a time into one small buffer, never the whole file:
   * the judge's 1.6 MB would cost a fresh page per 4 KB (faulted in and
   * zeroed) on every start, only to be hashed and thrown away */
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return FALSE;
  struct stat st;
  gboolean ok = fstat (fd, &st) == 0 && S_ISREG (st.st_mode);
  if (ok)
    {
      enum { SLICE = 64 * 1024 };
      g_autofree guchar *buf = g_malloc (SLICE);
      TactHasher s;
      tact_hasher_init (&s, *h, (gsize) st.st_size);
      guint64 seen = 0;
      for (;;)
        {
          ssize_t n = read (fd, buf, SLICE);
          if (n < 0 && errno == EINTR)
            continue;
          if (n <= 0)
            {
              ok = n == 0;
              break;
            }
          tact_hasher_feed (&s, buf, (gsize) n);
          seen += (guint64) n;
        }
      /* a file rewritten while read hashes as nothing it ever held: the
       * caller compiles, which reads it whole */
      ok = ok && seen == (guint64) st.st_size;
      if (ok)
        *h = tact_hasher_end (&s);
    }
  close (fd);
  return ok;
}

guint64
tact_snapshot_key (const char *lang, const TactEmoticons *emo, guint64 files_hash)
{
  /* the libraries too: normalising pack words uses GLib's Unicode tables,
   * which an upgrade may change under an unchanged program */
  guint64 parts[7] = { TACT_BUILD_ID, FORMAT_VERSION, emo->digest, files_hash,
                       ((guint64) glib_major_version << 32) | glib_minor_version, glib_micro_version,
                       JANSSON_VERSION_HEX };
  guint64 h = tact_snapshot_hash (TACT_SNAPSHOT_HASH_SEED, parts, sizeof parts);
  return tact_snapshot_hash (h, lang, strlen (lang));
}

/* ---------------------------------------------------------------- writing */

/* Where a snapshot is written: a first pass only counts the bytes (the
 * payload's length starts its hash), the second hashes them and writes
 * them through a small buffer.  Building the 5 MB in memory instead made
 * the start that compiles the packs the one that needs the most memory. */
typedef struct {
  int        fd;     /* -1: count only */
  guint64    off;    /* offset in the file of the next byte */
  TactHasher hash;   /* of the payload: every byte put */
  int        err;    /* the first errno met, 0 if none */
  gsize      n;
  guchar     buf[64 * 1024];
} Writer;

/* Writes all of @p, retrying short writes: FALSE with errno set. */
static gboolean
write_all (int fd, const guchar *p, gsize n)
{
  while (n)
    {
      ssize_t k = write (fd, p, n);
      if (k < 0 && errno == EINTR)
        continue;
      if (k <= 0)
        {
          if (k == 0)
            errno = EIO;
          return FALSE;
        }
      p += k;
      n -= (gsize) k;
    }
  return TRUE;
}

static void
flush (Writer *b)
{
  tact_hasher_feed (&b->hash, b->buf, b->n);
  if (!b->err && !write_all (b->fd, b->buf, b->n))
    b->err = errno;
  b->n = 0;
}

static void
put (Writer *b, const void *p, gsize n)
{
  b->off += n;
  if (b->fd < 0)
    return;
  const guchar *q = p;
  while (n)
    {
      gsize k = MIN (n, sizeof b->buf - b->n);
      memcpy (b->buf + b->n, q, k);
      b->n += k;
      q += k;
      n -= k;
      if (b->n == sizeof b->buf)
        flush (b);
    }
}

static void
put_u32 (Writer *b, guint32 v)
{
  put (b, &v, 4);
}

static void
put_u64 (Writer *b, guint64 v)
{
  put (b, &v, 8);
}

static void
put_f32 (Writer *b, float v)
{
  put (b, &v, 4);
}

/* A string: its length then its bytes; G_MAXUINT32 for NULL. */
static void
put_str (Writer *b, const char *s)
{
  put_u32 (b, s ? (guint32) strlen (s) : G_MAXUINT32);
  if (s)
    put (b, s, strlen (s));
}

/* An array of plain numbers: its count then its bytes. */
static void
put_array (Writer *b, const void *p, gsize elem, guint32 count)
{
  put_u32 (b, count);
  if (count)
    put (b, p, elem * count);
}

/* Zero bytes up to the next multiple of @align in the file. */
static void
put_pad (Writer *b, gsize align)
{
  static const guint8 zero[64];
  put (b, zero, (align - b->off % align) % align);
}

/* An array the reader uses where it lies (see get_in_place()): its count,
 * zeros up to its alignment in the file, its bytes. */
static void
put_in_place (Writer *b, const void *p, gsize elem, guint32 count, gsize align)
{
  put_u32 (b, count);
  put_pad (b, align);
  if (count)
    put (b, p, elem * count);
}

static void
put_node (Writer *b, const TactNode *nd)
{
  put_u64 (b, nd->bloom);
  put_u64 (b, nd->bloom2);
  put_u32 (b, nd->lo);
  put_u32 (b, nd->hi);
  put_u32 (b, nd->term_first);
  put_u32 (b, nd->gap_first);
}

static void
put_templates (Writer *b, const GPtrArray *ts)
{
  put_u32 (b, ts ? ts->len : G_MAXUINT32);
  for (guint i = 0; ts && i < ts->len; i++)
    {
      const TactTemplate *t = g_ptr_array_index (ts, i);
      put_str (b, t->id);
      put_str (b, t->text);
    }
}

static void
put_pack (Writer *b, const TactPack *pack)
{
  put_str (b, pack->lang);
  put_str (b, pack->name);
  put_str (b, pack->detect_chars);
  put_u32 (b, pack->negation_window);

  const TactDict *d = &pack->dict;
  put_u32 (b, d->n);
  /* the slots are filled again at load: stored, each would need checking */
  put_u32 (b, d->mask + 1);
  put_in_place (b, d->keys, sizeof (guint32), 2 * d->n, 8);
  put_in_place (b, d->hashes, sizeof (guint32), d->n, 8);
  put_array (b, d->arena->str, 1, (guint32) d->arena->len);

  /* records without padding (asserted where they are declared): their
   * bytes are the fields' bytes, and the build id pins the layout */
  put_in_place (b, pack->words, sizeof (TactWordInfo), pack->dict.n, 64);
  put_array (b, pack->class_refs->data, sizeof (guint32), pack->class_refs->len);
  put_array (b, pack->expand_ids->data, sizeof (guint32), pack->expand_ids->len);
  put_u32 (b, pack->root_children->len);
  for (guint i = 0; i < pack->root_children->len; i++)
    {
      const TactRootChild *rc = &g_array_index (pack->root_children, TactRootChild, i);
      put_u32 (b, rc->node);
      put_node (b, &rc->nd);
    }
  put_in_place (b, pack->word_bloom, sizeof (guint64), 2 * MAX (pack->dict.n, 1u), 8);
  for (guint i = 0; i < G_N_ELEMENTS (pack->builtin_root_n); i++)
    {
      put_u32 (b, pack->builtin_root_first[i]);
      put_u32 (b, pack->builtin_root_n[i]);
    }
  put_u32 (b, pack->class_names->len);
  for (guint i = 0; i < pack->class_names->len; i++)
    put_str (b, g_ptr_array_index (pack->class_names, i));

  put_u32 (b, pack->cues->len);
  for (guint i = 0; i < pack->cues->len; i++)
    {
      const TactCue *c = &g_array_index (pack->cues, TactCue, i);
      put_u32 (b, c->label);
      put_f32 (b, c->weight);
      put_u32 (b, (c->negatable ? 1 : 0) | (c->veto ? 2 : 0) | (c->yields ? 4 : 0) |
                  (c->clause_veto ? 8 : 0) | (c->sure ? 16 : 0) | (c->span_veto ? 32 : 0));
      put_str (b, c->facet);
      put_f32 (b, c->min_pol);
      put_f32 (b, c->max_pol);
      put_u32 (b, c->also);
      put_u32 (b, c->unless);
    }

  const TactAutomaton *au = &pack->au;
  put_u32 (b, au->n_words);
  put_u32 (b, au->n_classes);
  put_in_place (b, au->nodes, sizeof (TactNode), au->n_nodes, 8);
  put_in_place (b, au->csr_edges, sizeof (guint64), au->n_edges, 8);
  put_in_place (b, au->root_lo, sizeof (guint32), tact_automaton_n_dense (au), 8);
  put_u32 (b, au->gaps->len);
  for (guint i = 0; i < au->gaps->len; i++)
    {
      const TactGap *g = &g_array_index (au->gaps, TactGap, i);
      put_u32 (b, g->child);
      /* a header's widest gap is derived, like the filters */
      put_u32 (b, g->child == G_MAXUINT32 ? 0 : g->max);
      put_u32 (b, g->n);
    }
  put_in_place (b, au->terms->data, sizeof (TactTermLink), au->terms->len, 8);

  const TactReplies *r = &pack->replies;
  put_str (b, r->greeting_named);
  put_str (b, r->greeting_neutral);
  for (guint i = 0; i < G_N_ELEMENTS (r->defaults); i++)
    put_str (b, r->defaults[i]);
  for (guint l = 0; l < TACT_LABEL_COUNT; l++)
    {
      put_str (b, r->handling[l]);
      put_templates (b, r->templates[l]);
    }
  put_templates (b, r->followups);

  const TactJudge *j = &pack->judge;
  put_u32 (b, j->on);
  if (j->on)
    {
      put_array (b, j->min_logit, sizeof (float), TACT_LABEL_COUNT);
      put_array (b, j->overrule_logit, sizeof (float), TACT_LABEL_COUNT);
      put_array (b, j->bias, sizeof (float), TACT_LABEL_COUNT);
      put_array (b, j->unless, sizeof (guint32), TACT_LABEL_COUNT);
      put_u32 (b, j->may);
      put_u32 (b, j->n_rows);
      /* a judge without features (biases only) still has one row */
      put_in_place (b, j->rows, sizeof (float) * TACT_JUDGE_ROW, MAX (j->n_rows, 1u), 64);
      put_u32 (b, j->n_pairs);
      put_in_place (b, j->pkeys, sizeof (guint64), j->pmask + 1, 8);
      put_in_place (b, j->prow, sizeof (guint32), j->pmask + 1, 8);
      put_u32 (b, j->bos);
      put_u32 (b, j->eos);
      put_u32 (b, j->bar);
    }

  put_u32 (b, pack->emoticons->len);
  for (guint i = 0; i < pack->emoticons->len; i++)
    put_str (b, g_ptr_array_index (pack->emoticons, i));
}

gboolean
tact_snapshot_write (const TactPack *pack, guint64 key, const char *path, GError **error)
{
  g_return_val_if_fail (pack->au.nodes != NULL && pack->root_children != NULL, FALSE);
  g_autofree char *dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int err = errno;
      g_set_error (error, TACT_ERROR, TACT_ERROR_IO, "%s: %s", dir, g_strerror (err));
      return FALSE;
    }
  Header h = { MAGIC, FORMAT_VERSION, BYTE_ORDER_MARK, TACT_BUILD_ID, key, 0, 0 };
  g_autofree Writer *b = g_new (Writer, 1);
  b->fd = -1;
  b->off = sizeof h;
  put_pack (b, pack);
  h.payload_len = b->off - sizeof h;

  /* a temporary file renamed over the old one: a reader never sees half */
  g_autofree char *tmp = g_strconcat (path, ".XXXXXX", NULL);
  b->fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0600);
  if (b->fd < 0)
    {
      int err = errno;
      g_set_error (error, TACT_ERROR, TACT_ERROR_IO, "%s: %s", tmp, g_strerror (err));
      return FALSE;
    }
  b->off = sizeof h;
  b->n = 0;
  b->err = 0;
  tact_hasher_init (&b->hash, TACT_SNAPSHOT_HASH_SEED, h.payload_len);
  /* the header last, once the payload's hash is known */
  static const guchar blank[sizeof (Header)];
  if (!write_all (b->fd, blank, sizeof blank))
    b->err = errno;
  put_pack (b, pack);
  flush (b);
  h.payload_hash = tact_hasher_end (&b->hash);
  if (!b->err && b->off - sizeof h != h.payload_len)
    b->err = EIO; /* the two passes disagree: a bug, but never a bad file */
  errno = 0;
  if (!b->err && pwrite (b->fd, &h, sizeof h, 0) != (ssize_t) sizeof h)
    b->err = errno ? errno : EIO;
  /* no fsync: a file torn by a power cut fails its checksum and is
   * compiled over, and a start-up should not wait for the disk */
  if (close (b->fd) != 0 && !b->err)
    b->err = errno;
  if (!b->err && rename (tmp, path) != 0)
    b->err = errno;
  if (b->err)
    {
      unlink (tmp);
      g_set_error (error, TACT_ERROR, TACT_ERROR_IO, "%s: %s", path, g_strerror (b->err));
      return FALSE;
    }
  return TRUE;
}

gboolean
tact_snapshot_reseal (guint8 *data, gsize len)
{
  Header h;
  if (len < sizeof h)
    return FALSE;
  memcpy (&h, data, sizeof h);
  if (memcmp (h.magic, MAGIC, 8) != 0)
    return FALSE;
  h.payload_len = len - sizeof h;
  h.payload_hash = tact_snapshot_hash (TACT_SNAPSHOT_HASH_SEED, data + sizeof h, len - sizeof h);
  memcpy (data, &h, sizeof h);
  return TRUE;
}

/* ---------------------------------------------------------------- reading */

typedef struct {
  guchar *p, *end;
  const char   *bad;   /* the first problem met, or NULL */
} Reader;

/* Records the first broken invariant; returns @ok. */
static gboolean
check (Reader *r, gboolean ok, const char *what)
{
  if (!ok && !r->bad)
    r->bad = what;
  /* once anything is wrong nothing is: a caller that goes on after a
   * passed check never works with a table that was not read */
  return ok && !r->bad;
}

/* @v within [-@bound, @bound] (FALSE for NaN).  The indices a snapshot
 * holds guard memory; its numbers guard the answers: a weight of NaN or
 * 1e38 read from a forged file made the polarity NaN, and the JSON line
 * "polarity":nan that no reader parses.  The bounds are the validator's. */
static inline gboolean
within (float v, float bound)
{
  return v >= -bound && v <= bound;
}

/* Every weight of the judge's @n rows within the judge's bound.  There
 * are some 46,000 rows to go through at every start: with SSE2 each row
 * is four compares of |w| <= bound (false for NaN) folded into one mask,
 * tested once at the end, about 20 instructions a row where the plain
 * loop took 90. */
static gboolean
rows_within (const float *rows, guint32 n)
{
  const float b = (float) TACT_JUDGE_MAX_WEIGHT;
  const gsize total = (gsize) n * TACT_JUDGE_ROW;
#if defined(__SSE2__)
  G_STATIC_ASSERT (TACT_JUDGE_ROW % 4 == 0);
  const __m128 abs_mask = _mm_castsi128_ps (_mm_set1_epi32 (0x7fffffff));
  const __m128 bound = _mm_set1_ps (b);
  __m128 ok = _mm_castsi128_ps (_mm_set1_epi32 (-1));
  for (gsize i = 0; i < total; i += 4)
    ok = _mm_and_ps (ok, _mm_cmple_ps (_mm_and_ps (_mm_loadu_ps (rows + i), abs_mask), bound));
  return _mm_movemask_ps (ok) == 0xf;
#else
  int ok = 1;
  for (gsize i = 0; i < total; i++)
    ok &= within (rows[i], b);
  return ok;
#endif
}

static gboolean
take (Reader *r, void *out, gsize n, const char *what)
{
  if (!check (r, !r->bad && (gsize) (r->end - r->p) >= n, what))
    {
      memset (out, 0, n);
      return FALSE;
    }
  memcpy (out, r->p, n);
  r->p += n;
  return TRUE;
}

static guint32
get_u32 (Reader *r, const char *what)
{
  guint32 v;
  take (r, &v, 4, what);
  return v;
}

static guint64
get_u64 (Reader *r, const char *what)
{
  guint64 v;
  take (r, &v, 8, what);
  return v;
}

static float
get_f32 (Reader *r, const char *what)
{
  float v;
  take (r, &v, 4, what);
  return v;
}

/* A string (new; NULL for a NULL string or on error).  Strings come back
 * as UTF-8 without NULs, as the pack's compiler made them. */
static char *
get_str (Reader *r, const char *what)
{
  guint32 n = get_u32 (r, what);
  if (r->bad || n == G_MAXUINT32)
    return NULL;
  if (!check (r, (gsize) (r->end - r->p) >= n, what))
    return NULL;
  const char *s = (const char *) r->p;
  if (!check (r, memchr (s, '\0', n) == NULL && g_utf8_validate_len (s, n, NULL), what))
    return NULL;
  r->p += n;
  return g_strndup (s, n);
}

/* An array of plain numbers whose count must be @want (or anything when
 * @want is G_MAXUINT32): a new block of at least @min_bytes (zeroed past
 * the data), the count in @count. */
static gpointer
get_array (Reader *r, gsize elem, guint32 want, guint32 *count, gsize min_bytes, const char *what)
{
  guint32 n = get_u32 (r, what);
  if (count)
    *count = 0;
  if (r->bad || !check (r, want == G_MAXUINT32 || n == want, what) ||
      !check (r, (guint64) n * elem <= (guint64) (r->end - r->p), what))
    return NULL;
  /* the count only for a table that was read: a forged one must not size
   * anything (a string of four gigabytes for the arena) */
  if (count)
    *count = n;
  gsize bytes = (gsize) n * elem;
  guchar *block = g_malloc0 (MAX (MAX (bytes, min_bytes), 1));
  memcpy (block, r->p, bytes);
  r->p += bytes;
  return block;
}

/* An array written by put_in_place(), whose count must be @want (or
 * anything when @want is G_MAXUINT32): a pointer to it where it lies in
 * the buffer (owned by the buffer), with at least @min_bytes readable
 * from there; the count in @count.  NULL when bad. */
static gpointer
get_in_place (Reader *r, gsize elem, guint32 want, guint32 *count, gsize min_bytes, gsize align,
              const char *what)
{
  guint32 n = get_u32 (r, what);
  if (count)
    *count = 0;
  if (r->bad || !check (r, want == G_MAXUINT32 || n == want, what))
    return NULL;
  /* the buffer is aligned as the file's offsets were counted */
  gsize pad = (align - (guintptr) r->p % align) % align;
  if (!check (r, pad <= (gsize) (r->end - r->p), what))
    return NULL;
  for (gsize i = 0; i < pad; i++)
    check (r, r->p[i] == 0, what);
  r->p += pad;
  if (r->bad || !check (r, MAX ((guint64) n * elem, min_bytes) <= (guint64) (r->end - r->p), what))
    return NULL;
  guchar *block = r->p;
  r->p += (gsize) n * elem;
  if (count)
    *count = n;
  return block;
}

/* An array of exactly @count plain numbers into @dst. */
static void
get_into (Reader *r, void *dst, gsize elem, guint32 count, const char *what)
{
  guint32 n = get_u32 (r, what);
  if (check (r, !r->bad && n == count, what))
    take (r, dst, elem * count, what);
}

/* A node record; its links are checked once the tables they point into
 * are read. */
static void
get_node (Reader *r, TactNode *nd)
{
  nd->bloom = get_u64 (r, "node");
  nd->bloom2 = get_u64 (r, "node");
  nd->lo = get_u32 (r, "node");
  nd->hi = get_u32 (r, "node");
  nd->term_first = get_u32 (r, "node");
  nd->gap_first = get_u32 (r, "node");
}

static GPtrArray *
get_templates (Reader *r)
{
  guint32 n = get_u32 (r, "templates");
  if (r->bad || n == G_MAXUINT32)
    return NULL;
  if (!check (r, n <= (guint32) (r->end - r->p) / 8, "templates"))
    return NULL;
  GPtrArray *ts = g_ptr_array_new_with_free_func (tact_template_free);
  for (guint32 i = 0; i < n && !r->bad; i++)
    {
      TactTemplate *t = g_new0 (TactTemplate, 1);
      t->id = get_str (r, "template id");
      t->text = get_str (r, "template text");
      g_ptr_array_add (ts, t);
      check (r, t->id && t->text, "template");
    }
  return ts;
}

/* The dictionary: every id names a NUL-ended key in the arena, and one
 * slot at least is empty (a probe must end).  The slots are filled here
 * from the keys and their hashes (a wrong hash only hides its key). */
static void
get_dict (Reader *r, TactDict *d)
{
  guint32 n = get_u32 (r, "dictionary"), arena_len = 0;
  guint32 n_slots = get_u32 (r, "dictionary slots");
  d->keys = get_in_place (r, sizeof (guint32), 2 * n, NULL, 0, 8, "dictionary keys");
  d->hashes = get_in_place (r, sizeof (guint32), n, NULL, 0, 8, "dictionary hashes");
  /* (written by put_array(), which is put_in_place() at alignment 1) */
  const char *arena = get_in_place (r, 1, G_MAXUINT32, &arena_len, 0, 1, "dictionary arena");
  d->arena = g_string_new_len (arena, arena_len);
  d->n = d->cap = n;
  d->mask = n_slots ? n_slots - 1 : 0;
  if (r->bad || !check (r, n_slots >= 2 && (n_slots & (n_slots - 1)) == 0 && (guint64) n * 2 <= n_slots &&
                               n < G_MAXUINT32 / 2 &&
                               /* as tact_dict_intern() grows it: no huge table for a forged count */
                               n_slots <= MAX ((guint64) TACT_DICT_MIN_SLOTS, 4 * (guint64) n + 4),
                         "dictionary size"))
    return;
  for (guint32 id = 0; id < n && !r->bad; id++)
    {
      guint64 off = d->keys[2 * id], len = d->keys[2 * id + 1];
      check (r, off + len < arena_len && d->arena->str[off + len] == '\0', "dictionary key");
    }
  if (r->bad)
    return;
  d->slots = g_new0 (TactDictSlot, n_slots);
  tact_dict_fill_slots (d);
}

/* Fills @pack (new, holding the snapshot's block) from @r: TRUE, or
 * FALSE with r->bad saying what is wrong. */
static gboolean
get_pack (Reader *r, const char *lang, TactPack *pack)
{
  g_autofree char *plang = get_str (r, "language");
  if (!check (r, plang && strcmp (plang, lang) == 0 && strlen (plang) < sizeof pack->lang, "language"))
    return FALSE;
  g_strlcpy (pack->lang, plang, sizeof pack->lang);
  pack->name = get_str (r, "name");
  pack->detect_chars = get_str (r, "detect characters");
  pack->negation_window = get_u32 (r, "negation window");
  check (r, pack->name && pack->detect_chars && pack->negation_window <= 8, "language");

  get_dict (r, &pack->dict);
  if (r->bad)
    return FALSE;
  guint32 n_words = pack->dict.n;

  /* the words, checked once the tables they point into are read */
  guint32 nw = 0;
  pack->words = get_in_place (r, sizeof (TactWordInfo), n_words, &nw, sizeof (TactWordInfo), 64, "words");
  pack->n_words_cap = nw;
  if (r->bad)
    return FALSE;
  guint32 n_class_refs = 0, n_expand = 0;
  guint32 *class_refs = get_array (r, sizeof (guint32), G_MAXUINT32, &n_class_refs, 0, "class references");
  guint32 *expand = get_array (r, sizeof (guint32), G_MAXUINT32, &n_expand, 0, "shorthand");
  pack->class_refs = g_array_new (FALSE, FALSE, sizeof (guint32));
  pack->expand_ids = g_array_new (FALSE, FALSE, sizeof (guint32));
  if (class_refs)
    g_array_append_vals (pack->class_refs, class_refs, n_class_refs);
  if (expand)
    g_array_append_vals (pack->expand_ids, expand, n_expand);
  g_free (class_refs);
  g_free (expand);

  guint32 n_rc = get_u32 (r, "root children");
  if (!check (r, n_rc <= (guint32) (r->end - r->p) / 36, "root children"))
    return FALSE;
  pack->root_children = g_array_sized_new (FALSE, TRUE, sizeof (TactRootChild), n_rc);
  g_array_set_size (pack->root_children, n_rc);
  /* their nodes are checked against the automaton below */
  for (guint32 i = 0; i < n_rc; i++)
    {
      TactRootChild *rc = &g_array_index (pack->root_children, TactRootChild, i);
      rc->node = get_u32 (r, "root child");
      get_node (r, &rc->nd);
    }
  pack->word_bloom = get_in_place (r, sizeof (guint64), 2 * MAX (n_words, 1u), NULL, 0, 8, "word filters");
  for (guint i = 0; i < G_N_ELEMENTS (pack->builtin_root_n); i++)
    {
      pack->builtin_root_first[i] = get_u32 (r, "built-in roots");
      guint32 n = get_u32 (r, "built-in roots");
      pack->builtin_root_n[i] = (guint16) n;
      check (r, n <= G_MAXUINT16 && (guint64) pack->builtin_root_first[i] + n <= n_rc, "built-in roots");
    }
  guint32 n_classes = get_u32 (r, "classes");
  if (!check (r, n_classes <= (guint32) (r->end - r->p) / 4 && n_classes < TACT_SYM_BUILTIN - TACT_SYM_CLASS,
              "classes"))
    return FALSE;
  pack->class_names = g_ptr_array_new_with_free_func (g_free);
  for (guint32 i = 0; i < n_classes && !r->bad; i++)
    {
      char *nm = get_str (r, "class name");
      check (r, nm != NULL, "class name");
      g_ptr_array_add (pack->class_names, nm ? nm : g_strdup (""));
    }

  guint32 n_cues = get_u32 (r, "cues");
  if (!check (r, n_cues <= (guint32) (r->end - r->p) / 32, "cues"))
    return FALSE;
  pack->cues = g_array_new (FALSE, TRUE, sizeof (TactCue));
  for (guint32 i = 0; i < n_cues && !r->bad; i++)
    {
      TactCue c = { 0 };
      guint32 label = get_u32 (r, "cue");
      c.weight = get_f32 (r, "cue");
      guint32 flags = get_u32 (r, "cue");
      c.facet = get_str (r, "cue facet");
      c.min_pol = get_f32 (r, "cue");
      c.max_pol = get_f32 (r, "cue");
      c.also = get_u32 (r, "cue");
      c.unless = get_u32 (r, "cue");
      check (r, c.weight >= 0.0f && c.weight <= 1.0f && within (c.min_pol, 2.0f) && within (c.max_pol, 2.0f),
             "cue weight");
      c.label = label < TACT_LABEL_COUNT ? (TactLabel) label : TACT_LABEL_NEUTRAL;
      c.negatable = (flags & 1) != 0;
      c.veto = (flags & 2) != 0;
      c.yields = (flags & 4) != 0;
      c.clause_veto = (flags & 8) != 0;
      c.sure = (flags & 16) != 0;
      c.span_veto = (flags & 32) != 0;
      g_array_append_val (pack->cues, c);
      /* a span veto is always a clause veto too (tact_pack_compile()) */
      check (r, label < TACT_LABEL_COUNT && flags < 64 && (!c.span_veto || c.clause_veto), "cue");
    }

  TactAutomaton *au = &pack->au;
  au->gaps = g_array_new (FALSE, FALSE, sizeof (TactGap));
  au->terms = g_array_new (FALSE, FALSE, sizeof (TactTermLink));
  au->n_words = get_u32 (r, "automaton");
  au->n_classes = get_u32 (r, "automaton");
  if (!check (r, au->n_words == n_words && au->n_classes == n_classes, "automaton"))
    return FALSE;
  TactNode *nodes = get_in_place (r, sizeof (TactNode), G_MAXUINT32, &au->n_nodes, 0, 8, "nodes");
  au->nodes = nodes;
  if (!check (r, au->n_nodes > TACT_ROOT_MESSAGE, "automaton"))
    return FALSE;
  au->csr_edges = get_in_place (r, sizeof (guint64), G_MAXUINT32, &au->n_edges, sizeof (guint64), 8, "edges");
  guint32 n_dense = tact_automaton_n_dense (au);
  au->root_lo = get_in_place (r, sizeof (guint32), n_dense, NULL, 0, 8, "root edges");
  guint32 n_gaps = get_u32 (r, "gaps");
  if (!check (r, n_gaps <= (guint32) (r->end - r->p) / 12, "gaps"))
    return FALSE;
  /* blocks (see TactGap): a header, then its gaps, each to a node.  The
   * count is bounded by the bytes left, so the array is sized at once */
  g_array_set_size (au->gaps, n_gaps);
  guint32 block_end = 0;
  for (guint32 i = 0; i < n_gaps && !r->bad; i++)
    {
      TactGap g = { .next = G_MAXUINT32 };
      g.child = get_u32 (r, "gap");
      guint32 max = get_u32 (r, "gap");
      g.max = (guint8) max;
      g.n = get_u32 (r, "gap");
      if (g.child == G_MAXUINT32)
        {
          check (r, i >= block_end && g.n > 0 && g.n < n_gaps - i && max == 0, "gap block");
          block_end = i + 1 + g.n;
        }
      else
        check (r, i < block_end && g.child < au->n_nodes && max <= G_MAXUINT8 && g.n == 0, "gap");
      g_array_index (au->gaps, TactGap, i) = g;
    }
  check (r, block_end == n_gaps, "gap block");
  if (r->bad)
    return FALSE;
  /* the filters are derived, as in tact_automaton_freeze() (the nodes are
   * read) */
  tact_automaton_fill_gaps (au);
  guint32 n_terms = 0;
  const TactTermLink *links = get_in_place (r, sizeof (TactTermLink), G_MAXUINT32, &n_terms, 0, 8, "terminals");
  if (r->bad)
    return FALSE;
  for (guint32 i = 0; i < n_terms; i++)
    {
      const TactTermLink *l = &links[i];
      check (r, (l->t.cue == G_MAXUINT32 || l->t.cue < n_cues) && (l->next == G_MAXUINT32 || l->next < i) &&
                l->t.anchor_start <= TACT_ANCHOR_CLAUSE &&
                within (l->t.valence, (float) TACT_LEXICON_MAX_VALENCE),
             "terminal");
    }
  g_array_append_vals (au->terms, links, n_terms);
  if (r->bad)
    return FALSE;
  for (guint32 v = 0; v < au->n_nodes; v++)
    check (r, nodes[v].lo <= nodes[v].hi && nodes[v].hi <= au->n_edges &&
              (nodes[v].term_first == G_MAXUINT32 || nodes[v].term_first < n_terms) &&
              (nodes[v].gap_first == G_MAXUINT32 ||
               (nodes[v].gap_first < n_gaps &&
                g_array_index (au->gaps, TactGap, nodes[v].gap_first).child == G_MAXUINT32)),
           "node");
  for (guint32 e = 0; e < au->n_edges; e++)
    check (r, (guint32) au->csr_edges[e] < au->n_nodes, "edge");
  for (guint32 d = 0; d < n_dense && !r->bad; d++)
    check (r, au->root_lo[d] == G_MAXUINT32 || au->root_lo[d] < au->n_edges, "root edge");
  for (guint32 i = 0; i < n_rc; i++)
    {
      const TactRootChild *rc = &g_array_index (pack->root_children, TactRootChild, i);
      check (r, rc->node < au->n_nodes && memcmp (&rc->nd, &nodes[MIN (rc->node, au->n_nodes - 1)],
                                                   sizeof (TactNode)) == 0, "root child");
    }

  TactReplies *rp = &pack->replies;
  rp->greeting_named = get_str (r, "greeting");
  rp->greeting_neutral = get_str (r, "greeting");
  for (guint i = 0; i < G_N_ELEMENTS (rp->defaults); i++)
    rp->defaults[i] = get_str (r, "defaults");
  for (guint l = 0; l < TACT_LABEL_COUNT; l++)
    {
      rp->handling[l] = get_str (r, "handling");
      rp->templates[l] = get_templates (r);
      /* what the replies validator guarantees, and suggesting relies on */
      check (r, l == TACT_LABEL_NEUTRAL || (rp->templates[l] && rp->templates[l]->len >= 1), "templates");
    }
  rp->followups = get_templates (r);
  check (r, rp->followups != NULL && rp->followups->len >= 1, "follow-ups");

  TactJudge *j = &pack->judge;
  j->on = get_u32 (r, "judge") != 0;
  if (j->on)
    {
      get_into (r, j->min_logit, sizeof (float), TACT_LABEL_COUNT, "judge thresholds");
      get_into (r, j->overrule_logit, sizeof (float), TACT_LABEL_COUNT, "judge overrule");
      get_into (r, j->bias, sizeof (float), TACT_LABEL_COUNT, "judge bias");
      get_into (r, j->unless, sizeof (guint32), TACT_LABEL_COUNT, "judge deferral");
      j->may = get_u32 (r, "judge");
      guint32 n_rows = get_u32 (r, "judge rows");
      /* the rows on a cache-line boundary, as tact_judge_compile() lays them */
      j->rows = get_in_place (r, sizeof (float) * TACT_JUDGE_ROW, MAX (n_rows, 1u), NULL, 0, 64, "judge rows");
      if (r->bad)
        return FALSE;
      /* a threshold of 1 is +inf (never asserts), an overrule of 0 is
       * -inf (never drops); NaN (for which both compares fail) or the
       * other infinity is no threshold */
      for (guint l = 0; l < TACT_LABEL_COUNT; l++)
        check (r, j->min_logit[l] > -INFINITY && j->overrule_logit[l] < INFINITY &&
                  within (j->bias[l], (float) TACT_JUDGE_MAX_WEIGHT),
               "judge thresholds");
      if (!check (r, rows_within (j->rows, MAX (n_rows, 1u)), "judge weights"))
        return FALSE;
      j->n_rows = n_rows;
      j->n_pairs = get_u32 (r, "judge pairs");
      guint32 n_pk = 0, n_pr = 0;
      j->pkeys = get_in_place (r, sizeof (guint64), G_MAXUINT32, &n_pk, 0, 8, "judge pairs");
      j->prow = get_in_place (r, sizeof (guint32), n_pk, &n_pr, 0, 8, "judge pairs");
      j->pmask = n_pk ? n_pk - 1 : 0;
      j->bos = get_u32 (r, "judge");
      j->eos = get_u32 (r, "judge");
      j->bar = get_u32 (r, "judge");
      if (r->bad || !check (r, n_pk >= 2 && (n_pk & (n_pk - 1)) == 0 && (guint64) j->n_pairs * 2 <= n_pk &&
                                   j->bos < n_words && j->eos < n_words && j->bar < n_words, "judge"))
        return FALSE;
      guint32 used = 0;
      for (guint32 s = 0; s < n_pk; s++)
        if (j->pkeys[s])
          used++, check (r, j->prow[s] < n_rows, "judge pair");
      check (r, used == j->n_pairs, "judge pairs");
      /* the filter is not stored: built from the checked table, as the
       * dictionary's slots are */
      if (!r->bad)
        tact_judge_index_pairs (j);
    }

  guint32 n_emo = get_u32 (r, "emoticons");
  if (!check (r, n_emo <= (guint32) (r->end - r->p) / 4, "emoticons"))
    return FALSE;
  pack->emoticons = g_ptr_array_new_with_free_func (g_free);
  for (guint32 i = 0; i < n_emo && !r->bad; i++)
    {
      char *s = get_str (r, "emoticon");
      if (check (r, s && strlen (s) >= 2 && strlen (s) <= 8, "emoticon"))
        g_ptr_array_add (pack->emoticons, s);
      else
        g_free (s);
    }

  /* the words' links, now that every table is known */
  for (guint32 w = 0; w < nw && !r->bad; w++)
    {
      const TactWordInfo *wi = &pack->words[w];
      check (r, (guint64) wi->classes + wi->n_classes <= n_class_refs &&
                wi->n_expand <= TACT_MAX_EXPAND && (guint64) wi->expand + wi->n_expand <= n_expand &&
                (guint64) wi->root_first + wi->root_n <= n_rc &&
                (!(wi->flags & TACT_WORDF_JUDGE_WORD) || (j->on && wi->judge_row < j->n_rows)) &&
                within (wi->valence, (float) TACT_LEXICON_MAX_VALENCE) && within (wi->boost, (float) TACT_MAX_BOOST),
             "word");
    }
  for (guint32 i = 0; i < n_class_refs; i++)
    check (r, g_array_index (pack->class_refs, guint32, i) - TACT_SYM_CLASS < n_classes, "class reference");
  for (guint32 i = 0; i < n_expand; i++)
    check (r, g_array_index (pack->expand_ids, guint32, i) < n_words, "shorthand");
  check (r, r->p == r->end, "trailing bytes");
  return !r->bad;
}

/* The file at @path in a new block (free with g_free()) whose bytes start
 * at *@data, on a cache-line boundary: the tables read in place are then
 * aligned as their offsets in the file were counted. */
static gpointer
read_aligned (const char *path, guchar **data, gsize *len, GError **error)
{
  /* read, not mapped: a mapping of a file that another process truncates
   * meanwhile faults (SIGBUS) in the host client; a copy cannot */
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int err = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, TACT_ERROR, TACT_ERROR_IO, "%s: %s", path, g_strerror (err));
      return NULL;
    }
  /* a snapshot is a few megabytes; anything far larger is not one */
  if (!S_ISREG (st.st_mode) || st.st_size < 0 || (guint64) st.st_size > (256u << 20))
    {
      close (fd);
      g_set_error (error, TACT_ERROR, TACT_ERROR_IO, "%s: not a pack snapshot", path);
      return NULL;
    }
  gsize want = (gsize) st.st_size, got = 0;
  gpointer block = g_malloc (want + 64);
  guchar *p = tact_align_line (block);
  for (;;)
    {
      /* one byte more than expected: a file grown meanwhile shows */
      ssize_t n = read (fd, p + got, want + 1 - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int err = errno;
          close (fd);
          g_free (block);
          g_set_error (error, TACT_ERROR, TACT_ERROR_IO, "%s: %s", path, g_strerror (err));
          return NULL;
        }
      got += (gsize) n;
      if (n == 0 || got > want)
        break;
    }
  close (fd);
  *data = p;
  /* a file that changed size while read fails the header's length */
  *len = got;
  return block;
}

TactPack *
tact_snapshot_read (const char *path, guint64 key, const char *lang, TactEmoticons *emo, GError **error)
{
  guchar *data = NULL;
  gsize len = 0;
  g_autofree gpointer block = read_aligned (path, &data, &len, error);
  if (!block)
    return NULL;
  Header h;
  const char *why = NULL;
  if (len < sizeof h)
    why = "too short";
  else
    {
      memcpy (&h, data, sizeof h);
      if (memcmp (h.magic, MAGIC, 8) != 0 || h.version != FORMAT_VERSION || h.byte_order != BYTE_ORDER_MARK)
        why = "not a pack snapshot of this format";
      else if (h.build_id != TACT_BUILD_ID)
        why = "written by another build";
      else if (h.key != key)
        why = "compiled from other pack files";
      else if (h.payload_len != len - sizeof h)
        why = "truncated or extended";
      else if (tact_snapshot_hash (TACT_SNAPSHOT_HASH_SEED, data + sizeof h, len - sizeof h) != h.payload_hash)
        why = "damaged (checksum)";
    }
  if (why)
    {
      g_set_error (error, TACT_ERROR, TACT_ERROR_IO, "%s: %s", path, why);
      return NULL;
    }
  Reader r = { data + sizeof h, data + len, NULL };
  g_autoptr (TactPack) pack = g_new0 (TactPack, 1);
  /* from here the pack owns the block, and frees it with the tables
   * that lie in it whether or not it is complete */
  pack->snapshot = g_steal_pointer (&block);
  if (!get_pack (&r, lang, pack))
    {
      g_set_error (error, TACT_ERROR, TACT_ERROR_IO, "%s: inconsistent (%s)", path, r.bad ? r.bad : "?");
      return NULL;
    }
  for (guint i = 0; i < pack->emoticons->len; i++)
    tact_emoticons_add (emo, g_ptr_array_index (pack->emoticons, i));
  return g_steal_pointer (&pack);
}

/* ------------------------------------------------------------ the cache */

G_STATIC_ASSERT (TACT_SNAPSHOT_KEEP >= 1);

char *
tact_snapshot_file_name (const char *lang, guint64 key)
{
  /* the key holds the build id already (tact_snapshot_key()) */
  return g_strdup_printf ("%s-%016" G_GINT64_MODIFIER "x.pack", lang, key);
}

typedef struct {
  char  *path;
  gint64 mtime;
} CacheFile;

static gint
newest_first (gconstpointer a, gconstpointer b)
{
  const CacheFile *x = a, *y = b;
  return (x->mtime < y->mtime) - (x->mtime > y->mtime);
}

static void
cache_file_clear (gpointer p)
{
  g_free (((CacheFile *) p)->path);
}

/* "<16 hex digits>.pack" at @s, then nothing (1), a temporary file's
 * ".XXXXXX" (2), or anything else (0). */
static int
keyed_name (const char *s)
{
  for (guint i = 0; i < 16; i++)
    if (!g_ascii_isxdigit (s[i]))
      return 0;
  if (strncmp (s + 16, ".pack", 5) != 0)
    return 0;
  if (s[21] == '\0')
    return 1;
  return s[21] == '.' && strlen (s + 22) == 6 ? 2 : 0;
}

void
tact_snapshot_prune (const char *dir, const char *lang, const char *keep)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  if (!d)
    return;
  g_autoptr (GArray) snaps = g_array_new (FALSE, FALSE, sizeof (CacheFile));
  g_array_set_clear_func (snaps, cache_file_clear);
  gsize ll = strlen (lang);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const char *name;
  while ((name = g_dir_read_name (d)))
    {
      if (strncmp (name, lang, ll) != 0)
        continue;
      const char *rest = name + ll;
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (strcmp (rest, ".pack") == 0)
        {
          g_unlink (path);
          continue;
        }
      int kind = rest[0] == '-' ? keyed_name (rest + 1) : 0;
      GStatBuf st;
      if (kind == 0 || g_lstat (path, &st) != 0 || !S_ISREG (st.st_mode))
        continue;
      if (kind == 2)
        {
          /* a writer renames its file within a second: one an hour old
           * belongs to a writer that died */
          if (now - (gint64) st.st_mtime > 3600)
            g_unlink (path);
        }
      else if (strcmp (name, keep) != 0)
        {
          CacheFile f = { g_steal_pointer (&path), (gint64) st.st_mtime };
          g_array_append_val (snaps, f);
        }
    }
  /* times in whole seconds: snapshots written in the same second sort
   * either way, which costs at worst one compile more */
  g_array_sort (snaps, newest_first);
  /* @keep counts as one of those kept */
  for (guint i = TACT_SNAPSHOT_KEEP - 1; i < snaps->len; i++)
    g_unlink (g_array_index (snaps, CacheFile, i).path);
}

void
tact_snapshot_touch (const char *path)
{
  GStatBuf st;
  if (g_stat (path, &st) == 0 && g_get_real_time () / G_USEC_PER_SEC - (gint64) st.st_mtime > 3600)
    g_utime (path, NULL);
}
