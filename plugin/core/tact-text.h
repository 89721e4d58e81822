/* Text normalisation and tokenisation (internal).
 *
 * One pass over the message turns it into tokens whose normalised form
 * (NFKC, case-folded, elongation squashed) sits in one shared buffer.
 * Data packs go through the very same function, so a word in a pack and a
 * word in a message compare byte for byte.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <string.h>

/* Messages longer than this are analysed as head + tail: the opening and
 * the sign-off carry the situation; the middle of a pasted log does not. */
#define TACT_TEXT_HEAD_BYTES 4096
#define TACT_TEXT_TAIL_BYTES 1024

typedef enum {
  TACT_TOK_WORD = 0,
  TACT_TOK_NUM,
  TACT_TOK_URL,
  TACT_TOK_MENTION,
  TACT_TOK_EMOJI,
  TACT_TOK_EMOTICON,
  TACT_TOK_PUNCT,      /* only "!" and "?" runs are kept */
} TactTokKind;

enum {
  TACT_TOKF_ALLCAPS   = 1 << 0,  /* ≥ 2 letters, all upper case */
  TACT_TOKF_ELONGATED = 1 << 1,  /* a letter was repeated ≥ 3 times */
  TACT_TOKF_CLAUSE    = 1 << 2,  /* first token after . , ; : or a line break */
  TACT_TOKF_HASHTAG   = 1 << 3,
  TACT_TOKF_HAS_UPPER = 1 << 4,  /* at least one upper-case letter */
};

typedef struct {
  guint32 start, end;   /* byte span in TactText.text */
  guint32 norm;         /* offset of the normalised form in TactText.norm */
  guint16 norm_len;
  guint8  kind;         /* TactTokKind */
  guint8  flags;
  guint16 run;          /* PUNCT: how many '!' or '?' in the run */
  guint32 hash;         /* tact_dict_hash() of the normal form, or 0 = not computed */
  guint64 head;         /* tact_dict_head() of the normal form, or 0 = not computed */
} TactToken;

/* A set of emoticons (":)", "<3", …) in normalised form, so the tokeniser
 * can recognise punctuation runs that carry feeling. */
typedef struct {
  GHashTable *set;      /* normalised emoticon → GINT_TO_POINTER(1) */
  guint       max_len;
  guint8      first[256]; /* bytes an emoticon can start with (lower-cased) */
  guint64     digest;     /* order-free hash of the set: a pack compiled after
                           * it depends on it (see tact-snapshot.h) */
} TactEmoticons;

typedef struct {
  const char *text;     /* the repaired, windowed text that was analysed */
  gsize       len;
  gboolean    truncated;
  gboolean    repaired;
  TactToken  *toks;
  guint       n_toks, cap_toks;
  char       *norm;     /* NUL-separated normalised forms */
  gsize       norm_len, norm_cap;
  char       *owned;    /* backing store for text when it had to change */
  gsize       owned_cap;
  guint       n_upper_words, n_words;
} TactText;

void     tact_text_init (TactText *t);
void     tact_text_clear (TactText *t);
/* Tokenises @len bytes of @data (any bytes).  @emo may be NULL.
 * Reuses @t's buffers; previous tokens are discarded. */
void     tact_text_scan (TactText *t, const char *data, gssize len, const TactEmoticons *emo);
static inline const char *
tact_text_norm (const TactText *t, guint i)
{
  return t->norm + t->toks[i].norm;
}
/* Normalises one word or phrase the way tact_text_scan() would (used for
 * pack data).  New string; words separated by single spaces. */
char    *tact_text_normalize_phrase (const char *s, const TactEmoticons *emo);
/* Squashes every run of a repeated character to one ("soo" → "so"); for a
 * second lookup of elongated words.  Writes into @out (≥ @len + 1 bytes). */
gsize    tact_text_squash_once (const char *s, gsize len, char *out);
/* Where the run of one repeated two-letter syllable that ends @s starts
 * ("hahahahahaha" 0, "bwahahahaha" 2), or @len when @s ends in no such
 * run (ASCII letters only, the two letters different): laughter is typed
 * as long as the feeling, and the lexicon can only list so many lengths
 * of it, so a long run is looked up again cut short. */
gsize    tact_text_syllable_run (const char *s, gsize len);
/* TRUE when @s (@len ≥ 4 bytes) ends in two different bytes repeated
 * once ("…haha"): the cheap test before tact_text_syllable_run(). */
static inline gboolean
tact_text_ends_in_syllables (const char *s, gsize len)
{
  return s[len - 1] == s[len - 3] && s[len - 2] == s[len - 4] && s[len - 1] != s[len - 2];
}

/* The length of the leading run of @s that is plain ASCII without NUL, in
 * whole 8-byte words (the caller checks the bytes after it): most chat
 * lines and nearly all of a pack are ASCII, and a word at a time is far
 * cheaper than a UTF-8 validation. */
static inline gsize
tact_text_ascii_prefix (const char *s, gsize len)
{
  gsize i = 0;
  for (; i + 8 <= len; i += 8)
    {
      guint64 w;
      memcpy (&w, s + i, 8);
      /* any high bit, or any zero byte */
      if ((w & 0x8080808080808080ull) || ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull))
        break;
    }
  return i;
}
