/* A hand-made analysis for tests (shared by the unit and data suites).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "tact-engine.h"

/* An analysis holding exactly @label at @score (no label for neutral).
 * New; free with tact_analysis_unref(). */
static inline TactAnalysis *
tact_test_analysis_of (TactLabel label, double score)
{
  TactAnalysis *a = g_new0 (TactAnalysis, 1);
  a->ref_count = 1;
  g_strlcpy (a->lang, "en", sizeof a->lang);
  a->primary = label;
  if (label != TACT_LABEL_NEUTRAL)
    {
      a->n_labels = 1;
      a->labels[0].label = label;
      a->labels[0].score = score;
    }
  return a;
}
