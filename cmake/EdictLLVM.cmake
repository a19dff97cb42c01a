# Debian installs LLVM 19 under /usr/lib/llvm-19. LLVMConfigVersion.cmake accepts only an exact
# major.minor match, so ask for 19.1, not 19. NO_DEFAULT_PATH keeps /usr/lib/llvm-14 out.
find_package(LLVM 19.1 REQUIRED CONFIG PATHS /usr/lib/llvm-19 NO_DEFAULT_PATH)
message(STATUS "LLVM ${LLVM_PACKAGE_VERSION} (${LLVM_DIR}), dylib=${LLVM_LINK_LLVM_DYLIB}")
separate_arguments(EDICT_LLVM_DEFINITIONS NATIVE_COMMAND "${LLVM_DEFINITIONS}")

option(EDICT_LLVM_SHARED "Link libLLVM-19.so instead of component archives" ${LLVM_LINK_LLVM_DYLIB})
if(EDICT_LLVM_SHARED)
  set(EDICT_LLVM_SUPPORT_LIBS LLVM)
  set(EDICT_LLVM_BACKEND_LIBS LLVM)
else()
  llvm_map_components_to_libnames(EDICT_LLVM_SUPPORT_LIBS support)
  llvm_map_components_to_libnames(EDICT_LLVM_BACKEND_LIBS core orcjit native passes target
                                                        irreader bitwriter)
endif()

add_library(edict_llvm_support INTERFACE)   # ADT/Support: allowed everywhere
target_include_directories(edict_llvm_support SYSTEM INTERFACE ${LLVM_INCLUDE_DIRS})
target_compile_definitions(edict_llvm_support INTERFACE ${EDICT_LLVM_DEFINITIONS})
target_link_libraries(edict_llvm_support INTERFACE ${EDICT_LLVM_SUPPORT_LIBS})
add_library(edict::llvm_support ALIAS edict_llvm_support)

add_library(edict_llvm_backend INTERFACE)   # Core/ORC/Target: codegen/, backend/, driver/ only
target_link_libraries(edict_llvm_backend INTERFACE edict_llvm_support ${EDICT_LLVM_BACKEND_LIBS})
add_library(edict::llvm_backend ALIAS edict_llvm_backend)

set(EDICT_LLVM_TOOLS_DIR ${LLVM_TOOLS_BINARY_DIR})   # FileCheck, not, split-file
find_program(EDICT_LIT lit.py PATHS /usr/lib/llvm-19/build/utils/lit NO_DEFAULT_PATH REQUIRED)
