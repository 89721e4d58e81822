/* Conversation signals: incoming IMs and mentions in chats are analysed,
 * outgoing IMs to contacts on the do-not-contact list are held.
 *
 * The first incoming IM of a conversation arrives with conv == NULL (the
 * conversation is created after received-im-msg), so every incoming
 * message is queued and handled from an idle callback, in arrival order,
 * once the conversation exists.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tact-private.h"

#include <string.h>

typedef struct {
  PurpleAccount *account;
  char          *who;
  char          *conv_name;  /* chats: the room; IMs: NULL (= who) */
  char          *text;       /* plain text, HTML stripped */
  gint64         when;
} Pending;

static GQueue pending = G_QUEUE_INIT;
static guint  pending_id;

static void
pending_free (gpointer data)
{
  Pending *p = data;

  g_free (p->who);
  g_free (p->conv_name);
  g_free (p->text);
  g_free (p);
}

static gboolean
skip_flags (PurpleMessageFlags flags)
{
  return (flags & (PURPLE_MESSAGE_DELAYED | PURPLE_MESSAGE_AUTO_RESP | PURPLE_MESSAGE_SEND
                   | PURPLE_MESSAGE_SYSTEM | PURPLE_MESSAGE_NOTIFY | PURPLE_MESSAGE_ERROR)) != 0;
}

void
tact_hooks_publish (PurpleConversation *conv, PurpleAccount *account, const char *who,
                    const char *text, gint64 when)
{
  gboolean is_chat = purple_conversation_get_type (conv) == PURPLE_CONV_TYPE_CHAT;
  g_autofree char *name = tact_conv_contact_name (account, who, is_chat ? conv : NULL);
  g_autoptr (GString) labels = g_string_new (NULL);
  TactConv *tc = tact_conv_ensure (conv);
  TactAnalysis *analysis;
  gboolean opted_out = FALSE;
  TactContext ctx;

  analysis = tact_engine_analyze (tact->engine, text, -1);
  for (guint i = 0; i < analysis->n_labels; i++)
    g_string_append_printf (labels, "%s%s", i ? "," : "", tact_label_id (analysis->labels[i].label));
  /* Labels only: message text never goes to the debug log. */
  purple_debug_misc (TACT_LOG_DOMAIN, "analysed: %s\n", labels->len ? labels->str : "neutral");

  if (!is_chat)
    {
      const TactLabelHit *opt_out = tact_analysis_find (analysis, TACT_LABEL_OPT_OUT);
      /* An opt-out silences the contact for good, so only a cue's opt-out
       * does that on its own; one only the judge saw is shown with its
       * confirmation, and confirming it lists the contact. */
      if (opt_out != NULL && !opt_out->judged)
        tact_optout_add (account, who, "label");
      opted_out = tact_optout_has (account, who);
    }

  tact_conv_fill_context (&ctx, name);
  g_clear_pointer (&tc->analysis, tact_analysis_unref);
  g_clear_pointer (&tc->view, tact_view_free);
  g_clear_pointer (&tc->mention_by, g_free);
  tc->analysis = analysis;
  tc->view = tact_view_build (tact->engine, analysis, &ctx, opted_out, when);
  if (is_chat)
    tc->mention_by = g_strdup (name);

  if (tact_plugin_inline_enabled ())
    {
      g_autofree char *line = NULL;

      line = tact_view_format_line (tact_view_get (tc->view), tc->mention_by, FALSE);
      tact_conv_write_system (conv, line);
    }
  tact_ipc_emit_analyzed (conv, tact_view_get (tc->view));
}

static gboolean
account_alive (PurpleAccount *account)
{
  return g_list_find (purple_accounts_get_all (), account) != NULL;
}

static gboolean
drain_pending (gpointer user_data)
{
  Pending *p;

  pending_id = 0;
  while ((p = g_queue_pop_head (&pending)) != NULL)
    {
      PurpleConversation *conv = NULL;

      if (account_alive (p->account))
        conv = purple_find_conversation_with_account (
            p->conv_name != NULL ? PURPLE_CONV_TYPE_CHAT : PURPLE_CONV_TYPE_IM,
            p->conv_name != NULL ? p->conv_name : p->who, p->account);
      if (conv != NULL)
        tact_hooks_publish (conv, p->account, p->who, p->text, p->when);
      else
        purple_debug_misc (TACT_LOG_DOMAIN, "conversation gone before analysis\n");
      pending_free (p);
    }
  return G_SOURCE_REMOVE;
}

static void
enqueue (PurpleAccount *account, const char *who, const char *conv_name, const char *html)
{
  Pending *p = g_new0 (Pending, 1);

  p->account = account;
  p->who = g_strdup (who);
  p->conv_name = g_strdup (conv_name);
  p->text = purple_markup_strip_html (html);
  p->when = g_get_real_time () / G_USEC_PER_SEC;
  g_queue_push_tail (&pending, p);
  if (pending_id == 0)
    pending_id = g_idle_add (drain_pending, NULL);
}

static void
on_received_im (PurpleAccount *account, char *sender, char *message, PurpleConversation *conv,
                PurpleMessageFlags flags)
{
  if (tact->writing || skip_flags (flags) || message == NULL || sender == NULL)
    return;
  enqueue (account, sender, NULL, message);
}

static void
on_received_chat (PurpleAccount *account, char *sender, char *message, PurpleConversation *conv,
                  PurpleMessageFlags flags)
{
  /* In a room only a message addressed to us is ours to answer. */
  if (tact->writing || skip_flags (flags) || !(flags & PURPLE_MESSAGE_NICK) || conv == NULL
      || message == NULL)
    return;
  enqueue (account, sender, purple_conversation_get_name (conv), message);
}

static void
on_sending_im (PurpleAccount *account, const char *receiver, char **message)
{
  PurpleConversation *conv;
  TactConv *tc;

  if (message == NULL || *message == NULL || tact_send_is_bypassing ()
      || !tact_optout_has (account, receiver))
    return;

  conv = purple_find_conversation_with_account (PURPLE_CONV_TYPE_IM, receiver, account);
  if (conv != NULL)
    {
      tc = tact_conv_ensure (conv);
      g_free (tc->held);
      tc->held = g_strdup (*message);
      tact_conv_notice (conv, "%s",
                        _("Not sent: this contact asked not to be contacted (do-not-contact "
                          "list). /tact send-anyway sends it once · /tact optout remove "
                          "takes them off the list"));
    }
  purple_debug_info (TACT_LOG_DOMAIN, "held a message to a do-not-contact entry\n");
  g_free (*message);
  *message = NULL;
}

static void
on_deleting_conversation (PurpleConversation *conv)
{
  tact_conv_clear (conv);
}

void
tact_hooks_connect (PurplePlugin *plugin)
{
  void *convs = purple_conversations_get_handle ();

  purple_signal_connect (convs, "received-im-msg", plugin, PURPLE_CALLBACK (on_received_im), NULL);
  purple_signal_connect (convs, "received-chat-msg", plugin, PURPLE_CALLBACK (on_received_chat),
                         NULL);
  purple_signal_connect (convs, "sending-im-msg", plugin, PURPLE_CALLBACK (on_sending_im), NULL);
  purple_signal_connect (convs, "deleting-conversation", plugin,
                         PURPLE_CALLBACK (on_deleting_conversation), NULL);
}

void
tact_hooks_shutdown (void)
{
  g_clear_handle_id (&pending_id, g_source_remove);
  g_queue_clear_full (&pending, pending_free);
}
