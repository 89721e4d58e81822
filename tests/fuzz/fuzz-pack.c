/* Fuzz target: a pack file a user wrote (data/README.md), compiled over a
 * small base pack (tests/fuzz/base/en/, two cues per label from the
 * shipped ones, so that a compile takes a millisecond, not sixty).
 *
 * The first byte picks the kind of file (language, lexicon, cues, replies,
 * judge) and whether it overrides the base's or stands in for it, as a
 * language only the user has does; the rest is the file.  Either the
 * compiler refuses it with an error naming file:line:col, or the pack it
 * makes analyses messages (the file's own text among them, so that its
 * words and patterns occur), renders every template it holds without a
 * hole, and reads back from a snapshot to the same answers.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fuzz-common.h"
#include "tact-snapshot.h"


#ifndef TACT_FUZZ_BASEDIR
#error "TACT_FUZZ_BASEDIR must be defined"
#endif

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static char *base_buf[TACT_PACK_KINDS];
static gsize base_len[TACT_PACK_KINDS];
static char *snap_path;
/* TACT_FUZZ_VERBOSE set: say what became of each input (for corpus authors) */
static gboolean verbose;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  for (guint k = 0; k < TACT_PACK_KINDS; k++)
    {
      g_autofree char *file = g_strdup_printf ("%s.json", tact_pack_kinds[k]);
      g_autofree char *path = g_build_filename (TACT_FUZZ_BASEDIR, "en", file, NULL);
      GError *err = NULL;
      fuzz_check (g_file_get_contents (path, &base_buf[k], &base_len[k], &err), "%s",
                  err ? err->message : "?");
    }
  snap_path = g_build_filename (fuzz_snapshot_dir (), "en.pack", NULL);
  verbose = g_getenv ("TACT_FUZZ_VERBOSE") != NULL;
  return 0;
}

static TactJsonDoc *
parse (guint kind, const char *name, const char *buf, gsize len, GError **error)
{
  if (kind == TACT_KIND_LEXICON)
    return tact_json_doc_parse_flat (name, buf, len, TACT_LEXICON_MAX_VALENCE, error);
  if (kind == TACT_KIND_JUDGE)
    return tact_json_doc_parse_flat (name, buf, len, TACT_JUDGE_MAX_WEIGHT, error);
  return tact_json_doc_parse (name, buf, len, error);
}

static char *
transcript (const TactPack *pack, const TactEmoticons *emo, const guint8 *doc, gsize doc_len)
{
  GString *out = g_string_new (NULL);
  TactScratch s;
  tact_scratch_init (&s);
  for (guint i = 0; i < G_N_ELEMENTS (fuzz_messages); i++)
    fuzz_analyse_with (&s, pack, emo, fuzz_messages[i], -1, out);
  fuzz_analyse_with (&s, pack, emo, (const char *) doc, (gssize) doc_len, out);
  tact_scratch_clear (&s);
  return g_string_free (out, FALSE);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  if (size < 1)
    return 0;
  guint kind = (data[0] & 7u) % TACT_PACK_KINDS;
  gboolean as_base = (data[0] >> 3) & 1;
  const guint8 *doc = data + 1;
  gsize doc_len = size - 1;
  g_autofree char *name = g_strdup_printf ("/user/en/%s.json", tact_pack_kinds[kind]);

  TactPackDocs docs = { { NULL }, { NULL } };
  GError *err = NULL;
  TactJsonDoc *user = parse (kind, name, (const char *) doc, doc_len, &err);
  if (!user)
    {
      fuzz_check_pack_error (err, name);
      if (verbose)
        fprintf (stderr, "refused: %s\n", err->message);
      g_error_free (err);
      return 0;
    }
  for (guint k = 0; k < TACT_PACK_KINDS; k++)
    if (k != kind || !as_base)
      {
        g_autofree char *bn = g_strdup_printf ("<base>/en/%s.json", tact_pack_kinds[k]);
        docs.base[k] = parse (k, bn, base_buf[k], base_len[k], &err);
        fuzz_check (docs.base[k] != NULL, "base %s", bn);
      }
  if (as_base)
    docs.base[kind] = user;
  else
    docs.user[kind] = user;

  TactEmoticons emo = fuzz_emoticons_new ();
  TactPack *pack = tact_pack_compile ("en", &docs, &emo, &err);
  if (!pack)
    {
      fuzz_check_pack_error (err, name);
      if (verbose)
        fprintf (stderr, "refused: %s\n", err->message);
      g_error_free (err);
      for (guint k = 0; k < TACT_PACK_KINDS; k++)
        {
          tact_json_doc_free (docs.base[k]);
          tact_json_doc_free (docs.user[k]);
        }
      g_hash_table_unref (emo.set);
      return 0;
    }

  g_autofree char *want = transcript (pack, &emo, doc, doc_len);
  if (verbose)
    fprintf (stderr, "compiled %s (%s):\n%s", name, as_base ? "as the base" : "over the base", want);
  fuzz_render_all (pack);

  /* the snapshot of a pack that compiled reads back to the same answers */
  fuzz_check (tact_snapshot_write (pack, 42, snap_path, &err), "snapshot: %s", err->message);
  tact_pack_free (pack);
  TactEmoticons emo2 = fuzz_emoticons_new ();
  pack = tact_snapshot_read (snap_path, 42, "en", &emo2, &err);
  fuzz_check (pack != NULL, "snapshot read back: %s", err->message);
  g_autofree char *got = transcript (pack, &emo2, doc, doc_len);
  fuzz_check (strcmp (want, got) == 0, "snapshot answers differ:\n%s---\n%s", want, got);
  tact_pack_free (pack);
  g_hash_table_unref (emo.set);
  g_hash_table_unref (emo2.set);
  return 0;
}
