/* Unit tests of reply rendering (tact-render.c) through the engine.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "tact-engine.h"
#include "tact-render.h"
#include "test-util.h"

#include <string.h>

static TactEngine *engine;

static char *
greet (const char *name, gboolean handles)
{
  TactContext ctx = { name, "Sam", "Acme", "Acme CRM", NULL, handles };
  return tact_engine_greeting (engine, "en", &ctx);
}

static void
assert_greeting (const char *name, gboolean handles, const char *expected)
{
  g_autofree char *g = greet (name, handles);
  if (g_strcmp0 (g, expected) != 0)
    g_error ("greeting for \"%s\"%s: got \"%s\", expected \"%s\"", name ? name : "(null)",
             handles ? " (handles by name)" : "", g, expected);
}

static void
test_greeting_named (void)
{
  assert_greeting ("Maria Lopez", FALSE, "Hi Maria");
  assert_greeting ("Maria", FALSE, "Hi Maria");
  assert_greeting ("MARIA", FALSE, "Hi Maria");
  assert_greeting ("MARIA LOPEZ", FALSE, "Hi Maria");
  assert_greeting ("Chlo\xC3\xA9 Martin", FALSE, "Hi Chlo\xC3\xA9");
  assert_greeting ("\xC3\x89lodie", FALSE, "Hi \xC3\x89lodie");
  assert_greeting ("Mary-Jane Watson", FALSE, "Hi Mary-Jane");
  assert_greeting ("  Maria   Lopez  ", FALSE, "Hi Maria");
  assert_greeting ("\xD0\x90\xD0\xBD\xD0\xBD\xD0\xB0", FALSE, "Hi \xD0\x90\xD0\xBD\xD0\xBD\xD0\xB0"); /* Анна */
}

static void
test_greeting_neutral (void)
{
  static const char *const names[] = {
    "xX_gamer99", "maria", "M", "m", "\xF0\x9F\x8C\xB8\xF0\x9F\x8C\xB8", "Support Team", "support",
    "Sales Team", "Admin", "maria_lopez", "Maria99", "@maria", "maria.lopez@example.com",
    "\xE7\x8E\x8B\xE5\xB0\x8F\xE6\x98\x8E",              /* 王小明 */
    "\xE3\x81\x95\xE3\x81\x8F\xE3\x82\x89",              /* さくら */
    "\xD9\x85\xD8\xAD\xD9\x85\xD8\xAF",                  /* محمد */
    "\xD7\x93\xD7\x95\xD7\x93",                          /* דוד */
    "\xEC\xA7\x80\xEB\xAF\xBC",                          /* 지민 */
    "", "   ", NULL, "{agent}", "<b>x</b>", "12345", "...",
  };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    assert_greeting (names[i], FALSE, "Hi there");
  /* no context at all */
  g_autofree char *g = tact_engine_greeting (engine, "en", NULL);
  g_assert_cmpstr (g, ==, "Hi there");
  g_autofree char *g2 = tact_engine_greeting (engine, NULL, NULL);
  g_assert_cmpstr (g2, ==, "Hi there");
}

static void
test_greeting_handles (void)
{
  assert_greeting ("xX_gamer99", TRUE, "Hi xX_gamer99");
  assert_greeting ("maria", TRUE, "Hi maria");
  assert_greeting ("Maria Lopez", TRUE, "Hi Maria");
  /* still no placeholder from a hostile handle */
  g_autofree char *g = greet ("{agent}", TRUE);
  g_assert_null (strchr (g, '{'));
  g_assert_null (strchr (g, '}'));
  g_assert_null (strstr (g, "Sam"));
  assert_greeting ("", TRUE, "Hi there");
}

static gboolean
has_bidi_control (const char *s)
{
  for (const char *p = s; *p; p = g_utf8_next_char (p))
    {
      gunichar u = g_utf8_get_char (p);
      if (u == 0x200E || u == 0x200F || u == 0x061C || (u >= 0x202A && u <= 0x202E) ||
          (u >= 0x2066 && u <= 0x2069))
        return TRUE;
    }
  return FALSE;
}

static char *
render (const char *tmpl, const char *name, const char *agent, const char *company,
        gboolean *needs_edit)
{
  TactContext ctx = { name, agent, company, "Acme CRM", "checkout", FALSE };
  return tact_engine_render (engine, "en", tmpl, &ctx, needs_edit);
}

static void
test_hostile_values (void)
{
  static const char *const values[] = {
    "{agent}", "{company}", "{greeting}", "{name|x}", "{", "}", "}{", "{{agent}}",
    "<b>x</b>", "", "   ", "\n\t\r", "Maria\x01\x7f", "\xE2\x80\xAE" "ecnarF\xE2\x80\xAC",
    "\xE2\x81\xA7Maria\xE2\x81\xA9", "Ma\xE2\x80\x8Fria",
    "bad\xff\xfe utf8",
  };
  const char *tmpl = "{greeting}, I'm {agent} at {company}. You are {name} ({first_name|friend}).";
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    for (guint who = 0; who < 3; who++)
      {
        const char *v = values[i];
        gboolean ne = FALSE;
        g_autofree char *r = render (tmpl, who == 0 ? v : "Maria", who == 1 ? v : "Sam",
                                     who == 2 ? v : "Acme", &ne);
        if (strchr (r, '{') || strchr (r, '}'))
          g_error ("braces left in \"%s\" (value %u in slot %u)", r, i, who);
        g_assert_true (g_utf8_validate (r, -1, NULL));
        if (has_bidi_control (r))
          g_error ("bidi control left in \"%s\" (value %u)", r, i);
        for (const char *p = r; *p; p++)
          g_assert_false ((guchar) *p < 0x20 || *p == 0x7f);
        /* a value is never expanded: an alias "{agent}" does not become the agent */
        if (who == 0 && strstr (v, "agent"))
          g_assert_null (strstr (r, "You are Sam"));
        if (who == 0 && strstr (v, "company"))
          g_assert_null (strstr (r, "You are Acme"));
      }
  /* an alias "{agent}" is shown as written, made harmless */
  g_autofree char *r = render ("{name}", "{agent}", "Sam", "Acme", NULL);
  g_assert_cmpstr (r, ==, "(agent)");
  /* HTML is plain text: inserted verbatim, not interpreted or dropped */
  g_autofree char *h = render ("{name}", "<b>x</b>", "Sam", "Acme", NULL);
  g_assert_cmpstr (h, ==, "<b>x</b>");
  g_autofree char *hg = render ("{greeting}", "<b>x</b>", "Sam", "Acme", NULL);
  g_assert_cmpstr (hg, ==, "Hi there");
  /* bidi overrides are stripped, the name stays */
  g_autofree char *b = render ("{greeting}", "\xE2\x80\xAEMaria", "Sam", "Acme", NULL);
  g_assert_cmpstr (b, ==, "Hi Maria");
}

/* Every character of Unicode's Bidi_Control set is stripped from values,
 * including U+061C ARABIC LETTER MARK (the others are). */
static void
test_bidi_controls (void)
{
  static const char *const marks[] = { "\xD8\x9C", "\xE2\x80\x8E", "\xE2\x80\x8F", "\xE2\x80\xAA",
    "\xE2\x80\xAB", "\xE2\x80\xAC", "\xE2\x80\xAD", "\xE2\x80\xAE", "\xE2\x81\xA6",
    "\xE2\x81\xA7", "\xE2\x81\xA8", "\xE2\x81\xA9" };
  for (guint i = 0; i < G_N_ELEMENTS (marks); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s\xD9\x85\xD8\xAD\xD9\x85\xD8\xAF%s", marks[i], marks[i]);
      g_autofree char *r = render ("{name} / {agent}", name, name, "Acme", NULL);
      if (has_bidi_control (r))
        g_test_fail_printf ("bidi control U+%04X left in a rendered value", g_utf8_get_char (marks[i]));
      g_assert_nonnull (strstr (r, "\xD9\x85\xD8\xAD\xD9\x85\xD8\xAF"));
    }
}

static void
test_long_values (void)
{
  GString *longname = g_string_new ("Maria ");
  for (int i = 0; i < 400; i++)
    g_string_append_c (longname, 'a' + i % 26);
  GString *longword = g_string_new (NULL);
  for (int i = 0; i < 400; i++)
    g_string_append (longword, i ? "\xC3\xA9" : "\xC3\x89");
  g_autofree char *a = render ("{greeting}|{name}|{agent}", longname->str, longname->str, "Acme", NULL);
  g_assert_true (g_str_has_prefix (a, "Hi Maria|Maria "));
  g_assert_cmpint (g_utf8_strlen (a, -1), <, 200);
  g_autofree char *b = render ("{greeting}|{name}", longword->str, "Sam", "Acme", NULL);
  g_assert_true (g_utf8_validate (b, -1, NULL));
  g_assert_cmpint (g_utf8_strlen (b, -1), <, 200);
  g_autofree char *c = tact_render_clean (longword->str, 10);
  g_assert_cmpint (g_utf8_strlen (c, -1), ==, 10);
  g_assert_true (g_utf8_validate (c, -1, NULL));
  g_string_free (longname, TRUE);
  g_string_free (longword, TRUE);
}

static void
test_clean (void)
{
  g_autofree char *a = tact_render_clean ("  Maria\t\n Lopez  ", 64);
  g_assert_cmpstr (a, ==, "Maria Lopez");
  g_autofree char *b = tact_render_clean ("{x}", 64);
  g_assert_cmpstr (b, ==, "(x)");
  g_autofree char *c = tact_render_clean (NULL, 64);
  g_assert_cmpstr (c, ==, "");
  g_autofree char *d = tact_render_clean ("a\xff" "b", 64);
  g_assert_true (g_utf8_validate (d, -1, NULL));
  g_assert_nonnull (strchr (d, 'a'));
  g_assert_nonnull (strchr (d, 'b'));
  g_autofree char *e = tact_render_clean ("abcdef", 3);
  g_assert_cmpstr (e, ==, "abc");
  g_autofree char *f = tact_render_clean ("\xE2\x80\xAE" "abc\xE2\x81\xA6" "d", 64);
  g_assert_false (has_bidi_control (f));
  g_assert_nonnull (strstr (f, "abc"));
}

static void
test_template_syntax (void)
{
  /* stray braces of a template never reach the text */
  g_autofree char *a = render ("a { b } c {", "Maria", "Sam", "Acme", NULL);
  g_assert_null (strchr (a, '{'));
  g_assert_null (strchr (a, '}'));
  g_autofree char *b = render ("{unknown} x {agent}", "Maria", "Sam", "Acme", NULL);
  g_assert_null (strchr (b, '{'));
  g_assert_nonnull (strstr (b, "Sam"));
  /* fallbacks */
  g_autofree char *c = render ("{agent|someone} at {company|a firm}", "Maria", NULL, "", NULL);
  g_assert_cmpstr (c, ==, "someone at a firm");
  g_autofree char *d = render ("{first_name|friend}", "xX_gamer99", "Sam", "Acme", NULL);
  g_assert_cmpstr (d, ==, "friend");
  g_autofree char *e = render ("{first_name|friend}", "Maria Lopez", "Sam", "Acme", NULL);
  g_assert_cmpstr (e, ==, "Maria");
  g_autofree char *f = render ("", "Maria", "Sam", "Acme", NULL);
  g_assert_cmpstr (f, ==, "");
  g_autofree char *g = render (NULL, "Maria", "Sam", "Acme", NULL);
  g_assert_cmpstr (g, ==, "");
}

static void
test_needs_edit (void)
{
  gboolean ne = TRUE;
  g_autofree char *a = render ("I'm {agent} at {company}.", "Maria", "Sam", "Acme", &ne);
  g_assert_cmpstr (a, ==, "I'm Sam at Acme.");
  g_assert_false (ne);
  g_autofree char *b = render ("I'm {agent} at {company}.", "Maria", NULL, "Acme", &ne);
  g_assert_true (ne);
  g_assert_null (strchr (b, '{'));
  g_assert_cmpstr (b, ==, "I'm the team at Acme.");
  ne = FALSE;
  g_autofree char *c = render ("I'm {agent} at {company}.", "Maria", "Sam", "", &ne);
  g_assert_true (ne);
  g_assert_cmpstr (c, ==, "I'm Sam at our company.");
  /* whitespace-only counts as missing */
  ne = FALSE;
  g_autofree char *d = render ("{agent}", "Maria", "  \t", "Acme", &ne);
  g_assert_true (ne);
  g_assert_cmpstr (d, ==, "the team");
  /* an explicit fallback is not a stand-in default */
  ne = TRUE;
  g_autofree char *e = render ("{agent|someone}", "Maria", NULL, NULL, &ne);
  g_assert_false (ne);
  /* a neutral greeting is the rule, not a missing value */
  ne = TRUE;
  g_autofree char *f = render ("{greeting}", "xX_gamer99", "Sam", "Acme", &ne);
  g_assert_cmpstr (f, ==, "Hi there");
  g_assert_false (ne);

  /* suggestions report it too */
  TactAnalysis *an = tact_engine_analyze (engine, "is this a bot?", -1);
  TactContext ctx = { "Maria", NULL, NULL, NULL, NULL, FALSE };
  GPtrArray *sug = tact_engine_suggest (engine, an, &ctx, 3);
  gboolean any = FALSE;
  for (guint i = 0; i < sug->len; i++)
    {
      TactSuggestion *s = g_ptr_array_index (sug, i);
      g_assert_null (strchr (s->text, '{'));
      any |= s->needs_edit;
    }
  g_assert_true (any);
  g_ptr_array_unref (sug);
  TactContext full = { "Maria", "Sam", "Acme", "Acme CRM", "checkout", FALSE };
  sug = tact_engine_suggest (engine, an, &full, 3);
  for (guint i = 0; i < sug->len; i++)
    g_assert_false (((TactSuggestion *) g_ptr_array_index (sug, i))->needs_edit);
  g_ptr_array_unref (sug);
  tact_analysis_unref (an);
}

/* Every template of every label, rendered with every hostile value. */
static void
test_all_templates_hostile (void)
{
  static const char *const names[] = { "{agent}", "<b>x</b>", "", NULL, "}{greeting}{",
                                       "\xE2\x80\xAE" "evil", "Maria Lopez" };
  for (guint l = 0; l < TACT_LABEL_COUNT; l++)
    for (guint n = 0; n < G_N_ELEMENTS (names); n++)
      {
        TactAnalysis *a = g_new0 (TactAnalysis, 1);
        a->ref_count = 1;
        g_strlcpy (a->lang, "en", sizeof a->lang);
        a->primary = (TactLabel) l;
        if (l != TACT_LABEL_NEUTRAL)
          {
            a->n_labels = 1;
            a->labels[0].label = (TactLabel) l;
            a->labels[0].score = 1.0;
          }
        TactContext ctx = { names[n], n % 2 ? "{company}" : NULL, n % 3 ? "{agent}" : NULL, NULL,
                            n % 2 ? "{topic}" : NULL, n == 1 };
        GPtrArray *sug = tact_engine_suggest (engine, a, &ctx, 10);
        g_assert_cmpuint (sug->len, >=, 3);
        for (guint i = 0; i < sug->len; i++)
          {
            TactSuggestion *s = g_ptr_array_index (sug, i);
            if (strchr (s->text, '{') || strchr (s->text, '}'))
              g_error ("%s: braces in \"%s\"", s->id, s->text);
            g_assert_cmpuint (strlen (s->text), >, 0);
            g_assert_false (has_bidi_control (s->text));
            g_assert_true (g_utf8_validate (s->text, -1, NULL));
          }
        g_ptr_array_unref (sug);
        g_autofree char *f = tact_engine_followup (engine, "en", a, &ctx);
        if (f)
          {
            g_assert_null (strchr (f, '{'));
            g_assert_null (strchr (f, '}'));
          }
        tact_analysis_unref (a);
      }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  GError *err = NULL;
  engine = tact_engine_new (NULL, NULL, &err);
  g_assert_no_error (err);
  g_test_add_func ("/render/greeting-named", test_greeting_named);
  g_test_add_func ("/render/greeting-neutral", test_greeting_neutral);
  g_test_add_func ("/render/greeting-handles", test_greeting_handles);
  g_test_add_func ("/render/hostile-values", test_hostile_values);
  g_test_add_func ("/render/bidi-controls", test_bidi_controls);
  g_test_add_func ("/render/long-values", test_long_values);
  g_test_add_func ("/render/clean", test_clean);
  g_test_add_func ("/render/template-syntax", test_template_syntax);
  g_test_add_func ("/render/needs-edit", test_needs_edit);
  g_test_add_func ("/render/all-templates-hostile", test_all_templates_hostile);
  int rc = g_test_run ();
  tact_engine_free (engine);
  return rc;
}
