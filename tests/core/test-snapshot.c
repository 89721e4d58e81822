/* Unit tests of compiled-pack snapshots (tact-snapshot.c and the cache
 * half of tact-engine.c): a pack read back behaves exactly as the one
 * compiled, a stale or damaged snapshot is never used, and a forged one
 * cannot make the matcher read out of bounds (run this under ASan).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "tact-analyze.h"
#include "tact-engine.h"
#include "tact-render.h"
#include "tact-snapshot.h"
#include "test-util.h"

#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <glib/gstdio.h>
#include <unistd.h>
#include <utime.h>

/* Every @step-th message of the first English case sets (labels TAB
 * text), plus a few that lean on emoticons, shorthand and the judge's word
 * pairs: the slower tests take a sample. */
static GPtrArray *
corpus (guint step)
{
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);
  guint seen = 0;
  static const char *const sets[] = { "cues-en.tsv", "cues2-en.tsv", "cues3-en.tsv", "cues4-en.tsv",
                                      "cues5-en.tsv", "cues6-en.tsv" };
  for (guint f = 0; f < G_N_ELEMENTS (sets); f++)
    {
      g_autofree char *path = g_build_filename (TACT_TEST_DATADIR, "..", "tests", "data", sets[f], NULL);
      g_autofree char *buf = NULL;
      GError *err = NULL;
      g_file_get_contents (path, &buf, NULL, &err);
      g_assert_no_error (err);
      g_auto (GStrv) lines = g_strsplit (buf, "\n", -1);
      for (guint i = 0; lines[i]; i++)
        {
          const char *tab = strchr (lines[i], '\t');
          if (lines[i][0] != '#' && tab && seen++ % step == 0)
            g_ptr_array_add (texts, g_strdup (tab + 1));
        }
    }
  static const char *const extra[] = {
    "thx so much :) <3", "this is sooo bad :-( ugh", "pls stop msg me", "r u a bot?? :/",
    "I'm not asking you to stop", "don't stop sending these!!", "",
  };
  for (guint i = 0; i < G_N_ELEMENTS (extra); i++)
    g_ptr_array_add (texts, g_strdup (extra[i]));
  g_assert_cmpuint (seen, >, 500);
  return texts;
}

/* Everything an engine says about @texts (analyses, suggestions and the
 * follow-up), as one string to compare.  New. */
static char *
transcript (TactEngine *e, GPtrArray *texts)
{
  GString *out = g_string_new (NULL);
  TactContext ctx = { "Maria", "Sam", "Acme", NULL, NULL, FALSE };
  for (guint i = 0; i < texts->len; i++)
    {
      TactAnalysis *a = tact_engine_analyze (e, g_ptr_array_index (texts, i), -1);
      tact_analysis_to_json (a, out);
      GPtrArray *sug = tact_engine_suggest (e, a, &ctx, 3);
      for (guint k = 0; k < sug->len; k++)
        g_string_append_printf (out, " | %s", ((TactSuggestion *) g_ptr_array_index (sug, k))->text);
      g_ptr_array_unref (sug);
      char *f = tact_engine_followup (e, a->lang, a, &ctx);
      g_string_append_printf (out, " | %s\n", f ? f : "-");
      g_free (f);
      tact_analysis_unref (a);
    }
  return g_string_free (out, FALSE);
}

static gint
cmp_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The names of the snapshots of English in @cache, sorted (new). */
static GPtrArray *
snapshot_names (const char *cache)
{
  GPtrArray *v = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) d = g_dir_open (cache, 0, NULL);
  g_assert_nonnull (d);
  const char *name;
  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (cache, name, NULL);
      if (g_str_has_prefix (name, "en-") && g_str_has_suffix (name, ".pack") &&
          !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        g_ptr_array_add (v, g_strdup (name));
    }
  g_ptr_array_sort (v, cmp_names);
  return v;
}

/* The path of the one snapshot of English in @cache (new): it is named
 * by its key, which only the engine knows. */
static char *
snapshot_path (const char *cache)
{
  g_autoptr (GPtrArray) names = snapshot_names (cache);
  g_assert_cmpuint (names->len, ==, 1);
  return g_build_filename (cache, g_ptr_array_index (names, 0), NULL);
}

/* The bytes of the snapshot in @cache (new), and the key it was written
 * under, which its header holds after the magic, version, byte order and
 * build id. */
static guint8 *
snapshot_bytes (const char *cache, gsize *len, guint64 *key)
{
  g_autofree char *snap = snapshot_path (cache);
  guint8 *buf = NULL;
  GError *err = NULL;
  g_file_get_contents (snap, (char **) &buf, len, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (*len, >, 4096);
  memcpy (key, buf + 24, sizeof *key);
  return buf;
}

/* An empty set of emoticons, as an engine starts with (unref .set). */
static TactEmoticons
emoticons_new (void)
{
  TactEmoticons emo = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), 0, { 0 }, 0 };
  return emo;
}

/* Compiles the shipped packs into a snapshot in @cache. */
static void
write_shipped (const char *cache)
{
  GError *err = NULL;
  TactEngine *e = tact_engine_new_cached (TACT_TEST_DATADIR, NULL, cache, &err);
  g_assert_no_error (err);
  tact_engine_free (e);
}

/* The pack of the snapshot in @cache (new), read as the engine would,
 * adding to @emo; its bytes (new) in *@bytes, their length and the key. */
static TactPack *
read_back (const char *cache, TactEmoticons *emo, guint8 **bytes, gsize *len, guint64 *key)
{
  g_autofree char *snap = snapshot_path (cache);
  *bytes = snapshot_bytes (cache, len, key);
  GError *err = NULL;
  TactPack *pack = tact_snapshot_read (snap, *key, "en", emo, &err);
  g_assert_no_error (err);
  g_assert_nonnull (pack);
  return pack;
}

/* The shipped packs compiled into a fresh cache and read back from their
 * snapshot: the start most tests of the snapshot's contents share. */
typedef struct {
  char          *cache;
  TactEmoticons  emo;
  guint8        *bytes;  /* the snapshot file's bytes */
  gsize          len;
  guint64        key;
  TactPack      *pack;   /* a test that frees it early sets it to NULL */
} Shipped;

static void
shipped_setup (Shipped *s, gconstpointer data)
{
  (void) data;
  s->cache = test_make_dir (FALSE);
  write_shipped (s->cache);
  s->emo = emoticons_new ();
  s->pack = read_back (s->cache, &s->emo, &s->bytes, &s->len, &s->key);
}

static void
shipped_teardown (Shipped *s, gconstpointer data)
{
  (void) data;
  if (s->pack)
    tact_pack_free (s->pack);
  g_hash_table_unref (s->emo.set);
  g_free (s->bytes);
  test_rm_rf (s->cache);
  g_free (s->cache);
}

/* A pack read back from its snapshot answers every message as the
 * compiled one did, on the first load and on a reload. */
static void
test_round_trip (void)
{
  g_autoptr (GPtrArray) texts = corpus (1);
  g_autofree char *cache = test_make_dir (FALSE);
  GError *err = NULL;

  TactEngine *plain = tact_engine_new (TACT_TEST_DATADIR, NULL, &err);
  g_assert_no_error (err);
  g_autofree char *want = transcript (plain, texts);
  g_assert_cmpuint (tact_engine_load_from_cache (plain), ==, 0);
  tact_engine_free (plain);

  TactEngine *first = tact_engine_new_cached (TACT_TEST_DATADIR, NULL, cache, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (tact_engine_load_from_cache (first), ==, 0);
  g_autofree char *snap = snapshot_path (cache);
  g_assert_true (g_file_test (snap, G_FILE_TEST_IS_REGULAR));
  g_autofree char *got_first = transcript (first, texts);
  g_assert_cmpstr (got_first, ==, want);
  tact_engine_free (first);

  TactEngine *second = tact_engine_new_cached (TACT_TEST_DATADIR, NULL, cache, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (tact_engine_load_from_cache (second), ==, 1);
  g_autofree char *got_second = transcript (second, texts);
  g_assert_cmpstr (got_second, ==, want);
  /* a reload keys its packs the same way: the snapshot still serves */
  g_assert_true (tact_engine_reload (second, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (tact_engine_load_from_cache (second), ==, 1);
  g_autofree char *got_reload = transcript (second, texts);
  g_assert_cmpstr (got_reload, ==, want);
  tact_engine_free (second);
  test_rm_rf (cache);
}

/* A snapshot of other files is never used: a user's new cue shows at
 * once, and removing it again is seen as well. */
static void
test_stale (void)
{
  g_autofree char *cache = test_make_dir (FALSE);
  g_autofree char *user = test_make_dir (FALSE);
  const char *phrase = "the kettle whistles at midnight";
  GError *err = NULL;

  TactEngine *e = tact_engine_new_cached (TACT_TEST_DATADIR, NULL, cache, &err);
  g_assert_no_error (err);
  g_assert_cmpint (test_primary_of (e, phrase), ==, TACT_LABEL_NEUTRAL);
  tact_engine_free (e);

  test_write_pack_file (user, "en", "cues",
                        "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\",\n"
                        "  \"cues\": [ { \"label\": \"opt-out\", \"weight\": 0.95,"
                        " \"patterns\": [\"kettle whistles at midnight\"] } ] }\n");
  for (guint round = 0; round < 2; round++)
    {
      e = tact_engine_new_cached (TACT_TEST_DATADIR, user, cache, &err);
      g_assert_no_error (err);
      /* compiled the first time, read back the second */
      g_assert_cmpuint (tact_engine_load_from_cache (e), ==, round);
      g_assert_cmpint (test_primary_of (e, phrase), ==, TACT_LABEL_OPT_OUT);
      tact_engine_free (e);
    }
  /* the same bytes in a lexicon entry change the key too */
  g_autofree char *lex = g_strdup ("{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"lexicon\", \"lang\": \"en\",\n"
                                   "  \"entries\": { \"kettle\": -3.0 } }\n");
  test_write_pack_file (user, "en", "lexicon", lex);
  e = tact_engine_new_cached (TACT_TEST_DATADIR, user, cache, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (tact_engine_load_from_cache (e), ==, 0);
  g_assert_cmpfloat (test_polarity_of (e, "kettle"), <, -0.3);
  tact_engine_free (e);

  /* without the user's files: the shipped packs' own snapshot, kept
   * beside the user's, and none of the user's cues */
  e = tact_engine_new_cached (TACT_TEST_DATADIR, NULL, cache, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (tact_engine_load_from_cache (e), ==, 1);
  g_assert_cmpint (test_primary_of (e, phrase), ==, TACT_LABEL_NEUTRAL);
  tact_engine_free (e);
  test_rm_rf (cache);
  test_rm_rf (user);
}

/* Starts an engine over the shipped packs and the user directory @user
 * (or none) with @cache; returns how many packs it read from the cache. */
static guint
start_with (const char *user, const char *cache)
{
  GError *err = NULL;
  TactEngine *e = tact_engine_new_cached (TACT_TEST_DATADIR, user, cache, &err);
  g_assert_no_error (err);
  guint n = tact_engine_load_from_cache (e);
  tact_engine_free (e);
  return n;
}

/* A user directory whose lexicon gives @word a valence (new path). */
static char *
user_with_word (const char *word)
{
  char *user = test_make_dir (FALSE);
  g_autofree char *lex = g_strdup_printf ("{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"lexicon\","
                                          " \"lang\": \"en\",\n  \"entries\": { \"%s\": -2.0 } }\n",
                                          word);
  test_write_pack_file (user, "en", "lexicon", lex);
  return user;
}

/* Two programs with other pack files sharing a cache (the Pidgin plugin
 * with a user pack, the `tact` command without) each keep their
 * snapshot: neither compiles again at every start, as they did when both
 * wrote the one "en.pack". */
static void
test_configurations (void)
{
  g_autofree char *cache = test_make_dir (FALSE);
  g_autofree char *user = user_with_word ("kettle");
  g_assert_cmpuint (start_with (NULL, cache), ==, 0);
  g_assert_cmpuint (start_with (user, cache), ==, 0);
  for (guint round = 0; round < 2; round++)
    {
      g_assert_cmpuint (start_with (NULL, cache), ==, 1);
      g_assert_cmpuint (start_with (user, cache), ==, 1);
    }
  g_autoptr (GPtrArray) names = snapshot_names (cache);
  g_assert_cmpuint (names->len, ==, 2);
  test_rm_rf (cache);
  test_rm_rf (user);
}

/* Sets the modification time of @cache/@name to @age seconds ago. */
static void
age_file (const char *cache, const char *name, gint64 age)
{
  g_autofree char *path = g_build_filename (cache, name, NULL);
  gint64 t = g_get_real_time () / G_USEC_PER_SEC - age;
  struct utimbuf ub = { (time_t) t, (time_t) t };
  g_assert_cmpint (g_utime (path, &ub), ==, 0);
}

/* The name in @after that is not in @before (there must be one). */
static char *
new_name (GPtrArray *before, GPtrArray *after)
{
  for (guint i = 0; i < after->len; i++)
    {
      gboolean old = FALSE;
      for (guint k = 0; k < before->len; k++)
        old |= strcmp (g_ptr_array_index (after, i), g_ptr_array_index (before, k)) == 0;
      if (!old)
        return g_strdup (g_ptr_array_index (after, i));
    }
  g_assert_not_reached ();
}

/* A cache keeps the TACT_SNAPSHOT_KEEP snapshots of a language used
 * last: one read back is marked in use and outlives older ones; the
 * unkeyed "en.pack" of earlier versions and a temporary file left by a
 * writer that died go; a writer's fresh one, another language's
 * snapshot, files that are not snapshots and a link named like one stay
 * (and the link, which is new, does not count as one kept). */
static void
test_prune (void)
{
  g_autofree char *cache = test_make_dir (FALSE);
  G_STATIC_ASSERT (TACT_SNAPSHOT_KEEP == 4);
  const char *words[] = { "kettle", "teapot", "saucer", "ladle", "whisk" };
  char *users[G_N_ELEMENTS (words)];
  char *names[G_N_ELEMENTS (words)];
  g_autoptr (GPtrArray) before = snapshot_names (cache);
  for (guint i = 0; i < 4; i++)
    {
      users[i] = user_with_word (words[i]);
      g_assert_cmpuint (start_with (users[i], cache), ==, 0);
      g_autoptr (GPtrArray) after = snapshot_names (cache);
      names[i] = new_name (before, after);
      g_ptr_array_unref (before);
      before = g_ptr_array_ref (after);
      /* written days ago, the first the longest */
      age_file (cache, names[i], (gint64) (10 - i) * 24 * 3600);
    }
  static const char *const strays[] = {
    "en.pack", "en-0123456789abcdef.pack.Ab12Cd", "en-0123456789abcdef.pack.Xy34Zw",
    "fr-0123456789abcdef.pack", "en-notes.txt", "ena-0123456789abcdef.pack",
  };
  for (guint i = 0; i < G_N_ELEMENTS (strays); i++)
    {
      g_autofree char *path = g_build_filename (cache, strays[i], NULL);
      g_assert_true (g_file_set_contents (path, "x", 1, NULL));
      age_file (cache, strays[i], 2 * 3600);
    }
  /* a writer at work right now */
  age_file (cache, strays[2], 0);
  g_autofree char *link = g_build_filename (cache, "en-fedcba9876543210.pack", NULL);
  g_assert_cmpint (symlink (strays[4], link), ==, 0);

  /* the first is read back: in use again */
  g_assert_cmpuint (start_with (users[0], cache), ==, 1);
  users[4] = user_with_word (words[4]);
  g_assert_cmpuint (start_with (users[4], cache), ==, 0);
  g_autoptr (GPtrArray) after = snapshot_names (cache);
  names[4] = new_name (before, after);

  /* kept: the new one, the one in use, and the two written last */
  g_autoptr (GPtrArray) want = g_ptr_array_new ();
  g_ptr_array_add (want, names[0]);
  g_ptr_array_add (want, names[2]);
  g_ptr_array_add (want, names[3]);
  g_ptr_array_add (want, names[4]);
  g_ptr_array_sort (want, cmp_names);
  g_assert_cmpuint (after->len, ==, want->len);
  for (guint i = 0; i < want->len; i++)
    g_assert_cmpstr (g_ptr_array_index (after, i), ==, g_ptr_array_index (want, i));
  for (guint i = 0; i < G_N_ELEMENTS (strays); i++)
    {
      g_autofree char *path = g_build_filename (cache, strays[i], NULL);
      g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS) == (i >= 2));
    }
  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    {
      test_rm_rf (users[i]);
      g_free (users[i]);
      g_free (names[i]);
    }
  test_rm_rf (cache);
}

/* A language only the user has (its files are the base, as for a
 * shipped one) is read back like any other. */
static void
test_user_language (void)
{
  g_autofree char *cache = test_make_dir (FALSE);
  g_autofree char *user = test_make_dir (FALSE);
  static const char *const kinds[] = { "language", "lexicon", "cues", "replies" };
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *text = test_read_shipped (kinds[i]);
      g_auto (GStrv) parts = g_strsplit (text, "\"lang\": \"en\"", 2);
      g_assert_cmpuint (g_strv_length (parts), ==, 2);
      g_autofree char *xx = g_strjoinv ("\"lang\": \"xx\"", parts);
      test_write_pack_file (user, "xx", kinds[i], xx);
    }
  GError *err = NULL;
  for (guint round = 0; round < 2; round++)
    {
      TactEngine *e = tact_engine_new_cached (TACT_TEST_DATADIR, user, cache, &err);
      g_assert_no_error (err);
      g_assert_cmpuint (g_strv_length ((char **) tact_engine_languages (e)), ==, 2);
      /* compiled the first time, both read back the second */
      g_assert_cmpuint (tact_engine_load_from_cache (e), ==, 2 * round);
      tact_engine_free (e);
    }
  test_rm_rf (cache);
  test_rm_rf (user);
}

/* A damaged snapshot (truncated, extended, a flipped bit anywhere, another
 * file altogether) is compiled over, and the answers do not change. */
static void
test_damaged (void)
{
  g_autoptr (GPtrArray) texts = corpus (9);
  g_autofree char *cache = test_make_dir (FALSE);
  GError *err = NULL;
  TactEngine *e = tact_engine_new_cached (TACT_TEST_DATADIR, NULL, cache, &err);
  g_assert_no_error (err);
  g_autofree char *want = transcript (e, texts);
  tact_engine_free (e);
  g_autofree char *snap = snapshot_path (cache);
  gsize len = 0;
  guint64 key;
  g_autofree guint8 *good = snapshot_bytes (cache, &len, &key);

  struct { gsize keep; gsize flip; } cases[] = {
    { 0, G_MAXSIZE }, { 10, G_MAXSIZE }, { 48, G_MAXSIZE }, { len / 2, G_MAXSIZE }, { len - 1, G_MAXSIZE },
    { len, 0 }, { len, 9 }, { len, 20 }, { len, 30 }, { len, 45 }, { len, 48 }, { len, len / 3 }, { len, len - 1 },
    { len + 1, G_MAXSIZE },
  };
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree guint8 *bad = g_malloc0 (cases[c].keep + 1);
      memcpy (bad, good, MIN (cases[c].keep, len));
      if (cases[c].flip != G_MAXSIZE)
        bad[cases[c].flip] ^= 0x10;
      g_file_set_contents (snap, (const char *) bad, (gssize) cases[c].keep, &err);
      g_assert_no_error (err);
      e = tact_engine_new_cached (TACT_TEST_DATADIR, NULL, cache, &err);
      g_assert_no_error (err);
      if (tact_engine_load_from_cache (e) != 0)
        g_error ("case %u (%zu bytes, bit at %zu): a damaged snapshot was used", c, cases[c].keep, cases[c].flip);
      g_autofree char *got = transcript (e, texts);
      g_assert_cmpstr (got, ==, want);
      tact_engine_free (e);
      /* and it was compiled over: the next start reads it again */
      e = tact_engine_new_cached (TACT_TEST_DATADIR, NULL, cache, &err);
      g_assert_cmpuint (tact_engine_load_from_cache (e), ==, 1);
      tact_engine_free (e);
    }
  test_rm_rf (cache);
}

/* Analyses @texts with @pack alone, as the engine would. */
static void
analyse_with (TactPack *pack, TactEmoticons *emo, GPtrArray *texts)
{
  TactScratch s;
  tact_scratch_init (&s);
  for (guint i = 0; i < texts->len; i++)
    {
      TactAnalysis a;
      memset (&a, 0, sizeof a);
      a.primary = TACT_LABEL_NEUTRAL;
      a.ref_count = 1;
      tact_text_scan (&s.text, g_ptr_array_index (texts, i), -1, emo);
      tact_analyze_run (&s, pack, &a);
      g_assert_cmpuint (a.n_labels, <=, TACT_LABEL_COUNT);
      g_assert_cmpint (a.primary, <, TACT_LABEL_COUNT);
      for (guint k = 0; k < a.n_labels; k++)
        {
          g_free (a.labels[k].evidence);
          g_free (a.labels[k].facet);
        }
    }
  tact_scratch_clear (&s);
}

/* A snapshot forged to pass its checksum (a byte changed, the hash
 * recomputed) is either refused by the reader's own checks or, when the
 * change is harmless to memory (a weight, a filter bit), analyses every
 * message without reading outside its tables.  Run under ASan, this is the
 * test that the checks cover every index the matcher follows. */
static void
test_forged (Shipped *s, gconstpointer data)
{
  (void) data;
  g_autoptr (GPtrArray) texts = corpus (25);
  GError *err = NULL;
  g_autofree char *snap = snapshot_path (s->cache);
  const guint8 *good = s->bytes;
  gsize len = s->len;
  guint64 key = s->key;
  analyse_with (s->pack, &s->emo, texts);
  g_clear_pointer (&s->pack, tact_pack_free);

  TactPack *pack;
  g_autofree guint8 *bad = g_malloc (len);
  guint refused = 0, taken = 0;
  GRand *rand = g_rand_new_with_seed (20261203);
  for (guint trial = 0; trial < 400; trial++)
    {
      memcpy (bad, good, len);
      /* one byte of the payload, changed a little (an index off by one
       * or two) or a lot (an index far out of range) */
      gsize at = 48 + (gsize) g_rand_int_range (rand, 0, (gint32) (len - 48));
      static const guint8 deltas[] = { 0x01, 0x02, 0x80, 0xff };
      bad[at] ^= deltas[trial % G_N_ELEMENTS (deltas)];
      g_assert_true (tact_snapshot_reseal (bad, len));
      g_file_set_contents (snap, (const char *) bad, (gssize) len, &err);
      g_assert_no_error (err);
      TactEmoticons emo = emoticons_new ();
      pack = tact_snapshot_read (snap, key, "en", &emo, &err);
      if (pack)
        {
          taken++;
          analyse_with (pack, &emo, texts);
          tact_pack_free (pack);
        }
      else
        {
          refused++;
          g_assert_error (err, TACT_ERROR, TACT_ERROR_IO);
          g_assert_nonnull (strstr (err->message, "inconsistent"));
          g_clear_error (&err);
        }
      g_hash_table_unref (emo.set);
    }
  g_rand_free (rand);
  g_test_message ("forged snapshots: %u refused, %u taken and analysed", refused, taken);
  /* both branches ran: the trial is neither all refused nor all taken */
  g_assert_cmpuint (refused, >, 0);
  g_assert_cmpuint (taken, >, 0);
}

/* Reads the snapshot of the shipped pack written into @cache, lets @edit
 * change it, writes it back under the same key with the real writer (a
 * forgery no checksum can tell) and reads it again: NULL if refused. */
static TactPack *
reread_edited (const char *cache, void (*edit) (TactPack *pack), GError **error)
{
  gsize len = 0;
  guint64 key;
  g_autofree guint8 *buf = NULL;
  TactEmoticons emo = emoticons_new ();
  TactPack *pack = read_back (cache, &emo, &buf, &len, &key);
  edit (pack);
  g_autofree char *forged = g_build_filename (cache, "forged.pack", NULL);
  g_assert_true (tact_snapshot_write (pack, key, forged, NULL));
  tact_pack_free (pack);
  pack = tact_snapshot_read (forged, key, "en", &emo, error);
  g_hash_table_unref (emo.set);
  return pack;
}

/* "u" expands to 300 words: more than the analyser makes room for */
static void
edit_long_shorthand (TactPack *pack)
{
  guint32 u = tact_pack_lookup (pack, "u", 1, FALSE);
  g_assert_cmpuint (u, !=, TACT_DICT_NONE);
  guint32 you = g_array_index (pack->expand_ids, guint32, pack->words[u].expand);
  pack->words[u].expand = pack->expand_ids->len;
  pack->words[u].n_expand = 300;
  for (guint i = 0; i < 300; i++)
    g_array_append_val (pack->expand_ids, you);
}

/* no reply for a label: suggesting a second label would read nothing */
static void
edit_no_templates (TactPack *pack)
{
  g_ptr_array_set_size (pack->replies.templates[TACT_LABEL_ABUSIVE], 0);
}

static void
edit_nothing (TactPack *pack)
{
}

/* numbers out of the validator's bounds: each made the polarity or a
 * score NaN, and the JSON line unreadable (found by tests/fuzz) */
static void
edit_nan_valence (TactPack *pack)
{
  guint32 w = tact_pack_lookup (pack, "great", 5, FALSE);
  g_assert_cmpuint (w, !=, TACT_DICT_NONE);
  pack->words[w].valence = NAN;
}

static void
edit_huge_boost (TactPack *pack)
{
  guint32 w = tact_pack_lookup (pack, "very", 4, FALSE);
  g_assert_cmpuint (w, !=, TACT_DICT_NONE);
  pack->words[w].boost = 1e30f;
}

static void
edit_cue_weight (TactPack *pack)
{
  g_array_index (pack->cues, TactCue, 0).weight = INFINITY;
}

static void
edit_judge_weight (TactPack *pack)
{
  pack->judge.rows[pack->judge.n_rows / 2 * TACT_JUDGE_ROW + 7] = NAN;
}

static void
edit_judge_threshold (TactPack *pack)
{
  pack->judge.min_logit[TACT_LABEL_OPT_OUT] = -INFINITY;
}

/* a block of gaps that claims more gaps than the snapshot has: the
 * matcher would read past the array */
static void
edit_gap_block_count (TactPack *pack)
{
  TactGap *head = &g_array_index (pack->au.gaps, TactGap, 0);
  g_assert_cmpuint (head->child, ==, G_MAXUINT32);
  head->n = pack->au.gaps->len;
}

/* a node whose gaps start inside a block, not at its header: the matcher
 * would take a gap for a header.  Not a root child, whose copy of the
 * node record is checked on its own */
static void
edit_gap_not_header (TactPack *pack)
{
  TactAutomaton *au = &pack->au;
  g_autoptr (GHashTable) roots = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < pack->root_children->len; i++)
    g_hash_table_add (roots, GUINT_TO_POINTER (g_array_index (pack->root_children, TactRootChild, i).node));
  for (guint32 v = TACT_ROOT_MESSAGE + 1; v < au->n_nodes; v++)
    if (au->nodes[v].gap_first != G_MAXUINT32 && !g_hash_table_contains (roots, GUINT_TO_POINTER (v)))
      {
        au->nodes[v].gap_first++;
        return;
      }
  g_assert_not_reached ();
}

/* a default with a placeholder: refused when compiling, but a snapshot is
 * checked only for what memory and the numbers need */
static void
edit_default_placeholder (TactPack *pack)
{
  g_free (pack->replies.defaults[TACT_VAR_PRODUCT]);
  pack->replies.defaults[TACT_VAR_PRODUCT] = g_strdup ("our {first_name} product");
}

/* Forgeries written by the real writer, so the checksum holds: what the
 * compiler guarantees and the analyser relies on is checked on reading. */
static void
test_forged_consistent (void)
{
  g_autofree char *cache = test_make_dir (FALSE);
  GError *err = NULL;
  write_shipped (cache);

  TactPack *pack = reread_edited (cache, edit_nothing, &err);
  g_assert_no_error (err);
  g_assert_nonnull (pack);
  tact_pack_free (pack);

  /* taken, and still no placeholder reaches a reply: a default's braces
   * are inserted as brackets */
  pack = reread_edited (cache, edit_default_placeholder, &err);
  g_assert_no_error (err);
  g_assert_nonnull (pack);
  TactContext ctx = { "Maria", "Sam", "Acme", NULL, NULL, FALSE };
  g_autofree char *r = tact_render_template (pack, "We make {product}.", &ctx, NULL);
  g_assert_cmpstr (r, ==, "We make our (first_name) product.");
  tact_pack_free (pack);

  void (*edits[]) (TactPack *) = { edit_long_shorthand, edit_no_templates, edit_nan_valence, edit_huge_boost,
                                   edit_cue_weight, edit_judge_weight, edit_judge_threshold,
                                   edit_gap_block_count, edit_gap_not_header };
  for (guint i = 0; i < G_N_ELEMENTS (edits); i++)
    {
      pack = reread_edited (cache, edits[i], &err);
      g_assert_null (pack);
      g_assert_error (err, TACT_ERROR, TACT_ERROR_IO);
      g_assert_nonnull (strstr (err->message, "inconsistent"));
      g_clear_error (&err);
    }
  test_rm_rf (cache);
}

/* A user judge of biases alone (no word weights) is kept and read back
 * like any other. */
static void
test_judge_without_features (void)
{
  g_autofree char *cache = test_make_dir (FALSE);
  g_autofree char *user = test_make_dir (FALSE);
  test_write_pack_file (user, "en", "judge",
                        "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"judge\", \"lang\": \"en\",\n"
                        "  \"threshold\": 0.5, \"entries\": { \"praise\": -4.0 } }\n");
  GError *err = NULL;
  for (guint round = 0; round < 2; round++)
    {
      TactEngine *e = tact_engine_new_cached (TACT_TEST_DATADIR, user, cache, &err);
      g_assert_no_error (err);
      g_assert_cmpuint (tact_engine_load_from_cache (e), ==, round);
      g_assert_cmpint (test_primary_of (e, "please stop messaging me"), ==, TACT_LABEL_OPT_OUT);
      tact_engine_free (e);
    }
  test_rm_rf (cache);
  test_rm_rf (user);
}

/* A cache that cannot be written (its directory is a file) is no error:
 * the packs are compiled and the engine works. */
static void
test_unwritable (void)
{
  g_autofree char *dir = test_make_dir (FALSE);
  g_autofree char *file = g_build_filename (dir, "file", NULL);
  g_file_set_contents (file, "x", 1, NULL);
  g_autofree char *cache = g_build_filename (file, "cache", NULL);
  GError *err = NULL;
  for (guint round = 0; round < 2; round++)
    {
      TactEngine *e = tact_engine_new_cached (TACT_TEST_DATADIR, NULL, cache, &err);
      g_assert_no_error (err);
      g_assert_cmpuint (tact_engine_load_from_cache (e), ==, 0);
      g_assert_cmpint (test_primary_of (e, "please stop messaging me"), ==, TACT_LABEL_OPT_OUT);
      tact_engine_free (e);
    }
  test_rm_rf (dir);
}

/* The hash fed in slices of any sizes, and read from a file a slice at a
 * time, equals the hash of the whole: the snapshot's key is made one way
 * when compiling (the documents in memory) and the other when reading. */
static void
test_hash_slices (void)
{
  GRand *rand = g_rand_new_with_seed (20261203);
  static const gsize lengths[] = { 0, 1, 7, 8, 31, 32, 33, 63, 64, 65, 100, 1000, 200003 };
  g_autofree char *dir = test_make_dir (FALSE);
  g_autofree char *file = g_build_filename (dir, "bytes", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      gsize len = lengths[i];
      g_autofree guchar *data = g_malloc (len + 1);
      for (gsize k = 0; k < len; k++)
        data[k] = (guchar) g_rand_int (rand);
      guint64 whole = tact_snapshot_hash (TACT_SNAPSHOT_HASH_SEED, data, len);
      for (guint trial = 0; trial < 20; trial++)
        {
          TactHasher s;
          tact_hasher_init (&s, TACT_SNAPSHOT_HASH_SEED, len);
          gsize at = 0;
          while (at < len)
            {
              /* mostly short slices, so that the carry is crossed often */
              gsize n = (gsize) g_rand_int_range (rand, 0, trial % 2 ? 70 : 5000);
              n = MIN (n, len - at);
              tact_hasher_feed (&s, data + at, n);
              at += n;
            }
          g_assert_cmphex (tact_hasher_end (&s), ==, whole);
        }
      g_assert_true (g_file_set_contents (file, (const char *) data, (gssize) len, NULL));
      guint64 h = TACT_SNAPSHOT_HASH_SEED;
      g_assert_true (tact_snapshot_hash_file (&h, file));
      g_assert_cmphex (h, ==, whole);
      /* and it tells a change anywhere */
      if (len)
        {
          data[g_rand_int_range (rand, 0, (gint32) len)] ^= 0x40;
          g_assert_cmphex (tact_snapshot_hash (TACT_SNAPSHOT_HASH_SEED, data, len), !=, whole);
        }
    }
  guint64 h = 42;
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_assert_false (tact_snapshot_hash_file (&h, missing));
  g_assert_false (tact_snapshot_hash_file (&h, dir));
  g_assert_cmpuint (h, ==, 42);
  g_rand_free (rand);
  test_rm_rf (dir);
}

/* A word's filters have the bit of each of its symbols (the word, its
 * classes) that an edge past the root steps on, and no other: a missing
 * bit would drop a match under way, and a bit of a symbol no such edge
 * steps on only keeps states that cannot move (the words of the lexicon
 * and the judge, most of a message).  Checked on the compiled filters as
 * the snapshot keeps them. */
static void
test_word_filter (Shipped *s, gconstpointer data)
{
  (void) data;
  const TactPack *pack = s->pack;
  const TactAutomaton *au = &pack->au;

  g_autoptr (GHashTable) stepped = g_hash_table_new (NULL, NULL);
  for (guint32 e = au->nodes[0].hi; e < au->n_edges; e++)
    g_hash_table_add (stepped, GUINT_TO_POINTER ((guint32) (au->csr_edges[e] >> 32)));
  g_assert_cmpuint (g_hash_table_size (stepped), >, 100);

  guint bare = 0;
  for (guint32 w = 0; w < pack->dict.n; w++)
    {
      const TactWordInfo *wi = &pack->words[w];
      guint64 want = 0, want2 = 0;
      if (g_hash_table_contains (stepped, GUINT_TO_POINTER (w)))
        {
          want |= tact_automaton_sym_bit (w);
          want2 |= tact_automaton_sym_bit2 (w);
        }
      for (guint k = 0; k < MIN (wi->n_classes, TACT_MAX_WORD_CLASSES); k++)
        {
          guint32 sym = g_array_index (pack->class_refs, guint32, wi->classes + k);
          if (g_hash_table_contains (stepped, GUINT_TO_POINTER (sym)))
            {
              want |= tact_automaton_sym_bit (sym);
              want2 |= tact_automaton_sym_bit2 (sym);
            }
        }
      /* two per word: one for each hash of the node filters */
      g_assert_cmphex (pack->word_bloom[2 * (gsize) w], ==, want);
      g_assert_cmphex (pack->word_bloom[2 * (gsize) w + 1], ==, want2);
      bare += want == 0;
    }
  /* most of the dictionary is the lexicon's and the judge's */
  g_assert_cmpuint (bare, >, pack->dict.n / 2);
}

/* Every node's gaps are one block (see TactGap), read back from the
 * snapshot with the filters the matcher prunes by: each gap's are its
 * child's, the header's their union, and its widest gap theirs.  A bit
 * missing from a header would drop gap children that could match. */
static void
test_gap_blocks (Shipped *s, gconstpointer data)
{
  (void) data;
  const TactAutomaton *au = &s->pack->au;
  g_autofree guint8 *owned = g_new0 (guint8, au->gaps->len);
  guint blocks = 0, gaps = 0;
  for (guint32 v = 0; v < au->n_nodes; v++)
    {
      if (au->nodes[v].gap_first == G_MAXUINT32)
        continue;
      guint32 h = au->nodes[v].gap_first;
      const TactGap *head = &g_array_index (au->gaps, TactGap, h);
      g_assert_cmpuint (head->child, ==, G_MAXUINT32);
      g_assert_cmpuint (head->n, >, 0);
      g_assert_cmpuint (h + head->n, <, au->gaps->len);
      guint64 b1 = 0, b2 = 0;
      guint8 widest = 0;
      for (guint32 k = 1; k <= head->n; k++)
        {
          const TactGap *g = head + k;
          g_assert_cmpuint (g->child, <, au->n_nodes);
          g_assert_cmphex (g->bloom, ==, au->nodes[g->child].bloom);
          g_assert_cmphex (g->bloom2, ==, au->nodes[g->child].bloom2);
          /* wider than "*8" where two gaps meet round an optional element */
          g_assert_cmpuint (g->max, >=, 1);
          b1 |= g->bloom;
          b2 |= g->bloom2;
          widest = MAX (widest, g->max);
          owned[h + k]++;
          gaps++;
        }
      g_assert_cmphex (head->bloom, ==, b1);
      g_assert_cmphex (head->bloom2, ==, b2);
      g_assert_cmpuint (head->max, ==, widest);
      owned[h]++;
      blocks++;
    }
  /* no block is shared or left over, and the shipped patterns have gaps */
  for (guint i = 0; i < au->gaps->len; i++)
    g_assert_cmpuint (owned[i], ==, 1);
  g_assert_cmpuint (blocks, >, 100);
  g_assert_cmpuint (gaps, >, blocks);
}

/* The large tables of a pack read back lie in the snapshot's own block,
 * on the alignment the matcher and the judge were laid out for (a
 * judge row or a word record on one cache line, 64-bit words on 8). */
static void
test_in_place (Shipped *s, gconstpointer data)
{
  (void) data;
  const TactPack *pack = s->pack;
  g_assert_nonnull (pack->snapshot);
  const guint8 *lo = pack->snapshot, *hi = lo + s->len + 64;
  struct { gconstpointer p; guintptr align; } tables[] = {
    { pack->words, 64 }, { pack->judge.rows, 64 }, { pack->dict.keys, 8 }, { pack->dict.hashes, 8 },
    { pack->word_bloom, 8 }, { pack->au.nodes, 8 }, { pack->au.csr_edges, 8 }, { pack->au.root_lo, 8 },
    { pack->judge.pkeys, 8 }, { pack->judge.prow, 8 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      const guint8 *p = tables[i].p;
      g_assert_true (p >= lo && p < hi);
      g_assert_cmpuint ((guintptr) p % tables[i].align, ==, 0);
    }
}

/* A write that fails half-way (a full disk; here a file-size limit, which
 * fails the same write() calls) is an error naming the snapshot, and
 * leaves neither a snapshot nor a temporary file behind. */
static void
test_write_fails (Shipped *s, gconstpointer data)
{
  (void) data;
  GError *err = NULL;
  guint64 key = s->key;

  g_autofree char *dir = g_build_filename (s->cache, "full", NULL);
  g_autofree char *target = g_build_filename (dir, "en.pack", NULL);
  struct rlimit old;
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &old), ==, 0);
  void (*old_handler) (int) = signal (SIGXFSZ, SIG_IGN);
  /* the header fits, the tables do not */
  struct rlimit small = { 100 * 1024, old.rlim_max };
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &small), ==, 0);
  gboolean ok = tact_snapshot_write (s->pack, key, target, &err);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &old), ==, 0);
  signal (SIGXFSZ, old_handler);
  g_assert_false (ok);
  g_assert_error (err, TACT_ERROR, TACT_ERROR_IO);
  g_assert_nonnull (strstr (err->message, target));
  g_clear_error (&err);
  g_autoptr (GDir) d = g_dir_open (dir, 0, &err);
  g_assert_no_error (err);
  g_assert_null (g_dir_read_name (d));

  /* with room again, the same pack is written whole and reads back */
  g_assert_true (tact_snapshot_write (s->pack, key, target, &err));
  g_assert_no_error (err);
  g_clear_pointer (&s->pack, tact_pack_free);
  s->pack = tact_snapshot_read (target, key, "en", &s->emo, &err);
  g_assert_no_error (err);
  g_assert_nonnull (s->pack);
}

/* A forged count (the dictionary arena's, rewritten to nearly 4 G and the
 * checksum recomputed) is refused without sizing anything by it: run in a
 * child whose address space is capped at 1 GiB, where an allocation of
 * that size aborts.  (Not under ASan, whose shadow memory needs far more
 * address space than any cap that would tell.) */
static void
test_forged_count (void)
{
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }
  g_autofree char *cache = test_make_dir (FALSE);
  GError *err = NULL;
  write_shipped (cache);
  g_autofree char *snap = snapshot_path (cache);
  gsize len = 0;
  guint64 key;
  g_autofree guint8 *bytes = NULL;
  TactEmoticons emo = emoticons_new ();
  TactPack *pack = read_back (cache, &emo, &bytes, &len, &key);
  /* the arena's count is the four bytes before its first key */
  guint32 arena_len = (guint32) pack->dict.arena->len;
  guint8 probe[4 + 16];
  memcpy (probe, &arena_len, 4);
  memcpy (probe + 4, pack->dict.arena->str, 16);
  tact_pack_free (pack);
  guint8 *at = NULL;
  for (gsize i = 48; i + sizeof probe <= len && !at; i++)
    if (memcmp (bytes + i, probe, sizeof probe) == 0)
      at = bytes + i;
  g_assert_nonnull (at);
  guint32 forged = 0xF0000000u;
  memcpy (at, &forged, 4);
  g_assert_true (tact_snapshot_reseal (bytes, len));
  g_file_set_contents (snap, (const char *) bytes, (gssize) len, &err);
  g_assert_no_error (err);
#ifndef __SANITIZE_ADDRESS__
  struct rlimit cap = { 1024u << 20, 1024u << 20 };
  g_assert_cmpint (setrlimit (RLIMIT_AS, &cap), ==, 0);
#endif
  pack = tact_snapshot_read (snap, key, "en", &emo, &err);
  g_assert_null (pack);
  g_assert_error (err, TACT_ERROR, TACT_ERROR_IO);
  g_assert_nonnull (strstr (err->message, "inconsistent"));
  g_clear_error (&err);
  g_hash_table_unref (emo.set);
  test_rm_rf (cache);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/snapshot/round-trip", test_round_trip);
  g_test_add_func ("/snapshot/stale", test_stale);
  g_test_add_func ("/snapshot/configurations", test_configurations);
  g_test_add_func ("/snapshot/prune", test_prune);
  g_test_add_func ("/snapshot/user-language", test_user_language);
  g_test_add_func ("/snapshot/damaged", test_damaged);
  g_test_add ("/snapshot/forged", Shipped, NULL, shipped_setup, test_forged, shipped_teardown);
  g_test_add_func ("/snapshot/forged-consistent", test_forged_consistent);
  g_test_add_func ("/snapshot/judge-without-features", test_judge_without_features);
  g_test_add_func ("/snapshot/unwritable", test_unwritable);
  g_test_add_func ("/snapshot/hash-slices", test_hash_slices);
  g_test_add ("/snapshot/in-place", Shipped, NULL, shipped_setup, test_in_place, shipped_teardown);
  g_test_add ("/snapshot/word-filter", Shipped, NULL, shipped_setup, test_word_filter, shipped_teardown);
  g_test_add ("/snapshot/gap-blocks", Shipped, NULL, shipped_setup, test_gap_blocks, shipped_teardown);
  g_test_add ("/snapshot/write-fails", Shipped, NULL, shipped_setup, test_write_fails, shipped_teardown);
  g_test_add_func ("/snapshot/forged-count", test_forged_count);
  return g_test_run ();
}
