#include "sensor/capture/pcap_source.h"

#include <pcap/pcap.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

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
    out.ts = static_cast<TimestampNs>(header->ts.tv_sec) * kNsPerSecond +
             static_cast<TimestampNs>(header->ts.tv_usec);  // nanoseconds: opened at nano precision
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

}  // namespace bw::capture
