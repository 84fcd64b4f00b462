#!/usr/bin/env bash
# Full-history benchmark: countersign's git scan against `git log` on the same commit set.
#
#   bench/history.sh [REPO] [ROUNDS]
#   SIGNED=1 bench/history.sh [REPO] [ROUNDS]   # every commit carries a signed review
#
# Without REPO, a synthetic history is generated once into bench/out/synth.git
# (bench/gen.py | git fast-import, then git gc). Runs ROUNDS (default 3) interleaved rounds of
#   (a) git log --format=%B --name-only --no-renames --diff-merges=combined --all
#   (b) target/profiling/examples/scan REPO --all      (resolve + scan + globset match per path)
#   (c) target/profiling/countersign check --all ...   (skipped when the CLI cannot do it yet)
# Built with the `profiling` profile (Cargo.toml): the release code generation with debug
# info kept, so `perf record` / callgrind runs on these binaries show symbols and lines.
# and prints median wall time, peak RSS (/usr/bin/time %M), the ratio to git log and the
# median CPU time (user + sys). Prints the load average before and after.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
repo="${1:-}"
rounds="${2:-3}"
target="${CARGO_TARGET_DIR:-$root/target}"

if [ -z "$repo" ]; then
  repo="$here/out/synth.git"
  if [ ! -d "$repo" ]; then
    mkdir -p "$here/out"
    git init -q --bare "$repo"
    python3 "$here/gen.py" 70000 | git --git-dir="$repo" fast-import --quiet
    rm -f "$repo"/objects/pack/*.keep
    git --git-dir="$repo" gc -q
  fi
fi

(cd "$root" && cargo build -q --profile profiling --example scan && cargo build -q --profile profiling --bin countersign) >&2

# SIGNED=1: the same history with a signed review (git note, refs/notes/countersign) on every
# commit, checked with a policy that accepts signed reviews: the cost of verifying them.
# git log skips the notes ref (`--exclude=refs/notes/*`), as `check --all` does.
policy="$here/policy.yml"
notes_exclude=()
if [ "${SIGNED:-0}" = 1 ]; then
  (cd "$root" && cargo build -q --profile profiling --example sign_notes) >&2
  signer="$target/profiling/examples/sign_notes"
  signed="$here/out/$(basename "$repo" .git)-signed.git"
  if [ ! -d "$signed" ]; then
    git clone -q --mirror "$repo" "$signed"
    "$signer" "$signed" | git --git-dir="$signed" fast-import --quiet
    git --git-dir="$signed" gc -q
  fi
  repo="$signed"
  policy="$here/out/policy-signed.yml"
  key="$("$signer" --public-key)"
  { cat "$here/policy.yml"
    printf 'teams:\n  - name: bench\n    members:\n      - name: Bench Reviewer\n        email: bench-reviewer@example.com\n        ssh_keys: ["%s"]\n' "$key"
    printf 'evidence:\n  review: [signed, trailer]\n'
  } > "$policy"
  notes_exclude=(--exclude='refs/notes/*')
fi

scan="$target/profiling/examples/scan"
cs="$target/profiling/countersign"
have_cs=0
# The CLI lands separately: use it only when `check --all` really produces a JSON report.
# (Output captured first: `grep -q` closing the pipe early would fail the pipeline.)
if [ -x "$cs" ] && grep -q '"verdict"' <<<"$(cd "$repo" && "$cs" check --all --policy "$policy" --format json 2>/dev/null || true)"; then
  have_cs=1
fi

# Correctness first: same (commit, path) count as git for every non-merge commit. Merges
# follow countersign's merge rule (README "How countersign decides"): over a whole history
# that is git's combined set plus the paths a merge changes that no commit introduced (a
# merge that drops a file its first parent has); their count is printed, not compared.
want=$(git --git-dir="$repo" log --format= --name-only --no-renames --no-merges "${notes_exclude[@]}" --all | grep -c . || true)
combined=$(git --git-dir="$repo" log --format= --name-only --no-renames --diff-merges=combined --merges "${notes_exclude[@]}" --all | grep -c . || true)
stats=$("$scan" "$repo" --all 2>&1 >/dev/null)
got=$(sed -n 's/.*non_merge_pairs=\([0-9]*\).*/\1/p' <<<"$stats")
all=$(sed -n 's/.* pairs=\([0-9]*\).*/\1/p' <<<"$stats")
echo "non-merge pairs: git=$want scan=$got; merge pairs: scan=$((all - got)) (git's combined set: $combined)"
[ "$want" = "$got" ] || { echo "MISMATCH" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
run() { # name, command...
  local name="$1"; shift
  /usr/bin/time -f "%e %M %U %S" -o "$tmp/t" "$@" >/dev/null 2>/dev/null || true
  tail -n 1 "$tmp/t" >> "$tmp/$name"  # last line: time prints a status line first on exit != 0
}
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$rounds"); do
  order=(git scan cs)
  # rotate the order each round
  for k in $(seq $((i % 3))); do order=("${order[@]:1}" "${order[0]}"); done
  for n in "${order[@]}"; do
    case $n in
      git)  run git git --git-dir="$repo" log --format=%B --name-only --no-renames --diff-merges=combined "${notes_exclude[@]}" --all ;;
      scan) run scan "$scan" "$repo" --all ;;
      cs)   [ $have_cs = 1 ] && (cd "$repo" && run cs "$cs" check --all --policy "$policy" --format json) ;;
    esac
  done
  echo "round $i done" >&2
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
gm=$(cut -d' ' -f1 "$tmp/git" | median)
for n in git scan cs; do
  [ -f "$tmp/$n" ] || { echo "$n: skipped"; continue; }
  m=$(cut -d' ' -f1 "$tmp/$n" | median)
  rss=$(cut -d' ' -f2 "$tmp/$n" | sort -n | tail -1)
  cpu=$(awk '{print $3 + $4}' "$tmp/$n" | median)
  printf '%-5s median %6.2f s  (runs: %s)  peak RSS %d MB  ratio %.2f  CPU (user+sys) median %.2f s\n' "$n" "$m" \
    "$(cut -d' ' -f1 "$tmp/$n" | tr '\n' ' ')" $((rss / 1024)) "$(echo "$m / $gm" | bc -l)" "$cpu"
done
