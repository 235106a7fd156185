#include "sensor/common/crypto.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <memory>

namespace bw::crypto {
namespace {

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};

// One context per thread, reset per use: creating a context allocates.
EVP_CIPHER_CTX* thread_cipher_ctx() {
  thread_local std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx(EVP_CIPHER_CTX_new());
  if (ctx) EVP_CIPHER_CTX_reset(ctx.get());
  return ctx.get();
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

// OpenSSL 3 looks an algorithm up in its provider store ("fetches" it) every time a legacy
// EVP_sha256()-style handle is used; Community IDs, JA3 and QUIC keys hash per event or per
// handshake, so each algorithm is fetched once for the process and kept. Falls back to the legacy
// handle if the fetch fails.
const EVP_MD* fetched_md(const char* name, const EVP_MD* legacy) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  return md != nullptr ? md : legacy;
}
const EVP_MD* md5_md() {
  static const EVP_MD* const md = fetched_md("MD5", EVP_md5());
  return md;
}
const EVP_MD* sha1_md() {
  static const EVP_MD* const md = fetched_md("SHA1", EVP_sha1());
  return md;
}
const EVP_MD* sha256_md() {
  static const EVP_MD* const md = fetched_md("SHA256", EVP_sha256());
  return md;
}

// One-shot digests use their own context, so they may run while a DigestStream is open.
template <std::size_t N>
std::array<std::uint8_t, N> digest(const EVP_MD* md, ByteSpan data) {
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  std::array<std::uint8_t, N> out{};
  unsigned int len = 0;
  if (ctx == nullptr || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) return out;
  EVP_DigestUpdate(ctx.get(), data.data(), data.size());
  EVP_DigestFinal_ex(ctx.get(), out.data(), &len);
  return out;
}

// HMAC-SHA256 through one MAC context per thread: the one-shot HMAC() fetches the MAC and the
// digest and builds a context on every call.
EVP_MAC_CTX* thread_hmac_sha256() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  thread_local std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx = [] {
    std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> made(mac != nullptr ? EVP_MAC_CTX_new(mac)
                                                                    : nullptr);
    char digest_name[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end()};
    if (made != nullptr && EVP_MAC_CTX_set_params(made.get(), params) != 1) made.reset();
    return made;
  }();
  return ctx.get();
}

bool hmac_sha256(ByteSpan key, ByteSpan data, std::uint8_t* out32) {
  EVP_MAC_CTX* ctx = thread_hmac_sha256();
  std::size_t len = 0;
  // OpenSSL refuses a null key pointer even for an empty key.
  static constexpr std::uint8_t kEmpty[1] = {0};
  return ctx != nullptr &&
         EVP_MAC_init(ctx, key.empty() ? kEmpty : key.data(), key.size(), nullptr) == 1 &&
         EVP_MAC_update(ctx, data.data(), data.size()) == 1 &&
         EVP_MAC_final(ctx, out32, &len, 32) == 1 && len == 32;
}

int as_int(std::size_t n) {
  return static_cast<int>(n);
}

}  // namespace

namespace detail {

void* digest_begin(DigestKind kind) {
  // One context per algorithm and thread, so an MD5 and a SHA-256 stream can be open together.
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> md5_ctx(EVP_MD_CTX_new());
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> sha256_ctx(EVP_MD_CTX_new());
  EVP_MD_CTX* ctx = kind == DigestKind::kMd5 ? md5_ctx.get() : sha256_ctx.get();
  if (ctx == nullptr) return nullptr;
  const EVP_MD* md = kind == DigestKind::kMd5 ? md5_md() : sha256_md();
  if (EVP_DigestInit_ex(ctx, md, nullptr) != 1) return nullptr;
  return ctx;
}

void digest_update(void* context, ByteSpan data) {
  if (context == nullptr || data.empty()) return;
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(context), data.data(), data.size());
}

void digest_finish(void* context, std::uint8_t* out) {
  if (context == nullptr) return;
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(context), out, &len);
}

}  // namespace detail

Md5Digest md5(ByteSpan data) {
  return digest<16>(md5_md(), data);
}
Sha1Digest sha1(ByteSpan data) {
  return digest<20>(sha1_md(), data);
}
Sha256Digest sha256(ByteSpan data) {
  return digest<32>(sha256_md(), data);
}

Sha256Digest hkdf_extract_sha256(ByteSpan salt, ByteSpan input_key_material) {
  // HKDF-Extract is HMAC(salt, IKM) by definition (RFC 5869 section 2.2).
  Sha256Digest out{};
  if (!hmac_sha256(salt, input_key_material, out.data())) out.fill(0);
  return out;
}

bool hkdf_expand_sha256(ByteSpan pseudo_random_key, ByteSpan info, std::span<std::uint8_t> out) {
  if (out.size() > std::size_t{255} * 32) return false;
  std::array<std::uint8_t, 32> block{};
  std::size_t produced = 0;
  for (std::uint8_t counter = 1; produced < out.size(); ++counter) {
    // T(i) = HMAC(PRK, T(i-1) | info | i)
    std::array<std::uint8_t, 32 + 256 + 1> input{};
    std::size_t n = 0;
    if (info.size() > 256) return false;
    if (counter > 1) {
      std::copy(block.begin(), block.end(), input.begin());
      n = block.size();
    }
    std::copy(info.begin(), info.end(), input.begin() + static_cast<std::ptrdiff_t>(n));
    n += info.size();
    input[n++] = counter;
    if (!hmac_sha256(pseudo_random_key, ByteSpan(input.data(), n), block.data())) return false;
    const std::size_t take = std::min<std::size_t>(block.size(), out.size() - produced);
    std::copy_n(block.begin(), take, out.begin() + static_cast<std::ptrdiff_t>(produced));
    produced += take;
  }
  return true;
}

bool aes128_ecb_encrypt_block(ByteSpan key16, ByteSpan in16, std::span<std::uint8_t, 16> out) {
  if (key16.size() != 16 || in16.size() != 16) return false;
  EVP_CIPHER_CTX* ctx = thread_cipher_ctx();
  if (ctx == nullptr) return false;
  int len = 0;
  if (EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), nullptr, key16.data(), nullptr) != 1) return false;
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  if (EVP_EncryptUpdate(ctx, out.data(), &len, in16.data(), 16) != 1) return false;
  return len == 16;
}

bool aes128_gcm_decrypt(ByteSpan key16, ByteSpan iv12, ByteSpan aad, ByteSpan ciphertext,
                        ByteSpan tag16, std::span<std::uint8_t> out) {
  if (key16.size() != 16 || iv12.size() != 12 || tag16.size() != 16 ||
      out.size() < ciphertext.size()) {
    return false;
  }
  EVP_CIPHER_CTX* ctx = thread_cipher_ctx();
  if (ctx == nullptr) return false;
  int len = 0;
  if (EVP_DecryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, nullptr, nullptr) != 1) return false;
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) != 1) return false;
  if (EVP_DecryptInit_ex(ctx, nullptr, nullptr, key16.data(), iv12.data()) != 1) return false;
  if (!aad.empty() && EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), as_int(aad.size())) != 1) {
    return false;
  }
  if (EVP_DecryptUpdate(ctx, out.data(), &len, ciphertext.data(), as_int(ciphertext.size())) != 1) {
    return false;
  }
  // OpenSSL takes a non-const pointer for the expected tag but only reads it.
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16,
                          const_cast<std::uint8_t*>(tag16.data())) != 1) {  // NOLINT
    return false;
  }
  int final_len = 0;
  return EVP_DecryptFinal_ex(ctx, out.data() + len, &final_len) == 1;
}

bool aes128_gcm_encrypt(ByteSpan key16, ByteSpan iv12, ByteSpan aad, ByteSpan plaintext,
                        std::span<std::uint8_t> out, std::span<std::uint8_t, 16> tag) {
  if (key16.size() != 16 || iv12.size() != 12 || out.size() < plaintext.size()) return false;
  EVP_CIPHER_CTX* ctx = thread_cipher_ctx();
  if (ctx == nullptr) return false;
  int len = 0;
  if (EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, nullptr, nullptr) != 1) return false;
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) != 1) return false;
  if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, key16.data(), iv12.data()) != 1) return false;
  if (!aad.empty() && EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), as_int(aad.size())) != 1) {
    return false;
  }
  if (EVP_EncryptUpdate(ctx, out.data(), &len, plaintext.data(), as_int(plaintext.size())) != 1) {
    return false;
  }
  int final_len = 0;
  if (EVP_EncryptFinal_ex(ctx, out.data() + len, &final_len) != 1) return false;
  return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag.data()) == 1;
}

}  // namespace bw::crypto
