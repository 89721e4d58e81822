/* The do-not-contact list.
 *
 * Keyed by protocol, account and normalised contact so the same person on
 * another account or network is a separate entry.  Persisted to
 * <purple user dir>/tact/optouts.json; an opt-out is written (and fsynced)
 * from a short timeout rather than inside the signal handler, because
 * losing one is worse than one extra disk write.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tact-private.h"

#include <string.h>

#define OPTOUT_SCHEMA "purple-tact-optouts/1"

typedef struct {
  char  *protocol;
  char  *account;
  char  *contact;
  char  *reason;
  gint64 added;   /* unix seconds */
} OptOut;

static GHashTable *optouts;  /* key → OptOut* */
static TactStore  *store;

static void
optout_free (gpointer data)
{
  OptOut *o = data;

  g_free (o->protocol);
  g_free (o->account);
  g_free (o->contact);
  g_free (o->reason);
  g_free (o);
}

/* purple_normalize keeps a resource for some protocols and returns a
 * static buffer; strip the resource ourselves and own the result. */
static char *
normalise (PurpleAccount *account, const char *name)
{
  const char *norm = purple_normalize (account, name);
  char *out = g_strdup (norm != NULL ? norm : name);
  char *slash = strchr (out, '/');

  if (slash != NULL)
    *slash = '\0';
  return out;
}

static char *
make_key (const char *protocol, const char *account, const char *contact)
{
  return g_strjoin ("\n", protocol, account, contact, NULL);
}

char *
tact_optout_key (PurpleAccount *account, const char *who)
{
  g_autofree char *acct = normalise (account, purple_account_get_username (account));
  g_autofree char *contact = normalise (account, who);

  return make_key (purple_account_get_protocol_id (account), acct, contact);
}

static json_t *
snapshot (gpointer user_data)
{
  json_t *entries = json_array ();
  g_autoptr (GList) values = g_hash_table_get_values (optouts);

  for (GList *l = values; l != NULL; l = l->next)
    {
      OptOut *o = l->data;
      json_array_append_new (entries,
                             json_pack ("{s:s, s:s, s:s, s:s, s:I}", "protocol", o->protocol,
                                        "account", o->account, "contact", o->contact,
                                        "reason", o->reason, "added", (json_int_t) o->added));
    }
  return json_pack ("{s:s, s:o}", "schema", OPTOUT_SCHEMA, "entries", entries);
}

static void
insert (const char *protocol, const char *account, const char *contact, const char *reason,
        gint64 added)
{
  OptOut *o = g_new0 (OptOut, 1);

  o->protocol = g_strdup (protocol);
  o->account = g_strdup (account);
  o->contact = g_strdup (contact);
  o->reason = g_strdup (reason != NULL ? reason : "command");
  o->added = added;
  g_hash_table_replace (optouts, make_key (protocol, account, contact), o);
}

gboolean
tact_optout_init (const char *state_dir, GError **error)
{
  g_autofree char *path = g_build_filename (state_dir, "optouts.json", NULL);
  json_t *root;
  json_t *entries;
  json_t *e;
  size_t i;

  optouts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, optout_free);
  store = tact_store_new (path, snapshot, NULL);
  root = tact_store_load (store, error);
  if (root == NULL)
    return error == NULL || *error == NULL;

  entries = json_object_get (root, "entries");
  json_array_foreach (entries, i, e)
    {
      const char *protocol = NULL, *account = NULL, *contact = NULL, *reason = NULL;
      json_int_t added = 0;

      /* Skip an entry we cannot read instead of dropping the whole list. */
      if (json_unpack (e, "{s:s, s:s, s:s, s?:s, s?:I}", "protocol", &protocol, "account",
                       &account, "contact", &contact, "reason", &reason, "added", &added) != 0)
        {
          purple_debug_warning (TACT_LOG_DOMAIN, "%s: skipping malformed entry %zu\n", path, i);
          continue;
        }
      insert (protocol, account, contact, reason, added);
    }
  json_decref (root);
  purple_debug_info (TACT_LOG_DOMAIN, "do-not-contact list: %u entries\n",
                     g_hash_table_size (optouts));
  return TRUE;
}

void
tact_optout_shutdown (void)
{
  g_clear_pointer (&store, tact_store_free);  /* flushes */
  g_clear_pointer (&optouts, g_hash_table_unref);
}

gboolean
tact_optout_has (PurpleAccount *account, const char *who)
{
  g_autofree char *key = NULL;

  if (optouts == NULL || account == NULL || who == NULL)
    return FALSE;
  key = tact_optout_key (account, who);
  return g_hash_table_contains (optouts, key);
}

gboolean
tact_optout_add (PurpleAccount *account, const char *who, const char *reason)
{
  g_autofree char *acct = NULL;
  g_autofree char *contact = NULL;

  if (optouts == NULL || tact_optout_has (account, who))
    return FALSE;
  acct = normalise (account, purple_account_get_username (account));
  contact = normalise (account, who);
  insert (purple_account_get_protocol_id (account), acct, contact, reason,
          g_get_real_time () / G_USEC_PER_SEC);
  tact_store_schedule (store, TACT_STORE_PROMPT_MS);
  purple_debug_info (TACT_LOG_DOMAIN, "do-not-contact: added an entry (%s)\n", reason);
  return TRUE;
}

gboolean
tact_optout_remove (PurpleAccount *account, const char *who)
{
  g_autofree char *key = NULL;

  if (optouts == NULL)
    return FALSE;
  key = tact_optout_key (account, who);
  if (!g_hash_table_remove (optouts, key))
    return FALSE;
  tact_store_schedule (store, TACT_STORE_PROMPT_MS);
  return TRUE;
}

guint
tact_optout_count (void)
{
  return optouts != NULL ? g_hash_table_size (optouts) : 0;
}
