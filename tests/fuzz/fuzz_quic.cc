// Two ways into the QUIC Initial assembler. Raw mode splits the input into datagrams (2-byte
// length prefixes) and feeds them as captured, which also reaches Google QUIC's cleartext CHLO
// packets. Sealed mode treats each chunk as the plaintext frames of an Initial and encrypts it
// first, so the fuzzer reaches frame walking, CRYPTO reassembly and the ClientHello and CHLO
// parsers behind the AEAD it could never forge. The first byte picks the mode (bit 0) and, when
// sealed, the version (bits 1-3): v1, v2, Q050 (Google frames, CHLO), T051 (Google frames, TLS),
// or a greased version sent with v1's keys.
#include <array>
#include <cstddef>
#include <cstdint>

#include "sensor/extract/quic/quic_initial.h"
#include "tests/unit/quic/quic_test_packets.h"

namespace {

bw::ByteSpan next_chunk(bw::ByteSpan& rest) {
  if (rest.size() < 2) {
    const bw::ByteSpan all = rest;
    rest = {};
    return all;
  }
  const std::size_t wanted = bw::load_be16(rest.data());
  rest = rest.subspan(2);
  const std::size_t n = wanted < rest.size() ? wanted : rest.size();
  const bw::ByteSpan chunk = rest.first(n);
  rest = rest.subspan(n);
  return chunk;
}

constexpr std::uint32_t kGreased = 0x1a2a3a4a;

// Version (and the version whose keys seal it) chosen by bits 1-3 of the first byte.
void choose_version(std::uint8_t selector, bw::test::InitialSpec& spec) {
  using namespace bw::extract::quic;
  static constexpr std::array<std::uint32_t, 8> kVersions = {
      kQuicV1, kQuicV2, kQuicQ050, kQuicT051, kGreased, 0xff00001d, kQuicT050, 0xfaceb002};
  spec.version = kVersions[(selector >> 1) & 0x07];
  spec.keys_version = spec.version == kGreased ? kQuicV1 : 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bw::extract;
  if (size == 0) return 0;
  static quic::QuicInitialAssembler assembler;
  assembler.reset();
  QuicInitial out;
  quic::QuicCounters counters;
  const bool sealed = (data[0] & 1) != 0;
  bw::ByteSpan rest(data + 1, size - 1);
  for (std::uint64_t packet_number = 0; !rest.empty() && packet_number < 64; ++packet_number) {
    const bw::ByteSpan chunk = next_chunk(rest);
    if (!sealed) {
      quic::looks_like_quic_initial(chunk);
      assembler.on_client_datagram(chunk, out, counters);
      continue;
    }
    bw::test::InitialSpec spec;
    choose_version(data[0], spec);
    spec.dcid = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
    spec.packet_number = packet_number;
    spec.frames.assign(chunk.begin(), chunk.end());
    if (spec.frames.size() < 20) spec.frames.resize(20, 0x00);  // room for the HP sample
    const bw::test::QuicBytes packet = bw::test::protect_initial(spec);
    assembler.on_client_datagram(bw::ByteSpan(packet.data(), packet.size()), out, counters);
  }
  return 0;
}
