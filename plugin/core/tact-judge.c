/* The judge: validation, compilation and scoring (see tact-judge.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "tact-judge.h"

#include <math.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdarg.h>
#include <string.h>


/* ------------------------------------------------------- entries of a file */

/* The file's entries: read flat (no jansson object per weight) or, when the
 * flat reader declined the file, from the jansson document. */
typedef gboolean (*EntryFn) (const char *key, double value, gpointer data);

static gboolean
foreach_entry (const TactJsonDoc *doc, EntryFn fn, gpointer data)
{
  if (doc->flat)
    for (guint i = 0; i < doc->flat->len; i++)
      {
        const TactFlatEntry *e = &g_array_index (doc->flat, TactFlatEntry, i);
        if (!fn (e->key, e->value, data))
          return FALSE;
      }
  const char *key;
  json_t *v;
  json_object_foreach (json_object_get (doc->root, "entries"), key, v)
    if (!fn (key, json_number_value (v), data))
      return FALSE;
  return TRUE;
}

/* Splits "label", "label word" or "label word word": the label and where
 * the feature starts (NULL for a bias).  Called for every entry at load, so
 * it allocates nothing, and @last remembers the previous entry's label:
 * files are sorted by label, and most entries repeat it. */
typedef struct {
  char      id[32];
  gsize     len;
  TactLabel label;
  gboolean  valid;
} LabelCache;

static gboolean
split_entry (const char *key, TactLabel *label, const char **feature, LabelCache *last)
{
  const char *sp = strchr (key, ' ');
  gsize len = sp ? (gsize) (sp - key) : strlen (key);
  if (len >= sizeof last->id)
    return FALSE;
  if (!(last->valid && len == last->len && memcmp (key, last->id, len) == 0))
    {
      memcpy (last->id, key, len);
      last->id[len] = '\0';
      last->len = len;
      last->valid = tact_label_from_id (last->id, &last->label) && last->label != TACT_LABEL_NEUTRAL &&
                    !tact_label_is_stateful (last->label);
      if (!last->valid)
        {
          last->len = 0;
          return FALSE;
        }
    }
  *label = last->label;
  *feature = sp ? sp + 1 : NULL;
  return TRUE;
}

/* Reports @what about entry @key (the path is built only on this error path). */
static gboolean G_GNUC_PRINTF (4, 5)
entry_error (GError **error, const TactJsonDoc *doc, const char *key, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_autofree char *p = g_strdup_printf ("entries.%s", key);
  tact_json_error (error, doc, p, "%s", msg);
  return FALSE;
}

/* --------------------------------------------------------------- validate */

typedef struct {
  const TactJsonDoc *doc;
  GError **error;
  guint32 biased, weighted;
  gboolean second_pass;
  LabelCache last;
} Check;

static gboolean
check_entry (const char *key, double value, gpointer data)
{
  Check *c = data;
  TactLabel l;
  const char *feature;
  if (!split_entry (key, &l, &feature, &c->last))
    return entry_error (c->error, c->doc, key, "must start with a message label of the playbook "
                        "(\"opt-out\", \"opt-out word\", \"opt-out word word\")");
  if (!(value >= -TACT_JUDGE_MAX_WEIGHT && value <= TACT_JUDGE_MAX_WEIGHT))
    return entry_error (c->error, c->doc, key, "%g is out of range [%g, %g]", value, -TACT_JUDGE_MAX_WEIGHT, TACT_JUDGE_MAX_WEIGHT);
  if (!feature)
    {
      c->biased |= 1u << l;
      return TRUE;
    }
  c->weighted |= 1u << l;
  const char *sp = strchr (feature, ' ');
  if (!*feature || *feature == ' ' || (sp && (sp[1] == '\0' || sp[1] == ' ' || strchr (sp + 1, ' '))))
    return entry_error (c->error, c->doc, key, "a feature is one word or two words separated by one space");
  /* every message has a start and an end: alone they are no evidence */
  if (!sp && (strcmp (feature, "^") == 0 || strcmp (feature, "$") == 0))
    return entry_error (c->error, c->doc, key, "\"^\" and \"$\" only pair with a word");
  if (c->second_pass && !(c->biased & (1u << l)))
    return entry_error (c->error, c->doc, key, "label \"%s\" has no bias entry (\"%s\": number)",
                        tact_label_id (l), tact_label_id (l));
  return TRUE;
}

/* Checks @name, an optional object of "message label": @what, each value
 * a probability in (0, 1] when @one_ok, else in [0, 1); @range is the
 * error for a value out of it ("thresholds" and "overrule"). */
static gboolean
check_label_probs (const TactJsonDoc *doc, const char *name, const char *what, gboolean one_ok,
                   const char *range, GError **error)
{
  json_t *obj = json_object_get (doc->root, name);
  if (obj && !json_is_object (obj))
    {
      tact_json_error (error, doc, name, "must be an object of \"label\": %s", what);
      return FALSE;
    }
  const char *key;
  json_t *v;
  json_object_foreach (obj, key, v)
    {
      TactLabel l;
      g_autofree char *where = g_strdup_printf ("%s.%s", name, key);
      if (!tact_label_from_id (key, &l) || l == TACT_LABEL_NEUTRAL || tact_label_is_stateful (l))
        {
          tact_json_error (error, doc, where, "\"%s\" is not a message label of the playbook", key);
          return FALSE;
        }
      double p = json_number_value (v);
      if (!json_is_number (v) || !(one_ok ? p > 0.0 && p <= 1.0 : p >= 0.0 && p < 1.0))
        {
          tact_json_error (error, doc, where, "%s", range);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
tact_judge_validate (const TactJsonDoc *doc, GError **error)
{
  json_t *r = doc->root;
  const char *key;
  json_t *v;
  json_object_foreach (r, key, v)
    {
      static const char *const keys[] = { "schema", "kind", "lang", "replace", "threshold", "thresholds",
                                          "overrule", "entries", NULL };
      gboolean ok = key[0] == '_' || strcmp (key, "comment") == 0;
      for (guint i = 0; keys[i]; i++)
        ok |= strcmp (key, keys[i]) == 0;
      if (!ok)
        {
          tact_json_error (error, doc, key, "unknown key \"%s\" (expected one of: threshold, thresholds, overrule, entries)", key);
          return FALSE;
        }
    }
  json_t *th = json_object_get (r, "threshold");
  if (!th || !json_is_number (th) || !(json_number_value (th) > 0.0 && json_number_value (th) <= 1.0))
    {
      tact_json_error (error, doc, "threshold", "must be a number in (0, 1] (1 = never assert)");
      return FALSE;
    }
  /* per label: the probability under which the judge overrules the
   * shipped cues' assertion of it, in [0, 1) */
  json_t *ov = json_object_get (r, "overrule");
  if (!check_label_probs (doc, "overrule", "probability", FALSE, "must be a number in [0, 1) (0 = never overrule)", error))
    return FALSE;
  /* per-label thresholds: a label whose errors cost more (an opt-out, an
   * automation question) can ask for more certainty than the others; in
   * (0, 1] */
  json_t *ths = json_object_get (r, "thresholds");
  if (!check_label_probs (doc, "thresholds", "threshold", TRUE, "must be a number in (0, 1] (1 = never assert)", error))
    return FALSE;
  json_t *e = json_object_get (r, "entries");
  if (!e || !json_is_object (e))
    {
      tact_json_error (error, doc, "entries", "missing (an object of \"label [word [word]]\" → weight)");
      return FALSE;
    }
  json_object_foreach (e, key, v)
    if (!json_is_number (v))
      return entry_error (error, doc, key, "must be a number");
  /* a bias may come after the label's weights: one pass collects both,
   * and only when a label has weights but no bias does a second pass find
   * the first such weight to point at */
  Check c = { doc, error, 0, 0, FALSE, { { 0 }, 0, 0, FALSE } };
  if (!foreach_entry (doc, check_entry, &c))
    return FALSE;
  if (c.weighted & ~c.biased)
    {
      c.second_pass = TRUE;
      if (!foreach_entry (doc, check_entry, &c))
        return FALSE;
    }
  /* an overrule must be able to do something, and not undo the judge: a
   * label with no bias is never judged, and at or above the label's
   * threshold the judge would drop what it would assert itself */
  json_object_foreach (ov, key, v)
    {
      TactLabel l;
      tact_label_from_id (key, &l);
      g_autofree char *where = g_strdup_printf ("overrule.%s", key);
      json_t *lt = json_object_get (ths, key);
      double t = json_number_value (lt ? lt : th);
      if (!(c.biased & (1u << l)))
        {
          tact_json_error (error, doc, where, "the judge has no bias entry for \"%s\", so it cannot overrule it", key);
          return FALSE;
        }
      if (json_number_value (v) >= t)
        {
          tact_json_error (error, doc, where, "must be below the label's threshold (%g)", t);
          return FALSE;
        }
    }
  return TRUE;
}

/* ---------------------------------------------------------------- compile */

static guint64
pair_key (guint32 a, guint32 b)
{
  return ((guint64) a + 1) << 32 | ((guint64) b + 1);
}

static guint32
pair_slot (const TactJudge *j, guint64 key)
{
  return tact_automaton_hash (key) & j->pmask;
}

/* Compiling: each feature gets a row the first time it is met; words find
 * their row through the word table, pairs through the pair table, so one
 * pass over the file (sorted by label, not by feature) places every weight.
 * The weights are kept aside, eight bytes each, and written into the rows
 * only once the file is freed: the text and the rows (megabytes each) are
 * then never alive together, and that was the peak of a start that
 * compiles the packs. */
typedef struct {
  guint32 at;     /* row × TACT_JUDGE_ROW + label */
  float   value;
} Weight;

typedef struct {
  TactPack  *pack;
  LabelCache last;
  GArray    *weights;  /* Weight */
} Gather;

/* Grows the pair table to at least @want slots (a power of two, at least
 * twice the old size). */
static void
pairs_grow (TactJudge *j, guint32 want)
{
  guint32 cap = j->pmask ? (j->pmask + 1) * 2 : 1024;
  while (cap < want && cap < (1u << 30))
    cap *= 2;
  guint64 *keys = g_new0 (guint64, cap);
  guint32 *rows = g_new0 (guint32, cap);
  for (guint32 i = 0; j->pkeys && i <= j->pmask; i++)
    if (j->pkeys[i])
      {
        guint32 s = tact_automaton_hash (j->pkeys[i]) & (cap - 1);
        while (keys[s])
          s = (s + 1) & (cap - 1);
        keys[s] = j->pkeys[i];
        rows[s] = j->prow[i];
      }
  g_free (j->pkeys);
  g_free (j->prow);
  j->pkeys = keys;
  j->prow = rows;
  j->pmask = cap - 1;
}

/* Counts the word-pair entries ("label word word") into the gsize at
 * @data. */
static gboolean
count_pair_entry (const char *key, double value, gpointer data)
{
  (void) value;
  const char *sp = strchr (key, ' ');
  if (sp && strchr (sp + 1, ' '))
    (*(gsize *) data)++;
  return TRUE;
}

static gboolean
gather_entry (const char *key, double value, gpointer data)
{
  Gather *g = data;
  TactPack *pack = g->pack;
  TactJudge *j = &pack->judge;
  TactLabel l;
  const char *feature;
  if (!split_entry (key, &l, &feature, &g->last))
    return TRUE;
  if (!feature)
    {
      j->bias[l] = (float) value;
      j->may |= 1u << l;
      return TRUE;
    }
  const char *sp = strchr (feature, ' ');
  guint32 row;
  if (!sp)
    {
      guint32 a = tact_pack_intern (pack, feature, strlen (feature));
      TactWordInfo *wi = &pack->words[a];
      if (!(wi->flags & TACT_WORDF_JUDGE_WORD))
        {
          wi->flags |= TACT_WORDF_JUDGE_WORD;
          wi->judge_row = j->n_rows++;
        }
      row = wi->judge_row;
    }
  else
    {
      guint32 a = tact_pack_intern (pack, feature, (gsize) (sp - feature));
      guint32 b = tact_pack_intern (pack, sp + 1, strlen (sp + 1));
      pack->words[a].flags |= TACT_WORDF_JUDGE_FIRST;
      pack->words[b].flags |= TACT_WORDF_JUDGE_SECOND;
      if ((j->n_pairs + 1) * 2 > j->pmask + 1)
        pairs_grow (j, 0);
      guint64 k = pair_key (a, b);
      guint32 s = pair_slot (j, k);
      while (j->pkeys[s] && j->pkeys[s] != k)
        s = (s + 1) & j->pmask;
      if (!j->pkeys[s])
        {
          j->pkeys[s] = k;
          j->prow[s] = j->n_rows++;
          j->n_pairs++;
        }
      row = j->prow[s];
    }
  /* more rows than an offset can name: the rest of the file is left out
   * (a file of a billion features is not one we trained) */
  if (row >= G_MAXUINT32 / TACT_JUDGE_ROW)
    return FALSE;
  Weight w = { row * TACT_JUDGE_ROW + (guint32) l, (float) value };
  g_array_append_val (g->weights, w);
  return TRUE;
}

void
tact_judge_compile (TactPack *pack, TactJsonDoc *doc)
{
  TactJudge *j = &pack->judge;
  double th = json_number_value (json_object_get (doc->root, "threshold"));
  /* a threshold of 1 can never be reached: the judge is switched off */
  if (th >= 1.0)
    {
      tact_json_doc_free (doc);
      return;
    }
  json_t *ths = json_object_get (doc->root, "thresholds");
  /* "overrule": per label, the probability under which the judge drops
   * the label when only shipped cues assert it (absent or 0: never) */
  json_t *ovs = json_object_get (doc->root, "overrule");
  for (guint l = 0; l < TACT_LABEL_COUNT; l++)
    {
      json_t *lt = json_object_get (ths, tact_label_id ((TactLabel) l));
      json_t *ov = json_object_get (ovs, tact_label_id ((TactLabel) l));
      double t = lt ? json_number_value (lt) : th;
      double p = ov ? json_number_value (ov) : 0.0;
      /* 1 can never be reached: that label is never asserted */
      j->min_logit[l] = t >= 1.0 ? INFINITY : (float) log (t / (1.0 - t));
      j->overrule_logit[l] = p > 0.0 ? (float) log (p / (1.0 - p)) : -INFINITY;
    }
  j->bos = tact_pack_intern (pack, "^", 1);
  j->eos = tact_pack_intern (pack, "$", 1);
  j->bar = tact_pack_intern (pack, "|", 1);
  Gather g = { pack, { { 0 }, 0, 0, FALSE }, NULL };
  gsize n_entries = doc->flat ? doc->flat->len
                              : json_object_size (json_object_get (doc->root, "entries"));
  g.weights = g_array_sized_new (FALSE, FALSE, sizeof (Weight), (guint) MIN (n_entries, (gsize) G_MAXUINT / 2));
  /* the pair table at the size it would grow to (kept at most half full):
   * growing it on the way holds the old table and the new one at once.
   * Sized from the pair entries alone, a pair having about 1.7 weights in
   * the files we train: from all entries, a judge of 58,829 weights (22,686
   * pairs) got a table twice the size it needs, 1.5 MB where 0.75 do */
  gsize n_pair_entries = 0;
  foreach_entry (doc, count_pair_entry, &n_pair_entries);
  guint32 est_pairs = (guint32) MIN (n_pair_entries / 2 + n_pair_entries / 8, (gsize) G_MAXUINT32 / 4);
  pairs_grow (j, est_pairs * 2);
  foreach_entry (doc, gather_entry, &g);
  tact_json_doc_free (doc);
  /* rows on cache-line boundaries: a row that straddles two lines costs
   * two misses where one would do (malloc only promises 16 bytes); a
   * judge without features still needs a row to point at */
  gsize bytes = (gsize) MAX (j->n_rows, 1u) * TACT_JUDGE_ROW * sizeof (float);
  j->rows_mem = g_malloc0 (bytes + 63);
  j->rows = tact_align_line (j->rows_mem);
  for (guint i = 0; i < g.weights->len; i++)
    {
      const Weight *w = &g_array_index (g.weights, Weight, i);
      j->rows[w->at] = w->value;
    }
  g_array_free (g.weights, TRUE);

  /* a label whose cues all defer to others ("question" gives way to the
   * specific labels) defers, when the judge asserts it, to the labels every
   * one of them defers to; vetoes assert nothing and do not count, as in
   * tact_analyze_run() */
  for (guint l = 0; l < TACT_LABEL_COUNT; l++)
    {
      guint32 u = ~0u;
      gboolean any = FALSE;
      for (guint c = 0; c < pack->cues->len; c++)
        {
          const TactCue *cue = &g_array_index (pack->cues, TactCue, c);
          if (cue->label != l || cue->veto || cue->clause_veto)
            continue;
          any = TRUE;
          u &= cue->unless;
        }
      j->unless[l] = any ? u & ~(1u << l) : 0;
    }
  tact_judge_index_pairs (j);
  j->on = TRUE;
}

/* About four bits per pair, so that about one in nine absent pairs gets
 * through: 16 KB for the shipped judge, most of it in L1. */
void
tact_judge_index_pairs (TactJudge *j)
{
  tact_hash_filter_free (&j->pfilter);
  if (!j->pkeys)
    return;
  tact_hash_filter_reset (&j->pfilter, j->n_pairs);
  for (guint32 i = 0; i <= j->pmask; i++)
    if (j->pkeys[i])
      tact_hash_filter_add (&j->pfilter, tact_automaton_hash (j->pkeys[i]));
}

void
tact_judge_clear (TactJudge *j)
{
  /* @rows points into @rows_mem once compiled, and is its own block
   * while being gathered (a pack refused half-way) */
  if (j->rows_mem)
    g_free (j->rows_mem);
  else
    g_free (j->rows);
  g_free (j->pkeys);
  g_free (j->prow);
  tact_hash_filter_free (&j->pfilter);
  memset (j, 0, sizeof *j);
}

/* ------------------------------------------------------------------ score */

#define NO_ROW G_MAXUINT32

/* The row index of the pair (@a, @b), or NO_ROW. */
static inline guint32
pair_row_index (const TactJudge *j, guint32 a, guint32 b)
{
  guint64 k = pair_key (a, b);
  guint32 h = tact_automaton_hash (k);
  if (j->pfilter.bits && !tact_hash_filter_may_have (&j->pfilter, h))
    return NO_ROW;
  for (guint32 s = h & j->pmask; j->pkeys[s]; s = (s + 1) & j->pmask)
    if (j->pkeys[s] == k)
      return j->prow[s];
  return NO_ROW;
}

/* Readies the row stamps for a message (see TactScratch.rstamp). */
static void
stamps_reset (TactScratch *s, guint32 n_rows)
{
  if (s->n_rstamp < n_rows)
    {
      g_free (s->rstamp);
      s->rstamp = g_new0 (guint32, n_rows);
      s->n_rstamp = n_rows;
    }
  if (++s->jgen == 0)
    {
      /* the stamps wrapped: old stamps could pass for new ones */
      memset (s->rstamp, 0, s->n_rstamp * sizeof (guint32));
      s->jgen = 1;
    }
}

/* The logits of a message as four vectors of four labels: GCC kept them
 * in memory when they were an array of floats added in a loop, a load and
 * a store per four weights.  Each lane adds the same weights in the same
 * order as a plain loop would, so the sums are the same to the bit. */
G_STATIC_ASSERT (TACT_JUDGE_ROW == 16);
#if defined(__GNUC__)
typedef float Lanes __attribute__ ((vector_size (16)));
#else
typedef struct { float v[4]; } Lanes;
#endif

typedef struct {
  Lanes v[4];
} Acc;

static inline Lanes
lanes_load (const float *p)
{
  Lanes v;
  memcpy (&v, p, sizeof v);
  return v;
}

static inline Lanes
lanes_add (Lanes a, const float *row)
{
  Lanes b = lanes_load (row);
#if defined(__GNUC__)
  return a + b;
#else
  for (guint k = 0; k < 4; k++)
    a.v[k] += b.v[k];
  return a;
#endif
}

/* Written out: at -O2 GCC keeps a loop over the four, and with it the
 * accumulator in memory. */
static inline void
add_row (Acc *acc, const float *row)
{
  acc->v[0] = lanes_add (acc->v[0], row);
  acc->v[1] = lanes_add (acc->v[1], row + 4);
  acc->v[2] = lanes_add (acc->v[2], row + 8);
  acc->v[3] = lanes_add (acc->v[3], row + 12);
}

/* The labels the judge may assert whose logit reaches their threshold. */
static inline guint32
over_threshold (const TactJudge *j, const float *logit)
{
  guint32 mask = 0;
#if defined(__SSE2__)
  for (guint k = 0; k < 4; k++)
    mask |= (guint32) _mm_movemask_ps (_mm_cmpge_ps (_mm_loadu_ps (logit + 4 * k),
                                                     _mm_loadu_ps (j->min_logit + 4 * k))) << (4 * k);
  return mask & j->may;
#else
  for (guint32 r = j->may; r; r &= r - 1)
    {
      guint l = (guint) g_bit_nth_lsf (r, -1);
      if (logit[l] >= j->min_logit[l])
        mask |= 1u << l;
    }
  return mask;
#endif
}

/* The features of the sequence "^ units… $" with "|" between clauses, in
 * one walk for three uses: scoring (tact_judge_score(), each feature's row
 * added once), the best feature for a label (tact_judge_evidence()) and
 * the weight at a unit (tact_judge_weight_at()).  The mode is a constant
 * in each caller, so each gets a walk of its own with no calls per
 * feature; the last two run only for the few labels the judge adds. */
typedef enum {
  WALK_SCORE,
  WALK_EVIDENCE,
  WALK_WEIGHT_AT,
} WalkMode;

typedef struct {
  /* the symbol before the current one, and its unit */
  guint32  prev;
  guint16  prev_flags;
  guint    prev_at;
  /* WALK_SCORE: the logits so far, and the row stamps (TactScratch.rstamp) */
  Acc      acc;
  guint32 *rstamp;
  guint32  gen;
  /* WALK_EVIDENCE, WALK_WEIGHT_AT */
  TactLabel label;
  guint    at, at_end; /* units at–at_end: WALK_WEIGHT_AT sums the features that
                        * touch them, WALK_EVIDENCE passes those over */
  float    best;   /* or the sum */
  guint    start, end;
} Walk;

/* The feature of row @row over units @start–@end. */
static inline TACT_ALWAYS_INLINE void
walk_feature (Walk *k, const TactJudge *j, WalkMode mode, guint32 row, guint start, guint end)
{
  const float *r = j->rows + (gsize) row * TACT_JUDGE_ROW;
  if (mode == WALK_SCORE)
    {
      /* each feature has a row of its own: its stamp tells whether this
       * message has counted it */
      if (k->rstamp[row] != k->gen)
        {
          k->rstamp[row] = k->gen;
          add_row (&k->acc, r);
        }
    }
  else if (mode == WALK_EVIDENCE)
    {
      if (r[k->label] > k->best && !(start <= k->at_end && k->at <= end))
        {
          k->best = r[k->label];
          k->start = start;
          k->end = end;
        }
    }
  else if (start <= k->at_end && k->at <= end)
    k->best += r[k->label];
}

/* One symbol @w at unit @at: its word's feature and the pair it ends. */
static inline TACT_ALWAYS_INLINE void
walk_symbol (Walk *k, const TactPack *pack, WalkMode mode, guint32 w, guint at)
{
  const TactJudge *j = &pack->judge;
  if (G_UNLIKELY (w == TACT_DICT_NONE))
    {
      k->prev = w;
      k->prev_flags = 0;
      return;
    }
  const TactWordInfo *wi = &pack->words[w];
  if (wi->flags & TACT_WORDF_JUDGE_WORD)
    walk_feature (k, j, mode, wi->judge_row, at, at);
  if ((k->prev_flags & TACT_WORDF_JUDGE_FIRST) && (wi->flags & TACT_WORDF_JUDGE_SECOND))
    {
      guint32 row = pair_row_index (j, k->prev, w);
      if (row != NO_ROW)
        walk_feature (k, j, mode, row, k->prev_at, at);
    }
  k->prev = w;
  k->prev_flags = wi->flags;
  if (mode != WALK_SCORE)
    k->prev_at = at;
}

/* "|" goes before a unit that starts a clause, "$" stands at the last unit. */
static inline TACT_ALWAYS_INLINE void
walk (Walk *k, const TactScratch *s, const TactPack *pack, WalkMode mode)
{
  const TactJudge *j = &pack->judge;
  const TactUnit *u = s->units;
  guint n = s->n_units;
  k->prev = j->bos;
  k->prev_flags = pack->words[j->bos].flags;
  k->prev_at = 0;
  if (n > 0)
    walk_symbol (k, pack, mode, u[0].word, 0);
  for (guint i = 1; i < n; i++)
    {
      if (u[i].flags & TACT_TOKF_CLAUSE)
        walk_symbol (k, pack, mode, j->bar, i);
      walk_symbol (k, pack, mode, u[i].word, i);
    }
  walk_symbol (k, pack, mode, j->eos, n - (n > 0));
}

guint32
tact_judge_score (TactScratch *s, const TactPack *pack, float *logit)
{
  const TactJudge *j = &pack->judge;
  if (!j->on)
    return 0;
  stamps_reset (s, j->n_rows);
  /* (no memcpy into or out of the logits: that would keep them in memory) */
  Walk k;
  k.acc = (Acc) { { lanes_load (j->bias), lanes_load (j->bias + 4), lanes_load (j->bias + 8),
                    lanes_load (j->bias + 12) } };
  k.rstamp = s->rstamp;
  k.gen = s->jgen;
  walk (&k, s, pack, WALK_SCORE);
  for (guint q = 0; q < 4; q++)
    memcpy (logit + 4 * q, &k.acc.v[q], sizeof k.acc.v[q]);
  return over_threshold (j, logit);
}

gboolean
tact_judge_evidence_outside (const TactScratch *s, const TactPack *pack, TactLabel label,
                             guint first, guint last, guint *start, guint *end)
{
  if (!pack->judge.on || s->n_units == 0)
    return FALSE;
  Walk k = { .label = label, .at = first, .at_end = last, .best = 0.0f, .start = 0, .end = 0 };
  walk (&k, s, pack, WALK_EVIDENCE);
  *start = k.start;
  *end = k.end;
  return k.best > 0.0f;
}

gboolean
tact_judge_evidence (const TactScratch *s, const TactPack *pack, TactLabel label, guint skip,
                     guint *start, guint *end)
{
  return tact_judge_evidence_outside (s, pack, label, skip, skip, start, end);
}

float
tact_judge_weight_in (const TactScratch *s, const TactPack *pack, TactLabel label, guint first,
                      guint last)
{
  if (!pack->judge.on || s->n_units == 0)
    return 0.0f;
  Walk k = { .label = label, .at = first, .at_end = last, .best = 0.0f };
  walk (&k, s, pack, WALK_WEIGHT_AT);
  return k.best;
}

float
tact_judge_weight_at (const TactScratch *s, const TactPack *pack, TactLabel label, guint at)
{
  return tact_judge_weight_in (s, pack, label, at, at);
}
