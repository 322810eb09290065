# tests/bench/serve_port.sh — sourced by the benchmarks that start `triscreen serve
# --listen 127.0.0.1:0`: serve_port LOG [TRIES] waits (0.05 s a try, 200 tries by
# default) for the server's "listening" line in LOG and prints its port, or nothing.
serve_port() {
    local log=$1 tries=${2:-200} port=
    for _ in $(seq "$tries"); do
        port=$(grep -o 'msg=listening addr=127.0.0.1:[0-9]*' "$log" | tail -1 | cut -d: -f2 || true)
        [ -n "$port" ] && break
        sleep 0.05
    done
    printf '%s' "$port"
}
