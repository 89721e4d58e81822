/* Situation label ids and priority.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "tact-engine.h"

#include <string.h>

/* Indexed by TactLabel; the enum order is the playbook's priority order. */
static const char *const label_ids[TACT_LABEL_COUNT] = {
  [TACT_LABEL_OPT_OUT] = "opt-out",
  [TACT_LABEL_HARASSMENT] = "harassment",
  [TACT_LABEL_ABUSIVE] = "abusive",
  [TACT_LABEL_CRISIS] = "crisis",
  [TACT_LABEL_OUR_MISTAKE] = "our-mistake",
  [TACT_LABEL_NEEDS_EXPERT] = "needs-expert",
  [TACT_LABEL_AUTOMATION_QUESTION] = "automation-question",
  [TACT_LABEL_ANNOYED_BY_AUTOMATION] = "annoyed-by-automation",
  [TACT_LABEL_CONFUSED] = "confused",
  [TACT_LABEL_NOT_A_FIT] = "not-a-fit",
  [TACT_LABEL_RESOLVED] = "resolved",
  [TACT_LABEL_INTERESTED] = "interested",
  [TACT_LABEL_FEEDBACK] = "feedback",
  [TACT_LABEL_QUESTION] = "question",
  [TACT_LABEL_PRAISE] = "praise",
  [TACT_LABEL_NEUTRAL] = "neutral",
};

G_DEFINE_QUARK (tact-error-quark, tact_error)

const char *
tact_label_id (TactLabel label)
{
  g_return_val_if_fail (label < TACT_LABEL_COUNT, "neutral");
  return label_ids[label];
}

gboolean
tact_label_from_id (const char *id, TactLabel *out)
{
  if (id == NULL)
    return FALSE;
  for (guint i = 0; i < TACT_LABEL_COUNT; i++)
    if (strcmp (id, label_ids[i]) == 0)
      {
        if (out)
          *out = (TactLabel) i;
        return TRUE;
      }
  return FALSE;
}

gboolean
tact_label_is_stateful (TactLabel label)
{
  return label == TACT_LABEL_HARASSMENT || label == TACT_LABEL_CRISIS;
}

gboolean
tact_facet_is_known (const char *facet)
{
  /* the cues' "facet" and the ids of the templates kept for one */
  static const char *const facets[] = { "technical", "legal", "billing" };
  for (guint i = 0; facet && i < G_N_ELEMENTS (facets); i++)
    if (strcmp (facet, facets[i]) == 0)
      return TRUE;
  return FALSE;
}
