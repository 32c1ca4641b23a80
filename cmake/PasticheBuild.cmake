# Build-wide settings and helpers: compiler warnings, sanitizers, coverage, and per-folder
# include roots.

# Warnings: the same set for GCC and Clang; PASTICHE_WERROR (CI) makes them errors.
add_compile_options(-Wall -Wextra -Wno-unused-parameter)
if(PASTICHE_WERROR)
  add_compile_options(-Werror)
endif()

# No build machine path may end up in the shipped binary (scripts/test_package.sh checks with
# strings): nothing uses __FILE__, and Release compiles asserts out. (-fmacro-prefix-map would
# put the checkout's path on every command line and defeat ccache across checkouts.)

# Link only the shared libraries whose symbols the code uses.
add_link_options(LINKER:--as-needed)

# PASTICHE_SANITIZE: OFF, address (AddressSanitizer + UndefinedBehaviorSanitizer; ON means this
# too) or thread (ThreadSanitizer).
string(TOLOWER "${PASTICHE_SANITIZE}" pastiche_sanitize)
if(pastiche_sanitize STREQUAL "on" OR pastiche_sanitize STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(pastiche_sanitize STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT pastiche_sanitize STREQUAL "off" AND NOT pastiche_sanitize STREQUAL "")
  message(FATAL_ERROR "PASTICHE_SANITIZE=${PASTICHE_SANITIZE}: use OFF, address or thread")
endif()

# Coverage: gcov data (.gcno/.gcda), which GCC writes and Clang too with --coverage; gcovr reads
# Clang's through `llvm-cov gcov`.
if(PASTICHE_COVERAGE)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    message(FATAL_ERROR "PASTICHE_COVERAGE needs GCC or Clang (gcov data for gcovr)")
  endif()
  add_compile_options(--coverage)
  add_link_options(--coverage)
endif()

# Gives TARGET an include root holding only FOLDER (relative to the source tree), so that its
# headers are included as "FOLDER/x.h" while the rest of the tree stays invisible: a target sees
# its own folder and, through its PUBLIC dependencies, the folders below it (ui -> app -> engine).
# The root is a directory in the build tree with one symbolic link, FOLDER -> the source folder.
function(pastiche_include_root target folder)
  set(root ${PROJECT_BINARY_DIR}/include_roots/${target})
  get_filename_component(parent ${root}/${folder} DIRECTORY)
  file(MAKE_DIRECTORY ${parent})
  if(NOT IS_SYMLINK ${root}/${folder})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${folder} ${root}/${folder} SYMBOLIC)
  endif()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    target_include_directories(${target} INTERFACE ${root})
  else()
    target_include_directories(${target} PUBLIC ${root})
  endif()
endfunction()
