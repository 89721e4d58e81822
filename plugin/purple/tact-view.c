/* TactView: the engine's analysis and suggestions as plain data for UIs
 * (tact-view.h), and the compact inline line for clients without a UI
 * plugin.  A view owns copies of all its strings, so it stays valid when
 * the engine is reloaded.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tact-private.h"

#include <string.h>

struct _TactViewData {
  TactView      view;
  TactLabel     suggestion_label[TACT_VIEW_MAX_SUGGESTIONS];
  GStringChunk *strings;
};

/* Short human titles; ids stay stable, titles are translated. */
static const struct {
  const char *id;
  const char *title;
} titles[] = {
  { "opt-out", N_("Opt-out") },
  { "harassment", N_("Harassment") },
  { "abusive", N_("Abusive") },
  { "crisis", N_("Crisis") },
  { "our-mistake", N_("Our mistake") },
  { "needs-expert", N_("Needs an expert") },
  { "automation-question", N_("Asks about automation") },
  { "annoyed-by-automation", N_("Annoyed by automation") },
  { "confused", N_("Confused") },
  { "not-a-fit", N_("Not a fit") },
  { "resolved", N_("Resolved") },
  { "interested", N_("Interested") },
  { "feedback", N_("Feedback") },
  { "question", N_("Question") },
  { "praise", N_("Praise") },
  { "neutral", N_("Neutral") },
};

const char *
tact_view_label_title (const char *id)
{
  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    if (g_strcmp0 (titles[i].id, id) == 0)
      return _(titles[i].title);
  return id;
}

static const char *
keep (TactViewData *data, const char *s)
{
  return s != NULL ? g_string_chunk_insert (data->strings, s) : NULL;
}

TactViewData *
tact_view_build (TactEngine *engine, const TactAnalysis *analysis, const TactContext *ctx,
                 gboolean opted_out, gint64 received_at)
{
  TactViewData *data = g_new0 (TactViewData, 1);
  TactView *view = &data->view;
  g_autoptr (GPtrArray) suggestions = NULL;

  data->strings = g_string_chunk_new (512);
  view->lang = keep (data, analysis->lang);
  view->polarity = analysis->polarity;
  view->primary = keep (data, tact_label_id (analysis->primary));
  view->received_at = received_at;
  view->opted_out = opted_out;
  view->offer_block = tact_analysis_has (analysis, TACT_LABEL_HARASSMENT);

  for (guint i = 0; i < analysis->n_labels && view->n_labels < TACT_VIEW_MAX_LABELS; i++)
    {
      const TactLabelHit *hit = &analysis->labels[i];
      TactViewLabel *vl = &view->labels[view->n_labels++];
      const char *id = tact_label_id (hit->label);

      vl->id = keep (data, id);
      vl->title = keep (data, tact_view_label_title (id));
      vl->score = hit->score;
      vl->evidence = keep (data, hit->evidence != NULL ? hit->evidence : "");
      vl->handling = keep (data, tact_engine_handling (engine, analysis->lang, hit->label));
      if (hit->judged)
        view->judged |= 1u << (view->n_labels - 1);
    }

  suggestions = tact_engine_suggest (engine, analysis, ctx, TACT_VIEW_MAX_SUGGESTIONS);
  for (guint i = 0; i < suggestions->len && i < TACT_VIEW_MAX_SUGGESTIONS; i++)
    {
      const TactSuggestion *s = g_ptr_array_index (suggestions, i);
      TactViewSuggestion *vs = &view->suggestions[view->n_suggestions];

      vs->id = keep (data, s->id);
      vs->text = keep (data, s->text);
      vs->needs_edit = s->needs_edit;
      data->suggestion_label[view->n_suggestions++] = s->label;
    }

  if ((tact_analysis_has (analysis, TACT_LABEL_AUTOMATION_QUESTION)
       || tact_analysis_has (analysis, TACT_LABEL_ANNOYED_BY_AUTOMATION))
      && !tact_analysis_has (analysis, TACT_LABEL_OPT_OUT))
    {
      g_autofree char *followup = tact_engine_followup (engine, analysis->lang, analysis, ctx);
      view->followup = keep (data, followup);
    }
  return data;
}

void
tact_view_free (TactViewData *data)
{
  if (data == NULL)
    return;
  g_string_chunk_free (data->strings);
  g_free (data);
}

const TactView *
tact_view_get (const TactViewData *data)
{
  return data != NULL ? &data->view : NULL;
}

TactLabel
tact_view_suggestion_label (const TactViewData *data, guint index)
{
  g_return_val_if_fail (index < data->view.n_suggestions, TACT_LABEL_NEUTRAL);
  return data->suggestion_label[index];
}

/* At most @max characters of @text, cut at a word boundary, with "…". */
static void
append_short (GString *out, const char *text, glong max)
{
  const char *cut;
  const char *space;

  if (g_utf8_strlen (text, -1) <= max)
    {
      g_string_append (out, text);
      return;
    }
  cut = g_utf8_offset_to_pointer (text, max);
  space = cut;
  while (space > text && *space != ' ')
    space--;
  if (space - text > (cut - text) / 2)
    cut = space;
  g_string_append_len (out, text, cut - text);
  g_string_append (out, "…");
}

/* Plain text first and escaped once at the end, so nothing from the
 * message, an alias or a pack can become markup.  Compact: one line, each
 * suggestion cut short (about three rows of an 80-column Finch window).
 * Full (/tact): the handling line and every suggestion in full, one per line. */
char *
tact_view_format_line (const TactView *view, const char *mention_by, gboolean full)
{
  g_autoptr (GString) line = g_string_new ("[tact] ");
  g_autofree char *escaped = NULL;
  g_auto (GStrv) rows = NULL;

  if (mention_by != NULL)
    g_string_append_printf (line, _("%s mentioned you: "), mention_by);
  for (guint i = 0; i < view->n_labels; i++)
    {
      const TactViewLabel *l = &view->labels[i];

      if (i > 0)
        g_string_append (line, ", ");
      g_string_append (line, l->id);
      /* the judge's labels are guesses: say so */
      if (view->judged & (1u << i))
        g_string_append_c (line, '?');
      if (i == 0 && l->evidence != NULL && *l->evidence != '\0')
        {
          g_string_append (line, " (");
          append_short (line, l->evidence, 40);
          g_string_append (line, ")");
        }
    }
  if (view->n_labels == 0)
    g_string_append (line, view->primary);
  if (view->opted_out)
    g_string_append_printf (line, " · %s", _("on the do-not-contact list"));
  if (full && view->n_labels > 0 && view->labels[0].handling != NULL)
    g_string_append_printf (line, "\n%s", view->labels[0].handling);
  for (guint i = 0; i < view->n_suggestions; i++)
    {
      g_string_append_printf (line, full ? "\n%u) " : (i == 0 ? " · %u) " : " %u) "), i + 1);
      if (full)
        g_string_append (line, view->suggestions[i].text);
      else
        append_short (line, view->suggestions[i].text, 56);
    }
  if (full && view->followup != NULL)
    g_string_append_printf (line, "\n%s %s", _("/tact followup sends:"), view->followup);
  if (full)
    g_string_append_c (line, '\n');
  else
    g_string_append (line, " · ");
  if (view->n_suggestions > 0)
    g_string_append (line, _("/tact use N"));
  if (view->followup != NULL)
    g_string_append_printf (line, " · %s", _("/tact followup"));
  if (mention_by != NULL)
    g_string_append_printf (line, " · %s", _("better answered in private"));

  escaped = g_markup_escape_text (line->str, (gssize) line->len);
  rows = g_strsplit (escaped, "\n", -1);
  return g_strjoinv ("<br>", rows);
}
