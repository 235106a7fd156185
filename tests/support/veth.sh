# Live tests' network: a veth pair whose far end lives in a network namespace of its own, so a
# capture replayed into the far end with tcpreplay reaches only the near end. Sourced by the live
# test scripts. Needs root, iproute2 and tcpreplay; otherwise the test is skipped (exit 77).
#
#   veth_up PREFIX   sets veth_ns, veth_near and veth_far (names unique to this shell) and brings
#                    the pair up
#   veth_down        removes them again (safe to call twice, or before veth_up)

veth_require() {
  if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! command -v tcpreplay >/dev/null; then
    echo "skipped: needs root, iproute2 and tcpreplay"
    exit 77
  fi
}

veth_up() {
  veth_ns=${1}ns$$ veth_near=${1}n$$ veth_far=${1}f$$
  ip netns add "$veth_ns" || { echo "skipped: cannot create a network namespace here"; exit 77; }
  ip link add "$veth_near" type veth peer name "$veth_far" ||
    { echo "skipped: no veth support"; exit 77; }
  ip link set "$veth_far" netns "$veth_ns"
  ip link set "$veth_near" up
  ip -n "$veth_ns" link set "$veth_far" up
}

veth_down() {
  [ -n "${veth_near:-}" ] && ip link del "$veth_near" 2>/dev/null
  [ -n "${veth_ns:-}" ] && ip netns del "$veth_ns" 2>/dev/null
  return 0
}
