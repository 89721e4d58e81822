/* Runs a fuzz target over files, without libFuzzer: the corpus a campaign
 * kept (tests/fuzz/corpus/NAME/) and the inputs that once broke something
 * (tests/fuzz/regress/NAME/) become an ordinary test that any compiler
 * builds and that runs under ASan+UBSan in CI.  Arguments are files or
 * directories (read one level deep, in name order).  It fails when an input
 * breaks a check (the target aborts) and when it is given no input at all,
 * so a corpus that went missing cannot pass as a clean run.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <glib.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static guint
run_file (const char *path)
{
  g_autofree char *buf = NULL;
  gsize len = 0;
  GError *err = NULL;
  if (!g_file_get_contents (path, &buf, &len, &err))
    {
      fprintf (stderr, "replay: %s\n", err->message);
      g_error_free (err);
      return 0;
    }
  /* the input in a block of its own size, so ASan sees a read past it
   * (and, as libFuzzer gives, a pointer even when it is empty) */
  guint8 *exact = g_malloc (MAX (len, 1));
  memcpy (exact, buf, len);
  LLVMFuzzerTestOneInput (exact, len);
  g_free (exact);
  return 1;
}

static gint
cmp_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

int
main (int argc, char **argv)
{
  LLVMFuzzerInitialize (&argc, &argv);
  guint ran = 0;
  for (int i = 1; i < argc; i++)
    {
      if (!g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          ran += run_file (argv[i]);
          continue;
        }
      GDir *d = g_dir_open (argv[i], 0, NULL);
      GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
      for (const char *n; d && (n = g_dir_read_name (d));)
        if (n[0] != '.')
          g_ptr_array_add (names, g_build_filename (argv[i], n, NULL));
      if (d)
        g_dir_close (d);
      g_ptr_array_sort (names, cmp_str);
      for (guint k = 0; k < names->len; k++)
        ran += run_file (g_ptr_array_index (names, k));
      g_ptr_array_unref (names);
    }
  printf ("replayed %u inputs\n", ran);
  if (ran == 0)
    {
      fprintf (stderr, "replay: no input found\n");
      return 1;
    }
  return 0;
}
