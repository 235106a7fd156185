// Per-worker flow stage: finds each packet's flow, orients it, follows TCP sequence numbers,
// feeds nDPI and the protocol extractors, and turns their results into event records.
//
// One FlowProcessor belongs to one worker thread and is never shared. Every timeout runs on packet
// time, and expiry happens only on capture ticks (which reach every worker at the same point of
// the input), so the events a capture produces do not depend on how many workers there are.
#pragma once

#include <cstdint>
#include <vector>

#include "sensor/classify/ndpi_classifier.h"
#include "sensor/common/counters.h"
#include "sensor/decode/decoded_packet.h"
#include "sensor/export/event_record.h"
#include "sensor/extract/dns/dns_parser.h"
#include "sensor/extract/http/http_parser.h"
#include "sensor/extract/quic/quic_initial.h"
#include "sensor/extract/smtp/smtp_session.h"
#include "sensor/extract/starttls/starttls_watcher.h"
#include "sensor/extract/tls/tls_parser.h"
#include "sensor/flow/flow_table.h"
#include "sensor/flow/pools.h"
#include "sensor/flow/tcp_reassembler.h"

namespace bw::flow {

struct FlowConfig {
  std::uint32_t max_flows = 65536;  // per worker
  TimestampNs tcp_idle_timeout = 300 * kNsPerSecond;
  TimestampNs udp_idle_timeout = 60 * kNsPerSecond;
  TimestampNs tcp_closed_timeout = 5 * kNsPerSecond;
  std::uint32_t stream_buffers = 1024;
  std::uint32_t stream_buffer_bytes = 32768;
  std::uint32_t http_sessions = 1024;
  std::uint32_t tls_sessions = 2048;
  std::uint32_t quic_sessions = 512;
  std::uint32_t smtp_sessions = 64;
  std::uint32_t starttls_sessions = 256;  // IMAP and POP3 sessions watched for STARTTLS
  TcpReassemblyConfig reassembly;
  classify::ClassifierConfig classifier;
};

#define BW_FLOW_COUNTERS(X)          \
  X(packets)                         \
  X(bytes)                           \
  X(tcp_midstream_pickups)           \
  X(tcp_port_reuses)                 \
  X(udp_port_reuses)                 \
  X(stream_buffer_exhausted)         \
  X(stream_buffer_overflow)          \
  X(http_session_pool_exhausted)     \
  X(tls_session_pool_exhausted)      \
  X(quic_session_pool_exhausted)     \
  X(smtp_session_pool_exhausted)     \
  X(starttls_session_pool_exhausted) \
  X(starttls_upgrades)               \
  X(mail_urls)                       \
  X(tls_client_hello_unparsable)     \
  X(tls_server_hello_unparsable)     \
  X(events_http)                     \
  X(events_dns)                      \
  X(events_tls)                      \
  X(events_quic)

struct FlowCounters {
  BW_DECLARE_COUNTERS(BW_FLOW_COUNTERS)
};

// Receives finished event records. The record is only valid during the call.
class EventSink {
 public:
  virtual void on_event(const exporter::EventRecord& event) = 0;

 protected:
  ~EventSink() = default;
};

// Everything a worker knows about one capture item.
struct PacketContext {
  std::uint64_t seq = 0;  // capture sequence number, shared by packets and ticks
  TimestampNs ts = 0;
  std::uint16_t source_index = 0;
};

class FlowProcessor final : private extract::http::HttpTransactionSink,
                            private extract::dns::DnsMessageSink,
                            private extract::smtp::MailSink {
 public:
  FlowProcessor(const FlowConfig& config, EventSink& sink);

  void on_packet(const PacketContext& context, const decode::DecodedPacket& packet);
  // Capture tick: expires flows idle past their timeout at `context.ts`.
  void on_tick(const PacketContext& context);
  // End of input: finishes every flow, in flow order.
  void finish_all(const PacketContext& context);

  const FlowCounters& counters() const { return counters_; }
  const FlowTableCounters& table_counters() const { return table_.counters(); }
  const classify::ClassifyCounters& classify_counters() const { return classifier_.counters(); }
  const TcpReassemblyCounters& reassembly_counters() const { return reassembler_.counters(); }
  const extract::http::HttpCounters& http_counters() const { return http_counters_; }
  const extract::dns::DnsCounters& dns_counters() const { return dns_counters_; }
  const extract::tls::TlsCounters& tls_counters() const { return tls_counters_; }
  const extract::quic::QuicCounters& quic_counters() const { return quic_counters_; }
  const extract::smtp::SmtpCounters& smtp_counters() const { return smtp_counters_; }
  const extract::starttls::StartTlsCounters& starttls_counters() const {
    return starttls_counters_;
  }
  std::uint32_t active_flows() const { return table_.active(); }
  bool classifier_ok() const { return classifier_.ok(); }

 private:
  struct TlsSession {
    exporter::TlsHandshakeRecord record;
    bool client_done = false;
    bool server_done = false;
  };
  struct QuicSession {
    extract::quic::QuicInitialAssembler assembler;
    extract::QuicInitial initial;
  };

  // The packet is the first client payload of a TLS flow, or of a QUIC flow of a version our
  // parser reads (known keys or Google QUIC in the clear): our parser will name it.
  bool handshake_named_by_us(const Flow& flow, int direction,
                             const decode::DecodedPacket& packet) const;
  void name_handshake(Flow& flow, classify::NdpiClassifier::Handshake handshake,
                      const extract::TlsClientHello& hello);
  std::uint32_t lookup_or_create(const decode::DecodedPacket& packet, const FlowKey& key,
                                 bool src_is_a, bool& from_client);
  void orient_new_flow(Flow& flow, const decode::DecodedPacket& packet);
  // Feeds one direction's reassembled bytes to deliver_stream and its gaps to on_stream_gap.
  class StreamFeed;
  void on_tcp(std::uint32_t index, int direction, const decode::DecodedPacket& packet);
  // Delivers what the flow's directions hold behind holes (the connection or the flow ends).
  void flush_held(std::uint32_t index, TcpReassembler::FlushReason reason);
  void on_udp(std::uint32_t index, int direction, const decode::DecodedPacket& packet);
  void deliver_stream(std::uint32_t index, int direction, ByteSpan data);
  std::size_t parse_stream(std::uint32_t index, int direction, ByteSpan data);
  void on_stream_gap(std::uint32_t index, int direction);
  void decide_tcp_app(Flow& flow, int direction, ByteSpan first_bytes);
  // Takes a TLS parser for the flow (app kTls), or counts the empty pool (app kNone).
  void start_tls_session(Flow& flow);
  // STARTTLS succeeded: the flow's plaintext parser gives way to the TLS parser.
  void upgrade_to_tls(Flow& flow);
  void emit_tls(Flow& flow);
  void finish_flow(std::uint32_t index);
  // Emits what the flow's parser still holds and returns its pooled state.
  void finish_app(Flow& flow);
  void release_app(Flow& flow);
  void release_stream_buffer(Flow& flow, int direction);
  // Finishes the flows in expiry_batch_, in flow order, and empties it.
  void finish_batch();
  TimeoutClass timeout_class_of(const Flow& flow) const;

  exporter::EventRecord& begin_event(const Flow& flow);
  void commit_event(std::uint64_t FlowCounters::*counter);

  void on_http_transaction(const extract::HttpTransaction& transaction) override;
  void on_dns_message(const extract::DnsMessage& message) override;
  void on_mail_url(const extract::smtp::MailMessage& message,
                   const extract::smtp::MailUrl& url) override;
  void on_mail_message_end(const extract::smtp::MailMessage& message) override;

  FlowConfig config_;
  EventSink& sink_;
  FlowTable table_;
  classify::NdpiClassifier classifier_;
  StreamBufferPool stream_buffers_;
  TcpReassembler reassembler_;
  std::vector<std::uint64_t> expired_holes_;  // (flow index << 1 | direction), sized at start
  // HttpParser::reset() reinitialises everything a parse reads; its request slots are refilled
  // as requests arrive.
  SlotPool<extract::http::HttpParser, SlotReuse::kCallerResets> http_sessions_;
  SlotPool<TlsSession> tls_sessions_;
  // Reset on acquire (assembler.reset(), a fresh QuicInitial): the 16 KiB CRYPTO buffer is not
  // cleared per flow.
  SlotPool<QuicSession, SlotReuse::kCallerResets> quic_sessions_;
  SlotPool<extract::smtp::SmtpSession> smtp_sessions_;
  SlotPool<extract::starttls::StartTlsWatcher> starttls_sessions_;

  // The item being processed, for the order keys of the events it produces.
  PacketContext context_;
  std::uint32_t next_sub_ = 0;
  const Flow* event_flow_ = nullptr;
  exporter::EventRecord scratch_event_;
  extract::DnsMessage scratch_dns_;
  std::vector<std::uint32_t> expiry_batch_;  // sized to the table at start

  FlowCounters counters_;
  extract::http::HttpCounters http_counters_;
  extract::dns::DnsCounters dns_counters_;
  extract::tls::TlsCounters tls_counters_;
  extract::quic::QuicCounters quic_counters_;
  extract::smtp::SmtpCounters smtp_counters_;
  extract::starttls::StartTlsCounters starttls_counters_;
};

}  // namespace bw::flow
