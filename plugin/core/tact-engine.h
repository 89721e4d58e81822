/* purple-tact — the judgment engine's public API.
 *
 * GLib + jansson only; never includes purple.h.  Every other part of the
 * project (the `tact` command, the libpurple plugin) talks to the engine
 * through this header alone.
 *
 * Ownership follows jansson's habit of stating it per function:
 *   "new"  = caller owns the result and frees it with the named function;
 *   "borrowed" = valid while the owner lives, do not free.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Situation labels.  The enum order is the playbook's priority order
 * (first = highest priority), so the primary label is simply the lowest
 * enum value present.  Stable string ids come from tact_label_id(). */
typedef enum {
  TACT_LABEL_OPT_OUT = 0,
  TACT_LABEL_HARASSMENT,          /* stateful (TactTracker) */
  TACT_LABEL_ABUSIVE,
  TACT_LABEL_CRISIS,              /* stateful (TactTracker) */
  TACT_LABEL_OUR_MISTAKE,
  TACT_LABEL_NEEDS_EXPERT,
  TACT_LABEL_AUTOMATION_QUESTION,
  TACT_LABEL_ANNOYED_BY_AUTOMATION,
  TACT_LABEL_CONFUSED,
  TACT_LABEL_NOT_A_FIT,
  TACT_LABEL_RESOLVED,
  TACT_LABEL_INTERESTED,
  TACT_LABEL_FEEDBACK,
  TACT_LABEL_QUESTION,
  TACT_LABEL_PRAISE,
  TACT_LABEL_NEUTRAL,
  TACT_LABEL_COUNT
} TactLabel;

/* "opt-out", "automation-question", …  Borrowed, static. */
const char *tact_label_id (TactLabel label);
/* Parses a stable id; FALSE if unknown. */
gboolean    tact_label_from_id (const char *id, TactLabel *out);
/* TRUE for labels only the tracker can assert (harassment, crisis). */
gboolean    tact_label_is_stateful (TactLabel label);
/* TRUE for a needs-expert facet: "technical", "legal" or "billing". */
gboolean    tact_facet_is_known (const char *facet);

#define TACT_ERROR (tact_error_quark ())
GQuark tact_error_quark (void);
typedef enum {
  TACT_ERROR_PACK,      /* a data pack is malformed; message names file:line:col */
  TACT_ERROR_IO,        /* a file could not be read or written */
  TACT_ERROR_INPUT,     /* bad caller input */
} TactError;

/* One asserted label of an analysis. */
typedef struct {
  TactLabel label;
  double    score;     /* (0, 1] */
  char     *evidence;  /* the span of the message that triggered it; owned by the analysis */
  char     *facet;     /* needs-expert: "technical" | "legal" | "billing" | NULL; owned */
  gboolean  judged;    /* asserted by the judge (a trained model), not by a cue:
                        * less certain, so a UI should not act on it alone */
} TactLabelHit;

/* The result of analysing one message.  Reference counted so a UI can
 * keep the last one per conversation cheaply. */
typedef struct {
  char          lang[8];     /* pack language, e.g. "en" */
  double        polarity;    /* compound score in [-1, 1] */
  TactLabel     primary;     /* highest-priority label present; NEUTRAL if none */
  guint         n_labels;    /* hits are sorted by priority */
  TactLabelHit  labels[TACT_LABEL_COUNT];
  gboolean      truncated;   /* only a window of a huge message was analysed */
  /*< private >*/
  gint          ref_count;
} TactAnalysis;

TactAnalysis *tact_analysis_ref (TactAnalysis *analysis);
void          tact_analysis_unref (TactAnalysis *analysis);
/* The hit for @label, or NULL.  Borrowed. */
const TactLabelHit *tact_analysis_find (const TactAnalysis *analysis, TactLabel label);
gboolean      tact_analysis_has (const TactAnalysis *analysis, TactLabel label);
/* Appends the analysis as one compact JSON object (no newline) to @out. */
void          tact_analysis_to_json (const TactAnalysis *analysis, GString *out);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactAnalysis, tact_analysis_unref)

/* Who is speaking to whom: fills the reply variables.  All strings are
 * borrowed, any may be NULL or empty; they are treated as untrusted text
 * (an alias may contain "{agent}" or HTML: it is inserted verbatim, never
 * expanded, never interpreted). */
typedef struct {
  const char *name;       /* the contact's display name / alias */
  const char *agent;      /* the rep's name */
  const char *company;
  const char *product;
  const char *topic;
  gboolean    greet_handles_by_name; /* use the name even if it looks like a handle */
} TactContext;

typedef struct {
  char     *id;         /* template id, e.g. "opt-out.short" */
  char     *text;       /* rendered plain text (not HTML) */
  TactLabel label;      /* the label this suggestion answers */
  gboolean  needs_edit; /* a pack default stood in for a missing variable */
} TactSuggestion;

void tact_suggestion_free (TactSuggestion *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactSuggestion, tact_suggestion_free)

typedef struct _TactEngine TactEngine;

/* Loads the packs of @data_dir (the shipped ones; NULL = built-in only)
 * and then @user_dir (optional overrides/extensions).  A pack that fails
 * validation is refused and reported through @error as a warning-level
 * GError while the engine falls back to the last good / built-in copy:
 * the function returns a usable engine even then.  Returns NULL only when
 * not even the built-in packs load (a bug).  New; free with tact_engine_free(). */
TactEngine *tact_engine_new (const char *data_dir, const char *user_dir, GError **error);
/* As tact_engine_new(), keeping compiled packs in @cache_dir (created when
 * needed; NULL = compile every time).  A pack whose files and program are
 * unchanged since it was last compiled is read back in a few milliseconds;
 * a stale or damaged snapshot is compiled again and replaced, and a cache
 * that cannot be written is no error.  Reloads use the same cache.  New. */
TactEngine *tact_engine_new_cached (const char *data_dir, const char *user_dir,
                                    const char *cache_dir, GError **error);
/* Where compiled packs are kept unless the user says otherwise:
 * $TACT_CACHE_DIR (empty = no cache), else purple-tact/ in the user's
 * cache directory.  New, or NULL for no cache. */
char       *tact_engine_default_cache_dir (void);
void        tact_engine_free (TactEngine *engine);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactEngine, tact_engine_free)

/* Reloads the packs; on error the previous packs stay in force. */
gboolean    tact_engine_reload (TactEngine *engine, GError **error);

/* Validates every pack in @dir without installing it.  Errors name
 * file:line:col and what is wrong. */
gboolean    tact_engine_check_dir (const char *dir, GError **error);

/* Languages with a loaded pack, e.g. {"en", "es", NULL}.  Borrowed. */
const char * const *tact_engine_languages (const TactEngine *engine);

/* How many packs the last (re)load read from snapshots, not their JSON. */
guint       tact_engine_load_from_cache (const TactEngine *engine);

/* Milliseconds the last (re)load took. */
double      tact_engine_load_ms (const TactEngine *engine);

/* Analyses one message of plain text (HTML already stripped by the
 * caller).  @text may be any bytes: invalid UTF-8 is repaired, a huge
 * message is windowed.  @len -1 = NUL-terminated.  Never NULL.  New. */
TactAnalysis *tact_engine_analyze (TactEngine *engine, const char *text, gssize len);

/* The units the cues and the judge see in @text (for pack authors and for
 * training the judge): "^", the words with "|" between clauses, "$".
 * @lang (may be NULL) receives the pack's language.  New; g_strfreev(). */
char      **tact_engine_units (TactEngine *engine, const char *text, gssize len, char lang[8]);

/* Up to @max suggestions for @analysis (primary label first, then other
 * labels' first templates), each rendered for @ctx.  When opt-out is
 * present only the opt-out confirmations are offered.  New array of
 * TactSuggestion* with a free func. */
GPtrArray  *tact_engine_suggest (TactEngine *engine, const TactAnalysis *analysis,
                                 const TactContext *ctx, guint max);

/* The automation follow-up for @ctx in @lang (NULL = "en").  NULL when
 * @analysis (may be NULL) holds opt-out: then the opt-out confirmation is
 * what should go out.  New string. */
char       *tact_engine_followup (TactEngine *engine, const char *lang,
                                  const TactAnalysis *analysis, const TactContext *ctx);

/* One line of recommended handling for @label in @lang.  Borrowed. */
const char *tact_engine_handling (TactEngine *engine, const char *lang, TactLabel label);

/* Renders an arbitrary template string with the reply variables of @lang's
 * pack.  Never leaves a "{placeholder}" or hole in the result; sets
 * *@needs_edit when a pack default stood in.  New string. */
char       *tact_engine_render (TactEngine *engine, const char *lang, const char *tmpl,
                                const TactContext *ctx, gboolean *needs_edit);

/* The greeting the playbook rule picks for @name ("Hi Maria" / "Hi there"). New. */
char       *tact_engine_greeting (TactEngine *engine, const char *lang, const TactContext *ctx);

G_END_DECLS
