// Application-protocol classification with nDPI 4.2. This is the only part of the sensor that
// includes nDPI's headers; the rest sees an opaque per-flow state and a protocol name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "sensor/common/bytes.h"
#include "sensor/common/counters.h"
#include "sensor/common/fixed_string.h"
#include "sensor/common/ip_address.h"
#include "sensor/common/time.h"

namespace bw::classify {

// flows_named_from_handshake: a TLS or QUIC flow named from the server name our own parser read
// (see name_from_handshake). flows_released_unneeded: nDPI had not answered yet, but the flow can
// produce no more events (no extractor claims it, or its handshake is already out), so nothing
// would carry the answer.
#define BW_CLASSIFY_COUNTERS(X) \
  X(flows_classified)           \
  X(flows_detected)             \
  X(flows_given_up)             \
  X(flows_guessed)              \
  X(flows_released_unneeded)    \
  X(flows_named_from_handshake) \
  X(state_pool_exhausted)       \
  X(packets_inspected)          \
  X(datagram_too_large)

struct ClassifyCounters {
  BW_DECLARE_COUNTERS(BW_CLASSIFY_COUNTERS)
};

struct ClassifierConfig {
  // nDPI sees at most this many packets of a flow; then it must answer (possibly by guessing
  // from ports) and its per-flow state is freed.
  std::uint32_t max_packets_per_flow = 32;
  // nDPI flow states preallocated per worker; a flow that finds the pool empty stays unclassified.
  std::uint32_t max_concurrent_flows = 16384;
};

// Kept inside each flow: 8 bytes of ids plus a pointer into the classifier's pool.
struct FlowClassification {
  struct State;
  State* state = nullptr;  // non-null while nDPI is still looking at the flow
  std::uint16_t master_protocol = 0;
  std::uint16_t app_protocol = 0;
  std::uint8_t packets_seen = 0;
  bool finished = false;  // nDPI has answered for good; no more packets go to it
};

// One per worker thread: nDPI's detection module is not thread-safe.
class NdpiClassifier {
 public:
  explicit NdpiClassifier(const ClassifierConfig& config);
  ~NdpiClassifier();
  NdpiClassifier(const NdpiClassifier&) = delete;
  NdpiClassifier& operator=(const NdpiClassifier&) = delete;

  bool ok() const { return module_ != nullptr; }

  // Feeds one packet (the IP datagram, header included) of a flow still under classification.
  void inspect(FlowClassification& flow, ByteSpan ip_datagram, TimestampNs ts);
  // The flow is going away: take nDPI's best answer and free its state.
  void finish(FlowClassification& flow);
  // No event of this flow will name its protocol any more: free nDPI's state without asking for
  // an answer, and feed it no more packets. Undecided flows of unknown protocols would otherwise
  // hold a state for their whole life and run the pool dry on a busy link.
  void release_unneeded(FlowClassification& flow);

  enum class Handshake : std::uint8_t { kTls, kQuic };
  // Our own parser has the flow's ClientHello: name the flow as nDPI names it from that hello,
  // through nDPI's host and address tables, without nDPI parsing the handshake again (its TLS
  // dissector formats its own JA3 string; for QUIC it decrypts the Initial a second time). The
  // name is the service matched by `server_name` (SNI), else the service owning an address of
  // the flow, else the bare protocol: "TLS.YouTube", "QUIC.Azure", "TLS". The flow must not
  // have been fed its handshake; its state, if any, is freed.
  void name_from_handshake(FlowClassification& flow, Handshake handshake,
                           std::string_view server_name, const IpAddress& client,
                           const IpAddress& server);
  // Protocol name such as "TLS.Google"; empty while nothing is known.
  void name(const FlowClassification& flow, FixedString<48>& out) const;

  const ClassifyCounters& counters() const { return counters_; }

 private:
  void release(FlowClassification& flow);

  struct ModuleDeleter {
    void operator()(void* module) const;
  };
  std::unique_ptr<void, ModuleDeleter> module_;
  ClassifierConfig config_;
  // nDPI flow states live in one block allocated at start and are recycled through a free list,
  // so classification does not allocate per flow.
  std::unique_ptr<std::max_align_t[]> state_storage_;
  std::vector<FlowClassification::State*> free_states_;
  std::size_t state_size_ = 0;
  // nDPI's host matcher takes a flow; a scratch one keeps matching from touching real flows.
  std::unique_ptr<std::max_align_t[]> scratch_state_;
  ClassifyCounters counters_;
};

}  // namespace bw::classify
