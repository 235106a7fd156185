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

}  // namespace bw::capture
