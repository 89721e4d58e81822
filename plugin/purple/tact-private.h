/* purple-tact — internal declarations shared by the core plugin's modules.
 *
 * One TactPlugin lives between load and unload (the global `tact`, NULL
 * otherwise); every module reaches the engine, stores and timers through
 * it so unload can release everything in one place.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "tact-config.h"  /* GETTEXT_PACKAGE, before gi18n-lib.h */

#include <purple.h>
#include <jansson.h>
#include <glib/gi18n-lib.h>

#include "tact-engine.h"
#include "tact-view.h"

#define TACT_PREFS_ROOT       "/plugins/core/purple-tact"
#define TACT_PREF_AGENT       TACT_PREFS_ROOT "/agent_name"
#define TACT_PREF_COMPANY     TACT_PREFS_ROOT "/company_name"
#define TACT_PREF_PRODUCT     TACT_PREFS_ROOT "/product"
#define TACT_PREF_USER_DIR    TACT_PREFS_ROOT "/user_pack_dir"
#define TACT_PREF_INLINE      TACT_PREFS_ROOT "/inline_lines"
#define TACT_PREF_GREET_NAMES TACT_PREFS_ROOT "/greet_handles_by_name"

#define TACT_LOG_DOMAIN "tact"
/* Sending the follow-up again within this window asks first. */
#define TACT_FOLLOWUP_CONFIRM_SECS (10 * 60)
/* Batched state writes; opt-outs are flushed sooner (and fsynced). */
#define TACT_STORE_BATCH_MS  2000
#define TACT_STORE_PROMPT_MS 200

/* ---- tact-store.c: atomic JSON files ---------------------------------- */
typedef struct _TactStore TactStore;
/* Produces the document to write (new reference). */
typedef json_t *(*TactStoreSnapshotFunc) (gpointer user_data);

TactStore *tact_store_new (const char *path, TactStoreSnapshotFunc snapshot, gpointer user_data);
/* Flushes pending changes (best effort) and frees. */
void       tact_store_free (TactStore *store);
/* Reads the file; a corrupt one is moved aside and the .bak used.
 * Returns NULL (no error) when neither exists.  New reference. */
json_t    *tact_store_load (TactStore *store, GError **error);
/* Marks the store dirty and makes sure a write happens within @delay_ms. */
void       tact_store_schedule (TactStore *store, guint delay_ms);
gboolean   tact_store_flush (TactStore *store, GError **error);
gboolean   tact_store_is_dirty (const TactStore *store);
const char *tact_store_get_path (const TactStore *store);

/* ---- tact-view.c: TactView from an analysis --------------------------- */
typedef struct _TactViewData TactViewData;
TactViewData *tact_view_build (TactEngine *engine, const TactAnalysis *analysis,
                               const TactContext *ctx, gboolean opted_out, gint64 received_at);
void          tact_view_free (TactViewData *data);
const TactView *tact_view_get (const TactViewData *data);
/* The label a suggestion answers (opt-out confirmations bypass the hold). */
TactLabel     tact_view_suggestion_label (const TactViewData *data, guint index);
/* The inline line, already HTML-escaped: compact (one line, suggestions
 * cut short) after each message, @full for /tact.  @mention_by is the nick
 * that mentioned us in a chat, NULL for IMs.  New. */
char         *tact_view_format_line (const TactView *view, const char *mention_by, gboolean full);
const char   *tact_view_label_title (const char *id);

/* ---- tact-conv.c: per-conversation state ------------------------------ */
typedef struct {
  TactAnalysis *analysis;   /* last analysed incoming message */
  TactViewData *view;       /* what UIs and /tact use N see */
  char         *mention_by; /* chats: who mentioned us last */
  char         *held;       /* HTML of a send held by the opt-out list */
} TactConv;

TactConv *tact_conv_get (PurpleConversation *conv);       /* NULL if none */
TactConv *tact_conv_ensure (PurpleConversation *conv);
void      tact_conv_clear (PurpleConversation *conv);     /* frees + emits cleared */
void      tact_conv_clear_all (void);
/* Writes a system line (not logged) guarded against our own hooks. */
void      tact_conv_write_system (PurpleConversation *conv, const char *html);
void      tact_conv_notice (PurpleConversation *conv, const char *format, ...) G_GNUC_PRINTF (2, 3);
/* Display name of the contact: alias / server alias / name without resource. New. */
char     *tact_conv_contact_name (PurpleAccount *account, const char *who, PurpleConversation *chat);
/* The contact @conv talks to (IM) without resource.  New. */
char     *tact_conv_contact_id (PurpleConversation *conv);
/* Fills @ctx from prefs; ctx->name borrows @name. */
void      tact_conv_fill_context (TactContext *ctx, const char *name);

/* ---- tact-optout.c: the do-not-contact list --------------------------- */
gboolean  tact_optout_init (const char *state_dir, GError **error);
void      tact_optout_shutdown (void);
gboolean  tact_optout_has (PurpleAccount *account, const char *who);
/* TRUE when newly added.  @reason: "label" or "command". */
gboolean  tact_optout_add (PurpleAccount *account, const char *who, const char *reason);
gboolean  tact_optout_remove (PurpleAccount *account, const char *who);
guint     tact_optout_count (void);
/* "prpl-jabber" "\n" account "\n" contact, normalised.  New. */
char     *tact_optout_key (PurpleAccount *account, const char *who);

/* ---- tact-send.c: everything that goes out ---------------------------- */
gboolean  tact_send_init (const char *state_dir, GError **error);
void      tact_send_shutdown (void);
/* Sends plain @text through @conv like a typed message (escaped to HTML).
 * @bypass_optout: an opt-out confirmation may reach a listed contact. */
gboolean  tact_send_text (PurpleConversation *conv, const char *text, gboolean bypass_optout);
gboolean  tact_send_suggestion (PurpleConversation *conv, guint index, GError **error);
/* Sends the follow-up, asking first when one went out < 10 min ago. */
gboolean  tact_send_followup (PurpleConversation *conv, GError **error);
gboolean  tact_send_optout_confirmation (PurpleConversation *conv);
gboolean  tact_send_held (PurpleConversation *conv, GError **error);
/* TRUE while tact_send_text lets an opt-out confirmation through. */
gboolean  tact_send_is_bypassing (void);

/* ---- tact-hooks.c ------------------------------------------------------ */
void      tact_hooks_connect (PurplePlugin *plugin);
void      tact_hooks_shutdown (void);
/* Analyses @text for @conv now and publishes line + signal. */
void      tact_hooks_publish (PurpleConversation *conv, PurpleAccount *account,
                              const char *who, const char *text, gint64 when);

/* ---- tact-commands.c --------------------------------------------------- */
void      tact_commands_register (void);
void      tact_commands_unregister (void);

/* ---- tact-ipc.c -------------------------------------------------------- */
void      tact_ipc_register (PurplePlugin *plugin);
void      tact_ipc_unregister (PurplePlugin *plugin);
void      tact_ipc_emit_analyzed (PurpleConversation *conv, const TactView *view);
void      tact_ipc_emit_cleared (PurpleConversation *conv);

/* ---- tact-plugin.c ----------------------------------------------------- */
typedef struct {
  PurplePlugin *plugin;
  TactEngine   *engine;
  char         *data_dir;       /* shipped packs in use; NULL = built-in */
  char         *state_dir;      /* <purple user dir>/tact */
  gboolean      inline_blocked; /* a UI plugin shows the analysis itself */
  gboolean      writing;        /* inside our own purple_conversation_write */
} TactPlugin;

extern TactPlugin *tact;  /* NULL while not loaded */

gboolean  tact_plugin_inline_enabled (void);
/* Recreates the engine (user pack dir changed, /tact reload). */
gboolean  tact_plugin_reload_engine (GError **error);
