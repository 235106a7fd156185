# Compiler flags shared by every target of the project.
add_library(bw_options INTERFACE)
target_compile_options(bw_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wno-missing-field-initializers)
target_include_directories(bw_options INTERFACE ${PROJECT_SOURCE_DIR})

if(BW_SANITIZE)
  set(BW_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_compile_options(${BW_SANITIZER_FLAGS})
  add_link_options(${BW_SANITIZER_FLAGS})
endif()

if(BW_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "BW_FUZZ needs clang: configure with -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang")
  endif()
  # Instrument everything for coverage; the fuzzer main is linked only into fuzz targets.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# bw_component(NAME DEPS...) builds a static library from the .cc files of the current folder.
function(bw_component name)
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  if(sources)
    add_library(${name} STATIC ${sources})
    target_link_libraries(${name} PUBLIC bw_options ${ARGN})
  else()
    # A stage whose sources are not written yet still resolves as a dependency.
    add_library(${name} INTERFACE)
    target_link_libraries(${name} INTERFACE bw_options ${ARGN})
  endif()
endfunction()
