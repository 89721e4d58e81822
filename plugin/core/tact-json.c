/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tact-json.h"
#include "tact-dict.h"
#include "tact-engine.h"
#include "tact-text.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void
tact_json_doc_free (TactJsonDoc *doc)
{
  if (!doc)
    return;
  if (doc->root)
    json_decref (doc->root);
  if (doc->flat)
    g_array_unref (doc->flat);
  g_free (doc->flat_buf);
  g_free (doc->name);
  g_free (doc->buf);
  g_free (doc);
}

void
tact_json_doc_drop_text (TactJsonDoc *doc)
{
  if (!doc || !doc->from_file || !doc->buf)
    return;
  /* a document not parsed yet reads its file again when it is parsed,
   * and must find the same bytes there */
  if (!doc->root)
    doc->text_hash = tact_dict_hash (doc->buf, doc->len);
  g_clear_pointer (&doc->buf, g_free);
}

static json_t *parse_fast_valid (const char *buf, gsize len);
static gboolean valid_utf8 (const char *buf, gsize len, const char **end);

/* The 1-based line and column of @at in @buf; columns count characters,
 * as in every other pack error. */
static void
place_of (const char *buf, const char *at, int *line, int *col)
{
  *line = 1;
  *col = 1;
  for (const char *p = buf; p < at; p++)
    {
      if (*p == '\n')
        (*line)++, *col = 1;
      else if (((guchar) *p & 0xC0) != 0x80)
        (*col)++;
    }
}

/* FALSE with an error at the first byte of @buf that is not UTF-8 (or a
 * NUL): jansson would name column 0 of its line, or no place at all. */
static gboolean
utf8_or_error (const char *name, const char *buf, gsize len, GError **error)
{
  const char *end = NULL;
  if (valid_utf8 (buf, len, &end))
    return TRUE;
  int line, col;
  place_of (buf, end, &line, &col);
  g_set_error (error, TACT_ERROR, TACT_ERROR_PACK, "%s:%d:%d: not valid UTF-8", name, line, col);
  return FALSE;
}

/* A document named @name over @buf (@len bytes, taken over) with @root,
 * NULL for a text not parsed yet.  New. */
static TactJsonDoc *
doc_new (const char *name, char *buf, gsize len, json_t *root)
{
  TactJsonDoc *doc = g_new0 (TactJsonDoc, 1);
  doc->name = g_strdup (name);
  doc->buf = buf;
  doc->len = len;
  doc->root = root;
  return doc;
}

/* Parses @buf, which must hold a NUL at @len; takes it over (it becomes
 * doc->buf, or is freed on error), which spares a copy of every pack.
 * @utf8_checked: read_checked() already found it UTF-8 without NUL, so
 * the fast reader need not look again. */
static TactJsonDoc *
doc_parse_owned (const char *name, char *buf, gsize len, gboolean utf8_checked, GError **error)
{
  json_t *root = utf8_checked ? parse_fast_valid (buf, len) : tact_json_parse_fast (buf, len);
  if (!root)
    {
      if (!utf8_checked && !utf8_or_error (name, buf, len, error))
        {
          g_free (buf);
          return NULL;
        }
      json_error_t jerr;
      /* duplicate keys are almost always a copy-paste mistake in a pack */
      root = json_loadb (buf, len, JSON_REJECT_DUPLICATES, &jerr);
      if (!root)
        {
          int line = jerr.line, col = jerr.column;
          /* some of jansson's errors name column 0 (an empty file) */
          if (line < 1 || col < 1)
            place_of (buf, buf + MIN ((gsize) MAX (jerr.position, 0), len), &line, &col);
          /* jansson quotes the token it stopped at, and after a backslash
           * keeps only the first byte of the character that follows: the
           * message goes to a UTF-8 UI */
          g_autofree char *text = g_utf8_make_valid (jerr.text, -1);
          g_set_error (error, TACT_ERROR, TACT_ERROR_PACK, "%s:%d:%d: %s", name, line, col, text);
          g_free (buf);
          return NULL;
        }
    }
  return doc_new (name, buf, len, root);
}

/* A NUL-terminated copy of @len bytes of @buf.  New. */
static char *
copy_text (const char *buf, gsize len)
{
  char *c = g_malloc (len + 1);
  memcpy (c, buf, len);
  c[len] = '\0';
  return c;
}

TactJsonDoc *
tact_json_doc_parse (const char *name, const char *buf, gsize len, GError **error)
{
  return doc_parse_owned (name, copy_text (buf, len), len, FALSE, error);
}

/* ---- the flat lexicon reader ---- */

typedef struct {
  char  *p, *end;
} Flat;

static void
flat_ws (Flat *f)
{
  while (f->p < f->end && (*f->p == ' ' || *f->p == '\t' || *f->p == '\n' || *f->p == '\r'))
    f->p++;
}

/* A string, unescaped and NUL-terminated in place; NULL for what the
 * flat reader leaves to jansson (\u escapes, control characters). */
static char *
flat_string (Flat *f)
{
  flat_ws (f);
  if (f->p >= f->end || *f->p != '"')
    return NULL;
  char *st = ++f->p, *w;
  /* most strings hold no escape: find the end without copying, eight
   * bytes at a time (bit tricks flag the bytes that are '"', '\\' or below
   * 0x20; the byte loop does the last few) */
  while (f->end - f->p >= 8)
    {
      guint64 v;
      memcpy (&v, f->p, 8);
      const guint64 ones = G_GUINT64_CONSTANT (0x0101010101010101);
      const guint64 highs = G_GUINT64_CONSTANT (0x8080808080808080);
      guint64 q = v ^ (ones * '"'), b = v ^ (ones * '\\');
      guint64 hit = (((q - ones) & ~q) | ((b - ones) & ~b) | ((v - ones * 0x20) & ~v)) & highs;
      if (hit)
        {
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
          /* the lowest flag is always a true one (a false flag needs a
           * borrow from a true one below it), and on a little-endian
           * machine the lowest byte is the first: go straight to it */
          f->p += __builtin_ctzll (hit) / 8;
#endif
          break;
        }
      f->p += 8;
    }
  while (f->p < f->end && *f->p != '"' && *f->p != '\\' && (guchar) *f->p >= 0x20)
    f->p++;
  w = f->p;
  while (f->p < f->end && *f->p != '"')
    {
      char c = *f->p++;
      if ((guchar) c < 0x20)
        return NULL;
      if (c == '\\')
        {
          if (f->p >= f->end)
            return NULL;
          char e = *f->p++;
          switch (e)
            {
            case '"': case '\\': case '/': c = e; break;
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            default: return NULL;
            }
        }
      *w++ = c;
    }
  if (f->p >= f->end)
    return NULL;
  f->p++;
  *w = '\0';
  return st;
}

static gboolean
flat_expect (Flat *f, char c)
{
  flat_ws (f);
  if (f->p < f->end && *f->p == c)
    {
      f->p++;
      return TRUE;
    }
  return FALSE;
}

/* The end of a number written as JSON allows it (-?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?),
 * or @p when it is not one: "+9", ".5" and "9." are for jansson to refuse. */
static const char *
json_number_end (const char *p, const char *end)
{
  const char *q = p;
  if (q < end && *q == '-')
    q++;
  if (q >= end || !g_ascii_isdigit (*q))
    return p;
  if (*q == '0')
    q++;
  else
    while (q < end && g_ascii_isdigit (*q))
      q++;
  if (q < end && *q == '.')
    {
      q++;
      if (q >= end || !g_ascii_isdigit (*q))
        return p;
      while (q < end && g_ascii_isdigit (*q))
        q++;
    }
  if (q < end && (*q == 'e' || *q == 'E'))
    {
      q++;
      if (q < end && (*q == '+' || *q == '-'))
        q++;
      if (q >= end || !g_ascii_isdigit (*q))
        return p;
      while (q < end && g_ascii_isdigit (*q))
        q++;
    }
  return q;
}

/* A lexicon valence such as "-1.25": digits, at most one dot, at most 15
 * digits.  The digits make one exact integer and one division rounds it,
 * so the result is the same double strtod() gives, at a fraction of the
 * cost (it runs 8,000 times per load).  Anything else (exponents, "+")
 * goes to g_ascii_strtod().  *@end is set past the number, or to @p if
 * there is none. */
static double
flat_number (char *p, const char *end, char **num_end)
{
  char *q = p;
  gboolean neg = q < end && *q == '-';
  if (neg)
    q++;
  guint64 n = 0, scale = 1;
  guint digits = 0;
  gboolean dot = FALSE;
  for (; q < end; q++)
    {
      if (*q >= '0' && *q <= '9' && digits < 15)
        {
          n = n * 10 + (guint64) (*q - '0');
          digits++;
          if (dot)
            scale *= 10;
        }
      else if (*q == '.' && !dot)
        dot = TRUE;
      else
        break;
    }
  if (digits == 0 || (q < end && ((*q >= '0' && *q <= '9') || *q == 'e' || *q == 'E')) ||
      q[-1] == '.')
    {
      return g_ascii_strtod (p, num_end);
    }
  *num_end = q;
  double v = (double) n / (double) scale;
  return neg ? -v : v;
}

/* Reads a number at f->p as JSON writes it; FALSE (and @f unmoved) for
 * anything else, which jansson then reports. */
static gboolean
flat_json_number (Flat *f, double *v)
{
  char *num_end = NULL;
  *v = flat_number (f->p, f->end, &num_end);
  if (num_end == f->p || num_end > f->end || num_end != json_number_end (f->p, f->end) ||
      !isfinite (*v))
    return FALSE;
  f->p = num_end;
  return TRUE;
}

/* The keys seen so far in a flat file, to refuse duplicates (jansson then
 * names them): open addressing over tact_dict_hash(), which costs a third
 * of a GHashTable on files of ten thousand keys. */
typedef struct {
  const char **keys;
  guint32      mask, n;
} KeySet;

/* The slot of @key: its own when present, else the empty one it belongs in. */
static guint32
keyset_slot (const KeySet *ks, const char *key)
{
  guint32 s = tact_dict_hash (key, strlen (key)) & ks->mask;
  while (ks->keys[s] && strcmp (ks->keys[s], key) != 0)
    s = (s + 1) & ks->mask;
  return s;
}

static gboolean
keyset_add (KeySet *ks, const char *key)
{
  if ((ks->n + 1) * 2 > ks->mask + 1)
    {
      const char **old = ks->keys;
      guint32 old_cap = ks->mask + 1;
      ks->keys = g_new0 (const char *, old_cap * 2);
      ks->mask = old_cap * 2 - 1;
      for (guint32 i = 0; i < old_cap; i++)
        if (old[i])
          ks->keys[keyset_slot (ks, old[i])] = old[i];
      g_free (old);
    }
  guint32 s = keyset_slot (ks, key);
  if (ks->keys[s])
    return FALSE;
  ks->keys[s] = key;
  ks->n++;
  return TRUE;
}

/* Steps to the next member of an object whose "{" was read: the member's
 * name (unescaped) and the position after its ":".  FALSE at the closing
 * "}" (*ok stays TRUE) or on anything else (*ok FALSE). */
static gboolean
flat_next_member (Flat *f, gboolean first, char **name, gboolean *ok)
{
  *ok = TRUE;
  if (flat_expect (f, '}'))
    return FALSE;
  *ok = (first || flat_expect (f, ',')) && (*name = flat_string (f)) != NULL && flat_expect (f, ':');
  return *ok;
}

/* Reads the flat shape: header keys with string, boolean or number values,
 * and "entries" of key → number within ±@max_abs.  FALSE (jansson then
 * parses the file and the validator reports the problem) for anything else. */
static gboolean
flat_read_keys (TactJsonDoc *doc, double max_abs, KeySet *seen)
{
  Flat f = { doc->flat_buf, doc->flat_buf + doc->len };
  if (!flat_expect (&f, '{'))
    return FALSE;
  gboolean have_entries = FALSE, ok = TRUE;
  char *key;
  for (gboolean first = TRUE; flat_next_member (&f, first, &key, &ok); first = FALSE)
    {
      if (json_object_get (doc->root, key) || (have_entries && !strcmp (key, "entries")))
        return FALSE; /* a duplicate: jansson reports it properly */
      if (strcmp (key, "entries") == 0)
        {
          have_entries = TRUE;
          if (!flat_expect (&f, '{'))
            return FALSE;
          char *word;
          for (gboolean efirst = TRUE; flat_next_member (&f, efirst, &word, &ok); efirst = FALSE)
            {
              flat_ws (&f);
              double v;
              if (!flat_json_number (&f, &v) || !(v >= -max_abs && v <= max_abs) ||
                  !keyset_add (seen, word))
                return FALSE;
              TactFlatEntry e = { word, v };
              g_array_append_val (doc->flat, e);
            }
          if (!ok)
            return FALSE;
          continue;
        }
      /* header values: strings, booleans, numbers, and objects of numbers
       * (the judge's "thresholds") */
      flat_ws (&f);
      if (flat_expect (&f, '{'))
        {
          json_t *obj = json_object ();
          json_object_set_new (doc->root, key, obj);
          char *name;
          for (gboolean ofirst = TRUE; flat_next_member (&f, ofirst, &name, &ok); ofirst = FALSE)
            {
              flat_ws (&f);
              double v;
              if (json_object_get (obj, name) || !flat_json_number (&f, &v))
                return FALSE;
              json_object_set_new (obj, name, json_real (v));
            }
          if (!ok)
            return FALSE;
        }
      else if (f.p < f.end && *f.p == '"')
        {
          char *val = flat_string (&f);
          if (!val || !g_utf8_validate (val, -1, NULL))
            return FALSE;
          json_object_set_new (doc->root, key, json_string (val));
        }
      else if (f.end - f.p >= 4 && !strncmp (f.p, "true", 4))
        {
          json_object_set_new (doc->root, key, json_true ());
          f.p += 4;
        }
      else if (f.end - f.p >= 5 && !strncmp (f.p, "false", 5))
        {
          json_object_set_new (doc->root, key, json_false ());
          f.p += 5;
        }
      else
        {
          double v;
          if (!flat_json_number (&f, &v))
            return FALSE;
          json_object_set_new (doc->root, key, json_real (v));
        }
    }
  if (!ok)
    return FALSE;
  flat_ws (&f);
  if (f.p != f.end || !have_entries)
    return FALSE;
  json_object_set_new (doc->root, "entries", json_object ());
  return TRUE;
}

static gboolean
flat_read (TactJsonDoc *doc, double max_abs, guint lines)
{
  /* the files we write have an entry a line: sized for that many keys at
   * half load, a big judge file is never rehashed (each rehash walked every
   * key again), and a table sized by bytes instead was twice as big, the
   * largest block freed before the packs are compiled */
  guint32 cap = 8192;
  while (cap < 2 * (guint64) lines && cap < (1u << 24))
    cap *= 2;
  KeySet seen = { g_new0 (const char *, cap), cap - 1, 0 };
  gboolean ok = flat_read_keys (doc, max_abs, &seen);
  g_free (seen.keys);
  return ok;
}

static char *read_checked (const char *path, gsize *len, GError **error);

/* @path's text read again, when it is still the @len bytes of hash @hash
 * read before; else NULL with @error (a file edited in between is refused,
 * not half-read).  New. */
static char *
read_same (const char *path, gsize len, guint32 hash, GError **error)
{
  gsize again_len = 0;
  char *again = read_checked (path, &again_len, error);
  if (again && (again_len != len || tact_dict_hash (again, again_len) != hash))
    {
      g_set_error (error, TACT_ERROR, TACT_ERROR_PACK, "%s: changed while it was being read", path);
      g_clear_pointer (&again, g_free);
    }
  return again;
}

/* The flat reader over @buf (NUL at @len), which it takes over like
 * doc_parse_owned().  @in_place: @buf is the text of the file @name as
 * read_checked() left it, which can be read again. */
static TactJsonDoc *
doc_parse_flat_owned (const char *name, char *buf, gsize len, double max_abs, gboolean utf8_checked,
                      gboolean in_place, GError **error)
{
  /* the flat reader takes keys as they are: text from memory is checked
   * here, as a file is by read_checked() */
  if (!utf8_checked && !utf8_or_error (name, buf, len, error))
    {
      g_free (buf);
      return NULL;
    }
  TactJsonDoc *doc = doc_new (name, buf, len, json_object ());
  /* one entry a line in the files we write: sizing the array from the
   * line count spares the doubling that would hold twice its size */
  guint lines = 0;
  for (const char *q = buf; (q = memchr (q, '\n', len - (gsize) (q - buf))) != NULL; q++)
    lines++;
  doc->flat = g_array_sized_new (FALSE, FALSE, sizeof (TactFlatEntry), MAX (lines + 16, 1024u));
  gboolean no_nul = memchr (buf, '\0', len) == NULL;
  if (!in_place)
    {
      /* the flat reader cuts its strings up in place: a copy, so doc->buf
       * stays the text that error positions are found in */
      doc->flat_buf = copy_text (buf, len);
      if (no_nul && flat_read (doc, max_abs, lines))
        return doc;
      doc->buf = NULL;
      tact_json_doc_free (doc);
      return doc_parse_owned (name, buf, len, utf8_checked, error);
    }
  /* cut up in place: errors are placed from the file, read again, and so
   * is the text jansson gets when the flat reader declines it */
  guint32 h = tact_dict_hash (buf, len);
  doc->flat_buf = g_steal_pointer (&doc->buf);
  doc->from_file = TRUE;
  if (no_nul && flat_read (doc, max_abs, lines))
    return doc;
  tact_json_doc_free (doc);
  char *again = read_same (name, len, h, error);
  return again ? doc_parse_owned (name, again, len, TRUE, error) : NULL;
}

TactJsonDoc *
tact_json_doc_parse_flat (const char *name, const char *buf, gsize len, double max_abs,
                          GError **error)
{
  return doc_parse_flat_owned (name, copy_text (buf, len), len, max_abs, FALSE, FALSE, error);
}

/* ---- the fast reader ----
 *
 * jansson reads a byte at a time through a stream callback: some 150
 * instructions a byte, most of a pack load for the cues file alone.  The
 * fast reader builds the same jansson values (integers stay integers, keys
 * keep their order) in one pass over a scratch copy.  Whatever it does not
 * take in its stride (\u escapes, duplicate keys, syntax errors, nesting
 * deeper than any pack, numbers out of range) makes it give up, and jansson
 * reads the text again, so every error still comes with line and column. */

#define FAST_MAX_DEPTH 64


static json_t *fast_value (Flat *f, int depth);

static json_t *
fast_object (Flat *f, int depth)
{
  json_t *obj = json_object ();
  char *key;
  gboolean ok = TRUE;
  for (gboolean first = TRUE; flat_next_member (f, first, &key, &ok); first = FALSE)
    {
      json_t *v = fast_value (f, depth + 1);
      gsize n = json_object_size (obj);
      /* a duplicate replaces the first value and the size stays: give up */
      if (!v || json_object_set_new_nocheck (obj, key, v) != 0 || json_object_size (obj) == n)
        {
          ok = FALSE;
          break;
        }
    }
  if (!ok)
    g_clear_pointer (&obj, json_decref);
  return obj;
}

static json_t *
fast_array (Flat *f, int depth)
{
  json_t *arr = json_array ();
  if (flat_expect (f, ']'))
    return arr;
  do
    {
      json_t *v = fast_value (f, depth + 1);
      if (!v || json_array_append_new (arr, v) != 0)
        {
          json_decref (arr);
          return NULL;
        }
    }
  while (flat_expect (f, ','));
  if (!flat_expect (f, ']'))
    g_clear_pointer (&arr, json_decref);
  return arr;
}

/* A number as jansson makes it: an integer unless it has a fraction or an
 * exponent; NULL where jansson would refuse it (overflow). */
static json_t *
fast_number (Flat *f)
{
  const char *end = json_number_end (f->p, f->end);
  if (end == f->p)
    return NULL;
  gboolean real = FALSE;
  for (const char *q = f->p; q < end; q++)
    real |= *q == '.' || *q == 'e' || *q == 'E';
  char *stop = NULL;
  json_t *v = NULL;
  errno = 0;
  if (real)
    {
      double d = g_ascii_strtod (f->p, &stop);
      if (isfinite (d))
        v = json_real (d);
    }
  else
    {
      long long n = strtoll (f->p, &stop, 10);
      if (errno != ERANGE)
        v = json_integer ((json_int_t) n);
    }
  if (stop != end)
    g_clear_pointer (&v, json_decref);
  f->p = (char *) end;
  return v;
}

static json_t *
fast_literal (Flat *f, const char *word, json_t *value)
{
  gsize n = strlen (word);
  if ((gsize) (f->end - f->p) < n || strncmp (f->p, word, n) != 0)
    return NULL;
  f->p += n;
  return value;
}

static json_t *
fast_value (Flat *f, int depth)
{
  flat_ws (f);
  if (f->p >= f->end || depth > FAST_MAX_DEPTH)
    return NULL;
  switch (*f->p)
    {
    case '{':
      f->p++;
      return fast_object (f, depth);
    case '[':
      f->p++;
      return fast_array (f, depth);
    case '"':
      {
        const char *s = flat_string (f);
        /* the whole text was checked as UTF-8 and the escapes taken
         * (\n, \t, …) cannot break it */
        return s ? json_stringn_nocheck (s, strlen (s)) : NULL;
      }
    case 't':
      return fast_literal (f, "true", json_true ());
    case 'f':
      return fast_literal (f, "false", json_false ());
    case 'n':
      return fast_literal (f, "null", json_null ());
    default:
      return fast_number (f);
    }
}

/* The fast reader over text known to be UTF-8 without NUL. */
static json_t *
parse_fast_valid (const char *buf, gsize len)
{
  /* flat_string() cuts strings up in place */
  g_autofree char *copy = copy_text (buf, len);
  Flat f = { copy, copy + len };
  flat_ws (&f);
  /* jansson takes only an object or an array at the top */
  if (f.p >= f.end || (*f.p != '{' && *f.p != '['))
    return NULL;
  json_t *root = fast_value (&f, 0);
  flat_ws (&f);
  if (root && f.p != f.end)
    g_clear_pointer (&root, json_decref);
  return root;
}

json_t *
tact_json_parse_fast (const char *buf, gsize len)
{
  const char *bad = NULL;
  /* NUL and invalid UTF-8 are for jansson to report */
  return valid_utf8 (buf, len, &bad) ? parse_fast_valid (buf, len) : NULL;
}

/* g_utf8_validate_len(), with a fast path for the ASCII that makes up
 * nearly all of a pack (eight bytes at a time): only runs of non-ASCII
 * bytes go to GLib.  A multi-byte character never holds an ASCII byte, so
 * each such run must be whole characters.  NUL is refused, as by GLib. */
static gboolean
valid_utf8 (const char *s, gsize len, const char **end)
{
  gsize i = 0;
  while (i < len)
    {
      i += tact_text_ascii_prefix (s + i, len - i);
      if (i >= len)
        break;
      guchar c = (guchar) s[i];
      if (c == 0)
        {
          *end = s + i;
          return FALSE;
        }
      if (c < 0x80)
        {
          i++;
          continue;
        }
      gsize j = i;
      while (j < len && (guchar) s[j] >= 0x80)
        j++;
      if (!g_utf8_validate_len (s + i, j - i, end))
        return FALSE;
      i = j;
    }
  return TRUE;
}

static char *
read_checked (const char *path, gsize *len, GError **error)
{
  char *buf = NULL;
  g_autoptr (GError) ioerr = NULL;
  /* a FIFO or a device in a pack's place would block the client's main
   * loop on reading; a directory has its own error below */
  if (g_file_test (path, G_FILE_TEST_EXISTS) && !g_file_test (path, G_FILE_TEST_IS_REGULAR) &&
      !g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, TACT_ERROR, TACT_ERROR_IO, "%s: not a regular file", path);
      return NULL;
    }
  if (!g_file_get_contents (path, &buf, len, &ioerr))
    {
      g_set_error (error, TACT_ERROR, TACT_ERROR_IO, "%s: %s", path, ioerr->message);
      return NULL;
    }
  if (!utf8_or_error (path, buf, *len, error))
    {
      g_free (buf);
      return NULL;
    }
  return buf;
}

/* g_file_get_contents() ends its buffer with a NUL: the documents take it over */
TactJsonDoc *
tact_json_doc_load_flat (const char *path, double max_abs, GError **error)
{
  gsize len = 0;
  char *buf = read_checked (path, &len, error);
  TactJsonDoc *doc = buf ? doc_parse_flat_owned (path, buf, len, max_abs, TRUE, FALSE, error) : NULL;
  if (doc)
    doc->from_file = TRUE;
  return doc;
}

TactJsonDoc *
tact_json_doc_load_text (const char *path, GError **error)
{
  gsize len = 0;
  char *buf = read_checked (path, &len, error);
  if (!buf)
    return NULL;
  TactJsonDoc *doc = doc_new (path, buf, len, NULL);
  doc->from_file = TRUE;
  return doc;
}

TactJsonDoc *
tact_json_doc_text (const char *name, const char *buf, gsize len)
{
  return doc_new (name, copy_text (buf, len), len, NULL);
}

TactJsonDoc *
tact_json_doc_parse_flat_text (TactJsonDoc *doc, double max_abs, GError **error)
{
  g_return_val_if_fail (doc != NULL && doc->root == NULL && (doc->buf || doc->from_file), NULL);
  gboolean from_file = doc->from_file;
  if (!doc->buf)
    {
      /* its text was dropped once hashed: read again, it must be the same */
      doc->buf = read_same (doc->name, doc->len, doc->text_hash, error);
      if (!doc->buf)
        {
          tact_json_doc_free (doc);
          return NULL;
        }
    }
  /* a file's text was checked by read_checked() and can be read again:
   * it is cut up where it is, not copied; memory's is checked now */
  TactJsonDoc *parsed = doc_parse_flat_owned (doc->name, g_steal_pointer (&doc->buf), doc->len,
                                              max_abs, from_file, from_file, error);
  tact_json_doc_free (doc);
  if (parsed && from_file)
    parsed->from_file = TRUE;
  return parsed;
}

TactJsonDoc *
tact_json_doc_load (const char *path, GError **error)
{
  gsize len = 0;
  char *buf = read_checked (path, &len, error);
  TactJsonDoc *doc = buf ? doc_parse_owned (path, buf, len, TRUE, error) : NULL;
  if (doc)
    doc->from_file = TRUE;
  return doc;
}

/* ---- locating a value by path: a tiny JSON walker over the raw text ---- */

typedef struct {
  const char *buf;
  gsize len, pos;
  const char *target;
  gsize best_len;  /* longest prefix of target matched so far */
  gsize best_pos;
  gboolean found;
} Walker;

static void
skip_ws (Walker *w)
{
  while (w->pos < w->len && strchr (" \t\r\n", w->buf[w->pos]) && w->buf[w->pos])
    w->pos++;
}

static void walk_value (Walker *w, GString *path, int depth);

/* Skips a string, returning its raw (unescaped enough for keys) content. */
static char *
read_string (Walker *w)
{
  GString *s = g_string_new (NULL);
  w->pos++; /* opening quote */
  while (w->pos < w->len && w->buf[w->pos] != '"')
    {
      if (w->buf[w->pos] == '\\' && w->pos + 1 < w->len)
        {
          w->pos++;
          char e = w->buf[w->pos];
          g_string_append_c (s, e == 'n' ? '\n' : e == 't' ? '\t' : e);
          w->pos++;
          continue;
        }
      g_string_append_c (s, w->buf[w->pos++]);
    }
  w->pos++; /* closing quote */
  return g_string_free (s, FALSE);
}

static void
note (Walker *w, GString *path)
{
  if (w->found)
    return;
  gsize tl = strlen (w->target);
  if (path->len == tl && memcmp (path->str, w->target, tl) == 0)
    {
      w->best_pos = w->pos;
      w->best_len = tl;
      w->found = TRUE;
      return;
    }
  /* an ancestor: the prefix must end at a path boundary */
  if (path->len > w->best_len && path->len < tl && memcmp (path->str, w->target, path->len) == 0 &&
      (w->target[path->len] == '.' || w->target[path->len] == '['))
    {
      w->best_len = path->len;
      w->best_pos = w->pos;
    }
}

static void
walk_value (Walker *w, GString *path, int depth)
{
  skip_ws (w);
  if (w->pos >= w->len)
    return;
  if (depth > 64)
    {
      /* too deep to track paths: step over the value by bracket count */
      int level = 0;
      gboolean in_str = FALSE;
      for (; w->pos < w->len; w->pos++)
        {
          char ch = w->buf[w->pos];
          if (in_str)
            {
              if (ch == '\\')
                w->pos++;
              else if (ch == '"')
                in_str = FALSE;
              continue;
            }
          if (ch == '"')
            in_str = TRUE;
          else if (ch == '[' || ch == '{')
            level++;
          else if (ch == ']' || ch == '}')
            {
              if (--level <= 0)
                {
                  w->pos += level == 0 ? 1 : 0;
                  return;
                }
            }
          else if (level == 0 && ch == ',')
            return;
        }
      return;
    }
  note (w, path);
  char c = w->buf[w->pos];
  gsize base = path->len;
  if (c == '{')
    {
      w->pos++;
      for (;;)
        {
          skip_ws (w);
          if (w->pos >= w->len || w->buf[w->pos] == '}')
            {
              w->pos++;
              break;
            }
          if (w->buf[w->pos] == ',')
            {
              w->pos++;
              continue;
            }
          if (w->buf[w->pos] != '"')
            {
              w->pos++;
              continue;
            }
          gsize key_pos = w->pos;
          g_autofree char *key = read_string (w);
          if (base > 0)
            g_string_append_c (path, '.');
          g_string_append (path, key);
          /* a missing value is best reported at its key */
          gsize save = w->pos;
          w->pos = key_pos;
          note (w, path);
          w->pos = save;
          skip_ws (w);
          if (w->pos < w->len && w->buf[w->pos] == ':')
            w->pos++;
          walk_value (w, path, depth + 1);
          g_string_truncate (path, base);
        }
    }
  else if (c == '[')
    {
      w->pos++;
      guint idx = 0;
      for (;;)
        {
          skip_ws (w);
          if (w->pos >= w->len || w->buf[w->pos] == ']')
            {
              w->pos++;
              break;
            }
          if (w->buf[w->pos] == ',')
            {
              w->pos++;
              continue;
            }
          g_string_append_printf (path, "[%u]", idx++);
          walk_value (w, path, depth + 1);
          g_string_truncate (path, base);
        }
    }
  else if (c == '"')
    g_free (read_string (w));
  else
    {
      gsize st = w->pos;
      while (w->pos < w->len && !strchr (",]} \t\r\n", w->buf[w->pos]))
        w->pos++;
      /* a stray "}" inside an array ("[}"): step over it, or the callers
       * would ask for the same value forever */
      if (w->pos == st)
        w->pos++;
    }
}

gboolean
tact_json_locate (const char *buf, gsize len, const char *jpath, int *line, int *col)
{
  Walker w = { buf, len, 0, jpath, 0, 0, FALSE };
  g_autoptr (GString) path = g_string_new (NULL);
  walk_value (&w, path, 0);
  if (!w.found && w.best_len == 0 && jpath[0] != '\0')
    {
      /* nothing matched: point at the top-level value */
      w.best_pos = 0;
    }
  int l = 1, c = 1;
  for (gsize i = 0; i < w.best_pos && i < len; i++)
    {
      if (buf[i] == '\n')
        l++, c = 1;
      else if (((guchar) buf[i] & 0xC0) != 0x80)
        c++;
    }
  /* skip leading blanks so the column points at the value itself */
  for (gsize i = w.best_pos; i < len && (buf[i] == ' ' || buf[i] == '\t'); i++)
    c++;
  *line = l;
  *col = c;
  return w.found;
}

void
tact_json_error (GError **error, const TactJsonDoc *doc, const char *jpath, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  int line = 1, col = 1;
  const char *text = doc->buf;
  gsize len = doc->len;
  g_autofree char *again = NULL;
  if (!text && doc->from_file && g_file_get_contents (doc->name, &again, &len, NULL))
    text = again; /* unreadable by now: the error still names the file, at 1:1 */
  if (text)
    tact_json_locate (text, len, jpath, &line, &col);
  if (jpath && *jpath)
    g_set_error (error, TACT_ERROR, TACT_ERROR_PACK, "%s:%d:%d: %s: %s", doc->name, line, col,
                 jpath, msg);
  else
    g_set_error (error, TACT_ERROR, TACT_ERROR_PACK, "%s:%d:%d: %s", doc->name, line, col, msg);
}
