/* The shipped packs compiled into the program (generated, internal).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <glib.h>

typedef struct {
  const char *name;   /* "en/cues.json" */
  const char *data;
  gsize       len;
} TactBuiltinFile;

extern const TactBuiltinFile tact_builtin_files[];
