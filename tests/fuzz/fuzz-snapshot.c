/* Fuzz target: the reader of compiled-pack snapshots (tact-snapshot.c).
 *
 * A snapshot lies in a directory the user can write to, so its reader must
 * hold against any bytes.  A checksum turns away damage, not forgery, so
 * this target forges: the input is a snapshot's payload, to which it puts
 * the header this build writes (its build id and key) and a checksum that
 * passes.  The reader's own checks are all that stand between the input and
 * the matcher, which then analyses messages with whatever pack was taken
 * and renders its templates.  Under ASan, an index the checks miss is a
 * crash here.
 *
 * The inputs are payloads of the small base pack (tests/fuzz/base/en/),
 * whose snapshot is some 40 KB where the shipped pack's is 4.9 MB.  At
 * start the target compiles that pack and requires its own snapshot to be
 * taken; with TACT_FUZZ_WRITE_SEED set it writes the payload there (the
 * seed tools/fuzz.sh starts a campaign from).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fuzz-common.h"
#include "tact-snapshot.h"


#ifndef TACT_FUZZ_BASEDIR
#error "TACT_FUZZ_BASEDIR must be defined"
#endif

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* magic, version, byte order, build id, key, payload length and hash */
#define HEADER_LEN 48
#define KEY_AT     24

static guint8 header[HEADER_LEN];
static guint64 key;
static char *snap_path;

static void
use (const TactPack *pack, const TactEmoticons *emo)
{
  TactScratch s;
  tact_scratch_init (&s);
  for (guint i = 0; i < G_N_ELEMENTS (fuzz_messages); i++)
    fuzz_analyse_with (&s, pack, emo, fuzz_messages[i], -1, NULL);
  tact_scratch_clear (&s);
  fuzz_render_all (pack);
}

/* Reads @payload under this build's header; TRUE if the pack was taken. */
static gboolean
try_payload (const guint8 *payload, gsize size)
{
  gsize len = HEADER_LEN + size;
  g_autofree guint8 *file = g_malloc (len);
  memcpy (file, header, HEADER_LEN);
  memcpy (file + HEADER_LEN, payload, size);
  fuzz_check (tact_snapshot_reseal (file, len), "reseal");
  GError *err = NULL;
  fuzz_check (g_file_set_contents (snap_path, (const char *) file, (gssize) len, &err), "%s",
              err ? err->message : "?");
  TactEmoticons emo = fuzz_emoticons_new ();
  TactPack *pack = tact_snapshot_read (snap_path, key, "en", &emo, &err);
  if (pack)
    {
      use (pack, &emo);
      tact_pack_free (pack);
    }
  else
    {
      /* the header is this build's and the checksum holds: only the
       * reader's own checks can refuse it */
      fuzz_check (err && err->domain == TACT_ERROR && err->code == TACT_ERROR_IO &&
                  strstr (err->message, "inconsistent"), "refused for another reason: %s",
                  err ? err->message : "(no error)");
      g_error_free (err);
    }
  g_hash_table_unref (emo.set);
  return pack != NULL;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  GError *err = NULL;
  snap_path = g_build_filename (fuzz_snapshot_dir (), "en.pack", NULL);

  /* the base pack's snapshot, as the engine writes it */
  TactEngine *e = tact_engine_new_cached (TACT_FUZZ_BASEDIR, NULL, fuzz_snapshot_dir (), &err);
  fuzz_check (e && !err, "base pack: %s", err ? err->message : "?");
  tact_engine_free (e);
  g_autofree guint8 *good = NULL;
  gsize len = 0;
  g_autofree char *written = fuzz_engine_snapshot ();
  fuzz_check (written && g_file_get_contents (written, (char **) &good, &len, &err) && len > HEADER_LEN,
              "no snapshot written");
  memcpy (header, good, HEADER_LEN);
  memcpy (&key, header + KEY_AT, sizeof key);

  const char *seed = g_getenv ("TACT_FUZZ_WRITE_SEED");
  if (seed)
    fuzz_check (g_file_set_contents (seed, (const char *) good + HEADER_LEN, (gssize) (len - HEADER_LEN),
                                     &err), "%s", err ? err->message : "?");
  /* the target forges correctly: an unchanged payload is taken */
  fuzz_check (try_payload (good + HEADER_LEN, len - HEADER_LEN), "the base pack's own snapshot refused");
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  try_payload (data, size);
  return 0;
}
