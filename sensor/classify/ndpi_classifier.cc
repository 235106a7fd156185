#include "sensor/classify/ndpi_classifier.h"

#include <ndpi/ndpi_api.h>
#include <netinet/in.h>

#include <cstring>

namespace bw::classify {
namespace {

ndpi_detection_module_struct* as_module(void* module) {
  return static_cast<ndpi_detection_module_struct*>(module);
}

bool is_known(const ndpi_protocol& protocol) {
  return protocol.master_protocol != NDPI_PROTOCOL_UNKNOWN ||
         protocol.app_protocol != NDPI_PROTOCOL_UNKNOWN;
}

}  // namespace

struct FlowClassification::State {
  // Storage for one ndpi_flow_struct; nDPI's own size is used for the stride.
  alignas(std::max_align_t) std::uint8_t bytes[1];
};

void NdpiClassifier::ModuleDeleter::operator()(void* module) const {
  if (module != nullptr) ndpi_exit_detection_module(as_module(module));
}

NdpiClassifier::NdpiClassifier(const ClassifierConfig& config) : config_(config) {
  ndpi_detection_module_struct* module = ndpi_init_detection_module(ndpi_no_prefs);
  if (module == nullptr) return;
  NDPI_PROTOCOL_BITMASK all;
  NDPI_BITMASK_SET_ALL(all);
  ndpi_set_protocol_detection_bitmask2(module, &all);
  ndpi_finalize_initialization(module);
  module_.reset(module);

  // Each state is a whole number of max_align_t units, so every state in the block is aligned.
  const std::size_t unit = sizeof(std::max_align_t);
  const std::size_t units = (ndpi_detection_get_sizeof_ndpi_flow_struct() + unit - 1) / unit;
  state_size_ = units * unit;
  // Default-initialised (make_unique would zero it): pages are committed as states are used.
  state_storage_.reset(new std::max_align_t[units * config_.max_concurrent_flows]);
  scratch_state_.reset(new std::max_align_t[units]);
  free_states_.reserve(config_.max_concurrent_flows);
  for (std::uint32_t i = config_.max_concurrent_flows; i > 0; --i) {
    free_states_.push_back(
        reinterpret_cast<FlowClassification::State*>(state_storage_.get() + (i - 1) * units));
  }
}

NdpiClassifier::~NdpiClassifier() = default;

void NdpiClassifier::name_from_handshake(FlowClassification& flow, Handshake handshake,
                                         std::string_view server_name, const IpAddress& client,
                                         const IpAddress& server) {
  if (flow.state != nullptr) release(flow);
  flow.finished = true;
  if (!module_) return;
  ++counters_.flows_named_from_handshake;
  const std::uint16_t master =
      handshake == Handshake::kTls ? NDPI_PROTOCOL_TLS : NDPI_PROTOCOL_QUIC;
  flow.master_protocol = 0;
  flow.app_protocol = master;
  // As nDPI's dissectors match a server name: a leading "*." is matched from its dot.
  if (server_name.size() > 2 && server_name[0] == '*' && server_name[1] == '.') {
    server_name.remove_prefix(1);
  }
  if (!server_name.empty() && server_name.size() < 256) {
    char name[256];
    std::memcpy(name, server_name.data(), server_name.size());
    name[server_name.size()] = '\0';
    auto* scratch = reinterpret_cast<ndpi_flow_struct*>(scratch_state_.get());
    std::memset(scratch, 0, state_size_);
    ndpi_protocol_match_result match{};
    const std::uint16_t service =
        ndpi_match_host_subprotocol(as_module(module_.get()), scratch, name,
                                    static_cast<u_int>(server_name.size()), &match, master);
    ndpi_free_flow_data(scratch);
    if (service != NDPI_PROTOCOL_UNKNOWN) {
      flow.master_protocol = master;
      flow.app_protocol = service;
      return;
    }
  }
  // No service by name: nDPI's guess from the addresses (IPv4 only in 4.2), sender first.
  for (const IpAddress* address : {&client, &server}) {
    if (address->family != 4) continue;
    in_addr in{};
    std::memcpy(&in.s_addr, address->bytes.data(), 4);
    const std::uint16_t owner = ndpi_network_ptree_match(as_module(module_.get()), &in);
    if (owner != NDPI_PROTOCOL_UNKNOWN) {
      flow.master_protocol = master;
      flow.app_protocol = owner;
      return;
    }
  }
}

void NdpiClassifier::inspect(FlowClassification& flow, ByteSpan ip_datagram, TimestampNs ts) {
  if (flow.finished || !module_) return;
  if (flow.state == nullptr) {
    if (free_states_.empty()) {
      ++counters_.state_pool_exhausted;
      flow.finished = true;
      return;
    }
    flow.state = free_states_.back();
    free_states_.pop_back();
    std::memset(flow.state, 0, state_size_);
    ++counters_.flows_classified;
  }
  if (ip_datagram.size() > 0xffff) {
    ++counters_.datagram_too_large;
    return;
  }
  ++counters_.packets_inspected;
  ++flow.packets_seen;
  auto* ndpi_flow = reinterpret_cast<ndpi_flow_struct*>(flow.state);
  const ndpi_protocol protocol = ndpi_detection_process_packet(
      as_module(module_.get()), ndpi_flow, ip_datagram.data(),
      static_cast<unsigned short>(ip_datagram.size()), static_cast<u_int64_t>(ts / 1'000'000));
  flow.master_protocol = protocol.master_protocol;
  flow.app_protocol = protocol.app_protocol;
  // nDPI keeps a flow open for "extra dissection" after it has answered (certificates, HTTP
  // responses, DNS answers). Once it has named the flow and the server, what it could still add
  // never changes the name our events carry; without a server name, the next packets may still
  // refine it (a QUIC ClientHello cut over two Initials names the service only in the second).
  const bool detected = is_known(protocol) &&
                        (ndpi_flow->host_server_name[0] != '\0' ||
                         ndpi_extra_dissection_possible(as_module(module_.get()), ndpi_flow) == 0);
  if (detected) {
    ++counters_.flows_detected;
    release(flow);
  } else if (flow.packets_seen >= config_.max_packets_per_flow) {
    finish(flow);
  }
}

void NdpiClassifier::finish(FlowClassification& flow) {
  if (flow.state == nullptr) {
    flow.finished = true;
    return;
  }
  auto* ndpi_flow = reinterpret_cast<ndpi_flow_struct*>(flow.state);
  std::uint8_t guessed = 0;
  const ndpi_protocol protocol =
      ndpi_detection_giveup(as_module(module_.get()), ndpi_flow, 1, &guessed);
  if (is_known(protocol)) {
    flow.master_protocol = protocol.master_protocol;
    flow.app_protocol = protocol.app_protocol;
  }
  ++counters_.flows_given_up;
  if (guessed != 0) ++counters_.flows_guessed;
  release(flow);
}

void NdpiClassifier::release_unneeded(FlowClassification& flow) {
  if (flow.finished) return;
  if (flow.state != nullptr) {
    ++counters_.flows_released_unneeded;
    release(flow);
  }
  flow.finished = true;
}

void NdpiClassifier::release(FlowClassification& flow) {
  ndpi_free_flow_data(reinterpret_cast<ndpi_flow_struct*>(flow.state));
  free_states_.push_back(flow.state);
  flow.state = nullptr;
  flow.finished = true;
}

void NdpiClassifier::name(const FlowClassification& flow, FixedString<48>& out) const {
  out.clear();
  if (!module_ || (flow.master_protocol == 0 && flow.app_protocol == 0)) return;
  ndpi_protocol protocol{};
  protocol.master_protocol = flow.master_protocol;
  protocol.app_protocol = flow.app_protocol;
  char buf[64] = {};
  ndpi_protocol2name(as_module(module_.get()), protocol, buf, sizeof buf);
  out.assign(buf);
}

}  // namespace bw::classify
