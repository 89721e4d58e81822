/* Small helpers shared by the engine's unit tests.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "tact-engine.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

/* The shipped packs of the source tree (set by tests/core/meson.build). */
#ifndef TACT_TEST_DATADIR
#error "TACT_TEST_DATADIR must be defined"
#endif

/* Removes @path and everything under it. */
static inline void
test_rm_rf (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      GDir *d = g_dir_open (path, 0, NULL);
      const char *name;
      while (d && (name = g_dir_read_name (d)))
        {
          char *p = g_build_filename (path, name, NULL);
          test_rm_rf (p);
          g_free (p);
        }
      if (d)
        g_dir_close (d);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

/* Writes @contents to @dir/@lang/@kind.json, creating @dir/@lang. */
static inline void
test_write_pack_file (const char *dir, const char *lang, const char *kind, const char *contents)
{
  char *ldir = g_build_filename (dir, lang, NULL);
  g_assert_cmpint (g_mkdir_with_parents (ldir, 0700), ==, 0);
  char *file = g_strdup_printf ("%s.json", kind);
  char *path = g_build_filename (ldir, file, NULL);
  GError *err = NULL;
  g_file_set_contents (path, contents, -1, &err);
  g_assert_no_error (err);
  g_free (path);
  g_free (file);
  g_free (ldir);
}

/* The shipped @kind.json of English, as text.  New. */
static inline char *
test_read_shipped (const char *kind)
{
  char *file = g_strdup_printf ("%s.json", kind);
  char *path = g_build_filename (TACT_TEST_DATADIR, "en", file, NULL);
  char *buf = NULL;
  GError *err = NULL;
  g_file_get_contents (path, &buf, NULL, &err);
  g_assert_no_error (err);
  g_free (path);
  g_free (file);
  return buf;
}

/* A fresh temporary directory holding a copy of the shipped English pack
 * (when @with_pack).  New; remove with test_rm_rf(). */
static inline char *
test_make_dir (gboolean with_pack)
{
  GError *err = NULL;
  char *dir = g_dir_make_tmp ("tact-test-XXXXXX", &err);
  g_assert_no_error (err);
  if (with_pack)
    {
      static const char *const kinds[] = { "language", "lexicon", "cues", "replies" };
      for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
        {
          char *buf = test_read_shipped (kinds[i]);
          test_write_pack_file (dir, "en", kinds[i], buf);
          g_free (buf);
        }
    }
  return dir;
}

/* An engine over the packs in @data_dir and a new user directory
 * (*@user_out, for the caller to test_rm_rf() and g_free()) whose
 * en/cues.json is @cues. */
static inline TactEngine *
test_engine_with_user_cues (const char *data_dir, const char *cues, char **user_out)
{
  char *user = test_make_dir (FALSE);
  test_write_pack_file (user, "en", "cues", cues);
  GError *err = NULL;
  TactEngine *e = tact_engine_new (data_dir, user, &err);
  g_assert_no_error (err);
  *user_out = user;
  return e;
}

/* 1-based line and column (in characters) of the first @needle in @text. */
static inline void
test_pos_of (const char *text, const char *needle, int *line, int *col)
{
  const char *hit = strstr (text, needle);
  g_assert_nonnull (hit);
  int l = 1, c = 1;
  for (const char *p = text; p < hit; p++)
    {
      if (*p == '\n')
        l++, c = 1;
      else if (((guchar) *p & 0xC0) != 0x80)
        c++;
    }
  *line = l;
  *col = c;
}

/* The primary label and the polarity @e gives @text. */
static inline TactLabel
test_primary_of (TactEngine *e, const char *text)
{
  TactAnalysis *a = tact_engine_analyze (e, text, -1);
  TactLabel l = a->primary;
  tact_analysis_unref (a);
  return l;
}

static inline double
test_polarity_of (TactEngine *e, const char *text)
{
  TactAnalysis *a = tact_engine_analyze (e, text, -1);
  double p = a->polarity;
  tact_analysis_unref (a);
  return p;
}
