/* Fuzz target: the engine over one message from a contact, as the plugin
 * sees it (tact-engine.h only, the shipped packs built in).
 *
 * The input is up to six fields split at NUL bytes: the message, the
 * contact's alias, the rep's name, the company, the product and a reply
 * template of the caller's own.  The message is also analysed once more
 * whole, NULs and all, with its length given.  Everything the engine
 * returns is checked (fuzz-common.h), not only survived.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fuzz-common.h"

static TactEngine *engine;

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  GError *err = NULL;
  engine = tact_engine_new (NULL, NULL, &err);
  fuzz_check (engine != NULL && err == NULL, "the built-in packs do not load: %s",
              err ? err->message : "?");
  return 0;
}

static void
check_text (const char *text, gssize len, const TactContext *ctx, const char *tmpl)
{
  TactAnalysis *a = tact_engine_analyze (engine, text, len);
  fuzz_check_analysis (a);

  GPtrArray *sug = tact_engine_suggest (engine, a, ctx, 3);
  fuzz_check (sug->len <= 3, "%u suggestions", sug->len);
  gboolean opt_out = tact_analysis_has (a, TACT_LABEL_OPT_OUT);
  for (guint i = 0; i < sug->len; i++)
    {
      const TactSuggestion *s = g_ptr_array_index (sug, i);
      fuzz_check_reply ("suggestion", s->text);
      fuzz_check (*s->text != '\0', "empty suggestion %s", s->id);
      /* when the contact opts out, only the opt-out confirmations */
      fuzz_check (!opt_out || s->label == TACT_LABEL_OPT_OUT, "%s offered to an opt-out", s->id);
    }
  g_ptr_array_unref (sug);

  char *f = tact_engine_followup (engine, a->lang, a, ctx);
  fuzz_check ((f == NULL) == opt_out, "follow-up %s for an opt-out: %s", f ? "offered" : "missing",
              f ? f : "");
  if (f)
    fuzz_check_reply ("follow-up", f);
  g_free (f);

  char *g = tact_engine_greeting (engine, a->lang, ctx);
  fuzz_check_reply ("greeting", g);
  g_free (g);

  if (tmpl)
    {
      gboolean needs_edit = FALSE;
      char *r = tact_engine_render (engine, a->lang, tmpl, ctx, &needs_edit);
      fuzz_check_reply ("render", r);
      g_free (r);
    }

  char lang[8];
  char **units = tact_engine_units (engine, text, len, lang);
  fuzz_check (units[0] && strcmp (units[0], "^") == 0, "units do not start with ^");
  guint n = g_strv_length (units);
  fuzz_check (strcmp (units[n - 1], "$") == 0, "units do not end with $");
  for (guint i = 0; i < n; i++)
    fuzz_check (g_utf8_validate (units[i], -1, NULL) && *units[i], "unit %u", i);
  g_strfreev (units);
  tact_analysis_unref (a);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  const char *field[6] = { NULL };
  g_autofree char *copy = g_malloc (size + 1);
  if (size)
    memcpy (copy, data, size);
  copy[size] = '\0';
  /* the fields, each NUL-terminated in the copy */
  const char *p = copy, *end = copy + size;
  for (guint i = 0; i < G_N_ELEMENTS (field) && p <= end; i++)
    {
      field[i] = p;
      p += strlen (p) + 1;
    }
  /* a template is the caller's own text, so it is UTF-8 (the values put
   * into it are not trusted, and are left as they came) */
  g_autofree char *tmpl = field[5] ? g_utf8_make_valid (field[5], -1) : NULL;
  TactContext ctx = { field[1], field[2], field[3], field[4], NULL, size > 0 && (data[0] & 1) };
  check_text (field[0], -1, &ctx, tmpl);
  if (size && memchr (data, '\0', size))
    check_text ((const char *) data, (gssize) size, &ctx, NULL);
  return 0;
}
