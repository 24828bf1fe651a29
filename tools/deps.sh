# tools/deps.sh — the Debian packages claw needs, and installing the missing ones.
# Sourced by tools/test and tools/up.

CLAW_BUILD_DEPS="gcc make autoconf automake pkg-config libsqlite3-dev libcurl4-openssl-dev
libjson-c-dev libfcgi-dev zlib1g-dev liburing-dev clang-format sqlite3 bubblewrap nginx curl git"

# Only for the test suite: cgi-fcgi, to talk FastCGI to claw serve without
# nginx (tests/server/api.sh).
CLAW_TEST_DEPS="libfcgi-bin"

# The browser tests (tests/e2e): a private nginx and the system Chromium,
# driven by playwright-core from npm (which never downloads a browser).
# Node.js and npm only when not on PATH already: NodeSource's nodejs bundles
# npm, and Debian's npm package conflicts with it.
CLAW_E2E_DEPS="nginx chromium"
CLAW_E2E_NODE_DEPS="nodejs npm"

# claw_install_missing PKG...: apt-get installs the ones dpkg does not know.
claw_install_missing() {
	missing=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	[ -n "$missing" ] || return 0
	echo "installing:$missing"
	sudo=""
	[ "$(id -u)" = 0 ] || sudo="sudo"
	$sudo apt-get update -qq || return 1
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		return 1
}
