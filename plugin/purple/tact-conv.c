/* Per-conversation state: one TactConv under one key of conv->data (that
 * table has no value destructor, so we free it on deleting-conversation
 * and on unload), plus the helpers that know who a conversation is with.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tact-private.h"

#include <string.h>

#define CONV_KEY "purple-tact"

TactConv *
tact_conv_get (PurpleConversation *conv)
{
  return conv != NULL ? purple_conversation_get_data (conv, CONV_KEY) : NULL;
}

TactConv *
tact_conv_ensure (PurpleConversation *conv)
{
  TactConv *tc = tact_conv_get (conv);

  if (tc == NULL)
    {
      tc = g_new0 (TactConv, 1);
      purple_conversation_set_data (conv, CONV_KEY, tc);
    }
  return tc;
}

static void
tact_conv_free (TactConv *tc)
{
  g_clear_pointer (&tc->analysis, tact_analysis_unref);
  g_clear_pointer (&tc->view, tact_view_free);
  g_free (tc->mention_by);
  g_free (tc->held);
  g_free (tc);
}

void
tact_conv_clear (PurpleConversation *conv)
{
  TactConv *tc = tact_conv_get (conv);

  if (tc == NULL)
    return;
  /* Tell UIs first: a view they borrowed dies with the struct. */
  tact_ipc_emit_cleared (conv);
  purple_conversation_set_data (conv, CONV_KEY, NULL);
  tact_conv_free (tc);
}

void
tact_conv_clear_all (void)
{
  for (GList *l = purple_get_conversations (); l != NULL; l = l->next)
    tact_conv_clear (l->data);
}

void
tact_conv_write_system (PurpleConversation *conv, const char *html)
{
  gboolean was_writing = tact->writing;

  tact->writing = TRUE;
  purple_conversation_write (conv, NULL, html, PURPLE_MESSAGE_SYSTEM | PURPLE_MESSAGE_NO_LOG,
                             time (NULL));
  tact->writing = was_writing;
}

void
tact_conv_notice (PurpleConversation *conv, const char *format, ...)
{
  g_autofree char *text = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *html = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  plain = g_strconcat ("[tact] ", text, NULL);
  html = g_markup_escape_text (plain, -1);
  tact_conv_write_system (conv, html);
}

static char *
strip_resource (const char *who)
{
  char *out = g_strdup (who);
  char *slash = strchr (out, '/');

  if (slash != NULL)
    *slash = '\0';
  return out;
}

char *
tact_conv_contact_name (PurpleAccount *account, const char *who, PurpleConversation *chat)
{
  PurpleBuddy *buddy;
  const char *alias = NULL;

  if (chat != NULL)
    {
      PurpleConvChatBuddy *cb = purple_conv_chat_cb_find (PURPLE_CONV_CHAT (chat), who);
      if (cb != NULL && cb->alias != NULL && *cb->alias != '\0')
        return g_strdup (cb->alias);
      return g_strdup (who);
    }

  buddy = purple_find_buddy (account, who);
  if (buddy == NULL)
    {
      g_autofree char *bare = strip_resource (who);
      buddy = purple_find_buddy (account, bare);
    }
  if (buddy != NULL)
    {
      alias = purple_buddy_get_local_buddy_alias (buddy);
      if (alias == NULL || *alias == '\0')
        alias = purple_buddy_get_server_alias (buddy);
      if (alias == NULL || *alias == '\0')
        alias = purple_buddy_get_contact_alias (buddy);
    }
  if (alias != NULL && *alias != '\0')
    return g_strdup (alias);
  return strip_resource (who);
}

char *
tact_conv_contact_id (PurpleConversation *conv)
{
  return strip_resource (purple_conversation_get_name (conv));
}

void
tact_conv_fill_context (TactContext *ctx, const char *name)
{
  memset (ctx, 0, sizeof *ctx);
  ctx->name = name;
  ctx->agent = purple_prefs_get_string (TACT_PREF_AGENT);
  ctx->company = purple_prefs_get_string (TACT_PREF_COMPANY);
  ctx->product = purple_prefs_get_string (TACT_PREF_PRODUCT);
  ctx->greet_handles_by_name = purple_prefs_get_bool (TACT_PREF_GREET_NAMES);
}
