// Builds TLS handshake bytes for tests from explicit field values, so each test states exactly
// which ciphers, extensions and lengths its fixture carries.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bw::test {

using Bytes = std::vector<std::uint8_t>;

inline void put8(Bytes& out, std::size_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
}
inline void put16(Bytes& out, std::size_t v) {
  put8(out, v >> 8);
  put8(out, v);
}
inline void put24(Bytes& out, std::size_t v) {
  put8(out, v >> 16);
  put16(out, v);
}
inline void append(Bytes& out, const Bytes& more) {
  out.insert(out.end(), more.begin(), more.end());
}
inline void append(Bytes& out, std::string_view text) {
  out.insert(out.end(), text.begin(), text.end());
}

inline Bytes with_length16(const Bytes& body) {
  Bytes out;
  put16(out, body.size());
  append(out, body);
  return out;
}
inline Bytes with_length8(const Bytes& body) {
  Bytes out;
  put8(out, body.size());
  append(out, body);
  return out;
}
inline Bytes u16_values(const std::vector<std::uint16_t>& values) {
  Bytes out;
  for (const std::uint16_t v : values)
    put16(out, v);
  return out;
}

struct Extension {
  std::uint16_t type = 0;
  Bytes data;
};

inline Extension sni_extension(std::string_view host) {
  Bytes entry;
  put8(entry, 0);  // host_name
  append(entry, with_length16(Bytes(host.begin(), host.end())));
  return {0x0000, with_length16(entry)};
}
inline Extension alpn_extension(const std::vector<Bytes>& protocols) {
  Bytes list;
  for (const Bytes& p : protocols)
    append(list, with_length8(p));
  return {0x0010, with_length16(list)};
}
inline Bytes text_bytes(std::string_view text) {
  return Bytes(text.begin(), text.end());
}
inline Extension u16_list_extension(std::uint16_t type, const std::vector<std::uint16_t>& v) {
  return {type, with_length16(u16_values(v))};
}
inline Extension supported_versions_extension(const std::vector<std::uint16_t>& versions) {
  return {0x002b, with_length8(u16_values(versions))};
}
inline Extension point_formats_extension(const Bytes& formats) {
  return {0x000b, with_length8(formats)};
}
inline Extension empty_extension(std::uint16_t type) {
  return {type, {}};
}

struct ClientHelloSpec {
  std::uint16_t legacy_version = 0x0303;
  Bytes session_id = Bytes(32, 0x5a);
  std::vector<std::uint16_t> ciphers;
  Bytes compression = {0x00};
  std::vector<Extension> extensions;
  bool omit_extensions_block = false;
};

inline Bytes extensions_block(const std::vector<Extension>& extensions) {
  Bytes block;
  for (const Extension& e : extensions) {
    put16(block, e.type);
    append(block, with_length16(e.data));
  }
  return block;
}

inline Bytes handshake_message(std::uint8_t type, const Bytes& body) {
  Bytes out;
  put8(out, type);
  put24(out, body.size());
  append(out, body);
  return out;
}

inline Bytes client_hello_message(const ClientHelloSpec& spec) {
  Bytes body;
  put16(body, spec.legacy_version);
  body.insert(body.end(), 32, 0x11);  // random
  append(body, with_length8(spec.session_id));
  append(body, with_length16(u16_values(spec.ciphers)));
  append(body, with_length8(spec.compression));
  if (!spec.omit_extensions_block) append(body, with_length16(extensions_block(spec.extensions)));
  return handshake_message(1, body);
}

// Frames `message` as handshake records whose payloads have the given sizes (the last record
// takes whatever remains).
inline Bytes as_records(const Bytes& message, std::vector<std::size_t> sizes = {},
                        std::uint16_t record_version = 0x0301) {
  Bytes out;
  std::size_t offset = 0;
  for (std::size_t i = 0; offset < message.size(); ++i) {
    const std::size_t rest = message.size() - offset;
    const std::size_t n = i < sizes.size() ? std::min(sizes[i], rest) : rest;
    put8(out, 0x16);
    put16(out, record_version);
    put16(out, n);
    out.insert(out.end(), message.begin() + static_cast<std::ptrdiff_t>(offset),
               message.begin() + static_cast<std::ptrdiff_t>(offset + n));
    offset += n;
  }
  return out;
}

}  // namespace bw::test
