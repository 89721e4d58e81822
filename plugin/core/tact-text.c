/* Text normalisation and tokenisation.
 *
 * The hot path of the whole product: every incoming message goes through
 * here once.  ASCII words (the vast majority) are lower-cased and squashed
 * in place without allocating; only words with non-ASCII letters pay for
 * GLib's NFKC + case folding.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "tact-text.h"
#include "tact-dict.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

void
tact_text_init (TactText *t)
{
  memset (t, 0, sizeof *t);
}

void
tact_text_clear (TactText *t)
{
  g_free (t->toks);
  g_free (t->norm);
  g_free (t->owned);
  memset (t, 0, sizeof *t);
}

static void
norm_reserve (TactText *t, gsize extra)
{
  if (t->norm_len + extra + 1 > t->norm_cap)
    {
      t->norm_cap = MAX (t->norm_cap * 2, t->norm_len + extra + 256);
      t->norm = g_realloc (t->norm, t->norm_cap);
    }
}

static inline TactToken *
push_token (TactText *t, TactTokKind kind, gsize start, gsize end, guint8 flags)
{
  if (t->n_toks == t->cap_toks)
    {
      t->cap_toks = MAX (64u, t->cap_toks * 2);
      t->toks = g_renew (TactToken, t->toks, t->cap_toks);
    }
  TactToken *tok = &t->toks[t->n_toks++];
  tok->start = (guint32) start;
  tok->end = (guint32) end;
  tok->norm = (guint32) t->norm_len;
  tok->norm_len = 0;
  tok->kind = (guint8) kind;
  tok->flags = flags;
  tok->run = 0;
  tok->hash = 0;
  tok->head = 0;
  return tok;
}

/* Bytes of the UTF-8 character at @s[@i] (never past @len). */
static inline gsize
char_len (const char *s, gsize i, gsize len)
{
  guchar c = (guchar) s[i];
  gsize clen = c < 0xC0 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
  return MIN (clen, len - i);
}

/* Appends @s to the norm buffer for @tok, squashing runs of three or more
 * equal characters to two.  Returns TRUE if something was squashed. */
static gboolean
norm_append_squashed (TactText *t, TactToken *tok, const char *s, gsize len)
{
  gboolean squashed = FALSE;
  norm_reserve (t, len);
  char *out = t->norm + t->norm_len;
  gsize o = 0;
  const char *prev = NULL;
  gsize prev_len = 0;
  guint run = 0;
  for (gsize i = 0; i < len;)
    {
      gsize clen = char_len (s, i, len);
      if (prev && prev_len == clen && memcmp (prev, s + i, clen) == 0)
        run++;
      else
        run = 1;
      if (run <= 2)
        {
          memcpy (out + o, s + i, clen);
          o += clen;
        }
      else
        squashed = TRUE;
      prev = s + i;
      prev_len = clen;
      i += clen;
    }
  out[o] = '\0';
  tok->norm_len = (guint16) MIN (o, G_MAXUINT16);
  t->norm_len += o + 1;
  return squashed;
}

/* Sets @tok's normal form to @lit as it is (placeholders, punctuation,
 * the first character of an emoji): nothing to lower-case or squash. */
static void
norm_set (TactText *t, TactToken *tok, const char *lit, gsize len)
{
  norm_reserve (t, len);
  memcpy (t->norm + t->norm_len, lit, len);
  t->norm[t->norm_len + len] = '\0';
  tok->norm_len = (guint16) len;
  t->norm_len += len + 1;
}

gsize
tact_text_squash_once (const char *s, gsize len, char *out)
{
  gsize o = 0;
  const char *prev = NULL;
  gsize prev_len = 0;
  for (gsize i = 0; i < len;)
    {
      gsize clen = char_len (s, i, len);
      if (!(prev && prev_len == clen && memcmp (prev, s + i, clen) == 0))
        {
          memcpy (out + o, s + i, clen);
          o += clen;
        }
      prev = s + i;
      prev_len = clen;
      i += clen;
    }
  out[o] = '\0';
  return o;
}

gsize
tact_text_syllable_run (const char *s, gsize len)
{
  if (len < 4 || s[len - 1] == s[len - 2] ||
      !g_ascii_isalpha (s[len - 1]) || !g_ascii_isalpha (s[len - 2]))
    return len;
  /* the run: where every byte equals the one two places on */
  gsize start = len - 2;
  while (start > 0 && s[start - 1] == s[start + 1])
    start--;
  return start;
}

static inline gboolean
is_ascii_word (guchar c)
{
  return g_ascii_isalnum (c);
}

static inline gboolean
is_space_or_end (const char *s, gsize i, gsize len)
{
  return i >= len || g_ascii_isspace (s[i]);
}

/* Emoji and pictographs: the blocks people actually type in chats.  Other
 * symbols (™, ©) are ignored. */
static gboolean
is_emoji (gunichar u)
{
  return (u >= 0x1F000 && u <= 0x1FAFF) || (u >= 0x2600 && u <= 0x27BF) ||
         (u >= 0x2B00 && u <= 0x2BFF) || (u >= 0x2300 && u <= 0x23FF) ||
         u == 0x2764 || u == 0x2122 || u == 0x00A9 || u == 0x00AE ||
         (u >= 0x2190 && u <= 0x21FF) || u == 0x3030 || u == 0x303D;
}

static gboolean
is_word_unichar (gunichar u)
{
  if (g_unichar_isalnum (u) || g_unichar_ismark (u))
    return !is_emoji (u);
  return FALSE;
}

/* Decodes the character at @s[i] (valid UTF-8 guaranteed by the caller). */
static inline gunichar
char_at (const char *s, gsize i, gsize *clen)
{
  guchar c = (guchar) s[i];
  if (c < 0x80)
    {
      *clen = 1;
      return c;
    }
  const char *next = g_utf8_next_char (s + i);
  *clen = (gsize) (next - (s + i));
  return g_utf8_get_char (s + i);
}

/* Chat uses an emoji or emoticon as a full stop: a capitalised word right
 * after one starts a clause ("take me off 🙏 Your texts…"), while "I ❤️
 * this" and "so 😂 funny" run on.  @i is just past the icon; returns the
 * flags for the next token.  Looks ahead here, at the icon, so that the
 * scan of every other character pays nothing for it. */
static guint8
icon_ends_sentence (const char *s, gsize i, gsize len)
{
  while (i < len && (s[i] == ' ' || s[i] == '\t'))
    i++;
  if (i >= len)
    return 0;
  gsize cl;
  guchar c = (guchar) s[i];
  return (g_ascii_isupper (c) || (c >= 0x80 && g_unichar_isupper (char_at (s, i, &cl))))
             ? TACT_TOKF_CLAUSE : 0;
}

/* Returns the length of the emoticon at @s[@i] (now a token), or 0. */
static gsize
try_emoticon (TactText *t, const char *s, gsize i, gsize len, const TactEmoticons *emo,
              guint8 flags)
{
  guchar c0 = (guchar) s[i];
  if (!emo || emo->max_len == 0 || !emo->first[(c0 >= 'A' && c0 <= 'Z') ? c0 + ('a' - 'A') : c0])
    return 0;
  if (i > 0 && !g_ascii_isspace (s[i - 1]) && is_ascii_word ((guchar) s[i - 1]))
    return 0;
  /* lower-case the run of printable ASCII an emoticon could span once,
   * then look up its prefixes, longest first */
  char buf[16];
  gsize lim = MIN (MIN ((gsize) emo->max_len, sizeof buf - 1), len - i);
  gsize avail = 0;
  for (; avail < lim; avail++)
    {
      guchar c = (guchar) s[i + avail];
      if (c >= 0x80 || g_ascii_isspace (c))
        break;
      buf[avail] = (char) ((c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c);
    }
  for (gsize l = avail; l >= 2; l--)
    {
      /* the emoticon must end the word: "xD" yes, "xDrive" no */
      if (i + l < len && is_ascii_word ((guchar) s[i + l]) && is_ascii_word ((guchar) buf[l - 1]))
        continue;
      buf[l] = '\0';
      if (g_hash_table_contains (emo->set, buf))
        {
          TactToken *tok = push_token (t, TACT_TOK_EMOTICON, i, i + l, flags);
          norm_reserve (t, l);
          memcpy (t->norm + t->norm_len, buf, l + 1);
          tok->norm_len = (guint16) l;
          t->norm_len += l + 1;
          return l;
        }
    }
  return 0;
}

/* try_emoticon(), after the checks that turn most candidates away without
 * a call: an emoticon has two printable ASCII characters at least, and
 * ".", "," or ":" before a space are none. */
static inline gsize
emoticon_at (TactText *t, const char *s, gsize i, gsize len, const TactEmoticons *emo,
             guint8 flags)
{
  guchar c0 = (guchar) s[i];
  if (!emo || !emo->first[(c0 >= 'A' && c0 <= 'Z') ? c0 + ('a' - 'A') : c0] || i + 1 >= len ||
      (guchar) s[i + 1] >= 0x80 || g_ascii_isspace (s[i + 1]))
    return 0;
  return try_emoticon (t, s, i, len, emo, flags);
}

/* Decodes the HTML entities people and bridges leave in chat text
 * ("&lt;3" is a heart, "&amp;" an and).  Returns NULL when @s has none. */
static GString *
decode_entities (const char *s, gsize len)
{
  if (!memchr (s, '&', len))
    return NULL;
  static const struct { const char *name; const char *text; } named[] = {
    { "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" }, { "apos", "'" },
    { "nbsp", " " }, { "hellip", "\xE2\x80\xA6" }, { "rsquo", "\xE2\x80\x99" },
    { "lsquo", "\xE2\x80\x98" }, { "ldquo", "\xE2\x80\x9C" }, { "rdquo", "\xE2\x80\x9D" },
    { "mdash", "\xE2\x80\x94" }, { "ndash", "\xE2\x80\x93" },
  };
  GString *out = NULL;
  gsize copied = 0;
  for (gsize i = 0; i < len; i++)
    {
      if (s[i] != '&')
        continue;
      const char *semi = memchr (s + i, ';', MIN (len - i, 10));
      if (!semi)
        continue;
      gsize nlen = (gsize) (semi - (s + i)) - 1;
      const char *name = s + i + 1;
      char buf[8];
      const char *rep = NULL;
      if (nlen >= 2 && name[0] == '#')
        {
          gunichar u = 0;
          gboolean hex = name[1] == 'x' || name[1] == 'X';
          gboolean ok = nlen > (hex ? 2u : 1u);
          for (gsize k = hex ? 2 : 1; k < nlen && ok; k++)
            {
              int d = hex ? g_ascii_xdigit_value (name[k]) : g_ascii_digit_value (name[k]);
              ok = d >= 0 && u < 0x110000;
              u = u * (hex ? 16 : 10) + (gunichar) d;
            }
          if (ok && u != 0 && g_unichar_validate (u))
            {
              buf[g_unichar_to_utf8 (u, buf)] = '\0';
              rep = buf;
            }
        }
      else
        for (guint k = 0; k < G_N_ELEMENTS (named); k++)
          if (strlen (named[k].name) == nlen && memcmp (named[k].name, name, nlen) == 0)
            rep = named[k].text;
      if (!rep)
        continue;
      if (!out)
        out = g_string_sized_new (len);
      g_string_append_len (out, s + copied, (gssize) (i - copied));
      g_string_append (out, rep);
      copied = (gsize) (semi - s) + 1;
      i = copied - 1;
    }
  if (out)
    g_string_append_len (out, s + copied, (gssize) (len - copied));
  return out;
}

/* The length of the leading run of @s that is plain ASCII: most chat lines
 * are all of it and need no UTF-8 validation, and the others only from
 * where it ends.  NUL bytes count as not ASCII so that they get repaired. */
static gsize
ascii_len (const char *s, gsize len)
{
  gsize i = tact_text_ascii_prefix (s, len);
  for (; i < len; i++)
    if ((guchar) s[i] >= 0x80 || s[i] == '\0')
      break;
  return i;
}

/* Makes @data safe to scan: valid UTF-8, no NUL, bounded length.  Sets
 * t->text/t->len, using t->owned when a copy is needed. */
static void
prepare (TactText *t, const char *data, gsize len)
{
  t->truncated = FALSE;
  t->repaired = FALSE;
  const char *src = data;
  gsize src_len = len;
  g_autofree char *windowed = NULL;

  if (len > TACT_TEXT_HEAD_BYTES + TACT_TEXT_TAIL_BYTES + 64)
    {
      windowed = g_malloc (TACT_TEXT_HEAD_BYTES + TACT_TEXT_TAIL_BYTES + 8);
      memcpy (windowed, data, TACT_TEXT_HEAD_BYTES);
      memcpy (windowed + TACT_TEXT_HEAD_BYTES, "\n\n", 2);
      memcpy (windowed + TACT_TEXT_HEAD_BYTES + 2, data + len - TACT_TEXT_TAIL_BYTES,
              TACT_TEXT_TAIL_BYTES);
      src = windowed;
      src_len = TACT_TEXT_HEAD_BYTES + 2 + TACT_TEXT_TAIL_BYTES;
      t->truncated = TRUE;
    }

  GString *decoded = decode_entities (src, src_len);
  if (decoded)
    {
      g_free (windowed);
      src_len = decoded->len;
      windowed = g_string_free (decoded, FALSE);
      src = windowed;
    }

  gsize ascii = ascii_len (src, src_len);
  if (ascii == src_len || g_utf8_validate_len (src + ascii, src_len - ascii, NULL))
    {
      if (src == data)
        {
          t->text = data;
          t->len = len;
          return;
        }
      g_free (t->owned);
      t->owned = g_steal_pointer (&windowed);
      t->text = t->owned;
      t->len = src_len;
      return;
    }

  /* Invalid bytes (or NUL) become U+FFFD / spaces: never a crash, never a
   * silently shortened message. */
  t->repaired = TRUE;
  GString *fixed = g_string_sized_new (src_len + 16);
  const char *p = src;
  gsize left = src_len;
  while (left > 0)
    {
      const char *end = NULL;
      if (g_utf8_validate_len (p, left, &end))
        {
          g_string_append_len (fixed, p, (gssize) left);
          break;
        }
      g_string_append_len (fixed, p, end - p);
      if (*end == '\0')
        g_string_append_c (fixed, ' ');
      else
        g_string_append (fixed, "\xEF\xBF\xBD");
      left -= (gsize) (end - p) + 1;
      p = end + 1;
    }
  g_free (t->owned);
  t->len = fixed->len;
  t->owned = g_string_free (fixed, FALSE);
  t->text = t->owned;
}

static inline gboolean
prefix_ci (const char *s, gsize len, const char *lower)
{
  gsize k = 0;
  for (; lower[k]; k++)
    if (k >= len || (s[k] >= 'A' && s[k] <= 'Z' ? s[k] + ('a' - 'A') : s[k]) != lower[k])
      return FALSE;
  return TRUE;
}

/* "http://", "https://" or "www." (any case).  Called only for words
 * starting with h or w: most of them fail at the second letter. */
static inline gboolean
is_url_start (const char *s, gsize len)
{
  if (len < 4)
    return FALSE;
  char c1 = (char) (s[1] | 0x20);
  if (c1 == 't')
    return prefix_ci (s, len, "http://") || prefix_ci (s, len, "https://");
  if (c1 == 'w')
    return prefix_ci (s, len, "www.");
  return FALSE;
}

#if defined(__SSE2__)
/* Most words are 1–15 ASCII letters or digits followed by a space or
 * punctuation.  Sixteen bytes at once give the word's length, its letters
 * and capitals, the lower-cased copy and its hash with no loop over the
 * characters: a per-character loop pays a mispredicted branch at the end
 * of every word.  Inline in the scanning loop, so such a word costs no
 * call either.  Returns where scanning goes on, or 0, having done nothing,
 * for anything else (joiners, elongation, non-ASCII): scan_word() takes
 * those. */
static inline TACT_ALWAYS_INLINE gsize
scan_short_word (TactText *t, const char *s, gsize i, gsize len, guint8 flags)
{
  __m128i v;
  if (i + 16 <= len)
    v = _mm_loadu_si128 ((const __m128i *) (s + i));
  else
    {
      /* the end of the text: zeros stop the word like a space */
      char tail[16] = { 0 };
      memcpy (tail, s + i, len - i);
      v = _mm_loadu_si128 ((const __m128i *) tail);
    }
  __m128i lo = _mm_or_si128 (v, _mm_set1_epi8 (0x20));
  __m128i is_letter = _mm_cmplt_epi8 (_mm_add_epi8 (lo, _mm_set1_epi8 ((char) (128 - 'a'))),
                                      _mm_set1_epi8 ((char) (-128 + 26)));
  __m128i is_digit = _mm_cmplt_epi8 (_mm_add_epi8 (v, _mm_set1_epi8 ((char) (128 - '0'))),
                                     _mm_set1_epi8 ((char) (-128 + 10)));
  guint alnum = (guint) _mm_movemask_epi8 (_mm_or_si128 (is_letter, is_digit));
  guint n = (guint) __builtin_ctz (~alnum | 0x10000u);
  if (n == 0 || n == 16)
    return 0;
  guint mask = (1u << n) - 1;  /* the word's bytes */
  guint m_letter = (guint) _mm_movemask_epi8 (is_letter) & mask;
  guchar stop = i + n < len ? (guchar) s[i + n] : 0;
  /* "." "," ":" end a word unless they join digits ("5.99") */
  gboolean digit_join = (stop == '.' || stop == ',' || stop == ':') && !m_letter &&
                        i + n + 1 < len && g_ascii_isdigit (s[i + n + 1]);
  if (stop >= 0x80 || stop == '\'' || stop == '-' || digit_join)
    return 0;
  __m128i lc = _mm_or_si128 (v, _mm_and_si128 (is_letter, _mm_set1_epi8 (0x20)));
  guint triple = (guint) _mm_movemask_epi8 (
    _mm_and_si128 (_mm_cmpeq_epi8 (lc, _mm_srli_si128 (lc, 1)),
                   _mm_cmpeq_epi8 (lc, _mm_srli_si128 (lc, 2))));
  if (triple & (mask >> 2))
    return 0;

  guint m_upper = (guint) _mm_movemask_epi8 (_mm_cmpeq_epi8 (
                    _mm_and_si128 (v, _mm_set1_epi8 (0x20)), _mm_setzero_si128 ())) & m_letter;
  /* the flags and counts with no branch: capitals or not is data the
   * branch predictor cannot learn.  All capitals means two letters or
   * more, so words too */
  guint allcaps = (m_upper == m_letter) & ((m_letter & (m_letter - 1)) != 0);
  flags |= (guint8) ((m_upper != 0) * TACT_TOKF_HAS_UPPER | allcaps * TACT_TOKF_ALLCAPS);
  t->n_words += m_letter != 0;
  t->n_upper_words += allcaps;
  norm_reserve (t, 16);
  /* the token first: the byte stores below could alias anything in @t */
  gsize norm_len = t->norm_len;
  TactToken *tok = push_token (t, m_letter ? TACT_TOK_WORD : TACT_TOK_NUM, i, i + n, flags);
  tok->norm_len = (guint16) n;
  t->norm_len = norm_len + n + 1;
  char *out = t->norm + norm_len;
  _mm_storeu_si128 ((__m128i *) out, lc);
  guint64 w0, w1;
  memcpy (&w0, out, 8);
  memcpy (&w1, out + 8, 8);
  out[n] = '\0';
  /* the dictionary's hash and the key's head, computed here so the
   * look-up need not walk the word again */
  w0 = GUINT64_FROM_LE (w0);
  tok->head = tact_dict_head_word (w0, n);
  tok->hash = n <= 7 ? tact_dict_hash_head (tok->head) : tact_dict_hash_16 (w0, GUINT64_FROM_LE (w1), n);
  /* a single space after the word is the usual case: step over it here
   * rather than in the scanning loop (a space only separates) */
  return i + n + (stop == ' ');
}
#else
static inline gsize
scan_short_word (TactText *t, const char *s, gsize i, gsize len, guint8 flags)
{
  (void) t, (void) s, (void) i, (void) len, (void) flags;
  return 0;
}
#endif

/* Scans the word at @s[@i] into a token; returns where scanning goes on. */
static gsize
scan_word (TactText *t, const char *s, gsize i, gsize len, guint8 flags)
{
  gsize start = i;
  gboolean ascii = TRUE, digits_only = TRUE;
  guint letters = 0, upper = 0;

  /* ASCII fast path: most words are plain ASCII, so they are lower-cased
   * and squashed into the norm buffer while being scanned, in one pass.
   * At the first non-ASCII byte the word is rescanned by the general loop
   * below and normalised from scratch (the partial output is dropped). */
  norm_reserve (t, MIN (len - i, (gsize) 1024));
  char *out = t->norm + t->norm_len;
  gsize o = 0;
  char prev = 0;
  guint run = 0;
  gboolean squashed = FALSE;
  while (i < len)
    {
      char c = s[i];
      if (c >= 'a' && c <= 'z')
        {
          letters++;
          digits_only = FALSE;
        }
      else if (c >= 'A' && c <= 'Z')
        {
          letters++;
          upper++;
          digits_only = FALSE;
          c = (char) (c + ('a' - 'A'));
        }
      else if (c >= '0' && c <= '9')
        ;
      /* apostrophes and hyphens join word characters: "don't", "follow-up";
       * dots, commas and colons join digits: "5.99", "10:30" */
      else if ((c == '\'' || c == '-') && i + 1 < len && i > start &&
               (is_ascii_word ((guchar) s[i + 1]) || (guchar) s[i + 1] >= 0xC0))
        digits_only = FALSE;
      else if ((c == '.' || c == ',' || c == ':') && digits_only && i > start && i + 1 < len &&
               g_ascii_isdigit (s[i + 1]))
        ;
      else
        {
          if ((guchar) c >= 0x80)
            ascii = FALSE;
          break;
        }
      run = (c == prev) ? run + 1 : 1;
      prev = c;
      /* only the first 1024 bytes of a word are kept (then squashed), as
       * on the general path */
      if (i - start < 1024)
        {
          if (run > 2)
            squashed = TRUE;
          else
            out[o++] = c;
        }
      i++;
    }

  gsize fast_end = i;
  while (!ascii && i < len)
    {
      guchar c = (guchar) s[i];
      if (c < 0x80)
        {
          if (c >= 'a' && c <= 'z')
            {
              letters++;
              digits_only = FALSE;
              i++;
              continue;
            }
          if (c >= 'A' && c <= 'Z')
            {
              letters++;
              upper++;
              digits_only = FALSE;
              i++;
              continue;
            }
          if (c >= '0' && c <= '9')
            {
              i++;
              continue;
            }
          /* apostrophes and hyphens join word characters: "don't", "follow-up";
           * dots, commas and colons join digits: "5.99", "10:30" */
          if ((c == '\'' || c == '-') && i + 1 < len && i > start &&
              (is_ascii_word ((guchar) s[i + 1]) || (guchar) s[i + 1] >= 0xC0))
            {
              digits_only = FALSE;
              i++;
              continue;
            }
          if ((c == '.' || c == ',' || c == ':') && digits_only && i > start && i + 1 < len &&
              g_ascii_isdigit (s[i + 1]))
            {
              i++;
              continue;
            }
          break;
        }
      gsize clen;
      gunichar u = char_at (s, i, &clen);
      if (u == 0x2019 || u == 0x2018 || u == 0x02BC)
        {
          /* typographic apostrophe inside a word */
          if (i > start && i + clen < len)
            {
              gsize nlen;
              gunichar nu = char_at (s, i + clen, &nlen);
              if (is_word_unichar (nu))
                {
                  ascii = FALSE;
                  digits_only = FALSE;
                  i += clen;
                  continue;
                }
            }
          break;
        }
      if (!is_word_unichar (u))
        break;
      ascii = FALSE;
      if (g_unichar_isalpha (u))
        {
          letters++;
          digits_only = FALSE;
          if (g_unichar_isupper (u))
            upper++;
        }
      else if (!g_unichar_isdigit (u))
        digits_only = FALSE;
      i += clen;
    }

  /* the byte that stopped the fast path was not part of the word after
   * all ("hi😀"): its output stands */
  if (!ascii && i == fast_end)
    ascii = TRUE;

  if (i == start)
    {
      /* not a word character after all: skip it */
      gsize clen;
      (void) char_at (s, i, &clen);
      return i + clen;
    }

  if (upper > 0)
    flags |= TACT_TOKF_HAS_UPPER;
  if (letters >= 2 && upper == letters)
    flags |= TACT_TOKF_ALLCAPS;
  if (letters > 0)
    {
      t->n_words++;
      if (flags & TACT_TOKF_ALLCAPS)
        t->n_upper_words++;
    }

  TactToken *tok = push_token (t, digits_only ? TACT_TOK_NUM : TACT_TOK_WORD, start, i, flags);
  if (ascii)
    {
      out[o] = '\0';
      tok->norm_len = (guint16) o;
      /* the dictionary's hash, computed here so the look-up need not walk
       * the word again */
      tok->hash = tact_dict_hash (out, o);
      tok->head = tact_dict_head (out, o);
      t->norm_len += o + 1;
      squashed = squashed && !digits_only;
    }
  else
    {
      g_autofree char *nf = g_utf8_normalize (s + start, (gssize) (i - start), G_NORMALIZE_NFKC);
      g_autofree char *cf = g_utf8_casefold (nf ? nf : "", -1);
      /* typographic apostrophes → ' so "don’t" and "don't" are one word */
      GString *g = g_string_sized_new (strlen (cf));
      for (const char *p = cf; *p; p = g_utf8_next_char (p))
        {
          gunichar u = g_utf8_get_char (p);
          if (u == 0x2019 || u == 0x2018 || u == 0x02BC)
            g_string_append_c (g, '\'');
          else
            g_string_append_len (g, p, g_utf8_next_char (p) - p);
        }
      squashed = norm_append_squashed (t, tok, g->str, MIN (g->len, 1024));
      g_string_free (g, TRUE);
    }
  if (squashed)
    tok->flags |= TACT_TOKF_ELONGATED;
  return i;
}

void
tact_text_scan (TactText *t, const char *data, gssize len_in, const TactEmoticons *emo)
{
  gsize len = len_in < 0 ? (data ? strlen (data) : 0) : (gsize) len_in;
  t->n_toks = 0;
  t->norm_len = 0;
  t->n_words = 0;
  t->n_upper_words = 0;
  prepare (t, data ? data : "", data ? len : 0);

  const char *s = t->text;
  len = t->len;
  guint8 pending = TACT_TOKF_CLAUSE;
  gsize i = 0;
  while (i < len)
    {
      guchar c = (guchar) s[i];
      if (c < 0x80)
        {
          if (g_ascii_isspace (c))
            {
              if (c == '\n')
                pending |= TACT_TOKF_CLAUSE;
              i++;
              continue;
            }
          if (is_ascii_word (c))
            {
              gsize used;
              if ((c == 'x' || c == 'X' || c == '8') &&
                  (used = emoticon_at (t, s, i, len, emo, pending)) > 0)
                {
                  i += used;
                  pending = icon_ends_sentence (s, i, len);
                  continue;
                }
              if ((c == 'h' || c == 'H' || c == 'w' || c == 'W') && is_url_start (s + i, len - i))
                {
                  gsize st = i;
                  while (i < len && !g_ascii_isspace (s[i]))
                    i++;
                  TactToken *tok = push_token (t, TACT_TOK_URL, st, i, pending);
                  norm_set (t, tok, "#url", 4);
                  pending = 0;
                  continue;
                }
              gsize end = scan_short_word (t, s, i, len, pending);
              i = end ? end : scan_word (t, s, i, len, pending);
              pending = 0;
              continue;
            }
          if (c == '!' || c == '?')
            {
              gsize st = i;
              guint nq = 0, ne = 0;
              while (i < len && (s[i] == '!' || s[i] == '?'))
                {
                  if (s[i] == '?')
                    nq++;
                  else
                    ne++;
                  i++;
                }
              if (nq)
                {
                  TactToken *tok = push_token (t, TACT_TOK_PUNCT, st, i, pending);
                  norm_set (t, tok, "?", 1);
                  tok->run = (guint16) MIN (nq, 1000);
                }
              if (ne)
                {
                  TactToken *tok = push_token (t, TACT_TOK_PUNCT, st, i, pending);
                  norm_set (t, tok, "!", 1);
                  tok->run = (guint16) MIN (ne, 1000);
                }
              pending = TACT_TOKF_CLAUSE;
              continue;
            }
          gsize used = emoticon_at (t, s, i, len, emo, pending);
          if (used > 0)
            {
              i += used;
              pending = icon_ends_sentence (s, i, len);
              continue;
            }
          if (c == '@' && i + 1 < len && (is_ascii_word ((guchar) s[i + 1]) || s[i + 1] == '_'))
            {
              gsize st = i++;
              while (i < len && (is_ascii_word ((guchar) s[i]) || s[i] == '_' || s[i] == '.'))
                i++;
              TactToken *tok = push_token (t, TACT_TOK_MENTION, st, i, pending);
              norm_set (t, tok, "#mention", 8);
              pending = 0;
              continue;
            }
          if (c == '#' && i + 1 < len && g_ascii_isalpha (s[i + 1]))
            {
              i++;
              gsize end = scan_short_word (t, s, i, len, pending | TACT_TOKF_HASHTAG);
              i = end ? end : scan_word (t, s, i, len, pending | TACT_TOKF_HASHTAG);
              pending = 0;
              continue;
            }
          /* a dash between spaces ("no worries - send it over") ends a
           * clause like a comma */
          if (c == '.' || c == ',' || c == ';' || c == ':' ||
              (c == '-' && (i == 0 || s[i - 1] == ' ') && (i + 1 >= len || s[i + 1] == ' ')))
            pending |= TACT_TOKF_CLAUSE;
          i++;
          continue;
        }

      gsize clen;
      gunichar u = char_at (s, i, &clen);
      if (is_emoji (u))
        {
          gsize st = i;
          i += clen;
          /* swallow presentation selectors, skin tones, keycaps and ZWJ
           * sequences: "👍🏽" and "👍" are the same feeling */
          while (i < len)
            {
              gsize l2;
              gunichar v = char_at (s, i, &l2);
              if (v == 0xFE0F || v == 0xFE0E || v == 0x20E3 || (v >= 0x1F3FB && v <= 0x1F3FF))
                i += l2;
              else if (v == 0x200D && i + l2 < len)
                {
                  gsize l3;
                  (void) char_at (s, i + l2, &l3);
                  i += l2 + l3;
                }
              else
                break;
            }
          TactToken *tok = push_token (t, TACT_TOK_EMOJI, st, i, pending);
          norm_set (t, tok, s + st, clen);
          pending = icon_ends_sentence (s, i, len);
          continue;
        }
      if (is_word_unichar (u))
        {
          i = scan_word (t, s, i, len, pending);
          pending = 0;
          continue;
        }
      if (g_unichar_isspace (u) || u == 0x3002 || u == 0x2026 || u == 0xFF0C || u == 0x2013 ||
          u == 0x2014)
        pending |= TACT_TOKF_CLAUSE;
      else if (u == 0xFF01 || u == 0xFF1F)
        {
          TactToken *tok = push_token (t, TACT_TOK_PUNCT, i, i + clen, pending);
          norm_set (t, tok, u == 0xFF1F ? "?" : "!", 1);
          tok->run = 1;
          pending = TACT_TOKF_CLAUSE;
        }
      i += clen;
    }
}

char *
tact_text_normalize_phrase (const char *s, const TactEmoticons *emo)
{
  TactText t;
  tact_text_init (&t);
  tact_text_scan (&t, s, -1, emo);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < t.n_toks; i++)
    {
      if (i)
        g_string_append_c (out, ' ');
      g_string_append (out, tact_text_norm (&t, i));
    }
  tact_text_clear (&t);
  return g_string_free (out, FALSE);
}
