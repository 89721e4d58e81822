/* Rendering reply templates.
 *
 * Values come from untrusted places (a contact picks their own alias), so
 * they are cleaned, inserted once and never scanned again: an alias of
 * "{agent}" shows up as "(agent)", not as the rep's name.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "tact-render.h"

#include <string.h>

/* Braces as brackets: nothing inserted into a reply may open or close a
 * placeholder ("{agent}" in an alias shows as "(agent)"). */
static inline gunichar
unbrace (gunichar u)
{
  return u == '{' ? '(' : u == '}' ? ')' : u;
}

char *
tact_render_clean (const char *s, guint max_chars)
{
  if (!s)
    return g_strdup ("");
  g_autofree char *valid = g_utf8_make_valid (s, -1);
  GString *out = g_string_new (NULL);
  gboolean space = FALSE;
  guint n = 0;
  for (const char *p = valid; *p && n < max_chars; p = g_utf8_next_char (p))
    {
      gunichar u = g_utf8_get_char (p);
      if (g_unichar_isspace (u) || g_unichar_iscntrl (u) ||
          g_unichar_type (u) == G_UNICODE_FORMAT)
        {
          /* format characters (bidi overrides and marks, zero-width
           * characters) would let a name reorder or hide parts of the
           * rep's reply */
          space = out->len > 0;
          continue;
        }
      if (space)
        {
          g_string_append_c (out, ' ');
          n++;
          space = FALSE;
        }
      g_string_append_unichar (out, unbrace (u));
      n++;
    }
  return g_string_free (out, FALSE);
}

char *
tact_render_first_name (const TactPack *pack, const char *name, gboolean handles_ok)
{
  g_autofree char *clean = tact_render_clean (name, 80);
  if (!*clean)
    return NULL;
  /* the first word of the display name */
  char *sp = strchr (clean, ' ');
  g_autofree char *first = sp ? g_strndup (clean, (gsize) (sp - clean)) : g_strdup (clean);
  if (handles_ok)
    return g_steal_pointer (&first);

  guint letters = 0, upper = 0, lower = 0, caseless = 0;
  for (const char *p = first; *p; p = g_utf8_next_char (p))
    {
      gunichar u = g_utf8_get_char (p);
      if (g_unichar_isalpha (u))
        {
          letters++;
          if (g_unichar_isupper (u) || g_unichar_istitle (u))
            upper++;
          else if (g_unichar_islower (u))
            lower++;
          else
            caseless++;
        }
      else if (u == '-' || u == '\'' || u == 0x2019 || g_unichar_ismark (u))
        continue;
      else
        return NULL; /* digits, underscores, dots, @, emoji: a handle */
    }
  /* a real first name: two letters or more, capitalised like a name; an
   * all-lower-case word is a nick, a script without case can't be judged */
  if (letters < 2 || caseless > 0)
    return NULL;
  gunichar u0 = g_utf8_get_char (first);
  if (!(g_unichar_isupper (u0) || g_unichar_istitle (u0)))
    return NULL;
  g_autofree char *folded = g_utf8_casefold (first, -1);
  guint32 id = tact_dict_lookup (&pack->dict, folded, strlen (folded));
  if (id != TACT_DICT_NONE && (pack->words[id].flags & TACT_WORDF_NAMESTOP))
    return NULL;
  if (lower == 0)
    {
      /* "MARIA" → "Maria" */
      GString *t = g_string_new (NULL);
      gboolean firstc = TRUE;
      for (const char *p = first; *p; p = g_utf8_next_char (p))
        {
          gunichar u = g_utf8_get_char (p);
          g_string_append_unichar (t, firstc ? u : g_unichar_tolower (u));
          firstc = FALSE;
        }
      return g_string_free (t, FALSE);
    }
  return g_steal_pointer (&first);
}

static char *
render (const TactPack *pack, const char *tmpl, const TactContext *ctx, gboolean *needs_edit,
        gboolean allow_greeting);

char *
tact_render_greeting (const TactPack *pack, const TactContext *ctx)
{
  g_autofree char *first = tact_render_first_name (pack, ctx ? ctx->name : NULL,
                                                   ctx && ctx->greet_handles_by_name);
  if (first)
    return render (pack, pack->replies.greeting_named, ctx, NULL, FALSE);
  return render (pack, pack->replies.greeting_neutral, ctx, NULL, FALSE);
}

static char *
value_of (const TactPack *pack, TactVar var, const TactContext *ctx)
{
  const char *raw = NULL;
  switch (var)
    {
    case TACT_VAR_GREETING:
      return tact_render_greeting (pack, ctx);
    case TACT_VAR_FIRST_NAME:
      return ctx ? tact_render_first_name (pack, ctx->name, ctx->greet_handles_by_name) : NULL;
    case TACT_VAR_NAME: raw = ctx ? ctx->name : NULL; break;
    case TACT_VAR_AGENT: raw = ctx ? ctx->agent : NULL; break;
    case TACT_VAR_COMPANY: raw = ctx ? ctx->company : NULL; break;
    case TACT_VAR_PRODUCT: raw = ctx ? ctx->product : NULL; break;
    case TACT_VAR_TOPIC: raw = ctx ? ctx->topic : NULL; break;
    default: break;
    }
  char *v = tact_render_clean (raw, 64);
  if (!*v)
    {
      g_free (v);
      return NULL;
    }
  return v;
}

static const char *const var_names[TACT_VAR_COUNT] = {
  "greeting", "name", "first_name", "agent", "company", "product", "topic",
};

static char *
render (const TactPack *pack, const char *tmpl, const TactContext *ctx, gboolean *needs_edit,
        gboolean allow_greeting)
{
  GString *out = g_string_new (NULL);
  for (const char *p = tmpl ? tmpl : ""; *p;)
    {
      const char *end;
      if (*p != '{' || !(end = strchr (p, '}')))
        {
          if (*p != '{' && *p != '}')
            g_string_append_c (out, *p);
          p++;
          continue;
        }
      const char *bar = memchr (p, '|', (gsize) (end - p));
      gsize nlen = (gsize) ((bar ? bar : end) - p - 1);
      int var = -1;
      for (guint v = 0; v < TACT_VAR_COUNT; v++)
        if (strlen (var_names[v]) == nlen && strncmp (p + 1, var_names[v], nlen) == 0)
          var = (int) v;
      g_autofree char *val = NULL;
      if (var == TACT_VAR_GREETING && !allow_greeting)
        var = -1;
      if (var >= 0)
        val = value_of (pack, (TactVar) var, ctx);
      if (val)
        g_string_append (out, val);
      else if (bar)
        g_string_append_len (out, bar + 1, end - bar - 1);
      else if (var >= 0 && pack->replies.defaults[var])
        {
          /* plain text (the validator refuses braces in defaults); a
           * snapshot could still hold some, and no placeholder may reach
           * the contact */
          for (const char *d = pack->replies.defaults[var]; *d; d++)
            g_string_append_c (out, (char) unbrace ((guchar) *d));
          if (needs_edit && var != TACT_VAR_GREETING && var != TACT_VAR_FIRST_NAME &&
              var != TACT_VAR_NAME && var != TACT_VAR_TOPIC)
            *needs_edit = TRUE;
        }
      p = end + 1;
    }
  /* a fallback that ended up empty may leave "  " or " ," behind */
  char *s = g_string_free (out, FALSE);
  char *w = s;
  for (char *r = s; *r; r++)
    {
      if (*r == ' ' && (w == s || w[-1] == ' ' || r[1] == ',' || r[1] == '.'))
        continue;
      *w++ = *r;
    }
  *w = '\0';
  return g_strstrip (s);
}

char *
tact_render_template (const TactPack *pack, const char *tmpl, const TactContext *ctx,
                      gboolean *needs_edit)
{
  if (needs_edit)
    *needs_edit = FALSE;
  return render (pack, tmpl, ctx, needs_edit, TRUE);
}
