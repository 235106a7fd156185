#include "sensor/common/file_text.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace bw {

bool read_file_text(const std::string& path, std::string& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (in) out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (!in || in.bad()) {
    error = path + ": cannot read: " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace bw
