# trafficsim_add_plugin(NAME SOURCES src... [OUTPUT_DIR dir] [INSTALL_DIR dir] [NO_INSTALL])
#
# Declares a trafficsim scenario plugin: a MODULE library named trafficsim_<NAME>.so,
# hidden visibility, linked against trafficsim::sdk only, written to OUTPUT_DIR
# (default: <build>/plugins, or the project's plugin folder in the trafficsim tree) and
# installed to INSTALL_DIR (default: <libdir>/trafficsim/plugins, where an installed
# trafficsim-host of the same prefix finds it). C++ sources are built as C++20; a plugin
# may be all C. Unknown arguments and a name that breaks the rule of
# <trafficsim/limits.h> are errors.
#
# Shipped with the SDK package: find_package(trafficsim) makes it available.

include_guard(GLOBAL)
include(GNUInstallDirs)

# The name rule, read from the header the host and the test kit compile
# (TRAFFICSIM_LIMITS_HEADER: set by the package config, or by the trafficsim tree).
function(_trafficsim_name_rule out_pattern out_max)
  file(STRINGS "${TRAFFICSIM_LIMITS_HEADER}" lines REGEX "^#define TRAFFICSIM_NAME_(MAX|PATTERN) ")
  foreach(line IN LISTS lines)
    if(line MATCHES "NAME_MAX ([0-9]+)")
      set(${out_max} "${CMAKE_MATCH_1}" PARENT_SCOPE)
    elseif(line MATCHES "NAME_PATTERN \"([^\"]+)\"")
      set(${out_pattern} "${CMAKE_MATCH_1}" PARENT_SCOPE)
    endif()
  endforeach()
endfunction()

function(trafficsim_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "NO_INSTALL" "OUTPUT_DIR;INSTALL_DIR" "SOURCES")
  if(arg_UNPARSED_ARGUMENTS OR arg_KEYWORDS_MISSING_VALUES)
    message(FATAL_ERROR "trafficsim_add_plugin(${name}): unknown or incomplete arguments: "
                        "${arg_UNPARSED_ARGUMENTS} ${arg_KEYWORDS_MISSING_VALUES}")
  endif()
  _trafficsim_name_rule(pattern max)
  string(LENGTH "${name}" length)
  if(NOT name MATCHES "${pattern}" OR length GREATER max)
    message(FATAL_ERROR "trafficsim_add_plugin(${name}): the name must be 1-${max} characters of a-z, 0-9 and _, "
                        "starting with a letter")
  endif()
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "trafficsim_add_plugin(${name}): SOURCES is required")
  endif()
  if(NOT arg_OUTPUT_DIR)
    if(DEFINED TRAFFICSIM_PLUGIN_OUTPUT_DIR)
      set(arg_OUTPUT_DIR "${TRAFFICSIM_PLUGIN_OUTPUT_DIR}")
    else()
      set(arg_OUTPUT_DIR "${CMAKE_BINARY_DIR}/plugins")
    endif()
  endif()
  if(NOT arg_INSTALL_DIR)
    set(arg_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/trafficsim/plugins")
  endif()

  set(target trafficsim_plugin_${name})
  add_library(${target} MODULE ${arg_SOURCES})
  target_link_libraries(${target} PRIVATE trafficsim::sdk)
  set(cxx OFF)
  foreach(src IN LISTS arg_SOURCES)
    if(NOT src MATCHES "\\.c$")
      set(cxx ON)
    endif()
  endforeach()
  if(cxx)
    target_compile_features(${target} PRIVATE cxx_std_20)
  endif()
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME "trafficsim_${name}"
    PREFIX ""
    SUFFIX ".so"
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY "${arg_OUTPUT_DIR}")
  if(NOT arg_NO_INSTALL)
    # Plugins writable by group or others are refused by the host: install them 0755.
    install(TARGETS ${target} LIBRARY DESTINATION "${arg_INSTALL_DIR}"
            PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  endif()
endfunction()
