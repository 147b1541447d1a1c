# http_client_test: Python's http.client (a client nobody here wrote) against sm-httpd: keep-alive across Range, 304, 412, 416 and a 301, HEAD with the validators, an absolute-form target, all on one connection.
. tests/lib.sh
PY=$(command -v /usr/bin/python3 || command -v python3) || t_skip "python3 is not installed"
W=$T_DIR/www
mkdir -p "$W/dir"
seq 1 1000 >"$W/a.txt"
echo '<p>d</p>' >"$W/dir/index.html"
t_start h "$BUILD/sm-httpd" -r "$W" -p 0 -l 127.0.0.1
"$PY" - "$T_PORT" "$W/a.txt" <<'PYEOF' || t_fail "http.client"
import http.client, sys
port, path = int(sys.argv[1]), sys.argv[2]
body = open(path, "rb").read()
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
def get(target, method="GET", **hdrs):
    c.request(method, target, headers=hdrs)
    r = c.getresponse()
    return r, r.read()
fails = []
def check(what, got, want):
    print(f"  {what}: {got}")
    if got != want:
        fails.append(f"{what}: {got!r}, expected {want!r}")
r, b = get("/a.txt")
etag, lm = r.getheader("ETag"), r.getheader("Last-Modified")
check("GET", (r.status, b == body, r.getheader("Accept-Ranges")), (200, True, "bytes"))
r, b = get("/a.txt", Range="bytes=10-19")
check("Range 10-19", (r.status, r.getheader("Content-Range"), b), (206, f"bytes 10-19/{len(body)}", body[10:20]))
r, b = get("/a.txt", **{"If-None-Match": etag})
check("If-None-Match", (r.status, b, r.getheader("ETag")), (304, b"", etag))
r, b = get("/a.txt", **{"If-Modified-Since": lm})
check("If-Modified-Since", r.status, 304)
r, b = get("/a.txt", **{"If-Match": '"nope"'})
check("If-Match", r.status, 412)
r, b = get("/a.txt", Range="bytes=99999-")
check("Range past the end", (r.status, r.getheader("Content-Range")), (416, f"bytes */{len(body)}"))
r, b = get("/a.txt", **{"If-Range": etag, "Range": "bytes=-4"})
check("If-Range", (r.status, b), (206, body[-4:]))
r, b = get("/dir")
check("a directory without its slash", (r.status, r.getheader("Location")), (301, "/dir/"))
r, b = get("/a.txt", method="HEAD")
check("HEAD", (r.status, b, r.getheader("ETag"), r.getheader("Content-Length")), (200, b"", etag, str(len(body))))
r, b = get("http://example.com/dir/")
check("an absolute-form target", (r.status, b), (200, b"<p>d</p>\n"))
c.close()
if fails:
    print("\n".join("FAIL: " + f for f in fails))
    sys.exit(1)
PYEOF
t_stop h "$T_PID"
t_expect "one connection for all" 1 "$(t_stat h accepted)"
t_no_leak h
t_expect_end
exit 0
