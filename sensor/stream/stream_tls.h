// The sensor's side of mutual TLS with the collector: PEM files read and checked at start, so a
// wrong path, a file that is not PEM or a key that does not belong to the certificate is one
// clear line naming the file rather than a failed handshake later.
#pragma once

#include <memory>
#include <string>

namespace grpc {
class ChannelCredentials;
}

namespace bw::stream {

struct TlsFiles {
  std::string ca_file;    // CA that signed the collector's certificate
  std::string cert_file;  // this sensor's certificate (chain), PEM
  std::string key_file;   // its private key, PEM, unencrypted
};

struct TlsMaterial {
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
  // Subject CN of the sensor's certificate: the identity the collector will hold it to.
  std::string certificate_cn;
};

// Reads the three files and checks that the CA file holds at least one certificate, the
// certificate file a certificate with a subject CN, and the key file an unencrypted private key
// matching it. Returns false with a reason naming the file.
bool load_tls_material(const TlsFiles& files, TlsMaterial& out, std::string& error);

// grpc::SslCredentials over the material (mutual TLS).
std::shared_ptr<grpc::ChannelCredentials> make_tls_credentials(const TlsMaterial& material);

}  // namespace bw::stream
