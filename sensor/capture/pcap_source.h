// Packet sources backed by libpcap. This is the only part of the sensor that includes pcap.h.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "sensor/common/bytes.h"
#include "sensor/common/time.h"

namespace bw::capture {

struct RawPacket {
  TimestampNs ts = 0;
  std::uint32_t captured_length = 0;
  std::uint32_t wire_length = 0;
  ByteSpan data;  // valid until the next call to next()
  // The record's time lies outside what `ts` can hold (before 1970, after 2262): `ts` is pinned.
  bool time_out_of_range = false;
};

enum class ReadStatus : std::uint8_t { kPacket, kEnd, kError };

// A pcap or pcapng file (recognised by its magic number, never by its name), or standard input
// when the path is "-". Timestamps are read at nanosecond precision whatever the file's own.
class PcapFileSource {
 public:
  ~PcapFileSource();
  PcapFileSource(const PcapFileSource&) = delete;
  PcapFileSource& operator=(const PcapFileSource&) = delete;

  // Returns nullptr and a one-line reason naming the file when it cannot be opened as a capture.
  static std::unique_ptr<PcapFileSource> open(const std::string& path, std::string& error);
  // Reads an already open stream (taking ownership of it); `name` is used in messages.
  static std::unique_ptr<PcapFileSource> open_stream(std::FILE* stream, const std::string& name,
                                                     std::string& error);

  const std::string& path() const { return path_; }
  std::uint32_t linktype() const { return linktype_; }
  std::uint32_t snaplen() const { return snaplen_; }

  // kError leaves a reason in error(), e.g. a capture cut short in the middle of a packet.
  ReadStatus next(RawPacket& out);
  const std::string& error() const { return error_; }

 private:
  struct Handle;
  PcapFileSource(std::string path, Handle* handle);

  std::string path_;
  Handle* handle_ = nullptr;
  std::uint32_t linktype_ = 0;
  std::uint32_t snaplen_ = 0;
  std::string error_;
};

struct LiveOptions {
  std::string interface;
  std::uint32_t snaplen = 65535;
  // Kernel ring (TPACKET_V3 on Linux, which libpcap picks by itself) in bytes.
  std::uint32_t buffer_bytes = 64u << 20;
  bool promiscuous = false;
  std::string bpf_filter;  // empty: everything
};

struct LiveStats {
  std::uint64_t received = 0;           // pcap_stats ps_recv
  std::uint64_t dropped = 0;            // ps_drop: the ring was full
  std::uint64_t interface_dropped = 0;  // ps_ifdrop
};

class PacketHandler {
 public:
  virtual void on_packet(const RawPacket& packet) = 0;

 protected:
  ~PacketHandler() = default;
};

// A live interface through libpcap. Immediate mode stays off, so the kernel hands packets over a
// block at a time (TPACKET_V3): fewer wake-ups, the reason a small appliance keeps up at all.
class PcapLiveSource {
 public:
  ~PcapLiveSource();
  PcapLiveSource(const PcapLiveSource&) = delete;
  PcapLiveSource& operator=(const PcapLiveSource&) = delete;

  // Returns nullptr and a one-line reason naming the interface (no such device, permission
  // denied, bad filter...).
  static std::unique_ptr<PcapLiveSource> open(const LiveOptions& options, std::string& error);

  const std::string& name() const { return name_; }
  std::uint32_t linktype() const { return linktype_; }
  // For poll(): readable when the kernel has packets for us.
  int selectable_fd() const;
  // Hands every packet available now (at most `max`) to `handler` without blocking. Returns how
  // many, or -1 with error() set.
  int dispatch(int max, PacketHandler& handler);
  bool stats(LiveStats& out) const;
  const std::string& error() const { return error_; }

 private:
  struct Handle;
  PcapLiveSource(std::string name, Handle* handle, bool nanosecond);

  std::string name_;
  Handle* handle_ = nullptr;
  std::uint32_t linktype_ = 0;
  bool nanosecond_ = true;
  std::string error_;
};

}  // namespace bw::capture
