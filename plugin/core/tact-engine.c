/* The engine façade: loading packs, analysing, suggesting.
 *
 * A TactEngine is not thread-safe: it reuses one scratch area for every
 * message so that analysis allocates almost nothing.  Use one per thread
 * (libpurple has one thread anyway).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "tact-engine.h"
#include "tact-analyze.h"
#include "tact-builtin.h"
#include "tact-render.h"
#include "tact-snapshot.h"

#include <math.h>
#include <string.h>

struct _TactEngine {
  char         *data_dir;
  char         *user_dir;
  char         *cache_dir; /* compiled-pack snapshots, or NULL */
  guint         n_from_cache; /* packs the last load read from snapshots */
  GPtrArray    *packs;     /* TactPack*, "en" first */
  GPtrArray    *lang_ids;  /* char*, NULL-terminated view for the API */
  TactEmoticons emo;
  TactScratch   scratch;
  double        load_ms;
};

/* ---------------------------------------------------------------- analysis */

TactAnalysis *
tact_analysis_ref (TactAnalysis *a)
{
  g_return_val_if_fail (a != NULL, NULL);
  g_atomic_int_inc (&a->ref_count);
  return a;
}

void
tact_analysis_unref (TactAnalysis *a)
{
  if (!a || !g_atomic_int_dec_and_test (&a->ref_count))
    return;
  for (guint i = 0; i < a->n_labels; i++)
    {
      g_free (a->labels[i].evidence);
      g_free (a->labels[i].facet);
    }
  g_free (a);
}

const TactLabelHit *
tact_analysis_find (const TactAnalysis *a, TactLabel label)
{
  for (guint i = 0; a && i < a->n_labels; i++)
    if (a->labels[i].label == label)
      return &a->labels[i];
  return NULL;
}

gboolean
tact_analysis_has (const TactAnalysis *a, TactLabel label)
{
  return tact_analysis_find (a, label) != NULL;
}

/* The JSON writer: one analysis is a dozen short pieces, so the object's
 * worst-case length is made room for once and the pieces are written
 * straight into the buffer, with no check or call per piece. */

/* Writes a string literal without strlen(). */
#define WRITE_LIT(p, lit) (memcpy ((p), (lit), sizeof (lit) - 1), (p) + sizeof (lit) - 1)

/* Room for @len bytes once escaped and quoted: a byte grows to six at most. */
#define ESCAPED_MAX(len) (2 + 6 * (gsize) (len))

/* Writes the @len bytes of @s quoted and escaped. */
static char *
write_escaped (char *p, const char *s, gsize len)
{
  static const char hex[] = "0123456789abcdef";
  *p++ = '"';
  for (const guchar *q = (const guchar *) s, *end = q + len; q < end; q++)
    {
      guchar c = *q;
      /* most strings (ids, evidence) need no escaping */
      if (G_LIKELY (c >= 0x20 && c != '"' && c != '\\'))
        {
          *p++ = (char) c;
          continue;
        }
      *p++ = '\\';
      switch (c)
        {
        case '"': *p++ = '"'; break;
        case '\\': *p++ = '\\'; break;
        case '\n': *p++ = 'n'; break;
        case '\r': *p++ = 'r'; break;
        case '\t': *p++ = 't'; break;
        default:
          p = WRITE_LIT (p, "u00");
          *p++ = hex[c >> 4];
          *p++ = hex[c & 15];
        }
    }
  *p++ = '"';
  return p;
}

/* The label ids quoted, padded to a fixed size so that one copy of a
 * constant size writes any of them: ids are the most common strings of
 * the output, and the same sixteen every time. */
#define QUOTED_ID_SIZE 32

typedef struct {
  char  s[QUOTED_ID_SIZE];
  gsize len;
} QuotedId;

static const QuotedId *
quoted_ids (void)
{
  static QuotedId ids[TACT_LABEL_COUNT];
  static gsize ready = 0;
  if (g_once_init_enter (&ready))
    {
      for (guint l = 0; l < TACT_LABEL_COUNT; l++)
        {
          /* ids need no escaping: lower-case words and hyphens */
          const char *id = tact_label_id ((TactLabel) l);
          gsize len = strlen (id);
          g_assert (len + 2 <= QUOTED_ID_SIZE && strspn (id, "abcdefghijklmnopqrstuvwxyz-") == len);
          ids[l].s[0] = '"';
          memcpy (ids[l].s + 1, id, len);
          ids[l].s[len + 1] = '"';
          ids[l].len = len + 2;
        }
      g_once_init_leave (&ready, 1);
    }
  return ids;
}

/* Writes label @l's id, quoted (room: QUOTED_ID_SIZE); as
 * tact_label_id(), "neutral" for a label out of range. */
static inline char *
write_id (char *p, const QuotedId *ids, TactLabel l)
{
  if (l >= TACT_LABEL_COUNT)
    l = TACT_LABEL_NEUTRAL;
  memcpy (p, ids[l].s, QUOTED_ID_SIZE);
  return p + ids[l].len;
}

/* Room for write_fixed()'s output: a sign, a long's digits and a point. */
#define FIXED_MAX 24

/* Writes @v with @decimals decimals ("-0.420").  Locale-independent and
 * much cheaper than printf, which matters when printing 500k lines/s. */
static char *
write_fixed (char *p, double v, int decimals)
{
  static const int scale[] = { 1, 10, 100, 1000 };
  long n = lround (v * scale[decimals]);
  if (n < 0)
    {
      *p++ = '-';
      n = -n;
    }
  /* polarities and scores have one digit before the point: written in
   * place, the decimals two at a time */
  if ((decimals == 2 || decimals == 3) && n < 10 * scale[decimals])
    {
      static const char pairs[] = "0001020304050607080910111213141516171819"
                                  "2021222324252627282930313233343536373839"
                                  "4041424344454647484950515253545556575859"
                                  "6061626364656667686970717273747576777879"
                                  "8081828384858687888990919293949596979899";
      long f = n % scale[decimals];
      *p++ = (char) ('0' + n / scale[decimals]);
      *p++ = '.';
      if (decimals == 3)
        {
          *p++ = (char) ('0' + f / 100);
          f %= 100;
        }
      memcpy (p, pairs + 2 * f, 2);
      return p + 2;
    }
  /* digits from the last, written from the end of a buffer */
  char buf[FIXED_MAX];
  char *d = buf + sizeof buf;
  for (int k = 0; k < decimals; k++, n /= 10)
    *--d = (char) ('0' + n % 10);
  *--d = '.';
  do
    *--d = (char) ('0' + n % 10);
  while ((n /= 10) > 0);
  gsize len = (gsize) (buf + sizeof buf - d);
  memcpy (p, d, len);
  return p + len;
}

void
tact_analysis_to_json (const TactAnalysis *a, GString *out)
{
  /* the literals and numbers below take less than 128 bytes, and less
   * than 128 more per label */
  const QuotedId *ids = quoted_ids ();
  gsize lang_len = strlen (a->lang);
  gsize need = 128 + ESCAPED_MAX (lang_len) + QUOTED_ID_SIZE;
  /* each string is measured once, for the room and for the writing */
  const char *ev[TACT_LABEL_COUNT];
  gsize ev_len[TACT_LABEL_COUNT], facet_len[TACT_LABEL_COUNT];
  for (guint i = 0; i < a->n_labels; i++)
    {
      const TactLabelHit *h = &a->labels[i];
      ev[i] = h->evidence ? h->evidence : "";
      ev_len[i] = strlen (ev[i]);
      facet_len[i] = h->facet ? strlen (h->facet) : 0;
      need += 128 + QUOTED_ID_SIZE + ESCAPED_MAX (ev_len[i]) + ESCAPED_MAX (facet_len[i]);
    }
  gsize len = out->len;
  if (len + need >= out->allocated_len)
    {
      g_string_set_size (out, len + need);
      g_string_truncate (out, len);
    }

  char *p = out->str + len;
  p = WRITE_LIT (p, "{\"lang\":");
  p = write_escaped (p, a->lang, lang_len);
  /* three decimals for polarity, two for scores: enough to read */
  p = WRITE_LIT (p, ",\"polarity\":");
  p = write_fixed (p, a->polarity, 3);
  p = WRITE_LIT (p, ",\"primary\":");
  p = write_id (p, ids, a->primary);
  p = WRITE_LIT (p, ",\"labels\":[");
  for (guint i = 0; i < a->n_labels; i++)
    {
      const TactLabelHit *h = &a->labels[i];
      if (i)
        *p++ = ',';
      p = WRITE_LIT (p, "{\"id\":");
      p = write_id (p, ids, h->label);
      p = WRITE_LIT (p, ",\"score\":");
      p = write_fixed (p, h->score, 2);
      p = WRITE_LIT (p, ",\"evidence\":");
      p = write_escaped (p, ev[i], ev_len[i]);
      if (h->facet)
        {
          p = WRITE_LIT (p, ",\"facet\":");
          p = write_escaped (p, h->facet, facet_len[i]);
        }
      if (h->judged)
        p = WRITE_LIT (p, ",\"judged\":true");
      *p++ = '}';
    }
  *p++ = ']';
  if (a->truncated)
    p = WRITE_LIT (p, ",\"truncated\":true");
  *p++ = '}';
  *p = '\0';
  out->len = (gsize) (p - out->str);
}

void
tact_suggestion_free (TactSuggestion *s)
{
  if (!s)
    return;
  g_free (s->id);
  g_free (s->text);
  g_free (s);
}

/* ----------------------------------------------------------------- loading */

static const TactBuiltinFile *
builtin_find (const char *lang, const char *kind)
{
  g_autofree char *name = g_strdup_printf ("%s/%s.json", lang, kind);
  for (const TactBuiltinFile *f = tact_builtin_files; f->name; f++)
    if (strcmp (f->name, name) == 0)
      return f;
  return NULL;
}

static void
add_langs_of_dir (GPtrArray *langs, const char *dir)
{
  if (!dir)
    return;
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      gsize n = strlen (name);
      if (n < 2 || n > 7)
        continue;
      gboolean ok = TRUE;
      for (gsize i = 0; i < n; i++)
        if (!g_ascii_islower (name[i]) && name[i] != '-')
          ok = FALSE;
      g_autofree char *p = g_build_filename (dir, name, NULL);
      if (!ok || !g_file_test (p, G_FILE_TEST_IS_DIR))
        continue;
      gboolean dup = FALSE;
      for (guint i = 0; i < langs->len; i++)
        dup |= strcmp (g_ptr_array_index (langs, i), name) == 0;
      if (!dup)
        g_ptr_array_add (langs, g_strdup (name));
    }
}

static void
docs_clear (TactPackDocs *docs)
{
  for (guint k = 0; k < TACT_PACK_KINDS; k++)
    {
      tact_json_doc_free (docs->base[k]);
      tact_json_doc_free (docs->user[k]);
    }
  memset (docs, 0, sizeof *docs);
}

/* Lexicon files are long flat lists of numbers: the flat reader takes
 * them without a jansson object per entry.  The judge's, longer still, is
 * only read here and left unparsed: tact_pack_compile() parses it once the
 * cues are compiled (see tact_json_doc_load_text()). */
static TactJsonDoc *
parse_doc (guint kind, const char *name, const char *buf, gsize len, GError **error)
{
  if (kind == TACT_KIND_JUDGE)
    return tact_json_doc_text (name, buf, len);
  return kind == TACT_KIND_LEXICON
           ? tact_json_doc_parse_flat (name, buf, len, TACT_LEXICON_MAX_VALENCE, error)
           : tact_json_doc_parse (name, buf, len, error);
}

static TactJsonDoc *
load_doc (guint kind, const char *path, GError **error)
{
  if (kind == TACT_KIND_JUDGE)
    return tact_json_doc_load_text (path, error);
  return kind == TACT_KIND_LEXICON ? tact_json_doc_load_flat (path, TACT_LEXICON_MAX_VALENCE, error)
                                   : tact_json_doc_load (path, error);
}

/* Reads the documents of @lang.  @use_disk FALSE = built-in only. */
static gboolean
docs_read (TactPackDocs *docs, const char *lang, const char *data_dir, const char *user_dir,
           gboolean use_disk, GError **error)
{
  memset (docs, 0, sizeof *docs);
  for (guint k = 0; k < TACT_PACK_KINDS; k++)
    {
      const char *kind = tact_pack_kinds[k];
      g_autofree char *file = g_strdup_printf ("%s.json", kind);
      g_autofree char *bp = data_dir ? g_build_filename (data_dir, lang, file, NULL) : NULL;
      if (use_disk && bp && g_file_test (bp, G_FILE_TEST_EXISTS))
        {
          if (!(docs->base[k] = load_doc (k, bp, error)))
            return FALSE;
        }
      else if (builtin_find (lang, kind))
        {
          const TactBuiltinFile *f = builtin_find (lang, kind);
          g_autofree char *nm = g_strdup_printf ("<built-in>/%s", f->name);
          if (!(docs->base[k] = parse_doc (k, nm, f->data, f->len, error)))
            return FALSE;
        }
      g_autofree char *up = user_dir ? g_build_filename (user_dir, lang, file, NULL) : NULL;
      if (use_disk && up && g_file_test (up, G_FILE_TEST_EXISTS))
        {
          if (!(docs->user[k] = load_doc (k, up, error)))
            return FALSE;
          if (!docs->base[k])
            {
              /* a language only the user has: their file is the base */
              docs->base[k] = docs->user[k];
              docs->user[k] = NULL;
            }
        }
    }
  return TRUE;
}

static TactPack *
find_pack (GPtrArray *packs, const char *lang)
{
  for (guint i = 0; packs && i < packs->len; i++)
    {
      TactPack *p = g_ptr_array_index (packs, i);
      if (strcmp (p->lang, lang) == 0)
        return p;
    }
  return NULL;
}

static int
lang_order (gconstpointer a, gconstpointer b)
{
  const char *x = *(const char *const *) a, *y = *(const char *const *) b;
  /* English first: the fallback when detection has nothing to go on */
  if (strcmp (x, "en") == 0)
    return -1;
  if (strcmp (y, "en") == 0)
    return 1;
  return strcmp (x, y);
}

/* Folds which document comes next (its kind, its role: 0 base, 1 user)
 * into @h: its bytes follow. */
static guint64
fold_role (guint64 h, guint kind, guint role)
{
  guint32 tag[2] = { kind, role };
  return tact_snapshot_hash (h, tag, sizeof tag);
}

/* Folds one document's bytes, in its role, into @h. */
static guint64
fold_doc (guint64 h, guint kind, guint role, const char *buf, gsize len)
{
  return tact_snapshot_hash (fold_role (h, kind, role), buf, len);
}

/* The hash of the documents a pack is compiled from: the key of its
 * snapshot (with the language and the emoticons known before it). */
static guint64
docs_hash (const TactPackDocs *docs)
{
  guint64 h = TACT_SNAPSHOT_HASH_SEED;
  for (guint k = 0; k < TACT_PACK_KINDS; k++)
    {
      if (docs->base[k])
        h = fold_doc (h, k, 0, docs->base[k]->buf, docs->base[k]->len);
      if (docs->user[k])
        h = fold_doc (h, k, 1, docs->user[k]->buf, docs->user[k]->len);
    }
  return h;
}

/* docs_hash() of what docs_read() would read for @lang, from the files'
 * bytes alone: a snapshot is found without parsing a byte of JSON.  FALSE
 * if a file cannot be read (the compiler then reports it). */
static gboolean
files_hash (const char *lang, const char *data_dir, const char *user_dir, guint64 *out)
{
  guint64 h = TACT_SNAPSHOT_HASH_SEED;
  for (guint k = 0; k < TACT_PACK_KINDS; k++)
    {
      const char *kind = tact_pack_kinds[k];
      g_autofree char *file = g_strdup_printf ("%s.json", kind);
      const TactBuiltinFile *f = builtin_find (lang, kind);
      gboolean have_base = FALSE;
      const char *dirs[2] = { data_dir, user_dir };
      for (guint role = 0; role < 2; role++)
        {
          g_autofree char *p = dirs[role] ? g_build_filename (dirs[role], lang, file, NULL) : NULL;
          if (p && g_file_test (p, G_FILE_TEST_EXISTS))
            {
              /* a language only the user has: docs_read() makes the
               * user's file the base */
              h = fold_role (h, k, role == 1 && have_base ? 1 : 0);
              /* read, not mapped: a file truncated while mapped faults */
              if (!tact_snapshot_hash_file (&h, p))
                return FALSE;
              have_base = TRUE;
            }
          else if (role == 0 && f)
            {
              h = fold_doc (h, k, 0, f->data, f->len);
              have_base = TRUE;
            }
        }
    }
  *out = h;
  return TRUE;
}

/* The pack of @lang compiled from its files, or read from the snapshot of
 * the same files; a fresh compile is written back as the next snapshot.
 * New pack, or NULL with @error from the compiler. */
static TactPack *
compile_or_read (TactEngine *e, const char *lang, TactEmoticons *emo, GError **error)
{
  guint64 fh = 0;
  if (e->cache_dir && files_hash (lang, e->data_dir, e->user_dir, &fh))
    {
      g_autoptr (GError) serr = NULL;
      /* the emoticons known so far shape the compile: part of the key */
      guint64 key = tact_snapshot_key (lang, emo, fh);
      g_autofree char *name = tact_snapshot_file_name (lang, key);
      g_autofree char *snap = g_build_filename (e->cache_dir, name, NULL);
      TactPack *pack = tact_snapshot_read (snap, key, lang, emo, &serr);
      if (pack)
        {
          tact_snapshot_touch (snap);
          e->n_from_cache++;
          return pack;
        }
      g_debug ("pack %s compiled: no usable snapshot: %s", lang, serr->message);
    }
  TactPackDocs docs;
  TactPack *pack = NULL;
  guint64 key = 0;
  if (docs_read (&docs, lang, e->data_dir, e->user_dir, TRUE, error))
    {
      /* keyed by the bytes compiled, not those hashed above: a file
       * edited in between gets a snapshot of what was compiled */
      if (e->cache_dir)
        key = tact_snapshot_key (lang, emo, docs_hash (&docs));
      /* hashed: the files' pristine text (the judge's is 1.8 MB, the
       * cues' 0.6 MB) need not stay beside what was parsed out of it while
       * the tables grow; the judge's, parsed last, is read again then */
      for (guint k = 0; k < TACT_PACK_KINDS; k++)
        {
          tact_json_doc_drop_text (docs.base[k]);
          tact_json_doc_drop_text (docs.user[k]);
        }
      pack = tact_pack_compile (lang, &docs, emo, error);
    }
  docs_clear (&docs);
  if (pack && e->cache_dir)
    {
      /* a cache: a read-only or full disk costs the next start time, no more */
      g_autoptr (GError) werr = NULL;
      g_autofree char *name = tact_snapshot_file_name (lang, key);
      g_autofree char *snap = g_build_filename (e->cache_dir, name, NULL);
      if (tact_snapshot_write (pack, key, snap, &werr))
        tact_snapshot_prune (e->cache_dir, lang, name);
      else
        g_debug ("pack %s: snapshot not written: %s", lang, werr->message);
    }
  return pack;
}

static gboolean
load_all (TactEngine *e, GError **error)
{
  gint64 t0 = g_get_monotonic_time ();
  e->n_from_cache = 0;
  g_autoptr (GPtrArray) langs = g_ptr_array_new_with_free_func (g_free);
  for (const TactBuiltinFile *f = tact_builtin_files; f->name; f++)
    {
      g_autofree char *lang = g_strndup (f->name, strcspn (f->name, "/"));
      gboolean dup = FALSE;
      for (guint i = 0; i < langs->len; i++)
        dup |= strcmp (g_ptr_array_index (langs, i), lang) == 0;
      if (!dup)
        g_ptr_array_add (langs, g_steal_pointer (&lang));
    }
  add_langs_of_dir (langs, e->data_dir);
  add_langs_of_dir (langs, e->user_dir);
  g_ptr_array_sort (langs, lang_order);

  GPtrArray *packs = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_pack_free);
  g_autoptr (GString) errors = g_string_new (NULL);
  /* the emoticons of this load alone: the same files then always compile
   * (and key their snapshots) the same way, first load or reload */
  TactEmoticons emo = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), 0, { 0 }, 0 };
  for (guint i = 0; i < langs->len; i++)
    {
      const char *lang = g_ptr_array_index (langs, i);
      TactPackDocs docs;
      g_autoptr (GError) err = NULL;
      TactPack *pack = compile_or_read (e, lang, &emo, &err);
      if (!pack)
        {
          g_string_append_printf (errors, "%s%s", errors->len ? "\n" : "", err->message);
          /* keep the last good pack of this language, else the built-in one */
          TactPack *old = find_pack (e->packs, lang);
          if (old)
            {
              /* steal, not remove: e->packs frees what is removed from it */
              guint idx;
              if (g_ptr_array_find (e->packs, old, &idx))
                g_ptr_array_steal_index_fast (e->packs, idx);
              pack = old;
              for (guint k = 0; k < old->emoticons->len; k++)
                tact_emoticons_add (&emo, g_ptr_array_index (old->emoticons, k));
            }
          else if (builtin_find (lang, "language"))
            {
              g_autoptr (GError) berr = NULL;
              if (docs_read (&docs, lang, NULL, NULL, FALSE, &berr))
                pack = tact_pack_compile (lang, &docs, &emo, &berr);
              docs_clear (&docs);
              if (!pack)
                g_critical ("built-in pack %s does not load: %s", lang, berr->message);
            }
        }
      if (pack)
        g_ptr_array_add (packs, pack);
    }

  if (packs->len == 0)
    {
      g_ptr_array_unref (packs);
      g_hash_table_unref (emo.set);
      g_set_error (error, TACT_ERROR, TACT_ERROR_PACK, "%s", errors->len ? errors->str : "no language pack could be loaded");
      return FALSE;
    }
  /* packs reused from e->packs were removed from it above, so this frees
   * only the replaced ones */
  if (e->packs)
    g_ptr_array_unref (e->packs);
  e->packs = packs;
  g_hash_table_unref (e->emo.set);
  e->emo = emo;
  g_ptr_array_set_size (e->lang_ids, 0);
  for (guint i = 0; i < packs->len; i++)
    g_ptr_array_add (e->lang_ids, ((TactPack *) g_ptr_array_index (packs, i))->lang);
  g_ptr_array_add (e->lang_ids, NULL);
  e->load_ms = (double) (g_get_monotonic_time () - t0) / 1000.0;
  if (errors->len)
    {
      g_set_error (error, TACT_ERROR, TACT_ERROR_PACK, "%s", errors->str);
      return FALSE;
    }
  return TRUE;
}

TactEngine *
tact_engine_new (const char *data_dir, const char *user_dir, GError **error)
{
  return tact_engine_new_cached (data_dir, user_dir, NULL, error);
}

TactEngine *
tact_engine_new_cached (const char *data_dir, const char *user_dir, const char *cache_dir,
                        GError **error)
{
  TactEngine *e = g_new0 (TactEngine, 1);
  e->data_dir = g_strdup (data_dir);
  e->user_dir = g_strdup (user_dir && *user_dir ? user_dir : NULL);
  e->cache_dir = g_strdup (cache_dir && *cache_dir ? cache_dir : NULL);
  e->emo.set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  e->lang_ids = g_ptr_array_new ();
  tact_scratch_init (&e->scratch);
  g_autoptr (GError) err = NULL;
  if (!load_all (e, &err) && !e->packs)
    {
      g_propagate_error (error, g_steal_pointer (&err));
      tact_engine_free (e);
      return NULL;
    }
  if (err)
    g_propagate_error (error, g_steal_pointer (&err));
  return e;
}

void
tact_engine_free (TactEngine *e)
{
  if (!e)
    return;
  g_free (e->data_dir);
  g_free (e->user_dir);
  g_free (e->cache_dir);
  if (e->packs)
    g_ptr_array_unref (e->packs);
  g_ptr_array_unref (e->lang_ids);
  g_hash_table_unref (e->emo.set);
  tact_scratch_clear (&e->scratch);
  g_free (e);
}

gboolean
tact_engine_reload (TactEngine *e, GError **error)
{
  return load_all (e, error);
}

gboolean
tact_engine_check_dir (const char *dir, GError **error)
{
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, TACT_ERROR, TACT_ERROR_IO, "%s: not a directory", dir);
      return FALSE;
    }
  g_autoptr (GPtrArray) langs = g_ptr_array_new_with_free_func (g_free);
  add_langs_of_dir (langs, dir);
  if (langs->len == 0)
    {
      g_set_error (error, TACT_ERROR, TACT_ERROR_PACK, "%s: no language directories (e.g. %s/en/)", dir, dir);
      return FALSE;
    }
  TactEmoticons emo = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), 0, { 0 } };
  g_autoptr (GString) errors = g_string_new (NULL);
  for (guint i = 0; i < langs->len; i++)
    {
      TactPackDocs docs;
      g_autoptr (GError) err = NULL;
      /* a directory is checked as it would be loaded: as the shipped base */
      TactPack *pack = NULL;
      if (docs_read (&docs, g_ptr_array_index (langs, i), dir, NULL, TRUE, &err))
        pack = tact_pack_compile (g_ptr_array_index (langs, i), &docs, &emo, &err);
      docs_clear (&docs);
      if (!pack)
        g_string_append_printf (errors, "%s%s", errors->len ? "\n" : "", err->message);
      tact_pack_free (pack);
    }
  g_hash_table_unref (emo.set);
  if (errors->len)
    {
      g_set_error (error, TACT_ERROR, TACT_ERROR_PACK, "%s", errors->str);
      return FALSE;
    }
  return TRUE;
}

const char *const *
tact_engine_languages (const TactEngine *e)
{
  return (const char *const *) e->lang_ids->pdata;
}

char *
tact_engine_default_cache_dir (void)
{
  const char *env = g_getenv ("TACT_CACHE_DIR");
  if (env)
    return *env ? g_strdup (env) : NULL;
  return g_build_filename (g_get_user_cache_dir (), "purple-tact", NULL);
}

guint
tact_engine_load_from_cache (const TactEngine *e)
{
  return e->n_from_cache;
}

double
tact_engine_load_ms (const TactEngine *e)
{
  return e->load_ms;
}

/* ---------------------------------------------------------------- analysing */

/* Tokenises @text into the scratch and picks the pack of its language. */
static const TactPack *
scan (TactEngine *e, const char *text, gssize len)
{
  tact_text_scan (&e->scratch.text, text, len, &e->emo);
  guint idx = tact_analyze_detect (&e->scratch, (TactPack *const *) e->packs->pdata, e->packs->len);
  return g_ptr_array_index (e->packs, idx);
}

TactAnalysis *
tact_engine_analyze (TactEngine *e, const char *text, gssize len)
{
  /* not zeroed: labels[] is written up to n_labels, the rest is never read */
  TactAnalysis *a = g_new (TactAnalysis, 1);
  memset (a, 0, G_STRUCT_OFFSET (TactAnalysis, labels));
  a->truncated = FALSE;
  a->ref_count = 1;
  a->primary = TACT_LABEL_NEUTRAL;
  const TactPack *pack = scan (e, text, len);
  /* both are char[8] and the pack's is NUL-terminated (g_strlcpy'd) */
  G_STATIC_ASSERT (sizeof a->lang == sizeof pack->lang);
  memcpy (a->lang, pack->lang, sizeof a->lang);
  tact_analyze_run (&e->scratch, pack, a);
  return a;
}

char **
tact_engine_units (TactEngine *e, const char *text, gssize len, char lang[8])
{
  const TactPack *pack = scan (e, text, len);
  if (lang)
    g_strlcpy (lang, pack->lang, 8);
  return tact_analyze_units (&e->scratch, pack);
}

static const TactPack *
pack_for (TactEngine *e, const char *lang)
{
  const TactPack *p = lang ? find_pack (e->packs, lang) : NULL;
  return p ? p : g_ptr_array_index (e->packs, 0);
}

static void
add_suggestion (GPtrArray *out, const TactPack *pack, TactLabel label, const TactTemplate *t,
                const TactContext *ctx)
{
  TactSuggestion *s = g_new0 (TactSuggestion, 1);
  s->id = g_strdup_printf ("%s.%s", tact_label_id (label), t->id);
  s->text = tact_render_template (pack, t->text, ctx, &s->needs_edit);
  s->label = label;
  g_ptr_array_add (out, s);
}

/* The templates of a label in the order they are offered, for a hit with
 * @facet (NULL: none).  A template whose id names a facet ("legal") is for
 * that facet's messages only, and comes first for them: a legal threat
 * gets the legal team's reply, not "thanks for the detailed question"
 * written for an engineer.  Returns a new array (pointers into @tp). */
static GPtrArray *
ordered_templates (const GPtrArray *tp, const char *facet)
{
  GPtrArray *out = g_ptr_array_new ();
  if (!tp)
    return out;
  for (guint i = 0; facet && i < tp->len; i++)
    {
      const TactTemplate *t = g_ptr_array_index (tp, i);
      if (strcmp (t->id, facet) == 0)
        g_ptr_array_add (out, (gpointer) t);
    }
  for (guint i = 0; i < tp->len; i++)
    {
      const TactTemplate *t = g_ptr_array_index (tp, i);
      if (!tact_facet_is_known (t->id))
        g_ptr_array_add (out, (gpointer) t);
    }
  return out;
}

GPtrArray *
tact_engine_suggest (TactEngine *e, const TactAnalysis *a, const TactContext *ctx, guint max)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_suggestion_free);
  if (!a || max == 0)
    return out;
  const TactPack *pack = pack_for (e, a->lang);
  /* an opt-out trumps everything: only the confirmation is offered */
  TactLabel primary = tact_analysis_has (a, TACT_LABEL_OPT_OUT) ? TACT_LABEL_OPT_OUT : a->primary;
  const TactLabelHit *ph = tact_analysis_find (a, primary);
  g_autoptr (GPtrArray) tp = ordered_templates (pack->replies.templates[primary], ph ? ph->facet : NULL);
  /* a second label gets the last slot, so "broken app, idiots" offers an
   * apology and a calm line, not three apologies */
  const TactLabelHit *second = NULL;
  g_autoptr (GPtrArray) tp2 = NULL;
  if (primary != TACT_LABEL_OPT_OUT)
    for (guint i = 0; i < a->n_labels && !second; i++)
      if (a->labels[i].label != primary && pack->replies.templates[a->labels[i].label])
        {
          tp2 = ordered_templates (pack->replies.templates[a->labels[i].label], a->labels[i].facet);
          if (tp2->len > 0)
            second = &a->labels[i];
          else
            g_clear_pointer (&tp2, g_ptr_array_unref);
        }
  guint own = second && max > 1 ? max - 1 : max;
  for (guint i = 0; i < tp->len && out->len < own; i++)
    add_suggestion (out, pack, primary, g_ptr_array_index (tp, i), ctx);
  if (second && out->len < max)
    add_suggestion (out, pack, second->label, g_ptr_array_index (tp2, 0), ctx);
  for (guint i = own; i < tp->len && out->len < max; i++)
    add_suggestion (out, pack, primary, g_ptr_array_index (tp, i), ctx);
  return out;
}

char *
tact_engine_followup (TactEngine *e, const char *lang, const TactAnalysis *a, const TactContext *ctx)
{
  if (a && tact_analysis_has (a, TACT_LABEL_OPT_OUT))
    return NULL;
  const TactPack *pack = pack_for (e, lang ? lang : a ? a->lang : NULL);
  if (!pack->replies.followups || pack->replies.followups->len == 0)
    return NULL;
  const TactTemplate *t = g_ptr_array_index (pack->replies.followups, 0);
  return tact_render_template (pack, t->text, ctx, NULL);
}

const char *
tact_engine_handling (TactEngine *e, const char *lang, TactLabel label)
{
  g_return_val_if_fail (label < TACT_LABEL_COUNT, "");
  const char *h = pack_for (e, lang)->replies.handling[label];
  return h ? h : "";
}

char *
tact_engine_render (TactEngine *e, const char *lang, const char *tmpl, const TactContext *ctx,
                    gboolean *needs_edit)
{
  return tact_render_template (pack_for (e, lang), tmpl, ctx, needs_edit);
}

char *
tact_engine_greeting (TactEngine *e, const char *lang, const TactContext *ctx)
{
  return tact_render_greeting (pack_for (e, lang), ctx);
}
