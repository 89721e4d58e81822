/* Unit tests of the tokeniser (tact-text.c).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "tact-text.h"
#include "tact-dict.h"

#include <string.h>

typedef struct {
  TactText      t;
  TactEmoticons emo;
} Fixture;

static void
fx_setup (Fixture *f, gconstpointer data)
{
  tact_text_init (&f->t);
  f->emo.set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  static const char *const emos[] = { ":)", ":-(", "<3", ":d", "xd", ":'(" };
  for (guint i = 0; i < G_N_ELEMENTS (emos); i++)
    {
      g_hash_table_add (f->emo.set, g_strdup (emos[i]));
      f->emo.max_len = MAX (f->emo.max_len, (guint) strlen (emos[i]));
      f->emo.first[(guchar) emos[i][0]] = 1;
    }
}

static void
fx_teardown (Fixture *f, gconstpointer data)
{
  tact_text_clear (&f->t);
  g_hash_table_unref (f->emo.set);
}

/* The normalised forms of all tokens, joined by "|". New. */
static char *
norms (const TactText *t)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < t->n_toks; i++)
    {
      if (i)
        g_string_append_c (s, '|');
      g_string_append (s, tact_text_norm (t, i));
    }
  return g_string_free (s, FALSE);
}

static void
scan (Fixture *f, const char *s)
{
  tact_text_scan (&f->t, s, -1, &f->emo);
}

/* Index of the first token whose norm is @n, or -1. */
static int
find_tok (const TactText *t, const char *n)
{
  for (guint i = 0; i < t->n_toks; i++)
    if (strcmp (tact_text_norm (t, i), n) == 0)
      return (int) i;
  return -1;
}

static void
assert_norms (Fixture *f, const char *in, const char *expected)
{
  scan (f, in);
  g_autofree char *got = norms (&f->t);
  g_assert_cmpstr (got, ==, expected);
}

static void
test_words (Fixture *f, gconstpointer data)
{
  assert_norms (f, "Hello there, World", "hello|there|world");
  g_assert_cmpuint (f->t.n_toks, ==, 3);
  g_assert_cmpint (f->t.toks[0].kind, ==, TACT_TOK_WORD);
  /* spans point into the analysed text */
  g_assert_cmpuint (f->t.toks[2].start, ==, 13);
  g_assert_cmpuint (f->t.toks[2].end, ==, 18);
  g_assert_cmpuint (f->t.n_words, ==, 3);
  assert_norms (f, "   \t\n  ", "");
  assert_norms (f, "NFKC: ｓｔｏｐ ﬁne", "nfkc|stop|fine");
  assert_norms (f, "Ça VA Bien", "ça|va|bien");
}

static void
test_apostrophes (Fixture *f, gconstpointer data)
{
  assert_norms (f, "Don't stop", "don't|stop");
  /* typographic apostrophes become the straight one */
  assert_norms (f, "Don\xE2\x80\x99t stop", "don't|stop");
  assert_norms (f, "I\xE2\x80\x98m here", "i'm|here");
  /* a quote around a word is not part of it */
  assert_norms (f, "'quoted' \xE2\x80\x98word\xE2\x80\x99", "quoted|word");
}

static void
test_hyphens (Fixture *f, gconstpointer data)
{
  assert_norms (f, "a follow-up e-mail", "a|follow-up|e-mail");
  /* a dash between spaces, or trailing, is not a word */
  assert_norms (f, "yes - no -", "yes|no");
}

static void
test_numbers (Fixture *f, gconstpointer data)
{
  scan (f, "it costs $5.99 or 1,200 at 10:30");
  int i = find_tok (&f->t, "5.99");
  g_assert_cmpint (i, >=, 0);
  g_assert_cmpint (f->t.toks[i].kind, ==, TACT_TOK_NUM);
  i = find_tok (&f->t, "1,200");
  g_assert_cmpint (i, >=, 0);
  g_assert_cmpint (f->t.toks[i].kind, ==, TACT_TOK_NUM);
  i = find_tok (&f->t, "10:30");
  g_assert_cmpint (i, >=, 0);
  g_assert_cmpint (f->t.toks[i].kind, ==, TACT_TOK_NUM);
  /* "1000" is a number, not elongated */
  scan (f, "1000");
  g_assert_cmpuint (f->t.n_toks, ==, 1);
  g_assert_cmpint (f->t.toks[0].kind, ==, TACT_TOK_NUM);
  g_assert_false (f->t.toks[0].flags & TACT_TOKF_ELONGATED);
  /* a sentence end after a number stays a sentence end */
  assert_norms (f, "call 5. ok", "call|5|ok");
}

static void
test_urls (Fixture *f, gconstpointer data)
{
  scan (f, "see https://example.com/a?b=1&c=2 and www.example.org/x then");
  g_assert_cmpuint (f->t.n_toks, ==, 5);
  g_assert_cmpint (f->t.toks[1].kind, ==, TACT_TOK_URL);
  g_assert_cmpstr (tact_text_norm (&f->t, 1), ==, "#url");
  g_assert_cmpint (f->t.toks[3].kind, ==, TACT_TOK_URL);
  g_assert_cmpstr (tact_text_norm (&f->t, 4), ==, "then");
  /* the span covers the whole link */
  g_assert_cmpuint (f->t.toks[1].end - f->t.toks[1].start, ==, strlen ("https://example.com/a?b=1&c=2"));
  scan (f, "HTTP://EXAMPLE.COM");
  g_assert_cmpuint (f->t.n_toks, ==, 1);
  g_assert_cmpint (f->t.toks[0].kind, ==, TACT_TOK_URL);
}

static void
test_mentions_hashtags (Fixture *f, gconstpointer data)
{
  scan (f, "@maria_l.x thanks #Blessed");
  g_assert_cmpuint (f->t.n_toks, ==, 3);
  g_assert_cmpint (f->t.toks[0].kind, ==, TACT_TOK_MENTION);
  g_assert_cmpstr (tact_text_norm (&f->t, 0), ==, "#mention");
  g_assert_cmpuint (f->t.toks[0].end, ==, strlen ("@maria_l.x"));
  g_assert_cmpint (f->t.toks[2].kind, ==, TACT_TOK_WORD);
  g_assert_cmpstr (tact_text_norm (&f->t, 2), ==, "blessed");
  g_assert_true (f->t.toks[2].flags & TACT_TOKF_HASHTAG);
  g_assert_false (f->t.toks[1].flags & TACT_TOKF_HASHTAG);
  /* a lone @ or # is not a token */
  assert_norms (f, "me @ home # 1", "me|home|1");
}

static void
test_emoji (Fixture *f, gconstpointer data)
{
  /* skin tone, VS16 and ZWJ sequences are one token each, normalised to the base */
  scan (f, "great \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD love \xE2\x9D\xA4\xEF\xB8\x8F fam "
           "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7 end");
  g_autofree char *n = norms (&f->t);
  g_assert_cmpstr (n, ==, "great|\xF0\x9F\x91\x8D|love|\xE2\x9D\xA4|fam|\xF0\x9F\x91\xA8|end");
  g_assert_cmpint (f->t.toks[1].kind, ==, TACT_TOK_EMOJI);
  g_assert_cmpint (f->t.toks[3].kind, ==, TACT_TOK_EMOJI);
  g_assert_cmpint (f->t.toks[5].kind, ==, TACT_TOK_EMOJI);
  /* the span keeps the whole sequence */
  g_assert_cmpuint (f->t.toks[1].end - f->t.toks[1].start, ==, 8);
  g_assert_cmpuint (f->t.toks[5].end - f->t.toks[5].start, ==, 18);
  /* emoji glued to words split from them */
  assert_norms (f, "thanks\xF0\x9F\x98\x8A\xF0\x9F\x98\x8A", "thanks|\xF0\x9F\x98\x8A|\xF0\x9F\x98\x8A");
}

static void
test_emoticons (Fixture *f, gconstpointer data)
{
  scan (f, "thanks :) <3 :-( xD :'(");
  g_autofree char *n = norms (&f->t);
  g_assert_cmpstr (n, ==, "thanks|:)|<3|:-(|xd|:'(");
  for (guint i = 1; i < f->t.n_toks; i++)
    g_assert_cmpint (f->t.toks[i].kind, ==, TACT_TOK_EMOTICON);
  /* not inside words or links */
  assert_norms (f, "xDrive", "xdrive");
  scan (f, "see https://a.b/:) now");
  g_assert_cmpint (find_tok (&f->t, ":)"), <, 0);
  /* without a set nothing is an emoticon */
  tact_text_scan (&f->t, "ok :)", -1, NULL);
  g_assert_cmpint (find_tok (&f->t, ":)"), <, 0);
}

static void
test_flags (Fixture *f, gconstpointer data)
{
  scan (f, "STOP it I said, NOW. ok");
  g_assert_cmpuint (f->t.n_toks, ==, 6);
  g_assert_true (f->t.toks[0].flags & TACT_TOKF_ALLCAPS);
  g_assert_true (f->t.toks[0].flags & TACT_TOKF_CLAUSE);   /* first token */
  g_assert_false (f->t.toks[1].flags & TACT_TOKF_ALLCAPS);
  g_assert_false (f->t.toks[1].flags & TACT_TOKF_CLAUSE);
  g_assert_false (f->t.toks[2].flags & TACT_TOKF_ALLCAPS); /* one letter */
  g_assert_true (f->t.toks[2].flags & TACT_TOKF_HAS_UPPER);
  g_assert_true (f->t.toks[4].flags & TACT_TOKF_CLAUSE);   /* after "," */
  g_assert_true (f->t.toks[4].flags & TACT_TOKF_ALLCAPS);
  g_assert_true (f->t.toks[5].flags & TACT_TOKF_CLAUSE);   /* after "." */
  g_assert_false (f->t.toks[5].flags & TACT_TOKF_HAS_UPPER);
  g_assert_cmpuint (f->t.n_upper_words, ==, 2);
  g_assert_cmpuint (f->t.n_words, ==, 6);
  /* a line break ends a clause too */
  scan (f, "hi\nthere");
  g_assert_true (f->t.toks[1].flags & TACT_TOKF_CLAUSE);
  /* an emoji or emoticon then a capital: a new sentence; then a
   * lower-case word: the same one */
  scan (f, "take me off \xF0\x9F\x99\x8F Your texts :) Thanks \xF0\x9F\x98\x82 so funny");
  g_assert_cmpuint (f->t.n_toks, ==, 11);
  g_assert_cmpint (f->t.toks[3].kind, ==, TACT_TOK_EMOJI);
  g_assert_false (f->t.toks[3].flags & TACT_TOKF_CLAUSE);
  g_assert_true (f->t.toks[4].flags & TACT_TOKF_CLAUSE);    /* "Your" */
  g_assert_false (f->t.toks[5].flags & TACT_TOKF_CLAUSE);
  g_assert_true (f->t.toks[7].flags & TACT_TOKF_CLAUSE);    /* "Thanks" after ":)" */
  g_assert_false (f->t.toks[9].flags & TACT_TOKF_CLAUSE);   /* "so" */
  scan (f, "\xF0\x9F\x98\x82 \xC3\x89t\xC3\xA9 ok");              /* "😂 Été": a non-ASCII capital */
  g_assert_true (f->t.toks[1].flags & TACT_TOKF_CLAUSE);
  /* non-ASCII capitals */
  scan (f, "ÉTÉ");
  g_assert_true (f->t.toks[0].flags & TACT_TOKF_ALLCAPS);
  g_assert_cmpstr (tact_text_norm (&f->t, 0), ==, "été");
}

static void
test_punct_runs (Fixture *f, gconstpointer data)
{
  scan (f, "what?!?? no!!!");
  g_assert_cmpuint (f->t.n_toks, ==, 5);
  g_assert_cmpstr (tact_text_norm (&f->t, 1), ==, "?");
  g_assert_cmpuint (f->t.toks[1].run, ==, 3);
  g_assert_cmpstr (tact_text_norm (&f->t, 2), ==, "!");
  g_assert_cmpuint (f->t.toks[2].run, ==, 1);
  g_assert_true (f->t.toks[3].flags & TACT_TOKF_CLAUSE);
  g_assert_cmpuint (f->t.toks[4].run, ==, 3);
  g_assert_cmpint (f->t.toks[4].kind, ==, TACT_TOK_PUNCT);
  /* full-width question mark */
  assert_norms (f, "\xE4\xBD\xA0\xE5\xA5\xBD\xEF\xBC\x9F", "\xE4\xBD\xA0\xE5\xA5\xBD|?");
}

static void
test_elongation (Fixture *f, gconstpointer data)
{
  scan (f, "soooo goood pleeeease");
  g_autofree char *n = norms (&f->t);
  g_assert_cmpstr (n, ==, "soo|good|pleease");
  g_assert_true (f->t.toks[0].flags & TACT_TOKF_ELONGATED);
  g_assert_true (f->t.toks[2].flags & TACT_TOKF_ELONGATED);
  /* two of a letter is ordinary spelling */
  scan (f, "good");
  g_assert_false (f->t.toks[0].flags & TACT_TOKF_ELONGATED);
  /* non-ASCII elongation */
  scan (f, "jééééé");
  g_assert_cmpstr (tact_text_norm (&f->t, 0), ==, "jéé");
  g_assert_true (f->t.toks[0].flags & TACT_TOKF_ELONGATED);

  char out[16];
  g_assert_cmpuint (tact_text_squash_once ("soo", 3, out), ==, 2);
  g_assert_cmpstr (out, ==, "so");
  g_assert_cmpuint (tact_text_squash_once ("jéé", strlen ("jéé"), out), ==, strlen ("jé"));
  g_assert_cmpstr (out, ==, "jé");
  g_assert_cmpuint (tact_text_squash_once ("", 0, out), ==, 0);
}

/* Where a run of one two-letter syllable at a word's end starts, whatever
 * stands before it; a word that ends in no such run gives its length. */
static void
test_syllable_run (Fixture *f, gconstpointer data)
{
  (void) f;
  (void) data;
  g_assert_cmpuint (tact_text_syllable_run ("hahahahahaha", 12), ==, 0);
  g_assert_cmpuint (tact_text_syllable_run ("lolololol", 9), ==, 0);
  /* the run starts after a prefix that is not part of it */
  g_assert_cmpuint (tact_text_syllable_run ("bwahahahaha", 11), ==, 2);
  /* every word ends in a run of its last two letters, at least */
  g_assert_cmpuint (tact_text_syllable_run ("hello", 5), ==, 3);
  /* a doubled letter, one letter repeated, digits, too short: no run */
  g_assert_cmpuint (tact_text_syllable_run ("goodness", 8), ==, 8);
  g_assert_cmpuint (tact_text_syllable_run ("hahahahaa", 9), ==, 9);
  g_assert_cmpuint (tact_text_syllable_run ("aaaaaaaa", 8), ==, 8);
  g_assert_cmpuint (tact_text_syllable_run ("12121212", 8), ==, 8);
  g_assert_cmpuint (tact_text_syllable_run ("ha", 2), ==, 2);
}

static void
test_invalid_utf8 (Fixture *f, gconstpointer data)
{
  static const char bad[] = "stop\xff\xfe messaging \xC3 me \xE2\x82 now\xF0\x9F";
  tact_text_scan (&f->t, bad, sizeof bad - 1, &f->emo);
  g_assert_true (f->t.repaired);
  g_assert_true (g_utf8_validate_len (f->t.text, f->t.len, NULL));
  g_autofree char *n = norms (&f->t);
  g_assert_cmpstr (n, ==, "stop|messaging|me|now");
  /* every valid byte survived */
  g_assert_nonnull (g_strstr_len (f->t.text, (gssize) f->t.len, "stop"));
  g_assert_nonnull (g_strstr_len (f->t.text, (gssize) f->t.len, " messaging "));
  g_assert_nonnull (g_strstr_len (f->t.text, (gssize) f->t.len, "now"));
  for (guint i = 0; i < f->t.n_toks; i++)
    g_assert_true (f->t.toks[i].end <= f->t.len);

  /* only invalid bytes */
  static const char junk[] = "\x80\x81\xfe\xff\xc0\xc1";
  tact_text_scan (&f->t, junk, sizeof junk - 1, &f->emo);
  g_assert_true (g_utf8_validate_len (f->t.text, f->t.len, NULL));
  g_assert_cmpuint (f->t.n_toks, ==, 0);
  /* a valid text is not copied or flagged */
  static const char good[] = "fine";
  tact_text_scan (&f->t, good, -1, &f->emo);
  g_assert_false (f->t.repaired);
  g_assert_true (f->t.text == good);
}

static void
test_embedded_nul (Fixture *f, gconstpointer data)
{
  static const char s[] = "stop\0messaging me";
  tact_text_scan (&f->t, s, sizeof s - 1, &f->emo);
  g_autofree char *n = norms (&f->t);
  g_assert_cmpstr (n, ==, "stop|messaging|me");
  g_assert_cmpuint (strlen (f->t.text), ==, f->t.len);
}

static void
test_huge (Fixture *f, gconstpointer data)
{
  gsize len = 1024 * 1024;
  char *big = g_malloc (len + 1);
  for (gsize i = 0; i < len; i++)
    big[i] = "filler "[i % 7];
  memcpy (big, "FIRSTWORD ", 10);
  memcpy (big + len - 9, " lastword", 9);
  big[len] = '\0';
  tact_text_scan (&f->t, big, (gssize) len, &f->emo);
  g_assert_true (f->t.truncated);
  g_assert_cmpuint (f->t.len, <=, TACT_TEXT_HEAD_BYTES + TACT_TEXT_TAIL_BYTES + 64);
  g_assert_cmpuint (f->t.len, >=, TACT_TEXT_HEAD_BYTES + TACT_TEXT_TAIL_BYTES);
  g_assert_cmpstr (tact_text_norm (&f->t, 0), ==, "firstword");
  g_assert_cmpstr (tact_text_norm (&f->t, f->t.n_toks - 1), ==, "lastword");
  g_assert_true (f->t.toks[0].flags & TACT_TOKF_ALLCAPS);
  /* the seam between head and tail is a clause break */
  g_assert_cmpuint (f->t.n_toks, <, 1000);
  g_free (big);

  /* multi-byte text cut at the window edges stays valid UTF-8 */
  GString *eu = g_string_new (NULL);
  while (eu->len < len)
    g_string_append (eu, "\xE2\x82\xAC\xF0\x9F\x98\x8A ");
  tact_text_scan (&f->t, eu->str, (gssize) eu->len, &f->emo);
  g_assert_true (f->t.truncated);
  g_assert_true (g_utf8_validate_len (f->t.text, f->t.len, NULL));
  g_string_free (eu, TRUE);

  /* a short text is not windowed */
  tact_text_scan (&f->t, "short", -1, &f->emo);
  g_assert_false (f->t.truncated);
}

static void
test_empty (Fixture *f, gconstpointer data)
{
  tact_text_scan (&f->t, "", -1, &f->emo);
  g_assert_cmpuint (f->t.n_toks, ==, 0);
  g_assert_cmpuint (f->t.len, ==, 0);
  tact_text_scan (&f->t, NULL, 0, &f->emo);
  g_assert_cmpuint (f->t.n_toks, ==, 0);
  tact_text_scan (&f->t, NULL, -1, NULL);
  g_assert_cmpuint (f->t.n_toks, ==, 0);
  tact_text_scan (&f->t, "ignored", 0, &f->emo);
  g_assert_cmpuint (f->t.n_toks, ==, 0);
}

static void
test_reuse (Fixture *f, gconstpointer data)
{
  /* buffers are reused: a long scan then a short one leaves only the short tokens */
  GString *s = g_string_new (NULL);
  for (int i = 0; i < 500; i++)
    g_string_append_printf (s, "w%d ", i);
  scan (f, s->str);
  g_assert_cmpuint (f->t.n_toks, ==, 500);
  g_string_free (s, TRUE);
  assert_norms (f, "just two", "just|two");
}

static void
test_entities (Fixture *f, gconstpointer data)
{
  assert_norms (f, "I &lt;3 it &amp; you&#39;re &#x263A; great", "i|<3|it|you're|\xE2\x98\xBA|great");
  /* unknown entities are left alone */
  assert_norms (f, "&bogus; ok", "bogus|ok");
}

static void
test_normalize_phrase (Fixture *f, gconstpointer data)
{
  g_autofree char *a = tact_text_normalize_phrase ("Don\xE2\x80\x99t  STOP", NULL);
  g_assert_cmpstr (a, ==, "don't stop");
  g_autofree char *b = tact_text_normalize_phrase ("Sooooo   good!!", &f->emo);
  g_assert_cmpstr (b, ==, "soo good !");
  g_autofree char *c = tact_text_normalize_phrase ("", NULL);
  g_assert_cmpstr (c, ==, "");
  g_autofree char *d = tact_text_normalize_phrase ("<3", &f->emo);
  g_assert_cmpstr (d, ==, "<3");
}

/* The hash a token carries must be the dictionary's hash of its normal
 * form, or 0 (not computed): a stale hash would make look-ups miss. */
static void
test_token_hash (Fixture *f, gconstpointer data)
{
  scan (f, "Hello WORLD sooooo don't 5.99 caf\xc3\xa9 :) #Tag @bob http://x.y !! 12ab");
  guint hashed = 0;
  for (guint i = 0; i < f->t.n_toks; i++)
    {
      const TactToken *tok = &f->t.toks[i];
      if (tok->hash == 0)
        continue;
      hashed++;
      g_assert_cmpuint (tok->hash, ==, tact_dict_hash (tact_text_norm (&f->t, i), tok->norm_len));
      g_assert_cmpuint (tok->head, ==, tact_dict_head (tact_text_norm (&f->t, i), tok->norm_len));
    }
  /* the ASCII words at least carry one */
  g_assert_cmpuint (hashed, >=, 6);
  /* reuse of the scratch: a shorter message leaves no stale hash behind */
  scan (f, "ok");
  g_assert_cmpuint (f->t.toks[0].hash, ==, tact_dict_hash ("ok", 2));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, fn) g_test_add ("/text/" name, Fixture, NULL, fx_setup, fn, fx_teardown)
  ADD ("words", test_words);
  ADD ("apostrophes", test_apostrophes);
  ADD ("hyphens", test_hyphens);
  ADD ("numbers", test_numbers);
  ADD ("urls", test_urls);
  ADD ("mentions-hashtags", test_mentions_hashtags);
  ADD ("emoji", test_emoji);
  ADD ("emoticons", test_emoticons);
  ADD ("flags", test_flags);
  ADD ("punct-runs", test_punct_runs);
  ADD ("elongation", test_elongation);
  ADD ("syllable-run", test_syllable_run);
  ADD ("invalid-utf8", test_invalid_utf8);
  ADD ("embedded-nul", test_embedded_nul);
  ADD ("huge", test_huge);
  ADD ("empty", test_empty);
  ADD ("reuse", test_reuse);
  ADD ("entities", test_entities);
  ADD ("normalize-phrase", test_normalize_phrase);
  ADD ("token-hash", test_token_hash);
#undef ADD
  return g_test_run ();
}
