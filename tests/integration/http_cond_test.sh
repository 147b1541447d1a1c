# http_cond_test: sm-httpd's Range, validators, conditional requests and directory redirects, side by side with nginx on the same files: the same status, Content-Range, Content-Length, Location and body for each request (curl), and ETag/Last-Modified on every file response.
. tests/lib.sh
command -v curl >/dev/null || t_skip "curl is not installed"
W=$T_DIR/www
mkdir -p "$W/dir" "$W/sub"
seq 1 1000 >"$W/a.txt"             # 3893 bytes
echo '<h1>dir</h1>' >"$W/dir/index.html"
head -c 70000 /dev/urandom >"$W/b.bin"
touch -d '2020-01-02 03:04:05 UTC' "$W/a.txt" "$W/b.bin"
t_start httpd "$BUILD/sm-httpd" -r "$W" -p 0 -l 127.0.0.1
SM=http://127.0.0.1:$T_PORT

NG=""
if command -v nginx >/dev/null; then
	mkdir -p "$T_DIR/ng"
	cat >"$T_DIR/ng/nginx.conf" <<-CONF
	worker_processes 1; daemon off; master_process off;
	pid $T_DIR/ng/nginx.pid; error_log $T_DIR/ng/error.log;
	events { worker_connections 64; }
	http { access_log off; default_type application/octet-stream;
	  types { text/plain txt; text/html html; }
	  server { listen unix:$T_DIR/ng/sock; root $W; autoindex on; } }
	CONF
	nginx -c "$T_DIR/ng/nginx.conf" -p "$T_DIR/ng" 2>"$T_DIR/ng/start.err" &
	ngpid=$!
	T_PIDS="$T_PIDS $ngpid"
	for i in $(seq 500); do [ -S "$T_DIR/ng/sock" ] && break; sleep 0.01; done
	[ -S "$T_DIR/ng/sock" ] && NG="--unix-socket $T_DIR/ng/sock" ||
		echo "  nginx did not start, sm-httpd alone: $(cat "$T_DIR/ng/start.err")"
else
	echo "  nginx is not installed: sm-httpd alone"
fi

# see SERVER PATH CURL-ARGS...: "status range length location md5" of one
# request (the Location's path only: nginx sends an absolute URL).
see() {
	local where=$1 path=$2 url
	shift 2
	if [ "$where" = sm ]; then url="$SM$path"; else url="http://localhost$path"; fi
	local status len sum
	rm -f "$T_DIR/h" "$T_DIR/b"
	# shellcheck disable=SC2086
	curl -s -D "$T_DIR/h" -o "$T_DIR/b" $([ "$where" = ng ] && echo $NG) "$@" "$url" || echo "curl failed"
	touch "$T_DIR/b"
	status=$(awk 'NR == 1 { print $2 }' "$T_DIR/h")
	len=$(tr -d '\r' <"$T_DIR/h" | sed -n 's/^Content-Length: //Ip')
	sum=$(md5sum <"$T_DIR/b" | cut -c1-8)
	# Error pages are each server's own: their status and headers count.
	case $status in 2*) ;; *) len="" sum="" ;; esac
	printf '%s %s %s %s %s\n' "$status" \
		"$(tr -d '\r' <"$T_DIR/h" | sed -n 's/^Content-Range: //Ip')" "$len" \
		"$(tr -d '\r' <"$T_DIR/h" | sed -n 's/^Location: //Ip' | sed 's|^https\?://[^/]*||')" \
		"$sum"
}
# both WHAT EXPECTED-STATUS PATH CURL-ARGS...: sm-httpd answers the
# status, and the same as nginx in every field.
both() {
	local what=$1 want=$2 path=$3 ours theirs
	shift 3
	ours=$(see sm "$path" "$@")
	t_expect "$what: status" "$want" "${ours%% *}"
	if [ -n "$NG" ]; then
		theirs=$(see ng "$path" "$@")
		t_expect "$what: as nginx" "$theirs" "$ours"
	fi
	echo "  $what: $ours"
}
hdr() { curl -sI "$SM$1" | tr -d '\r' | sed -n "s/^$2: //Ip"; }

etag=$(hdr /a.txt ETag)
lm=$(hdr /a.txt Last-Modified)
[ -n "$etag" ] && [ -n "$lm" ] || t_fail "no validators: ETag '$etag', Last-Modified '$lm'"
t_expect "Last-Modified of a.txt" "Thu, 02 Jan 2020 03:04:05 GMT" "$lm"
t_expect "Accept-Ranges" bytes "$(hdr /a.txt Accept-Ranges)"
case $etag in \"*\") ;; *) t_expect "a strong ETag" '"..."' "$etag" ;; esac

both "GET" 200 /a.txt
both "Range 0-9" 206 /a.txt -r 0-9
both "Range 100-" 206 /a.txt -r 100-
both "Range -5" 206 /a.txt -r -5
both "Range past the end (3000-9999)" 206 /a.txt -r 3000-9999
both "Range 5000- (unsatisfiable)" 416 /a.txt -r 5000-
both "Range over 64 KiB of a binary" 206 /b.bin -r 1000-69999
both "If-Modified-Since = Last-Modified" 304 /a.txt -H "If-Modified-Since: $lm"
both "If-Modified-Since 1994" 200 /a.txt -H "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT"
both "If-Unmodified-Since 1994" 412 /a.txt -H "If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT"
both "If-Unmodified-Since = Last-Modified" 200 /a.txt -H "If-Unmodified-Since: $lm"
both "If-Match: *" 200 /a.txt -H "If-Match: *"
both "If-Match other" 412 /a.txt -H 'If-Match: "other"'
both "If-None-Match other" 200 /a.txt -H 'If-None-Match: "other"'
both "/dir (301 to /dir/)" 301 /dir
both "/dir/" 200 /dir/
both "a missing file" 404 /none.txt
both "an absolute-form target (RFC 9112 3.2.2)" 200 /a.txt --request-target "http://example.com/a.txt"
both "an absolute-form target with a Range" 206 /a.txt --request-target "HTTP://example.com:8080/a.txt?q" -r 5-9

# Where nginx's ETag is its own, each server is asked with its own.
t_expect "If-None-Match: the ETag" 304 "$(see sm /a.txt -H "If-None-Match: $etag" | cut -d' ' -f1)"
t_expect "If-None-Match: a list with the ETag" 304 "$(see sm /a.txt -H "If-None-Match: \"x\", W/$etag" | cut -d' ' -f1)"
t_expect "If-None-Match beats If-Modified-Since" 200 \
	"$(see sm /a.txt -H 'If-None-Match: "x"' -H "If-Modified-Since: $lm" | cut -d' ' -f1)"
t_expect "If-Match: the ETag" 200 "$(see sm /a.txt -H "If-Match: $etag" | cut -d' ' -f1)"
t_expect "If-Match: a weak ETag never matches" 412 "$(see sm /a.txt -H "If-Match: W/$etag" | cut -d' ' -f1)"
t_expect "If-Range: the ETag" "206 bytes 0-9/3893 10" "$(see sm /a.txt -r 0-9 -H "If-Range: $etag" | cut -d' ' -f1-4)"
t_expect "If-Range: another ETag" "200  3893" "$(see sm /a.txt -r 0-9 -H 'If-Range: "old"' | cut -d' ' -f1-3)"
t_expect "If-Range: Last-Modified" 206 "$(see sm /a.txt -r 0-9 -H "If-Range: $lm" | cut -d' ' -f1)"
t_expect "304 has the validators" "$etag" "$(curl -s -D - -o /dev/null -H "If-None-Match: $etag" "$SM/a.txt" | tr -d '\r' | sed -n 's/^ETag: //p')"
t_expect "304 has no body" 0 "$(curl -s -H "If-None-Match: $etag" "$SM/a.txt" | wc -c)"
# Choices of ours where nginx differs (docs/limits.md): several ranges
# get the whole file; HEAD ignores Range.
t_expect "several ranges: the whole file" "200  3893" "$(see sm /a.txt -r 0-1,5-6 | cut -d' ' -f1-3)"
t_expect "a malformed Range is ignored" "200  3893" "$(see sm /a.txt -H 'Range: bytes=x-1' | cut -d' ' -f1-3)"
t_expect "HEAD with a Range" 200 "$(curl -s -o /dev/null -w '%{http_code}' -I -r 0-9 "$SM/a.txt")"
# A changed file gets a new ETag, and a stale If-Range the whole file.
echo more >>"$W/a.txt"
etag2=$(hdr /a.txt ETag)
[ "$etag2" != "$etag" ] || t_expect "a new ETag after a change" "not $etag" "$etag2"
t_expect "If-Range: the old ETag" 200 "$(see sm /a.txt -r 0-9 -H "If-Range: $etag" | cut -d' ' -f1)"
# Keep-alive across 206, 304, 416 and 301: one connection.
w='%{http_code} %{num_connects}\n'
out=$(curl -s -o /dev/null -w "$w" -r 0-1 "$SM/a.txt" \
	--next -s -o /dev/null -w "$w" -H "If-None-Match: $etag2" "$SM/a.txt" \
	--next -s -o /dev/null -w "$w" -r 9999- "$SM/a.txt" \
	--next -s -o /dev/null -w "$w" "$SM/dir")
t_expect "four answers on one connection" "206 1
304 0
416 0
301 0" "$out"
# Types: /etc/mime.types when present (case-insensitive extensions),
# the default type for the unknown, --default-type to change it.
echo x >"$W/v.WEBM"; echo x >"$W/u.zzunknown"
if [ -r /etc/mime.types ]; then
	t_expect "type of .WEBM from /etc/mime.types" video/webm "$(hdr /v.WEBM Content-Type)"
fi
t_expect "type of an unknown extension" application/octet-stream "$(hdr /u.zzunknown Content-Type)"
t_expect "a directory without index.html, no --autoindex" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$SM/sub/")"
t_stop httpd "$T_PID"
# --autoindex: the listing, byte for byte nginx's autoindex.
echo x >"$W/sub/f &<x>.txt"; mkdir -p "$W/sub/inner"; echo h >"$W/sub/.hidden"
t_start ai "$BUILD/sm-httpd" -r "$W" -p 0 -l 127.0.0.1 --autoindex
for p in / /sub/; do
	ours=$(curl -s "http://127.0.0.1:$T_PORT$p" | md5sum)
	t_expect "--autoindex $p: 200" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$T_PORT$p")"
	if [ -n "$NG" ]; then
		# shellcheck disable=SC2086
		theirs=$(curl -s $NG "http://localhost$p" | md5sum)
		t_expect "--autoindex $p: as nginx's autoindex" "$theirs" "$ours"
	fi
done
echo "  --autoindex /sub/: $(curl -s "http://127.0.0.1:$T_PORT/sub/" | grep -c href) links"
t_stop ai "$T_PID"
t_no_leak httpd
t_start dt "$BUILD/sm-httpd" -r "$W" -p 0 -l 127.0.0.1 --default-type text/x-mine --mime-types /dev/null
t_expect "--default-type" text/x-mine "$(curl -sI "http://127.0.0.1:$T_PORT/u.zzunknown" | tr -d '\r' | sed -n 's/^Content-Type: //Ip')"
t_expect "--mime-types /dev/null: no table, the default" text/x-mine "$(curl -sI "http://127.0.0.1:$T_PORT/a.txt" | tr -d '\r' | sed -n 's/^Content-Type: //Ip')"
t_stop dt "$T_PID"
out=$("$BUILD/sm-httpd" -r "$W" -p 0 --mime-types "$T_DIR/none" 2>&1)
t_expect "--mime-types of a missing file: exit 66" 66 "$?"
echo "  $out"
t_expect_end
exit 0
