/* purple-tact — test-only Pidgin plugin driving pidgin-tact from inside Pidgin.
 *
 * Loaded by tests/pidgin/test_cycles.py after pidgin-tact.  It opens three IM
 * conversations (tabs of one window) on an offline account, feeds the bar
 * crafted views through the core plugin's "tact-analyzed" signal (one of them
 * with markup in the evidence), checks the widgets, clicks a suggestion, opens
 * the Block confirmation, and then unloads and reloads pidgin-tact N times
 * (closing and reopening a conversation on the way), counting after each step
 *   - the bar widgets found by walking every conversation's widget tree,
 *   - the marks pidgin-tact leaves on every message entry (one while loaded).
 * Every check prints "cycler: ok …" or "cycler: FAIL …"; the end prints
 * "cycler: done cycles=N failures=F".
 *
 * Env: TACT_CYCLES (default 20).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <gtk/gtk.h>
#include <purple.h>
#include <gtkconv.h>
#include <gtkplugin.h>
#include <pidgin.h>

#include "tact-view.h"

#define GTK_ID "gtk-purple-tact"
#define N_CONVS 3

static const char *const contacts[N_CONVS] = {
  "lead1@localhost", "lead2@localhost", "lead3@localhost"
};

static PurplePlugin *self;
static guint timer;
static int step;
static int cycle;
static int cycles = 20;
static int failures;
static guint baseline_handlers[N_CONVS];

static void
check (gboolean ok, const char *what, ...)
{
  va_list ap;
  char *msg;

  va_start (ap, what);
  msg = g_strdup_vprintf (what, ap);
  va_end (ap);
  if (!ok)
    failures++;
  purple_debug_info ("cycler", "%s %s\n", ok ? "ok" : "FAIL", msg);
  g_free (msg);
}

static PurpleConversation *
conv_of (int i)
{
  PurpleAccount *account = purple_accounts_get_all () ? purple_accounts_get_all ()->data : NULL;

  return account ? purple_find_conversation_with_account (PURPLE_CONV_TYPE_IM,
                                                          contacts[i], account) : NULL;
}

static void
collect (GtkWidget *w, const char *name, GList **out)
{
  if (g_strcmp0 (gtk_widget_get_name (w), name) == 0)
    *out = g_list_prepend (*out, w);
  if (GTK_IS_CONTAINER (w))
    {
      GList *children = gtk_container_get_children (GTK_CONTAINER (w));

      for (GList *l = children; l; l = l->next)
        collect (l->data, name, out);
      g_list_free (children);
    }
}

static GList *
find_in_conv (PurpleConversation *conv, const char *name)
{
  GList *out = NULL;

  if (conv != NULL && PIDGIN_IS_PIDGIN_CONVERSATION (conv))
    collect (PIDGIN_CONVERSATION (conv)->tab_cont, name, &out);
  return out;
}

static guint
count_all (const char *name)
{
  guint n = 0;

  for (GList *l = purple_get_conversations (); l; l = l->next)
    {
      GList *found = find_in_conv (l->data, name);

      n += g_list_length (found);
      g_list_free (found);
    }
  return n;
}

/* pidgin-tact marks the entry of a conversation with a bar (the key
 * shortcuts find the bar through it): 1 when marked, 0 when not. */
static guint
event_handlers (PurpleConversation *conv)
{
  if (conv == NULL || !PIDGIN_IS_PIDGIN_CONVERSATION (conv))
    return 0;
  return g_object_get_data (G_OBJECT (PIDGIN_CONVERSATION (conv)->entry),
                            "purple-tact-bar") != NULL ? 1 : 0;
}

static void
emit_views (void)
{
  PurplePlugin *core = purple_plugins_find_with_id (TACT_CORE_PLUGIN_ID);
  TactView v[N_CONVS];

  memset (v, 0, sizeof v);
  v[0].primary = "automation-question";
  v[0].n_labels = 2;
  v[0].labels[0] = (TactViewLabel) { "automation-question", "Automation question", 0.9,
                                     "is this a <b>bot</b> & co?", "Be honest." };
  v[0].labels[1] = (TactViewLabel) { "annoyed-by-automation", "Annoyed", 0.5, "", "Be human." };
  v[0].n_suggestions = 3;
  v[0].suggestions[0] = (TactViewSuggestion) { "a", "Hi <there> & welcome, {not a placeholder}", FALSE };
  v[0].suggestions[1] = (TactViewSuggestion) { "b", "Second suggestion, rather long so that the button shows only its start", FALSE };
  v[0].suggestions[2] = (TactViewSuggestion) { "c", "Third", TRUE };
  v[0].followup = "Yes, that first message was automated. I'm Sam from Acme.";

  v[1].primary = "opt-out";
  v[1].n_labels = 1;
  v[1].labels[0] = (TactViewLabel) { "opt-out", "Opt-out", 1.0, "stop messaging me", "Confirm." };
  v[1].n_suggestions = 1;
  v[1].suggestions[0] = (TactViewSuggestion) { "o", "Sorry, you won't hear from us again.", FALSE };
  v[1].opted_out = TRUE;

  v[2].primary = "harassment";
  v[2].n_labels = 2;
  v[2].labels[0] = (TactViewLabel) { "harassment", "Harassment", 1.0, "<script>", "Block." };
  v[2].labels[1] = (TactViewLabel) { "abusive", "Abusive", 0.9, "idiot", "Calm." };
  v[2].n_suggestions = 1;
  v[2].suggestions[0] = (TactViewSuggestion) { "h", "Please stop.", FALSE };
  v[2].offer_block = TRUE;

  for (int i = 0; i < N_CONVS; i++)
    {
      PurpleConversation *conv = conv_of (i);

      if (conv != NULL)
        purple_signal_emit (core, "tact-analyzed", conv, &v[i]);
    }
}

static guint
visible_bars (void)
{
  GList *found = NULL;
  guint n = 0;

  for (GList *l = purple_get_conversations (); l; l = l->next)
    {
      found = find_in_conv (l->data, "purple-tact-bar");
      for (GList *f = found; f; f = f->next)
        if (gtk_widget_get_visible (f->data))
          n++;
      g_list_free (found);
    }
  return n;
}

static void
check_widgets (void)
{
  GList *chips = find_in_conv (conv_of (0), "purple-tact-chip");
  GList *sugg = find_in_conv (conv_of (0), "purple-tact-suggestion");
  GList *fu = find_in_conv (conv_of (0), "purple-tact-followup");
  GList *oo = find_in_conv (conv_of (1), "purple-tact-optout");
  GList *ofu = find_in_conv (conv_of (1), "purple-tact-followup");
  GList *block = find_in_conv (conv_of (2), "purple-tact-block");

  check (g_list_length (chips) == 2, "two chips in conversation 1 (%u)", g_list_length (chips));
  check (g_list_length (sugg) == 3, "three suggestion buttons (%u)", g_list_length (sugg));
  check (g_list_length (fu) == 1, "a follow-up button");
  check (g_list_length (oo) == 1 && ofu == NULL, "Confirm opt-out replaces Send follow-up");
  check (g_list_length (block) == 1, "a Block button for harassment");
  for (GList *l = chips; l; l = l->next)
    {
      char *tip = gtk_widget_get_tooltip_text (l->data);

      if (tip != NULL && strstr (tip, "bot") != NULL)
        check (strstr (tip, "matched: is this a <b>bot</b> & co?") != NULL,
               "evidence shown verbatim as plain text");
      g_free (tip);
    }
  g_list_free (chips);
  g_list_free (sugg);
  g_list_free (fu);
  g_list_free (oo);
  g_list_free (ofu);
  g_list_free (block);
}

static void
click_first_suggestion (void)
{
  PurpleConversation *conv = conv_of (0);
  GList *sugg = find_in_conv (conv, "purple-tact-suggestion");
  GtkTextBuffer *buf;
  GtkTextIter a, b;
  char *text;

  if (sugg == NULL)
    {
      check (FALSE, "suggestion button to click");
      return;
    }
  /* The list is in reverse widget order: the first button is last. */
  gtk_button_clicked (GTK_BUTTON (g_list_last (sugg)->data));
  g_list_free (sugg);
  buf = PIDGIN_CONVERSATION (conv)->entry_buffer;
  gtk_text_buffer_get_bounds (buf, &a, &b);
  text = gtk_text_buffer_get_text (buf, &a, &b, FALSE);
  check (g_strcmp0 (text, "Hi <there> & welcome, {not a placeholder}") == 0,
         "click puts the suggestion into the entry as plain text (%s)", text);
  g_free (text);
  gtk_text_buffer_set_text (buf, "", -1);
}

static void
click_block (void)
{
  GList *block = find_in_conv (conv_of (2), "purple-tact-block");

  if (block != NULL)
    gtk_button_clicked (GTK_BUTTON (block->data)); /* opens a confirmation */
  g_list_free (block);
}

static gboolean
suggestions_shown (PurpleConversation *conv)
{
  GList *sugg = find_in_conv (conv, "purple-tact-suggestion");
  gboolean shown = FALSE;

  /* button -> suggestion box -> collapsible details */
  if (sugg != NULL)
    shown = gtk_widget_get_visible (gtk_widget_get_parent (gtk_widget_get_parent (sugg->data)));
  g_list_free (sugg);
  return shown;
}

static void
toggle_collapse (PurpleConversation *conv)
{
  GList *t = find_in_conv (conv, "purple-tact-toggle");

  if (t != NULL)
    gtk_button_clicked (GTK_BUTTON (t->data));
  g_list_free (t);
}

static void
open_convs (void)
{
  PurpleAccount *account = purple_accounts_get_all () ? purple_accounts_get_all ()->data : NULL;

  for (int i = 0; i < N_CONVS; i++)
    if (account != NULL && conv_of (i) == NULL)
      purple_conversation_new (PURPLE_CONV_TYPE_IM, account, contacts[i]);
}

static gboolean
tick (gpointer data)
{
  PurplePlugin *gtk = purple_plugins_find_with_id (GTK_ID);

  switch (step)
    {
    case 0:
      {
        PurpleAccount *account = purple_accounts_get_all ()
                                 ? purple_accounts_get_all ()->data : NULL;

        if (account == NULL || !purple_account_is_connected (account))
          return G_SOURCE_CONTINUE; /* the test's deadline bounds this */
        check (gtk != NULL && purple_plugin_is_loaded (gtk), "pidgin-tact is loaded");
        open_convs ();
      }
      break;
    case 1:
      check (count_all ("purple-tact-bar") == N_CONVS, "one bar per conversation (%u)",
             count_all ("purple-tact-bar"));
      check (visible_bars () == 0, "bars hidden before any analysis (%u)", visible_bars ());
      emit_views ();
      break;
    case 2:
      check (visible_bars () == N_CONVS, "bars shown after analysis (%u)", visible_bars ());
      check_widgets ();
      click_first_suggestion ();
      click_block ();
      /* Collapse conversation 2: it stays collapsed across updates and tab
       * switches; conversation 1 stays expanded. */
      toggle_collapse (conv_of (1));
      check (!suggestions_shown (conv_of (1)), "collapsed bar hides the suggestions");
      emit_views ();
      if (PIDGIN_IS_PIDGIN_CONVERSATION (conv_of (1)))
        pidgin_conv_present_conversation (conv_of (1));
      if (PIDGIN_IS_PIDGIN_CONVERSATION (conv_of (0)))
        pidgin_conv_present_conversation (conv_of (0));
      check (!suggestions_shown (conv_of (1)), "stays collapsed after an update and tab switches");
      check (suggestions_shown (conv_of (0)), "the other conversation's bar stays expanded");
      toggle_collapse (conv_of (1));
      check (suggestions_shown (conv_of (1)), "expands again");
      for (int i = 0; i < N_CONVS; i++)
        {
          baseline_handlers[i] = event_handlers (conv_of (i));
          check (baseline_handlers[i] == 1, "entry %d marked by pidgin-tact", i);
        }
      break;
    default:
      {
        gboolean unload_step = ((step - 3) % 2) == 0;

        if (unload_step)
          {
            if (cycle >= cycles)
              {
                purple_debug_info ("cycler", "done cycles=%d failures=%d\n", cycle, failures);
                timer = 0;
                return G_SOURCE_REMOVE;
              }
            cycle++;
            check (purple_plugin_unload (gtk), "cycle %d: unload", cycle);
            check (count_all ("purple-tact-bar") == 0, "cycle %d: no bar left (%u)", cycle,
                   count_all ("purple-tact-bar"));
            for (int i = 0; i < N_CONVS; i++)
              check (event_handlers (conv_of (i)) + 1 == baseline_handlers[i],
                     "cycle %d: entry %d mark removed (%u of %u)", cycle, i,
                     event_handlers (conv_of (i)), baseline_handlers[i]);
            /* Conversations come and go while the plugin is out, too. */
            if (cycle % 3 == 0 && conv_of (1) != NULL)
              purple_conversation_destroy (conv_of (1));
          }
        else
          {
            open_convs ();
            check (purple_plugin_load (gtk), "cycle %d: load", cycle);
            check (count_all ("purple-tact-bar") == N_CONVS, "cycle %d: bars back (%u)",
                   cycle, count_all ("purple-tact-bar"));
            emit_views ();
            check (visible_bars () == N_CONVS, "cycle %d: bars shown (%u)", cycle,
                   visible_bars ());
            for (int i = 0; i < N_CONVS; i++)
              check (event_handlers (conv_of (i)) == baseline_handlers[i],
                     "cycle %d: entry %d marked once", cycle, i);
            /* Close a conversation while the bar is alive. */
            if (cycle % 4 == 0 && conv_of (2) != NULL)
              {
                purple_conversation_destroy (conv_of (2));
                open_convs ();
                emit_views ();
              }
            if (cycle % 5 == 0)
              click_block ();
          }
      }
      break;
    }
  step++;
  return G_SOURCE_CONTINUE;
}

static gboolean
plugin_load (PurplePlugin *plugin)
{
  const char *env = g_getenv ("TACT_CYCLES");

  self = plugin;
  if (env != NULL)
    cycles = atoi (env);
  step = 0;
  cycle = 0;
  failures = 0;
  timer = g_timeout_add (100, tick, NULL);
  purple_debug_info ("cycler", "started, %d cycles\n", cycles);
  return TRUE;
}

static gboolean
plugin_unload (PurplePlugin *plugin)
{
  if (timer != 0)
    g_source_remove (timer);
  timer = 0;
  return TRUE;
}

static PurplePluginInfo info = {
  PURPLE_PLUGIN_MAGIC, PURPLE_MAJOR_VERSION, PURPLE_MINOR_VERSION,
  PURPLE_PLUGIN_STANDARD, PIDGIN_PLUGIN_TYPE, 0, NULL, PURPLE_PRIORITY_LOWEST,
  "gtk-purple-tact-cycler", "Tact cycler (tests)", "0", "Test driver",
  "Test driver for pidgin-tact.", "purple-tact tests", NULL,
  plugin_load, plugin_unload, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
};

static void
init_plugin (PurplePlugin *plugin)
{
}

PURPLE_INIT_PLUGIN (tact_cycler, init_plugin, info)
