/* The token automaton: a trie over word/class symbols with gap edges.
 *
 * Every cue pattern and lexicon phrase of a pack is one path in it, so a
 * message is matched against all of them in a single left-to-right pass
 * (see tact-analyze.c) instead of a loop of regular expressions.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "tact-pack.h"

#include <stdlib.h>
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
  tact_automaton_new_node (au); /* TACT_ROOT */
  tact_automaton_new_node (au); /* TACT_ROOT_MESSAGE */
  au->tree[TACT_ROOT] = 1;
  au->tree[TACT_ROOT_MESSAGE] = 1;
}

void
tact_automaton_clear (TactAutomaton *au)
{
  g_free (au->ekeys);
  g_free (au->evals);
  g_free (au->gap_first);
  g_free (au->term_first);
  g_free (au->tree);
  g_free (au->csr_start);
  g_free (au->csr_edges);
  g_free (au->root_lo);
  g_free (au->nodes);
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
      au->tree = g_renew (guint8, au->tree, au->cap_nodes);
    }
  au->tree[au->n_nodes] = 0;
  au->gap_first[au->n_nodes] = G_MAXUINT32;
  au->term_first[au->n_nodes] = G_MAXUINT32;
  return au->n_nodes++;
}

static void
edge_insert (guint64 *keys, guint32 *vals, guint32 mask, guint64 key, guint32 val)
{
  guint32 i = tact_automaton_hash (key) & mask;
  while (vals[i] != 0)
    i = (i + 1) & mask;
  keys[i] = key;
  vals[i] = val;
}

static void
edges_resize (TactAutomaton *au, guint32 nmask)
{
  guint64 *nk = g_new0 (guint64, (gsize) nmask + 1);
  guint32 *nv = g_new0 (guint32, (gsize) nmask + 1);
  for (guint32 i = 0; i <= au->emask; i++)
    if (au->evals[i])
      edge_insert (nk, nv, nmask, au->ekeys[i], au->evals[i]);
  g_free (au->ekeys);
  g_free (au->evals);
  au->ekeys = nk;
  au->evals = nv;
  au->emask = nmask;
}

/* Whether @n edges overfill a table of @cap slots.  Up to seven eighths
 * full: the table lives only while the packs are compiled, where its
 * probes cost little, but its size is the peak of a start that compiles,
 * and doubling at three quarters put the shipped pack (196,000 edges in
 * round sixty-one) one step past 3 MB.  From 2^18 slots (3 MB) up to
 * fifteen sixteenths: the next doubling would add 3 MB to that peak,
 * which round seventy's pack (226,546 edges) had 2,830 edges short of,
 * and the last sixteenth costs only the few thousand inserts that probe
 * longer.  The one place the load factor is written, for reserving and
 * for growing alike. */
static inline gboolean
edges_overfill (guint64 n, guint32 cap)
{
  if (cap >= (1u << 18))
    return n * 16 > (guint64) cap * 15;
  return n * 8 > (guint64) cap * 7;
}

void
tact_automaton_reserve (TactAutomaton *au, guint32 n_edges)
{
  guint32 cap = au->emask + 1;
  while (edges_overfill (n_edges, cap) && cap < (1u << 30))
    cap *= 2;
  if (cap != au->emask + 1)
    edges_resize (au, cap - 1);
}

void
tact_automaton_add_edge (TactAutomaton *au, guint32 node, guint32 sym, guint32 child)
{
  guint64 key = ((guint64) node << 32) | sym;
  guint32 c;
  for (guint32 it = tact_automaton_first (au, key, &c); it != G_MAXUINT32;
       it = tact_automaton_next (au, key, it, &c))
    if (c == child)
      return;
  if (edges_overfill ((guint64) au->n_edges + 1, au->emask + 1))
    edges_resize (au, au->emask * 2 + 1);
  edge_insert (au->ekeys, au->evals, au->emask, key, child + 1);
  au->n_edges++;
}

guint32
tact_automaton_tree_child (TactAutomaton *au, guint32 node, guint32 sym)
{
  guint64 key = ((guint64) node << 32) | sym;
  guint32 c;
  for (guint32 it = tact_automaton_first (au, key, &c); it != G_MAXUINT32;
       it = tact_automaton_next (au, key, it, &c))
    if (au->tree[c])
      return c;
  c = tact_automaton_new_node (au);
  au->tree[c] = 1;
  tact_automaton_add_edge (au, node, sym, c);
  return c;
}

void
tact_automaton_fill_gaps (TactAutomaton *au)
{
  for (guint32 i = 0; i < au->gaps->len; i += 1 + g_array_index (au->gaps, TactGap, i).n)
    {
      TactGap *head = &g_array_index (au->gaps, TactGap, i);
      head->bloom = head->bloom2 = 0;
      head->max = 0;
      for (guint32 k = 1; k <= head->n; k++)
        {
          TactGap *g = head + k;
          g->bloom = au->nodes[g->child].bloom;
          g->bloom2 = au->nodes[g->child].bloom2;
          head->bloom |= g->bloom;
          head->bloom2 |= g->bloom2;
          head->max = MAX (head->max, g->max);
        }
    }
}

/* The frozen form of the gaps (see TactGap): each node's list becomes a
 * block, whose header tells whether any of its gaps can be entered.  A
 * list was walked link by link, each load waiting for the one before. */
void
tact_automaton_block_gaps (TactAutomaton *au)
{
  /* sized exactly: the gaps and a header a node (a grown array would be
   * copied, twice the memory, while the lists are still alive) */
  guint32 n_heads = 0;
  for (guint32 v = 0; v < au->n_nodes; v++)
    n_heads += au->nodes[v].gap_first != G_MAXUINT32;
  GArray *blocks = g_array_sized_new (FALSE, TRUE, sizeof (TactGap), au->gaps->len + n_heads);
  for (guint32 v = 0; v < au->n_nodes; v++)
    {
      TactNode *nd = &au->nodes[v];
      if (nd->gap_first == G_MAXUINT32)
        continue;
      guint32 h = blocks->len;
      TactGap head = { .child = G_MAXUINT32, .next = G_MAXUINT32 };
      g_array_append_val (blocks, head);
      for (guint32 g = nd->gap_first; g != G_MAXUINT32; g = g_array_index (au->gaps, TactGap, g).next)
        {
          TactGap c = g_array_index (au->gaps, TactGap, g);
          c.next = G_MAXUINT32;
          c.n = 0;
          g_array_append_val (blocks, c);
        }
      g_array_index (blocks, TactGap, h).n = blocks->len - h - 1;
      nd->gap_first = h;
    }
  g_array_unref (au->gaps);
  au->gaps = blocks;
  tact_automaton_fill_gaps (au);
}

void
tact_automaton_add_gap (TactAutomaton *au, guint32 node, guint8 max, guint32 child)
{
  for (guint32 g = au->gap_first[node]; g != G_MAXUINT32; g = g_array_index (au->gaps, TactGap, g).next)
    if (g_array_index (au->gaps, TactGap, g).child == child)
      return;
  TactGap gap = { .child = child, .max = max, .next = au->gap_first[node] };
  g_array_append_val (au->gaps, gap);
  au->gap_first[node] = au->gaps->len - 1;
}

void
tact_automaton_add_terminal (TactAutomaton *au, guint32 node, const TactTerminal *t)
{
  /* a phrase written twice for one cue (in two of its patterns, or by a
   * user's pack repeating a shipped one) is one phrase: its weight must
   * not count twice when it matches */
  for (guint32 i = au->term_first[node]; i != G_MAXUINT32; i = g_array_index (au->terms, TactTermLink, i).next)
    {
      const TactTerminal *o = &g_array_index (au->terms, TactTermLink, i).t;
      if (o->cue == t->cue && o->valence == t->valence && o->anchor_start == t->anchor_start &&
          o->anchor_end == t->anchor_end && o->anchor_clause == t->anchor_clause && o->len == t->len)
        return;
    }
  TactTermLink link = { *t, au->term_first[node] };
  g_array_append_val (au->terms, link);
  au->term_first[node] = au->terms->len - 1;
}

static int
cmp_u64 (const void *a, const void *b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;
  return x < y ? -1 : x > y;
}

/* Sorts one node's @n edges by symbol (then child). */
static void
sort_edges (guint64 *e, guint32 n)
{
  /* most nodes have a handful of edges: insertion sort beats a qsort()
   * call with its comparison callback there */
  if (n > 16)
    qsort (e, n, sizeof (guint64), cmp_u64);
  else
    for (guint32 a = 1; a < n; a++)
      {
        guint64 x = e[a];
        guint32 b = a;
        for (; b > 0 && e[b - 1] > x; b--)
          e[b] = e[b - 1];
        e[b] = x;
      }
}

/* Numbers the nodes again in breadth-first order from the two roots
 * (which keep 0 and 1), and lays out their edges in that order.  Node
 * ids were handed out as patterns were added, so the first words of
 * phrases, stepped on at nearly every message, lay scattered among the
 * records of long tails that few messages reach; a match walks from the
 * root down, and breadth-first packs the shallow nodes, and their edge
 * runs, into a few hundred kilobytes that stay in the cache.  Only the
 * frozen form is renumbered: the build-time edge table is gone by then. */
static void
renumber_breadth_first (TactAutomaton *au)
{
  guint32 n = au->n_nodes;
  guint32 *order = g_new (guint32, n); /* new id → old id */
  guint32 *id = g_new (guint32, n);    /* old id → new id */
  memset (id, 0xff, sizeof (guint32) * n);
  guint32 len = 0, unseen = 0;
  for (guint32 r = TACT_ROOT; r <= TACT_ROOT_MESSAGE; r++)
    {
      id[r] = len;
      order[len++] = r;
    }
  for (guint32 q = 0; q < n; q++)
    {
      if (q == len)
        {
          /* unreachable from both roots (none are built so): kept, last;
           * the scan goes on from where the last one stopped */
          while (id[unseen] != G_MAXUINT32)
            unseen++;
          id[unseen] = len;
          order[len++] = unseen;
        }
      guint32 v = order[q];
      for (guint32 e = au->csr_start[v]; e < au->csr_start[v + 1]; e++)
        {
          guint32 c = (guint32) (au->csr_edges[e] & 0xffffffffu);
          if (id[c] == G_MAXUINT32)
            {
              id[c] = len;
              order[len++] = c;
            }
        }
      for (guint32 g = au->gap_first[v]; g != G_MAXUINT32; g = g_array_index (au->gaps, TactGap, g).next)
        {
          guint32 c = g_array_index (au->gaps, TactGap, g).child;
          if (id[c] == G_MAXUINT32)
            {
              id[c] = len;
              order[len++] = c;
            }
        }
    }
  guint32 *start = g_new (guint32, n + 1);
  guint64 *edges = g_new (guint64, au->n_edges + 1);
  guint32 *gap_first = g_new (guint32, au->cap_nodes);
  guint32 *term_first = g_new (guint32, au->cap_nodes);
  guint8 *tree = g_new (guint8, au->cap_nodes);
  start[0] = 0;
  for (guint32 w = 0; w < n; w++)
    {
      guint32 v = order[w], lo = au->csr_start[v], hi = au->csr_start[v + 1];
      for (guint32 e = lo; e < hi; e++)
        edges[start[w] + e - lo] = (au->csr_edges[e] & ~(guint64) 0xffffffffu) | id[(guint32) au->csr_edges[e]];
      /* not sorted again: edges on one symbol keep the order of their old
       * ids, the order matches are found in, and with it which of two
       * cues on one span gives the evidence and facet */
      start[w + 1] = start[w] + hi - lo;
      gap_first[w] = au->gap_first[v];
      term_first[w] = au->term_first[v];
      tree[w] = au->tree[v];
    }
  for (guint i = 0; i < au->gaps->len; i++)
    {
      TactGap *g = &g_array_index (au->gaps, TactGap, i);
      g->child = id[g->child];
    }
  g_free (au->csr_start);
  g_free (au->csr_edges);
  g_free (au->gap_first);
  g_free (au->term_first);
  g_free (au->tree);
  au->csr_start = start;
  au->csr_edges = edges;
  au->gap_first = gap_first;
  au->term_first = term_first;
  au->tree = tree;
  g_free (order);
  g_free (id);
}

void
tact_automaton_freeze_edges (TactAutomaton *au)
{
  if (!au->ekeys)
    return; /* sorted already (or read from a snapshot) */
  /* bucket the edges by node (counting sort), then sort each node's few
   * edges by symbol */
  g_free (au->csr_start);
  g_free (au->csr_edges);
  au->csr_start = g_new0 (guint32, au->n_nodes + 1);
  au->csr_edges = g_new (guint64, au->n_edges + 1);
  for (guint32 i = 0; i <= au->emask; i++)
    if (au->evals[i])
      au->csr_start[(au->ekeys[i] >> 32) + 1]++;
  for (guint32 v = 0; v < au->n_nodes; v++)
    au->csr_start[v + 1] += au->csr_start[v];
  guint32 *fill = g_memdup2 (au->csr_start, sizeof (guint32) * (au->n_nodes + 1));
  for (guint32 i = 0; i <= au->emask; i++)
    if (au->evals[i])
      {
        guint32 node = (guint32) (au->ekeys[i] >> 32);
        guint64 sym = au->ekeys[i] & 0xffffffffu;
        au->csr_edges[fill[node]++] = (sym << 32) | (au->evals[i] - 1);
      }
  g_free (fill);
  for (guint32 v = 0; v < au->n_nodes; v++)
    sort_edges (au->csr_edges + au->csr_start[v], au->csr_start[v + 1] - au->csr_start[v]);
  /* the hash table was only needed while building: 12 bytes a slot at
   * most seven eighths full, where the sorted edges take 8 an edge */
  g_clear_pointer (&au->ekeys, g_free);
  g_clear_pointer (&au->evals, g_free);
  au->emask = 0;
  /* after the table is freed: the renumbering holds two copies of the
   * sorted edges for a moment, less than the table took, so a start
   * that compiles peaks no higher */
  renumber_breadth_first (au);
}

void
tact_automaton_freeze (TactAutomaton *au, guint32 n_words, guint32 n_classes)
{
  tact_automaton_freeze_edges (au);
  /* the build-time arrays go as soon as the node records hold what they
   * held, so that a start that compiles peaks lower (the nodes, the
   * gap blocks and these would otherwise all be alive at once) */
  g_clear_pointer (&au->tree, g_free);
  g_free (au->root_lo);
  g_free (au->nodes);
  au->nodes = g_new0 (TactNode, au->n_nodes);
  for (guint32 v = 0; v < au->n_nodes; v++)
    {
      TactNode *nd = &au->nodes[v];
      nd->lo = au->csr_start[v];
      nd->hi = au->csr_start[v + 1];
      nd->term_first = au->term_first[v];
      nd->gap_first = au->gap_first[v];
      for (guint32 e = nd->lo; e < nd->hi; e++)
        {
          nd->bloom |= tact_automaton_sym_bit ((guint32) (au->csr_edges[e] >> 32));
          nd->bloom2 |= tact_automaton_sym_bit2 ((guint32) (au->csr_edges[e] >> 32));
        }
    }
  /* the lists' heads: the records hold them now, and nothing adds a gap
   * or a term after freezing */
  g_clear_pointer (&au->term_first, g_free);
  g_clear_pointer (&au->gap_first, g_free);
  tact_automaton_block_gaps (au);
  au->n_words = n_words;
  au->n_classes = n_classes;
  guint32 n_dense = tact_automaton_n_dense (au);
  au->root_lo = g_new (guint32, n_dense);
  memset (au->root_lo, 0xff, sizeof (guint32) * n_dense);
  for (guint32 e = au->csr_start[TACT_ROOT + 1]; e > au->csr_start[TACT_ROOT]; e--)
    {
      /* walking backwards leaves the first edge of each symbol */
      guint32 d = tact_automaton_dense (au, (guint32) (au->csr_edges[e - 1] >> 32));
      if (d != G_MAXUINT32)
        au->root_lo[d] = e - 1;
    }
}
