/* Unit tests of the judge (tact-judge.c): how its weights become labels,
 * what it may not add, and the units it shares with `tact units`.
 * Every test builds its own small judge.json with made-up words, so the
 * expected scores follow from the weights written here alone.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "tact-engine.h"
#include "test-util.h"

#include <math.h>
#include <string.h>

static const char JUDGE_FMT[] =
  "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"judge\", \"lang\": \"en\",\n"
  "  \"threshold\": %s,\n"
  "  \"entries\": {\n"
  "    \"praise\": -2,\n"
  "    \"praise zorblax\": 3,\n"
  "    \"praise blorf\": 3,\n"
  "    \"praise snarf\": 1.5,\n"
  "    \"praise quibble\": 1.8,\n"
  "    \"feedback\": -3,\n"
  "    \"feedback glorp fnord\": 4,\n"
  "    \"feedback never\": 2,\n"
  "    \"opt-out\": -2,\n"
  "    \"opt-out zorp\": 4,\n"
  "    \"question\": -2,\n"
  "    \"question blick\": 3,\n"
  "    \"question ^ blick\": 0.5,\n"
  "    \"interested\": -3,\n"
  "    \"interested #url\": 4,\n"
  "    \"praise quark\": -5,\n"
  "    \"needs-expert\": -8\n"
  "  } }\n";

static TactEngine *
engine_with_judge (const char *threshold, char **dir_out)
{
  char *dir = test_make_dir (TRUE);
  g_autofree char *judge = g_strdup_printf (JUDGE_FMT, threshold);
  test_write_pack_file (dir, "en", "judge", judge);
  GError *err = NULL;
  TactEngine *e = tact_engine_new (dir, NULL, &err);
  g_assert_no_error (err);
  *dir_out = dir;
  return e;
}

static void
drop_engine (TactEngine *e, char *dir)
{
  tact_engine_free (e);
  test_rm_rf (dir);
  g_free (dir);
}

static double
sigmoid (double z)
{
  return 1.0 / (1.0 + exp (-z));
}

/* The label's score, or -1 when it is not asserted. */
static double
score_of (TactEngine *e, const char *text, TactLabel label, char **evidence)
{
  g_autoptr (TactAnalysis) a = tact_engine_analyze (e, text, -1);
  const TactLabelHit *h = tact_analysis_find (a, label);
  if (evidence)
    *evidence = h ? g_strdup (h->evidence) : NULL;
  return h ? h->score : -1.0;
}

static void
test_weights_add_up (void)
{
  char *dir;
  TactEngine *e = engine_with_judge ("0.5", &dir);
  g_autofree char *ev = NULL;
  /* one word: bias -2 + 3 */
  g_assert_cmpfloat_with_epsilon (score_of (e, "zorblax", TACT_LABEL_PRAISE, &ev), sigmoid (1.0), 1e-4);
  g_assert_cmpstr (ev, ==, "zorblax");
  /* two words add up: -2 + 3 + 3 */
  g_assert_cmpfloat_with_epsilon (score_of (e, "zorblax and blorf", TACT_LABEL_PRAISE, NULL),
                                  sigmoid (4.0), 1e-4);
  /* a word counts once however often it occurs */
  g_assert_cmpfloat_with_epsilon (score_of (e, "zorblax zorblax, zorblax", TACT_LABEL_PRAISE, NULL),
                                  sigmoid (1.0), 1e-4);
  /* also in a long message, whose features outgrow the first seen-set */
  g_autoptr (GString) longer = g_string_new ("zorblax");
  for (guint i = 0; i < 600; i++)
    g_string_append_printf (longer, " w%u%s", i, i % 50 == 0 ? " zorblax" : "");
  g_string_append (longer, " blorf");
  g_assert_cmpfloat_with_epsilon (score_of (e, longer->str, TACT_LABEL_PRAISE, NULL), sigmoid (4.0), 1e-4);
  /* and so does a pair */
  g_assert_cmpfloat_with_epsilon (score_of (e, "glorp fnord glorp fnord", TACT_LABEL_FEEDBACK, NULL),
                                  sigmoid (1.0), 1e-4);
  /* a pair counts in its order only, and not across a clause */
  g_free (ev);
  g_assert_cmpfloat_with_epsilon (score_of (e, "well glorp fnord then", TACT_LABEL_FEEDBACK, &ev),
                                  sigmoid (1.0), 1e-4);
  g_assert_cmpstr (ev, ==, "glorp fnord");
  g_assert_cmpfloat (score_of (e, "fnord glorp", TACT_LABEL_FEEDBACK, NULL), <, 0);
  g_assert_cmpfloat (score_of (e, "glorp. fnord", TACT_LABEL_FEEDBACK, NULL), <, 0);
  g_assert_cmpfloat (score_of (e, "glorp", TACT_LABEL_FEEDBACK, NULL), <, 0);
  /* "^" marks the start: "blick" first gets the pair's 0.5 too */
  g_assert_cmpfloat_with_epsilon (score_of (e, "blick", TACT_LABEL_QUESTION, NULL), sigmoid (1.5), 1e-4);
  g_assert_cmpfloat_with_epsilon (score_of (e, "so blick", TACT_LABEL_QUESTION, NULL), sigmoid (1.0), 1e-4);
  /* links and mentions are words to the judge: "#url" as `tact units` shows them */
  g_assert_cmpfloat_with_epsilon (score_of (e, "see https://example.org/x", TACT_LABEL_INTERESTED, NULL),
                                  sigmoid (1.0), 1e-4);
  /* nothing the judge knows: neutral */
  g_autoptr (TactAnalysis) a = tact_engine_analyze (e, "see you at noon", -1);
  g_assert_cmpuint (a->n_labels, ==, 0);
  drop_engine (e, dir);
}

static void
test_threshold (void)
{
  char *dir;
  TactEngine *e = engine_with_judge ("0.9", &dir);
  /* sigmoid (1) = 0.73 < 0.9; sigmoid (4) = 0.98 */
  g_assert_cmpfloat (score_of (e, "zorblax", TACT_LABEL_PRAISE, NULL), <, 0);
  g_assert_cmpfloat_with_epsilon (score_of (e, "zorblax blorf", TACT_LABEL_PRAISE, NULL), sigmoid (4.0), 1e-4);
  drop_engine (e, dir);
  /* a label may ask for more certainty than the others… */
  e = engine_with_judge ("0.5,\n  \"thresholds\": { \"praise\": 0.99 }", &dir);
  g_assert_cmpfloat (score_of (e, "zorblax blorf", TACT_LABEL_PRAISE, NULL), <, 0);
  g_assert_cmpfloat_with_epsilon (score_of (e, "zorp", TACT_LABEL_OPT_OUT, NULL), sigmoid (2.0), 1e-4);
  drop_engine (e, dir);
  /* …or for less, and 1 switches that label off alone */
  e = engine_with_judge ("0.99,\n  \"thresholds\": { \"praise\": 0.9, \"opt-out\": 1 }", &dir);
  g_assert_cmpfloat_with_epsilon (score_of (e, "zorblax blorf", TACT_LABEL_PRAISE, NULL), sigmoid (4.0), 1e-4);
  g_assert_cmpfloat (score_of (e, "zorp", TACT_LABEL_OPT_OUT, NULL), <, 0);
  drop_engine (e, dir);
  /* 1 switches the judge off */
  e = engine_with_judge ("1", &dir);
  g_assert_cmpfloat (score_of (e, "zorblax blorf", TACT_LABEL_PRAISE, NULL), <, 0);
  drop_engine (e, dir);
}

static void
test_cues_keep_the_last_word (void)
{
  char *dir;
  TactEngine *e = engine_with_judge ("0.5", &dir);
  /* the judge adds an opt-out on its word… */
  g_assert_cmpfloat_with_epsilon (score_of (e, "zorp", TACT_LABEL_OPT_OUT, NULL), sigmoid (2.0), 1e-4);
  /* …but not where a cue found an opt-out and its negation ruled it out */
  g_assert_cmpfloat (score_of (e, "I'm not asking you to stop messaging me zorp", TACT_LABEL_OPT_OUT, NULL), <, 0);
  /* a label the cues asserted keeps the cues' score and evidence */
  g_autofree char *ev = NULL;
  double s = score_of (e, "please stop messaging me zorp", TACT_LABEL_OPT_OUT, &ev);
  g_assert_cmpfloat (s, >, 0.9);
  g_assert_nonnull (strstr (ev, "stop messaging me"));
  /* a negated word is no evidence ("I'm not a bot"), as for negatable cues */
  g_assert_cmpfloat (score_of (e, "not zorblax", TACT_LABEL_PRAISE, NULL), <, 0);
  g_assert_cmpfloat (score_of (e, "so zorblax", TACT_LABEL_PRAISE, NULL), >, 0);
  /* a label dropped for negated evidence does not make others defer */
  g_assert_cmpfloat (score_of (e, "not zorblax, so blick", TACT_LABEL_PRAISE, NULL), <, 0);
  g_assert_cmpfloat (score_of (e, "not zorblax, so blick", TACT_LABEL_QUESTION, NULL), >, 0);
  /* "question" yields to the labels all its cues yield to (an opt-out)… */
  g_assert_cmpfloat (score_of (e, "blick", TACT_LABEL_QUESTION, NULL), >, 0);
  g_assert_cmpfloat (score_of (e, "blick zorp", TACT_LABEL_QUESTION, NULL), <, 0);
  g_assert_cmpfloat (score_of (e, "blick zorp", TACT_LABEL_OPT_OUT, NULL), >, 0);
  /* …but not to praise: a compliment with a question still wants an answer */
  g_assert_cmpfloat (score_of (e, "blick zorblax", TACT_LABEL_QUESTION, NULL), >, 0);
  g_assert_cmpfloat (score_of (e, "blick zorblax", TACT_LABEL_PRAISE, NULL), >, 0);
  /* a cue's "question" gives way to a label the judge adds as it would to
   * the same label from a cue ("?" defers to opt-out)… */
  g_assert_cmpfloat (score_of (e, "so zorp?", TACT_LABEL_OPT_OUT, NULL), >, 0);
  g_assert_cmpfloat (score_of (e, "so zorp?", TACT_LABEL_QUESTION, NULL), <, 0);
  g_assert_cmpfloat (score_of (e, "so zorp", TACT_LABEL_OPT_OUT, NULL), >, 0);
  /* …but not to one it does not defer to */
  g_assert_cmpfloat (score_of (e, "so zorblax?", TACT_LABEL_PRAISE, NULL), >, 0);
  g_assert_cmpfloat (score_of (e, "so zorblax?", TACT_LABEL_QUESTION, NULL), >, 0);
  g_assert_cmpfloat (score_of (e, "so what?", TACT_LABEL_QUESTION, NULL), >, 0);
  /* a negator the judge learnt as part of a label does not negate its
   * evidence ("never" weighs 2 for feedback here)… */
  g_assert_cmpfloat_with_epsilon (score_of (e, "never glorp fnord", TACT_LABEL_FEEDBACK, NULL),
                                  sigmoid (3.0), 1e-4);
  /* …one it did not learn does */
  g_assert_cmpfloat (score_of (e, "not glorp fnord", TACT_LABEL_FEEDBACK, NULL), <, 0);
  drop_engine (e, dir);
}

/* "overrule": the judge drops a label that only shipped cues assert when
 * its probability for it is below the label's overrule; never a user's
 * cue, and not when the judge read the message as something the cues ruled
 * out. */
static void
test_overrule (void)
{
  char *dir;
  /* without "overrule", the cues' praise stands however the judge scores it */
  TactEngine *e = engine_with_judge ("0.5", &dir);
  g_assert_cmpfloat (score_of (e, "you are amazing quark", TACT_LABEL_PRAISE, NULL), >, 0.5);
  drop_engine (e, dir);
  /* praise logit -2 - 5 = -7 (p 0.0009) is below 0.05: dropped; "quark"
   * alone leaves it at -2 (p 0.12), above 0.05: kept */
  e = engine_with_judge ("0.5,\n  \"overrule\": { \"praise\": 0.05, \"needs-expert\": 0.05 }", &dir);
  g_assert_cmpfloat (score_of (e, "you are amazing quark", TACT_LABEL_PRAISE, NULL), <, 0);
  g_assert_cmpfloat (score_of (e, "you are amazing", TACT_LABEL_PRAISE, NULL), >, 0.5);
  /* only the labels listed: the same message's other labels stay */
  g_assert_cmpfloat (score_of (e, "you are amazing quark, please stop messaging me", TACT_LABEL_OPT_OUT, NULL),
                     >, 0.5);
  g_assert_cmpfloat (score_of (e, "you are amazing quark, please stop messaging me", TACT_LABEL_PRAISE, NULL),
                     <, 0);
  /* what defers to an overruled label stands: the judge's "question" (on
   * "blick") gives way to an expert question, and the cues' expert question
   * on "GDPR" is overruled (logit -8), so the question is asserted */
  g_assert_cmpfloat (score_of (e, "gdpr blick", TACT_LABEL_NEEDS_EXPERT, NULL), <, 0);
  g_assert_cmpfloat (score_of (e, "gdpr blick", TACT_LABEL_QUESTION, NULL), >, 0.5);
  /* the judge reads "zorp" as an opt-out that the cues' negation ruled out:
   * it misread the message, and the cues' praise stays */
  g_assert_cmpfloat (score_of (e, "I'm not asking you to stop messaging me zorp, you are amazing quark",
                               TACT_LABEL_PRAISE, NULL), >, 0.5);
  /* …and so when a negation ruled it out ("never stop messaging me") */
  g_assert_cmpfloat (score_of (e, "never stop messaging me zorp, you are amazing quark", TACT_LABEL_OPT_OUT, NULL),
                     <, 0);
  g_assert_cmpfloat (score_of (e, "never stop messaging me zorp, you are amazing quark", TACT_LABEL_PRAISE, NULL),
                     >, 0.5);
  tact_engine_free (e);
  /* a phrase from the user's pack is never overruled */
  char *user;
  e = test_engine_with_user_cues (dir, "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\",\n"
                             "  \"cues\": [ { \"label\": \"praise\", \"weight\": 0.9, \"patterns\": [\"quibbly\"] } ] }\n",
                             &user);
  g_assert_cmpfloat (score_of (e, "quibbly quark", TACT_LABEL_PRAISE, NULL), >, 0.5);
  g_assert_cmpfloat (score_of (e, "you are amazing quark", TACT_LABEL_PRAISE, NULL), <, 0);
  drop_engine (e, user);
  test_rm_rf (dir);
  g_free (dir);
}

/* A shipped cue marked "sure" is never overruled, as a user's cue is not:
 * the phrases that say a label outright ("see you in court") come in
 * messages too short for the judge's weights to outweigh its bias. */
static void
test_overrule_sure (void)
{
  char *dir = test_make_dir (TRUE);
  g_autofree char *judge = g_strdup_printf (JUDGE_FMT, "0.5,\n  \"overrule\": { \"praise\": 0.05, \"needs-expert\": 0.05 }");
  test_write_pack_file (dir, "en", "judge", judge);
  test_write_pack_file (dir, "en", "cues",
                        "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\",\n"
                        "  \"cues\": [ { \"label\": \"praise\", \"weight\": 0.9, \"patterns\": [\"quibbly\"] },\n"
                        "              { \"label\": \"praise\", \"weight\": 0.9, \"sure\": true, \"patterns\": [\"quobbly\"] },\n"
                        "              { \"label\": \"praise\", \"weight\": 0.9, \"sure\": false, \"patterns\": [\"quabbly\"] } ] }\n");
  GError *err = NULL;
  TactEngine *e = tact_engine_new (dir, NULL, &err);
  g_assert_no_error (err);
  /* praise logit -2 - 5 = -7 (p 0.0009), below 0.05 */
  g_assert_cmpfloat (score_of (e, "quibbly quark", TACT_LABEL_PRAISE, NULL), <, 0);
  g_assert_cmpfloat (score_of (e, "quabbly quark", TACT_LABEL_PRAISE, NULL), <, 0);
  g_assert_cmpfloat (score_of (e, "quobbly quark", TACT_LABEL_PRAISE, NULL), >, 0.5);
  /* one sure cue keeps the label whatever else fired for it */
  g_assert_cmpfloat (score_of (e, "quibbly quobbly quark", TACT_LABEL_PRAISE, NULL), >, 0.5);
  drop_engine (e, dir);
}

/* The judge of JUDGE_FMT (threshold 0.5) with a user cues.json of the
 * one cue @cue; free with drop_engine_and_cues(). */
static TactEngine *
engine_with_judge_and_cues (const char *cue, char **dir, char **user)
{
  tact_engine_free (engine_with_judge ("0.5", dir));
  g_autofree char *cues = g_strdup_printf ("{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\",\n"
                                           "  \"cues\": [ %s ] }\n", cue);
  return test_engine_with_user_cues (*dir, cues, user);
}

static void
drop_engine_and_cues (TactEngine *e, char *dir, char *user)
{
  drop_engine (e, user);
  test_rm_rf (dir);
  g_free (dir);
}

/* The judge's label defers to what all its cues defer to; a clause veto
 * asserts nothing, so a user's veto for "question" must not make the
 * judge's question stop giving way to an opt-out. */
static void
test_vetoes_do_not_count_for_deferral (void)
{
  char *dir, *user;
  TactEngine *e = engine_with_judge_and_cues ("{ \"label\": \"question\", \"clause_veto\": true, \"patterns\": [\"quuxly\"] }",
                                              &dir, &user);
  g_assert_cmpfloat (score_of (e, "blick zorp", TACT_LABEL_OPT_OUT, NULL), >, 0);
  g_assert_cmpfloat (score_of (e, "blick zorp", TACT_LABEL_QUESTION, NULL), <, 0);
  g_assert_cmpfloat (score_of (e, "blick", TACT_LABEL_QUESTION, NULL), >, 0);
  drop_engine_and_cues (e, dir, user);
}

/* The judge's label whose strongest feature lies in the words of a span
 * veto stands only on what it saw outside them: every feature that
 * touches the span is taken away, not those of one unit. */
static void
test_span_veto_and_the_judge (void)
{
  char *dir, *user;
  TactEngine *e = engine_with_judge_and_cues ("{ \"label\": \"praise\", \"span_veto\": true, \"patterns\": [\"blorf snarf\"] }",
                                              &dir, &user);
  /* no veto: -2 + 3 + 1.8 */
  g_assert_cmpfloat (score_of (e, "blorf quibble", TACT_LABEL_PRAISE, NULL), >, 0);
  /* -2 + 3 + 1.5 + 1.8 = 4.3, but -2 + 1.8 outside the span: dropped
   * (taking away "blorf" alone would leave 1.3 and keep it) */
  g_assert_cmpfloat (score_of (e, "blorf snarf quibble", TACT_LABEL_PRAISE, NULL), <, 0);
  /* -2 + 3 outside the span: it stands, with its evidence moved there */
  g_autofree char *ev = NULL;
  g_assert_cmpfloat (score_of (e, "blorf snarf zorblax", TACT_LABEL_PRAISE, &ev), >, 0);
  g_assert_cmpstr (ev, ==, "zorblax");
  drop_engine_and_cues (e, dir, user);
}

static void
test_units (void)
{
  GError *err = NULL;
  TactEngine *e = tact_engine_new (TACT_TEST_DATADIR, NULL, &err);
  g_assert_no_error (err);
  char lang[8];
  g_auto (GStrv) u = tact_engine_units (e, "Hi u. STOP!!", -1, lang);
  g_autofree char *joined = g_strjoinv (" ", u);
  /* shorthand expanded, case folded, a clause bar, the "!" run kept */
  g_assert_cmpstr (joined, ==, "^ hi you | stop ! $");
  g_assert_cmpstr (lang, ==, "en");
  g_auto (GStrv) empty = tact_engine_units (e, "", 0, NULL);
  g_assert_cmpuint (g_strv_length (empty), ==, 2);
  tact_engine_free (e);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/judge/weights-add-up", test_weights_add_up);
  g_test_add_func ("/judge/threshold", test_threshold);
  g_test_add_func ("/judge/cues-keep-the-last-word", test_cues_keep_the_last_word);
  g_test_add_func ("/judge/vetoes-do-not-count-for-deferral", test_vetoes_do_not_count_for_deferral);
  g_test_add_func ("/judge/overrule", test_overrule);
  g_test_add_func ("/judge/overrule-sure", test_overrule_sure);
  g_test_add_func ("/judge/span-veto", test_span_veto_and_the_judge);
  g_test_add_func ("/judge/units", test_units);
  return g_test_run ();
}
