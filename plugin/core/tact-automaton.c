/* The token automaton: a trie over word/class symbols with gap edges.
 *
 * Every cue pattern and lexicon phrase of a pack is one path in it, so a
 * message is matched against all of them in a single left-to-right pass
 * (see tact-analyze.c) instead of a loop of regular expressions.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "tact-pack.h"

#include <string.h>

void
tact_automaton_init (TactAutomaton *au)
{
  memset (au, 0, sizeof *au);
  au->emask = 1023;
  au->ekeys = g_new0 (guint64, au->emask + 1);
  au->evals = g_new0 (guint32, au->emask + 1);
  au->gaps = g_array_new (FALSE, FALSE, sizeof (TactGap));
  au->terms = g_array_new (FALSE, FALSE, sizeof (TactTermLink));
  tact_automaton_new_node (au); /* root = 0 */
}

void
tact_automaton_clear (TactAutomaton *au)
{
  g_free (au->ekeys);
  g_free (au->evals);
  g_free (au->gap_first);
  g_free (au->term_first);
  if (au->gaps)
    g_array_unref (au->gaps);
  if (au->terms)
    g_array_unref (au->terms);
  memset (au, 0, sizeof *au);
}

guint32
tact_automaton_new_node (TactAutomaton *au)
{
  if (au->n_nodes == au->cap_nodes)
    {
      au->cap_nodes = MAX (256u, au->cap_nodes * 2);
      au->gap_first = g_renew (guint32, au->gap_first, au->cap_nodes);
      au->term_first = g_renew (guint32, au->term_first, au->cap_nodes);
    }
  au->gap_first[au->n_nodes] = G_MAXUINT32;
  au->term_first[au->n_nodes] = G_MAXUINT32;
  return au->n_nodes++;
}

static void
edge_insert (guint64 *keys, guint32 *vals, guint32 mask, guint64 key, guint32 val)
{
  guint32 h = (guint32) ((key * 0x9E3779B97F4A7C15ull) >> 32);
  guint32 i = h & mask;
  while (vals[i] != 0)
    i = (i + 1) & mask;
  keys[i] = key;
  vals[i] = val;
}

guint32
tact_automaton_child (TactAutomaton *au, guint32 node, guint32 sym, gboolean create)
{
  guint32 c = tact_automaton_step (au, node, sym);
  if (c != G_MAXUINT32 || !create)
    return c;
  if ((au->n_edges + 1) * 2 > au->emask + 1)
    {
      guint32 nmask = au->emask * 2 + 1;
      guint64 *nk = g_new0 (guint64, nmask + 1);
      guint32 *nv = g_new0 (guint32, nmask + 1);
      for (guint32 i = 0; i <= au->emask; i++)
        if (au->evals[i])
          edge_insert (nk, nv, nmask, au->ekeys[i], au->evals[i]);
      g_free (au->ekeys);
      g_free (au->evals);
      au->ekeys = nk;
      au->evals = nv;
      au->emask = nmask;
    }
  c = tact_automaton_new_node (au);
  edge_insert (au->ekeys, au->evals, au->emask, ((guint64) node << 32) | sym, c + 1);
  au->n_edges++;
  return c;
}

guint32
tact_automaton_gap (TactAutomaton *au, guint32 node, guint8 max)
{
  for (guint32 g = au->gap_first[node]; g != G_MAXUINT32; g = g_array_index (au->gaps, TactGap, g).next)
    if (g_array_index (au->gaps, TactGap, g).max == max)
      return g_array_index (au->gaps, TactGap, g).child;
  TactGap gap = { tact_automaton_new_node (au), max, au->gap_first[node] };
  g_array_append_val (au->gaps, gap);
  au->gap_first[node] = au->gaps->len - 1;
  return gap.child;
}

void
tact_automaton_add_terminal (TactAutomaton *au, guint32 node, const TactTerminal *t)
{
  TactTermLink link = { *t, au->term_first[node] };
  g_array_append_val (au->terms, link);
  au->term_first[node] = au->terms->len - 1;
}
