/* maxrss PROGRAM [ARG...]: runs PROGRAM and prints its peak resident set
 * size to stderr.
 *
 * Why a program of its own: a child's ru_maxrss counts the memory of the
 * process it was forked from until exec, so Python's subprocess (fork or
 * posix_spawn alike) reports some 13 MB for `tact --version`.  Forked from
 * this small process, the figure is tact's own.  tools/figures.sh builds
 * it with cc when there is one.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: maxrss PROGRAM [ARG...]\n");
      return 2;
    }
  pid_t pid = fork ();
  if (pid < 0)
    {
      perror ("maxrss: fork");
      return 1;
    }
  if (pid == 0)
    {
      execvp (argv[1], argv + 1);
      perror ("maxrss: exec");
      _exit (127);
    }
  int status = 0;
  struct rusage ru;
  if (wait4 (pid, &status, 0, &ru) < 0)
    {
      perror ("maxrss: wait4");
      return 1;
    }
  fprintf (stderr, "peak RSS %.1f MB\n", (double) ru.ru_maxrss / 1024.0);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 1;
}
