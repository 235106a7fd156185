// A small, independent ClientHello parser for the generator tests: SNI, ALPN, key shares and
// the JA3 string (GREASE removed), read straight from the handshake bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sensor/common/bytes.h"

namespace bw::gen::testing {

struct ParsedHello {
  std::uint16_t legacy_version = 0;
  std::vector<std::uint16_t> ciphers;
  std::vector<std::uint16_t> extensions;
  std::vector<std::uint16_t> groups;
  std::vector<std::uint8_t> point_formats;
  std::vector<std::pair<std::uint16_t, std::size_t>> key_shares;  // group, key length
  std::string sni;
  std::vector<std::string> alpn;
  std::size_t session_id_length = 0;
  std::string ja3;
};

inline bool grease_value(std::uint16_t v) {
  return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

template <typename T>
std::string dashed(const std::vector<T>& values) {
  std::string out;
  for (T v : values) {
    if (grease_value(static_cast<std::uint16_t>(v))) continue;
    if (!out.empty()) out += '-';
    out += std::to_string(v);
  }
  return out;
}

// `handshake` starts at the handshake type byte (1).
inline bool parse_client_hello(ByteSpan handshake, ParsedHello& out) {
  ByteReader r(handshake);
  std::uint8_t type = 0;
  ByteSpan body;
  if (!r.u8(type) || type != 1 || !r.vec24(body)) return false;
  ByteReader h(body);
  ByteSpan random, session, ciphers, compression, extensions;
  if (!h.be16(out.legacy_version) || !h.bytes(32, random) || !h.vec8(session) ||
      !h.vec16(ciphers) || !h.vec8(compression) || !h.vec16(extensions)) {
    return false;
  }
  out.session_id_length = session.size();
  for (std::size_t i = 0; i + 1 < ciphers.size(); i += 2) {
    out.ciphers.push_back(load_be16(ciphers.data() + i));
  }
  ByteReader e(extensions);
  while (!e.empty()) {
    std::uint16_t ext = 0;
    ByteSpan data;
    if (!e.be16(ext) || !e.vec16(data)) return false;
    out.extensions.push_back(ext);
    ByteReader d(data);
    ByteSpan list;
    if (ext == 0 && d.vec16(list) && list.size() > 3) {
      out.sni = std::string(as_chars(list.subspan(3)));
    } else if (ext == 10 && d.vec16(list)) {
      for (std::size_t i = 0; i + 1 < list.size(); i += 2) {
        out.groups.push_back(load_be16(list.data() + i));
      }
    } else if (ext == 11 && d.vec8(list)) {
      out.point_formats.assign(list.begin(), list.end());
    } else if (ext == 16 && d.vec16(list)) {
      ByteReader p(list);
      ByteSpan name;
      while (p.vec8(name))
        out.alpn.emplace_back(as_chars(name));
    } else if (ext == 51 && d.vec16(list)) {
      ByteReader k(list);
      std::uint16_t group = 0;
      ByteSpan key;
      while (k.be16(group) && k.vec16(key))
        out.key_shares.emplace_back(group, key.size());
    }
  }
  out.ja3 = std::to_string(out.legacy_version) + "," + dashed(out.ciphers) + "," +
            dashed(out.extensions) + "," + dashed(out.groups) + "," + dashed(out.point_formats);
  return e.ok();
}

}  // namespace bw::gen::testing
