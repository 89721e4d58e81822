/* Unit tests of the position-aware JSON documents (tact-json.c).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "tact-json.h"
#include "tact-engine.h"
#include "test-util.h"

#include <string.h>

static const char nested[] =
  "{\n"                                                   /* 1 */
  "  \"schema\": \"purple-tact-pack/1\",\n"               /* 2 */
  "  \"cues\": [\n"                                       /* 3 */
  "    {\"label\": \"a\", \"patterns\": [\"x\"]},\n"      /* 4 */
  "    {\"label\": \"b\", \"patterns\": [\"y\"]},\n"      /* 5 */
  "    {\"label\": \"c\", \"patterns\": [\"z\"]},\n"      /* 6 */
  "    {\"label\": \"d\",\n"                              /* 7 */
  "     \"patterns\": [\"p0\", \"p1\"]}\n"                /* 8 */
  "  ],\n"                                                /* 9 */
  "  \"name\": \"Caf\xC3\xA9\", \"x\": {\"k\\\"ey\": 1}\n" /* 10 */
  "}\n";

static void
assert_locate (const char *jpath, gboolean found, int line, int col)
{
  int l = -1, c = -1;
  gboolean f = tact_json_locate (nested, strlen (nested), jpath, &l, &c);
  if (f != found || l != line || c != col)
    g_error ("locate %s: got %s %d:%d, expected %s %d:%d", jpath, f ? "found" : "not found", l, c,
             found ? "found" : "not found", line, col);
}

static void
test_locate_nested (void)
{
  int l, c;
  /* an array element: the value itself */
  test_pos_of (nested, "\"p1\"", &l, &c);
  g_assert_cmpint (l, ==, 8);
  assert_locate ("cues[3].patterns[1]", TRUE, 8, c);
  test_pos_of (nested, "\"p0\"", &l, &c);
  assert_locate ("cues[3].patterns[0]", TRUE, 8, c);
  test_pos_of (nested, "{\"label\": \"c\"", &l, &c);
  assert_locate ("cues[2]", TRUE, 6, c);
  /* an object member: its key */
  test_pos_of (nested, "\"label\": \"b\"", &l, &c);
  assert_locate ("cues[1].label", TRUE, 5, c);
  assert_locate ("schema", TRUE, 2, 3);
  assert_locate ("cues", TRUE, 3, 3);
  /* columns count characters, not bytes */
  test_pos_of (nested, "\"x\": {", &l, &c);
  assert_locate ("x", TRUE, 10, c);
  /* escaped quotes inside keys */
  test_pos_of (nested, "\"k\\\"ey\"", &l, &c);
  assert_locate ("x.k\"ey", TRUE, 10, c);
}

static void
test_locate_ancestor (void)
{
  int l, c;
  /* a missing index: the nearest existing ancestor ("cues[3].patterns") */
  test_pos_of (nested, "\"patterns\": [\"p0\"", &l, &c);
  assert_locate ("cues[3].patterns[5]", FALSE, 8, c);
  /* a missing key of an existing object: that object */
  test_pos_of (nested, "{\"label\": \"d\"", &l, &c);
  assert_locate ("cues[3].weight", FALSE, 7, c);
  /* a missing array element: the array's key */
  assert_locate ("cues[9].label", FALSE, 3, 3);
  /* "cue" is a prefix of "cues" but not an ancestor of it */
  assert_locate ("cue.x", FALSE, 1, 1);
  /* nothing at all: the top */
  assert_locate ("nothing.here", FALSE, 1, 1);
}

static void
locate_garbage_body (void)
{
  GString *deep = g_string_new ("{\"a\": ");
  for (int i = 0; i < 80; i++)
    g_string_append_c (deep, '[');
  g_string_append (deep, "1");
  for (int i = 0; i < 80; i++)
    g_string_append_c (deep, ']');
  g_string_append (deep, ", \"b\": 2}");
  const char *bufs[] = { "", "{", "[", "[}", "{\"a\": [}, 1]}", "[1 2 }}", "\"", "{\"a\":", "{\"a\": [1, {\"b\"", "]]]}}}", "{\"a\\",
                         "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
                         deep->str };
  for (guint i = 0; i < G_N_ELEMENTS (bufs); i++)
    {
      int l = 0, c = 0;
      gsize len = strlen (bufs[i]);
      /* an exact-size copy, so a read past the end shows under ASan */
      char *copy = g_malloc (len + 1);
      memcpy (copy, bufs[i], len + 1);
      tact_json_locate (copy, len, "b", &l, &c);
      g_assert_cmpint (l, >=, 1);
      g_assert_cmpint (c, >=, 1);
      g_free (copy);
    }
  /* a valid document nested deeper than the walker goes still gets a position */
  int l = 0, c = 0;
  tact_json_locate (deep->str, deep->len, "b", &l, &c);
  g_assert_cmpint (l, ==, 1);
  g_string_free (deep, TRUE);
}

/* The walker never loops or reads past the buffer, whatever it is given
 * (run in a subprocess with a time limit: a hang is a failure, not a stall). */
static void
test_locate_garbage (void)
{
  if (g_test_subprocess ())
    {
      locate_garbage_body ();
      return;
    }
  g_test_trap_subprocess (NULL, 10 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (!g_test_trap_has_passed ())
    g_test_fail_printf ("the subprocess crashed, hung or failed (see its output above)");
}

static void
test_parse_ok (void)
{
  GError *err = NULL;
  TactJsonDoc *doc = tact_json_doc_parse ("t.json", nested, strlen (nested), &err);
  g_assert_no_error (err);
  g_assert_nonnull (doc);
  g_assert_cmpstr (doc->name, ==, "t.json");
  g_assert_cmpuint (doc->len, ==, strlen (nested));
  g_assert_cmpint (doc->buf[doc->len], ==, '\0');
  g_assert_true (json_is_array (json_object_get (doc->root, "cues")));
  tact_json_doc_free (doc);
  tact_json_doc_free (NULL);
}

static void
test_syntax_error (void)
{
  static const char bad[] = "{\n  \"a\": 1,\n  \"b\": ]\n}\n";
  GError *err = NULL;
  TactJsonDoc *doc = tact_json_doc_parse ("dir/en/cues.json", bad, strlen (bad), &err);
  g_assert_null (doc);
  g_assert_error (err, TACT_ERROR, TACT_ERROR_PACK);
  /* file:line:col: what */
  g_assert_true (g_str_has_prefix (err->message, "dir/en/cues.json:3:"));
  g_assert_true (g_regex_match_simple ("^dir/en/cues\\.json:3:[0-9]+: .+", err->message, 0, 0));
  g_clear_error (&err);

  static const char dup[] = "{\n  \"a\": 1,\n  \"a\": 2\n}\n";
  doc = tact_json_doc_parse ("d.json", dup, strlen (dup), &err);
  g_assert_null (doc);
  g_assert_error (err, TACT_ERROR, TACT_ERROR_PACK);
  g_assert_true (g_str_has_prefix (err->message, "d.json:3:"));
  g_assert_nonnull (strstr (err->message, "duplicate"));
  g_clear_error (&err);

  /* an empty file: jansson says column 0 */
  doc = tact_json_doc_parse ("e.json", "", 0, &err);
  g_assert_null (doc);
  g_assert_error (err, TACT_ERROR, TACT_ERROR_PACK);
  g_assert_true (g_str_has_prefix (err->message, "e.json:1:1: "));
  g_clear_error (&err);
}

/* Found by the fuzz-pack target: text parsed from memory that is not
 * UTF-8 is refused at its place, as a file is, where jansson named column
 * 0; and an error message is UTF-8 even where jansson's is not. */
static void
test_error_places (void)
{
  GError *err = NULL;
  static const char bad[] = "{\n\xff\n}\n";
  TactJsonDoc *doc = tact_json_doc_parse ("m.json", bad, strlen (bad), &err);
  g_assert_null (doc);
  g_assert_error (err, TACT_ERROR, TACT_ERROR_PACK);
  g_assert_cmpstr (err->message, ==, "m.json:2:1: not valid UTF-8");
  g_clear_error (&err);

  /* the flat reader (lexicons, judges) took such keys as they were */
  static const char flat[] = "{\"schema\": \"purple-tact-pack/1\", \"kind\": \"lexicon\", \"lang\": \"en\",\n"
                             " \"entries\": {\"go\xba\": 1.0}}\n";
  doc = tact_json_doc_parse_flat ("f.json", flat, strlen (flat), 4.0, &err);
  g_assert_null (doc);
  g_assert_error (err, TACT_ERROR, TACT_ERROR_PACK);
  g_assert_cmpstr (err->message, ==, "f.json:2:17: not valid UTF-8");
  g_clear_error (&err);

  /* a backslash before a two-byte character: jansson quotes the first
   * byte alone */
  static const char esc[] = "{\"a\": \"x\\\xc3\xa9\"}";
  g_assert_true (g_utf8_validate (esc, -1, NULL));
  doc = tact_json_doc_parse ("n.json", esc, strlen (esc), &err);
  g_assert_null (doc);
  g_assert_error (err, TACT_ERROR, TACT_ERROR_PACK);
  g_assert_true (g_str_has_prefix (err->message, "n.json:1:"));
  g_assert_true (g_utf8_validate (err->message, -1, NULL));
  g_clear_error (&err);
}

static void
test_load (void)
{
  char *dir = test_make_dir (FALSE);
  char *path = g_build_filename (dir, "x.json", NULL);
  GError *err = NULL;

  /* missing file: an I/O error naming it */
  TactJsonDoc *doc = tact_json_doc_load (path, &err);
  g_assert_null (doc);
  g_assert_error (err, TACT_ERROR, TACT_ERROR_IO);
  g_assert_nonnull (strstr (err->message, path));
  g_clear_error (&err);

  /* invalid UTF-8 names line and column */
  g_assert_true (g_file_set_contents (path, "{\n  \"a\": \"ok\",\n  \"b\": \"x\xff\"\n}", -1, NULL));
  doc = tact_json_doc_load (path, &err);
  g_assert_null (doc);
  g_assert_error (err, TACT_ERROR, TACT_ERROR_PACK);
  g_autofree char *want = g_strdup_printf ("%s:3:", path);
  g_assert_true (g_str_has_prefix (err->message, want));
  g_assert_nonnull (strstr (err->message, "UTF-8"));
  g_clear_error (&err);

  /* a good file */
  g_assert_true (g_file_set_contents (path, "{\"a\": [1, 2]}", -1, NULL));
  doc = tact_json_doc_load (path, &err);
  g_assert_no_error (err);
  g_assert_cmpstr (doc->name, ==, path);
  tact_json_doc_free (doc);

  g_free (path);
  test_rm_rf (dir);
  g_free (dir);
}

static void
test_error_message (void)
{
  GError *err = NULL;
  TactJsonDoc *doc = tact_json_doc_parse ("en/cues.json", nested, strlen (nested), &err);
  g_assert_no_error (err);
  int l, c;
  test_pos_of (nested, "\"p1\"", &l, &c);
  tact_json_error (&err, doc, "cues[3].patterns[1]", "bad \"%s\"", "p1");
  g_assert_error (err, TACT_ERROR, TACT_ERROR_PACK);
  g_autofree char *want = g_strdup_printf ("en/cues.json:%d:%d: cues[3].patterns[1]: bad \"p1\"", l, c);
  g_assert_cmpstr (err->message, ==, want);
  g_clear_error (&err);

  tact_json_error (&err, doc, "", "whole file");
  g_assert_cmpstr (err->message, ==, "en/cues.json:1:1: whole file");
  g_clear_error (&err);
  /* a NULL GError** is allowed */
  tact_json_error (NULL, doc, "cues", "ignored");
  tact_json_doc_free (doc);
}

/* The flat lexicon reader's numbers are the doubles strtod() gives. */
static void
test_lexicon_numbers (void)
{
  static const char *const nums[] = { "-1.25", "0.1", "3", "-0", "2.7", "0.05", "-3.999",
                                      "1.0e0", "4", "1.123456789012345678" };
  GString *doc = g_string_new ("{\"schema\": \"purple-tact-pack/1\", \"kind\": \"lexicon\", "
                               "\"lang\": \"en\", \"entries\": {");
  for (guint i = 0; i < G_N_ELEMENTS (nums); i++)
    g_string_append_printf (doc, "%s\"w%u\": %s", i ? ", " : "", i, nums[i]);
  g_string_append (doc, "}}");
  g_autoptr (GError) err = NULL;
  /* within ±4, the lexicon's bound */
  g_autoptr (TactJsonDoc) d = tact_json_doc_parse_flat ("t.json", doc->str, doc->len, 4.0, &err);
  g_assert_no_error (err);
  g_assert_nonnull (d->flat);
  g_assert_cmpuint (d->flat->len, ==, G_N_ELEMENTS (nums));
  for (guint i = 0; i < G_N_ELEMENTS (nums); i++)
    {
      const TactFlatEntry *e = &g_array_index (d->flat, TactFlatEntry, i);
      g_assert_cmpfloat (e->value, ==, g_ascii_strtod (nums[i], NULL));
    }
  g_string_free (doc, TRUE);
}

/* The flat reader finds the end of a key eight bytes at a time: a quote,
 * a backslash or a control byte must be seen at every offset in a block. */
static void
test_flat_strings (void)
{
  static const struct { const char *raw, *text; } specials[] = {
    { "\\\"", "\"" }, { "\\\\", "\\" }, { "\\n", "\n" }, { "\\/", "/" },
  };
  for (guint off = 0; off < 24; off++)
    {
      g_autofree char *pad = g_strnfill (off, 'a');
      for (guint k = 0; k < G_N_ELEMENTS (specials); k++)
        {
          g_autofree char *doc = g_strdup_printf ("{\"kind\": \"lexicon\", \"entries\": {\"k%s%sbbbbbbbbb\": 1}}",
                                                  pad, specials[k].raw);
          g_autofree char *want = g_strdup_printf ("k%s%sbbbbbbbbb", pad, specials[k].text);
          g_autoptr (GError) err = NULL;
          g_autoptr (TactJsonDoc) d = tact_json_doc_parse_flat ("t.json", doc, strlen (doc), 4.0, &err);
          g_assert_no_error (err);
          g_assert_nonnull (d->flat);
          g_assert_cmpuint (d->flat->len, ==, 1);
          g_assert_cmpstr (g_array_index (d->flat, TactFlatEntry, 0).key, ==, want);
        }
      /* a raw control byte is no JSON: refused, wherever it stands */
      g_autofree char *bad = g_strdup_printf ("{\"kind\": \"lexicon\", \"entries\": {\"k%s\001bbbbbbbbb\": 1}}", pad);
      g_autoptr (GError) err = NULL;
      g_autoptr (TactJsonDoc) d = tact_json_doc_parse_flat ("t.json", bad, strlen (bad), 4.0, &err);
      g_assert_null (d);
      g_assert_nonnull (err);
    }
}

/* A flat file's pristine text may be dropped once read (the keys live in
 * the reader's copy): an error is still placed, from the file read again;
 * a document parsed from memory keeps its text. */
static void
test_drop_text (void)
{
  char *dir = test_make_dir (FALSE);
  char *path = g_build_filename (dir, "judge.json", NULL);
  static const char text[] = "{\"kind\": \"judge\",\n \"entries\": {\n  \"a|b\": 1,\n  \"c|d\": -2\n }\n}\n";
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_autoptr (GError) err = NULL;
  TactJsonDoc *doc = tact_json_doc_load_flat (path, 8.0, &err);
  g_assert_no_error (err);
  g_assert_nonnull (doc->flat);
  g_assert_cmpuint (doc->flat->len, ==, 2);
  tact_json_doc_drop_text (doc);
  g_assert_null (doc->buf);
  /* the keys are untouched */
  g_assert_cmpstr (g_array_index (doc->flat, TactFlatEntry, 1).key, ==, "c|d");
  tact_json_error (&err, doc, "entries.c|d", "bad");
  g_autofree char *want = g_strdup_printf ("%s:4:3: entries.c|d: bad", path);
  g_assert_cmpstr (err->message, ==, want);
  g_clear_error (&err);
  /* the file gone by then: the error still names it */
  g_assert_cmpint (g_unlink (path), ==, 0);
  tact_json_error (&err, doc, "entries.c|d", "bad");
  g_autofree char *want2 = g_strdup_printf ("%s:1:1: entries.c|d: bad", path);
  g_assert_cmpstr (err->message, ==, want2);
  g_clear_error (&err);
  tact_json_doc_free (doc);

  /* from memory: nothing is dropped */
  doc = tact_json_doc_parse_flat ("mem.json", text, strlen (text), 8.0, &err);
  g_assert_no_error (err);
  tact_json_doc_drop_text (doc);
  g_assert_nonnull (doc->buf);
  tact_json_doc_free (doc);
  g_free (path);
  test_rm_rf (dir);
  g_free (dir);
}

/* A judge's text read now and parsed later (tact_json_doc_load_text()):
 * a file is cut up where it lies, so what the flat reader declines (an
 * escape) is read again for jansson, errors are placed from the file, and
 * a file that changed in between is refused rather than half-read. */
static void
test_parse_later (void)
{
  char *dir = test_make_dir (FALSE);
  char *path = g_build_filename (dir, "judge.json", NULL);
  static const char text[] = "{\"kind\": \"judge\",\n \"entries\": {\n  \"a b\": 1,\n  \"c d\": -2\n }\n}\n";
  static const char escaped[] = "{\"kind\": \"judge\",\n \"entries\": {\n  \"\\u0061 b\": 1.5\n }\n}\n";
  g_autoptr (GError) err = NULL;

  /* the flat reader's own file: read, parsed, keys intact */
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  TactJsonDoc *doc = tact_json_doc_load_text (path, &err);
  g_assert_no_error (err);
  g_assert_null (doc->root);
  doc = tact_json_doc_parse_flat_text (doc, 8.0, &err);
  g_assert_no_error (err);
  g_assert_nonnull (doc->flat);
  g_assert_cmpuint (doc->flat->len, ==, 2);
  g_assert_cmpstr (g_array_index (doc->flat, TactFlatEntry, 1).key, ==, "c d");
  g_assert_cmpfloat (g_array_index (doc->flat, TactFlatEntry, 1).value, ==, -2.0);
  tact_json_error (&err, doc, "entries.c d", "bad");
  g_autofree char *want = g_strdup_printf ("%s:4:3: entries.c d: bad", path);
  g_assert_cmpstr (err->message, ==, want);
  g_clear_error (&err);
  tact_json_doc_free (doc);

  /* an escape: jansson reads the file again and decodes it */
  g_assert_true (g_file_set_contents (path, escaped, -1, NULL));
  doc = tact_json_doc_load_text (path, &err);
  g_assert_no_error (err);
  doc = tact_json_doc_parse_flat_text (doc, 8.0, &err);
  g_assert_no_error (err);
  g_assert_null (doc->flat);
  g_assert_cmpfloat (json_number_value (json_object_get (json_object_get (doc->root, "entries"), "a b")), ==, 1.5);
  tact_json_doc_free (doc);

  /* a syntax error: placed in the file */
  g_assert_true (g_file_set_contents (path, "{\"kind\": \"judge\",\n \"entries\": {\"a\": 1,}}\n", -1, NULL));
  doc = tact_json_doc_load_text (path, &err);
  g_assert_no_error (err);
  g_assert_null (tact_json_doc_parse_flat_text (doc, 8.0, &err));
  g_assert_nonnull (err);
  g_autofree char *prefix = g_strdup_printf ("%s:2:", path);
  g_assert_true (g_str_has_prefix (err->message, prefix));
  g_clear_error (&err);

  /* read, then the file replaced before the text jansson needs is read
   * again: refused, with the file named */
  g_assert_true (g_file_set_contents (path, escaped, -1, NULL));
  doc = tact_json_doc_load_text (path, &err);
  g_assert_no_error (err);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_null (tact_json_doc_parse_flat_text (doc, 8.0, &err));
  g_assert_nonnull (err);
  g_assert_nonnull (strstr (err->message, "changed while it was being read"));
  g_assert_true (g_str_has_prefix (err->message, path));
  g_clear_error (&err);

  /* its text dropped once read (hashed, as the engine does): read again
   * when parsed, and refused if the bytes are not the same any more */
  doc = tact_json_doc_load_text (path, &err);
  g_assert_no_error (err);
  tact_json_doc_drop_text (doc);
  g_assert_null (doc->buf);
  doc = tact_json_doc_parse_flat_text (doc, 8.0, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (doc->flat->len, ==, 2);
  g_assert_cmpstr (g_array_index (doc->flat, TactFlatEntry, 0).key, ==, "a b");
  tact_json_doc_free (doc);
  doc = tact_json_doc_load_text (path, &err);
  g_assert_no_error (err);
  tact_json_doc_drop_text (doc);
  /* the same length, another byte */
  g_autofree char *edited = g_strdup (text);
  *strstr (edited, "-2") = '+';
  g_assert_true (g_file_set_contents (path, edited, -1, NULL));
  g_assert_null (tact_json_doc_parse_flat_text (doc, 8.0, &err));
  g_assert_nonnull (strstr (err->message, "changed while it was being read"));
  g_clear_error (&err);
  /* gone */
  doc = tact_json_doc_load_text (path, &err);
  g_assert_no_error (err);
  tact_json_doc_drop_text (doc);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_null (tact_json_doc_parse_flat_text (doc, 8.0, &err));
  g_assert_nonnull (err);
  g_clear_error (&err);

  /* from memory: a copy, parsed as tact_json_doc_parse_flat() would */
  doc = tact_json_doc_text ("mem.json", escaped, strlen (escaped));
  doc = tact_json_doc_parse_flat_text (doc, 8.0, &err);
  g_assert_no_error (err);
  g_assert_cmpfloat (json_number_value (json_object_get (json_object_get (doc->root, "entries"), "a b")), ==, 1.5);
  g_assert_nonnull (doc->buf);
  tact_json_doc_free (doc);
  /* and memory that is not UTF-8 is refused, not cut up */
  static const char not_utf8[] = "{\"kind\": \"ju\xffge\"}";
  doc = tact_json_doc_text ("mem.json", not_utf8, sizeof not_utf8 - 1);
  g_assert_null (tact_json_doc_parse_flat_text (doc, 8.0, &err));
  g_assert_nonnull (strstr (err->message, "UTF-8"));
  g_clear_error (&err);

  g_free (path);
  test_rm_rf (dir);
  g_free (dir);
}

/* Same values, same types (an integer stays an integer), same key order. */
static void
assert_same_tree (json_t *a, json_t *b, const char *where)
{
  if (json_typeof (a) != json_typeof (b) || !json_equal (a, b))
    g_error ("%s: the fast reader's tree differs from jansson's", where);
  if (json_is_object (a))
    {
      void *ia = json_object_iter (a), *ib = json_object_iter (b);
      for (; ia && ib; ia = json_object_iter_next (a, ia), ib = json_object_iter_next (b, ib))
        {
          g_assert_cmpstr (json_object_iter_key (ia), ==, json_object_iter_key (ib));
          assert_same_tree (json_object_iter_value (ia), json_object_iter_value (ib), where);
        }
      g_assert_true (ia == NULL && ib == NULL);
    }
  else if (json_is_array (a))
    for (gsize i = 0; i < json_array_size (a); i++)
      assert_same_tree (json_array_get (a, i), json_array_get (b, i), where);
}

/* @text as jansson reads it and as the fast reader does: the fast reader
 * must give the same tree, or (@may_defer) leave the text to jansson. */
static void
assert_fast_agrees (const char *text, gsize len, gboolean may_defer)
{
  json_error_t jerr;
  json_t *want = json_loadb (text, len, JSON_REJECT_DUPLICATES, &jerr);
  json_t *got = tact_json_parse_fast (text, len);
  if (!want)
    {
      if (got)
        g_error ("the fast reader accepted what jansson refuses (%s): %.60s", jerr.text, text);
      return;
    }
  if (!got)
    {
      if (!may_defer)
        g_error ("the fast reader left a plain document to jansson: %.60s", text);
      json_decref (want);
      return;
    }
  assert_same_tree (want, got, text);
  json_decref (want);
  json_decref (got);
}

static void
test_fast_reader (void)
{
  /* every shipped pack: the fast reader must take each whole */
  g_autofree char *en = g_build_filename (TACT_TEST_DATADIR, "en", NULL);
  g_autoptr (GDir) dir = g_dir_open (en, 0, NULL);
  g_assert_nonnull (dir);
  guint n = 0;
  for (const char *f; (f = g_dir_read_name (dir)); )
    {
      if (!g_str_has_suffix (f, ".json"))
        continue;
      g_autofree char *path = g_build_filename (en, f, NULL);
      g_autofree char *buf = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (path, &buf, &len, NULL));
      assert_fast_agrees (buf, len, FALSE);
      n++;
    }
  g_assert_cmpuint (n, >=, 5);
  assert_fast_agrees (nested, strlen (nested), FALSE);

  static const char *const plain[] = {
    "[]", "{}", " [ ] ", "[1, -0, 0, 12, -7, 9223372036854775807, -9223372036854775808]",
    "[1.5, -0.0, 1e2, 1E-2, 2.5e+3, 1.0, 0.1, 1e-400, 123456789012345678901234567890.0]",
    "{\"a\": true, \"b\": false, \"c\": null, \"d\": [[[]]], \"e\": {\"f\": {}}}",
    "{\"esc\": \"a\\\"b\\\\c\\/d\\ne\\tf\\rg\\bh\\fi\"}",
    "{\"caf\u00e9\": 1}", /* an escape the fast reader defers */
    "{\"z\": 1, \"a\": 2, \"m\": 3}",
    "{\"k\": \"Caf\xC3\xA9 \xF0\x9F\x98\x80 \xD8\xB3\xD9\x84\"}",
    "\n\t{\"x\" :\r\n [ 1 ,2 ] }\n",
  };
  for (guint i = 0; i < G_N_ELEMENTS (plain); i++)
    assert_fast_agrees (plain[i], strlen (plain[i]), strstr (plain[i], "\\u") != NULL);

  /* what jansson refuses, the fast reader must refuse too (jansson then
   * names line and column) */
  static const char *const bad[] = {
    "", "1", "\"s\"", "true", "{", "[", "[1,]", "{\"a\": 1,}", "{\"a\" 1}", "{a: 1}",
    "[01]", "[1.]", "[.5]", "[+1]", "[-]", "[1e]", "[1e400]", "[-1e400]",
    "[99999999999999999999]", "[tru]", "[truex]", "[nul]", "[\"a\tb\"]", "[\"\\x\"]",
    "[\"open]", "{\"a\": 1, \"a\": 2}", "{\"a\": {\"b\": 1, \"b\": 1}}", "[1] [2]",
    "[1] x", "{\"a\": 1}}", "[\"\xff\"]", "[\"\xC3\"]", "[\"\\ud800\"]",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_fast_agrees (bad[i], strlen (bad[i]), FALSE);
  /* a NUL inside the text */
  assert_fast_agrees ("[\"a\0b\"]", 7, FALSE);

  /* nesting deeper than the fast reader goes: jansson's to read */
  GString *deep = g_string_new (NULL);
  for (int i = 0; i < 200; i++)
    g_string_append_c (deep, '[');
  for (int i = 0; i < 200; i++)
    g_string_append_c (deep, ']');
  g_assert_null (tact_json_parse_fast (deep->str, deep->len));
  assert_fast_agrees (deep->str, deep->len, TRUE);
  g_string_free (deep, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json/locate-nested", test_locate_nested);
  g_test_add_func ("/json/locate-ancestor", test_locate_ancestor);
  g_test_add_func ("/json/locate-garbage", test_locate_garbage);
  g_test_add_func ("/json/parse-ok", test_parse_ok);
  g_test_add_func ("/json/syntax-error", test_syntax_error);
  g_test_add_func ("/json/load", test_load);
  g_test_add_func ("/json/error-places", test_error_places);
  g_test_add_func ("/json/error-message", test_error_message);
  g_test_add_func ("/json/lexicon-numbers", test_lexicon_numbers);
  g_test_add_func ("/json/fast-reader", test_fast_reader);
  g_test_add_func ("/json/flat-strings", test_flat_strings);
  g_test_add_func ("/json/drop-text", test_drop_text);
  g_test_add_func ("/json/parse-later", test_parse_later);
  return g_test_run ();
}
