#include "sensor/common/ip_address.h"

#include <arpa/inet.h>

namespace bw {

std::size_t IpAddress::format(char* buf, std::size_t size) const {
  if (family != 4 && family != 6) {
    if (size > 0) buf[0] = '\0';
    return 0;
  }
  if (inet_ntop(family == 4 ? AF_INET : AF_INET6, bytes.data(), buf,
                static_cast<socklen_t>(size)) == nullptr) {
    if (size > 0) buf[0] = '\0';
    return 0;
  }
  return std::strlen(buf);
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  const std::size_t n = format(buf, sizeof buf);
  return {buf, n};
}

}  // namespace bw
