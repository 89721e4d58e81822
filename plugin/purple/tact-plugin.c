/* purple-tact core plugin: plugin info, load/unload, prefs, the engine.
 *
 * Works in every libpurple UI (ui_requirement NULL).  Load creates one
 * engine and the stores; unload releases every hook, timer, table and
 * per-conversation struct so the plugin can be loaded any number of times.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tact-private.h"

#include <libintl.h>

TactPlugin *tact;

gboolean
tact_plugin_inline_enabled (void)
{
  return tact != NULL && !tact->inline_blocked && purple_prefs_get_bool (TACT_PREF_INLINE);
}

/* Shipped packs: $TACT_DATA_DIR, else the source tree when the .so runs
 * from the build tree, else the installed data; NULL = built-in packs. */
static char *
pick_data_dir (PurplePlugin *plugin)
{
  const char *env = g_getenv ("TACT_DATA_DIR");

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (plugin->path != NULL && g_str_has_prefix (plugin->path, TACT_BUILD_ROOT G_DIR_SEPARATOR_S))
    return g_strdup (TACT_SOURCE_DATADIR);
  if (g_file_test (TACT_PKGDATADIR, G_FILE_TEST_IS_DIR))
    return g_strdup (TACT_PKGDATADIR);
  return NULL;
}

static TactEngine *
open_engine (GError **error)
{
  const char *user_dir = purple_prefs_get_path (TACT_PREF_USER_DIR);
  g_autoptr (GError) warning = NULL;
  TactEngine *engine;

  /* compiled packs are kept where the tact command keeps them: a client
   * starts in milliseconds instead of compiling the packs again */
  g_autofree char *cache = tact_engine_default_cache_dir ();

  engine = tact_engine_new_cached (tact->data_dir, user_dir != NULL && *user_dir ? user_dir : NULL,
                                   cache, &warning);
  /* A refused pack is a warning: the engine falls back and still works. */
  if (warning != NULL)
    purple_debug_warning (TACT_LOG_DOMAIN, "packs: %s\n", warning->message);
  if (engine == NULL)
    g_set_error (error, TACT_ERROR, TACT_ERROR_PACK, _("The language packs could not be loaded: %s"),
                 warning != NULL ? warning->message : "?");
  return engine;
}

gboolean
tact_plugin_reload_engine (GError **error)
{
  TactEngine *engine = open_engine (error);

  if (engine == NULL)
    return FALSE;
  tact_engine_free (tact->engine);
  tact->engine = engine;
  purple_debug_info (TACT_LOG_DOMAIN, "packs loaded in %.1f ms\n", tact_engine_load_ms (engine));
  return TRUE;
}

static void
on_user_dir_changed (const char *name, PurplePrefType type, gconstpointer value, gpointer data)
{
  g_autoptr (GError) error = NULL;

  if (tact != NULL && !tact_plugin_reload_engine (&error))
    purple_debug_error (TACT_LOG_DOMAIN, "%s\n", error->message);
}

static void
tact_plugin_free (TactPlugin *state)
{
  tact_engine_free (state->engine);
  g_free (state->data_dir);
  g_free (state->state_dir);
  g_free (state);
}

static gboolean
plugin_load (PurplePlugin *plugin)
{
  g_autoptr (GError) error = NULL;

  tact = g_new0 (TactPlugin, 1);
  tact->plugin = plugin;
  tact->data_dir = pick_data_dir (plugin);
  tact->state_dir = g_build_filename (purple_user_dir (), "tact", NULL);

  tact->engine = open_engine (&error);
  if (tact->engine == NULL)
    {
      purple_debug_error (TACT_LOG_DOMAIN, "%s\n", error->message);
      g_clear_pointer (&tact, tact_plugin_free);
      return FALSE;
    }
  /* A lost state file must not stop the plugin; the error says why. */
  if (!tact_optout_init (tact->state_dir, &error))
    {
      purple_debug_error (TACT_LOG_DOMAIN, "do-not-contact list: %s\n", error->message);
      g_clear_error (&error);
    }
  if (!tact_send_init (tact->state_dir, &error))
    {
      purple_debug_error (TACT_LOG_DOMAIN, "state: %s\n", error->message);
      g_clear_error (&error);
    }

  tact_ipc_register (plugin);
  tact_hooks_connect (plugin);
  tact_commands_register ();
  purple_prefs_connect_callback (plugin, TACT_PREF_USER_DIR, on_user_dir_changed, NULL);
  purple_debug_info (TACT_LOG_DOMAIN, "loaded; packs from %s\n",
                     tact->data_dir != NULL ? tact->data_dir : "(built-in)");
  return TRUE;
}

static gboolean
plugin_unload (PurplePlugin *plugin)
{
  if (tact == NULL)
    return TRUE;
  tact_commands_unregister ();
  tact_hooks_shutdown ();
  tact_conv_clear_all ();
  tact_send_shutdown ();    /* flushes state.json */
  tact_optout_shutdown ();  /* flushes optouts.json */
  tact_ipc_unregister (plugin);
  purple_prefs_disconnect_by_handle (plugin);
  g_clear_pointer (&tact, tact_plugin_free);
  return TRUE;
}

static PurplePluginPrefFrame *
get_pref_frame (PurplePlugin *plugin)
{
  PurplePluginPrefFrame *frame = purple_plugin_pref_frame_new ();

  purple_plugin_pref_frame_add (frame, purple_plugin_pref_new_with_label (_("You")));
  purple_plugin_pref_frame_add (frame,
                                purple_plugin_pref_new_with_name_and_label (TACT_PREF_AGENT, _("Your name")));
  purple_plugin_pref_frame_add (frame, purple_plugin_pref_new_with_name_and_label (
                                           TACT_PREF_COMPANY, _("Company name")));
  purple_plugin_pref_frame_add (frame,
                                purple_plugin_pref_new_with_name_and_label (TACT_PREF_PRODUCT, _("Product")));
  purple_plugin_pref_frame_add (frame, purple_plugin_pref_new_with_label (_("Behaviour")));
  purple_plugin_pref_frame_add (frame, purple_plugin_pref_new_with_name_and_label (
                                           TACT_PREF_INLINE, _("Show labels and suggestions inline")));
  purple_plugin_pref_frame_add (frame, purple_plugin_pref_new_with_name_and_label (
                                           TACT_PREF_GREET_NAMES,
                                           _("Greet by name even when the name looks like a handle")));
  purple_plugin_pref_frame_add (frame, purple_plugin_pref_new_with_name_and_label (
                                           TACT_PREF_USER_DIR, _("User pack directory")));
  return frame;
}

static PurplePluginUiInfo prefs_info = {
  get_pref_frame, 0, NULL, NULL, NULL, NULL, NULL,
};

static PurplePluginInfo info = {
  PURPLE_PLUGIN_MAGIC,
  PURPLE_MAJOR_VERSION,
  PURPLE_MINOR_VERSION,
  PURPLE_PLUGIN_STANDARD,
  NULL,                       /* ui_requirement: every UI */
  0,
  NULL,
  PURPLE_PRIORITY_DEFAULT,
  TACT_CORE_PLUGIN_ID,
  NULL,                       /* name, summary, description: set in init_plugin */
  TACT_VERSION,
  NULL,
  NULL,
  "purple-tact",
  "https://example.invalid/purple-tact",
  plugin_load,
  plugin_unload,
  NULL,
  NULL,
  NULL,
  &prefs_info,
  NULL,
  NULL, NULL, NULL, NULL,
};

static void
init_plugin (PurplePlugin *plugin)
{
  /* Our own text domain: libpurple would translate with its own. */
  bindtextdomain (GETTEXT_PACKAGE, TACT_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  info.name = _("Tact");
  info.summary = _("Labels incoming messages and suggests replies");
  info.description = _("Recognises opt-outs, questions about automation, complaints, abuse, "
                       "praise and more in incoming messages, shows the labels and numbered "
                       "reply suggestions in the conversation, sends the honest automation "
                       "follow-up with /tact followup and keeps a do-not-contact list. "
                       "Type /help tact in a conversation.");

  purple_prefs_add_none (TACT_PREFS_ROOT);
  purple_prefs_add_string (TACT_PREF_AGENT, "");
  purple_prefs_add_string (TACT_PREF_COMPANY, "");
  purple_prefs_add_string (TACT_PREF_PRODUCT, "");
  purple_prefs_add_path (TACT_PREF_USER_DIR, "");
  purple_prefs_add_bool (TACT_PREF_INLINE, TRUE);
  purple_prefs_add_bool (TACT_PREF_GREET_NAMES, FALSE);
}

PURPLE_INIT_PLUGIN (purple_tact, init_plugin, info)
