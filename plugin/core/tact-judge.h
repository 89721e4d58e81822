/* The judge: a second opinion on the situation labels (internal).
 *
 * Cues are precise but only fire on the phrasings someone wrote down; a
 * message that says "please take me out of the sequence" in words no
 * pattern has stays neutral.  The judge is a linear model (one logistic
 * unit per label) over the message's words and adjacent word pairs, trained
 * offline on the project's own case sets (tools/train-judge.py) and shipped
 * as data (judge.json).  It ADDS labels the cues did not assert, never
 * one the cues ruled out (a veto, a negation, a polarity condition): the
 * cues keep the last word on what they know.  For the labels its
 * "overrule" lists it may also DROP one that only shipped cues assert,
 * none of them marked "sure", when it is all but sure the label is
 * wrong: most of the cues' false alarms on fresh text are phrases read
 * out of context, and the judge, which sees the whole message, gives them
 * a probability near zero.
 *
 * The words it sees are the analysis units in order, with "^" before the
 * first, "$" after the last and "|" between clauses — exactly what
 * tact_analyze_units() prints, so training and use cannot drift apart.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include "tact-analyze.h"

/* Validates a judge.json document (kind "judge").  FALSE with @error naming
 * file:line:col and what is wrong. */
gboolean tact_judge_validate (const TactJsonDoc *doc, GError **error);

/* Compiles a validated document into @pack->judge, interning its words in
 * the pack's dictionary (call before the automaton is frozen).  Takes over
 * @doc and frees it as soon as its weights are read, before the judge's
 * rows are allocated. */
void     tact_judge_compile (TactPack *pack, TactJsonDoc *doc);

void     tact_judge_clear (TactJudge *judge);
/* Builds the filter of the pair table (after compiling or loading). */
void     tact_judge_index_pairs (TactJudge *judge);

/* Scores the units of @s (after build_units): each word and word pair
 * counts once however often it occurs.  Fills @logit[label] and returns
 * the mask of labels whose probability reaches the threshold. */
guint32  tact_judge_score (TactScratch *s, const TactPack *pack, float *logit);

/* The weight for @label of the features (a unit, a pair) that unit @at
 * is part of: above 0 when the judge learnt that word in that place as a
 * sign of the label ("never" in "never want to hear from you"). */
float    tact_judge_weight_at (const TactScratch *s, const TactPack *pack, TactLabel label, guint at);
/* The same for the features that touch any unit from @first to @last,
 * each counted once. */
float    tact_judge_weight_in (const TactScratch *s, const TactPack *pack, TactLabel label,
                               guint first, guint last);
/* The feature (a unit or a pair of units) that pushed @label up the most,
 * passing over the features unit @skip is part of (G_MAXUINT: none): its
 * first and last unit.  FALSE if no such feature has a positive weight. */
gboolean tact_judge_evidence (const TactScratch *s, const TactPack *pack, TactLabel label, guint skip,
                              guint *start, guint *end);
/* The same, passing over the features that touch any unit from @first to
 * @last. */
gboolean tact_judge_evidence_outside (const TactScratch *s, const TactPack *pack, TactLabel label,
                                      guint first, guint last, guint *start, guint *end);
