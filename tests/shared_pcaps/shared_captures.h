// Where the real public captures are (../shared beside the checkout, or BW_SHARED_DIR) and the
// list of them, for the tests that replay them. Never copied into the repository.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace bw::testing {

inline std::filesystem::path shared_root() {
  if (const char* env = std::getenv("BW_SHARED_DIR")) return env;
  return BW_DEFAULT_SHARED_DIR;
}

// Every capture of ../shared/pcaps and ../shared/background, sorted; empty when absent.
inline std::vector<std::filesystem::path> shared_captures() {
  std::vector<std::filesystem::path> out;
  for (const char* folder : {"pcaps", "background"}) {
    const std::filesystem::path dir = shared_root() / folder;
    if (!std::filesystem::is_directory(dir)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      const bool capture =
          name.find(".pcap") != std::string::npos || (name.size() > 4 && name.ends_with(".cap"));
      if (entry.is_regular_file() && capture) out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace bw::testing
