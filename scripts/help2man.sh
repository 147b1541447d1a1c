#!/bin/sh
# help2man.sh PROGRAM [SECTION_DATE]: a man(1) page, on standard output,
# from PROGRAM --help, so that the page and the help are one text.
# The help's layout is the programs' own: "Usage: NAME ARGS", then
# paragraphs of description, then "...options:" or "Options:" blocks of
# option lines ("  -x, --long ARG   text", continued by indented lines),
# then paragraphs that start with a label ("Exit status: ...",
# "Example: ...") which become sections of their own.
set -eu
prog=$1
name=$(basename "$prog")
version=$(awk '/define SM_VERSION_(MAJOR|MINOR|PATCH) / { v = v (v == "" ? "" : ".") $3 } END { print v }' \
	"$(dirname "$0")/../include/stackmap.h")
"$prog" --help | awk -v name="$name" -v version="$version" -v date="${2:-2026-12-06}" '
function esc(s) {
	gsub(/\\/, "\\e", s)
	gsub(/-/, "\\-", s)
	sub(/^[.'"'"']/, "\\\\\\&&", s)
	return s
}
function flush_item() {
	if (spec != "") {
		print ".TP"
		print ".B " esc(spec)
		print esc(desc)
	}
	spec = ""; desc = ""
}
function section(title) {
	flush_item()
	print ".SH " title
}
NR == 1 {
	sub(/^Usage: /, "")
	usage = $0
	next
}
# The first paragraph gives the NAME line: its first clause.
!named && NF {
	line = $0
	sub(/(: |\. | \(|[:.]$).*$/, "", line)
	sub(/ +$/, "", line)
	printf ".TH %s 1 %s \"StackMap %s\" \"User Commands\"\n", toupper(name), date, version
	print ".SH NAME"
	print esc(name) " \\- " esc(line)
	print ".SH SYNOPSIS"
	print ".B " esc(usage)
	print ".SH DESCRIPTION"
	named = 1
}
# A block of options begins.
/^([A-Za-z][A-Za-z ]* )?[Oo]ptions:$/ {
	if (!opts) section("OPTIONS")
	else flush_item()
	opts = 1
	if ($0 != "Options:") {
		print ".SS " esc(substr($0, 1, length($0) - 1))
	}
	next
}
# An option line: the spec, two spaces or more, the text.
opts && /^  +-/ {
	flush_item()
	line = $0
	sub(/^ +/, "", line)
	if (match(line, /  +/)) {
		spec = substr(line, 1, RSTART - 1)
		desc = substr(line, RSTART + RLENGTH)
	} else {
		spec = line
		desc = ""
	}
	next
}
opts && spec != "" && /^      +[^ ]/ {
	line = $0
	sub(/^ +/, "", line)
	desc = desc " " line
	next
}
# A labelled paragraph: a section of its own.
/^[A-Z][a-z]+( [a-z]+)?: / && !inpara {
	label = $0
	sub(/: .*$/, "", label)
	section(toupper(label))
	text = $0
	sub(/^[^:]*: /, "", text)
	if (label == "Example") {
		print ".EX"
		print esc(text)
		example = 1
	} else {
		print esc(text)
	}
	inpara = 1
	next
}
!NF {
	flush_item()
	if (example) { print ".EE"; example = 0 }
	if (named) print ".PP"
	inpara = 0
	next
}
{
	flush_item()
	print esc($0)
	inpara = 1
}
END {
	flush_item()
	if (example) print ".EE"
	print ".SH SEE ALSO"
	print ".BR stackmap (7)"
}' | awk '
# No .PP right before a .SH, .TP or .SS, nor two in a row.
/^\.PP$/ { pp = 1; next }
pp && !/^\.(SH|SS|TP|PP)/ { print ".PP" }
{ pp = 0; print }'
