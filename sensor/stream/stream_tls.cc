#include "sensor/stream/stream_tls.h"

#include <grpcpp/security/credentials.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "sensor/common/file_text.h"

namespace bw::stream {
namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

BioPtr memory_bio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// An encrypted key would make OpenSSL prompt on the terminal; refusing the passphrase turns it
// into a plain parse failure instead.
int no_passphrase(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*user*/) {
  return 0;
}

X509Ptr first_certificate(const std::string& pem) {
  const BioPtr bio = memory_bio(pem);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr));
  ERR_clear_error();
  return cert;
}

PkeyPtr private_key(const std::string& pem) {
  const BioPtr bio = memory_bio(pem);
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  ERR_clear_error();
  return key;
}

std::string subject_common_name(X509* cert) {
  X509_NAME* subject = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0) return {};
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, value);
  if (length < 0) return {};
  std::string name(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  return name;
}

}  // namespace

bool load_tls_material(const TlsFiles& files, TlsMaterial& out, std::string& error) {
  TlsMaterial material;
  if (!read_file_text(files.ca_file, material.ca_pem, error) ||
      !read_file_text(files.cert_file, material.cert_pem, error) ||
      !read_file_text(files.key_file, material.key_pem, error)) {
    return false;
  }
  if (!first_certificate(material.ca_pem)) {
    error = files.ca_file + ": no PEM certificate in the CA file";
    return false;
  }
  const X509Ptr cert = first_certificate(material.cert_pem);
  if (!cert) {
    error = files.cert_file + ": no PEM certificate";
    return false;
  }
  material.certificate_cn = subject_common_name(cert.get());
  if (material.certificate_cn.empty()) {
    error = files.cert_file +
            ": certificate has no subject CN (the collector takes the sensor's "
            "identity from it)";
    return false;
  }
  const PkeyPtr key = private_key(material.key_pem);
  if (!key) {
    error = files.key_file + ": no unencrypted PEM private key";
    return false;
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    error = files.key_file + ": private key does not match the certificate " + files.cert_file;
    return false;
  }
  out = std::move(material);
  return true;
}

std::shared_ptr<grpc::ChannelCredentials> make_tls_credentials(const TlsMaterial& material) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = material.ca_pem;
  options.pem_cert_chain = material.cert_pem;
  options.pem_private_key = material.key_pem;
  return grpc::SslCredentials(options);
}

}  // namespace bw::stream
