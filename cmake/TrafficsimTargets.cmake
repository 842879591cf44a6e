# One helper per kind of target, so every target gets the same warnings and layout.

function(trafficsim_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                           -Wno-missing-field-initializers)
  if(TRAFFICSIM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# trafficsim_add_plugin(NAME SOURCES src... [OUTPUT_DIR dir] [NO_INSTALL])
#
# A scenario plugin: a MODULE library named trafficsim_<NAME>.so with hidden visibility,
# linked only against the SDK, written into the build tree's plugin folder so the host
# finds it without installing. Unknown arguments are an error, not a silent no-op.
function(trafficsim_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "NO_INSTALL" "OUTPUT_DIR" "SOURCES")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "trafficsim_add_plugin(${name}): unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "trafficsim_add_plugin(${name}): SOURCES is required")
  endif()
  if(NOT arg_OUTPUT_DIR)
    set(arg_OUTPUT_DIR "${TRAFFICSIM_PLUGIN_OUTPUT_DIR}")
  endif()
  set(target trafficsim_plugin_${name})
  add_library(${target} MODULE ${arg_SOURCES})
  target_link_libraries(${target} PRIVATE trafficsim::sdk)
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME "trafficsim_${name}"
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY "${arg_OUTPUT_DIR}")
  # A plugin sees the SDK and nothing else of the project: no host headers.
  set_property(TARGET ${target} PROPERTY INCLUDE_DIRECTORIES "")
  trafficsim_set_warnings(${target})
  if(NOT arg_NO_INSTALL AND PROJECT_IS_TOP_LEVEL)
    install(TARGETS ${target} LIBRARY DESTINATION "${TRAFFICSIM_PLUGIN_INSTALL_DIR}")
  endif()
endfunction()

# trafficsim_add_test(NAME SOURCES src... [LIBRARIES lib...] [LABELS label...])
function(trafficsim_add_test name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;LIBRARIES;LABELS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "trafficsim_add_test(${name}): unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE GTest::gtest GTest::gtest_main ${arg_LIBRARIES})
  target_compile_definitions(${name} PRIVATE
    TRAFFICSIM_TEST_PLUGIN_DIR="${TRAFFICSIM_PLUGIN_OUTPUT_DIR}"
    TRAFFICSIM_TEST_EXTRA_PLUGIN_DIR="${PROJECT_BINARY_DIR}/test_plugins"
    TRAFFICSIM_TEST_HOST="$<TARGET_FILE:trafficsim-host>")
  trafficsim_set_warnings(${name})
  include(GoogleTest)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${arg_LABELS}")
endfunction()
