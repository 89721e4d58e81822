/* purple-tact — the Pidgin situation bar.
 *
 * A slim bar above the message entry of every conversation: the situation of
 * the last incoming message as coloured chips, 2–3 suggestion buttons, the
 * automation follow-up / opt-out confirmation button, advice and a Block
 * button for abusive contacts.  Everything it shows comes from the core
 * plugin (TACT_CORE_PLUGIN_ID) through the contract in tact-view.h; this
 * module never links the engine.
 *
 * Keyboard (in the message entry):
 *   Alt+1 … Alt+3     put suggestion 1 … 3 into the entry (when the bar has it;
 *                     otherwise Pidgin's own tab switching applies)
 *   Ctrl+Shift+F      send the follow-up (or confirm the opt-out when that is
 *                     the bar's main action)
 *
 * The shortcuts are read by a GTK key snooper (installed on load, removed on
 * unload) because Pidgin's conversation window handles Alt+digit itself
 * before the entry sees the key.
 *
 * Widget ownership: one TactBar per PidginConversation.  Its lifetime is the
 * lifetime of its root widget: the "destroy" handler of the root frees it, so
 * closing the conversation, unloading the plugin (which destroys every root)
 * and Pidgin tearing the window down all go through one path.  Other widgets
 * of Pidgin that the bar touches (the entry, the tab container) are tracked
 * with weak pointers.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tact-config.h"

#include <string.h>

#include <glib.h>
#include <glib/gi18n-lib.h>
#include <gdk/gdkkeysyms.h>
#include <gtk/gtk.h>

#include <purple.h>

#include <gtkconv.h>
#include <gtkimhtml.h>
#include <gtkplugin.h>
#include <pidgin.h>

#include "tact-view.h"

#define TACT_GTK_PLUGIN_ID "gtk-purple-tact"
#define DBG "tact-gtk"
#define BAR_KEY "purple-tact-bar"
#define BAR_WIDGET_NAME "purple-tact-bar"
#define COLLAPSED_KEY "purple-tact-collapsed"   /* on the PurpleConversation */
#define BUTTON_PREVIEW_CHARS 40

typedef struct {
  PurpleConversation *conv;       /* the conversation the view is about */
  PidginConversation *gtkconv;    /* valid while root is alive */
  GtkWidget *root;                /* weak */
  GtkWidget *tab_cont;            /* weak */
  GtkWidget *entry;               /* weak; carries BAR_KEY while the bar lives */

  GtkWidget *toggle;
  GtkWidget *toggle_label;
  GtkWidget *chips_box;
  GtkWidget *action_box;          /* follow-up / opt-out / block */
  GtkWidget *details;             /* collapsible part */
  GtkWidget *sugg_box;
  GtkWidget *advice;

  gboolean collapsed;
  gboolean visible;               /* has something to show */

  /* copies of the last view (the view itself is borrowed) */
  char *primary;
  char *suggestions[TACT_VIEW_MAX_SUGGESTIONS];
  guint n_suggestions;
  char *followup;
  gboolean optout;
  gboolean offer_block;
} TactBar;

typedef struct {
  PurpleAccount *account;
  char *who;
} BlockRequest;

static PurplePlugin *self_plugin;
static GList *bars;               /* TactBar*, all live bars */
static GList *block_requests;     /* BlockRequest*, open confirmations */
static guint key_snooper_id;

static void bar_update (TactBar *bar, PurpleConversation *conv, const TactView *view);

/* ------------------------------------------------------------------ core */

static PurplePlugin *
core_plugin (void)
{
  PurplePlugin *core = purple_plugins_find_with_id (TACT_CORE_PLUGIN_ID);

  if (core == NULL || !purple_plugin_is_loaded (core))
    return NULL;
  return core;
}

static gboolean
core_call_conv (const char *name, PurpleConversation *conv)
{
  PurplePlugin *core = core_plugin ();
  gboolean ok = FALSE;
  gpointer ret;

  if (core == NULL || conv == NULL)
    return FALSE;
  ret = purple_plugin_ipc_call (core, name, &ok, conv);
  if (!ok)
    {
      purple_debug_warning (DBG, "IPC call %s failed\n", name);
      return FALSE;
    }
  return GPOINTER_TO_INT (ret) != 0;
}

static gboolean
core_send_suggestion (PurpleConversation *conv, int index)
{
  PurplePlugin *core = core_plugin ();
  gboolean ok = FALSE;
  gpointer ret;

  if (core == NULL || conv == NULL)
    return FALSE;
  ret = purple_plugin_ipc_call (core, "send-suggestion", &ok, conv, index);
  if (!ok)
    {
      purple_debug_warning (DBG, "IPC call send-suggestion failed\n");
      return FALSE;
    }
  return GPOINTER_TO_INT (ret) != 0;
}

static const TactView *
core_get_view (PurpleConversation *conv)
{
  PurplePlugin *core = core_plugin ();
  gboolean ok = FALSE;
  gpointer ret;

  if (core == NULL)
    return NULL;
  ret = purple_plugin_ipc_call (core, "get-view", &ok, conv);
  return ok ? ret : NULL;
}

static void
core_set_inline_lines (int enabled)
{
  PurplePlugin *core = core_plugin ();
  gboolean ok = FALSE;

  if (core == NULL)
    return;
  purple_plugin_ipc_call (core, "set-inline-lines", &ok, enabled);
  if (!ok)
    purple_debug_warning (DBG, "IPC call set-inline-lines failed\n");
}

/* ---------------------------------------------------------------- colours */

typedef struct {
  const char *id;
  const char *bg;
  const char *fg;
} ChipColour;

/* Background and foreground are both explicit, so a chip reads the same on
 * light and dark themes. */
static const ChipColour chip_colours[] = {
  { "opt-out",               "#b71c1c", "#ffffff" },
  { "harassment",            "#4a148c", "#ffffff" },
  { "abusive",               "#c62828", "#ffffff" },
  { "crisis",                "#bf360c", "#ffffff" },
  { "our-mistake",           "#ffb74d", "#000000" },
  { "needs-expert",          "#1565c0", "#ffffff" },
  { "automation-question",   "#f9a825", "#000000" },
  { "annoyed-by-automation", "#ffcc80", "#000000" },
  { "confused",              "#b0bec5", "#000000" },
  { "not-a-fit",             "#cfd8dc", "#000000" },
  { "resolved",              "#2e7d32", "#ffffff" },
  { "interested",            "#00796b", "#ffffff" },
  { "feedback",              "#5c6bc0", "#ffffff" },
  { "question",              "#90caf9", "#000000" },
  { "praise",                "#81c784", "#000000" },
};

static const ChipColour *
chip_colour (const char *id)
{
  static const ChipColour fallback = { "", "#9e9e9e", "#000000" };

  for (gsize i = 0; i < G_N_ELEMENTS (chip_colours); i++)
    if (g_strcmp0 (chip_colours[i].id, id) == 0)
      return &chip_colours[i];
  return &fallback;
}

/* ------------------------------------------------------------------ entry */

static void
entry_put_text (TactBar *bar, const char *text)
{
  GtkTextBuffer *buf;
  GtkTextIter end;

  if (bar->entry == NULL || text == NULL)
    return;
  /* Plain text into the text buffer: never parsed as markup. */
  buf = gtk_text_view_get_buffer (GTK_TEXT_VIEW (bar->entry));
  gtk_text_buffer_set_text (buf, text, -1);
  gtk_text_buffer_get_end_iter (buf, &end);
  gtk_text_buffer_place_cursor (buf, &end);
  gtk_widget_grab_focus (bar->entry);
}

static gboolean
conv_alive (PurpleConversation *conv)
{
  return conv != NULL && g_list_find (purple_get_conversations (), conv) != NULL;
}

static void
bar_use_suggestion (TactBar *bar, guint index, gboolean send)
{
  if (index >= bar->n_suggestions || !conv_alive (bar->conv))
    return;
  if (send)
    {
      purple_debug_info (DBG, "sending suggestion %u\n", index + 1);
      if (!core_send_suggestion (bar->conv, (int) index))
        purple_debug_warning (DBG, "send-suggestion %u refused\n", index + 1);
    }
  else
    {
      purple_debug_info (DBG, "suggestion %u put into the entry\n", index + 1);
      entry_put_text (bar, bar->suggestions[index]);
    }
}

/* The bar's main action: the follow-up, or the opt-out confirmation. */
static gboolean
bar_main_action (TactBar *bar, const char *how)
{
  if (!conv_alive (bar->conv))
    return FALSE;
  if (bar->optout)
    {
      purple_debug_info (DBG, "confirm opt-out (%s)\n", how);
      return core_call_conv ("confirm-optout", bar->conv);
    }
  if (bar->followup != NULL)
    {
      purple_debug_info (DBG, "send follow-up (%s)\n", how);
      return core_call_conv ("send-followup", bar->conv);
    }
  return FALSE;
}

/* ------------------------------------------------------------------ block */

static void
block_request_free (BlockRequest *req)
{
  block_requests = g_list_remove (block_requests, req);
  g_free (req->who);
  g_free (req);
}

static void
block_confirmed_cb (BlockRequest *req, int action)
{
  if (g_list_find (purple_accounts_get_all (), req->account) != NULL)
    {
      purple_debug_info (DBG, "blocking a contact\n");
      purple_privacy_deny (req->account, req->who, FALSE, FALSE);
    }
  block_request_free (req);
}

static void
block_cancelled_cb (BlockRequest *req, int action)
{
  block_request_free (req);
}

static void
block_clicked_cb (GtkButton *button, TactBar *bar)
{
  PurpleAccount *account;
  const char *who;
  BlockRequest *req;
  char *primary;

  if (!conv_alive (bar->conv)
      || purple_conversation_get_type (bar->conv) != PURPLE_CONV_TYPE_IM)
    return;
  account = purple_conversation_get_account (bar->conv);
  who = purple_conversation_get_name (bar->conv);

  req = g_new0 (BlockRequest, 1);
  req->account = account;
  req->who = g_strdup (who);
  block_requests = g_list_prepend (block_requests, req);

  /* The request API shows primary/secondary as plain text. */
  primary = g_strdup_printf (_("Block %s?"), purple_conversation_get_title (bar->conv));
  purple_request_action (self_plugin, _("Block contact"), primary,
                         _("They will no longer be able to message you on this "
                           "account. Consider reporting them to the platform as well."),
                         1, account, who, bar->conv, req, 2,
                         _("_Block"), G_CALLBACK (block_confirmed_cb),
                         _("Cancel"), G_CALLBACK (block_cancelled_cb));
  g_free (primary);
}

/* ---------------------------------------------------------------- widgets */

static void
clear_container (GtkWidget *box)
{
  GList *children = gtk_container_get_children (GTK_CONTAINER (box));

  for (GList *l = children; l != NULL; l = l->next)
    gtk_widget_destroy (GTK_WIDGET (l->data));
  g_list_free (children);
}

static void
bar_apply_visibility (TactBar *bar)
{
  if (bar->root == NULL)
    return;
  gtk_label_set_text (GTK_LABEL (bar->toggle_label),
                      bar->collapsed ? "\xe2\x96\xb8" : "\xe2\x96\xbe");
  gtk_widget_set_tooltip_text (bar->toggle, bar->collapsed
                               ? _("Show the suggestions")
                               : _("Hide the suggestions"));
  if (bar->collapsed)
    gtk_widget_hide (bar->details);
  else
    gtk_widget_show (bar->details);
  if (bar->visible)
    gtk_widget_show (bar->root);
  else
    gtk_widget_hide (bar->root);
}

static void
toggle_clicked_cb (GtkButton *button, TactBar *bar)
{
  PurpleConversation *conv = conv_alive (bar->conv) ? bar->conv
                             : bar->gtkconv->active_conv;

  bar->collapsed = !bar->collapsed;
  /* Remembered on the conversation (an int, nothing to free), so it also
   * survives a reload of this plugin. */
  if (conv != NULL)
    purple_conversation_set_data (conv, COLLAPSED_KEY, GINT_TO_POINTER (bar->collapsed));
  purple_debug_info (DBG, "bar %s\n", bar->collapsed ? "collapsed" : "expanded");
  bar_apply_visibility (bar);
}

static void
suggestion_clicked_cb (GtkButton *button, TactBar *bar)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "tact-index"));
  GdkModifierType state = 0;

  gtk_get_current_event_state (&state);
  bar_use_suggestion (bar, index, (state & GDK_CONTROL_MASK) != 0);
}

static void
main_action_clicked_cb (GtkButton *button, TactBar *bar)
{
  bar_main_action (bar, "button");
}

static char *
preview_text (const char *text)
{
  GString *out = g_string_new (NULL);
  glong n = 0;

  /* One line, at most BUTTON_PREVIEW_CHARS characters. */
  for (const char *p = text; *p != '\0' && n < BUTTON_PREVIEW_CHARS;
       p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c))
        c = ' ';
      g_string_append_unichar (out, c);
    }
  if (g_utf8_strlen (text, -1) > BUTTON_PREVIEW_CHARS)
    g_string_append (out, "\xe2\x80\xa6");
  return g_string_free (out, FALSE);
}

static GtkWidget *
make_chip (const TactViewLabel *label, gboolean primary, gboolean judged)
{
  const ChipColour *colour = chip_colour (label->id);
  const char *title = (label->title != NULL && *label->title != '\0')
                      ? label->title : label->id;
  GtkWidget *ebox = gtk_event_box_new ();
  GtkWidget *text = gtk_label_new (NULL);
  GdkColor bg;
  char *markup;
  GString *tip = g_string_new (NULL);
  /* a label the judge guessed is marked as a guess */
  g_autofree char *shown = g_strconcat (title != NULL ? title : "", judged ? "?" : "", NULL);

  markup = g_markup_printf_escaped (primary
                                    ? "<span foreground=\"%s\" size=\"small\" weight=\"bold\">%s</span>"
                                    : "<span foreground=\"%s\" size=\"small\">%s</span>",
                                    colour->fg, shown);
  gtk_label_set_markup (GTK_LABEL (text), markup);
  g_free (markup);
  gtk_misc_set_padding (GTK_MISC (text), 6, 1);
  gtk_container_add (GTK_CONTAINER (ebox), text);
  if (gdk_color_parse (colour->bg, &bg))
    gtk_widget_modify_bg (ebox, GTK_STATE_NORMAL, &bg);

  /* Tooltips are set as plain text: evidence is attacker-controlled. */
  if (label->evidence != NULL && *label->evidence != '\0')
    g_string_append_printf (tip, judged ? _("guessed from the wording: %s") : _("matched: %s"),
                            label->evidence);
  if (label->handling != NULL && *label->handling != '\0')
    {
      if (tip->len > 0)
        g_string_append_c (tip, '\n');
      g_string_append (tip, label->handling);
    }
  if (tip->len > 0)
    gtk_widget_set_tooltip_text (ebox, tip->str);
  g_string_free (tip, TRUE);
  gtk_widget_set_name (ebox, "purple-tact-chip");
  gtk_widget_show_all (ebox);
  return ebox;
}

static GtkWidget *
make_action_button (const char *text, const char *stock, const char *tooltip)
{
  GtkWidget *button = gtk_button_new ();
  GtkWidget *hbox = gtk_hbox_new (FALSE, 4);
  GtkWidget *label = gtk_label_new (NULL);
  char *markup = g_markup_printf_escaped ("<b>%s</b>", text);

  gtk_label_set_markup_with_mnemonic (GTK_LABEL (label), markup);
  g_free (markup);
  if (stock != NULL)
    gtk_box_pack_start (GTK_BOX (hbox),
                        gtk_image_new_from_stock (stock, GTK_ICON_SIZE_MENU),
                        FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (hbox), label, FALSE, FALSE, 0);
  gtk_container_add (GTK_CONTAINER (button), hbox);
  if (tooltip != NULL)
    gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_show_all (button);
  return button;
}

static void
bar_clear_state (TactBar *bar)
{
  g_clear_pointer (&bar->primary, g_free);
  for (guint i = 0; i < TACT_VIEW_MAX_SUGGESTIONS; i++)
    g_clear_pointer (&bar->suggestions[i], g_free);
  bar->n_suggestions = 0;
  g_clear_pointer (&bar->followup, g_free);
  bar->optout = FALSE;
  bar->offer_block = FALSE;
  bar->visible = FALSE;
}

static gboolean
label_present (const TactView *view, const char *id)
{
  for (guint i = 0; i < view->n_labels && i < TACT_VIEW_MAX_LABELS; i++)
    if (g_strcmp0 (view->labels[i].id, id) == 0)
      return TRUE;
  return FALSE;
}

/* Rebuild the bar from @view (NULL or neutral: hide it). */
static void
bar_update (TactBar *bar, PurpleConversation *conv, const TactView *view)
{
  guint n_labels;
  GString *buttons;

  if (bar->root == NULL)
    return;
  bar->conv = conv;
  bar_clear_state (bar);
  clear_container (bar->chips_box);
  clear_container (bar->action_box);
  clear_container (bar->sugg_box);
  gtk_widget_hide (bar->advice);

  if (view == NULL || view->primary == NULL
      || g_strcmp0 (view->primary, "neutral") == 0)
    {
      purple_debug_info (DBG, "bar hidden: primary=%s\n",
                         view != NULL && view->primary != NULL ? view->primary : "(none)");
      bar_apply_visibility (bar);
      return;
    }

  bar->primary = g_strdup (view->primary);
  n_labels = MIN (view->n_labels, TACT_VIEW_MAX_LABELS);
  for (guint i = 0; i < n_labels; i++)
    {
      if (view->labels[i].id == NULL)
        continue;
      gtk_box_pack_start (GTK_BOX (bar->chips_box),
                          make_chip (&view->labels[i], i == 0, (view->judged & (1u << i)) != 0), FALSE, FALSE, 0);
    }
  if (view->opted_out)
    {
      GtkWidget *dnc = gtk_label_new (NULL);
      char *markup = g_markup_printf_escaped ("<small><i>%s</i></small>",
                                              _("on the do-not-contact list"));

      gtk_label_set_markup (GTK_LABEL (dnc), markup);
      g_free (markup);
      gtk_widget_show (dnc);
      gtk_box_pack_start (GTK_BOX (bar->chips_box), dnc, FALSE, FALSE, 0);
    }

  /* Suggestions */
  bar->n_suggestions = MIN (view->n_suggestions, TACT_VIEW_MAX_SUGGESTIONS);
  buttons = g_string_new (NULL);
  for (guint i = 0; i < bar->n_suggestions; i++)
    {
      const TactViewSuggestion *s = &view->suggestions[i];
      GtkWidget *button, *label;
      char *preview, *text, *tip;

      bar->suggestions[i] = g_strdup (s->text != NULL ? s->text : "");
      preview = preview_text (bar->suggestions[i]);
      text = s->needs_edit ? g_strdup_printf (_("%u (edit): %s"), i + 1, preview)
                           : g_strdup_printf ("%u: %s", i + 1, preview);
      button = gtk_button_new ();
      label = gtk_label_new (text); /* plain text, no markup */
      /* The buttons share the bar's width and ellipsize, so the bar never
       * forces a wider conversation window. */
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_misc_set_alignment (GTK_MISC (label), 0.0, 0.5);
      gtk_container_add (GTK_CONTAINER (button), label);
      gtk_button_set_relief (GTK_BUTTON (button), GTK_RELIEF_HALF);
      gtk_widget_set_name (button, "purple-tact-suggestion");
      tip = g_strdup_printf (_("%s\n\nClick: put into the message entry (Alt+%u)\n"
                               "Ctrl+click: send as is"),
                             bar->suggestions[i], i + 1);
      gtk_widget_set_tooltip_text (button, tip);
      g_object_set_data (G_OBJECT (button), "tact-index", GUINT_TO_POINTER (i));
      g_signal_connect (button, "clicked", G_CALLBACK (suggestion_clicked_cb), bar);
      gtk_widget_show_all (button);
      gtk_box_pack_start (GTK_BOX (bar->sugg_box), button, TRUE, TRUE, 0);
      g_string_append_printf (buttons, "%s%s", i ? "," : "",
                              s->id != NULL ? s->id : "?");
      g_free (preview);
      g_free (text);
      g_free (tip);
    }

  /* Main action: Confirm opt-out replaces Send follow-up. */
  bar->optout = g_strcmp0 (view->primary, "opt-out") == 0;
  if (!bar->optout && view->followup != NULL)
    bar->followup = g_strdup (view->followup);
  if (bar->optout)
    {
      GtkWidget *b = make_action_button (_("Confirm opt-out"), GTK_STOCK_APPLY,
                                         _("Send the opt-out confirmation and keep the "
                                           "contact on the do-not-contact list (Ctrl+Shift+F)"));
      gtk_widget_set_name (b, "purple-tact-optout");
      g_signal_connect (b, "clicked", G_CALLBACK (main_action_clicked_cb), bar);
      gtk_box_pack_end (GTK_BOX (bar->action_box), b, FALSE, FALSE, 0);
    }
  else if (bar->followup != NULL)
    {
      char *tip = g_strdup_printf (_("%s\n\n(Ctrl+Shift+F)"), bar->followup);
      GtkWidget *b = make_action_button (_("Send follow-up"), GTK_STOCK_OK, tip);

      gtk_widget_set_name (b, "purple-tact-followup");

      g_free (tip);
      g_signal_connect (b, "clicked", G_CALLBACK (main_action_clicked_cb), bar);
      gtk_box_pack_end (GTK_BOX (bar->action_box), b, FALSE, FALSE, 0);
    }

  /* Abusive / harassment: advice, and Block for harassment. */
  if (label_present (view, "abusive") || label_present (view, "harassment")
      || view->offer_block)
    {
      gtk_label_set_text (GTK_LABEL (bar->advice),
                          _("Don't answer in kind: stay calm, one short private line "
                            "at most, and never delete a fair complaint."));
      gtk_widget_show (bar->advice);
    }
  /* Block acts on the contact of an IM; in a chat the name is the room's. */
  bar->offer_block = view->offer_block && conv != NULL
                     && purple_conversation_get_type (conv) == PURPLE_CONV_TYPE_IM;
  if (bar->offer_block)
    {
      GtkWidget *b = make_action_button (_("Block"), GTK_STOCK_STOP,
                                         _("Block this contact on this account "
                                           "(asks for confirmation)"));
      gtk_widget_set_name (b, "purple-tact-block");
      g_signal_connect (b, "clicked", G_CALLBACK (block_clicked_cb), bar);
      gtk_box_pack_end (GTK_BOX (bar->action_box), b, FALSE, FALSE, 0);
    }

  bar->visible = TRUE;
  bar_apply_visibility (bar);
  purple_debug_info (DBG, "bar shown: primary=%s chips=%u buttons=%u [%s] followup=%d "
                     "optout=%d block=%d collapsed=%d\n",
                     bar->primary, n_labels, bar->n_suggestions, buttons->str,
                     bar->followup != NULL, bar->optout, bar->offer_block,
                     bar->collapsed);
  g_string_free (buttons, TRUE);
}

/* -------------------------------------------------------------- keyboard */

static gboolean
bar_key_press (TactBar *bar, GdkEventKey *key)
{
  guint mods = key->state & (GDK_CONTROL_MASK | GDK_SHIFT_MASK | GDK_MOD1_MASK);
  guint keyval = gdk_keyval_to_lower (key->keyval);

  if (!bar->visible)
    return FALSE;
  if (mods == GDK_MOD1_MASK && keyval >= GDK_1 && keyval <= GDK_3)
    {
      guint index = keyval - GDK_1;

      if (index < bar->n_suggestions)
        {
          bar_use_suggestion (bar, index, FALSE);
          return TRUE;
        }
      return FALSE;
    }
  if (mods == (GDK_CONTROL_MASK | GDK_SHIFT_MASK) && keyval == GDK_f)
    {
      if (bar->optout || bar->followup != NULL)
        bar_main_action (bar, "Ctrl+Shift+F");
      else
        purple_debug_info (DBG, "Ctrl+Shift+F: no follow-up for this message\n");
      return TRUE;
    }
  return FALSE;
}

/* The conversation window's own key-press handler (Pidgin) takes Alt+digit
 * for tab switching before the entry sees it, so the shortcuts are read by a
 * key snooper, which runs before any widget.  It acts only when the focus of
 * the window is the message entry of a conversation that has a bar. */
static gint
key_snooper (GtkWidget *grab_widget, GdkEventKey *event, gpointer data)
{
  GtkWidget *toplevel, *focus;
  TactBar *bar;

  if (event->type != GDK_KEY_PRESS || grab_widget == NULL)
    return FALSE;
  toplevel = gtk_widget_get_toplevel (grab_widget);
  if (!GTK_IS_WINDOW (toplevel))
    return FALSE;
  focus = gtk_window_get_focus (GTK_WINDOW (toplevel));
  if (focus == NULL)
    return FALSE;
  bar = g_object_get_data (G_OBJECT (focus), BAR_KEY);
  if (bar == NULL || bar->entry != focus)
    return FALSE;
  return bar_key_press (bar, event);
}

/* ------------------------------------------------------- bar life cycle */

static void
bar_root_destroyed_cb (GtkWidget *root, TactBar *bar)
{
  if (bar->entry != NULL)
    {
      if (g_object_get_data (G_OBJECT (bar->entry), BAR_KEY) == bar)
        g_object_set_data (G_OBJECT (bar->entry), BAR_KEY, NULL);
      g_object_remove_weak_pointer (G_OBJECT (bar->entry), (gpointer *) &bar->entry);
      bar->entry = NULL;
    }
  if (bar->tab_cont != NULL)
    {
      if (g_object_get_data (G_OBJECT (bar->tab_cont), BAR_KEY) == bar)
        g_object_set_data (G_OBJECT (bar->tab_cont), BAR_KEY, NULL);
      g_object_remove_weak_pointer (G_OBJECT (bar->tab_cont), (gpointer *) &bar->tab_cont);
      bar->tab_cont = NULL;
    }
  bar->root = NULL;
  bars = g_list_remove (bars, bar);
  bar_clear_state (bar);
  g_free (bar);
}

static TactBar *
bar_get (PidginConversation *gtkconv)
{
  if (gtkconv == NULL || gtkconv->tab_cont == NULL)
    return NULL;
  return g_object_get_data (G_OBJECT (gtkconv->tab_cont), BAR_KEY);
}

/* Put the bar above the entry: into the box that holds lower_hbox (the
 * formatting toolbar + entry), just before it.  This box is per
 * conversation (inside the tab), so tabs and tab moves keep it right. */
static gboolean
bar_pack (TactBar *bar, PidginConversation *gtkconv)
{
  GtkWidget *parent = gtk_widget_get_parent (gtkconv->lower_hbox);
  GList *children;
  int pos;

  if (parent == NULL || !GTK_IS_BOX (parent))
    return FALSE;
  children = gtk_container_get_children (GTK_CONTAINER (parent));
  pos = g_list_index (children, gtkconv->lower_hbox);
  g_list_free (children);
  gtk_box_pack_start (GTK_BOX (parent), bar->root, FALSE, FALSE, 0);
  if (pos >= 0)
    gtk_box_reorder_child (GTK_BOX (parent), bar->root, pos);
  return TRUE;
}

static TactBar *
bar_ensure (PidginConversation *gtkconv)
{
  TactBar *bar = bar_get (gtkconv);
  GtkWidget *row, *toggle_box;

  if (bar != NULL)
    return bar;
  if (gtkconv == NULL || gtkconv->tab_cont == NULL || gtkconv->lower_hbox == NULL
      || gtkconv->entry == NULL)
    return NULL;

  bar = g_new0 (TactBar, 1);
  bar->gtkconv = gtkconv;
  bar->conv = gtkconv->active_conv;
  if (bar->conv != NULL)
    bar->collapsed = GPOINTER_TO_INT (purple_conversation_get_data (bar->conv, COLLAPSED_KEY));

  bar->root = gtk_vbox_new (FALSE, 2);
  gtk_widget_set_name (bar->root, BAR_WIDGET_NAME);
  gtk_container_set_border_width (GTK_CONTAINER (bar->root), 2);

  row = gtk_hbox_new (FALSE, 4);
  bar->toggle = gtk_button_new ();
  gtk_widget_set_name (bar->toggle, "purple-tact-toggle");
  gtk_button_set_relief (GTK_BUTTON (bar->toggle), GTK_RELIEF_NONE);
  gtk_button_set_focus_on_click (GTK_BUTTON (bar->toggle), FALSE);
  bar->toggle_label = gtk_label_new (NULL);
  gtk_container_add (GTK_CONTAINER (bar->toggle), bar->toggle_label);
  g_signal_connect (bar->toggle, "clicked", G_CALLBACK (toggle_clicked_cb), bar);
  toggle_box = bar->toggle;
  gtk_box_pack_start (GTK_BOX (row), toggle_box, FALSE, FALSE, 0);
  bar->chips_box = gtk_hbox_new (FALSE, 4);
  gtk_box_pack_start (GTK_BOX (row), bar->chips_box, FALSE, FALSE, 0);
  bar->action_box = gtk_hbox_new (FALSE, 4);
  gtk_box_pack_end (GTK_BOX (row), bar->action_box, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (bar->root), row, FALSE, FALSE, 0);

  bar->details = gtk_vbox_new (FALSE, 2);
  bar->sugg_box = gtk_hbox_new (TRUE, 4);   /* homogeneous: equal shares */
  gtk_box_pack_start (GTK_BOX (bar->details), bar->sugg_box, FALSE, FALSE, 0);
  bar->advice = gtk_label_new (NULL);
  gtk_misc_set_alignment (GTK_MISC (bar->advice), 0.0, 0.5);
  gtk_label_set_line_wrap (GTK_LABEL (bar->advice), TRUE);
  gtk_box_pack_start (GTK_BOX (bar->details), bar->advice, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (bar->root), bar->details, FALSE, FALSE, 0);

  gtk_widget_show_all (row);
  gtk_widget_show (bar->sugg_box);

  if (!bar_pack (bar, gtkconv))
    {
      purple_debug_warning (DBG, "no place for the bar in this conversation\n");
      gtk_widget_destroy (bar->root);
      g_free (bar);
      return NULL;
    }

  bar->tab_cont = gtkconv->tab_cont;
  g_object_add_weak_pointer (G_OBJECT (bar->tab_cont), (gpointer *) &bar->tab_cont);
  g_object_set_data (G_OBJECT (bar->tab_cont), BAR_KEY, bar);
  bar->entry = gtkconv->entry;
  g_object_add_weak_pointer (G_OBJECT (bar->entry), (gpointer *) &bar->entry);
  g_object_set_data (G_OBJECT (bar->entry), BAR_KEY, bar);
  g_signal_connect (bar->root, "destroy", G_CALLBACK (bar_root_destroyed_cb), bar);
  bars = g_list_prepend (bars, bar);
  bar_apply_visibility (bar);
  purple_debug_info (DBG, "bar added (%u bars)\n", g_list_length (bars));
  return bar;
}

static PidginConversation *
gtkconv_of (PurpleConversation *conv)
{
  if (conv == NULL || !PIDGIN_IS_PIDGIN_CONVERSATION (conv))
    return NULL;
  return PIDGIN_CONVERSATION (conv);
}

/* -------------------------------------------------------------- signals */

static void
tact_analyzed_cb (PurpleConversation *conv, const TactView *view, gpointer data)
{
  TactBar *bar = bar_ensure (gtkconv_of (conv));

  if (bar != NULL)
    bar_update (bar, conv, view);
}

static void
forget_conv (PurpleConversation *conv)
{
  for (GList *l = bars; l != NULL; l = l->next)
    {
      TactBar *bar = l->data;

      if (bar->conv == conv)
        bar_update (bar, NULL, NULL);
    }
}

static void
tact_cleared_cb (PurpleConversation *conv, gpointer data)
{
  forget_conv (conv);
}

static void
conversation_displayed_cb (PidginConversation *gtkconv, gpointer data)
{
  TactBar *bar = bar_ensure (gtkconv);

  if (bar != NULL && !bar->visible && gtkconv->active_conv != NULL)
    {
      const TactView *view = core_get_view (gtkconv->active_conv);

      if (view != NULL)
        bar_update (bar, gtkconv->active_conv, view);
    }
}

static void
deleting_conversation_cb (PurpleConversation *conv, gpointer data)
{
  PidginConversation *gtkconv = gtkconv_of (conv);
  TactBar *bar;

  forget_conv (conv);
  /* The last conversation of the tab: the tab goes away with it. */
  bar = bar_get (gtkconv);
  if (bar != NULL && g_list_length (gtkconv->convs) <= 1 && bar->root != NULL)
    gtk_widget_destroy (bar->root);
}

/* --------------------------------------------------------------- plugin */

static gboolean
plugin_load (PurplePlugin *plugin)
{
  PurplePlugin *core = purple_plugins_find_with_id (TACT_CORE_PLUGIN_ID);
  void *gtkconv_handle = pidgin_conversations_get_handle ();
  guint n = 0;

  if (core == NULL)
    {
      purple_debug_error (DBG, "core plugin %s not found\n", TACT_CORE_PLUGIN_ID);
      return FALSE;
    }
  self_plugin = plugin;
  purple_signal_connect (core, "tact-analyzed", plugin,
                         PURPLE_CALLBACK (tact_analyzed_cb), NULL);
  purple_signal_connect (core, "tact-conversation-cleared", plugin,
                         PURPLE_CALLBACK (tact_cleared_cb), NULL);
  purple_signal_connect (gtkconv_handle, "conversation-displayed", plugin,
                         PURPLE_CALLBACK (conversation_displayed_cb), NULL);
  purple_signal_connect (purple_conversations_get_handle (), "deleting-conversation",
                         plugin, PURPLE_CALLBACK (deleting_conversation_cb), NULL);

  for (GList *l = purple_get_conversations (); l != NULL; l = l->next)
    {
      PidginConversation *gtkconv = gtkconv_of (l->data);
      TactBar *bar;

      if (gtkconv == NULL)
        continue;
      bar = bar_ensure (gtkconv);
      if (bar == NULL)
        continue;
      n++;
      if (!bar->visible && gtkconv->active_conv == l->data)
        {
          const TactView *view = core_get_view (l->data);

          if (view != NULL)
            bar_update (bar, l->data, view);
        }
    }
  key_snooper_id = gtk_key_snooper_install (key_snooper, NULL);
  core_set_inline_lines (0);
  purple_debug_info (DBG, "loaded: %u bars\n", n);
  return TRUE;
}

static gboolean
plugin_unload (PurplePlugin *plugin)
{
  guint n = 0;

  /* Open Block confirmations: close them (their callbacks will not run). */
  purple_request_close_with_handle (plugin);
  while (block_requests != NULL)
    block_request_free (block_requests->data);

  while (bars != NULL)
    {
      TactBar *bar = bars->data;

      n++;
      if (bar->root != NULL)
        gtk_widget_destroy (bar->root); /* frees bar, removes it from bars */
      else
        bars = g_list_remove (bars, bar);
    }
  if (key_snooper_id != 0)
    gtk_key_snooper_remove (key_snooper_id);
  key_snooper_id = 0;
  core_set_inline_lines (1);
  purple_debug_info (DBG, "unloaded: %u bars removed, %u left\n", n, g_list_length (bars));
  self_plugin = NULL;
  return TRUE;
}

static PurplePluginInfo info = {
  PURPLE_PLUGIN_MAGIC,
  PURPLE_MAJOR_VERSION,
  PURPLE_MINOR_VERSION,
  PURPLE_PLUGIN_STANDARD,
  PIDGIN_PLUGIN_TYPE,
  0,
  NULL,                 /* dependencies: set in init_plugin */
  PURPLE_PRIORITY_DEFAULT,
  TACT_GTK_PLUGIN_ID,
  NULL,                 /* name, summary, description: set in init_plugin */
  TACT_VERSION,
  NULL,
  NULL,
  "purple-tact developers",
  NULL,
  plugin_load,
  plugin_unload,
  NULL,
  NULL,
  NULL,
  NULL,
  NULL,
  NULL, NULL, NULL, NULL
};

static void
init_plugin (PurplePlugin *plugin)
{
  bindtextdomain (GETTEXT_PACKAGE, TACT_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  info.name = _("Tact situation bar");
  info.summary = _("Shows the situation of incoming messages and suggested replies "
                   "above the message entry.");
  info.description = _("A bar above the message entry of each conversation shows "
                       "what the contact is doing (asking whether the message was "
                       "automated, asking to stop, complaining, praising…), 2–3 "
                       "suggested replies, and a Send follow-up button. "
                       "Alt+1…3 put a suggestion into the entry; Ctrl+Shift+F sends "
                       "the follow-up. Needs the Tact core plugin.");
  info.dependencies = g_list_append (info.dependencies, (gpointer) TACT_CORE_PLUGIN_ID);
}

PURPLE_INIT_PLUGIN (pidgin_tact, init_plugin, info)
