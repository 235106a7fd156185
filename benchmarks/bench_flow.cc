// Flow table costs per packet: key hash, lookup of a known flow, lookup of an unknown one, and
// the insert/remove pair every short flow pays once.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "sensor/flow/flow_table.h"

namespace bw::benchmarks {
namespace {

using flow::FlowKey;
using flow::FlowTable;
using flow::hash_flow_key;
using flow::TimeoutClass;

constexpr std::uint32_t kCapacity = 65536;

FlowKey key_number(std::uint32_t n) {
  const std::uint8_t client[4] = {10, static_cast<std::uint8_t>(n >> 16),
                                  static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
  const std::uint8_t server[4] = {192, 0, 2, static_cast<std::uint8_t>(n % 50)};
  bool client_is_a = false;
  return FlowKey::canonical(IpAddress::v4(client), static_cast<std::uint16_t>(40000 + n % 20000),
                            IpAddress::v4(server), 443, 6, client_is_a);
}

struct Keys {
  std::vector<FlowKey> keys;
  std::vector<std::uint64_t> hashes;
  explicit Keys(std::uint32_t first, std::uint32_t count) {
    for (std::uint32_t n = first; n < first + count; ++n) {
      keys.push_back(key_number(n));
      hashes.push_back(hash_flow_key(keys.back()));
    }
  }
};

// A table three-quarters full, the load a busy sensor runs at.
FlowTable& loaded_table(const Keys& present) {
  static FlowTable table(kCapacity);
  if (table.active() == 0) {
    for (std::size_t i = 0; i < present.keys.size(); ++i)
      table.insert(present.keys[i], present.hashes[i]);
  }
  return table;
}

const Keys& present_keys() {
  static const Keys keys(0, kCapacity * 3 / 4);
  return keys;
}

void BM_HashFlowKey(benchmark::State& state) {
  const Keys& keys = present_keys();
  std::size_t next = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(hash_flow_key(keys.keys[next]));
    if (++next == keys.keys.size()) next = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HashFlowKey);

void lookup(benchmark::State& state, const Keys& probes) {
  FlowTable& table = loaded_table(present_keys());
  std::size_t next = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(table.find(probes.keys[next], probes.hashes[next]));
    if (++next == probes.keys.size()) next = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_FlowTableFindHit(benchmark::State& state) {
  lookup(state, present_keys());
}
BENCHMARK(BM_FlowTableFindHit);

void BM_FlowTableFindMiss(benchmark::State& state) {
  static const Keys absent(kCapacity, kCapacity / 4);
  lookup(state, absent);
}
BENCHMARK(BM_FlowTableFindMiss);

void BM_FlowTableInsertRemove(benchmark::State& state) {
  static const Keys fresh(2 * kCapacity, kCapacity / 8);
  FlowTable& table = loaded_table(present_keys());
  std::size_t next = 0;
  for (auto _ : state) {
    const std::uint32_t index = table.insert(fresh.keys[next], fresh.hashes[next]);
    table.touch(index, TimeoutClass::kTcpOpen);
    table.remove(index);
    if (++next == fresh.keys.size()) next = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FlowTableInsertRemove);

}  // namespace
}  // namespace bw::benchmarks

BENCHMARK_MAIN();
