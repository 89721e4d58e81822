/* The /tact command: everything the plugin offers, from the keyboard, in
 * every libpurple UI.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tact-private.h"

#include <stdlib.h>
#include <string.h>

static PurpleCmdId cmd_id;

static PurpleCmdRet
fail (char **error, GError *err)
{
  *error = g_strdup (err->message);
  g_error_free (err);
  return PURPLE_CMD_RET_FAILED;
}

static PurpleCmdRet
cmd_show (PurpleConversation *conv, char **error)
{
  TactConv *tc = tact_conv_get (conv);
  g_autofree char *line = NULL;

  if (tc == NULL || tc->view == NULL)
    {
      tact_conv_notice (conv, "%s", _("No incoming message analysed here yet."));
      return PURPLE_CMD_RET_OK;
    }
  line = tact_view_format_line (tact_view_get (tc->view), tc->mention_by, TRUE);
  tact_conv_write_system (conv, line);
  return PURPLE_CMD_RET_OK;
}

static PurpleCmdRet
cmd_optout (PurpleConversation *conv, const char *arg, char **error)
{
  PurpleAccount *account = purple_conversation_get_account (conv);
  g_autofree char *who = NULL;

  if (purple_conversation_get_type (conv) != PURPLE_CONV_TYPE_IM)
    {
      *error = g_strdup (_("The do-not-contact list is for private conversations."));
      return PURPLE_CMD_RET_FAILED;
    }
  who = tact_conv_contact_id (conv);
  if (arg == NULL || g_strcmp0 (arg, "add") == 0)
    {
      if (tact_optout_add (account, who, "command"))
        tact_conv_notice (conv, "%s", _("Added to the do-not-contact list."));
      else
        tact_conv_notice (conv, "%s", _("Already on the do-not-contact list."));
    }
  else if (g_strcmp0 (arg, "remove") == 0)
    {
      if (tact_optout_remove (account, who))
        tact_conv_notice (conv, "%s", _("Removed from the do-not-contact list."));
      else
        tact_conv_notice (conv, "%s", _("Not on the do-not-contact list."));
    }
  else
    {
      *error = g_strdup (_("Usage: /tact optout [add|remove]"));
      return PURPLE_CMD_RET_FAILED;
    }
  return PURPLE_CMD_RET_OK;
}

static PurpleCmdRet
cmd_status (PurpleConversation *conv)
{
  const char *const *langs = tact_engine_languages (tact->engine);
  g_autofree char *joined = g_strjoinv (", ", (char **) langs);
  const char *user_dir = purple_prefs_get_path (TACT_PREF_USER_DIR);
  gboolean listed = FALSE;

  if (purple_conversation_get_type (conv) == PURPLE_CONV_TYPE_IM)
    {
      g_autofree char *who = tact_conv_contact_id (conv);
      listed = tact_optout_has (purple_conversation_get_account (conv), who);
    }
  tact_conv_notice (conv, _("version %s · languages: %s · packs: %s%s%s · do-not-contact "
                            "entries: %u%s · inline lines: %s · state: %s"),
                    TACT_VERSION, *joined ? joined : "-",
                    tact->data_dir != NULL ? tact->data_dir : _("built-in"),
                    user_dir != NULL && *user_dir ? " + " : "",
                    user_dir != NULL ? user_dir : "", tact_optout_count (),
                    listed ? _(" (this contact is listed)") : "",
                    tact_plugin_inline_enabled () ? _("on") : _("off"), tact->state_dir);
  return PURPLE_CMD_RET_OK;
}

static PurpleCmdRet
on_tact (PurpleConversation *conv, const char *cmd, char **args, char **error, void *data)
{
  g_auto (GStrv) words = NULL;
  GError *err = NULL;
  const char *verb;

  words = g_strsplit_set (args != NULL && args[0] != NULL ? g_strstrip (args[0]) : "", " \t", -1);
  verb = words[0] != NULL ? words[0] : "";

  if (*verb == '\0')
    return cmd_show (conv, error);
  if (g_strcmp0 (verb, "use") == 0)
    {
      char *end = NULL;
      long n = words[1] != NULL ? strtol (words[1], &end, 10) : 0;

      if (words[1] == NULL || *end != '\0' || n < 1)
        {
          *error = g_strdup (_("Usage: /tact use N (N = the suggestion's number)"));
          return PURPLE_CMD_RET_FAILED;
        }
      if (!tact_send_suggestion (conv, (guint) (n - 1), &err))
        return fail (error, err);
      return PURPLE_CMD_RET_OK;
    }
  if (g_strcmp0 (verb, "followup") == 0)
    return tact_send_followup (conv, &err) ? PURPLE_CMD_RET_OK : fail (error, err);
  if (g_strcmp0 (verb, "optout") == 0)
    return cmd_optout (conv, words[1] != NULL && *words[1] ? words[1] : NULL, error);
  if (g_strcmp0 (verb, "send-anyway") == 0)
    return tact_send_held (conv, &err) ? PURPLE_CMD_RET_OK : fail (error, err);
  if (g_strcmp0 (verb, "status") == 0)
    return cmd_status (conv);
  if (g_strcmp0 (verb, "reload") == 0)
    {
      if (!tact_plugin_reload_engine (&err))
        return fail (error, err);
      tact_conv_notice (conv, _("Packs reloaded in %.0f ms."), tact_engine_load_ms (tact->engine));
      return PURPLE_CMD_RET_OK;
    }
  *error = g_strdup_printf (_("Unknown /tact command \"%s\". Try /help tact."), verb);
  return PURPLE_CMD_RET_FAILED;
}

void
tact_commands_register (void)
{
  /* "s" = the rest of the line; wrong-args lets a bare "/tact" through. */
  cmd_id = purple_cmd_register (
      "tact", "s", PURPLE_CMD_P_PLUGIN,
      PURPLE_CMD_FLAG_IM | PURPLE_CMD_FLAG_CHAT | PURPLE_CMD_FLAG_ALLOW_WRONG_ARGS, NULL,
      PURPLE_CMD_FUNC (on_tact),
      _("tact [use N | followup | optout [add|remove] | send-anyway | status | reload]:\n"
        "/tact: show the analysis of the last incoming message again\n"
        "/tact use N: send suggestion N\n"
        "/tact followup: send the automation follow-up (asks when sent < 10 min ago)\n"
        "/tact optout [add|remove]: put this contact on / take them off the do-not-contact list\n"
        "/tact send-anyway: send a message held by the do-not-contact list, once\n"
        "/tact status: engine, packs and do-not-contact list\n"
        "/tact reload: reload the language packs"),
      NULL);
}

void
tact_commands_unregister (void)
{
  if (cmd_id != 0)
    purple_cmd_unregister (cmd_id);
  cmd_id = 0;
}
