// bw-pcap-reorder IN OUT [--first-pair]: writes IN with each TCP direction's data segments
// swapped in pairs (see tools/reorder/pcap_reorder.h), to test reassembly on real captures.
#include <cstdio>
#include <cstring>
#include <string>

#include "tools/reorder/pcap_reorder.h"

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4 || (argc == 4 && std::strcmp(argv[3], "--first-pair") != 0)) {
    std::fprintf(stderr,
                 "usage: bw-pcap-reorder IN OUT [--first-pair]\n"
                 "Swaps each TCP direction's data segments in pairs (only the first pair with\n"
                 "--first-pair); writes classic pcap with nanosecond timestamps.\n");
    return 2;
  }
  const auto mode =
      argc == 4 ? bw::reorder::ReorderMode::kFirstPair : bw::reorder::ReorderMode::kEveryPair;
  bw::reorder::ReorderStats stats;
  std::string error;
  if (!bw::reorder::reorder_capture(argv[1], argv[2], mode, stats, error)) {
    std::fprintf(stderr, "bw-pcap-reorder: %s\n", error.c_str());
    return 1;
  }
  std::printf("frames %llu, TCP data segments %llu, pairs swapped %llu\n",
              static_cast<unsigned long long>(stats.frames),
              static_cast<unsigned long long>(stats.tcp_data_segments),
              static_cast<unsigned long long>(stats.pairs_swapped));
  return 0;
}
