/* Rendering reply templates (internal).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "tact-pack.h"

/* Cleans an untrusted value (an alias): no control characters, braces made
 * harmless, whitespace collapsed, at most @max_chars characters.  New. */
char    *tact_render_clean (const char *s, guint max_chars);

/* The first name to greet, or NULL when @name does not read as one
 * (a handle, a single letter, a role word, a script without case). New. */
char    *tact_render_first_name (const TactPack *pack, const char *name, gboolean handles_ok);

char    *tact_render_greeting (const TactPack *pack, const TactContext *ctx);

/* Renders @tmpl for @ctx; see tact_engine_render(). New. */
char    *tact_render_template (const TactPack *pack, const char *tmpl, const TactContext *ctx,
                               gboolean *needs_edit);
