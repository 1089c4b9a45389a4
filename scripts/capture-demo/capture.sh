#!/usr/bin/env bash
# capture.sh — record netsynth's bundled demo captures from REAL traffic.
#
# Two network namespaces joined by one veth pair (MTU 1500, offloads off so the
# checksums in the capture are the ones the stack computed), client 10.99.0.2,
# server 10.99.0.1, no other interface and no route: nothing can leave the pair.
# Real programs (nginx, curl, dnsmasq, dig, ping, iperf3) talk across it while
# tcpdump records the client-side veth, one capture per traffic class:
#   web.pcap  tls.pcap  dns.pcap  icmp.pcap  udpstream.pcap
# What is requested (pages, names, sizes, rates, durations, order, pauses) comes
# from a seeded generator, so two runs with the same --seed/--scale ask for the
# same things; timing, ports, DNS ids and TLS keys are the kernel's and vary.
# See README.md next to this file.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)

# ---- defaults (documented in README.md) -------------------------------------
OUT_DIR="$REPO_ROOT/examples/data/demo"
SCALE=1
SEED=9901
FORCE=0
PLAN_ONLY=0
CLASSES="web,tls,dns,icmp,udpstream"
# 256 bytes per packet keeps every header (Ethernet 14 + IPv4 20 + TCP ≤ 60)
# plus ≥ 160 bytes of payload: HTTP request/status lines, the TLS record headers
# and the ClientHello's SNI, whole DNS messages and ICMP headers, iperf3's
# sequence header. Each record keeps the original length, so packet-size
# features are exact. Full payloads would make web/tls/udpstream ~5x larger.
SNAPLEN=256

SERVER_IP=10.99.0.1
CLIENT_IP=10.99.0.2
PREFIX_LEN=24
NS_SRV=nsdemo-srv
NS_CLI=nsdemo-cli
VETH_SRV=nsd-srv0
VETH_CLI=nsd-cli0
SITE=www.demo.test
LOCK_FILE=/run/lock/netsynth-capture-demo.lock

usage() {
  cat <<EOF
usage: sudo $0 [options]

Records real traffic between two network namespaces and writes one pcap per
class (web, tls, dns, icmp, udpstream) into the output directory.

  --out DIR        output directory (default: examples/data/demo in the repo)
  --scale N        multiply every request count by the integer N (default 1:
                   48 web and 48 tls connections, 160 DNS queries, 40 ping runs,
                   32 UDP streams)
  --seed N         seed of the request plan (default $SEED)
  --only LIST      comma-separated classes to record (default: all)
  --snaplen N      tcpdump snap length in bytes (default $SNAPLEN)
  --force          replace captures that already exist (default: skip them)
  --plan           print the request plan and exit (needs no root, records nothing)
  -h, --help       this text
EOF
}

die() { echo "capture.sh: error: $*" >&2; exit 1; }
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

while (($#)); do
  case "$1" in
    --out) OUT_DIR=${2:?--out needs a directory}; shift 2 ;;
    --out=*) OUT_DIR=${1#*=}; shift ;;
    --scale) SCALE=${2:?--scale needs N}; shift 2 ;;
    --scale=*) SCALE=${1#*=}; shift ;;
    --seed) SEED=${2:?--seed needs N}; shift 2 ;;
    --seed=*) SEED=${1#*=}; shift ;;
    --only) CLASSES=${2:?--only needs a list}; shift 2 ;;
    --only=*) CLASSES=${1#*=}; shift ;;
    --snaplen) SNAPLEN=${2:?--snaplen needs N}; shift 2 ;;
    --snaplen=*) SNAPLEN=${1#*=}; shift ;;
    --force) FORCE=1; shift ;;
    --plan) PLAN_ONLY=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

[[ $SCALE =~ ^[1-9][0-9]*$ ]] || die "--scale must be a positive integer, got '$SCALE'"
[[ $SEED =~ ^[0-9]+$ ]] || die "--seed must be a non-negative integer, got '$SEED'"
[[ $SNAPLEN =~ ^[0-9]+$ ]] && ((SNAPLEN >= 96)) || die "--snaplen must be an integer ≥ 96, got '$SNAPLEN'"
IFS=, read -r -a SELECTED <<<"$CLASSES"
for c in "${SELECTED[@]}"; do
  case "$c" in web|tls|dns|icmp|udpstream) ;; *) die "unknown class in --only: '$c'" ;; esac
done

# ---- seeded generator --------------------------------------------------------
# A 31-bit LCG in bash arithmetic: identical on every bash ≥ 4, unlike awk's rand().
# Each class has its own stream (seed + class number), so --only does not change
# what a class requests.
RNG_STATE=1
rng_seed() {
  RNG_STATE=$(( ($1 * 2654435761 + 0x2545F491) & 0x7fffffff ))
  local i; for i in 1 2 3 4; do rng_int 0 1; done
}
# rng_int LO HI → REPLY, uniform in [LO, HI]
rng_int() {
  RNG_STATE=$(( (RNG_STATE * 1103515245 + 12345) & 0x7fffffff ))
  REPLY=$(( $1 + (RNG_STATE >> 7) % ($2 - $1 + 1) ))
}
# rng_pick WORD... → REPLY, one of the words
rng_pick() { rng_int 1 $#; REPLY=${!REPLY}; }

# ---- what each class requests -------------------------------------------------
# name:bytes — the web and tls sites serve the same files.
PAGES=(index.html:2700 about.html:1300 news.html:9800 article.html:21000 gallery.html:46000
       app.js:31000 style.css:5400 data.json:3800 logo.svg:7600 favicon.ico:1150)
# Names dnsmasq knows (name=address list, or name=>cname target).
DNS_RECORDS=(www=10.99.0.1 api=10.99.0.1 mail=10.99.0.1 smtp=10.99.0.1 imap=10.99.0.1
  vpn=10.99.0.1 git=10.99.0.1 wiki=10.99.0.1 docs=10.99.0.1 shop=10.99.0.1
  auth=10.99.0.1 status=10.99.0.1 metrics=10.99.0.1 files=10.99.0.1 ntp=10.99.0.1
  intranet=10.99.0.1 blog=10.99.0.1 chat=10.99.0.1 calendar=10.99.0.1 printer-2nd-floor=10.99.0.1
  cdn=10.99.0.1,10.99.0.11,10.99.0.12,10.99.0.13 video=10.99.0.1,10.99.0.21
  img=10.99.0.1,10.99.0.31,10.99.0.32 static=\>cdn login=\>auth news=\>blog)
DNS_MISSING=(nosuch old-www test123 wpad backup-2019 isatap)

plan_web() { # lines: "pause_ms url..."
  local n=$((48 * SCALE)) i k reqs
  rng_seed $((SEED + 1))
  for ((i = 0; i < n; i++)); do
    rng_int 1 20; k=1; ((REPLY > 12)) && k=2; ((REPLY > 17)) && k=3
    reqs=""
    for ((; k > 0; k--)); do rng_pick "${PAGES[@]}"; reqs+=" ${REPLY%%:*}"; done
    rng_int 20 250; echo "$REPLY$reqs"
  done
}
plan_tls() { # lines: "pause_ms tls_version url..."
  local n=$((48 * SCALE)) i k reqs ver
  rng_seed $((SEED + 2))
  for ((i = 0; i < n; i++)); do
    rng_int 1 3; ver=1.3; ((REPLY == 3)) && ver=1.2
    rng_int 1 20; k=1; ((REPLY > 12)) && k=2; ((REPLY > 17)) && k=3
    reqs=""
    for ((; k > 0; k--)); do rng_pick "${PAGES[@]}"; reqs+=" ${REPLY%%:*}"; done
    rng_int 20 250; echo "$REPLY $ver$reqs"
  done
}
plan_dns() { # lines: "pause_ms name edns|noedns"
  local n=$((160 * SCALE)) i name edns
  rng_seed $((SEED + 3))
  for ((i = 0; i < n; i++)); do
    rng_int 1 10
    if ((REPLY == 1)); then rng_pick "${DNS_MISSING[@]}"; else rng_pick "${DNS_RECORDS[@]}"; REPLY=${REPLY%%=*}; fi
    name="$REPLY.demo.test"
    rng_int 1 4; edns=edns; ((REPLY == 4)) && edns=noedns
    rng_int 5 60; echo "$REPLY $name $edns"
  done
}
plan_icmp() { # lines: "echo_id count payload_bytes interval_ms pattern|-"
  local n=$((40 * SCALE)) i id count size interval pattern
  rng_seed $((SEED + 4))
  for ((i = 0; i < n; i++)); do
    id=$((20000 + i * 7))
    rng_int 4 12; count=$REPLY
    rng_int 1 4
    case $REPLY in
      1) rng_pick 56 32 64 100; size=$REPLY ;;     # common default sizes
      *) rng_int 16 1400; size=$REPLY ;;           # random, fits one 1500-byte frame
    esac
    rng_pick 50 100 200 250; interval=$REPLY
    rng_int 1 2; pattern=-
    if ((REPLY == 2)); then rng_int 0 65535; pattern=$(printf '%04x' "$REPLY"); fi
    echo "$id $count $size $interval $pattern"
  done
}
plan_udpstream() { # lines: "server_port datagram_bytes rate_bps seconds up|down"
  local n=$((32 * SCALE)) i rate dur dir
  rng_seed $((SEED + 5))
  for ((i = 0; i < n; i++)); do
    rng_pick 64000 96000 128000 160000 192000; rate=$REPLY
    rng_int 2 4; dur=$REPLY
    rng_int 1 3; dir=up; ((REPLY == 3)) && dir=down   # down = iperf3 -R, server sends
    echo "$((5201 + i % 4)) 1200 $rate $dur $dir"
  done
}

if ((PLAN_ONLY)); then
  for c in "${SELECTED[@]}"; do echo "# $c"; "plan_$c"; done
  exit 0
fi

# ---- preconditions -------------------------------------------------------------
((EUID == 0)) || die "run as root (it creates network namespaces and runs tcpdump)"
mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)
mkdir -p "$(dirname "$LOCK_FILE")"
exec 9>"$LOCK_FILE"
flock -n 9 || die "another capture.sh is running (lock $LOCK_FILE)"

TODO=()
for c in "${SELECTED[@]}"; do
  if [[ -e "$OUT_DIR/$c.pcap" && $FORCE -eq 0 ]]; then
    log "$OUT_DIR/$c.pcap exists, keeping it (use --force to record it again)"
  else
    TODO+=("$c")
  fi
done
((${#TODO[@]})) || { log "nothing to record"; exit 0; }

# ---- state cleaned up on exit -----------------------------------------------------
WORK=""
PIDS=()
BATCH=()   # client processes of the current icmp/udpstream batch
PARTS=()
POLICY_RC_CREATED=0
cleanup() {
  local rc=$? pid
  set +e
  for pid in "${BATCH[@]}" "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${BATCH[@]}" "${PIDS[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  ip netns del "$NS_CLI" 2>/dev/null
  ip netns del "$NS_SRV" 2>/dev/null
  for p in "${PARTS[@]}"; do rm -f "$p"; done
  [[ -n $WORK && -d $WORK ]] && rm -rf "$WORK"
  ((POLICY_RC_CREATED)) && rm -f /usr/sbin/policy-rc.d
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- tools -------------------------------------------------------------------------
# command → Debian package
declare -A PKG_OF=([ip]=iproute2 [ss]=iproute2 [tcpdump]=tcpdump [ethtool]=ethtool
  [nginx]=nginx [curl]=curl [openssl]=openssl [dnsmasq]=dnsmasq-base [dig]=bind9-dnsutils
  [ping]=iputils-ping [iperf3]=iperf3 [sha256sum]=coreutils)
need_cmds=(ip ss tcpdump ethtool sha256sum)
for c in "${TODO[@]}"; do
  case $c in
    web) need_cmds+=(nginx curl openssl) ;;
    tls) need_cmds+=(nginx curl openssl) ;;
    dns) need_cmds+=(dnsmasq dig) ;;
    icmp) need_cmds+=(ping) ;;
    udpstream) need_cmds+=(iperf3) ;;
  esac
done
export PATH="$PATH:/usr/sbin:/sbin"   # ip, ethtool, dnsmasq live here; sudo may not add it
declare -A missing=()
for cmd in "${need_cmds[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing[${PKG_OF[$cmd]}]=1
done
if ((${#missing[@]})); then
  pkgs=("${!missing[@]}")
  log "installing ${pkgs[*]} with apt-get"
  # Keep the packages' init scripts from starting nginx/iperf3 daemons on the host.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d
    POLICY_RC_CREATED=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${pkgs[@]}" >&2 \
    || { apt-get update >&2 && apt-get install -y --no-install-recommends "${pkgs[@]}" >&2; } \
    || die "apt-get could not install ${pkgs[*]}"
  if ((POLICY_RC_CREATED)); then rm -f /usr/sbin/policy-rc.d; POLICY_RC_CREATED=0; fi
fi

WORK=$(mktemp -d /tmp/netsynth-capture-demo.XXXXXX)
chmod 755 "$WORK"   # nginx workers run as www-data and read the site from here
START_S=$(date +%s)

# ---- helpers ---------------------------------------------------------------------------
in_srv() { ip netns exec "$NS_SRV" "$@"; }
in_cli() { ip netns exec "$NS_CLI" "$@"; }
ms_to_s() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

# start_bg NAME NS CMD... : run CMD in namespace NS in the background, log to
# $WORK/NAME.log, stop it on exit. `ip netns exec` execs CMD, so $! is CMD's own
# pid (a shell function here would put a subshell in between that signals miss).
start_bg() {
  local name=$1 ns=$2; shift 2
  ip netns exec "$ns" "$@" </dev/null >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  LAST_PID=$!
}
# stop_bg PID : SIGTERM and reap a process started with start_bg
stop_bg() {
  local pid=$1 keep=() p
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in "${PIDS[@]}"; do [[ $p == "$pid" ]] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}
# wait_listen NS t|u PORT : wait until something listens on PORT in NS
wait_listen() {
  local ns=$1 proto=$2 port=$3 i
  for ((i = 0; i < 100; i++)); do
    [[ -n $(ip netns exec "$ns" ss -Hln"$proto" "sport = :$port") ]] && return 0
    sleep 0.05
  done
  die "nothing listens on $proto/$port in $ns (see logs in $WORK)"
}

setup_network() {
  ip netns del "$NS_CLI" 2>/dev/null || true   # leftovers of an interrupted run
  ip netns del "$NS_SRV" 2>/dev/null || true
  ip netns add "$NS_SRV"
  ip netns add "$NS_CLI"
  local ns
  for ns in "$NS_SRV" "$NS_CLI"; do
    # No IPv6: keeps router/neighbour solicitations and MLD reports out of the link.
    ip netns exec "$ns" sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6' 2>/dev/null || true
    ip -n "$ns" link set lo up
  done
  ip link add "$VETH_CLI" netns "$NS_CLI" type veth peer name "$VETH_SRV" netns "$NS_SRV"
  in_srv ip addr add "$SERVER_IP/$PREFIX_LEN" dev "$VETH_SRV"
  in_cli ip addr add "$CLIENT_IP/$PREFIX_LEN" dev "$VETH_CLI"
  local dev
  for dev in "$NS_SRV:$VETH_SRV" "$NS_CLI:$VETH_CLI"; do
    ns=${dev%%:*} dev=${dev#*:}
    ip -n "$ns" link set "$dev" mtu 1500
    # Checksums computed in software and no segmentation/coalescing offloads:
    # the capture then holds the frames as they cross a real 1500-byte link.
    ip netns exec "$ns" ethtool -K "$dev" rx off tx off >/dev/null
    local feature
    for feature in sg tso gso gro lro ufo rx-gro-list rx-udp-gro-forwarding tx-udp-segmentation; do
      ip netns exec "$ns" ethtool -K "$dev" "$feature" off >/dev/null 2>&1 || true
    done
    ip -n "$ns" link set "$dev" up
  done
  # No default route in either namespace: traffic can only go between the two.
}

# capture_start CLASS FILTER : tcpdump on the client-side veth into a hidden part file
capture_start() {
  local class=$1 filter=$2
  CAPTURE_PART="$OUT_DIR/.$class.pcap.part.$$"
  PARTS+=("$CAPTURE_PART")
  rm -f "$CAPTURE_PART"
  # Started directly (not through a shell function) so $! is tcpdump itself.
  # --immediate-mode: hand every packet to tcpdump at once; without it the last
  # second of packets can still sit in the kernel ring when tcpdump is stopped.
  ip netns exec "$NS_CLI" tcpdump -i "$VETH_CLI" -n -s "$SNAPLEN" -B 8192 --immediate-mode -Z root -w "$CAPTURE_PART" \
    "ip and host $SERVER_IP and host $CLIENT_IP and ($filter)" </dev/null >"$WORK/tcpdump-$class.log" 2>&1 &
  CAPTURE_PID=$!
  PIDS+=("$CAPTURE_PID")
  local i
  for ((i = 0; i < 100; i++)); do
    grep -qs 'listening on' "$WORK/tcpdump-$class.log" && { sleep 0.2; return 0; }
    kill -0 "$CAPTURE_PID" 2>/dev/null || die "tcpdump failed: $(cat "$WORK/tcpdump-$class.log")"
    sleep 0.05
  done
  die "tcpdump did not start: $(cat "$WORK/tcpdump-$class.log")"
}
# capture_stop CLASS : stop tcpdump, check it dropped nothing, move the file in place
capture_stop() {
  local class=$1 final="$OUT_DIR/$1.pcap" stats captured dropped
  sleep 1   # let the last FIN/ACKs and replies cross and reach tcpdump
  # SIGTERM, not SIGINT: background jobs of a non-interactive shell ignore SIGINT.
  # tcpdump flushes the file and prints its counters on SIGTERM too.
  kill -TERM "$CAPTURE_PID"
  wait "$CAPTURE_PID" || true
  local keep=() p
  for p in "${PIDS[@]}"; do [[ $p == "$CAPTURE_PID" ]] || keep+=("$p"); done
  PIDS=("${keep[@]}")
  stats=$(cat "$WORK/tcpdump-$class.log")
  captured=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' <<<"$stats")
  dropped=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' <<<"$stats")
  [[ -n $captured && $captured -gt 0 ]] || die "$class: tcpdump captured nothing: $stats"
  [[ ${dropped:-0} -eq 0 ]] || die "$class: tcpdump dropped $dropped packets; nothing written"
  chmod 644 "$CAPTURE_PART"
  mv -f "$CAPTURE_PART" "$final"
  log "$class: wrote $final ($captured packets, $(stat -c %s "$final") bytes)"
}

# ---- servers ---------------------------------------------------------------------------
# Deterministic page bodies: AES-CTR keystream of a key derived from seed + name.
make_site() {
  local root=$WORK/www entry name size key body
  mkdir -p "$root"
  for entry in "${PAGES[@]}"; do
    name=${entry%%:*} size=${entry#*:}
    key=$(printf 'netsynth-demo:%s:%s' "$SEED" "$name" | sha256sum | cut -c1-32)
    body=$(head -c "$size" /dev/zero | openssl enc -aes-128-ctr -nosalt -K "$key" -iv 00000000000000000000000000000000 | base64 -w 76)
    case $name in
      *.html) { printf '<!doctype html>\n<html><head><title>%s</title></head><body><pre>\n' "$name"; echo "$body"; printf '</pre></body></html>\n'; } ;;
      *.json) { printf '{"name":"%s","blob":"' "$name"; printf '%s' "$body" | tr -d '\n'; printf '"}\n'; } ;;
      *.css) { printf '/* %s */\n.x{content:"' "$name"; printf '%s' "$body" | tr -d '\n'; printf '"}\n'; } ;;
      *.js) { printf '// %s\nconst blob = "' "$name"; printf '%s' "$body" | tr -d '\n'; printf '";\n'; } ;;
      *.svg) { printf '<svg xmlns="http://www.w3.org/2000/svg"><desc>'; echo "$body"; printf '</desc></svg>\n'; } ;;
      *) printf '%s' "$body" | base64 -d ;;
    esac >"$root/$name"
    truncate -s "$size" "$root/$name"   # the wrapper overshoots; cut to the planned size
  done
  chmod -R a+rX "$root"
}

start_nginx() { # start_nginx http|https
  local mode=$1 dir=$WORK/nginx-$1 listen
  mkdir -p "$dir"
  chmod 755 "$dir"
  if [[ $mode == https ]]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$SITE" \
      -addext "subjectAltName=DNS:$SITE" -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
    listen="listen $SERVER_IP:443 ssl; ssl_certificate $dir/cert.pem; ssl_certificate_key $dir/key.pem; ssl_protocols TLSv1.2 TLSv1.3;"
  else
    listen="listen $SERVER_IP:80;"
  fi
  cat >"$dir/nginx.conf" <<EOF
user www-data;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 256; }
http {
  types { text/html html; text/css css; application/javascript js; application/json json;
          image/svg+xml svg; image/x-icon ico; }
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path $dir/body; proxy_temp_path $dir/proxy; fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;
  sendfile on;
  keepalive_timeout 15;
  server {
    $listen
    server_name $SITE;
    root $WORK/www;
  }
}
EOF
  start_bg "nginx-$mode" "$NS_SRV" nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" -g 'daemon off;'
  NGINX_PID=$LAST_PID
  if [[ $mode == https ]]; then wait_listen "$NS_SRV" t 443; else wait_listen "$NS_SRV" t 80; fi
}

start_dnsmasq() {
  local args=() rec name val a
  for rec in "${DNS_RECORDS[@]}"; do
    name=${rec%%=*} val=${rec#*=}
    if [[ $val == \>* ]]; then
      args+=("--cname=$name.demo.test,${val#>}.demo.test")
    else
      IFS=, read -r -a addrs <<<"$val"
      for a in "${addrs[@]}"; do args+=("--host-record=$name.demo.test,$a"); done
    fi
  done
  # --local: never forward (there is nowhere to forward to); unknown names → NXDOMAIN.
  start_bg dnsmasq "$NS_SRV" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --no-poll --bind-interfaces --listen-address="$SERVER_IP" --port=53 --user=root --group=root \
    --pid-file= --log-facility="$WORK/dnsmasq-queries.log" --local=/demo.test/ \
    "${args[@]}"
  DNSMASQ_PID=$LAST_PID
  wait_listen "$NS_SRV" u 53
}

# ---- classes ---------------------------------------------------------------------------------
record_web() {
  make_site_once
  start_nginx http
  capture_start web "tcp port 80"
  local pause page urls line
  while read -r pause line; do
    urls=()
    for page in $line; do urls+=(-o /dev/null "http://$SITE/$page"); done
    in_cli curl --http1.1 -sS --fail --resolve "$SITE:80:$SERVER_IP" --max-time 10 "${urls[@]}" </dev/null
    sleep "$(ms_to_s "$pause")"
  done < <(plan_web)
  capture_stop web
  stop_bg "$NGINX_PID"
}

record_tls() {
  make_site_once
  start_nginx https
  capture_start tls "tcp port 443"
  local pause ver page urls line
  while read -r pause ver line; do
    urls=()
    for page in $line; do urls+=(-o /dev/null "https://$SITE/$page"); done
    # -k: the certificate is self-signed, made a moment ago.
    in_cli curl --http1.1 -sS --fail -k --resolve "$SITE:443:$SERVER_IP" --max-time 10 \
      "--tlsv$ver" --tls-max "$ver" "${urls[@]}" </dev/null
    sleep "$(ms_to_s "$pause")"
  done < <(plan_tls)
  capture_stop tls
  stop_bg "$NGINX_PID"
}

record_dns() {
  start_dnsmasq
  capture_start dns "udp port 53"
  local pause name edns opts failures=0
  while read -r pause name edns; do
    opts=(+tries=1 +time=2)
    [[ $edns == noedns ]] && opts+=(+noedns)
    # Each dig is a new process and a new socket: a new source port, so a new flow.
    in_cli dig "@$SERVER_IP" "${opts[@]}" "$name" A </dev/null >/dev/null || failures=$((failures + 1))
    sleep "$(ms_to_s "$pause")"
  done < <(plan_dns)
  capture_stop dns
  ((failures == 0)) || log "dns: $failures queries got no answer"
  stop_bg "$DNSMASQ_PID"
}

record_icmp() {
  # iputils ping ≥ 20210202 takes -e (echo identifier): each run gets its plan's id.
  local has_ident=0 help
  help=$(in_cli ping -h 2>&1 || true)   # -h exits 2
  [[ $help == *'-e <identifier>'* ]] && has_ident=1
  ((has_ident)) || log "icmp: this ping has no -e; echo ids will be ping's own (random)"
  capture_start icmp "icmp"
  local id count size interval pattern args lost=0 p
  BATCH=()
  while read -r id count size interval pattern; do
    args=(-n -q -c "$count" -s "$size" -i "$(ms_to_s "$interval")" -W 2)
    ((has_ident)) && args+=(-e "$id")
    [[ $pattern != - ]] && args+=(-p "$pattern")
    # Four runs at a time, as several pinging programs would overlap.
    ip netns exec "$NS_CLI" ping "${args[@]}" "$SERVER_IP" </dev/null >/dev/null &
    BATCH+=($!)
    if ((${#BATCH[@]} == 4)); then
      for p in "${BATCH[@]}"; do wait "$p" || lost=$((lost + 1)); done
      BATCH=()
    fi
  done < <(plan_icmp)
  for p in "${BATCH[@]}"; do wait "$p" || lost=$((lost + 1)); done
  BATCH=()
  capture_stop icmp
  ((lost == 0)) || log "icmp: $lost ping runs lost replies"
}

record_udpstream() {
  local port pids=()
  for port in 5201 5202 5203 5204; do
    start_bg "iperf3-$port" "$NS_SRV" iperf3 -s -B "$SERVER_IP" -p "$port"
    pids+=("$LAST_PID")
  done
  for port in 5201 5202 5203 5204; do wait_listen "$NS_SRV" t "$port"; done
  # Only the UDP streams: iperf3's TCP control connection is left out so every
  # flow in the file is a stream.
  capture_start udpstream "udp"
  local len rate dur dir args n=0 p
  BATCH=()
  while read -r port len rate dur dir; do
    args=(-c "$SERVER_IP" -B "$CLIENT_IP" -p "$port" -u -l "$len" -b "$rate" -t "$dur" --connect-timeout 3000)
    [[ $dir == down ]] && args+=(-R)
    # Four streams at a time, one per server port.
    ip netns exec "$NS_CLI" iperf3 "${args[@]}" </dev/null >"$WORK/iperf3-client-$n.log" 2>&1 &
    BATCH+=($!)
    n=$((n + 1))
    if ((${#BATCH[@]} == 4)); then
      for p in "${BATCH[@]}"; do wait "$p" || die "udpstream: an iperf3 client failed: $(cat "$WORK"/iperf3-client-*.log | grep -i error | head -3)"; done
      BATCH=()
      sleep 0.3
    fi
  done < <(plan_udpstream)
  for p in "${BATCH[@]}"; do wait "$p" || die "udpstream: an iperf3 client failed"; done
  BATCH=()
  capture_stop udpstream
  for port in "${pids[@]}"; do stop_bg "$port"; done
}

SITE_MADE=0
make_site_once() { ((SITE_MADE)) || { make_site; SITE_MADE=1; }; }

# ---- run -------------------------------------------------------------------------------------
log "recording ${TODO[*]} into $OUT_DIR (seed $SEED, scale $SCALE, snaplen $SNAPLEN)"
setup_network
for c in "${TODO[@]}"; do
  t0=$(date +%s)
  log "$c: recording"
  "record_$c"
  log "$c: took $(($(date +%s) - t0)) s"
done
log "done in $(($(date +%s) - START_S)) s"
