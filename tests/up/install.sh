#!/bin/sh
# tests/up/install.sh BUILD — `make install DESTDIR=...` in the configured
# build tree BUILD installs the documented files (README "Building by hand",
# docs/OPERATIONS.md "Install", man/local.mk): the binary, the man page
# (which renders without a warning), every file of www/ and conf/, the README
# and docs/; the examples in conf/ name the installed paths; and
# `make uninstall` takes it all back.  TAP.  Run by tools/test.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: tests/up/install.sh BUILD-DIR}
build=$(cd "$build" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/claw-install-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0
ok() { # status name [diagnostic]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
		[ $# -ge 3 ] && printf '%s\n' "$3" | sed 's/^/#   /'
	fi
}

prefix=$(sed -n 's/^prefix = //p' "$build/Makefile")
d="$tmp/root$prefix"
make -s -C "$build" install DESTDIR="$tmp/root" >"$tmp/install.out" 2>&1
ok $? "make install DESTDIR=... (prefix $prefix)" "$(tail -n 20 "$tmp/install.out")"

test -x "$d/bin/claw"
ok $? "bin/claw"
v=$("$d/bin/claw" --version 2>&1)
ok $? "the installed claw runs: $v"

man="$d/share/man/man1/claw.1"
test -f "$man"
ok $? "share/man/man1/claw.1"
w=$(groff -man -ww -z -Tutf8 "$man" 2>&1)
[ -z "$w" ]
ok $? "the man page renders without a warning" "$w"
MANWIDTH=80 man -l "$man" 2>/dev/null | grep -q 'claw serve'
ok $? "man -l shows it"

# Every file of a source folder is installed, byte for byte.
same_tree() { # source-dir installed-dir name
	missing=""
	for f in "$1"/*; do
		[ -f "$f" ] || continue
		cmp -s "$f" "$2/$(basename "$f")" || missing="$missing $(basename "$f")"
	done
	[ -z "$missing" ]
	ok $? "$3: every file installed" "missing or different:$missing"
}
same_tree "$top/www" "$d/share/claw/www" "share/claw/www"
same_tree "$top/conf" "$d/share/claw/conf" "share/claw/conf"
same_tree "$top/docs" "$d/share/doc/claw/docs" "share/doc/claw/docs"
cmp -s "$top/README.md" "$d/share/doc/claw/README.md"
ok $? "share/doc/claw/README.md"
for img in $(grep -o 'docs/[A-Za-z0-9_.-]*\.png' "$top/README.md" | sort -u); do
	test -f "$d/share/doc/claw/$img"
	ok $? "the README's $img is beside it"
done

if [ "$prefix" = /usr/local ]; then
	grep -q "root $prefix/share/claw/www;" "$d/share/claw/conf/nginx.conf"
	ok $? "conf/nginx.conf's root is the installed www/"
	grep -q "^ExecStart=$prefix/bin/claw serve" "$d/share/claw/conf/claw.service"
	ok $? "conf/claw.service runs the installed claw"
fi

make -s -C "$build" uninstall DESTDIR="$tmp/root" >"$tmp/uninstall.out" 2>&1
ok $? "make uninstall"
left=$(find "$tmp/root" -type f | sed "s|^$tmp/root||")
[ -z "$left" ]
ok $? "uninstall leaves no file" "$left"

echo "1..$n"
[ "$failed" = 0 ]
