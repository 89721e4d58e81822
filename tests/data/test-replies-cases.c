/* Renders the first suggestion for each case of replies-en-cases.json and
 * checks must_contain / must_not_contain.
 *
 * Case: {"label": id, "ctx": {"name", "agent", "company", "product", "topic",
 *        "greet_handles"}, "must_contain": [...], "must_not_contain": [...]}
 *
 * usage: test-replies-cases CASES.json [GTest options]
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "tact-engine.h"
#include "test-analysis.h"

#include <jansson.h>
#include <string.h>

static TactEngine *engine;

static const char *
ctx_str (json_t *ctx, const char *key)
{
  return json_string_value (json_object_get (ctx, key));
}

static void
run_case (gconstpointer data)
{
  json_t *c = (json_t *) data;
  const char *id = json_string_value (json_object_get (c, "label"));
  TactLabel label;
  if (!tact_label_from_id (id, &label))
    {
      g_test_fail_printf ("unknown label \"%s\"", id ? id : "(none)");
      return;
    }
  json_t *cj = json_object_get (c, "ctx");
  TactContext ctx = { ctx_str (cj, "name"), ctx_str (cj, "agent"), ctx_str (cj, "company"),
                      ctx_str (cj, "product"), ctx_str (cj, "topic"),
                      json_is_true (json_object_get (cj, "greet_handles")) };
  /* an analysis holding exactly this label: the first suggestion is its first template */
  TactAnalysis *a = tact_test_analysis_of (label, 1.0);
  GPtrArray *sug = tact_engine_suggest (engine, a, &ctx, 3);
  if (sug->len == 0)
    {
      g_test_fail_printf ("%s: no suggestion", id);
      goto out;
    }
  TactSuggestion *s = g_ptr_array_index (sug, 0);
  g_test_message ("%s: %s", s->id, s->text);
  g_assert_cmpint (s->label, ==, label);
  size_t i;
  json_t *v;
  json_array_foreach (json_object_get (c, "must_contain"), i, v)
    if (!strstr (s->text, json_string_value (v)))
      g_test_fail_printf ("%s: \"%s\" is missing from \"%s\"", s->id, json_string_value (v), s->text);
  json_array_foreach (json_object_get (c, "must_not_contain"), i, v)
    if (strstr (s->text, json_string_value (v)))
      g_test_fail_printf ("%s: \"%s\" must not be in \"%s\"", s->id, json_string_value (v), s->text);
out:
  g_ptr_array_unref (sug);
  tact_analysis_unref (a);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    {
      g_printerr ("usage: %s CASES.json\n", argv[0]);
      return 2;
    }
  json_error_t jerr;
  json_t *cases = json_load_file (argv[1], 0, &jerr);
  if (!json_is_array (cases) || json_array_size (cases) == 0)
    {
      g_printerr ("%s:%d:%d: %s\n", argv[1], jerr.line, jerr.column, cases ? "not a non-empty array" : jerr.text);
      return 1;
    }
  GError *err = NULL;
  engine = tact_engine_new (NULL, NULL, &err);
  g_assert_no_error (err);
  size_t i;
  json_t *c;
  json_array_foreach (cases, i, c)
    {
      g_autofree char *path = g_strdup_printf ("/replies-en/%02zu-%s", i,
                                               json_string_value (json_object_get (c, "label")));
      g_test_add_data_func (path, c, run_case);
    }
  int rc = g_test_run ();
  tact_engine_free (engine);
  json_decref (cases);
  return rc;
}
