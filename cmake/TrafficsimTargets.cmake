# One helper per kind of target, so every target gets the same warnings and layout.

include(TrafficsimPlugin)

function(trafficsim_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                           -Wno-missing-field-initializers)
  if(TRAFFICSIM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# trafficsim_set_conversion_warnings(target): implicit conversions that may change a
# value or its sign (-Wconversion -Wsign-conversion), errors under TRAFFICSIM_WERROR as
# the others: for the host, the plugins and the SDK's headers they include. The tests
# keep them off (their literals and counts would need casts that say nothing).
function(trafficsim_set_conversion_warnings target)
  target_compile_options(${target} PRIVATE -Wconversion -Wsign-conversion)
endfunction()

# trafficsim_check_sdk_only(target): fails the configure step if a source of `target`
# includes anything but SDK headers (<trafficsim/...>) and the C++ standard library. The
# in-tree plugins are held to exactly what a third party has.
function(trafficsim_check_sdk_only target)
  get_target_property(sources ${target} SOURCES)
  get_target_property(dir ${target} SOURCE_DIR)
  foreach(src IN LISTS sources)
    if(NOT IS_ABSOLUTE "${src}")
      set(src "${dir}/${src}")
    endif()
    file(STRINGS "${src}" includes REGEX "^[ \t]*#[ \t]*include")
    foreach(line IN LISTS includes)
      if(line MATCHES "#[ \t]*include[ \t]*\"")
        message(FATAL_ERROR "${src}: plugins include only SDK headers, as <trafficsim/...>: ${line}")
      endif()
      if(line MATCHES "#[ \t]*include[ \t]*<([^>]+)>")
        set(header "${CMAKE_MATCH_1}")
        if(header MATCHES "/" AND NOT header MATCHES "^trafficsim/")
          message(FATAL_ERROR "${src}: plugins include only SDK and standard headers, not <${header}>")
        endif()
      endif()
    endforeach()
  endforeach()
endfunction()

# The in-tree form: the SDK-only check and the project's warnings on top.
function(trafficsim_add_intree_plugin name)
  trafficsim_add_plugin(${name} ${ARGN})
  trafficsim_check_sdk_only(trafficsim_plugin_${name})
  trafficsim_set_warnings(trafficsim_plugin_${name})
  trafficsim_set_conversion_warnings(trafficsim_plugin_${name})
endfunction()

# trafficsim_add_test(NAME SOURCES src... [LIBRARIES lib...] [LABELS label...]
#                     [CONCURRENCY gtest-filter])
# The tests matched by CONCURRENCY (a GoogleTest filter, e.g. "Engine.*:Shards.*") are
# labelled `concurrency.LABEL` instead of LABEL: the ones CI runs under ThreadSanitizer
# (`ctest -L concurrency`); `ctest -L LABEL` still selects them, -L being a regular
# expression. (One label: CMake 3.25's test discovery splits a list of labels into
# separate properties.) The binary is discovered twice, once with the filter and once
# with its negation, so every test is listed exactly once.
function(trafficsim_add_test name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "CONCURRENCY" "SOURCES;LIBRARIES;LABELS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "trafficsim_add_test(${name}): unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE GTest::gtest GTest::gtest_main ${arg_LIBRARIES})
  trafficsim_set_warnings(${name})
  include(GoogleTest)
  if(arg_CONCURRENCY)
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 TEST_FILTER "${arg_CONCURRENCY}"
                         PROPERTIES LABELS "concurrency.${arg_LABELS}")
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 TEST_FILTER "-${arg_CONCURRENCY}"
                         PROPERTIES LABELS "${arg_LABELS}")
  else()
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${arg_LABELS}")
  endif()
endfunction()
