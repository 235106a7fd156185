// Feeds arbitrary bytes to every TLS entry point, as a client stream, a server stream and a bare
// (QUIC-style) handshake message, plus the growing prefixes a TCP reassembler would hand over.
#include <cstddef>
#include <cstdint>

#include "sensor/extract/tls/tls_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bw::extract;
  const bw::ByteSpan input(data, size);
  tls::TlsCounters counters;
  static TlsClientHello client_hello;
  static TlsServerHello server_hello;
  tls::looks_like_tls_handshake(input);
  tls::parse_client_hello_stream(input, client_hello, counters);
  tls::parse_server_hello_stream(input, server_hello, counters);
  tls::parse_client_hello_message(input, size % 2 == 0, client_hello, counters);
  // A few prefixes, as segments arrive: cheap enough to keep the fuzzer fast.
  for (std::size_t n = size / 3; n < size; n += size / 3 + 1) {
    tls::parse_client_hello_stream(input.first(n), client_hello, counters);
  }
  return 0;
}
