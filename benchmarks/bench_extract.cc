// Application parsers on the first message of each kind in a generated `dense` capture (the
// beacon-like exchanges the sensor exists for): HTTP request + response, DNS response, TLS
// ClientHello with JA3/JA4, QUIC client Initial decryption and ClientHello.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include "benchmarks/bench_inputs.h"
#include "sensor/extract/dns/dns_parser.h"
#include "sensor/extract/http/http_parser.h"
#include "sensor/extract/quic/quic_initial.h"
#include "sensor/extract/tls/tls_parser.h"

namespace bw::benchmarks {
namespace {

constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kUdp = 17;

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "benchmark input rejected: %s\n", what);
  std::abort();
}

class CountingSink final : public extract::http::HttpTransactionSink {
 public:
  void on_http_transaction(const extract::HttpTransaction& t) override {
    transactions += t.has_request && t.has_response;
  }
  std::int64_t transactions = 0;
};

void BM_HttpRequestResponse(benchmark::State& state) {
  const Corpus& c = corpus("dense");
  const ByteSpan request = first_payload_to_port(c, kTcp, 80, "GET ");
  const ByteSpan response = first_payload_from_port(c, kTcp, 80, "HTTP/1.1 ");
  extract::http::HttpParser parser;
  extract::http::HttpCounters counters;
  CountingSink sink;
  for (auto _ : state) {
    parser.on_client_bytes(request, 0, sink, counters);
    parser.on_server_bytes(response, 0, sink, counters);
    parser.finish(sink, counters);
  }
  check(sink.transactions == state.iterations(), "HTTP exchange did not give one transaction");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() *
                          static_cast<std::int64_t>(request.size() + response.size()));
}
BENCHMARK(BM_HttpRequestResponse);

void BM_DnsResponse(benchmark::State& state) {
  const ByteSpan message = first_payload_from_port(corpus("dense"), kUdp, 53, "");
  extract::DnsMessage out;
  extract::dns::DnsCounters counters;
  for (auto _ : state) {
    out.flavor = extract::DnsFlavor::kDns;
    out.transport = extract::DnsTransport::kUdp;
    benchmark::DoNotOptimize(extract::dns::parse_message(message, out, counters));
  }
  check(out.is_response && !out.answers.empty(), "DNS message is not an answered response");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(message.size()));
}
BENCHMARK(BM_DnsResponse);

// The first ClientHello that fits one segment, so the benchmark parses rather than waits.
ByteSpan single_segment_client_hello() {
  extract::tls::TlsCounters counters;
  for (const auto& packet : corpus("dense").packets) {
    if (packet.ip_protocol != kTcp || packet.dst_port != 443 || packet.payload_length == 0)
      continue;
    extract::TlsClientHello hello;
    if (extract::tls::parse_client_hello_stream(packet.payload(), hello, counters) ==
        extract::tls::TlsStatus::kComplete) {
      return packet.payload();
    }
  }
  check(false, "no single-segment TLS ClientHello");
  return {};
}

void BM_TlsClientHelloJa3Ja4(benchmark::State& state) {
  const ByteSpan stream = single_segment_client_hello();
  extract::TlsClientHello hello;
  extract::tls::TlsCounters counters;
  for (auto _ : state) {
    benchmark::DoNotOptimize(extract::tls::parse_client_hello_stream(stream, hello, counters));
  }
  check(!hello.ja3_md5.empty() && !hello.ja4.empty(), "ClientHello gave no JA3/JA4");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(stream.size()));
}
BENCHMARK(BM_TlsClientHelloJa3Ja4);

ByteSpan single_datagram_quic_initial() {
  extract::quic::QuicCounters counters;
  for (const auto& packet : corpus("dense").packets) {
    if (packet.ip_protocol != kUdp || packet.dst_port != 443) continue;
    if (!extract::quic::looks_like_quic_initial(packet.payload())) continue;
    extract::quic::QuicInitialAssembler assembler;
    extract::QuicInitial initial;
    if (assembler.on_client_datagram(packet.payload(), initial, counters) ==
        extract::quic::QuicStatus::kComplete) {
      return packet.payload();
    }
  }
  check(false, "no single-datagram QUIC Initial");
  return {};
}

void BM_QuicInitialDecryptParse(benchmark::State& state) {
  const ByteSpan datagram = single_datagram_quic_initial();
  extract::quic::QuicInitialAssembler assembler;
  extract::QuicInitial initial;
  extract::quic::QuicCounters counters;
  for (auto _ : state) {
    assembler.reset();
    benchmark::DoNotOptimize(assembler.on_client_datagram(datagram, initial, counters));
  }
  check(!initial.client_hello.ja4.empty(), "QUIC Initial gave no ClientHello");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(datagram.size()));
}
BENCHMARK(BM_QuicInitialDecryptParse);

}  // namespace
}  // namespace bw::benchmarks

BENCHMARK_MAIN();
