#!/usr/bin/env bash
# Installs what purple-tact needs to build, demo and test on Debian 12.
# Run as root.  Used by the README's commands and by .ci/run.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ "${TACT_SKIP_APT:-}" = 1 ]; then exit 0; fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  build-essential meson ninja-build pkg-config gettext python3 \
  libglib2.0-dev libjansson-dev libpurple-dev pidgin pidgin-dev finch finch-dev \
  prosody lua-unbound python3-slixmpp tmux xvfb xdotool x11-apps imagemagick \
  valgrind dbus-x11 >/dev/null
