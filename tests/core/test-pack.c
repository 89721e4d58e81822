/* Unit tests of pack validation, merging and reloading (tact-pack.c and
 * the loading half of tact-engine.c).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "tact-engine.h"
#include "tact-pack.h"
#include "test-util.h"

#include <string.h>
#include <sys/stat.h>

/* A message and whether praise is its main label. */
typedef struct {
  const char *text;
  gboolean    praise;
} PraiseCase;

static void
assert_praise_cases (TactEngine *e, const PraiseCase *cases, guint n)
{
  for (guint i = 0; i < n; i++)
    if ((test_primary_of (e, cases[i].text) == TACT_LABEL_PRAISE) != cases[i].praise)
      g_error ("\"%s\": praise %s", cases[i].text, cases[i].praise ? "vetoed" : "not vetoed");
}

/* A small but complete cues.json; line 6 is left for the case under test. */
#define CUES_HEAD                                                                           \
  "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\",\n"           \
  "  \"classes\": { \"bot\": [\"bot\", \"robot\"] },\n"                                     \
  "  \"cues\": [\n"                                                                         \
  "    { \"label\": \"opt-out\", \"weight\": 0.95, \"patterns\": [\"stop messaging me\"] },\n" \
  "    { \"label\": \"automation-question\", \"weight\": 0.9, \"patterns\": [\"are you a @bot\"] },\n"
#define CUES_TAIL "\n  ] }\n"

static char *
cues_with (const char *line6)
{
  return g_strconcat (CUES_HEAD, line6, CUES_TAIL, NULL);
}

/* Checks a directory whose en/@kind.json is @contents and expects an error
 * "DIR/en/KIND.json:L:C: …" where L:C is the position of @at in @contents
 * and the message contains every one of @what. */
static void
expect_refused (const char *kind, const char *contents, const char *at, const char *const *what)
{
  char *dir = test_make_dir (TRUE);
  test_write_pack_file (dir, "en", kind, contents);
  GError *err = NULL;
  g_assert_false (tact_engine_check_dir (dir, &err));
  g_assert_error (err, TACT_ERROR, TACT_ERROR_PACK);
  int l, c;
  test_pos_of (contents, at, &l, &c);
  g_autofree char *want = g_strdup_printf ("%s/en/%s.json:%d:%d: ", dir, kind, l, c);
  if (!g_str_has_prefix (err->message, want))
    g_error ("expected a message starting with \"%s\", got \"%s\"", want, err->message);
  for (guint i = 0; what[i]; i++)
    if (!strstr (err->message, what[i]))
      g_error ("expected \"%s\" in \"%s\"", what[i], err->message);
  g_clear_error (&err);

  /* the engine refuses the same pack and keeps working with the built-in one */
  TactEngine *e = tact_engine_new (dir, NULL, &err);
  g_assert_nonnull (e);
  g_assert_error (err, TACT_ERROR, TACT_ERROR_PACK);
  g_assert_true (g_str_has_prefix (err->message, want));
  g_clear_error (&err);
  g_assert_cmpint (test_primary_of (e, "please stop messaging me"), ==, TACT_LABEL_OPT_OUT);
  tact_engine_free (e);
  test_rm_rf (dir);
  g_free (dir);
}

static void
test_shipped_valid (void)
{
  GError *err = NULL;
  g_assert_true (tact_engine_check_dir (TACT_TEST_DATADIR, &err));
  g_assert_no_error (err);
  /* and the small hand-written cues file used below is valid too */
  char *dir = test_make_dir (TRUE);
  g_autofree char *cues = cues_with ("    { \"label\": \"praise\", \"weight\": 0.9, \"patterns\": [\"zorblax rocks\"] }");
  test_write_pack_file (dir, "en", "cues", cues);
  g_assert_true (tact_engine_check_dir (dir, &err));
  g_assert_no_error (err);
  test_rm_rf (dir);
  g_free (dir);
}

static void
test_unknown_key (void)
{
  g_autofree char *c = cues_with ("    { \"lable\": \"opt-out\", \"weight\": 0.9, \"patterns\": [\"x\"] }");
  expect_refused ("cues", c, "\"lable\"", (const char *const[]) { "cues[2].lable", "unknown key", "\"lable\"", NULL });

  g_autofree char *lang = test_read_shipped ("language");
  g_autofree char *bad = g_strdup_printf ("{\n  \"negatorz\": [\"not\"],%s", lang + 1);
  expect_refused ("language", bad, "\"negatorz\"", (const char *const[]) { "negatorz", "unknown key", NULL });
  /* a known key of the wrong type: "alternatives" is a list of words */
  g_autoptr (GString) alt = g_string_new (lang);
  g_assert_cmpuint (g_string_replace (alt, "\"alternatives\": [\"or\", \"if\", \"whether\"]", "\"alternatives\": \"or\"", 1), ==, 1);
  expect_refused ("language", alt->str, "\"alternatives\"",
                  (const char *const[]) { "alternatives", "must be an array of strings", NULL });
}

static void
test_unknown_label (void)
{
  g_autofree char *c = cues_with ("    { \"label\": \"opt_out\", \"weight\": 0.9, \"patterns\": [\"x\"] }");
  expect_refused ("cues", c, "\"label\": \"opt_out\"",
                  (const char *const[]) { "cues[2].label", "unknown", "\"opt_out\"", "opt-out", NULL });
  /* a stateful label cannot be a cue's label */
  g_autofree char *s = cues_with ("    { \"label\": \"crisis\", \"weight\": 0.9, \"patterns\": [\"x\"] }");
  expect_refused ("cues", s, "\"label\": \"crisis\"", (const char *const[]) { "cues[2].label", "\"crisis\"", NULL });
  /* nor in also / unless */
  g_autofree char *u = cues_with ("    { \"label\": \"praise\", \"weight\": 0.9, \"unless\": [\"opt-out\", \"optout\"], \"patterns\": [\"x\"] }");
  expect_refused ("cues", u, "\"optout\"", (const char *const[]) { "cues[2].unless[1]", "\"optout\"", NULL });
  /* the cue flags are true or false, "sure" too */
  g_autofree char *f = cues_with ("    { \"label\": \"praise\", \"weight\": 0.9, \"sure\": 1, \"patterns\": [\"x\"] }");
  expect_refused ("cues", f, "\"sure\": 1", (const char *const[]) { "cues[2].sure", "true or false", NULL });
  /* and "sure" means nothing on a veto, which asserts nothing */
  g_autofree char *v = cues_with ("    { \"label\": \"praise\", \"clause_veto\": true, \"sure\": true, \"patterns\": [\"x\"] }");
  expect_refused ("cues", v, "\"sure\": true", (const char *const[]) { "cues[2].sure", "veto", NULL });
}

static void
test_weight_range (void)
{
  g_autofree char *c = cues_with ("    { \"label\": \"opt-out\", \"weight\": 1.5, \"patterns\": [\"x\"] }");
  expect_refused ("cues", c, "\"weight\": 1.5", (const char *const[]) { "cues[2].weight", "0 to 1", NULL });
  g_autofree char *n = cues_with ("    { \"label\": \"opt-out\", \"weight\": -0.1, \"patterns\": [\"x\"] }");
  expect_refused ("cues", n, "\"weight\": -0.1", (const char *const[]) { "cues[2].weight", NULL });
  g_autofree char *m = cues_with ("    { \"label\": \"opt-out\", \"patterns\": [\"x\"] }");
  expect_refused ("cues", m, "{ \"label\": \"opt-out\", \"patterns\": [\"x\"]",
                  (const char *const[]) { "cues[2].weight", "missing", NULL });
  /* lexicon valences are -4..4 */
  static const char lex[] =
    "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"lexicon\", \"lang\": \"en\",\n"
    "  \"entries\": {\n    \"good\": 1.9,\n    \"awful\": -7\n  } }\n";
  expect_refused ("lexicon", lex, "\"awful\"", (const char *const[]) { "entries.awful", "-7", "out of range", NULL });
}

/* judge.json: every mistake is refused with its place named */
/* A pack file that is not UTF-8 is refused at the offending byte, after
 * long ASCII stretches and a valid "é" on the same line (the validator
 * skips ASCII eight bytes at a time and checks the rest as characters). */
static void
test_invalid_utf8 (void)
{
  const char *head = "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"lexicon\", \"lang\": \"en\",\n";
  /* a stray byte */
  g_autofree char *stray = g_strconcat (head, "  \"entries\": { \"caf\xc3\xa9\": 1, \"bad\xff\": 2 } }\n", NULL);
  expect_refused ("lexicon", stray, "\xff", (const char *const[]) { "not valid UTF-8", NULL });
  /* a character cut short by ASCII */
  g_autofree char *cut = g_strconcat (head, "  \"entries\": { \"caf\xc3\xa9\": 1, \"x\xe2\x82\": 2 } }\n", NULL);
  expect_refused ("lexicon", cut, "\xe2", (const char *const[]) { "not valid UTF-8", NULL });
  /* an overlong form of "/" at the very end of the file */
  g_autofree char *overlong = g_strconcat (head, "  \"entries\": { \"caf\xc3\xa9\": 1 } }\n\xc0\xaf", NULL);
  expect_refused ("lexicon", overlong, "\xc0", (const char *const[]) { "not valid UTF-8", NULL });
}

static void
test_judge_errors (void)
{
#define JUDGE_HEAD "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"judge\", \"lang\": \"en\",\n"
  static const char unknown_label[] = JUDGE_HEAD
    "  \"threshold\": 0.8,\n  \"entries\": {\n    \"praise\": -2,\n    \"prais zorb\": 1\n  } }\n";
  expect_refused ("judge", unknown_label, "\"prais zorb\"",
                  (const char *const[]) { "entries.prais zorb", "message label", NULL });
  static const char stateful[] = JUDGE_HEAD
    "  \"threshold\": 0.8,\n  \"entries\": {\n    \"crisis\": -2\n  } }\n";
  expect_refused ("judge", stateful, "\"crisis\"", (const char *const[]) { "entries.crisis", NULL });
  static const char three_words[] = JUDGE_HEAD
    "  \"threshold\": 0.8,\n  \"entries\": {\n    \"praise\": -2,\n    \"praise a b c\": 1\n  } }\n";
  expect_refused ("judge", three_words, "\"praise a b c\"",
                  (const char *const[]) { "entries.praise a b c", "one word or two words", NULL });
  static const char too_big[] = JUDGE_HEAD
    "  \"threshold\": 0.8,\n  \"entries\": {\n    \"praise\": -2,\n    \"praise zorb\": 99\n  } }\n";
  expect_refused ("judge", too_big, "\"praise zorb\"",
                  (const char *const[]) { "entries.praise zorb", "99", "out of range", NULL });
  static const char no_bias[] = JUDGE_HEAD
    "  \"threshold\": 0.8,\n  \"entries\": {\n    \"praise\": -2,\n    \"feedback zorb\": 1\n  } }\n";
  expect_refused ("judge", no_bias, "\"feedback zorb\"",
                  (const char *const[]) { "entries.feedback zorb", "no bias", NULL });
  static const char bad_threshold[] = JUDGE_HEAD
    "  \"threshold\": 0,\n  \"entries\": {\n    \"praise\": -2\n  } }\n";
  expect_refused ("judge", bad_threshold, "\"threshold\"", (const char *const[]) { "threshold", "(0, 1]", NULL });
  static const char unknown_key[] = JUDGE_HEAD
    "  \"treshold\": 0.8,\n  \"entries\": {\n    \"praise\": -2\n  } }\n";
  expect_refused ("judge", unknown_key, "\"treshold\"", (const char *const[]) { "treshold", "unknown key", NULL });
  static const char not_number[] = JUDGE_HEAD
    "  \"threshold\": 0.8,\n  \"entries\": {\n    \"praise\": \"high\"\n  } }\n";
  expect_refused ("judge", not_number, "\"praise\"", (const char *const[]) { "entries.praise", "number", NULL });
  static const char lone_end[] = JUDGE_HEAD
    "  \"threshold\": 0.8,\n  \"entries\": {\n    \"praise\": -2,\n    \"praise $\": 3\n  } }\n";
  expect_refused ("judge", lone_end, "\"praise $\"", (const char *const[]) { "entries.praise $", "only pair", NULL });
  /* numbers as JSON writes them: ".5" is not one, whatever strtod thinks */
  static const char bad_number[] = JUDGE_HEAD
    "  \"threshold\": .5,\n  \"entries\": {\n    \"praise\": -2\n  } }\n";
  expect_refused ("judge", bad_number, ".5", (const char *const[]) { "invalid", NULL });
  /* per-label thresholds: message labels only, each in (0, 1] */
  static const char th_range[] = JUDGE_HEAD
    "  \"threshold\": 0.8,\n  \"thresholds\": { \"opt-out\": 0.9, \"praise\": 1.5 },\n"
    "  \"entries\": {\n    \"praise\": -2\n  } }\n";
  expect_refused ("judge", th_range, "\"praise\": 1.5",
                  (const char *const[]) { "thresholds.praise", "(0, 1]", NULL });
  static const char th_label[] = JUDGE_HEAD
    "  \"threshold\": 0.8,\n  \"thresholds\": { \"crisis\": 0.5 },\n"
    "  \"entries\": {\n    \"praise\": -2\n  } }\n";
  expect_refused ("judge", th_label, "\"crisis\"",
                  (const char *const[]) { "thresholds.crisis", "message label", NULL });
  static const char th_shape[] = JUDGE_HEAD
    "  \"threshold\": 0.8,\n  \"thresholds\": 0.5,\n"
    "  \"entries\": {\n    \"praise\": -2\n  } }\n";
  expect_refused ("judge", th_shape, "\"thresholds\"", (const char *const[]) { "thresholds", "object", NULL });
  /* "overrule": message labels only, each a probability in [0, 1) */
  static const char ov_range[] = JUDGE_HEAD
    "  \"threshold\": 0.8,\n  \"overrule\": { \"praise\": 0.05, \"question\": 1 },\n"
    "  \"entries\": {\n    \"praise\": -2\n  } }\n";
  expect_refused ("judge", ov_range, "\"question\": 1",
                  (const char *const[]) { "overrule.question", "[0, 1)", NULL });
  static const char ov_label[] = JUDGE_HEAD
    "  \"threshold\": 0.8,\n  \"overrule\": { \"harassment\": 0.1 },\n"
    "  \"entries\": {\n    \"praise\": -2\n  } }\n";
  expect_refused ("judge", ov_label, "\"harassment\"",
                  (const char *const[]) { "overrule.harassment", "message label", NULL });
  static const char ov_shape[] = JUDGE_HEAD
    "  \"threshold\": 0.8,\n  \"overrule\": 0.05,\n"
    "  \"entries\": {\n    \"praise\": -2\n  } }\n";
  expect_refused ("judge", ov_shape, "\"overrule\"", (const char *const[]) { "overrule", "object", NULL });
  static const char ov_negative[] = JUDGE_HEAD
    "  \"threshold\": 0.8,\n  \"overrule\": { \"praise\": -0.1 },\n"
    "  \"entries\": {\n    \"praise\": -2\n  } }\n";
  expect_refused ("judge", ov_negative, "\"praise\": -0.1", (const char *const[]) { "overrule.praise", "[0, 1)", NULL });
  /* a label the judge has no bias for is never judged: nothing to overrule */
  static const char ov_unjudged[] = JUDGE_HEAD
    "  \"threshold\": 0.8,\n  \"overrule\": { \"question\": 0.01 },\n"
    "  \"entries\": {\n    \"praise\": -2\n  } }\n";
  expect_refused ("judge", ov_unjudged, "\"question\": 0.01", (const char *const[]) { "overrule.question", "no bias", NULL });
  /* at or above the threshold the judge would drop what it asserts itself */
  static const char ov_above[] = JUDGE_HEAD
    "  \"threshold\": 0.5,\n  \"thresholds\": { \"praise\": 0.3 },\n  \"overrule\": { \"praise\": 0.4 },\n"
    "  \"entries\": {\n    \"praise\": -2\n  } }\n";
  expect_refused ("judge", ov_above, "\"praise\": 0.4", (const char *const[]) { "overrule.praise", "threshold", NULL });
#undef JUDGE_HEAD
}

static void
test_bad_pattern (void)
{
  static const struct { const char *pat, *why; } cases[] = {
    { "stop (messaging me", "unclosed" },
    { "stop messaging) me", "unmatched" },
    { "stop *", "gap" },
    { "* stop", "gap" },
    { "stop *9 me", "gap" },
    { "stop a||b", "empty alternative" },
    { "stop #number", "unknown built-in" },
    { "stop ^ me", "^" },
    { "stop $ me", "$" },
    { ". ^ stop", "^" },
    { "stop (a b)c", "( ) group" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *line = g_strdup_printf ("    { \"label\": \"opt-out\", \"weight\": 0.9, \"patterns\": [\"ok fine\", \"%s\"] }", cases[i].pat);
      g_autofree char *c = cues_with (line);
      g_autofree char *at = g_strdup_printf ("\"%s\"", cases[i].pat);
      expect_refused ("cues", c, at, (const char *const[]) { "cues[2].patterns[1]", cases[i].why, NULL });
    }
}

static void
test_unknown_class (void)
{
  g_autofree char *c = cues_with ("    { \"label\": \"automation-question\", \"weight\": 0.9, \"patterns\": [\"is this a @droid\"] }");
  expect_refused ("cues", c, "\"is this a @droid\"",
                  (const char *const[]) { "cues[2].patterns[0]", "unknown class", "\"droid\"", NULL });
}

/* A FIFO in a pack file's place is refused as not a regular file, never
 * read (a read would block the client's main loop for good), and the
 * engine goes on with the shipped packs. */
static void
test_not_regular (void)
{
  g_autofree char *user = test_make_dir (FALSE);
  g_autofree char *en = g_build_filename (user, "en", NULL);
  g_assert_cmpint (g_mkdir_with_parents (en, 0700), ==, 0);
  g_autofree char *fifo = g_build_filename (en, "cues.json", NULL);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  GError *err = NULL;
  g_assert_false (tact_engine_check_dir (user, &err));
  g_assert_nonnull (err);
  g_assert_true (err->domain == TACT_ERROR);
  g_assert_nonnull (strstr (err->message, "not a regular file"));
  g_clear_error (&err);
  TactEngine *e = tact_engine_new (TACT_TEST_DATADIR, user, &err);
  g_assert_nonnull (e);
  g_assert_nonnull (err);
  g_assert_nonnull (strstr (err->message, "not a regular file"));
  g_clear_error (&err);
  g_assert_cmpint (test_primary_of (e, "please stop messaging me"), ==, TACT_LABEL_OPT_OUT);
  tact_engine_free (e);
  test_rm_rf (user);
}

/* Asserts that the user cue for "praise" (weight @score) fires on @text,
 * or, when !@praise, that no cue does (the judge may still say it). */
static void
assert_praise (TactEngine *e, const char *text, gboolean praise, double score)
{
  TactAnalysis *a = tact_engine_analyze (e, text, -1);
  const TactLabelHit *h = tact_analysis_find (a, TACT_LABEL_PRAISE);
  if (praise)
    {
      g_assert_nonnull (h);
      g_assert_false (h->judged);
      g_assert_cmpfloat_with_epsilon (h->score, score, 1e-5);
    }
  else
    g_assert_true (h == NULL || h->judged);
  tact_analysis_unref (a);
}

/* A word listed twice in one class (two spellings that normalise alike,
 * or directly and through "@name") is one member: a cue on the class
 * counts once for it, as it does for a word listed once.  So does a span
 * one cue reaches by two paths (a word and a class that holds it) or by
 * two of its patterns: "blimf zorblax" scores the weight, not 1 - 0.4^3. */
static void
test_class_duplicate (void)
{
  char *user;
  TactEngine *e = test_engine_with_user_cues (TACT_TEST_DATADIR,
    "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\",\n"
    "  \"classes\": { \"zbase\": [\"zorblax\"],\n"
    "                 \"zdup\": [\"zorblax\", \"ZORBLAX\", \"@zbase\", \"quuxle\"] },\n"
    "  \"cues\": [ { \"label\": \"praise\", \"weight\": 0.6,\n"
    "              \"patterns\": [\"blimf @zdup\", \"blimf zorblax|@zbase\", \"blimf *2 zorblax\"] } ] }\n", &user);
  static const char *const texts[] = { "blimf zorblax", "blimf quuxle" };
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    assert_praise (e, texts[i], TRUE, 0.6);
  tact_engine_free (e);
  test_rm_rf (user);
  g_free (user);
}

/* A lone "." opening a pattern anchors it to a clause's start: "blimf"
 * alone in its sentence fires, the same word inside a clause does not.
 * A clause starts the message, and after . , ; : ! ? or a line break. */
static void
test_clause_start (void)
{
  char *user;
  TactEngine *e = test_engine_with_user_cues (TACT_TEST_DATADIR,
    "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\",\n"
    "  \"cues\": [ { \"label\": \"praise\", \"weight\": 0.9, \"patterns\": [\". blimf ?\"] } ] }\n", &user);
  static const PraiseCase cases[] = {
    { "blimf?", TRUE }, { "it came at noon. Blimf?", TRUE }, { "oh, blimf?", TRUE },
    { "really? blimf?", TRUE }, { "came at noon\nblimf?", TRUE }, { "came at noon; blimf?", TRUE },
    { "is the boiler on a blimf?", FALSE }, { "oh blimf?", FALSE }, { "blimf", FALSE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_praise (e, cases[i].text, cases[i].praise, 0.9);
  tact_engine_free (e);
  test_rm_rf (user);
  g_free (user);
}

/* "^ …" patterns hang from a root of their own, entered once before the
 * first word (TACT_ROOT_MESSAGE): they match at the message's start and
 * nowhere else, also when they open with optional words and a gap, and a
 * pattern of another cue that starts with the same word still matches
 * anywhere. */
static void
test_message_start (void)
{
  char *user;
  TactEngine *e = test_engine_with_user_cues (TACT_TEST_DATADIR,
    "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\",\n"
    "  \"cues\": [ { \"label\": \"praise\", \"weight\": 0.9,\n"
    "                \"patterns\": [\"^ blimf *2 quuxle\", \"^ zorb|_ glim|_ *2 fnax\"] },\n"
    "              { \"label\": \"feedback\", \"weight\": 0.9, \"patterns\": [\"blimf glorp\"] } ] }\n", &user);
  static const struct { const char *text; gboolean praise, feedback; } cases[] = {
    { "blimf quuxle", TRUE, FALSE }, { "Blimf, oh, well quuxle", TRUE, FALSE },
    { "oh blimf quuxle", FALSE, FALSE }, { "blimf quuxle. blimf quuxle", TRUE, FALSE },
    { "fnax", TRUE, FALSE }, { "one two fnax", TRUE, FALSE }, { "one two three fnax", FALSE, FALSE },
    { "zorb glim fnax", TRUE, FALSE }, { "ok. fnax", TRUE, FALSE }, { "ok then. so fnax", FALSE, FALSE },
    { "blimf glorp", FALSE, TRUE }, { "well blimf glorp", FALSE, TRUE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TactAnalysis *a = tact_engine_analyze (e, cases[i].text, -1);
      const TactLabelHit *p = tact_analysis_find (a, TACT_LABEL_PRAISE);
      const TactLabelHit *f = tact_analysis_find (a, TACT_LABEL_FEEDBACK);
      g_assert_true ((p != NULL && !p->judged) == cases[i].praise);
      g_assert_true ((f != NULL && !f->judged) == cases[i].feedback);
      tact_analysis_unref (a);
    }
  tact_engine_free (e);
  test_rm_rf (user);
  g_free (user);
}

/* A class member "@name" brings in every word of a class defined before
 * it; a class not (yet) defined is an error naming the member. */
static void
test_class_reference (void)
{
  char *user;
  TactEngine *e = test_engine_with_user_cues (TACT_TEST_DATADIR,
    "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\",\n"
    "  \"classes\": { \"zbase\": [\"zorblax\"], \"zmore\": [\"@zbase\", \"quuxle\"] },\n"
    "  \"cues\": [ { \"label\": \"praise\", \"weight\": 0.9, \"patterns\": [\"blimf @zmore\"] } ] }\n", &user);
  static const PraiseCase cases[] = {
    { "blimf zorblax", TRUE }, { "blimf quuxle", TRUE }, { "blimf snorkel", FALSE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_praise (e, cases[i].text, cases[i].praise, 0.9);
  tact_engine_free (e);
  test_rm_rf (user);
  g_free (user);

  static const char *const bad[] = {
    /* later, unknown, itself */
    "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\",\n"
    "  \"classes\": { \"bot\": [\"bot\", \"@droid\"], \"droid\": [\"droid\"] },\n"
    "  \"cues\": [ { \"label\": \"opt-out\", \"weight\": 0.95, \"patterns\": [\"stop messaging me\"] } ] }\n",
    "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\",\n"
    "  \"classes\": { \"bot\": [\"bot\", \"@droid\"] },\n"
    "  \"cues\": [ { \"label\": \"opt-out\", \"weight\": 0.95, \"patterns\": [\"stop messaging me\"] } ] }\n",
    "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\",\n"
    "  \"classes\": { \"droid\": [\"bot\", \"@droid\"] },\n"
    "  \"cues\": [ { \"label\": \"opt-out\", \"weight\": 0.95, \"patterns\": [\"stop messaging me\"] } ] }\n",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    expect_refused ("cues", bad[i], "\"@droid\"",
                    (const char *const[]) { "[1]", "\"@droid\" names no class defined before this one", NULL });
}

static void
test_duplicate_key (void)
{
  g_autofree char *c = cues_with ("    { \"label\": \"opt-out\", \"weight\": 0.9, \"label\": \"praise\", \"patterns\": [\"x\"] }");
  /* jansson reports the duplicate where it ends; only the line is pinned */
  char *dir = test_make_dir (TRUE);
  test_write_pack_file (dir, "en", "cues", c);
  GError *err = NULL;
  g_assert_false (tact_engine_check_dir (dir, &err));
  g_assert_error (err, TACT_ERROR, TACT_ERROR_PACK);
  g_autofree char *re = g_strdup_printf ("^%s/en/cues\\.json:6:[0-9]+: .*duplicate", dir);
  if (!g_regex_match_simple (re, err->message, 0, 0))
    g_error ("unexpected message: %s", err->message);
  g_clear_error (&err);
  test_rm_rf (dir);
  g_free (dir);

  /* duplicate template ids */
  g_autofree char *rep = test_read_shipped ("replies");
  GString *bad = g_string_new (rep);
  g_assert_cmpuint (g_string_replace (bad, "\"id\": \"warm\"", "\"id\":  \"short\"", 1), ==, 1);
  expect_refused ("replies", bad->str, "\"id\":  \"short\"", (const char *const[]) { "duplicate template id", "\"short\"", NULL });
  g_string_free (bad, TRUE);
}

static void
test_missing_file (void)
{
  /* a language without a built-in copy: a missing file is an error */
  char *dir = test_make_dir (FALSE);
  static const char *const kinds[] = { "language", "cues", "replies" };
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *buf = test_read_shipped (kinds[i]);
      GString *s = g_string_new (buf);
      g_string_replace (s, "\"lang\": \"en\"", "\"lang\": \"xx\"", 1);
      test_write_pack_file (dir, "xx", kinds[i], s->str);
      g_string_free (s, TRUE);
    }
  GError *err = NULL;
  g_assert_false (tact_engine_check_dir (dir, &err));
  g_assert_error (err, TACT_ERROR, TACT_ERROR_PACK);
  g_assert_nonnull (strstr (err->message, "lexicon.json"));
  g_assert_nonnull (strstr (err->message, "missing"));
  g_assert_nonnull (strstr (err->message, "xx"));
  g_clear_error (&err);
  /* the engine still has English */
  TactEngine *e = tact_engine_new (dir, NULL, &err);
  g_assert_nonnull (e);
  g_assert_error (err, TACT_ERROR, TACT_ERROR_PACK);
  g_clear_error (&err);
  g_assert_cmpstr (tact_engine_languages (e)[0], ==, "en");
  g_assert_null (tact_engine_languages (e)[1]);
  tact_engine_free (e);
  test_rm_rf (dir);
  g_free (dir);

  /* not a directory / no language in it */
  g_assert_false (tact_engine_check_dir ("/nonexistent/tact/dir", &err));
  g_assert_error (err, TACT_ERROR, TACT_ERROR_IO);
  g_clear_error (&err);
  dir = test_make_dir (FALSE);
  g_assert_false (tact_engine_check_dir (dir, &err));
  g_assert_error (err, TACT_ERROR, TACT_ERROR_PACK);
  g_clear_error (&err);
  test_rm_rf (dir);
  g_free (dir);
}

static void
test_header_errors (void)
{
  g_autofree char *lex = g_strdup ("{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"lexicon\",\n  \"lang\": \"de\", \"entries\": {} }\n");
  expect_refused ("lexicon", lex, "\"lang\"", (const char *const[]) { "lang", "\"en\"", NULL });
  g_autofree char *kind = g_strdup ("{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\",\n  \"lang\": \"en\", \"entries\": {} }\n");
  expect_refused ("lexicon", kind, "\"kind\"", (const char *const[]) { "kind", "\"lexicon\"", NULL });
  g_autofree char *schema = g_strdup ("{\n  \"schema\": \"purple-tact-pack/2\", \"kind\": \"lexicon\", \"lang\": \"en\", \"entries\": {} }\n");
  expect_refused ("lexicon", schema, "\"schema\"", (const char *const[]) { "schema", NULL });
  g_autofree char *syn = g_strdup ("{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"lexicon\",\n  \"lang\": \"en\" \"entries\": {} }\n");
  char *dir = test_make_dir (TRUE);
  test_write_pack_file (dir, "en", "lexicon", syn);
  GError *err = NULL;
  g_assert_false (tact_engine_check_dir (dir, &err));
  g_autofree char *re = g_strdup_printf ("^%s/en/lexicon\\.json:2:[0-9]+: ", dir);
  g_assert_true (g_regex_match_simple (re, err->message, 0, 0));
  g_clear_error (&err);
  test_rm_rf (dir);
  g_free (dir);
}

static void
test_template_errors (void)
{
  g_autofree char *rep = test_read_shipped ("replies");
  /* an unknown variable in the first template text */
  GString *bad = g_string_new (rep);
  g_assert_cmpuint (g_string_replace (bad, "\"text\": \"{greeting}", "\"text\": \"{greting}", 1), ==, 1);
  /* the error points at the template text's key */
  const char *at = "\"text\": \"{greting}";
  expect_refused ("replies", bad->str, at, (const char *const[]) { "unknown variable", "greting", NULL });
  g_string_free (bad, TRUE);

  /* a default is inserted as it is: a placeholder in it would reach the
   * contact literally (found by tests/fuzz) */
  bad = g_string_new (rep);
  g_assert_cmpuint (g_string_replace (bad, "\"product\": \"our product\"",
                                      "\"product\": \"our {first_name} product\"", 1), ==, 1);
  expect_refused ("replies", bad->str, "\"product\": \"our {first_name}",
                  (const char *const[]) { "defaults.product", "no { or }", NULL });
  g_string_free (bad, TRUE);
}

/* ------------------------------------------------------------ user packs */

static const char *const praise_tmpl =
  "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"replies\", \"lang\": \"en\",\n"
  "  \"templates\": { \"praise\": [\n"
  "    { \"id\": \"z1\", \"text\": \"{greeting}, zorb one. {agent}\" },\n"
  "    { \"id\": \"z2\", \"text\": \"zorb two {company}\" },\n"
  "    { \"id\": \"z3\", \"text\": \"zorb three\" } ] } }\n";

/* A phrase written twice in one cue counts once; the same phrase in two
 * cues is two cues' evidence. */
static void
test_phrase_counts_once (void)
{
  char *user;
  TactEngine *e = test_engine_with_user_cues (TACT_TEST_DATADIR,
    "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\",\n"
    "  \"cues\": [ { \"label\": \"praise\", \"weight\": 0.6,\n"
    "              \"patterns\": [\"zorbly quux\", \"(zorbly quux)|blimf\", \"zorbly quux\"] },\n"
    "            { \"label\": \"feedback\", \"weight\": 0.6, \"patterns\": [\"glorpy fnax\"] },\n"
    "            { \"label\": \"feedback\", \"weight\": 0.6, \"patterns\": [\"glorpy fnax\"] } ] }\n", &user);
  TactAnalysis *a = tact_engine_analyze (e, "zorbly quux glorpy fnax", -1);
  const TactLabelHit *praise = tact_analysis_find (a, TACT_LABEL_PRAISE);
  const TactLabelHit *feedback = tact_analysis_find (a, TACT_LABEL_FEEDBACK);
  g_assert_nonnull (praise);
  g_assert_nonnull (feedback);
  g_assert_cmpfloat_with_epsilon (praise->score, 0.6, 1e-5);
  g_assert_cmpfloat_with_epsilon (feedback->score, 1.0 - 0.4 * 0.4, 1e-5);
  tact_analysis_unref (a);
  tact_engine_free (e);
  test_rm_rf (user);
  g_free (user);
}

static void
test_user_merge (void)
{
  char *user = test_make_dir (FALSE);
  test_write_pack_file (user, "en", "cues",
    "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\",\n"
    "  \"classes\": { \"zthing\": [\"zorblax\", \"quuxle\"] },\n"
    "  \"cues\": [ { \"label\": \"praise\", \"weight\": 0.9, \"patterns\": [\"@zthing rocks\"] } ] }\n");
  test_write_pack_file (user, "en", "lexicon",
    "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"lexicon\", \"lang\": \"en\",\n"
    "  \"entries\": { \"flibbertigibbet\": 3.5 } }\n");
  test_write_pack_file (user, "en", "replies", praise_tmpl);

  GError *err = NULL;
  TactEngine *base = tact_engine_new (TACT_TEST_DATADIR, NULL, &err);
  g_assert_no_error (err);
  TactEngine *e = tact_engine_new (TACT_TEST_DATADIR, user, &err);
  g_assert_no_error (err);

  /* a cue added by the user fires; the shipped cues still do */
  g_assert_cmpint (test_primary_of (base, "quuxle rocks"), !=, TACT_LABEL_PRAISE);
  g_assert_cmpint (test_primary_of (e, "quuxle rocks"), ==, TACT_LABEL_PRAISE);
  g_assert_cmpint (test_primary_of (e, "please stop messaging me"), ==, TACT_LABEL_OPT_OUT);
  /* a lexicon word added by the user carries its valence */
  g_assert_cmpfloat (test_polarity_of (base, "flibbertigibbet"), ==, 0.0);
  g_assert_cmpfloat (test_polarity_of (e, "flibbertigibbet"), >, 0.3);
  g_assert_cmpfloat (test_polarity_of (e, "terrible"), <, 0.0);
  /* the user's templates replace that label's list; other labels are untouched */
  TactAnalysis *a = tact_engine_analyze (e, "quuxle rocks", -1);
  TactContext ctx = { "Maria Lopez", "Sam", "Acme", NULL, NULL, FALSE };
  GPtrArray *sug = tact_engine_suggest (e, a, &ctx, 3);
  g_assert_cmpuint (sug->len, ==, 3);
  TactSuggestion *s0 = g_ptr_array_index (sug, 0);
  g_assert_cmpstr (s0->id, ==, "praise.z1");
  g_assert_cmpstr (s0->text, ==, "Hi Maria, zorb one. Sam");
  g_ptr_array_unref (sug);
  tact_analysis_unref (a);
  a = tact_engine_analyze (e, "please stop messaging me", -1);
  sug = tact_engine_suggest (e, a, &ctx, 3);
  g_assert_cmpuint (sug->len, >=, 1);
  g_assert_true (g_str_has_prefix (((TactSuggestion *) g_ptr_array_index (sug, 0))->id, "opt-out."));
  g_ptr_array_unref (sug);
  tact_analysis_unref (a);

  tact_engine_free (base);
  tact_engine_free (e);
  test_rm_rf (user);
  g_free (user);
}

/* The build-time edge table: from 2^18 slots it fills to fifteen
 * sixteenths before it doubles (the doubling is 3 MB more of the peak of
 * a start that compiles, and the shipped pack is near seven eighths). */
static void
test_edge_table_load (void)
{
  TactAutomaton au;
  tact_automaton_init (&au);
  guint32 sym = 0;
  for (; sym < 240000; sym++)
    tact_automaton_add_edge (&au, TACT_ROOT, sym, TACT_ROOT_MESSAGE);
  g_assert_cmpuint (au.n_edges, ==, 240000);
  g_assert_cmpuint (au.emask + 1, ==, 1u << 18);
  for (; sym < 250000; sym++)
    tact_automaton_add_edge (&au, TACT_ROOT, sym, TACT_ROOT_MESSAGE);
  g_assert_cmpuint (au.emask + 1, ==, 1u << 19);
  /* below 2^18 slots, seven eighths as before */
  TactAutomaton small;
  tact_automaton_init (&small);
  for (sym = 0; sym < 1000; sym++)
    tact_automaton_add_edge (&small, TACT_ROOT, sym, TACT_ROOT_MESSAGE);
  g_assert_cmpuint (small.emask + 1, ==, 2048);
  tact_automaton_clear (&small);
  tact_automaton_clear (&au);
}

/* "clause_veto": the cue vetoes its label in the clause where it matches,
 * not in the whole message ("I'm not asking you to stop, just stop
 * sending these"). */
static void
test_clause_veto (void)
{
  char *user;
  TactEngine *e = test_engine_with_user_cues (TACT_TEST_DATADIR,
    "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\",\n"
    "  \"cues\": [ { \"label\": \"praise\", \"weight\": 0.9, \"patterns\": [\"zorblax\"] },\n"
    "              { \"label\": \"praise\", \"clause_veto\": true, \"patterns\": [\"quuxle\", \"will blimf\"] } ] }\n",
    &user);
  g_assert_cmpint (test_primary_of (e, "zorblax"), ==, TACT_LABEL_PRAISE);
  static const PraiseCase cases[] = {
    /* the same clause, before or after the cue: vetoed */
    { "quuxle zorblax", FALSE },
    { "zorblax and quuxle", FALSE },
    /* another clause: the cue stands */
    { "quuxle, then zorblax", TRUE },
    { "zorblax. quuxle", TRUE },
    /* a request of its own after the veto: "and", "but" or "please" right
     * before the cue ends the veto's reach; one word further on it does
     * not, and a cue before the veto stays vetoed across the same words */
    { "quuxle for the 14th and zorblax", TRUE },
    { "quuxle but zorblax", TRUE },
    { "quuxle and then zorblax", TRUE },
    { "quuxle and the zorblax", FALSE },
    { "zorblax and quuxle for the 14th", FALSE },
    /* a veto in a threat after "or" (the shipped "own_actions" and
     * "alternatives") speaks for the threat, not for the cue before it:
     * "stop texting me or I'll cancel my order" */
    { "zorblax or I'll quuxle", TRUE },
    { "zorblax or else we'll quuxle", TRUE },
    { "zorblax or I will quuxle", TRUE },
    { "zorblax or I will blimf", TRUE },
    { "zorblax or we quuxle", TRUE },
    { "zorblax or else I will quuxle", TRUE },
    { "zorblax otherwise I'll quuxle", TRUE },
    /* not after "and" or "if" (a condition), not without the "I'll", not
     * over another's words ("or it will"), not three words back, and not
     * for a cue after the veto */
    { "zorblax and I'll quuxle", FALSE },
    { "zorblax if I'll quuxle", FALSE },
    { "zorblax or it will blimf", FALSE },
    { "zorblax or quuxle", FALSE },
    { "zorblax or so then I'll quuxle", FALSE },
    { "I will blimf or zorblax", FALSE },
  };
  assert_praise_cases (e, cases, G_N_ELEMENTS (cases));
  tact_engine_free (e);
  test_rm_rf (user);
  g_free (user);

  /* "span_veto": only the matches that start in the veto's own words */
  e = test_engine_with_user_cues (TACT_TEST_DATADIR,
    "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\",\n"
    "  \"cues\": [ { \"label\": \"praise\", \"weight\": 0.9, \"patterns\": [\"zorblax\"] },\n"
    "              { \"label\": \"praise\", \"span_veto\": true, \"patterns\": [\"glimf zorblax\"] } ] }\n",
    &user);
  static const PraiseCase spans[] = {
    { "glimf zorblax", FALSE },
    { "glimf zorblax, so", FALSE },
    /* another match in the same clause, outside the veto's words */
    { "glimf zorblax and zorblax", TRUE },
    { "zorblax and glimf zorblax", TRUE },
    { "zorblax glimf", TRUE },
  };
  assert_praise_cases (e, spans, G_N_ELEMENTS (spans));
  tact_engine_free (e);
  test_rm_rf (user);
  g_free (user);

  static const char not_bool[] = "    { \"label\": \"praise\", \"weight\": 0.5, \"clause_veto\": \"yes\", \"patterns\": [\"zorp\"] }";
  g_autofree char *c = cues_with (not_bool);
  expect_refused ("cues", c, "\"clause_veto\"", (const char *const[]) { "clause_veto", "true or false", NULL });
  static const char span_not_bool[] = "    { \"label\": \"praise\", \"weight\": 0.5, \"span_veto\": 1, \"patterns\": [\"zorp\"] }";
  g_autofree char *c2 = cues_with (span_not_bool);
  expect_refused ("cues", c2, "\"span_veto\"", (const char *const[]) { "span_veto", "true or false", NULL });
}

/* Every message of @yes has praise as its main label, and none of @no. */
static void
assert_praise_split (TactEngine *e, const char *const *yes, guint n_yes, const char *const *no,
                     guint n_no)
{
  for (guint i = 0; i < n_yes; i++)
    g_assert_cmpint (test_primary_of (e, yes[i]), ==, TACT_LABEL_PRAISE);
  for (guint i = 0; i < n_no; i++)
    g_assert_cmpint (test_primary_of (e, no[i]), !=, TACT_LABEL_PRAISE);
}

/* A clause end or "$" right after a gap: "zorblax *2 ,|$" matches when a
 * clause ends within two words of "zorblax" (until the engine spelt such
 * a gap out, the ending was checked on a unit the gap had stepped on and
 * the pattern never matched); the word alternatives keep the gap. */
static void
test_gap_then_clause_end (void)
{
  char *user;
  TactEngine *e = test_engine_with_user_cues (TACT_TEST_DATADIR,
    "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\",\n"
    "  \"cues\": [ { \"label\": \"praise\", \"weight\": 0.9,\n"
    "              \"patterns\": [\"zorblax *2 ,|.|$|quuxle\"] } ] }\n", &user);
  const char *const yes[] = { "zorblax", "zorblax.", "zorblax, then more", "zorblax glim",
                              "zorblax glim glom. and more", "zorblax glim quuxle and more",
                              "zorblax glim glom quuxle" };
  const char *const no[] = { "zorblax glim glom glum", "zorblax glim glom glum. more",
                             "zorblax glim glom glum quuxle" };
  assert_praise_split (e, yes, G_N_ELEMENTS (yes), no, G_N_ELEMENTS (no));
  tact_engine_free (e);
  test_rm_rf (user);
  g_free (user);

  /* one phrase is one match, the first to end: the score stays the cue's
   * weight, the evidence stops at the first clause end, and a clause veto
   * written this way does not reach into the next clause */
  e = test_engine_with_user_cues (TACT_TEST_DATADIR,
    "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\",\n"
    "  \"cues\": [ { \"label\": \"praise\", \"weight\": 0.3,\n"
    "                \"patterns\": [\"zorblax *2 ,|.|$|quuxle\"] },\n"
    "              { \"label\": \"feedback\", \"weight\": 0.9, \"patterns\": [\"glorpish\"] },\n"
    "              { \"label\": \"feedback\", \"clause_veto\": true, \"patterns\": [\"blimf *3 .|$\"] } ] }\n", &user);
  const char *const once[] = { "zorblax, then more", "zorblax quuxle", "zorblax!!! ok", "zorblax glim. glom glum" };
  for (guint i = 0; i < G_N_ELEMENTS (once); i++)
    {
      TactAnalysis *a = tact_engine_analyze (e, once[i], -1);
      g_assert_null (tact_analysis_find (a, TACT_LABEL_PRAISE)); /* 0.3 < 0.5, however many paths */
      tact_analysis_unref (a);
    }
  g_assert_cmpint (test_primary_of (e, "blimf. glorpish"), ==, TACT_LABEL_FEEDBACK);
  g_assert_cmpint (test_primary_of (e, "blimf glorpish."), !=, TACT_LABEL_FEEDBACK);
  tact_engine_free (e);
  test_rm_rf (user);
  g_free (user);
}

/* Two gaps round an optional element: "zorblax *2 glim|_ *2 quuxle" with no
 * "glim" is "zorblax", up to four words, "quuxle" (until round fifty-seven
 * the second gap could not start where the first ended, and the pattern
 * matched only with a "glim"); a third gap adds its width too, and "glim"
 * itself is then one of the words a wide gap may take. */
static void
test_gaps_round_optional (void)
{
  char *user;
  TactEngine *e = test_engine_with_user_cues (TACT_TEST_DATADIR,
    "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\",\n"
    "  \"cues\": [ { \"label\": \"praise\", \"weight\": 0.9,\n"
    "              \"patterns\": [\"zorblax *2 glim|_ *2 quuxle\", \"blimf *1 #any|_ *1 glom|_ *1 glorp\"] } ] }\n", &user);
  const char *const yes[] = { "zorblax quuxle", "zorblax a quuxle", "zorblax a b quuxle",
                              "zorblax a b c quuxle", "zorblax a b c d quuxle", "zorblax a glim b quuxle",
                              "zorblax a b glim c d quuxle", "zorblax a b c glim quuxle", "blimf glorp",
                              "blimf a b c glorp", "blimf a b c d glorp", "blimf a glom b glorp" };
  const char *const no[] = { "zorblax a b c d e quuxle", "zorblax a b c d glim quuxle",
                             "blimf a b c d e glorp" };
  assert_praise_split (e, yes, G_N_ELEMENTS (yes), no, G_N_ELEMENTS (no));
  tact_engine_free (e);
  test_rm_rf (user);
  g_free (user);
}

static void
test_user_replace (void)
{
  char *user;
  TactEngine *e = test_engine_with_user_cues (TACT_TEST_DATADIR,
    "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\", \"replace\": true,\n"
    "  \"cues\": [ { \"label\": \"opt-out\", \"weight\": 0.9, \"patterns\": [\"zorblax\"] } ] }\n",
    &user);
  g_assert_cmpint (test_primary_of (e, "zorblax"), ==, TACT_LABEL_OPT_OUT);
  /* the shipped cues are gone */
  g_assert_cmpint (test_primary_of (e, "please stop messaging me"), ==, TACT_LABEL_NEUTRAL);
  g_assert_cmpint (test_primary_of (e, "is this a bot?"), ==, TACT_LABEL_NEUTRAL);
  tact_engine_free (e);

  /* "replace" must be a boolean */
  test_write_pack_file (user, "en", "cues",
    "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\", \"replace\": \"yes\",\n"
    "  \"cues\": [] }\n");
  GError *err = NULL;
  e = tact_engine_new (TACT_TEST_DATADIR, user, &err);
  g_assert_nonnull (e);
  g_assert_error (err, TACT_ERROR, TACT_ERROR_PACK);
  g_assert_nonnull (strstr (err->message, "replace"));
  g_clear_error (&err);
  tact_engine_free (e);
  test_rm_rf (user);
  g_free (user);
}

static void
test_user_refused (void)
{
  char *user = test_make_dir (FALSE);
  /* the user's pattern error is reported in the user's file, with the user's index */
  static const char bad[] =
    "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\",\n"
    "  \"cues\": [\n"
    "    { \"label\": \"praise\", \"weight\": 0.9, \"patterns\": [\"zorblax rocks\"] },\n"
    "    { \"label\": \"praise\", \"weight\": 0.9, \"patterns\": [\"a\", \"quux (rocks\"] } ] }\n";
  test_write_pack_file (user, "en", "cues", bad);
  GError *err = NULL;
  TactEngine *e = tact_engine_new (TACT_TEST_DATADIR, user, &err);
  g_assert_nonnull (e);
  g_assert_error (err, TACT_ERROR, TACT_ERROR_PACK);
  int l, c;
  test_pos_of (bad, "\"quux (rocks\"", &l, &c);
  g_autofree char *want = g_strdup_printf ("%s/en/cues.json:%d:%d: cues[1].patterns[1]: ", user, l, c);
  if (!g_str_has_prefix (err->message, want))
    g_error ("expected \"%s…\", got \"%s\"", want, err->message);
  g_clear_error (&err);
  /* the engine works with the shipped cues, without the refused user ones */
  g_assert_cmpint (test_primary_of (e, "please stop messaging me"), ==, TACT_LABEL_OPT_OUT);
  g_assert_cmpint (test_primary_of (e, "zorblax rocks"), !=, TACT_LABEL_PRAISE);
  const char *const *langs = tact_engine_languages (e);
  g_assert_cmpstr (langs[0], ==, "en");
  tact_engine_free (e);
  test_rm_rf (user);
  g_free (user);
}

static void
reload_body (void)
{
  char *user = test_make_dir (FALSE);
  static const char good[] =
    "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\",\n"
    "  \"cues\": [ { \"label\": \"praise\", \"weight\": 0.9, \"patterns\": [\"zorblax rocks\"] } ] }\n";
  test_write_pack_file (user, "en", "cues", good);
  GError *err = NULL;
  TactEngine *e = tact_engine_new (TACT_TEST_DATADIR, user, &err);
  g_assert_no_error (err);
  g_assert_cmpint (test_primary_of (e, "zorblax rocks"), ==, TACT_LABEL_PRAISE);
  g_assert_cmpfloat (tact_engine_load_ms (e), >, 0.0);

  /* a broken user file: reload fails, the previous packs stay in force */
  test_write_pack_file (user, "en", "cues", "{ \"schema\": \"purple-tact-pack/1\",\n  \"cues\": [ \n");
  g_assert_false (tact_engine_reload (e, &err));
  g_assert_error (err, TACT_ERROR, TACT_ERROR_PACK);
  g_autofree char *want = g_strdup_printf ("%s/en/cues.json:", user);
  g_assert_true (g_str_has_prefix (err->message, want));
  g_clear_error (&err);
  g_assert_cmpint (test_primary_of (e, "zorblax rocks"), ==, TACT_LABEL_PRAISE);
  g_assert_cmpint (test_primary_of (e, "please stop messaging me"), ==, TACT_LABEL_OPT_OUT);
  g_assert_cmpstr (tact_engine_languages (e)[0], ==, "en");
  TactAnalysis *a = tact_engine_analyze (e, "is this a bot?", -1);
  TactContext ctx = { "Maria", "Sam", "Acme", NULL, NULL, FALSE };
  GPtrArray *sug = tact_engine_suggest (e, a, &ctx, 3);
  g_assert_cmpuint (sug->len, ==, 3);
  g_ptr_array_unref (sug);
  tact_analysis_unref (a);

  /* a second failing reload still keeps them */
  g_assert_false (tact_engine_reload (e, &err));
  g_clear_error (&err);
  g_assert_cmpint (test_primary_of (e, "zorblax rocks"), ==, TACT_LABEL_PRAISE);

  /* fixed: the new file takes effect */
  test_write_pack_file (user, "en", "cues",
    "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\",\n"
    "  \"cues\": [ { \"label\": \"praise\", \"weight\": 0.9, \"patterns\": [\"quuxle rules\"] } ] }\n");
  g_assert_true (tact_engine_reload (e, &err));
  g_assert_no_error (err);
  g_assert_cmpint (test_primary_of (e, "quuxle rules"), ==, TACT_LABEL_PRAISE);
  g_assert_cmpint (test_primary_of (e, "zorblax rocks"), !=, TACT_LABEL_PRAISE);
  tact_engine_free (e);
  test_rm_rf (user);
  g_free (user);
}

/* In a subprocess: a crash here must not take the other tests with it. */
static void
test_reload (void)
{
  if (g_test_subprocess ())
    {
      reload_body ();
      return;
    }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (!g_test_trap_has_passed ())
    g_test_fail_printf ("the subprocess crashed, hung or failed (see its output above)");
}

static void
test_builtin_only (void)
{
  GError *err = NULL;
  TactEngine *e = tact_engine_new (NULL, NULL, &err);
  g_assert_no_error (err);
  g_assert_nonnull (e);
  g_assert_cmpstr (tact_engine_languages (e)[0], ==, "en");
  g_assert_cmpint (test_primary_of (e, "please stop messaging me"), ==, TACT_LABEL_OPT_OUT);
  g_assert_true (tact_engine_reload (e, &err));
  g_assert_no_error (err);
  g_assert_cmpint (test_primary_of (e, "please stop messaging me"), ==, TACT_LABEL_OPT_OUT);
  tact_engine_free (e);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pack/shipped-valid", test_shipped_valid);
  g_test_add_func ("/pack/unknown-key", test_unknown_key);
  g_test_add_func ("/pack/unknown-label", test_unknown_label);
  g_test_add_func ("/pack/weight-range", test_weight_range);
  g_test_add_func ("/pack/judge-errors", test_judge_errors);
  g_test_add_func ("/pack/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/pack/bad-pattern", test_bad_pattern);
  g_test_add_func ("/pack/unknown-class", test_unknown_class);
  g_test_add_func ("/pack/class-reference", test_class_reference);
  g_test_add_func ("/pack/class-duplicate", test_class_duplicate);
  g_test_add_func ("/pack/not-regular", test_not_regular);
  g_test_add_func ("/pack/duplicate-key", test_duplicate_key);
  g_test_add_func ("/pack/missing-file", test_missing_file);
  g_test_add_func ("/pack/header-errors", test_header_errors);
  g_test_add_func ("/pack/template-errors", test_template_errors);
  g_test_add_func ("/pack/user-merge", test_user_merge);
  g_test_add_func ("/pack/phrase-counts-once", test_phrase_counts_once);
  g_test_add_func ("/pack/clause-veto", test_clause_veto);
  g_test_add_func ("/pack/edge-table-load", test_edge_table_load);
  g_test_add_func ("/pack/gap-then-clause-end", test_gap_then_clause_end);
  g_test_add_func ("/pack/gaps-round-optional", test_gaps_round_optional);
  g_test_add_func ("/pack/clause-start", test_clause_start);
  g_test_add_func ("/pack/message-start", test_message_start);
  g_test_add_func ("/pack/user-replace", test_user_replace);
  g_test_add_func ("/pack/user-refused", test_user_refused);
  g_test_add_func ("/pack/reload", test_reload);
  g_test_add_func ("/pack/builtin-only", test_builtin_only);
  return g_test_run ();
}
