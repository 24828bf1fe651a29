#!/bin/sh
# claw -c / claw init: registering project folders, and every way it can be refused.
. "${CLAW_SRCDIR:-.}/tests/cli/lib.sh"

mkdir -p "$tmp/my proj/sub" && proj=$(cd "$tmp/my proj" && pwd -P)
key=$(printf '%s' "$proj" | sed 's/[^A-Za-z0-9][^A-Za-z0-9]*/-/g; s/^-//; s/-$//')

run -c "$tmp/my proj" -d "A test project"
is "$rc" 0 "claw -c DIR registers the folder"
like "$out" "Registered project my proj" "it prints the project name"
like "$out" "folder: $proj" "it prints the real folder path"
like "$out" "state:  $CLAW_HOME/projects/$key.db" "it prints the state db, named by the key"
ok "$(test -f "$CLAW_HOME/projects/$key.db"; echo $?)" "the db exists under CLAW_HOME/projects"

run -c "$tmp/my proj"
is "$rc" 1 "registering twice fails"
like "$err" "claw init: already registered: $proj" "and says it is already registered"

run init "$tmp/nope"
is "$rc" 1 "a missing folder fails"
like "$err" "claw init: no such directory: $tmp/nope" "and names the folder"

touch "$tmp/afile"
run -c "$tmp/afile"
is "$rc" 1 "a file is refused"
like "$err" "not a directory: $tmp/afile" "and says it is not a directory"

run -c "$tmp/my proj/sub" -x
is "$rc" 2 "an unknown option is a usage error"
like "$err" "claw init: unknown option -x" "naming the option"
ok "$(test -z "$(ls "$CLAW_HOME/projects" | grep -v "^$key.db")"; echo $?)" \
	"and nothing was registered by the refused commands"

run -c "$tmp/my proj/sub" "$tmp" 
is "$rc" 2 "two folders is a usage error"

run -c -d
is "$rc" 2 "-d without a value is a usage error"
like "$err" "option -d needs a value" "and says so"

mkdir -p "$tmp/other"
run -C "$tmp/other" -c -q
is "$rc" 0 "-C DIR -c registers DIR (as if started there)"
is "$out" "Registered project other" "-q prints only the milestone"

mkdir -p "$tmp/ro" && chmod 500 "$tmp/ro"
if [ "$(id -u)" != 0 ]; then
	CLAW_HOME="$tmp/ro/home" run -c "$tmp/my proj/sub"
	is "$rc" 1 "an unwritable CLAW_HOME is a clear failure"
else
	_report 1 "an unwritable CLAW_HOME is a clear failure # SKIP root can write anywhere"
fi

# Isolation (SPEC section 9): worktree needs a git repository with a commit.
mkdir -p "$tmp/plain" "$tmp/repo/sub"
run -c "$tmp/plain" --isolation worktree
is "$rc" 1 "worktree isolation for a folder outside git is refused"
like "$err" "isolation worktree needs a git repository with a commit" "and says why"
run -c "$tmp/plain" --isolation sandbox
is "$rc" 2 "an unknown isolation is a usage error"
(cd "$tmp/repo" && git init -q . && echo x >sub/f && git add -A &&
	git -c user.name=t -c user.email=t@t commit -q -m one)
run -c "$tmp/repo/sub" --isolation worktree --setup "make deps"
is "$rc" 0 "worktree isolation for a subfolder of a repository"
like "$out" "isolation: worktree" "is shown"
like "$out" "setup: make deps" "with the setup"
run -c "$tmp/plain"
like "$out" "isolation: inplace" "the default outside git is inplace"
mkdir -p "$tmp/repo2" && (cd "$tmp/repo2" && git init -q . && echo x >f && git add -A &&
	git -c user.name=t -c user.email=t@t commit -q -m one)
run -c "$tmp/repo2"
like "$out" "isolation: worktree" "the default in a git repository is worktree"
run -C "$tmp/plain" project set isolation=worktree
is "$rc" 1 "claw project set refuses worktree outside git"
run -C "$tmp/repo/sub" project set isolation=inplace setup= setup_net=yes
is "$rc" 0 "claw project set changes several settings"
like "$out" "isolation: inplace" "isolation"
like "$out" "setup:     (none)" "an empty setup is none"
like "$out" "setup_net: yes" "setup_net"
run -C "$tmp/repo/sub" project set colour=blue
is "$rc" 2 "an unknown setting is a usage error"
like "$err" "unknown setting colour" "named"

done_testing
