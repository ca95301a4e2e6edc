#!/bin/sh
# Optional init step for a pod: lets only the egress-proxy's uid open connections out of the pod's
# network namespace (what the meshes' init containers do), so the app cannot bypass the proxy.
# Run it in an init container with NET_ADMIN, before the app starts. Loopback (the app reaching
# the sidecars on 127.0.0.1), replies on connections the pod accepted, and the proxy's uid are let
# through; everything else is rejected at once (REJECT, so clients fail fast instead of hanging).
#
#   egress-iptables.sh --proxy-uid 1337 [--allow-dns] [--allow-cidr 10.0.0.0/8 ...] [--dry-run]
#
# IPv4 with iptables-restore; IPv6 the same with ip6tables-restore when it exists (link-local and
# everything else rejected alike). Idempotent: the chain is flushed and rebuilt on each run.
set -eu

uid=""
dns=0
dry=0
cidrs=""
while [ $# -gt 0 ]; do
  case "$1" in
    --proxy-uid) uid="$2"; shift 2 ;;
    --allow-dns) dns=1; shift ;;
    --allow-cidr) cidrs="$cidrs $2"; shift 2 ;;
    --dry-run) dry=1; shift ;;
    *) echo "egress-iptables: unknown argument: $1" >&2; exit 64 ;;
  esac
done
case "$uid" in
  ''|*[!0-9]*) echo "egress-iptables: --proxy-uid <number> is required" >&2; exit 64 ;;
esac

rules() {
  # $1: 4 or 6
  echo '*filter'
  echo ':OUTRIGGER_EGRESS - [0:0]'
  echo '-F OUTRIGGER_EGRESS'
  echo '-A OUTRIGGER_EGRESS -o lo -j ACCEPT'
  echo '-A OUTRIGGER_EGRESS -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT'
  echo "-A OUTRIGGER_EGRESS -m owner --uid-owner $uid -j ACCEPT"
  if [ "$dns" = 1 ]; then
    echo '-A OUTRIGGER_EGRESS -p udp --dport 53 -j ACCEPT'
    echo '-A OUTRIGGER_EGRESS -p tcp --dport 53 -j ACCEPT'
  fi
  for c in $cidrs; do
    case "$c" in
      *:*) [ "$1" = 6 ] && echo "-A OUTRIGGER_EGRESS -d $c -j ACCEPT" ;;
      *) [ "$1" = 4 ] && echo "-A OUTRIGGER_EGRESS -d $c -j ACCEPT" ;;
    esac
  done
  if [ "$1" = 4 ]; then
    echo '-A OUTRIGGER_EGRESS -p tcp -j REJECT --reject-with tcp-reset'
    echo '-A OUTRIGGER_EGRESS -j REJECT --reject-with icmp-port-unreachable'
  else
    echo '-A OUTRIGGER_EGRESS -p tcp -j REJECT --reject-with tcp-reset'
    echo '-A OUTRIGGER_EGRESS -j REJECT --reject-with icmp6-port-unreachable'
  fi
  echo 'COMMIT'
}

install() {
  # $1: 4 or 6, $2: iptables binary prefix (iptables / ip6tables)
  rules "$1" | "$2-restore" --noflush
  # Hook the chain into OUTPUT once.
  "$2" -C OUTPUT -j OUTRIGGER_EGRESS 2>/dev/null || "$2" -I OUTPUT 1 -j OUTRIGGER_EGRESS
}

if [ "$dry" = 1 ]; then
  rules 4
  exit 0
fi
install 4 iptables
if command -v ip6tables-restore >/dev/null 2>&1 && ip6tables -L OUTPUT >/dev/null 2>&1; then
  install 6 ip6tables
fi
echo "egress-iptables: only uid $uid may leave the pod (loopback and accepted connections excepted)"
