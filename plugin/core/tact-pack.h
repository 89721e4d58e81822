/* A compiled language pack (internal).
 *
 * Built once from the four JSON files of a language (language, lexicon,
 * cues, replies) into flat arrays indexed by word id, plus one token
 * automaton that holds every cue pattern and every multi-word lexicon
 * phrase.  Analysing a message then needs one dictionary lookup per token
 * and one pass of the automaton.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "tact-dict.h"
#include "tact-engine.h"
#include "tact-json.h"
#include "tact-text.h"

enum {
  TACT_WORDF_NEGATOR  = 1 << 0,
  TACT_WORDF_CONTRAST = 1 << 1,
  TACT_WORDF_DETECT   = 1 << 2,
  TACT_WORDF_NAMESTOP = 1 << 3,
  TACT_WORDF_NEGATOR_NEXT = 1 << 4,  /* negates only the word right after it */
  TACT_WORDF_JUDGE_FIRST  = 1 << 5,  /* starts a word pair the judge weighs */
  TACT_WORDF_JUDGE_SECOND = 1 << 6,  /* ends one */
  TACT_WORDF_ALTERNATIVE  = 1 << 7,  /* "or", "if": "or not" offers a choice, it negates nothing */
  TACT_WORDF_JUDGE_WORD   = 1 << 8,  /* the judge weighs this word alone (judge_row) */
  TACT_WORDF_BARRIER      = 1 << 9,  /* "and", "please": a negator before it does not reach a cue after it */
  TACT_WORDF_OWN_ACTION   = 1 << 10, /* "i'll", "will": a clause veto right after it is the sender's own act */
  TACT_WORDF_THREAT       = 1 << 11, /* "or", "otherwise": opens a threat ("or I'll …"), with OWN_ACTION */
};

/* A word's symbols while matching: the word and at most this many of its
 * classes (a bound on the work per token whatever a user pack says). */
#define TACT_MAX_WORD_CLASSES 59

/* Chat shorthand expands a word to at most this many ("idk" → "i don't
 * know"): the analyser grows its unit table by this much per token. */
#define TACT_MAX_EXPAND 8

/* 32 bytes, the narrow fields last so that nothing pads, in an array
 * aligned to a cache line (TactPack.words): a record is then read with one
 * miss, where at 36 bytes every other record straddled two lines. */
typedef struct {
  float   valence;     /* lexicon valence, 0 = none */
  float   boost;       /* intensifier (+) / dampener (−), 0 = none */
  guint32 classes;     /* offset into pack->class_refs */
  guint32 expand;      /* shorthand: word ids at pack->expand_ids[expand] */
  guint32 judge_row;   /* the judge: pack->judge.rows[judge_row × TACT_JUDGE_ROW …] */
  /* the root's children on this word and its classes, in symbol order:
   * pack->root_children[root_first, root_first + root_n) */
  guint32 root_first;
  guint16 n_classes;
  guint16 n_expand;
  guint16 root_n;
  guint16 flags;       /* TACT_WORDF_* */
} TactWordInfo;
G_STATIC_ASSERT (sizeof (TactWordInfo) == 32);

/* Symbols the automaton steps on.  Word ids are below TACT_SYM_CLASS. */
#define TACT_SYM_CLASS   0x01000000u
#define TACT_SYM_BUILTIN 0x40000000u
enum {
  TACT_SYM_NUM = TACT_SYM_BUILTIN,
  TACT_SYM_URL,
  TACT_SYM_EMOJI,
  TACT_SYM_MENTION,
  TACT_SYM_ANY,
};

/* Where a pattern must start (TactTerminal.anchor_start). */
enum {
  TACT_ANCHOR_NONE,
  TACT_ANCHOR_MESSAGE, /* "^ …": at the message's first unit */
  TACT_ANCHOR_CLAUSE,  /* ". …": at the first unit of a clause */
};

/* The automaton's two roots.  Every pattern hangs from TACT_ROOT, which
 * is stepped from at every unit, but for "^ …" ones: they hang from
 * TACT_ROOT_MESSAGE, entered once, before the first unit.  From the
 * common root a "^ is|the *3 …" started on every "is" and "the" of every
 * message and kept its gap alive only for the terminal to refuse the
 * match at the end; one such pattern cost a quarter of the whole run. */
#define TACT_ROOT 0u
#define TACT_ROOT_MESSAGE 1u

/* What reaching the end of a pattern means. */
typedef struct {
  guint32 cue;      /* index into pack->cues; or G_MAXUINT32 for a lexicon phrase */
  float   valence;  /* lexicon phrase only */
  guint8  anchor_start; /* TACT_ANCHOR_* */
  guint8  anchor_end;
  guint8  anchor_clause; /* the match must end a clause ("ok ,|.") */
  guint8  len;      /* phrase length in units (lexicon phrases); on a cue's
                     * terminal, 1 marks a path of a spelt-out gap before an
                     * ending (add_paths in tact-pack.c): one match a start
                     * counts (reach in tact-analyze.c) */
} TactTerminal;

typedef struct {
  TactLabel label;
  float     weight;
  gboolean  negatable, veto, yields;
  gboolean  clause_veto; /* a veto for the clauses it matches in, not the message */
  gboolean  span_veto;   /* (with clause_veto) for the matches that start in its own words only */
  char     *facet;
  float     min_pol, max_pol;
  guint32   also;      /* bitmask of extra labels */
  guint32   unless;    /* bitmask: the cue is ignored when one of these is asserted */
  gboolean  sure;      /* from the user's pack or "sure": the judge never overrules it */
} TactCue;

/* A frozen node.  @bloom: a 64-bit Bloom filter of the symbols on its
 * edges; most live states have one to three edges, none of them on the
 * current token's symbols, and one AND rejects them.  @bloom2: the same
 * with a second hash (tact_automaton_sym_bit2()), tested per symbol
 * only: the states kept are those whose filter met the unit's, and with
 * one bit per symbol nine symbols in ten let through were not there,
 * each costing a search of the edges. */
typedef struct {
  guint64 bloom;
  guint64 bloom2;
  guint32 lo, hi;      /* its edges: csr_edges[lo, hi) */
  guint32 term_first;  /* index into terms or G_MAXUINT32 */
  guint32 gap_first;   /* index into gaps or G_MAXUINT32 */
} TactNode;
/* written to snapshots as bytes: no padding */
G_STATIC_ASSERT (sizeof (TactNode) == 32);

/* A child of the root with a copy of its record: starting a match then
 * reads the word's list and nothing else. */
typedef struct {
  guint32  node;
  TactNode nd;
} TactRootChild;

typedef struct {
  /* edges: (node << 32 | symbol) → child, open addressing */
  guint64 *ekeys;
  guint32 *evals;
  guint32  emask, n_edges;
  guint32  n_nodes, cap_nodes;
  guint32 *gap_first;  /* per node: index into gaps or G_MAXUINT32 */
  guint32 *term_first; /* per node: index into terms or G_MAXUINT32 */
  guint8  *tree;       /* per node: reached by exactly one edge, safe to share as a prefix */
  /* frozen form used while matching: per node a run of edges sorted by
   * symbol, so a step touches one or two cache lines instead of hashing
   * into a table of hundreds of kilobytes */
  guint32 *csr_start;  /* n_nodes + 1 */
  guint64 *csr_edges;  /* symbol << 32 | child */
  /* the root is stepped from at every token and has the most edges: a
   * dense table indexed by symbol skips the binary search there */
  guint32 *root_lo;    /* per dense symbol: first edge, or G_MAXUINT32 */
  /* per node, everything a step needs in one 24-byte record: stepping
   * costs memory latency, not arithmetic, so a state copies its node's
   * record when it is entered and later steps touch no node table */
  TactNode *nodes;     /* n_nodes */
  guint32  n_words, n_classes;
  GArray  *gaps;       /* TactGap */
  GArray  *terms;      /* TactTermLink */
} TactAutomaton;

/* A gap edge.  While patterns are added, a node's gaps are a list linked
 * by @next.  Frozen (tact_automaton_freeze(), the snapshot reader), they
 * are a block: a header, whose @child is G_MAXUINT32 and @n the number of
 * gaps after it, then the gaps, in the order of the list. */
typedef struct {
  /* a gap: the child's TactNode.bloom and bloom2; the header: the union
   * of its gaps', and @max their widest.  Most gap children are not
   * entered, and these tell so without reading a node record from all
   * over the table, most often for the whole block at once */
  guint64 bloom, bloom2;
  guint32 child;
  guint8  max;
  guint32 next;
  guint32 n;
} TactGap;

typedef struct {
  TactTerminal t;
  guint32 next;
} TactTermLink;
G_STATIC_ASSERT (sizeof (TactTermLink) == 16);

typedef struct {
  char *id;
  char *text;
} TactTemplate;

void tact_template_free (gpointer t);

typedef struct {
  char   *greeting_named;
  char   *greeting_neutral;
  char   *defaults[8];              /* indexed by TactVar */
  char   *handling[TACT_LABEL_COUNT];
  GPtrArray *templates[TACT_LABEL_COUNT]; /* TactTemplate* */
  GPtrArray *followups;             /* TactTemplate* */
} TactReplies;

typedef enum {
  TACT_VAR_GREETING = 0,
  TACT_VAR_NAME,
  TACT_VAR_FIRST_NAME,
  TACT_VAR_AGENT,
  TACT_VAR_COMPANY,
  TACT_VAR_PRODUCT,
  TACT_VAR_TOPIC,
  TACT_VAR_COUNT
} TactVar;

/* The judge (tact-judge.h).  Each feature (a word or a word pair) has a
 * row of TACT_LABEL_COUNT weights, 64 bytes: one cache line, added to the
 * message's logits whole (vectorised) instead of weight by weight. */
#define TACT_JUDGE_ROW TACT_LABEL_COUNT

typedef struct {
  gboolean on;
  float    min_logit[TACT_LABEL_COUNT]; /* per label: its threshold as a logit */
  float    overrule_logit[TACT_LABEL_COUNT]; /* below it, a label only shipped cues assert is dropped */
  float    bias[TACT_LABEL_COUNT];
  guint32  may;                        /* labels it may assert */
  guint32  unless[TACT_LABEL_COUNT];   /* per label: what it defers to (see judge_adds) */
  float   *rows;                       /* n_rows × TACT_JUDGE_ROW, 64-byte aligned */
  gpointer rows_mem;                   /* the block @rows lies in (freed) */
  guint32  n_rows;
  /* word pairs, open addressing: key (first + 1) << 32 | (second + 1), 0 = empty */
  guint64 *pkeys;
  guint32 *prow;
  guint32  pmask, n_pairs;
  /* the pairs' hashes (see tact_judge_index_pairs()): about half the
   * pairs looked up are not in the table, and this turns most of them
   * away before a cache miss on @pkeys; bits NULL: none */
  TactHashFilter pfilter;
  guint32  bos, eos, bar;              /* word ids of "^", "$" and "|" */
} TactJudge;

typedef struct {
  char          lang[8];
  char         *name;
  TactDict      dict;
  TactWordInfo *words;      /* indexed by word id; 64-byte aligned in words_block */
  gpointer      words_block;
  guint32       n_words_cap;
  GArray       *class_refs; /* guint32 class symbols */
  GArray       *expand_ids; /* guint32 word ids */
  /* Patterns start at the root, which is stepped from at every unit: its
   * children per word (see TactWordInfo.root_first) and per builtin
   * symbol are listed at load, so starting costs no searching. */
  GArray       *root_children;            /* TactRootChild */
  guint64      *word_bloom;  /* per word, two: Bloom bits of the word and its classes with
                             * the hashes of TactNode.bloom and bloom2 */
  guint32       builtin_root_first[TACT_SYM_ANY - TACT_SYM_BUILTIN + 1];
  guint16       builtin_root_n[TACT_SYM_ANY - TACT_SYM_BUILTIN + 1];
  GPtrArray    *class_names;
  GArray       *cues;       /* TactCue */
  TactAutomaton au;
  TactReplies   replies;
  char         *detect_chars; /* UTF-8 characters typical of the language */
  guint         negation_window;
  TactJudge     judge;
  GPtrArray    *emoticons;  /* char*: what the lexicon adds to the engine's set */
  /* a pack read from a snapshot: the file's bytes, in which its large
   * tables lie where they were read (see tact-snapshot.c); NULL when
   * compiled */
  gpointer      snapshot;
} TactPack;

/* The first cache-line (64-byte) boundary at or after @p: a block
 * allocated 63 bytes longer than needed holds an aligned table there
 * (GLib before 2.72 has no aligned allocator). */
static inline gpointer
tact_align_line (gpointer p)
{
  return (gpointer) (((guintptr) p + 63) & ~(guintptr) 63);
}

void      tact_pack_free (TactPack *pack);
/* Grows pack->words to @ncap records, the new ones zeroed. */
void      tact_pack_words_grow (TactPack *pack, guint32 ncap);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactPack, tact_pack_free)

/* Adds the lower-cased emoticon @low to @emo (a copy), keeping its digest. */
void      tact_emoticons_add (TactEmoticons *emo, const char *low);

/* The kinds of pack file, in tact_pack_kinds order. */
enum { TACT_KIND_LANGUAGE, TACT_KIND_LEXICON, TACT_KIND_CUES, TACT_KIND_REPLIES, TACT_KIND_JUDGE };

/* The bound of a lexicon valence and of a judge weight: files with larger
 * numbers are broken, and the flat reader leaves them to jansson and the
 * validator, which name the place. */
#define TACT_LEXICON_MAX_VALENCE 4.0
#define TACT_JUDGE_MAX_WEIGHT    50.0
/* The bound of an intensifier's (+) or dampener's (−) boost. */
#define TACT_MAX_BOOST           2.0

/* The documents of one language, base first then user overrides:
 * language, lexicon, cues, replies (required; the built-in copy fills a
 * gap) and judge (optional). */
#define TACT_PACK_KINDS 5
typedef struct {
  TactJsonDoc *base[TACT_PACK_KINDS];
  TactJsonDoc *user[TACT_PACK_KINDS];   /* may be NULL */
} TactPackDocs;

extern const char *const tact_pack_kinds[TACT_PACK_KINDS];

/* The id of word @w (@len bytes, in normal form), adding it with an empty
 * word record if new; pack->words may move. */
guint32   tact_pack_intern (TactPack *pack, const char *w, gsize len);

/* Validates and compiles.  @emo collects emoticons (shared by all packs).
 * New, or NULL with @error naming file:line:col.  On success the documents
 * in @docs have been freed and set to NULL (they are not needed once
 * compiled, and freeing them early lowers peak memory); on failure they are
 * left to the caller. */
TactPack *tact_pack_compile (const char *lang, TactPackDocs *docs, TactEmoticons *emo,
                             GError **error);

/* Looks up the squashed form of an elongated token ("soooo" → "soo"),
 * for when the token is unknown as typed. */
static inline guint32
tact_pack_lookup_squashed (const TactPack *pack, const char *norm, gsize len)
{
  if (len >= 256)
    return TACT_DICT_NONE;
  char buf[256];
  gsize n = tact_text_squash_once (norm, len, buf);
  return tact_dict_lookup (&pack->dict, buf, n);
}

/* Looks up a word ending in a long run of one syllable ("hahahahahaha",
 * "lolololol") as the lexicon spells it, cutting the run to seven, six,
 * five and four letters in turn, for when the token is unknown as typed.
 * Only runs of eight letters or more: shorter ones are listed.  Out of
 * line, and the caller tests tact_text_ends_in_syllables() first: it runs
 * for unknown words only, and one in a thousand of them is laughter. */
guint32   tact_pack_lookup_folded (const TactPack *pack, const char *norm, gsize len);

/* Looks a normalised token up, trying the squashed form of elongated words
 * (@head is its tact_dict_head()). */
static inline guint32
tact_pack_lookup_head (const TactPack *pack, const char *norm, gsize len, guint32 hash,
                       guint64 head, gboolean elongated)
{
  guint32 id = tact_dict_lookup_head (&pack->dict, norm, len, hash, head);
  if (id == TACT_DICT_NONE && elongated)
    id = tact_pack_lookup_squashed (pack, norm, len);
  return id;
}

static inline guint32
tact_pack_lookup (const TactPack *pack, const char *norm, gsize len, gboolean elongated)
{
  return tact_pack_lookup_head (pack, norm, len, tact_dict_hash (norm, len),
                                tact_dict_head (norm, len), elongated);
}

/* automaton (tact-automaton.c) */
void      tact_automaton_init (TactAutomaton *au);
void      tact_automaton_clear (TactAutomaton *au);
guint32   tact_automaton_new_node (TactAutomaton *au);
/* The prefix-tree child of @node on @sym, created if missing: patterns
 * that start alike share these nodes. */
guint32   tact_automaton_tree_child (TactAutomaton *au, guint32 node, guint32 sym);
/* An extra edge @node —@sym→ @child (the automaton is an NFA: one
 * (node, symbol) may lead to several nodes). */
void      tact_automaton_add_edge (TactAutomaton *au, guint32 node, guint32 sym, guint32 child);
/* Sizes the edge table for about @n_edges edges at once (growing it edge by
 * edge rehashes seven times for a pack). */
void      tact_automaton_reserve (TactAutomaton *au, guint32 n_edges);
void      tact_automaton_add_gap (TactAutomaton *au, guint32 node, guint8 max, guint32 child);
void      tact_automaton_add_terminal (TactAutomaton *au, guint32 node, const TactTerminal *t);
/* Sorts the edges into their frozen form and frees the table they were
 * built in; call after the last pattern was added (no edge may follow). */
void      tact_automaton_freeze_edges (TactAutomaton *au);
/* Builds the frozen form (sorting the edges if not done yet); call once
 * after the last pattern was added and the last word interned. */
void      tact_automaton_freeze (TactAutomaton *au, guint32 n_words, guint32 n_classes);
/* Turns the gap lists into blocks (see TactGap) and points the nodes at
 * them; part of tact_automaton_freeze(). */
void      tact_automaton_block_gaps (TactAutomaton *au);
/* Sets every gap's filters from its child node, and every block header's
 * union of them and widest gap (the blocks' layout, children and counts
 * must be in place and checked). */
void      tact_automaton_fill_gaps (TactAutomaton *au);

/* How many dense symbols there are: the words, the classes and the
 * built-ins up to TACT_SYM_ANY (the length of root_lo). */
static inline guint32
tact_automaton_n_dense (const TactAutomaton *au)
{
  return au->n_words + au->n_classes + (TACT_SYM_ANY - TACT_SYM_BUILTIN) + 1;
}

static inline guint32
tact_automaton_dense (const TactAutomaton *au, guint32 sym)
{
  if (sym < TACT_SYM_CLASS)
    return sym < au->n_words ? sym : G_MAXUINT32;
  if (sym < TACT_SYM_BUILTIN)
    return sym - TACT_SYM_CLASS < au->n_classes ? au->n_words + (sym - TACT_SYM_CLASS) : G_MAXUINT32;
  return au->n_words + au->n_classes + (sym - TACT_SYM_BUILTIN);
}

/* Where @sym's bit lies in the first and the second Bloom filter of a
 * node (TactNode.bloom, TactNode.bloom2): 0–63. */
static inline guint
tact_automaton_sym_pos (guint32 sym)
{
  return (sym * 0x9E3779B1u) >> 26;
}

static inline guint
tact_automaton_sym_pos2 (guint32 sym)
{
  return (sym * 0x85EBCA6Bu) >> 26;
}

/* The Bloom bit of @sym (see TactNode.bloom). */
static inline guint64
tact_automaton_sym_bit (guint32 sym)
{
  return 1ull << tact_automaton_sym_pos (sym);
}

/* Its bit in the second filter (TactNode.bloom2). */
static inline guint64
tact_automaton_sym_bit2 (guint32 sym)
{
  return 1ull << tact_automaton_sym_pos2 (sym);
}

/* First root edge on @sym, or G_MAXUINT32. */
static inline guint32
tact_automaton_root_edge (const TactAutomaton *au, guint32 sym)
{
  guint32 d = tact_automaton_dense (au, sym);
  return d == G_MAXUINT32 ? G_MAXUINT32 : au->root_lo[d];
}

/* First edge on @sym among csr_edges[lo, hi) (sorted by symbol), or @hi. */
static inline guint32
tact_automaton_lower (const TactAutomaton *au, guint32 lo, guint32 hi, guint32 sym)
{
  guint64 k = (guint64) sym << 32;
  guint32 end = hi;
  /* edges are sorted by symbol: most probes (classes, "any") fall outside
   * a node's range and end here */
  if (lo == hi || (au->csr_edges[hi - 1] >> 32) < sym || (au->csr_edges[lo] >> 32) > sym)
    return end;
  /* a branch-free lower bound: which half holds the symbol is data the
   * branch predictor cannot learn.  The last edge is known to be ≥ k */
  guint32 n = hi - lo;
  while (n > 1)
    {
      guint32 half = n / 2;
      /* written as arithmetic: GCC turns a ?: here into a branch */
      lo += half & -(guint32) (au->csr_edges[lo + half - 1] < k);
      n -= half;
    }
  return lo;
}

static inline guint32
tact_automaton_hash (guint64 key)
{
  return (guint32) ((key * 0x9E3779B97F4A7C15ull) >> 32);
}

/* Iterates the children of (node, sym):
 *   for (guint32 it = tact_automaton_first (au, key, &c); it != G_MAXUINT32;
 *        it = tact_automaton_next (au, key, it, &c)) … */
static inline guint32
tact_automaton_next (const TactAutomaton *au, guint64 key, guint32 i, guint32 *child)
{
  for (i = (i + 1) & au->emask; au->evals[i] != 0; i = (i + 1) & au->emask)
    if (au->ekeys[i] == key)
      {
        *child = au->evals[i] - 1;
        return i;
      }
  return G_MAXUINT32;
}

static inline guint32
tact_automaton_first (const TactAutomaton *au, guint64 key, guint32 *child)
{
  guint32 i = tact_automaton_hash (key) & au->emask;
  if (au->evals[i] == 0)
    return G_MAXUINT32;
  if (au->ekeys[i] == key)
    {
      *child = au->evals[i] - 1;
      return i;
    }
  return tact_automaton_next (au, key, i, child);
}
