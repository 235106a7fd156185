// The capture -> worker hand-off: one SpscChannel push and pop of an item the size of the
// pipeline's WorkItem (a DecodedPacket plus sequencing), on one thread and across two.
#include <benchmark/benchmark.h>

#include <atomic>
#include <thread>

#include "sensor/decode/decoded_packet.h"
#include "sensor/pipeline/spsc_ring.h"

namespace bw::benchmarks {
namespace {

struct Item {
  std::uint64_t seq = 0;
  std::uint64_t arena_end = 0;
  decode::DecodedPacket packet;
};

constexpr std::size_t kQueueDepth = 2048;  // the pipeline's default queue_depth

void BM_SpscPushPopOneThread(benchmark::State& state) {
  pipeline::SpscChannel<Item> channel(kQueueDepth);
  Item in;
  Item out;
  for (auto _ : state) {
    ++in.seq;
    channel.try_push(in);
    channel.try_pop(out);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(sizeof(Item)));
}
BENCHMARK(BM_SpscPushPopOneThread);

// Producer on the benchmark thread, consumer on its own: the cost per item includes the cache
// lines that cross cores. Spins instead of backing off, so it is the channel's best case.
void BM_SpscTwoThreads(benchmark::State& state) {
  pipeline::SpscChannel<Item> channel(kQueueDepth);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> consumed{0};
  std::thread consumer([&] {
    Item out;
    std::uint64_t count = 0;
    while (!stop.load(std::memory_order_acquire) || !channel.empty()) {
      if (channel.try_pop(out)) ++count;
    }
    consumed.store(count, std::memory_order_release);
  });
  Item in;
  for (auto _ : state) {
    ++in.seq;
    while (!channel.try_push(in)) {
    }
  }
  stop.store(true, std::memory_order_release);
  consumer.join();
  if (consumed.load(std::memory_order_acquire) != static_cast<std::uint64_t>(state.iterations())) {
    state.SkipWithError("consumer lost items");
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(sizeof(Item)));
}
BENCHMARK(BM_SpscTwoThreads)->UseRealTime();

}  // namespace
}  // namespace bw::benchmarks

BENCHMARK_MAIN();
