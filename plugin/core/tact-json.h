/* JSON documents that remember where things are (internal).
 *
 * jansson reports syntax errors with line and column but forgets positions
 * once parsed.  A pack can be syntactically fine and still wrong ("lable"
 * for "label"), and the user deserves file:line:col for that too, so on
 * error we walk the text once more to find the offending value.  That walk
 * happens only on the error path, never on a good load.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <jansson.h>

/* One "word": valence pair of a lexicon read by the flat reader. */
typedef struct {
  const char *key;   /* borrowed from the document */
  double      value;
} TactFlatEntry;

typedef struct {
  char   *name;   /* file path or "<built-in>/en/cues.json" */
  char   *buf;
  gsize   len;
  json_t *root;   /* NULL: the text is not parsed yet (tact_json_doc_load_text()) */
  /* flat files only (lexicon, judge): the entries, read without building
   * a jansson object for each of thousands of them (most of the load
   * time).  When set, root's "entries" is an empty object. */
  GArray *flat;      /* TactFlatEntry */
  char   *flat_buf;  /* backing store of the keys */
  /* @name is the path buf was read from: with buf dropped
   * (tact_json_doc_drop_text()), errors are placed from the file;
   * documents parsed from memory keep their text */
  gboolean from_file;
  guint32  text_hash;  /* tact_dict_hash() of the dropped text of a document not parsed yet */
} TactJsonDoc;

/* Parses @len bytes of @buf as jansson would (JSON_REJECT_DUPLICATES),
 * without its byte-at-a-time cost; NULL for anything it leaves to jansson
 * (\u escapes, duplicates, errors of any kind), never a different tree.
 * New reference. */
json_t *tact_json_parse_fast (const char *buf, gsize len);

/* Parses @len bytes of @buf.  New; free with tact_json_doc_free(). */
TactJsonDoc *tact_json_doc_parse (const char *name, const char *buf, gsize len, GError **error);
/* Reads and parses @path.  New. */
TactJsonDoc *tact_json_doc_load (const char *path, GError **error);

/* The same for a flat file (lexicon, judge): a flat reader takes the common
 * shape ({"schema", "kind", "lang", "entries": {"key": number, …}}, header
 * values strings, booleans or numbers, entries within ±@max_abs); anything
 * else (syntax errors, duplicates, out-of-range values, escapes) goes
 * through jansson, whose messages name line and column.  New. */
TactJsonDoc *tact_json_doc_parse_flat (const char *name, const char *buf, gsize len,
                                       double max_abs, GError **error);
TactJsonDoc *tact_json_doc_load_flat (const char *path, double max_abs, GError **error);
/* A flat file's text, read (and found UTF-8) or copied, not parsed yet:
 * the judge's is parsed only once the cues are compiled, so that its
 * entries (megabytes) are not alive while the automaton is built.  New. */
TactJsonDoc *tact_json_doc_load_text (const char *path, GError **error);
TactJsonDoc *tact_json_doc_text (const char *name, const char *buf, gsize len);
/* Parses a document of the two above as tact_json_doc_parse_flat() would;
 * takes over @doc (freed either way).  New, or NULL with @error. */
TactJsonDoc *tact_json_doc_parse_flat_text (TactJsonDoc *doc, double max_abs, GError **error);
void         tact_json_doc_free (TactJsonDoc *doc);
/* Frees the pristine text of a document read from a file (its values are
 * in jansson's tree, a flat document's keys in a copy the flat reader cut
 * up): an error is then placed from the file read again.  A document not
 * parsed yet reads the file again when it is, and refuses it if its bytes
 * changed.  Nothing for a document parsed from memory. */
void         tact_json_doc_drop_text (TactJsonDoc *doc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactJsonDoc, tact_json_doc_free)

/* Sets a TACT_ERROR_PACK error "name:line:col: jpath: message" where
 * line:col is the position of the value at @jpath ("cues[3].label");
 * the closest existing ancestor is used when the value is missing. */
void tact_json_error (GError **error, const TactJsonDoc *doc, const char *jpath,
                      const char *fmt, ...) G_GNUC_PRINTF (4, 5);

/* Finds the 1-based line and column of the value at @jpath.  FALSE if not found. */
gboolean tact_json_locate (const char *buf, gsize len, const char *jpath, int *line, int *col);
