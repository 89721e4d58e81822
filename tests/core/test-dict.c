/* Unit tests of the string → id map (tact-dict.c).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "tact-dict.h"

#include <string.h>

static void
test_empty (void)
{
  TactDict d;
  tact_dict_init (&d);
  g_assert_cmpuint (tact_dict_lookup (&d, "x", 1), ==, TACT_DICT_NONE);
  g_assert_cmpuint (tact_dict_lookup (&d, "", 0), ==, TACT_DICT_NONE);
  g_assert_cmpuint (d.n, ==, 0);
  tact_dict_clear (&d);
  /* clearing twice is harmless */
  tact_dict_clear (&d);
}

static void
test_intern_lookup (void)
{
  TactDict d;
  tact_dict_init (&d);
  guint32 a = tact_dict_intern (&d, "stop", 4);
  guint32 b = tact_dict_intern (&d, "messaging", 9);
  g_assert_cmpuint (a, ==, 0);
  g_assert_cmpuint (b, ==, 1);
  g_assert_cmpuint (tact_dict_intern (&d, "stop", 4), ==, a);
  g_assert_cmpuint (d.n, ==, 2);
  g_assert_cmpuint (tact_dict_lookup (&d, "stop", 4), ==, a);
  g_assert_cmpuint (tact_dict_lookup (&d, "messaging", 9), ==, b);
  g_assert_cmpstr (tact_dict_key (&d, a), ==, "stop");
  g_assert_cmpstr (tact_dict_key (&d, b), ==, "messaging");
  /* only @len bytes count */
  g_assert_cmpuint (tact_dict_lookup (&d, "stopped", 4), ==, a);
  g_assert_cmpuint (tact_dict_lookup (&d, "sto", 3), ==, TACT_DICT_NONE);
  g_assert_cmpuint (tact_dict_lookup (&d, "stops", 5), ==, TACT_DICT_NONE);
  g_assert_cmpuint (tact_dict_lookup (&d, "STOP", 4), ==, TACT_DICT_NONE);
  tact_dict_clear (&d);
}

static void
test_binary_keys (void)
{
  TactDict d;
  tact_dict_init (&d);
  guint32 e = tact_dict_intern (&d, "", 0);
  guint32 n1 = tact_dict_intern (&d, "a\0b", 3);
  guint32 n2 = tact_dict_intern (&d, "a\0c", 3);
  guint32 a = tact_dict_intern (&d, "a", 1);
  g_assert_cmpuint (e, !=, n1);
  g_assert_cmpuint (n1, !=, n2);
  g_assert_cmpuint (n2, !=, a);
  g_assert_cmpuint (tact_dict_lookup (&d, "", 0), ==, e);
  g_assert_cmpuint (tact_dict_lookup (&d, "a\0b", 3), ==, n1);
  g_assert_cmpuint (tact_dict_lookup (&d, "a\0c", 3), ==, n2);
  g_assert_cmpint (memcmp (tact_dict_key (&d, n1), "a\0b", 4), ==, 0);
  g_assert_cmpint (memcmp (tact_dict_key (&d, n2), "a\0c", 4), ==, 0);
  /* UTF-8 keys are plain bytes */
  guint32 u = tact_dict_intern (&d, "café", strlen ("café"));
  g_assert_cmpuint (tact_dict_lookup (&d, "café", strlen ("café")), ==, u);
  tact_dict_clear (&d);
}

static void
test_grow (void)
{
  TactDict d;
  tact_dict_init (&d);
  const guint N = 20000;
  for (guint i = 0; i < N; i++)
    {
      char key[32];
      int n = g_snprintf (key, sizeof key, "word%u", i);
      g_assert_cmpuint (tact_dict_intern (&d, key, (gsize) n), ==, i);
    }
  g_assert_cmpuint (d.n, ==, N);
  /* load factor stays at most one half */
  g_assert_cmpuint ((d.mask + 1) / 2, >=, d.n);
  for (guint i = 0; i < N; i++)
    {
      char key[32];
      int n = g_snprintf (key, sizeof key, "word%u", i);
      g_assert_cmpuint (tact_dict_lookup (&d, key, (gsize) n), ==, i);
      g_assert_cmpstr (tact_dict_key (&d, i), ==, key);
    }
  g_assert_cmpuint (tact_dict_lookup (&d, "word20000", 9), ==, TACT_DICT_NONE);
  g_assert_cmpuint (tact_dict_lookup (&d, "nope", 4), ==, TACT_DICT_NONE);
  tact_dict_clear (&d);
}

static void
test_long_key (void)
{
  TactDict d;
  tact_dict_init (&d);
  gsize len = 100000;
  char *k = g_malloc (len);
  memset (k, 'z', len);
  guint32 id = tact_dict_intern (&d, k, len);
  g_assert_cmpuint (tact_dict_lookup (&d, k, len), ==, id);
  g_assert_cmpuint (tact_dict_lookup (&d, k, len - 1), ==, TACT_DICT_NONE);
  g_free (k);
  tact_dict_clear (&d);
}

/* Keys that share their first seven bytes (a slot's "head") differ in
 * length or in what follows, and are told apart. */
static void
test_shared_head (void)
{
  TactDict d;
  tact_dict_init (&d);
  static const char *const keys[] = { "abcdefg", "abcdefgh", "abcdefgi", "abcdefghij", "abcdef",
                                      "abcdefgh0123456789", "abcdefgh0123456788" };
  guint32 ids[G_N_ELEMENTS (keys)];
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    ids[i] = tact_dict_intern (&d, keys[i], strlen (keys[i]));
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_assert_cmpuint (ids[i], ==, i);
      g_assert_cmpuint (tact_dict_lookup (&d, keys[i], strlen (keys[i])), ==, i);
    }
  g_assert_cmpuint (tact_dict_lookup (&d, "abcdefgj", 8), ==, TACT_DICT_NONE);
  g_assert_cmpuint (tact_dict_lookup (&d, "abcdefghi", 9), ==, TACT_DICT_NONE);
  /* the head from a word read past the key is the same as from the key */
  char buf[16] = "abcXXXXXXXXXXXX";
  guint64 w0;
  memcpy (&w0, buf, 8);
  g_assert_cmpuint (tact_dict_head_word (GUINT64_FROM_LE (w0), 3), ==, tact_dict_head ("abc", 3));
  g_assert_cmpuint (tact_dict_head ("", 0), !=, 0);
  tact_dict_clear (&d);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dict/empty", test_empty);
  g_test_add_func ("/dict/intern-lookup", test_intern_lookup);
  g_test_add_func ("/dict/binary-keys", test_binary_keys);
  g_test_add_func ("/dict/grow", test_grow);
  g_test_add_func ("/dict/long-key", test_long_key);
  g_test_add_func ("/dict/shared-head", test_shared_head);
  return g_test_run ();
}
