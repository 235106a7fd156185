// Exporter costs per event: mapping an EventRecord onto the protobuf message, then writing it as
// length-delimited binary or as a JSON line (to /dev/null, so only encoding and stdio count).
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <google/protobuf/arena.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "beaconwatch/v1/event.pb.h"
#include "benchmarks/bench_inputs.h"
#include "sensor/export/event_encoder.h"
#include "sensor/extract/http/http_parser.h"
#include "sensor/flow/community_id.h"

namespace bw::benchmarks {
namespace {

class KeepLast final : public extract::http::HttpTransactionSink {
 public:
  void on_http_transaction(const extract::HttpTransaction& t) override {
    last = t;
    seen = true;
  }
  extract::HttpTransaction last;
  bool seen = false;
};

// The first pixel fetch of the dense capture as the worker would hand it to the exporter.
const exporter::EventRecord& http_event() {
  static const exporter::EventRecord record = [] {
    const Corpus& c = corpus("dense");
    extract::http::HttpParser parser;
    extract::http::HttpCounters counters;
    KeepLast sink;
    parser.on_client_bytes(first_payload_to_port(c, 6, 80, "GET "), 1, sink, counters);
    parser.on_server_bytes(first_payload_from_port(c, 6, 80, "HTTP/1.1 "), 2, sink, counters);
    parser.finish(sink, counters);
    if (!sink.seen) {
      std::fprintf(stderr, "no HTTP transaction in the dense capture\n");
      std::abort();
    }
    exporter::EventRecord r;
    const std::uint8_t client[4] = {10, 1, 2, 3};
    const std::uint8_t server[4] = {192, 0, 2, 80};
    r.flow.client_ip = IpAddress::v4(client);
    r.flow.server_ip = IpAddress::v4(server);
    r.flow.client_port = 51234;
    r.flow.server_port = 80;
    r.flow.protocol = 6;
    r.app_protocol.assign("HTTP");
    r.body = sink.last;
    return r;
  }();
  return record;
}

const exporter::EncoderContext& context() {
  static const exporter::EncoderContext c{"bench", {"bench.pcap"}};
  return c;
}

void BM_EncodeEvent(benchmark::State& state) {
  beaconwatch::v1::Event event;
  std::uint64_t sequence = 0;
  for (auto _ : state) {
    exporter::encode_event(http_event(), ++sequence, context(), event);
    benchmark::DoNotOptimize(event);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeEvent);

// The exporter's way: one arena per run, emptied before each event, so messages and short strings
// are not allocated one by one.
void BM_EncodeEventOnArena(benchmark::State& state) {
  std::unique_ptr<char[]> block(new char[64 * 1024]);
  google::protobuf::ArenaOptions options;
  options.initial_block = block.get();
  options.initial_block_size = 64 * 1024;
  google::protobuf::Arena arena(options);
  std::uint64_t sequence = 0;
  for (auto _ : state) {
    arena.Reset();
    auto* event = google::protobuf::Arena::CreateMessage<beaconwatch::v1::Event>(&arena);
    exporter::encode_event(http_event(), ++sequence, context(), *event);
    benchmark::DoNotOptimize(event);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeEventOnArena);

// Addresses as the encoder formats them (two per event), against the C library's inet_ntop.
const std::vector<IpAddress>& sample_addresses(int family) {
  static const auto make = [](int f) {
    std::vector<IpAddress> out;
    std::uint32_t x = 2463534242u;
    for (int i = 0; i < 256; ++i) {
      std::uint8_t bytes[16] = {0x20, 0x01, 0x0d, 0xb8};
      for (int b = f == 4 ? 0 : 8; b < 16; ++b) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;  // xorshift32
        bytes[b] = static_cast<std::uint8_t>(x);
      }
      out.push_back(f == 4 ? IpAddress::v4(bytes) : IpAddress::v6(bytes));
    }
    return out;
  };
  static const std::vector<IpAddress> v4 = make(4);
  static const std::vector<IpAddress> v6 = make(6);
  return family == 4 ? v4 : v6;
}

void format_addresses(benchmark::State& state, int family, bool libc) {
  const auto& addresses = sample_addresses(family);
  char buf[INET6_ADDRSTRLEN];
  std::size_t i = 0;
  for (auto _ : state) {
    const IpAddress& a = addresses[i++ % addresses.size()];
    if (libc) {
      benchmark::DoNotOptimize(
          inet_ntop(family == 4 ? AF_INET : AF_INET6, a.bytes.data(), buf, sizeof buf));
    } else {
      benchmark::DoNotOptimize(a.format(buf, sizeof buf));
    }
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_FormatIpv4(benchmark::State& state) {
  format_addresses(state, 4, false);
}
void BM_FormatIpv4InetNtop(benchmark::State& state) {
  format_addresses(state, 4, true);
}
void BM_FormatIpv6(benchmark::State& state) {
  format_addresses(state, 6, false);
}
void BM_FormatIpv6InetNtop(benchmark::State& state) {
  format_addresses(state, 6, true);
}
BENCHMARK(BM_FormatIpv4);
BENCHMARK(BM_FormatIpv4InetNtop);
BENCHMARK(BM_FormatIpv6);
BENCHMARK(BM_FormatIpv6InetNtop);

void BM_CommunityId(benchmark::State& state) {
  const auto& addresses = sample_addresses(4);
  std::size_t i = 0;
  for (auto _ : state) {
    const IpAddress& a = addresses[i++ % addresses.size()];
    benchmark::DoNotOptimize(flow::community_id_v1(a, 51234, addresses[0], 443, 6));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CommunityId);

void write_events(benchmark::State& state, bool json) {
  std::string error;
  auto writer = json ? exporter::open_json_lines_writer("/dev/null", error)
                     : exporter::open_delimited_protobuf_writer("/dev/null", error);
  if (!writer) {
    state.SkipWithError(error.c_str());
    return;
  }
  beaconwatch::v1::Event event;
  exporter::encode_event(http_event(), 1, context(), event);
  const std::size_t encoded = json ? [&] {
    std::string line;
    exporter::event_to_json_line(event, line);
    return line.size();
  }()
                                   : event.ByteSizeLong();
  std::uint64_t sequence = 0;
  for (auto _ : state) {
    exporter::encode_event(http_event(), ++sequence, context(), event);
    if (!writer->write(event)) state.SkipWithError(writer->error().c_str());
  }
  writer->flush();
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(encoded));
}

void BM_EncodeAndWriteProtobuf(benchmark::State& state) {
  write_events(state, false);
}
BENCHMARK(BM_EncodeAndWriteProtobuf);

void BM_EncodeAndWriteJson(benchmark::State& state) {
  write_events(state, true);
}
BENCHMARK(BM_EncodeAndWriteJson);

}  // namespace
}  // namespace bw::benchmarks

BENCHMARK_MAIN();
