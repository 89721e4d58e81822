/* A headless libpurple client for the end-to-end tests.
 *
 * It plays the sales rep: loads purple-tact from the build tree, signs in
 * to a local XMPP server and is driven by a test script through a line
 * protocol.  Every line on stdin is one JSON command; every line on stdout
 * is one JSON event, so the script can wait for events with deadlines.
 *
 *   commands: {"cmd":"login","jid":…,"password":…,"port":N}
 *             {"cmd":"load"} {"cmd":"unload"}
 *             {"cmd":"pref","path":…,"string":…} / {"cmd":"pref","path":…,"bool":true}
 *             / {"cmd":"pref","path":…,"path_value":…}
 *             {"cmd":"alias","who":…,"alias":…}   local roster alias
 *             {"cmd":"command","who":…,"line":"tact use 2"}
 *             {"cmd":"send","who":…,"html":…}     like typing into the conversation
 *             {"cmd":"answer","action":N}          how to answer later requests (-1: never)
 *             {"cmd":"view","who":…}               the "get-view" IPC call
 *             {"cmd":"quit"}
 *   events:   {"ev":"ready"} {"ev":"ok","cmd":…} {"ev":"error","cmd":…,"message":…}
 *             {"ev":"signed-on"} {"ev":"connection-error","message":…}
 *             {"ev":"write","conv":…,"who":…,"flags":N,"system":bool,"msg":…}
 *             {"ev":"sent","to":…,"msg":…}  (sent-im-msg)
 *             {"ev":"analyzed","conv":…,"view":{…}}  (tact-analyzed)
 *             {"ev":"request","primary":…,"answer":N}
 *             {"ev":"command","status":N,"error":…}
 *
 * With --leak-cycles N --jid J --password P --port N it signs in, then
 * loads, exercises and unloads the plugin N times and exits (run it under
 * valgrind or LeakSanitizer).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <purple.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tact-view.h"

#define UI_ID "tact-tests"
#define CLIENT_ERROR (g_quark_from_static_string ("tact-client"))

static GMainLoop    *loop;
static PurplePlugin *plugin;
static PurpleAccount *account;
static int           answer_policy = 0;
static int           exit_status = 0;

/* ---- events ----------------------------------------------------------- */

static void
emit (json_t *event)
{
  char *text = json_dumps (event, JSON_COMPACT);

  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);   /* LeakSanitizer exits without flushing */
  free (text);
  json_decref (event);
}

static json_t *
view_to_json (const TactView *view)
{
  json_t *labels = json_array ();
  json_t *suggestions = json_array ();

  if (view == NULL)
    return json_null ();
  for (guint i = 0; i < view->n_labels; i++)
    json_array_append_new (labels, json_pack ("{s:s, s:s, s:f, s:s, s:s?, s:b}", "id", view->labels[i].id,
                                              "title", view->labels[i].title, "score",
                                              view->labels[i].score, "evidence",
                                              view->labels[i].evidence, "handling",
                                              view->labels[i].handling, "judged",
                                              (view->judged & (1u << i)) != 0));
  for (guint i = 0; i < view->n_suggestions; i++)
    json_array_append_new (suggestions,
                           json_pack ("{s:s, s:s, s:b}", "id", view->suggestions[i].id, "text",
                                      view->suggestions[i].text, "needs_edit",
                                      view->suggestions[i].needs_edit));
  return json_pack ("{s:s, s:s, s:f, s:o, s:o, s:s?, s:b, s:b}", "lang", view->lang, "primary",
                    view->primary, "polarity", view->polarity, "labels", labels, "suggestions",
                    suggestions, "followup", view->followup, "opted_out", view->opted_out,
                    "offer_block", view->offer_block);
}

/* ---- libpurple ui ops -------------------------------------------------- */

typedef struct {
  guint         result;
  GIOChannel   *channel;
  PurpleInputFunction function;
  gpointer      data;
} InputClosure;

static gboolean
io_invoke (GIOChannel *source, GIOCondition condition, gpointer data)
{
  InputClosure *closure = data;
  int cond = 0;

  if (condition & (G_IO_IN | G_IO_HUP | G_IO_ERR))
    cond |= PURPLE_INPUT_READ;
  if (condition & (G_IO_OUT | G_IO_HUP | G_IO_ERR | G_IO_NVAL))
    cond |= PURPLE_INPUT_WRITE;
  closure->function (closure->data, g_io_channel_unix_get_fd (source), cond);
  return TRUE;
}

static void
io_destroy (gpointer data)
{
  g_free (data);
}

static guint
input_add (gint fd, PurpleInputCondition condition, PurpleInputFunction function, gpointer data)
{
  InputClosure *closure = g_new0 (InputClosure, 1);
  GIOCondition cond = 0;

  closure->function = function;
  closure->data = data;
  if (condition & PURPLE_INPUT_READ)
    cond |= G_IO_IN | G_IO_HUP | G_IO_ERR;
  if (condition & PURPLE_INPUT_WRITE)
    cond |= G_IO_OUT | G_IO_HUP | G_IO_ERR | G_IO_NVAL;
  closure->channel = g_io_channel_unix_new (fd);
  closure->result = g_io_add_watch_full (closure->channel, G_PRIORITY_DEFAULT, cond, io_invoke,
                                         closure, io_destroy);
  g_io_channel_unref (closure->channel);
  return closure->result;
}

static PurpleEventLoopUiOps eventloop_ops = {
  g_timeout_add, g_source_remove, input_add, g_source_remove, NULL, g_timeout_add_seconds,
  NULL, NULL, NULL,
};

static void
write_conv (PurpleConversation *conv, const char *who, const char *alias, const char *message,
            PurpleMessageFlags flags, time_t mtime)
{
  emit (json_pack ("{s:s, s:s, s:s?, s:i, s:b, s:s}", "ev", "write", "conv",
                   purple_conversation_get_name (conv), "who", who, "flags", (int) flags, "system",
                   (flags & PURPLE_MESSAGE_SYSTEM) != 0, "msg", message != NULL ? message : ""));
}

static PurpleConversationUiOps conv_ops = {
  NULL, NULL, NULL, NULL, write_conv,
};

/* Requests are answered later, from the main loop, like a person would. */
typedef struct {
  GCallback *callbacks;
  size_t     count;
  void      *user_data;
  int        answer;
  guint      idle_id;
} PendingRequest;

static gboolean
answer_request (gpointer data)
{
  PendingRequest *req = data;
  PurpleRequestActionCb cb;

  req->idle_id = 0;
  cb = (PurpleRequestActionCb) req->callbacks[req->answer];
  if (cb != NULL)
    cb (req->user_data, req->answer);
  purple_request_close (PURPLE_REQUEST_ACTION, req);
  return G_SOURCE_REMOVE;
}

static void *
request_action (const char *title, const char *primary, const char *secondary, int default_action,
                PurpleAccount *acct, const char *who, PurpleConversation *conv, void *user_data,
                size_t action_count, va_list actions)
{
  PendingRequest *req = g_new0 (PendingRequest, 1);

  req->count = action_count;
  req->callbacks = g_new0 (GCallback, action_count);
  req->user_data = user_data;
  for (size_t i = 0; i < action_count; i++)
    {
      va_arg (actions, const char *);
      req->callbacks[i] = va_arg (actions, GCallback);
    }
  req->answer = answer_policy;
  emit (json_pack ("{s:s, s:s?, s:i}", "ev", "request", "primary", primary, "answer", answer_policy));
  if (answer_policy >= 0 && (size_t) answer_policy < action_count)
    req->idle_id = g_idle_add (answer_request, req);
  return req;
}

static void
close_request (PurpleRequestType type, void *handle)
{
  PendingRequest *req = handle;

  if (type != PURPLE_REQUEST_ACTION)
    return;
  g_clear_handle_id (&req->idle_id, g_source_remove);
  g_free (req->callbacks);
  g_free (req);
}

static PurpleRequestUiOps request_ops = {
  NULL, NULL, request_action, NULL, NULL, close_request, NULL, NULL, NULL, NULL, NULL,
};

static void
ui_init (void)
{
  purple_conversations_set_ui_ops (&conv_ops);
  purple_request_set_ui_ops (&request_ops);
}

static PurpleCoreUiOps core_ops = {
  NULL, NULL, ui_init, NULL, NULL, NULL, NULL, NULL,
};

/* ---- signals ----------------------------------------------------------- */

static int leak_cycle_count;

static void
on_signed_on (PurpleConnection *gc, gpointer data)
{
  emit (json_pack ("{s:s}", "ev", "signed-on"));
  if (leak_cycle_count > 0)
    g_main_loop_quit (loop);
}

static void
on_connection_error (PurpleConnection *gc, PurpleConnectionError reason, const char *desc,
                     gpointer data)
{
  emit (json_pack ("{s:s, s:s}", "ev", "connection-error", "message", desc ? desc : "?"));
  if (leak_cycle_count > 0)
    {
      exit_status = 1;
      g_main_loop_quit (loop);
    }
}

static void
on_sent_im (PurpleAccount *acct, const char *receiver, const char *message, gpointer data)
{
  emit (json_pack ("{s:s, s:s, s:s}", "ev", "sent", "to", receiver, "msg", message));
}

static void
on_analyzed (PurpleConversation *conv, const TactView *view, gpointer data)
{
  emit (json_pack ("{s:s, s:s, s:o}", "ev", "analyzed", "conv", purple_conversation_get_name (conv),
                   "view", view_to_json (view)));
}

static void
on_cleared (PurpleConversation *conv, gpointer data)
{
  emit (json_pack ("{s:s, s:s}", "ev", "cleared", "conv", purple_conversation_get_name (conv)));
}

static void
connect_core_signals (void)
{
  static int handle;

  purple_signal_connect (purple_connections_get_handle (), "signed-on", &handle,
                         PURPLE_CALLBACK (on_signed_on), NULL);
  purple_signal_connect (purple_connections_get_handle (), "connection-error", &handle,
                         PURPLE_CALLBACK (on_connection_error), NULL);
  purple_signal_connect (purple_conversations_get_handle (), "sent-im-msg", &handle,
                         PURPLE_CALLBACK (on_sent_im), NULL);
}

/* ---- commands ---------------------------------------------------------- */

static gboolean
load_plugin (GError **error)
{
  static int handle;

  if (plugin == NULL)
    {
      purple_plugins_probe (G_MODULE_SUFFIX);
      plugin = purple_plugins_find_with_id (TACT_CORE_PLUGIN_ID);
    }
  if (plugin == NULL)
    {
      g_set_error (error, CLIENT_ERROR, 0, "plugin %s not found",
                   TACT_CORE_PLUGIN_ID);
      return FALSE;
    }
  if (!purple_plugin_load (plugin))
    {
      g_set_error (error, CLIENT_ERROR, 0, "load failed: %s",
                   plugin->error ? plugin->error : "?");
      return FALSE;
    }
  purple_signal_connect (plugin, "tact-analyzed", &handle, PURPLE_CALLBACK (on_analyzed), NULL);
  purple_signal_connect (plugin, "tact-conversation-cleared", &handle, PURPLE_CALLBACK (on_cleared),
                         NULL);
  return TRUE;
}

static PurpleAccount *
ensure_account (const char *jid, const char *password, int port)
{
  PurpleAccount *acct = purple_account_new (jid, "prpl-jabber");

  purple_account_set_password (acct, password);
  purple_account_set_string (acct, "connect_server", "127.0.0.1");
  purple_account_set_int (acct, "port", port);
  purple_account_set_string (acct, "connection_security", "opportunistic_tls");
  purple_account_set_bool (acct, "auth_plain_in_clear", TRUE);
  purple_account_set_remember_password (acct, TRUE);
  if (purple_accounts_find (jid, "prpl-jabber") == NULL)
    purple_accounts_add (acct);
  return acct;
}

static PurpleConversation *
open_im (const char *who)
{
  PurpleConversation *conv = purple_find_conversation_with_account (PURPLE_CONV_TYPE_IM, who, account);

  return conv != NULL ? conv : purple_conversation_new (PURPLE_CONV_TYPE_IM, account, who);
}

static void
handle_command (json_t *cmd)
{
  const char *name = json_string_value (json_object_get (cmd, "cmd"));
  const char *who = json_string_value (json_object_get (cmd, "who"));
  g_autoptr (GError) error = NULL;

  if (name == NULL)
    name = "?";
  if (g_str_equal (name, "login"))
    {
      const char *jid = json_string_value (json_object_get (cmd, "jid"));
      const char *pw = json_string_value (json_object_get (cmd, "password"));
      int port = (int) json_integer_value (json_object_get (cmd, "port"));

      account = ensure_account (jid, pw, port);
      purple_account_set_enabled (account, UI_ID, TRUE);
      purple_savedstatus_activate (purple_savedstatus_new (NULL, PURPLE_STATUS_AVAILABLE));
      if (purple_account_is_disconnected (account))
        purple_account_connect (account);
    }
  else if (g_str_equal (name, "load"))
    {
      if (!load_plugin (&error))
        goto fail;
    }
  else if (g_str_equal (name, "unload"))
    {
      if (plugin == NULL || !purple_plugin_unload (plugin))
        {
          g_set_error (&error, CLIENT_ERROR, 0, "unload failed");
          goto fail;
        }
    }
  else if (g_str_equal (name, "pref"))
    {
      const char *path = json_string_value (json_object_get (cmd, "path"));
      json_t *s = json_object_get (cmd, "string");
      json_t *b = json_object_get (cmd, "bool");
      json_t *p = json_object_get (cmd, "path_value");

      if (json_is_string (p))
        purple_prefs_set_path (path, json_string_value (p));
      else if (json_is_string (s))
        purple_prefs_set_string (path, json_string_value (s));
      else if (json_is_boolean (b))
        purple_prefs_set_bool (path, json_is_true (b));
    }
  else if (g_str_equal (name, "alias"))
    {
      PurpleBuddy *buddy = purple_find_buddy (account, who);

      if (buddy == NULL)
        {
          buddy = purple_buddy_new (account, who, NULL);
          purple_blist_add_buddy (buddy, NULL, NULL, NULL);
        }
      purple_blist_alias_buddy (buddy, json_string_value (json_object_get (cmd, "alias")));
    }
  else if (g_str_equal (name, "command"))
    {
      const char *line = json_string_value (json_object_get (cmd, "line"));
      char *err = NULL;
      PurpleCmdStatus status = purple_cmd_do_command (open_im (who), line, line, &err);

      emit (json_pack ("{s:s, s:i, s:s?}", "ev", "command", "status", (int) status, "error", err));
      g_free (err);
    }
  else if (g_str_equal (name, "send"))
    purple_conv_im_send (PURPLE_CONV_IM (open_im (who)),
                         json_string_value (json_object_get (cmd, "html")));
  else if (g_str_equal (name, "answer"))
    answer_policy = (int) json_integer_value (json_object_get (cmd, "action"));
  else if (g_str_equal (name, "view"))
    {
      gboolean ok = FALSE;
      const TactView *view = purple_plugin_ipc_call (plugin, "get-view", &ok, open_im (who));

      if (!ok)
        {
          g_set_error (&error, CLIENT_ERROR, 0, "get-view IPC failed");
          goto fail;
        }
      emit (json_pack ("{s:s, s:o}", "ev", "view", "view", view_to_json (view)));
    }
  else if (g_str_equal (name, "quit"))
    g_main_loop_quit (loop);
  else
    {
      g_set_error (&error, CLIENT_ERROR, 0, "unknown command");
      goto fail;
    }
  emit (json_pack ("{s:s, s:s}", "ev", "ok", "cmd", name));
  return;

fail:
  emit (json_pack ("{s:s, s:s, s:s}", "ev", "error", "cmd", name, "message", error->message));
}

static gboolean
on_stdin (GIOChannel *channel, GIOCondition condition, gpointer data)
{
  g_autofree char *line = NULL;
  GIOStatus status;
  json_error_t jerr;
  json_t *cmd;

  status = g_io_channel_read_line (channel, &line, NULL, NULL, NULL);
  if (status == G_IO_STATUS_AGAIN)
    return TRUE;
  if (status != G_IO_STATUS_NORMAL)
    {
      /* The test script went away: quit instead of lingering. */
      g_main_loop_quit (loop);
      return FALSE;
    }
  cmd = json_loads (line, 0, &jerr);
  if (cmd == NULL)
    emit (json_pack ("{s:s, s:s, s:s}", "ev", "error", "cmd", "?", "message", jerr.text));
  else
    handle_command (cmd);
  json_decref (cmd);
  return TRUE;
}

/* ---- offline load/unload cycles for the leak check --------------------- */

static void
drain (void)
{
  for (int i = 0; i < 200 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

static int
leak_cycles (int cycles)
{
  g_autoptr (GError) error = NULL;

  answer_policy = -1;  /* leave the confirmation open: unload must free it */
  for (int i = 0; i < cycles; i++)
    {
      PurpleConversation *conv;
      char *err = NULL;

      if (!load_plugin (&error))
        {
          fprintf (stderr, "cycle %d: %s\n", i, error->message);
          return 1;
        }
      /* The first message of a conversation comes with conv == NULL. */
      purple_signal_emit (purple_conversations_get_handle (), "received-im-msg", account,
                          "lead@localhost/peer", "is this spam? <b>stop</b> messaging me", NULL, 0);
      conv = purple_conversation_new (PURPLE_CONV_TYPE_IM, account, "lead@localhost");
      drain ();
      purple_signal_emit (purple_conversations_get_handle (), "received-im-msg", account,
                          "lead@localhost/peer", "is this a bot?", conv, 0);
      drain ();
      /* Held by the opt-out of the first message, then released once. */
      purple_conv_im_send (PURPLE_CONV_IM (conv), "held text");
      purple_cmd_do_command (conv, "tact send-anyway", "tact send-anyway", &err);
      g_clear_pointer (&err, g_free);
      purple_cmd_do_command (conv, "tact status", "tact status", &err);
      g_clear_pointer (&err, g_free);
      purple_cmd_do_command (conv, "tact optout remove", "tact optout remove", &err);
      g_clear_pointer (&err, g_free);
      purple_cmd_do_command (conv, "tact use 2", "tact use 2", &err);
      g_clear_pointer (&err, g_free);
      /* The second follow-up opens a confirmation nobody answers. */
      purple_cmd_do_command (conv, "tact followup", "tact followup", &err);
      g_clear_pointer (&err, g_free);
      purple_cmd_do_command (conv, "tact followup", "tact followup", &err);
      g_clear_pointer (&err, g_free);
      purple_cmd_do_command (conv, "tact bogus", "tact bogus", &err);
      g_clear_pointer (&err, g_free);
      drain ();
      if (i % 2 == 0)
        purple_conversation_destroy (conv);
      if (!purple_plugin_unload (plugin))
        {
          fprintf (stderr, "cycle %d: unload failed\n", i);
          return 1;
        }
      drain ();
      if (i % 2 == 1)
        purple_conversation_destroy (conv);
    }
  printf ("{\"ev\":\"leak-cycles-done\",\"cycles\":%d}\n", cycles);
  fflush (stdout);
  return 0;
}

/* ---- main -------------------------------------------------------------- */

int
main (int argc, char **argv)
{
  g_autofree char *user_dir = NULL;
  g_autofree char *plugin_dir = NULL;
  g_autofree char *jid = NULL;
  g_autofree char *password = NULL;
  int cycles = 0;
  int port = 0;
  gboolean debug = FALSE;
  GOptionEntry entries[] = {
    { "user-dir", 0, 0, G_OPTION_ARG_FILENAME, &user_dir, "libpurple user dir", "DIR" },
    { "plugin-dir", 0, 0, G_OPTION_ARG_FILENAME, &plugin_dir, "where purple-tact.so is", "DIR" },
    { "leak-cycles", 0, 0, G_OPTION_ARG_INT, &cycles, "load/unload cycles after sign-on", "N" },
    { "jid", 0, 0, G_OPTION_ARG_STRING, &jid, "--leak-cycles: account", "JID" },
    { "password", 0, 0, G_OPTION_ARG_STRING, &password, "--leak-cycles: password", "PW" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "--leak-cycles: server port", "PORT" },
    { "debug", 0, 0, G_OPTION_ARG_NONE, &debug, "libpurple debug output on stderr", NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- purple-tact test client");
  g_autoptr (GError) error = NULL;
  GIOChannel *in;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || user_dir == NULL
      || plugin_dir == NULL)
    {
      fprintf (stderr, "%s\n", error ? error->message : "--user-dir and --plugin-dir are required");
      return 2;
    }

  purple_debug_set_enabled (debug);
  purple_util_set_user_dir (user_dir);
  purple_core_set_ui_ops (&core_ops);
  purple_eventloop_set_ui_ops (&eventloop_ops);
  purple_plugins_add_search_path (plugin_dir);
  if (!purple_core_init (UI_ID))
    {
      fprintf (stderr, "libpurple initialisation failed\n");
      return 1;
    }
  purple_set_blist (purple_blist_new ());
  purple_blist_load ();
  purple_prefs_load ();
  purple_prefs_set_bool ("/purple/logging/log_ims", FALSE);
  purple_prefs_set_bool ("/purple/logging/log_chats", FALSE);
  purple_prefs_set_bool ("/purple/logging/log_system", FALSE);
  connect_core_signals ();

  loop = g_main_loop_new (NULL, FALSE);
  if (cycles > 0)
    {
      /* Conversations need a connection: sign in first, then cycle. */
      leak_cycle_count = cycles;
      account = ensure_account (jid, password, port);
      purple_account_set_enabled (account, UI_ID, TRUE);
      purple_savedstatus_activate (purple_savedstatus_new (NULL, PURPLE_STATUS_AVAILABLE));
      g_main_loop_run (loop);
      if (exit_status == 0)
        exit_status = leak_cycles (cycles);
    }
  else
    {
      in = g_io_channel_unix_new (0);
      g_io_add_watch (in, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, NULL);
      g_io_channel_unref (in);
      emit (json_pack ("{s:s}", "ev", "ready"));
      g_main_loop_run (loop);
    }

  purple_core_quit ();
  /* Let the timeouts scheduled by quit run down. */
  drain ();
  g_main_loop_unref (loop);
  return exit_status;
}
