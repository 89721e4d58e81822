/* What every fuzz target checks of the engine's answers, whatever the input.
 *
 * A target that only waits for a crash finds crashes; these checks also
 * catch the quiet failures the project promises never to have: output that
 * is not UTF-8, JSON that does not parse, a reply with a hole or a literal
 * "{placeholder}", a label list out of order, an error without a place.
 * A broken check aborts, so the fuzzer keeps the input and the replay test
 * (tests/fuzz/replay.c) fails on it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "tact-analyze.h"
#include "tact-engine.h"
#include "tact-render.h"

#include <jansson.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define fuzz_check(cond, ...)                                   \
  do                                                            \
    {                                                           \
      if (G_UNLIKELY (!(cond)))                                 \
        {                                                       \
          fprintf (stderr, "fuzz check failed: %s: ", #cond);   \
          fprintf (stderr, __VA_ARGS__);                        \
          fputc ('\n', stderr);                                 \
          abort ();                                             \
        }                                                       \
    }                                                           \
  while (0)

/* The reply variables as literal placeholders: none may survive rendering. */
static const char *const fuzz_placeholders[] = {
  "{greeting}", "{name}", "{first_name}", "{agent}", "{company}", "{product}", "{topic}",
};

/* @text is a reply the engine rendered: UTF-8, no literal placeholder
 * (the values inserted are cleaned of braces, so none can come from
 * them), no leading or trailing space. */
static inline void
fuzz_check_reply (const char *what, const char *text)
{
  fuzz_check (text != NULL, "%s: NULL", what);
  fuzz_check (g_utf8_validate (text, -1, NULL), "%s: not UTF-8", what);
  for (guint i = 0; i < G_N_ELEMENTS (fuzz_placeholders); i++)
    fuzz_check (strstr (text, fuzz_placeholders[i]) == NULL, "%s: %s left in \"%s\"", what,
                fuzz_placeholders[i], text);
  gsize n = strlen (text);
  fuzz_check (n == 0 || (text[0] != ' ' && text[n - 1] != ' '), "%s: untrimmed \"%s\"", what, text);
}

/* The invariants of an analysis (tact-engine.h): labels in priority order,
 * each once, scores in (0, 1], the primary the first of them (neutral when
 * there is none), polarity in [-1, 1], evidence UTF-8, and the JSON form
 * parses back to the same primary and label count. */
static inline void
fuzz_check_analysis (const TactAnalysis *a)
{
  fuzz_check (isfinite (a->polarity) && a->polarity >= -1.0 && a->polarity <= 1.0, "polarity %g",
              a->polarity);
  fuzz_check (a->n_labels <= TACT_LABEL_COUNT, "%u labels", a->n_labels);
  fuzz_check (memchr (a->lang, '\0', sizeof a->lang) != NULL, "lang not terminated");
  for (guint i = 0; i < a->n_labels; i++)
    {
      const TactLabelHit *h = &a->labels[i];
      fuzz_check (h->label < TACT_LABEL_COUNT, "label %d", h->label);
      fuzz_check (i == 0 || h->label > a->labels[i - 1].label, "labels out of order at %u", i);
      fuzz_check (isfinite (h->score) && h->score > 0.0 && h->score <= 1.0, "score %g", h->score);
      fuzz_check (!h->evidence || g_utf8_validate (h->evidence, -1, NULL), "evidence not UTF-8");
      fuzz_check (!h->facet || h->label == TACT_LABEL_NEEDS_EXPERT, "facet on %s",
                  tact_label_id (h->label));
    }
  fuzz_check (a->primary == (a->n_labels ? a->labels[0].label : TACT_LABEL_NEUTRAL),
              "primary %s", tact_label_id (a->primary));

  GString *js = g_string_new (NULL);
  tact_analysis_to_json (a, js);
  json_error_t jerr;
  json_t *root = json_loadb (js->str, js->len, 0, &jerr);
  fuzz_check (root != NULL, "JSON does not parse (%s): %s", jerr.text, js->str);
  const char *primary = json_string_value (json_object_get (root, "primary"));
  fuzz_check (primary && strcmp (primary, tact_label_id (a->primary)) == 0, "JSON primary");
  fuzz_check (json_array_size (json_object_get (root, "labels")) == a->n_labels, "JSON labels");
  json_decref (root);
  g_string_free (js, TRUE);
}

/* "file:line:col: …": every pack error names its place (data/README.md). */
static inline void
fuzz_check_pack_error (const GError *err, const char *file)
{
  fuzz_check (err != NULL, "no error set");
  fuzz_check (err->domain == TACT_ERROR && err->code == TACT_ERROR_PACK, "error %s/%d: %s",
              g_quark_to_string (err->domain), err->code, err->message);
  gsize n = strlen (file);
  const char *p = err->message;
  fuzz_check (strncmp (p, file, n) == 0 && p[n] == ':', "error names no file: %s", p);
  p += n + 1;
  for (guint part = 0; part < 2; part++)
    {
      fuzz_check (g_ascii_isdigit (*p) && *p != '0', "error names no line:col: %s", err->message);
      while (g_ascii_isdigit (*p))
        p++;
      fuzz_check (*p == ':', "error names no line:col: %s", err->message);
      p++;
    }
  fuzz_check (g_utf8_validate (err->message, -1, NULL), "error message not UTF-8");
}

/* An empty set of emoticons, as an engine starts with (unref .set). */
static inline TactEmoticons
fuzz_emoticons_new (void)
{
  TactEmoticons emo = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), 0, { 0 }, 0 };
  return emo;
}

/* Analyses @len bytes of @text with @pack alone, as the engine would,
 * checks the analysis and appends its JSON line to @out (may be NULL). */
static inline void
fuzz_analyse_with (TactScratch *s, const TactPack *pack, const TactEmoticons *emo, const char *text,
                   gssize len, GString *out)
{
  TactAnalysis a;
  memset (&a, 0, sizeof a);
  a.primary = TACT_LABEL_NEUTRAL;
  a.ref_count = 1;
  g_strlcpy (a.lang, "en", sizeof a.lang);
  tact_text_scan (&s->text, text, len, emo);
  tact_analyze_run (s, pack, &a);
  fuzz_check_analysis (&a);
  if (out)
    {
      tact_analysis_to_json (&a, out);
      g_string_append_c (out, '\n');
    }
  for (guint k = 0; k < a.n_labels; k++)
    {
      g_free (a.labels[k].evidence);
      g_free (a.labels[k].facet);
    }
}

/* Every template and follow-up the pack holds, rendered for a hostile
 * contact and for nobody. */
static inline void
fuzz_render_all (const TactPack *pack)
{
  static const TactContext hostile = { "{agent} <b>x</b>", "{name}", "", NULL, "}{", FALSE };
  const TactContext *ctxs[] = { &hostile, NULL };
  for (guint c = 0; c < G_N_ELEMENTS (ctxs); c++)
    {
      for (guint l = 0; l <= TACT_LABEL_COUNT; l++)
        {
          GPtrArray *t = l < TACT_LABEL_COUNT ? pack->replies.templates[l] : pack->replies.followups;
          for (guint i = 0; t && i < t->len; i++)
            {
              const TactTemplate *tp = g_ptr_array_index (t, i);
              char *r = tact_render_template (pack, tp->text, ctxs[c], NULL);
              fuzz_check_reply (tp->id, r);
              g_free (r);
            }
        }
      char *g = tact_render_greeting (pack, ctxs[c]);
      fuzz_check_reply ("greeting", g);
      g_free (g);
    }
}

/* The messages the pack and snapshot targets analyse with a pack they
 * compiled or read: each label's cues, shorthand, emoticons, an
 * elongation, builtins (link, mention, number, emoji) and an empty one. */
static const char *const fuzz_messages[] G_GNUC_UNUSED = {
  "are you a bot?", "please stop messaging me", "this is great, thanks so much :) <3",
  "you charged me twice, fix it!!!", "not interested, we already have a vendor",
  "what does the pro plan cost? idk", "u r pathetic", "I'm not asking you to stop",
  "ok, sorted now", "sooooo good, thx", "http://example.com @someone #42 🤖", "",
};

static char *fuzz_tmp_dir G_GNUC_UNUSED;

static void G_GNUC_UNUSED
fuzz_tmp_cleanup (void)
{
  GDir *d = g_dir_open (fuzz_tmp_dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (fuzz_tmp_dir, name, NULL);
      g_unlink (path);
    }
  if (d)
    g_dir_close (d);
  g_rmdir (fuzz_tmp_dir);
}

/* A directory of the target's own for snapshots, removed at exit with
 * the snapshots written there. */
static inline const char *
fuzz_snapshot_dir (void)
{
  if (!fuzz_tmp_dir)
    {
      GError *err = NULL;
      fuzz_tmp_dir = g_dir_make_tmp ("tact-fuzz-XXXXXX", &err);
      fuzz_check (fuzz_tmp_dir != NULL, "%s", err ? err->message : "?");
      atexit (fuzz_tmp_cleanup);
    }
  return fuzz_tmp_dir;
}

/* The path of the snapshot of English the engine wrote in
 * fuzz_snapshot_dir() (it names it by its key), or NULL.  New string. */
static inline char * G_GNUC_UNUSED
fuzz_engine_snapshot (void)
{
  GDir *d = g_dir_open (fuzz_snapshot_dir (), 0, NULL);
  char *found = NULL;
  const char *name;
  while (d && !found && (name = g_dir_read_name (d)))
    if (g_str_has_prefix (name, "en-") && g_str_has_suffix (name, ".pack"))
      found = g_build_filename (fuzz_snapshot_dir (), name, NULL);
  if (d)
    g_dir_close (d);
  return found;
}
