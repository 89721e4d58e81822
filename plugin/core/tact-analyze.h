/* Analysing one message with one pack (internal).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "tact-pack.h"

typedef struct {
  guint32 word;    /* word id or TACT_DICT_NONE */
  guint32 tok;     /* index of the token it came from */
  guint8  kind;    /* TactTokKind */
  guint8  flags;   /* TACT_TOKF_* of the token */
  guint16 run;
} TactUnit;

typedef struct {
  guint32 cue;
  guint16 start, end;  /* unit indices, inclusive */
  float   valence;     /* lexicon phrases */
} TactMatch;

/* A live automaton state, with a copy of its node's edge range and Bloom
 * filter (see TactNode). */
typedef struct {
  guint32 node;
  guint16 start;
  guint8  skip;
  guint32 lo, hi;
  guint64 bloom, bloom2;
} TactState;

/* The longest gap a pattern may have ("*8", see tact-pack.c): the per-unit
 * filters are padded by this much so a state's window needs no bounds
 * check.  A longer gap (a damaged snapshot) is simply never pruned. */
#define TACT_MAX_GAP 8

/* The symbol filters of a run of units, with both hashes of
 * TactNode.bloom/bloom2. */
typedef struct {
  guint64 b1, b2;
} TactWin;

/* Levels of window filters: level k holds, per unit, the filters of the
 * 2^k units from it on, so that any window of up to TACT_MAX_GAP + 1 units
 * is the union of two entries of one level (a sparse table). */
#define TACT_WIN_LEVELS 4
G_STATIC_ASSERT (2u << (TACT_WIN_LEVELS - 1) >= TACT_MAX_GAP + 1);

/* At most this many matches are kept per message. */
#define TACT_MAX_MATCHES 1024

/* A bound on the work per token, whatever the input: hostile text cannot
 * make matching quadratic. */
#define TACT_MAX_STATES 256

/* Reusable scratch space: analysing a message allocates nothing but the
 * result once these have grown to the usual size. */
typedef struct {
  TactText  text;
  TactUnit *units;    /* n_units of cap_units */
  TactWin  *win;      /* (cap_units + TACT_MAX_GAP + 1) * TACT_WIN_LEVELS: per
                       * unit, at level k, the filters of the 2^k units from
                       * it on (level 0: its own symbols); zeros past the
                       * last unit.  A unit's levels share a cache line */
  guint     n_units, cap_units;
  guint    *order;    /* cap_order: cue matches in weighing order */
  guint     cap_order;
  TactMatch *matches; /* TACT_MAX_MATCHES */
  guint     n_matches;
  TactState *cur, *next; /* TACT_MAX_STATES each */
  guint     n_cur, n_next;
  guint64   seen_cur, seen_next; /* filters of their (node, start) pairs */
  float    *vals;     /* cap_units: per unit, its valence */
  int       excl, qm; /* the message's "!" and "?" */
  int       contrast_at; /* the last unit whose word is a contrast ("but"), or -1 */
  /* per judge row (a word or a word pair): the message stamp @jgen when
   * the row was last counted, so nothing is cleared between messages */
  guint32  *rstamp;
  guint32   n_rstamp, jgen;
} TactScratch;

void tact_scratch_init (TactScratch *s);
void tact_scratch_clear (TactScratch *s);

/* Picks the pack whose language fits the scanned text best (index into @packs). */
guint tact_analyze_detect (TactScratch *s, TactPack *const *packs, guint n_packs);

/* The units of s->text as the cues and the judge see them: "^", then each
 * unit's word ("|" between clauses), then "$".  New; g_strfreev(). */
char **tact_analyze_units (TactScratch *s, const TactPack *pack);

/* Fills @out (whose ref_count/lang are set by the caller) from s->text. */
void  tact_analyze_run (TactScratch *s, const TactPack *pack, TactAnalysis *out);
