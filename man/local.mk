# man/ — the manual page, and what `make install` puts beside the binary:
#   $(bindir)/claw                      (bin_PROGRAMS, in Makefile.am)
#   $(man1dir)/claw.1                   the command line and environment
#   $(pkgdatadir)/www/                  the dashboard, for nginx's root
#   $(pkgdatadir)/conf/                 nginx, systemd and claw.env examples
#   $(docdir)/                          README.md, docs/ (the *.md and screenshots)
# With the default prefix these are the paths conf/nginx.conf and
# conf/claw.service name (/usr/local/share/claw/www, /usr/local/bin/claw).
# tests/up/install.sh checks that every file of www/ and conf/ is listed.
dist_man_MANS = man/claw.1

wwwdir = $(pkgdatadir)/www
dist_www_DATA = www/index.html www/style.css www/api.js www/app.js www/board.js www/changes.js \
	www/dialog.js www/dom.js www/format.js www/gate.js www/issue.js www/markdown.js \
	www/notify.js www/project.js www/live.js www/result.js www/run.js www/stream.js www/trace.js

confdir = $(pkgdatadir)/conf
dist_conf_DATA = conf/nginx.conf conf/nginx-cluster.conf conf/claw.service \
	conf/claw.env.example

# docs/ keeps its name under $(docdir), so the README's links still work.
dist_doc_DATA = README.md
nobase_dist_doc_DATA = docs/OPERATIONS.md docs/ARCHITECTURE.md docs/WORKFLOWS.md docs/FUZZING.md \
	docs/BENCHMARKS.md docs/dashboard-board.png docs/dashboard-run.png \
	docs/dashboard-approve.png docs/dashboard-dark.png docs/dashboard-changes.png

EXTRA_DIST += tests/up/install.sh
