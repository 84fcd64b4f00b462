#!/usr/bin/env bash
# Release packaging: the one place the release archive names and layout are made.
# Used by .github/workflows/release.yml and by the tests (tests/it/release.rs, tests/it/action.rs),
# which check that the Action, the GitLab templates and cargo-binstall expect these names.
#
#   dist.sh name    VERSION TARGET                       print the archive's file name
#   dist.sh extras  BINARY OUT_DIR                       completions/ and man/ from a runnable binary
#   dist.sh archive VERSION TARGET BINARY EXTRAS OUT_DIR  pack one archive; print its path
#   dist.sh sums    DIR                                  write DIR/SHA256SUMS for DIR's archives
#   dist.sh pins    VERSION SHA256SUMS                   record a release's hashes in the Action
#                                                        (ci/github/checksums.sha256) and pin the
#                                                        GitLab templates to it
#
# Archive: countersign-v<VERSION>-<TARGET>.tar.gz (.zip for Windows targets), holding one
# directory of the same stem with countersign[.exe], README.md, LICENSE-MIT, LICENSE-APACHE,
# completions/ (bash, zsh, fish, powershell, elvish) and man/ (countersign.1 and one page per
# subcommand). Archives are reproducible: sorted entries, fixed owner and mtime.
set -euo pipefail
# The checkout it works on: its own (DIST_ROOT lets the tests work on a copy).
root="${DIST_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}"

die() { echo "dist.sh: $*" >&2; exit 2; }

check_version() {
  [[ "$1" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]] || die "version must look like 1.2.3, not '$1'"
}
check_target() {
  [[ "$1" =~ ^[a-z0-9_]+-[a-z0-9_]+-[a-z0-9_]+(-[a-z0-9_]+)?$ ]] || die "not a target triple: '$1'"
}

# The archive extension and binary suffix of a target.
ext_of() { case "$1" in *-windows-*) echo zip ;; *) echo tar.gz ;; esac; }
exe_of() { case "$1" in *-windows-*) echo .exe ;; *) echo "" ;; esac; }
stem_of() { echo "countersign-v$1-$2"; }

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$@"; else shasum -a 256 "$@"; fi
}

cmd="${1:-}"
shift || true
case "$cmd" in
  name)
    [ $# -eq 2 ] || die "usage: dist.sh name VERSION TARGET"
    check_version "$1"; check_target "$2"
    echo "$(stem_of "$1" "$2").$(ext_of "$2")" ;;

  extras)
    [ $# -eq 2 ] || die "usage: dist.sh extras BINARY OUT_DIR"
    bin="$1" out="$2"
    mkdir -p "$out/completions" "$out/man"
    "$bin" completions bash > "$out/completions/countersign.bash"
    "$bin" completions zsh > "$out/completions/_countersign"
    "$bin" completions fish > "$out/completions/countersign.fish"
    "$bin" completions powershell > "$out/completions/_countersign.ps1"
    "$bin" completions elvish > "$out/completions/countersign.elv"
    "$bin" man --dir "$out/man" ;;

  archive)
    [ $# -eq 5 ] || die "usage: dist.sh archive VERSION TARGET BINARY EXTRAS OUT_DIR"
    version="$1" target="$2" bin="$3" extras="$4" out="$5"
    check_version "$version"; check_target "$target"
    [ -f "$bin" ] || die "no binary at $bin"
    [ -d "$extras/completions" ] && [ -d "$extras/man" ] || die "$extras lacks completions/ or man/ (run dist.sh extras)"
    stem="$(stem_of "$version" "$target")"
    ext="$(ext_of "$target")"
    stage="$(mktemp -d)"
    trap 'rm -rf "$stage"' EXIT
    mkdir -p "$stage/$stem" "$out"
    out="$(cd "$out" && pwd)"
    cp "$bin" "$stage/$stem/countersign$(exe_of "$target")"
    chmod 0755 "$stage/$stem/countersign$(exe_of "$target")"
    cp "$root/README.md" "$root/LICENSE-MIT" "$root/LICENSE-APACHE" "$stage/$stem/"
    cp -R "$extras/completions" "$extras/man" "$stage/$stem/"
    find "$stage" -exec touch -h -d "@${SOURCE_DATE_EPOCH:-0}" {} +
    case "$ext" in
      tar.gz)
        (cd "$stage" && find "$stem" -print0 | LC_ALL=C sort -z |
          tar --null --no-recursion -T - --owner=0 --group=0 --numeric-owner -cf - |
          gzip -n -9 > "$out/$stem.tar.gz") ;;
      zip)
        (cd "$stage" && find "$stem" | LC_ALL=C sort | zip -q -X -@ "$out/$stem.zip") ;;
    esac
    echo "$out/$stem.$ext" ;;

  sums)
    [ $# -eq 1 ] || die "usage: dist.sh sums DIR"
    (cd "$1" && shopt -s nullglob && files=(countersign-v*.tar.gz countersign-v*.zip) &&
      { [ ${#files[@]} -gt 0 ] || die "no archives in $1"; } &&
      sha256 "${files[@]}" | LC_ALL=C sort -k2 > SHA256SUMS)
    cat "$1/SHA256SUMS" ;;

  pins)
    [ $# -eq 2 ] || die "usage: dist.sh pins VERSION SHA256SUMS"
    version="$1" sums="$2"
    check_version "$version"
    lines="$(grep -E "^[0-9a-f]{64}  countersign-v${version//./\\.}-" "$sums" || true)"
    [ -n "$lines" ] || die "$sums lists no archive of v$version"
    # The Action: append (older releases stay verifiable with newer action refs).
    file="$root/ci/github/checksums.sha256"
    { grep -v -E "  countersign-v${version//./\\.}-" "$file" || true; echo "$lines"; } > "$file.new"
    mv "$file.new" "$file"
    # The GitLab templates: the pinned version and its two Linux hashes.
    x86="$(awk -v a="countersign-v$version-x86_64-unknown-linux-musl.tar.gz" '$2 == a { print $1 }' "$sums")"
    arm="$(awk -v a="countersign-v$version-aarch64-unknown-linux-musl.tar.gz" '$2 == a { print $1 }' "$sums")"
    [[ "$x86" =~ ^[0-9a-f]{64}$ && "$arm" =~ ^[0-9a-f]{64}$ ]] || die "$sums lacks a Linux archive of v$version"
    for t in "$root/ci/gitlab/countersign.gitlab-ci.yml" "$root/templates/countersign.yml"; do
      sed -i.bak -E \
        -e "s/^( *COUNTERSIGN_PINNED_VERSION: *)\"[0-9A-Za-z.-]*\"( *# pinned version)$/\1\"$version\"\2/" \
        -e "s/^( *COUNTERSIGN_PINNED_SHA256_X86_64: *)\"[0-9a-f]*\"/\1\"$x86\"/" \
        -e "s/^( *COUNTERSIGN_PINNED_SHA256_AARCH64: *)\"[0-9a-f]*\"/\1\"$arm\"/" \
        "$t"
      rm -f "$t.bak"
      grep -q "\"$version\" *# pinned version" "$t" || die "could not pin the version in $t"
    done ;;

  *) die "usage: dist.sh name|extras|archive|sums|pins …" ;;
esac
