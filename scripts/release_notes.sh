#!/usr/bin/env bash
# The release notes of VERSION: its section of CHANGELOG.md, without the heading.
# Fails when CHANGELOG.md has no such section (a tag must not be released without notes).
# Usage: scripts/release_notes.sh 0.1.0 [CHANGELOG.md]
set -euo pipefail
version="${1:?usage: release_notes.sh VERSION [CHANGELOG]}"
changelog="${2:-$(dirname "$0")/../CHANGELOG.md}"
notes="$(awk -v heading="## [$version]" '
  index($0, heading) == 1 { found = 1; next }
  found && /^## \[/ { exit }
  found && /^\[[^]]+\]: / { next }
  found { print }
' "$changelog")"
if [ -z "$(printf '%s' "$notes" | tr -d '[:space:]')" ]; then
  echo "CHANGELOG.md has no section '## [$version]': add one before tagging v$version" >&2
  exit 1
fi
printf '%s\n' "$notes" | sed -e '/./,$!d'
