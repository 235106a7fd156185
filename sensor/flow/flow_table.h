// Fixed-capacity bidirectional flow table.
//
// Capacity is chosen at start and never grows: a sensor on a tap cannot let a SYN flood or a port
// scan allocate without bound. Entries live in one array; an open-addressing index maps keys to
// entries, and each entry sits on one of three intrusive lists ordered by last activity, one per
// timeout class, so expiry pops list heads instead of scanning the table.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "sensor/classify/ndpi_classifier.h"
#include "sensor/common/counters.h"
#include "sensor/common/time.h"
#include "sensor/flow/flow_key.h"
#include "sensor/flow/tcp_reassembler.h"

namespace bw::flow {

inline constexpr std::uint32_t kNoIndex = 0xffffffffu;

enum class TimeoutClass : std::uint8_t { kTcpOpen = 0, kOther = 1, kTcpClosed = 2 };
inline constexpr int kTimeoutClasses = 3;

enum class AppKind : std::uint8_t {
  kUndecided,
  kNone,
  kHttp,
  kHttpUdp,  // SSDP: HTTP messages in single UDP datagrams
  kTls,
  kSmtp,
  kStartTls,  // IMAP or POP3, watched until it upgrades to TLS
  kDnsTcp,
  kDnsUdp,
  kQuic
};

struct TcpDirection {
  TcpStreamState stream;
  bool fin_seen = false;
};

struct Flow {
  FlowKey key;
  // Orientation, fixed at creation: the client sent the SYN, or the first packet.
  IpAddress client_ip;
  IpAddress server_ip;
  std::uint16_t client_port = 0;
  std::uint16_t server_port = 0;
  bool client_is_a = true;
  std::uint8_t protocol = 0;
  std::uint16_t vlan_id = 0;
  std::uint32_t encapsulation = 0;
  std::uint16_t source_index = 0;

  TimestampNs first_ts = 0;
  TimestampNs last_ts = 0;
  std::uint64_t order = 0;  // capture sequence number of the flow's first packet
  std::uint64_t packets[2] = {0, 0};
  std::uint64_t bytes[2] = {0, 0};

  TcpDirection tcp[2];
  bool rst_seen = false;
  bool handshake_naming = false;  // nDPI skipped: named when our parser has the ClientHello
  // QUIC, once the connection's Initial is reported (0 before): hashes of the connection IDs a
  // client Initial of this connection may carry as destination, the one it started with and the
  // one the server chose. A client Initial to another one is a new connection on the same tuple.
  std::uint32_t quic_original_dcid = 0;
  std::uint32_t quic_server_cid = 0;

  classify::FlowClassification classification;
  AppKind app = AppKind::kUndecided;
  std::uint32_t app_slot = kNoIndex;                      // index into the pool for `app`
  std::uint32_t stream_buffer[2] = {kNoIndex, kNoIndex};  // pending bytes per direction
  bool stream_broken[2] = {false, false};                 // a gap made the direction unparseable

  // Intrusive list links (entry indices) and hash bookkeeping.
  std::uint32_t prev = kNoIndex;
  std::uint32_t next = kNoIndex;
  TimeoutClass timeout_class = TimeoutClass::kOther;
  bool in_use = false;
};

#define BW_FLOW_TABLE_COUNTERS(X) \
  X(flows_created)                \
  X(flows_expired_idle)           \
  X(flows_expired_closed)         \
  X(flows_evicted_capacity)       \
  X(flows_flushed_at_end)

struct FlowTableCounters {
  BW_DECLARE_COUNTERS(BW_FLOW_TABLE_COUNTERS)
};

class FlowTable {
 public:
  explicit FlowTable(std::uint32_t capacity);

  std::uint32_t capacity() const { return capacity_; }
  std::uint32_t active() const { return active_; }

  // Index of the flow with this key, or kNoIndex.
  std::uint32_t find(const FlowKey& key, std::uint64_t hash) const;
  // Inserts a fresh entry; the table must not be full (evict first).
  std::uint32_t insert(const FlowKey& key, std::uint64_t hash);
  void remove(std::uint32_t index);
  bool full() const { return active_ == capacity_; }

  Flow& at(std::uint32_t index) { return flows_[index]; }
  const Flow& at(std::uint32_t index) const { return flows_[index]; }

  // Moves the flow to the tail of its (possibly new) timeout list.
  void touch(std::uint32_t index, TimeoutClass timeout_class);
  // Oldest flow of a timeout class, or kNoIndex.
  std::uint32_t oldest(TimeoutClass timeout_class) const {
    return lists_[static_cast<int>(timeout_class)].head;
  }
  // Oldest flow across all classes by last activity: the eviction victim when the table is full.
  std::uint32_t least_recently_active() const;

  FlowTableCounters& counters() { return counters_; }
  const FlowTableCounters& counters() const { return counters_; }

 private:
  struct List {
    std::uint32_t head = kNoIndex;
    std::uint32_t tail = kNoIndex;
  };
  struct Slot {
    std::uint32_t tag = 0;  // high bits of the hash, to skip most key comparisons
    std::uint32_t index = kNoIndex;
  };

  void unlink(std::uint32_t index);
  void link_tail(std::uint32_t index, TimeoutClass timeout_class);
  std::size_t slot_of(std::uint32_t index) const;

  // Entries are constructed when inserted, so untouched capacity costs no resident memory.
  std::unique_ptr<Flow[], void (*)(Flow*)> flows_;
  std::uint32_t capacity_ = 0;
  std::vector<Slot> slots_;  // power-of-two size, at least twice the capacity
  std::vector<std::uint64_t> hashes_;
  std::vector<std::uint32_t> free_;
  List lists_[kTimeoutClasses];
  std::size_t slot_mask_ = 0;
  std::uint32_t active_ = 0;
  FlowTableCounters counters_;
};

}  // namespace bw::flow
