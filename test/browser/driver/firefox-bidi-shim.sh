#!/bin/sh
# Playwright's executablePath for the firefox project: Firefox ESR behind a BiDi proxy (see firefox-bidi-shim.ts).
here=$(dirname "$0")
cd "$here" && exec node --import tsx ./firefox-bidi-shim.ts "$@"
