/* purple-tact — a TEST DOUBLE of the core plugin (id core-purple-tact).
 *
 * Only for tests/pidgin when the real core plugin (plugin/purple) is not
 * built: it implements the contract of tact-view.h (signals + IPC) with a
 * canned analysis, so the Pidgin bar can be exercised on its own.  It is
 * never installed.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include <glib.h>
#include <purple.h>

#include "tact-view.h"

#define PREF_ROOT "/plugins/core/purple-tact"

typedef struct {
  TactView view;
  char *followup;
  char *sugg[3];
} StubState;

static PurplePlugin *stub;
static GHashTable *states;   /* PurpleConversation* -> StubState* */
static int inline_lines = 1;

static void
state_free (gpointer p)
{
  StubState *st = p;

  g_free (st->followup);
  for (int i = 0; i < 3; i++)
    g_free (st->sugg[i]);
  g_free (st);
}

static StubState *
analyse (PurpleConversation *conv, const char *text)
{
  StubState *st = g_new0 (StubState, 1);
  const char *agent = purple_prefs_get_string (PREF_ROOT "/agent_name");
  const char *company = purple_prefs_get_string (PREF_ROOT "/company_name");
  char *lower = g_utf8_strdown (text, -1);

  st->view.lang = "en";
  st->view.primary = "neutral";
  if (strstr (lower, "stop") != NULL)
    {
      st->view.primary = "opt-out";
      st->view.n_labels = 1;
      st->view.labels[0] = (TactViewLabel) { "opt-out", "Opt-out", 1.0, "stop",
                                             "Apologise, confirm removal, no pitch." };
    }
  else if (strstr (lower, "automated") != NULL || strstr (lower, "spam") != NULL)
    {
      st->view.primary = "automation-question";
      st->view.n_labels = 1;
      st->view.labels[0] = (TactViewLabel) { "automation-question", "Automation question",
                                             0.9, "automated message",
                                             "Be honest: the first message was automated." };
      st->followup = g_strdup_printf ("Hi there, yes: that first message was sent by our "
                                      "outreach tool. I'm %s from %s, a real person.",
                                      agent ? agent : "", company ? company : "");
      st->view.followup = st->followup;
    }
  else if (strstr (lower, "idiot") != NULL)
    {
      st->view.primary = "abusive";
      st->view.n_labels = 1;
      st->view.labels[0] = (TactViewLabel) { "abusive", "Abusive", 0.9, "idiot",
                                             "Do not answer in kind." };
    }
  if (g_strcmp0 (st->view.primary, "neutral") != 0)
    {
      st->sugg[0] = g_strdup ("Short reply from the stub.");
      st->sugg[1] = g_strdup ("A warmer reply from the stub, long enough to be ellipsized.");
      st->view.n_suggestions = 2;
      st->view.suggestions[0] = (TactViewSuggestion) { "stub-1", st->sugg[0], FALSE };
      st->view.suggestions[1] = (TactViewSuggestion) { "stub-2", st->sugg[1], FALSE };
    }
  g_free (lower);
  return st;
}

typedef struct {
  PurpleAccount *account;
  char *who;
  char *text;
} Pending;

static gboolean
emit_later (gpointer data)
{
  Pending *p = data;
  PurpleConversation *conv =
    purple_find_conversation_with_account (PURPLE_CONV_TYPE_IM, p->who, p->account);

  if (conv != NULL)
    {
      StubState *st = analyse (conv, p->text);

      g_hash_table_replace (states, conv, st);
      purple_debug_info ("tact-stub", "analysed: %s\n", st->view.primary);
      purple_signal_emit (stub, "tact-analyzed", conv, &st->view);
    }
  g_free (p->who);
  g_free (p->text);
  g_free (p);
  return G_SOURCE_REMOVE;
}

static void
received_im_cb (PurpleAccount *account, char *sender, char *message,
                PurpleConversation *conv, PurpleMessageFlags flags)
{
  Pending *p = g_new0 (Pending, 1);

  p->account = account;
  p->who = g_strdup (sender);
  p->text = purple_markup_strip_html (message);
  g_timeout_add (0, emit_later, p);
}

static void
deleting_cb (PurpleConversation *conv)
{
  if (g_hash_table_remove (states, conv))
    purple_signal_emit (stub, "tact-conversation-cleared", conv);
}

static gpointer
ipc_get_view (PurpleConversation *conv)
{
  StubState *st = g_hash_table_lookup (states, conv);

  return st ? &st->view : NULL;
}

static gboolean
ipc_send_followup (PurpleConversation *conv)
{
  StubState *st = g_hash_table_lookup (states, conv);

  if (st == NULL || st->followup == NULL)
    return FALSE;
  purple_conv_im_send (PURPLE_CONV_IM (conv), st->followup);
  return TRUE;
}

static gboolean
ipc_send_suggestion (PurpleConversation *conv, int index)
{
  StubState *st = g_hash_table_lookup (states, conv);

  if (st == NULL || index < 0 || (guint) index >= st->view.n_suggestions)
    return FALSE;
  purple_conv_im_send (PURPLE_CONV_IM (conv), st->sugg[index]);
  return TRUE;
}

static gboolean
ipc_confirm_optout (PurpleConversation *conv)
{
  return ipc_send_suggestion (conv, 0);
}

static void
ipc_set_inline_lines (int enabled)
{
  inline_lines = enabled;
  purple_debug_info ("tact-stub", "inline lines %d\n", enabled);
}

static void
marshal_BOOLEAN__POINTER_INT (PurpleCallback cb, va_list args, void *data,
                              void **return_val)
{
  void *a1 = va_arg (args, void *);
  int a2 = va_arg (args, int);
  gboolean ret = ((gboolean (*) (void *, int, void *)) cb) (a1, a2, data);

  if (return_val != NULL)
    *return_val = GINT_TO_POINTER (ret);
}

static gboolean
plugin_load (PurplePlugin *plugin)
{
  stub = plugin;
  states = g_hash_table_new_full (NULL, NULL, NULL, state_free);
  purple_signal_register (plugin, "tact-analyzed", purple_marshal_VOID__POINTER_POINTER,
                          NULL, 2,
                          purple_value_new (PURPLE_TYPE_SUBTYPE, PURPLE_SUBTYPE_CONVERSATION),
                          purple_value_new (PURPLE_TYPE_POINTER));
  purple_signal_register (plugin, "tact-conversation-cleared", purple_marshal_VOID__POINTER,
                          NULL, 1,
                          purple_value_new (PURPLE_TYPE_SUBTYPE, PURPLE_SUBTYPE_CONVERSATION));
  purple_plugin_ipc_register (plugin, "get-view", PURPLE_CALLBACK (ipc_get_view),
                              purple_marshal_POINTER__POINTER,
                              purple_value_new (PURPLE_TYPE_POINTER), 1,
                              purple_value_new (PURPLE_TYPE_POINTER));
  purple_plugin_ipc_register (plugin, "send-followup", PURPLE_CALLBACK (ipc_send_followup),
                              purple_marshal_BOOLEAN__POINTER,
                              purple_value_new (PURPLE_TYPE_BOOLEAN), 1,
                              purple_value_new (PURPLE_TYPE_POINTER));
  purple_plugin_ipc_register (plugin, "confirm-optout", PURPLE_CALLBACK (ipc_confirm_optout),
                              purple_marshal_BOOLEAN__POINTER,
                              purple_value_new (PURPLE_TYPE_BOOLEAN), 1,
                              purple_value_new (PURPLE_TYPE_POINTER));
  purple_plugin_ipc_register (plugin, "send-suggestion", PURPLE_CALLBACK (ipc_send_suggestion),
                              marshal_BOOLEAN__POINTER_INT,
                              purple_value_new (PURPLE_TYPE_BOOLEAN), 2,
                              purple_value_new (PURPLE_TYPE_POINTER),
                              purple_value_new (PURPLE_TYPE_INT));
  purple_plugin_ipc_register (plugin, "set-inline-lines", PURPLE_CALLBACK (ipc_set_inline_lines),
                              purple_marshal_VOID__INT, NULL, 1,
                              purple_value_new (PURPLE_TYPE_INT));
  purple_signal_connect (purple_conversations_get_handle (), "received-im-msg", plugin,
                         PURPLE_CALLBACK (received_im_cb), NULL);
  purple_signal_connect (purple_conversations_get_handle (), "deleting-conversation", plugin,
                         PURPLE_CALLBACK (deleting_cb), NULL);
  purple_debug_info ("tact-stub", "test double of the core plugin loaded\n");
  return TRUE;
}

static gboolean
plugin_unload (PurplePlugin *plugin)
{
  purple_signals_unregister_by_instance (plugin);
  purple_plugin_ipc_unregister_all (plugin);
  g_clear_pointer (&states, g_hash_table_destroy);
  return TRUE;
}

static PurplePluginInfo info = {
  PURPLE_PLUGIN_MAGIC, PURPLE_MAJOR_VERSION, PURPLE_MINOR_VERSION,
  PURPLE_PLUGIN_STANDARD, NULL, 0, NULL, PURPLE_PRIORITY_DEFAULT,
  TACT_CORE_PLUGIN_ID, "Tact (test double)", "0", "Test double of the core plugin",
  "Test double of the core plugin for tests/pidgin.", "purple-tact tests", NULL,
  plugin_load, plugin_unload, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
};

static void
init_plugin (PurplePlugin *plugin)
{
  purple_prefs_add_none ("/plugins/core");
  purple_prefs_add_none (PREF_ROOT);
  purple_prefs_add_string (PREF_ROOT "/agent_name", "");
  purple_prefs_add_string (PREF_ROOT "/company_name", "");
}

PURPLE_INIT_PLUGIN (tact_core_stub, init_plugin, info)
