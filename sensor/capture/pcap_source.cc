#include "sensor/capture/pcap_source.h"

#include <pcap/pcap.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>

namespace bw::capture {

struct PcapFileSource::Handle {
  pcap_t* pcap = nullptr;
};

namespace {

// libpcap's own messages ("unknown file format") do not say which file; ours always do.
std::string describe_open_failure(const std::string& path, const char* pcap_message) {
  std::string reason = pcap_message;
  if (reason.find("unknown file format") != std::string::npos) {
    reason = "not a pcap or pcapng capture (unrecognised magic number)";
  } else if (reason.find("truncated dump file") != std::string::npos ||
             reason.find("cut short") != std::string::npos) {
    reason = "capture header is truncated";
  }
  return path + ": " + reason;
}

// Packet time in nanoseconds since the epoch. A record's seconds come from the file, so they can
// be anything (a pcapng block from a fuzzer says the year 2552): times a signed 64-bit nanosecond
// count cannot hold (before 1970 or after 2262) are pinned to its ends and flagged, rather than
// overflowing.
TimestampNs packet_time(std::int64_t seconds, std::int64_t fraction_ns, bool& out_of_range) {
  constexpr std::int64_t kMaxSeconds = std::numeric_limits<TimestampNs>::max() / kNsPerSecond - 1;
  out_of_range =
      seconds < 0 || seconds > kMaxSeconds || fraction_ns < 0 || fraction_ns >= kNsPerSecond;
  if (!out_of_range) return seconds * kNsPerSecond + fraction_ns;
  return seconds < 0 ? 0 : kMaxSeconds * kNsPerSecond;
}

}  // namespace

PcapFileSource::PcapFileSource(std::string path, Handle* handle)
    : path_(std::move(path)), handle_(handle) {
  // libpcap reports DLT_ values; the few that differ from the LINKTYPE_ numbers the rest of the
  // sensor uses are mapped back (DLT_RAW is 12 or 14 depending on the platform).
  const int dlt = pcap_datalink(handle_->pcap);
  linktype_ = (dlt == DLT_RAW) ? 101u : static_cast<std::uint32_t>(dlt);
  snaplen_ = static_cast<std::uint32_t>(pcap_snapshot(handle_->pcap));
}

PcapFileSource::~PcapFileSource() {
  if (handle_ != nullptr) {
    if (handle_->pcap != nullptr) pcap_close(handle_->pcap);
    delete handle_;
  }
}

constexpr std::size_t kReadBufferBytes = std::size_t{1} << 20;

std::unique_ptr<PcapFileSource> PcapFileSource::open(const std::string& path, std::string& error) {
  if (path == "-") return open_stream(stdin, path, error);
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    error = path + ": " + std::strerror(errno);
    return nullptr;
  }
  return open_stream(file, path, error);
}

std::unique_ptr<PcapFileSource> PcapFileSource::open_stream(std::FILE* stream,
                                                            const std::string& name,
                                                            std::string& error) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  // libpcap reads each record with fread; through stdio's default 4 KiB buffer that is a read()
  // system call every few packets. 1 MiB turns a 1 GB replay's 250,000 calls into 1,000.
  std::setvbuf(stream, nullptr, _IOFBF, kReadBufferBytes);
  // libpcap owns the stream from here on, and closes it in pcap_close (stdin included).
  pcap_t* pcap =
      pcap_fopen_offline_with_tstamp_precision(stream, PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (pcap == nullptr) {
    if (stream != stdin) std::fclose(stream);
    error = describe_open_failure(name == "-" ? std::string("<stdin>") : name, errbuf);
    return nullptr;
  }
  auto* handle = new Handle{pcap};
  return std::unique_ptr<PcapFileSource>(new PcapFileSource(name, handle));
}

ReadStatus PcapFileSource::next(RawPacket& out) {
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  const int rc = pcap_next_ex(handle_->pcap, &header, &data);
  if (rc == 1) {
    // tv_usec holds nanoseconds: the file was opened at nanosecond precision.
    out.ts = packet_time(header->ts.tv_sec, header->ts.tv_usec, out.time_out_of_range);
    out.captured_length = header->caplen;
    out.wire_length = header->len;
    out.data = ByteSpan(data, header->caplen);
    return ReadStatus::kPacket;
  }
  if (rc == PCAP_ERROR_BREAK) return ReadStatus::kEnd;
  std::string reason = pcap_geterr(handle_->pcap);
  if (reason.find("truncated") != std::string::npos) {
    reason = "capture is truncated: the last packet record is cut short";
  }
  error_ = (path_ == "-" ? std::string("<stdin>") : path_) + ": " + reason;
  return ReadStatus::kError;
}

// ---------------------------------------------------------------------------------------------
// Live capture

struct PcapLiveSource::Handle {
  pcap_t* pcap = nullptr;
};

namespace {

struct DispatchContext {
  PacketHandler* handler;
  bool nanosecond;
};

void on_live_packet(u_char* user, const pcap_pkthdr* header, const u_char* data) {
  auto* context = reinterpret_cast<DispatchContext*>(user);
  RawPacket packet;
  const std::int64_t fraction = header->ts.tv_usec;
  packet.ts = packet_time(header->ts.tv_sec, context->nanosecond ? fraction : fraction * 1000,
                          packet.time_out_of_range);
  packet.captured_length = header->caplen;
  packet.wire_length = header->len;
  packet.data = ByteSpan(data, header->caplen);
  context->handler->on_packet(packet);
}

}  // namespace

PcapLiveSource::PcapLiveSource(std::string name, Handle* handle, bool nanosecond)
    : name_(std::move(name)), handle_(handle), nanosecond_(nanosecond) {
  const int dlt = pcap_datalink(handle_->pcap);
  linktype_ = (dlt == DLT_RAW) ? 101u : static_cast<std::uint32_t>(dlt);
}

PcapLiveSource::~PcapLiveSource() {
  if (handle_ != nullptr) {
    if (handle_->pcap != nullptr) pcap_close(handle_->pcap);
    delete handle_;
  }
}

std::unique_ptr<PcapLiveSource> PcapLiveSource::open(const LiveOptions& options,
                                                     std::string& error) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* pcap = pcap_create(options.interface.c_str(), errbuf);
  if (pcap == nullptr) {
    error = options.interface + ": " + errbuf;
    return nullptr;
  }
  auto fail = [&](const std::string& what) {
    error = options.interface + ": " + what;
    pcap_close(pcap);
    return nullptr;
  };
  pcap_set_snaplen(pcap, static_cast<int>(options.snaplen));
  pcap_set_promisc(pcap, options.promiscuous ? 1 : 0);
  pcap_set_timeout(pcap, 100);  // ms a partly filled block may wait before delivery
  pcap_set_buffer_size(pcap, static_cast<int>(options.buffer_bytes));
  pcap_set_immediate_mode(pcap, 0);
  const bool nanosecond = pcap_set_tstamp_precision(pcap, PCAP_TSTAMP_PRECISION_NANO) == 0;
  const int status = pcap_activate(pcap);
  if (status < 0) {
    const std::string detail = pcap_geterr(pcap);
    return fail(std::string(pcap_statustostr(status)) + (detail.empty() ? "" : ": " + detail));
  }
  if (!options.bpf_filter.empty()) {
    bpf_program program{};
    if (pcap_compile(pcap, &program, options.bpf_filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
      return fail("bad capture filter \"" + options.bpf_filter + "\": " + pcap_geterr(pcap));
    }
    const int set = pcap_setfilter(pcap, &program);
    pcap_freecode(&program);
    if (set != 0) return fail(std::string("cannot set capture filter: ") + pcap_geterr(pcap));
  }
  if (pcap_setnonblock(pcap, 1, errbuf) != 0) return fail(errbuf);
  auto* handle = new Handle{pcap};
  return std::unique_ptr<PcapLiveSource>(new PcapLiveSource(options.interface, handle, nanosecond));
}

int PcapLiveSource::selectable_fd() const {
  return pcap_get_selectable_fd(handle_->pcap);
}

int PcapLiveSource::dispatch(int max, PacketHandler& handler) {
  DispatchContext context{&handler, nanosecond_};
  const int n =
      pcap_dispatch(handle_->pcap, max, on_live_packet, reinterpret_cast<u_char*>(&context));
  if (n == PCAP_ERROR) {
    error_ = name_ + ": " + pcap_geterr(handle_->pcap);
    return -1;
  }
  return n < 0 ? 0 : n;
}

bool PcapLiveSource::stats(LiveStats& out) const {
  pcap_stat stats{};
  if (pcap_stats(handle_->pcap, &stats) != 0) return false;
  out.received = stats.ps_recv;
  out.dropped = stats.ps_drop;
  out.interface_dropped = stats.ps_ifdrop;
  return true;
}

}  // namespace bw::capture
