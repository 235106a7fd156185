// TLS files are checked when the sensor starts. The certificates are made here with OpenSSL
// (a self-signed EC P-256 certificate doubles as the CA).
#include "sensor/stream/stream_tls.h"

#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace bw::stream {
namespace {

namespace fs = std::filesystem;

struct KeyPair {
  std::string key_pem;
  std::string cert_pem;
  std::string encrypted_key_pem;
};

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

KeyPair make_self_signed(const char* common_name) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());

  KeyPair pair;
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  pair.key_pem = bio_text(bio);
  BIO_free(bio);
  bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  pair.cert_pem = bio_text(bio);
  BIO_free(bio);
  bio = BIO_new(BIO_s_mem());
  static const char kPassphrase[] = "secret";
  PEM_write_bio_PrivateKey(bio, key, EVP_aes_128_cbc(),
                           reinterpret_cast<const unsigned char*>(kPassphrase),
                           sizeof(kPassphrase) - 1, nullptr, nullptr);
  pair.encrypted_key_pem = bio_text(bio);
  BIO_free(bio);
  X509_free(cert);
  EVP_PKEY_free(key);
  return pair;
}

class StreamTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::temp_directory_path() / ("bw-stream-tls-" + std::to_string(::getpid()));
    fs::create_directories(directory_);
    sensor_ = make_self_signed("tap-1");
    other_ = make_self_signed("tap-2");
    files_ = {file("ca.pem", sensor_.cert_pem), file("tap-1.pem", sensor_.cert_pem),
              file("tap-1.key", sensor_.key_pem)};
  }
  void TearDown() override { fs::remove_all(directory_); }

  std::string file(const std::string& name, const std::string& text) {
    const fs::path path = directory_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }

  bool load(const TlsFiles& files) {
    error_.clear();
    return load_tls_material(files, material_, error_);
  }

  fs::path directory_;
  KeyPair sensor_;
  KeyPair other_;
  TlsFiles files_;
  TlsMaterial material_;
  std::string error_;
};

TEST_F(StreamTlsTest, MatchingFilesLoadAndMakeCredentials) {
  ASSERT_TRUE(load(files_)) << error_;
  EXPECT_EQ(material_.ca_pem, sensor_.cert_pem);
  EXPECT_EQ(material_.cert_pem, sensor_.cert_pem);
  EXPECT_EQ(material_.key_pem, sensor_.key_pem);
  EXPECT_NE(make_tls_credentials(material_), nullptr);
}

TEST_F(StreamTlsTest, AMissingFileIsNamed) {
  TlsFiles files = files_;
  files.ca_file = (directory_ / "absent.pem").string();
  EXPECT_FALSE(load(files));
  EXPECT_EQ(error_, files.ca_file + ": cannot read: No such file or directory");
}

TEST_F(StreamTlsTest, AFileWithoutACertificateIsNamed) {
  TlsFiles files = files_;
  files.ca_file = file("notes.txt", "not a certificate\n");
  EXPECT_FALSE(load(files));
  EXPECT_EQ(error_, files.ca_file + ": no PEM certificate in the CA file");

  files = files_;
  files.cert_file = files_.key_file;  // a key where the certificate belongs
  EXPECT_FALSE(load(files));
  EXPECT_EQ(error_, files.cert_file + ": no PEM certificate");
}

TEST_F(StreamTlsTest, ATruncatedCertificateIsRefused) {
  TlsFiles files = files_;
  files.cert_file = file("cut.pem", sensor_.cert_pem.substr(0, sensor_.cert_pem.size() / 2));
  EXPECT_FALSE(load(files));
  EXPECT_EQ(error_, files.cert_file + ": no PEM certificate");
}

TEST_F(StreamTlsTest, AnUnusableKeyIsNamed) {
  TlsFiles files = files_;
  files.key_file = file("empty.key", "");
  EXPECT_FALSE(load(files));
  EXPECT_EQ(error_, files.key_file + ": no unencrypted PEM private key");

  files.key_file = file("locked.key", sensor_.encrypted_key_pem);  // no passphrase prompt
  EXPECT_FALSE(load(files));
  EXPECT_EQ(error_, files.key_file + ": no unencrypted PEM private key");
}

TEST_F(StreamTlsTest, AKeyOfAnotherCertificateIsRefused) {
  TlsFiles files = files_;
  files.key_file = file("tap-2.key", other_.key_pem);
  EXPECT_FALSE(load(files));
  EXPECT_EQ(error_,
            files.key_file + ": private key does not match the certificate " + files.cert_file);
  EXPECT_TRUE(material_.key_pem.empty());  // nothing handed out on failure
}

}  // namespace
}  // namespace bw::stream
