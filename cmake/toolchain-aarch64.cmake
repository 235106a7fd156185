# Cross-compiles Beaconwatch for arm64 (aarch64) on an amd64 Debian 12 host with Debian's cross
# compiler (apt-get install g++-aarch64-linux-gnu) against an arm64 Debian 12 root as sysroot:
#
#   cmake -G Ninja -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake \
#         -DBW_ARM64_ROOT=/path/to/arm64-root
#
# (or BW_ARM64_ROOT in the environment). The root needs the project's -dev packages for arm64;
# firmware/test-arm64.sh makes one with mmdebstrap. Libraries, headers, pkg-config files and CMake
# package files come from the root; programs (protoc, grpc_cpp_plugin) from the host, whose
# protobuf and gRPC must be the same versions as the root's (both Debian 12). Test binaries run
# through qemu-user when CMAKE_CROSSCOMPILING_EMULATOR is set (firmware/test-arm64.sh does).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

if(NOT BW_ARM64_ROOT AND DEFINED ENV{BW_ARM64_ROOT})
  set(BW_ARM64_ROOT "$ENV{BW_ARM64_ROOT}")
endif()
if(NOT BW_ARM64_ROOT)
  message(FATAL_ERROR "toolchain-aarch64: set BW_ARM64_ROOT to an arm64 Debian root (the sysroot)")
endif()
# try_compile projects read this file again; pass the root on to them.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES BW_ARM64_ROOT)
set(ENV{BW_ARM64_ROOT} "${BW_ARM64_ROOT}")

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_SYSROOT "${BW_ARM64_ROOT}")
set(CMAKE_FIND_ROOT_PATH "${BW_ARM64_ROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config: the host's program, the root's .pc files, paths prefixed with the root.
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${BW_ARM64_ROOT}")
set(ENV{PKG_CONFIG_LIBDIR}
    "${BW_ARM64_ROOT}/usr/lib/aarch64-linux-gnu/pkgconfig:${BW_ARM64_ROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# Code generators run on the host (proto/CMakeLists.txt: protobuf::protoc from FindProtobuf's
# Protobuf_PROTOC_EXECUTABLE, and BW_GRPC_CPP_PLUGIN from find_program).
set(Protobuf_PROTOC_EXECUTABLE /usr/bin/protoc CACHE FILEPATH "host protoc")
set(BW_GRPC_CPP_PLUGIN /usr/bin/grpc_cpp_plugin CACHE FILEPATH "host grpc_cpp_plugin")
