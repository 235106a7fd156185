// Exporter costs per event: mapping an EventRecord onto the protobuf message, then writing it as
// length-delimited binary or as a JSON line (to /dev/null, so only encoding and stdio count).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include "beaconwatch/v1/event.pb.h"
#include "benchmarks/bench_inputs.h"
#include "sensor/export/event_encoder.h"
#include "sensor/extract/http/http_parser.h"

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
