/* tact — the purple-tact engine on the command line.
 *
 *   tact classify [--jsonl] [FILE…]     one JSON object per input line
 *   tact suggest  [--agent A --company C …] [FILE…]
 *   tact units    [--jsonl] [FILE…]     the units the cues and the judge see
 *   tact check-data [DIR]
 *   tact bench FILE [--repeat N]
 *
 * UTF-8 in, JSON Lines out; errors on stderr.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "tact-config.h"
#include "tact-engine.h"

#include <glib/gi18n.h>

#include <errno.h>
#include <jansson.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

enum {
  EXIT_OK = 0,
  EXIT_INPUT = 1,   /* some input lines could not be read */
  EXIT_USAGE = 2,
  EXIT_DATA = 3,    /* a data pack is invalid */
  EXIT_IO = 4,
};

static char *opt_data_dir;
static char *opt_user_data;
static char *opt_cache_dir;
static gboolean opt_no_cache;
static gboolean opt_jsonl;
static char *opt_agent, *opt_company, *opt_product, *opt_name, *opt_topic;
static int opt_max = 3;
static int opt_repeat = 10;
static gboolean opt_handles;
static gboolean opt_quiet;

static const GOptionEntry common_entries[] = {
  { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_data_dir, N_("Shipped pack directory (default: built in / installed)"), "DIR" },
  { "user-data", 0, 0, G_OPTION_ARG_FILENAME, &opt_user_data, N_("User pack directory that overrides and extends"), "DIR" },
  { "cache-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_cache_dir, N_("Where compiled packs are kept (default: $TACT_CACHE_DIR, else ~/.cache/purple-tact)"), "DIR" },
  { "no-cache", 0, 0, G_OPTION_ARG_NONE, &opt_no_cache, N_("Compile the packs from their JSON, neither reading nor writing the cache"), NULL },
  { "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt_quiet, N_("Do not print pack warnings"), NULL },
  { NULL }
};

static const GOptionEntry classify_entries[] = {
  { "jsonl", 0, 0, G_OPTION_ARG_NONE, &opt_jsonl, N_("Input lines are JSON objects {\"text\", \"from\", \"alias\", \"t\"}"), NULL },
  { NULL }
};

static const GOptionEntry suggest_entries[] = {
  { "agent", 0, 0, G_OPTION_ARG_STRING, &opt_agent, N_("The rep's name"), "NAME" },
  { "company", 0, 0, G_OPTION_ARG_STRING, &opt_company, N_("The rep's company"), "NAME" },
  { "product", 0, 0, G_OPTION_ARG_STRING, &opt_product, N_("The product"), "NAME" },
  { "topic", 0, 0, G_OPTION_ARG_STRING, &opt_topic, N_("The topic (crisis statements)"), "TEXT" },
  { "name", 0, 0, G_OPTION_ARG_STRING, &opt_name, N_("The contact's display name (else the alias field)"), "NAME" },
  { "max", 0, 0, G_OPTION_ARG_INT, &opt_max, N_("Suggestions per message (default 3)"), "N" },
  { "greet-handles", 0, 0, G_OPTION_ARG_NONE, &opt_handles, N_("Greet by name even when the name looks like a handle"), NULL },
  { NULL }
};

static const GOptionEntry bench_entries[] = {
  { "repeat", 0, 0, G_OPTION_ARG_INT, &opt_repeat, N_("Passes over the file (default 10)"), "N" },
  { NULL }
};

/* Where the shipped packs are: explicit option, environment, the source
 * tree when running from the build tree, the installed copy, or none (the
 * built-in copy then serves). */
static char *
find_data_dir (void)
{
  if (opt_data_dir)
    return g_strdup (opt_data_dir);
  const char *env = g_getenv ("TACT_DATA_DIR");
  if (env && *env)
    return g_strdup (env);
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  if (exe && g_str_has_prefix (exe, TACT_BUILD_ROOT "/") &&
      g_file_test (TACT_SOURCE_DATADIR, G_FILE_TEST_IS_DIR))
    return g_strdup (TACT_SOURCE_DATADIR);
  if (g_file_test (TACT_PKGDATADIR, G_FILE_TEST_IS_DIR))
    return g_strdup (TACT_PKGDATADIR);
  return NULL;
}

/* Where compiled packs are kept: the options, else the engine's default. */
static char *
find_cache_dir (void)
{
  if (opt_no_cache)
    return NULL;
  return opt_cache_dir ? g_strdup (opt_cache_dir) : tact_engine_default_cache_dir ();
}

static TactEngine *
open_engine (void)
{
  g_autofree char *dir = find_data_dir ();
  g_autofree char *cache = find_cache_dir ();
  g_autoptr (GError) err = NULL;
  TactEngine *e = tact_engine_new_cached (dir, opt_user_data, cache, &err);
  if (err && !opt_quiet)
    g_printerr (_("tact: warning: a pack was refused, the last good copy is used:\n%s\n"), err->message);
  if (!e)
    g_printerr (_("tact: no language pack could be loaded\n"));
  return e;
}

static void
json_str (GString *out, const char *s)
{
  json_t *j = json_string (s ? s : "");
  if (!j)
    {
      /* not UTF-8: the engine output is always valid, so this is a caller value */
      g_autofree char *v = g_utf8_make_valid (s, -1);
      j = json_string (v);
    }
  char *d = json_dumps (j, JSON_ENCODE_ANY | JSON_COMPACT);
  g_string_append (out, d);
  free (d);
  json_decref (j);
}

typedef enum { MODE_CLASSIFY, MODE_SUGGEST, MODE_UNITS } Mode;

typedef struct {
  TactEngine *engine;
  Mode        mode;
  GString    *out;
  guint       errors;
  guint64     line_no;
  const char *source;
} Run;

static void
flush_out (Run *r, gboolean force)
{
  if (r->out->len > 0 && (force || r->out->len > 65536))
    {
      if (fwrite (r->out->str, 1, r->out->len, stdout) != r->out->len)
        {
          g_printerr (_("tact: cannot write output: %s\n"), g_strerror (errno));
          exit (EXIT_IO);
        }
      g_string_truncate (r->out, 0);
    }
}

static void
handle_line (Run *r, const char *line, gsize len)
{
  const char *text = line;
  gssize tlen = (gssize) len;
  const char *alias = NULL;
  json_t *obj = NULL;
  r->line_no++;

  if (opt_jsonl)
    {
      json_error_t jerr;
      obj = json_loadb (line, len, 0, &jerr);
      const char *t = obj ? json_string_value (json_object_get (obj, "text")) : NULL;
      if (!t)
        {
          g_string_append (r->out, "{\"error\":");
          g_autofree char *msg = obj ? g_strdup_printf ("%s:%" G_GUINT64_FORMAT ": no \"text\" string", r->source, r->line_no)
                                     : g_strdup_printf ("%s:%" G_GUINT64_FORMAT ":%d: %s", r->source, r->line_no, jerr.column, jerr.text);
          json_str (r->out, msg);
          g_string_append (r->out, "}\n");
          g_printerr (_("tact: %s\n"), msg);
          r->errors++;
          if (obj)
            json_decref (obj);
          return;
        }
      text = t;
      tlen = (gssize) json_string_length (json_object_get (obj, "text"));
      alias = json_string_value (json_object_get (obj, "alias"));
      if (!alias)
        alias = json_string_value (json_object_get (obj, "from"));
    }

  if (r->mode == MODE_UNITS)
    {
      char lang[8];
      g_auto (GStrv) units = tact_engine_units (r->engine, text, tlen, lang);
      g_string_append (r->out, "{\"lang\":");
      json_str (r->out, lang);
      g_string_append (r->out, ",\"units\":[");
      for (guint i = 0; units[i]; i++)
        {
          if (i)
            g_string_append_c (r->out, ',');
          json_str (r->out, units[i]);
        }
      g_string_append (r->out, "]}\n");
      if (obj)
        json_decref (obj);
      flush_out (r, FALSE);
      return;
    }
  g_autoptr (TactAnalysis) a = tact_engine_analyze (r->engine, text, tlen);
  gsize mark = r->out->len;
  tact_analysis_to_json (a, r->out);
  if (r->mode == MODE_SUGGEST)
    {
      TactContext ctx = { opt_name ? opt_name : alias, opt_agent, opt_company, opt_product, opt_topic, opt_handles };
      g_autoptr (GPtrArray) sug = tact_engine_suggest (r->engine, a, &ctx, (guint) CLAMP (opt_max, 0, 10));
      g_string_truncate (r->out, r->out->len - 1); /* reopen the object */
      g_string_append (r->out, ",\"suggestions\":[");
      for (guint i = 0; i < sug->len; i++)
        {
          TactSuggestion *s = g_ptr_array_index (sug, i);
          g_string_append_printf (r->out, "%s{\"id\":", i ? "," : "");
          json_str (r->out, s->id);
          g_string_append (r->out, ",\"text\":");
          json_str (r->out, s->text);
          if (s->needs_edit)
            g_string_append (r->out, ",\"needs_edit\":true");
          g_string_append_c (r->out, '}');
        }
      g_string_append_c (r->out, ']');
      if (tact_analysis_has (a, TACT_LABEL_AUTOMATION_QUESTION) ||
          tact_analysis_has (a, TACT_LABEL_ANNOYED_BY_AUTOMATION))
        {
          g_autofree char *f = tact_engine_followup (r->engine, a->lang, a, &ctx);
          if (f)
            {
              g_string_append (r->out, ",\"followup\":");
              json_str (r->out, f);
            }
        }
      g_string_append_c (r->out, '}');
    }
  (void) mark;
  g_string_append_c (r->out, '\n');
  if (obj)
    json_decref (obj);
  flush_out (r, FALSE);
}

static int
process_stream (Run *r, FILE *f)
{
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  r->line_no = 0;
  while ((n = getline (&line, &cap, f)) >= 0)
    {
      gsize len = (gsize) n;
      while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
      handle_line (r, line, len);
    }
  free (line);
  if (ferror (f))
    {
      g_printerr (_("tact: %s: read error: %s\n"), r->source, g_strerror (errno));
      return EXIT_IO;
    }
  return EXIT_OK;
}

static int
cmd_classify (int argc, char **argv, Mode mode)
{
  g_autoptr (TactEngine) e = open_engine ();
  if (!e)
    return EXIT_DATA;
  Run r = { e, mode, g_string_sized_new (1 << 17), 0, 0, "<stdin>" };
  int rc = EXIT_OK;
  if (argc <= 1)
    rc = process_stream (&r, stdin);
  for (int i = 1; i < argc && rc == EXIT_OK; i++)
    {
      FILE *f = strcmp (argv[i], "-") == 0 ? stdin : fopen (argv[i], "r");
      if (!f)
        {
          g_printerr (_("tact: %s: %s\n"), argv[i], g_strerror (errno));
          rc = EXIT_IO;
          break;
        }
      r.source = argv[i];
      rc = process_stream (&r, f);
      if (f != stdin)
        fclose (f);
    }
  flush_out (&r, TRUE);
  g_string_free (r.out, TRUE);
  if (fflush (stdout) != 0)
    {
      g_printerr (_("tact: cannot write output: %s\n"), g_strerror (errno));
      return EXIT_IO;
    }
  if (rc == EXIT_OK && r.errors)
    rc = EXIT_INPUT;
  return rc;
}

static int
cmd_check_data (int argc, char **argv)
{
  g_autofree char *dir = argc > 1 ? g_strdup (argv[1]) : find_data_dir ();
  if (!dir)
    {
      g_printerr (_("tact: no data directory given and none installed\n"));
      return EXIT_USAGE;
    }
  g_autoptr (GError) err = NULL;
  if (!tact_engine_check_dir (dir, &err))
    {
      g_printerr ("%s\n", err->message);
      return err->code == TACT_ERROR_IO ? EXIT_IO : EXIT_DATA;
    }
  g_print (_("%s: all packs valid\n"), dir);
  return EXIT_OK;
}

static int
cmp_u64 (const void *a, const void *b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;
  return x < y ? -1 : x > y;
}

static guint64
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (guint64) ts.tv_sec * 1000000000ull + (guint64) ts.tv_nsec;
}

static int
cmd_bench (int argc, char **argv)
{
  if (argc != 2)
    {
      g_printerr (_("tact: usage: tact bench FILE [--repeat N]\n"));
      return EXIT_USAGE;
    }
  /* the packs are loaded before the texts are read, so that the memory
   * figure taken after loading is the engine's alone */
  g_autoptr (TactEngine) e = open_engine ();
  if (!e)
    return EXIT_DATA;
  struct rusage ru_load;
  getrusage (RUSAGE_SELF, &ru_load);
  g_autofree char *buf = NULL;
  gsize blen = 0;
  g_autoptr (GError) ioerr = NULL;
  if (!g_file_get_contents (argv[1], &buf, &blen, &ioerr))
    {
      g_printerr (_("tact: %s\n"), ioerr->message);
      return EXIT_IO;
    }
  g_autoptr (GPtrArray) lines = g_ptr_array_new ();
  for (char *p = buf, *nl; p < buf + blen; p = nl + 1)
    {
      nl = memchr (p, '\n', (gsize) (buf + blen - p));
      if (!nl)
        nl = buf + blen;
      *nl = '\0';
      g_ptr_array_add (lines, p);
    }
  if (lines->len == 0)
    {
      g_printerr (_("tact: %s: no lines\n"), argv[1]);
      return EXIT_INPUT;
    }
  double load_ms = tact_engine_load_ms (e);
  guint from_cache = tact_engine_load_from_cache (e);
  guint n_packs = g_strv_length ((char **) tact_engine_languages (e));
  guint repeat = (guint) MAX (1, opt_repeat);
  guint64 n = (guint64) lines->len * repeat;
  guint64 *ns = g_new (guint64, n);
  guint64 total_start = now_ns ();
  guint64 k = 0;
  double checksum = 0;
  for (guint r = 0; r < repeat; r++)
    for (guint i = 0; i < lines->len; i++)
      {
        guint64 t0 = now_ns ();
        TactAnalysis *a = tact_engine_analyze (e, g_ptr_array_index (lines, i), -1);
        checksum += a->polarity + a->primary;
        tact_analysis_unref (a);
        ns[k++] = now_ns () - t0;
      }
  guint64 total = now_ns () - total_start;
  qsort (ns, n, sizeof *ns, cmp_u64);
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  g_print (_("messages      %llu (%u lines x %u)\n"), (unsigned long long) n, lines->len, repeat);
  g_print (_("throughput    %.0f msgs/s\n"), (double) n / ((double) total / 1e9));
  g_print (_("latency p50   %llu ns\n"), (unsigned long long) ns[n / 2]);
  g_print (_("latency p99   %llu ns\n"), (unsigned long long) ns[(n * 99) / 100]);
  g_print (_("pack load     %.2f ms\n"), load_ms);
  /* a figure without its source misleads: compiling and reading a
   * snapshot differ tenfold */
  if (from_cache)
    g_print (_("packs from    cache snapshot (%u of %u)\n"), from_cache, n_packs);
  else
    g_print (_("packs from    JSON, compiled (%u)\n"), n_packs);
  g_print (_("peak RSS      %.1f MB with the packs loaded, %.1f MB at the end "
             "(the texts and one timing a message held as well)\n"),
           (double) ru_load.ru_maxrss / 1024.0, (double) ru.ru_maxrss / 1024.0);
  g_print (_("checksum      %.3f\n"), checksum);
  g_free (ns);
  return EXIT_OK;
}

static void
usage (void)
{
  g_print (_("Usage: tact COMMAND [OPTIONS] [FILE…]\n\n"
           "Commands:\n"
           "  classify      label each input line (JSON Lines out)\n"
           "  suggest       label and suggest personalised replies\n"
           "  units         print the words the cues and the judge see\n"
           "  check-data    validate the data packs of a directory\n"
           "  bench FILE    measure speed, load time and memory\n\n"
           "Run 'tact COMMAND --help' for the options of a command.\n"));
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, TACT_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  if (argc < 2 || !strcmp (argv[1], "--help") || !strcmp (argv[1], "-h") || !strcmp (argv[1], "help"))
    {
      usage ();
      return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
  if (!strcmp (argv[1], "--version"))
    {
      g_print (_("tact %s\n"), TACT_VERSION);
      return EXIT_OK;
    }
  const char *cmd = argv[1];
  const GOptionEntry *extra = NULL;
  const char *param = "[FILE…]";
  if (!strcmp (cmd, "classify") || !strcmp (cmd, "units"))
    extra = classify_entries;
  else if (!strcmp (cmd, "suggest"))
    {
      opt_jsonl = FALSE;
      extra = suggest_entries;
    }
  else if (!strcmp (cmd, "check-data"))
    param = "[DIR]";
  else if (!strcmp (cmd, "bench"))
    {
      extra = bench_entries;
      param = "FILE";
    }
  else
    {
      g_printerr (_("tact: unknown command '%s' (try 'tact --help')\n"), cmd);
      return EXIT_USAGE;
    }
  /* argv[1] (the command) becomes the program name GOption prints */
  g_autofree char *prgname = g_strdup_printf ("tact %s", cmd);
  g_set_prgname (prgname);
  g_autoptr (GOptionContext) oc = g_option_context_new (param);
  g_option_context_set_translation_domain (oc, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (oc, common_entries, NULL);
  if (extra)
    g_option_context_add_main_entries (oc, extra, NULL);
  if (!strcmp (cmd, "suggest"))
    g_option_context_add_main_entries (oc, classify_entries, NULL);
  int sub_argc = argc - 1;
  char **sub_argv = argv + 1;
  g_autoptr (GError) err = NULL;
  if (!g_option_context_parse (oc, &sub_argc, &sub_argv, &err))
    {
      g_printerr (_("tact %s: %s (try 'tact %s --help')\n"), cmd, err->message, cmd);
      return EXIT_USAGE;
    }
  /* A mistyped pack directory would otherwise fall back to the built-in
   * packs (or to none of the user's) without a word, and every answer after
   * it would come from data the user did not mean. The cache directory is
   * not checked: the engine creates it. */
  const struct { const char *option, *dir; } dirs[] = {
    { "--data-dir", opt_data_dir }, { "--user-data", opt_user_data } };
  for (gsize i = 0; i < G_N_ELEMENTS (dirs); i++)
    if (dirs[i].dir && !g_file_test (dirs[i].dir, G_FILE_TEST_IS_DIR))
      {
        g_printerr (_("tact %s: %s %s: not a directory\n"), cmd, dirs[i].option, dirs[i].dir);
        return EXIT_USAGE;
      }
  if (!strcmp (cmd, "classify"))
    return cmd_classify (sub_argc, sub_argv, MODE_CLASSIFY);
  if (!strcmp (cmd, "units"))
    return cmd_classify (sub_argc, sub_argv, MODE_UNITS);
  if (!strcmp (cmd, "suggest"))
    return cmd_classify (sub_argc, sub_argv, MODE_SUGGEST);
  if (!strcmp (cmd, "check-data"))
    return cmd_check_data (sub_argc, sub_argv);
  return cmd_bench (sub_argc, sub_argv);
}
