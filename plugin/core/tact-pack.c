/* Validating, merging and compiling a language pack.
 *
 * Validation is strict (unknown keys are errors) because a pack is edited
 * by hand and a silently ignored typo is worse than a refused file.  Every
 * error carries file:line:col through tact_json_error().
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "tact-pack.h"
#include "tact-judge.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const tact_pack_kinds[TACT_PACK_KINDS] = { "language", "lexicon", "cues", "replies", "judge" };
enum {
  K_LANGUAGE = TACT_KIND_LANGUAGE, K_LEXICON = TACT_KIND_LEXICON, K_CUES = TACT_KIND_CUES,
  K_REPLIES = TACT_KIND_REPLIES, K_JUDGE = TACT_KIND_JUDGE
};

static const char *const var_names[TACT_VAR_COUNT] = {
  "greeting", "name", "first_name", "agent", "company", "product", "topic",
};

/* ------------------------------------------------------------------ free */

void
tact_template_free (gpointer p)
{
  TactTemplate *t = p;
  g_free (t->id);
  g_free (t->text);
  g_free (t);
}

void
tact_pack_free (TactPack *pack)
{
  if (!pack)
    return;
  if (pack->snapshot)
    {
      /* the tables read in place belong to the snapshot's block
       * (tact-snapshot.c, get_in_place()) */
      pack->dict.keys = NULL;
      pack->dict.hashes = NULL;
      pack->words = NULL;
      pack->word_bloom = NULL;
      pack->au.nodes = NULL;
      pack->au.csr_edges = NULL;
      pack->au.root_lo = NULL;
      pack->judge.rows = NULL;
      pack->judge.pkeys = NULL;
      pack->judge.prow = NULL;
      g_free (pack->snapshot);
    }
  g_free (pack->name);
  tact_dict_clear (&pack->dict);
  g_free (pack->words_block);
  if (pack->class_refs)
    g_array_unref (pack->class_refs);
  if (pack->expand_ids)
    g_array_unref (pack->expand_ids);
  if (pack->root_children)
    g_array_unref (pack->root_children);
  g_free (pack->word_bloom);
  if (pack->class_names)
    g_ptr_array_unref (pack->class_names);
  if (pack->cues)
    {
      for (guint i = 0; i < pack->cues->len; i++)
        g_free (g_array_index (pack->cues, TactCue, i).facet);
      g_array_unref (pack->cues);
    }
  tact_automaton_clear (&pack->au);
  TactReplies *r = &pack->replies;
  g_free (r->greeting_named);
  g_free (r->greeting_neutral);
  for (guint i = 0; i < G_N_ELEMENTS (r->defaults); i++)
    g_free (r->defaults[i]);
  for (guint i = 0; i < TACT_LABEL_COUNT; i++)
    {
      g_free (r->handling[i]);
      if (r->templates[i])
        g_ptr_array_unref (r->templates[i]);
    }
  if (r->followups)
    g_ptr_array_unref (r->followups);
  g_free (pack->detect_chars);
  tact_judge_clear (&pack->judge);
  if (pack->emoticons)
    g_ptr_array_unref (pack->emoticons);
  g_free (pack);
}

/* --------------------------------------------------------------- helpers */

void
tact_pack_words_grow (TactPack *pack, guint32 ncap)
{
  if (ncap <= pack->n_words_cap)
    return;
  /* two records more than needed: room to move to a line boundary */
  gpointer block = g_malloc0_n ((gsize) ncap + 2, sizeof (TactWordInfo));
  TactWordInfo *words = tact_align_line (block);
  if (pack->n_words_cap)
    memcpy (words, pack->words, (gsize) pack->n_words_cap * sizeof (TactWordInfo));
  g_free (pack->words_block);
  pack->words_block = block;
  pack->words = words;
  pack->n_words_cap = ncap;
}

static TactWordInfo *
word_info (TactPack *pack, guint32 id)
{
  if (id >= pack->n_words_cap)
    {
      /* by half, not double: the judge's words come in last, at the peak
       * of a start that compiles the packs, when the old table and the new
       * one are alive together */
      guint32 ncap = MAX (id + 1, pack->n_words_cap + pack->n_words_cap / 2);
      tact_pack_words_grow (pack, MAX (ncap, 1024u));
    }
  return &pack->words[id];
}

guint32
tact_pack_lookup_folded (const TactPack *pack, const char *norm, gsize len)
{
  if (len < 8)
    return TACT_DICT_NONE;
  gsize start = tact_text_syllable_run (norm, len);
  if (len - start <= 7)
    return TACT_DICT_NONE;
  /* the word with its run cut short is a prefix of it: looked up in place */
  for (gsize keep = 7; keep >= 4; keep--)
    {
      guint32 id = tact_dict_lookup (&pack->dict, norm, start + keep);
      if (id != TACT_DICT_NONE)
        return id;
    }
  return TACT_DICT_NONE;
}

guint32
tact_pack_intern (TactPack *pack, const char *w, gsize len)
{
  /* a pack read from a snapshot has its tables in the snapshot's block:
   * growing them would free what it does not own */
  g_return_val_if_fail (pack->snapshot == NULL, TACT_DICT_NONE);
  guint32 id = tact_dict_intern (&pack->dict, w, len);
  word_info (pack, id);
  return id;
}

static guint32
intern (TactPack *pack, const char *w)
{
  return tact_pack_intern (pack, w, strlen (w));
}

/* TRUE if @s is already in normal form: lower-case ASCII letters, digits,
 * inner apostrophes/hyphens, single spaces, no letter three times in a row.
 * Most pack entries are; they skip the tokeniser at load. */
static gboolean
is_plain_phrase (const char *s)
{
  if (!*s)
    return FALSE;
  char prev = ' ', prev2 = ' ';
  for (const char *p = s; *p; p++)
    {
      char c = *p;
      gboolean word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      if (!word && !(c == ' ' && prev != ' ' && p[1]) &&
          !((c == '\'' || c == '-') && prev != ' ' && ((p[1] >= 'a' && p[1] <= 'z') || (p[1] >= '0' && p[1] <= '9'))))
        return FALSE;
      if (c == prev && c == prev2 && word)
        return FALSE;
      prev2 = prev;
      prev = c;
    }
  return s[0] >= 'a' && s[0] <= 'z';
}

/* Splits @s at single spaces into a NULL-terminated vector held in ONE
 * allocation (free it with g_free): a pack has thousands of entries, and
 * one block per entry instead of one per word halves the load time spent
 * in the allocator.  Empty words are dropped. */
static char **
split_words (const char *s, guint *n)
{
  gsize len = strlen (s);
  guint words = 1;
  for (const char *p = s; *p; p++)
    words += *p == ' ';
  char **v = g_malloc ((words + 1) * sizeof (char *) + len + 1);
  char *buf = (char *) (v + words + 1);
  memcpy (buf, s, len + 1);
  guint k = 0;
  for (char *p = buf; *p;)
    {
      char *sp = strchr (p, ' ');
      if (sp)
        *sp = '\0';
      if (*p)
        v[k++] = p;
      if (!sp)
        break;
      p = sp + 1;
    }
  v[k] = NULL;
  *n = k;
  return v;
}

/* The normalised words of a pack phrase.  New; free with g_free(). */
static char **
norm_words (const char *s, const TactEmoticons *emo, guint *n)
{
  if (is_plain_phrase (s))
    return split_words (s, n);
  g_autofree char *norm = tact_text_normalize_phrase (s, emo);
  return split_words (norm, n);
}

/* -------------------------------------------------------- generic checks */

static gboolean
check_header (const TactJsonDoc *doc, const char *kind, const char *lang, GError **error)
{
  if (!json_is_object (doc->root))
    {
      tact_json_error (error, doc, "", "a pack file must be a JSON object");
      return FALSE;
    }
  const char *schema = json_string_value (json_object_get (doc->root, "schema"));
  if (!schema || strcmp (schema, "purple-tact-pack/1") != 0)
    {
      tact_json_error (error, doc, "schema", "expected \"purple-tact-pack/1\"");
      return FALSE;
    }
  const char *k = json_string_value (json_object_get (doc->root, "kind"));
  if (!k || strcmp (k, kind) != 0)
    {
      tact_json_error (error, doc, "kind", "expected \"%s\" (the file's name)", kind);
      return FALSE;
    }
  const char *l = json_string_value (json_object_get (doc->root, "lang"));
  if (!l || strcmp (l, lang) != 0)
    {
      tact_json_error (error, doc, "lang", "expected \"%s\" (the directory's name)", lang);
      return FALSE;
    }
  json_t *rep = json_object_get (doc->root, "replace");
  if (rep && !json_is_boolean (rep))
    {
      tact_json_error (error, doc, "replace", "must be true or false");
      return FALSE;
    }
  return TRUE;
}

/* Rejects keys of @obj not in @allowed (NULL-terminated); "_x" and
 * "comment" are always allowed. */
static gboolean
check_keys (const TactJsonDoc *doc, json_t *obj, const char *jpath, const char *const *allowed,
            GError **error)
{
  const char *key;
  json_t *val;
  json_object_foreach (obj, key, val)
    {
      if (key[0] == '_' || strcmp (key, "comment") == 0)
        continue;
      gboolean ok = FALSE;
      for (guint i = 0; allowed[i]; i++)
        if (strcmp (key, allowed[i]) == 0)
          ok = TRUE;
      if (!ok)
        {
          g_autofree char *p = *jpath ? g_strdup_printf ("%s.%s", jpath, key) : g_strdup (key);
          g_autofree char *list = g_strjoinv (", ", (char **) allowed);
          tact_json_error (error, doc, p, "unknown key \"%s\" (expected one of: %s)", key, list);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
check_string_array (const TactJsonDoc *doc, json_t *arr, const char *jpath, GError **error)
{
  if (!arr)
    return TRUE;
  if (!json_is_array (arr))
    {
      tact_json_error (error, doc, jpath, "must be an array of strings");
      return FALSE;
    }
  size_t i;
  json_t *v;
  json_array_foreach (arr, i, v)
    {
      if (!json_is_string (v) || json_string_length (v) == 0)
        {
          g_autofree char *p = g_strdup_printf ("%s[%zu]", jpath, i);
          tact_json_error (error, doc, p, "must be a non-empty string");
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
check_object_of (const TactJsonDoc *doc, json_t *obj, const char *jpath, json_type type,
                 double lo, double hi, GError **error)
{
  if (!obj)
    return TRUE;
  if (!json_is_object (obj))
    {
      tact_json_error (error, doc, jpath, "must be an object");
      return FALSE;
    }
  const char *key;
  json_t *v;
  json_object_foreach (obj, key, v)
    {
      g_autofree char *p = g_strdup_printf ("%s.%s", jpath, key);
      if (key[0] == '\0')
        {
          tact_json_error (error, doc, p, "empty key");
          return FALSE;
        }
      if (type == JSON_STRING && !json_is_string (v))
        {
          tact_json_error (error, doc, p, "must be a string");
          return FALSE;
        }
      if (type == JSON_REAL)
        {
          if (!json_is_number (v))
            {
              tact_json_error (error, doc, p, "must be a number");
              return FALSE;
            }
          double d = json_number_value (v);
          if (!(d >= lo && d <= hi))
            {
              tact_json_error (error, doc, p, "%g is out of range [%g, %g]", d, lo, hi);
              return FALSE;
            }
        }
    }
  return TRUE;
}

/* --------------------------------------------------------- per-kind checks */

/* The word lists of language.json and the flag each gives its words: one
 * table, so the checks and the compiler name the same lists. */
static const struct {
  const char *key;
  guint16     flag;
} language_word_lists[] = {
  { "detect", TACT_WORDF_DETECT },
  { "negators", TACT_WORDF_NEGATOR },
  { "negators_next", TACT_WORDF_NEGATOR_NEXT },
  { "contrast", TACT_WORDF_CONTRAST },
  { "alternatives", TACT_WORDF_ALTERNATIVE },
  { "negation_barriers", TACT_WORDF_BARRIER },
  { "own_actions", TACT_WORDF_OWN_ACTION },
  { "threat_words", TACT_WORDF_THREAT },
  { "first_name_stopwords", TACT_WORDF_NAMESTOP },
};

static gboolean
validate_language (const TactJsonDoc *doc, GError **error)
{
  static const char *const keys[] = { "schema", "kind", "lang", "replace", "name", "detect",
    "detect_chars", "shorthand", "negators", "negators_next", "intensifiers", "contrast",
    "first_name_stopwords", "negation_window", "alternatives", "negation_barriers", "own_actions", "threat_words", NULL };
  json_t *r = doc->root;
  if (!check_keys (doc, r, "", keys, error))
    return FALSE;
  json_t *name = json_object_get (r, "name");
  if (name && !json_is_string (name))
    return tact_json_error (error, doc, "name", "must be a string"), FALSE;
  json_t *dc = json_object_get (r, "detect_chars");
  if (dc && !json_is_string (dc))
    return tact_json_error (error, doc, "detect_chars", "must be a string"), FALSE;
  json_t *nw = json_object_get (r, "negation_window");
  if (nw && (!json_is_integer (nw) || json_integer_value (nw) < 1 || json_integer_value (nw) > 8))
    return tact_json_error (error, doc, "negation_window", "must be an integer from 1 to 8"), FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (language_word_lists); i++)
    {
      const char *k = language_word_lists[i].key;
      if (!check_string_array (doc, json_object_get (r, k), k, error))
        return FALSE;
    }
  return check_object_of (doc, json_object_get (r, "shorthand"), "shorthand", JSON_STRING, 0, 0,
                          error) &&
         check_object_of (doc, json_object_get (r, "intensifiers"), "intensifiers", JSON_REAL,
                          -TACT_MAX_BOOST, TACT_MAX_BOOST, error);
}

static gboolean
validate_lexicon (const TactJsonDoc *doc, GError **error)
{
  static const char *const keys[] = { "schema", "kind", "lang", "replace", "entries", NULL };
  if (!check_keys (doc, doc->root, "", keys, error))
    return FALSE;
  json_t *e = json_object_get (doc->root, "entries");
  if (!e)
    return tact_json_error (error, doc, "entries", "missing (an object of word → valence)"), FALSE;
  return check_object_of (doc, e, "entries", JSON_REAL, -TACT_LEXICON_MAX_VALENCE,
                          TACT_LEXICON_MAX_VALENCE, error);
}

/* A pattern element's syntax is checked when it is compiled (compile_pattern);
 * here only the shape of the cue objects. */
static gboolean
validate_cues (const TactJsonDoc *doc, GError **error)
{
  static const char *const keys[] = { "schema", "kind", "lang", "replace", "classes", "cues", NULL };
  static const char *const cue_keys[] = { "label", "patterns", "weight", "negatable", "veto",
    "clause_veto", "span_veto", "yields", "sure", "facet", "max_polarity", "min_polarity", "also", "unless", NULL };
  json_t *r = doc->root;
  if (!check_keys (doc, r, "", keys, error))
    return FALSE;
  json_t *classes = json_object_get (r, "classes");
  if (classes)
    {
      if (!json_is_object (classes))
        return tact_json_error (error, doc, "classes", "must be an object of arrays"), FALSE;
      const char *key;
      json_t *v;
      json_object_foreach (classes, key, v)
        {
          g_autofree char *p = g_strdup_printf ("classes.%s", key);
          if (!json_is_array (v))
            return tact_json_error (error, doc, p, "must be an array of words"), FALSE;
          if (!check_string_array (doc, v, p, error))
            return FALSE;
        }
    }
  json_t *cues = json_object_get (r, "cues");
  if (!cues || !json_is_array (cues))
    return tact_json_error (error, doc, "cues", "missing or not an array"), FALSE;
  size_t i;
  json_t *c;
  json_array_foreach (cues, i, c)
    {
      g_autofree char *p = g_strdup_printf ("cues[%zu]", i);
      if (!json_is_object (c))
        return tact_json_error (error, doc, p, "must be an object"), FALSE;
      if (!check_keys (doc, c, p, cue_keys, error))
        return FALSE;
      g_autofree char *pl = g_strdup_printf ("%s.label", p);
      const char *label = json_string_value (json_object_get (c, "label"));
      TactLabel l;
      if (!label || !tact_label_from_id (label, &l) || l == TACT_LABEL_NEUTRAL ||
          tact_label_is_stateful (l))
        {
          GString *known = g_string_new (NULL);
          for (guint k = 0; k < TACT_LABEL_COUNT; k++)
            if (k != TACT_LABEL_NEUTRAL && !tact_label_is_stateful ((TactLabel) k))
              g_string_append_printf (known, "%s%s", known->len ? ", " : "", tact_label_id ((TactLabel) k));
          tact_json_error (error, doc, pl, "unknown or unusable label \"%s\" (expected one of: %s)",
                           label ? label : "(missing)", known->str);
          g_string_free (known, TRUE);
          return FALSE;
        }
      g_autofree char *pp = g_strdup_printf ("%s.patterns", p);
      json_t *pats = json_object_get (c, "patterns");
      if (!pats || !json_is_array (pats) || json_array_size (pats) == 0)
        return tact_json_error (error, doc, pp, "missing or empty (an array of patterns)"), FALSE;
      if (!check_string_array (doc, pats, pp, error))
        return FALSE;
      gboolean veto = json_is_true (json_object_get (c, "veto")) ||
                      json_is_true (json_object_get (c, "clause_veto")) ||
                      json_is_true (json_object_get (c, "span_veto"));
      json_t *w = json_object_get (c, "weight");
      g_autofree char *pw = g_strdup_printf ("%s.weight", p);
      if (!veto && (!w || !json_is_number (w)))
        return tact_json_error (error, doc, pw, "missing (a number from 0 to 1)"), FALSE;
      if (w && (!json_is_number (w) || json_number_value (w) < 0 || json_number_value (w) > 1))
        return tact_json_error (error, doc, pw, "must be a number from 0 to 1"), FALSE;
      static const char *const bools[] = { "negatable", "veto", "clause_veto", "span_veto", "yields", "sure" };
      for (guint b = 0; b < G_N_ELEMENTS (bools); b++)
        {
          json_t *bv = json_object_get (c, bools[b]);
          if (bv && !json_is_boolean (bv))
            {
              g_autofree char *pb = g_strdup_printf ("%s.%s", p, bools[b]);
              return tact_json_error (error, doc, pb, "must be true or false"), FALSE;
            }
        }
      /* a veto asserts nothing, so there is nothing for "sure" to keep */
      if (veto && json_is_true (json_object_get (c, "sure")))
        {
          g_autofree char *ps = g_strdup_printf ("%s.sure", p);
          return tact_json_error (error, doc, ps, "a veto asserts nothing: \"sure\" has no effect on it"), FALSE;
        }
      json_t *facet = json_object_get (c, "facet");
      if (facet)
        {
          const char *f = json_string_value (facet);
          g_autofree char *pf = g_strdup_printf ("%s.facet", p);
          if (!tact_facet_is_known (f))
            return tact_json_error (error, doc, pf, "must be \"technical\", \"legal\" or \"billing\""), FALSE;
        }
      static const char *const pols[] = { "max_polarity", "min_polarity" };
      for (guint b = 0; b < 2; b++)
        {
          json_t *pv = json_object_get (c, pols[b]);
          if (pv && (!json_is_number (pv) || fabs (json_number_value (pv)) > 1))
            {
              g_autofree char *pb = g_strdup_printf ("%s.%s", p, pols[b]);
              return tact_json_error (error, doc, pb, "must be a number from -1 to 1"), FALSE;
            }
        }
      static const char *const lists[] = { "also", "unless" };
      for (guint li = 0; li < 2; li++)
      {
      json_t *also = json_object_get (c, lists[li]);
      if (also)
        {
          g_autofree char *pa = g_strdup_printf ("%s.%s", p, lists[li]);
          if (!check_string_array (doc, also, pa, error))
            return FALSE;
          size_t k;
          json_t *a;
          json_array_foreach (also, k, a)
            {
              TactLabel al;
              if (!tact_label_from_id (json_string_value (a), &al) || al == TACT_LABEL_NEUTRAL)
                {
                  g_autofree char *pak = g_strdup_printf ("%s.%s[%zu]", p, lists[li], k);
                  return tact_json_error (error, doc, pak, "unknown label \"%s\"", json_string_value (a)), FALSE;
                }
            }
        }
      }
    }
  return TRUE;
}

/* Checks the {variables} of one template text. */
static gboolean
check_template_text (const TactJsonDoc *doc, const char *text, const char *jpath, GError **error)
{
  for (const char *p = text; *p; p++)
    {
      if (*p == '}')
        return tact_json_error (error, doc, jpath, "unmatched \"}\" at offset %d", (int) (p - text)), FALSE;
      if (*p != '{')
        continue;
      const char *end = strchr (p, '}');
      const char *nested = strchr (p + 1, '{');
      if (!end || (nested && nested < end))
        return tact_json_error (error, doc, jpath, "unclosed \"{\" at offset %d (fallbacks cannot nest)", (int) (p - text)), FALSE;
      const char *bar = memchr (p, '|', (gsize) (end - p));
      gsize nlen = (gsize) ((bar ? bar : end) - p - 1);
      gboolean known = FALSE;
      for (guint v = 0; v < TACT_VAR_COUNT; v++)
        if (strlen (var_names[v]) == nlen && strncmp (p + 1, var_names[v], nlen) == 0)
          known = TRUE;
      if (!known)
        return tact_json_error (error, doc, jpath,
                                "unknown variable \"{%.*s}\" (known: greeting, name, first_name, agent, company, product, topic)",
                                (int) nlen, p + 1), FALSE;
      p = end;
    }
  return TRUE;
}

static gboolean
validate_template_list (const TactJsonDoc *doc, json_t *arr, const char *jpath, GError **error)
{
  if (!json_is_array (arr))
    return tact_json_error (error, doc, jpath, "must be an array of {\"id\", \"text\"} objects"), FALSE;
  static const char *const keys[] = { "id", "text", NULL };
  size_t i;
  json_t *t;
  json_array_foreach (arr, i, t)
    {
      g_autofree char *p = g_strdup_printf ("%s[%zu]", jpath, i);
      if (!json_is_object (t))
        return tact_json_error (error, doc, p, "must be an object with \"id\" and \"text\""), FALSE;
      if (!check_keys (doc, t, p, keys, error))
        return FALSE;
      const char *id = json_string_value (json_object_get (t, "id"));
      const char *text = json_string_value (json_object_get (t, "text"));
      g_autofree char *pid = g_strdup_printf ("%s.id", p);
      g_autofree char *ptx = g_strdup_printf ("%s.text", p);
      if (!id || !*id)
        return tact_json_error (error, doc, pid, "missing or empty"), FALSE;
      if (!text || !*text)
        return tact_json_error (error, doc, ptx, "missing or empty"), FALSE;
      for (size_t k = 0; k < i; k++)
        if (g_strcmp0 (json_string_value (json_object_get (json_array_get (arr, k), "id")), id) == 0)
          return tact_json_error (error, doc, pid, "duplicate template id \"%s\"", id), FALSE;
      if (!check_template_text (doc, text, ptx, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
validate_replies (const TactJsonDoc *doc, GError **error)
{
  static const char *const keys[] = { "schema", "kind", "lang", "replace", "greeting", "defaults",
    "handling", "templates", "followup", NULL };
  static const char *const greet_keys[] = { "named", "neutral", NULL };
  static const char *const def_keys[] = { "name", "first_name", "agent", "company", "product",
    "topic", NULL };
  json_t *r = doc->root;
  if (!check_keys (doc, r, "", keys, error))
    return FALSE;
  json_t *g = json_object_get (r, "greeting");
  if (g)
    {
      if (!json_is_object (g) || !check_keys (doc, g, "greeting", greet_keys, error) ||
          !check_object_of (doc, g, "greeting", JSON_STRING, 0, 0, error))
        return error && *error ? FALSE : (tact_json_error (error, doc, "greeting", "must be an object"), FALSE);
      const char *key;
      json_t *v;
      json_object_foreach (g, key, v)
        {
          g_autofree char *p = g_strdup_printf ("greeting.%s", key);
          if (!check_template_text (doc, json_string_value (v), p, error))
            return FALSE;
          if (strstr (json_string_value (v), "{greeting"))
            return tact_json_error (error, doc, p, "a greeting cannot contain {greeting}"), FALSE;
        }
    }
  json_t *d = json_object_get (r, "defaults");
  if (d && (!json_is_object (d) || !check_keys (doc, d, "defaults", def_keys, error) ||
            !check_object_of (doc, d, "defaults", JSON_STRING, 0, 0, error)))
    return error && *error ? FALSE : (tact_json_error (error, doc, "defaults", "must be an object"), FALSE);
  if (d)
    {
      const char *key;
      json_t *v;
      json_object_foreach (d, key, v)
        if (strpbrk (json_string_value (v), "{}"))
          {
            /* a default goes into the reply as it is, never rendered: a
             * "{first_name}" in it would reach the contact literally */
            g_autofree char *p = g_strdup_printf ("defaults.%s", key);
            return tact_json_error (error, doc, p, "a default is plain text: no { or }"), FALSE;
          }
    }
  json_t *h = json_object_get (r, "handling");
  if (h)
    {
      if (!check_object_of (doc, h, "handling", JSON_STRING, 0, 0, error))
        return FALSE;
      const char *key;
      json_t *v;
      json_object_foreach (h, key, v)
        if (!tact_label_from_id (key, NULL))
          {
            g_autofree char *p = g_strdup_printf ("handling.%s", key);
            return tact_json_error (error, doc, p, "unknown label \"%s\"", key), FALSE;
          }
    }
  json_t *t = json_object_get (r, "templates");
  if (t)
    {
      if (!json_is_object (t))
        return tact_json_error (error, doc, "templates", "must be an object of label → templates"), FALSE;
      const char *key;
      json_t *v;
      json_object_foreach (t, key, v)
        {
          g_autofree char *p = g_strdup_printf ("templates.%s", key);
          if (!tact_label_from_id (key, NULL))
            return tact_json_error (error, doc, p, "unknown label \"%s\"", key), FALSE;
          if (!validate_template_list (doc, v, p, error))
            return FALSE;
        }
    }
  json_t *f = json_object_get (r, "followup");
  if (f && !validate_template_list (doc, f, "followup", error))
    return FALSE;
  return TRUE;
}

/* After merging: everything a working pack needs is there. */
static gboolean
validate_replies_complete (const TactJsonDoc *doc, json_t *r, GError **error)
{
  json_t *g = json_object_get (r, "greeting");
  if (!json_string_value (json_object_get (g, "named")) || !json_string_value (json_object_get (g, "neutral")))
    return tact_json_error (error, doc, "greeting", "needs \"named\" and \"neutral\""), FALSE;
  static const char *const need[] = { "name", "first_name", "agent", "company", "product", "topic" };
  json_t *d = json_object_get (r, "defaults");
  for (guint i = 0; i < G_N_ELEMENTS (need); i++)
    if (!json_string_value (json_object_get (d, need[i])))
      return tact_json_error (error, doc, "defaults", "needs a default for \"%s\"", need[i]), FALSE;
  json_t *t = json_object_get (r, "templates");
  for (guint l = 0; l < TACT_LABEL_COUNT; l++)
    {
      if (l == TACT_LABEL_NEUTRAL)
        continue;
      json_t *arr = json_object_get (t, tact_label_id ((TactLabel) l));
      if (json_array_size (arr) < 3)
        {
          g_autofree char *p = g_strdup_printf ("templates.%s", tact_label_id ((TactLabel) l));
          return tact_json_error (error, doc, p, "needs at least 3 templates (has %zu)", json_array_size (arr)), FALSE;
        }
    }
  if (json_array_size (json_object_get (r, "followup")) < 1)
    return tact_json_error (error, doc, "followup", "needs at least one automation follow-up"), FALSE;
  return TRUE;
}

typedef gboolean (*Validator) (const TactJsonDoc *, GError **);
static const Validator validators[TACT_PACK_KINDS] = { validate_language, validate_lexicon, validate_cues,
                                                      validate_replies, tact_judge_validate };

/* Merges @user into @base (both objects, base is modified). */
static void
merge_into (json_t *base, json_t *user)
{
  const char *key;
  json_t *uv;
  json_object_foreach (user, key, uv)
    {
      if (!strcmp (key, "schema") || !strcmp (key, "kind") || !strcmp (key, "lang") ||
          !strcmp (key, "replace"))
        continue;
      json_t *bv = json_object_get (base, key);
      if (json_is_object (bv) && json_is_object (uv))
        json_object_update (bv, uv);
      else if (json_is_array (bv) && json_is_array (uv) && strcmp (key, "followup") != 0)
        json_array_extend (bv, uv);
      else
        json_object_set (base, key, uv);
    }
}

/* ------------------------------------------------------------- compiling */

static int
cmp_u64 (const void *a, const void *b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;
  return x < y ? -1 : x > y;
}

typedef struct {
  TactPack      *pack;
  TactEmoticons *emo;
  GHashTable    *class_index;  /* name → index+1 */
} Compiler;

static gboolean
add_word_flag (Compiler *cc, json_t *arr, guint16 flag)
{
  size_t i;
  json_t *v;
  json_array_foreach (arr, i, v)
    {
      guint n;
      g_autofree char **w = norm_words (json_string_value (v), cc->emo, &n);
      if (n == 1)
        word_info (cc->pack, intern (cc->pack, w[0]))->flags |= flag;
    }
  return TRUE;
}

/* Resolves a pattern word through shorthand so "u" in a pattern means what
 * "u" in a message means. */
static guint32
pattern_word (Compiler *cc, const char *w)
{
  guint32 id = intern (cc->pack, w);
  TactWordInfo *wi = word_info (cc->pack, id);
  if (wi->n_expand == 1)
    return g_array_index (cc->pack->expand_ids, guint32, wi->expand);
  return id;
}

/* One alternative of an element: a short sequence of symbols.  Stored by
 * value, one array per element: a pack has tens of thousands of
 * alternatives, and an allocation each was a fifth of the load time. */
#define MAX_ALT_WORDS 12
typedef struct {
  guint32 n;
  guint32 sym[MAX_ALT_WORDS];
} Alt;

/* One element of a pattern: a gap, or alternatives that are each a short
 * sequence of symbols ("(thank you|thanks)" has two, of length 2 and 1). */
typedef struct {
  GArray    *alts;     /* Alt */
  gboolean   optional;
  gboolean   end_alt;  /* "$" among the alternatives: or the message ends here */
  gboolean   clause_alt; /* "," or "." among them: or the clause ends here */
  guint8     gap;      /* > 0: a gap element of up to gap tokens */
} Elem;

static void
elems_free (GArray *elems)
{
  for (guint i = 0; i < elems->len; i++)
    if (g_array_index (elems, Elem, i).alts)
      g_array_unref (g_array_index (elems, Elem, i).alts);
  g_array_unref (elems);
}

/* Appends @sym to @seq; FALSE + @why when the alternative is too long. */
static gboolean
alt_push (Alt *seq, guint32 sym, const char *elem, char **why)
{
  if (seq->n == MAX_ALT_WORDS)
    {
      *why = g_strdup_printf ("\"%s\": an alternative may have at most %d words", elem, MAX_ALT_WORDS);
      return FALSE;
    }
  seq->sym[seq->n++] = sym;
  return TRUE;
}

/* One word, class or built-in of a pattern as a symbol; FALSE + @why on error. */
static gboolean
parse_symbol (Compiler *cc, const char *elem, const char *alt, Alt *seq, char **why)
{
  guint32 sym;
  if (alt[0] == '@' && alt[1])
    {
      gpointer idx = g_hash_table_lookup (cc->class_index, alt + 1);
      if (!idx)
        {
          *why = g_strdup_printf ("\"%s\": unknown class \"%s\" (define it in \"classes\")", elem, alt + 1);
          return FALSE;
        }
      sym = TACT_SYM_CLASS + (guint32) GPOINTER_TO_UINT (idx) - 1;
      return alt_push (seq, sym, elem, why);
    }
  if (alt[0] == '#' && alt[1])
    {
      static const char *const names[] = { "#num", "#url", "#emoji", "#mention", "#any" };
      for (guint k = 0; k < G_N_ELEMENTS (names); k++)
        if (!strcmp (alt, names[k]))
          {
            sym = TACT_SYM_BUILTIN + k;
            return alt_push (seq, sym, elem, why);
          }
      *why = g_strdup_printf ("\"%s\": unknown built-in \"%s\" (#num, #url, #emoji, #mention, #any)", elem, alt);
      return FALSE;
    }
  /* most words are already in normal form: no splitting, no copy */
  if (is_plain_phrase (alt))
    return alt_push (seq, pattern_word (cc, alt), elem, why);
  guint n;
  g_autofree char **w = norm_words (alt, cc->emo, &n);
  if (n == 0)
    return TRUE; /* "&" in "(t & c)": punctuation is not a token */
  /* a word that normalises to several tokens ("e.g." → "e", "g") is a sequence */
  for (guint i = 0; i < n; i++)
    if (!alt_push (seq, pattern_word (cc, w[i]), elem, why))
      return FALSE;
  return TRUE;
}

/* Adds one alternative (a word, or a space-separated sequence) to @e. */
static gboolean
add_alternative (Compiler *cc, const char *elem, char *alt, gboolean seq_ok, Elem *e, char **why)
{
  g_strstrip (alt);
  if (strcmp (alt, "_") == 0)
    {
      e->optional = TRUE;
      return TRUE;
    }
  if (strcmp (alt, "$") == 0)
    {
      e->end_alt = TRUE;
      return TRUE;
    }
  /* . , ; : are not tokens, they end clauses: "ok ,|." = "ok" ending a
   * clause (in the last element), or an optional break (elsewhere) */
  if (*alt && strspn (alt, ".,;:-") == strlen (alt))
    {
      e->clause_alt = TRUE;
      return TRUE;
    }
  if (!*alt)
    {
      *why = g_strdup_printf ("\"%s\": empty alternative (use _ for optional)", elem);
      return FALSE;
    }
  Alt seq = { 0, { 0 } };
  /* the words of the alternative, split in place (@alt is ours) */
  guint nw = 0;
  for (char *w = alt; *w;)
    {
      gsize wl = strcspn (w, " \t");
      char *next = w[wl] ? w + wl + 1 : w + wl;
      w[wl] = '\0';
      if (wl > 0)
        {
          if (nw++ > 0 && !seq_ok)
            {
              *why = g_strdup_printf ("\"%s\": put several words in ( )", elem);
              return FALSE;
            }
          if (!parse_symbol (cc, elem, w, &seq, why))
            return FALSE;
        }
      w = next;
    }
  if (seq.n == 0)
    {
      *why = g_strdup_printf ("\"%s\": \"%s\" has no word in it", elem, alt);
      return FALSE;
    }
  g_array_append_val (e->alts, seq);
  return TRUE;
}

/* Parses one element: alternatives separated by "|"; an alternative in
 * ( ) may be several words ("right|(aren't you)|huh"), and "(a b|c)" as a
 * whole is a group of such alternatives. */
static gboolean
parse_alternatives (Compiler *cc, const char *elem, Elem *e, char **why)
{
  e->alts = g_array_new (FALSE, FALSE, sizeof (Alt));
  const char *p = elem;
  while (*p)
    {
      const char *st = p;
      if (*p == '(')
        {
          const char *close = strchr (p, ')');
          g_autofree char *inner = g_strndup (p + 1, (gsize) (close - p - 1));
          g_auto (GStrv) alts = g_strsplit (inner, "|", -1);
          for (guint a = 0; alts[a]; a++)
            if (!add_alternative (cc, elem, alts[a], TRUE, e, why))
              return FALSE;
          p = close + 1;
          if (*p && *p != '|')
            {
              *why = g_strdup_printf ("\"%s\": a ( ) group must be followed by | or a space", elem);
              return FALSE;
            }
        }
      else
        {
          while (*p && *p != '|')
            p++;
          /* a copy add_alternative may cut up; on the stack when short */
          char buf[128];
          gsize len = (gsize) (p - st);
          g_autofree char *heap = len < sizeof buf ? NULL : g_strndup (st, len);
          char *alt = heap;
          if (!heap)
            {
              memcpy (buf, st, len);
              buf[len] = '\0';
              alt = buf;
            }
          if (!add_alternative (cc, elem, alt, FALSE, e, why))
            return FALSE;
        }
      if (*p == '|')
        {
          p++;
          if (!*p)
            {
              *why = g_strdup_printf ("\"%s\": empty alternative (use _ for optional)", elem);
              return FALSE;
            }
        }
    }
  if (e->alts->len == 0 && !e->end_alt && !e->optional && !e->clause_alt)
    {
      *why = g_strdup_printf ("\"%s\": an element needs at least one word", elem);
      return FALSE;
    }
  return TRUE;
}

/* Splits a pattern into element strings: spaces separate elements except
 * inside ( ). */
static GPtrArray *
split_elements (const char *pattern, char **why)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  const char *p = pattern;
  while (*p)
    {
      while (*p == ' ' || *p == '\t')
        p++;
      if (!*p)
        break;
      const char *st = p;
      while (*p && *p != ' ' && *p != '\t')
        {
          if (*p == ')')
            {
              *why = g_strdup_printf ("unmatched \")\" at offset %d", (int) (p - pattern));
              g_ptr_array_unref (out);
              return NULL;
            }
          if (*p == '(')
            {
              const char *close = strpbrk (p + 1, "()");
              if (!close || *close == '(')
                {
                  *why = g_strdup_printf ("unclosed \"(\" at offset %d (groups cannot nest)", (int) (p - pattern));
                  g_ptr_array_unref (out);
                  return NULL;
                }
              p = close;
            }
          p++;
        }
      g_ptr_array_add (out, g_strndup (st, (gsize) (p - st)));
    }
  return out;
}

/* Parses one pattern into elements.  Returns NULL with a message in @why. */
static GArray *
parse_pattern (Compiler *cc, const char *pattern, guint8 *a_start, gboolean *a_end, char **why)
{
  g_autoptr (GPtrArray) parts = split_elements (pattern, why);
  if (!parts)
    return NULL;
  GArray *elems = g_array_new (FALSE, TRUE, sizeof (Elem));
  *a_start = TACT_ANCHOR_NONE;
  *a_end = FALSE;
  for (guint i = 0; i < parts->len; i++)
    {
      const char *p = g_ptr_array_index (parts, i);
      if (strcmp (p, "^") == 0)
        {
          if (i != 0)
            goto bad_anchor;
          *a_start = TACT_ANCHOR_MESSAGE;
          continue;
        }
      /* ". timer ?": a lone "." opening a pattern anchors it to a
       * clause's start.  A word alone in its sentence ("Timer?") says
       * something other than the same word at the end of one ("is the
       * heating on a timer?"), and no other element can tell them apart:
       * an optional break is satisfied by no break at all */
      if (i == 0 && strcmp (p, ".") == 0)
        {
          *a_start = TACT_ANCHOR_CLAUSE;
          continue;
        }
      if (strcmp (p, "$") == 0)
        {
          if (i + 1 != parts->len)
            goto bad_anchor;
          *a_end = TRUE;
          continue;
        }
      Elem e = { 0 };
      if (p[0] == '*')
        {
          int n = 3;
          if (p[1])
            {
              char *endp;
              n = (int) g_ascii_strtoll (p + 1, &endp, 10);
              if (*endp || n < 1 || n > 8)
                {
                  *why = g_strdup_printf ("\"%s\": a gap is * or *N with N from 1 to 8", p);
                  elems_free (elems);
                  return NULL;
                }
            }
          if (elems->len == 0 || g_array_index (elems, Elem, elems->len - 1).gap)
            {
              *why = g_strdup_printf ("\"%s\": a gap must stand between two words", p);
              elems_free (elems);
              return NULL;
            }
          e.gap = (guint8) n;
          g_array_append_val (elems, e);
          continue;
        }
      gboolean ok = parse_alternatives (cc, p, &e, why);
      if (ok && e.clause_alt && i + 1 != parts->len)
        e.optional = TRUE;
      if (ok && e.alts->len == 0 && !e.end_alt && !(e.clause_alt && i + 1 == parts->len))
        {
          /* only optional punctuation (",|_"): matches nothing, skip it */
          g_array_unref (e.alts);
          continue;
        }
      g_array_append_val (elems, e);
      if (!ok)
        {
          elems_free (elems);
          return NULL;
        }
      if (e.end_alt && i + 1 != parts->len)
        {
          *why = g_strdup_printf ("\"%s\": $ as an alternative only in the last element", p);
          elems_free (elems);
          return NULL;
        }
    }
  if (elems->len == 0)
    {
      *why = g_strdup ("the pattern is empty");
      elems_free (elems);
      return NULL;
    }
  if (g_array_index (elems, Elem, elems->len - 1).gap)
    {
      *why = g_strdup ("a pattern cannot end with a gap");
      elems_free (elems);
      return NULL;
    }
  return elems;
bad_anchor:
  *why = g_strdup ("^ and a lone . may only open a pattern, $ only close one");
  elems_free (elems);
  return NULL;
}

/* A gap edge a pattern needs and the node it starts from (see add_paths()). */
typedef struct
{
  guint32 join; /* the node the gap ends on */
  guint32 src;  /* a node the gap may start from */
  guint   max;  /* the tokens it may skip from there */
} GapSrc;

/* Adds the elements as paths from the root; terminal @t at every end.
 *
 * While the path is still a plain prefix (one node in the frontier) it
 * walks and extends the shared prefix tree, so patterns that start alike
 * share states.  Once alternatives have split the path, all branches meet
 * again in one fresh join node per element: "a|b c|d e|f" costs 2+4+2 edges
 * instead of 8 paths, and optional elements cannot multiply anything. */
static void
add_paths (TactAutomaton *au, GArray *elems, const TactTerminal *t)
{
  g_autoptr (GArray) frontier = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GArray) next = g_array_new (FALSE, FALSE, sizeof (guint32));
  /* "x *8 y|_ *8 z" with no y is x, up to 16 tokens, z.  The matcher opens
   * a node's gaps when a token brings it there, never when a gap does
   * (enter()), so the second gap cannot start where the first one ends;
   * instead it also starts where the first one did, with both widths.
   * Until round fifty-seven it did not, and such a pattern wanted a y. */
  g_autoptr (GArray) gap_src = g_array_new (FALSE, FALSE, sizeof (GapSrc));
  g_autoptr (GArray) next_src = g_array_new (FALSE, FALSE, sizeof (GapSrc));
  /* "^ …" from the root entered at the message's start only */
  guint32 root = t->anchor_start == TACT_ANCHOR_MESSAGE ? TACT_ROOT_MESSAGE : TACT_ROOT;
  g_array_append_val (frontier, root);
  /* "x *N ,|$|please": the end of a clause is checked on the word before
   * it, never on a unit a gap steps on, so the ending is reached through a
   * chain of N "#any" nodes instead (x, then up to N tokens, then the
   * end); the gap stays for the words of the last element.  The chain and
   * the gap end on different nodes, so one phrase may match on several:
   * such a pattern's terminals are marked, and only the first to end
   * counts (see reach()) */
  guint n_el = elems->len;
  const Elem *tail = n_el >= 2 ? &g_array_index (elems, Elem, n_el - 1) : NULL;
  gboolean gap_end = tail && (tail->clause_alt || tail->end_alt) &&
                     g_array_index (elems, Elem, n_el - 2).gap;
  TactTerminal marked = *t;
  if (gap_end)
    {
      marked.len = 1;
      t = &marked;
    }
  for (guint i = 0; i < elems->len; i++)
    {
      Elem *e = &g_array_index (elems, Elem, i);
      if (gap_end && i + 2 == n_el)
        {
          TactTerminal te = *t;
          te.anchor_end = tail->end_alt && !tail->clause_alt;
          te.anchor_clause = tail->clause_alt;
          guint32 prev = G_MAXUINT32;
          for (guint k = 0; k <= e->gap; k++)
            {
              guint32 c = 0;
              if (k > 0)
                {
                  c = tact_automaton_new_node (au);
                  if (prev != G_MAXUINT32)
                    tact_automaton_add_edge (au, prev, TACT_SYM_ANY, c);
                  else
                    for (guint f = 0; f < frontier->len; f++)
                      tact_automaton_add_edge (au, g_array_index (frontier, guint32, f), TACT_SYM_ANY, c);
                  prev = c;
                  tact_automaton_add_terminal (au, c, &te);
                }
              else
                for (guint f = 0; f < frontier->len; f++)
                  if (g_array_index (frontier, guint32, f) != root)
                    tact_automaton_add_terminal (au, g_array_index (frontier, guint32, f), &te);
            }
          if (tail->alts->len == 0)
            return;
        }
      if ((e->end_alt || (e->clause_alt && i + 1 == elems->len)) && !(gap_end && i + 1 == n_el))
        {
          /* "x ?|$": the pattern may also end at x, if x ends the message;
           * "x ,|.": if x ends a clause */
          TactTerminal te = *t;
          te.anchor_end = e->end_alt && !e->clause_alt;
          te.anchor_clause = e->clause_alt;
          for (guint f = 0; f < frontier->len; f++)
            if (g_array_index (frontier, guint32, f) != root)
              tact_automaton_add_terminal (au, g_array_index (frontier, guint32, f), &te);
        }
      g_array_set_size (next, 0);
      gboolean tree = frontier->len == 1 && au->tree[g_array_index (frontier, guint32, 0)] && !e->gap;
      if (tree)
        {
          guint32 node = g_array_index (frontier, guint32, 0);
          for (guint a = 0; a < e->alts->len; a++)
            {
              const Alt *seq = &g_array_index (e->alts, Alt, a);
              guint32 c = node;
              for (guint k = 0; k < seq->n; k++)
                c = tact_automaton_tree_child (au, c, seq->sym[k]);
              gboolean dup = FALSE;
              for (guint j = 0; j < next->len; j++)
                dup |= g_array_index (next, guint32, j) == c;
              if (!dup)
                g_array_append_val (next, c);
            }
        }
      else
        {
          guint32 join = tact_automaton_new_node (au);
          for (guint f = 0; f < frontier->len; f++)
            {
              guint32 node = g_array_index (frontier, guint32, f);
              if (e->gap)
                {
                  tact_automaton_add_gap (au, node, e->gap, join);
                  GapSrc own = { join, node, e->gap };
                  g_array_append_val (next_src, own);
                  for (guint k = 0; k < gap_src->len; k++)
                    {
                      const GapSrc *before = &g_array_index (gap_src, GapSrc, k);
                      if (before->join != node)
                        continue;
                      GapSrc wide = { join, before->src, MIN (before->max + e->gap, G_MAXUINT8) };
                      tact_automaton_add_gap (au, wide.src, (guint8) wide.max, join);
                      g_array_append_val (next_src, wide);
                    }
                  continue;
                }
              for (guint a = 0; a < e->alts->len; a++)
                {
                  const Alt *seq = &g_array_index (e->alts, Alt, a);
                  guint32 c = node;
                  for (guint k = 0; k + 1 < seq->n; k++)
                    {
                      guint32 mid = tact_automaton_new_node (au);
                      tact_automaton_add_edge (au, c, seq->sym[k], mid);
                      c = mid;
                    }
                  tact_automaton_add_edge (au, c, seq->sym[seq->n - 1], join);
                }
            }
          g_array_append_val (next, join);
        }
      if (e->optional)
        for (guint f = 0; f < frontier->len; f++)
          {
            guint32 n = g_array_index (frontier, guint32, f);
            gboolean dup = FALSE;
            for (guint j = 0; j < next->len; j++)
              dup |= g_array_index (next, guint32, j) == n;
            if (!dup)
              g_array_append_val (next, n);
          }
      GArray *tmp = frontier;
      frontier = next;
      next = tmp;
      /* a gap's sources stay while its end node is on the frontier: past
       * an optional element, not past a word that must be there */
      if (e->gap)
        {
          tmp = gap_src;
          gap_src = next_src;
          next_src = tmp;
        }
      else if (!e->optional)
        g_array_set_size (gap_src, 0);
      g_array_set_size (next_src, 0);
    }
  for (guint f = 0; f < frontier->len; f++)
    {
      guint32 node = g_array_index (frontier, guint32, f);
      if (node != root)
        tact_automaton_add_terminal (au, node, t);
    }
}

/* The lexicon entries of @doc, flat-read or from jansson, appended to @out. */
static void
lexicon_pairs (const TactJsonDoc *doc, GArray *out)
{
  if (!doc)
    return;
  if (doc->flat)
    g_array_append_vals (out, doc->flat->data, doc->flat->len);
  const char *key;
  json_t *v;
  json_object_foreach (json_object_get (doc->root, "entries"), key, v)
    {
      TactFlatEntry e = { key, json_number_value (v) };
      g_array_append_val (out, e);
    }
}

void
tact_emoticons_add (TactEmoticons *emo, const char *low)
{
  gsize len = strlen (low);
  if (len == 0 || g_hash_table_contains (emo->set, low))
    return;
  emo->first[(guchar) low[0]] = 1;
  g_hash_table_add (emo->set, g_strdup (low));
  emo->max_len = MAX (emo->max_len, (guint) len);
  /* XOR: the same set gives the same digest in whatever order it grew */
  guint64 h = 0x9E3779B97F4A7C15ull ^ len;
  for (gsize i = 0; i < len; i++)
    h = (h ^ (guchar) low[i]) * 0x100000001B3ull;
  emo->digest ^= h ^ (h >> 31);
}

/* The lexicon's emoticons into @emo, and their list into pack->emoticons
 * (a snapshot adds them again when it is read). */
static void
collect_emoticons (GArray *lex, TactEmoticons *emo, TactPack *pack)
{
  for (guint li = 0; li < lex->len; li++)
    {
      const char *key = g_array_index (lex, TactFlatEntry, li).key;
      gsize len = strlen (key);
      if (len < 2 || len > 8)
        continue;
      gboolean ascii = TRUE, punct = FALSE;
      for (gsize i = 0; i < len; i++)
        {
          guchar c = (guchar) key[i];
          if (c >= 0x80 || g_ascii_isspace (c))
            ascii = FALSE;
          else if (!g_ascii_isalnum (c))
            punct = TRUE;
        }
      if (!ascii || !punct || (g_ascii_isalpha (key[0]) && key[0] != 'x' && key[0] != 'X'))
        continue;
      if (g_ascii_isalpha (key[0]) && !g_ascii_ispunct (key[1]))
        continue;
      char *low = g_ascii_strdown (key, -1);
      tact_emoticons_add (emo, low);
      g_ptr_array_add (pack->emoticons, low);
    }
}

static char *
dup_json_string (json_t *obj, const char *key)
{
  return g_strdup (json_string_value (json_object_get (obj, key)));
}

static GPtrArray *
compile_templates (json_t *arr)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (tact_template_free);
  size_t i;
  json_t *t;
  json_array_foreach (arr, i, t)
    {
      TactTemplate *tt = g_new0 (TactTemplate, 1);
      tt->id = dup_json_string (t, "id");
      tt->text = dup_json_string (t, "text");
      g_ptr_array_add (out, tt);
    }
  return out;
}

/* Appends the root's children on @sym to pack->root_children (in edge
 * order, as the automaton would find them). */
static guint
append_root_children (TactPack *pack, guint32 sym)
{
  const TactAutomaton *au = &pack->au;
  guint n = 0;
  for (guint32 e = tact_automaton_root_edge (au, sym);
       e != G_MAXUINT32 && e < au->nodes[TACT_ROOT].hi && (guint32) (au->csr_edges[e] >> 32) == sym; e++, n++)
    {
      guint32 child = (guint32) (au->csr_edges[e] & 0xffffffffu);
      TactRootChild rc = { child, au->nodes[child] };
      g_array_append_val (pack->root_children, rc);
    }
  return n;
}

/* Marks, per dense symbol, whether some edge that does not leave the root
 * steps on it.  Caller frees the result (g_free). */
static guint8 *
steps_past_root (const TactAutomaton *au)
{
  guint32 n_dense = tact_automaton_n_dense (au);
  guint8 *used = g_new0 (guint8, n_dense);
  /* the root is node 0, so its edges come first in the frozen table;
   * those of TACT_ROOT_MESSAGE are stepped by a live state, so they count */
  for (guint32 e = au->nodes[TACT_ROOT].hi; e < au->n_edges; e++)
    {
      guint32 d = tact_automaton_dense (au, (guint32) (au->csr_edges[e] >> 32));
      if (d < n_dense)
        used[d] = 1;
    }
  return used;
}

/* Adds @sym's bits (both hashes) to a unit's filters @bits: none when no
 * edge past the root steps on it (@used from steps_past_root()) */
static void
add_past_root_bits (const TactAutomaton *au, const guint8 *used, guint32 sym, guint64 *bits)
{
  guint32 d = tact_automaton_dense (au, sym);
  if (d != G_MAXUINT32 && used[d])
    {
      bits[0] |= tact_automaton_sym_bit (sym);
      bits[1] |= tact_automaton_sym_bit2 (sym);
    }
}

static void
list_root_children (TactPack *pack)
{
  pack->root_children = g_array_new (FALSE, FALSE, sizeof (TactRootChild));
  pack->word_bloom = g_new0 (guint64, 2 * MAX (pack->dict.n, 1u));
  /* A unit's filter only decides whether a match under way may step on
   * it, so a symbol no edge past the root steps on gets no bit there.
   * Most words of a message are such (the lexicon's, the judge's, words
   * that only start a pattern), and their bit met the filters of states
   * that could not take them: 1.6 % of the instructions over the tweets
   * went on keeping and stepping such states, with the same output */
  g_autofree guint8 *used = steps_past_root (&pack->au);
  for (guint32 w = 0; w < pack->dict.n; w++)
    {
      TactWordInfo *wi = &pack->words[w];
      /* the word's symbols in matching order: the word, then its classes */
      guint first = pack->root_children->len;
      add_past_root_bits (&pack->au, used, w, &pack->word_bloom[2 * (gsize) w]);
      guint n = append_root_children (pack, w);
      for (guint k = 0; k < MIN (wi->n_classes, TACT_MAX_WORD_CLASSES); k++)
        {
          guint32 sym = g_array_index (pack->class_refs, guint32, wi->classes + k);
          add_past_root_bits (&pack->au, used, sym, &pack->word_bloom[2 * (gsize) w]);
          n += append_root_children (pack, sym);
        }
      wi->root_first = first;
      if (n > G_MAXUINT16)
        g_warning ("pack %s: a word starts more than %u patterns; only the first are matched",
                   pack->lang, G_MAXUINT16);
      wi->root_n = (guint16) MIN (n, G_MAXUINT16);
    }
  for (guint32 b = 0; b < G_N_ELEMENTS (pack->builtin_root_n); b++)
    {
      pack->builtin_root_first[b] = pack->root_children->len;
      pack->builtin_root_n[b] = (guint16) MIN (append_root_children (pack, TACT_SYM_BUILTIN + b), G_MAXUINT16);
    }
}

/* Gives the heap's free pages back to the system.  Compiling frees
 * megabytes of texts and tables while it runs, and glibc keeps such pages
 * resident: the first big block it frees raises its mmap threshold, so the
 * big blocks after it come from the heap, and the holes they leave there
 * stay mapped.  Released at the two points where most has just been freed,
 * they no longer add to a compiling start's peak (1.2-1.4 MB of it;
 * docs/rounds.md, "Round thirty-eight").  Elsewhere than glibc: nothing
 * to do, and the peak is what it was. */
static void
release_free_pages (void)
{
#ifdef __GLIBC__
  malloc_trim (0);
#endif
}

TactPack *
tact_pack_compile (const char *lang, TactPackDocs *docs, TactEmoticons *emo, GError **error)
{
  /* 1. validate every file where it stands, so positions are the user's */
  for (guint k = 0; k < TACT_PACK_KINDS; k++)
    {
      /* the judge's file is parsed and checked in step 7 */
      if (k == K_JUDGE)
        continue;
      if (!docs->base[k])
        {
          g_set_error (error, TACT_ERROR, TACT_ERROR_PACK, "%s: missing %s.json", lang, tact_pack_kinds[k]);
          return NULL;
        }
      if (!check_header (docs->base[k], tact_pack_kinds[k], lang, error) || !validators[k] (docs->base[k], error))
        return NULL;
      if (docs->user[k] && (!check_header (docs->user[k], tact_pack_kinds[k], lang, error) ||
                            !validators[k] (docs->user[k], error)))
        return NULL;
    }

  /* 2. merge user files into copies of the base */
  json_t *merged[4];
  guint n_base_cues = 0;
  for (guint k = 0; k < 4; k++)
    {
      TactJsonDoc *u = docs->user[k];
      if (u && json_is_true (json_object_get (u->root, "replace")))
        merged[k] = json_incref (u->root);
      else if (!u)
        {
          /* nothing to merge: read the base as it is (a deep copy of a
           * 5,000-word lexicon would be most of the load time) */
          merged[k] = json_incref (docs->base[k]->root);
          if (k == K_CUES)
            n_base_cues = (guint) json_array_size (json_object_get (merged[k], "cues"));
        }
      else
        {
          merged[k] = json_deep_copy (docs->base[k]->root);
          if (k == K_CUES)
            n_base_cues = (guint) json_array_size (json_object_get (merged[k], "cues"));
          if (u)
            merge_into (merged[k], u->root);
        }
    }
  TactJsonDoc *rep_doc = docs->user[K_REPLIES] ? docs->user[K_REPLIES] : docs->base[K_REPLIES];
  TactJsonDoc *cue_base = docs->user[K_CUES] && json_is_true (json_object_get (docs->user[K_CUES]->root, "replace"))
                            ? docs->user[K_CUES] : docs->base[K_CUES];
  if (!validate_replies_complete (rep_doc, merged[K_REPLIES], error))
    {
      for (guint k = 0; k < 4; k++)
        json_decref (merged[k]);
      return NULL;
    }

  g_autoptr (TactPack) pack = g_new0 (TactPack, 1);
  g_strlcpy (pack->lang, lang, sizeof pack->lang);
  tact_dict_init (&pack->dict);
  tact_automaton_init (&pack->au);
  pack->class_refs = g_array_new (FALSE, FALSE, sizeof (guint32));
  pack->expand_ids = g_array_new (FALSE, FALSE, sizeof (guint32));
  pack->class_names = g_ptr_array_new_with_free_func (g_free);
  pack->cues = g_array_new (FALSE, TRUE, sizeof (TactCue));
  pack->emoticons = g_ptr_array_new_with_free_func (g_free);
  Compiler cc = { pack, emo, g_hash_table_new (g_str_hash, g_str_equal) };
  gboolean ok = TRUE;

  /* 3. language */
  json_t *L = merged[K_LANGUAGE];
  const char *lname = json_string_value (json_object_get (L, "name"));
  const char *dchars = json_string_value (json_object_get (L, "detect_chars"));
  pack->name = g_strdup (lname ? lname : lang);
  pack->detect_chars = g_strdup (dchars ? dchars : "");
  pack->negation_window = json_object_get (L, "negation_window")
                            ? (guint) json_integer_value (json_object_get (L, "negation_window")) : 3;
  /* the lexicon: base then user (later entries win), or the user's alone */
  g_autoptr (GArray) lex = g_array_new (FALSE, FALSE, sizeof (TactFlatEntry));
  if (!(docs->user[K_LEXICON] && json_is_true (json_object_get (docs->user[K_LEXICON]->root, "replace"))))
    lexicon_pairs (docs->base[K_LEXICON], lex);
  lexicon_pairs (docs->user[K_LEXICON], lex);
  collect_emoticons (lex, emo, pack);
  for (guint i = 0; i < G_N_ELEMENTS (language_word_lists); i++)
    add_word_flag (&cc, json_object_get (L, language_word_lists[i].key), language_word_lists[i].flag);
  const char *key;
  json_t *v;
  json_object_foreach (json_object_get (L, "intensifiers"), key, v)
    {
      guint n;
      g_autofree char **w = norm_words (key, emo, &n);
      if (n == 1)
        word_info (pack, intern (pack, w[0]))->boost = (float) json_number_value (v);
    }
  json_object_foreach (json_object_get (L, "shorthand"), key, v)
    {
      guint n, m;
      g_autofree char **w = norm_words (key, emo, &n);
      g_autofree char **x = norm_words (json_string_value (v), emo, &m);
      if (n != 1 || m == 0 || m > TACT_MAX_EXPAND)
        continue;
      guint32 id = intern (pack, w[0]);
      guint32 off = pack->expand_ids->len;
      for (guint i = 0; i < m; i++)
        {
          guint32 xid = intern (pack, x[i]);
          g_array_append_val (pack->expand_ids, xid);
        }
      TactWordInfo *wi = word_info (pack, id);
      wi->expand = off;
      wi->n_expand = (guint16) m;
    }

  /* 4. lexicon: single words into the word table, phrases into the automaton */
  for (guint li = 0; li < lex->len; li++)
    {
      key = g_array_index (lex, TactFlatEntry, li).key;
      float val = (float) g_array_index (lex, TactFlatEntry, li).value;
      /* most entries are one plain word: no splitting, no copies */
      if (is_plain_phrase (key) && !strchr (key, ' '))
        {
          word_info (pack, intern (pack, key))->valence = val;
          continue;
        }
      guint n;
      g_autofree char **w = norm_words (key, emo, &n);
      if (n == 1)
        word_info (pack, intern (pack, w[0]))->valence = val;
      else if (n > 1 && n < 8)
        {
          GArray *elems = g_array_new (FALSE, TRUE, sizeof (Elem));
          for (guint i = 0; i < n; i++)
            {
              Elem e = { g_array_new (FALSE, FALSE, sizeof (Alt)), FALSE, 0 };
              Alt seq = { 1, { pattern_word (&cc, w[i]) } };
              g_array_append_val (e.alts, seq);
              g_array_append_val (elems, e);
            }
          TactTerminal t = { G_MAXUINT32, val, 0, 0, 0, (guint8) n };
          add_paths (&pack->au, elems, &t);
          elems_free (elems);
        }
    }

  /* 5. cues: classes first (patterns refer to them), then patterns */
  json_t *C = merged[K_CUES];
  GArray *pairs = g_array_new (FALSE, FALSE, sizeof (guint64)); /* word << 32 | class */
  json_object_foreach (json_object_get (C, "classes"), key, v)
    {
      g_ptr_array_add (pack->class_names, g_strdup (key));
      guint32 ci = pack->class_names->len - 1;
      g_hash_table_insert (cc.class_index, g_ptr_array_index (pack->class_names, ci), GUINT_TO_POINTER (ci + 1));
      /* the file that defined the class, for errors */
      TactJsonDoc *d = docs->user[K_CUES] && json_object_get (json_object_get (docs->user[K_CUES]->root, "classes"), key)
                         ? docs->user[K_CUES] : docs->base[K_CUES];
      size_t i;
      json_t *m;
      json_array_foreach (v, i, m)
        {
          const char *mw = json_string_value (m);
          if (mw[0] == '@')
            {
              /* "@name": every word of a class defined before this one, so
               * that a class that is another plus a few words does not
               * repeat the other's list (and drift from it) */
              guint ref = GPOINTER_TO_UINT (g_hash_table_lookup (cc.class_index, mw + 1));
              if (ref == 0 || ref - 1 == ci)
                {
                  g_autofree char *p = g_strdup_printf ("classes.%s[%zu]", key, i);
                  tact_json_error (error, d, p, "\"%s\" names no class defined before this one", mw);
                  ok = FALSE;
                  break;
                }
              for (guint q = 0, len = pairs->len; q < len; q++)
                {
                  guint64 pr = g_array_index (pairs, guint64, q);
                  if ((guint32) pr == ref - 1)
                    {
                      pr = (pr & ~(guint64) G_MAXUINT32) | ci;
                      g_array_append_val (pairs, pr);
                    }
                }
              continue;
            }
          guint n;
          g_autofree char **w = norm_words (mw, emo, &n);
          if (n != 1)
            {
              g_autofree char *p = g_strdup_printf ("classes.%s[%zu]", key, i);
              tact_json_error (error, d, p, "a class member must be one word (\"%s\" is %u)", mw, n);
              ok = FALSE;
              break;
            }
          guint64 pr = ((guint64) pattern_word (&cc, w[0]) << 32) | ci;
          g_array_append_val (pairs, pr);
        }
      if (!ok)
        break;
    }
  if (ok)
    {
      /* lay class memberships out contiguously per word: sort by word id */
      guint64 *pv = (guint64 *) pairs->data;
      if (pairs->len > 1)
        qsort (pv, pairs->len, sizeof (guint64), cmp_u64);
      for (guint i = 0; i < pairs->len;)
        {
          guint32 wid = (guint32) (pv[i] >> 32);
          TactWordInfo *wi = word_info (pack, wid);
          wi->classes = pack->class_refs->len;
          while (i < pairs->len && (guint32) (pv[i] >> 32) == wid)
            {
              /* once per class: a word listed twice in a class (directly
               * and through an "@name" it includes, or in two spellings
               * that normalise alike) would step the automaton on the
               * class twice, and a cue would match twice over one word */
              if (wi->n_classes == 0 || pv[i] != pv[i - 1])
                {
                  guint32 sym = TACT_SYM_CLASS + (guint32) (pv[i] & 0xffffffffu);
                  g_array_append_val (pack->class_refs, sym);
                  wi->n_classes++;
                }
              i++;
            }
        }
    }
  g_array_unref (pairs);

  size_t ci;
  json_t *cue;
  /* about one edge per four and a half characters of pattern text
   * (172,408 edges from 756,597 bytes in round fifty-three's English
   * pack): size the automaton's edge table once (up to a bound: a huge
   * user file grows it as it goes instead of reserving for its worst
   * case).  The table doubles when the estimate passes seven eighths
   * of it (three quarters until round sixty-one), so an estimate 15 %
   * high (one edge per four characters, until round fifty-three) doubled
   * it, 6 MB instead of 3, for edges that fit the smaller table */
  {
    gsize chars = 0;
    size_t cj, pj;
    json_t *cv, *pv;
    json_array_foreach (json_object_get (C, "cues"), cj, cv)
      json_array_foreach (json_object_get (cv, "patterns"), pj, pv)
        chars += json_string_length (pv);
    tact_automaton_reserve (&pack->au, (guint32) MIN (chars * 2 / 9 + lex->len, 1u << 18));
  }
  json_array_foreach (ok ? json_object_get (C, "cues") : NULL, ci, cue)
    {
      TactCue c = { 0 };
      tact_label_from_id (json_string_value (json_object_get (cue, "label")), &c.label);
      c.weight = json_object_get (cue, "weight") ? (float) json_number_value (json_object_get (cue, "weight")) : 1.0f;
      c.negatable = json_is_true (json_object_get (cue, "negatable"));
      c.veto = json_is_true (json_object_get (cue, "veto"));
      /* a span veto is a clause veto that reaches no further than its
       * own words: everything that treats clause vetoes treats it so */
      c.span_veto = !c.veto && json_is_true (json_object_get (cue, "span_veto"));
      c.clause_veto = !c.veto && (c.span_veto || json_is_true (json_object_get (cue, "clause_veto")));
      c.yields = json_is_true (json_object_get (cue, "yields"));
      c.facet = dup_json_string (cue, "facet");
      c.max_pol = json_object_get (cue, "max_polarity") ? (float) json_number_value (json_object_get (cue, "max_polarity")) : 2.0f;
      c.min_pol = json_object_get (cue, "min_polarity") ? (float) json_number_value (json_object_get (cue, "min_polarity")) : -2.0f;
      size_t k;
      json_t *a;
      json_array_foreach (json_object_get (cue, "also"), k, a)
        {
          TactLabel al;
          if (tact_label_from_id (json_string_value (a), &al))
            c.also |= 1u << al;
        }
      json_array_foreach (json_object_get (cue, "unless"), k, a)
        {
          TactLabel al;
          if (tact_label_from_id (json_string_value (a), &al))
            c.unless |= 1u << al;
        }
      if (c.yields)
        c.unless = ~0u & ~(1u << c.label);
      /* a phrase the user added is what the user wants: the shipped judge
       * may overrule the shipped cues only, and of those not the ones that
       * say their label outright ("see you in court"): a short message
       * gives the judge too few words to outweigh its bias against a
       * label, and it would drop them all */
      c.sure = cue_base != docs->base[K_CUES] || ci >= n_base_cues ||
               json_is_true (json_object_get (cue, "sure"));
      g_array_append_val (pack->cues, c);
      json_t *pats = json_object_get (cue, "patterns");
      size_t pi;
      json_t *pat;
      json_array_foreach (pats, pi, pat)
        {
          guint8 as;
          gboolean ae;
          g_autofree char *why = NULL;
          GArray *elems = parse_pattern (&cc, json_string_value (pat), &as, &ae, &why);
          if (!elems)
            {
              gboolean from_user = cue_base == docs->base[K_CUES] && ci >= n_base_cues;
              TactJsonDoc *d = from_user ? docs->user[K_CUES] : cue_base;
              g_autofree char *p = g_strdup_printf ("cues[%zu].patterns[%zu]", from_user ? ci - n_base_cues : ci, pi);
              tact_json_error (error, d, p, "%s", why);
              ok = FALSE;
              break;
            }
          TactTerminal t = { (guint32) (pack->cues->len - 1), 0, as, (guint8) ae, 0, 0 };
          add_paths (&pack->au, elems, &t);
          elems_free (elems);
        }
      if (!ok)
        break;
    }

  /* 6. replies */
  if (ok)
    {
      json_t *R = merged[K_REPLIES];
      TactReplies *r = &pack->replies;
      json_t *g = json_object_get (R, "greeting");
      r->greeting_named = dup_json_string (g, "named");
      r->greeting_neutral = dup_json_string (g, "neutral");
      json_t *d = json_object_get (R, "defaults");
      for (guint i = 1; i < TACT_VAR_COUNT; i++)
        r->defaults[i] = dup_json_string (d, var_names[i]);
      r->defaults[TACT_VAR_GREETING] = g_strdup (r->greeting_neutral);
      for (guint l = 0; l < TACT_LABEL_COUNT; l++)
        {
          r->handling[l] = dup_json_string (json_object_get (R, "handling"), tact_label_id ((TactLabel) l));
          json_t *arr = json_object_get (json_object_get (R, "templates"), tact_label_id ((TactLabel) l));
          if (arr)
            r->templates[l] = compile_templates (arr);
        }
      r->followups = compile_templates (json_object_get (R, "followup"));
    }

  g_hash_table_unref (cc.class_index);
  for (guint k = 0; k < 4; k++)
    json_decref (merged[k]);
  if (!ok)
    return NULL;
  /* 7. the judge: a model is trained as a whole, so a user's file
   * replaces the shipped one instead of merging into it; and the shipped
   * judge backs up the shipped cues, so cues replaced by the user's own
   * leave it out too */
  TactJsonDoc *jd = docs->user[K_JUDGE] ? docs->user[K_JUDGE]
                    : cue_base == docs->user[K_CUES] ? NULL : docs->base[K_JUDGE];
  /* the other texts are compiled now: freeing them before the judge's
   * tables grow, and the judge's text before the automaton is frozen,
   * keeps them out of the start-up peak (the judge file is megabytes) */
  for (guint k = 0; k < TACT_PACK_KINDS; k++)
    {
      if (docs->base[k] != jd)
        g_clear_pointer (&docs->base[k], tact_json_doc_free);
      if (docs->user[k] != jd)
        g_clear_pointer (&docs->user[k], tact_json_doc_free);
    }
  /* the edges are all in: sorting them now frees the edge table (some
   * 3 MB for the shipped pack) before the judge's tables grow, the peak of
   * a start that compiles */
  tact_automaton_freeze_edges (&pack->au);
  release_free_pages ();
  if (jd)
    {
      /* parsed only now, its entries (megabytes) were not alive beside the
       * automaton's edge table; and the judge frees the file before it
       * allocates its rows */
      if (docs->user[K_JUDGE] == jd)
        docs->user[K_JUDGE] = NULL;
      else
        docs->base[K_JUDGE] = NULL;
      if (!jd->root)
        jd = tact_json_doc_parse_flat_text (jd, TACT_JUDGE_MAX_WEIGHT, error);
      if (!jd || !check_header (jd, tact_pack_kinds[K_JUDGE], lang, error) ||
          !validators[K_JUDGE] (jd, error))
        {
          tact_json_doc_free (jd);
          return NULL;
        }
      tact_judge_compile (pack, jd);
      /* the judge's text and its entries are freed by now */
      release_free_pages ();
    }
  g_clear_pointer (&docs->base[K_JUDGE], tact_json_doc_free);
  g_clear_pointer (&docs->user[K_JUDGE], tact_json_doc_free);
  /* words interned after the last word_info() call still need a row */
  word_info (pack, pack->dict.n ? pack->dict.n - 1 : 0);
  tact_automaton_freeze (&pack->au, pack->dict.n, pack->class_names->len);
  /* freezing freed the build-time gap lists and node tables: their pages
   * go back before the root's children and the word filters are laid out */
  release_free_pages ();
  list_root_children (pack);
  return g_steal_pointer (&pack);
}
