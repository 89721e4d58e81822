/* Signals and IPC calls for UI plugins, exactly as documented in
 * tact-view.h.  UI plugins get plain data (TactView) and never link the
 * engine.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tact-private.h"

/* libpurple has no BOOLEAN__POINTER_INT marshaller; an int travels as int
 * through varargs, so read it as one. */
static void
marshal_BOOLEAN__POINTER_INT (PurpleCallback cb, va_list args, void *data, void **return_val)
{
  gboolean (*fn) (void *, int, void *) = (gboolean (*) (void *, int, void *)) cb;
  void *arg1 = va_arg (args, void *);
  int arg2 = va_arg (args, int);
  gboolean ret = fn (arg1, arg2, data);

  if (return_val != NULL)
    *return_val = GINT_TO_POINTER (ret);
}

static gboolean
conv_alive (PurpleConversation *conv)
{
  return conv != NULL && g_list_find (purple_get_conversations (), conv) != NULL;
}

static const TactView *
ipc_get_view (PurpleConversation *conv, gpointer data)
{
  TactConv *tc = conv_alive (conv) ? tact_conv_get (conv) : NULL;

  return tc != NULL ? tact_view_get (tc->view) : NULL;
}

static gboolean
ipc_send_suggestion (PurpleConversation *conv, int index, gpointer data)
{
  g_autoptr (GError) error = NULL;

  if (!conv_alive (conv) || index < 0)
    return FALSE;
  if (!tact_send_suggestion (conv, (guint) index, &error))
    {
      purple_debug_info (TACT_LOG_DOMAIN, "send-suggestion: %s\n", error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
ipc_send_followup (PurpleConversation *conv, gpointer data)
{
  g_autoptr (GError) error = NULL;

  if (!conv_alive (conv))
    return FALSE;
  if (!tact_send_followup (conv, &error))
    {
      tact_conv_notice (conv, "%s", error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
ipc_confirm_optout (PurpleConversation *conv, gpointer data)
{
  return conv_alive (conv) && tact_send_optout_confirmation (conv);
}

static void
ipc_set_inline_lines (int enabled, gpointer data)
{
  if (tact != NULL)
    tact->inline_blocked = !enabled;
}

void
tact_ipc_register (PurplePlugin *plugin)
{
  purple_signal_register (plugin, "tact-analyzed", purple_marshal_VOID__POINTER_POINTER, NULL, 2,
                          purple_value_new (PURPLE_TYPE_SUBTYPE, PURPLE_SUBTYPE_CONVERSATION),
                          purple_value_new (PURPLE_TYPE_POINTER));
  purple_signal_register (plugin, "tact-conversation-cleared", purple_marshal_VOID__POINTER, NULL,
                          1, purple_value_new (PURPLE_TYPE_SUBTYPE, PURPLE_SUBTYPE_CONVERSATION));

  purple_plugin_ipc_register (plugin, "get-view", PURPLE_CALLBACK (ipc_get_view),
                              purple_marshal_POINTER__POINTER,
                              purple_value_new (PURPLE_TYPE_POINTER), 1,
                              purple_value_new (PURPLE_TYPE_SUBTYPE, PURPLE_SUBTYPE_CONVERSATION));
  purple_plugin_ipc_register (plugin, "send-suggestion", PURPLE_CALLBACK (ipc_send_suggestion),
                              marshal_BOOLEAN__POINTER_INT,
                              purple_value_new (PURPLE_TYPE_BOOLEAN), 2,
                              purple_value_new (PURPLE_TYPE_SUBTYPE, PURPLE_SUBTYPE_CONVERSATION),
                              purple_value_new (PURPLE_TYPE_INT));
  purple_plugin_ipc_register (plugin, "send-followup", PURPLE_CALLBACK (ipc_send_followup),
                              purple_marshal_BOOLEAN__POINTER,
                              purple_value_new (PURPLE_TYPE_BOOLEAN), 1,
                              purple_value_new (PURPLE_TYPE_SUBTYPE, PURPLE_SUBTYPE_CONVERSATION));
  purple_plugin_ipc_register (plugin, "confirm-optout", PURPLE_CALLBACK (ipc_confirm_optout),
                              purple_marshal_BOOLEAN__POINTER,
                              purple_value_new (PURPLE_TYPE_BOOLEAN), 1,
                              purple_value_new (PURPLE_TYPE_SUBTYPE, PURPLE_SUBTYPE_CONVERSATION));
  purple_plugin_ipc_register (plugin, "set-inline-lines", PURPLE_CALLBACK (ipc_set_inline_lines),
                              purple_marshal_VOID__INT, NULL, 1,
                              purple_value_new (PURPLE_TYPE_INT));
}

void
tact_ipc_unregister (PurplePlugin *plugin)
{
  purple_plugin_ipc_unregister_all (plugin);
  purple_signals_unregister_by_instance (plugin);
}

void
tact_ipc_emit_analyzed (PurpleConversation *conv, const TactView *view)
{
  purple_signal_emit (tact->plugin, "tact-analyzed", conv, view);
}

void
tact_ipc_emit_cleared (PurpleConversation *conv)
{
  purple_signal_emit (tact->plugin, "tact-conversation-cleared", conv);
}
