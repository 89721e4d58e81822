/* Everything the plugin sends goes through the conversation, exactly like
 * a message the rep typed: the UI shows it, other plugins see it, and the
 * do-not-contact check in sending-im-msg applies.
 *
 * Follow-ups are recorded per contact in <purple user dir>/tact/state.json
 * (batched writes) so a second one within ten minutes asks first.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tact-private.h"

#include <string.h>

#define STATE_SCHEMA "purple-tact-state/1"

typedef struct {
  PurpleAccount *account;
  char          *who;
  char          *text;
} FollowupRequest;

static TactStore  *store;
static GHashTable *followups;   /* optout-style key → gint64* unix seconds */
static GList      *requests;    /* FollowupRequest* still waiting for an answer */
static gboolean    bypassing;

static gint64 *
new_time (gint64 t)
{
  gint64 *p = g_new (gint64, 1);

  *p = t;
  return p;
}

static json_t *
snapshot (gpointer user_data)
{
  json_t *fu = json_object ();
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, followups);
  while (g_hash_table_iter_next (&iter, &key, &value))
    json_object_set_new (fu, key, json_integer (*(gint64 *) value));
  return json_pack ("{s:s, s:o}", "schema", STATE_SCHEMA, "followups", fu);
}

gboolean
tact_send_init (const char *state_dir, GError **error)
{
  g_autofree char *path = g_build_filename (state_dir, "state.json", NULL);
  json_t *root;
  json_t *fu;
  const char *key;
  json_t *value;

  followups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  store = tact_store_new (path, snapshot, NULL);
  root = tact_store_load (store, error);
  if (root == NULL)
    return error == NULL || *error == NULL;
  fu = json_object_get (root, "followups");
  json_object_foreach (fu, key, value)
    if (json_is_integer (value))
      g_hash_table_insert (followups, g_strdup (key),
                           new_time (json_integer_value (value)));
  json_decref (root);
  return TRUE;
}

static void
request_free (FollowupRequest *req)
{
  g_free (req->who);
  g_free (req->text);
  g_free (req);
}

void
tact_send_shutdown (void)
{
  /* Closing without an answer does not call our callbacks: free here. */
  if (tact != NULL)
    purple_request_close_with_handle (tact->plugin);
  g_list_free_full (g_steal_pointer (&requests), (GDestroyNotify) request_free);
  g_clear_pointer (&store, tact_store_free);
  g_clear_pointer (&followups, g_hash_table_unref);
}

gboolean
tact_send_is_bypassing (void)
{
  return bypassing;
}

gboolean
tact_send_text (PurpleConversation *conv, const char *text, gboolean bypass_optout)
{
  g_autofree char *escaped = NULL;
  g_auto (GStrv) lines = NULL;
  g_autofree char *html = NULL;

  if (text == NULL || *text == '\0')
    return FALSE;
  /* Plain text in, HTML out: an alias like "<img src=x>" stays text. */
  escaped = g_markup_escape_text (text, -1);
  lines = g_strsplit (escaped, "\n", -1);
  html = g_strjoinv ("<br>", lines);

  bypassing = bypass_optout;
  switch (purple_conversation_get_type (conv))
    {
    case PURPLE_CONV_TYPE_IM:
      purple_conv_im_send (PURPLE_CONV_IM (conv), html);
      break;
    case PURPLE_CONV_TYPE_CHAT:
      purple_conv_chat_send (PURPLE_CONV_CHAT (conv), html);
      break;
    default:
      bypassing = FALSE;
      return FALSE;
    }
  bypassing = FALSE;
  return TRUE;
}

/* Puts the contact of an IM on the do-not-contact list, as the rep
 * confirms their opt-out.  FALSE for a chat (no single contact). */
static gboolean
list_contact (PurpleConversation *conv)
{
  g_autofree char *who = NULL;

  if (purple_conversation_get_type (conv) != PURPLE_CONV_TYPE_IM)
    return FALSE;
  who = tact_conv_contact_id (conv);
  tact_optout_add (purple_conversation_get_account (conv), who, "command");
  return TRUE;
}

gboolean
tact_send_suggestion (PurpleConversation *conv, guint index, GError **error)
{
  TactConv *tc = tact_conv_get (conv);
  const TactView *view = tc != NULL ? tact_view_get (tc->view) : NULL;

  if (view == NULL || index >= view->n_suggestions)
    {
      g_set_error (error, TACT_ERROR, TACT_ERROR_INPUT,
                   view == NULL ? _("No analysed message in this conversation yet.")
                                : _("There is no suggestion with that number."));
      return FALSE;
    }
  gboolean confirms = tact_view_suggestion_label (tc->view, index) == TACT_LABEL_OPT_OUT;

  /* Sending the opt-out confirmation confirms the opt-out: the contact goes
   * on the list (an opt-out only the judge saw was not listed by itself). */
  if (confirms)
    list_contact (conv);
  /* Confirming an opt-out is the one message a listed contact should get. */
  return tact_send_text (conv, view->suggestions[index].text, confirms);
}

gboolean
tact_send_optout_confirmation (PurpleConversation *conv)
{
  TactConv *tc = tact_conv_get (conv);
  const TactView *view = tc != NULL ? tact_view_get (tc->view) : NULL;

  if (!list_contact (conv))
    return FALSE;
  if (view == NULL || view->n_suggestions == 0
      || tact_view_suggestion_label (tc->view, 0) != TACT_LABEL_OPT_OUT)
    return FALSE;
  return tact_send_text (conv, view->suggestions[0].text, TRUE);
}

static void
record_followup (PurpleAccount *account, const char *who)
{
  g_hash_table_replace (followups, tact_optout_key (account, who),
                        new_time (g_get_real_time () / G_USEC_PER_SEC));
  tact_store_schedule (store, TACT_STORE_BATCH_MS);
}

static void
deliver_followup (PurpleConversation *conv, const char *who, const char *text)
{
  if (tact_send_text (conv, text, FALSE))
    record_followup (purple_conversation_get_account (conv), who);
}

static void
on_request_send (FollowupRequest *req, int action)
{
  requests = g_list_remove (requests, req);
  if (tact != NULL && g_list_find (purple_accounts_get_all (), req->account) != NULL)
    {
      /* The window may have been closed meanwhile: reopen it. */
      PurpleConversation *conv = purple_conversation_new (PURPLE_CONV_TYPE_IM, req->account,
                                                          req->who);
      deliver_followup (conv, req->who, req->text);
    }
  request_free (req);
}

static void
on_request_cancel (FollowupRequest *req, int action)
{
  requests = g_list_remove (requests, req);
  request_free (req);
}

gboolean
tact_send_followup (PurpleConversation *conv, GError **error)
{
  PurpleAccount *account = purple_conversation_get_account (conv);
  TactConv *tc = tact_conv_get (conv);
  g_autofree char *who = NULL;
  g_autofree char *name = NULL;
  g_autofree char *key = NULL;
  g_autofree char *text = NULL;
  TactContext ctx;
  gint64 *last;

  if (purple_conversation_get_type (conv) != PURPLE_CONV_TYPE_IM)
    {
      g_set_error (error, TACT_ERROR, TACT_ERROR_INPUT,
                   _("The follow-up is for private conversations."));
      return FALSE;
    }
  who = tact_conv_contact_id (conv);
  name = tact_conv_contact_name (account, who, NULL);
  tact_conv_fill_context (&ctx, name);
  text = tact_engine_followup (tact->engine, tc != NULL && tc->analysis ? tc->analysis->lang : NULL,
                               tc != NULL ? tc->analysis : NULL, &ctx);
  if (text == NULL)
    {
      g_set_error (error, TACT_ERROR, TACT_ERROR_INPUT,
                   _("This contact opted out: send the opt-out confirmation (/tact use 1) "
                     "instead of the follow-up."));
      return FALSE;
    }

  key = tact_optout_key (account, who);
  last = g_hash_table_lookup (followups, key);
  if (last != NULL && g_get_real_time () / G_USEC_PER_SEC - *last < TACT_FOLLOWUP_CONFIRM_SECS)
    {
      FollowupRequest *req = g_new0 (FollowupRequest, 1);
      g_autofree char *primary = g_strdup_printf (_("Send the follow-up to %s again?"), name);

      req->account = account;
      req->who = g_strdup (who);
      req->text = g_steal_pointer (&text);
      requests = g_list_prepend (requests, req);
      /* The request API: Pidgin shows a dialog, Finch a window. */
      purple_request_action (tact->plugin, _("Tact"), primary,
                             _("You sent the automation follow-up to this contact less than "
                               "10 minutes ago."),
                             1, account, who, conv, req, 2, _("_Send again"),
                             PURPLE_CALLBACK (on_request_send), _("_Cancel"),
                             PURPLE_CALLBACK (on_request_cancel));
      return TRUE;
    }
  deliver_followup (conv, who, text);
  return TRUE;
}

gboolean
tact_send_held (PurpleConversation *conv, GError **error)
{
  TactConv *tc = tact_conv_get (conv);
  g_autofree char *held = NULL;

  if (tc == NULL || tc->held == NULL || purple_conversation_get_type (conv) != PURPLE_CONV_TYPE_IM)
    {
      g_set_error (error, TACT_ERROR, TACT_ERROR_INPUT, _("No held message to send."));
      return FALSE;
    }
  held = g_steal_pointer (&tc->held);
  /* Already HTML as typed: send it as is, once. */
  bypassing = TRUE;
  purple_conv_im_send (PURPLE_CONV_IM (conv), held);
  bypassing = FALSE;
  return TRUE;
}
