/* purple-tact — the contract between the core plugin and UI plugins.
 *
 * The core plugin (id TACT_CORE_PLUGIN_ID, works in every libpurple UI)
 * analyses incoming messages and publishes the result as a TactView: plain
 * data, no engine types, so a UI plugin (plugin/pidgin/) needs only this
 * header and libpurple — it never links the engine.
 *
 * Signals (registered on the core plugin's handle; connect with
 * purple_signal_connect (purple_plugins_find_with_id (TACT_CORE_PLUGIN_ID), …)):
 *
 *   "tact-analyzed"   void (PurpleConversation *conv, const TactView *view)
 *       After an incoming message of @conv was analysed (the conversation
 *       exists by then).  @view is borrowed for the duration of the emission;
 *       copy what you keep, or fetch it later with the "get-view" IPC call.
 *
 *   "tact-conversation-cleared"   void (PurpleConversation *conv)
 *       The per-conversation state was dropped (deleting-conversation).
 *
 * IPC calls (purple_plugin_ipc_call (core_plugin, NAME, &ok, args…)):
 *
 *   "get-view"        const TactView * (PurpleConversation *conv)
 *       The last view of @conv, or NULL.  Borrowed: valid until the next
 *       message of @conv or until the conversation is deleted.
 *   "send-suggestion" gboolean (PurpleConversation *conv, int index)
 *       Sends suggestion @index (0-based) through the conversation exactly
 *       like "/tact use N+1".  FALSE if there is no such suggestion.
 *   "send-followup"   gboolean (PurpleConversation *conv)
 *       Like "/tact followup" (asks for confirmation when sent < 10 min ago).
 *   "confirm-optout"  gboolean (PurpleConversation *conv)
 *       Sends the opt-out confirmation (suggestion 0 of an opt-out view) and
 *       makes sure the contact is on the do-not-contact list.
 *   "set-inline-lines" void (int enabled)
 *       Lets a UI plugin that shows the analysis itself switch the core
 *       plugin's inline system lines off (and back on when it unloads).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

#define TACT_CORE_PLUGIN_ID "core-purple-tact"
#define TACT_VIEW_MAX_LABELS 16
#define TACT_VIEW_MAX_SUGGESTIONS 3

typedef struct {
  const char *id;        /* stable label id, e.g. "opt-out" */
  const char *title;     /* translated short name, e.g. "Opt-out" */
  double      score;     /* (0, 1] */
  const char *evidence;  /* plain text span that triggered it, may be "" */
  const char *handling;  /* one translated line of recommended handling */
} TactViewLabel;

typedef struct {
  const char *id;        /* template id */
  const char *text;      /* full plain-text reply, already personalised */
  gboolean    needs_edit;
} TactViewSuggestion;

typedef struct {
  const char        *lang;         /* "en" */
  double             polarity;     /* [-1, 1] */
  const char        *primary;      /* label id; "neutral" when nothing special */
  guint              n_labels;     /* primary first */
  TactViewLabel      labels[TACT_VIEW_MAX_LABELS];
  guint              n_suggestions;
  TactViewSuggestion suggestions[TACT_VIEW_MAX_SUGGESTIONS];
  const char        *followup;     /* automation follow-up text when it fits
                                      (automation-question / annoyed-by-automation,
                                      and no opt-out); else NULL */
  gboolean           opted_out;    /* contact is on the do-not-contact list */
  gboolean           offer_block;  /* harassment: offer privacy deny */
  gint64             received_at;  /* unix seconds of the analysed message */
  /* added after the fields above, so UIs built against the older layout
   * still read them right: bit i set = labels[i] was guessed by the judge
   * (a trained model), not matched by a cue; show it as a guess */
  guint32            judged;
} TactView;
