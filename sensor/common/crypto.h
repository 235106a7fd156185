// The one adapter to OpenSSL's libcrypto: hashes for fingerprints and Community ID, and the
// AES primitives QUIC Initial protection needs (RFC 9001 section 5).
//
// Cipher contexts are created once per thread and reused: EVP_CIPHER_CTX_new allocates, and
// QUIC decryption runs on worker threads.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "sensor/common/bytes.h"

namespace bw::crypto {

using Md5Digest = std::array<std::uint8_t, 16>;
using Sha1Digest = std::array<std::uint8_t, 20>;
using Sha256Digest = std::array<std::uint8_t, 32>;

Md5Digest md5(ByteSpan data);
Sha1Digest sha1(ByteSpan data);
Sha256Digest sha256(ByteSpan data);

namespace detail {
enum class DigestKind : std::uint8_t { kMd5, kSha256 };
void* digest_begin(DigestKind kind);
void digest_update(void* context, ByteSpan data);
void digest_finish(void* context, std::uint8_t* out);
}  // namespace detail

// Incremental digest for fingerprints assembled piece by piece (JA3, JA4), so no buffer has to
// hold the whole input. The context is the thread's own, reused across calls because creating one
// allocates: at most one stream per algorithm may be alive on a thread at a time.
template <detail::DigestKind Kind, std::size_t N>
class DigestStream {
 public:
  DigestStream() : context_(detail::digest_begin(Kind)) {}
  DigestStream(const DigestStream&) = delete;
  DigestStream& operator=(const DigestStream&) = delete;

  void update(ByteSpan data) { detail::digest_update(context_, data); }
  void update(std::string_view text) {
    update(ByteSpan(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  }
  std::array<std::uint8_t, N> finish() {
    std::array<std::uint8_t, N> out{};
    detail::digest_finish(context_, out.data());
    return out;
  }

 private:
  void* context_;
};

using Md5Stream = DigestStream<detail::DigestKind::kMd5, 16>;
using Sha256Stream = DigestStream<detail::DigestKind::kSha256, 32>;

// HMAC-SHA256 based HKDF (RFC 5869).
Sha256Digest hkdf_extract_sha256(ByteSpan salt, ByteSpan input_key_material);
// Writes out.size() bytes (at most 255 * 32) of HKDF-Expand output. Returns false on misuse.
bool hkdf_expand_sha256(ByteSpan pseudo_random_key, ByteSpan info, std::span<std::uint8_t> out);

// AES-128 single-block ECB encryption, used to derive the QUIC header-protection mask.
bool aes128_ecb_encrypt_block(ByteSpan key16, ByteSpan in16, std::span<std::uint8_t, 16> out);

// AES-128-GCM with a 16-byte tag. `out` must be at least ciphertext.size() bytes. Returns false
// when authentication fails or arguments are inconsistent.
bool aes128_gcm_decrypt(ByteSpan key16, ByteSpan iv12, ByteSpan aad, ByteSpan ciphertext,
                        ByteSpan tag16, std::span<std::uint8_t> out);
// Encrypts plaintext into out (same size) and writes the tag; used by the traffic generator.
bool aes128_gcm_encrypt(ByteSpan key16, ByteSpan iv12, ByteSpan aad, ByteSpan plaintext,
                        std::span<std::uint8_t> out, std::span<std::uint8_t, 16> tag);

// Lower-case hex of a digest, for fingerprints such as JA3.
template <std::size_t N>
void to_hex(const std::array<std::uint8_t, N>& digest, char* out /* 2N bytes */) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < N; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xf];
  }
}

}  // namespace bw::crypto
