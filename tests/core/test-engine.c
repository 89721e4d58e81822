/* Unit tests of the engine's public API (tact-engine.c, tact-label.c,
 * tact-analyze.c through it).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "tact-engine.h"
#include "test-analysis.h"
#include "test-util.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

static TactEngine *engine;

static TactAnalysis *
analyze (const char *text)
{
  return tact_engine_analyze (engine, text, -1);
}

/* A hand-made analysis holding exactly @label (none for neutral). */
static TactAnalysis *
analysis_of (TactLabel label)
{
  return tact_test_analysis_of (label, 0.9);
}

static void
test_labels (void)
{
  static const char *const ids[] = { "opt-out", "harassment", "abusive", "crisis", "our-mistake",
    "needs-expert", "automation-question", "annoyed-by-automation", "confused", "not-a-fit",
    "resolved", "interested", "feedback", "question", "praise", "neutral" };
  G_STATIC_ASSERT (G_N_ELEMENTS (ids) == TACT_LABEL_COUNT);
  for (guint i = 0; i < TACT_LABEL_COUNT; i++)
    {
      g_assert_cmpstr (tact_label_id ((TactLabel) i), ==, ids[i]);
      TactLabel l = TACT_LABEL_COUNT;
      g_assert_true (tact_label_from_id (ids[i], &l));
      g_assert_cmpint (l, ==, i);
      g_assert_cmpint (tact_label_is_stateful ((TactLabel) i), ==,
                       i == TACT_LABEL_HARASSMENT || i == TACT_LABEL_CRISIS);
    }
  g_assert_false (tact_label_from_id ("opt_out", NULL));
  g_assert_false (tact_label_from_id ("", NULL));
  g_assert_false (tact_label_from_id (NULL, NULL));
  g_assert_true (tact_label_from_id ("praise", NULL));
}

static void
check_json_shape (const TactAnalysis *a)
{
  GString *s = g_string_new ("prefix:");
  tact_analysis_to_json (a, s);
  g_assert_true (g_str_has_prefix (s->str, "prefix:{"));
  g_assert_null (strchr (s->str, '\n'));
  json_error_t jerr;
  json_t *j = json_loads (s->str + 7, 0, &jerr);
  if (!j)
    g_error ("invalid JSON (%s): %s", jerr.text, s->str);
  g_assert_true (json_is_object (j));
  g_assert_cmpstr (json_string_value (json_object_get (j, "lang")), ==, a->lang);
  json_t *pol = json_object_get (j, "polarity");
  g_assert_true (json_is_number (pol));
  g_assert_cmpfloat (json_number_value (pol), >=, -1.0);
  g_assert_cmpfloat (json_number_value (pol), <=, 1.0);
  g_assert_cmpfloat (fabs (json_number_value (pol) - a->polarity), <, 0.001);
  g_assert_cmpstr (json_string_value (json_object_get (j, "primary")), ==, tact_label_id (a->primary));
  json_t *labels = json_object_get (j, "labels");
  g_assert_true (json_is_array (labels));
  g_assert_cmpuint (json_array_size (labels), ==, a->n_labels);
  for (guint i = 0; i < a->n_labels; i++)
    {
      json_t *h = json_array_get (labels, i);
      g_assert_cmpstr (json_string_value (json_object_get (h, "id")), ==, tact_label_id (a->labels[i].label));
      json_t *sc = json_object_get (h, "score");
      g_assert_true (json_is_number (sc));
      g_assert_cmpfloat (json_number_value (sc), >, 0.0);
      g_assert_cmpfloat (json_number_value (sc), <=, 1.0);
      g_assert_true (json_is_string (json_object_get (h, "evidence")));
      if (a->labels[i].facet)
        g_assert_cmpstr (json_string_value (json_object_get (h, "facet")), ==, a->labels[i].facet);
      else
        g_assert_null (json_object_get (h, "facet"));
    }
  g_assert_cmpint (json_is_true (json_object_get (j, "truncated")), ==, a->truncated);
  /* only the documented keys */
  const char *key;
  json_t *v;
  json_object_foreach (j, key, v)
    g_assert_true (!strcmp (key, "lang") || !strcmp (key, "polarity") || !strcmp (key, "primary") ||
                   !strcmp (key, "labels") || !strcmp (key, "truncated"));
  json_decref (j);
  g_string_free (s, TRUE);
}

/* The invariants of any analysis. */
static void
check_analysis (const TactAnalysis *a)
{
  g_assert_nonnull (a);
  g_assert_cmpint (a->ref_count, ==, 1);
  g_assert_cmpstr (a->lang, ==, "en");
  g_assert_cmpfloat (a->polarity, >=, -1.0);
  g_assert_cmpfloat (a->polarity, <=, 1.0);
  g_assert_cmpuint (a->n_labels, <=, TACT_LABEL_COUNT);
  if (a->n_labels == 0)
    g_assert_cmpint (a->primary, ==, TACT_LABEL_NEUTRAL);
  else
    g_assert_cmpint (a->primary, ==, a->labels[0].label);
  for (guint i = 0; i < a->n_labels; i++)
    {
      const TactLabelHit *h = &a->labels[i];
      g_assert_cmpint (h->label, !=, TACT_LABEL_NEUTRAL);
      g_assert_cmpint (h->label, <, TACT_LABEL_COUNT);
      /* sorted by priority, each label once */
      if (i)
        g_assert_cmpint (a->labels[i - 1].label, <, h->label);
      g_assert_cmpfloat (h->score, >, 0.0);
      g_assert_cmpfloat (h->score, <=, 1.0);
      if (h->evidence)
        g_assert_true (g_utf8_validate (h->evidence, -1, NULL));
      if (h->facet)
        g_assert_true (!strcmp (h->facet, "technical") || !strcmp (h->facet, "legal") ||
                       !strcmp (h->facet, "billing"));
      g_assert_true (tact_analysis_find (a, h->label) == h);
      g_assert_true (tact_analysis_has (a, h->label));
    }
  check_json_shape (a);
}

static void
test_json_shape (void)
{
  static const char *const msgs[] = { "is this a bot?", "stop messaging me", "thanks, love it! \xF0\x9F\x98\x8D",
    "ok", "", "I need help with GDPR data deletion", "quote \" backslash \\ tab\t ctl \x01 end",
    "you charged me twice, this is a scam" };
  for (guint i = 0; i < G_N_ELEMENTS (msgs); i++)
    {
      TactAnalysis *a = analyze (msgs[i]);
      check_analysis (a);
      tact_analysis_unref (a);
    }
  /* a known case, exactly */
  TactAnalysis *a = analyze ("stop messaging me");
  GString *s = g_string_new (NULL);
  tact_analysis_to_json (a, s);
  json_t *j = json_loads (s->str, 0, NULL);
  g_assert_cmpstr (json_string_value (json_object_get (j, "primary")), ==, "opt-out");
  json_t *h = json_array_get (json_object_get (j, "labels"), 0);
  g_assert_cmpstr (json_string_value (json_object_get (h, "id")), ==, "opt-out");
  g_assert_nonnull (strstr (json_string_value (json_object_get (h, "evidence")), "stop"));
  json_decref (j);
  g_string_free (s, TRUE);
  tact_analysis_unref (a);
  /* a hand-made analysis with a facet and awkward evidence */
  a = analysis_of (TACT_LABEL_NEEDS_EXPERT);
  a->labels[0].facet = g_strdup ("legal");
  a->labels[0].evidence = g_strdup ("say \"hi\"\n\\");
  a->truncated = TRUE;
  check_json_shape (a);
  tact_analysis_unref (a);
}

static void
test_primary_priority (void)
{
  /* several labels: the highest-priority one is primary */
  TactAnalysis *a = analyze ("is this spam? stop messaging me");
  check_analysis (a);
  g_assert_cmpint (a->primary, ==, TACT_LABEL_OPT_OUT);
  g_assert_true (tact_analysis_has (a, TACT_LABEL_AUTOMATION_QUESTION));
  tact_analysis_unref (a);
  a = analyze ("is this a bot? how much does it cost?");
  check_analysis (a);
  g_assert_cmpint (a->primary, ==, TACT_LABEL_AUTOMATION_QUESTION);
  tact_analysis_unref (a);
  a = analyze ("thanks, the login works now");
  check_analysis (a);
  g_assert_cmpint (a->primary, ==, TACT_LABEL_RESOLVED);
  tact_analysis_unref (a);
  a = analyze ("ok");
  check_analysis (a);
  g_assert_cmpint (a->primary, ==, TACT_LABEL_NEUTRAL);
  g_assert_cmpuint (a->n_labels, ==, 0);
  g_assert_null (tact_analysis_find (a, TACT_LABEL_OPT_OUT));
  tact_analysis_unref (a);
}

/* Scoring rules with a linguistic reason, each checked both ways. */
static void
test_polarity_rules (void)
{
  static const struct { const char *text; int sign; } cases[] = {
    /* a capitalised shorthand's expansion is not a name run */
    { "Tbh it works", 1 }, { "tbh it works", 1 },
    /* capitalised runs name things: the title's words say nothing */
    { "Watching Resident Evil tonight", 0 }, { "that was evil", -1 },
    /* "no" negates only the word right after it */
    { "no good", -1 }, { "no doubt it's great", 1 }, { "no", -1 },
    /* a question does not assert mild praise; strong words and "?!" stay */
    { "is it good?", 0 }, { "it is good", 1 }, { "how cute is that?!", 1 },
    /* negation still reaches three words for the classic negators */
    { "not very good", -1 },
    /* ... but not past "but" */
    { "not cheap but good", 1 }, { "not cheap, not good", -1 },
    /* ... and past "and", unlike a cue's negation: "not happy and sad"
     * is not read as happy */
    { "not good and fast", -1 },
    /* a negator inside an idiom belongs to the idiom */
    { "couldn't be better", 1 }, { "couldn't be worse", -1 },
    { "without a doubt the best", 1 }, { "without the best", -1 },
    /* laughter is typed as long as the feeling: a run longer than the
     * lexicon lists is read as the longest form it does list */
    { "hahahahahahahaha", 1 }, { "lololololol", 1 }, { "nananananana", 0 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TactAnalysis *a = analyze (cases[i].text);
      double p = a->polarity;
      g_test_message ("%s → %.3f", cases[i].text, p);
      if (cases[i].sign > 0)
        g_assert_cmpfloat (p, >, 0.05);
      else if (cases[i].sign < 0)
        g_assert_cmpfloat (p, <, -0.05);
      else
        g_assert_cmpfloat (fabs (p), <=, 0.05);
      tact_analysis_unref (a);
    }
}

/* A negatable cue is cancelled by a negator before it ("don't stop
 * messaging me"), but not by a bare "no" when the match opens with a
 * negator of its own ("no I dont want zorbles" says the same thing twice;
 * a full negator still undoes it), nor by a negator that closes a choice
 * ("or not", "if not": the shipped "alternatives"), nor by one in a clause
 * a barrier word closes ("not keen and quit zorbling me", "not keen pls
 * quit zorbling me": the shipped "negation_barriers"). */
static void
test_negation_reach (void)
{
  char *user;
  TactEngine *e = test_engine_with_user_cues (TACT_TEST_DATADIR,
    "{ \"schema\": \"purple-tact-pack/1\", \"kind\": \"cues\", \"lang\": \"en\",\n"
    "  \"cues\": [ { \"label\": \"opt-out\", \"weight\": 0.95, \"negatable\": true,\n"
    "                \"patterns\": [\"(dont want) zorbles\", \"quit zorbling me\"] } ] }\n",
    &user);
  static const struct { const char *text; gboolean opt_out; } cases[] = {
    { "I dont want zorbles", TRUE },
    { "no I dont want zorbles", TRUE },
    { "I never said I dont want zorbles", FALSE },
    { "its not that I dont want zorbles", FALSE },
    { "quit zorbling me", TRUE },
    { "never quit zorbling me", FALSE },
    { "I do not quit zorbling me", FALSE },
    { "bot or not quit zorbling me", TRUE },
    { "if not pls quit zorbling me", TRUE },
    { "whether or not quit zorbling me", TRUE },
    /* a clause break between them: "not" is a negator again */
    { "bot or, not quit zorbling me", FALSE },
    { "I'm not going to quit zorbling me", FALSE },
    { "not keen and quit zorbling me", TRUE },
    { "no thanks so quit zorbling me", TRUE },
    { "not buying plus quit zorbling me", TRUE },
    { "not keen pls quit zorbling me", TRUE },
    { "no thanks quit zorbling me", TRUE },
    { "not and quit zorbling me", TRUE },
    /* the barrier has to stand between them: after the match it
     * changes nothing */
    { "never quit zorbling me and", FALSE },
    { "not keen, and, never quit zorbling me", FALSE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (TactAnalysis) a = tact_engine_analyze (e, cases[i].text, -1);
      if (tact_analysis_has (a, TACT_LABEL_OPT_OUT) != cases[i].opt_out)
        g_error ("\"%s\": opt-out %s, expected %s", cases[i].text,
                 tact_analysis_has (a, TACT_LABEL_OPT_OUT) ? "asserted" : "not asserted",
                 cases[i].opt_out ? "asserted" : "not");
    }
  tact_engine_free (e);
  test_rm_rf (user);
  g_free (user);
}

static void
test_opt_out (void)
{
  TactContext ctx = { "Maria Lopez", "Sam", "Acme", "Acme CRM", NULL, FALSE };
  static const char *const msgs[] = { "stop messaging me", "is this spam? stop messaging me",
                                      "is this a bot? remove me from your list" };
  for (guint m = 0; m < G_N_ELEMENTS (msgs); m++)
    {
      TactAnalysis *a = analyze (msgs[m]);
      g_assert_true (tact_analysis_has (a, TACT_LABEL_OPT_OUT));
      g_assert_null (tact_engine_followup (engine, NULL, a, &ctx));
      g_assert_null (tact_engine_followup (engine, "en", a, &ctx));
      GPtrArray *sug = tact_engine_suggest (engine, a, &ctx, 5);
      g_assert_cmpuint (sug->len, >=, 1);
      for (guint i = 0; i < sug->len; i++)
        {
          TactSuggestion *s = g_ptr_array_index (sug, i);
          g_assert_cmpint (s->label, ==, TACT_LABEL_OPT_OUT);
          g_assert_true (g_str_has_prefix (s->id, "opt-out."));
        }
      g_ptr_array_unref (sug);
      tact_analysis_unref (a);
    }
  /* even when opt-out is not primary in a hand-made analysis */
  TactAnalysis *a = analysis_of (TACT_LABEL_PRAISE);
  a->labels[1] = a->labels[0];
  a->labels[0].label = TACT_LABEL_OPT_OUT;
  a->n_labels = 2;
  a->primary = TACT_LABEL_PRAISE;
  g_assert_null (tact_engine_followup (engine, "en", a, &ctx));
  GPtrArray *sug = tact_engine_suggest (engine, a, &ctx, 3);
  for (guint i = 0; i < sug->len; i++)
    g_assert_cmpint (((TactSuggestion *) g_ptr_array_index (sug, i))->label, ==, TACT_LABEL_OPT_OUT);
  g_ptr_array_unref (sug);
  tact_analysis_unref (a);
}

static void
test_followup (void)
{
  TactContext ctx = { "Maria Lopez", "Sam", "Acme", "Acme CRM", NULL, FALSE };
  TactAnalysis *a = analyze ("is this a bot?");
  g_assert_true (tact_analysis_has (a, TACT_LABEL_AUTOMATION_QUESTION));
  g_autofree char *f = tact_engine_followup (engine, a->lang, a, &ctx);
  g_assert_nonnull (f);
  g_assert_nonnull (strstr (f, "Sam"));
  g_assert_nonnull (strstr (f, "Acme"));
  g_assert_nonnull (strstr (f, "Hi Maria"));
  g_assert_null (strchr (f, '{'));
  g_assert_null (strstr (f, "Lopez"));
  tact_analysis_unref (a);
  /* no analysis at all: the follow-up of the language */
  g_autofree char *f2 = tact_engine_followup (engine, NULL, NULL, &ctx);
  g_assert_nonnull (f2);
  g_assert_nonnull (strstr (f2, "Sam"));
  /* a handle gets the neutral greeting, an unknown language falls back */
  TactContext h = { "xX_gamer99", "Sam", "Acme", NULL, NULL, FALSE };
  g_autofree char *f3 = tact_engine_followup (engine, "zz", NULL, &h);
  g_assert_nonnull (f3);
  g_assert_true (g_str_has_prefix (f3, "Hi there"));
  g_assert_null (strstr (f3, "gamer"));
  /* the suggestions for an automation question are not empty either */
  a = analyze ("are you a real person or a bot?");
  g_assert_true (tact_analysis_has (a, TACT_LABEL_AUTOMATION_QUESTION));
  GPtrArray *sug = tact_engine_suggest (engine, a, &ctx, 3);
  g_assert_cmpuint (sug->len, ==, 3);
  g_assert_cmpint (((TactSuggestion *) g_ptr_array_index (sug, 0))->label, ==, TACT_LABEL_AUTOMATION_QUESTION);
  g_ptr_array_unref (sug);
  tact_analysis_unref (a);
}

/* Facet templates: a needs-expert label with a facet gets that facet's
 * template first and never another facet's; one without gets none. */
static void
test_suggestions_by_facet (void)
{
  TactContext ctx = { "Maria Lopez", "Sam", "Acme", NULL, NULL, FALSE };
  static const struct { const char *text, *facet; } cases[] = {
    { "see you in court", "legal" },
    { "I'll be doing a chargeback", "billing" },
    { "does your API support OAuth2 with PKCE?", "technical" },
    { "is it safe to take ibuprofen with these antibiotics?", NULL },
  };
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      TactAnalysis *a = analyze (cases[c].text);
      const TactLabelHit *h = tact_analysis_find (a, TACT_LABEL_NEEDS_EXPERT);
      g_assert_nonnull (h);
      g_assert_cmpstr (h->facet, ==, cases[c].facet);
      g_assert_cmpint (a->primary, ==, TACT_LABEL_NEEDS_EXPERT);
      GPtrArray *sug = tact_engine_suggest (engine, a, &ctx, 6);
      g_assert_cmpuint (sug->len, >=, 3);
      g_autofree char *first = cases[c].facet ? g_strdup_printf ("needs-expert.%s", cases[c].facet)
                                              : g_strdup ("needs-expert.short");
      g_assert_cmpstr (((TactSuggestion *) g_ptr_array_index (sug, 0))->id, ==, first);
      for (guint i = 0; i < sug->len; i++)
        {
          const char *id = ((TactSuggestion *) g_ptr_array_index (sug, i))->id;
          for (const char *const *f = (const char *const[]) { "technical", "legal", "billing", NULL }; *f; f++)
            if (!cases[c].facet || strcmp (*f, cases[c].facet) != 0)
              {
                g_autofree char *other = g_strdup_printf ("needs-expert.%s", *f);
                g_assert_cmpstr (id, !=, other);
              }
        }
      g_ptr_array_unref (sug);
      tact_analysis_unref (a);
    }
}

static void
test_suggestions_per_label (void)
{
  TactContext ctx = { "Maria Lopez", "Sam", "Acme", "Acme CRM", "checkout", FALSE };
  for (guint l = 0; l < TACT_LABEL_COUNT; l++)
    {
      TactAnalysis *a = analysis_of ((TactLabel) l);
      GPtrArray *sug = tact_engine_suggest (engine, a, &ctx, 3);
      if (sug->len < 3)
        g_error ("%s: only %u suggestions", tact_label_id ((TactLabel) l), sug->len);
      for (guint i = 0; i < sug->len; i++)
        {
          TactSuggestion *s = g_ptr_array_index (sug, i);
          g_assert_cmpint (s->label, ==, l);
          g_autofree char *prefix = g_strdup_printf ("%s.", tact_label_id ((TactLabel) l));
          g_assert_true (g_str_has_prefix (s->id, prefix));
          g_assert_cmpuint (strlen (s->text), >, 10);
          for (guint k = 0; k < i; k++)
            {
              TactSuggestion *o = g_ptr_array_index (sug, k);
              g_assert_cmpstr (o->id, !=, s->id);
              g_assert_cmpstr (o->text, !=, s->text);
            }
        }
      g_ptr_array_unref (sug);
      /* max is respected */
      sug = tact_engine_suggest (engine, a, &ctx, 1);
      g_assert_cmpuint (sug->len, ==, 1);
      g_ptr_array_unref (sug);
      sug = tact_engine_suggest (engine, a, &ctx, 0);
      g_assert_cmpuint (sug->len, ==, 0);
      g_ptr_array_unref (sug);
      /* a handling line for every label */
      g_assert_cmpuint (strlen (tact_engine_handling (engine, "en", (TactLabel) l)), >, 0);
      tact_analysis_unref (a);
    }
  GPtrArray *none = tact_engine_suggest (engine, NULL, &ctx, 3);
  g_assert_cmpuint (none->len, ==, 0);
  g_ptr_array_unref (none);
  /* a NULL context is allowed */
  TactAnalysis *a = analyze ("is this a bot?");
  GPtrArray *sug = tact_engine_suggest (engine, a, NULL, 3);
  g_assert_cmpuint (sug->len, ==, 3);
  for (guint i = 0; i < sug->len; i++)
    g_assert_null (strchr (((TactSuggestion *) g_ptr_array_index (sug, i))->text, '{'));
  g_ptr_array_unref (sug);
  tact_analysis_unref (a);
}

static void
test_second_label (void)
{
  /* with two labels, the last slot answers the second one */
  TactAnalysis *a = analysis_of (TACT_LABEL_OUR_MISTAKE);
  a->labels[1].label = TACT_LABEL_ABUSIVE;
  a->labels[1].score = 0.8;
  a->labels[0].label = TACT_LABEL_ABUSIVE;
  a->labels[1].label = TACT_LABEL_OUR_MISTAKE;
  a->n_labels = 2;
  a->primary = TACT_LABEL_ABUSIVE;
  TactContext ctx = { "Maria", "Sam", "Acme", NULL, NULL, FALSE };
  GPtrArray *sug = tact_engine_suggest (engine, a, &ctx, 3);
  g_assert_cmpuint (sug->len, ==, 3);
  g_assert_cmpint (((TactSuggestion *) g_ptr_array_index (sug, 0))->label, ==, TACT_LABEL_ABUSIVE);
  gboolean second = FALSE;
  for (guint i = 0; i < sug->len; i++)
    second |= ((TactSuggestion *) g_ptr_array_index (sug, i))->label == TACT_LABEL_OUR_MISTAKE;
  g_assert_true (second);
  g_ptr_array_unref (sug);
  tact_analysis_unref (a);
}

static void
test_refcount (void)
{
  TactAnalysis *a = analyze ("thanks so much!");
  g_assert_cmpint (a->ref_count, ==, 1);
  g_assert_true (tact_analysis_ref (a) == a);
  g_assert_cmpint (a->ref_count, ==, 2);
  tact_analysis_unref (a);
  g_assert_cmpint (a->ref_count, ==, 1);
  check_analysis (a);
  tact_analysis_unref (a);
  tact_analysis_unref (NULL);
  {
    g_autoptr (TactAnalysis) b = analyze ("stop");
    g_assert_nonnull (b);
  }
}

static void
test_invalid_utf8 (void)
{
  static const char bad[] = "stop \xff\xfe messaging me\xC3";
  TactAnalysis *a = tact_engine_analyze (engine, bad, sizeof bad - 1);
  check_analysis (a);
  g_assert_true (tact_analysis_has (a, TACT_LABEL_OPT_OUT));
  tact_analysis_unref (a);
  static const char nul[] = "is this\0 a bot?";
  a = tact_engine_analyze (engine, nul, sizeof nul - 1);
  check_analysis (a);
  g_assert_true (tact_analysis_has (a, TACT_LABEL_AUTOMATION_QUESTION));
  tact_analysis_unref (a);
  /* random bytes never crash and always give valid output */
  GRand *r = g_rand_new_with_seed (1234);
  for (int n = 0; n < 300; n++)
    {
      gsize len = (gsize) g_rand_int_range (r, 0, 400);
      char *buf = g_malloc (len + 1);
      static const char alphabet[] = " :)<3!?stopbot\xF0\x9F\x98\x80\xE2\x80\x8D'-.#@";
      for (gsize i = 0; i < len; i++)
        buf[i] = (char) (n % 3 ? g_rand_int_range (r, 0, 256)
                               : alphabet[g_rand_int_range (r, 0, (gint32) sizeof alphabet - 1)]);
      buf[len] = 'x';
      a = tact_engine_analyze (engine, buf, (gssize) len);
      check_analysis (a);
      tact_analysis_unref (a);
      g_free (buf);
    }
  g_rand_free (r);
  a = tact_engine_analyze (engine, NULL, 0);
  check_analysis (a);
  tact_analysis_unref (a);
  a = tact_engine_analyze (engine, "", -1);
  check_analysis (a);
  g_assert_cmpint (a->primary, ==, TACT_LABEL_NEUTRAL);
  tact_analysis_unref (a);
}

static void
test_huge (void)
{
  gsize len = 1024 * 1024;
  GString *s = g_string_sized_new (len + 64);
  g_string_append (s, "is this a bot? ");
  while (s->len < len)
    g_string_append (s, "lorem ipsum dolor sit amet ");
  g_string_append (s, "anyway please stop messaging me");
  gint64 t0 = g_get_monotonic_time ();
  TactAnalysis *a = tact_engine_analyze (engine, s->str, (gssize) s->len);
  gint64 t1 = g_get_monotonic_time ();
  check_analysis (a);
  g_assert_true (a->truncated);
  /* the head and the tail are both read */
  g_assert_true (tact_analysis_has (a, TACT_LABEL_AUTOMATION_QUESTION));
  g_assert_true (tact_analysis_has (a, TACT_LABEL_OPT_OUT));
  g_assert_cmpint (a->primary, ==, TACT_LABEL_OPT_OUT);
  /* windowed: no slower than a few KiB of text (generous for sanitizers) */
  g_assert_cmpint (t1 - t0, <, 2 * G_USEC_PER_SEC);
  tact_analysis_unref (a);

  /* 1 MB of garbage bytes */
  GRand *r = g_rand_new_with_seed (99);
  char *junk = g_malloc (len);
  for (gsize i = 0; i < len; i++)
    junk[i] = (char) g_rand_int_range (r, 0, 256);
  a = tact_engine_analyze (engine, junk, (gssize) len);
  check_analysis (a);
  g_assert_true (a->truncated);
  tact_analysis_unref (a);
  /* 1 MB of one emoji, and of one letter */
  GString *e = g_string_new (NULL);
  while (e->len < len)
    g_string_append (e, "\xF0\x9F\x98\xA1");
  a = tact_engine_analyze (engine, e->str, -1);
  check_analysis (a);
  tact_analysis_unref (a);
  memset (junk, 'a', len);
  a = tact_engine_analyze (engine, junk, (gssize) len);
  check_analysis (a);
  tact_analysis_unref (a);
  g_string_free (e, TRUE);
  g_free (junk);
  g_rand_free (r);
  g_string_free (s, TRUE);
}

static void
test_languages (void)
{
  const char *const *langs = tact_engine_languages (engine);
  g_assert_nonnull (langs);
  g_assert_cmpstr (langs[0], ==, "en");
  g_assert_cmpfloat (tact_engine_load_ms (engine), >=, 0.0);
  /* unknown language: falls back to the first pack */
  g_assert_cmpuint (strlen (tact_engine_handling (engine, "zz", TACT_LABEL_OPT_OUT)), >, 0);
  g_assert_cmpstr (tact_engine_handling (engine, "zz", TACT_LABEL_OPT_OUT), ==,
                   tact_engine_handling (engine, "en", TACT_LABEL_OPT_OUT));
}

static void
test_data_dir_engine (void)
{
  /* the shipped data directory loads without a warning and agrees with the built-in copy */
  GError *err = NULL;
  TactEngine *e = tact_engine_new (TACT_TEST_DATADIR, NULL, &err);
  g_assert_no_error (err);
  g_assert_nonnull (e);
  TactAnalysis *a = tact_engine_analyze (e, "is this spam? stop messaging me", -1);
  g_assert_cmpint (a->primary, ==, TACT_LABEL_OPT_OUT);
  tact_analysis_unref (a);
  tact_engine_free (e);
  /* a nonexistent data dir: the built-in packs */
  e = tact_engine_new ("/nonexistent/tact-data", "/nonexistent/tact-user", &err);
  g_assert_no_error (err);
  g_assert_nonnull (e);
  a = tact_engine_analyze (e, "stop messaging me", -1);
  g_assert_cmpint (a->primary, ==, TACT_LABEL_OPT_OUT);
  tact_analysis_unref (a);
  tact_engine_free (e);
  tact_engine_free (NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  GError *err = NULL;
  engine = tact_engine_new (NULL, NULL, &err);
  g_assert_no_error (err);
  g_test_add_func ("/engine/labels", test_labels);
  g_test_add_func ("/engine/json-shape", test_json_shape);
  g_test_add_func ("/engine/primary-priority", test_primary_priority);
  g_test_add_func ("/engine/opt-out", test_opt_out);
  g_test_add_func ("/engine/negation-reach", test_negation_reach);
  g_test_add_func ("/engine/polarity-rules", test_polarity_rules);
  g_test_add_func ("/engine/followup", test_followup);
  g_test_add_func ("/engine/suggestions-per-label", test_suggestions_per_label);
  g_test_add_func ("/engine/suggestions-by-facet", test_suggestions_by_facet);
  g_test_add_func ("/engine/second-label", test_second_label);
  g_test_add_func ("/engine/refcount", test_refcount);
  g_test_add_func ("/engine/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/engine/huge", test_huge);
  g_test_add_func ("/engine/languages", test_languages);
  g_test_add_func ("/engine/data-dir", test_data_dir_engine);
  int rc = g_test_run ();
  tact_engine_free (engine);
  return rc;
}
