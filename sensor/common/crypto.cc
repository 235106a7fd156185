#include "sensor/common/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

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

template <std::size_t N>
std::array<std::uint8_t, N> digest(const EVP_MD* md, ByteSpan data) {
  std::array<std::uint8_t, N> out{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr);
  return out;
}

int as_int(std::size_t n) {
  return static_cast<int>(n);
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

}  // namespace

namespace detail {

void* digest_begin(DigestKind kind) {
  // One context per algorithm and thread, so an MD5 and a SHA-256 stream can be open together.
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> md5_ctx(EVP_MD_CTX_new());
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> sha256_ctx(EVP_MD_CTX_new());
  EVP_MD_CTX* ctx = kind == DigestKind::kMd5 ? md5_ctx.get() : sha256_ctx.get();
  if (ctx == nullptr) return nullptr;
  const EVP_MD* md = kind == DigestKind::kMd5 ? EVP_md5() : EVP_sha256();
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
  return digest<16>(EVP_md5(), data);
}
Sha1Digest sha1(ByteSpan data) {
  return digest<20>(EVP_sha1(), data);
}
Sha256Digest sha256(ByteSpan data) {
  return digest<32>(EVP_sha256(), data);
}

Sha256Digest hkdf_extract_sha256(ByteSpan salt, ByteSpan input_key_material) {
  // HKDF-Extract is HMAC(salt, IKM) by definition (RFC 5869 section 2.2).
  Sha256Digest out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), salt.data(), as_int(salt.size()), input_key_material.data(),
       input_key_material.size(), out.data(), &len);
  return out;
}

bool hkdf_expand_sha256(ByteSpan pseudo_random_key, ByteSpan info, std::span<std::uint8_t> out) {
  if (out.size() > std::size_t{255} * 32) return false;
  std::array<std::uint8_t, 32> block{};
  std::size_t produced = 0;
  unsigned int block_len = 0;
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
    HMAC(EVP_sha256(), pseudo_random_key.data(), as_int(pseudo_random_key.size()), input.data(), n,
         block.data(), &block_len);
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
